#!/usr/bin/env node
// Reference implementation of zoned's Character Data API and Quest Data API
// (DESIGN.md section 4), for tests and demos. Both APIs are served on one
// base URL. No npm dependencies.
//
//   node server.cjs --listen 127.0.0.1:0 [--data DIR] [--state FILE]
//
// Prints exactly one line "listening on=refapi address=HOST:PORT" on stdout
// when ready; everything else (one line per request) goes to stderr.
// Test hooks live under /__ and are described in README.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');

const MAX_BODY = 1024 * 1024;
const ID_RE = /^[A-Za-z0-9_.-]+$/;
const FAULT_MODES = ['none', 'slow', 'error', 'drop', 'conflict', 'hang'];
const DEFAULT_PROGRESS = () => ({
	main_story: null, class_stories: [], completed_side_quests: [], accepted: [],
});

function usage(msg) {
	if (msg)
		process.stderr.write(`refapi: ${msg}\n`);
	process.stderr.write('usage: node server.cjs --listen HOST:PORT [--data DIR] [--state FILE]\n');
	process.exit(2);
}

// ---- arguments ----
const opts = { listen: null, data: null, state: null };
{
	const argv = process.argv.slice(2);
	for (let i = 0; i < argv.length; i++) {
		let a = argv[i], v;
		const eq = a.indexOf('=');
		if (a.startsWith('--') && eq > 0) {
			v = a.slice(eq + 1);
			a = a.slice(0, eq);
		}
		const key = { '--listen': 'listen', '--data': 'data', '--state': 'state' }[a];
		if (!key)
			usage(`unknown argument ${argv[i]}`);
		if (v === undefined) {
			if (i + 1 >= argv.length)
				usage(`${a} needs a value`);
			v = argv[++i];
		}
		opts[key] = v;
	}
	if (!opts.listen)
		usage('--listen is required');
}

function parseListen(s) {
	let m = /^\[([^\]]+)\]:(\d+)$/.exec(s);
	if (!m)
		m = /^([^:]+):(\d+)$/.exec(s);
	if (!m)
		usage(`bad --listen ${s} (want HOST:PORT)`);
	const port = Number(m[2]);
	if (port > 65535)
		usage(`bad port in --listen ${s}`);
	return { host: m[1], port };
}

function log(msg) {
	process.stderr.write(`refapi: ${msg}\n`);
}

// ---- store ----
// The maps have no prototype, so that ids like "__proto__" or "toString"
// are just ids.
const dict = (o) => Object.assign(Object.create(null), o || {});
let store = {
	characters: dict(),	// id -> document (with version)
	progress: dict(),	// id -> quest progress
	areas: dict(),		// area -> {quests: [...]}
	history: [],
	seq: 0,
};

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function loadDataDir(dir) {
	const cdir = path.join(dir, 'characters');
	if (fs.existsSync(cdir)) {
		for (const ent of fs.readdirSync(cdir, { withFileTypes: true })) {
			if (ent.isFile() && ent.name.endsWith('.json')) {
				const id = ent.name.slice(0, -5);
				if (!ID_RE.test(id))
					continue;
				const doc = readJson(path.join(cdir, ent.name));
				doc.id = id;
				if (!Number.isInteger(doc.version))
					doc.version = 1;
				store.characters[id] = doc;
			}
		}
		for (const ent of fs.readdirSync(cdir, { withFileTypes: true })) {
			if (!ent.isDirectory() || !ID_RE.test(ent.name))
				continue;
			const f = path.join(cdir, ent.name, 'quests.json');
			if (fs.existsSync(f))
				store.progress[ent.name] = Object.assign(DEFAULT_PROGRESS(), readJson(f));
		}
	}
	const adir = path.join(dir, 'areas');
	if (fs.existsSync(adir)) {
		for (const ent of fs.readdirSync(adir, { withFileTypes: true })) {
			if (!ent.isDirectory() || !ID_RE.test(ent.name))
				continue;
			const f = path.join(adir, ent.name, 'quests.json');
			if (fs.existsSync(f)) {
				const q = readJson(f);
				store.areas[ent.name] = { quests: Array.isArray(q.quests) ? q.quests : [] };
			}
		}
	}
}

// Atomic and durable: write a temporary file, fsync it, rename it over.
function persist() {
	if (!opts.state)
		return;
	const tmp = `${opts.state}.tmp.${process.pid}`;
	const fd = fs.openSync(tmp, 'w');
	try {
		fs.writeSync(fd, JSON.stringify(store));
		fs.fsyncSync(fd);
	} finally {
		fs.closeSync(fd);
	}
	fs.renameSync(tmp, opts.state);
}

function progressOf(id) {
	if (!store.progress[id])
		store.progress[id] = DEFAULT_PROGRESS();
	return store.progress[id];
}

function questExists(qid) {
	for (const a of Object.values(store.areas))
		for (const q of a.quests)
			if (q && q.id === qid)
				return true;
	return false;
}

function record(entry) {
	store.seq += 1;
	store.history.push(Object.assign({ seq: store.seq }, entry));
}

// ---- faults ----
let fault = { mode: 'none' };

function parseFault(b) {
	if (!b || typeof b !== 'object' || Array.isArray(b))
		return 'body must be a JSON object';
	if (!FAULT_MODES.includes(b.mode))
		return `mode must be one of ${FAULT_MODES.join(', ')}`;
	const f = { mode: b.mode };
	if (b.mode === 'none')
		return f;
	f.delay_ms = 1000;
	if (b.delay_ms !== undefined) {
		if (!Number.isInteger(b.delay_ms) || b.delay_ms < 0)
			return 'delay_ms must be a non-negative integer';
		f.delay_ms = b.delay_ms;
	}
	f.status = 500;
	if (b.status !== undefined) {
		if (!Number.isInteger(b.status) || b.status < 500 || b.status > 599)
			return 'status must be a 5xx integer';
		f.status = b.status;
	}
	if (b.count !== undefined && b.count !== null) {
		if (!Number.isInteger(b.count) || b.count < 1)
			return 'count must be a positive integer';
		f.count = b.count;
	}
	if (b.match !== undefined && b.match !== null) {
		if (typeof b.match !== 'object' || Array.isArray(b.match))
			return 'match must be an object';
		f.match = {};
		if (b.match.method !== undefined) {
			if (typeof b.match.method !== 'string')
				return 'match.method must be a string';
			f.match.method = b.match.method.toUpperCase();
		}
		if (b.match.path_prefix !== undefined) {
			if (typeof b.match.path_prefix !== 'string')
				return 'match.path_prefix must be a string';
			f.match.path_prefix = b.match.path_prefix;
		}
	}
	return f;
}

// The fault that applies to this request, if any; consumes one count.
function takeFault(method, pathname) {
	if (fault.mode === 'none' || pathname.startsWith('/__'))
		return null;
	if (fault.mode === 'conflict' && method !== 'PUT')
		return null;
	const m = fault.match;
	if (m && m.method && m.method !== method)
		return null;
	if (m && m.path_prefix && !pathname.startsWith(m.path_prefix))
		return null;
	const f = fault;
	if (f.count !== undefined) {
		f.count -= 1;
		if (f.count <= 0)
			fault = { mode: 'none' };
	}
	return f;
}

// ---- HTTP plumbing ----
class HttpError extends Error {
	constructor(status, message, extra) {
		super(message);
		this.status = status;
		this.extra = extra;
	}
}

function reply(status, obj, headers) {
	return { status, obj, headers };
}

function send(ctx, status, obj, headers) {
	const body = Buffer.from(JSON.stringify(obj) + '\n');
	ctx.status = status;
	if (ctx.res.headersSent || ctx.res.destroyed)
		return;
	ctx.res.writeHead(status, Object.assign({
		'Content-Type': 'application/json',
		'Content-Length': body.length,
	}, headers || {}));
	ctx.res.end(body);
}

// An oversized body is read to its end and thrown away (up to DISCARD_MAX,
// then the connection is cut) so that the client reliably sees the 413.
const DISCARD_MAX = 16 * MAX_BODY;
function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let n = 0;
		req.on('data', (c) => {
			n += c.length;
			if (n > DISCARD_MAX)
				req.socket.destroy();
			else if (n <= MAX_BODY)
				chunks.push(c);
		});
		req.on('end', () => {
			if (n > MAX_BODY)
				reject(new HttpError(413, `body over ${MAX_BODY} bytes`));
			else
				resolve(Buffer.concat(chunks).toString('utf8'));
		});
		req.on('error', (e) => reject(e));
		req.on('close', () => reject(new Error('request aborted')));
	});
}

function parseJson(text) {
	try {
		return JSON.parse(text);
	} catch (e) {
		throw new HttpError(400, `bad JSON: ${e.message}`);
	}
}

function parseJsonObject(text) {
	const v = parseJson(text);
	if (!v || typeof v !== 'object' || Array.isArray(v))
		throw new HttpError(400, 'body must be a JSON object');
	return v;
}

function checkId(s, what) {
	if (!ID_RE.test(s) || s === '.' || s === '..')
		throw new HttpError(400, `bad ${what} "${s}" (allowed: [A-Za-z0-9_.-])`);
	return s;
}

// Accepts 7, "7" and W/"7".
function parseIfMatch(h) {
	const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(h);
	if (!m)
		throw new HttpError(400, `bad If-Match "${h}" (want a version number)`);
	return Number(m[1]);
}

function methodGuard(ctx, allowed) {
	if (!allowed.includes(ctx.method))
		throw new HttpError(405, `method ${ctx.method} not allowed`, { allow: allowed.join(', ') });
}

// ---- handlers ----
// ctx: {req, res, method, pathname, query, body (string), status, dirty}
// Handlers return reply(...) or throw HttpError; ctx.dirty = true when the
// store changed and must be persisted before the answer goes out.
function route(ctx) {
	const parts = ctx.pathname.split('/').slice(1);
	const [p0, p1, p2, p3, p4] = parts;
	const n = parts.length;

	if (p0 === 'characters' && n === 2) {
		methodGuard(ctx, ['GET', 'PUT']);
		const id = checkId(p1, 'character id');
		return ctx.method === 'GET' ? getCharacter(ctx, id) : putCharacter(ctx, id);
	}
	if (p0 === 'characters' && n === 3 && p2 === 'quests') {
		methodGuard(ctx, ['GET']);
		return getProgress(ctx, checkId(p1, 'character id'));
	}
	if (p0 === 'characters' && n === 5 && p2 === 'quests' && p4 === 'accept') {
		methodGuard(ctx, ['POST']);
		return acceptQuest(ctx, checkId(p1, 'character id'), checkId(p3, 'quest id'));
	}
	if (p0 === 'areas' && n === 3 && p2 === 'quests') {
		methodGuard(ctx, ['GET']);
		const area = checkId(p1, 'area');
		return reply(200, { quests: store.areas[area] ? store.areas[area].quests : [] });
	}
	if (p0 === '__health' && n === 1) {
		methodGuard(ctx, ['GET']);
		return reply(200, { ok: true });
	}
	if (p0 === '__history' && n === 1) {
		methodGuard(ctx, ['GET']);
		return reply(200, { writes: store.history });
	}
	if (p0 === '__fault' && n === 1) {
		methodGuard(ctx, ['GET', 'POST']);
		if (ctx.method === 'POST') {
			const f = parseFault(parseJson(ctx.body));
			if (typeof f === 'string')
				throw new HttpError(400, f);
			fault = f;
			log(`fault set ${JSON.stringify(fault)}`);
		}
		return reply(200, fault);
	}
	if (p0 === '__characters' && n === 2) {
		methodGuard(ctx, ['GET', 'PUT']);
		const id = checkId(p1, 'character id');
		if (ctx.method === 'GET') {
			if (!store.characters[id])
				throw new HttpError(404, `unknown character ${id}`);
			return reply(200, store.characters[id]);
		}
		const doc = parseJsonObject(ctx.body);
		if (doc.id !== undefined && doc.id !== id)
			throw new HttpError(400, `body id ${JSON.stringify(doc.id)} != path id ${id}`);
		doc.id = id;
		if (doc.version === undefined)
			doc.version = 1;
		if (!Number.isInteger(doc.version) || doc.version < 0)
			throw new HttpError(400, 'version must be a non-negative integer');
		store.characters[id] = doc;
		progressOf(id);
		ctx.dirty = true;
		return reply(200, { version: doc.version });
	}
	if (p0 === '__quests' && n === 2) {
		methodGuard(ctx, ['GET', 'PUT']);
		const area = checkId(p1, 'area');
		if (ctx.method === 'PUT') {
			const b = parseJsonObject(ctx.body);
			if (!Array.isArray(b.quests))
				throw new HttpError(400, 'body must be {"quests": [...]}');
			store.areas[area] = { quests: b.quests };
			ctx.dirty = true;
		}
		return reply(200, { quests: store.areas[area] ? store.areas[area].quests : [] });
	}
	throw new HttpError(404, `no such path ${ctx.pathname}`);
}

function getCharacter(ctx, id) {
	const doc = store.characters[id];
	if (!doc)
		throw new HttpError(404, `unknown character ${id}`);
	return reply(200, doc, { ETag: `"${doc.version}"` });
}

function putCharacter(ctx, id) {
	const cur = store.characters[id];
	if (!cur)
		throw new HttpError(404, `unknown character ${id}`);
	const h = ctx.req.headers['if-match'];
	if (h === undefined)
		throw new HttpError(428, 'If-Match required');
	const want = parseIfMatch(h);
	const doc = parseJsonObject(ctx.body);
	if (doc.id !== id)
		throw new HttpError(400, `body id ${JSON.stringify(doc.id)} != path id ${id}`);
	if (want !== cur.version)
		throw new HttpError(409, 'stale version', { body: { version: cur.version } });
	doc.version = cur.version + 1;
	store.characters[id] = doc;
	ctx.dirty = true;
	return reply(200, { version: doc.version }, { ETag: `"${doc.version}"` });
}

function getProgress(ctx, id) {
	if (!store.characters[id])
		throw new HttpError(404, `unknown character ${id}`);
	// ?area= is accepted but not used to filter: progress is per character.
	return reply(200, store.progress[id] || DEFAULT_PROGRESS());
}

function acceptQuest(ctx, id, qid) {
	if (!store.characters[id])
		throw new HttpError(404, `unknown character ${id}`);
	if (!questExists(qid))
		throw new HttpError(404, `unknown quest ${qid}`);
	const p = progressOf(id);
	if (p.accepted.includes(qid))
		throw new HttpError(409, `quest ${qid} already accepted`);
	if (p.completed_side_quests.includes(qid))
		throw new HttpError(409, `quest ${qid} already completed`);
	p.accepted.push(qid);
	ctx.dirty = true;
	return reply(200, { accepted: qid });
}

function tryParse(text) {
	if (text === '')
		return null;
	try {
		return JSON.parse(text);
	} catch (e) {
		return text;
	}
}

// Every contract write (PUT /characters/{id}, POST .../accept) that reaches
// the server goes in the history, whatever its outcome.
function writeEntry(ctx) {
	const parts = ctx.pathname.split('/').slice(1);
	let h = null;
	if (ctx.method === 'PUT' && parts[0] === 'characters' && parts.length === 2)
		h = { method: 'PUT', path: ctx.pathname, id: parts[1] };
	else if (ctx.method === 'POST' && parts[0] === 'characters' && parts.length === 5 &&
	    parts[2] === 'quests' && parts[4] === 'accept')
		h = { method: 'POST', path: ctx.pathname, id: parts[1], quest_id: parts[3] };
	if (h) {
		h.if_match = ctx.req.headers['if-match'] ?? null;
		h.body = ctx.bodyTooBig ? null : tryParse(ctx.body);
	}
	return h;
}

// Records the write (if this is one) and persists, then answers.
function finish(ctx, status, obj, headers, faultMode) {
	const h = writeEntry(ctx);
	if (h) {
		const c = store.characters[h.id] || null;
		record(Object.assign(h, { status, version_after: c ? c.version : null },
			faultMode ? { fault: faultMode } : {},
			status > 0 && (ctx.res.destroyed || ctx.req.socket.destroyed) ? { client_gone: true } : {}));
	}
	if (h || ctx.dirty) {
		try {
			persist();
		} catch (e) {
			log(`cannot write state ${opts.state}: ${e.message}`);
			status = 500;
			obj = { error: `cannot write state: ${e.message}` };
		}
	}
	if (status > 0)
		send(ctx, status, obj, headers);
	else
		ctx.status = status;
}

function errorReply(e) {
	if (!(e instanceof HttpError)) {
		log(`internal error: ${e && e.stack || e}`);
		e = new HttpError(500, 'internal error');
	}
	const headers = {};
	if (e.extra && e.extra.allow)
		headers.Allow = e.extra.allow;
	if (e.status === 413)
		headers.Connection = 'close';
	return reply(e.status, Object.assign({ error: e.message }, e.extra && e.extra.body), headers);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function handle(req, res) {
	const t0 = process.hrtime.bigint();
	const url = req.url || '/';
	const q = url.indexOf('?');
	const ctx = {
		req, res, method: req.method,
		pathname: q >= 0 ? url.slice(0, q) : url,
		query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''),
		body: '', status: 0, dirty: false, bodyTooBig: false,
	};
	const done = (what) => {
		const ms = Number(process.hrtime.bigint() - t0) / 1e6;
		log(`${ctx.method} ${url} ${what} ${ms.toFixed(1)}ms`);
	};
	try {
		ctx.body = await readBody(req);
	} catch (e) {
		if (e instanceof HttpError) {
			ctx.bodyTooBig = e.status === 413;
			const r = errorReply(e);
			finish(ctx, r.status, r.obj, r.headers);
			done(ctx.status);
		} else {
			done('aborted');
		}
		return;
	}

	const f = takeFault(ctx.method, ctx.pathname);
	if (f) {
		switch (f.mode) {
		case 'slow':
			await sleep(f.delay_ms);
			break;
		case 'error':
			finish(ctx, f.status, { error: `injected fault: ${f.status}` }, null, 'error');
			done(`${ctx.status} (fault error)`);
			return;
		case 'drop':
			finish(ctx, 0, null, null, 'drop');
			req.socket.destroy();
			done('dropped (fault drop)');
			return;
		case 'hang':
			finish(ctx, 0, null, null, 'hang');
			done('hanging (fault hang)');
			return;
		case 'conflict': {
			const parts = ctx.pathname.split('/');
			const cur = parts[1] === 'characters' && store.characters[parts[2]];
			finish(ctx, 409, { error: 'stale version', version: cur ? cur.version : null }, null, 'conflict');
			done(`${ctx.status} (fault conflict)`);
			return;
		}
		}
	}

	let r;
	try {
		r = route(ctx);
	} catch (e) {
		r = errorReply(e);
	}
	finish(ctx, r.status, r.obj, r.headers);
	done(ctx.status + (f ? ` (fault ${f.mode})` : ''));
}

// ---- start ----
function loadStore() {
	if (opts.state && fs.existsSync(opts.state)) {
		const s = readJson(opts.state);
		store = {
			characters: dict(s.characters), progress: dict(s.progress), areas: dict(s.areas),
			history: Array.isArray(s.history) ? s.history : [],
			seq: Number.isInteger(s.seq) ? s.seq : 0,
		};
		log(`state loaded from ${opts.state} (${Object.keys(store.characters).length} characters, ${store.history.length} writes)`);
		if (opts.data)
			log(`--data ${opts.data} ignored: the state file takes precedence`);
		return;
	}
	if (opts.data) {
		loadDataDir(opts.data);
		log(`data loaded from ${opts.data} (${Object.keys(store.characters).length} characters, ${Object.keys(store.areas).length} areas)`);
	}
	persist();
}

try {
	loadStore();
} catch (e) {
	log(`cannot load data: ${e.message}`);
	process.exit(1);
}

const { host, port } = parseListen(opts.listen);
const server = http.createServer((req, res) => {
	handle(req, res).catch((e) => {
		log(`internal error: ${e && e.stack || e}`);
		try {
			req.socket.destroy();
		} catch (e2) { /* ignore */ }
	});
});
server.on('clientError', (err, sock) => {
	if (sock.writable)
		sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
	else
		sock.destroy();
});
server.on('error', (e) => {
	log(`cannot listen on ${opts.listen}: ${e.message}`);
	process.exit(1);
});
server.listen(port, host, () => {
	const a = server.address();
	const addr = a.family === 'IPv6' || a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
	process.stdout.write(`listening on=refapi address=${addr}\n`);
});

for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		log(`${sig}, exiting`);
		process.exit(0);
	});
