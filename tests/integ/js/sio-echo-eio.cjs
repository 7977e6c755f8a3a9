// Engine.IO v4 over WebSocket against "sio-echo --mode eio", modelled on the
// WebSocket cases of the official engine.io-protocol test suite, plus the
// RFC 6455 framing rules the edge relies on.
//
// usage: node sio-echo-eio.cjs PORT SMALL_PORT
//   PORT        sio-echo --mode eio with the defaults (ping interval 300,
//               ping timeout 200, max payload 1000000)
//   SMALL_PORT  the same with --max-payload 1000
'use strict';

const WebSocket = require('ws');
const net = require('net');
const crypto = require('crypto');

const PORT = Number(process.argv[2]);
const SMALL_PORT = Number(process.argv[3]);
if (!PORT || !SMALL_PORT) {
	console.log('usage: sio-echo-eio.cjs PORT SMALL_PORT');
	process.exit(2);
}
const PATH = '/socket.io/?EIO=4&transport=websocket';
const URL = `ws://127.0.0.1:${PORT}${PATH}`;
const SMALL_URL = `ws://127.0.0.1:${SMALL_PORT}${PATH}`;
const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
const SLACK = 250;		// timer slack on a loaded machine (ms)

let failures = 0;
const watchdog = setTimeout(() => {
	console.log('FAIL: sio-echo-eio.cjs did not finish within 25 s');
	process.exit(1);
}, 25000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A WebSocket client that queues what it receives. Server pings ("2") are
// answered and hidden unless autoPong is false.
class Conn {
	constructor(url, opts = {}) {
		this.autoPong = opts.autoPong !== false;
		this.msgs = [];
		this.pings = [];
		this.waiter = null;
		this.closeInfo = null;
		this.error = null;
		this.headers = null;
		this.start = Date.now();
		this.ws = new WebSocket(url, opts.ws || {});
		this.ws.on('upgrade', (res) => { this.headers = res.headers; });
		this.ws.on('message', (data, isBinary) => {
			const m = { binary: isBinary, at: Date.now(),
			    data: isBinary ? data : data.toString('utf8') };
			if (!isBinary && m.data === '2') {
				this.pings.push(m.at);
				if (this.autoPong) {
					this.ws.send('3');
					return;
				}
			}
			this.msgs.push(m);
			this.wake();
		});
		this.ws.on('close', (code, reason) => {
			this.closeInfo = { code, reason: reason.toString(),
			    at: Date.now() };
			this.wake();
		});
		this.ws.on('error', (e) => { this.error = e; });
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

	async next(timeout, what) {
		return this.waitFor(() => {
			if (this.msgs.length)
				return this.msgs.shift();
			if (this.closeInfo)
				throw new Error(`connection closed (code ` +
				    `${this.closeInfo.code} ${this.closeInfo.reason}` +
				    `) while waiting for ${what}` +
				    (this.error ? ` (${this.error.message})` : ''));
			return undefined;
		}, timeout, what);
	}

	async text(timeout, what) {
		const m = await this.next(timeout, what);
		if (m.binary)
			throw new Error(`expected text (${what}), got a binary ` +
			    `frame of ${m.data.length} bytes`);
		return m.data;
	}

	async closed(timeout, what) {
		return this.waitFor(() => this.closeInfo || undefined,
		    timeout, what || 'the connection to close');
	}

	// The handshake: returns the parsed open packet.
	async open() {
		const t = await this.text(2000, 'the open packet');
		if (t[0] !== '0')
			throw new Error(`first frame is not an open packet: ${t}`);
		return JSON.parse(t.slice(1));
	}

	async send(data, opts) {
		await new Promise((res, rej) => this.ws.send(data, opts || {},
		    (e) => (e ? rej(e) : res())));
	}

	kill() {
		this.ws.terminate();
	}
}

async function opened(url, opts) {
	const c = new Conn(url || URL, opts);
	const open = await c.open();
	return { c, open };
}

function expectEq(got, want, what) {
	if (got !== want)
		throw new Error(`${what}: expected ${JSON.stringify(want)}, ` +
		    `got ${JSON.stringify(got)}`);
}

function expectClosedBy(ci, what) {
	if (ci.code === 1006)
		throw new Error(`${what}: the TCP connection was dropped ` +
		    `without a close frame`);
}

// ---- raw sockets, for what the ws package will not send --------------------

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
	return Buffer.concat([b, Buffer.from(reason || '')]);
}

// A raw client: writes the upgrade request (plus anything in extra, in the
// same write) and parses the response head and the server's frames.
class Raw {
	constructor(port, o = {}) {
		this.buf = Buffer.alloc(0);
		this.head = null;
		this.frames = [];
		this.ended = false;
		this.waiter = null;
		this.key = crypto.randomBytes(16).toString('base64');
		this.sock = net.connect(port, '127.0.0.1');
		const req = `GET ${o.path || PATH} HTTP/1.1\r\n` +
		    `Host: 127.0.0.1:${port}\r\n` +
		    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
		    `Sec-WebSocket-Key: ${this.key}\r\n` +
		    'Sec-WebSocket-Version: 13\r\n' +
		    (o.headers || '') + '\r\n';
		this.sock.on('connect', () => this.sock.write(
		    Buffer.concat([Buffer.from(req), o.extra ||
		    Buffer.alloc(0)])));
		this.sock.on('data', (d) => {
			this.buf = Buffer.concat([this.buf, d]);
			this.parse();
			this.wake();
		});
		this.sock.on('close', () => { this.ended = true; this.wake(); });
		this.sock.on('error', () => {});
	}

	wake() {
		const w = this.waiter;
		this.waiter = null;
		if (w)
			w();
	}

	parse() {
		if (this.head === null) {
			const i = this.buf.indexOf('\r\n\r\n');
			if (i < 0)
				return;
			this.head = this.buf.slice(0, i).toString('latin1');
			this.buf = this.buf.slice(i + 4);
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
			this.frames.push({ fin: !!(b0 & 0x80), rsv: (b0 >> 4) & 7,
			    opcode: b0 & 0x0f, masked: !!(b1 & 0x80),
			    payload: this.buf.slice(off, off + len) });
			this.buf = this.buf.slice(off + len);
		}
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

	async response(timeout = 2000) {
		return this.waitFor(() => {
			if (this.head !== null)
				return this.head;
			if (this.ended)
				throw new Error('connection closed before the ' +
				    'response head');
			return undefined;
		}, timeout, 'the response head');
	}

	async frame(timeout, what) {
		return this.waitFor(() => {
			if (this.frames.length) {
				const f = this.frames.shift();
				if (f.masked)
					throw new Error('the server sent a masked ' +
					    'frame');
				return f;
			}
			if (this.ended)
				throw new Error(`connection closed while waiting ` +
				    `for ${what}`);
			return undefined;
		}, timeout, what);
	}

	// The next frame that is not a ping from Engine.IO.
	async data(timeout, what) {
		for (;;) {
			const f = await this.frame(timeout, what);
			if (f.opcode === 1 && f.payload.toString() === '2') {
				this.sock.write(frame(1, '3'));
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
				    undefined), timeout, 'the TCP close after ' +
				    'the close frame');
				return code;
			}
		}
	}

	write(b) {
		this.sock.write(b);
	}

	destroy() {
		this.sock.destroy();
	}
}

// ---- the checks -------------------------------------------------------------

const checks = [];
function check(name, fn) {
	checks.push({ name, fn });
}

check('open packet: sid of 20 base64url characters, upgrades [], ' +
    'pingInterval 300, pingTimeout 200, maxPayload 1000000', async () => {
	const { c, open } = await opened();
	const keys = Object.keys(open).sort().join(',');
	expectEq(keys, 'maxPayload,pingInterval,pingTimeout,sid,upgrades',
	    'open packet keys');
	if (typeof open.sid !== 'string' || !/^[A-Za-z0-9_-]{20}$/.test(open.sid))
		throw new Error(`bad sid ${JSON.stringify(open.sid)}`);
	expectEq(JSON.stringify(open.upgrades), '[]', 'upgrades');
	expectEq(open.pingInterval, PING_INTERVAL, 'pingInterval');
	expectEq(open.pingTimeout, PING_TIMEOUT, 'pingTimeout');
	expectEq(open.maxPayload, 1000000, 'maxPayload');
	const second = await opened();
	if (second.open.sid === open.sid)
		throw new Error('two connections got the same sid');
	c.kill();
	second.c.kill();
});

check('permessage-deflate offered by the client is not accepted', async () => {
	const c = new Conn(URL, { ws: { perMessageDeflate: true } });
	await c.open();
	if (c.headers === null)
		throw new Error('no 101 response seen');
	if (c.headers['sec-websocket-extensions'] !== undefined)
		throw new Error('the 101 response has Sec-WebSocket-Extensions: ' +
		    c.headers['sec-websocket-extensions']);
	expectEq(c.ws.extensions, '', 'negotiated extensions');
	// and compression stays off: a compressible message goes through
	await c.send('4' + 'a'.repeat(10000));
	expectEq(await c.text(2000, 'echo'), '4' + 'a'.repeat(10000), 'echo');
	c.kill();
});

check('101 response: Upgrade, Connection and Sec-WebSocket-Accept; ' +
    'handshake and first frame in one write', async () => {
	const r = new Raw(PORT, {
		headers: 'Sec-WebSocket-Extensions: permessage-deflate; ' +
		    'client_max_window_bits\r\n',
		extra: frame(1, '4pipelined'),
	});
	const head = await r.response();
	const lines = head.split('\r\n');
	if (!/^HTTP\/1\.1 101 /.test(lines[0]))
		throw new Error(`status line ${lines[0]}`);
	const h = {};
	for (const l of lines.slice(1)) {
		const i = l.indexOf(':');
		h[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
	}
	const want = crypto.createHash('sha1').update(r.key +
	    '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
	expectEq(h['sec-websocket-accept'], want, 'Sec-WebSocket-Accept');
	expectEq((h.upgrade || '').toLowerCase(), 'websocket', 'Upgrade');
	expectEq((h.connection || '').toLowerCase(), 'upgrade', 'Connection');
	if (h['sec-websocket-extensions'] !== undefined)
		throw new Error('Sec-WebSocket-Extensions in the answer');
	const f0 = await r.data(2000, 'the open packet');
	if (f0.opcode !== 1 || f0.payload[0] !== 0x30)
		throw new Error('first frame is not the open packet');
	const f1 = await r.data(2000, 'the echo');
	expectEq(f1.payload.toString(), '4pipelined', 'echo of the ' +
	    'pipelined frame');
	r.destroy();
});

check('text message echo ("4hello" -> "4hello", UTF-8, empty, ' +
    'fragmented)', async () => {
	const { c } = await opened();
	await c.send('4hello');
	expectEq(await c.text(2000, 'echo'), '4hello', 'echo');
	const u = '4h\u00e9llo \u2713 \ud83d\ude00 \u0000 end';
	await c.send(u);
	expectEq(await c.text(2000, 'UTF-8 echo'), u, 'UTF-8 echo');
	await c.send('4');
	expectEq(await c.text(2000, 'empty echo'), '4', 'empty message');
	// one message in three frames (text, continuation, continuation)
	await c.send('4frag', { fin: false });
	await c.send('mented ', { fin: false });
	await c.send('message', { fin: true });
	expectEq(await c.text(2000, 'fragmented echo'),
	    '4fragmented message', 'fragmented message');
	c.kill();
});

check('binary message echo (binary frame, Buffer round trip, 0, 4 and ' +
    '70000 bytes)', async () => {
	const { c } = await opened();
	for (const b of [Buffer.from([1, 2, 3, 4]), Buffer.alloc(0),
	    crypto.randomBytes(70000)]) {
		await c.send(b, { binary: true });
		const m = await c.next(3000, 'binary echo');
		if (!m.binary)
			throw new Error(`binary echo came back as text: ` +
			    String(m.data).slice(0, 40));
		if (!Buffer.from(m.data).equals(b))
			throw new Error(`binary echo of ${b.length} bytes ` +
			    `differs (${m.data.length} bytes)`);
	}
	c.kill();
});

check('200 messages come back in order, text and binary interleaved',
    async () => {
	const { c } = await opened();
	for (let i = 0; i < 200; i++) {
		if (i % 2)
			c.ws.send(Buffer.from([i]));
		else
			c.ws.send('4m' + i);
	}
	for (let i = 0; i < 200; i++) {
		const m = await c.next(3000, `echo ${i}`);
		if (i % 2) {
			if (!m.binary || m.data.length !== 1 || m.data[0] !== i)
				throw new Error(`echo ${i}: wrong binary frame`);
		} else {
			expectEq(m.data, '4m' + i, `echo ${i}`);
		}
	}
	c.kill();
});

check('noop "6" is ignored', async () => {
	const { c } = await opened();
	await c.send('6');
	await c.send('4after-noop');
	expectEq(await c.text(2000, 'echo'), '4after-noop', 'echo after noop');
	c.kill();
});

check('WebSocket ping frame is answered with a pong frame', async () => {
	const { c } = await opened();
	const pong = new Promise((res) => c.ws.once('pong', (d) => res(d)));
	c.ws.ping(Buffer.from('are you there'));
	const got = await Promise.race([pong, sleep(2000).then(() => null)]);
	if (got === null)
		throw new Error('no pong within 2 s');
	expectEq(got.toString(), 'are you there', 'pong payload');
	c.kill();
});

check('server pings "2" every pingInterval; answered, the connection ' +
    'stays open across 4 periods', async () => {
	const c = new Conn(URL, { autoPong: false });
	await c.open();
	const opened = Date.now();
	let prev = opened;
	for (let i = 0; i < 4; i++) {
		const t = await c.text(PING_INTERVAL + SLACK, `ping ${i + 1}`);
		expectEq(t, '2', `packet ${i + 1}`);
		const dt = Date.now() - prev;
		if (dt < PING_INTERVAL - 50)
			throw new Error(`ping ${i + 1} came ${dt} ms after the ` +
			    `${i ? 'pong' : 'open'}, before pingInterval`);
		// answer late, but within pingTimeout
		if (i === 2)
			await sleep(PING_TIMEOUT / 2);
		c.ws.send('3');
		prev = Date.now();
	}
	if (c.closeInfo)
		throw new Error('closed although every ping was answered');
	await c.send('4still-there');
	expectEq(await c.text(PING_INTERVAL + SLACK, 'echo'), '4still-there',
	    'echo after 4 ping periods');
	c.kill();
});

check('unanswered ping: closed after pingInterval + pingTimeout',
    async () => {
	const c = new Conn(URL, { autoPong: false });
	await c.open();
	const t0 = Date.now();
	const ping = await c.text(PING_INTERVAL + SLACK, 'the first ping');
	expectEq(ping, '2', 'first packet');
	const pingAt = Date.now();
	const ci = await c.closed(PING_TIMEOUT + SLACK + 200);
	const afterPing = ci.at - pingAt, total = ci.at - t0;
	if (afterPing < PING_TIMEOUT - 50)
		throw new Error(`closed ${afterPing} ms after the ping, ` +
		    `before pingTimeout`);
	if (total > PING_INTERVAL + PING_TIMEOUT + SLACK + 200)
		throw new Error(`closed only after ${total} ms`);
	return `closed ${total} ms after open, code ${ci.code}`;
});

check('close packet "1" closes the connection', async () => {
	const { c } = await opened();
	await c.send('1');
	const ci = await c.closed(1000);
	expectClosedBy(ci, 'close packet');
	return `code ${ci.code}`;
});

for (const bad of ['x', '9', 'abc', '']) {
	check(`invalid Engine.IO packet ${JSON.stringify(bad)} closes the ` +
	    'connection', async () => {
		const { c } = await opened();
		await c.send(bad);
		const ci = await c.closed(1000);
		expectClosedBy(ci, 'invalid packet');
		return `code ${ci.code}`;
	});
}

// Engine.IO packets a v4 client has no business sending. The reference
// server closes on a client ping ("invalid heartbeat direction") and
// ignores the others; these are reported, not failures.
for (const [pkt, ref] of [['2', 'closes'], ['3', 'ignores'],
    ['0', 'ignores'], ['5', 'ignores']]) {
	check(`reported: a client ${JSON.stringify(pkt)} (the reference ` +
	    `${ref} it)`, async () => {
		const { c } = await opened();
		await c.send(pkt);
		await sleep(100);
		const open = !c.closeInfo;
		c.kill();
		return open ? 'kept open' : `closed (code ${c.closeInfo.code})`;
	});
}

check('client close frame is answered with a close frame (1000), then ' +
    'TCP close', async () => {
	const r = new Raw(PORT);
	await r.response();
	await r.data(2000, 'the open packet');
	r.write(frame(8, closePayload(1000, 'bye')));
	const code = await r.closeFrame(2000, 'the close frame');
	expectEq(code, 1000, 'close code');
});

const violations = [
	['a frame with RSV1 set (no extension negotiated)',
	    () => frame(1, '4x', { rsv: 4 }), 1002],
	['an unmasked client frame', () => frame(1, '4x', { mask: false }),
	    1002],
	['a reserved opcode (0x3)', () => frame(3, '4x'), 1002],
	// wslay finds these two in its frame parser and fails the connection
	// with a close frame that has no status code: RFC 6455 allows that.
	['a ping control frame of 126 bytes', () => frame(9, 'p'.repeat(126)),
	    [1002, null]],
	['a fragmented control frame', () => frame(9, 'p', { fin: false }),
	    [1002, null]],
	['a continuation frame with nothing to continue', () => frame(0, 'x'),
	    1002],
	['a text frame that is not UTF-8', () => frame(1, Buffer.from([0x34,
	    0xff, 0xfe])), 1007],
	['a text message whose fragments are not UTF-8', () =>
	    Buffer.concat([frame(1, Buffer.from([0x34, 0xe2]), { fin: false }),
	    frame(0, Buffer.from([0x28, 0xa1]))]), 1007],
];
for (const [what, make, want] of violations) {
	const wants = Array.isArray(want) ? want : [want];
	check(`WebSocket protocol violation: ${what} -> close frame ` +
	    wants.map((w) => (w === null ? 'without a code' : w)).join(' or '),
	    async () => {
		const r = new Raw(PORT);
		await r.response();
		await r.data(2000, 'the open packet');
		r.write(make());
		const code = await r.closeFrame(2000, 'a close frame');
		if (!wants.includes(code))
			throw new Error(`close code ${code}, expected ` +
			    wants.join(' or '));
		return code === null ? 'no status code' : `code ${code}`;
	});
}

check('max payload 1000: open packet says so; 900- and 1000-byte ' +
    'messages echo', async () => {
	const { c, open } = await opened(SMALL_URL);
	expectEq(open.maxPayload, 1000, 'maxPayload');
	const t900 = '4' + 'x'.repeat(899);
	await c.send(t900);
	expectEq(await c.text(2000, '900-byte echo'), t900, '900-byte echo');
	const t1000 = '4' + 'y'.repeat(999);
	await c.send(t1000);
	expectEq(await c.text(2000, '1000-byte echo'), t1000, '1000-byte echo');
	const b1000 = crypto.randomBytes(1000);
	await c.send(b1000, { binary: true });
	const m = await c.next(2000, '1000-byte binary echo');
	if (!m.binary || !Buffer.from(m.data).equals(b1000))
		throw new Error('1000-byte binary echo differs');
	c.kill();
});

for (const [what, send] of [
	['a 2000-byte text message', (c) => c.send('4' + 'z'.repeat(1999))],
	['a 1001-byte text message', (c) => c.send('4' + 'z'.repeat(1000))],
	['a 2000-byte binary message', (c) => c.send(Buffer.alloc(2000),
	    { binary: true })],
	['a 1200-byte message in two 600-byte fragments', async (c) => {
		await c.send('4' + 'f'.repeat(599), { fin: false });
		await c.send('f'.repeat(600), { fin: true });
	}],
]) {
	check(`max payload 1000: ${what} closes the connection with 1009`,
	    async () => {
		const { c } = await opened(SMALL_URL);
		await send(c).catch(() => {});
		const ci = await c.closed(2000);
		expectEq(ci.code, 1009, 'close code');
	});
}

check('after all that, the server still opens connections and echoes',
    async () => {
	for (const url of [URL, SMALL_URL]) {
		const { c } = await opened(url);
		await c.send('4alive');
		expectEq(await c.text(2000, 'echo'), '4alive', 'echo');
		c.kill();
	}
});

(async () => {
	for (const { name, fn } of checks) {
		try {
			const note = await fn();
			console.log(`ok: ${name}${note ? ` (${note})` : ''}`);
		} catch (e) {
			failures++;
			console.log(`FAIL: ${name}: ${e && e.message ? e.message : e}`);
		}
	}
	clearTimeout(watchdog);
	console.log(failures ? `sio-echo-eio.cjs: ${failures} of ` +
	    `${checks.length} checks failed` : `sio-echo-eio.cjs: all ` +
	    `${checks.length} checks passed`);
	process.exit(failures ? 1 : 0);
})();
