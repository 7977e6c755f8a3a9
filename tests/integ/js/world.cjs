// The world over the network with the official socket.io-client
// (world.test):
//   node world.cjs CONTROL_URL CLIENT_PORT DATA_DIR MAP.tmj
// zoned must have been started idle with its Character and Quest Data APIs
// at file://DATA_DIR holding etc/data; MAP.tmj is etc/areas/meadow.tmj,
// read here for its solid tiles, mob spawners and NPCs. Each scenario plays
// a fresh character, put on file in DATA_DIR/characters first:
//   1. walking into a wall stops flush before it, never inside it;
//   2. a slime that sees a player standing still chases and hits it;
//   3. killing a slime grants xp and advances meadow_slimes, and both are
//      in the character document written back after the disconnect;
//   4. talking to farmer_gil next to him gives a talk event, an unknown
//      NPC gives bad_input.
// Mobs move at random: the scenarios follow the nearest mob and wait
// generously, within bounds.
"use strict";
const fs = require("fs");
const path = require("path");
const {
	sleep, checkList, controlPlane, expectStatus, Client,
} = require("./testlib.cjs");
const { RADIUS, QERR, MOB_SLACK, prop, loadMap, waypoint } =
    require("./maplib.cjs");

const [ctlUrl, portArg, dataDir, mapPath] = process.argv.slice(2);
if (!ctlUrl || !portArg || !dataDir || !mapPath) {
	console.error("usage: world.cjs CONTROL_URL CLIENT_PORT DATA_DIR " +
	    "MAP.tmj");
	process.exit(64);
}
const port = Number(portArg);
const ctl = controlPlane(ctlUrl);
const MOB_ID_BASE = 0x40000000;
const TALK_RANGE = 64;
const clients = [];

function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

// Polls fn every 20 ms until it returns something truthy; throws after ms.
async function waitFor(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out after ${ms} ms waiting for ` +
			    what);
		await sleep(20);
	}
}

// ---- the map ------------------------------------------------------------



const map = loadMap(mapPath);

function distToRect(x, y, o) {
	const dx = Math.max(o.x - x, 0, x - (o.x + o.width));
	const dy = Math.max(o.y - y, 0, y - (o.y + o.height));
	return Math.hypot(dx, dy);
}

// Far from every spawner: no mob can wander (96) and see (128) that far.
function quiet(x, y) {
	return map.spawners.every((s) => distToRect(x, y, s) > 260);
}

// ---- characters and clients ---------------------------------------------

function characterFile(id) {
	return path.join(dataDir, "characters", `${id}.json`);
}

function readCharacter(id) {
	return JSON.parse(fs.readFileSync(characterFile(id), "utf8"));
}

async function join(id, x, y) {
	assert(map.fits(x, y), `${id}: start (${x}, ${y}) is not free`);
	fs.writeFileSync(characterFile(id), JSON.stringify({
		id, name: id.toUpperCase(), area: "meadow", x, y, hp: 20,
		max_hp: 20, level: 1, xp: 0, inventory: [],
		quests_in_progress: [], version: 1,
	}));
	await expectStatus(ctl, "POST", "/v1/pending",
	    { ticket: `t-${id}`, character_id: id }, 201, `announce ${id}`);
	const c = new Client(port, { ticket: `t-${id}` }, { name: id });
	clients.push(c);
	await waitFor(() => c.welcome || c.connectErrors.length, 5000,
	    `${id}: welcome`);
	assert(c.welcome, `${id} refused: ${c.connectErrors[0] &&
	    c.connectErrors[0].message}`);
	assert(c.welcome.x === x && c.welcome.y === y,
	    `${id}: welcome at (${c.welcome.x}, ${c.welcome.y}), expected ` +
	    `(${x}, ${y})`);
	assert(c.welcome.id > 0 && c.welcome.id < MOB_ID_BASE,
	    `${id}: player id ${c.welcome.id}`);
	await waitFor(() => c.me(), 2000, `${id}: itself in a state`);
	c.seq = 0;
	c.held = [0, 0];
	return c;
}

// An input; with ack, resolves to the acknowledgement.
function send(c, fields, ack) {
	const o = Object.assign({ seq: ++c.seq, dx: c.held[0], dy: c.held[1] },
	    fields);
	if (typeof o.dx === "number" && typeof o.dy === "number")
		c.held = [o.dx, o.dy];
	if (ack)
		return c.sock.timeout(2000).emitWithAck("input", o);
	c.sock.emit("input", o);
	return undefined;
}

function events(c, from = 0) {
	const out = [];
	for (const s of c.states.slice(from))
		for (const e of s.events || [])
			out.push(Object.assign({ tick: s.tick }, e));
	return out;
}

function last(c) {
	return c.states[c.states.length - 1];
}

function living(c) {
	return last(c).mobs.filter((m) => m.hp > 0);
}

function nearestMob(c) {
	const me = c.me();
	let best = null, bestd = Infinity;
	for (const m of living(c)) {
		const d = Math.hypot(m.x - me.x, m.y - me.y);
		// Prefer one that can be walked to in a straight line.
		const cost = d + (map.clear(me.x, me.y, m.x, m.y) ? 0 : 400);
		if (cost < bestd) {
			best = m;
			bestd = cost;
		}
	}
	return best;
}


// One step of walking towards (x, y) around the walls, or sideways for a
// while when a wall holds the player anyway.
function steer(c, tx, ty, extra = {}) {
	const me = c.me();
	const [x, y] = waypoint(map, me.x, me.y, tx, ty);
	const d = Math.hypot(x - me.x, y - me.y);
	let dx = d > 0 ? (x - me.x) / d : 0, dy = d > 0 ? (y - me.y) / d : 0;
	const now = Date.now();
	c.trail = (c.trail || []).filter((p) => now - p.at < 500);
	c.trail.push({ at: now, x: me.x, y: me.y });
	if (c.sideways && now < c.sideways.until)
		[dx, dy] = [c.sideways.dx, c.sideways.dy];
	else if (c.trail.length > 5 && (c.held[0] || c.held[1]) &&
	    Math.hypot(c.trail[0].x - me.x, c.trail[0].y - me.y) < 2) {
		const s = (c.flip = -(c.flip || 1));
		c.sideways = { until: now + 700, dx: -dy * s, dy: dx * s };
		[dx, dy] = [c.sideways.dx, c.sideways.dy];
		c.trail = [];
	}
	dx = Math.round(dx * 1000) / 1000;
	dy = Math.round(dy * 1000) / 1000;
	if (dx !== c.held[0] || dy !== c.held[1] || Object.keys(extra).length)
		send(c, Object.assign({ dx, dy }, extra));
}

function stop(c, extra = {}) {
	if (c.held[0] || c.held[1] || Object.keys(extra).length)
		send(c, Object.assign({ dx: 0, dy: 0 }, extra));
}

async function leave(c) {
	c.close();
	await waitFor(() => !c.connected, 2000, `${c.name}: disconnected`);
}

// A character file written back with what want() looks for.
async function writtenBack(id, want, ms, what) {
	let doc;
	await waitFor(() => {
		try {
			doc = readCharacter(id);
		} catch (e) {
			return false;	/* between write and rename */
		}
		return doc.version > 1 && want(doc);
	}, ms, what);
	return doc;
}

// ---- the scenarios --------------------------------------------------------

const { check, run } = checkList("world.cjs", 38000, () => {
	for (const c of clients)
		c.close();
});

// A solid tile with open ground on one side, away from the mobs: start
// there, facing it.
function wallApproach(dc, dr) {
	for (let r = 0; r < map.rows; r++) {
		for (let c = 0; c < map.cols; c++) {
			if (!map.solidTile(c, r))
				continue;
			let ok = true;
			for (let k = 1; k <= 4 && ok; k++)
				ok = !map.solidTile(c + dc * k, r + dr * k);
			const x = (c + 0.5 + dc * 4) * map.tw;
			const y = (r + 0.5 + dr * 4) * map.th;
			if (ok && quiet(x, y) && quiet((c + 0.5) * map.tw,
			    (r + 0.5) * map.th))
				return { c, r, x, y };
		}
	}
	throw new Error(`no solid tile with room on side ${dc},${dr}`);
}

async function walkInto(c, dc, dr, what) {
	const t = wallApproach(dc, dr);
	const start = c.me();
	// Teleporting is not offered: the character starts there (join).
	assert(start.x === t.x && start.y === t.y, `${what}: not at the start`);
	const from = c.states.length;
	const r = await send(c, { dx: -dc, dy: -dr }, true);
	assert(r && r.ok === true, `${what}: ack ${JSON.stringify(r)}`);
	// Moved, then in the same place for the last 10 states.
	await waitFor(() => {
		const n = c.states.length;
		if (n < from + 10)
			return false;
		const b = c.me(c.states[n - 1]);
		return (b.x !== start.x || b.y !== start.y) &&
		    c.states.slice(n - 10).every((s) => c.me(s).x === b.x &&
		    c.me(s).y === b.y);
	}, 5000, `${what}: the player stops`);
	const end = c.me();
	// Flush against the tile's face, with the other axis unchanged (to
	// 0.1, and the 1/8 unit of the deltas).
	const tol = 0.1 + 2 * QERR;
	const wantX = dc > 0 ? (t.c + 1) * map.tw + RADIUS :
	    dc < 0 ? t.c * map.tw - RADIUS : t.x;
	const wantY = dr > 0 ? (t.r + 1) * map.th + RADIUS :
	    dr < 0 ? t.r * map.th - RADIUS : t.y;
	assert(Math.abs(end.x - wantX) <= tol && Math.abs(end.y - wantY) <= tol,
	    `${what}: stopped at (${end.x}, ${end.y}), expected ` +
	    `(${wantX}, ${wantY}) in front of tile (${t.c}, ${t.r})`);
	for (const s of c.states.slice(from)) {
		const p = c.me(s);
		assert(!map.overlaps(p.x, p.y), `${what}: body at (${p.x}, ` +
		    `${p.y}) overlaps a solid tile (tick ${s.tick})`);
	}
	stop(c);
	return `tile (${t.c}, ${t.r}): stopped at (${end.x}, ${end.y}) ` +
	    `after ${c.states.length - from} states`;
}

let w1, w1b;
check("1a. walking north into a wall stops flush before it", async () => {
	const t = wallApproach(0, 1);
	w1 = await join("w1", t.x, t.y);
	return walkInto(w1, 0, 1, "north");
});

check("1b. walking east into a wall stops flush before it", async () => {
	const t = wallApproach(-1, 0);
	w1b = await join("w1b", t.x, t.y);
	return walkInto(w1b, -1, 0, "east");
});

check("1c. talk out of reach of farmer_gil: acknowledged, no talk event",
    async () => {
	const npc = map.npcs.find((n) => n.name === "farmer_gil");
	const me = w1.me();
	assert(Math.hypot(me.x - npc.x, me.y - npc.y) > TALK_RANGE,
	    "w1 is within reach of farmer_gil");
	const from = w1.states.length;
	const r = await send(w1, { dx: 0, dy: 0, talk: "farmer_gil" }, true);
	assert(r && r.ok === true, `ack ${JSON.stringify(r)}`);
	await waitFor(() => w1.states.slice(from).some((s) => s.seq === r.seq),
	    2000, "the input applied");
	await sleep(300);
	const talk = events(w1, from).filter((e) => e.type === "talk");
	assert(talk.length === 0, `talk events: ${JSON.stringify(talk)}`);
	await leave(w1);
	await leave(w1b);
});

check("2. a slime sees a player standing still, chases and hits it",
    async () => {
	const sp = map.spawners[0];
	const c = await join("w2", sp.x + sp.width / 2, sp.y - 32);
	const me0 = c.me();
	const from = c.states.length;
	let hit, chaser;
	const end = Date.now() + 12000;
	while (Date.now() < end) {
		const m = nearestMob(c), me = c.me();
		// Near and in sight, the slime sees the player.
		if (m && (Math.hypot(m.x - me.x, m.y - me.y) > 100 ||
		    !map.clear(me.x, me.y, m.x, m.y)) &&
		    !events(c, from).some((e) => e.type === "hit"))
			steer(c, m.x, m.y);
		else
			stop(c);
		for (const s of c.states.slice(from)) {
			const x = s.mobs.find((o) => o.state === "chase" ||
			    o.state === "attack");
			if (x && !chaser)
				chaser = x;
		}
		hit = events(c, from).find((e) => e.type === "hit" &&
		    e.b === c.welcome.id);
		if (hit && chaser && c.me().hp < me0.hp)
			break;
		await sleep(50);
	}
	assert(chaser, "no mob in state chase or attack within 12 s; the " +
	    `player at ${JSON.stringify(c.me())}, mobs ` +
	    JSON.stringify(last(c).mobs));
	assert(hit, "no hit event with b = the player within 12 s");
	assert(hit.a >= MOB_ID_BASE && hit.value > 0 && hit.text === "slime",
	    `hit event ${JSON.stringify(hit)}`);
	assert(c.me().hp < me0.hp, `hp ${c.me().hp}, started ${me0.hp}`);
	const hitter = c.states.find((s) => s.tick === hit.tick).mobs
	    .find((o) => o.id === hit.a);
	assert(hitter && (hitter.state === "attack" || hitter.state ===
	    "chase"), `the hitter in that state: ${JSON.stringify(hitter)}`);
	await leave(c);
	return `mob ${hit.a} (${hitter.state}) hit for ${hit.value}; hp ` +
	    `${me0.hp} -> ${c.me().hp}`;
});

let w3, killed;
check("3a. accept_quest meadow_slimes: ack ok:true, quest_accepted event",
    async () => {
	const sp = map.spawners[1];
	w3 = await join("w3", sp.x + sp.width / 2, sp.y + sp.height + 32);
	const from = w3.states.length;
	const r = await w3.sock.timeout(3000).emitWithAck("accept_quest",
	    { quest: "meadow_slimes" });
	assert(r && r.ok === true && r.quest === "meadow_slimes" &&
	    r.error === undefined, `ack ${JSON.stringify(r)}`);
	const e = await waitFor(() => events(w3, from).find((x) =>
	    x.type === "quest_accepted"), 2000, "a quest_accepted event");
	assert(e.a === w3.welcome.id && e.text === "meadow_slimes",
	    `quest_accepted event ${JSON.stringify(e)}`);
	// The Quest Data API recorded it: a second accept is refused.
	const again = await w3.sock.timeout(3000).emitWithAck("accept_quest",
	    { quest: "meadow_slimes" });
	assert(again && again.ok === false &&
	    again.error === "not_acceptable", `second accept: ` +
	    JSON.stringify(again));
	return JSON.stringify(r);
});

check("3b. attacking a slime until it dies: mob_killed, xp, quest_progress",
    async () => {
	assert(w3, "no w3");
	const c = w3, me = c.welcome.id, from = c.states.length;
	const end = Date.now() + 15000;
	let lastAttack = 0;
	while (Date.now() < end) {
		killed = events(c, from).find((e) => e.type === "mob_killed" &&
		    e.a === me);
		if (killed)
			break;
		if (c.me().dead) {
			await sleep(50);
			continue;
		}
		const m = nearestMob(c), p = c.me();
		const attack = Date.now() - lastAttack > 120;
		if (attack)
			lastAttack = Date.now();
		const extra = attack ? { attack: true } : {};
		if (m && Math.hypot(m.x - p.x, m.y - p.y) > 30)
			steer(c, m.x, m.y, extra);
		else
			stop(c, extra);
		await sleep(40);
	}
	stop(c);
	assert(c.errors.length === 0, `errors: ${JSON.stringify(c.errors)}`);
	assert(killed, "no mob_killed event with a = the player within 15 s " +
	    `(hits: ${JSON.stringify(events(c, from).filter((e) =>
	    e.type === "hit" && e.a === me))})`);
	const sp = map.spawners.find((s) => prop(s, "kind") === "slime");
	assert(killed.b >= MOB_ID_BASE && killed.text === "slime" &&
	    killed.value === prop(sp, "xp"), `mob_killed event ` +
	    JSON.stringify(killed));
	const hits = events(c, from).filter((e) => e.type === "hit" &&
	    e.a === me && e.b === killed.b);
	assert(hits.length > 0 && hits.every((e) => e.value > 0),
	    `hit events on ${killed.b}: ${JSON.stringify(hits)}`);
	const prog = await waitFor(() => events(c, from).find((e) =>
	    e.type === "quest_progress"), 2000, "a quest_progress event");
	assert(prog.a === me && prog.text === "meadow_slimes" &&
	    prog.b === 0 && prog.value >= 1 && prog.tick === killed.tick,
	    `quest_progress event ${JSON.stringify(prog)} after ` +
	    JSON.stringify(killed));
	// Dead mobs are left out of the state until they respawn.
	const s = c.states.find((x) => x.tick === killed.tick);
	assert(!s.mobs.some((o) => o.id === killed.b),
	    `the dead mob is still listed: ${JSON.stringify(s.mobs)}`);
	return `mob ${killed.b} killed after ${hits.length} hits, ` +
	    `+${killed.value} xp; quest_progress ${prog.value}/5`;
});

check("3c. after the disconnect the document holds the xp and the progress",
    async () => {
	assert(w3 && killed, "nothing killed");
	await leave(w3);
	const kills = events(w3).filter((e) => e.type === "quest_progress" &&
	    e.text === "meadow_slimes").reduce((n, e) => Math.max(n, e.value),
	    0);
	const xp = events(w3).filter((e) => e.type === "mob_killed" ||
	    e.type === "quest_done").reduce((n, e) => n + e.value, 0);
	const doc = await writtenBack("w3", (d) => d.xp > 0, 5000,
	    "w3.json written back with xp");
	assert(doc.xp === xp, `xp ${doc.xp}, expected ${xp}`);
	const q = (doc.quests_in_progress || []).find((x) =>
	    x.id === "meadow_slimes");
	assert(q && Array.isArray(q.progress) && q.progress[0] === kills &&
	    q.done === false, `quests_in_progress ` +
	    JSON.stringify(doc.quests_in_progress));
	const progress = JSON.parse(fs.readFileSync(path.join(dataDir,
	    "characters", "w3", "quests.json"), "utf8"));
	assert(progress.accepted.includes("meadow_slimes"),
	    `quest progress on file: ${JSON.stringify(progress)}`);
	return `version ${doc.version}, xp ${doc.xp}, meadow_slimes ` +
	    JSON.stringify(q.progress);
});

check("4. talk next to farmer_gil: a talk event; an unknown NPC: bad_input",
    async () => {
	const npc = map.npcs.find((n) => n.name === "farmer_gil");
	assert(npc, "no farmer_gil in the map");
	let x = npc.x - 32, y = npc.y;
	if (!map.fits(x, y))
		[x, y] = [npc.x, npc.y + 32];
	const c = await join("w4", x, y);
	const me = c.welcome.id, from = c.states.length;
	const r = await send(c, { dx: 0, dy: 0, talk: "farmer_gil" }, true);
	assert(r && r.ok === true, `ack ${JSON.stringify(r)}`);
	const e = await waitFor(() => events(c, from).find((x) =>
	    x.type === "talk"), 2000, "a talk event");
	const idx = map.npcs.indexOf(npc);
	assert(e.a === me && e.text === "farmer_gil" && e.value === idx,
	    `talk event ${JSON.stringify(e)}, expected a ${me}, value ${idx}`);
	const n = c.errors.length;
	const bad = await send(c, { dx: 0, dy: 0, talk: "nobody_here" },
	    true);
	assert(bad && bad.ok === false && bad.error === "bad_input",
	    `talk to nobody_here: ack ${JSON.stringify(bad)}`);
	await waitFor(() => c.errors.length > n, 2000, "the error event");
	assert(c.errors[n].code === "bad_input", `error ` +
	    JSON.stringify(c.errors[n]));
	const num = await send(c, { dx: 0, dy: 0, talk: 7 }, true);
	assert(num && num.ok === false && num.error === "bad_input",
	    `talk: 7: ack ${JSON.stringify(num)}`);
	const atk = await send(c, { dx: 0, dy: 0, attack: "yes" }, true);
	assert(atk && atk.ok === false && atk.error === "bad_input",
	    `attack: "yes": ack ${JSON.stringify(atk)}`);
	await leave(c);
	return `talk ${JSON.stringify(e)}`;
});

check("every body seen in every state fits the map; ids are apart",
    async () => {
	let n = 0;
	for (const c of clients) {
		for (const s of c.states) {
			for (const p of s.players) {
				assert(p.id < MOB_ID_BASE, `player id ${p.id}`);
				if (!p.dead)
					assert(!map.overlaps(p.x, p.y), `player ` +
					    `${p.id} at (${p.x}, ${p.y}) overlaps ` +
					    `a solid tile (tick ${s.tick})`);
			}
			for (const m of s.mobs) {
				assert(m.id >= MOB_ID_BASE, `mob id ${m.id}`);
				assert(["idle", "wander", "chase", "attack",
				    "return"].includes(m.state),
				    `mob state ${m.state}`);
				// Shown within MOB_SLACK of where it is.
				assert(!map.overlaps(m.x, m.y, QERR + MOB_SLACK +
				    0.01), `mob ${m.id} ` +
				    `at (${m.x}, ${m.y}) overlaps a solid ` +
				    `tile (tick ${s.tick})`);
			}
			n++;
		}
	}
	return `${n} states`;
});

(async () => {
	await expectStatus(ctl, "POST", "/v1/allocate", { area: "meadow" },
	    200, "allocate meadow");
	run();
})().catch((e) => {
	console.log(`FAIL: ${e.stack || e}`);
	process.exit(1);
});
