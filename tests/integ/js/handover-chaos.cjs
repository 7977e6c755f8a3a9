// handover-chaos.test: hand-overs that go wrong lose and duplicate nothing.
// meadow and town on one reference data API (--ticket-ttl 5000,
// --writeback-interval 1), each the other's neighbour; each scenario plays
// its own character from meadow (1180, 560) east over the edge, and counts
// the characters and items the API holds (its state file) before and
// after, and the players in every instance:
//   1. the target refuses (the API fails town's Quest API GET, so town's
//      POST /v1/pending answers 502): "transfer_failed" neighbour_refused,
//      the player (client library) stays in meadow with everything and
//      plays on;
//   2. the client stops right after "transfer" (never goes to town):
//      meadow lets go without writing again; town's ticket holds the
//      character (another announcement of it there answers 409) until it
//      expires; the API holds it as written through before the offer, once;
//      a new ticket then works, and its writes follow on (no 409);
//   3. town is killed (SIGKILL) while it prepares the offer (its Quest API
//      GET made slow): "transfer_failed" neighbour_unreachable, the player
//      stays in meadow and plays on; town is started anew and meadow told
//      (PUT /v1/neighbours);
//   4. town is killed between "transfer" and the client's arrival (its
//      connection is refused): after the ticket's lifetime meadow ends the
//      old session ("error" transferred) or takes the player back
//      (transfer_failed transfer_timeout); the API holds the character as
//      written through; a new ticket works.
// Every character's PUTs take If-Match 1, 2, 3, ... all answered 200.
"use strict";
const { checkList } = require("./testlib.cjs");
const {
	World, seed, census, censusText, sameCensus, checkPuts, writers,
	putsAfterOffer,
	sameDoc, json, libClient, bareClient, events, waitEvent, joined,
	steer, RADIUS, assert, waitFor, sleep,
} = require("./handover-lib.cjs");

const clients = [];
const { check, run } = checkList("handover-chaos.cjs", 110000, () => {
	for (const c of clients)
		c.close();
});

const TTL = 5000;
const EAST = 40 * 32;	// meadow's width
const world = new World("hc", ["meadow", "town"],
    ["--writeback-interval", "1", "--ticket-ttl", String(TTL)]);
const api = world.api;

function character(id, name, items) {
	return {
		id, name, area: "meadow", x: 1180, y: 560, hp: 16, max_hp: 20,
		level: 2, xp: 40, inventory: items,
		quests_in_progress: [
			{ id: "meadow_slimes", progress: [2, 0, 0, 0],
			    done: false },
		],
		version: 1,
	};
}
const CHARS = {
	ole: character("ole", "Ole", [{ id: "potion", count: 2 },
	    { id: "herb", count: 1 }]),
	pia: character("pia", "Pia", [{ id: "bread", count: 5 }]),
	quin: character("quin", "Quin", [{ id: "torch", count: 1 },
	    { id: "potion", count: 1 }]),
	rex: character("rex", "Rex", [{ id: "iron_ore", count: 2 },
	    { id: "crystal", count: 1 }]),
};
let start;

// Joins meadow with a fresh ticket: a ZonedClient (lib) or a bare socket.
async function play(id, kind, ticket) {
	await world.announce("meadow", ticket, id);
	const url = world.z.meadow.clientUrl;
	const c = kind === "lib" ? libClient(url, ticket) :
	    bareClient(url, ticket);
	clients.push(c);
	const w = await joined(c, 8000, id);
	assert(w.area === "meadow", `${id}: welcome in ${w.area}`);
	return c;
}

// The API's document of id is the seed's but for where it stands.
async function intact(id, what) {
	const doc = await api.character(id);
	sameDoc(doc, CHARS[id], `${what}: the API's ${id} vs the seed`);
	return doc;
}

// Players in every live instance, in all.
async function playersInAll() {
	const p = await world.players();
	return Object.values(p).reduce((a, b) => a + b, 0);
}

// The player walks back west and stands: it plays on in meadow.
async function playsOn(c, id) {
	const a = await c.input(-1, 0);
	assert(a && a.ok === true, `${id}: input: ${json(a)}`);
	const st = steer(c, 1100, 560);
	try {
		await st.reached(8000, `${id} walking west in meadow`);
	} finally {
		st.stop();
	}
	assert(c.area === "meadow", `${id} is in ${c.area}`);
}

// Leaves, and meadow writes the character back once more.
async function leaves(c, id) {
	c.close();
	await world.waitPlayers("meadow", 0, 0);
	await world.settled("meadow");
	const puts = await checkPuts(api, id, 1);
	assert(json(writers(puts)) === json(["meadow"]), `${id} written by ` +
	    json(writers(puts)));
	return puts;
}

// The last successful PUT of id.
async function lastPut(id) {
	const p = (await api.puts(id)).filter((w) => w.status === 200);
	return p[p.length - 1];
}

check("refapi, meadow and town start, each the other's neighbour",
    async () => {
	await world.start();
	await world.allocate("meadow");
	await world.allocate("town");
	for (const c of Object.values(CHARS))
		await seed(api, c);
	start = census(api);
	return censusText(start);
});

check("1. the target refuses: transfer_failed (neighbour_refused); the " +
    "player stays in meadow with everything", async () => {
	const before = census(api);
	const c = await play("ole", "lib", "t-ole");
	await api.fault({ mode: "error", status: 500, count: 1,
	    match: { method: "GET", path_prefix: "/characters/ole/quests" } });
	const st = steer(c, 1400, 560);
	let f;
	try {
		f = await waitEvent(c.log, "transfer_failed", 1, 10000,
		    "ole at the east edge");
	} finally {
		st.stop();
	}
	assert(f.area === "town" && f.code === "neighbour_refused" &&
	    /HTTP 502/.test(f.message), `transfer_failed ${json(f)}`);
	assert(events(c.log, "transfer").length === 0 && !c.transferring,
	    `ole: ${json(c.log.map((e) => e.name))}`);
	const fault = await api.req("GET", "/__fault");
	assert(fault.body.mode === "none", "town never asked the Quest API " +
	    `(the fault is still ${json(fault.body)})`);
	const ts = await world.status("town");
	assert(ts.players === 0 && ts.pending === 0 &&
	    ts.handoff.received === 0, `town: players ${ts.players}, pending ` +
	    `${ts.pending}, handoff ${json(ts.handoff)}`);
	await playsOn(c, "ole");
	assert(await playersInAll() === 1, "ole is not in exactly one world");
	await leaves(c, "ole");
	await intact("ole", "after the refusal");
	sameCensus(before, census(api), "the refusal");
	return f.message;
});

check("2. the client stops right after \"transfer\": nothing written " +
    "again, the ticket expires, the API holds the character once; a new " +
    "ticket works", async () => {
	const before = census(api);
	const c = await play("pia", "bare", "t-pia");
	c.sock.on("transfer", () => c.sock.close());
	const st = steer(c, 1400, 560);
	let t;
	try {
		t = await waitEvent(c.events, "transfer", 1, 10000,
		    "pia at the east edge");
	} finally {
		st.stop();
	}
	assert(t.area === "town" && t.client_url === world.z.town.clientUrl,
	    `transfer ${json(t)}`);
	// Town holds it, within the ticket's lifetime: one owner, not two.
	const ts = await world.status("town");
	assert(ts.pending === 1 && ts.players === 0, `town: pending ` +
	    `${ts.pending}, players ${ts.players}`);
	await world.announce("town", "t-pia-dup", "pia", 409);
	// Nor may meadow let it in again meanwhile: it would play twice.
	await world.announce("meadow", "t-pia-dup2", "pia", 409);
	await world.waitPlayers("meadow", 0, 0);
	await world.settled("meadow");
	const wt = await lastPut("pia");
	assert(wt.body.area === "meadow" && wt.body.x >= EAST - RADIUS - 1,
	    `the last PUT has pia in ${wt.body.area} at (${wt.body.x}, ` +
	    `${wt.body.y}), not at the edge`);
	const n = (await api.puts("pia")).length;
	await sleep(TTL + 2000);
	const ts2 = await world.status("town");
	assert(ts2.pending === 0 && ts2.players === 0, `town after the ` +
	    `ticket's lifetime: pending ${ts2.pending}, players ${ts2.players}`);
	assert((await api.puts("pia")).length === n, "pia was written after " +
	    "her client left");
	const after = putsAfterOffer(api, "pia", "town");
	assert(after === 0, `meadow wrote pia ${after} time(s) after it ` +
	    "offered her to town");
	const doc = await intact("pia", "after the client stopped");
	assert(doc.version === wt.version_after, `the API has version ` +
	    `${doc.version}, the write-through left ${wt.version_after}`);
	sameCensus(before, census(api), "the client stopping");
	assert(await playersInAll() === 0, "pia is still in a world");

	// A new ticket for her works, and its writes follow on.
	const c2 = await play("pia", "bare", "t-pia-2");
	assert(c2.welcome.character.version === doc.version,
	    `welcome version ${c2.welcome.character.version}, the API has ` +
	    doc.version);
	sameDoc(c2.welcome.character, doc, "the new welcome's character");
	await playsOn(c2, "pia");
	const puts = await leaves(c2, "pia");
	assert(puts.length > n, "the new session wrote nothing");
	await intact("pia", "after the new session");
	sameCensus(before, census(api), "the new session");
	return `${puts.length} PUTs`;
});

check("3. town killed (SIGKILL) while it prepares the offer: " +
    "transfer_failed (neighbour_unreachable); the player stays in meadow",
    async () => {
	const before = census(api);
	const c = await play("quin", "lib", "t-quin");
	await api.fault({ mode: "slow", delay_ms: 4000, count: 1,
	    match: { method: "GET", path_prefix: "/characters/quin/quests" } });
	const st = steer(c, 1400, 560);
	let f;
	try {
		// Frozen and offered: out of meadow's world, town asking the
		// (slow) Quest API.
		await waitFor(async () =>
		    (await world.status("meadow")).players === 0, 10000,
		    "quin offered to town");
		await world.z.town.kill9();
		f = await waitEvent(c.log, "transfer_failed", 1, 10000,
		    "quin kept in meadow");
	} finally {
		st.stop();
	}
	assert(f.area === "town" && f.code === "neighbour_unreachable",
	    `transfer_failed ${json(f)}`);
	assert(events(c.log, "transfer").length === 0,
	    `quin: ${json(c.log.map((e) => e.name))}`);
	await world.waitPlayers("meadow", 1, 1);
	await playsOn(c, "quin");
	await leaves(c, "quin");
	await intact("quin", "after town's death");
	sameCensus(before, census(api), "town killed during the offer");

	// A new town; meadow learns where.
	await world.startZoned("town");
	await world.allocate("town");
	await world.setNeighbours("meadow");
	return f.message;
});

check("4. town killed between \"transfer\" and the client's arrival: " +
    "meadow lets the client go (or takes it back) after the ticket's " +
    "lifetime; nothing lost; a new ticket works", async () => {
	const before = census(api);
	const c = await play("rex", "bare", "t-rex");
	const town = world.z.town;
	c.sock.on("transfer", () => town.proc.kill("SIGKILL"));
	const st = steer(c, 1400, 560);
	let t;
	try {
		t = await waitEvent(c.events, "transfer", 1, 10000,
		    "rex at the east edge");
	} finally {
		st.stop();
	}
	const tAt = events(c.events, "transfer")[0].at;
	await town.proc.exited;
	assert(t.client_url === town.clientUrl, `transfer ${json(t)}`);
	const wt = await lastPut("rex");
	const n = (await api.puts("rex")).length;

	// The client crosses: the target is gone.
	const c2 = bareClient(t.client_url, t.ticket);
	clients.push(c2);
	await waitFor(() => events(c2.events, "#connect_error").length ||
	    c2.welcome, 8000, "rex: the dead town refuses");
	assert(!c2.welcome, "a killed town welcomed rex");
	c2.close();

	// Meadow ends it, one way or the other.
	await waitFor(() => events(c.events, "#disconnect").length ||
	    events(c.events, "transfer_failed").length, TTL + 12000,
	    "rex let go or taken back by meadow");
	const at = Date.now();
	const taken = events(c.events, "transfer_failed");
	let how;
	assert(at - tAt >= TTL - 100, `meadow acted ${at - tAt} ms after ` +
	    `"transfer", before the ticket's lifetime`);
	if (taken.length) {
		assert(taken[0].arg.code === "transfer_timeout",
		    `transfer_failed ${json(taken[0].arg)}`);
		how = "taken back";
		await playsOn(c, "rex");
		await leaves(c, "rex");
	} else {
		const err = events(c.events, "error");
		assert(err.length && err[err.length - 1].arg.code ===
		    "transferred", `disconnected without "error" ` +
		    `transferred: ${json(c.events.filter((e) =>
		    e.name !== "state").slice(-5))}`);
		how = `let go ("${err[err.length - 1].arg.message}")`;
		await world.waitPlayers("meadow", 0, 0);
		await world.settled("meadow");
		assert((await api.puts("rex")).length === n, "rex was " +
		    "written after his hand-over");
		const after = putsAfterOffer(api, "rex", "town");
		assert(after === 0, `meadow wrote rex ${after} time(s) ` +
		    "after it offered him to town");
		const doc = await api.character("rex");
		assert(doc.version === wt.version_after, `the API has ` +
		    `version ${doc.version}, the write-through left ` +
		    wt.version_after);
	}
	await intact("rex", "after town's death");
	sameCensus(before, census(api), "town killed after the transfer");
	assert(await playersInAll() === 0, "rex is still in a world");

	// A new ticket works.
	const doc = await api.character("rex");
	const c3 = await play("rex", "bare", "t-rex-2");
	assert(c3.welcome.character.version === doc.version,
	    `welcome version ${c3.welcome.character.version}, the API has ` +
	    doc.version);
	await playsOn(c3, "rex");
	const puts = await leaves(c3, "rex");
	await intact("rex", "after the new session");
	sameCensus(before, census(api), "the new session");
	return `${how}; ${puts.length} PUTs`;
});

check("in the end the API holds every character and item it held at " +
    "the start, and no instance has a player", async () => {
	const end = census(api);
	sameCensus(start, end, "all scenarios");
	assert(await playersInAll() === 0, "players left in a world");
	for (const id of Object.keys(CHARS))
		await checkPuts(api, id, 1);
	const wb = (await world.status("meadow")).writeback;
	assert(wb.conflicts === 0 && wb.rejected === 0, `meadow writeback ` +
	    json(wb));
	return censusText(end);
});

run();
