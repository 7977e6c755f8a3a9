// The official socket.io-client v4 (WebSocket transport only) against
// "sio-echo --mode sio".
//
// usage: node sio-echo-client.cjs PORT
'use strict';

const assert = require('assert');
const path = require('path');
const { io, Manager } = require('socket.io-client');
const { sleep, checkList } = require(path.join(__dirname, 'testlib.cjs'));

const PORT = Number(process.argv[2]);
if (!PORT) {
	console.log('usage: sio-echo-client.cjs PORT');
	process.exit(2);
}
const BASE = `http://127.0.0.1:${PORT}`;
const OPTS = { transports: ['websocket'], reconnection: false, timeout: 3000 };

const sockets = [];
const { check, run } = checkList('sio-echo-client.cjs', 25000, () => {
	for (const s of sockets)
		s.close();
});

// A promise awaited later: its rejection must not count as unhandled when
// an earlier await fails first.
function later(p) {
	p.catch(() => {});
	return p;
}

function client(nsp, opts) {
	const s = io(BASE + (nsp || ''), Object.assign({ forceNew: true },
	    OPTS, opts || {}));
	sockets.push(s);
	return s;
}

// The arguments of the next `event` on s; fails on timeout, or when the
// socket disconnects or fails to connect first.
function next(s, event, timeout = 3000) {
	return new Promise((resolve, reject) => {
		const done = (err, v) => {
			clearTimeout(t);
			s.off(event, onEvent);
			s.off('disconnect', onDisconnect);
			s.off('connect_error', onError);
			if (err)
				reject(err);
			else
				resolve(v);
		};
		const onEvent = (...args) => done(null, args);
		const onDisconnect = (reason) => done(new Error(`disconnected ` +
		    `(${reason}) while waiting for "${event}"`));
		const onError = (e) => done(new Error(`connect_error ` +
		    `(${e.message}) while waiting for "${event}"`));
		const t = setTimeout(() => done(new Error(`no "${event}" within ` +
		    `${timeout} ms`)), timeout);
		s.on(event, onEvent);
		if (event !== 'disconnect')
			s.on('disconnect', onDisconnect);
		if (event !== 'connect_error')
			s.on('connect_error', onError);
	});
}

async function connected(s) {
	if (!s.connected)
		await next(s, 'connect');
	return s;
}

// Waits for connect_error; a connect or a disconnect first is a failure.
function connectError(s, timeout = 3000) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('no connect_error ' +
		    `within ${timeout} ms`)), timeout);
		s.once('connect_error', (e) => { clearTimeout(t); resolve(e); });
		s.once('connect', () => { clearTimeout(t); reject(new Error(
		    'connected to a namespace that should be refused')); });
		s.once('disconnect', (r) => { clearTimeout(t); reject(new Error(
		    `disconnected (${r}) instead of a connect_error`)); });
	});
}

check('connect with auth over WebSocket only, receive "auth" with it',
    async () => {
	const auth = { token: 'abc', n: 1, nested: { list: [1, 'two', null] } };
	const s = client('', { auth });
	const authEvent = later(next(s, 'auth'));
	await connected(s);
	if (typeof s.id !== 'string' || s.id.length === 0)
		throw new Error(`no socket id: ${s.id}`);
	assert.strictEqual(s.io.engine.transport.name, 'websocket');
	assert.deepStrictEqual(await authEvent, [auth]);
	s.disconnect();
});

check('connect without auth: "auth" is {}', async () => {
	const s = client();
	const authEvent = later(next(s, 'auth'));
	await connected(s);
	assert.deepStrictEqual(await authEvent, [{}]);
	s.disconnect();
});

check('"message" with mixed arguments, Buffers and nested objects -> ' +
    '"message-back" deep-equal', async () => {
	const s = await connected(client());
	const args = [1, 'two', { three: [true, null, 3.5, -7] },
	    Buffer.from([1, 2, 3]),
	    { nested: { buf: Buffer.from([4, 5]), list: [Buffer.from('abc'),
	    'x', { deeper: Buffer.from([255, 0, 128]) }] } },
	    Buffer.alloc(0), 'h\u00e9llo \ud83d\ude00 a/b "q"', [], {}];
	s.emit('message', ...args);
	assert.deepStrictEqual(await next(s, 'message-back'), args);
	s.emit('message');
	assert.deepStrictEqual(await next(s, 'message-back'), []);
	s.disconnect();
});

check('"message-with-ack": emitWithAck and an ack callback with several ' +
    'arguments (binary too)', async () => {
	const s = await connected(client());
	const r = await s.timeout(3000).emitWithAck('message-with-ack',
	    { x: 1, y: [2, 3] });
	assert.deepStrictEqual(r, { x: 1, y: [2, 3] });
	const b = await s.timeout(3000).emitWithAck('message-with-ack',
	    Buffer.from([9, 8, 7]));
	assert.deepStrictEqual(b, Buffer.from([9, 8, 7]));
	const args = await new Promise((resolve, reject) => {
		s.timeout(3000).emit('message-with-ack', 1, '2',
		    { b: Buffer.from([1]) }, Buffer.from([2, 2]),
		    (err, ...a) => (err ? reject(err) : resolve(a)));
	});
	assert.deepStrictEqual(args, [1, '2', { b: Buffer.from([1]) },
	    Buffer.from([2, 2])]);
	s.disconnect();
});

check('200 events fired at once come back in order', async () => {
	const s = await connected(client());
	const got = [];
	const all = new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`only ${got.length} ` +
		    'of 200 echoes within 5 s')), 5000);
		s.on('message-back', (i, b) => {
			got.push([i, b]);
			if (got.length === 200) {
				clearTimeout(t);
				resolve();
			}
		});
	});
	for (let i = 0; i < 200; i++)
		s.emit('message', i, i % 3 === 0 ? Buffer.from([i & 255]) : 'n');
	await all;
	for (let i = 0; i < 200; i++) {
		assert.strictEqual(got[i][0], i, `echo ${i} out of order`);
		assert.deepStrictEqual(got[i][1], i % 3 === 0 ?
		    Buffer.from([i & 255]) : 'n');
	}
	s.disconnect();
});

check('large payloads within maxPayload: a 600 kB string and a 500 kB ' +
    'Buffer', async () => {
	const s = await connected(client());
	const str = 'x'.repeat(600000);
	const buf = Buffer.alloc(500000, 7);
	s.emit('message', str, buf);
	const [a, b] = await next(s, 'message-back', 5000);
	assert.strictEqual(a, str);
	assert.ok(buf.equals(b), 'the 500 kB Buffer differs');
	s.disconnect();
});

check('a message over maxPayload (1.2 MB) gets the client disconnected',
    async () => {
	const s = await connected(client());
	const gone = later(next(s, 'disconnect', 5000));
	s.emit('message', 'y'.repeat(1200000));
	const [reason] = await gone;
	return `reason "${reason}"`;
});

check('"/" and "/custom" on one Manager share one connection; events stay ' +
    'in their namespace; an invalid namespace gets connect_error ' +
    '"Invalid namespace" and the others keep working', async () => {
	const m = new Manager(BASE, { ...OPTS, autoConnect: false });
	const root = m.socket('/', { auth: { who: 'root' } });
	const custom = m.socket('/custom', { auth: { who: 'custom' } });
	sockets.push(root, custom);
	const rootAuth = later(next(root, 'auth'));
	const customAuth = later(next(custom, 'auth'));
	root.connect();
	custom.connect();
	await Promise.all([connected(root), connected(custom)]);
	assert.deepStrictEqual(await rootAuth, [{ who: 'root' }]);
	assert.deepStrictEqual(await customAuth, [{ who: 'custom' }]);
	assert.strictEqual(root.io, custom.io);
	assert.notStrictEqual(root.id, custom.id);
	const engine = m.engine;

	let leaked = 0;
	root.on('message-back', () => leaked++);
	custom.emit('message', 'on custom', Buffer.from([1]));
	assert.deepStrictEqual(await next(custom, 'message-back'),
	    ['on custom', Buffer.from([1])]);
	assert.deepStrictEqual(await custom.timeout(3000).emitWithAck(
	    'message-with-ack', 'ack on custom'), 'ack on custom');
	await sleep(50);
	assert.strictEqual(leaked, 0, '"/" received an event sent on /custom');
	root.off('message-back');

	const bad = m.socket('/nope');
	sockets.push(bad);
	const err = later(connectError(bad));
	bad.connect();
	const e = await err;
	assert.strictEqual(e.message, 'Invalid namespace');

	assert.ok(root.connected && custom.connected,
	    'a refused namespace disconnected the others');
	assert.strictEqual(m.engine, engine, 'the Manager reconnected');
	root.emit('message', 'on root');
	assert.deepStrictEqual(await next(root, 'message-back'), ['on root']);
	custom.emit('message', 'still on custom');
	assert.deepStrictEqual(await next(custom, 'message-back'),
	    ['still on custom']);

	const gone = later(Promise.all([next(root, 'disconnect'),
	    next(custom, 'disconnect')]));
	custom.disconnect();
	root.disconnect();
	const [[r1], [r2]] = await gone;
	assert.strictEqual(r1, 'io client disconnect');
	assert.strictEqual(r2, 'io client disconnect');
});

check('io("/nope") alone -> connect_error "Invalid namespace"', async () => {
	const s = client('/nope');
	const e = await connectError(s);
	assert.strictEqual(e.message, 'Invalid namespace');
	s.close();
});

check('one Manager opening "/nope" and "/" together: "/nope" gets ' +
    'connect_error, "/" connects', async () => {
	const m = new Manager(BASE, { ...OPTS, autoConnect: false });
	const bad = m.socket('/nope');
	const root = m.socket('/');
	sockets.push(bad, root);
	const err = later(connectError(bad));
	const ok = later(connected(root));
	bad.connect();
	root.connect();
	const e = await err;
	assert.strictEqual(e.message, 'Invalid namespace');
	await ok;
	root.emit('message', 'after a refused namespace');
	assert.deepStrictEqual(await next(root, 'message-back'),
	    ['after a refused namespace']);
	root.disconnect();
});

check('an idle client stays connected across several ping intervals',
    async () => {
	const s = await connected(client());
	let reason = null;
	s.on('disconnect', (r) => { reason = r; });
	await sleep(1500);
	if (reason !== null)
		throw new Error(`disconnected while idle: ${reason}`);
	assert.deepStrictEqual(await s.timeout(3000).emitWithAck(
	    'message-with-ack', 'after idling'), 'after idling');
	s.disconnect();
});

check('clean disconnect: "disconnect" with "io client disconnect", then ' +
    'connect again', async () => {
	const s = await connected(client());
	const gone = later(next(s, 'disconnect'));
	s.disconnect();
	const [reason] = await gone;
	assert.strictEqual(reason, 'io client disconnect');
	assert.strictEqual(s.connected, false);
	s.connect();
	await connected(s);
	assert.deepStrictEqual(await s.timeout(3000).emitWithAck(
	    'message-with-ack', 'again'), 'again');
	s.disconnect();
});

check('20 clients at once, 50 round trips each (acks and events, some ' +
    'binary)', async () => {
	const t0 = Date.now();
	await Promise.all(Array.from({ length: 20 }, async (_, c) => {
		const s = await connected(client());
		for (let i = 0; i < 50; i++) {
			if (i % 2 === 0) {
				const r = await s.timeout(5000).emitWithAck(
				    'message-with-ack', { c, i });
				assert.deepStrictEqual(r, { c, i });
			} else {
				const b = Buffer.from([c, i]);
				const back = later(next(s, 'message-back', 5000));
				s.emit('message', c, i, b);
				assert.deepStrictEqual(await back, [c, i, b]);
			}
		}
		s.disconnect();
	}));
	return `${Date.now() - t0} ms`;
});

run();
