// handover.test, part 2: hand-overs that do not happen. meadow and town on
// one reference data API, --ticket-ttl 3000, --writeback-interval 1;
// meadow is allocated with no neighbours, town with both. A bare
// socket.io-client player (it follows nothing) in meadow:
//   1. walks east over the edge: "transfer_failed" {area: "town", code:
//      "no_neighbour"} and no "transfer"; it stands at the edge, states go
//      on, inputs are acknowledged ok and it walks back west;
//   2. meadow learns its neighbours (PUT /v1/neighbours); the player walks
//      east again and gets "transfer" to town, which it ignores: meadow
//      sends it no state and no longer counts it (players 0, clients 1),
//      answers its inputs {ok: false, error: "transferring"}, town holds
//      the ticket; after the ticket's lifetime meadow takes it back:
//      "transfer_failed" code "transfer_timeout" (not before 3 s), the
//      player stands where it crossed, states and ok acks again, and the
//      ticket is no longer good at town;
//   3. the status counters and metrics say so (started 2, completed 1,
//      failed 2, reclaimed 1; town received 1), and the API holds the
//      character written by meadow alone, If-Match 1, 2, 3, ... all 200,
//      with every item.
"use strict";
const { checkList } = require("./testlib.cjs");
const {
	World, seed, census, sameCensus, checkPuts, putsAfterOffer, writers,
	sameDoc, json,
	bareClient, events, waitEvent, joined, position, steer, RADIUS,
	assert, waitFor, sleep,
} = require("./handover-lib.cjs");

let nia;
const { check, run } = checkList("handover-fail.cjs", 80000, () => {
	if (nia)
		nia.close();
});

const TTL = 3000;
const world = new World("hf", ["meadow", "town"],
    ["--writeback-interval", "1", "--ticket-ttl", String(TTL)]);
const api = world.api;
const NIA = {
	id: "nia", name: "Nia", area: "meadow", x: 1180, y: 560,
	hp: 15, max_hp: 20, level: 2, xp: 50,
	inventory: [{ id: "potion", count: 4 }, { id: "herb", count: 2 }],
	quests_in_progress: [
		{ id: "meadow_slimes", progress: [1, 0, 0, 0], done: false },
	],
	version: 1,
};
const EAST = 40 * 32;	// meadow's width
let before, crossing;

// How many states c got since it had i.
function statesSince(c, i) {
	return events(c.events, "state").length - i;
}

check("refapi, meadow (no neighbours) and town (both) start", async () => {
	await world.start();
	await world.allocate("meadow", []);
	await world.allocate("town");
	await seed(api, NIA);
	before = census(api);
	await world.announce("meadow", "t-nia", "nia");
	nia = bareClient(world.z.meadow.clientUrl, "t-nia");
	const w = await joined(nia, 8000, "nia");
	assert(w.area === "meadow", `welcome in ${w.area}`);
	sameDoc(w.character, NIA, "welcome character vs the API's");
});

check("no neighbour: walking east over the edge gives transfer_failed " +
    "(no_neighbour); the player stays at the edge and plays on",
    async () => {
	const st = steer(nia, 1400, 560);
	let f;
	try {
		f = await waitEvent(nia.events, "transfer_failed", 1, 10000,
		    "nia at the east edge");
		await sleep(500);
	} finally {
		st.stop();
	}
	assert(f.area === "town" && f.code === "no_neighbour" &&
	    typeof f.message === "string" && f.message.length > 0,
	    `transfer_failed ${json(f)}`);
	assert(events(nia.events, "transfer").length === 0,
	    "a \"transfer\" came too");
	const p = position(nia);
	assert(p && p.x >= EAST - RADIUS - 1 && p.x <= EAST - RADIUS &&
	    Math.abs(p.y - 560) <= 1, `nia stands at ${json(p)}, expected ` +
	    `at the east edge (x ${EAST - RADIUS})`);
	const n = events(nia.events, "state").length;
	await sleep(500);
	assert(statesSince(nia, n) >= 5, `${statesSince(nia, n)} states in ` +
	    "500 ms after transfer_failed");
	const a = await nia.input(-1, 0);
	assert(a && a.ok === true, `input after transfer_failed: ${json(a)}`);
	const back = steer(nia, 1180, 560);
	try {
		await back.reached(8000, "nia walking back west");
	} finally {
		back.stop();
	}
	const ms = await world.status("meadow");
	assert(ms.players === 1 && ms.handoff.started === 1 &&
	    ms.handoff.failed === 1 && ms.handoff.completed === 0,
	    `meadow: players ${ms.players}, handoff ${json(ms.handoff)}`);
	const ts = await world.status("town");
	assert(ts.players === 0 && ts.pending === 0 &&
	    ts.handoff.received === 0, `town: players ${ts.players}, ` +
	    `pending ${ts.pending}, handoff ${json(ts.handoff)}`);
	return f.message;
});

check("PUT /v1/neighbours gives meadow its neighbours", async () => {
	const r = await world.setNeighbours("meadow");
	assert(json(r.neighbours) === json(world.neighbours()),
	    `answer ${json(r)}`);
	const st = await world.status("meadow");
	assert(json(st.neighbours) === json(world.neighbours()),
	    `status neighbours ${json(st.neighbours)}`);
});

let transfer, tAt;
check("a client that ignores \"transfer\": meadow stops sending it " +
    "states and counts it no more; its inputs are \"transferring\"; " +
    "town holds the ticket", async () => {
	const st = steer(nia, 1400, 560);
	try {
		transfer = await waitEvent(nia.events, "transfer", 1, 10000,
		    "nia at the east edge, again");
	} finally {
		st.stop();
	}
	tAt = events(nia.events, "transfer")[0].at;
	assert(transfer.area === "town" && transfer.client_url ===
	    world.z.town.clientUrl && /^[0-9a-f]{32}$/.test(transfer.ticket),
	    `transfer ${json(transfer)}`);
	const puts = (await api.puts("nia")).filter((w) => w.status === 200);
	crossing = puts[puts.length - 1];
	assert(crossing.body.x >= EAST - RADIUS - 1, `the write-through ` +
	    `has nia at (${crossing.body.x}, ${crossing.body.y})`);
	const ms = await world.waitPlayers("meadow", 0, 1);
	const ts = await world.status("town");
	assert(ts.pending === 1 && ts.players === 0 &&
	    ts.handoff.received === 1, `town: pending ${ts.pending}, ` +
	    `players ${ts.players}, handoff ${json(ts.handoff)}`);
	const a = await nia.input(-1, 0);
	assert(a && a.ok === false && a.error === "transferring",
	    `input while handed over: ${json(a)}`);
	// Well within the ticket's lifetime (meadow takes her back only
	// after it and one more second): meadow has not written her since
	// the offer.
	await waitFor(() => Date.now() - tAt >= TTL - 500, TTL, "a while");
	const after = putsAfterOffer(api, "nia", "town");
	assert(after === 0, `meadow wrote nia ${after} time(s) after it ` +
	    "offered her to town");
	assert(events(nia.events, "transfer_failed").length === 1,
	    "taken back before the ticket's lifetime");
	return `meadow handoff ${json(ms.handoff)}`;
});

check("after the ticket's lifetime meadow takes it back: " +
    "transfer_failed (transfer_timeout), then states and ok acks",
    async () => {
	const f = await waitEvent(nia.events, "transfer_failed", 2,
	    TTL + 12000, "nia taken back");
	const fAt = events(nia.events, "transfer_failed")[1].at;
	assert(f.area === "town" && f.code === "transfer_timeout",
	    `transfer_failed ${json(f)}`);
	assert(fAt - tAt >= TTL - 100, `taken back ${fAt - tAt} ms after ` +
	    `"transfer", before the ticket's lifetime (${TTL} ms)`);
	const ev = nia.events;
	const ti = ev.findIndex((e) => e.name === "transfer");
	const fi = ev.findIndex((e, i) => i > ti &&
	    e.name === "transfer_failed");
	const between = ev.slice(ti + 1, fi).filter((e) => e.name === "state");
	assert(between.length === 0, `${between.length} state(s) between ` +
	    "\"transfer\" and \"transfer_failed\"");
	const n = events(nia.events, "state").length;
	await waitFor(() => statesSince(nia, n) >= 5, 3000,
	    "states after transfer_failed");
	const p = position(nia);
	assert(p && Math.abs(p.x - crossing.body.x) <= 0.5 &&
	    Math.abs(p.y - crossing.body.y) <= 0.5, `nia is at ${json(p)}, ` +
	    `she crossed at (${crossing.body.x}, ${crossing.body.y})`);
	const a = await nia.input(-1, 0);
	assert(a && a.ok === true, `input after transfer_failed: ${json(a)}`);
	const back = steer(nia, 1100, 560);
	try {
		await back.reached(8000, "nia walking west");
	} finally {
		back.stop();
	}
	await world.waitPlayers("meadow", 1, 1);
	const ts = await world.status("town");
	assert(ts.pending === 0 && ts.players === 0, `town: pending ` +
	    `${ts.pending}, players ${ts.players}`);
	return `${fAt - tAt} ms after "transfer"`;
});

check("the ticket is no good at town any more", async () => {
	const c = bareClient(world.z.town.clientUrl, transfer.ticket);
	try {
		await waitFor(() => events(c.events, "#connect_error").length ||
		    c.welcome, 8000, "town: the old ticket refused");
		assert(!c.welcome, "town let the old ticket in");
		return events(c.events, "#connect_error")[0].arg;
	} finally {
		c.close();
	}
});

check("counters and metrics: meadow started 2, completed 1, failed 2, " +
    "reclaimed 1; town received 1", async () => {
	const want = {
		meadow: { started: 2, completed: 1, failed: 2, reclaimed: 1,
		    received: 0 },
		town: { started: 0, completed: 0, failed: 0, reclaimed: 0,
		    received: 1 },
	};
	for (const a of world.areas) {
		const h = await world.handoff(a);
		const m = await world.metrics(a);
		for (const k of Object.keys(want[a])) {
			assert(h[k] === want[a][k], `${a}: status handoff ` +
			    `${json(h)}, expected ${json(want[a])}`);
			assert(m[`zoned_handovers_${k}_total`] === want[a][k],
			    `${a}: zoned_handovers_${k}_total ` +
			    `${m[`zoned_handovers_${k}_total`]}, expected ` +
			    want[a][k]);
		}
	}
});

check("nia leaves: the API holds her, written by meadow alone " +
    "(If-Match 1, 2, 3, ... all 200), with every item", async () => {
	const last = position(nia);
	nia.close();
	await world.waitPlayers("meadow", 0, 0);
	await world.settled("meadow");
	const puts = await checkPuts(api, "nia", 1);
	assert(json(writers(puts)) === json(["meadow"]), `written by ` +
	    json(writers(puts)));
	const doc = await api.character("nia");
	sameDoc(doc, NIA, "the API's document vs the seed");
	assert(doc.area === "meadow" && Math.abs(doc.x - last.x) <= 1 &&
	    Math.abs(doc.y - last.y) <= 1, `the API has nia in ${doc.area} ` +
	    `at (${doc.x}, ${doc.y}), last seen at ${json(last)}`);
	sameCensus(before, census(api), "no_neighbour and transfer_timeout");
	return `${puts.length} PUTs`;
});

run();
