// bench/slow-api.cjs: does a slow Character Data API slow the tick?
//
//   NODE_PATH=tests/integ/node_modules node bench/slow-api.cjs \
//       [--zoned ./zoned] [--clients 50] [--seconds 10] [--delay-ms 800] \
//       [--state-format delta|json]
//
// Starts the reference API (tests/refapi/server.cjs) and zoned with
// --writeback-interval 1, joins N clients that keep walking (so every
// character is written back every second), makes the API answer every
// request after --delay-ms, and prints the tick timing zoned reports
// (/v1/status tick_stats) and the state rate the clients saw (binary
// "delta" events, or JSON "state" ones with --state-format json: only
// counted, not decoded), first with a fast API and then with the slow one. Figures are for the machine it runs
// on; compare the two runs, not absolute numbers.
"use strict";
const { spawn } = require("child_process");
const path = require("path");
const fs = require("fs");
const os = require("os");
const { io } = require("socket.io-client");

const arg = (name, def) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : def;
};
const top = path.join(__dirname, "..");
const ZONED = arg("zoned", path.join(top, "zoned"));
const CLIENTS = +arg("clients", 50);
const SECONDS = +arg("seconds", 10);
const DELAY = +arg("delay-ms", 800);
const STATE_FORMAT = arg("state-format", undefined);

function start(cmd, args, pattern) {
	return new Promise((resolve, reject) => {
		const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
		let out = "";
		const timer = setTimeout(() => reject(new Error(`${cmd} did not start`)), 10000);
		const look = (d) => {
			out += d;
			const found = {};
			for (const [k, re] of Object.entries(pattern)) {
				const m = out.match(re);
				if (!m) return;
				found[k] = m[1];
			}
			clearTimeout(timer);
			resolve({ proc: p, ...found });
		};
		p.stdout.on("data", look);
		p.stderr.on("data", look);
	});
}

async function http(method, url, body) {
	const res = await fetch(url, { method, body: body && JSON.stringify(body),
	    headers: { "Content-Type": "application/json" } });
	return { status: res.status, body: await res.json().catch(() => null) };
}

function pct(a, p) {
	const s = [...a].sort((x, y) => x - y);
	return s.length ? s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] : 0;
}

async function phase(ctl, port, api, label, slow) {
	await http("POST", `${api}/__fault`, slow ? { mode: "slow", delay_ms: DELAY } : { mode: "none" });
	const sockets = [];
	let gaps = [], states = 0;
	for (let i = 0; i < CLIENTS; i++) {
		const id = `bench-${label}-${i}`;
		await http("PUT", `${api}/__characters/${id}`, { id, name: id, area: "meadow", x: 144, y: 464, version: 1 });
		const t = `${label}-${i}-${Date.now()}`;
		const r = await http("POST", `${ctl}/v1/pending`, { ticket: t, character_id: id });
		if (r.status !== 201) throw new Error(`pending ${id}: ${r.status} ${JSON.stringify(r.body)}`);
		const s = io(`http://127.0.0.1:${port}`, { transports: ["websocket"], auth: { ticket: t }, reconnection: false });
		let last = 0, seq = 0;
		const onState = () => { const now = Date.now(); if (last && gaps.length < 1e6) gaps.push(now - last); last = now; states++; };
		s.on("state", onState);
		s.on("delta", onState);
		s.on("welcome", () => {
			s.timer = setInterval(() => s.emit("input", { seq: ++seq, dx: Math.random() * 2 - 1, dy: Math.random() * 2 - 1 }), 500);
		});
		sockets.push(s);
	}
	// Joining against a slow API takes a while: measure only from here.
	await new Promise((r) => setTimeout(r, 1000));
	gaps = [];
	states = 0;
	const before = (await http("GET", `${ctl}/v1/status`)).body;
	const t0 = Date.now();
	await new Promise((r) => setTimeout(r, SECONDS * 1000));
	const after = (await http("GET", `${ctl}/v1/status`)).body;
	const secs = (Date.now() - t0) / 1000;
	for (const s of sockets) { clearInterval(s.timer); s.close(); }
	await new Promise((r) => setTimeout(r, 1500));
	const ticks = after.tick_stats.ticks - before.tick_stats.ticks;
	console.log(`${label.padEnd(5)} api ${slow ? `slow (${DELAY} ms)` : "fast"}: ` +
	    `${(ticks / secs).toFixed(1)} ticks/s (target ${after.tick_hz}), ` +
	    `skipped ${after.tick_stats.skipped - before.tick_stats.skipped}, ` +
	    `max tick cost ${after.tick_stats.max_cost_us} us; clients saw ` +
	    `${(states / secs / CLIENTS).toFixed(1)} states/s each, gap p50 ${pct(gaps, 50)} ms ` +
	    `p99 ${pct(gaps, 99)} ms; api ${after.dataapi.requests - before.dataapi.requests} requests, ` +
	    `last ${after.dataapi.last_ms} ms, in flight ${after.dataapi.in_flight}`);
}

(async () => {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zoned-bench-"));
	const api = await start("node", [path.join(top, "tests/refapi/server.cjs"), "--listen", "127.0.0.1:0",
	    "--data", path.join(top, "etc/data")], { addr: /address=(\S+)/ });
	const API = `http://${api.addr}`;
	const z = await start(ZONED, ["--client-listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0",
	    "--state-dir", tmp, "--area-dir", path.join(top, "etc/areas"), "--writeback-interval", "1",
	    "--character-api", API, "--quest-api", API, "--api-timeout", String(DELAY * 4), "--max-clients", String(CLIENTS * 2 + 10),
	    ...(STATE_FORMAT ? ["--state-format", STATE_FORMAT] : [])],
	    { ctl: /on=control address=(\S+)/, port: /on=client address=\S+:(\d+)/ });
	const CTL = `http://${z.ctl}`;
	try {
		const a = await http("POST", `${CTL}/v1/allocate`, { area: "meadow" });
		if (a.status !== 200) throw new Error(`allocate: ${a.status}`);
		console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores; ${CLIENTS} clients, ${SECONDS} s per phase`);
		await phase(CTL, z.port, API, "fast", false);
		await phase(CTL, z.port, API, "slow", true);
	} finally {
		z.proc.kill("SIGTERM");
		api.proc.kill("SIGTERM");
		fs.rmSync(tmp, { recursive: true, force: true });
	}
})().catch((e) => { console.error(`bench failed: ${e.message}`); process.exit(1); });
