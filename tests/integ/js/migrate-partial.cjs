// Half-done work across a live migration (migrate-partial.test): each
// check leaves something half sent on a hand-made connection, migrates
// zoned (POST /v1/migrate), sends the rest, and expects the replacement
// to finish it exactly as the old process would have.
"use strict";
const http = require("http");
const { checkList, sleep } = require("./testlib.cjs");
const { RawWs, frame, upgradeRequest } = require("./rawclient.cjs");

const [ctl, port] = [process.argv[2], Number(process.argv[3])];
const { check, run } = checkList("migrate-partial.cjs", 55000);

function control(method, path, body) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? "" : JSON.stringify(body);
		const req = http.request(ctl + path, { method, headers: {
		    "Content-Type": "application/json",
		    "Content-Length": Buffer.byteLength(data) } }, (res) => {
			let b = "";
			res.on("data", (c) => (b += c));
			res.on("end", () => {
				let json = null;
				try { json = JSON.parse(b); } catch (e) { }
				resolve({ status: res.statusCode, body: json });
			});
		});
		req.on("error", reject);
		req.end(data);
	});
}

// Migrates and returns the new pid, printed for the shell to clean up.
async function migrate() {
	const before = (await control("GET", "/v1/status")).body.pid;
	const r = await control("POST", "/v1/migrate", {});
	if (r.status !== 200)
		throw new Error(`migrate answered ${r.status}: ` +
		    JSON.stringify(r.body));
	console.log(`pid: ${r.body.new_pid}`);
	const after = (await control("GET", "/v1/status")).body.pid;
	if (after === before || after !== r.body.new_pid)
		throw new Error(`status pid ${before} -> ${after}, answer ` +
		    `${r.body.new_pid}`);
	return r.body;
}

let ticketNo = 0;
async function ticket(character) {
	const t = `partial-${process.pid}-${++ticketNo}`;
	const r = await control("POST", "/v1/pending", { ticket: t,
	    character_id: character });
	if (r.status !== 201)
		throw new Error(`pending ${character}: ${r.status} ` +
		    JSON.stringify(r.body));
	return t;
}

// An Engine.IO connection, open (the "0{...}" packet read).
async function eioOpen() {
	const c = new RawWs(port, { upgrade: true });
	const head = await c.response(3000);
	if (!/^HTTP\/1\.1 101/.test(head))
		throw new Error(`upgrade answered ${head.split("\r\n")[0]}`);
	const open = await c.data(3000, "the open packet");
	const text = open.payload.toString();
	if (text[0] !== "0")
		throw new Error(`first packet ${text}`);
	return { c, sid: JSON.parse(text.slice(1)).sid };
}

// The next text frame that is not an Engine.IO ping (binary frames, the
// attachments of the deltas, are skipped).
async function nextText(c, what) {
	for (;;) {
		const f = await c.data(4000, what);
		if (f.opcode !== 2)
			return f.payload.toString();
	}
}

// Joins the game as character over c: CONNECT with a ticket, the answer
// and the welcome.
async function join(c, character) {
	c.send(`40${JSON.stringify({ ticket: await ticket(character) })}`);
	const ans = await nextText(c, "the CONNECT answer");
	if (!ans.startsWith("40{"))
		throw new Error(`CONNECT answered ${ans}`);
	for (;;) {
		const t = await nextText(c, "the welcome");
		if (t.startsWith('42["welcome"'))
			return;
	}
}

// Reads until a text frame for which match() is true (states and deltas
// are skipped).
async function until(c, match, what) {
	for (;;) {
		const t = await nextText(c, what);
		if (match(t))
			return t;
	}
}

check("half an HTTP upgrade request: the replacement answers it " +
    "(101, Engine.IO open)", async () => {
	const c = new RawWs(port);
	await new Promise((r) => c.sock.on("connect", r));
	const req = Buffer.from(upgradeRequest(port));
	const cut = Math.floor(req.length / 2);
	c.write(req.subarray(0, cut));
	await sleep(200);
	const m = await migrate();
	c.write(req.subarray(cut));
	const head = await c.response(3000);
	if (!/^HTTP\/1\.1 101/.test(head))
		throw new Error(`answered ${head.split("\r\n")[0]}`);
	const open = await nextText(c, "the open packet");
	if (open[0] !== "0")
		throw new Error(`first packet ${open}`);
	c.destroy();
	return `pause ${m.pause_ms.toFixed(1)} ms`;
});

check("half a WebSocket frame (a CONNECT with a ticket): the " +
    "replacement reads the rest and lets the player in", async () => {
	const { c, sid } = await eioOpen();
	const f = frame(1, `40${JSON.stringify({ ticket:
	    await ticket("bob") })}`);
	c.write(f.subarray(0, 5));
	await sleep(200);
	await migrate();
	c.write(f.subarray(5));
	const ans = await nextText(c, "the CONNECT answer");
	if (!ans.startsWith("40{"))
		throw new Error(`CONNECT answered ${ans}`);
	await until(c, (t) => t.startsWith('42["welcome"'), "the welcome");
	c.destroy();
	return `sid ${sid}`;
});

check("the first fragment of an input, then a migration, then the last: " +
    "acked once by the replacement", async () => {
	const { c } = await eioOpen();
	await join(c, "cyd");
	const msg = '421["input",{"seq":1,"dx":1,"dy":0}]';
	c.write(frame(1, msg.slice(0, 10), { fin: false }));
	await sleep(200);
	await migrate();
	c.write(frame(0, msg.slice(10)));
	const ack = await until(c, (t) => t.startsWith("431"), "the ack");
	if (ack !== '431[{"ok":true,"seq":1}]')
		throw new Error(`ack ${ack}`);
	await sleep(300);
	for (const f of c.frames) {
		if (f.payload.toString().startsWith("431"))
			throw new Error("the ack came twice");
	}
	c.destroy();
	return ack;
});

check("a binary event waiting for its attachment: the replacement " +
    "completes it (and refuses a binary input, as the old would)",
    async () => {
	const { c } = await eioOpen();
	await join(c, "ann");
	c.send('451-2["input",{"_placeholder":true,"num":0}]');
	await sleep(200);
	await migrate();
	c.write(frame(2, Buffer.from([1, 2, 3])));
	const e = await until(c, (t) => t.startsWith('42["error"') ||
	    t.startsWith("432"), "the answer to the binary event");
	if (!/binary payload|unknown_event/.test(e))
		throw new Error(`answered ${e}`);
	/* The connection is alive: an ordinary input is acked. */
	c.send('423["input",{"seq":5,"dx":0,"dy":0}]');
	const ack = await until(c, (t) => t.startsWith("433"), "the ack");
	if (ack !== '433[{"ok":true,"seq":5}]')
		throw new Error(`ack ${ack}`);
	c.destroy();
	return e.slice(0, 60);
});

check("the Engine.IO ping keeps its cadence (1 s) across a migration",
    async () => {
	const { c } = await eioOpen();
	const times = [];
	c.onFrame = (f) => {
		if (f.opcode === 1 && f.payload.toString() === "2") {
			times.push(Date.now());
			c.write(frame(1, "3"));
		}
	};
	await sleep(1500);
	await migrate();
	await sleep(2600);
	c.destroy();
	if (times.length < 3)
		throw new Error(`${times.length} pings in 4 s`);
	const gaps = times.slice(1).map((t, i) => t - times[i]);
	if (gaps.some((g) => g > 1700 || g < 500))
		throw new Error(`ping gaps ${gaps.join(", ")} ms`);
	return `gaps ${gaps.join(", ")} ms`;
});

run();
