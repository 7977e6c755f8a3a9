// Helpers for the hand-over tests (handover.test, handover-chaos.test): a
// small world of zoned instances (one per area) on one reference data API,
// allocated as each other's neighbours; characters seeded in the API and
// counted in its state file; clients (the library in clients/js, or a bare
// socket.io-client socket) whose every socket is recorded, with its states
// rebuilt from the deltas; steering a player to a point; the control
// plane's status and metrics.
//
// Environment: as dataapi-lib.cjs (ZONED, AREA_DIR, top_srcdir, TEST_TMP).
"use strict";
const fs = require("fs");
const path = require("path");
const { io: realIo } = require("socket.io-client");
const {
	RefApi, Zoned, assert, waitFor, sleep,
} = require("./dataapi-lib.cjs");
const { trackState } = require("./testlib.cjs");

const TOP_SRCDIR = process.env.top_srcdir;
const { ZonedClient } = require(path.join(TOP_SRCDIR,
    "clients/js/zoned-client.cjs"));

const RADIUS = 10;		// half the side of a player's box
const EDGE_IN = RADIUS + 1;	// where an edge's arrival puts a player

// ---- the world -------------------------------------------------------------

// Instances of areas (names) on one refapi. prefix names the logs:
// PREFIX-api.log, PREFIX-AREA.log.
class World {
	constructor(prefix, areas, args = []) {
		this.prefix = prefix;
		this.api = new RefApi(`${prefix}-api`);
		this.areas = areas;
		this.args = args;
		this.z = {};
		this.restarts = 0;
	}

	zonedArgs(extra = []) {
		return ["--character-api", this.api.base, "--quest-api",
		    this.api.base, ...this.args, ...extra];
	}

	async start() {
		await this.api.start();
		await Promise.all(this.areas.map((a) => this.startZoned(a)));
		return this;
	}

	// Starts (or, after a kill, starts anew under another log name) the
	// instance for area; it is not allocated yet.
	async startZoned(area, extra = []) {
		const name = this.z[area] ?
		    `${this.prefix}-${area}-${++this.restarts}` :
		    `${this.prefix}-${area}`;
		const z = new Zoned(name, undefined, this.zonedArgs(extra));
		await z.start();
		z.area = area;
		z.clientUrl = `http://127.0.0.1:${z.port}`;
		this.z[area] = z;
		return z;
	}

	// [{area, control_url, client_url}] for the areas named (default all).
	neighbours(areas = this.areas) {
		return areas.map((a) => ({
			area: a, control_url: this.z[a].ctlUrl,
			client_url: this.z[a].clientUrl,
		}));
	}

	async allocate(area, neighbours = this.neighbours()) {
		const r = await this.z[area].call("POST", "/v1/allocate",
		    { area, neighbours }, 200, `allocate ${area}`);
		return r.body;
	}

	async setNeighbours(area, neighbours = this.neighbours()) {
		return (await this.z[area].call("PUT", "/v1/neighbours",
		    { neighbours }, 200, `PUT /v1/neighbours on ${area}`)).body;
	}

	async status(area) {
		return this.z[area].status();
	}

	async handoff(area) {
		return (await this.status(area)).handoff;
	}

	// The instance's metrics as {name: number}.
	async metrics(area) {
		const r = await this.z[area].call("GET", "/metrics", undefined,
		    200);
		const out = {};
		for (const line of String(r.body).split("\n")) {
			const m = /^([a-z_]+)\s+(\S+)$/.exec(line);
			if (m)
				out[m[1]] = Number(m[2]);
		}
		return out;
	}

	// Announces a ticket for id (fetched from the API) in area.
	async announce(area, ticket, id, want = 201) {
		return this.z[area].announce(ticket, id, want);
	}

	// Players in the world of every live instance: {area: n}.
	async players() {
		const out = {};
		for (const a of Object.keys(this.z)) {
			if (this.z[a].alive())
				out[a] = (await this.status(a)).players;
		}
		return out;
	}

	// Waits until the instance of area has n players (and, if given,
	// clients connections).
	async waitPlayers(area, n, clients, ms = 5000) {
		let st;
		await waitFor(async () => {
			st = await this.status(area);
			return st.players === n &&
			    (clients === undefined || st.clients === clients);
		}, ms, `${area}: players ${n}` + (clients === undefined ? "" :
		    `, clients ${clients}`)).catch((e) => {
			throw new Error(`${e.message} (it has players ` +
			    `${st && st.players}, clients ${st && st.clients})`);
		});
		return st;
	}

	// Waits until the instance of area owns no character and writes
	// nothing.
	async settled(area, ms = 8000) {
		let st;
		await waitFor(async () => {
			st = await this.status(area);
			return st.writeback.owned === 0 &&
			    st.writeback.in_flight === 0 &&
			    st.writeback.spooled === 0;
		}, ms, `${area}: every character written back and let go`)
		    .catch((e) => {
			throw new Error(`${e.message} (writeback ` +
			    `${JSON.stringify(st && st.writeback)})`);
		});
		return st;
	}
}

// ---- the data API ----------------------------------------------------------

async function seed(api, doc) {
	const r = await api.req("PUT", `/__characters/${doc.id}`, doc);
	assert(r.status === 200, `seed ${doc.id}: ${r.status} ` +
	    JSON.stringify(r.body));
}

// The API's whole store (its --state file, rewritten on every change).
function apiStore(api) {
	return JSON.parse(fs.readFileSync(api.state, "utf8"));
}

// What the API holds: how many characters, how many items in all, and
// each character's inventory and version.
function census(api) {
	const st = apiStore(api);
	const ids = Object.keys(st.characters).sort();
	const out = { characters: ids.length, items: 0, byId: {} };
	for (const id of ids) {
		const c = st.characters[id];
		let n = 0;
		for (const it of c.inventory || [])
			n += it.count;
		out.items += n;
		out.byId[id] = { version: c.version, items: n,
		    inventory: JSON.stringify(c.inventory || []) };
	}
	return out;
}

function censusText(c) {
	return `${c.characters} characters, ${c.items} items`;
}

// The same characters with the same items (versions may go up).
function sameCensus(before, after, what) {
	assert(after.characters === before.characters &&
	    after.items === before.items, `${what}: the API held ` +
	    `${censusText(before)} before and ${censusText(after)} after`);
	for (const id of Object.keys(before.byId)) {
		const b = before.byId[id], a = after.byId[id];
		assert(a, `${what}: character ${id} is gone from the API`);
		assert(a.inventory === b.inventory, `${what}: ${id}'s ` +
		    `inventory was ${b.inventory}, is ${a.inventory}`);
		assert(a.version >= b.version, `${what}: ${id}'s version went ` +
		    `back from ${b.version} to ${a.version}`);
	}
}

// The character's PUTs: all answered 200, If-Match first, first + 1, ...
// (no 409, no other failure, no gap, no repeat). Returns them.
async function checkPuts(api, id, first = 1, what = "") {
	const puts = await api.puts(id);
	const bad = puts.filter((w) => w.status !== 200);
	assert(bad.length === 0, `${what}${id}: PUTs that did not succeed: ` +
	    JSON.stringify(bad.map((w) => ({ if_match: w.if_match,
	    status: w.status, area: w.body && w.body.area }))));
	puts.forEach((w, i) => {
		assert(Number(w.if_match) === first + i &&
		    w.version_after === first + i + 1, `${what}${id}: PUTs ` +
		    `have If-Match ${JSON.stringify(puts.map((p) =>
		    p.if_match))}, expected ${first}, ${first + 1}, ... (one ` +
		    "writer at a time: no gap, no repeat)");
	});
	return puts;
}

// How many PUTs of id the API got after the last hand-over offer of it to
// area (the target's Quest API GET, .../quests?area=AREA, in the API's
// log): the old instance wrote the character through before it offered
// it, and must never write it after. Throws if there was no such offer.
function putsAfterOffer(api, id, area) {
	const reqs = api.requests();
	const offer = `GET /characters/${id}/quests?area=${area}`;
	const i = reqs.lastIndexOf(offer);
	assert(i >= 0, `the API never saw ${offer}`);
	assert(reqs.slice(0, i).includes(`PUT /characters/${id}`),
	    `no PUT of ${id} before its offer to ${area}`);
	return reqs.slice(i + 1).filter((r) =>
	    r === `PUT /characters/${id}`).length;
}

// Who wrote, in order, with repeats folded: ["meadow", "town", ...].
function writers(puts) {
	const out = [];
	for (const w of puts) {
		const a = w.body && w.body.area;
		if (out[out.length - 1] !== a)
			out.push(a);
	}
	return out;
}

// A character document without what a move changes.
function sansPlace(doc) {
	const o = Object.assign({}, doc);
	for (const k of ["x", "y", "area", "version"])
		delete o[k];
	return o;
}

function sameDoc(a, b, what) {
	const ja = JSON.stringify(sortKeys(sansPlace(a)));
	const jb = JSON.stringify(sortKeys(sansPlace(b)));
	assert(ja === jb, `${what}: ${ja} != ${jb}`);
}

function sortKeys(v) {
	if (Array.isArray(v))
		return v.map(sortKeys);
	if (v && typeof v === "object") {
		const o = {};
		for (const k of Object.keys(v).sort())
			o[k] = sortKeys(v[k]);
		return o;
	}
	return v;
}

const json = (v) => JSON.stringify(sortKeys(v));

// ---- clients ---------------------------------------------------------------

// A socket.io-client io function that records, per socket, what came in:
// sockets[i] = {url, sock, events: [{at, name, arg}], track}; connect,
// disconnect and connect_error are recorded as "#connect", "#disconnect"
// (arg the reason) and "#connect_error" (arg the message). Deltas are not
// recorded: track (testlib's trackState) applies them to track.view and
// records each tick's state as "state", in its place (before whatever
// completed it). A delta that does not decode fails the script.
function recordingIo(sockets) {
	return (url, opts) => {
		const sock = realIo(url, opts);
		const rec = { url, sock, events: [] };
		const add = (name, arg) => rec.events.push({ at: Date.now(),
		    name, arg });
		// Before the recorder: a state comes before what completed it.
		rec.track = trackState(sock, (s) => add("state", s), {
			onBad: (e) => {
				console.log(`FAIL: ${url}: ${e.message}`);
				process.exit(1);
			},
		});
		sock.onAny((name, arg) => {
			if (name !== "delta")
				add(name, arg);
		});
		sock.on("connect", () => add("#connect"));
		sock.on("disconnect", (r) => add("#disconnect", r));
		sock.on("connect_error", (e) => add("#connect_error",
		    e && e.message));
		sockets.push(rec);
		return sock;
	};
}

// A ZonedClient whose sockets are recorded (client.sockets) and whose
// events are kept (client.log: [{at, name, arg}]).
function libClient(url, ticket, opts = {}) {
	const sockets = [];
	const c = new ZonedClient(Object.assign({ url, ticket,
	    io: recordingIo(sockets), transferTimeout: 8000, timeout: 8000 },
	    opts));
	c.sockets = sockets;
	c.log = [];
	for (const name of ["connect", "connect_error", "welcome", "transfer",
	    "transferred", "transfer_error", "transfer_failed", "game_error",
	    "disconnect"])
		c.on(name, (arg) => c.log.push({ at: Date.now(), name, arg }));
	// The last state from the instance of the last welcome (lastState
	// may still be the old one's just after a hand-over).
	c.current = null;
	c.on("welcome", () => { c.current = null; });
	c.on("state", (s) => { c.current = s; });
	return withInput(c);
}

// The events named name in a client's log (or a socket record's events).
function events(log, name) {
	return log.filter((e) => e.name === name);
}

async function waitEvent(log, name, n, ms, what) {
	await waitFor(() => events(log, name).length >= n, ms,
	    `${what}: "${name}"` + (n > 1 ? ` #${n}` : ""));
	return events(log, name)[n - 1].arg;
}

// A bare socket.io-client socket (it follows nothing): {sock, events,
// seq, acks, welcome, state()} with input(dx, dy) -> Promise(ack).
function bareClient(url, ticket) {
	const sockets = [];
	const sock = recordingIo(sockets)(url, {
		transports: ["websocket"], forceNew: true,
		reconnection: false, timeout: 5000, auth: { ticket },
	});
	const c = {
		sock, rec: sockets[0], seq: 0, acks: [],
		get events() { return this.rec.events; },
		get welcome() {
			const w = events(this.rec.events, "welcome");
			return w.length ? w[w.length - 1].arg : null;
		},
		get lastState() {
			const s = events(this.rec.events, "state");
			return s.length ? s[s.length - 1].arg : null;
		},
		get current() { return this.lastState; },
		get view() { return this.rec.track.view; },
		get area() { return this.welcome && this.welcome.area; },
		get id() { return this.welcome && this.welcome.id; },
		input(dx, dy) {
			const seq = ++this.seq;
			return new Promise((resolve) => {
				if (!sock.connected)
					return resolve({ ok: false,
					    error: "not connected" });
				sock.timeout(8000).emit("input", { seq, dx, dy },
				    (err, ack) => {
					const a = err ? { ok: false,
					    error: "no answer" } : ack;
					this.acks.push({ seq, ack: a });
					resolve(a);
				});
			});
		},
		close() { sock.close(); },
	};
	return c;
}

async function joined(c, ms = 8000, what = "client") {
	const log = c.log || c.events;
	await waitFor(() => c.welcome || events(log, "connect_error").length ||
	    events(log, "#connect_error").length, ms, `${what}: welcome`);
	assert(c.welcome, `${what}: refused: ` + JSON.stringify(log.slice(-3)));
	return c.welcome;
}

// Where the client's player is (by the welcome's id): in its view, as of
// the last delta of the current connection (a state comes a tick later
// unless it had events), or in the last state with --state-format json.
// {tick, id, name, x, y, hp, max_hp, level, dead}.
function position(c) {
	if (!c.id)
		return undefined;
	const v = c.view;
	if (v && v.tick > 0) {
		const e = v.get(c.id);
		return e && { tick: v.tick, id: e.id, name: e.name, x: e.x,
		    y: e.y, hp: e.hp, max_hp: e.max_hp, level: e.level,
		    dead: e.hp === 0 };
	}
	const s = c.current;
	if (!s)
		return undefined;
	const p = s.players.find((q) => q.id === c.id);
	return p && Object.assign({ tick: s.tick }, p);
}

// Steers the player toward (x, y), along x first, then along y. zoned
// moves a player at full speed whatever the size of (dx, dy) (6 units a
// tick at 120 units/s and 20 Hz), so this walks at full speed and stops
// when within tol (default 3: half a step) of the target on that axis,
// and walks back if it went past; a target beyond an edge keeps it
// walking. Each new tick of position() (polled every 10 ms) is looked at
// once; an input goes out when the direction changes
// (or its acknowledgement was not ok). It stops by itself once the player
// is in another area. Returns {stop(), reached(ms, what)}. c.input(dx,
// dy) sends (a bare client's, or a ZonedClient's through withInput).
function steer(c, x, y, opts = {}) {
	const tol = opts.tol === undefined ? 3 : opts.tol;
	let stopped = false, last = null, timer = null, still = 0, tick = -1;
	const area = c.area;	// a hand-over ends the steering
	const sign = (e) => Math.abs(e) <= tol ? 0 : Math.sign(e);
	const poll = () => {
		if (stopped || c.area !== area)
			return;
		const p = position(c);
		if (p && !c.transferring && p.tick !== tick) {
			tick = p.tick;
			const ex = sign(x - p.x);
			const d = ex !== 0 ? [ex, 0] : [0, sign(y - p.y)];
			if (!last || d[0] !== last[0] || d[1] !== last[1]) {
				last = d;
				if (process.env.HANDOVER_DEBUG)
					console.error(`steer (${x}, ${y}): at ` +
					    `(${p.x}, ${p.y}) id ${c.id} tick ` +
					    `${tick}: input ${d}`);
				Promise.resolve(c.input(d[0], d[1])).then((a) => {
					if (a && a.ok)
						return;
					if (last === d)
						last = null;	// send again
					if (process.env.HANDOVER_DEBUG)
						console.error(`steer: input ${d} ` +
						    `answered ${JSON.stringify(a)}`);
				}, (e) => {
					if (last === d)
						last = null;
					if (process.env.HANDOVER_DEBUG)
						console.error(`steer: input ${d} ` +
						    `failed: ${e.code || e.message}`);
				});
			}
			still = d[0] === 0 && d[1] === 0 ? still + 1 : 0;
		}
		timer = setTimeout(poll, 10);
	};
	poll();
	return {
		stop() {
			stopped = true;
			clearTimeout(timer);
		},
		// Resolves when the player has stood at the target for a few
		// states.
		async reached(ms, what) {
			await waitFor(() => still >= 5, ms, `${what}: standing ` +
			    `at (${x}, ${y}) give or take ${tol}, last seen at ` +
			    JSON.stringify(position(c)));
			return position(c);
		},
	};
}

// input(dx, dy) for a ZonedClient, as the bare client has it.
function withInput(c) {
	const orig = c.input.bind(c);
	c.input = (a, b) => typeof a === "object" ? orig(a, b) :
	    orig({ dx: a, dy: b });
	return c;
}

module.exports = {
	World, seed, apiStore, census, censusText, sameCensus, checkPuts,
	putsAfterOffer, writers, sansPlace, sameDoc, sortKeys, json, recordingIo, libClient,
	bareClient, events, waitEvent, joined, position, steer, withInput,
	RADIUS, EDGE_IN, assert, waitFor, sleep,
};
