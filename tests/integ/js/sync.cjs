// State sync on the wire (sync.test), with the official socket.io-client:
//   node sync.cjs DELTA_CONTROL_URL DELTA_PORT DELTA_DATA_DIR \
//       JSON_CONTROL_URL JSON_PORT JSON_DATA_DIR MAP.tmj
// The first zoned runs with the defaults (--state-format delta,
// --view-radius 400), the second with --state-format json; both idle, with
// their Character and Quest Data APIs at file://DATA_DIR holding etc/data.
// MAP.tmj is etc/areas/meadow.tmj, read here for a straight way between
// two players. With deltas:
//   - the welcome's sync is {format: "delta", version: 3, view_radius: 400,
//     mob_kinds: the kinds of meadow's spawners, in order};
//   - two players more than 400 units apart do not see each other; B
//     walks towards A: each enters the other's view (entered) at the
//     first tick they are within 400, and leaves it (left) at the first
//     tick they are farther again when B walks away; at every tick each
//     sees the other exactly when within 400, and sees nothing farther (a
//     mob may be shown up to MOB_SLACK off on each axis, src/delta.h);
//   - every delta decodes (clients/js/delta.cjs), ticks go up, seq never
//     goes back and reaches the last input sent; the rebuilt states show
//     the other player by name; /v1/status counts the messages.
// With --state-format json: the welcome's sync is {format: "json"}, and
// "state" comes every tick with the whole area (every mob), no "delta".
"use strict";
const fs = require("fs");
const path = require("path");
const {
	sleep, checkList, controlPlane, expectStatus, io, trackState,
} = require("./testlib.cjs");
const { prop, loadMap, QERR, MOB_SLACK } = require("./maplib.cjs");
const { DELTA_VERSION } = require(path.join(__dirname, "..", "..", "..",
    "clients", "js", "delta.cjs"));

const [dctl, dport, ddata, jctl, jport, jdata, mapPath] =
    process.argv.slice(2);
if (!mapPath) {
	console.error("usage: sync.cjs DELTA_CONTROL_URL DELTA_PORT " +
	    "DELTA_DATA_DIR JSON_CONTROL_URL JSON_PORT JSON_DATA_DIR MAP.tmj");
	process.exit(64);
}
const map = loadMap(mapPath);
const RADIUS = 400;		// zoned's default --view-radius
// Two positions of 1/8 unit, each 1/16 off at most: their distance is off
// by less than this.
const EPS = 4 * QERR;
const clients = [];

function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

async function waitFor(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out after ${ms} ms waiting ` +
			    `for ${what}`);
		await sleep(20);
	}
}

const json = (v) => JSON.stringify(v);

// A player on a bare socket.io-client socket: every delta applied to a
// view (trackState), recorded as {tick, seq, me: {x, y}, ents: [{id,
// kind, x, y}]}, and the states rebuilt from them.
class Player {
	constructor(port, dataDir, id, x, y) {
		this.id = id;
		this.port = port;
		this.dataDir = dataDir;
		this.home = [x, y];
		this.seq = 0;
		this.welcome = null;
		this.records = [];
		this.changes = [];	// {tick, left, entered, updated}
		this.states = [];
		this.jsonStates = 0;	// "state" events from the server
		this.deltaEvents = 0;
		this.bad = [];
		this.errors = [];
	}

	async join(ctl) {
		assert(map.fits(...this.home), `${this.id}: ${this.home} is ` +
		    "not free");
		fs.writeFileSync(path.join(this.dataDir, "characters",
		    `${this.id}.json`), json({ id: this.id, name:
		    this.id.toUpperCase(), area: "meadow", x: this.home[0],
		    y: this.home[1], hp: 20, max_hp: 20, level: 1, xp: 0,
		    inventory: [], quests_in_progress: [], version: 1 }));
		await expectStatus(ctl, "POST", "/v1/pending", { ticket:
		    `t-${this.id}`, character_id: this.id }, 201,
		    `announce ${this.id}`);
		const s = io(`http://127.0.0.1:${this.port}`, {
			transports: ["websocket"], forceNew: true,
			reconnection: false, timeout: 5000,
			auth: { ticket: `t-${this.id}` },
		});
		this.sock = s;
		clients.push(s);
		s.onAny((name) => {
			if (name === "state")
				this.jsonStates++;
			else if (name === "delta")
				this.deltaEvents++;
		});
		s.on("welcome", (w) => { this.welcome = w; });
		s.on("error", (e) => this.errors.push(e));
		this.track = trackState(s, (st) => this.states.push(st), {
			onBad: (e) => this.bad.push(e.message),
			onDelta: (view, c) => this.onDelta(view, c),
		});
		await waitFor(() => this.welcome, 5000, `${this.id}: welcome`);
		return this.welcome;
	}

	onDelta(view, c) {
		const me = view.get(this.welcome.id);
		const ents = [];
		for (const e of view.entities.values())
			ents.push({ id: e.id, kind: e.kind, x: e.x, y: e.y });
		this.records.push({ tick: c.tick, seq: c.seq,
		    me: me ? { x: me.x, y: me.y } : null, ents });
		this.changes.push({ tick: c.tick, left: c.left,
		    entered: c.entered, updated: c.updated });
	}

	// Where it was at tick t, from its own view.
	at(t) {
		const r = this.records.find((x) => x.tick === t);
		return r && r.me;
	}

	last() {
		return this.records[this.records.length - 1];
	}

	input(dx, dy) {
		this.sock.emit("input", { seq: ++this.seq, dx, dy });
	}
}

const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

// A straight, free way along a row, far from the spawners, from A to B
// more than RADIUS apart.
function twoSpots() {
	const span = RADIUS + 144;
	let best = null;
	for (let r = 1; r < map.rows - 1; r++) {
		const y = (r + 0.5) * map.th;
		for (let c = 1; c < map.cols; c++) {
			const ax = (c + 0.5) * map.tw, bx = ax + span;
			if (bx > map.width - 32 || !map.clear(ax, y, bx, y))
				continue;
			let far = Infinity;
			for (const s of map.spawners) {
				const dx = Math.max(s.x - bx, 0,
				    ax - (s.x + s.width));
				const dy = Math.max(s.y - y, 0,
				    y - (s.y + s.height));
				far = Math.min(far, Math.hypot(dx, dy));
			}
			if (!best || far > best.far)
				best = { ax, bx, y, far };
		}
	}
	assert(best, "no straight way in the map");
	return best;
}

const { check, run } = checkList("sync.cjs", 40000, () => {
	for (const s of clients)
		s.close();
});

const dc = controlPlane(dctl);
let a, b, way;

check("deltas: the welcome's sync names the format, the radius and the " +
    "spawners' kinds", async () => {
	await expectStatus(dc, "POST", "/v1/allocate", { area: "meadow" },
	    200, "allocate meadow");
	way = twoSpots();
	a = new Player(dport, ddata, "sa", way.ax, way.y);
	b = new Player(dport, ddata, "sb", way.bx, way.y);
	const wa = await a.join(dc);
	const wb = await b.join(dc);
	const want = { format: "delta", version: DELTA_VERSION,
	    view_radius: RADIUS, mob_kinds: map.spawners.map((s) =>
	    prop(s, "kind")) };
	assert(DELTA_VERSION === 3, `delta.cjs speaks version ` +
	    DELTA_VERSION);
	for (const w of [wa, wb])
		assert(json(w.sync) === json(want), `sync ${json(w.sync)}, ` +
		    `expected ${json(want)}`);
	return json(wa.sync);
});

check("far apart (more than 400): neither sees the other", async () => {
	await waitFor(() => a.records.length >= 5 && b.records.length >= 5,
	    3000, "five deltas each");
	await sleep(200);
	for (const [p, o] of [[a, b], [b, a]]) {
		const r = p.last();
		assert(r.me && Math.abs(r.me.x - p.home[0]) <= QERR &&
		    Math.abs(r.me.y - p.home[1]) <= QERR, `${p.id} sees ` +
		    `itself at ${json(r.me)}, it stands at ${p.home}`);
		assert(!r.ents.some((e) => e.id === o.welcome.id),
		    `${p.id} sees ${o.id} ${way.bx - way.ax} units away`);
		// Its first delta made everything in view enter.
		const first = p.changes[0];
		assert(first.left.length === 0 && first.updated.length === 0 &&
		    first.entered.includes(p.welcome.id), `${p.id}'s first ` +
		    `delta: ${json(first)}`);
	}
	return `${way.bx - way.ax} units apart on y ${way.y}`;
});

let tEnter = {}, tLeave = {};
check("B walks towards A: each enters the other's view within 400, " +
    "and leaves it beyond 400 when B walks away", async () => {
	assert(a && b && a.welcome && b.welcome, "not joined");
	const ida = a.welcome.id, idb = b.welcome.id;
	b.input(-1, 0);
	await waitFor(() => {
		const r = b.last();
		return r.me && r.me.x <= way.ax + RADIUS - 100;
	}, 8000, "B within 300 of A");
	b.input(1, 0);
	await waitFor(() => {
		const r = b.last();
		return r.me && r.me.x >= way.bx - 6;
	}, 8000, "B back where it started");
	b.input(0, 0);
	await sleep(200);
	for (const [p, o, id] of [[a, b, idb], [b, a, ida]]) {
		const ent = p.changes.filter((c) => c.entered.includes(id));
		const lft = p.changes.filter((c) => c.left.includes(id));
		assert(ent.length === 1 && lft.length === 1, `${p.id}: ` +
		    `${o.id} entered at ticks ${json(ent.map((c) =>
		    c.tick))}, left at ${json(lft.map((c) => c.tick))}; ` +
		    "expected once each");
		tEnter[p.id] = ent[0].tick;
		tLeave[p.id] = lft[0].tick;
		assert(tEnter[p.id] < tLeave[p.id], `${p.id}: entered at ` +
		    `${tEnter[p.id]}, left at ${tLeave[p.id]}`);
		// At the tick it entered, within the radius; the tick before,
		// beyond it. The same around the leave, the other way.
		const d = (t) => {
			const pa = a.at(t), pb = b.at(t);
			return pa && pb ? dist(pa, pb) : undefined;
		};
		const de = d(tEnter[p.id]), de0 = d(tEnter[p.id] - 1);
		const dl = d(tLeave[p.id]), dl0 = d(tLeave[p.id] - 1);
		assert(de !== undefined && de <= RADIUS + EPS, `${p.id}: ` +
		    `${o.id} entered at distance ${de}`);
		assert(de0 === undefined || de0 > RADIUS - EPS, `${p.id}: ` +
		    `${o.id} entered late: ${de0} the tick before`);
		assert(dl !== undefined && dl > RADIUS - EPS, `${p.id}: ` +
		    `${o.id} left at distance ${dl}`);
		assert(dl0 === undefined || dl0 <= RADIUS + EPS, `${p.id}: ` +
		    `${o.id} left late: ${dl0} the tick before`);
	}
	assert(tEnter.sa === tEnter.sb && tLeave.sa === tLeave.sb,
	    `A saw B from tick ${tEnter.sa} to ${tLeave.sa}, B saw A from ` +
	    `${tEnter.sb} to ${tLeave.sb}`);
	return `in view from tick ${tEnter.sa} to ${tLeave.sa}`;
});

check("at every tick each sees the other exactly when within 400, and " +
    "nothing farther", async () => {
	assert(tEnter.sa, "no walk");
	let n = 0, seen = 0;
	for (const [p, o] of [[a, b], [b, a]]) {
		for (const r of p.records) {
			assert(r.me, `${p.id}: not in its own view at tick ` +
			    r.tick);
			for (const e of r.ents) {
				const d = dist(r.me, e);
				// A mob is shown within MOB_SLACK of
				// where it is, on each axis.
				const slack = e.kind ? MOB_SLACK *
				    Math.SQRT2 : 0;
				assert(d <= RADIUS + EPS + slack, `${p.id}: ` +
				    `${e.kind ? "mob" : "player"} ${e.id} in ` +
				    `view at distance ${d.toFixed(2)} (tick ` +
				    `${r.tick})`);
			}
			const op = o.at(r.tick);
			if (!op)
				continue;
			const d = dist(r.me, op);
			const sees = r.ents.some((e) => e.id === o.welcome.id);
			if (d < RADIUS - EPS)
				assert(sees, `${p.id} does not see ${o.id} ` +
				    `${d.toFixed(2)} away (tick ${r.tick})`);
			else if (d > RADIUS + EPS)
				assert(!sees, `${p.id} sees ${o.id} ` +
				    `${d.toFixed(2)} away (tick ${r.tick})`);
			n++;
			seen += sees ? 1 : 0;
		}
	}
	return `${n} ticks compared, the other in view at ${seen}`;
});

check("the rebuilt states show the other player while in view",
    async () => {
	assert(tEnter.sa, "no walk");
	const s = a.states.find((x) => x.tick === tEnter.sa + 2);
	assert(s, `no state of tick ${tEnter.sa + 2}`);
	const other = s.players.find((p) => p.id === b.welcome.id);
	assert(other && other.name === "SB" && other.dead === false &&
	    other.hp === 20 && other.max_hp === 20 && other.level === 1,
	    `B in A's state: ${json(other)}`);
	const late = a.states.filter((x) => x.tick > tLeave.sa);
	assert(late.length && late.every((x) => !x.players.some((p) =>
	    p.id === b.welcome.id)), "B still in A's states after it left");
	return json(other);
});

check("every delta decodes; ticks go up; seq never goes back and " +
    "reaches the last input sent", async () => {
	assert(b && b.seq > 0, "no input sent");
	await waitFor(() => b.last().seq === b.seq, 2000,
	    `B's deltas to reach seq ${b.seq}`);
	for (const p of [a, b]) {
		assert(p.bad.length === 0, `${p.id}: ${p.bad.length} deltas ` +
		    `did not decode: ${p.bad[0]}`);
		assert(p.errors.length === 0, `${p.id}: errors ` +
		    json(p.errors));
		assert(p.jsonStates === 0, `${p.id}: ${p.jsonStates} JSON ` +
		    "states with --state-format delta");
		assert(p.records.length === p.deltaEvents, `${p.id}: ` +
		    `${p.deltaEvents} deltas came, ${p.records.length} ` +
		    "applied");
		for (let i = 1; i < p.records.length; i++) {
			const q = p.records[i - 1], r = p.records[i];
			assert(r.tick > q.tick, `${p.id}: tick ${q.tick} ` +
			    `then ${r.tick}`);
			assert(r.seq >= q.seq, `${p.id}: seq ${q.seq} then ` +
			    `${r.seq} (tick ${r.tick})`);
		}
	}
	assert(a.last().seq === 0, `A sent nothing, yet seq ${a.last().seq}`);
	const st = await expectStatus(dc, "GET", "/v1/status", undefined, 200,
	    "GET /v1/status");
	assert(st.sync && st.sync.format === "delta" &&
	    st.sync.view_radius === RADIUS && st.sync.messages >=
	    a.records.length + b.records.length && st.sync.bytes > 0 &&
	    Number.isInteger(st.sync.resyncs) && st.sync.resyncs >= 0 &&
	    st.sync.resyncs < st.sync.messages &&
	    st.sync.slots >= a.last().ents.length && st.sync.slot_layouts >= 1,
	    `status sync ${json(st.sync)}`);
	return `${a.records.length} + ${b.records.length} deltas, B's seq ` +
	    `${b.seq}; status sync ${json(st.sync)}`;
});

check("--state-format json: the welcome's sync says so, and \"state\" " +
    "comes with the whole area, no \"delta\"", async () => {
	const jc = controlPlane(jctl);
	await expectStatus(jc, "POST", "/v1/allocate", { area: "meadow" },
	    200, "allocate meadow (json)");
	const p = new Player(jport, jdata, "sj", way.ax, way.y);
	const w = await p.join(jc);
	assert(json(w.sync) === json({ format: "json" }), `sync ` +
	    json(w.sync));
	await waitFor(() => p.states.length >= 5, 3000, "five states");
	const nmobs = map.spawners.reduce((n, s) => n + prop(s, "count"), 0);
	await waitFor(() => p.states[p.states.length - 1].mobs.length ===
	    nmobs, 3000, `a state with all ${nmobs} mobs`);
	const s = p.states[p.states.length - 1];
	const me = s.players.find((x) => x.id === w.id);
	assert(Number.isInteger(s.tick) && s.seq === 0 &&
	    Array.isArray(s.events) && me && me.name === "SJ" &&
	    me.x === way.ax && me.y === way.y && me.dead === false,
	    `state ${json(Object.assign({}, s, { mobs: s.mobs.length }))}`);
	assert(s.mobs.every((m) => typeof m.kind === "string" &&
	    typeof m.state === "string"), `mobs ${json(s.mobs)}`);
	assert(p.deltaEvents === 0 && p.jsonStates === p.states.length,
	    `${p.deltaEvents} deltas, ${p.jsonStates} JSON states, ` +
	    `${p.states.length} states`);
	p.sock.close();
	return `${p.states.length} states, ${s.mobs.length} mobs in the last`;
});

run();
