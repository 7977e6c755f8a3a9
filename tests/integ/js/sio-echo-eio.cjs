// Engine.IO v4 over WebSocket against "sio-echo --mode eio", modelled on the
// WebSocket cases of the official engine.io-protocol test suite, plus the
// RFC 6455 framing rules the edge relies on.
//
// usage: node sio-echo-eio.cjs PORT SMALL_PORT
//   PORT        sio-echo --mode eio with the defaults (ping interval 300,
//               ping timeout 200, max payload 1000000)
//   SMALL_PORT  the same with --max-payload 1000
'use strict';

const path = require('path');
const crypto = require('crypto');
const { sleep, checkList } = require(path.join(__dirname, 'testlib.cjs'));
const { EioClient, RawWs, frame, closePayload, wsUrl } =
    require(path.join(__dirname, 'rawclient.cjs'));

const PORT = Number(process.argv[2]);
const SMALL_PORT = Number(process.argv[3]);
if (!PORT || !SMALL_PORT) {
	console.log('usage: sio-echo-eio.cjs PORT SMALL_PORT');
	process.exit(2);
}
const URL = wsUrl(PORT);
const SMALL_URL = wsUrl(SMALL_PORT);
const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
const SLACK = 250;		// timer slack on a loaded machine (ms)

const { check, run } = checkList('sio-echo-eio.cjs', 25000);

async function opened(url, opts) {
	const c = new EioClient(url || URL, opts);
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

// ---- the checks -------------------------------------------------------------

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
	const c = new EioClient(URL, { ws: { perMessageDeflate: true } });
	await c.open();
	if (c.headers === null)
		throw new Error('no 101 response seen');
	if (c.headers['sec-websocket-extensions'] !== undefined)
		throw new Error('the 101 response has Sec-WebSocket-Extensions: ' +
		    c.headers['sec-websocket-extensions']);
	expectEq(c.ws.extensions, '', 'negotiated extensions');
	// and compression stays off: a compressible message goes through
	await c.send('4' + 'a'.repeat(10000));
	expectEq(await c.text('echo'), '4' + 'a'.repeat(10000), 'echo');
	c.kill();
});

check('101 response: Upgrade, Connection and Sec-WebSocket-Accept; ' +
    'handshake and first frame in one write', async () => {
	const r = new RawWs(PORT, {
		upgrade: true,
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
	expectEq(await c.text('echo'), '4hello', 'echo');
	const u = '4h\u00e9llo \u2713 \ud83d\ude00 \u0000 end';
	await c.send(u);
	expectEq(await c.text('UTF-8 echo'), u, 'UTF-8 echo');
	await c.send('4');
	expectEq(await c.text('empty echo'), '4', 'empty message');
	// one message in three frames (text, continuation, continuation)
	await c.send('4frag', { fin: false });
	await c.send('mented ', { fin: false });
	await c.send('message', { fin: true });
	expectEq(await c.text('fragmented echo'),
	    '4fragmented message', 'fragmented message');
	c.kill();
});

check('binary message echo (binary frame, Buffer round trip, 0 to 70000 ' +
    'bytes across the 7-, 16- and 64-bit frame lengths)', async () => {
	const { c } = await opened();
	for (const b of [Buffer.from([1, 2, 3, 4]), Buffer.alloc(0),
	    ...[125, 126, 127, 65535, 65536, 70000].map(
	    (n) => crypto.randomBytes(n))]) {
		await c.send(b, { binary: true });
		const m = await c.next('binary echo', 3000);
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
		const m = await c.next(`echo ${i}`, 3000);
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
	expectEq(await c.text('echo'), '4after-noop', 'echo after noop');
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
	const c = new EioClient(URL, { autoPong: false });
	await c.open();
	const opened = Date.now();
	let prev = opened;
	for (let i = 0; i < 4; i++) {
		const t = await c.text(`ping ${i + 1}`, PING_INTERVAL + SLACK);
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
	expectEq(await c.text('echo', PING_INTERVAL + SLACK), '4still-there',
	    'echo after 4 ping periods');
	c.kill();
});

check('unanswered ping: closed after pingInterval + pingTimeout',
    async () => {
	const c = new EioClient(URL, { autoPong: false });
	await c.open();
	const t0 = Date.now();
	const ping = await c.text('the first ping', PING_INTERVAL + SLACK);
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
	const r = new RawWs(PORT, { upgrade: true });
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
		const r = new RawWs(PORT, { upgrade: true });
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
	expectEq(await c.text('900-byte echo'), t900, '900-byte echo');
	const t1000 = '4' + 'y'.repeat(999);
	await c.send(t1000);
	expectEq(await c.text('1000-byte echo'), t1000, '1000-byte echo');
	const b1000 = crypto.randomBytes(1000);
	await c.send(b1000, { binary: true });
	const m = await c.next('1000-byte binary echo');
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
		expectEq(await c.text('echo'), '4alive', 'echo');
		c.kill();
	}
});

run();
