// Socket.IO v5 packets over raw WebSocket frames against
// "sio-echo --mode sio", modelled on the official socket.io-protocol test
// suite (its WebSocket cases), with more malformed input.
//
// usage: node sio-echo-sio.cjs PORT
//   sio-echo --mode sio with the defaults (ping interval 300, ping timeout
//   200, connect timeout 1000)
'use strict';

const path = require('path');
const { sleep, checkList } = require(path.join(__dirname, 'testlib.cjs'));
const { EioClient, wsUrl } = require(path.join(__dirname, 'rawclient.cjs'));

const PORT = Number(process.argv[2]);
if (!PORT) {
	console.log('usage: sio-echo-sio.cjs PORT');
	process.exit(2);
}
const URL = wsUrl(PORT);
const CONNECT_TIMEOUT = 1000;
const PING_INTERVAL = 300;
const SLACK = 250;

const { check, run } = checkList('sio-echo-sio.cjs', 25000);

// A client past the Engine.IO handshake; pings are answered and counted,
// never queued.
async function engineOpened() {
	const c = new EioClient(URL);
	await c.open();
	return c;
}

// The CONNECT answer for nsp ("" for "/"): returns the Socket.IO sid.
function parseConnectOk(t, nsp) {
	const prefix = '40' + (nsp ? nsp + ',' : '');
	if (!t.startsWith(prefix) || t[prefix.length] !== '{')
		throw new Error(`expected ${prefix}{"sid":...}, got ${t}`);
	const o = JSON.parse(t.slice(prefix.length));
	if (Object.keys(o).join(',') !== 'sid' || typeof o.sid !== 'string' ||
	    !/^[A-Za-z0-9_-]{20}$/.test(o.sid))
		throw new Error(`CONNECT answer is not {"sid": <20 chars>}: ${t}`);
	return o.sid;
}

// Engine.IO open, CONNECT to nsp with auth, the answer and the auth event.
async function joined(nsp = '', auth = '') {
	const c = await engineOpened();
	c.send('40' + (nsp ? nsp + ',' : '') + auth);
	c.sid = parseConnectOk(await c.text('the CONNECT answer'), nsp);
	await c.expect('42' + (nsp ? nsp + ',' : '') + `["auth",${auth ||
	    '{}'}]`, 'the auth event');
	return c;
}

const PH = (n) => `{"_placeholder":true,"num":${n}}`;

// ---- connect ------------------------------------------------------------------

check('CONNECT "40" -> 40{"sid"} then 42["auth",{}]', async () => {
	const c = await joined();
	if (c.sid === c.eioSid)
		throw new Error('the Socket.IO sid is the Engine.IO sid');
	c.kill();
});

check('CONNECT with auth 40{"token":"123"} -> 42["auth",{"token":"123"}]',
    async () => {
	(await joined('', '{"token":"123"}')).kill();
});

check('CONNECT to /custom 40/custom, -> 40/custom,{"sid"} then ' +
    '42/custom,["auth",{}]', async () => {
	(await joined('/custom')).kill();
});

check('CONNECT to /custom with auth -> 42/custom,["auth",{"token":"abc"}]',
    async () => {
	(await joined('/custom', '{"token":"abc"}')).kill();
});

check('CONNECT "40/custom" without the comma is accepted', async () => {
	const c = await engineOpened();
	c.send('40/custom');
	parseConnectOk(await c.text('the CONNECT answer'), '/custom');
	await c.expect('42/custom,["auth",{}]', 'the auth event');
	c.kill();
});

check('CONNECT to an unknown namespace -> ' +
    '44/random,{"message":"Invalid namespace"}', async () => {
	for (const p of ['40/random', '40/random,']) {
		const c = await engineOpened();
		c.send(p);
		await c.expect('44/random,{"message":"Invalid namespace"}',
		    `the answer to ${p}`);
		c.kill();
	}
});

check('a refused namespace leaves the connection usable: 40/random, ' +
    'then 40 at once -> 44/random then 40{"sid"}', async () => {
	// socket.io-client sends both CONNECTs back to back when a Manager
	// opens two namespaces; the reference server answers both.
	const c = await engineOpened();
	c.send('40/random,');
	c.send('40');
	await c.expect('44/random,{"message":"Invalid namespace"}',
	    'the answer to 40/random,');
	parseConnectOk(await c.text('the answer to 40'), '');
	await c.expect('42["auth",{}]', 'the auth event');
	c.kill();
});

check('a refused namespace after joining "/" leaves "/" working',
    async () => {
	const c = await joined();
	c.send('40/random,');
	await c.expect('44/random,{"message":"Invalid namespace"}',
	    'the answer to 40/random,');
	c.send('42["message","still here"]');
	await c.expect('42["message-back","still here"]', 'the echo');
	c.kill();
});

check('packets before CONNECT are ignored (event, DISCONNECT), then ' +
    'CONNECT works', async () => {
	const c = await engineOpened();
	c.send('42["message","too early"]');
	c.send('41/custom,');
	c.send('41');
	await c.quiet(150, 'after an early event');
	c.send('40');
	parseConnectOk(await c.text('the CONNECT answer'), '');
	await c.expect('42["auth",{}]', 'the auth event');
	c.kill();
});

check('an invalid packet instead of CONNECT ("4abc") closes the connection',
    async () => {
	const c = await engineOpened();
	c.send('4abc');
	return `code ${(await c.closed(1000)).code}`;
});

check('no CONNECT within connectTimeout (1000 ms) -> closed, pings ' +
    'answered meanwhile', async () => {
	const c = await engineOpened();
	const t0 = Date.now();
	const ci = await c.closed(CONNECT_TIMEOUT + SLACK + 500);
	const dt = ci.at - t0;
	if (dt < CONNECT_TIMEOUT - 100)
		throw new Error(`closed after ${dt} ms, before the connect ` +
		    `timeout (${c.pings} pings answered)`);
	if (c.pings < 2)
		throw new Error(`only ${c.pings} pings before the close`);
	return `closed after ${dt} ms, code ${ci.code}`;
});

check('a CONNECT sent at 600 ms stops the connect timer', async () => {
	const c = await engineOpened();
	await sleep(600);
	c.send('40');
	parseConnectOk(await c.text('the CONNECT answer'), '');
	await c.expect('42["auth",{}]', 'the auth event');
	await c.quiet(CONNECT_TIMEOUT, 'past the connect timeout');
	c.send('42["message",1]');
	await c.expect('42["message-back",1]', 'the echo');
	c.kill();
});

// ---- disconnect ---------------------------------------------------------------

check('DISCONNECT "41" is accepted: the connection stays (next packet is ' +
    'a ping), events to "/" are ignored, "/" can be joined again',
    async () => {
	const c = await joined();
	const pings = c.pings;
	c.send('41');
	await c.waitFor(() => (c.pings > pings ? true : (c.closeInfo ?
	    false : undefined)), PING_INTERVAL + SLACK, 'a ping after 41');
	if (c.closeInfo)
		throw new Error(`closed after 41 (code ${c.closeInfo.code})`);
	if (c.msgs.length)
		throw new Error(`unexpected ${c.msgs[0].data} after 41`);
	c.send('42["message","nobody home"]');
	await c.quiet(150, 'event after leaving "/"');
	c.send('40');
	const sid = parseConnectOk(await c.text('the second CONNECT answer'),
	    '');
	if (sid === c.sid)
		throw new Error('the same sid for the second CONNECT');
	await c.expect('42["auth",{}]', 'the auth event');
	c.kill();
});

check('connect then disconnect /custom: "/" keeps working', async () => {
	const c = await joined();
	c.send('40/custom');
	parseConnectOk(await c.text('the /custom CONNECT answer'), '/custom');
	await c.expect('42/custom,["auth",{}]', 'the /custom auth event');
	c.send('41/custom');
	c.send('42/custom,["message","to a namespace left"]');
	c.send('42["message","message to main namespace"]');
	await c.expect('42["message-back","message to main namespace"]',
	    'the echo on "/"');
	c.kill();
});

// ---- messages -----------------------------------------------------------------

check('EVENT 42["message",1,"2",{"3":[true]}] -> ' +
    '42["message-back",1,"2",{"3":[true]}]', async () => {
	const c = await joined();
	c.send('42["message",1,"2",{"3":[true]}]');
	await c.expect('42["message-back",1,"2",{"3":[true]}]', 'the echo');
	c.kill();
});

check('EVENT arguments survive the round trip (unicode, escapes, numbers, ' +
    'null, nesting)', async () => {
	const c = await joined();
	const args = ['message', 'h\u00e9llo \u2713 \ud83d\ude00', 'a/b\\c"d',
	    'tab\tnl\n\u0001', 1.5, -2, 0.1, 1e21, 12345678901, null, true,
	    false, [], {}, { deep: { er: [[1, [2, [3]]], { x: null }] } }, ''];
	c.send('42' + JSON.stringify(args));
	const t = await c.text('the echo');
	if (!t.startsWith('42['))
		throw new Error(`not an EVENT: ${t}`);
	const got = JSON.parse(t.slice(2));
	const want = ['message-back', ...args.slice(1)];
	if (JSON.stringify(got) !== JSON.stringify(want))
		throw new Error(`echo differs: ${t}`);
	c.kill();
});

check('binary EVENT 452-["message",<ph0>,<ph1>] + 2 frames -> ' +
    '452-["message-back",...] + the same 2 frames', async () => {
	const c = await joined();
	c.send(`452-["message",${PH(0)},${PH(1)}]`);
	c.send(Buffer.from([1, 2, 3]));
	c.send(Buffer.from([4, 5, 6]));
	await c.expect(`452-["message-back",${PH(0)},${PH(1)}]`,
	    'the echo header');
	await c.expectBinary([1, 2, 3], 'attachment 0');
	await c.expectBinary([4, 5, 6], 'attachment 1');
	c.kill();
});

check('binary EVENT 451- with the placeholder nested, an empty attachment',
    async () => {
	const c = await joined();
	c.send(`451-["message",{"a":[1,${PH(0)}]},"x"]`);
	c.send(Buffer.alloc(0));
	await c.expect(`451-["message-back",{"a":[1,${PH(0)}]},"x"]`,
	    'the echo header');
	await c.expectBinary([], 'the empty attachment');
	c.kill();
});

check('EVENT with ack 42456["message-with-ack",1,"2",{"3":[false]}] -> ' +
    '43456[1,"2",{"3":[false]}]', async () => {
	const c = await joined();
	c.send('42456["message-with-ack",1,"2",{"3":[false]}]');
	await c.expect('43456[1,"2",{"3":[false]}]', 'the ack');
	c.send('420["message-with-ack"]');
	await c.expect('430[]', 'the ack with id 0 and no arguments');
	c.kill();
});

check('binary EVENT with ack 452-789[...] -> BINARY_ACK 462-789[...] + ' +
    'the 2 frames', async () => {
	const c = await joined();
	c.send(`452-789["message-with-ack",${PH(0)},${PH(1)}]`);
	c.send(Buffer.from([1, 2, 3]));
	c.send(Buffer.from([4, 5, 6]));
	await c.expect(`462-789[${PH(0)},${PH(1)}]`, 'the binary ack header');
	await c.expectBinary([1, 2, 3], 'attachment 0');
	await c.expectBinary([4, 5, 6], 'attachment 1');
	c.kill();
});

check('events, acks and binary events on /custom carry the namespace',
    async () => {
	const c = await joined('/custom');
	c.send('42/custom,["message","c"]');
	await c.expect('42/custom,["message-back","c"]', 'the echo');
	c.send('42/custom,12["message-with-ack","d"]');
	await c.expect('43/custom,12["d"]', 'the ack');
	c.send(`451-/custom,["message",${PH(0)}]`);
	c.send(Buffer.from([9]));
	await c.expect(`451-/custom,["message-back",${PH(0)}]`,
	    'the binary echo header');
	await c.expectBinary([9], 'the attachment');
	c.send(`451-/custom,5["message-with-ack",${PH(0)}]`);
	c.send(Buffer.from([8]));
	await c.expect(`461-/custom,5[${PH(0)}]`, 'the binary ack header');
	await c.expectBinary([8], 'the attachment');
	c.send('42["message","to / which was never joined"]');
	await c.quiet(150, 'event to an unjoined "/"');
	c.kill();
});

check('an event named "message\\u0000x" is not the event "message" ' +
    '(ignored or closed, never echoed)', async () => {
	const c = await joined();
	c.send('42["message\\u0000x","a"]');
	c.send('42456["message-with-ack\\u0000x","b"]');
	await sleep(200);
	const got = c.msgs.map((m) => (m.binary ? '<binary>' : m.data));
	c.kill();
	if (got.length)
		throw new Error(`answered as if named "message": ` +
		    got.join(' '));
	return c.closeInfo ? `closed (code ${c.closeInfo.code})` : 'ignored';
});

check('CONNECT to "/custom\\0evil" is not a CONNECT to "/custom" ' +
    '(refused or closed)', async () => {
	const c = await engineOpened();
	c.send('40/custom\u0000evil,');
	await sleep(200);
	const got = c.msgs.map((m) => (m.binary ? '<binary>' : m.data));
	c.kill();
	const refused = '44/custom\u0000evil,{"message":"Invalid namespace"}';
	if (got.length && !(got.length === 1 && got[0] === refused))
		throw new Error(`answered ${JSON.stringify(got.join(' '))}`);
	return got.length ? 'refused' : `closed`;
});

// ---- malformed packets ------------------------------------------------------

const bad = [
	['unknown packet type "47"', ['47']],
	['unknown packet type "4abc"', ['4abc']],
	['bad JSON 42[', ['42[']],
	['EVENT payload not an array 42{}', ['42{}']],
	['EVENT payload an empty array 42[]', ['42[]']],
	['EVENT payload a string 42"message"', ['42"message"']],
	['EVENT name not a string 42[null]', ['42[null]']],
	['trailing data 42["message"]x', ['42["message"]x']],
	['invalid ack id 42abc["message-with-ack",1]',
	    ['42abc["message-with-ack",1]']],
	['ACK without an id 43[] (the reference ignores it)', ['43[]']],
	['DISCONNECT with a payload 41{"a":1}', ['41{"a":1}']],
	['CONNECT payload an array 40[] (on a fresh connection)', ['40[]'],
	    false],
	['CONNECT payload a string 40"token"', ['40"token"'], false],
	['CONNECT payload bad JSON 40{', ['40{'], false],
	['CONNECT payload null 40null', ['40null'], false],
	['binary EVENT without an attachment count 45-["message"]',
	    ['45-["message"]']],
	['binary EVENT with 0 attachments 450-["message"]',
	    ['450-["message"]']],
	['binary EVENT with 11 attachments', ['4511-["message"]']],
	['a placeholder beyond the attachments',
	    [`451-["message",${PH(1)}]`, Buffer.from([1])]],
	['a placeholder with a bad num',
	    ['451-["message",{"_placeholder":true,"num":"0"}]',
	    Buffer.from([1])]],
	['a text packet while an attachment is pending',
	    [`451-["message",${PH(0)}]`, '42["message",1]']],
	['a binary frame with no binary packet', [Buffer.from([1, 2])]],
];
for (const [what, frames, join = true] of bad) {
	check(`malformed: ${what} -> connection closed`, async () => {
		let c;
		if (join) {
			c = await joined();
		} else {
			c = await engineOpened();
		}
		for (const f of frames)
			c.send(f);
		let ci;
		try {
			ci = await c.closed(1000);
		} catch (e) {
			const m = c.msgs.length ? ` (got ${c.msgs.map((x) =>
			    (x.binary ? '<binary>' : x.data)).join(' ')})` : '';
			c.kill();
			throw new Error(`still open after 1 s${m}`);
		}
		return `code ${ci.code}`;
	});
}

// The reference parser refuses these names in an EVENT from a client (and
// the server then closes the connection): the application must never see
// them as events.
const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting',
    'newListener', 'removeListener'];
check(`malformed: EVENT with a reserved name (${RESERVED.join(', ')}) -> ` +
    'connection closed', async () => {
	const open = [];
	await Promise.all(RESERVED.map(async (name) => {
		const c = await joined();
		c.send(`42["${name}",1]`);
		try {
			await c.closed(1000);
		} catch (e) {
			open.push(name);
			c.kill();
		}
	}));
	if (open.length)
		throw new Error('still open 1 s after an EVENT named ' +
		    RESERVED.filter((n) => open.includes(n)).map((n) =>
		    JSON.stringify(n)).join(', '));
});

// Where the reference server keeps the connection and sio.c does not; not
// failures, but reported.
const lenient = [
	['an EVENT with a numeric name 42[1,"x"] (the reference parser ' +
	    'accepts numbers)', '42[1,"x"]'],
	['a CONNECT_ERROR from the client 44{"message":"x"} (the reference ' +
	    'ignores it)', '44{"message":"x"}'],
	['an ACK for an unknown id 43999[] (the reference ignores it)',
	    '43999[]'],
	['a second CONNECT to a joined namespace (the reference replaces the ' +
	    'socket)', '40'],
	['an ack id above 2^32-1 42' + '4294967296["message-with-ack"]',
	    '424294967296["message-with-ack"]'],
];
for (const [what, frame] of lenient) {
	check(`reference-lenient case: ${what}`, async () => {
		const c = await joined();
		c.send(frame);
		await sleep(150);
		const open = !c.closeInfo;
		c.kill();
		return open ? 'kept open' : 'closed (stricter than the reference)';
	});
}

check('after all that, the server still accepts connections', async () => {
	const c = await joined();
	c.send('42["message","alive"]');
	await c.expect('42["message-back","alive"]', 'the echo');
	c.kill();
});

run();
