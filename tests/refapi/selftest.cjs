#!/usr/bin/env node
// Self-test of the reference Data API server (server.cjs): spawns it on
// 127.0.0.1 port 0 with a temporary --data dir and --state file and checks
// the contract, the test hooks, every fault mode and a restart.
// Prints "ok: ..." lines; on failure "FAIL: ..." and exit status 1.
'use strict';

const http = require('http');
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const SERVER = path.join(__dirname, 'server.cjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refapi-selftest.'));
const dataDir = path.join(tmp, 'data');
const stateFile = path.join(tmp, 'state.json');
let child = null;
let stderrLog = '';

function cleanup() {
	if (child && child.exitCode === null && child.signalCode === null)
		child.kill('SIGKILL');
	fs.rmSync(tmp, { recursive: true, force: true });
}

function fail(msg) {
	console.log(`FAIL: ${msg}`);
	if (stderrLog)
		console.log('---- server stderr (last lines)\n' + stderrLog.split('\n').slice(-30).join('\n'));
	cleanup();
	process.exit(1);
}

function ok(msg) {
	console.log(`ok: ${msg}`);
}

function check(cond, msg, detail) {
	if (!cond)
		fail(msg + (detail !== undefined ? ` (got ${JSON.stringify(detail)})` : ''));
}

const overall = setTimeout(() => fail('self-test took longer than 15 s'), 15000);

function writeJson(file, obj) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(obj));
}

function makeData() {
	writeJson(path.join(dataDir, 'characters', 'ann.json'), {
		id: 'ann', name: 'Ann', area: 'meadow', x: 144, y: 464, hp: 20, max_hp: 20,
		level: 1, xp: 0, inventory: [{ id: 'potion', count: 2 }], quests_in_progress: [],
		version: 1,
	});
	writeJson(path.join(dataDir, 'characters', 'bob.json'), {
		id: 'bob', name: 'Bob', area: 'meadow', x: 176, y: 464, hp: 20, max_hp: 20,
		level: 1, xp: 0, inventory: [], quests_in_progress: [], version: 7,
	});
	writeJson(path.join(dataDir, 'characters', 'ann', 'quests.json'), {
		main_story: { id: 'main_1', step: 2 }, class_stories: [],
		completed_side_quests: ['herbs'], accepted: [],
	});
	writeJson(path.join(dataDir, 'areas', 'meadow', 'quests.json'), { quests: [
		{ id: 'slimes', giver: 'farmer', name: 'Slimes',
			objectives: [{ kind: 'kill', target: 'slime', count: 5 }],
			rewards: { xp: 50, items: [{ id: 'potion', count: 1 }] } },
		{ id: 'herbs', giver: 'farmer', name: 'Herbs',
			objectives: [{ kind: 'collect', target: 'herb', count: 3 }],
			rewards: { xp: 30, items: [] } },
	] });
}

// Starts the server; resolves with {port, lines} once the listening line is read.
function start(args) {
	return new Promise((resolve, reject) => {
		child = spawn(process.execPath, [SERVER, '--listen', '127.0.0.1:0', ...args],
			{ stdio: ['ignore', 'pipe', 'pipe'] });
		const me = child;
		me.stdoutText = '';
		me.stderr.on('data', (d) => { stderrLog += d; });
		me.stdout.on('data', (d) => {
			me.stdoutText += d;
			const m = /^listening on=refapi address=127\.0\.0\.1:(\d+)\n/.exec(me.stdoutText);
			if (m && !me.port) {
				me.port = Number(m[1]);
				resolve(me);
			}
		});
		me.on('exit', (code, sig) => {
			if (!me.port)
				reject(new Error(`server exited early (${code}, ${sig}); stdout ${JSON.stringify(me.stdoutText)}`));
		});
	});
}

function stop(sig) {
	const me = child;
	return new Promise((resolve) => {
		const t0 = Date.now();
		me.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - t0 }));
		me.kill(sig);
	});
}

let PORT = 0;

// One request on a fresh connection. Resolves {status, headers, body, json}
// or {error} (code) when the connection fails or the timeout fires.
function req(method, p, opts = {}) {
	return new Promise((resolve) => {
		const headers = Object.assign({}, opts.headers || {});
		let body = opts.body;
		if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body))
			body = JSON.stringify(body);
		if (body !== undefined) {
			headers['Content-Type'] = headers['Content-Type'] || 'application/json';
			headers['Content-Length'] = Buffer.byteLength(body);
		}
		const t0 = Date.now();
		let settled = false;
		const done = (v) => {
			if (!settled) {
				settled = true;
				v.ms = Date.now() - t0;
				resolve(v);
			}
		};
		const r = http.request({ host: '127.0.0.1', port: PORT, method, path: p, headers, agent: false },
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let json;
					try {
						json = JSON.parse(text);
					} catch (e) { /* not JSON */ }
					done({ status: res.statusCode, headers: res.headers, body: text, json });
				});
				res.on('error', (e) => done({ error: e.code || e.message }));
			});
		r.on('error', (e) => done({ error: e.code || e.message }));
		if (opts.timeout)
			r.setTimeout(opts.timeout, () => {
				done({ error: 'TIMEOUT' });
				r.destroy();
			});
		if (body !== undefined)
			r.write(body);
		r.end();
	});
}

const get = (p, o) => req('GET', p, o);
const put = (p, body, ifMatch, o = {}) => req('PUT', p, Object.assign({}, o, {
	body, headers: Object.assign(ifMatch === undefined ? {} : { 'If-Match': String(ifMatch) }, o.headers || {}),
}));
const post = (p, body, o = {}) => req('POST', p, Object.assign({}, o, { body }));
const setFault = async (f) => {
	const r = await post('/__fault', f);
	check(r.status === 200, `POST /__fault ${JSON.stringify(f)} -> 200`, r);
	return r.json;
};
const history = async () => (await get('/__history')).json.writes;

async function main() {
	makeData();
	await start(['--data', dataDir, '--state', stateFile]);
	PORT = child.port;
	ok(`server started on port ${PORT}`);

	let r = await get('/__health');
	check(r.status === 200, 'GET /__health 200', r.status);

	// ---- characters: GET ----
	r = await get('/characters/ann');
	check(r.status === 200 && r.json.id === 'ann' && r.json.version === 1 && r.json.x === 144 &&
		Array.isArray(r.json.inventory) && Array.isArray(r.json.quests_in_progress),
		'GET /characters/ann', r.json);
	check(/application\/json/.test(r.headers['content-type']), 'JSON content type', r.headers);
	const ann = r.json;
	r = await get('/characters/bob');
	check(r.status === 200 && r.json.version === 7, 'version loaded from data', r.json);
	r = await get('/characters/nobody');
	check(r.status === 404 && typeof r.json.error === 'string', 'GET unknown character 404', r);
	ok('GET /characters/{id}: 200 with document, 404 unknown');

	// ---- characters: PUT ----
	const a2 = Object.assign({}, ann, { x: 200, xp: 10, version: 999 });
	r = await put('/characters/ann', a2, 1);
	check(r.status === 200 && r.json.version === 2, 'PUT If-Match 1 -> version 2', r);
	r = await get('/characters/ann');
	check(r.json.version === 2 && r.json.x === 200 && r.json.xp === 10,
		'PUT stored the body with version+1 (body version ignored)', r.json);
	r = await put('/characters/ann', Object.assign({}, a2, { x: 201 }), '"2"');
	check(r.status === 200 && r.json.version === 3, 'PUT quoted If-Match "2" -> 3', r);
	r = await put('/characters/ann', Object.assign({}, a2, { x: 202 }), 3);
	check(r.status === 200 && r.json.version === 4, 'PUT If-Match 3 -> 4', r);
	ok('PUT happy path: version advances by one per write');

	r = await put('/characters/ann', Object.assign({}, a2, { x: 999 }), 2);
	check(r.status === 409 && r.json.error === 'stale version' && r.json.version === 4,
		'stale If-Match -> 409 with current version', r);
	r = await get('/__characters/ann');
	check(r.json.x === 202 && r.json.version === 4, '409 stored nothing', r.json);
	ok('PUT stale If-Match: 409 {error, version}, nothing stored');

	r = await put('/characters/ann', a2, undefined);
	check(r.status === 428, 'PUT without If-Match -> 428', r);
	r = await put('/characters/nobody', Object.assign({}, a2, { id: 'nobody' }), 1);
	check(r.status === 404, 'PUT unknown -> 404', r);
	r = await put('/characters/ann', '{"id": "ann", bad', 4);
	check(r.status === 400 && /JSON/.test(r.json.error), 'PUT bad JSON -> 400', r);
	r = await put('/characters/ann', Object.assign({}, a2, { id: 'bob' }), 4);
	check(r.status === 400, 'PUT body id != path id -> 400', r);
	r = await put('/characters/ann', '[1,2]', 4);
	check(r.status === 400, 'PUT non-object body -> 400', r);
	r = await put('/characters/ann', a2, 'abc');
	check(r.status === 400, 'PUT non-numeric If-Match -> 400', r);
	r = await get('/__characters/ann');
	check(r.json.version === 4, 'refused PUTs stored nothing', r.json);
	ok('PUT refusals: 428 no If-Match, 404 unknown, 400 bad JSON / id mismatch / bad If-Match');

	// ---- robustness ----
	r = await get('/characters/a%20b');
	check(r.status === 400, 'bad id -> 400', r);
	r = await get('/characters/a$b');
	check(r.status === 400, 'bad id $ -> 400', r);
	for (const id of ['__proto__', 'toString', 'constructor']) {
		r = await get(`/characters/${id}`);
		check(r.status === 404, `GET /characters/${id} -> 404`, r);
		r = await put(`/characters/${id}`, { id }, 1);
		check(r.status === 404, `PUT /characters/${id} -> 404`, r);
	}
	r = await get('/characters/..');
	check(r.status === 400 || r.status === 404, '.. id refused', r);
	r = await get('/nope');
	check(r.status === 404, 'unknown path 404', r);
	r = await get('/characters/ann/');
	check(r.status === 404, 'trailing slash 404', r);
	r = await req('DELETE', '/characters/ann');
	check(r.status === 405 && /GET/.test(r.headers.allow), 'DELETE -> 405 with Allow', r);
	r = await post('/characters/ann', {});
	check(r.status === 405, 'POST /characters/ann -> 405', r);
	r = await put('/characters/ann', Object.assign({}, a2, { pad: 'x'.repeat(1024 * 1024) }), 4);
	check(r.status === 413, 'body over 1 MiB -> 413', r.status || r.error);
	r = await put('/characters/ann', Object.assign({}, a2, { pad: 'x'.repeat(1000 * 1000) }), 4);
	check(r.status === 200 && r.json.version === 5, 'body just under 1 MiB accepted', r.status || r.error);
	r = await put('/characters/ann', a2, 5);
	check(r.status === 200 && r.json.version === 6, 'PUT back to normal size', r);
	ok('robustness: 400 bad ids, 404 unknown paths, 405 wrong method, 413 over 1 MiB');

	// ---- quests ----
	r = await get('/areas/meadow/quests');
	check(r.status === 200 && r.json.quests.length === 2 && r.json.quests[0].id === 'slimes' &&
		r.json.quests[0].objectives[0].kind === 'kill', 'GET /areas/meadow/quests', r.json);
	r = await get('/areas/nowhere/quests');
	check(r.status === 200 && Array.isArray(r.json.quests) && r.json.quests.length === 0,
		'unknown area -> empty list', r);
	r = await get('/characters/ann/quests?area=meadow');
	check(r.status === 200 && r.json.main_story.id === 'main_1' &&
		r.json.completed_side_quests[0] === 'herbs' && r.json.accepted.length === 0 &&
		Array.isArray(r.json.class_stories), 'GET ann progress', r.json);
	r = await get('/characters/bob/quests?area=meadow');
	check(r.status === 200 && r.json.main_story === null && r.json.accepted.length === 0 &&
		r.json.completed_side_quests.length === 0, 'default progress for bob', r.json);
	r = await get('/characters/nobody/quests?area=meadow');
	check(r.status === 404, 'progress of unknown character 404', r);
	ok('GET /areas/{area}/quests and /characters/{id}/quests');

	r = await post('/characters/ann/quests/slimes/accept');
	check(r.status === 200 && r.json.accepted === 'slimes', 'accept slimes', r);
	r = await get('/characters/ann/quests?area=meadow');
	check(r.json.accepted.includes('slimes'), 'accepted listed', r.json);
	r = await post('/characters/ann/quests/slimes/accept');
	check(r.status === 409, 're-accept -> 409', r);
	r = await post('/characters/ann/quests/herbs/accept');
	check(r.status === 409, 'accept completed quest -> 409', r);
	r = await post('/characters/ann/quests/dragons/accept');
	check(r.status === 404, 'accept unknown quest -> 404', r);
	r = await post('/characters/nobody/quests/slimes/accept');
	check(r.status === 404, 'accept for unknown character -> 404', r);
	r = await get('/characters/ann/quests/slimes/accept');
	check(r.status === 405, 'GET on accept -> 405', r);
	r = await get('/__characters/ann');
	check(r.json.version === 6, 'accept does not touch the character version', r.json);
	ok('POST accept: 200, 409 already accepted/completed, 404 unknown quest/character');

	// ---- test set-up hooks ----
	r = await put('/__characters/cyd', { name: 'Cyd', area: 'meadow', x: 1, y: 2, hp: 1, max_hp: 1,
		level: 1, xp: 0, inventory: [], quests_in_progress: [] });
	check(r.status === 200 && r.json.version === 1, 'PUT /__characters/cyd default version 1', r);
	r = await get('/characters/cyd');
	check(r.status === 200 && r.json.id === 'cyd' && r.json.version === 1, 'created character served', r.json);
	r = await put('/__characters/cyd', { id: 'cyd', name: 'Cyd', version: 41 });
	check(r.status === 200 && r.json.version === 41, 'replace with version 41', r);
	r = await put('/characters/cyd', { id: 'cyd', name: 'Cyd2' }, 41);
	check(r.status === 200 && r.json.version === 42, 'PUT on set-up character', r);
	r = await get('/__characters/nobody');
	check(r.status === 404, 'GET /__characters unknown 404', r);
	r = await put('/__quests/town', { quests: [{ id: 'rats', giver: 'mayor', name: 'Rats',
		objectives: [{ kind: 'kill', target: 'rat', count: 2 }], rewards: { xp: 5, items: [] } }] });
	check(r.status === 200, 'PUT /__quests/town', r);
	r = await get('/areas/town/quests');
	check(r.json.quests.length === 1 && r.json.quests[0].id === 'rats', 'area quests replaced', r.json);
	r = await post('/characters/bob/quests/rats/accept');
	check(r.status === 200, 'quest from a set-up area acceptable', r);
	r = await put('/__characters/cyd', '{oops');
	check(r.status === 400, 'PUT /__characters bad JSON 400', r);
	ok('set-up hooks: /__characters/{id} GET/PUT, /__quests/{area} PUT');

	// ---- history ----
	let h = await history();
	const annPuts = h.filter((w) => w.method === 'PUT' && w.id === 'ann');
	check(annPuts.length >= 12, 'history records every PUT for ann (incl. refused)', annPuts.length);
	const s200 = annPuts.filter((w) => w.status === 200).map((w) => w.version_after);
	check(JSON.stringify(s200) === JSON.stringify([2, 3, 4, 5, 6]), 'successful PUT versions 2..6', s200);
	const first = annPuts[0];
	check(first.seq >= 1 && first.path === '/characters/ann' && first.if_match === '1' &&
		first.body.x === 200 && first.version_after === 2, 'history entry fields', first);
	check(annPuts.some((w) => w.status === 409 && w.if_match === '2' && w.version_after === 4), '409 recorded', annPuts);
	check(annPuts.some((w) => w.status === 428 && w.if_match === null), '428 recorded', annPuts);
	check(annPuts.some((w) => w.status === 413 && w.body === null), '413 recorded (body dropped)', annPuts);
	check(annPuts.some((w) => w.status === 400 && w.body === '{"id": "ann", bad'), 'bad JSON recorded raw', annPuts);
	const accepts = h.filter((w) => w.method === 'POST');
	check(accepts.length === 6 && accepts[0].quest_id === 'slimes' && accepts[0].status === 200 &&
		accepts[1].status === 409, 'accepts recorded', accepts);
	for (let i = 1; i < h.length; i++)
		check(h[i].seq > h[i - 1].seq, 'history seq increasing', h.map((w) => w.seq));
	check(!h.some((w) => w.path.startsWith('/__')), 'set-up hooks not in history', h);
	ok(`history: ${h.length} writes, in order, refused ones included`);

	// ---- faults ----
	r = await get('/__fault');
	check(r.status === 200 && r.json.mode === 'none', 'GET /__fault none', r.json);
	r = await post('/__fault', { mode: 'explode' });
	check(r.status === 400, 'bad fault mode -> 400', r);
	r = await post('/__fault', '{bad');
	check(r.status === 400, 'bad fault JSON -> 400', r);

	// slow
	await setFault({ mode: 'slow', delay_ms: 300 });
	r = await get('/characters/ann');
	check(r.status === 200 && r.ms >= 280, 'slow GET delayed', { status: r.status, ms: r.ms });
	r = await get('/__health');
	check(r.status === 200 && r.ms < 250, 'faults never apply to /__', r.ms);
	r = await get('/characters/ann', { timeout: 100 });
	check(r.error === 'TIMEOUT', 'slow GET times a short client out', r);
	ok('fault slow: answers normally after delay_ms; /__ unaffected');

	// error
	await setFault({ mode: 'error', status: 503 });
	r = await get('/characters/ann');
	check(r.status === 503 && typeof r.json.error === 'string', 'error 503', r);
	r = await put('/characters/ann', a2, 6);
	check(r.status === 503, 'error on PUT', r);
	r = await get('/__characters/ann');
	check(r.json.version === 6, 'errored PUT stored nothing', r.json);
	await setFault({ mode: 'error' });
	r = await post('/characters/bob/quests/slimes/accept');
	check(r.status === 500, 'error default 500', r);
	ok('fault error: answers status (default 500) with a JSON error, stores nothing');

	// drop
	await setFault({ mode: 'drop' });
	r = await put('/characters/ann', a2, 6);
	check(r.error === 'ECONNRESET' || r.error === 'socket hang up', 'drop: connection destroyed', r);
	r = await get('/characters/ann');
	check(r.error, 'drop on GET', r);
	await setFault({ mode: 'none' });
	r = await get('/characters/ann');
	check(r.status === 200 && r.json.version === 6, 'dropped PUT stored nothing', r.json);
	ok('fault drop: socket destroyed without an answer, nothing stored');

	// conflict
	await setFault({ mode: 'conflict' });
	r = await get('/characters/ann');
	check(r.status === 200, 'conflict does not affect GET', r);
	r = await put('/characters/ann', a2, 6);
	check(r.status === 409 && r.json.version === 6, 'conflict: PUT with correct If-Match -> 409', r);
	r = await get('/__characters/ann');
	check(r.json.version === 6, 'conflict stored nothing', r.json);
	ok('fault conflict: PUT answered 409 without storing; other methods unaffected');

	// hang
	await setFault({ mode: 'hang' });
	r = await get('/characters/ann', { timeout: 300 });
	check(r.error === 'TIMEOUT', 'hang: no answer', r);
	r = await get('/__fault');
	check(r.status === 200 && r.json.mode === 'hang', 'hooks answer during hang', r.json);
	// a raw socket stays open (no FIN) while hanging
	const rawOpen = await new Promise((resolve) => {
		const s = net.connect(PORT, '127.0.0.1', () => s.write('GET /characters/ann HTTP/1.1\r\nHost: x\r\n\r\n'));
		let got = '';
		s.on('data', (d) => { got += d; });
		s.on('end', () => resolve('closed'));
		s.on('error', () => resolve('error'));
		setTimeout(() => { s.destroy(); resolve(got ? 'answered' : 'open'); }, 300);
	});
	check(rawOpen === 'open', 'hang keeps the socket open', rawOpen);
	ok('fault hang: never answers, socket kept open');

	// count
	await setFault({ mode: 'error', status: 502, count: 2 });
	const c1 = await get('/characters/ann');
	const c2 = await get('/characters/bob');
	const c3 = await get('/characters/ann');
	check(c1.status === 502 && c2.status === 502 && c3.status === 200, 'count 2: two errors then normal',
		[c1.status, c2.status, c3.status]);
	r = await get('/__fault');
	check(r.json.mode === 'none', 'fault back to none after count', r.json);
	ok('count: only the next N matching requests, then back to none');

	// match
	await setFault({ mode: 'error', status: 503, count: 1, match: { method: 'PUT', path_prefix: '/characters/' } });
	r = await get('/characters/ann');
	check(r.status === 200, 'match PUT: GET unaffected (and count not consumed)', r);
	r = await post('/characters/bob/quests/herbs/accept');
	check(r.status === 200, 'match PUT: POST unaffected', r);
	r = await get('/__fault');
	check(r.json.mode === 'error' && r.json.count === 1, 'count untouched by non-matching', r.json);
	r = await put('/characters/ann', a2, 6);
	check(r.status === 503, 'matching PUT errored', r);
	r = await put('/characters/ann', a2, 6);
	check(r.status === 200 && r.json.version === 7, 'next PUT normal', r);
	await setFault({ mode: 'slow', delay_ms: 300, match: { path_prefix: '/areas/' } });
	r = await get('/characters/ann');
	check(r.status === 200 && r.ms < 250, 'path_prefix: other path fast', r.ms);
	r = await get('/areas/meadow/quests');
	check(r.status === 200 && r.ms >= 280, 'path_prefix: matching path slow', r.ms);
	await setFault({ mode: 'conflict', count: 1, match: { path_prefix: '/characters/bob' } });
	r = await put('/characters/ann', a2, 7);
	check(r.status === 200 && r.json.version === 8, 'conflict match: ann unaffected', r);
	r = await put('/characters/bob', { id: 'bob', name: 'Bob' }, 7);
	check(r.status === 409, 'conflict match: bob 409', r);
	r = await put('/characters/bob', { id: 'bob', name: 'Bob' }, 7);
	check(r.status === 200 && r.json.version === 8, 'conflict count consumed', r);
	// slow + client gives up: the write is applied anyway (the answer is lost)
	await setFault({ mode: 'slow', delay_ms: 300, count: 1, match: { method: 'PUT' } });
	r = await put('/characters/bob', { id: 'bob', name: 'Bob' }, 8, { timeout: 100 });
	check(r.error === 'TIMEOUT', 'slow PUT: client times out', r);
	await new Promise((res) => setTimeout(res, 350));
	r = await get('/__characters/bob');
	check(r.json.version === 9, 'slow PUT applied although the client left', r.json);
	h = await history();
	check(h[h.length - 1].status === 200 && h[h.length - 1].client_gone === true, 'client_gone recorded', h[h.length - 1]);
	await setFault({ mode: 'none' });
	ok('match: method and path_prefix select requests; non-matching requests do not consume count');

	h = await history();
	const faulted = h.filter((w) => w.fault);
	check(faulted.some((w) => w.fault === 'drop' && w.method === 'PUT' && w.status === 0) &&
		faulted.some((w) => w.fault === 'conflict' && w.status === 409) &&
		faulted.some((w) => w.fault === 'error' && w.status === 503),
	'faulted writes recorded with fault and status', faulted);
	ok('history records faulted writes (fault field; status 0 for drop/hang)');

	// ---- stdout discipline ----
	check(child.stdoutText === `listening on=refapi address=127.0.0.1:${PORT}\n`,
		'stdout holds exactly the listening line', child.stdoutText);
	check(/GET \/characters\/ann 200 [\d.]+ms/.test(stderrLog), 'stderr has per-request log lines',
		stderrLog.slice(0, 200));
	ok('stdout: exactly one line; stderr: one line per request');

	// ---- restart with --state ----
	const hBefore = await history();
	// a hanging request must not delay shutdown
	await setFault({ mode: 'hang' });
	const hanging = get('/characters/ann');
	await new Promise((res) => setTimeout(res, 50));
	const st = await stop('SIGTERM');
	check(st.code === 0 && st.ms < 2000, 'SIGTERM exits 0 promptly', st);
	await hanging;
	ok(`SIGTERM: exit 0 in ${st.ms} ms with a hanging request`);
	check(fs.existsSync(stateFile), 'state file exists');
	check(!fs.readdirSync(tmp).some((f) => f.includes('.tmp')), 'no temporary files left', fs.readdirSync(tmp));

	// The state takes precedence over --data: change data on disk to prove it.
	writeJson(path.join(dataDir, 'characters', 'ann.json'), { id: 'ann', version: 1 });
	await start(['--data', dataDir, '--state', stateFile]);
	PORT = child.port;
	r = await get('/__fault');
	check(r.json.mode === 'none', 'faults not persisted', r.json);
	r = await get('/characters/ann');
	check(r.status === 200 && r.json.version === 8 && r.json.x === 200, 'ann kept after restart', r.json);
	r = await get('/characters/cyd');
	check(r.status === 200 && r.json.version === 42, 'set-up character kept', r.json);
	r = await get('/areas/town/quests');
	check(r.json.quests.length === 1, 'set-up area kept', r.json);
	r = await get('/characters/ann/quests?area=meadow');
	check(r.json.accepted.includes('slimes'), 'accepts kept', r.json);
	const hAfter = await history();
	check(JSON.stringify(hAfter) === JSON.stringify(hBefore), 'history kept', [hBefore.length, hAfter.length]);
	r = await put('/characters/ann', a2, 8);
	check(r.status === 200 && r.json.version === 9, 'PUT after restart', r);
	h = await history();
	check(h[h.length - 1].seq === hBefore[hBefore.length - 1].seq + 1, 'seq continues', h[h.length - 1]);
	const st2 = await stop('SIGINT');
	check(st2.code === 0, 'SIGINT exits 0', st2);
	ok('restart with --state keeps characters, progress, areas and history; SIGINT exits 0');

	// ---- without --data / --state ----
	await start([]);
	PORT = child.port;
	r = await get('/characters/ann');
	check(r.status === 404, 'empty server: 404', r);
	r = await get('/areas/meadow/quests');
	check(r.status === 200 && r.json.quests.length === 0, 'empty server: no quests', r);
	await stop('SIGTERM');
	ok('starts empty without --data');

	// ---- the shipped example data (etc/data) ----
	const etcData = path.join(__dirname, '..', '..', 'etc', 'data');
	if (fs.existsSync(etcData)) {
		await start(['--data', etcData]);
		PORT = child.port;
		const quests = [];
		for (const area of ['meadow', 'town', 'cave']) {
			r = await get(`/areas/${area}/quests`);
			check(r.status === 200 && r.json.quests.length > 0, `etc/data: ${area} has quests`, r.json);
			for (const q of r.json.quests) {
				check(typeof q.id === 'string' && typeof q.giver === 'string' && typeof q.name === 'string' &&
					Array.isArray(q.objectives) && q.objectives.length > 0 &&
					q.objectives.every((o) => ['kill', 'collect', 'talk'].includes(o.kind) &&
						typeof o.target === 'string' && Number.isInteger(o.count) && o.count > 0) &&
					Number.isInteger(q.rewards.xp) && Array.isArray(q.rewards.items),
				`etc/data: quest ${q.id} well-formed`, q);
				quests.push(q.id);
			}
		}
		check(new Set(quests).size === quests.length, 'etc/data: quest ids unique', quests);
		for (const id of ['ann', 'bob', 'cyd']) {
			r = await get(`/characters/${id}`);
			const c = r.json;
			check(r.status === 200 && c.id === id && c.area === 'meadow' && c.version === 1 &&
				['name', 'x', 'y', 'hp', 'max_hp', 'level', 'xp'].every((k) => c[k] !== undefined) &&
				Array.isArray(c.inventory) && Array.isArray(c.quests_in_progress),
			`etc/data: character ${id}`, c);
			r = await get(`/characters/${id}/quests?area=meadow`);
			check(r.status === 200 && r.json.accepted.every((q) => quests.includes(q)) &&
				r.json.completed_side_quests.every((q) => quests.includes(q)),
			`etc/data: progress of ${id} names known quests`, r.json);
		}
		await stop('SIGTERM');
		ok('etc/data loads: 3 characters, quests in meadow, town and cave');
	}

	clearTimeout(overall);
	cleanup();
	console.log('ok: all refapi self-tests passed');
}

main().catch((e) => fail(e && e.stack || String(e)));
