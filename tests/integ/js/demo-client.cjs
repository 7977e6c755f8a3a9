// A tiny player for trying zoned by hand (the README's first block):
//   node demo-client.cjs HOST:PORT TICKET
// It joins with the ticket, walks a square for a few seconds, printing its
// position once a second, and leaves. It reads the binary deltas with
// clients/js/delta.cjs (or JSON states, with zoned --state-format json).
"use strict";
const path = require("path");
const { io } = require("socket.io-client");
const { DeltaView, KIND_PLAYER } = require(path.join(__dirname, "..", "..",
    "..", "clients", "js", "delta.cjs"));

const [address, ticket] = process.argv.slice(2);
if (!address || !ticket) {
	console.error("usage: demo-client.cjs HOST:PORT TICKET");
	process.exit(64);
}
const socket = io(`http://${address}`, {
	transports: ["websocket"], auth: { ticket }, reconnection: false,
});
const square = [[1, 0], [0, 1], [-1, 0], [0, -1]];
let seq = 0, me = null, last = null;
const view = new DeltaView();	// what the player sees

socket.on("connect_error", (err) => {
	console.error(`refused: ${err.message}`);
	process.exit(1);
});
socket.on("welcome", (w) => {
	me = w.id;
	console.log(`joined ${w.area} as ${w.name} (player ${w.id}) at ` +
	    `(${w.x}, ${w.y}), tick ${w.tick} at ${w.tick_hz} Hz`);
	let leg = 0;
	const turn = () => {
		const [dx, dy] = square[leg++ % 4];
		socket.emit("input", { seq: ++seq, dx, dy });
	};
	turn();
	const walking = setInterval(turn, 1000);
	const report = setInterval(() => {
		if (last) console.log(`tick ${last.tick}: at (${last.x}, ` +
		    `${last.y}), input ${last.seq} applied, ` +
		    `${last.players} player(s) in sight`);
	}, 1000);
	setTimeout(() => {
		clearInterval(walking);
		clearInterval(report);
		socket.close();
		console.log("left");
	}, 4500);
});
socket.on("delta", (bytes) => {
	try {
		view.apply(bytes);
	} catch (e) {
		console.error(`${e.message}: leaving`);
		socket.close();
		return;
	}
	const p = view.get(me);
	if (p) last = { tick: view.tick, x: p.x, y: p.y, seq: view.seq,
	    players: [...view.entities.values()].filter((e) =>
	    e.kind === KIND_PLAYER).length };
});
socket.on("state", (s) => {
	const p = s.players.find((q) => q.id === me);
	if (p) last = { tick: s.tick, x: p.x, y: p.y, seq: s.seq,
	    players: s.players.length };
});
socket.on("error", (e) => console.error(`server says: ${e.code}: ${e.message}`));
