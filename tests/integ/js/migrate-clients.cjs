// Live migration (issue 5) seen by real clients, with the official
// socket.io-client; the node half of migrate.test and migrate-fail.test:
//
//   node migrate-clients.cjs main CONTROL_URL CLIENT_PORT DATA_DIR MAP.tmj \
//       NEW_BINARY PID_FILE NCLIENTS [OLDER_STYLE_BINARY]
//   node migrate-clients.cjs fail CONTROL_URL CLIENT_PORT DATA_DIR MAP.tmj \
//       SCRIPT_DIR PID_FILE NCLIENTS
//
// zoned runs meadow (MAP.tmj, read here for walls and spawners) with its
// Character Data API at file://DATA_DIR, and --view-radius 100000: every
// client sees the whole area, every mob included. Its deltas must decode,
// one after the other, across the migrations (the table of what each
// client was sent travels with its session). NCLIENTS characters are put
// on file in DATA_DIR/characters, far from every mob, each gets a ticket
// and a client; every client sends numbered inputs (seq 1, 2, 3, ...)
// every 50 ms with an ack callback, a small random step that keeps it near
// its home.
// Every pid of a replacement that took over is appended to PID_FILE, for
// the shell to stop at the end.
//
// main: one more client, the fighter (hp too large to die), fights the
// pond slimes (attack inputs, slimes chase and hit it). Once the fight is
// on, three migrations in a row, about 1 s apart: POST /v1/migrate with an
// empty body, with {"binary": NEW_BINARY}, and empty again; with
// OLDER_STYLE_BINARY (a wrapper that starts zoned as an older one would
// be started: without ZONED_TAKEOVER_EARLY, so every socket goes in the
// pause), a fourth with {"binary": OLDER_STYLE_BINARY}. Then the
// inputs stop, and everything the clients saw is checked: no disconnect,
// no reconnect, the same socket.id and Engine.IO sid, the server's pings
// going on (zoned runs with --ping-interval 1000); every input acked
// exactly once with ok:true and its seq, and applied (the last state's
// seq is the last input's); ticks strictly increasing, players and mobs
// moving continuously (no jump back to a spawn point, no mob reset), mobs
// still there, the fight going on after the last migration; every old
// process gone. Last, the clients leave and each character's document
// holds its final position (the last process wrote them back).
//
// fail: with --migrate-timeout 1000, SCRIPT_DIR holds exit.sh (exits 3),
// hang.sh (sleeps), corrupt.sh (runs zoned with
// ZONED_TEST_CORRUPT_SNAPSHOT=1) and noexec (not executable); each script
// writes its pid to SCRIPT_DIR/NAME.pid. Bad bodies get 400; exit.sh 502,
// hang.sh 504 (with a 409 for a second POST meanwhile), corrupt.sh 502;
// after each the same pid serves every client, pings go on, inputs keep
// being acked and applied, and zoned has no child left. Then one migration
// that succeeds, and one more on SIGUSR2.
"use strict";
const fs = require("fs");
const path = require("path");
const { io } = require("socket.io-client");
const { sleep, checkList, trackState } = require("./testlib.cjs");
const { RADIUS, QERR, prop, loadMap, waypoint } = require("./maplib.cjs");
const { DeltaView } = require(path.join(__dirname, "..", "..", "..",
    "clients", "js", "delta.cjs"));

const [mode, ctlUrl, portArg, dataDir, mapPath, extra, pidFile, nArg,
    olderStyle] = process.argv.slice(2);
if (!["main", "fail"].includes(mode) || !nArg) {
	console.error("usage: migrate-clients.cjs main|fail CONTROL_URL " +
	    "CLIENT_PORT DATA_DIR MAP.tmj NEW_BINARY|SCRIPT_DIR PID_FILE " +
	    "NCLIENTS");
	process.exit(64);
}
const port = Number(portArg);
const NCLIENTS = Number(nArg);
const MOB_ID_BASE = 0x40000000;
const PLAYER_SPEED = 120;	// units per second (WORLD_PLAYER_SPEED)
const INPUT_MS = 50;
const SIO_ACK = 3;		// socket.io-parser's PacketType.ACK

for (const sig of ["SIGTERM", "SIGINT"])
	process.on(sig, () => {
		console.log(`FAIL: ${sig} (timed out?)`);
		process.exit(1);
	});

function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

async function waitFor(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out after ${ms} ms waiting for ` +
			    what);
		await sleep(20);
	}
}

// ---- the control plane ----------------------------------------------------

async function ctl(method, p, body, ms = 30000) {
	const headers = {};
	if (body !== undefined)
		headers["Content-Type"] = "application/json";
	const t0 = Date.now();
	const res = await fetch(ctlUrl + p, {
		method, headers,
		body: body === undefined ? undefined :
		    typeof body === "string" ? body : JSON.stringify(body),
		signal: AbortSignal.timeout(ms),
	});
	const text = await res.text();
	let parsed = text;
	try { parsed = JSON.parse(text); } catch (e) { /* text */ }
	return { status: res.status, body: parsed, ms: Date.now() - t0 };
}

async function status() {
	const r = await ctl("GET", "/v1/status");
	assert(r.status === 200, `GET /v1/status: HTTP ${r.status}`);
	return r.body;
}

async function metric(name) {
	const r = await ctl("GET", "/metrics");
	assert(r.status === 200, `GET /metrics: HTTP ${r.status}`);
	const m = String(r.body).match(new RegExp(`^${name}(?:\\{[^}]*\\})? ` +
	    "([0-9.e+-]+)$", "m"));
	return m ? Number(m[1]) : undefined;
}

// ---- processes --------------------------------------------------------------

// "R", "S", "Z", ... or null when there is no such process.
function procState(pid) {
	try {
		const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		return s.slice(s.lastIndexOf(")") + 2).split(" ")[0];
	} catch (e) {
		return null;
	}
}

// Gone, or a zombie (exited, waiting for a parent that is not zoned).
function exited(pid) {
	const s = procState(pid);
	return s === null || s === "Z" || s === "X";
}

// The children of pid (zombies included: zoned must reap its own).
function childrenOf(pid) {
	const out = [];
	for (const d of fs.readdirSync("/proc")) {
		if (!/^[0-9]+$/.test(d))
			continue;
		try {
			const s = fs.readFileSync(`/proc/${d}/stat`, "utf8");
			const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
			if (Number(f[1]) === pid) {
				const comm = s.slice(s.indexOf("(") + 1,
				    s.lastIndexOf(")"));
				out.push(`${d} (${comm}, ${f[0]})`);
			}
		} catch (e) {
			/* gone meanwhile */
		}
	}
	return out;
}

function notePid(pid) {
	fs.appendFileSync(pidFile, `${pid}\n`);
}

// ---- the map ------------------------------------------------------------



const map = loadMap(mapPath);
const MOB_SPEED = Math.max(...map.spawners.map((s) => prop(s, "speed") ||
    60));

function distToRect(x, y, o) {
	const dx = Math.max(o.x - x, 0, x - (o.x + o.width));
	const dy = Math.max(o.y - y, 0, y - (o.y + o.height));
	return Math.hypot(dx, dy);
}

// Homes for the quiet players: open tiles with open neighbours, so far
// from every spawner that no mob (wandering near its spawner, seeing 128,
// or chasing the fighter, who keeps within 150 of the pond) ever notices
// a player there.
function quietHomes(n) {
	const tiles = [];
	for (let r = 1; r < map.rows - 1; r++) {
		for (let c = 1; c < map.cols - 1; c++) {
			let open = true;
			for (let dr = -1; dr <= 1 && open; dr++)
				for (let dc = -1; dc <= 1 && open; dc++)
					open = !map.solidTile(c + dc, r + dr);
			const x = (c + 0.5) * map.tw, y = (r + 0.5) * map.th;
			if (open && map.spawners.every((s) =>
			    distToRect(x, y, s) > 400))
				tiles.push([x, y]);
		}
	}
	assert(tiles.length > 0, "no quiet tile in the map");
	// Several players may share a tile: players do not push each other.
	const off = [[0, 0], [6, 0], [0, 6], [-6, 0], [0, -6], [6, 6]];
	const homes = [];
	for (let i = 0; i < n; i++) {
		const [x, y] = tiles[i % tiles.length];
		const [ox, oy] = off[Math.floor(i / tiles.length) % off.length];
		homes.push([x + ox, y + oy]);
	}
	return homes;
}


// ---- players ------------------------------------------------------------

const players = [];
let sending = false;

class Player {
	constructor(id, x, y, hp) {
		this.id = id;
		this.home = [x, y];
		this.hp = hp;
		this.seq = 0;		// last input sent
		this.held = [0, 0];
		this.acked = [];	// seq -> ack callbacks
		this.sentAt = [];	// seq -> when
		this.ackMs = [];	// seq -> how long the ack took
		this.rawAcks = [];	// seq -> ACK packets seen
		this.badAcks = [];
		this.records = [];	// {at, tick, seq, x, y, dead, nmobs}
		this.badDeltas = [];	// deltas that did not decode
		this.mobs = null;	// the fighter: [{tick, mobs}]
		this.hits = [];		// hit events concerning this player
		this.kills = [];
		this.errors = [];
		this.disconnects = [];
		this.connectErrors = [];
		this.connects = 0;
		this.opens = 0;
		this.closes = 0;
		this.reconnects = 0;
		this.pings = [];	// when the server's pings came
		this.welcome = null;
	}

	writeCharacter() {
		fs.writeFileSync(path.join(dataDir, "characters",
		    `${this.id}.json`), JSON.stringify({
			id: this.id, name: this.id.toUpperCase(), area: "meadow",
			x: this.home[0], y: this.home[1], hp: this.hp,
			max_hp: this.hp, level: 1, xp: 0, inventory: [],
			quests_in_progress: [], version: 1,
		}));
	}

	async join() {
		this.writeCharacter();
		const r = await ctl("POST", "/v1/pending", {
			ticket: `t-${this.id}`, character_id: this.id,
			expires_ms: 120000,
		});
		assert(r.status === 201, `${this.id}: POST /v1/pending: HTTP ` +
		    `${r.status} ${JSON.stringify(r.body)}`);
		const s = io(`http://127.0.0.1:${port}`, {
			transports: ["websocket"], forceNew: true,
			reconnection: false, timeout: 45000,
			auth: { ticket: `t-${this.id}` },
		});
		this.sock = s;
		s.on("connect", () => {
			this.connects++;
			if (this.sid === undefined) {
				this.connectedAt = Date.now();
				this.sid = s.id;
				this.eid = s.io.engine.id;
			}
		});
		s.on("connect_error", (e) => this.connectErrors.push(
		    `${e.message}${e.description ? `: ${e.description.message ||
		    e.description}` : ""}`));
		s.on("disconnect", (reason) => this.disconnects.push({
			at: Date.now(), reason,
		}));
		s.on("welcome", (w) => { this.welcome = w; });
		s.on("error", (e) => this.errors.push(e));
		if (this.mobs) {
			// The fighter looks at every mob: whole states.
			trackState(s, (st) => this.onState(st), { onBad: (e) =>
			    this.badDeltas.push(e.message) });
		} else {
			s.on("state", (st) => this.onState(st));
			this.fastStates(s);
			this.fastDeltas(s);
		}
		s.io.on("open", () => this.opens++);
		s.io.on("close", () => this.closes++);
		s.io.on("reconnect_attempt", () => this.reconnects++);
		s.io.on("ping", () => this.pings.push(Date.now()));
		// Every ACK packet, also those socket.io-client would drop (a
		// second ack for the same id).
		s.io.on("packet", (p) => {
			if (p.type !== SIO_ACK || p.nsp !== "/")
				return;
			const a = Array.isArray(p.data) ? p.data[0] : undefined;
			const seq = a && Number.isInteger(a.seq) ? a.seq : 0;
			this.rawAcks[seq] = (this.rawAcks[seq] || 0) + 1;
		});
		await waitFor(() => this.welcome || this.connectErrors.length ||
		    this.disconnects.length, 50000, `${this.id}: welcome`);
		assert(this.welcome, `${this.id}: no welcome: ` +
		    `${this.connectErrors[0] || JSON.stringify(this.disconnects)}`);
		assert(this.welcome.x === this.home[0] &&
		    this.welcome.y === this.home[1], `${this.id}: welcome at ` +
		    `(${this.welcome.x}, ${this.welcome.y}), expected ` +
		    `(${this.home})`);
		await waitFor(() => this.records.length > 0, 10000,
		    `${this.id}: a first state`);
	}

	// The quiet clients apply the deltas to a view and record their own
	// player and the number of mobs in sight, without making a state of
	// each (two hundred clients, twenty deltas a second, each listing
	// what changed among some two hundred players and ten mobs).
	fastDeltas(s) {
		const view = new DeltaView();
		let nmobs = 0;
		s.on("delta", (bytes) => {
			let c;
			try {
				c = view.apply(bytes);
			} catch (e) {
				this.badDeltas.push(e.message);
				return;
			}
			for (const id of c.left)
				nmobs -= id >= MOB_ID_BASE ? 1 : 0;
			for (const id of c.entered)
				nmobs += id >= MOB_ID_BASE ? 1 : 0;
			const me = this.welcome ? view.get(this.welcome.id) :
			    undefined;
			if (this.welcome)
				this.records.push({ at: Date.now(),
				    tick: c.tick, seq: c.seq,
				    x: me ? me.x : NaN, y: me ? me.y : NaN,
				    dead: me ? me.hp === 0 : undefined, nmobs });
		});
	}

	// With --state-format json: two hundred clients parsing every player
	// in every state (20 a second, some 20 KB each) would take one node
	// process most of a core; on a busy machine it falls behind, the
	// backlog in the socket buffers grows past the ping timeout. So the
	// quiet clients read only what they need from a state packet: the
	// packet still comes through engine.io-client and the Manager, only
	// the decoder's JSON.parse of the whole payload is skipped (anything
	// that does not look as expected takes the normal path).
	fastStates(s) {
		if (this.mobs)
			return;		// the fighter looks at every mob
		const dec = s.io.decoder;
		const add = dec.add.bind(dec);
		dec.add = (data) => {
			if (typeof data !== "string" || !data.startsWith(
			    '2["state",{"tick":') || !this.welcome ||
			    !this.rawState(data))
				add(data);
		};
	}

	rawState(data) {
		const head = /^2\["state",\{"tick":(\d+),"seq":(\d+),"players":\[/
		    .exec(data);
		if (!head || !data.endsWith("]}]"))
			return false;
		const key = `{"id":${this.welcome.id},"name":`;
		const i = data.indexOf(key, head[0].length - 1);
		const j = i < 0 ? -1 : data.indexOf("}", i);
		const mi = data.lastIndexOf('],"mobs":[');
		const ei = data.lastIndexOf('],"events":[');
		if (j < 0 || mi < 0 || ei < mi)
			return false;
		let me, events;
		try {
			me = JSON.parse(data.slice(i, j + 1));
			events = JSON.parse(data.slice(ei + 11, -2));
		} catch (e) {
			return false;
		}
		this.onState({
			tick: Number(head[1]), seq: Number(head[2]), players: [me],
			nmobs: data[mi + 10] === "]" ? 0 : 1, events,
		});
		return true;
	}

	onState(st) {
		if (!this.welcome)
			return;
		const me = st.players.find((p) => p.id === this.welcome.id);
		this.records.push({
			at: Date.now(), tick: st.tick, seq: st.seq,
			x: me ? me.x : NaN, y: me ? me.y : NaN,
			dead: me ? me.dead : undefined,
			nmobs: st.mobs ? st.mobs.length : st.nmobs,
		});
		if (this.mobs)
			this.mobs.push({ tick: st.tick, at: Date.now(),
			    mobs: st.mobs });
		for (const e of st.events || []) {
			if (e.type === "hit" && (e.a === this.welcome.id ||
			    e.b === this.welcome.id))
				this.hits.push(Object.assign({ tick: st.tick,
				    at: Date.now() }, e));
			if (e.type === "mob_killed" && e.a === this.welcome.id)
				this.kills.push(Object.assign({ tick: st.tick,
				    at: Date.now() }, e));
		}
	}

	last() {
		return this.records[this.records.length - 1];
	}

	send(fields = {}) {
		const seq = ++this.seq;
		const o = Object.assign({ seq, dx: this.held[0],
		    dy: this.held[1] }, fields);
		this.held = [o.dx, o.dy];
		this.sentAt[seq] = Date.now();
		this.sock.emit("input", o, (r) => {
			this.acked[seq] = (this.acked[seq] || 0) + 1;
			this.ackMs[seq] = Date.now() - this.sentAt[seq];
			if (!r || r.ok !== true || r.seq !== seq)
				this.badAcks.push({ seq, r });
		});
	}

	// A small random step that keeps the player within a few units of
	// home.
	wander() {
		const l = this.last();
		const x = l && !isNaN(l.x) ? l.x : this.home[0];
		const y = l && !isNaN(l.y) ? l.y : this.home[1];
		const step = (d) => Math.round(Math.max(-1, Math.min(1, d / 32 +
		    (Math.random() - 0.5) * 0.6)) * 1000) / 1000;
		this.send({ dx: step(this.home[0] - x),
		    dy: step(this.home[1] - y) });
	}

	allAcked() {
		for (let q = 1; q <= this.seq; q++)
			if (!this.acked[q])
				return false;
		return true;
	}
}

async function joinAll(list, batch = 20) {
	for (let i = 0; i < list.length; i += batch)
		await Promise.all(list.slice(i, i + batch).map((p) => p.join()));
}

function startWandering(list) {
	sending = true;
	const t = setInterval(() => {
		for (const p of list)
			p.wander();
	}, INPUT_MS);
	return () => {
		clearInterval(t);
		sending = false;
	};
}

// The last input of each: stand still (so the final position is known).
async function stopAndSettle(list, ms) {
	for (const p of list)
		p.send({ dx: 0, dy: 0 });
	await waitFor(() => list.every((p) => p.allAcked() &&
	    p.last().seq === p.seq), ms, "every input acked and applied " +
	    "(the last state's seq the last input's)");
	// A few more states: the players stand still.
	const ticks = list.map((p) => p.last().tick);
	await waitFor(() => list.every((p, i) => p.last().tick >= ticks[i] + 4),
	    ms, "four more states");
}

// Connection checks, about every client.
function checkConnections(list) {
	const bad = [];
	for (const p of list) {
		const s = p.sock;
		const why = [];
		if (p.disconnects.length)
			why.push(`disconnect "${p.disconnects[0].reason}" ` +
			    `${p.disconnects[0].at - p.connectedAt} ms after the ` +
			    `connect, pings at ${JSON.stringify(p.pings.map((t) =>
			    t - p.connectedAt))}`);
		if (p.connects !== 1)
			why.push(`${p.connects} connect events`);
		if (p.opens !== 1 || p.closes !== 0)
			why.push(`engine opened ${p.opens}, closed ${p.closes}`);
		if (p.reconnects)
			why.push(`${p.reconnects} reconnect attempts`);
		if (!s.connected)
			why.push("not connected");
		if (s.id !== p.sid)
			why.push(`socket.id ${p.sid} -> ${s.id}`);
		if (!s.io.engine || s.io.engine.id !== p.eid)
			why.push(`engine sid ${p.eid} -> ` +
			    `${s.io.engine && s.io.engine.id}`);
		if (p.errors.length)
			why.push(`error events ${JSON.stringify(p.errors)}`);
		if (why.length)
			bad.push(`${p.id}: ${why.join("; ")}`);
	}
	assert(bad.length === 0, `${bad.length} of ${list.length} clients: ` +
	    bad.slice(0, 5).join(" | "));
	return `${list.length} clients, ${list.reduce((n, p) => n + p.seq, 0)} ` +
	    "inputs";
}

// Every input acked exactly once, ok:true with its own seq, and applied.
function checkAcks(list) {
	const bad = [];
	let dup = 0, missing = 0, wrong = 0;
	for (const p of list) {
		const why = [];
		for (let q = 1; q <= p.seq; q++) {
			if (!p.acked[q]) {
				missing++;
				why.push(`seq ${q} not acked`);
			} else if (p.acked[q] !== 1 || p.rawAcks[q] !== 1) {
				dup++;
				why.push(`seq ${q} acked ${p.rawAcks[q]} times`);
			}
		}
		const extra = p.rawAcks.reduce((n, c, q) =>
		    n + (q < 1 || q > p.seq ? c || 0 : 0), 0);
		if (extra)
			why.push(`${extra} acks for no input sent`);
		if (p.badAcks.length) {
			wrong += p.badAcks.length;
			why.push(`bad acks ${JSON.stringify(p.badAcks.slice(0,
			    3))}`);
		}
		const l = p.last();
		if (l.seq !== p.seq)
			why.push(`last state seq ${l.seq}, last input ${p.seq}`);
		if (why.length)
			bad.push(`${p.id}: ${why.slice(0, 4).join("; ")}`);
	}
	assert(bad.length === 0, `${missing} missing, ${dup} duplicate, ` +
	    `${wrong} wrong acks; ${bad.length} clients: ` +
	    bad.slice(0, 5).join(" | "));
}

// Each client's states: every delta decoded, tick strictly increasing, seq
// never going back, the player moving no faster than it can (no jump back
// to a spawn point), never dead, mobs in every state.
function checkStates(list, hz) {
	const bad = [];
	let n = 0, maxStep = 0;
	for (const p of list) {
		const why = [];
		const r = p.records;
		if (p.badDeltas.length)
			why.push(`${p.badDeltas.length} deltas did not ` +
			    `decode: ${p.badDeltas[0]}`);
		for (let i = 0; i < r.length; i++) {
			const s = r[i];
			n++;
			if (isNaN(s.x))
				why.push(`tick ${s.tick}: not among the players`);
			if (s.dead)
				why.push(`tick ${s.tick}: dead`);
			if (s.nmobs === 0)
				why.push(`tick ${s.tick}: no mob`);
			if (i === 0)
				continue;
			const q = r[i - 1];
			if (!(s.tick > q.tick))
				why.push(`tick ${q.tick} then ${s.tick}`);
			if (s.seq < q.seq)
				why.push(`seq ${q.seq} then ${s.seq} (tick ` +
				    `${s.tick})`);
			const d = Math.hypot(s.x - q.x, s.y - q.y);
			const may = PLAYER_SPEED * (s.tick - q.tick) / hz * 1.05 +
			    0.05 + 2 * QERR;
			maxStep = Math.max(maxStep, d / Math.max(1, s.tick -
			    q.tick));
			if (d > may)
				why.push(`moved ${d.toFixed(2)} from (${q.x}, ` +
				    `${q.y}) to (${s.x}, ${s.y}) between ticks ` +
				    `${q.tick} and ${s.tick}`);
		}
		if (why.length)
			bad.push(`${p.id}: ${why.slice(0, 3).join("; ")}` +
			    (why.length > 3 ? ` (+${why.length - 3})` : ""));
	}
	assert(bad.length === 0, `${bad.length} clients: ` +
	    bad.slice(0, 5).join(" | "));
	return `${n} states, at most ${maxStep.toFixed(2)} units a tick`;
}

// Every client got at least n pings from the server since t.
function checkPings(list, t, n) {
	const few = list.filter((p) => p.pings.filter((x) => x > t).length <
	    n);
	assert(few.length === 0, `${few.length} clients got fewer than ${n} ` +
	    `pings since the last migration: ` + few.slice(0, 3).map((p) =>
	    `${p.id}: pings at ${JSON.stringify(p.pings.map((x) => x - t))} ` +
	    "ms from it").join(" | "));
	return `pings since the last migration: at least ${Math.min(...list.map(
	    (p) => p.pings.filter((x) => x > t).length))} a client`;
}

// The largest gap between two states a client got, within [from, to].
function maxGap(list, from, to) {
	let gap = 0;
	for (const p of list) {
		const r = p.records;
		for (let i = 1; i < r.length; i++)
			if (r[i].at >= from && r[i - 1].at <= to)
				gap = Math.max(gap, r[i].at - r[i - 1].at);
	}
	return gap;
}

// The longest wait for an ack of an input sent within [from, to].
function maxAckWait(list, from, to) {
	let wait = 0;
	for (const p of list)
		for (let q = 1; q <= p.seq; q++)
			if (p.sentAt[q] >= from && p.sentAt[q] <= to)
				wait = Math.max(wait, p.ackMs[q] || 0);
	return wait;
}

// The character documents hold each player's final position, once the
// clients have left.
async function checkWrittenBack(list) {
	for (const p of list)
		p.sock.close();
	let late = [];
	await waitFor(() => {
		late = [];
		for (const p of list) {
			const l = p.last();
			let doc;
			try {
				doc = JSON.parse(fs.readFileSync(path.join(dataDir,
				    "characters", `${p.id}.json`), "utf8"));
			} catch (e) {
				late.push(`${p.id}: unreadable`);
				continue;
			}
			if (!(doc.version > 1 && Math.abs(doc.x - l.x) <=
			    2 * QERR && Math.abs(doc.y - l.y) <= 2 * QERR))
				late.push(`${p.id}: version ${doc.version} at ` +
				    `(${doc.x}, ${doc.y}), last seen at (${l.x}, ` +
				    `${l.y})`);
		}
		return late.length === 0;
	}, 30000, "every document written back").catch((e) => {
		throw new Error(`${e.message}: ${late.length} not: ` +
		    late.slice(0, 5).join(" | "));
	});
	let wb = {};
	await waitFor(async () => {
		wb = (await status()).writeback || {};
		return wb.owned === 0 && wb.in_flight === 0;
	}, 30000, "write-back owning nothing").catch((e) => {
		throw new Error(`${e.message}: ${JSON.stringify(wb)}`);
	});
	assert(!wb.conflicts && !wb.rejected, `write-back conflicts ` +
	    `${wb.conflicts}, rejected ${wb.rejected}`);
	return `${list.length} documents; write-back ${JSON.stringify(wb)}`;
}

function figures(r) {
	const b = r.body || {};
	if (r.status !== 200)
		return `HTTP ${r.status} in ${r.ms} ms: ${JSON.stringify(b)}`;
	return `HTTP ${r.status} in ${r.ms} ms: old_pid ${b.old_pid} new_pid ` +
	    `${b.new_pid} pause_ms ${b.pause_ms} snapshot_bytes ` +
	    `${b.snapshot_bytes} fds ${b.fds} sessions ${b.sessions}`;
}

// POST /v1/migrate and the checks of a migration that succeeds: 200 with
// a new pid, the new process answering the control plane at once, the old
// one gone within 10 s.
async function migrateOk(body, what, nsessions) {
	const before = await status();
	const r = await ctl("POST", "/v1/migrate", body, 60000);
	console.log(`# migration ${what}: ${figures(r)}`);
	if (r.status === 200 && Number.isInteger(r.body.new_pid))
		notePid(r.body.new_pid);
	assert(r.status === 200, `${what}: HTTP ${r.status} ` +
	    JSON.stringify(r.body));
	const b = r.body;
	assert(b.migrated === true && b.old_pid === before.pid &&
	    Number.isInteger(b.new_pid) && b.new_pid !== before.pid,
	    `${what}: answer ${JSON.stringify(b)}, pid before ${before.pid}`);
	assert(Number.isInteger(b.snapshot_bytes) && b.snapshot_bytes > 0 &&
	    Number.isInteger(b.fds) && b.fds > 0 &&
	    typeof b.pause_ms === "number" && b.pause_ms >= 0,
	    `${what}: figures ${JSON.stringify(b)}`);
	if (nsessions !== undefined)
		assert(b.sessions >= nsessions, `${what}: sessions ` +
		    `${b.sessions}, ${nsessions} clients are connected`);
	const after = await status();
	assert(after.pid === b.new_pid, `${what}: GET /v1/status right ` +
	    `after the answer: pid ${after.pid}, expected ${b.new_pid}`);
	assert(after.state === "running" && after.area === "meadow",
	    `${what}: status after: ${after.state} ${after.area}`);
	await waitFor(() => exited(before.pid), 10000, `${what}: old pid ` +
	    `${before.pid} to exit (state ${procState(before.pid)})`);
	return { r, before, after };
}

// ---- main -----------------------------------------------------------------

function fighterLoop(f, pond) {
	let lastAttack = 0;
	const near = (m) => distToRect(m.x, m.y, pond) < 100;
	const start = f.home;
	const tick = () => {
		if (!sending)
			return;
		const me = f.last(), st = f.mobs[f.mobs.length - 1];
		let best = null, bestd = Infinity;
		for (const m of st ? st.mobs : []) {
			const d = Math.hypot(m.x - me.x, m.y - me.y);
			if (m.hp > 0 && near(m) && d < bestd) {
				best = m;
				bestd = d;
			}
		}
		const attack = Date.now() - lastAttack > 120;
		const extra = attack ? { attack: true } : {};
		if (attack)
			lastAttack = Date.now();
		// Never far from the pond: back to the start beyond 150.
		const far = distToRect(me.x, me.y, pond) > 150;
		if (far || (best && bestd > 20)) {
			const [x, y] = far ? waypoint(map, me.x, me.y, ...start) :
			    waypoint(map, me.x, me.y, best.x, best.y);
			const d = Math.hypot(x - me.x, y - me.y) || 1;
			const dx = Math.round((x - me.x) / d * 1000) / 1000;
			const dy = Math.round((y - me.y) / d * 1000) / 1000;
			if (dx !== f.held[0] || dy !== f.held[1] || attack)
				f.send(Object.assign({ dx, dy }, extra));
		} else if (f.held[0] || f.held[1] || attack)
			f.send(Object.assign({ dx: 0, dy: 0 }, extra));
	};
	const t = setInterval(tick, 40);
	return () => clearInterval(t);
}

function fightEvents(f, fromAt) {
	const me = f.welcome.id;
	const h = f.hits.filter((e) => e.at >= fromAt);
	return {
		given: h.filter((e) => e.a === me && e.b >= MOB_ID_BASE &&
		    e.value > 0),
		taken: h.filter((e) => e.b === me && e.a >= MOB_ID_BASE &&
		    e.value > 0),
		kills: f.kills.filter((e) => e.at >= fromAt),
	};
}

// Mobs the fighter saw in two consecutive states: no faster than they
// can move, hp not back up unless they were going home (which heals).
function checkMobs(f, hz) {
	const why = [];
	let pairs = 0;
	for (let i = 1; i < f.mobs.length; i++) {
		const a = f.mobs[i - 1], b = f.mobs[i];
		const dt = b.tick - a.tick;
		for (const m of b.mobs) {
			const o = a.mobs.find((x) => x.id === m.id);
			if (!o)
				continue;
			pairs++;
			const d = Math.hypot(m.x - o.x, m.y - o.y);
			// Its own steps, and pushes out of a player's way.
			if (d > (MOB_SPEED + PLAYER_SPEED) * 1.2 * dt / hz +
			    2 * RADIUS)
				why.push(`mob ${m.id} moved ${d.toFixed(2)} ` +
				    `between ticks ${a.tick} and ${b.tick}`);
			if (m.hp > o.hp && o.state !== "return" &&
			    m.state !== "return" && dt < 5)
				why.push(`mob ${m.id} hp ${o.hp} -> ${m.hp} ` +
				    `(${o.state} -> ${m.state}) between ticks ` +
				    `${a.tick} and ${b.tick}`);
		}
	}
	assert(why.length === 0, why.slice(0, 5).join(" | "));
	return pairs;
}

async function main() {
	const hz = (await status()).tick_hz || 20;
	const homes = quietHomes(NCLIENTS);
	const quiet = homes.map(([x, y], i) => new Player(
	    `m${String(i).padStart(3, "0")}`, x, y, 20));
	const pond = map.spawners.find((s) => /pond/.test(s.name)) ||
	    map.spawners[0];
	const fx = pond.x + pond.width / 2, fy = pond.y - 32;
	assert(map.fits(fx, fy), `fighter start (${fx}, ${fy}) is not free`);
	const fighter = new Player("fighter", fx, fy, 1000000);
	fighter.mobs = [];
	const all = [fighter, ...quiet];
	const migrations = [];
	let stopWander = null, stopFight = null, fightFrom = 0;

	const { check, run } = checkList("migrate-clients.cjs main", 150000,
	    () => {
		if (stopWander)
			stopWander();
		if (stopFight)
			stopFight();
		for (const p of all)
			if (p.sock)
				p.sock.close();
	});

	check(`${NCLIENTS} quiet clients and a fighter join`, async () => {
		const t0 = Date.now();
		await joinAll(all);
		const st = await status();
		assert(st.players === all.length, `status players ` +
		    `${st.players}, expected ${all.length}`);
		return `in ${Date.now() - t0} ms; pid ${st.pid}`;
	});

	check("every client sends inputs; the fighter and the slimes " +
	    "exchange hits", async () => {
		assert(all.every((p) => p.welcome), "not everyone joined");
		stopWander = startWandering(quiet);
		stopFight = fighterLoop(fighter, pond);
		const t0 = Date.now();
		await waitFor(() => {
			const e = fightEvents(fighter, t0);
			return e.given.length && e.taken.length;
		}, 40000, "the fighter hitting a slime and being hit").catch(
		    (e) => {
			const l = fighter.mobs[fighter.mobs.length - 1];
			throw new Error(`${e.message}; fighter at ` +
			    `(${fighter.last().x}, ${fighter.last().y}), mobs ` +
			    JSON.stringify(l && l.mobs));
		});
		await sleep(1000);
		const e = fightEvents(fighter, t0);
		return `after ${Date.now() - t0} ms: ${e.given.length} hits ` +
		    `given, ${e.taken.length} taken, ${e.kills.length} kills`;
	});

	const plan = [
		["1 (to itself, empty body)", undefined],
		["2 (binary: a fresh copy)", { binary: extra }],
		["3 (to itself again)", ""],
	];
	if (olderStyle)
		plan.push(["4 (binary: one that takes no sockets early)",
		    { binary: olderStyle }]);
	check(`${plan.length} migrations under load: 200 with a new pid ` +
	    "each time, old processes gone", async () => {
		assert(sending, "the clients are not sending");
		const notes = [];
		for (const [what, body] of plan) {
			const t0 = Date.now();
			const m = await migrateOk(body, what, all.length);
			m.t0 = t0;
			m.t1 = Date.now();
			migrations.push(m);
			notes.push(`${m.before.pid} -> ${m.r.body.new_pid}`);
			await sleep(1000);
		}
		fightFrom = Date.now();
		return notes.join(", ");
	});

	check("the fight goes on after the migrations", async () => {
		assert(migrations.length === plan.length, "not migrated");
		await waitFor(() => {
			const e = fightEvents(fighter, fightFrom);
			return e.given.length >= 2 && e.taken.length >= 1;
		}, 20000, "two hits by the fighter and one on it after the " +
		    "last migration").catch((err) => {
			const e = fightEvents(fighter, fightFrom);
			throw new Error(`${err.message}: given ` +
			    `${e.given.length}, taken ${e.taken.length}`);
		});
		// Hits in the second after each migration.
		const windows = migrations.map((m) => {
			const e = fightEvents(fighter, m.t1);
			return `${e.given.filter((x) => x.at < m.t1 + 1000)
			    .length}/${e.taken.filter((x) => x.at < m.t1 + 1000)
			    .length}`;
		});
		const e = fightEvents(fighter, fightFrom);
		return `since: ${e.given.length} hits given, ${e.taken.length} ` +
		    `taken, ${e.kills.length} kills; hits given/taken in the ` +
		    `second after each migration: ${windows.join(", ")}`;
	});

	check("inputs stop: every input acked exactly once (ok, its seq) and " +
	    "applied", async () => {
		assert(stopWander, "never started");
		await sleep(2000);	/* a while more under the last process */
		stopWander();
		stopFight();
		stopWander = stopFight = null;
		await sleep(200);
		await stopAndSettle(all, 40000).catch((e) => {
			const late = all.filter((p) => !p.allAcked() ||
			    p.last().seq !== p.seq).slice(0, 5).map((p) =>
			    `${p.id}: sent ${p.seq}, state seq ${p.last().seq}, ` +
			    `unacked ${p.seq - p.acked.filter(Boolean).length}`);
			throw new Error(`${e.message}: ${late.join(" | ")}`);
		});
		checkAcks(all);
		return `${all.reduce((n, p) => n + p.seq, 0)} inputs`;
	});

	check("no disconnect, no reconnect, same socket.id and engine sid; " +
	    "pings go on", async () => {
		const note = checkConnections(all);
		assert(migrations.length === plan.length, "not migrated");
		return `${note}; ${checkPings(all,
		    migrations[migrations.length - 1].t1, 2)}`;
	});

	check("states: every delta decoded, ticks strictly increasing, " +
	    "players moving continuously, never dead, mobs present",
	    async () => {
		assert(migrations.length === plan.length, "not migrated");
		// Every client got states after the last migration.
		const t = migrations[migrations.length - 1].t1;
		const stale = all.filter((p) => !p.records.some((r) =>
		    r.at > t));
		assert(stale.length === 0, `${stale.length} clients got no ` +
		    "state after the last migration");
		return checkStates(all, hz);
	});

	check("mobs: same ids, continuous moves, no hp reset across the " +
	    "migrations", async () => {
		assert(migrations.length === plan.length, "not migrated");
		const pairs = checkMobs(fighter, hz);
		// The mobs seen just before the first and just after the last
		// migration: the same individuals, not a fresh world.
		const before = fighter.mobs.filter((s) => s.at <
		    migrations[0].t0);
		const after = fighter.mobs.filter((s) => s.at >
		    migrations[migrations.length - 1].t1);
		assert(before.length && after.length, "no states around");
		const ids = (s) => new Set(s.mobs.map((m) => m.id));
		const a = ids(before[before.length - 1]), b = ids(after[0]);
		const common = [...a].filter((x) => b.has(x));
		assert(common.length > 0, `mob ids before ${[...a]}, after ` +
		    `${[...b]}`);
		return `${pairs} mob pairs; ${common.length} of ${a.size} mobs ` +
		    "seen before are there after";
	});

	check("figures", async () => {
		const notes = migrations.map((m, i) => {
			const b = m.r.body;
			return `#${i + 1}: pause_ms ${b.pause_ms}, snapshot_bytes ` +
			    `${b.snapshot_bytes}, fds ${b.fds}, sessions ` +
			    `${b.sessions}, request ${m.r.ms} ms, longest ` +
			    `state gap ${maxGap(all, m.t0, m.t1)} ms, longest ` +
			    `ack wait ${maxAckWait(all, m.t0, m.t1)} ms`;
		});
		for (const n of notes)
			console.log(`# ${n}`);
		const t0 = migrations[0].t0;
		console.log(`# before the migrations: longest state gap ` +
		    `${maxGap(all, t0 - 3000, t0)} ms, longest ack wait ` +
		    `${maxAckWait(all, t0 - 3000, t0)} ms`);
		const st = await status();
		console.log(`# status.migration ${JSON.stringify(st.migration)}`);
		for (const n of ["zoned_migrations_total",
		    "zoned_migrations_failed_total",
		    "zoned_migration_snapshot_bytes",
		    "zoned_migration_fds"])
			console.log(`# ${n} ${await metric(n)}`);
		assert(st.migration && typeof st.migration === "object",
		    `status has no migration: ${JSON.stringify(st)}`);
	});

	check("the clients leave: every document holds its final position",
	    async () => checkWrittenBack(all));

	run();
}

// ---- fail -------------------------------------------------------------------

async function failMain() {
	const homes = quietHomes(NCLIENTS);
	const list = homes.map(([x, y], i) => new Player(`f${i}`, x, y, 20));
	const script = (n) => path.join(extra, n);
	const scriptPid = (n) => {
		try {
			return Number(fs.readFileSync(script(`${n}.pid`),
			    "utf8").trim());
		} catch (e) {
			return undefined;
		}
	};
	let stopWander = null, pid0 = 0, hz = 20, lastMigration = 0;
	const { check, run } = checkList("migrate-clients.cjs fail", 110000,
	    () => {
		if (stopWander)
			stopWander();
		for (const p of list)
			if (p.sock)
				p.sock.close();
	});

	// The daemon carries on: same pid, nobody disconnected, every input
	// sent so far acked and applied, no child left.
	async function carriesOn(what) {
		const t = Date.now();
		const st = await status();
		assert(st.pid === pid0, `${what}: pid ${st.pid}, was ${pid0}`);
		assert(st.state === "running" && st.players === list.length,
		    `${what}: state ${st.state}, players ${st.players}`);
		const gone = list.filter((p) => p.disconnects.length ||
		    !p.sock.connected);
		assert(gone.length === 0, `${what}: disconnected: ` +
		    gone.map((p) => `${p.id} ${JSON.stringify(p.disconnects)}`)
		    .join(", "));
		const want = list.map((p) => p.seq);
		await waitFor(() => list.every((p, i) => {
			for (let q = 1; q <= want[i]; q++)
				if (!p.acked[q])
					return false;
			return p.last().seq >= want[i];
		}), 15000, `${what}: the inputs sent so far acked and applied`);
		const bad = list.filter((p) => p.badAcks.length);
		assert(bad.length === 0, `${what}: bad acks ` +
		    JSON.stringify(bad[0] && bad[0].badAcks.slice(0, 3)));
		await waitFor(() => list.every((p) => p.pings.some((x) => x > t)),
		    10000, `${what}: a ping to every client`);
		let kids = [];
		await waitFor(() => (kids = childrenOf(pid0)).length === 0, 5000,
		    `${what}: zoned without children`).catch((e) => {
			throw new Error(`${e.message}: ${kids.join(", ")}`);
		});
		return `pid ${st.pid}, ${list.length} clients, inputs up to ` +
		    `${Math.min(...want)}..${Math.max(...want)} applied`;
	}

	async function failing(what, body, want, opts = {}) {
		const st = await status();
		const t0 = Date.now();
		const r = await ctl("POST", "/v1/migrate", body, 60000);
		console.log(`# ${what}: ${figures(r)}`);
		if (r.status === 200 && Number.isInteger(r.body.new_pid))
			notePid(r.body.new_pid);
		assert(r.status === want, `${what}: expected HTTP ${want}, got ` +
		    `${r.status} ${JSON.stringify(r.body)}`);
		assert(r.body && typeof r.body.error === "string" &&
		    r.body.error.length > 0, `${what}: body ` +
		    JSON.stringify(r.body));
		if (opts.minMs)
			assert(Date.now() - t0 >= opts.minMs, `${what}: answered ` +
			    `after ${Date.now() - t0} ms, before the timeout`);
		assert(st.pid === pid0, "pid changed before");
		return r;
	}

	check(`${NCLIENTS} clients join and send inputs`, async () => {
		await joinAll(list);
		const st = await status();
		pid0 = st.pid;
		hz = st.tick_hz || 20;
		stopWander = startWandering(list);
		await sleep(1000);
		return carriesOn("before");
	});

	check("bad bodies: 400, nothing started", async () => {
		assert(pid0, "not started");
		const cases = [
			['{"binary": 5}', "binary not a string"],
			['{"binary": "zoned"}', "relative path"],
			[JSON.stringify({ binary: script("noexec") }),
			    "not executable"],
			[JSON.stringify({ binary: script("missing") }),
			    "no such file"],
			["{binary", "not JSON"],
		];
		const notes = [];
		for (const [body, what] of cases) {
			const r = await failing(`400 ${what}`, body, 400);
			notes.push(`${what}: "${r.body.error}"`);
		}
		await carriesOn("after the 400s");
		return notes.join("; ");
	});

	check("a binary that exits at once: 502, the old process carries on",
	    async () => {
		assert(pid0, "not started");
		const r = await failing("exit.sh", { binary: script("exit.sh") },
		    502);
		const child = scriptPid("exit.sh");
		assert(child, "exit.sh never ran");
		const note = await carriesOn("after exit.sh");
		assert(procState(child) === null, `exit.sh (pid ${child}) not ` +
		    `reaped: state ${procState(child)}`);
		return `"${r.body.error}"; ${note}`;
	});

	check("a binary that hangs: 504 after --migrate-timeout, a second " +
	    "POST meanwhile 409, the child killed and reaped", async () => {
		assert(pid0, "not started");
		const first = failing("hang.sh", { binary: script("hang.sh") },
		    504, { minMs: 900 });
		await waitFor(() => scriptPid("hang.sh"), 5000,
		    "hang.sh running");
		const second = await ctl("POST", "/v1/migrate", undefined,
		    60000);
		console.log(`# POST during hang.sh: ${figures(second)}`);
		if (second.status === 200 &&
		    Number.isInteger(second.body.new_pid))
			notePid(second.body.new_pid);
		const r = await first;
		assert(second.status === 409 && second.body &&
		    typeof second.body.error === "string", `second POST: ` +
		    `HTTP ${second.status} ${JSON.stringify(second.body)}`);
		const child = scriptPid("hang.sh");
		const note = await carriesOn("after hang.sh");
		assert(procState(child) === null, `hang.sh (pid ${child}) not ` +
		    `killed and reaped: state ${procState(child)}`);
		return `"${r.body.error}" after ${r.ms} ms; 409 ` +
		    `"${second.body.error}"; ${note}`;
	});

	check("a replacement that gets a corrupt snapshot: 502, the old " +
	    "process carries on", async () => {
		assert(pid0, "not started");
		const r = await failing("corrupt.sh",
		    { binary: script("corrupt.sh") }, 502);
		const child = scriptPid("corrupt.sh");
		assert(child, "corrupt.sh never ran");
		const note = await carriesOn("after corrupt.sh");
		assert(procState(child) === null, `the replacement (pid ` +
		    `${child}) not reaped: state ${procState(child)}`);
		return `"${r.body.error}"; ${note}`;
	});

	check("status and metrics count the three failures", async () => {
		assert(pid0, "not started");
		const st = await status();
		const m = st.migration;
		console.log(`# status.migration ${JSON.stringify(m)}`);
		assert(m && m.failed === 3, `status migration ` +
		    JSON.stringify(m));
		const f = await metric("zoned_migrations_failed_total");
		assert(f === 3, `zoned_migrations_failed_total ${f}`);
		return JSON.stringify(m);
	});

	check("then a migration succeeds", async () => {
		assert(pid0, "not started");
		const m = await migrateOk(undefined, "after the failures",
		    list.length);
		await sleep(1000);
		return figures(m.r);
	});

	check("SIGUSR2 migrates too (to the binary it was started from)",
	    async () => {
		assert(pid0, "not started");
		const before = await status();
		assert(before.pid !== pid0, "the migration above did not happen");
		process.kill(before.pid, "SIGUSR2");
		// A request that reaches the old process while it hands over
		// is answered 503 "connect again": ask again.
		let st = before, n503 = 0;
		await waitFor(async () => {
			const r = await ctl("GET", "/v1/status");
			if (r.status === 503) {
				n503++;
				return false;
			}
			assert(r.status === 200, `GET /v1/status: HTTP ` +
			    `${r.status} ${JSON.stringify(r.body)}`);
			st = r.body;
			return st.pid !== before.pid;
		}, 20000, "GET /v1/status showing a new pid");
		notePid(st.pid);
		await waitFor(() => exited(before.pid), 10000, `old pid ` +
		    `${before.pid} to exit`);
		assert(st.state === "running" && st.players === list.length,
		    `status after: ${st.state}, players ${st.players}`);
		lastMigration = Date.now();
		await sleep(2000);
		return `${before.pid} -> ${st.pid}; migration ` +
		    `${JSON.stringify(st.migration)}; ${n503} status requests ` +
		    "answered 503 meanwhile";
	});

	check("inputs stop: every input acked exactly once and applied; no " +
	    "disconnect; every delta decoded, states continuous", async () => {
		assert(stopWander, "never started");
		stopWander();
		stopWander = null;
		await sleep(200);
		await stopAndSettle(list, 30000);
		checkAcks(list);
		const c = checkConnections(list);
		return `${c}; ${checkStates(list, hz)}; ` +
		    checkPings(list, lastMigration, 2);
	});

	run();
}

(mode === "main" ? main() : failMain()).catch((e) => {
	console.log(`FAIL: ${e.stack || e}`);
	process.exit(1);
});
