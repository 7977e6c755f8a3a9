// Helpers shared by the node halves of the integration tests: output in the
// shell tests' "ok:"/"FAIL:" style, bounded waits, lists of named checks,
// the control plane, states from binary deltas (trackState), and a
// recording wrapper around the official socket.io-client. Hand-made clients
// are in rawclient.cjs.
"use strict";
const path = require("path");
const { io } = require("socket.io-client");
const { StateBuilder } = require(path.join(__dirname, "..", "..", "..",
    "clients", "js", "zoned-client.cjs"));

function ok(msg) {
	console.log(`ok: ${msg}`);
}

function fail(msg) {
	console.log(`FAIL: ${msg}`);
	process.exit(1);
}

function check(cond, msg) {
	if (!cond)
		fail(msg);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn every 10 ms until it returns something truthy, which is returned;
// fails after ms milliseconds.
async function until(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v)
			return v;
		if (Date.now() > end)
			fail(`timed out after ${ms} ms waiting for ${what}`);
		await sleep(10);
	}
}

// The whole script must end within ms: a hang is a failure, not a stall.
function deadline(ms) {
	const t = setTimeout(() => fail(`the script did not finish within ` +
	    `${ms} ms`), ms);
	return () => clearTimeout(t);
}

// A list of named checks, for scripts that go on after a failed one:
//   const { check, run } = checkList("name.cjs", 25000);
//   check("what it checks", async () => { ... });	// throws to fail
//   run();
// run() runs them in order, prints "ok: NAME" (with the note the check
// returns, if any) or "FAIL: NAME: ERROR" for each, calls atEnd (if given)
// and a summary, and exits 1 if any failed. The whole script must end
// within ms of checkList().
function checkList(script, ms, atEnd) {
	const checks = [];
	const watchdog = setTimeout(() => {
		console.log(`FAIL: ${script} did not finish within ${ms / 1000} s`);
		process.exit(1);
	}, ms);

	function check(name, fn) {
		checks.push({ name, fn });
	}

	async function run() {
		let failures = 0;
		for (const { name, fn } of checks) {
			try {
				const note = await fn();
				console.log(`ok: ${name}${note ? ` (${note})` : ""}`);
			} catch (e) {
				failures++;
				console.log(`FAIL: ${name}: ` +
				    `${e && e.message ? e.message : e}`);
			}
		}
		clearTimeout(watchdog);
		if (atEnd)
			atEnd();
		console.log(failures ? `${script}: ${failures} of ` +
		    `${checks.length} checks failed` : `${script}: all ` +
		    `${checks.length} checks passed`);
		process.exit(failures ? 1 : 0);
	}

	return { check, run };
}

// Control plane: ctl(method, path, body) -> {status, body (JSON if it
// parses, else text)}.
function controlPlane(base, token) {
	return async (method, path, body) => {
		const headers = {};
		if (token)
			headers.Authorization = `Bearer ${token}`;
		if (body !== undefined)
			headers["Content-Type"] = "application/json";
		const res = await fetch(base + path, {
			method, headers,
			body: body === undefined ? undefined :
			    typeof body === "string" ? body : JSON.stringify(body),
			signal: AbortSignal.timeout(5000),
		});
		const text = await res.text();
		let parsed = text;
		try { parsed = JSON.parse(text); } catch (e) { /* text */ }
		return { status: res.status, body: parsed };
	};
}

async function expectStatus(ctl, method, path, body, want, what) {
	const r = await ctl(method, path, body);
	check(r.status === want, `${what}: expected HTTP ${want}, got ` +
	    `${r.status}: ${JSON.stringify(r.body)}`);
	return r.body;
}

// States from a bare socket.io-client socket, as ZonedClient has them
// (clients/js/zoned-client.cjs, StateBuilder): from each welcome on, every
// "delta" is applied to a view (the welcome starts an empty one) and each
// tick's state, shaped like the old JSON state ({tick, seq, players:
// [{id, name, x, y, hp, max_hp, level, dead}], mobs: [{id, kind, x, y, hp,
// max_hp, state}], events}, what is in view only) goes to onState once its
// events came or the next packet or the disconnect did; with
// --state-format json the server's "state" goes to it as it is. A delta
// that does not decode or fit the view goes to opts.onBad (err) and is
// skipped. Returns {view (the current DeltaView), sync (the welcome's),
// deltas (how many applied), lastChanges, bad (errors)}; opts.onDelta
// (view, changes) is called after each delta.
function trackState(sock, onState, opts = {}) {
	const t = {
		builder: new StateBuilder(null, onState),
		sync: null,
		deltas: 0,
		lastChanges: null,
		bad: [],
		get view() {
			return this.builder.view;
		},
	};
	sock.onAny((name, ...args) => {
		if (name === "delta") {
			t.builder.flush();
			try {
				t.lastChanges = t.builder.delta(args[0]);
			} catch (e) {
				t.bad.push(e);
				if (opts.onBad)
					opts.onBad(e);
				return;
			}
			t.deltas++;
			if (opts.onDelta)
				opts.onDelta(t.builder.view, t.lastChanges);
			return;
		}
		if (name === "events") {
			t.builder.events(args[0]);
			return;
		}
		t.builder.flush();
		if (name === "welcome") {
			t.sync = args[0] && args[0].sync ? args[0].sync : null;
			t.builder = new StateBuilder(t.sync, onState);
		} else if (name === "state") {
			t.builder.state(args[0]);
		}
	});
	sock.on("disconnect", () => t.builder.flush());
	return t;
}

// A socket.io-client socket that records everything it is told; states
// come from trackState (a delta that does not decode fails the script).
class Client {
	constructor(port, auth, opts = {}) {
		const nsp = opts.nsp || "";
		this.name = opts.name || (auth && auth.ticket) || "client";
		this.welcome = null;
		this.states = [];	// {at, tick, seq, players}
		this.errors = [];	// {code, message}
		this.events = [];	// [name, args] of anything else
		this.order = [];	// event names, in order
		this.disconnects = [];
		this.connectErrors = [];
		this.pings = 0;
		this.connected = false;
		const o = {
			transports: ["websocket"], forceNew: true,
			reconnection: false, timeout: 5000,
		};
		if (auth !== undefined)
			o.auth = auth;
		this.sock = io(`http://127.0.0.1:${port}${nsp}`, o);
		this.sock.on("connect", () => {
			this.connected = true;
			this.order.push("connect");
		});
		this.sock.on("connect_error", (err) => {
			this.order.push("connect_error");
			this.connectErrors.push(err);
		});
		this.sock.on("disconnect", (reason) => {
			this.connected = false;
			this.order.push("disconnect");
			this.disconnects.push(reason);
		});
		this.sock.on("welcome", (w) => {
			this.order.push("welcome");
			this.welcome = w;
		});
		this.track = trackState(this.sock, (s) => {
			s.at = Date.now();
			this.states.push(s);
		}, { onBad: (e) => fail(`${this.name}: ${e.message}`) });
		this.sock.on("error", (e) => {
			this.order.push("error");
			this.errors.push(e);
		});
		this.sock.onAny((name, ...args) => {
			if (!["welcome", "state", "error", "delta",
			    "events"].includes(name))
				this.events.push([name, args]);
		});
		this.sock.io.on("ping", () => this.pings++);
	}

	// The view of the world from the deltas (see trackState).
	get view() {
		return this.track.view;
	}

	me(state) {
		const s = state || this.states[this.states.length - 1];
		if (!s || !this.welcome)
			return undefined;
		return s.players.find((p) => p.id === this.welcome.id);
	}

	// The largest gap between two states since index from (ms), counting
	// the time since the last one.
	maxGap(from = 0) {
		let gap = 0;
		for (let i = Math.max(from, 1); i < this.states.length; i++)
			gap = Math.max(gap, this.states[i].at - this.states[i - 1].at);
		if (this.states.length > 0)
			gap = Math.max(gap,
			    Date.now() - this.states[this.states.length - 1].at);
		return gap;
	}

	async joined(ms = 5000) {
		await until(() => this.welcome || this.connectErrors.length, ms,
		    `${this.name}: welcome`);
		if (!this.welcome)
			fail(`${this.name}: refused: ` +
			    `${this.connectErrors[0].message}`);
		return this.welcome;
	}

	async stateCount(n, ms, what) {
		return until(() => this.states.length >= n, ms,
		    `${this.name}: ${what || n + " states"}`);
	}

	close() {
		this.sock.close();
	}
}

// Connects with auth and expects CONNECT_ERROR with message and data.code.
async function expectRefused(port, auth, message, code, what, opts = {}) {
	const c = new Client(port, auth, Object.assign({ name: what }, opts));
	await until(() => c.connectErrors.length || c.connected, 5000,
	    `${what}: connect_error`);
	const err = c.connectErrors[0];
	c.close();
	check(!c.connected && err, `${what}: connected instead of ` +
	    `"${message}"`);
	check(err.message === message, `${what}: connect_error message ` +
	    `"${err.message}", expected "${message}"`);
	check(err.data && err.data.code === code, `${what}: connect_error ` +
	    `data ${JSON.stringify(err.data)}, expected code ${code}`);
	check(c.welcome === null && c.states.length === 0,
	    `${what}: got welcome or state after connect_error`);
	ok(`${what}: connect_error "${message}" (${code})`);
	return c;
}

module.exports = {
	ok, fail, check, sleep, until, deadline, checkList, controlPlane,
	expectStatus, Client, expectRefused, io, trackState,
};
