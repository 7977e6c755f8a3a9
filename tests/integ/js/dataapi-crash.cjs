// crash.test: kill -9 zoned while a player walks (--writeback-interval 1).
// The Character Data API (tests/refapi) must then hold the player at most
// about one interval behind what the client last saw, and a zoned restarted
// with the same --state-dir must not write anything twice. Then the same
// with the API down at the time of the crash: the spool must carry the
// progress.
//   node dataapi-crash.cjs
"use strict";
const { checkList } = require("./testlib.cjs");
const {
	RefApi, Zoned, join, lastPos, leave, checkChain, assert, waitFor, sleep,
	POS_TOL,
} = require("./dataapi-lib.cjs");

const { check, run } = checkList("dataapi-crash.cjs", 37000);
const api = new RefApi("api-crash");
const INTERVAL = 1;
let speed = 120;
let z;

function args() {
	return ["--character-api", api.base, "--quest-api", api.base,
	    "--writeback-interval", String(INTERVAL)];
}

// How far behind the API may be: one interval of walking, plus a margin
// for the write in flight and the last state on its way.
const bound = () => speed * INTERVAL + speed * 0.25;

function walk(c, dx) {
	c.seq += 1;
	c.sock.emit("input", { seq: c.seq, dx, dy: 0 });
}

// No If-Match twice with 200, versions only go up.
function checkHistory(puts, what) {
	const im = checkChain(puts, 1, what);
	let v = 0;
	for (const p of puts) {
		if (p.version_after === null)
			continue;
		assert(p.version_after >= v, `${what}version went down: ` +
		    JSON.stringify(puts.map((w) => [w.if_match, w.status,
		    w.version_after])));
		v = p.version_after;
	}
	return im;
}

let crashPos, startX;
check("kill -9 while walking: the API is at most one interval behind",
    async () => {
	await api.start();
	z = new Zoned("z-crash1", undefined, args());
	await z.start();
	await z.allocate();
	await z.announce("t-ann1", "ann");
	const c = await join(z.port, "t-ann1", "ann");
	speed = c.welcome.speed;
	startX = c.welcome.x;
	walk(c, 1);
	await sleep(2700);
	await z.kill9();
	crashPos = lastPos(c);
	c.close();
	assert(crashPos.x - startX >= 2.5 * speed * INTERVAL * 0.8, "ann " +
	    `walked only from ${startX} to ${crashPos.x}`);
	const doc = await api.character("ann");
	const puts = await api.puts("ann");
	assert(puts.length >= 1, "no write-back before the crash");
	assert(Math.abs(doc.x - crashPos.x) <= bound(), `the API holds x ` +
	    `${doc.x}, the client last saw ${crashPos.x} (bound ${bound()})`);
	checkHistory(puts, "");
	return `API x ${doc.x}, client x ${crashPos.x}, ${puts.length} PUTs`;
});

let last2;
check("restart with the same --state-dir: nothing written twice; play " +
    "goes on from the API's version", async () => {
	const before = await api.puts("ann");
	z = new Zoned("z-crash2", z.stateDir, args());
	await z.start();
	await sleep(300);
	const afterStart = await api.puts("ann");
	assert(afterStart.length === before.length, "the restart wrote: " +
	    JSON.stringify(afterStart.slice(before.length).map((p) =>
	    [p.if_match, p.status])));
	await z.allocate();
	await z.announce("t-ann2", "ann");
	const c = await join(z.port, "t-ann2", "ann");
	const doc = await api.character("ann");
	assert(c.welcome.character.version === doc.version, `welcome version ` +
	    `${c.welcome.character.version}, the API has ${doc.version}`);
	walk(c, 1);
	await sleep(1500);
	walk(c, 0);
	await sleep(200);
	last2 = lastPos(c);
	await leave(c);
	await waitFor(async () => (await z.status()).writeback.owned === 0,
	    4000, "ann written back and let go");
	const puts = await api.puts("ann");
	const im = checkHistory(puts, "");
	const d2 = await api.character("ann");
	assert(Math.abs(d2.x - last2.x) <= POS_TOL, `the API holds x ${d2.x}, ` +
	    `ann left at ${last2.x}`);
	return `If-Match ${im.join(", ")}`;
});

let crash3;
check("kill -9 while walking with the API down: the spool keeps the " +
    "progress (at most one interval behind)", async () => {
	await z.announce("t-ann3", "ann");
	const n0 = (await api.puts("ann")).length;
	const c = await join(z.port, "t-ann3", "ann");
	walk(c, -1);
	await waitFor(async () => (await api.puts("ann")).length > n0, 3000,
	    "a periodic write");
	await api.kill();
	await sleep(2600);
	await z.kill9();
	crash3 = lastPos(c);
	c.close();
	const s = z.spool();
	assert(s && Array.isArray(s.writes) && s.writes.some((w) =>
	    w.id === "ann"), `no spool entry for ann: ${JSON.stringify(s)}`);
	const e = s.writes.find((w) => w.id === "ann");
	assert(Math.abs(e.doc.x - crash3.x) <= bound(), `spool.json holds x ` +
	    `${e.doc.x}, the client last saw ${crash3.x} (bound ${bound()})`);
	return `spool x ${e.doc.x}, client x ${crash3.x}`;
});

check("API back, zoned restarted: the spool is replayed once; the API is " +
    "at most one interval behind; nothing written twice", async () => {
	await api.start();
	z = new Zoned("z-crash3", z.stateDir, args());
	await z.start();
	await waitFor(() => z.spool() === null, 5000, "spool.json to go");
	const puts = await api.puts("ann");
	const im = checkHistory(puts, "");
	const doc = await api.character("ann");
	assert(crash3, "no crash position (see above)");
	assert(Math.abs(doc.x - crash3.x) <= bound(), `the API holds x ` +
	    `${doc.x}, the client last saw ${crash3.x} (bound ${bound()})`);
	// And once more: a restart after the replay writes nothing.
	await z.kill9();
	z = new Zoned("z-crash4", z.stateDir, args());
	await z.start();
	await sleep(300);
	const again = await api.puts("ann");
	assert(again.length === puts.length, "the second restart wrote again");
	z.signal("SIGTERM");
	const ex = await z.waitExit(3000);
	assert(ex && ex.code === 0, `exit ${JSON.stringify(ex)}`);
	return `API x ${doc.x}, client x ${crash3.x}; If-Match ` +
	    `${im.join(", ")}`;
});

run();
