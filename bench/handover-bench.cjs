// bench/handover-bench.cjs: how long does a hand-over between areas take,
// and does one ever lose a player? (issue 6)
//
//   NODE_PATH=tests/integ/node_modules node bench/handover-bench.cjs \
//       [--bots 200] [--seconds 60] [--dwell-ms 1000] [--api file|refapi]
//
// Starts two zoned (./zoned in the current directory, else the one next to
// bench/, or --zoned PATH), one for --from (meadow) and one for --to
// (town), from --area-dir (etc/areas), each with its own --state-dir, both
// on ONE Character/Quest Data API: the embedded file:// store, a copy of
// --data-dir (etc/data) shared by both (--api file, the default), or the
// reference API tests/refapi/server.cjs over HTTP (--api refapi). Each is
// allocated (POST /v1/allocate) with both as neighbours. --bots characters
// are written to the store, standing just inside the edge of --from that
// leads to --to, on a stretch of it that is open in both maps and as far as
// it gets from the mobs; each gets a ticket (POST /v1/pending on --from)
// and plays through the client library clients/js/zoned-client.cjs, which
// follows every "transfer" by itself.
//
// For --seconds each bot walks toward the border of whatever area it is in,
// crosses, is handed over, and walks back: after each arrival it first
// walks away from the border for --dwell-ms (1000, +-50% at random) and
// then back to it, so that each bot crosses about every 2 s (about 100
// hand-overs a second for 200 bots). With --dwell-ms 0 it turns at once
// on arrival: a hand-over every few ticks per bot, as many as the machine
// can carry (a stress test: the times then measure the saturated CPUs).
// For every hand-over it records (a "state" is a binary "delta", applied
// to the library's view, or a JSON "state" from a zoned with
// --state-format json)
//   crossing   the first state in which its player stands on the exit
//              (zoned freezes it and starts the hand-over at that tick);
//              its tick is put on the old instance's tick clock as seen
//              from here (per area and second, the earliest arrival of any
//              state, less tick x period), so that this process's own lag
//              in reading the state does not shorten the figure;
//   transferring  the first input the old instance answered
//              {ok:false, error:"transferring"} (bots send one input per
//              leg, so this one is rare);
//   last state the last state of the old instance that shows the player
//              (it leaves the world once written through);
//   transfer   the old instance's "transfer";
//   welcome    the new instance's welcome (the library's "transferred").
// and prints, over the hand-overs completed after the warm-up:
//   hand-over   welcome - crossing tick (or the first sign, if earlier):
//               how long the player is frozen; the target is p99 <= 100
//               ms on loopback; also per direction;
//   first sign -> welcome (the same, from the first thing seen here);
//   crossing tick -> "transfer" (write-through + offer + delivery);
//   "transfer" -> welcome (the library's "transferred" ms: the new
//               connection and the neighbour's welcome);
//   crossing tick -> its state seen here (delivery + this process's lag);
//   crossing state -> last state in the old area (the write-through);
// with p50/p90/p99/max/mean, hand-overs per second, failed hand-overs
// (episodes with "transfer_failed" from the server and/or "transfer_error"
// from the library, with their codes), disconnects, game errors, bots hurt
// by mobs, bots stuck (crossed and neither handed over nor refused for
// 15 s), the CPU used by each process and by others on the machine, each
// instance's own figures from /metrics (zoned_handovers_*_total and
// zoned_handover_seconds_sum / _count, i.e. the mean from the crossing to
// the neighbour's 201) and /v1/status (tick_stats, dataapi, writeback), and
// the most Data API requests in flight and queued (sampled every 250 ms).
//
// Then the bots stop walking, wait until no hand-over is under way and
// disconnect; the bench waits (up to 35 s) until both instances have
// written every character back and let it go (/v1/status: players 0,
// clients 0, writeback owned 0, in_flight 0, spooled 0) and checks for
// losses: every hand-over an instance started ended (/metrics: started =
// completed + failed); every bot's character exists exactly once in the
// API (file store: one characters/ID.json and no stray file; refapi: GET
// /__characters/ID), with its inventory (items and counts) as written at
// the start, in the area and at the place where its bot last stood (its
// final write-back landed), and owned by no instance: the instance of its
// area announces it again (POST /v1/pending, then DELETE; a 409 "still in
// this instance" is a loss, a 409 for a hand-over's unused ticket is only
// reported). It prints "losses: 0" or the list.
//
// Exit status: 0 all well; 1 losses; 2 failed hand-overs, disconnects or
// stuck bots (no loss); 3 the bench could not run.
//
// Other options:
//   --zoned PATH        the zoned binary.
//   --area-dir DIR      the area maps (default etc/areas beside bench/).
//   --data-dir DIR      the example data copied into the store (etc/data).
//   --from AREA, --to AREA   the two areas (meadow, town); --from must have
//                       an edge exit (exit_east, ...) to --to, and --to one
//                       back to --from on the opposite side.
//   --warmup-s S        hand-overs that start in the first S seconds (5;
//                       at most half the run) are left out of the times
//                       and the rate, and summed up on their own line:
//                       the bots all start at once; failures and losses
//                       count from the first second.
//   --batch N           bots connected at once while joining (25).
//   --log-level LEVEL   zoned's --log-level (info; debug logs every step).
//   --zoned-arg ARG     an extra argument for both zoned (repeatable).
//   --state-format F    both zoned send delta (their default) or json
//                       states.
//   --transfer-timeout MS   the library's transferTimeout (5000).
//   --full-parse        with JSON states, let socket.io-client decode every
//                       "state" in full; by default a state is cut, from
//                       its raw bytes, to the bot's own player (every
//                       state lists every player of the area, 20 times a
//                       second, for every bot: decoding all of it costs
//                       this node process more CPU than the measurement
//                       should). Deltas are always applied in full, as a
//                       game does (the library's view); the library
//                       rebuilds no "state" of them (option states:
//                       false): a bot reads its player from the view.
//   --tmpdir DIR        where the temporary directory (data store, state
//                       dirs, logs) goes; default /dev/shm if there is one.
//   --keep              keep the temporary directory (it is kept anyway
//                       when something went wrong).
//
// The figures are for the machine it runs on, which is printed with them:
// both zoned, the API (refapi) and all the bots share its CPUs.
"use strict";
const { spawn, spawnSync, execFileSync } = require("child_process");
const path = require("path");
const fs = require("fs");
const os = require("os");
const { performance, monitorEventLoopDelay } = require("perf_hooks");

const top = path.join(__dirname, "..");
const benchlib = require("./benchlib.cjs");

// ---- options ------------------------------------------------------------

const FLAGS = new Set(["full-parse", "keep", "help"]);
const { opts, multi } = benchlib.parseOptions(__filename, "handover-bench", FLAGS);
const num = (name, def, min) => {
	const v = opts[name] === undefined ? def : Number(opts[name]);
	if (!Number.isFinite(v) || v < min) {
		console.error(`handover-bench: --${name} must be a number >= ${min}`);
		process.exit(64);
	}
	return v;
};
const BOTS = Math.floor(num("bots", 200, 1));
const SECONDS = num("seconds", 60, 1);
const DWELL_MS = num("dwell-ms", 1000, 0);
const WARMUP_S = Math.min(num("warmup-s", 5, 0), SECONDS / 2);
const BATCH = Math.floor(num("batch", 25, 1));
const TRANSFER_TIMEOUT = num("transfer-timeout", 5000, 100);
const FROM = opts.from || "meadow";
const TO = opts.to || "town";
const API = opts.api || "file";
const LOG_LEVEL = opts["log-level"] || "info";
const FULL_PARSE = !!opts["full-parse"];
const STATE_FORMAT = opts["state-format"];
if (STATE_FORMAT !== undefined && !["delta", "json"].includes(STATE_FORMAT)) {
	console.error("handover-bench: --state-format must be delta or json");
	process.exit(64);
}
const AREA_DIR = path.resolve(opts["area-dir"] || path.join(top, "etc/areas"));
const DATA_DIR = path.resolve(opts["data-dir"] || path.join(top, "etc/data"));
const ZONED = path.resolve(opts.zoned || (fs.existsSync("zoned") ?
    "zoned" : path.join(top, "zoned")));
const REFAPI = path.join(top, "tests/refapi/server.cjs");
const STUCK_MS = 15000;	// > zoned's worst case: 2 x --api-timeout + --api-timeout
if (API !== "file" && API !== "refapi") {
	console.error("handover-bench: --api must be file or refapi");
	process.exit(64);
}
if (FROM === TO) {
	console.error("handover-bench: --from and --to must differ");
	process.exit(64);
}

// ---- open files: each bot has one or two sockets, each zoned as many -----

function softLimit() {
	return Number(execFileSync("sh", ["-c", "ulimit -n"]).toString().trim());
}
{
	const need = 3 * BOTS + 512;
	const have = softLimit();
	if (have !== Infinity && !Number.isNaN(have) && have < need) {
		if (process.env.HANDOVER_BENCH_REEXEC) {
			console.error(`handover-bench: ${BOTS} bots need ${need} ` +
			    `open files, the limit is ${have} (ulimit -n; the ` +
			    "hard limit is too low)");
			process.exit(3);
		}
		// Raise the soft limit and run again under it; zoned inherits it.
		const r = spawnSync("sh", ["-c", `ulimit -n ${need} && exec "$@"`,
		    "sh", process.execPath, ...process.execArgv, __filename,
		    ...process.argv.slice(2)], { stdio: "inherit",
		    env: { ...process.env, HANDOVER_BENCH_REEXEC: "1" } });
		process.exit(r.status === null ? 3 : r.status);
	}
}

let realIo, NodeWebSocket;
try {
	({ io: realIo } = require("socket.io-client"));
	({ NodeWebSocket } = require("engine.io-client"));
} catch (e) {
	console.error("handover-bench: socket.io-client not found; run\n" +
	    "  (cd tests/integ && npm ci)\n" +
	    "and start with NODE_PATH=tests/integ/node_modules");
	process.exit(3);
}
const { ZonedClient } = require(path.join(top, "clients/js/zoned-client.cjs"));

// ---- helpers ------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

async function http(method, url, body, timeoutMs = 15000) {
	const res = await fetch(url, {
		method, body: body === undefined ? undefined :
		    JSON.stringify(body),
		headers: body === undefined ? {} :
		    { "Content-Type": "application/json" },
		signal: AbortSignal.timeout(timeoutMs),
	});
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
	return { status: res.status, body: json, text };
}

function pct(sorted, p) {
	if (!sorted.length)
		return NaN;
	return sorted[Math.max(0, Math.min(sorted.length - 1,
	    Math.ceil(p / 100 * sorted.length) - 1))];
}

const f1 = (v) => Number.isFinite(v) ? v.toFixed(1) : "-";

function dist(values) {
	const s = values.filter(Number.isFinite).sort((a, b) => a - b);
	if (!s.length)
		return "n 0";
	const mean = s.reduce((a, b) => a + b, 0) / s.length;
	return `p50 ${f1(pct(s, 50))} p90 ${f1(pct(s, 90))} p99 ` +
	    `${f1(pct(s, 99))} max ${f1(s[s.length - 1])} mean ${f1(mean)} ms ` +
	    `(n ${s.length})`;
}


const { alive, cpuSeconds, machine, tmpBase, CLK_TCK } = benchlib;

// CPU seconds (user + system) used so far by process pid, from /proc.

// The whole machine's busy and total CPU seconds so far, from /proc/stat.
function machineCpu() {
	try {
		const v = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]
		    .trim().split(/\s+/).slice(1).map(Number);
		const idle = v[3] + (v[4] || 0);
		const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
		return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
	} catch (e) { return { busy: NaN, total: NaN }; }
}


// ---- the two maps ---------------------------------------------------------

const OPPOSITE = { east: "west", west: "east", north: "south", south: "north" };
const R = 10;			// a player's half side (WORLD_PLAYER_RADIUS)
const EXIT_R = R + 0.5;		// on the exit within this of the side
const ARRIVE_IN = 11;		// an arrival over an edge: this far inside

function loadMap(area) {
	const file = path.join(AREA_DIR, `${area}.tmj`);
	const m = JSON.parse(fs.readFileSync(file, "utf8"));
	const props = {};
	for (const p of m.properties || [])
		props[p.name] = p.value;
	const coll = (m.layers || []).find((l) => l.name === "collision" &&
	    l.type === "tilelayer");
	const solid = (c, r) => c < 0 || r < 0 || c >= m.width ||
	    r >= m.height || !!(coll && coll.data[r * m.width + c]);
	const mobs = [];
	for (const l of m.layers || []) {
		if (l.type !== "objectgroup")
			continue;
		for (const o of l.objects || []) {
			const op = {};
			for (const p of o.properties || [])
				op[p.name] = p.value;
			if (op.kind !== undefined && op.count !== undefined)
				mobs.push({ x: o.x, y: o.y, w: o.width || 0,
				    h: o.height || 0, reach: (op.sight === undefined ?
				    160 : op.sight) + 96 /* AI_WANDER */ });
		}
	}
	return { area, file, props, tw: m.tilewidth, th: m.tileheight,
	    cols: m.width, rows: m.height, W: m.width * m.tilewidth,
	    H: m.height * m.tileheight, solid, mobs };
}

// The edge of map a that leads to area b.
function exitEdge(a, b) {
	for (const e of ["east", "west", "north", "south"])
		if (a.props[`exit_${e}`] === b)
			return e;
	return null;
}

// A point at depth d inside edge e of map m, offset o along it.
function pointAt(m, e, d, o) {
	switch (e) {
	case "east": return { x: m.W - d, y: o };
	case "west": return { x: d, y: o };
	case "north": return { x: o, y: d };
	default: return { x: o, y: m.H - d };
	}
}

// Is (x, y) on edge e's exit of map m?
function onExit(m, e, p) {
	switch (e) {
	case "east": return p.x >= m.W - EXIT_R;
	case "west": return p.x <= EXIT_R;
	case "north": return p.y <= EXIT_R;
	default: return p.y >= m.H - EXIT_R;
	}
}

const DIR = { east: [1, 0], west: [-1, 0], north: [0, -1], south: [0, 1] };

// Distance from point to rectangle.
function rectDist(r, x, y) {
	const dx = Math.max(r.x - x, 0, x - (r.x + r.w));
	const dy = Math.max(r.y - y, 0, y - (r.y + r.h));
	return Math.hypot(dx, dy);
}

// The offsets along the border (pixel intervals of player centres) that
// are open in both maps for `depth` tiles in, scored by how far they keep
// from the mobs (spawner rectangle + wander + sight): the safe ones if
// any, else the farthest.
function borderStretch(a, ea, b, eb, depthTiles) {
	const along = ea === "east" || ea === "west";
	const tileLen = along ? a.th : a.tw;
	const n = along ? a.rows : a.cols;
	const tiles = [];
	for (let k = 0; k < n; k++) {
		let open = true, margin = Infinity;
		for (const [m, e] of [[a, ea], [b, eb]]) {
			for (let d = 0; d < depthTiles; d++) {
				const depth = d;
				let c, r;
				if (e === "east") { c = m.cols - 1 - depth; r = k; }
				else if (e === "west") { c = depth; r = k; }
				else if (e === "north") { c = k; r = depth; }
				else { c = k; r = m.rows - 1 - depth; }
				if (m.solid(c, r))
					open = false;
			}
			// Sample the strip where the bots walk.
			for (let d = 0; d <= depthTiles * tileLen; d += 8) {
				for (let s = 0; s <= tileLen; s += 8) {
					const p = pointAt(m, e, d, k * tileLen + s);
					for (const mob of m.mobs)
						margin = Math.min(margin,
						    rectDist(mob, p.x, p.y) - mob.reach);
				}
			}
		}
		tiles.push({ k, open, margin });
	}
	const open = tiles.filter((t) => t.open);
	if (!open.length)
		return null;
	let pick = open.filter((t) => t.margin > 0);
	let safe = true;
	if (!pick.length) {
		safe = false;
		// The best three or so: within a tile of the best margin.
		const best = Math.max(...open.map((t) => t.margin));
		pick = open.filter((t) => t.margin >= best - tileLen);
	}
	// Merge neighbouring tiles into intervals of player centres.
	const iv = [];
	for (const t of pick) {
		const last = iv[iv.length - 1];
		if (last && last.k1 === t.k - 1)
			last.k1 = t.k;
		else
			iv.push({ k0: t.k, k1: t.k });
	}
	const intervals = iv.map((i) => ({ lo: i.k0 * tileLen + R + 0.5,
	    hi: (i.k1 + 1) * tileLen - R - 0.5 })).filter((i) => i.hi >= i.lo);
	return { intervals, safe, margin: Math.min(...pick.map((t) => t.margin)) };
}

function pickOffset(stretch) {
	const total = stretch.intervals.reduce((s, i) => s + i.hi - i.lo, 0);
	let r = Math.random() * total;
	for (const i of stretch.intervals) {
		if (r <= i.hi - i.lo)
			return Math.round((i.lo + r) * 100) / 100;
		r -= i.hi - i.lo;
	}
	return stretch.intervals[0].lo;
}

// ---- the temporary directory, zoned, the API --------------------------------

const tmp = fs.mkdtempSync(path.join(tmpBase(opts), "zoned-handover-bench-"));
const STORE = path.join(tmp, "data");
const procs = [];		// {name, proc, pid, log}
let keep = !!opts.keep;

function logTail(file, n = 25) {
	try {
		return fs.readFileSync(file, "utf8").split("\n").slice(-n - 1)
		    .join("\n");
	} catch (e) { return ""; }
}

function startProc(name, cmd, args) {
	const log = path.join(tmp, `${name}.log`);
	const fd = fs.openSync(log, "a");
	const p = spawn(cmd, args, { stdio: ["ignore", fd, fd] });
	fs.closeSync(fd);
	const rec = { name, proc: p, pid: p.pid, log, exited: null };
	p.on("exit", (code, sig) => { rec.exited = sig || code; });
	p.on("error", (e) => { rec.exited = e.message; });
	procs.push(rec);
	return rec;
}

async function waitLog(rec, re, what) {
	for (let i = 0; i < 150; i++) {
		const m = re.exec(fs.readFileSync(rec.log, "utf8"));
		if (m)
			return m;
		if (rec.exited !== null)
			throw new Error(`${rec.name} exited (${rec.exited}) at ` +
			    `start-up:\n${logTail(rec.log)}`);
		await sleep(100);
	}
	throw new Error(`${rec.name}: no ${what} in 15 s:\n${logTail(rec.log)}`);
}

async function startRefapi() {
	const rec = startProc("refapi", process.execPath, [REFAPI, "--listen",
	    "127.0.0.1:0", "--data", STORE]);
	const m = await waitLog(rec, /listening on=refapi address=(\S+)/,
	    "listening line");
	rec.base = `http://${m[1]}`;
	return rec;
}

async function startZoned(area, api) {
	const state = path.join(tmp, `state-${area}`);
	fs.mkdirSync(state, { recursive: true });
	const rec = startProc(area, ZONED, ["--client-listen", "127.0.0.1:0",
	    "--control-listen", "127.0.0.1:0", "--state-dir", state,
	    "--area-dir", AREA_DIR, "--character-api", api, "--quest-api", api,
	    "--max-clients", String(3 * BOTS + 64), "--log-level", LOG_LEVEL,
	    ...(STATE_FORMAT ? ["--state-format", STATE_FORMAT] : []),
	    ...(multi["zoned-arg"] || [])]);
	const ctl = await waitLog(rec, /listening on=control address=(\S+)/,
	    "control listening line");
	const cli = await waitLog(rec, /listening on=client address=\S+:(\d+)/,
	    "client listening line");
	rec.area = area;
	rec.ctl = `http://${ctl[1]}`;
	rec.client = `http://127.0.0.1:${cli[1]}`;
	return rec;
}

async function stopAll() {
	for (const rec of procs.slice().reverse()) {
		if (rec.exited !== null || !alive(rec.pid))
			continue;
		process.kill(rec.pid, "SIGTERM");
		for (let i = 0; i < 150 && rec.exited === null; i++)
			await sleep(100);
		if (rec.exited === null) {
			console.error(`${rec.name} pid ${rec.pid} did not stop in ` +
			    "15 s: SIGKILL");
			process.kill(rec.pid, "SIGKILL");
		}
	}
}

async function status(z) {
	const r = await http("GET", `${z.ctl}/v1/status`);
	if (r.status !== 200 || !r.body)
		throw new Error(`${z.area}: GET /v1/status: ${r.status} ${r.text}`);
	return r.body;
}

async function metrics(z) {
	const r = await http("GET", `${z.ctl}/metrics`);
	const out = {};
	for (const line of String(r.text).split("\n")) {
		const m = /^([a-z_]+)\s+(\S+)$/.exec(line);
		if (m)
			out[m[1]] = Number(m[2]);
	}
	return out;
}

// ---- characters -----------------------------------------------------------

function copyDir(src, dst) {
	fs.cpSync(src, dst, { recursive: true });
}

function makeCharacters(map, edge, stretch) {
	const chars = [];
	for (let i = 0; i < BOTS; i++) {
		const id = `hb${String(i).padStart(4, "0")}`;
		// Somewhere between 1 and 3 tiles from the edge, so that the
		// first crossings spread over about a second.
		const depth = ARRIVE_IN + 4 + Math.random() * 2 * map.tw;
		const p = pointAt(map, edge, depth, pickOffset(stretch));
		const inventory = [{ id: "potion", count: 1 + i % 5 }];
		if (i % 3)
			inventory.push({ id: "herb", count: i % 7 + 1 });
		if (i % 4 === 0)
			inventory.push({ id: "wooden_sword", count: 1 });
		const doc = { id, name: `HB${i}`, area: map.area,
		    x: Math.round(p.x * 100) / 100, y: Math.round(p.y * 100) / 100,
		    hp: 20, max_hp: 20, level: 1, xp: 0, inventory,
		    quests_in_progress: [], version: 1 };
		fs.writeFileSync(path.join(STORE, "characters", `${id}.json`),
		    JSON.stringify(doc, null, 1));
		chars.push(doc);
	}
	return chars;
}

const itemsOf = (doc) => (doc.inventory || []).reduce((n, it) =>
    n + (Number(it.count) || 0), 0);
const invKey = (doc) => JSON.stringify((doc.inventory || []).map((it) =>
    [it.id, it.count]).sort());

async function readCharacter(api, id) {
	if (API === "file") {
		const f = path.join(STORE, "characters", `${id}.json`);
		try {
			return JSON.parse(fs.readFileSync(f, "utf8"));
		} catch (e) {
			return e.code === "ENOENT" ? null :
			    { unreadable: e.message };
		}
	}
	const r = await http("GET", `${api.base}/__characters/${id}`);
	if (r.status === 404)
		return null;
	return r.body || { unreadable: `${r.status} ${r.text}` };
}

// ---- the bots' transport: a state cut to the bot's own player ------------

// socket.io-client's WebSocket transport, except that a "state",
// 42["state",{"tick":T,"seq":S,"players":[...],"mobs":[...],"events":[...]}],
// is handed on as 42["state",{"tick":T,"seq":S,"players":[ME],"mobs":[],
// "events":[]}], ME being {id, x, y, hp, dead} of this connection's player
// (the id from its welcome), found in the raw bytes; the rest of the state
// is neither decoded into a string nor parsed. Everything else goes through
// as the stock transport passes it.
const STATE_PREFIX = Buffer.from('42["state",');
const STATE_HEAD = /^42\["state",\{"tick":(\d+),"seq":(\d+)[,}]/;
const ME = /^\{"id":(\d+),"name":(?:"(?:[^"\\]|\\.)*"),"x":(-?[\d.]+),"y":(-?[\d.]+),"hp":(-?\d+),"max_hp":-?\d+,"level":\d+,"dead":(true|false)\}/;
class MineOnlyWS extends NodeWebSocket {
	addEventListeners() {
		super.addEventListeners();
		this.ws.onmessage = null;
		this.ws.on("message", (data, isBinary) => {
			if (isBinary || !Buffer.isBuffer(data)) {
				this.onData(isBinary ? data : data.toString());
				return;
			}
			if (data.length > STATE_PREFIX.length &&
			    data.compare(STATE_PREFIX, 0, STATE_PREFIX.length, 0,
			    STATE_PREFIX.length) === 0) {
				this.onData(this.cut(data));
				return;
			}
			const s = data.toString();
			if (s.startsWith('42["welcome",')) {
				try {
					this.myId = JSON.parse(s.slice(2))[1].id;
				} catch (e) { /* let the client see it */ }
			}
			this.onData(s);
		});
	}

	cut(data) {
		const h = STATE_HEAD.exec(data.toString("latin1", 0, 64));
		if (!h)
			return data.toString();
		let me = "";
		if (this.myId !== undefined) {
			const at = data.indexOf(`{"id":${this.myId},"name":`);
			if (at >= 0) {
				const m = ME.exec(data.toString("utf8", at, at + 400));
				if (m)
					me = `{"id":${m[1]},"x":${m[2]},"y":${m[3]},` +
					    `"hp":${m[4]},"dead":${m[5]}}`;
			}
		}
		return `42["state",{"tick":${h[1]},"seq":${h[2]},"players":[${me}],` +
		    '"mobs":[],"events":[]}]';
	}
}

const botIo = (url, o) => realIo(url, FULL_PARSE ? o :
    Object.assign({}, o, { transports: [MineOnlyWS] }));

// ---- the bots ---------------------------------------------------------------

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
const bots = [];
const done = [];		// completed hand-overs
const failures = [];		// failed hand-over episodes
const counts = { transfer_failed: 0, transfer_error: 0, disconnects: 0,
    refused: 0, input_errors: 0, nudges: 0, deaths: 0 };
const codes = {};		// failure codes, game errors, refusals
const bump = (k) => { codes[k] = (codes[k] || 0) + 1; };
let running = false;		// walking back and forth
let measuring = false;		// hand-overs count
let warmEnd = Infinity;		// those starting before are the warm-up
let world = null;		// {maps, edges}

// Each area's tick clock, as seen from here: a state of tick T arrives at
// least (T * period + base) after it was sent; per area and second, the
// smallest (arrival - T * period) seen by any bot. The crossing tick's time
// is taken from the seconds around it (zoned's ticker runs at a fixed rate;
// a skipped step moves base, hence the window).
const tickBase = {};
function noteTick(area, tick, hz, t) {
	const b = tickBase[area] = tickBase[area] || new Map();
	const off = t - tick * 1000 / hz, sec = Math.floor(t / 1000);
	const v = b.get(sec);
	if (v === undefined || off < v)
		b.set(sec, off);
}
function tickTime(area, tick, hz, t) {
	const b = tickBase[area];
	const sec = Math.floor(t / 1000);
	let off = Infinity;
	for (const s of [sec - 1, sec, sec + 1]) {
		const v = b && b.get(s);
		if (v !== undefined && v < off)
			off = v;
	}
	return Number.isFinite(off) ? Math.min(t, tick * 1000 / hz + off) : t;
}

class Bot {
	constructor(i, doc, url, ticket) {
		this.i = i;
		this.id = doc.id;
		this.doc = doc;
		this.area = null;
		this.cur = null;	// the hand-over under way
		this.timer = null;
		this.gone = null;
		this.pos = null;
		this.minHp = Infinity;
		this.lastProgress = now();
		this.handovers = 0;
		this.leg = 0;
		this.c = new ZonedClient({ url, ticket, io: botIo,
		    timeout: 10000, transferTimeout: TRANSFER_TIMEOUT,
		    resendTransferring: false, states: false,
		    socketOptions: { timeout: 20000 } });
		const c = this.c;
		c.on("welcome", (w) => this.onWelcome(w));
		c.on("state", (s) => this.onState(s));
		c.on("delta", (view, ch) => this.onDelta(view, ch));
		c.on("transfer", (t) => this.onTransfer(t));
		c.on("transferred", (t) => this.onTransferred(t));
		c.on("transfer_failed", (t) => this.onFail("transfer_failed",
		    t && t.code));
		c.on("transfer_error", (t) => this.onFail("transfer_error",
		    t && t.error));
		c.on("game_error", (e) => bump(`game_error ${e && e.code}`));
		c.on("connect_error", (e) => {
			this.gone = { reason: `connect_error ${e && e.message}`,
			    t: now() };
		});
		c.on("disconnect", (reason) => {
			if (this.closing)
				return;
			this.gone = { reason, t: now() };
			counts.disconnects++;
			bump(`disconnect ${reason}`);
			clearTimeout(this.timer);
		});
	}

	get edge() { return world.edges[this.area]; }
	get map() { return world.maps[this.area]; }

	onWelcome(w) {
		this.area = w.area;
		this.hz = w.tick_hz;
		this.pos = { x: w.x, y: w.y };
		this.lastProgress = now();
		this.legStart();
	}

	// A new leg in this area: away from the border for a while, then
	// toward it; or straight toward it.
	legStart() {
		clearTimeout(this.timer);
		if (!running || this.gone)
			return;
		const leg = ++this.leg;
		if (DWELL_MS > 0) {
			this.walk(-1);
			this.timer = setTimeout(() => {
				if (this.leg === leg)
					this.walk(1);
			}, DWELL_MS * (0.5 + Math.random()));
		} else {
			this.walk(1);
		}
	}

	// sense 1: toward the border of the current area; -1: away; 0: stop.
	walk(sense) {
		if (this.gone || this.c.closed || !this.edge)
			return;
		const [dx, dy] = DIR[this.edge];
		this.sense = sense;
		const t = now();
		this.lastInput = t;
		this.c.input({ dx: dx * sense, dy: dy * sense }).then((ack) => {
			if (ack && ack.ok)
				return;
			const err = ack && ack.error;
			if (err === "transferring") {
				this.crossed(t, "transferring");
				return;
			}
			counts.refused++;
			bump(`input refused ${err}`);
		}, (e) => {
			if (e.code === "transferred" || e.code === "disconnected")
				return;
			counts.input_errors++;
			bump(`input ${e.code}`);
		});
	}

	// The hand-over under way (made on its first sign).
	crossed(t, how) {
		if (!this.cur)
			this.cur = { bot: this.i, from: this.area, t0: t,
			    measured: measuring, warm: t < warmEnd };
		const h = this.cur;
		if (how === "crossing" && h.crossing === undefined)
			h.crossing = t;
		if (how === "transferring" && h.transferring === undefined)
			h.transferring = t;
		if (t < h.t0)
			h.t0 = t;
		return h;
	}

	// A delta applied to the library's view: the player as a JSON state
	// would show it.
	onDelta(view, ch) {
		const e = view.get(this.c.id);
		if (e)
			this.onMe(ch.tick, { x: e.x, y: e.y, hp: e.hp,
			    dead: e.hp === 0 });
	}

	onState(s) {
		const me = FULL_PARSE ? (s.players || []).find((p) =>
		    p.id === this.c.id) : (s.players || [])[0];
		if (me)
			this.onMe(s.tick, me);
	}

	// The player {x, y, hp, dead} at tick.
	onMe(tick, me) {
		const s = { tick };
		const t = now();
		if (!this.c.transferring && this.hz)
			noteTick(this.area, s.tick, this.hz, t);
		this.pos = { x: me.x, y: me.y };
		if (me.hp < this.minHp)
			this.minHp = me.hp;
		if (me.dead && !this.dead)
			counts.deaths++;
		this.dead = me.dead;
		if (this.c.transferring || !this.map)
			return;
		if (this.sense === 1 && onExit(this.map, this.edge, me)) {
			const h = this.crossed(t, "crossing");
			if (h.crossTick === undefined) {
				h.crossTick = s.tick;
				h.hz = this.hz;
			}
			h.lastState = t;
		}
	}

	onTransfer(t) {
		const h = this.crossed(now(), "transfer");
		h.transfer = now();
		h.to = t.area;
		if (h.t0 > h.transfer)
			h.t0 = h.transfer;
	}

	onTransferred(t) {
		const h = this.cur || { bot: this.i, from: t.from,
		    t0: now(), measured: measuring, warm: now() < warmEnd };
		this.cur = null;
		h.welcome = now();
		h.to = t.area;
		h.libMs = t.ms;
		this.handovers++;
		if (h.measured)
			done.push(h);
		// "welcome" follows at once and starts the next leg.
	}

	onFail(kind, code) {
		counts[kind]++;
		bump(`${kind} ${code}`);
		const t = now();
		const h = this.crossed(t, "fail");
		if (!h.fail) {
			h.fail = [];
			h.failAt = t;
			// Both events may come for one hand-over: one episode.
			setTimeout(() => {
				if (this.cur === h)
					this.cur = null;
				if (h.measured)
					failures.push(h);
				// Off the exit and back.
				if (running && !this.gone) {
					this.walk(-1);
					clearTimeout(this.timer);
					this.timer = setTimeout(() => this.walk(1), 300);
				}
			}, 200);
		}
		h.fail.push(`${kind}:${code}`);
	}

	// Every second: a bot not moving on is nudged; one that crossed and
	// was not handed over for STUCK_MS is stuck.
	watch() {
		if (!running || this.gone || this.c.closed)
			return;
		const t = now();
		if (this.cur && !this.cur.fail && t - this.cur.t0 > STUCK_MS &&
		    !this.cur.stuck) {
			this.cur.stuck = true;
			bump("stuck after crossing");
		}
		if (!this.cur && !this.c.transferring &&
		    t - this.lastProgress > STUCK_MS / 2 &&
		    t - this.lastInput > 1000) {
			counts.nudges++;
			this.walk(1);
		}
	}

	stop() {
		clearTimeout(this.timer);
		this.leg++;
		if (!this.c.transferring && !this.gone)
			this.walk(0);
	}

	close() {
		this.closing = true;
		clearTimeout(this.timer);
		this.c.close();
	}
}

async function join(from, chars) {
	const runId = `${process.pid}-${Date.now().toString(36)}`;
	const t0 = now();
	for (let b = 0; b < BOTS; b += BATCH) {
		const idx = [];
		for (let i = b; i < Math.min(BOTS, b + BATCH); i++)
			idx.push(i);
		const tickets = await Promise.all(idx.map(async (i) => {
			const ticket = `hb-${runId}-${i}`;
			const r = await http("POST", `${from.ctl}/v1/pending`, {
				ticket, character_id: chars[i].id, expires_ms: 120000,
			});
			if (r.status !== 201)
				throw new Error(`POST /v1/pending for ${chars[i].id}: ` +
				    `${r.status} ${r.text}`);
			return ticket;
		}));
		const bs = idx.map((i, k) => {
			const bot = new Bot(i, chars[i], from.client, tickets[k]);
			bots.push(bot);
			return bot;
		});
		const end = Date.now() + 30000;
		while (bs.some((x) => !x.area && !x.gone)) {
			if (Date.now() > end)
				throw new Error(`bots ${b}..${b + bs.length - 1}: no ` +
				    "welcome in 30 s");
			await sleep(20);
		}
		const bad = bs.find((x) => !x.area);
		if (bad)
			throw new Error(`bot ${bad.id} refused: ${bad.gone.reason}`);
	}
	return now() - t0;
}

// ---- main -------------------------------------------------------------------

async function settled(zs, ms) {
	const end = Date.now() + ms;
	let last = {};
	for (;;) {
		let ok = true;
		for (const z of zs) {
			const st = await status(z);
			last[z.area] = { players: st.players, clients: st.clients,
			    pending: st.pending, writeback: st.writeback };
			if (st.players !== 0 || st.clients !== 0 ||
			    st.writeback.owned !== 0 || st.writeback.in_flight !== 0 ||
			    st.writeback.spooled !== 0)
				ok = false;
		}
		if (ok)
			return { ok: true, last };
		if (Date.now() > end)
			return { ok: false, last };
		await sleep(200);
	}
}

async function main() {
	console.log(`machine: ${machine()}; load average ` +
	    `${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
	if (!fs.existsSync(ZONED))
		throw new Error(`${ZONED} not found: build it or give --zoned`);

	// The border.
	const a = loadMap(FROM), b = loadMap(TO);
	const ea = exitEdge(a, TO), eb = exitEdge(b, FROM);
	if (!ea || !eb || OPPOSITE[ea] !== eb)
		throw new Error(`${FROM} and ${TO} do not share an edge both ` +
		    `ways (${FROM} exit to ${TO}: ${ea}; ${TO} exit to ${FROM}: ` +
		    `${eb})`);
	if (a.tw !== b.tw || a.th !== b.th ||
	    ((ea === "east" || ea === "west") ? a.H !== b.H : a.W !== b.W))
		console.log("note: the two maps' sides along the border differ");
	world = { maps: { [FROM]: a, [TO]: b }, edges: { [FROM]: ea, [TO]: eb } };
	const stretch = borderStretch(a, ea, b, eb, 4);
	if (!stretch)
		throw new Error("no stretch of the border is open in both maps");
	const along = ea === "east" || ea === "west" ? "y" : "x";
	console.log(`border: ${FROM} ${ea} <-> ${TO} ${eb}; bots at ${along} ` +
	    stretch.intervals.map((i) => `${i.lo}..${i.hi}`).join(", ") +
	    (stretch.safe ? " (out of every mob's reach)" : " (mobs may " +
	    `reach it: ${Math.round(-stretch.margin)} units inside their ` +
	    "wander + sight; hurt bots are counted)"));

	// The store: the example data and the bots.
	copyDir(DATA_DIR, STORE);
	fs.mkdirSync(path.join(STORE, "characters"), { recursive: true });
	const chars = makeCharacters(a, ea, stretch);
	const before = new Map(chars.map((c) => [c.id, c]));
	const storeFiles0 = new Set(fs.readdirSync(path.join(STORE, "characters")));

	let api = null, apiUrl;
	if (API === "refapi") {
		api = await startRefapi();
		apiUrl = api.base;
	} else {
		apiUrl = `file://${STORE}`;
	}
	const [za, zb] = await Promise.all([startZoned(FROM, apiUrl),
	    startZoned(TO, apiUrl)]);
	const zs = [za, zb];
	const neighbours = zs.map((z) => ({ area: z.area, control_url: z.ctl,
	    client_url: z.client }));
	for (const z of zs) {
		const r = await http("POST", `${z.ctl}/v1/allocate`,
		    { area: z.area, neighbours });
		if (r.status !== 200)
			throw new Error(`allocate ${z.area}: ${r.status} ${r.text}`);
	}
	console.log(`zoned: ${ZONED}; ${FROM} pid ${za.pid} ${za.client}, ` +
	    `${TO} pid ${zb.pid} ${zb.client}; API ${apiUrl}` +
	    (api ? ` (refapi pid ${api.pid})` : "") + `; logs in ${tmp}` +
	    ` (--log-level ${LOG_LEVEL})`);

	const joinMs = await join(za, chars);
	const sync = ((await http("GET", `${za.ctl}/v1/status`)).body ||
	    {}).sync || {};
	console.log(`setup: ${BOTS} bots joined ${FROM} in ` +
	    `${(joinMs / 1000).toFixed(1)} s (batches of ${BATCH}); ` +
	    (DWELL_MS > 0 ? `each walks away from the border for ` +
	    `${DWELL_MS} ms +-50% after arriving, then back` :
	    "each turns back at once on arriving") +
	    `; ${sync.format || "json"} states` + (sync.format === "delta" ?
	    ` (view radius ${sync.view_radius})` : "") + ", " +
	    `${FULL_PARSE ? "full" : "own-player-only"} JSON state parsing; ` +
	    `${SECONDS} s`);

	// Go: the bots start within the first second.
	const m0 = await Promise.all(zs.map(metrics));
	const cpu0 = procs.map((p) => cpuSeconds(p.pid));
	const mcpu0 = machineCpu();
	const ncpu0 = process.cpuUsage();
	loopDelay.enable();
	running = true;
	measuring = true;
	const tStart = now();
	warmEnd = tStart + WARMUP_S * 1000;
	for (const bot of bots) {
		bot.lastProgress = tStart;
		bot.timer = setTimeout(() => bot.legStart(),
		    Math.random() * 1000);
	}
	const watch = setInterval(() => bots.forEach((x) => x.watch()), 1000);
	// zoned's Data API queue (shared by write-backs, quest fetches and
	// the offers to neighbours), sampled.
	const apiMax = {};
	let sampling = false;
	const sampler = setInterval(async () => {
		if (sampling)
			return;
		sampling = true;
		try {
			for (const z of zs) {
				const st = await status(z);
				const m = apiMax[z.area] = apiMax[z.area] ||
				    { in_flight: 0, queued: 0, handoffs: 0 };
				m.in_flight = Math.max(m.in_flight, st.dataapi.in_flight);
				m.queued = Math.max(m.queued, st.dataapi.queued);
			}
		} catch (e) { /* next time */ }
		sampling = false;
	}, 250);
	let lastReport = tStart;
	const progress = setInterval(() => {
		const t = now();
		if (t - lastReport < 10000)
			return;
		lastReport = t;
		const recent = done.filter((h) => h.welcome > t - 10000)
		    .map((h) => h.welcome - h.t0).sort((x, y) => x - y);
		console.log(`  ${((t - tStart) / 1000).toFixed(0)} s: ` +
		    `${done.length} hand-overs, ${failures.length} failed, ` +
		    `${counts.disconnects} disconnects; last 10 s: ` +
		    `${(recent.length / 10).toFixed(0)}/s, p50 ` +
		    `${f1(pct(recent, 50))} p99 ${f1(pct(recent, 99))} ms`);
	}, 1000);
	await sleep(SECONDS * 1000);
	measuring = false;
	const tEnd = now();
	const cpu1 = procs.map((p) => cpuSeconds(p.pid));
	const mcpu1 = machineCpu();
	const ncpu = process.cpuUsage(ncpu0);
	loopDelay.disable();
	const m1 = await Promise.all(zs.map(metrics));
	const st1 = await Promise.all(zs.map(status));

	// Stop: no new leg; wait for the hand-overs under way.
	running = false;
	clearInterval(watch);
	clearInterval(progress);
	clearInterval(sampler);
	bots.forEach((x) => x.stop());
	await sleep(1000);
	for (let i = 0; i < 100 && bots.some((x) => !x.gone &&
	    (x.c.transferring || (x.cur && !x.cur.fail))); i++)
		await sleep(100);
	// A bot that arrived meanwhile stands still too.
	bots.forEach((x) => x.stop());
	await sleep(500);
	const underway = bots.filter((x) => !x.gone && (x.c.transferring ||
	    (x.cur && !x.cur.fail)));
	const tU = now();
	const underwayText = underway.map((x) => `${x.id} ${x.cur ?
	    `${x.cur.from}->${x.cur.to || "?"}: crossed ` +
	    `${f1((tU - x.cur.t0) / 1000)} s ago, ` + (x.cur.transfer ===
	    undefined ? "no \"transfer\" yet" : "\"transfer\" came, no welcome") :
	    "transferring"}`);
	const final = new Map(bots.map((x) => [x.id, { area: x.area,
	    pos: x.pos, gone: x.gone, transferring: x.c.transferring }]));
	bots.forEach((x) => x.close());
	const tClose = now();
	const set = await settled(zs, 35000);
	const settleMs = now() - tClose;

	// ---- figures
	const secs = (tEnd - tStart) / 1000;
	const msecs = secs - WARMUP_S;
	for (const h of done) {
		h.tick = h.crossTick === undefined ? undefined :
		    tickTime(h.from, h.crossTick, h.hz, h.crossing);
		h.start = h.tick === undefined ? h.t0 : Math.min(h.tick, h.t0);
	}
	const warm = done.filter((h) => h.warm);
	done.splice(0, done.length, ...done.filter((h) => !h.warm));
	const handover = done.map((h) => h.welcome - h.start);
	const fromSign = done.map((h) => h.welcome - h.t0);
	const withTick = done.filter((h) => h.tick !== undefined);
	const offer = withTick.filter((h) => h.transfer !== undefined)
	    .map((h) => h.transfer - h.tick);
	const seen = withTick.map((h) => h.crossing - h.tick);
	const connect = done.map((h) => h.libMs);
	const flush = done.filter((h) => h.crossing !== undefined)
	    .map((h) => h.lastState - h.crossing);
	const firstSign = { crossing: 0, transferring: 0, transfer: 0 };
	for (const h of done) {
		if (h.crossing === h.t0) firstSign.crossing++;
		else if (h.transferring === h.t0) firstSign.transferring++;
		else firstSign.transfer++;
	}
	const byDir = {};
	for (const h of done) {
		const k = `${h.from}->${h.to}`;
		(byDir[k] = byDir[k] || []).push(h.welcome - h.start);
	}
	console.log("");
	console.log(`bots ${BOTS}, duration ${secs.toFixed(1)} s (the first ` +
	    `${WARMUP_S} s are the warm-up: ${warm.length} hand-overs, ` +
	    `${dist(warm.map((h) => h.welcome - h.start))}); measured: ` +
	    `hand-overs completed ${done.length} ` +
	    `(${(done.length / msecs).toFixed(1)}/s; per bot ` +
	    `${(done.length / BOTS).toFixed(1)}); over the whole run: failed ` +
	    `${failures.length}, disconnects ${counts.disconnects}`);
	console.log(`hand-over (crossing tick -> new welcome): ${dist(handover)}`);
	for (const k of Object.keys(byDir).sort())
		console.log(`  ${k}: ${dist(byDir[k])}`);
	console.log(`  (crossing tick: its time on the old instance's tick ` +
	    `clock, for ${withTick.length}; else the first sign)`);
	console.log(`first sign -> new welcome: ${dist(fromSign)}`);
	console.log(`  first sign: crossing state ${firstSign.crossing}, ` +
	    `"transferring" ack ${firstSign.transferring}, "transfer" ` +
	    `${firstSign.transfer}`);
	console.log(`crossing tick -> "transfer": ${dist(offer)}  ` +
	    "(write-through + offer + delivery)");
	console.log(`"transfer" -> welcome: ${dist(connect)}  (library's ` +
	    `"transferred" ms: new connection + welcome)`);
	console.log(`crossing tick -> its state seen here: ${dist(seen)}  ` +
	    "(delivery + this process's lag)");
	console.log(`crossing state -> last state in the old area: ${dist(flush)}`);
	const tgt = pct(handover.slice().sort((x, y) => x - y), 99);
	console.log(`target p99 <= 100 ms: ${Number.isFinite(tgt) ?
	    (tgt <= 100 ? "met" : "MISSED") : "no data"} (p99 ${f1(tgt)} ms)`);
	console.log(`failures: "transfer_failed" ${counts.transfer_failed}, ` +
	    `"transfer_error" ${counts.transfer_error} events in ` +
	    `${failures.length} hand-overs; inputs refused ${counts.refused}, ` +
	    `input errors ${counts.input_errors}; nudged ${counts.nudges}; ` +
	    `bots hurt by mobs ${bots.filter((x) => x.minHp < 20).length}, ` +
	    `deaths ${counts.deaths}; under way at the end ${underway.length}`);
	if (Object.keys(codes).length)
		console.log(`  codes: ${JSON.stringify(codes)}`);
	for (const h of failures.slice(0, 10))
		console.log(`  failed: ${bots[h.bot].id} ${h.from}->${h.to || "?"} ` +
		    `${h.fail.join(" ")} after ${f1(h.failAt - h.t0)} ms`);
	const gone = bots.filter((x) => x.gone);
	for (const t of underwayText.slice(0, 10))
		console.log(`  under way at the end: ${t}`);
	for (const x of gone.slice(0, 10))
		console.log(`  gone: ${x.id} in ${x.area}: ${x.gone.reason} at ` +
		    `${f1((x.gone.t - tStart) / 1000)} s`);
	const ld = loopDelay;
	const ours = procs.reduce((n, p, i) => n + cpu1[i] - cpu0[i], 0) +
	    (ncpu.user + ncpu.system) / 1e6;
	const ncpus = os.cpus().length;
	console.log(`machine CPU over the run: ${((mcpu1.busy - mcpu0.busy) /
	    (mcpu1.total - mcpu0.total) * 100).toFixed(0)}% busy of ${ncpus} ` +
	    `CPUs; other processes used ${Math.max(0, (mcpu1.busy - mcpu0.busy -
	    ours) / secs * 100).toFixed(0)}% (of one CPU)`);
	console.log(`CPU over the run: ` + procs.map((p, i) =>
	    `${p.name} ${((cpu1[i] - cpu0[i]) / secs * 100).toFixed(0)}%`)
	    .join(", ") + `, bots (node) ${((ncpu.user + ncpu.system) / 1e6 /
	    secs * 100).toFixed(0)}%; bots' event loop delay p99 ` +
	    `${f1(ld.percentile(99) / 1e6)} max ${f1(ld.max / 1e6)} ms`);
	for (let i = 0; i < zs.length; i++) {
		const z = zs[i], M = m1[i], M0 = m0[i], st = st1[i];
		const d = (k) => (M[k] || 0) - (M0[k] || 0);
		const n = d("zoned_handover_seconds_count");
		const mean = n ? d("zoned_handover_seconds_sum") / n * 1000 : NaN;
		console.log(`${z.area} /metrics: handovers started ` +
		    `${d("zoned_handovers_started_total")} completed ` +
		    `${d("zoned_handovers_completed_total")} failed ` +
		    `${d("zoned_handovers_failed_total")} reclaimed ` +
		    `${d("zoned_handovers_reclaimed_total")} received ` +
		    `${d("zoned_handovers_received_total")}; ` +
		    `zoned_handover_seconds mean ${f1(mean)} ms (crossing -> ` +
		    `neighbour's 201, n ${n}); last_ms ${st.handoff.last_ms}`);
		const ts = st.tick_stats || {};
		console.log(`  ${z.area} /v1/status: tick_stats ticks ${ts.ticks} ` +
		    `skipped ${ts.skipped} max_cost_us ${ts.max_cost_us}; dataapi ` +
		    `requests ${st.dataapi.requests} failures ` +
		    `${st.dataapi.failures} timeouts ${st.dataapi.timeouts} ` +
		    `max_ms ${st.dataapi.max_ms}; writeback writes ` +
		    `${st.writeback.writes} failures ${st.writeback.failures} ` +
		    `conflicts ${st.writeback.conflicts} rejected ` +
		    `${st.writeback.rejected}`);
	}

	console.log(`Data API queue (sampled every 250 ms): ` + zs.map((z) =>
	    `${z.area} in_flight max ${apiMax[z.area] ? apiMax[z.area].in_flight :
	    "?"} (limit ${st1[zs.indexOf(z)].config["api-max-in-flight"] ||
	    "default"}), ` +
	    `queued max ${apiMax[z.area] ? apiMax[z.area].queued : "?"}`)
	    .join("; "));

	// ---- losses
	const losses = [];
	// Every hand-over an instance started must have ended: completed or
	// failed (/metrics, whole life of the process).
	const m2 = await Promise.all(zs.map(metrics));
	for (let i = 0; i < zs.length; i++) {
		const M = m2[i];
		const open = (M.zoned_handovers_started_total || 0) -
		    (M.zoned_handovers_completed_total || 0) -
		    (M.zoned_handovers_failed_total || 0);
		console.log(`${zs[i].area} at the end: hand-overs started ` +
		    `${M.zoned_handovers_started_total} completed ` +
		    `${M.zoned_handovers_completed_total} failed ` +
		    `${M.zoned_handovers_failed_total}: ${open} never ended`);
		if (open !== 0)
			losses.push(`${zs[i].area}: ${open} hand-overs never ended ` +
			    "(neither completed nor failed)");
	}
	console.log(`after the bots left: ${set.ok ? "both instances let " +
	    "every character go" : "NOT settled"} in ` +
	    `${(settleMs / 1000).toFixed(1)} s: ${JSON.stringify(set.last)}`);
	for (const z of zs) {
		const l = set.last[z.area];
		if (!l || l.writeback.owned !== 0)
			losses.push(`${z.area} still owns ` +
			    `${l ? l.writeback.owned : "?"} characters`);
		if (l && (l.writeback.spooled !== 0 || l.writeback.in_flight !== 0))
			losses.push(`${z.area} has writes spooled/in flight: ` +
			    JSON.stringify(l.writeback));
		if (l && l.players !== 0)
			losses.push(`${z.area} still has ${l.players} players`);
	}
	let versions = 0;
	for (const [id, doc0] of before) {
		const doc = await readCharacter(api, id);
		const fin = final.get(id);
		if (!doc) {
			losses.push(`${id}: gone from the API`);
			continue;
		}
		if (doc.unreadable) {
			losses.push(`${id}: unreadable: ${doc.unreadable}`);
			continue;
		}
		versions += (doc.version || 1) - 1;
		if (doc.id !== id)
			losses.push(`${id}: its document has id ${doc.id}`);
		if (invKey(doc) !== invKey(doc0))
			losses.push(`${id}: items ${itemsOf(doc0)} -> ` +
			    `${itemsOf(doc)} (${JSON.stringify(doc0.inventory)} -> ` +
			    `${JSON.stringify(doc.inventory)})`);
		if (fin && !fin.gone && !fin.transferring && fin.pos &&
		    (doc.area !== fin.area || Math.abs(doc.x - fin.pos.x) > 1 ||
		    Math.abs(doc.y - fin.pos.y) > 1))
			losses.push(`${id}: the API has it in ${doc.area} at ` +
			    `(${doc.x}, ${doc.y}), its bot last stood in ` +
			    `${fin.area} at (${fin.pos.x}, ${fin.pos.y}) (final ` +
			    "write-back lost)");
	}
	// Owned by nobody: each character can be announced again where the
	// API has it (then the ticket is withdrawn). "still in this instance"
	// means an instance holds on to it for good; "already has a waiting
	// ticket" is a ticket made for a hand-over that nobody will use (it
	// expires after --ticket-ttl).
	const zByArea = Object.fromEntries(zs.map((z) => [z.area, z]));
	const blocked = {};
	const again = await Promise.all([...before.keys()].map(async (id) => {
		const doc = await readCharacter(api, id);
		const z = doc && zByArea[doc.area];
		if (!z)
			return null;
		const ticket = `hb-check-${process.pid}-${id}`;
		const r = await http("POST", `${z.ctl}/v1/pending`,
		    { ticket, character_id: id, expires_ms: 60000 });
		if (r.status === 201) {
			await http("DELETE", `${z.ctl}/v1/pending/${ticket}`);
			return null;
		}
		const err = r.body && r.body.error || r.text;
		return { id, area: z.area, status: r.status, err };
	}));
	for (const x of again.filter(Boolean)) {
		if (/still in this instance/.test(x.err))
			losses.push(`${x.id}: ${x.area} refuses to let it play ` +
			    `again: ${x.status} ${x.err}`);
		else
			(blocked[x.err.replace(x.id, "ID")] =
			    blocked[x.err.replace(x.id, "ID")] || []).push(x.id);
	}
	for (const [err, ids] of Object.entries(blocked))
		console.log(`announcing again refused (not counted as a loss): ` +
		    `${ids.length} characters: ${err}: ${ids.slice(0, 8).join(" ")}` +
		    (ids.length > 8 ? " ..." : ""));
	if (API === "file") {
		const expect = new Set([...storeFiles0]);
		const stray = fs.readdirSync(path.join(STORE, "characters"))
		    .filter((f) => !expect.has(f));
		for (const f of stray)
			losses.push(`stray file in the store: characters/${f}`);
	}
	console.log(`write-backs: the bots' characters went up ${versions} ` +
	    "versions in all");
	if (losses.length) {
		// Grouped: the same problem for many characters is one line.
		const kinds = new Map();
		for (const l of losses) {
			const k = l.replace(/hb\d{4}/g, "ID").replace(/-?\d+(\.\d+)?/g, "N");
			if (!kinds.has(k))
				kinds.set(k, []);
			kinds.get(k).push(l);
		}
		console.log(`losses: ${losses.length}`);
		for (const ls of kinds.values()) {
			console.log(`  ${ls[0]}`);
			if (ls.length > 1)
				console.log(`    ... and ${ls.length - 1} more like it: ` +
				    ls.slice(1, 12).map((l) => (/^hb\d{4}/.exec(l) ||
				    [""])[0]).join(" ") + (ls.length > 12 ? " ..." : ""));
		}
		keep = true;
		return 1;
	}
	console.log("losses: 0");
	if (failures.length || counts.disconnects || gone.length ||
	    underway.length) {
		keep = true;
		return 2;
	}
	return 0;
}

let code = 3;
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
	process.on(sig, async () => {
		if (stopping)
			process.exit(3);
		stopping = true;
		console.error(`handover-bench: ${sig}: stopping`);
		bots.forEach((x) => { try { x.close(); } catch (e) { /* gone */ } });
		await stopAll().catch(() => {});
		console.error(`kept ${tmp}`);
		process.exit(3);
	});
}
main().then((c) => { code = c; }, (e) => {
	console.error(`handover-bench failed: ${e.stack || e.message}`);
	keep = true;
	for (const p of procs)
		if (p.exited !== null)
			console.error(`---- ${p.log} (exited ${p.exited})\n` +
			    logTail(p.log));
}).finally(async () => {
	running = false;
	bots.forEach((x) => { try { x.close(); } catch (e) { /* gone */ } });
	await stopAll().catch(() => {});
	for (const p of procs)
		if (p.exited !== null && p.exited !== 0 && p.exited !== "SIGTERM")
			console.error(`${p.name} exited ${p.exited}`);
	if (keep)
		console.error(`kept ${tmp} (logs: ${procs.map((p) =>
		    path.basename(p.log)).join(", ")})`);
	else
		fs.rmSync(tmp, { recursive: true, force: true });
	process.exit(code);
});
