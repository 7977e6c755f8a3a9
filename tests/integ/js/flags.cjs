// Client-side probes for flags.test; each prints one line and exits 0, or
// prints FAIL: and exits 1.
//   node flags.cjs open PORT         the Engine.IO open packet's JSON
//   node flags.cjs noconnect PORT    open, send no CONNECT: "closed CODE MS"
//   node flags.cjs full PORT T1 T2   join with T1, then try T2 while T1 is in:
//                                    "welcome NAME; refused MESSAGE CODE"
//   node flags.cjs stay PORT T       join with T, walk east, print
//                                    "welcome NAME X", and stay until the
//                                    server lets go: "ERRORCODE; REASON"
"use strict";
const { fail, until, deadline, Client } = require("./testlib.cjs");
const { EioClient, wsUrl } = require("./rawclient.cjs");

const [mode, portArg, ...rest] = process.argv.slice(2);
const port = Number(portArg);

// A client that only listens (it does not answer pings).
const raw = () => new EioClient(wsUrl(port), { autoPong: false });

async function main() {
	const done = deadline(mode === "stay" ? 25000 : 10000);
	if (mode === "open") {
		const r = raw();
		await until(() => r.msgs.length || r.closeInfo, 5000,
		    "open packet");
		const texts = r.msgs.map((m) => m.data.toString());
		if (!texts.length || texts[0][0] !== "0")
			fail(`no open packet: ${texts}`);
		console.log(texts[0].slice(1));
		r.kill();
	} else if (mode === "noconnect") {
		const r = raw();
		await until(() => r.closeInfo, 9000, "the connection to close");
		console.log(`closed ${r.closeInfo.code} ` +
		    `${r.closeInfo.at - r.openedAt}`);
	} else if (mode === "full") {
		const a = new Client(port, { ticket: rest[0] }, { name: "first" });
		const w = await a.joined();
		const b = new Client(port, { ticket: rest[1] }, { name: "second" });
		await until(() => b.connectErrors.length || b.welcome, 5000,
		    "the second client's answer");
		if (b.welcome)
			fail("the second client got in");
		const e = b.connectErrors[0];
		console.log(`welcome ${w.name}; refused ${e.message} ` +
		    `${e.data && e.data.code}`);
		a.close();
		b.close();
	} else if (mode === "stay") {
		const a = new Client(port, { ticket: rest[0] }, { name: "stay" });
		const w = await a.joined();
		a.sock.emit("input", { seq: 1, dx: 1, dy: 0 });
		await until(() => a.states.some((s) => s.seq === 1), 5000,
		    "a state after the input");
		console.log(`welcome ${w.name} ${w.x}`);
		await until(() => a.disconnects.length, 20000,
		    "the server to let go");
		const e = a.errors[0];
		console.log(`${e ? e.code : "no-error"}; ${a.disconnects[0]}`);
	} else {
		fail(`unknown mode ${mode}`);
	}
	done();
}

main().then(() => process.exit(0), (e) => fail(e.stack || String(e)));
