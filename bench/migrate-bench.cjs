// bench/migrate-bench.cjs: what do players see of a live migration?
//
//   node bench/migrate-bench.cjs [--clients 1000] [--mobs 2000] \
//       [--migrations 3] [--zoned ./zoned]
//
// (socket.io-client is taken from NODE_PATH or tests/integ/node_modules,
// as make check installs it; run from the build directory.)
//
// Starts zoned (./zoned in the current directory, else the one next to
// bench/) with a generated area of --mobs mobs (bench/gen-area.cjs, written
// to a temporary directory with the file:// data store and its
// --clients characters), connects --clients players with the official
// socket.io-client (ramping up --batch at a time), each sending an input
// every --input-ms with an acknowledgement, then asks for --migrations live
// migrations (POST /v1/migrate), --gap-ms apart. For each it prints what
// zoned answered (pause_ms, snapshot_bytes, fds, sessions; or the error)
// and what the clients saw from 1 s before the request to 1 s after the
// answer (a "state" is a binary "delta", or a JSON "state" from a zoned
// with --state-format json):
//   gap         the longest time between two states, per client
//               (p50/p99/max over clients); a gap that overlaps two
//               windows counts in both;
//   states/s    per client, over the window;
//   tick jump   the largest difference between the ticks of two
//               consecutive states (states zoned skipped or never ran);
//   disconnects clients that lost their connection in the window;
//   acks missing  inputs sent in the window whose acknowledgement never
//               came (counted at the end, after a grace time), of those
//               sent; "refused": acknowledged with ok:false (the codes are
//               in the total line, e.g. input_overflow);
//   ack wait    the longest time an input sent in the window waited for
//               its acknowledgement;
//   loop lag    the worst delay of this node process's event loop: when it
//               is near the gap, the clients, not zoned, were late.
// The same client figures are first printed for a quiet window of 2 s
// before the first migration, to compare with, with zoned's tick rate and
// the CPU used by zoned and by the clients. The last line checks that no
// client changed sid or socket id, that the last input of each was applied
// (the state's seq), that ticks and seqs never went back, and how many
// deltas did not decode. Exits 1 if any client was disconnected or got a
// delta that did not decode, or the bench could not run, 2 if a migration
// did not answer 200.
//
// Other options:
//   --control URL --client URL   use a running zoned instead of starting
//       one; its Character Data API must be file:// (or give --data-dir),
//       and it must be running an area with mobs, or be idle with --area
//       NAME in its --area-dir (write one with bench/gen-area.cjs).
//   --binary PATH     send {"binary": PATH} with each POST /v1/migrate.
//   --zoned-arg ARG   an extra argument for the zoned started (repeatable).
//   --state-format F  the zoned started sends delta (its default) or json
//                     states; an attached one sends what it sends.
//   --batch N         clients connected at once while ramping up (50).
//   --settle-ms MS    quiet time after the ramp-up (3000), the last 2 s of
//                     which is the baseline window.
//   --full-parse      decode every state: apply each delta to a view
//                     (clients/js/delta.cjs), or JSON.parse each JSON state
//                     as the stock client does; by default only a state's
//                     tick and seq are read, from its first bytes, since
//                     decoding N clients x M mobs x 20 Hz of JSON takes more
//                     than one node process.
//   --tmpdir DIR      where the temporary directory (areas, state dir with
//                     the file:// store, zoned's log) goes; default
//                     /dev/shm if there is one, else $TMPDIR or /tmp.
//   --keep            keep the temporary directory.
//
// The figures are for the machine it runs on, which is printed with them:
// zoned and the clients share its CPUs. Every client gets a state 20 times
// a second: a delta of what changed within --view-radius of its player,
// or with --state-format json every mob and every player of the area (the
// setup line gives the mean size and the bandwidth this makes): beyond
// what the machine can carry, clients' output queues fill, zoned skips
// their states, and what is queued travels in the migration snapshot.
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
const { opts, multi } = benchlib.parseOptions(__filename, "migrate-bench", FLAGS);
const num = (name, def, min) => {
	const v = opts[name] === undefined ? def : Number(opts[name]);
	if (!Number.isInteger(v) || v < min) {
		console.error(`migrate-bench: --${name} must be an integer >= ${min}`);
		process.exit(64);
	}
	return v;
};
const CLIENTS = num("clients", 1000, 1);
const MOBS = num("mobs", 2000, 1);
const MIGRATIONS = num("migrations", 3, 0);
const GAP_MS = num("gap-ms", 2000, 0);
const INPUT_MS = num("input-ms", 100, 10);
const BATCH = num("batch", 50, 1);
const SETTLE_MS = num("settle-ms", 3000, 2000);
const AREA = opts.area || "bench";
const BINARY = opts.binary;
const FULL_PARSE = !!opts["full-parse"];
const STATE_FORMAT = opts["state-format"];
if (STATE_FORMAT !== undefined && !["delta", "json"].includes(STATE_FORMAT)) {
	console.error("migrate-bench: --state-format must be delta or json");
	process.exit(64);
}
const BEFORE_MS = 1000, AFTER_MS = 1000;	// the window around a migration
const ZONED = path.resolve(opts.zoned || (fs.existsSync("zoned") ?
    "zoned" : path.join(top, "zoned")));

// ---- open files: clients + zoned's clients, both under this limit ---------

// The open-files limit, soft or hard ("-S"/"-H"); Infinity if unlimited.
function fileLimit(which) {
	const v = execFileSync("sh", ["-c", `ulimit ${which}n`]).toString().trim();
	return v === "unlimited" ? Infinity : Number(v);
}
{
	const need = CLIENTS + 256;
	const have = fileLimit("-S");
	if (have < need) {
		const hard = fileLimit("-H");
		if (hard < need || process.env.MIGRATE_BENCH_REEXEC) {
			console.error(`migrate-bench: ${CLIENTS} clients need ` +
			    `${need} open files, the limit is ${have}, at most ` +
			    `${hard} (ulimit -Hn): raise it, or use fewer clients`);
			process.exit(1);
		}
		// Raise the soft limit and run again under it; zoned inherits it.
		const r = spawnSync("sh", ["-c", `ulimit -n ${need} && exec "$@"`,
		    "sh", process.execPath, ...process.execArgv, __filename,
		    ...process.argv.slice(2)], { stdio: "inherit",
		    env: { ...process.env, MIGRATE_BENCH_REEXEC: "1" } });
		process.exit(r.status === null ? 1 : r.status);
	}
}

// The official client: from NODE_PATH, else from tests/integ/node_modules
// of the current (build) directory or of the source tree, where make check
// installs it; engine.io-client is the one socket.io-client uses.
let io, NodeWebSocket;
try {
	const sio = require.resolve("socket.io-client", { paths: [__dirname,
	    ...(process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean),
	    path.join(process.cwd(), "tests", "integ", "node_modules"),
	    path.join(top, "tests", "integ", "node_modules")] });
	({ io } = require(sio));
	({ NodeWebSocket } = require(require.resolve("engine.io-client",
	    { paths: [path.dirname(sio)] })));
} catch (e) {
	console.error("migrate-bench: socket.io-client not found; run\n" +
	    "  (cd tests/integ && npm ci)\n" +
	    "or make check once, or give NODE_PATH=DIR/node_modules");
	process.exit(1);
}
const { writeArea, layout } = require("./gen-area.cjs");
const { DeltaView } = require(path.join(top, "clients", "js", "delta.cjs"));

// ---- helpers ------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function http(method, url, body, timeoutMs = 30000) {
	const res = await fetch(url, {
		method, body: body === undefined ? undefined :
		    JSON.stringify(body),
		headers: { "Content-Type": "application/json" },
		signal: AbortSignal.timeout(timeoutMs),
	});
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
	return { status: res.status, body: json, text };
}

function pct(a, p) {
	const s = Array.from(a).sort((x, y) => x - y);
	if (!s.length)
		return NaN;
	return s[Math.max(0, Math.min(s.length - 1,
	    Math.ceil(p / 100 * s.length) - 1))];
}

const ms = (v) => Number.isFinite(v) ? `${Math.round(v)}` : "-";


// CPU seconds (user + system) used so far by process pid, from /proc.
const { alive, cpuSeconds, machine, tmpBase, CLK_TCK, deltaHead } = benchlib;


// The official client's WebSocket transport, except that a "state" event,
// 42["state",{"tick":N,"seq":N,...}], is handed on as
// 42["state",{"tick":N,"seq":N,"bytes":LENGTH}]: read from its first bytes,
// the rest neither decoded into a string nor parsed. Everything else goes
// through as the stock transport passes it.
const STATE_HEAD = /^42\["state",\{"tick":(\d+),"seq":(\d+)[,}]/;
class HeadOnlyWS extends NodeWebSocket {
	addEventListeners() {
		super.addEventListeners();
		this.ws.onmessage = null;
		this.ws.on("message", (data, isBinary) => {
			if (isBinary || !Buffer.isBuffer(data)) {
				this.onData(isBinary ? data : data.toString());
				return;
			}
			const m = STATE_HEAD.exec(data.toString("latin1", 0, 64));
			this.onData(m ? `42["state",{"tick":${m[1]},"seq":${m[2]},` +
			    `"bytes":${data.length}}]` : data.toString());
		});
	}
}

// ---- zoned ------------------------------------------------------------------

// zoned's file:// store fsyncs every write-back in its event loop: on a
// disk, 1000 players' periodic write-backs stall ticks for seconds, so the
// state dir goes to a tmpfs when there is one.
const tmp = fs.mkdtempSync(path.join(tmpBase(opts), "zoned-migrate-bench-"));
const LOG = path.join(tmp, "zoned.log");
let zonedPid = 0;		// the current zoned, if this bench started it
let failed = false;

function logTail(n = 30) {
	try {
		return fs.readFileSync(LOG, "utf8").split("\n").slice(-n - 1)
		    .join("\n");
	} catch (e) { return ""; }
}

async function startZoned(starts) {
	const state = path.join(tmp, "state");
	const chars = path.join(state, "data", "characters");
	fs.mkdirSync(chars, { recursive: true });
	writeCharacters(chars, starts);
	writeArea(path.join(tmp, "areas"), AREA, MOBS, CLIENTS);
	const args = ["--client-listen", "127.0.0.1:0",
	    "--control-listen", "127.0.0.1:0", "--state-dir", state,
	    "--area-dir", path.join(tmp, "areas"),
	    "--max-clients", String(CLIENTS + 64),
	    ...(STATE_FORMAT ? ["--state-format", STATE_FORMAT] : []),
	    ...(multi["zoned-arg"] || [])];
	const fd = fs.openSync(LOG, "a");
	const p = spawn(ZONED, args, { stdio: ["ignore", fd, fd] });
	fs.closeSync(fd);
	zonedPid = p.pid;
	let exited = null;
	p.on("exit", (code, sig) => { exited = sig || code; });
	p.on("error", (e) => { exited = e.message; });
	for (let i = 0; i < 100; i++) {
		const log = fs.readFileSync(LOG, "utf8");
		const ctl = /listening on=control address=(\S+)/.exec(log);
		const cli = /listening on=client address=\S+:(\d+)/.exec(log);
		if (ctl && cli) {
			// The first zoned exits after a migration: not an error.
			p.removeAllListeners("exit");
			p.on("exit", () => {});
			return { ctl: `http://${ctl[1]}`,
			    client: `http://127.0.0.1:${cli[1]}` };
		}
		if (exited !== null)
			throw new Error(`${ZONED} exited (${exited}) at start-up:\n` +
			    logTail());
		await sleep(100);
	}
	throw new Error(`${ZONED} did not start listening in 10 s:\n${logTail()}`);
}

async function stopZoned() {
	if (!zonedPid || !alive(zonedPid))
		return;
	process.kill(zonedPid, "SIGTERM");
	for (let i = 0; i < 150 && alive(zonedPid); i++)
		await sleep(100);
	if (alive(zonedPid)) {
		console.error(`zoned pid ${zonedPid} did not stop in 15 s: SIGKILL`);
		process.kill(zonedPid, "SIGKILL");
	}
}

function writeCharacters(dir, starts) {
	fs.mkdirSync(dir, { recursive: true });
	for (let i = 0; i < CLIENTS; i++) {
		const id = `mb${i}`;
		fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify({
			id, name: `MB${i}`, area: AREA, x: starts[i].x,
			y: starts[i].y, hp: 20, max_hp: 20, level: 1, xp: 0,
			inventory: [], quests_in_progress: [], version: 1,
		}));
	}
}

// ---- clients ------------------------------------------------------------

const clients = [];
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
// Windows measured: {start, end, gap[], tick[], ...}; end is Infinity until
// known.
const windows = [];
let sending = true;
let runId = `${process.pid}-${Date.now().toString(36)}`;

function newWindow(label, start) {
	const w = { label, start, end: Infinity, gap: new Float64Array(CLIENTS),
	    tickJump: new Float64Array(CLIENTS), states: new Uint32Array(CLIENTS),
	    disconnects: 0, sent: 0, ackMax: 0, loopMax: 0 };
	windows.push(w);
	return w;
}

function onState(c, s) {
	const now = performance.now();
	if (c.last) {
		const gap = now - c.last, jump = s.tick - c.lastTick;
		if (s.tick <= c.lastTick)
			c.tickBack++;
		for (const w of windows) {
			if (c.last < w.end && now > w.start) {
				if (gap > w.gap[c.i]) w.gap[c.i] = gap;
				if (jump > w.tickJump[c.i]) w.tickJump[c.i] = jump;
			}
		}
	}
	for (const w of windows)
		if (now >= w.start && now <= w.end)
			w.states[c.i]++;
	if (s.seq < c.stateSeq)
		c.seqBack++;
	c.stateSeq = s.seq;
	c.last = now;
	c.lastTick = s.tick;
	c.nstates++;
	if (s.bytes)
		c.bytes = s.bytes;
	else if (FULL_PARSE && !c.bytes)
		c.bytes = JSON.stringify(s).length;	// once: it costs
	c.bytesSum += c.bytes;
}

// A binary state delta: its tick and seq from its head, or with
// --full-parse from the view it is applied to.
function onDelta(c, bytes) {
	let h = null;
	if (FULL_PARSE) {
		try {
			h = c.view.apply(bytes);
		} catch (e) {
			c.badDelta = c.badDelta || e.message;
		}
	} else {
		h = deltaHead(bytes);
		if (h === null)
			c.badDelta = c.badDelta || "not a delta (format 1)";
	}
	if (h === null) {
		c.badDeltas++;
		return;
	}
	onState(c, { tick: h.tick, seq: h.seq, bytes: bytes.length });
}

function sendInput(c) {
	if (!sending || !c.welcomed || c.gone)
		return;
	const seq = ++c.seq;
	if (seq % 2)
		c.angle = Math.random() * 2 * Math.PI;
	// Every other input goes back the way the last one went: players stay
	// where they started, away from the mobs.
	const k = seq % 2 ? 1 : -1;
	const input = { seq, dx: +(k * Math.cos(c.angle)).toFixed(3),
	    dy: +(k * Math.sin(c.angle)).toFixed(3) };
	const t = performance.now();
	c.pending.set(seq, t);
	for (const w of windows)
		if (t >= w.start && t <= w.end) w.sent++;
	c.sock.emit("input", input, (ack) => {
		const now = performance.now();
		c.pending.delete(seq);
		if (!ack || ack.ok !== true)
			c.refused.push({ seq, t, error: ack && ack.error });
		for (const w of windows)
			if (t >= w.start && t <= w.end && now - t > w.ackMax)
				w.ackMax = now - t;
	});
}

function connect(url, i, ticket) {
	const c = { i, ticket, seq: 0, pending: new Map(), refused: [],
	    last: 0, lastTick: 0, stateSeq: 0, nstates: 0, tickBack: 0,
	    seqBack: 0, welcomed: false, gone: null, errors: [], bytes: 0,
	    bytesSum: 0, view: new DeltaView(), badDeltas: 0, badDelta: null };
	c.sock = io(url, { auth: { ticket }, reconnection: false,
	    forceNew: true, timeout: 60000,
	    transports: [FULL_PARSE ? NodeWebSocket : HeadOnlyWS] });
	c.sock.on("welcome", (w) => {
		c.welcomed = true;
		c.welcome = w;
		c.sid = c.sock.id;
		c.eid = c.sock.io.engine.id;
		c.timer = setInterval(() => sendInput(c), INPUT_MS);
	});
	c.sock.on("state", (s) => onState(c, s));
	c.sock.on("delta", (b) => onDelta(c, b));
	c.sock.on("error", (e) => c.errors.push(e));
	c.sock.on("connect_error", (e) => { c.connectError = e; });
	c.sock.on("disconnect", (reason) => {
		if (c.closing)
			return;
		c.gone = { reason, t: performance.now() };
		const now = c.gone.t;
		for (const w of windows)
			if (now >= w.start && now <= w.end) w.disconnects++;
		if (c.timer)
			clearInterval(c.timer);
	});
	clients.push(c);
	return c;
}

async function rampUp(ctl, url) {
	const t0 = performance.now();
	for (let b = 0; b < CLIENTS; b += BATCH) {
		const batch = [];
		for (let i = b; i < Math.min(CLIENTS, b + BATCH); i++)
			batch.push(i);
		const tickets = await Promise.all(batch.map(async (i) => {
			const ticket = `mb-${runId}-${i}`;
			const r = await http("POST", `${ctl}/v1/pending`, {
				ticket, character_id: `mb${i}`, expires_ms: 120000,
			});
			if (r.status !== 201)
				throw new Error(`POST /v1/pending for mb${i}: ` +
				    `${r.status} ${r.text}`);
			return ticket;
		}));
		const cs = batch.map((i, k) => connect(url, i, tickets[k]));
		const end = Date.now() + 30000;
		while (cs.some((c) => !c.welcomed && !c.connectError && !c.gone)) {
			if (Date.now() > end)
				throw new Error(`clients ${b}..${b + cs.length - 1}: ` +
				    "no welcome in 30 s");
			await sleep(20);
		}
		const bad = cs.find((c) => !c.welcomed);
		if (bad)
			throw new Error(`client mb${bad.i} refused: ` +
			    `${bad.connectError ? bad.connectError.message :
			    bad.gone && bad.gone.reason} ${JSON.stringify(bad.errors)}`);
	}
	return performance.now() - t0;
}

// ---- figures ------------------------------------------------------------

function clientFigures(w) {
	const gaps = Array.from(w.gap).filter((g) => g > 0);
	const jumps = Array.from(w.tickJump).filter((g) => g > 0);
	const len = (Math.min(w.end, performance.now()) - w.start) / 1000;
	const rate = Array.from(w.states, (n) => n / len);
	return `gap p50 ${ms(pct(gaps, 50))} p99 ${ms(pct(gaps, 99))} ` +
	    `max ${ms(pct(gaps, 100))} ms, ` +
	    `states/s p50 ${pct(rate, 50).toFixed(1)} min ` +
	    `${pct(rate, 0).toFixed(1)}, tick jump max ${pct(jumps, 100)}, ` +
	    `disconnects ${w.disconnects}, acks missing ${w.missing}/${w.sent}` +
	    `${w.refused ? ` (+${w.refused} refused)` : ""}, ` +
	    `ack wait max ${ms(w.ackMax)} ms, loop lag max ${ms(w.loopMax)} ms`;
}

async function closeWindow(w, at) {
	const wait = at - performance.now();
	if (wait > 0)
		await sleep(wait);
	w.end = at;
	w.loopMax = loop.max / 1e6;
}

// ---- main ---------------------------------------------------------------

async function main() {
	console.log(`machine: ${machine()}; load average ` +
	    `${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
	let ctl, url;
	const starts = layout(MOBS, CLIENTS).starts;
	if (opts.control) {
		ctl = opts.control.replace(/\/+$/, "");
		const st = (await http("GET", `${ctl}/v1/status`)).body;
		if (!st)
			throw new Error(`${ctl}/v1/status did not answer JSON`);
		url = opts.client || `http://${new URL(ctl).hostname}:${st.client_port}`;
		let dataDir = opts["data-dir"];
		const api = st.dataapi && st.dataapi.character_api;
		if (!dataDir && api && api.startsWith("file://"))
			dataDir = new URL(api).pathname;
		if (!dataDir)
			throw new Error("the Character Data API is not file://: give " +
			    "--data-dir");
		writeCharacters(path.join(dataDir, "characters"), starts);
		if (st.state === "idle") {
			const a = await http("POST", `${ctl}/v1/allocate`, { area: AREA });
			if (a.status !== 200)
				throw new Error(`allocate ${AREA}: ${a.status} ${a.text}` +
				    "\n(write the area with: node bench/gen-area.cjs " +
				    `--mobs ${MOBS} --players ${CLIENTS} AREA-DIR)`);
		} else if (st.state !== "running") {
			throw new Error(`zoned is ${st.state}`);
		}
		console.log(`zoned: ${ctl} (pid ${st.pid}), not started here`);
	} else {
		if (!fs.existsSync(ZONED))
			throw new Error(`${ZONED} not found: build it or give --zoned`);
		({ ctl, client: url } = await startZoned(starts));
		const a = await http("POST", `${ctl}/v1/allocate`, { area: AREA });
		if (a.status !== 200)
			throw new Error(`allocate ${AREA}: ${a.status} ${a.text}`);
		console.log(`zoned: ${ZONED} pid ${zonedPid}, log ${LOG}`);
	}
	if (!opts.control && !/migrate-timeout/.test(
	    execFileSync(ZONED, ["--help"]).toString()))
		console.log("note: this zoned has no --migrate-timeout: it " +
		    "predates live migration, POST /v1/migrate will fail");

	const rampMs = await rampUp(ctl, url);
	let st = (await http("GET", `${ctl}/v1/status`)).body;
	// Baseline: the last 2 s of the settling time.
	await sleep(SETTLE_MS - 2000);
	const nst = clients.reduce((n, c) => n + c.nstates, 0);
	const bytes = nst ?
	    clients.reduce((n, c) => n + c.bytesSum, 0) / nst : 0;
	// A zoned without "sync" in its status predates the deltas.
	const format = st.sync && st.sync.format ? st.sync.format : "json";
	console.log(`setup: ${CLIENTS} clients (ramp-up ${(rampMs / 1000).toFixed(1)} s ` +
	    `in batches of ${BATCH}), ${st.mobs} mobs, area ${st.area}, ` +
	    `${format} states` + (format === "delta" && st.sync &&
	    st.sync.view_radius ?
	    ` (view radius ${st.sync.view_radius})` : "") + `, a state ` +
	    `is ${bytes < 1024 ? `${bytes.toFixed(0)} bytes` :
	    `${(bytes / 1024).toFixed(0)} KiB`} on average ` +
	    `(${(bytes * CLIENTS * st.tick_hz / 2 ** 20).toFixed(1)} ` +
	    `MiB/s for all), input every ${INPUT_MS} ms, ` +
	    `${FULL_PARSE ? "full" : "head-only"} state parsing`);
	const st0 = (await http("GET", `${ctl}/v1/status`)).body;
	const tick0 = st0.tick_stats;
	const tickT0 = performance.now();
	const zcpu0 = cpuSeconds(st0.pid), ncpu0 = process.cpuUsage();
	loop.reset();
	const base = newWindow("steady", performance.now());
	await closeWindow(base, base.start + 2000);
	st = (await http("GET", `${ctl}/v1/status`)).body;
	const tick1 = st.tick_stats;
	const tickS = (performance.now() - tickT0) / 1000;
	const zcpu = (cpuSeconds(st.pid) - zcpu0) / tickS * 100;
	const ncpu1 = process.cpuUsage(ncpu0);
	const ncpu = (ncpu1.user + ncpu1.system) / 1e6 / tickS * 100;
	console.log(`zoned: ${st.players} players, ${st.clients} clients, tick_stats: ` +
	    `${((tick1.ticks - tick0.ticks) / tickS).toFixed(1)} ticks/s over ` +
	    `${tickS.toFixed(1)} s (target ${st.tick_hz}/s), ` +
	    `skipped ${tick1.skipped - tick0.skipped}, last cost ` +
	    `${tick1.last_cost_us} us, max cost ${tick1.max_cost_us} us; CPU: ` +
	    `zoned ${Number.isFinite(zcpu) ? zcpu.toFixed(0) + "%" : "?"}, ` +
	    `these clients ${ncpu.toFixed(0)}%`);

	const results = [];
	for (let k = 1; k <= MIGRATIONS; k++) {
		loop.reset();
		const w = newWindow(`migration ${k}`, performance.now());
		await sleep(BEFORE_MS);
		const t = performance.now();
		let r;
		try {
			r = await http("POST", `${ctl}/v1/migrate`,
			    BINARY ? { binary: BINARY } : {}, 120000);
		} catch (e) {
			r = { status: 0, body: null, text: `no answer: ${e.message}` +
			    `${e.cause ? ` (${e.cause.code || ""} ${e.cause.message})` : ""}` };
		}
		const t1 = performance.now();
		w.request = t1 - t;
		w.answer = r;
		if (r.status === 200 && r.body && r.body.new_pid && zonedPid)
			zonedPid = r.body.new_pid;
		await closeWindow(w, t1 + AFTER_MS);
		results.push(w);
		if (k < MIGRATIONS)
			await sleep(Math.max(0, GAP_MS - AFTER_MS));
	}

	// Stop sending, give the last acks time to come (3 to 15 s), then
	// count.
	sending = false;
	await sleep(3000);
	for (let i = 0; i < 120 && clients.some((c) => !c.gone &&
	    (c.pending.size || c.stateSeq !== c.seq)); i++)
		await sleep(100);
	const missingAll = [];
	for (const c of clients)
		for (const t of c.pending.values())
			missingAll.push(t);
	for (const w of windows) {
		w.missing = missingAll.filter((t) => t >= w.start && t <= w.end).length;
		w.refused = clients.reduce((n, c) => n + c.refused.filter(
		    (x) => x.t >= w.start && x.t <= w.end).length, 0);
	}
	st = (await http("GET", `${ctl}/v1/status`).catch(() => ({}))).body || {};
	if (zonedPid && st.pid)
		zonedPid = st.pid;	// even if a POST got no answer

	console.log(`steady (2 s before the first migration): ${clientFigures(base)}`);
	for (const w of results) {
		const b = w.answer.body || {};
		const head = w.answer.status === 200 ?
		    `pause_ms ${b.pause_ms} snapshot_bytes ${b.snapshot_bytes} ` +
		    `fds ${b.fds} sessions ${b.sessions} pid ${b.old_pid}->${b.new_pid}` :
		    `HTTP ${w.answer.status} ${w.answer.text.trim()}`;
		console.log(`${w.label}: ${head}, request ${ms(w.request)} ms`);
		console.log(`  clients (-${BEFORE_MS} ms .. answer +${AFTER_MS} ms): ` +
		    clientFigures(w));
	}
	const codes = {};
	for (const c of clients)
		for (const x of c.refused)
			codes[x.error] = (codes[x.error] || 0) + 1;
	const disconnected = clients.filter((c) => c.gone);
	const idChanged = clients.filter((c) => c.welcomed && !c.gone &&
	    (c.sock.id !== c.sid || c.sock.io.engine.id !== c.eid));
	const notApplied = clients.filter((c) => !c.gone && c.stateSeq !== c.seq);
	const tickBack = clients.reduce((n, c) => n + c.tickBack, 0);
	const badDeltas = clients.filter((c) => c.badDeltas);
	const seqBack = clients.reduce((n, c) => n + c.seqBack, 0);
	const sent = clients.reduce((n, c) => n + c.seq, 0);
	console.log(`total: ${sent} inputs sent, acks missing ${missingAll.length}, ` +
	    `refused ${clients.reduce((n, c) => n + c.refused.length, 0)} ` +
	    `${JSON.stringify(codes)}, ` +
	    `clients disconnected ${disconnected.length}, sid/socket id changed ` +
	    `${idChanged.length}, last input not applied ${notApplied.length}, ` +
	    `tick went back ${tickBack}, state seq went back ${seqBack}, ` +
	    `clients with deltas that did not decode ${badDeltas.length}; ` +
	    `zoned pid ${st.pid} migrations ${JSON.stringify(st.migration)}`);
	for (const c of disconnected.slice(0, 5))
		console.log(`  mb${c.i} disconnected: ${c.gone.reason} ` +
		    `${JSON.stringify(c.errors)}`);
	for (const c of badDeltas.slice(0, 5))
		console.log(`  mb${c.i}: ${c.badDeltas} deltas did not ` +
		    `decode: ${c.badDelta}`);
	const bad200 = results.filter((w) => w.answer.status !== 200).length;
	if (disconnected.length || badDeltas.length)
		failed = true;
	for (const c of clients) {
		c.closing = true;
		clearInterval(c.timer);
		c.sock.close();
	}
	return disconnected.length || badDeltas.length ? 1 : bad200 ? 2 : 0;
}

let code = 1;
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
	process.on(sig, async () => {
		if (stopping)
			process.exit(1);
		stopping = true;
		console.error(`migrate-bench: ${sig}: stopping zoned`);
		await stopZoned().catch(() => {});
		if (!opts.keep)
			fs.rmSync(tmp, { recursive: true, force: true });
		process.exit(1);
	});
}
main().then((c) => { code = c; }, (e) => {
	console.error(`migrate-bench failed: ${e.message}`);
	failed = true;
}).finally(async () => {
	for (const c of clients) {
		c.closing = true;
		clearInterval(c.timer);
		c.sock.close();
	}
	await stopZoned().catch(() => {});
	if (failed && !opts.control)
		console.error(`---- ${LOG} (last lines)\n${logTail()}`);
	if (opts.keep || (failed && !opts.control))
		console.error(`kept ${tmp}`);
	else
		fs.rmSync(tmp, { recursive: true, force: true });
	process.exit(code);
});
