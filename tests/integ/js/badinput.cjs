// Bad input from clients (badinput.test):
//   node badinput.cjs CONTROL_URL CLIENT_PORT DATA_DIR
// zoned must be running meadow with --max-payload 10000 --connect-timeout
// 500 --ping-interval 300 --ping-timeout 200, with its Character and Quest
// Data APIs at file://DATA_DIR (an existing directory): the characters
// announced here are put on file there first, since the file:// Quest Data
// API knows only characters it holds. A healthy socket.io-client
// plays throughout while raw TCP and hand-made WebSocket clients send what
// they should not; after each, the healthy client must still be getting
// states.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { DeltaView } = require(path.join(__dirname, "..", "..", "..",
    "clients", "js", "delta.cjs"));
const {
	ok, fail, check, sleep, until, deadline, controlPlane, expectStatus,
	Client,
} = require("./testlib.cjs");
const {
	WS_PATH, RawWs, frame, upgradeRequest, rawHttp,
} = require("./rawclient.cjs");

const [ctlUrl, portArg, dataDir] = process.argv.slice(2);
if (!ctlUrl || !portArg || !dataDir) {
	console.error("usage: badinput.cjs CONTROL_URL CLIENT_PORT DATA_DIR");
	process.exit(64);
}
const port = Number(portArg);
const ctl = controlPlane(ctlUrl);
const MAX_PAYLOAD = 10000, CONNECT_TIMEOUT = 500;
const PING_INTERVAL = 300, PING_TIMEOUT = 200;

const upgradeHead = (target, extra) => upgradeRequest(port, target, extra);

// ---- a WebSocket client made by hand, that plays ------------------------------

// A raw WebSocket client that reads Engine.IO and Socket.IO: the open
// packet, the CONNECT answer's sid, events (states apart) and acks. The
// binary event "delta" (451-["delta",{placeholder}], then its attachment)
// is applied to a DeltaView; its tick and seq (or a JSON state) go to
// states, a delta that does not decode to badDeltas.
class RawPlayer extends RawWs {
	constructor(name, o = {}) {
		super(port);
		this.name = name;
		this.autoPong = o.autoPong !== false;
		this.texts = [];	// text messages from the server
		this.binaries = 0;
		this.events = [];	// [name, arg] of 42 packets
		this.acks = new Map();	// ack id -> arg
		this.states = [];	// {tick, seq}, or JSON states
		this.view = new DeltaView();
		this.attachment = null;	// the binary event waiting for it
		this.badDeltas = [];
		this.closeCode = null;	// from the server's close frame
		this.sid = null;
	}

	onFrame({ opcode, payload }) {
		if (opcode === 8) {
			this.closeCode = payload.length >= 2 ?
			    payload.readUInt16BE(0) : 1005;
			this.closeReason = payload.subarray(2).toString();
			return;
		}
		if (opcode === 2) {
			this.binaries++;
			if (this.attachment === "delta") {
				try {
					const c = this.view.apply(payload);
					this.states.push({ tick: c.tick,
					    seq: c.seq });
				} catch (e) {
					this.badDeltas.push(e.message);
				}
			}
			this.attachment = null;
			return;
		}
		if (opcode !== 1)
			return;
		const t = payload.toString();
		this.texts.push(t);
		if (t === "2" && this.autoPong)
			this.send("3");
		if (t.startsWith("0{"))
			this.open = JSON.parse(t.slice(1));
		else if (t.startsWith("40{"))
			this.sid = JSON.parse(t.slice(2)).sid;
		else if (t.startsWith("451-["))
			this.attachment = JSON.parse(t.slice(4))[0];
		else if (t.startsWith("42[")) {
			const [name, arg] = JSON.parse(t.slice(2));
			if (name === "state")
				this.states.push(arg);
			else
				this.events.push([name, arg]);
		} else {
			const m = /^43(\d+)(\[.*)$/.exec(t);
			if (m)
				this.acks.set(Number(m[1]), JSON.parse(m[2])[0]);
		}
	}

	// The upgrade and the Engine.IO open packet.
	async handshake(head = upgradeHead()) {
		await until(() => this.sock.readyState === "open" || this.ended,
		    2000, `${this.name}: TCP connect`);
		this.write(head);
		await until(() => this.open || this.ended, 3000,
		    `${this.name}: the open packet`);
		check(this.open, `${this.name}: closed before the open packet: ` +
		    `${this.head}`);
		return this;
	}

	// CONNECT to "/" with a ticket: the CONNECT answer, then welcome.
	async join(ticket) {
		await this.handshake();
		this.send(`40${JSON.stringify({ ticket })}`);
		await until(() => this.events.find((e) => e[0] === "welcome") ||
		    this.ended, 3000, `${this.name}: welcome`);
		check(this.sid, `${this.name}: not joined: ${this.texts}`);
		return this;
	}

	async closed(ms, what) {
		await until(() => this.ended, ms, `${this.name}: ${what}`);
		return this.closeCode;
	}

	errorsWith(code) {
		return this.events.filter((e) => e[0] === "error" &&
		    e[1].code === code);
	}

	async error(code, ms = 2000) {
		return until(() => this.errorsWith(code).length, ms,
		    `${this.name}: error ${code}`);
	}

	// Still in the game: an input is acknowledged and states keep coming.
	async alive(seq) {
		const id = 900000 + seq;
		this.send(`42${id}["input",{"seq":${seq},"dx":0,"dy":0}]`);
		const a = await until(() => this.acks.get(id) || this.ended, 2000,
		    `${this.name}: the ack of input ${seq}`);
		check(!this.ended, `${this.name}: closed`);
		check(a.ok === true && a.seq === seq, `${this.name}: input ` +
		    `${seq} answered ${JSON.stringify(a)}`);
		const n = this.states.length;
		await until(() => this.states.length > n + 1, 2000,
		    `${this.name}: states`);
		check(!this.ended, `${this.name}: closed`);
		check(this.badDeltas.length === 0, `${this.name}: deltas that ` +
		    `do not decode: ${this.badDeltas}`);
	}
}

// ---- the healthy client ---------------------------------------------------------

let healthy;

// After each bad client: the healthy one is still in and still served.
async function stillHealthy(what) {
	const n = healthy.states.length;
	await until(() => healthy.states.length > n + 1, 1500,
	    `the healthy client's states after ${what}`);
	check(healthy.connected && healthy.disconnects.length === 0,
	    `the healthy client was disconnected after ${what}`);
	check(healthy.errors.length === 0, `the healthy client got errors ` +
	    `after ${what}: ${JSON.stringify(healthy.errors)}`);
}

// Announces ticket t for a character (version 1, inline), put on file
// first.
async function announce(t, id, name) {
	const dir = path.join(dataDir, "characters");
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, `${id}.json`),
	    JSON.stringify({ id, name, version: 1 }));
	await expectStatus(ctl, "POST", "/v1/pending", {
		ticket: t, character_id: id,
		character: { id, name, version: 1 },
	}, 201, `announce ${t}`);
}

let tickets = 0;
async function ticket() {
	const t = `t-r${++tickets}`;
	await announce(t, `r${tickets}`, `Raw ${tickets}`);
	return t;
}

async function main() {
	const done = deadline(27000);

	await announce("t-h", "h1", "Healthy");
	healthy = new Client(port, { ticket: "t-h" }, { name: "healthy" });
	await healthy.joined();
	await healthy.stateCount(2, 2000);
	const startStates = healthy.states.length;
	ok("the healthy client is in");

	// ---- malformed HTTP ------------------------------------------------------
	const httpCases = [
		["a garbage request line", ["GARBAGE\r\n\r\n"], 400],
		["a request line with no version",
		    ["GET /socket.io/\r\n\r\n"], 400],
		["binary junk", [crypto.randomBytes(64).fill(1, 0, 1)], 400],
		["a NUL in the request", ["GET /\0 HTTP/1.1\r\n\r\n"], 400],
		["bare LF line ends",
		    [`GET ${WS_PATH} HTTP/1.1\nHost: x\n\n`], 400],
		["a folded header", [upgradeHead(WS_PATH, "X-A: 1\r\n  2\r\n")],
		    400],
		["a header without a colon", [upgradeHead(WS_PATH, "Oops\r\n")],
		    400],
		["a header over 8 KiB",
		    [upgradeHead(WS_PATH, `X-Big: ${"a".repeat(9000)}\r\n`)], 431],
		["8 KiB of headers without an end",
		    [`GET ${WS_PATH} HTTP/1.1\r\nX-Big: ${"a".repeat(9000)}`], 431],
		["HTTP/1.0", [`GET ${WS_PATH} HTTP/1.0\r\n\r\n`], 505],
		["a 2000-byte query",
		    [upgradeHead(`${WS_PATH}&x=${"a".repeat(2000)}`)], 414],
		["a 300-byte path",
		    [upgradeHead(`/${"p".repeat(300)}?EIO=4&transport=websocket`)],
		    414],
		["the head in 3 pieces, as a polling request", [
		    "GET /socket.io/?EIO=4&transport=pol",
		    "ling HTTP/1.1\r\nHost: x\r\n",
		    "\r\n"], 400, "Transport unknown"],
		["a polling request",
		    ["GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n" +
		    "Host: x\r\n\r\n"], 400, "Transport unknown"],
		["EIO=3", [upgradeHead("/socket.io/?EIO=3&transport=websocket")],
		    400, "Unsupported protocol version"],
		["no EIO", [upgradeHead("/socket.io/?transport=websocket")], 400,
		    "Unsupported protocol version"],
		["a sid", [upgradeHead(`${WS_PATH}&sid=abc`)], 400,
		    "Session ID unknown"],
		["POST", [upgradeHead(WS_PATH).replace(/^GET/, "POST")], 400,
		    "Bad handshake method"],
		["no Upgrade header",
		    [`GET ${WS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`], 400,
		    "Bad request"],
		["another path", [upgradeHead("/engine.io/?EIO=4&transport=websocket")],
		    404],
		["Sec-WebSocket-Version 8",
		    [upgradeHead().replace("Version: 13", "Version: 8")], 426],
	];
	for (const [what, chunks, status, message] of httpCases) {
		const r = await rawHttp(port, chunks);
		check(r.status === status, `${what}: expected HTTP ${status}, got ` +
		    `${JSON.stringify(r.data.slice(0, 200))}`);
		check(r.closed, `${what}: the connection was left open`);
		if (message)
			check(r.body.includes(`"message":"${message}"`),
			    `${what}: body ${r.body}`);
		ok(`${what}: HTTP ${status}${message ? " " + message : ""}, closed`);
	}
	await stillHealthy("the malformed HTTP requests");

	// ---- WebSocket frames that break RFC 6455 ----------------------------------
	// wslay 1.1 answers a malformed control frame with a close frame
	// that has no status code (1005 here), not 1002: still closed.
	const frameCases = [
		["an unmasked frame", () => frame(1, "40", { mask: false })],
		["opcode 3 (reserved)", () => frame(3, "40")],
		["opcode 0xB (reserved control)", () => frame(0xb, "")],
		["RSV1 set", () => frame(1, "40", { rsv: 4 })],
		["a continuation with nothing to continue", () => frame(0, "40")],
		["a fragmented ping", () => frame(9, "x", { fin: false }), 1005],
		["a ping of 126 bytes", () => frame(9, "x".repeat(126)), 1005],
	];
	for (const [what, make, alt] of frameCases) {
		const w = await new RawPlayer(what).handshake();
		w.write(make());
		const code = await w.closed(2000, `closed after ${what}`);
		check(code === 1002 || code === alt, `${what}: close code ${code}`);
		ok(`${what}: closed with ${code}`);
	}
	{
		// RFC 6455 8.1: text that is not UTF-8 fails the connection (1007).
		const w = await new RawPlayer("invalid UTF-8").join(await ticket());
		w.write(frame(1, Buffer.concat([Buffer.from('42["'),
		    Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('",1]')])));
		const code = await w.closed(2000, "closed after invalid UTF-8");
		check(code === 1007, `invalid UTF-8: close code ${code}`);
		ok("a text frame that is not UTF-8: closed with 1007");
	}
	await stillHealthy("the bad frames");

	// ---- too big ---------------------------------------------------------------
	{
		const t = await ticket();
		const w = await new RawPlayer("exactly max-payload").join(t);
		const msg = `42["chat","${"x".repeat(MAX_PAYLOAD - 13)}"]`;
		check(msg.length === MAX_PAYLOAD, "bad arithmetic");
		w.send(msg);
		await w.error("unknown_event");
		await w.alive(1);
		ok(`a message of exactly ${MAX_PAYLOAD} bytes is read ` +
		    "(unknown_event, still connected)");
		w.destroy();
	}
	// The close frame must reach the client: zoned closes with the rest of
	// the big message unread, so unless it lingers (reads and drops until
	// the client closes) the kernel answers with a reset, which can
	// overtake the close frame. Hence several tries.
	const tooBig = [];
	for (let i = 1; i <= 8; i++)
		tooBig.push([`a message of max-payload + 1 bytes (try ${i})`,
		    () => frame(1, `42["chat","${"x".repeat(MAX_PAYLOAD - 12)}"]`)]);
	for (const [what, make] of [
		...tooBig,
		["a 100 kB message", () => frame(1, "4" + "x".repeat(100000))],
		["a frame announcing 2^62 bytes", () => Buffer.concat([
		    Buffer.from([0x81, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0]),
		    crypto.randomBytes(4)])],
		["max-payload + 1 bytes in two fragments", () => Buffer.concat([
		    frame(1, "4" + "x".repeat(5000), { fin: false }),
		    frame(0, "x".repeat(MAX_PAYLOAD - 5000))])],
	]) {
		const t = await ticket();
		const w = await new RawPlayer(what).join(t);
		w.write(make());
		const code = await w.closed(2000, `closed after ${what}`);
		check(code === 1009, `${what}: close code ${code}, expected 1009`);
		ok(`${what}: closed with 1009`);
	}
	await stillHealthy("the messages over max-payload");

	// ---- Engine.IO and Socket.IO packets that do not parse --------------------
	const packetCases = [
		// [what, message, expected close code]
		["a non-JSON event 42[", "42[", 1008],
		["an event that is not an array", '42{"a":1}', 1008],
		["an event whose name is not a string", "42[1,2]", 1008],
		["an empty event array", "42[]", 1008],
		["Socket.IO packet type 9", '49["input"]', 1008],
		["Socket.IO packet type 7", "47", 1008],
		["an ACK from the client", "431[]", 1008],
		["a CONNECT_ERROR from the client", '44{"message":"x"}', 1008],
		["a second CONNECT", '40{"ticket":"x"}', 1008],
		["an event with trailing junk", '42["input",{}]]', 1008],
		["a binary event with a bad attachment count", '45x-["a"]', 1008],
		["a binary event with placeholders that do not match",
		    '451-["input",{"_placeholder":true,"num":3}]', null],
		["Engine.IO packet type 9", "9", 1002],
		["an empty Engine.IO message", "", 1002],
		["an Engine.IO open packet from the client", "0", 1002],
		["an Engine.IO upgrade packet", "5", 1002],
	];
	for (const [what, msg, want] of packetCases) {
		const t = await ticket();
		const w = await new RawPlayer(what).join(t);
		w.send(msg);
		if (want === null)	// closes when the attachment arrives
			w.write(frame(2, Buffer.from([1, 2, 3])));
		const code = await w.closed(2000, `closed after ${what}`);
		check(code === (want || 1008), `${what}: close code ${code}, ` +
		    `expected ${want || 1008}`);
		ok(`${what}: closed with ${code}`);
	}
	{
		const w = await new RawPlayer("binary with no packet")
		    .join(await ticket());
		w.write(frame(2, Buffer.from([1, 2, 3])));
		const code = await w.closed(2000, "closed after a stray binary");
		check(code === 1008, `a stray binary message: close code ${code}`);
		ok("a binary message with no packet: closed with 1008");
	}
	{
		const w = await new RawPlayer("CONNECT with bad JSON").handshake();
		w.send("40{");
		check(await w.closed(2000, "closed") === 1008,
		    `CONNECT with bad JSON: close code ${w.closeCode}`);
		const v = await new RawPlayer("CONNECT with a string").handshake();
		v.send('40"t-h"');
		check(await v.closed(2000, "closed") === 1008,
		    `CONNECT with a string: close code ${v.closeCode}`);
		ok("CONNECT with bad JSON or a non-object: closed with 1008");
	}
	{
		const w = await new RawPlayer("Engine.IO close").join(await ticket());
		w.send("1");
		const code = await w.closed(2000, "closed after an Engine.IO close");
		check(code === 1000, `Engine.IO close: close code ${code}`);
		ok("an Engine.IO close packet: closed with 1000");
	}
	await stillHealthy("the malformed packets");

	// ---- events that are refused, the connection stays ---------------------------
	const w = await new RawPlayer("player").join(await ticket());
	w.send('42["fly",{"to":"moon"}]');
	await w.error("unknown_event");
	w.send('427["teleport"]');
	await until(() => w.acks.get(7), 2000, "the ack of an unknown event");
	check(w.acks.get(7).ok === false && w.acks.get(7).error ===
	    "unknown_event", `ack: ${JSON.stringify(w.acks.get(7))}`);
	w.send('451-["input",{"_placeholder":true,"num":0}]');
	w.write(frame(2, Buffer.from([1])));
	await until(() => w.errorsWith("unknown_event").length >= 3, 2000,
	    "unknown_event for an input with an attachment");
	w.send('42/other,["input",{"seq":1,"dx":1,"dy":0}]');
	await w.alive(1);
	check(w.events.filter((e) => e[0] === "error").length === 3,
	    `errors: ${JSON.stringify(w.events)}`);
	ok("unknown events: error unknown_event (and a refused ack), still " +
	    "connected; an event for another namespace is ignored");

	const bad = [
		'["input"]',
		'["input",5]',
		'["input",null]',
		'["input",[1,0,0]]',
		'["input",{"seq":2}]',
		'["input",{"dx":1,"dy":0}]',
		'["input",{"seq":0,"dx":1,"dy":0}]',
		'["input",{"seq":-3,"dx":1,"dy":0}]',
		'["input",{"seq":2.5,"dx":1,"dy":0}]',
		'["input",{"seq":"2","dx":1,"dy":0}]',
		'["input",{"seq":9007199254740992,"dx":1,"dy":0}]',
		'["input",{"seq":1e400,"dx":1,"dy":0}]',
		'["input",{"seq":2,"dx":1.5,"dy":0}]',
		'["input",{"seq":2,"dx":1,"dy":-1.01}]',
		'["input",{"seq":2,"dx":"1","dy":0}]',
		'["input",{"seq":2,"dx":null,"dy":0}]',
		'["input",{"seq":2,"dx":true,"dy":0}]',
		'["input",{"seq":2,"dx":1e400,"dy":0}]',
		'["input",{"seq":2,"dx":1,"dy":0},"extra"]',
	];
	for (const [i, args] of bad.entries()) {
		const before = w.errorsWith("bad_input").length;
		w.send(`42${100 + i}${args}`);
		await until(() => w.errorsWith("bad_input").length > before &&
		    w.acks.get(100 + i), 2000, `bad_input for ${args}`);
		check(w.acks.get(100 + i).ok === false &&
		    w.acks.get(100 + i).error === "bad_input",
		    `the ack for ${args}: ${JSON.stringify(w.acks.get(100 + i))}`);
	}
	check(!w.ended, "closed by bad inputs");
	// None of them moved the player or counted as a seq: 2 is still good.
	await w.alive(2);
	check(w.states[w.states.length - 1].seq === 2,
	    `state seq ${w.states[w.states.length - 1].seq} after input 2`);
	ok(`${bad.length} malformed inputs: error bad_input each, still ` +
	    "connected, seq unchanged");

	w.send('42["input",{"seq":10,"dx":0,"dy":0}]');
	w.send('42["input",{"seq":10,"dx":1,"dy":0}]');
	w.send('42["input",{"seq":4,"dx":1,"dy":0}]');
	await until(() => w.errorsWith("stale_seq").length >= 2, 2000,
	    "two stale_seq errors");
	await w.alive(11);
	check(w.errorsWith("stale_seq").length === 2,
	    `stale_seq errors: ${w.errorsWith("stale_seq").length}`);
	ok("a repeated and an older seq: error stale_seq each, still connected");

	// 100 inputs in one write: at most 64 fit in one tick; zoned stops
	// reading until the tick takes them (backpressure), so every one is
	// applied, over two ticks or more, and none is refused.
	const burst = [];
	for (let i = 1; i <= 100; i++)
		burst.push(frame(1, `42${1000 + i}["input",` +
		    `{"seq":${100 + i},"dx":0,"dy":0}]`));
	w.write(Buffer.concat(burst));
	await until(() => {
		for (let i = 1; i <= 100; i++)
			if (!w.acks.has(1000 + i))
				return false;
		return true;
	}, 3000, "100 acks");
	let accepted = 0, maxSeq = 0;
	for (let i = 1; i <= 100; i++) {
		const a = w.acks.get(1000 + i);
		check(a.ok && a.seq === 100 + i,
		    `burst ack ${i}: ${JSON.stringify(a)}`);
		accepted++;
		maxSeq = a.seq;
	}
	check(w.errorsWith("input_overflow").length === 0,
	    `${w.errorsWith("input_overflow").length} input_overflow errors`);
	await until(() => w.states.length && w.states[w.states.length - 1]
	    .seq === maxSeq, 2000, `a state with seq ${maxSeq}`);
	await w.alive(500);
	ok(`100 inputs at once: all ${accepted} applied over several ticks ` +
	    "(reading held while the tick's queue is full), none refused, " +
	    "still connected");
	w.destroy();
	await stillHealthy("the refused events");

	// ---- timeouts ----------------------------------------------------------------
	{
		const n = new RawPlayer("no CONNECT");
		await n.handshake();
		const t0 = Date.now();
		const code = await n.closed(CONNECT_TIMEOUT + 2500,
		    "closed for want of a CONNECT");
		const dt = n.endedAt - t0;
		check(code === 1008, `no CONNECT: close code ${code}`);
		check(dt >= CONNECT_TIMEOUT - 100 && dt < CONNECT_TIMEOUT + 2000,
		    `no CONNECT: closed after ${dt} ms, connect-timeout ` +
		    `${CONNECT_TIMEOUT}`);
		ok(`no CONNECT: closed with 1008 after ${dt} ms`);
	}
	{
		const deaf = new RawPlayer("deaf", { autoPong: false });
		const t0 = Date.now();
		await deaf.join(await ticket());
		const limit = PING_INTERVAL + PING_TIMEOUT;
		await deaf.closed(limit + 2500, "dropped for not answering pings");
		const dt = deaf.endedAt - t0;
		check(deaf.texts.includes("2"), "the deaf client was never pinged");
		check(dt >= limit - 100 && dt < limit + 2000,
		    `deaf client dropped after ${dt} ms, expected about ${limit}`);
		check(deaf.closeCode === null, `deaf client: a close frame ` +
		    `(${deaf.closeCode}); zoned-protocol(7) says none`);
		ok(`a client that ignores pings: dropped after ${dt} ms`);
	}
	await stillHealthy("the timeouts");

	// ---- an unknown event with a long name in UTF-8 ------------------------------
	{
		// The error message quotes the name, cut to 64 bytes: a cut in
		// the middle of a character would send invalid UTF-8, and the
		// client must then drop the connection (1007).
		await announce("t-u", "u1", "U");
		const u = new Client(port, { ticket: "t-u" }, { name: "U" });
		await u.joined();
		u.sock.emit("a" + "\u00e9".repeat(40), 1);
		await until(() => u.errors.length || u.disconnects.length, 2000,
		    "U: an error for its unknown event");
		await sleep(100);
		check(u.connected && u.disconnects.length === 0,
		    `U was dropped (${u.disconnects}) after an unknown event ` +
		    "with a long UTF-8 name");
		check(u.errors[0].code === "unknown_event",
		    `U: ${JSON.stringify(u.errors)}`);
		ok("an unknown event named with 81 bytes of UTF-8: " +
		    "unknown_event, still connected");
		u.close();
	}
	await stillHealthy("the long UTF-8 event name");

	// ---- the end ------------------------------------------------------------------
	const st = await expectStatus(ctl, "GET", "/v1/status", undefined, 200,
	    "GET /v1/status at the end");
	check(st.state === "running" && st.area === "meadow",
	    `status at the end: ${JSON.stringify(st)}`);
	let s2 = st;
	const end = Date.now() + 3000;
	while (s2.clients !== 1 || s2.players !== 1) {
		if (Date.now() > end)
			fail(`status at the end: clients ${s2.clients}, players ` +
			    `${s2.players}; expected only the healthy client`);
		await sleep(50);
		s2 = (await ctl("GET", "/v1/status")).body;
	}
	ok("status: only the healthy client is left (clients 1, players 1)");
	check(healthy.disconnects.length === 0 && healthy.connected,
	    "the healthy client was disconnected");
	const gap = healthy.maxGap(startStates);
	check(gap < 1000, `the healthy client went ${gap} ms without a state`);
	const r = await healthy.sock.timeout(2000).emitWithAck("input",
	    { seq: 1, dx: 1, dy: 0 });
	check(r && r.ok === true, `the healthy client's input: ` +
	    `${JSON.stringify(r)}`);
	ok(`the healthy client saw no disconnect and no error, ` +
	    `${healthy.states.length - startStates} states, longest gap ` +
	    `${gap} ms`);
	healthy.close();
	done();
}

main().then(() => process.exit(0), (e) => fail(e.stack || String(e)));
