// The self-test of zoned-client.cjs, without zoned:
//   node clients/js/test/selftest.cjs
// Part 1 drives the client through a fake io function whose sockets the
// test plays the server for. Part 2 (skipped when the packages are not
// found) runs the real socket.io-client against two tiny Socket.IO servers
// made here on the ws package, as in tests/integ/node_modules. Prints
// "ok: NAME", "FAIL: NAME: WHY" or "skip: NAME: WHY" for each check, then a
// summary; exits 1 if a check failed.
"use strict";
const assert = require("assert/strict");
const fs = require("fs");
const path = require("path");
const { ZonedClient } = require("../zoned-client.cjs");

const tests = [];
function test(name, fn, skip) {
	tests.push({ name, fn, skip });
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolves p within ms, or throws.
function within(p, ms, what) {
	let t;
	return Promise.race([p, new Promise((_, rej) => {
		t = setTimeout(() => rej(new Error(`timed out after ${ms} ms ` +
		    `waiting for ${what}`)), ms);
	})]).finally(() => clearTimeout(t));
}

// What a promise came to, without waiting: {state, value}.
function peek(p) {
	const s = { state: "pending", value: undefined };
	p.then((v) => { s.state = "resolved"; s.value = v; },
	    (e) => { s.state = "rejected"; s.value = e; });
	return s;
}

// ---- deltas, as the server makes them ----------------------------------

// A small encoder of delta format 2 (src/delta.h), for the test's servers:
// the message that takes a client that was sent `was` to `now`, both Maps
// id -> {kind (0 player, 1 mob), type, x, y, hp, max_hp, level (a mob's
// state), name}.
const { varint, zigzag } = require("./varint.cjs");

function quantise(x) {
	return Math.sign(x) * Math.round(Math.abs(x) * 8);
}

function encodeDelta(tick, seq, was, now) {
	const out = [2];
	varint(out, tick);
	varint(out, seq);
	const sorted = (m) => [...m.keys()].sort((a, b) => a - b);
	const leave = sorted(was).filter((id) => !now.has(id) ||
	    now.get(id).kind !== was.get(id).kind ||
	    now.get(id).type !== was.get(id).type);
	const enter = sorted(now).filter((id) => !was.has(id) ||
	    leave.includes(id));
	const mask = (a, b) => (quantise(a.x) !== quantise(b.x) ||
	    quantise(a.y) !== quantise(b.y) ? 1 : 0) |
	    (a.hp !== b.hp ? 2 : 0) | (a.max_hp !== b.max_hp ? 4 : 0) |
	    (a.level !== b.level ? 8 : 0);
	const update = sorted(now).filter((id) => !enter.includes(id) &&
	    mask(was.get(id), now.get(id)) !== 0);
	// key(id, gap) sends an id: its gap, or for an update the key.
	const ids = (list, each, key = (id, gap) => gap) => {
		varint(out, list.length);
		let prev = 0;
		for (const id of list) {
			varint(out, key(id, id - prev));
			prev = id;
			each(id);
		}
	};
	ids(leave, () => {});
	ids(enter, (id) => {
		const e = now.get(id);
		out.push(e.kind);
		varint(out, e.kind === 1 ? e.type : 0);
		zigzag(out, quantise(e.x));
		zigzag(out, quantise(e.y));
		varint(out, e.hp);
		varint(out, e.max_hp);
		varint(out, e.level);
		if (e.kind === 0) {
			const name = Buffer.from(e.name, "utf8");
			varint(out, name.length);
			out.push(...name);
		}
	});
	// An update's key is (id_gap << 1) | P, P 1 for a position-only
	// update, which has no mask.
	ids(update, (id) => {
		const a = was.get(id), b = now.get(id);
		const m = mask(a, b);
		if (m !== 1)
			out.push(m);
		if (m & 1) {
			zigzag(out, quantise(b.x) - quantise(a.x));
			zigzag(out, quantise(b.y) - quantise(a.y));
		}
		if (m & 2)
			varint(out, b.hp);
		if (m & 4)
			varint(out, b.max_hp);
		if (m & 8)
			varint(out, b.level);
	}, (id, gap) => gap * 2 + (mask(was.get(id), now.get(id)) === 1 ?
	    1 : 0));
	return Buffer.from(out);
}

const MOB_KINDS = ["slime", "wolf"];
const SYNC = { format: "delta", version: 2, view_radius: 400,
    mob_kinds: MOB_KINDS };
const MOB = 2 ** 30;	// the first mob id

// Entities as the test's servers hold them: a Map for encodeDelta.
function world(...ents) {
	return new Map(ents.map((e) => [e.id, Object.assign({ type: 0,
	    level: e.kind === 0 ? 1 : 0 }, e)]));
}

function ann(over) {
	return Object.assign({ id: 7, kind: 0, name: "Ann", x: 10, y: 10,
	    hp: 20, max_hp: 20, level: 2 }, over);
}

function wolf(over) {
	return Object.assign({ id: MOB + 3, kind: 1, type: 1, x: 100.125,
	    y: -50, hp: 12, max_hp: 12, level: 1 }, over);
}

// ---- the fake io -----------------------------------------------------

// A socket.io-client socket as the client uses it; the test is its server.
class FakeSocket {
	constructor(url, opts) {
		this.url = url;
		this.opts = opts;
		this.connected = false;
		this.closed = false;
		this.listeners = {};
		this.anyListeners = [];
		this.sent = [];		// {ev, arg, ack}
		this.emitsAfterClose = [];
	}

	on(ev, fn) {
		(this.listeners[ev] = this.listeners[ev] || []).push(fn);
		return this;
	}

	onAny(fn) {
		this.anyListeners.push(fn);
		return this;
	}

	emit(ev, ...args) {
		if (this.closed)
			this.emitsAfterClose.push(ev);
		const ack = typeof args[args.length - 1] === "function" ?
		    args.pop() : null;
		this.sent.push({ ev, arg: args[0], ack });
		return this;
	}

	// As socket.io-client: "disconnect" only if it was connected.
	disconnect() {
		if (this.closed)
			return this;
		this.closed = true;
		if (this.connected) {
			this.connected = false;
			this._fire("disconnect", "io client disconnect");
		}
		return this;
	}

	close() {
		return this.disconnect();
	}

	_fire(ev, ...args) {
		for (const fn of (this.listeners[ev] || []).slice())
			fn(...args);
	}

	// ---- the server's side ----
	connect() {
		this.connected = true;
		this._fire("connect");
	}

	serverEmit(ev, ...args) {
		for (const fn of this.anyListeners.slice())
			fn(ev, ...args);
		this._fire(ev, ...args);
	}

	refuse(message) {
		const e = new Error(message);
		e.data = { code: message };
		this._fire("connect_error", e);
	}

	drop(reason = "io server disconnect") {
		this.connected = false;
		this.closed = true;
		this._fire("disconnect", reason);
	}

	welcome(id, area, sync) {
		this.connect();
		const w = { id, name: "Ann", area, tick: 1, tick_hz: 20, x: 10,
		    y: 10, speed: 100, character: {}, quests: [],
		    area_quests: [] };
		if (sync !== undefined)
			w.sync = sync;
		this.serverEmit("welcome", w);
	}

	// The tick's delta from what this socket was last sent to ents (a
	// Map, see world()), then its events if any.
	tick(tick, seq, ents, events) {
		const bytes = encodeDelta(tick, seq, this.seen || new Map(),
		    ents);
		this.seen = new Map([...ents].map(([id, e]) =>
		    [id, Object.assign({}, e)]));
		this.serverEmit("delta", bytes);
		if (events && events.length)
			this.serverEmit("events", events);
		return bytes;
	}

	sentOf(ev) {
		return this.sent.filter((s) => s.ev === ev);
	}

	inputSeqs() {
		return this.sentOf("input").map((s) => s.arg.seq);
	}

	// Answers the input with that seq (ok unless answer is given).
	ackInput(seq, answer) {
		const s = this.sentOf("input").find((x) => x.arg.seq === seq);
		assert.ok(s, `no input ${seq} on ${this.url}`);
		s.ack(answer || { ok: true, seq });
	}
}

function fakeIo() {
	const io = (url, opts) => {
		const s = new FakeSocket(url, opts);
		io.sockets.push(s);
		return s;
	};
	io.sockets = [];
	return io;
}

// Everything the client emits, in order, as [name, arg].
function record(c) {
	const log = [];
	const emit = c.emit.bind(c);
	c.emit = (name, ...args) => {
		log.push([name, args[0]]);
		return emit(name, ...args);
	};
	log.names = () => log.map((e) => e[0]);
	log.of = (name) => log.filter((e) => e[0] === name).map((e) => e[1]);
	return log;
}

// A client on a fake io, welcomed in area A with id 7.
function started(opts = {}) {
	const io = fakeIo();
	const c = new ZonedClient(Object.assign({ url: "http://a:7000",
	    ticket: "ta", io }, opts));
	const log = record(c);
	const a = io.sockets[0];
	a.welcome(7, "A");
	return { io, c, log, a };
}

const TRANSFER = { area: "B", client_url: "http://b:7010", ticket: "tb" };

// ---- part 1: against the fake io -------------------------------------

test("connects with the ticket, websocket only, no reconnection", () => {
	const io = fakeIo();
	const c = new ZonedClient({ url: "http://a:7000", ticket: "ta", io,
	    socketOptions: { timeout: 1234, auth: { extra: 1 },
	    reconnection: true } });
	assert.equal(io.sockets.length, 1);
	const s = io.sockets[0];
	assert.equal(s.url, "http://a:7000");
	assert.deepEqual(s.opts.transports, ["websocket"]);
	assert.equal(s.opts.reconnection, false);
	assert.equal(s.opts.forceNew, true);
	assert.equal(s.opts.timeout, 1234);
	assert.deepEqual(s.opts.auth, { extra: 1, ticket: "ta" });
	assert.equal(c.socket, s);
	assert.equal(c.connected, false);
	c.close();
});

test("io may be passed as socket.io-client's module object", () => {
	const io = fakeIo();
	const c = new ZonedClient({ url: "http://a:7000", ticket: "ta",
	    io: { io } });
	assert.equal(io.sockets.length, 1);
	c.close();
	assert.throws(() => new ZonedClient({ url: "http://a", ticket: "t",
	    io: {} }), TypeError);
	assert.throws(() => new ZonedClient({ url: "http://a", io }),
	    TypeError);
});

test("re-emits the game's events", () => {
	const { c, log, a } = started();
	assert.deepEqual(log.names(), ["connect", "welcome"]);
	assert.equal(c.id, 7);
	assert.equal(c.area, "A");
	assert.equal(c.welcome.name, "Ann");
	assert.equal(c.connected, true);
	const st = { tick: 2, seq: 0, players: [], mobs: [], events: [] };
	a.serverEmit("state", st);
	assert.equal(c.lastState, st);
	a.serverEmit("error", { code: "bad_input", message: "no" });
	a.serverEmit("quest_accepted", { ok: true, quest: "q1" });
	a.serverEmit("talk", { npc: "elder", text: "hi" });
	a.serverEmit("newListener", "x");	// not passed on
	assert.deepEqual(log.names(), ["connect", "welcome", "state",
	    "game_error", "quest_accepted", "talk"]);
	assert.deepEqual(log.of("game_error")[0], { code: "bad_input",
	    message: "no" });
	assert.equal(log.of("quest_accepted")[0].quest, "q1");
	assert.equal(log.of("talk")[0].npc, "elder");
	c.close();
});

test("input: seq, payload and acknowledgement", async () => {
	const { c, a } = started();
	const p1 = c.input({ dx: 1, dy: 0 });
	const p2 = c.input({ dx: 0, dy: -1, attack: true, talk: "elder" });
	const p3 = c.input();
	assert.deepEqual(a.sentOf("input").map((s) => s.arg), [
		{ seq: 1, dx: 1, dy: 0 },
		{ seq: 2, dx: 0, dy: -1, attack: true, talk: "elder" },
		{ seq: 3, dx: 0, dy: 0 },
	]);
	a.ackInput(1);
	a.ackInput(2, { ok: false, error: "bad_input" });
	a.ackInput(3);
	assert.deepEqual(await p1, { ok: true, seq: 1 });
	assert.deepEqual(await p2, { ok: false, error: "bad_input" });
	assert.deepEqual(await p3, { ok: true, seq: 3 });
	assert.equal(c.seq, 3);
	c.close();
});

test("acceptQuest sends accept_quest and resolves with the answer",
    async () => {
	const { c, a } = started();
	const p = c.acceptQuest("wolves");
	const s = a.sentOf("accept_quest");
	assert.equal(s.length, 1);
	assert.deepEqual(s[0].arg, { quest: "wolves" });
	s[0].ack({ ok: true, quest: "wolves" });
	assert.deepEqual(await p, { ok: true, quest: "wolves" });
	c.close();
});

test("an unanswered request rejects after the timeout", async () => {
	const { c } = started({ timeout: 30 });
	const t0 = Date.now();
	await assert.rejects(c.input({ dx: 1 }), { code: "timeout" });
	assert.ok(Date.now() - t0 >= 25, "rejected too early");
	await assert.rejects(c.acceptQuest("q", { timeout: 10 }),
	    { code: "timeout" });
	c.close();
});

test("transfer is followed: new socket, old one closed after the welcome, " +
    "no disconnect", async () => {
	const { io, c, log, a } = started();
	const p1 = c.input({ dx: 1 });
	a.ackInput(1);
	await p1;
	a.serverEmit("transfer", TRANSFER);
	assert.equal(io.sockets.length, 2);
	const b = io.sockets[1];
	assert.equal(b.url, "http://b:7010");
	assert.deepEqual(b.opts.auth, { ticket: "tb" });
	assert.deepEqual(b.opts.transports, ["websocket"]);
	assert.equal(b.opts.reconnection, false);
	assert.deepEqual(log.of("transfer"), [{ area: "B", from: "A",
	    url: "http://b:7010" }]);
	assert.equal(c.transferring, true);
	assert.equal(c.socket, a);
	// The old instance still talks until the switch.
	a.serverEmit("state", { tick: 5 });
	assert.equal(c.lastState.tick, 5);
	b.connect();
	assert.equal(a.closed, false, "old socket closed before the welcome");
	b.welcome(3, "B");
	assert.equal(a.closed, true, "old socket not closed after the welcome");
	assert.equal(c.socket, b);
	assert.equal(c.area, "B");
	assert.equal(c.id, 3);
	assert.equal(c.url, "http://b:7010");
	assert.equal(c.transferring, false);
	assert.equal(c.connected, true);
	const tr = log.of("transferred");
	assert.equal(tr.length, 1);
	assert.equal(tr[0].area, "B");
	assert.equal(tr[0].from, "A");
	assert.equal(tr[0].welcome.id, 3);
	assert.ok(Number.isFinite(tr[0].ms));
	const names = log.names();
	assert.deepEqual(names.slice(names.indexOf("transferred")),
	    ["transferred", "welcome"]);
	assert.ok(!names.includes("disconnect"), "disconnect emitted");
	assert.ok(!names.includes("connect_error"));
	// The old socket is let go of: what it still says is dropped.
	a.serverEmit("state", { tick: 6 });
	a.serverEmit("talk", { npc: "x" });
	a.drop("transport close");
	assert.equal(c.lastState.tick, 5);
	assert.ok(!log.names().includes("talk"));
	assert.ok(!log.names().includes("disconnect"));
	assert.deepEqual(a.emitsAfterClose, []);
	// New inputs go to the new socket.
	const p2 = c.input({ dy: 1 });
	assert.deepEqual(b.inputSeqs(), [2]);
	assert.deepEqual(a.inputSeqs(), [1]);
	b.ackInput(2);
	assert.deepEqual(await p2, { ok: true, seq: 2 });
	b.serverEmit("state", { tick: 100 });
	assert.equal(c.lastState.tick, 100);
	c.close();
});

test("inputs during the switch are held and delivered to the new socket " +
    "after its welcome", async () => {
	const { io, c, a } = started();
	c.input({ dx: 1 });
	a.serverEmit("transfer", TRANSFER);
	const b = io.sockets[1];
	const p2 = c.input({ dx: 1, dy: 1 });
	const pq = c.acceptQuest("q2");
	const p3 = c.input({ dx: 0, dy: 1 });
	assert.deepEqual(a.inputSeqs(), [1], "sent to the old socket");
	assert.deepEqual(b.sent, [], "sent before the welcome");
	b.connect();
	assert.deepEqual(b.sent, [], "sent before the welcome");
	b.welcome(3, "B");
	assert.deepEqual(b.sent.map((s) => s.ev), ["input", "accept_quest",
	    "input"]);
	assert.deepEqual(b.inputSeqs(), [2, 3]);
	assert.deepEqual(b.sent[1].arg, { quest: "q2" });
	b.ackInput(2);
	b.sent[1].ack({ ok: true, quest: "q2" });
	b.ackInput(3);
	assert.deepEqual(await p2, { ok: true, seq: 2 });
	assert.deepEqual(await pq, { ok: true, quest: "q2" });
	assert.deepEqual(await p3, { ok: true, seq: 3 });
	c.close();
});

test("a listener of transfer or transferred may send inputs", async () => {
	const { io, c, a } = started();
	const ps = [];
	c.on("transfer", () => ps.push(c.input({ dx: 1 })));
	c.on("transferred", () => ps.push(c.input({ dx: -1 })));
	a.serverEmit("transfer", TRANSFER);
	const b = io.sockets[1];
	b.welcome(3, "B");
	assert.deepEqual(b.inputSeqs(), [1, 2]);
	assert.deepEqual(a.inputSeqs(), []);
	b.ackInput(1);
	b.ackInput(2);
	await Promise.all(ps);
	c.close();
});

test("seq keeps increasing across transfers", async () => {
	const { io, c, a } = started();
	c.input({ dx: 1 });
	c.input({ dx: 1 });
	a.serverEmit("transfer", TRANSFER);
	c.input({ dx: 1 });
	const b = io.sockets[1];
	b.welcome(3, "B");
	c.input({ dx: 1 });
	b.serverEmit("transfer", { area: "C", client_url: "http://c:7020",
	    ticket: "tc" });
	c.input({ dx: 1 });
	const cc = io.sockets[2];
	assert.deepEqual(cc.opts.auth, { ticket: "tc" });
	cc.welcome(9, "C");
	c.input({ dx: 1 });
	assert.equal(b.closed, true);
	assert.equal(c.area, "C");
	const seqs = [a, b, cc].map((s) => s.inputSeqs());
	assert.deepEqual(seqs, [[1, 2], [3, 4], [5, 6]]);
	c.close();
});

test("a refused transfer (connect_error) keeps the old socket and emits " +
    "transfer_error", async () => {
	const { io, c, log, a } = started();
	a.serverEmit("transfer", TRANSFER);
	const b = io.sockets[1];
	const p2 = c.input({ dx: 1 });
	b.refuse("bad ticket");
	assert.deepEqual(log.of("transfer_error"), [{ area: "B",
	    error: "bad ticket" }]);
	assert.equal(b.closed, true, "the refused socket is not closed");
	assert.equal(c.socket, a);
	assert.equal(a.closed, false);
	assert.equal(c.area, "A");
	assert.equal(c.id, 7);
	assert.equal(c.transferring, false);
	assert.equal(c.connected, true);
	assert.ok(!log.names().includes("disconnect"));
	assert.ok(!log.names().includes("transferred"));
	// The held input goes to the old socket, and so do new ones.
	assert.deepEqual(a.inputSeqs(), [1]);
	c.input({ dy: 1 });
	assert.deepEqual(a.inputSeqs(), [1, 2]);
	assert.deepEqual(b.sent, []);
	a.ackInput(1);
	assert.deepEqual(await p2, { ok: true, seq: 1 });
	// The old instance takes the player back; play goes on.
	a.serverEmit("transfer_failed", { area: "B", code: "transfer_timeout",
	    message: "m" });
	assert.equal(log.of("transfer_failed")[0].code, "transfer_timeout");
	a.serverEmit("state", { tick: 9 });
	assert.equal(c.lastState.tick, 9);
	// Late news from the refused socket is dropped.
	b.serverEmit("welcome", { id: 1, area: "B" });
	assert.equal(c.area, "A");
	c.close();
});

test("a transfer with no welcome in time fails with \"timeout\"",
    async () => {
	const { io, c, log, a } = started({ transferTimeout: 30 });
	a.serverEmit("transfer", TRANSFER);
	const b = io.sockets[1];
	b.connect();	// connected, but never welcomed
	await sleep(60);
	assert.deepEqual(log.of("transfer_error"), [{ area: "B",
	    error: "timeout" }]);
	assert.equal(b.closed, true);
	assert.equal(c.socket, a);
	assert.ok(!log.names().includes("disconnect"));
	c.close();
});

test("transfer_failed from the old instance during the switch aborts it",
    async () => {
	const { io, c, log, a } = started();
	a.serverEmit("transfer", TRANSFER);
	const b = io.sockets[1];
	c.input({ dx: 1 });
	a.serverEmit("transfer_failed", { area: "B", code: "transfer_timeout",
	    message: "m" });
	assert.equal(b.closed, true);
	assert.deepEqual(log.of("transfer_error"), [{ area: "B",
	    error: "transfer_failed" }]);
	const names = log.names();
	assert.ok(names.indexOf("transfer_error") <
	    names.indexOf("transfer_failed"));
	assert.deepEqual(a.inputSeqs(), [1]);
	assert.equal(c.socket, a);
	c.close();
});

test("a malformed transfer is not followed", () => {
	const { io, c, log, a } = started();
	a.serverEmit("transfer", { area: "B", client_url: "http://b:7010" });
	assert.equal(io.sockets.length, 1);
	assert.deepEqual(log.of("transfer_error"), [{ area: "B",
	    error: "bad_transfer" }]);
	assert.equal(c.transferring, false);
	c.close();
});

test("inputs answered \"transferring\" are sent again to the new instance",
    async () => {
	const { io, c, a } = started();
	const p1 = c.input({ dx: 1 });
	const s1 = peek(p1);
	a.ackInput(1, { ok: false, error: "transferring" });
	await tick();
	assert.equal(s1.state, "pending");
	const p2 = c.input({ dx: 1, dy: 1 });
	a.serverEmit("transfer", TRANSFER);
	a.ackInput(2, { ok: false, error: "transferring" });	// late answer
	const p3 = c.input({ dx: 0, dy: 1 });
	const b = io.sockets[1];
	b.welcome(3, "B");
	assert.deepEqual(b.inputSeqs(), [1, 2, 3]);
	assert.deepEqual(b.sentOf("input")[0].arg, { seq: 1, dx: 1, dy: 0 });
	b.ackInput(1);
	b.ackInput(2);
	b.ackInput(3);
	assert.deepEqual(await p1, { ok: true, seq: 1 });
	assert.deepEqual(await p2, { ok: true, seq: 2 });
	assert.deepEqual(await p3, { ok: true, seq: 3 });
	c.close();
});

test("inputs answered \"transferring\" resolve with that answer when the " +
    "hand-over fails", async () => {
	const { c, a } = started();
	const p1 = c.input({ dx: 1 });
	a.ackInput(1, { ok: false, error: "transferring" });
	a.serverEmit("transfer_failed", { area: "B", code: "refused",
	    message: "m" });
	assert.deepEqual(await p1, { ok: false, error: "transferring" });
	assert.deepEqual(a.inputSeqs(), [1]);
	const q = started({ timeout: 30 });
	const p = q.c.input({ dx: 1 });
	q.a.ackInput(1, { ok: false, error: "transferring" });
	assert.deepEqual(await within(p, 1000, "the answer"),
	    { ok: false, error: "transferring" });
	const r = started({ resendTransferring: false });
	const pr = r.c.input({ dx: 1 });
	r.a.ackInput(1, { ok: false, error: "transferring" });
	assert.deepEqual(await pr, { ok: false, error: "transferring" });
	c.close();
	q.c.close();
	r.c.close();
});

test("requests left unanswered on the old socket reject with " +
    "\"transferred\"", async () => {
	const { io, c, a } = started();
	const p1 = c.input({ dx: 1 });
	a.serverEmit("transfer", TRANSFER);
	io.sockets[1].welcome(3, "B");
	await assert.rejects(p1, { code: "transferred" });
	c.close();
});

test("the old connection closing during the switch is no disconnect",
    async () => {
	const { io, c, log, a } = started();
	a.serverEmit("transfer", TRANSFER);
	a.serverEmit("error", { code: "transferred", message: "m" });
	a.drop("io server disconnect");
	assert.ok(!log.names().includes("disconnect"));
	assert.ok(!log.names().includes("game_error"));
	const p = c.input({ dx: 1 });
	const b = io.sockets[1];
	b.welcome(3, "B");
	assert.equal(c.connected, true);
	assert.deepEqual(b.inputSeqs(), [1]);
	b.ackInput(1);
	assert.deepEqual(await p, { ok: true, seq: 1 });
	assert.ok(!log.names().includes("disconnect"));
	c.close();
});

test("the old connection gone and the transfer failed: transfer_error, " +
    "then disconnect", async () => {
	const { io, c, log, a } = started();
	a.serverEmit("transfer", TRANSFER);
	const p = c.input({ dx: 1 });
	a.drop("transport close");
	io.sockets[1].refuse("server unavailable");
	const names = log.names();
	assert.deepEqual(names.slice(names.indexOf("transfer_error")),
	    ["transfer_error", "disconnect"]);
	assert.deepEqual(log.of("disconnect"), ["transport close"]);
	await assert.rejects(p, { code: "disconnected" });
	assert.equal(c.closed, true);
	assert.equal(c.connected, false);
});

test("the session ends: one disconnect, pending and later requests reject",
    async () => {
	const { c, log, a } = started();
	const p = c.input({ dx: 1 });
	a.serverEmit("error", { code: "shutdown", message: "draining" });
	a.drop("io server disconnect");
	assert.deepEqual(log.of("game_error")[0].code, "shutdown");
	assert.deepEqual(log.of("disconnect"), ["io server disconnect"]);
	await assert.rejects(p, { code: "disconnected" });
	await assert.rejects(c.input({ dx: 1 }), { code: "disconnected" });
	assert.equal(c.closed, true);
	assert.equal(c.connected, false);
	c.close();
	assert.equal(log.of("disconnect").length, 1);
});

test("close() during a switch closes both sockets, one disconnect",
    async () => {
	const { io, c, log, a } = started();
	a.serverEmit("transfer", TRANSFER);
	const b = io.sockets[1];
	b.connect();
	const p = c.input({ dx: 1 });
	c.close();
	assert.equal(a.closed, true);
	assert.equal(b.closed, true);
	assert.deepEqual(log.of("disconnect"), ["io client disconnect"]);
	assert.ok(!log.names().includes("transfer_error"));
	await assert.rejects(p, { code: "disconnected" });
	b.welcome(3, "B");	// too late: dropped
	assert.equal(c.area, "A");
	assert.equal(log.of("disconnect").length, 1);
});

test("a refused first connection emits connect_error, not disconnect",
    async () => {
	const io = fakeIo();
	const c = new ZonedClient({ url: "http://a:7000", ticket: "ta", io });
	const log = record(c);
	const p = c.input({ dx: 1 });
	io.sockets[0].refuse("unknown ticket");
	assert.deepEqual(log.names(), ["connect_error"]);
	assert.equal(log.of("connect_error")[0].message, "unknown ticket");
	assert.equal(c.closed, true);
	await assert.rejects(p, { code: "disconnected" });
});

test("forgotten requests never become unhandled rejections", async () => {
	let unhandled = 0;
	const onUnhandled = () => unhandled++;
	process.on("unhandledRejection", onUnhandled);
	try {
		const { c } = started({ timeout: 10 });
		c.input({ dx: 1 });
		c.acceptQuest("q");
		await sleep(30);
		c.input({ dx: 1 });
		c.close();
		c.input({ dx: 1 });
		await sleep(10);
		assert.equal(unhandled, 0);
	} finally {
		process.off("unhandledRejection", onUnhandled);
	}
});

// ---- deltas ----------------------------------------------------------

const HIT = { type: "hit", a: MOB + 3, b: 7, value: 5, text: "" };

// A client on a fake io, welcomed with deltas; deltas: [[view, changes]].
function startedDelta(sync = SYNC) {
	const io = fakeIo();
	const c = new ZonedClient({ url: "http://a:7000", ticket: "ta", io });
	const log = record(c);
	const deltas = [];
	c.on("delta", (view, changes) => deltas.push([view, changes]));
	const a = io.sockets[0];
	a.welcome(7, "A", sync);
	return { io, c, log, a, deltas };
}

test("deltas: the view is kept, and each tick's state rebuilt with its " +
    "events", async () => {
	const { c, log, a, deltas } = startedDelta();
	assert.equal(c.view.size, 0);
	a.tick(300, 0, world(ann(), wolf()));
	// The delta is applied at once; its state waits for its events.
	assert.deepEqual(log.names(), ["connect", "welcome", "delta"]);
	assert.equal(deltas[0][0], c.view);
	assert.deepEqual(deltas[0][1], { tick: 300, seq: 0, left: [],
	    entered: [7, MOB + 3], updated: [] });
	assert.equal(c.view.get(7).name, "Ann");
	assert.equal(c.lastState, null);
	// The next delta completes it (no events that tick).
	a.tick(301, 1, world(ann({ x: 11.07, hp: 15 }), wolf({ hp: 9,
	    level: 2 })), [HIT]);
	assert.deepEqual(log.names().slice(2), ["delta", "state", "delta",
	    "state", "events"]);
	const [s300, s301] = log.of("state");
	assert.deepEqual(s300, { tick: 300, seq: 0,
	    players: [{ id: 7, name: "Ann", x: 10, y: 10, hp: 20,
	    max_hp: 20, level: 2, dead: false }],
	    mobs: [{ id: MOB + 3, kind: "wolf", x: 100.125, y: -50, hp: 12,
	    max_hp: 12, state: "wander" }], events: [] });
	assert.deepEqual(deltas[1][1].updated, [7, MOB + 3]);
	assert.equal(s301.tick, 301);
	assert.equal(s301.seq, 1);
	assert.equal(s301.players[0].x, 11.125, "x to 1/8 unit");
	assert.equal(s301.players[0].hp, 15);
	assert.equal(s301.mobs[0].hp, 9);
	assert.equal(s301.mobs[0].state, "chase");
	assert.deepEqual(s301.events, [HIT]);
	assert.deepEqual(log.of("events"), [[HIT]]);
	assert.equal(c.lastState, s301);
	// Events that come a macrotask after their delta still belong to
	// its tick.
	a.tick(302, 2, world(ann({ x: 11.07, hp: 15 }), wolf({ hp: 9,
	    level: 3 })));
	await sleep(5);
	assert.equal(c.lastState.tick, 301, "state emitted before its events");
	a.serverEmit("events", [HIT, HIT]);
	assert.equal(c.lastState.tick, 302);
	assert.deepEqual(c.lastState.events, [HIT, HIT]);
	assert.equal(c.lastState.mobs[0].state, "attack");
	// Any other event completes the tick's state too: the player died,
	// the wolf left the view.
	a.tick(303, 3, world(ann({ x: 11.07, hp: 0 })));
	assert.deepEqual(deltas[3][1].left, [MOB + 3]);
	a.serverEmit("talk", { npc: "elder" });
	assert.deepEqual(log.names().slice(-3), ["delta", "state", "talk"]);
	assert.equal(c.lastState.tick, 303);
	assert.equal(c.lastState.players[0].dead, true);
	assert.deepEqual(c.lastState.mobs, []);
	assert.deepEqual(c.lastState.events, []);
	// So does the end of the connection, before "disconnect".
	a.tick(304, 3, world(ann({ x: 11.07, hp: 0 })));
	a.drop("io server disconnect");
	assert.deepEqual(log.names().slice(-3), ["delta", "state",
	    "disconnect"]);
	assert.equal(c.lastState.tick, 304);
	assert.equal(log.of("state").length, 5);
});

test("deltas: a malformed delta is a game_error bad_delta and ends the " +
    "session", async () => {
	const bad = [
		Buffer.from([4, 1, 0, 0, 0, 0]),		// version 4
		Buffer.from([2, 1, 0, 0, 0, 1, 14, 1, 2, 0]),	// 0x01, P 0
		Buffer.from([1, 5, 0, 1, 9, 0, 0]),		// leave of 9
		{ not: "bytes" },
	];
	for (const bytes of bad) {
		const { c, log, a, deltas } = startedDelta();
		a.tick(1, 0, world(ann()));
		a.serverEmit("delta", bytes);
		assert.equal(deltas.length, 1);
		assert.equal(log.of("state").length, 1, "the good state lost");
		const ge = log.of("game_error");
		assert.equal(ge.length, 1);
		assert.equal(ge[0].code, "bad_delta");
		assert.ok(/delta/.test(ge[0].message), ge[0].message);
		assert.deepEqual(log.of("disconnect"), ["bad_delta"]);
		assert.equal(a.closed, true, "the connection is not closed");
		assert.equal(c.closed, true);
		assert.equal(c.view.get(7).x, 10, "the view changed");
		await assert.rejects(c.input({ dx: 1 }),
		    { code: "disconnected" });
	}
});

test("deltas: a hand-over starts from an empty view; the old " +
    "connection's last state comes first", () => {
	const { io, c, log, a, deltas } = startedDelta();
	a.tick(10, 0, world(ann(), wolf()));
	a.serverEmit("transfer", TRANSFER);
	// The old instance still talks until the switch.
	a.tick(11, 0, world(ann({ x: 12 }), wolf()));
	assert.equal(c.view.get(7).x, 12);
	const oldView = c.view;
	const b = io.sockets[1];
	b.welcome(3, "B", { format: "delta", version: 2, view_radius: 400,
	    mob_kinds: ["boar"] });
	const names = log.names();
	assert.deepEqual(names.slice(names.lastIndexOf("state")),
	    ["state", "transferred", "welcome"]);
	assert.equal(c.lastState.tick, 11);
	assert.notEqual(c.view, oldView);
	assert.equal(c.view.size, 0);
	// What the old connection still says is dropped.
	a.tick(12, 0, world(ann({ x: 13 })));
	assert.equal(deltas.length, 2);
	b.tick(500, 0, world(ann({ id: 3, x: 0, y: 0 }),
	    wolf({ id: MOB, type: 0 })));
	assert.deepEqual(deltas[2][1].entered, [3, MOB]);
	b.serverEmit("events", [{ type: "xp", a: 3, b: 0, value: 1,
	    text: "" }]);
	assert.equal(c.lastState.tick, 500);
	assert.equal(c.lastState.mobs[0].kind, "boar");
	assert.equal(c.lastState.players[0].id, 3);
	assert.equal(c.lastState.events[0].type, "xp");
	c.close();
});

test("deltas: with sync format json the server's states are passed on",
    () => {
	const { c, log, a } = startedDelta({ format: "json" });
	const st = { tick: 2, seq: 0, players: [], mobs: [], events: [] };
	a.serverEmit("state", st);
	assert.equal(c.lastState, st);
	assert.deepEqual(log.of("state"), [st]);
	assert.equal(c.view.size, 0);
	c.close();
});

test("deltas: with states false only the view is kept", () => {
	const io = fakeIo();
	const c = new ZonedClient({ url: "http://a:7000", ticket: "ta", io,
	    states: false });
	const log = record(c);
	const a = io.sockets[0];
	a.welcome(7, "A", SYNC);
	a.tick(1, 0, world(ann(), wolf()), [HIT]);
	a.tick(2, 0, world(ann({ x: 20 }), wolf()));
	a.serverEmit("talk", { npc: "elder" });
	assert.deepEqual(log.names(), ["connect", "welcome", "delta",
	    "events", "delta", "talk"]);
	assert.equal(c.view.get(7).x, 20);
	assert.equal(c.lastState, null);
	const st = { tick: 3, seq: 0, players: [], mobs: [], events: [] };
	a.serverEmit("state", st);
	assert.equal(c.lastState, st);
	c.close();
});

// The C encoder's messages (written by tests/unit/check_delta): format 2,
// the current one, and format 1, as older servers sent it.
for (const version of [2, 1]) {
	const FIXTURE = path.join(__dirname, "..", "..", "..", "tests",
	    "fixtures", `delta-v${version}`);
	const noFixture = fs.existsSync(`${FIXTURE}.bin`) &&
	    fs.existsSync(`${FIXTURE}.json`) ? null :
	    `tests/fixtures/delta-v${version}.* not found`;

	test(`deltas: the C encoder's messages (tests/fixtures/` +
	    `delta-v${version}.bin) applied in order`, () => {
		const bin = fs.readFileSync(`${FIXTURE}.bin`);
		const want = JSON.parse(fs.readFileSync(`${FIXTURE}.json`,
		    "utf8"));
		assert.equal(want.version, version);
		const { c, log, a } = startedDelta();
		let n = 0;
		for (let off = 0; off < bin.length; n++) {
			const len = bin.readUInt32LE(off);
			assert.equal(bin[off + 4], version);
			a.serverEmit("delta", bin.subarray(off + 4,
			    off + 4 + len));
			off += 4 + len;
			const m = want.messages[n];
			assert.equal(c.view.tick, m.tick, `message ${n}: tick`);
			assert.equal(c.view.seq, m.seq, `message ${n}: seq`);
			assert.equal(c.view.size, m.entities,
			    `message ${n}: size`);
			const s = log.of("state");
			if (n > 0) {
				const last = s[s.length - 1];
				assert.equal(s.length, n);
				assert.equal(last.tick,
				    want.messages[n - 1].tick);
				assert.equal(last.players.length +
				    last.mobs.length,
				    want.messages[n - 1].entities);
			}
		}
		assert.equal(n, want.messages.length);
		assert.ok(!log.names().includes("game_error"));
		c.close();
	}, noFixture);
}

// ---- part 2: the real socket.io-client against tiny servers --------

function load(name) {
	try {
		return require(name);
	} catch (e) {
		const dir = path.resolve(__dirname, "../../../tests/integ/" +
		    "node_modules");
		try {
			return require(require.resolve(name, { paths: [dir] }));
		} catch (e2) {
			return null;
		}
	}
}

const sio = load("socket.io-client");
const ws = load("ws");
const noWire = !sio || !ws ? "socket.io-client or ws not found (set " +
    "NODE_PATH=tests/integ/node_modules)" : null;

// A Socket.IO v5 server that knows just enough: tickets, "welcome", acked
// "input"s, and what the test makes it send.
async function tinyServer(area, tickets, sync) {
	const http = require("http");
	const srv = http.createServer((req, res) => {
		res.writeHead(404);
		res.end();
	});
	const wss = new ws.WebSocketServer({ server: srv });
	const st = { area, conns: [], port: 0 };
	let n = 0;
	wss.on("connection", (sock) => {
		const id = ++n;
		const conn = { id, sock, ticket: null, seqs: [], closed: false,
		    said41: false };
		conn.send = (ev, arg) =>
		    sock.send("42" + JSON.stringify([ev, arg]));
		// A binary event: its packet, then the attachment.
		conn.sendBinary = (ev, bytes) => {
			sock.send("451-" + JSON.stringify([ev,
			    { _placeholder: true, num: 0 }]));
			sock.send(bytes);
		};
		conn.seen = new Map();
		conn.tick = (tick, seq, ents, events) => {
			conn.sendBinary("delta", encodeDelta(tick, seq,
			    conn.seen, ents));
			conn.seen = ents;
			if (events && events.length)
				conn.send("events", events);
		};
		st.conns.push(conn);
		sock.send("0" + JSON.stringify({ sid: `${area}${id}`,
		    upgrades: [], pingInterval: 25000, pingTimeout: 20000,
		    maxPayload: 1000000 }));
		sock.on("message", (data) => onMessage(conn, data.toString()));
		sock.on("close", () => { conn.closed = true; });
	});

	function onMessage(conn, m) {
		if (m.startsWith("40")) {
			const auth = m.length > 2 ? JSON.parse(m.slice(2)) : {};
			if (!tickets.has(auth.ticket)) {
				conn.sock.send("44" + JSON.stringify({
				    message: "unknown ticket",
				    data: { code: "unknown_ticket" } }));
				return;
			}
			tickets.delete(auth.ticket);
			conn.ticket = auth.ticket;
			conn.sock.send(`40{"sid":"${area}-s${conn.id}"}`);
			const w = { id: conn.id, name: "Ann", area, tick: 1,
			    tick_hz: 20, x: 0, y: 0, speed: 100, character: {},
			    quests: [], area_quests: [] };
			if (sync !== undefined)
				w.sync = sync;
			conn.send("welcome", w);
		} else if (m === "41") {
			conn.said41 = true;
		} else if (m.startsWith("42")) {
			const ev = /^42(\d*)(\[[\s\S]*)$/.exec(m);
			const [name, arg] = JSON.parse(ev[2]);
			if (name !== "input")
				return;
			conn.seqs.push(arg.seq);
			if (ev[1] !== "")
				conn.sock.send(`43${ev[1]}` + JSON.stringify(
				    [{ ok: true, seq: arg.seq }]));
		}
	}
	await new Promise((r) => srv.listen(0, "127.0.0.1", r));
	st.port = srv.address().port;
	st.url = `http://127.0.0.1:${st.port}`;
	st.close = () => {
		for (const c of st.conns)
			c.sock.terminate();
		wss.close();
		srv.close();
	};
	return st;
}

function once(c, ev, ms) {
	return within(new Promise((r) => c.once(ev, r)), ms, `"${ev}"`);
}

async function untilTrue(fn, ms, what) {
	const end = Date.now() + ms;
	while (!fn()) {
		if (Date.now() > end)
			throw new Error(`timed out after ${ms} ms waiting ` +
			    `for ${what}`);
		await sleep(5);
	}
}

test("socket.io-client: a hand-over between two servers, a refused one and " +
    "one to nowhere", async () => {
	const A = await tinyServer("A", new Set(["ta"]));
	const B = await tinyServer("B", new Set(["tb"]));
	// A port with nobody listening.
	const http = require("http");
	const dead = http.createServer();
	await new Promise((r) => dead.listen(0, "127.0.0.1", r));
	const deadPort = dead.address().port;
	await new Promise((r) => dead.close(r));
	let c;
	try {
		c = new ZonedClient({ url: A.url, ticket: "ta", io: sio.io,
		    timeout: 2000, transferTimeout: 2000 });
		const log = record(c);
		await once(c, "welcome", 3000);
		assert.equal(c.area, "A");
		assert.equal(c.connected, true);
		assert.deepEqual(await c.input({ dx: 1 }),
		    { ok: true, seq: 1 });

		let held;
		c.once("transfer", () => { held = c.input({ dx: -1 }); });
		const done = once(c, "transferred", 3000);
		A.conns[0].send("transfer", { area: "B", client_url: B.url,
		    ticket: "tb" });
		const tr = await done;
		assert.equal(tr.area, "B");
		assert.equal(c.area, "B");
		assert.equal(B.conns[0].ticket, "tb");
		assert.deepEqual(await held, { ok: true, seq: 2 });
		await untilTrue(() => A.conns[0].said41 || A.conns[0].closed,
		    2000, "the old connection to close");
		assert.deepEqual(await c.input({ dy: 1 }),
		    { ok: true, seq: 3 });
		assert.deepEqual(A.conns[0].seqs, [1]);
		assert.deepEqual(B.conns[0].seqs, [2, 3]);
		assert.ok(!log.names().includes("disconnect"),
		    "disconnect emitted during the hand-over");

		// Refused by the target (CONNECT_ERROR).
		const refused = once(c, "transfer_error", 3000);
		B.conns[0].send("transfer", { area: "A", client_url: A.url,
		    ticket: "nope" });
		assert.deepEqual(await refused, { area: "A",
		    error: "unknown ticket" });
		// Nobody there.
		const nowhere = once(c, "transfer_error", 3000);
		B.conns[0].send("transfer", { area: "C", client_url:
		    `http://127.0.0.1:${deadPort}`, ticket: "tc" });
		const te = await nowhere;
		assert.equal(te.area, "C");
		assert.equal(c.area, "B");
		assert.deepEqual(await c.input({ dx: 1 }),
		    { ok: true, seq: 4 });
		assert.deepEqual(B.conns[0].seqs, [2, 3, 4]);
		assert.ok(!log.names().includes("disconnect"));

		// The server ends the session.
		const gone = once(c, "disconnect", 3000);
		B.conns[0].sock.send("41");
		assert.equal(await gone, "io server disconnect");
		assert.equal(c.connected, false);
		assert.equal(log.of("disconnect").length, 1);
	} finally {
		if (c)
			c.close();
		A.close();
		B.close();
	}
}, noWire);

test("socket.io-client: deltas and events over the wire, and a new view " +
    "after a hand-over", async () => {
	const A = await tinyServer("A", new Set(["ta"]), SYNC);
	const B = await tinyServer("B", new Set(["tb"]), { format: "delta",
	    version: 2, view_radius: 400, mob_kinds: ["boar"] });
	let c;
	try {
		c = new ZonedClient({ url: A.url, ticket: "ta", io: sio.io,
		    timeout: 2000, transferTimeout: 2000 });
		const log = record(c);
		await once(c, "welcome", 3000);
		const a = A.conns[0];
		a.tick(1, 0, world(ann({ id: 1 }), wolf()));
		a.tick(2, 0, world(ann({ id: 1, x: 10.5 }), wolf({ hp: 3 })),
		    [HIT]);
		await untilTrue(() => log.of("state").length >= 2, 2000,
		    "two states");
		const [s1, s2] = log.of("state");
		assert.equal(s1.tick, 1);
		assert.deepEqual(s1.events, []);
		assert.equal(s2.tick, 2);
		assert.equal(s2.players[0].x, 10.5);
		assert.equal(s2.mobs[0].kind, "wolf");
		assert.equal(s2.mobs[0].hp, 3);
		assert.deepEqual(s2.events, [HIT]);
		assert.equal(c.view.get(1).name, "Ann");

		const done = once(c, "transferred", 3000);
		a.send("transfer", { area: "B", client_url: B.url,
		    ticket: "tb" });
		await done;
		assert.equal(c.view.size, 0);
		const b = B.conns[0];
		b.tick(100, 0, world(ann({ id: 1, x: 0, y: 0 }),
		    wolf({ id: MOB, type: 0 })));
		b.tick(101, 0, world(ann({ id: 1, x: 0, y: 0 }),
		    wolf({ id: MOB, type: 0, hp: 1 })));
		await untilTrue(() => c.lastState.tick === 100, 2000,
		    "the new instance's state");
		assert.deepEqual(c.lastState.mobs.map((m) => m.kind),
		    ["boar"]);
		assert.equal(c.view.size, 2);
		assert.ok(!log.names().includes("game_error"));
	} finally {
		if (c)
			c.close();
		A.close();
		B.close();
	}
}, noWire);

// Without options.io the client requires socket.io-client itself: that needs
// it on the module path (NODE_PATH), not just found by load() above.
let onPath = null;
try {
	require.resolve("socket.io-client");
} catch (e) {
	onPath = "socket.io-client is not on the module path (set NODE_PATH=" +
	    "tests/integ/node_modules)";
}

test("socket.io-client: the default io is socket.io-client's", async () => {
	const A = await tinyServer("A", new Set(["ta"]));
	let c;
	try {
		c = new ZonedClient({ url: A.url, ticket: "ta" });
		const w = await once(c, "welcome", 3000);
		assert.equal(w.area, "A");
		assert.equal(c.id, 1);
	} finally {
		if (c)
			c.close();
		A.close();
	}
}, noWire || onPath);

// ---- run -------------------------------------------------------------

async function main() {
	const watchdog = setTimeout(() => {
		console.log("FAIL: selftest did not finish within 30 s");
		process.exit(1);
	}, 30000);
	let passed = 0;
	let failed = 0;
	let skipped = 0;
	for (const t of tests) {
		if (t.skip) {
			skipped++;
			console.log(`skip: ${t.name}: ${t.skip}`);
			continue;
		}
		try {
			await within(Promise.resolve().then(t.fn), 10000,
			    t.name);
			passed++;
			console.log(`ok: ${t.name}`);
		} catch (e) {
			failed++;
			console.log(`FAIL: ${t.name}: ` +
			    `${e && e.message ? e.message : e}`);
		}
	}
	clearTimeout(watchdog);
	console.log(`selftest: ${passed} passed, ${failed} failed, ` +
	    `${skipped} skipped`);
	process.exit(failed ? 1 : 0);
}

main();
