// handover.test, part 1: a small world of three zoned instances (meadow,
// town, cave: each one area of etc/areas, allocated with all three as
// neighbours) on one reference data API, --writeback-interval 1. A player
// using the client library (clients/js) walks from meadow to town over
// the east edge, from town to cave through the house door and back to
// town through the cave's way out. At each hop:
//   - the old instance sent "transfer" {area, client_url, ticket} and no
//     state after it; its status counts the player no more, and another
//     player standing near the edge in meadow (obi) no longer sees it;
//   - the new welcome is in the new area at the arrival point (the edge
//     at the same height, or the door's arrival point), and its character
//     is what the old instance wrote through before the offer (inventory,
//     hp, xp, level, quests in progress), with the version the API holds;
//     its quest progress is the Quest API's.
// At the end the API holds the character as the last instance had it, and
// as seeded apart from two quests accepted on the way (one in meadow, one
// in town, whose collect objective counted an item carried); its PUTs
// took If-Match 1, 2, 3, ... all answered 200 (no 409, no gap), written
// by meadow, then town, then cave, then town, never interleaved; the
// status "handoff" counters and the zoned_handovers_*_total metrics
// count three hand-overs (started, completed, received).
"use strict";
const { checkList } = require("./testlib.cjs");
const {
	World, seed, census, sameCensus, checkPuts, writers, sameDoc,
	json, libClient, bareClient, events, waitEvent, joined, position,
	steer, EDGE_IN, assert, waitFor, sleep,
} = require("./handover-lib.cjs");

const { check, run } = checkList("handover-world.cjs", 110000, () => {
	for (const c of [hana, obi])
		if (c)
			c.close();
});

const world = new World("hw", ["meadow", "town", "cave"],
    ["--writeback-interval", "1"]);
const api = world.api;
const HANA = {
	id: "hana", name: "Hana", area: "meadow", x: 1000, y: 560,
	hp: 13, max_hp: 22, level: 3, xp: 150,
	inventory: [
		{ id: "potion", count: 3 }, { id: "bread", count: 2 },
		{ id: "iron_ore", count: 1 }, { id: "torch", count: 1 },
	],
	quests_in_progress: [
		{ id: "meadow_slimes", progress: [3, 0, 0, 0], done: false },
		{ id: "town_rats", progress: [2, 0, 0, 0], done: false },
	],
	version: 1,
};
// Obi stands in meadow near hana's way to the edge, and watches.
const OBI = {
	id: "obi", name: "Obi", area: "meadow", x: 1150, y: 640,
	hp: 20, max_hp: 20, level: 1, xp: 0,
	inventory: [{ id: "potion", count: 1 }], quests_in_progress: [],
	version: 1,
};
const ARRIVAL = {
	cave: { x: 496, y: 528 },	// town's house door leads here
	town: { x: 880, y: 464 },	// the cave's way out leads here
};
let hana, obi, before;
const hops = [];	// {from, to, at (ms), transfer, welcome, wt (PUT)}

// Hana's successful PUTs written by area.
async function putsBy(area) {
	return (await api.puts("hana")).filter((w) => w.status === 200 &&
	    w.body && w.body.area === area);
}

// Waits until area wrote hana with quests_in_progress satisfying fn.
async function waitWritten(area, fn, what) {
	return waitFor(async () => {
		const p = await putsBy(area);
		return p.length && fn(p[p.length - 1].body) &&
		    p[p.length - 1];
	}, 6000, `${area}: a PUT of hana ${what}`);
}

// Drives hana over an exit (steering toward x, y) and checks the hop from
// area from to area to; n counts the hand-overs so far.
async function hop(from, to, x, y, n, arrival) {
	const oldRec = hana.sockets[hana.sockets.length - 1];
	const obiStates = events(obi.events, "state").length;
	const st = steer(hana, x, y);
	try {
		await waitEvent(hana.log, "transferred", n, 20000,
		    `hana: ${from} -> ${to}`);
	} finally {
		st.stop();
	}
	const at = Date.now();
	const h = { from, to, at };
	hops.push(h);

	// The old socket: "transfer", then no state.
	const ev = oldRec.events;
	const ti = ev.findIndex((e) => e.name === "transfer");
	assert(ti >= 0, `${from}: no "transfer" on the old socket`);
	h.transfer = ev[ti].arg;
	assert(h.transfer.area === to && h.transfer.client_url ===
	    world.z[to].clientUrl && /^[0-9a-f]{32}$/.test(h.transfer.ticket),
	    `${from}: transfer ${JSON.stringify(h.transfer)}, expected area ` +
	    `${to} at ${world.z[to].clientUrl} with a 32-hex-digit ticket`);
	const late = ev.slice(ti + 1).filter((e) => e.name === "state");
	assert(late.length === 0, `${from}: ${late.length} state(s) on the ` +
	    "old socket after \"transfer\"");
	assert(events(hana.log, "transfer_failed").length === 0 &&
	    events(hana.log, "transfer_error").length === 0,
	    `hana: transfer_failed or transfer_error: ${json(hana.log)}`);

	// The new welcome.
	const w = h.welcome = hana.welcome;
	assert(w && w.area === to && hana.area === to, `welcome in ` +
	    `${w && w.area}, expected ${to}`);
	assert(w.character && w.character.id === "hana" &&
	    w.character.area === to, `welcome character ` +
	    json(w.character));

	// What the old instance wrote through before the offer.
	const wts = await putsBy(from);
	const wt = h.wt = wts[wts.length - 1];
	assert(wt, `${from} never wrote hana`);
	sameDoc(w.character, wt.body, `${to}'s welcome character vs ` +
	    `${from}'s last PUT`);
	assert(w.character.version === wt.version_after, `welcome version ` +
	    `${w.character.version}, ${from}'s last PUT left ` +
	    `${wt.version_after}`);
	const since = (await api.puts("hana")).filter((p) => p.seq > wt.seq);
	assert(since.every((p) => p.body && p.body.area === to), `after ` +
	    `${from}'s write-through came PUTs from ` +
	    json(since.map((p) => p.body && p.body.area)));
	// ... and what the old area last showed of her.
	const seen = ev.filter((e) => e.name === "state").map((e) =>
	    e.arg.players.find((p) => p.name === "Hana")).filter(Boolean);
	const me = seen[seen.length - 1];
	assert(me && me.hp === w.character.hp && me.max_hp ===
	    w.character.max_hp && me.level === w.character.level,
	    `${from} last showed hana as ${json(me)}, ${to} welcomes her ` +
	    `with hp ${w.character.hp}/${w.character.max_hp}, level ` +
	    w.character.level);
	const q = await api.req("GET", "/characters/hana/quests");
	assert(q.status === 200 && json(w.quests) === json(q.body),
	    `welcome quests ${json(w.quests)}, the Quest API has ` +
	    json(q.body));

	// Where it arrived.
	const exp = arrival || { x: EDGE_IN, y: wt.body.y };
	assert(Math.abs(w.x - exp.x) <= 0.5 && Math.abs(w.y - exp.y) <= 0.5,
	    `arrived in ${to} at (${w.x}, ${w.y}), expected (${exp.x}, ` +
	    `${exp.y})`);

	// The old instance has let go; the new one has the player.
	await world.waitPlayers(from, from === "meadow" ? 1 : 0,
	    from === "meadow" ? 1 : 0);
	await world.waitPlayers(to, 1, 1);
	const ost = await world.status(from);
	assert(ost.writeback.owned === (from === "meadow" ? 1 : 0),
	    `${from} still owns ${ost.writeback.owned} character(s)`);

	// Obi, in meadow, saw hana there before she left, and not after.
	if (from === "meadow") {
		const saw = (s) => s.arg.players.some((p) => p.name === "Hana");
		const bs = events(obi.events, "state");
		assert(bs.slice(0, obiStates).some(saw), "obi never saw hana " +
		    "in meadow");
		await sleep(1000);
		const tt = ev[ti].at;
		const after = events(obi.events, "state").filter((s) =>
		    s.at > tt + 200);
		assert(after.length >= 5, `obi got ${after.length} states ` +
		    "in the second after hana's transfer");
		assert(!after.some(saw), "obi still sees hana in meadow " +
		    "after her transfer");
	}
	return `the client switched in ${hana.log.filter((e) =>
	    e.name === "transferred")[n - 1].arg.ms} ms; arrived at ` +
	    `(${w.x}, ${w.y}) with version ${w.character.version}`;
}

check("refapi and meadow, town and cave start; each allocated with all " +
    "three as neighbours", async () => {
	await world.start();
	for (const a of world.areas) {
		const r = await world.allocate(a);
		assert(r && r.state === "running", `allocate ${a}: ${json(r)}`);
		const st = await world.status(a);
		assert(st.state === "running" && json(st.neighbours) ===
		    json(world.neighbours()), `${a}: status ${st.state}, ` +
		    `neighbours ${json(st.neighbours)}`);
	}
	await seed(api, HANA);
	await seed(api, OBI);
	before = census(api);
});

check("hana joins meadow with what the API holds; obi watches; she " +
    "accepts meadow_to_town there", async () => {
	await world.announce("meadow", "t-obi", "obi");
	obi = bareClient(world.z.meadow.clientUrl, "t-obi");
	await joined(obi, 8000, "obi");
	await world.announce("meadow", "t-hana", "hana");
	hana = libClient(world.z.meadow.clientUrl, "t-hana");
	const w = await joined(hana, 8000, "hana");
	assert(w.area === "meadow" && w.x === HANA.x && w.y === HANA.y,
	    `welcome in ${w.area} at (${w.x}, ${w.y})`);
	sameDoc(w.character, HANA, "welcome character vs the API's");
	assert(w.character.version === 1, `version ${w.character.version}`);
	const a = await hana.acceptQuest("meadow_to_town");
	assert(a && a.ok === true, `accept_quest: ${json(a)}`);
	await waitWritten("meadow", (b) => b.quests_in_progress.some((q) =>
	    q.id === "meadow_to_town"), "with meadow_to_town");
});

check("meadow -> town over the east edge", () =>
    hop("meadow", "town", 1400, 560, 1));

check("in town: accept town_ore (collect 2 iron_ore: the one carried " +
    "counts), walk to the house door", async () => {
	const a = await hana.acceptQuest("town_ore");
	assert(a && a.ok === true, `accept_quest: ${json(a)}`);
	await waitWritten("town", (b) => b.quests_in_progress.some((q) =>
	    q.id === "town_ore" && json(q.progress) === "[1,0,0,0]" &&
	    q.done === false), "with town_ore at [1,0,0,0]");
	const st = steer(hana, 880, 560);
	try {
		await st.reached(20000, "hana in town");
	} finally {
		st.stop();
	}
});

check("town -> cave through the house door", () =>
    hop("town", "cave", 880, 300, 2, ARRIVAL.cave));

check("cave -> town through the way out", () =>
    hop("cave", "town", 496, 700, 3, ARRIVAL.town));

check("hana walks in town and leaves: the API holds her as town had " +
    "her, and as seeded but for the two quests", async () => {
	const st = steer(hana, 760, 464);
	try {
		await st.reached(8000, "hana back in town");
	} finally {
		st.stop();
	}
	await sleep(300);
	const last = position(hana);
	const w = hana.welcome;
	hana.close();
	await world.waitPlayers("town", 0, 0);
	await world.settled("town");
	const doc = await api.character("hana");
	sameDoc(doc, w.character, "the API's final document vs the last " +
	    "welcome's character");
	assert(doc.area === "town" && Math.abs(doc.x - last.x) <= 1 &&
	    Math.abs(doc.y - last.y) <= 1, `the API has hana in ${doc.area} ` +
	    `at (${doc.x}, ${doc.y}), she was last seen at (${last.x}, ` +
	    `${last.y})`);
	// Hits on her (a mob's "hit" names her as b) in any area.
	const hit = hana.sockets.some((r) => {
		const wl = events(r.events, "welcome");
		const me = wl.length ? wl[0].arg.id : undefined;
		return events(r.events, "state").some((s) => (s.arg.events ||
		    []).some((e) => e.type === "hit" && e.b === me));
	});
	const want = Object.assign({}, HANA, {
		quests_in_progress: HANA.quests_in_progress.concat([
			{ id: "meadow_to_town", progress: [0, 0, 0, 0],
			    done: false },
			{ id: "town_ore", progress: [1, 0, 0, 0], done: false },
		]),
	});
	if (hit) {
		// A mob reached her on the way: only hp may differ.
		want.hp = doc.hp;
	}
	sameDoc(doc, want, "the API's final document vs the seed");
	const q = await api.req("GET", "/characters/hana/quests");
	assert(json(q.body.accepted) === json(["meadow_to_town",
	    "town_ore"]), `the Quest API's accepted: ${json(q.body)}`);
	return `version ${doc.version}, at (${doc.x}, ${doc.y})` +
	    (hit ? "; a mob hit her on the way" : "");
});

check("the API's write history: one writer at a time (If-Match 1, 2, " +
    "3, ... all 200: meadow, town, cave, town)", async () => {
	const puts = await checkPuts(api, "hana", 1);
	const who = writers(puts);
	assert(json(who) === json(["meadow", "town", "cave", "town"]),
	    `hana's PUTs were written by ${json(who)}`);
	// Each hop's write-through is the last PUT of the old area's turn,
	// and the new area's first PUT follows it.
	for (const h of hops) {
		const i = puts.findIndex((w) => w.seq === h.wt.seq);
		assert(i >= 0 && i + 1 < puts.length &&
		    puts[i + 1].body.area === h.to, `after ${h.from}'s ` +
		    `write-through came ${json(puts[i + 1] &&
		    puts[i + 1].body.area)}`);
	}
	const accepts = (await api.history("hana")).filter((w) =>
	    w.method === "POST");
	assert(accepts.length === 2 && accepts.every((w) => w.status === 200),
	    `accepts ${json(accepts.map((w) => [w.quest_id, w.status]))}`);
	for (const a of world.areas) {
		const wb = (await world.status(a)).writeback;
		assert(wb.conflicts === 0 && wb.failures === 0 &&
		    wb.rejected === 0, `${a}: writeback ${json(wb)}`);
	}
	return `${puts.length} PUTs, If-Match 1 to ${puts.length}`;
});

check("status \"handoff\" counters and /metrics count the three " +
    "hand-overs", async () => {
	const want = {
		meadow: { started: 1, completed: 1, failed: 0, reclaimed: 0,
		    received: 0 },
		town: { started: 1, completed: 1, failed: 0, reclaimed: 0,
		    received: 2 },
		cave: { started: 1, completed: 1, failed: 0, reclaimed: 0,
		    received: 1 },
	};
	for (const a of world.areas) {
		const h = await world.handoff(a);
		for (const k of Object.keys(want[a]))
			assert(h[k] === want[a][k], `${a}: status handoff ` +
			    `${json(h)}, expected ${json(want[a])}`);
		assert(typeof h.last_ms === "number" && h.last_ms > 0,
		    `${a}: handoff.last_ms ${h.last_ms}`);
		const m = await world.metrics(a);
		for (const k of Object.keys(want[a])) {
			const name = `zoned_handovers_${k}_total`;
			assert(m[name] === want[a][k], `${a}: ${name} ` +
			    `${m[name]}, expected ${want[a][k]}`);
		}
		assert(m.zoned_handover_seconds_count === 1 &&
		    m.zoned_handover_seconds_sum > 0, `${a}: ` +
		    `zoned_handover_seconds count ` +
		    `${m.zoned_handover_seconds_count} sum ` +
		    `${m.zoned_handover_seconds_sum}`);
	}
});

check("obi leaves; the API still holds every character and item it " +
    "held at the start", async () => {
	obi.close();
	await world.waitPlayers("meadow", 0, 0);
	await world.settled("meadow");
	await checkPuts(api, "obi", 1);
	sameCensus(before, census(api), "the whole walk");
	const p = await world.players();
	assert(Object.values(p).every((n) => n === 0), `players left: ` +
	    json(p));
});

run();
