// dataapi.test, part 3: the write-back spool. The reference API is killed
// mid-game (or answers 503) while a player walks; the write waits in
// STATE_DIR/spool.json and lands exactly once when the API is back (restarted
// with the same --state, on the same port). SIGTERM with the API down exits 0
// at once, and the next zoned with the same --state-dir replays the spool
// before it reports idle.
//   node dataapi-spool.cjs
"use strict";
const { checkList } = require("./testlib.cjs");
const {
	RefApi, Zoned, join, pace, lastPos, leave, checkChain, assert, waitFor,
	near, POS_TOL, sleep,
} = require("./dataapi-lib.cjs");

const { check, run } = checkList("dataapi-spool.cjs", 38000);
const api = new RefApi("api-spool");
let z;
const tol = POS_TOL;

function args() {
	return ["--character-api", api.base, "--quest-api", api.base,
	    "--writeback-interval", "1"];
}

function spoolEntry(zz, id) {
	const s = zz.spool();
	if (!s)
		return null;
	assert(Array.isArray(s.writes), `spool.json: ${JSON.stringify(s)}`);
	return s.writes.find((w) => w.id === id) || null;
}

check("refapi and zoned start; meadow allocated", async () => {
	await api.start();
	z = new Zoned("z-spool", undefined, args());
	await z.start();
	await z.allocate();
});

let annLast, annSpooledAt;
check("API killed mid-game: the player keeps playing; after the " +
    "disconnect spool.json holds the final document", async () => {
	await z.announce("t-ann1", "ann");
	const c = await join(z.port, "t-ann1", "ann");
	const stop = pace(c);
	await waitFor(async () => (await api.puts("ann")).some((p) =>
	    p.status === 200), 3000, "a periodic PUT");
	await api.kill();
	await waitFor(() => z.spool() !== null, 3000, "spool.json while the " +
	    "API is down");
	const from = c.states.length;
	await sleep(1200);
	await stop();
	assert(c.connected && c.states.length - from >= 15 && c.maxGap(from) <
	    500, `play suffered with the API down: ${c.states.length - from} ` +
	    `states, gap ${c.maxGap(from)} ms, connected ${c.connected}`);
	annLast = lastPos(c);
	await leave(c);
	await sleep(300);
	annSpooledAt = Date.now();
	const e = spoolEntry(z, "ann");
	assert(e, `spool.json has no entry for ann: ${JSON.stringify(z.spool())}`);
	assert(e.doc && e.doc.id === "ann" && e.doc.name === "Ann" &&
	    Number.isInteger(e.version), `spool entry ${JSON.stringify(e)}`);
	const st = await z.status();
	assert(st.writeback.spooled >= 1, `status writeback ` +
	    JSON.stringify(st.writeback));
	assert(near(e.doc.x, annLast.x, tol) && near(e.doc.y, annLast.y, tol),
	    `spool.json holds ann at (${e.doc.x}, ${e.doc.y}), the client ` +
	    `left at (${annLast.x}, ${annLast.y})`);
	return `spooled version ${e.version}`;
});

check("API restarted (same --state): the spooled write lands once, with " +
    "backoff, and spool.json goes", async () => {
	await sleep(Math.max(0, 1500 - (Date.now() - annSpooledAt)));
	await api.start();
	await waitFor(() => z.spool() === null, 12000, "spool.json to go");
	await waitFor(async () => (await z.status()).writeback.owned === 0,
	    3000, "ann let go");
	const puts = await api.puts("ann");
	const im = checkChain(puts, 1);
	assert(puts.every((p) => p.status === 200), `PUTs ` +
	    JSON.stringify(puts.map((p) => [p.if_match, p.status])));
	const doc = await api.character("ann");
	assert(near(doc.x, annLast.x, tol) && near(doc.y, annLast.y, tol),
	    `the API holds ann at (${doc.x}, ${doc.y}), the client left at ` +
	    `(${annLast.x}, ${annLast.y})`);
	const retries = [...z.log().matchAll(/character=ann write-back failed .*retry (\d+) in (\d+) s/g)]
	    .map((m) => [Number(m[1]), Number(m[2])]);
	assert(retries.length >= 2, `retries logged: ${JSON.stringify(retries)}`);
	for (let i = 0; i < retries.length; i++)
		assert(retries[i][0] === i + 1 && retries[i][1] === Math.min(60,
		    2 ** i), `backoff: ${JSON.stringify(retries)}, expected 1 s, ` +
		    "2 s, 4 s, ...");
	const st = await z.status();
	assert(st.writeback.spooled === 0, `status writeback ` +
	    JSON.stringify(st.writeback));
	return `If-Match ${im.join(", ")}; retries ${retries.map((r) =>
	    r[1] + " s").join(", ")}`;
});

check("503 answers for 2.5 s: retried with backoff, then landed once",
    async () => {
	await z.announceWhenFree("t-bob2", "bob");
	const c = await join(z.port, "t-bob2", "bob");
	const stop = pace(c);
	await waitFor(async () => (await api.puts("bob")).some((p) =>
	    p.status === 200), 3000, "a periodic PUT");
	await api.fault({ mode: "error", status: 503, match: { method: "PUT" } });
	let failed;
	try {
		await waitFor(() => z.spool() !== null, 3000, "spool.json");
		await sleep(2500);
		failed = (await api.puts("bob")).filter((p) => p.status === 503);
	} finally {
		await api.fault({ mode: "none" });
	}
	assert(failed.length >= 2 && failed.length <= 3, `${failed.length} ` +
	    "attempts in about 3 s (backoff 1 s, 2 s)");
	assert(new Set(failed.map((p) => p.if_match)).size === 1, "the " +
	    `retries changed If-Match: ${failed.map((p) => p.if_match)}`);
	await stop();
	const last = lastPos(c);
	await leave(c);
	await waitFor(() => z.spool() === null, 8000, "spool.json to go");
	await waitFor(async () => (await z.status()).writeback.owned === 0,
	    3000, "bob let go");
	const im = checkChain(await api.puts("bob"), 1);
	const doc = await api.character("bob");
	assert(near(doc.x, last.x, tol), `the API holds bob at x ${doc.x}, ` +
	    `the client left at ${last.x}`);
	return `If-Match ${im.join(", ")}`;
});

let cydLast, cydSpooled;
check("SIGTERM with the API down exits 0 promptly; spool.json holds the " +
    "final document", async () => {
	await z.announce("t-cyd3", "cyd");
	const c = await join(z.port, "t-cyd3", "cyd");
	pace(c);
	await waitFor(async () => (await api.puts("cyd")).some((p) =>
	    p.status === 200), 3000, "a periodic PUT");
	await api.kill();
	await sleep(1700);
	const t0 = Date.now();
	z.signal("SIGTERM");
	const ex = await z.waitExit(5000);
	const ms = Date.now() - t0;
	cydLast = lastPos(c);
	assert(ex, "zoned did not exit within 5 s of SIGTERM");
	assert(ex.code === 0, `zoned exited ${JSON.stringify(ex)}`);
	assert(ms < 2000, `exit took ${ms} ms`);
	assert(c.errors.some((e) => e.code === "shutdown"), "no shutdown error");
	const e = cydSpooled = spoolEntry(z, "cyd");
	assert(e, `spool.json has no entry for cyd: ${JSON.stringify(z.spool())}`);
	assert(near(e.doc.x, cydLast.x, 120 / 20 + tol), `spool.json holds cyd ` +
	    `at x ${e.doc.x}, the client last saw ${cydLast.x}`);
	return `exit 0 after ${ms} ms`;
});

check("a new zoned with the same --state-dir replays the spool before " +
    "state=idle once the API is back", async () => {
	assert(cydSpooled, "no spool to replay (see above)");
	await api.start();
	const z2 = new Zoned("z-spool2", z.stateDir, args());
	await z2.start();
	// Listening is logged after the replay: the write is in by now.
	const puts = await api.puts("cyd");
	const log = z2.log();
	const iReplay = log.indexOf("spool: replaying");
	const iIdle = log.indexOf("state=idle");
	assert(iReplay >= 0 && iIdle > iReplay, "the log does not show the " +
	    "replay before state=idle");
	const iWritten = log.indexOf("character=cyd written");
	assert(iWritten >= 0 && iWritten < iIdle, "cyd was not written back " +
	    "before state=idle");
	assert(z2.spool() === null, "spool.json is still there");
	const im = checkChain(puts, 1);
	const doc = await api.character("cyd");
	assert(near(doc.x, cydSpooled.doc.x, tol), `the API holds cyd at x ` +
	    `${doc.x}, the spool had ${cydSpooled.doc.x}`);
	assert(near(doc.x, cydLast.x, 120 / 20 + tol), `the API holds cyd at ` +
	    `x ${doc.x}, the client last saw ${cydLast.x}`);
	const st = await z2.status();
	assert(st.state === "idle" && st.writeback.owned === 0 &&
	    st.writeback.spooled === 0, `status ${JSON.stringify(st)}`);
	z2.signal("SIGTERM");
	const ex = await z2.waitExit(3000);
	assert(ex && ex.code === 0, `second zoned exit ${JSON.stringify(ex)}`);
	return `If-Match ${im.join(", ")}`;
});

run();
