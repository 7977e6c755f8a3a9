// dataapi.test, part 2: write-back to the reference Character Data API with
// --writeback-interval 1: If-Match chains, disconnect, drain, SIGTERM, a 409
// (ownership lost), an answer lost to a timeout, and a slow API that must
// not slow the tick.
//   node dataapi-writeback.cjs
"use strict";
const { checkList } = require("./testlib.cjs");
const {
	RefApi, Zoned, join, pace, nudge, lastPos, leave, checkChain, assert,
	waitFor, near, POS_TOL, sleep,
} = require("./dataapi-lib.cjs");

const { check, run } = checkList("dataapi-writeback.cjs", 38000);
const api = new RefApi("api-wb");
let z, speed = 120, tickHz = 20;
// One tick of walking, plus rounding (POS_TOL).
const oneStep = () => speed / tickHz + POS_TOL;

function zonedArgs(extra = []) {
	return ["--character-api", api.base, "--quest-api", api.base,
	    "--writeback-interval", "1", ...extra];
}

// Waits until zoned owns nothing (every write-back landed, none spooled).
async function settled(what) {
	await waitFor(async () => {
		const st = await z.status();
		return st.writeback && st.writeback.owned === 0 &&
		    st.writeback.in_flight === 0;
	}, 6000, `${what}: every character written back and let go`);
}

async function checkFinal(id, c, tol, what) {
	const doc = await api.character(id);
	const p = lastPos(c);
	assert(near(doc.x, p.x, tol) && near(doc.y, p.y, tol), `${what}: the ` +
	    `API holds (${doc.x}, ${doc.y}), the client last saw (${p.x}, ` +
	    `${p.y})`);
	return doc;
}

check("refapi and zoned start; meadow allocated", async () => {
	await api.start();
	z = new Zoned("z-wb", undefined, zonedArgs());
	await z.start();
	await z.allocate();
});

check("standing still: no periodic PUT; the disconnect writes once " +
    "(If-Match 1, the whole document)", async () => {
	await z.announce("t-bob1", "bob");
	const c = await join(z.port, "t-bob1", "bob");
	speed = c.welcome.speed;
	tickHz = c.welcome.tick_hz;
	await sleep(2500);
	let puts = await api.puts("bob");
	assert(puts.length === 0, `${puts.length} PUT(s) while bob stood ` +
	    `still: ${JSON.stringify(puts.map((p) => p.if_match))}`);
	await leave(c);
	await waitFor(async () => (await api.puts("bob")).length > 0, 3000,
	    "bob's PUT after the disconnect");
	await settled("bob");
	puts = await api.puts("bob");
	assert(puts.length === 1 && puts[0].status === 200 &&
	    String(puts[0].if_match) === "1", `PUTs ${JSON.stringify(puts.map(
	    (p) => [p.if_match, p.status]))}, expected one with If-Match 1`);
	const b = puts[0].body;
	assert(b && b.id === "bob" && b.name === "Bob" && b.hp === 24 &&
	    b.level === 2 && Array.isArray(b.inventory) &&
	    b.inventory.some((i) => i.id === "bread") && b.x === 176 &&
	    b.y === 464 && b.area === "meadow", `PUT body ${JSON.stringify(b)}`);
	const doc = await api.character("bob");
	assert(doc.version === 2, `bob's version ${doc.version}`);
});

let annClient;
check("walking: a PUT every interval, If-Match 1, 2, 3, ...; the " +
    "disconnect writes the final position", async () => {
	await z.announce("t-ann1", "ann");
	const c = annClient = await join(z.port, "t-ann1", "ann");
	const stop = pace(c);
	await sleep(3600);
	const during = (await api.puts("ann")).length;
	await stop();
	await nudge(c, 1, 0, 500);
	assert(during >= 2 && during <= 5, `${during} PUT(s) in 3.6 s of ` +
	    "walking with --writeback-interval 1");
	const x0 = c.welcome.x;
	await leave(c);
	await waitFor(async () => (await api.puts("ann")).length > during, 3000,
	    "ann's PUT after the disconnect");
	await settled("ann");
	const puts = await api.puts("ann");
	const im = checkChain(puts, 1);
	assert(puts.every((p) => p.status === 200), "failed PUTs: " +
	    JSON.stringify(puts.map((p) => [p.if_match, p.status])));
	const doc = await checkFinal("ann", c, POS_TOL, "after the disconnect");
	assert(doc.version === im.length + 1, `version ${doc.version} after ` +
	    `${im.length} PUTs`);
	assert(!near(doc.x, x0, 1), `ann's x in the API is still ${doc.x}`);
	return `If-Match ${im.join(", ")}; x ${x0} -> ${doc.x}`;
});

check("a second session continues the chain (fetched version, no gap)",
    async () => {
	await z.announceWhenFree("t-ann2", "ann");
	const c = await join(z.port, "t-ann2", "ann");
	const prev = annClient && lastPos(annClient);
	if (prev)
		assert(near(c.welcome.x, prev.x, POS_TOL), `welcome x ` +
		    `${c.welcome.x}, ann left at ${prev.x}`);
	assert(c.welcome.character.version === (await api.character("ann"))
	    .version, `welcome version ${c.welcome.character.version}`);
	const stop = pace(c);
	await sleep(1500);
	await stop();
	await leave(c);
	await sleep(300);
	await settled("ann");
	const im = checkChain(await api.puts("ann"), 1);
	await checkFinal("ann", c, POS_TOL, "after the second session");
	return `If-Match ${im.join(", ")}`;
});

check("drain writes every player back (final positions, chains intact)",
    async () => {
	await z.announceWhenFree("t-ann3", "ann");
	await z.announceWhenFree("t-cyd3", "cyd");
	const a = await join(z.port, "t-ann3", "ann");
	const cy = await join(z.port, "t-cyd3", "cyd");
	pace(a, 400);
	pace(cy, 300);
	await sleep(1300);
	await z.call("POST", "/v1/drain", undefined, 202, "drain");
	await waitFor(() => a.disconnects.length && cy.disconnects.length, 3000,
	    "both disconnected by the drain");
	await settled("drain");
	for (const [id, c] of [["ann", a], ["cyd", cy]]) {
		checkChain(await api.puts(id), 1, `${id}: `);
		await checkFinal(id, c, oneStep(), `${id} after the drain`);
	}
	const st = await z.status();
	assert(st.state === "idle", `state ${st.state} after the drain`);
});

check("SIGTERM: the player is written back, then zoned exits 0", async () => {
	await z.allocate();
	await z.announceWhenFree("t-ann4", "ann");
	const c = await join(z.port, "t-ann4", "ann");
	pace(c);
	await sleep(1300);
	const before = (await api.puts("ann")).length;
	z.signal("SIGTERM");
	const ex = await z.waitExit(5000);
	assert(ex, "zoned did not exit within 5 s of SIGTERM");
	assert(ex.code === 0, `zoned exited ${JSON.stringify(ex)}`);
	assert(c.errors.some((e) => e.code === "shutdown"), "no shutdown " +
	    `error: ${JSON.stringify(c.errors)}`);
	const puts = await api.puts("ann");
	assert(puts.length > before, "no PUT after SIGTERM");
	checkChain(puts, 1);
	await checkFinal("ann", c, oneStep(), "after SIGTERM");
	assert(z.spool() === null, "a spool file was left behind");
	return `exit ${ex.code}`;
});

check("a new zoned (--api-timeout 1000) starts and allocates", async () => {
	z = new Zoned("z-wb2", undefined, zonedArgs(["--api-timeout", "1000"]));
	await z.start();
	await z.allocate();
});

check("409 on PUT: error ownership_lost, disconnected, and no PUT for " +
    "the character after it", async () => {
	await z.announce("t-ann5", "ann");
	await z.announce("t-bob5", "bob");
	const c = await join(z.port, "t-ann5", "ann");
	const b = await join(z.port, "t-bob5", "bob");
	const n0 = (await api.puts("ann")).length;
	pace(c);
	await waitFor(async () => (await api.puts("ann")).length > n0, 3000,
	    "a periodic PUT");
	// Only ann: bob may be hurt by a mob and written back too.
	await api.fault({ mode: "conflict", match: { method: "PUT",
	    path_prefix: "/characters/ann" } });
	let conflictSeq;
	try {
		await waitFor(() => c.errors.some((e) => e.code ===
		    "ownership_lost") && c.disconnects.length, 4000,
		    "ownership_lost and a disconnect");
		const e = c.errors.find((x) => x.code === "ownership_lost");
		assert(typeof e.message === "string" && e.message.length > 0,
		    `error ${JSON.stringify(e)}`);
		assert(c.disconnects[0] === "io server disconnect",
		    `disconnect reason ${c.disconnects[0]}`);
		const first = (await api.puts("ann")).find((p) => p.status ===
		    409);
		assert(first, "no 409 in the history");
		conflictSeq = first.seq;
		await sleep(3000);
	} finally {
		await api.fault({ mode: "none" });
	}
	const after = (await api.puts("ann")).filter((p) => p.seq > conflictSeq);
	assert(after.length === 0, `${after.length} PUT(s) for ann after the ` +
	    `409: ${JSON.stringify(after.map((p) => [p.if_match, p.status]))}`);
	assert(b.connected && b.disconnects.length === 0 &&
	    b.maxGap() < 1000, "bob, standing by, was disturbed");
	const st = await z.status();
	assert(st.writeback.owned === 1, `owned ${st.writeback.owned}, ` +
	    "expected 1 (bob only)");
	await leave(b);
	await settled("bob");
	// Let go: another instance (here, a new ticket) may take ann.
	await z.announce("t-ann6", "ann");
	await z.call("DELETE", "/v1/pending/t-ann6", undefined, 204);
	return `conflict at history seq ${conflictSeq}`;
});

check("a slow API (800 ms on every request) does not slow the tick",
    async () => {
	await api.fault({ mode: "slow", delay_ms: 800 });
	try {
		await z.announceWhenFree("t-ann8", "ann");
		const c = await join(z.port, "t-ann8", "ann");
		const stop = pace(c, 300);
		await sleep(300);
		const n0 = (await api.puts("ann")).length;
		const from = c.states.length, t0 = Date.now();
		await sleep(3000);
		const got = c.states.length - from, ms = Date.now() - t0;
		const gap = c.maxGap(from);
		const slowPuts = (await api.puts("ann")).slice(n0);
		await stop();
		await leave(c);
		assert(slowPuts.length >= 1, "no write-back during the window");
		assert(got * 1000 / ms >= 15, `${got} states in ${ms} ms ` +
		    `(${tickHz} Hz)`);
		assert(gap < 500, `no state for ${gap} ms`);
		return `${got} states in ${ms} ms, max gap ${gap} ms, ` +
		    `${slowPuts.length} slow PUT(s)`;
	} finally {
		await api.fault({ mode: "none" });
	}
});

check("a write that lands but whose answer is lost (slow 1500 ms > " +
    "--api-timeout 1000) is not lost ownership, nor written twice",
    async () => {
	await z.announceWhenFree("t-ann7", "ann");
	const c = await join(z.port, "t-ann7", "ann");
	const n0 = (await api.puts("ann")).length;
	pace(c);
	await waitFor(async () => (await api.puts("ann")).length > n0, 3000,
	    "a periodic PUT");
	await api.fault({ mode: "slow", delay_ms: 1500, count: 1,
	    match: { method: "PUT" } });
	try {
		await waitFor(async () => (await api.puts("ann")).some((p) =>
		    p.client_gone), 4000, "the slow PUT to land after the " +
		    "timeout");
	} catch (e) {
		throw new Error(`${e.message} (ann connected ${c.connected}, ` +
		    `at ${JSON.stringify(lastPos(c))}, fault ` +
		    `${JSON.stringify((await api.req("GET", "/__fault")).body)})`);
	}
	await sleep(2500);
	assert(z.alive(), `zoned died: ${JSON.stringify(z.proc.exitInfo)}`);
	assert(!c.errors.some((e) => e.code === "ownership_lost") &&
	    c.connected, `ann was let go: errors ${JSON.stringify(c.errors)}, ` +
	    `disconnect ${c.disconnects}`);
	assert(z.alive(), `zoned died: ${JSON.stringify(z.proc.exitInfo)}`);
	await leave(c);
	await sleep(300);
	await settled("ann");
	const puts = await api.puts("ann");
	const im = checkChain(puts, 1);
	await checkFinal("ann", c, oneStep(), "after the lost answer");
	return `If-Match ${im.slice(-5).join(", ")} (last 5)`;
});

check("after all that: ann's chain intact, zoned running", async () => {
	const im = checkChain(await api.puts("ann"), 1);
	assert(z.alive(), `zoned died: ${JSON.stringify(z.proc.exitInfo)}`);
	return `${im.length} successful PUTs for ann`;
});

run();
