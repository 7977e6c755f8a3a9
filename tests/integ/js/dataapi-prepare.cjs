// dataapi.test, part 1: POST /v1/allocate and POST /v1/pending against the
// reference data API (tests/refapi) with its faults, zoned started with
// --api-timeout 500.
//   node dataapi-prepare.cjs
"use strict";
const { checkList } = require("./testlib.cjs");
const {
	RefApi, Zoned, join, assert, waitFor, sleep,
} = require("./dataapi-lib.cjs");

const { check, run } = checkList("dataapi-prepare.cjs", 30000);
const api = new RefApi("api-prepare");
let z;

// The connect_error for a ticket, without failing the whole script.
async function refused(ticket, message) {
	const { Client } = require("./testlib.cjs");
	const c = new Client(z.port, { ticket }, { name: ticket });
	await waitFor(() => c.connectErrors.length || c.welcome, 5000,
	    `${ticket}: connect_error`);
	c.close();
	assert(!c.welcome, `${ticket}: joined, expected "${message}"`);
	assert(c.connectErrors[0].message === message, `${ticket}: ` +
	    `connect_error "${c.connectErrors[0].message}", expected "${message}"`);
}

// Times an announce; {r, ms}.
async function timedAnnounce(ticket, id, character) {
	const body = { ticket, character_id: id };
	if (character !== undefined)
		body.character = character;
	const t0 = Date.now();
	const r = await z.ctl("POST", "/v1/pending", body);
	return { r, ms: Date.now() - t0 };
}

// The API requests made while fn ran.
async function requestsDuring(fn) {
	const before = api.requests().length;
	await fn();
	await sleep(100);
	return api.requests().slice(before);
}

check("refapi and zoned start", async () => {
	await api.start();
	z = new Zoned("z-prepare", undefined, ["--character-api", api.base,
	    "--quest-api", api.base, "--api-timeout", "500"]);
	await z.start();
	return `refapi ${api.base}`;
});

// ---- allocation ------------------------------------------------------------

for (const [fault, want, what] of [
	[{ mode: "error", status: 503 }, 502, "503"],
	[{ mode: "drop" }, 502, "a dropped connection"],
	[{ mode: "hang" }, 504, "no answer (hang)"],
	[{ mode: "slow", delay_ms: 800 }, 504, "an answer after 800 ms"],
]) {
	check(`allocate while GET /areas/meadow/quests gets ${what}: ${want}, ` +
	    "state stays idle", async () => {
		await api.fault(Object.assign({ match: { path_prefix: "/areas/" } },
		    fault));
		const t0 = Date.now();
		const r = await z.ctl("POST", "/v1/allocate", { area: "meadow" });
		const ms = Date.now() - t0;
		await api.fault({ mode: "none" });
		assert(r.status === want, `expected ${want}, got ${r.status}: ` +
		    JSON.stringify(r.body));
		if (want === 504)
			assert(ms >= 400 && ms < 3000, `504 after ${ms} ms with ` +
			    "--api-timeout 500");
		const st = await z.status();
		assert(st.state === "idle", `state ${st.state} after the failed ` +
		    "allocation");
		await refused("t-idle", "server not running");
		return `${r.status} in ${ms} ms: ${JSON.stringify(r.body)}`;
	});
}

check("allocate fetches GET /areas/meadow/quests before running (200)",
    async () => {
	const reqs = await requestsDuring(() => z.allocate("meadow"));
	assert(reqs.includes("GET /areas/meadow/quests"), "no GET " +
	    `/areas/meadow/quests; the API saw ${JSON.stringify(reqs)}`);
	const st = await z.status();
	assert(st.state === "running" && st.area === "meadow",
	    `status ${st.state} ${st.area}`);
});

// ---- preparation from the APIs ----------------------------------------------

let pendingBase;
check("POST /v1/pending without character fetches the character and its " +
    "quests (201)", async () => {
	pendingBase = (await z.status()).pending;
	let r;
	const reqs = await requestsDuring(async () => {
		r = await z.announce("t-ann", "ann");
	});
	assert(r.body.ticket === "t-ann" && r.body.character_id === "ann",
	    `answer ${JSON.stringify(r.body)}`);
	assert(reqs.includes("GET /characters/ann"), "no GET /characters/ann: " +
	    JSON.stringify(reqs));
	assert(reqs.includes("GET /characters/ann/quests?area=meadow"),
	    `no GET /characters/ann/quests?area=meadow: ${JSON.stringify(reqs)}`);
	const st = await z.status();
	assert(st.pending === pendingBase + 1, `pending ${st.pending}, ` +
	    `expected ${pendingBase + 1}`);
	return JSON.stringify(reqs);
});

check("the welcome carries the fetched character, its quests and the " +
    "area's quests", async () => {
	const c = await join(z.port, "t-ann", "ann");
	const w = c.welcome;
	c.close();
	assert(w.name === "Ann" && w.x === 144 && w.y === 464,
	    `welcome ${w.name} at (${w.x}, ${w.y}), expected Ann at (144, 464)`);
	assert(w.character && w.character.version === 1 &&
	    w.character.id === "ann" && w.character.level === 1 &&
	    Array.isArray(w.character.inventory) &&
	    w.character.inventory.some((i) => i.id === "wooden_sword"),
	    `welcome character ${JSON.stringify(w.character)}`);
	assert(w.quests && "main_story" in w.quests &&
	    Array.isArray(w.quests.completed_side_quests),
	    `welcome quests ${JSON.stringify(w.quests)}`);
	const aq = w.area_quests;
	const list = Array.isArray(aq) ? aq : aq && aq.quests;
	assert(Array.isArray(list) && list.some((q) => q.id ===
	    "meadow_slimes"), `welcome area_quests ${JSON.stringify(aq)}`);
	// Wait for the write-back on leaving, so that ann is free again.
	await waitFor(async () => (await api.puts("ann")).some((p) =>
	    p.status === 200), 5000, "ann's write-back");
	return `area_quests ${Array.isArray(aq) ? "an array" : "an object " +
	    "{quests}"} of ${list.length}`;
});

check("both GETs run in parallel (each 350 ms slow: 201 well before " +
    "700 ms)", async () => {
	await api.fault({ mode: "slow", delay_ms: 350, match: { method: "GET" } });
	const { r, ms } = await timedAnnounce("t-bob", "bob");
	await api.fault({ mode: "none" });
	assert(r.status === 201, `HTTP ${r.status} ${JSON.stringify(r.body)}`);
	assert(ms >= 340 && ms < 650, `201 after ${ms} ms`);
	pendingBase = (await z.status()).pending;
	return `${ms} ms`;
});

check("unknown character: 404, no ticket left behind", async () => {
	const { r } = await timedAnnounce("t-nobody", "nobody");
	assert(r.status === 404, `HTTP ${r.status} ${JSON.stringify(r.body)}`);
	const st = await z.status();
	assert(st.pending === pendingBase, `pending ${st.pending}, expected ` +
	    `${pendingBase}`);
	await refused("t-nobody", "unknown ticket");
	return JSON.stringify(r.body);
});

for (const [fault, want, what, lo] of [
	[{ mode: "error" }, 502, "500 on both GETs", 0],
	[{ mode: "error", status: 503, match: { path_prefix:
	    "/characters/cyd/quests" } }, 502, "503 on the quests only", 0],
	[{ mode: "drop" }, 502, "dropped connections", 0],
	[{ mode: "drop", match: { path_prefix: "/characters/cyd/quests" } },
	    502, "a dropped connection for the quests only", 0],
	[{ mode: "hang" }, 504, "no answers (hang)", 400],
	[{ mode: "hang", match: { path_prefix: "/characters/cyd/quests" } },
	    504, "no answer for the quests only", 400],
	[{ mode: "slow", delay_ms: 800 }, 504, "answers after 800 ms", 400],
]) {
	check(`${what}: ${want}, nothing left behind`, async () => {
		await api.fault(fault);
		const { r, ms } = await timedAnnounce("t-cyd", "cyd");
		await api.fault({ mode: "none" });
		assert(r.status === want, `HTTP ${r.status}, expected ${want}: ` +
		    JSON.stringify(r.body));
		assert(ms >= lo && ms < 3000, `answered after ${ms} ms`);
		const st = await z.status();
		assert(st.pending === pendingBase, `pending ${st.pending}, ` +
		    `expected ${pendingBase}`);
		await refused("t-cyd", "unknown ticket");
		return `${ms} ms: ${JSON.stringify(r.body)}`;
	});
}

check("after the failures the same ticket and character prepare (201) " +
    "and play", async () => {
	await sleep(600);	/* the timed-out requests are gone */
	await z.announce("t-cyd", "cyd");
	const c = await join(z.port, "t-cyd", "cyd");
	c.close();
	assert(c.welcome.name === "Cyd" && c.welcome.x === 144 &&
	    c.welcome.y === 496, `welcome ${JSON.stringify(c.welcome)}`);
});

// ---- inline character ----------------------------------------------------------

check("inline character without an integer version: 400", async () => {
	const doc = { id: "bob", name: "Bob", area: "meadow", x: 176, y: 464 };
	let { r } = await timedAnnounce("t-bad", "bob", doc);
	assert(r.status === 400, `no version: HTTP ${r.status}`);
	({ r } = await timedAnnounce("t-bad", "bob", Object.assign({},
	    doc, { version: "1" })));
	assert(r.status === 400, `version "1": HTTP ${r.status}`);
	({ r } = await timedAnnounce("t-bad", "bob", Object.assign({},
	    doc, { version: 1.5 })));
	assert(r.status === 400, `version 1.5: HTTP ${r.status}`);
});

check("inline character: only the quests are fetched (201)", async () => {
	const doc = { id: "bob", name: "Bobby", area: "meadow", x: 208, y: 464,
	    hp: 24, max_hp: 24, level: 2, xp: 120, inventory: [],
	    quests_in_progress: [], version: 1 };
	await z.call("DELETE", "/v1/pending/t-bob", undefined, 204,
	    "withdraw t-bob");
	let res;
	const reqs = await requestsDuring(async () => {
		res = await timedAnnounce("t-inline", "bob", doc);
	});
	assert(res.r.status === 201, `HTTP ${res.r.status} ` +
	    JSON.stringify(res.r.body));
	assert(!reqs.includes("GET /characters/bob"), "GET /characters/bob " +
	    `was fetched: ${JSON.stringify(reqs)}`);
	assert(reqs.includes("GET /characters/bob/quests?area=meadow"),
	    `no quests fetched: ${JSON.stringify(reqs)}`);
	const c = await join(z.port, "t-inline", "inline");
	c.close();
	assert(c.welcome.name === "Bobby" && c.welcome.x === 208,
	    `welcome ${JSON.stringify(c.welcome)}`);
	return JSON.stringify(reqs);
});

check("inline character whose quests fail: 502, nothing left behind",
    async () => {
	await sleep(300);
	await waitFor(async () => !(await z.status()).writeback ||
	    (await z.status()).writeback.owned === 0, 5000, "bob released");
	const doc = { id: "bob", name: "Bob", area: "meadow", x: 176, y: 464,
	    version: 2 };
	await api.fault({ mode: "error" });
	const { r } = await timedAnnounce("t-inl2", "bob", doc);
	await api.fault({ mode: "none" });
	assert(r.status === 502, `HTTP ${r.status} ${JSON.stringify(r.body)}`);
	await refused("t-inl2", "unknown ticket");
});

check("zoned is still running", async () => {
	assert(z.alive(), "zoned exited");
	const st = await z.status();
	assert(st.state === "running", `state ${st.state}`);
});

run();
