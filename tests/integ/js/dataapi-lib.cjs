// Helpers for the data API tests (dataapi.test, crash.test): start and stop
// the reference data API (tests/refapi/server.cjs) and zoned as child
// processes, read the API's history and documents, set its faults, and
// drive a player that keeps walking.
//
// Environment (set by run.sh and the .test): ZONED, AREA_DIR, top_srcdir,
// TEST_TMP. Logs go to $TEST_TMP/NAME.log, where lib.sh's cleanup looks for
// sanitizer reports. Every child is killed when the script exits (also on
// SIGTERM from timeout(1)).
"use strict";
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const { sleep, until, controlPlane, Client } = require("./testlib.cjs");

const env = (k) => {
	const v = process.env[k];
	if (!v) {
		console.log(`FAIL: ${k} is not set`);
		process.exit(1);
	}
	return v;
};
const ZONED = env("ZONED");
const AREA_DIR = env("AREA_DIR");
const TOP_SRCDIR = env("top_srcdir");
const TEST_TMP = env("TEST_TMP");
const REFAPI = path.join(TOP_SRCDIR, "tests/refapi/server.cjs");
const DATA = path.join(TOP_SRCDIR, "etc/data");

const children = new Set();
process.on("exit", () => {
	for (const c of children) {
		try { process.kill(c.pid, "SIGKILL"); } catch (e) { /* gone */ }
	}
});
for (const sig of ["SIGTERM", "SIGINT"])
	process.on(sig, () => {
		console.log(`FAIL: ${sig} (timed out?)`);
		process.exit(1);
	});

// Throws (for checkList) instead of exiting.
function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

// Like testlib's until, but throws.
async function waitFor(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await sleep(20);
	}
}

function track(child, name) {
	children.add(child);
	child.exitInfo = null;
	child.exited = new Promise((resolve) => {
		child.on("exit", (code, signal) => {
			children.delete(child);
			child.exitInfo = { code, signal };
			resolve(child.exitInfo);
		});
	});
	child.logName = name;
	return child;
}

function readLog(name) {
	try {
		return fs.readFileSync(path.join(TEST_TMP, `${name}.log`), "utf8");
	} catch (e) {
		return "";
	}
}

// ---- the reference API ------------------------------------------------

class RefApi {
	// name: the log's name; state: the --state file (kept across restarts).
	constructor(name, state) {
		this.name = name;
		this.state = state || path.join(TEST_TMP, `${name}.json`);
		this.port = 0;
		this.proc = null;
		this.starts = 0;
	}

	get base() {
		return `http://127.0.0.1:${this.port}`;
	}

	// Starts (again, on the same port once one was chosen).
	async start() {
		const log = fs.openSync(path.join(TEST_TMP, `${this.name}.log`), "a");
		const p = track(spawn(process.execPath, [REFAPI, "--listen",
		    `127.0.0.1:${this.port}`, "--data", DATA, "--state", this.state],
		    { stdio: ["ignore", "pipe", log] }), this.name);
		fs.closeSync(log);
		this.proc = p;
		this.starts++;
		let out = "";
		p.stdout.on("data", (d) => { out += d; });
		await waitFor(() => {
			if (p.exitInfo)
				throw new Error(`${this.name} exited during start-up: ` +
				    readLog(this.name).slice(-500));
			return /listening on=refapi address=127\.0\.0\.1:(\d+)/.test(out);
		}, 10000, `${this.name}: listening`);
		const port = Number(/address=127\.0\.0\.1:(\d+)/.exec(out)[1]);
		if (this.port !== 0 && port !== this.port)
			throw new Error(`${this.name} restarted on ${port}, not ${this.port}`);
		this.port = port;
		return this;
	}

	// SIGKILL, and wait until it is gone.
	async kill() {
		const p = this.proc;
		if (p && !p.exitInfo) {
			p.kill("SIGKILL");
			await p.exited;
		}
		this.proc = null;
	}

	async req(method, p, body) {
		const res = await fetch(this.base + p, {
			method,
			headers: body === undefined ? {} :
			    { "Content-Type": "application/json" },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(5000),
		});
		const text = await res.text();
		let parsed = text;
		try { parsed = JSON.parse(text); } catch (e) { /* text */ }
		return { status: res.status, body: parsed };
	}

	async fault(f) {
		const r = await this.req("POST", "/__fault", f);
		assert(r.status === 200, `refapi: set fault ${JSON.stringify(f)}: ` +
		    `${r.status} ${JSON.stringify(r.body)}`);
	}

	async history(id) {
		const r = await this.req("GET", "/__history");
		assert(r.status === 200, `refapi /__history: ${r.status}`);
		return r.body.writes.filter((w) => id === undefined || w.id === id);
	}

	// PUTs of one character.
	async puts(id) {
		return (await this.history(id)).filter((w) => w.method === "PUT");
	}

	async character(id) {
		const r = await this.req("GET", `/__characters/${id}`);
		assert(r.status === 200, `refapi /__characters/${id}: ${r.status}`);
		return r.body;
	}

	// The requests it logged ("METHOD PATH"), in order, from its log.
	requests() {
		const out = [];
		for (const line of readLog(this.name).split("\n")) {
			const m = /^refapi: (GET|PUT|POST|DELETE) (\S+) /.exec(line);
			if (m && !m[2].startsWith("/__"))
				out.push(`${m[1]} ${m[2]}`);
		}
		return out;
	}
}

// ---- zoned ---------------------------------------------------------------

class Zoned {
	// opts: {name (log), stateDir, args: [...]}
	constructor(name, stateDir, args) {
		this.name = name;
		this.stateDir = stateDir || path.join(TEST_TMP, `${name}.state`);
		this.args = args || [];
		this.proc = null;
	}

	get spoolPath() {
		return path.join(this.stateDir, "spool.json");
	}

	async start() {
		fs.mkdirSync(this.stateDir, { recursive: true });
		const logPath = path.join(TEST_TMP, `${this.name}.log`);
		const log = fs.openSync(logPath, "a");
		const p = track(spawn(ZONED, ["--client-listen", "127.0.0.1:0",
		    "--control-listen", "127.0.0.1:0", "--state-dir", this.stateDir,
		    "--area-dir", AREA_DIR, "--log-level", "debug",
		    ...(process.env.STATE_FORMAT ? ["--state-format",
		    process.env.STATE_FORMAT] : []), ...this.args],
		    { stdio: ["ignore", log, log] }), this.name);
		fs.closeSync(log);
		this.proc = p;
		this.startedAt = Date.now();
		await waitFor(() => {
			const text = readLog(this.name);
			const ctl = /listening on=control address=(\S+)/.exec(text);
			const cli = /listening on=client address=\S*:(\d+)/.exec(text);
			if (ctl && cli) {
				this.ctlUrl = `http://${ctl[1]}`;
				this.port = Number(cli[1]);
				return true;
			}
			if (p.exitInfo)
				throw new Error(`${this.name} exited during start-up ` +
				    `(${JSON.stringify(p.exitInfo)}): ` + text.slice(-800));
			return false;
		}, 15000, `${this.name}: listening`);
		this.ctl = controlPlane(this.ctlUrl);
		return this;
	}

	log() {
		return readLog(this.name);
	}

	alive() {
		return this.proc && !this.proc.exitInfo;
	}

	async signal(sig) {
		this.proc.kill(sig);
	}

	// Waits at most ms for the exit; {code, signal} or null.
	async waitExit(ms) {
		return Promise.race([this.proc.exited, sleep(ms).then(() => null)]);
	}

	async kill9() {
		if (this.alive()) {
			this.proc.kill("SIGKILL");
			await this.proc.exited;
		}
	}

	async call(method, p, body, want, what) {
		const r = await this.ctl(method, p, body);
		if (want !== undefined)
			assert(r.status === want, `${what || method + " " + p}: expected ` +
			    `HTTP ${want}, got ${r.status}: ${JSON.stringify(r.body)}`);
		return r;
	}

	async status() {
		return (await this.call("GET", "/v1/status", undefined, 200)).body;
	}

	async allocate(area = "meadow") {
		return this.call("POST", "/v1/allocate", { area }, 200,
		    `allocate ${area}`);
	}

	// Announces a ticket for id (fetched from the API unless character).
	async announce(ticket, id, want = 201, character) {
		const body = { ticket, character_id: id };
		if (character !== undefined)
			body.character = character;
		return this.call("POST", "/v1/pending", body, want,
		    `announce ${ticket} for ${id}`);
	}

	// Announces, retrying while the character is still being written back.
	async announceWhenFree(ticket, id, ms = 5000) {
		const end = Date.now() + ms;
		for (;;) {
			const r = await this.ctl("POST", "/v1/pending",
			    { ticket, character_id: id });
			if (r.status === 201)
				return r;
			assert(r.status === 409 && Date.now() < end, `announce ` +
			    `${ticket} for ${id}: HTTP ${r.status} ` +
			    `${JSON.stringify(r.body)}`);
			await sleep(50);
		}
	}

	spool() {
		try {
			return JSON.parse(fs.readFileSync(this.spoolPath, "utf8"));
		} catch (e) {
			if (e.code === "ENOENT")
				return null;
			throw e;
		}
	}
}

// ---- a player -------------------------------------------------------------

// Joins with the ticket and returns the Client (welcome received).
async function join(port, ticket, name) {
	const c = new Client(port, { ticket }, { name: name || ticket });
	await waitFor(() => c.welcome || c.connectErrors.length ||
	    c.disconnects.length, 5000, `${c.name}: welcome`);
	if (!c.welcome) {
		c.close();
		throw new Error(`${c.name}: no welcome: ` + (c.connectErrors.length ?
		    c.connectErrors[0].message : c.disconnects.join(",")));
	}
	c.seq = 0;
	return c;
}

// Walks a square (east, north, west, south, legMs each) so that the player
// keeps moving without going anywhere: any two moments about a second apart
// find it at different places (2.5 legs apart on the square), so every
// write-back interval has something to write. Returns stop(), which stands
// still and resolves once a state shows the stop.
function pace(c, legMs = 400) {
	const legs = [[1, 0], [0, -1], [-1, 0], [0, 1]];
	let i = 0, stopped = false, t = null;
	const leg = () => {
		if (stopped)
			return;
		input(c, ...legs[i]);
		i = (i + 1) % legs.length;
		t = setTimeout(leg, legMs);
	};
	leg();
	return async () => {
		stopped = true;
		clearTimeout(t);
		await halt(c);
	};
}

function input(c, dx, dy) {
	c.seq += 1;
	if (c.connected)
		c.sock.emit("input", { seq: c.seq, dx, dy });
}

// Stands still; resolves once a state shows it.
async function halt(c) {
	input(c, 0, 0);
	const seq = c.seq;
	if (!c.connected)
		return;
	await waitFor(() => {
		const s = c.states[c.states.length - 1];
		return s && s.seq >= seq;
	}, 2000, `${c.name}: a state after the stop`);
	await sleep(150);
}

// Walks (dx, dy) for ms, then stands still.
async function nudge(c, dx, dy, ms) {
	input(c, dx, dy);
	await sleep(ms);
	await halt(c);
}

// Where the client last saw its player.
function lastPos(c) {
	for (let i = c.states.length - 1; i >= 0; i--) {
		const p = c.me(c.states[i]);
		if (p)
			return p;
	}
	return c.welcome ? { x: c.welcome.x, y: c.welcome.y } : undefined;
}

// Disconnects and waits for the socket to be closed on our side.
async function leave(c) {
	c.close();
	await sleep(50);
}

// History checks: the successful PUTs of id take If-Match 1, 2, 3, ... (from
// first) with no gap and no repeat, and each leaves version If-Match + 1.
function checkChain(puts, first = 1, what = "") {
	const ok = puts.filter((w) => w.status === 200);
	const im = ok.map((w) => Number(w.if_match));
	for (let i = 0; i < ok.length; i++) {
		assert(im[i] === first + i, `${what}successful PUTs have If-Match ` +
		    `${JSON.stringify(im)}, expected ${first}, ${first + 1}, ... ` +
		    `(no gap, no repeat)`);
		assert(ok[i].version_after === im[i] + 1, `${what}PUT If-Match ` +
		    `${im[i]} left version ${ok[i].version_after}`);
	}
	return im;
}

const near = (a, b, tol) => Math.abs(a - b) <= tol;

// How far a position a client saw may be from the exact one: deltas carry
// 1/8 units (rounded: 1/16 off at most), JSON states 2 decimals.
const POS_TOL = 1 / 8;

module.exports = {
	RefApi, Zoned, join, pace, input, halt, nudge, lastPos, leave, checkChain, assert, waitFor,
	near, POS_TOL, readLog, TEST_TMP, DATA, sleep, until,
};
