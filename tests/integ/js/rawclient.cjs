// Hand-made clients for the node halves of the integration tests, for what
// socket.io-client will not do or will not show:
//   EioClient       Engine.IO over the ws package; queues what it receives
//   frame, closePayload, upgradeRequest
//                   WebSocket frames and the upgrade request, made by hand
//   RawWs           a WebSocket client on a bare TCP socket that parses the
//                   answer's head and the server's frames
//   rawHttp         bytes out, the answer back, on a bare TCP socket
"use strict";
const net = require("net");
const crypto = require("crypto");
const WebSocket = require("ws");
const { sleep } = require("./testlib.cjs");

const WS_PATH = "/socket.io/?EIO=4&transport=websocket";

function wsUrl(port, path = WS_PATH) {
	return `ws://127.0.0.1:${port}${path}`;
}

// Something to wait on: waitFor(cond, timeout, what) calls cond at once and
// whenever wake() is called, and returns its first value that is not
// undefined (cond may throw instead); it throws after timeout ms.
class Waitable {
	constructor() {
		this.waiter = null;
	}

	wake() {
		const w = this.waiter;
		this.waiter = null;
		if (w)
			w();
	}

	async waitFor(cond, timeout, what) {
		const deadline = Date.now() + timeout;
		for (;;) {
			const v = cond();
			if (v !== undefined)
				return v;
			const left = deadline - Date.now();
			if (left <= 0)
				throw new Error(`timed out after ${timeout} ms ` +
				    `waiting for ${what}`);
			await new Promise((res) => {
				const t = setTimeout(res, left);
				this.waiter = () => { clearTimeout(t); res(); };
			});
		}
	}
}

// ---- Engine.IO over the ws package ---------------------------------------------

// A WebSocket client that queues what it receives in msgs ({binary, at,
// data}: a string, or a Buffer). Server pings ("2") are counted in pings,
// answered and not queued, unless opts.autoPong is false (then they are
// queued, not answered). opts.ws goes to the WebSocket constructor. The
// methods that wait throw on a timeout or when the connection closes first.
class EioClient extends Waitable {
	constructor(url, opts = {}) {
		super();
		this.autoPong = opts.autoPong !== false;
		this.msgs = [];
		this.pings = 0;
		this.closeInfo = null;	// {code, reason, at}
		this.error = null;
		this.headers = null;	// of the 101 answer
		this.openedAt = 0;	// when the WebSocket opened
		this.eioSid = null;
		this.ws = new WebSocket(url, opts.ws || {});
		this.ws.on("upgrade", (res) => { this.headers = res.headers; });
		this.ws.on("open", () => { this.openedAt = Date.now(); });
		this.ws.on("message", (data, isBinary) => {
			const m = { binary: isBinary, at: Date.now(),
			    data: isBinary ? Buffer.from(data) :
			    data.toString("utf8") };
			if (!isBinary && m.data === "2") {
				this.pings++;
				if (this.autoPong) {
					this.ws.send("3");
					this.wake();
					return;
				}
			}
			this.msgs.push(m);
			this.wake();
		});
		this.ws.on("close", (code, reason) => {
			this.closeInfo = { code, reason: reason.toString(),
			    at: Date.now() };
			this.wake();
		});
		this.ws.on("error", (e) => { this.error = e; });
	}

	async next(what, timeout = 2000) {
		return this.waitFor(() => {
			if (this.msgs.length)
				return this.msgs.shift();
			if (this.closeInfo)
				throw new Error(`connection closed (code ` +
				    `${this.closeInfo.code} ${this.closeInfo.reason}` +
				    `) while waiting for ${what}` +
				    (this.error ? ` (${this.error.message})` : ""));
			return undefined;
		}, timeout, what);
	}

	async text(what, timeout = 2000) {
		const m = await this.next(what, timeout);
		if (m.binary)
			throw new Error(`expected text (${what}), got a binary ` +
			    `frame of ${m.data.length} bytes`);
		return m.data;
	}

	async binary(what, timeout = 2000) {
		const m = await this.next(what, timeout);
		if (!m.binary)
			throw new Error(`expected a binary frame (${what}), got ` +
			    `text ${m.data}`);
		return m.data;
	}

	async expect(want, what, timeout = 2000) {
		const got = await this.text(what, timeout);
		if (got !== want)
			throw new Error(`${what}: expected ${want}, got ${got}`);
		return got;
	}

	async expectBinary(want, what) {
		const got = await this.binary(what);
		if (!got.equals(Buffer.from(want)))
			throw new Error(`${what}: expected bytes ` +
			    `[${[...want]}], got [${[...got]}]`);
	}

	async closed(timeout, what) {
		return this.waitFor(() => this.closeInfo || undefined, timeout,
		    what || "the connection to close");
	}

	// Nothing but pings for ms, and still open.
	async quiet(ms, what) {
		await sleep(ms);
		if (this.msgs.length)
			throw new Error(`${what}: unexpected ` +
			    `${this.msgs[0].binary ? "binary frame" :
			    this.msgs[0].data}`);
		if (this.closeInfo)
			throw new Error(`${what}: the connection closed ` +
			    `(code ${this.closeInfo.code})`);
	}

	// The handshake: returns the parsed open packet, and keeps its sid.
	async open() {
		const t = await this.text("the open packet");
		if (t[0] !== "0")
			throw new Error(`first frame is not an open packet: ${t}`);
		const o = JSON.parse(t.slice(1));
		this.eioSid = o.sid;
		return o;
	}

	// Resolves once written. A failure is thrown to whoever awaits it and
	// ignored otherwise, like that of a send without a callback.
	send(data, opts) {
		const p = new Promise((res, rej) => this.ws.send(data, opts || {},
		    (e) => (e ? rej(e) : res())));
		p.catch(() => {});
		return p;
	}

	kill() {
		this.ws.terminate();
	}
}

// ---- WebSocket by hand -------------------------------------------------------------

// A frame as a client sends it: masked unless o.mask is false; o.fin false
// for a fragment, o.rsv for the RSV bits (4 is RSV1).
function frame(opcode, payload, o = {}) {
	const fin = o.fin === false ? 0 : 0x80;
	const rsv = (o.rsv || 0) << 4;
	const masked = o.mask !== false;
	const p = Buffer.from(payload);
	let hdr;
	if (p.length < 126) {
		hdr = Buffer.from([fin | rsv | opcode, (masked ? 0x80 : 0) |
		    p.length]);
	} else if (p.length < 65536) {
		hdr = Buffer.alloc(4);
		hdr[0] = fin | rsv | opcode;
		hdr[1] = (masked ? 0x80 : 0) | 126;
		hdr.writeUInt16BE(p.length, 2);
	} else {
		hdr = Buffer.alloc(10);
		hdr[0] = fin | rsv | opcode;
		hdr[1] = (masked ? 0x80 : 0) | 127;
		hdr.writeBigUInt64BE(BigInt(p.length), 2);
	}
	if (!masked)
		return Buffer.concat([hdr, p]);
	const key = crypto.randomBytes(4);
	const body = Buffer.alloc(p.length);
	for (let i = 0; i < p.length; i++)
		body[i] = p[i] ^ key[i & 3];
	return Buffer.concat([hdr, key, body]);
}

function closePayload(code, reason) {
	const b = Buffer.alloc(2);
	b.writeUInt16BE(code, 0);
	return Buffer.concat([b, Buffer.from(reason || "")]);
}

function wsKey() {
	return crypto.randomBytes(16).toString("base64");
}

// The head of an upgrade request for path, with extra header lines.
function upgradeRequest(port, path = WS_PATH, extra = "", key = wsKey()) {
	return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
	    `Sec-WebSocket-Key: ${key}\r\n` +
	    `Sec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

// A WebSocket client on a bare TCP socket. With o.upgrade it writes the
// upgrade request (for o.path, with the header lines o.headers, its key in
// key) once connected, and anything in o.extra in the same write; else the
// caller writes. The answer's head goes to head, then each of the server's
// frames ({fin, rsv, opcode, masked, payload}) to onFrame(), which queues it
// in frames for frame() and the methods that use it.
class RawWs extends Waitable {
	constructor(port, o = {}) {
		super();
		this.buf = Buffer.alloc(0);
		this.head = null;
		this.frames = [];
		this.ended = false;
		this.endedAt = 0;
		this.sock = net.connect(port, "127.0.0.1");
		if (o.upgrade) {
			this.key = wsKey();
			const req = upgradeRequest(port, o.path, o.headers,
			    this.key);
			this.sock.on("connect", () => this.sock.write(
			    Buffer.concat([Buffer.from(req), o.extra ||
			    Buffer.alloc(0)])));
		}
		this.sock.on("data", (d) => {
			this.buf = Buffer.concat([this.buf, d]);
			this.parse();
			this.wake();
		});
		this.sock.on("close", () => {
			this.ended = true;
			this.endedAt = Date.now();
			this.wake();
		});
		this.sock.on("error", () => {});
	}

	parse() {
		if (this.head === null) {
			const i = this.buf.indexOf("\r\n\r\n");
			if (i < 0)
				return;
			this.head = this.buf.subarray(0, i).toString("latin1");
			this.buf = this.buf.subarray(i + 4);
		}
		for (;;) {
			if (this.buf.length < 2)
				return;
			const b0 = this.buf[0], b1 = this.buf[1];
			let len = b1 & 0x7f, off = 2;
			if (len === 126) {
				if (this.buf.length < 4)
					return;
				len = this.buf.readUInt16BE(2);
				off = 4;
			} else if (len === 127) {
				if (this.buf.length < 10)
					return;
				len = Number(this.buf.readBigUInt64BE(2));
				off = 10;
			}
			if (b1 & 0x80)
				off += 4;	/* a masked server frame: noted */
			if (this.buf.length < off + len)
				return;
			const f = { fin: !!(b0 & 0x80), rsv: (b0 >> 4) & 7,
			    opcode: b0 & 0x0f, masked: !!(b1 & 0x80),
			    payload: this.buf.subarray(off, off + len) };
			this.buf = this.buf.subarray(off + len);
			this.onFrame(f);
		}
	}

	onFrame(f) {
		this.frames.push(f);
	}

	async response(timeout = 2000) {
		return this.waitFor(() => {
			if (this.head !== null)
				return this.head;
			if (this.ended)
				throw new Error("connection closed before the " +
				    "response head");
			return undefined;
		}, timeout, "the response head");
	}

	async frame(timeout, what) {
		return this.waitFor(() => {
			if (this.frames.length) {
				const f = this.frames.shift();
				if (f.masked)
					throw new Error("the server sent a masked " +
					    "frame");
				return f;
			}
			if (this.ended)
				throw new Error(`connection closed while waiting ` +
				    `for ${what}`);
			return undefined;
		}, timeout, what);
	}

	// The next frame that is not a ping from Engine.IO (which is answered).
	async data(timeout, what) {
		for (;;) {
			const f = await this.frame(timeout, what);
			if (f.opcode === 1 && f.payload.toString() === "2") {
				this.write(frame(1, "3"));
				continue;
			}
			return f;
		}
	}

	// Waits for a close frame (returns its code) and then the TCP close.
	async closeFrame(timeout, what) {
		for (;;) {
			const f = await this.frame(timeout, what);
			if (f.opcode === 8) {
				const code = f.payload.length >= 2 ?
				    f.payload.readUInt16BE(0) : null;
				await this.waitFor(() => (this.ended ? true :
				    undefined), timeout, "the TCP close after " +
				    "the close frame");
				return code;
			}
		}
	}

	write(b) {
		if (!this.ended)
			this.sock.write(b);
	}

	send(text, o) {
		this.write(frame(1, text, o));
	}

	destroy() {
		this.sock.destroy();
	}
}

// ---- raw TCP -----------------------------------------------------------------------

// Sends chunks (strings or Buffers) to port and collects the answer until
// the server closes, or ms pass: {data, closed, status (0 if not HTTP),
// body}.
function rawHttp(port, chunks, ms = 3000) {
	return new Promise((resolve) => {
		const sock = net.connect(port, "127.0.0.1");
		const got = [];
		let done = false;
		const finish = (closed) => {
			if (done)
				return;
			done = true;
			clearTimeout(timer);
			sock.destroy();
			const data = Buffer.concat(got).toString("latin1");
			const m = /^HTTP\/1\.1 (\d{3}) /.exec(data);
			resolve({ data, closed, status: m ? Number(m[1]) : 0,
			    body: data.split("\r\n\r\n").slice(1).join("\r\n\r\n") });
		};
		const timer = setTimeout(() => finish(false), ms);
		sock.on("connect", () => {
			for (const c of [].concat(chunks))
				sock.write(c);
		});
		sock.on("data", (d) => got.push(d));
		sock.on("error", () => {});
		sock.on("close", () => finish(true));
	});
}

module.exports = {
	WS_PATH, wsUrl, Waitable, EioClient, frame, closePayload, wsKey,
	upgradeRequest, RawWs, rawHttp,
};
