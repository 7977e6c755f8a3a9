// The main scenario with the official socket.io-client (client.test):
//   node client.cjs CONTROL_URL CLIENT_PORT PING_INTERVAL_MS DATA_DIR
// zoned must have been started idle with --ping-interval PING_INTERVAL_MS,
// and its Character and Quest Data APIs must be file://DATA_DIR holding
// etc/data (the example characters, ann among them). Every character
// announced inline is put on file first: its quest progress is fetched,
// and the file:// Quest Data API knows only the characters it holds.
"use strict";
const fs = require("fs");
const path = require("path");
const {
	ok, fail, check, sleep, until, deadline, controlPlane, expectStatus,
	Client, expectRefused,
} = require("./testlib.cjs");

const [ctlUrl, portArg, pingArg, dataDir] = process.argv.slice(2);
if (!ctlUrl || !portArg || !pingArg || !dataDir) {
	console.error("usage: client.cjs CONTROL_URL CLIENT_PORT PING_MS " +
	    "DATA_DIR");
	process.exit(64);
}
const port = Number(portArg);
const pingInterval = Number(pingArg);
const ctl = controlPlane(ctlUrl);

function character(id, name, x, y) {
	const c = { id, name, hp: 10, max_hp: 10, level: 1, xp: 0,
	    inventory: [], quests_in_progress: [], version: 1 };
	if (x !== undefined)
		Object.assign(c, { area: "meadow", x, y });
	return c;
}

// Puts the character on file (version 1, as the inline documents say).
function seed(id, name) {
	const f = path.join(dataDir, "characters", `${id}.json`);
	if (!fs.existsSync(f))
		fs.writeFileSync(f, JSON.stringify({ id, name, version: 1 }));
}

function pendingBody(ticket, id, extra = {}) {
	seed(id, extra.name || id);
	return Object.assign({ ticket, character_id: id,
	    character: character(id, extra.name || id, extra.x, extra.y) },
	    extra.expires_ms ? { expires_ms: extra.expires_ms } : {});
}

async function announce(ticket, id, extra = {}) {
	await expectStatus(ctl, "POST", "/v1/pending",
	    pendingBody(ticket, id, extra), 201, `announce ${ticket}`);
}

async function status() {
	return expectStatus(ctl, "GET", "/v1/status", undefined, 200,
	    "GET /v1/status");
}

async function main() {
	const done = deadline(25000);

	// ---- idle: nobody gets in, even with a ticket-shaped auth ----------
	await expectRefused(port, { ticket: "t-a" }, "server not running",
	    "not_running", "connect while idle");

	// ---- allocate, announce, connect ------------------------------------
	const alloc = await expectStatus(ctl, "POST", "/v1/allocate",
	    { area: "meadow" }, 200, "allocate meadow");
	check(JSON.stringify(alloc) === '{"state":"running"}',
	    `allocate answered ${JSON.stringify(alloc)}`);
	await announce("t-a", "a1", { name: "Ann", x: 144, y: 464 });
	await announce("t-b", "b1", { name: "Bob", x: 208, y: 304 });

	const a = new Client(port, { ticket: "t-a" }, { name: "A" });
	const w = await a.joined();
	check(Number.isInteger(w.id) && w.id > 0, `welcome id ${w.id}`);
	check(w.name === "Ann", `welcome name ${w.name}, expected Ann`);
	check(w.area === "meadow", `welcome area ${w.area}`);
	check(w.tick_hz === 20, `welcome tick_hz ${w.tick_hz}`);
	check(Number.isInteger(w.tick) && w.tick >= 0, `welcome tick ${w.tick}`);
	check(w.x === 144 && w.y === 464, `welcome at (${w.x}, ${w.y}), ` +
	    "expected the character's (144, 464)");
	check(typeof w.speed === "number" && w.speed > 0,
	    `welcome speed ${w.speed}`);
	// The character document, its quest progress and the area's quests
	// (etc/data/areas/meadow/quests.json) come along.
	check(w.character && w.character.id === "a1" &&
	    w.character.name === "Ann" && w.character.version === 1,
	    `welcome character ${JSON.stringify(w.character)}`);
	check(w.quests && typeof w.quests === "object" &&
	    Array.isArray(w.quests.completed_side_quests),
	    `welcome quests ${JSON.stringify(w.quests)}`);
	check(JSON.stringify(w.area_quests).includes('"meadow_slimes"'),
	    `welcome area_quests ${JSON.stringify(w.area_quests)}`);
	check(a.order[0] === "connect" && a.order[1] === "welcome",
	    `events before welcome: ${a.order}`);
	ok(`A: welcome ${JSON.stringify(w)}`);

	await a.stateCount(3, 2000, "3 states");
	let s = a.states[a.states.length - 1];
	check(Number.isInteger(s.tick) && s.seq === 0 &&
	    Array.isArray(s.players), `state shape: ${JSON.stringify(s)}`);
	for (let i = 1; i < a.states.length; i++)
		check(a.states[i].tick > a.states[i - 1].tick,
		    `state ticks do not increase: ${a.states[i - 1].tick} ` +
		    `then ${a.states[i].tick}`);
	check(a.states[0].tick >= w.tick, "a state older than the welcome");
	let me = a.me(s);
	check(me && me.name === "Ann" && me.x === 144 && me.y === 464,
	    `A in its state: ${JSON.stringify(s.players)}`);
	ok("A: states every tick, with A standing at its start");

	const st = await status();
	check(st.players === 1 && st.pending === 1,
	    `status with one player in: players ${st.players} pending ` +
	    `${st.pending}`);
	ok("status: players 1, pending 1");

	// A character in play cannot get a second ticket here.
	const again = await expectStatus(ctl, "POST", "/v1/pending",
	    pendingBody("t-a-again", "a1", { name: "Ann" }), 409,
	    "a ticket for a1 while A plays");
	check(/still in this instance/.test(again.error),
	    `409 for a1: ${JSON.stringify(again)}`);
	ok("a1 in play: a second ticket gets 409");

	// ---- walking east -----------------------------------------------------
	let r = await a.sock.timeout(2000).emitWithAck("input",
	    { seq: 1, dx: 1, dy: 0 });
	check(r && r.ok === true && r.seq === 1,
	    `ack of input 1: ${JSON.stringify(r)}`);
	let n = a.states.length;
	s = await until(() => a.states.slice(n).find((x) => x.seq >= 1), 2000,
	    "a state with seq 1");
	check(s.seq === 1, `state seq ${s.seq} after input 1`);
	const x1 = a.me(s).x;
	n = a.states.indexOf(s) + 1;
	await a.stateCount(n + 5, 2000);
	let prev = x1;
	for (const t of a.states.slice(n, n + 5)) {
		const p = a.me(t);
		check(p.x > prev && p.y === 464, `walking east: x ${prev} then ` +
		    `${p.x} (y ${p.y})`);
		check(t.seq === 1, `state seq ${t.seq}, expected 1`);
		prev = p.x;
	}
	ok(`A walks east: x ${x1} -> ${prev} over 5 states`);

	// Several inputs in a row: the state echoes the last one.
	a.sock.emit("input", { seq: 2, dx: 1, dy: 0 });
	a.sock.emit("input", { seq: 3, dx: 1, dy: 0 });
	a.sock.emit("input", { seq: 7, dx: 1, dy: 0 });
	n = a.states.length;
	s = await until(() => a.states.slice(n).find((x) => x.seq === 7), 2000,
	    "a state with seq 7");
	ok("state.seq echoes the last input (7)");

	// Stop: dx = dy = 0.
	r = await a.sock.timeout(2000).emitWithAck("input",
	    { seq: 8, dx: 0, dy: 0 });
	check(r && r.ok === true && r.seq === 8,
	    `ack of input 8: ${JSON.stringify(r)}`);
	n = a.states.length;
	s = await until(() => a.states.slice(n).find((x) => x.seq === 8), 2000,
	    "a state with seq 8");
	n = a.states.indexOf(s);
	await a.stateCount(n + 6, 2000);
	const stopped = a.me(s);
	for (const t of a.states.slice(n + 1, n + 6)) {
		const p = a.me(t);
		check(p.x === stopped.x && p.y === stopped.y,
		    `stopped, yet moved from (${stopped.x}, ${stopped.y}) to ` +
		    `(${p.x}, ${p.y})`);
	}
	check(stopped.x > x1, "A did not get anywhere");
	ok(`dx = 0 stops A at x ${stopped.x} (5 states unchanged)`);
	check(a.errors.length === 0, `A got errors: ${JSON.stringify(a.errors)}`);

	// ---- a second client ---------------------------------------------------
	const b = new Client(port, { ticket: "t-b" }, { name: "B" });
	const wb = await b.joined();
	check(wb.id !== w.id && wb.name === "Bob" && wb.x === 208 &&
	    wb.y === 304, `B's welcome: ${JSON.stringify(wb)}`);
	const both = (c) => until(() => {
		const t = c.states[c.states.length - 1];
		if (!t || t.players.length !== 2)
			return false;
		const pa = t.players.find((p) => p.id === w.id);
		const pb = t.players.find((p) => p.id === wb.id);
		return pa && pb && pa.name === "Ann" && pb.name === "Bob" &&
		    pa.x === stopped.x && pb.x === 208 && pb.y === 304;
	}, 2000, `${c.name}: a state with Ann and Bob`);
	await both(a);
	await both(b);
	ok("A and B both see Ann and Bob where they stand");

	// ---- refusals, while A and B keep getting states -----------------------
	const fromA = a.states.length, fromB = b.states.length;
	await expectRefused(port, undefined, "ticket required",
	    "ticket_required", "no auth");
	await expectRefused(port, {}, "ticket required", "ticket_required",
	    "auth without a ticket");
	await expectRefused(port, { ticket: 5 }, "ticket required",
	    "ticket_required", "a numeric ticket");
	await expectRefused(port, { ticket: "t-nosuch" }, "unknown ticket",
	    "ticket_unknown", "an unknown ticket");
	await expectRefused(port, { ticket: "t-a" }, "ticket already used",
	    "ticket_used", "a reused ticket");
	await announce("t-w", "w1");
	await expectStatus(ctl, "DELETE", "/v1/pending/t-w", undefined, 204,
	    "withdraw t-w");
	await expectRefused(port, { ticket: "t-w" }, "unknown ticket",
	    "ticket_unknown", "a withdrawn ticket");
	await announce("t-exp", "e1", { expires_ms: 200 });
	await sleep(400);
	await expectRefused(port, { ticket: "t-exp" }, "ticket expired",
	    "ticket_expired", "an expired ticket");
	await announce("t-c", "c1", { name: "Cy" });
	await expectRefused(port, { ticket: "t-c" }, "Invalid namespace",
	    "invalid_namespace", "namespace /other", { nsp: "/other" });
	// The namespace was refused before the ticket was looked at.
	const c = new Client(port, { ticket: "t-c" }, { name: "C" });
	await c.joined();
	await until(() => c.states.length && c.states[c.states.length - 1]
	    .players.length === 3, 2000, "C: a state with 3 players");
	ok("t-c still good after the /other refusal: C joined, 3 players");
	c.close();
	await until(() => a.states.length && a.states[a.states.length - 1]
	    .players.length === 2, 2000, "A: C gone from the states");
	ok("C left: A sees 2 players again");

	// Once C's final write-back is answered, c1 may come back (409 until
	// then, briefly).
	{
		const end = Date.now() + 2000;
		let r;
		for (;;) {
			r = await ctl("POST", "/v1/pending",
			    pendingBody("t-c-back", "c1", { name: "Cy" }));
			if (r.status !== 409 || Date.now() > end)
				break;
			await sleep(50);
		}
		check(r.status === 201, `c1 again after C left: HTTP ` +
		    `${r.status} ${JSON.stringify(r.body)}`);
		await expectStatus(ctl, "DELETE", "/v1/pending/t-c-back",
		    undefined, 204, "withdraw t-c-back");
		ok("c1 gets a new ticket once C is written back");
	}

	// Every refused connection is closed on the server side too.
	let last;
	const deadlineClients = Date.now() + 3000;
	for (;;) {
		last = await status();
		if (last.clients === 2)
			break;
		if (Date.now() > deadlineClients)
			fail(`status clients ${last.clients} after the refusals, ` +
			    "expected 2 (A and B)");
		await sleep(50);
	}
	check(last.players === 2, `status players ${last.players}, expected 2`);
	ok("status: 2 clients, 2 players after the refusals");

	for (const [cl, from] of [[a, fromA], [b, fromB]]) {
		check(cl.connected && cl.disconnects.length === 0,
		    `${cl.name} was disconnected: ${cl.disconnects}`);
		check(cl.errors.length === 0,
		    `${cl.name} got errors: ${JSON.stringify(cl.errors)}`);
		const gap = cl.maxGap(from);
		check(gap < 1000, `${cl.name}: no state for ${gap} ms during ` +
		    "the refusals");
		check(cl.states.length - from >= 10, `${cl.name}: only ` +
		    `${cl.states.length - from} states during the refusals`);
	}
	ok("A and B kept getting states throughout (no gap over 1 s)");

	// ---- ping/pong keeps the connection alive -------------------------------
	const pingsBefore = a.pings, statesBefore = a.states.length;
	await sleep(pingInterval * 5);
	check(a.connected && b.connected, "a client was dropped while idle");
	check(a.pings - pingsBefore >= 3, `A saw ${a.pings - pingsBefore} ` +
	    `pings in ${pingInterval * 5} ms (interval ${pingInterval})`);
	check(a.maxGap(statesBefore) < 1000, "A: states stopped while waiting");
	ok(`pings answered: still connected after ${a.pings - pingsBefore} ` +
	    "ping periods");

	// ---- a long name in UTF-8 -------------------------------------------------
	// Names are cut to 31 bytes; a cut in the middle of a character would
	// send invalid UTF-8, which WebSocket clients must refuse (1007): every
	// client in the area would be dropped.
	const longName = "\u00e9".repeat(21);	// 42 bytes
	await announce("t-u", "u1", { name: longName });
	const u = new Client(port, { ticket: "t-u" }, { name: "U" });
	await until(() => u.welcome || u.disconnects.length ||
	    u.connectErrors.length, 3000, "U: welcome");
	check(u.welcome, `U, named ${longName}: no welcome ` +
	    `(${u.disconnects.concat(u.connectErrors.map((e) => e.message))})`);
	check(longName.startsWith(u.welcome.name) && u.welcome.name.length >= 15,
	    `U's name ${JSON.stringify(u.welcome.name)}`);
	await u.stateCount(3, 2000);
	for (const cl of [a, b]) {
		await until(() => cl.states.length && cl.states[cl.states.length -
		    1].players.some((p) => p.id === u.welcome.id), 2000,
		    `${cl.name}: U in the states`);
	}
	await sleep(200);
	for (const cl of [a, b, u])
		check(cl.connected && cl.disconnects.length === 0,
		    `${cl.name} was dropped (${cl.disconnects}) once U joined`);
	ok(`a 42-byte name in UTF-8 comes out as ` +
	    `${Buffer.byteLength(u.welcome.name)} bytes of valid UTF-8`);
	u.close();

	// ---- a character fetched from the Character Data API ----------------
	const fetched = await expectStatus(ctl, "POST", "/v1/pending",
	    { ticket: "t-ann", character_id: "ann" }, 201, "announce t-ann");
	check(fetched.ticket === "t-ann" && fetched.character_id === "ann" &&
	    Number.isInteger(fetched.expires_ms),
	    `announce t-ann answered ${JSON.stringify(fetched)}`);
	const f = new Client(port, { ticket: "t-ann" }, { name: "F" });
	const wf = await f.joined();
	check(wf.name === "Ann" && wf.character && wf.character.id === "ann" &&
	    wf.character.name === "Ann" && wf.character.version === 1 &&
	    Array.isArray(wf.character.inventory),
	    `F's welcome: ${JSON.stringify(wf)}`);
	check(wf.quests && wf.quests.main_story &&
	    wf.quests.main_story.id === "main_1_the_cave",
	    `F's quests: ${JSON.stringify(wf.quests)}`);
	check(wf.area === "meadow" && Number.isInteger(wf.id) &&
	    typeof wf.x === "number" && typeof wf.y === "number",
	    `F's welcome: ${JSON.stringify(wf)}`);
	ok("ann, fetched from the Character Data API: welcome with her " +
	    "document and quest progress");
	f.close();

	// ---- drain -----------------------------------------------------------------
	await expectStatus(ctl, "POST", "/v1/drain", undefined, 202, "drain");
	for (const cl of [a, b]) {
		await until(() => cl.disconnects.length, 2000,
		    `${cl.name}: disconnect after the drain`);
		check(cl.disconnects[0] === "io server disconnect",
		    `${cl.name}: disconnect reason "${cl.disconnects[0]}"`);
		const e = cl.errors.find((x) => x.code === "shutdown");
		check(e && typeof e.message === "string" && e.message.length > 0,
		    `${cl.name}: no shutdown error: ${JSON.stringify(cl.errors)}`);
		check(cl.order.indexOf("error") < cl.order.indexOf("disconnect"),
		    `${cl.name}: events ${cl.order}`);
		ok(`${cl.name}: error shutdown ("${e.message}"), then ` +
		    "\"io server disconnect\"");
	}
	const idle = await status();
	check(idle.state === "idle" && idle.players === 0,
	    `after the drain: ${JSON.stringify(idle)}`);
	await expectRefused(port, { ticket: "t-c" }, "server not running",
	    "not_running", "connect after the drain");
	done();
}

main().then(() => process.exit(0), (e) => fail(e.stack || String(e)));
