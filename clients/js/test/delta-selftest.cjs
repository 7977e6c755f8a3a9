// The self-test of delta.cjs, without zoned:
//   node clients/js/test/delta-selftest.cjs
// Checks the decoder on the example of src/delta.h (known bytes, in
// format 2 and as format 1 sent it), on hand-made malformed messages, and
// against the C encoder: the messages of tests/fixtures/delta-v2.bin and
// delta-v1.bin (written by tests/unit/check_delta, the current format and
// the first) must lead, one by one, to the views delta-v2.json and
// delta-v1.json describe, the same views for both. Then every truncation
// and thousands of random mutations of them must be refused with a
// DeltaError, leaving the view as it was, or accepted.
// Prints "ok: NAME" or "FAIL: NAME: WHY" for each check, then a summary;
// exits 1 if a check failed.
"use strict";
const assert = require("assert/strict");
const fs = require("fs");
const path = require("path");
const delta = require("../delta.cjs");
const { DeltaError, DeltaView, decode } = delta;

const FIXTURES = path.join(__dirname, "..", "..", "..", "tests", "fixtures");

const tests = [];
function test(name, fn) {
	tests.push({ name, fn });
}

// The test's own generator (xorshift32), so runs repeat.
function rng(seed) {
	let s = seed >>> 0 || 1;
	return (n) => {
		s ^= s << 13;
		s >>>= 0;
		s ^= s >>> 17;
		s ^= s << 5;
		s >>>= 0;
		return s % n;
	};
}

// FNV-1a (32 bits) of a view, as check_delta.c's view_hash: by id, u32 LE
// id, u8 kind, u32 type, x_q, y_q, hp, max_hp, level, u8 name length, name.
function viewHash(view) {
	let h = 0x811c9dc5;
	const byte = (b) => {
		h = Math.imul(h ^ (b & 0xff), 16777619) >>> 0;
	};
	const u32 = (v) => {
		v >>>= 0;
		for (let i = 0; i < 4; i++)
			byte(v >>> (8 * i));
	};
	const ids = [...view.entities.keys()].sort((a, b) => a - b);
	for (const id of ids) {
		const e = view.entities.get(id);
		u32(e.id);
		byte(e.kind);
		u32(e.type);
		u32(e.xq);
		u32(e.yq);
		u32(e.hp);
		u32(e.max_hp);
		u32(e.kind === delta.KIND_PLAYER ? e.level : e.state);
		const name = Buffer.from(e.name === undefined ? "" : e.name,
		    "utf8");
		byte(name.length);
		for (const b of name)
			byte(b);
	}
	return h.toString(16).padStart(8, "0");
}

// A deep copy of a view's entities, to show a refusal changed nothing.
function snapshot(view) {
	return JSON.stringify({ tick: view.tick, seq: view.seq,
	    e: [...view.entities.values()] });
}

// The messages of a fixture file: u32 LE length, message, ...
function readMessages(file) {
	const buf = fs.readFileSync(file);
	const out = [];
	for (let off = 0; off < buf.length;) {
		assert.ok(buf.length - off >= 4, "fixture: cut length");
		const n = buf.readUInt32LE(off);
		assert.ok(buf.length - off - 4 >= n, "fixture: cut message");
		out.push(new Uint8Array(buf.subarray(off + 4, off + 4 + n)));
		off += 4 + n;
	}
	return out;
}

// ---- the example of src/delta.h -------------------------------------------

const golden1 = [
	0x02, 0xac, 0x02, 0x07, 0x00, 0x02,
	0x01, 0x00, 0x00, 0xa0, 0x01, 0x27, 0x12, 0x14, 0x02,
	0x03, 0x41, 0x6e, 0x6e,
	0x82, 0x80, 0x80, 0x80, 0x04, 0x01, 0x01, 0xc2, 0x0c, 0xa0, 0x06,
	0x0c, 0x0c, 0x01,
	0x00,
];
const golden2 = [
	0x02, 0xad, 0x02, 0x08, 0x00, 0x00, 0x02,
	0x03, 0x10, 0x00,				// key 3: id 1, position
	0x84, 0x80, 0x80, 0x80, 0x08, 0x02, 0x09,	// P 0, mask 0x02
];
const golden3 = [
	0x02, 0xae, 0x02, 0x08, 0x01, 0x83, 0x80, 0x80, 0x80, 0x04, 0x00,
	0x00,
];
const golden4 = [
	0x02, 0xaf, 0x02, 0x09, 0x00, 0x00, 0x01,
	0x02, 0x03, 0x0f, 0x00, 0x11,		// P 0, mask 0x03: dx -8, hp 17
];
// The same in format 1, as delta.h had it: still read.
const golden1v1 = [0x01, ...golden1.slice(1)];
const golden2v1 = [
	0x01, 0xad, 0x02, 0x08, 0x00, 0x00, 0x02,
	0x01, 0x01, 0x10, 0x00,
	0x82, 0x80, 0x80, 0x80, 0x04, 0x02, 0x09,
];
const golden3v1 = [0x01, ...golden3.slice(1)];
const golden4v1 = [
	0x01, 0xaf, 0x02, 0x09, 0x00, 0x00, 0x01,
	0x01, 0x03, 0x0f, 0x00, 0x11,
];
const MOB3 = 0x40000003;

test("golden: the example of delta.h", () => {
	const v = new DeltaView();
	let what = v.apply(new Uint8Array(golden1));
	assert.deepEqual(what, { tick: 300, seq: 7, left: [],
	    entered: [1, MOB3], updated: [] });
	assert.equal(v.size, 2);
	assert.deepEqual(v.get(1), { id: 1, kind: 0, type: 0, xq: 80,
	    yq: -20, x: 10, y: -2.5, hp: 18, max_hp: 20, level: 2,
	    name: "Ann" });
	assert.deepEqual(v.get(MOB3), { id: MOB3, kind: 1, type: 1, xq: 801,
	    yq: 400, x: 100.125, y: 50, hp: 12, max_hp: 12, state: 1 });
	assert.equal(delta.MOB_STATES[v.get(MOB3).state], "wander");

	what = v.apply(Buffer.from(golden2));		// a node Buffer
	assert.deepEqual(what, { tick: 301, seq: 8, left: [], entered: [],
	    updated: [1, MOB3] });
	assert.equal(v.get(1).x, 11);
	assert.equal(v.get(1).xq, 88);
	assert.equal(v.get(MOB3).hp, 9);

	what = v.apply(new Uint8Array(golden3).buffer);	// an ArrayBuffer
	assert.deepEqual(what.left, [MOB3]);
	assert.equal(v.size, 1);
	assert.equal(v.get(MOB3), undefined);
	assert.equal(v.tick, 302);
	assert.equal(v.seq, 8);

	what = v.apply(new Uint8Array(golden4));
	assert.deepEqual(what, { tick: 303, seq: 9, left: [], entered: [],
	    updated: [1] });
	assert.deepEqual(v.get(1), { id: 1, kind: 0, type: 0, xq: 80,
	    yq: -20, x: 10, y: -2.5, hp: 17, max_hp: 20, level: 2,
	    name: "Ann" });
});

test("golden: decode without a view", () => {
	const m = decode(new Uint8Array(golden2));
	assert.equal(m.version, 2);
	assert.equal(m.tick, 301);
	assert.deepEqual(m.update.map((u) => [u.id, u.mask, u.off]),
	    [[1, delta.F_POS, 7], [MOB3, delta.F_HP, 10]]);
	assert.equal(m.update[0].dxq, 8);
	assert.equal(m.update[0].dyq, 0);
	const m4 = decode(new Uint8Array(golden4));
	assert.deepEqual(m4.update, [{ id: 1, mask: delta.F_POS | delta.F_HP,
	    off: 7, dxq: -8, dyq: 0, hp: 17 }]);
	const m1 = decode(new Uint8Array(golden2v1));
	assert.equal(m1.version, 1);
	assert.deepEqual(m1.update.map((u) => u.off), [7, 11]);
	assert.deepEqual(m1.update.map((u) => ({ ...u, off: 0 })),
	    m.update.map((u) => ({ ...u, off: 0 })));
	assert.throws(() => decode("01"), TypeError);
});

test("format 1: still read, to the same views; formats may mix", () => {
	const v1 = new DeltaView(), v2 = new DeltaView(), mix = new DeltaView();
	const f1 = [golden1v1, golden2v1, golden3v1, golden4v1];
	const f2 = [golden1, golden2, golden3, golden4];
	for (let i = 0; i < 4; i++) {
		assert.deepEqual(v1.apply(new Uint8Array(f1[i])),
		    v2.apply(new Uint8Array(f2[i])));
		assert.equal(snapshot(v1), snapshot(v2), `message ${i}`);
		mix.apply(new Uint8Array(i % 2 === 0 ? f1[i] : f2[i]));
	}
	assert.equal(snapshot(mix), snapshot(v2));
	assert.equal(delta.DELTA_VERSION, 2);
	assert.equal(delta.DELTA_VERSION_MIN, 1);
});

test("format 2: the update records", () => {
	const v = new DeltaView();
	v.apply(new Uint8Array(golden1));
	// Position only: key (gap 1, P 1), dx_q, dy_q: 3 bytes.
	let m = decode(new Uint8Array([0x02, 0x05, 0x00, 0x00, 0x00, 0x01,
	    0x03, 0x7e, 0x7f]));
	assert.deepEqual(m.update, [{ id: 1, mask: delta.F_POS, off: 6,
	    dxq: 63, dyq: -64 }]);
	// P 0 with mask 0x03: position and hp.
	v.apply(new Uint8Array([0x02, 0x06, 0x00, 0x00, 0x00, 0x01,
	    0x02, 0x03, 0x0f, 0x01, 0x05]));
	assert.equal(v.get(1).xq, 72);
	assert.equal(v.get(1).yq, -21);
	assert.equal(v.get(1).hp, 5);
	// A mob's key of 5 bytes, position only; then P 0, level.
	v.apply(new Uint8Array([0x02, 0x07, 0x00, 0x00, 0x00, 0x02,
	    0x02, 0x08, 0x03,
	    0x85, 0x80, 0x80, 0x80, 0x08, 0x01, 0x02]));
	assert.equal(v.get(1).level, 3);
	assert.equal(v.get(MOB3).xq, 800);
	assert.equal(v.get(MOB3).yq, 401);
	// Mask 0x01 with P 0 is refused; format 1 sends just that.
	const before = snapshot(v);
	assert.throws(() => v.apply(new Uint8Array([0x02, 0x08, 0x00, 0x00,
	    0x00, 0x01, 0x02, 0x01, 0x10, 0x00])),
	    (e) => e instanceof DeltaError && /mask/.test(e.message));
	assert.equal(snapshot(v), before);
	v.apply(new Uint8Array([0x01, 0x08, 0x00, 0x00, 0x00, 0x01,
	    0x01, 0x01, 0x10, 0x00]));
	assert.equal(v.get(1).xq, 80);
	// Version 3 is refused.
	assert.throws(() => v.apply(new Uint8Array([0x03, 0x09, 0x00, 0x00,
	    0x00, 0x00])), (e) => e instanceof DeltaError &&
	    /version/.test(e.message));
});

// Each refused, for its reason, by a view of golden1 (as check_delta.c).
const bad = [
	["empty", "truncated", []],
	["version 3", "version", [0x03, 0x01, 0x00, 0, 0, 0]],
	["version 0", "version", [0x00, 0x01, 0x00, 0, 0, 0]],
	["header cut", "truncated", [0x01, 0xac]],
	["counts cut", "truncated", [0x01, 0x01, 0x00, 0, 0]],
	["overlong tick", "shortest", [0x01, 0x81, 0x00, 0x00, 0, 0, 0]],
	["tick of 11 bytes", "too long", [0x01, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0]],
	["tick over 2^64", "out of range", [0x01, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0, 0, 0, 0]],
	["tick over 2^53", "2^53", [0x01, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x80, 0x80, 0x10, 0, 0, 0, 0]],
	["count over 2^32", "out of range", [0x01, 0x01, 0x00, 0x80, 0x80,
	    0x80, 0x80, 0x10, 0, 0]],
	["count of 6 bytes", "too long", [0x01, 0x01, 0x00, 0x80, 0x80,
	    0x80, 0x80, 0x80, 0x00, 0, 0]],
	["leave count too big", "larger", [0x01, 0x01, 0x00, 0x05, 0x01, 0,
	    0]],
	["leave unknown", "not seen", [0x01, 0x01, 0x00, 0x01, 0x02, 0, 0]],
	["leave twice", "ascending", [0x01, 0x01, 0x00, 0x02, 0x01, 0x00, 0,
	    0]],
	["leave 2", "not seen", [0x01, 0x01, 0x00, 0x02, 0x01, 0x01, 0, 0]],
	["id over 2^32", "id out of range", [0x01, 0x01, 0x00, 0x00, 0x02,
	    0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x00, 0, 0, 1, 1, 0,
	    0x01, 0x01, 0x00, 0, 0, 1, 1, 0, 0]],
	["enter seen", "already seen", [0x01, 0x01, 0x00, 0x00, 0x01, 0x01,
	    0x01, 0x00, 0, 0, 1, 1, 0, 0]],
	["enter kind 2", "kind", [0x01, 0x01, 0x00, 0x00, 0x01, 0x05, 0x02,
	    0x00, 0, 0, 1, 1, 0, 0]],
	["enter x out of range", "position", [0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08, 0, 1, 1, 0, 0]],
	["enter name too long", "too long", [0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x40, 0x61, 0]],
	["enter name not UTF-8", "UTF-8", [0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x02, 0xc3, 0x28, 0]],
	["enter name surrogate", "UTF-8", [0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x03, 0xed, 0xa0, 0x80, 0]],
	["enter name with NUL", "UTF-8", [0x01, 0x01, 0x00, 0x00, 0x01,
	    0x05, 0x00, 0x00, 0, 0, 1, 1, 0, 0x02, 0x61, 0x00, 0]],
	["update unknown", "not seen", [0x01, 0x01, 0x00, 0x00, 0x00, 0x01,
	    0x02, 0x02, 0x05]],
	["update mask 0", "mask", [0x01, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01,
	    0x00, 0x00]],
	["update mask 0x10", "mask", [0x01, 0x01, 0x00, 0x00, 0x00, 0x01,
	    0x01, 0x10, 0x00]],
	["update out of range", "position", [0x01, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x01, 0x01, 0xfc, 0xff, 0xff, 0xff, 0x07, 0x00]],
	["update after leave", "not seen", [0x01, 0x01, 0x00, 0x01, 0x01,
	    0x00, 0x01, 0x01, 0x02, 0x05]],
	["update after re-enter", "not seen", [0x01, 0x01, 0x00, 0x01, 0x01,
	    0x01, 0x01, 0x01, 0x00, 0, 0, 1, 1, 0, 0x01, 0x01, 0x02, 0x05]],
	["update twice", "ascending", [0x01, 0x01, 0x00, 0x00, 0x00, 0x02,
	    0x01, 0x02, 0x05, 0x00, 0x02, 0x06]],
	["trailing byte", "after", [0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
	    0x00]],
	// Format 2's update records.
	["v2 trailing byte", "after", [0x02, 0x01, 0x00, 0x00, 0x00, 0x00,
	    0x00]],
	["v2 update unknown", "not seen", [0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x04, 0x02, 0x05]],
	["v2 update mask 0", "mask", [0x02, 0x01, 0x00, 0x00, 0x00, 0x01,
	    0x02, 0x00, 0x00]],
	["v2 update mask 0x10", "mask", [0x02, 0x01, 0x00, 0x00, 0x00, 0x01,
	    0x02, 0x10, 0x00]],
	["v2 update mask 0x01 with P 0", "position only", [0x02, 0x01, 0x00,
	    0x00, 0x00, 0x01, 0x02, 0x01, 0x10, 0x00]],
	["v2 update out of range", "position", [0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x03, 0xfc, 0xff, 0xff, 0xff, 0x07, 0x00]],
	["v2 update after leave", "not seen", [0x02, 0x01, 0x00, 0x01, 0x01,
	    0x00, 0x01, 0x03, 0x10, 0x00]],
	["v2 update twice", "ascending", [0x02, 0x01, 0x00, 0x00, 0x00,
	    0x02, 0x03, 0x10, 0x00, 0x01, 0x10, 0x00]],
	["v2 position only cut", "truncated", [0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x03, 0x82, 0x01]],
	["v2 key of 2^33 - 1", "not seen", [0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x10, 0x00]],
	["v2 key of 2^34 - 1", "out of range", [0x02, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x10, 0x00]],
	["v2 key of 6 bytes", "too long", [0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x83, 0x80, 0x80, 0x80, 0x80, 0x00, 0x10, 0x00]],
	["v2 key not shortest", "shortest", [0x02, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x83, 0x00, 0x10, 0x00]],
	["v2 id over 2^32", "id out of range", [0x02, 0x01, 0x00, 0x00, 0x00,
	    0x02, 0x87, 0x80, 0x80, 0x80, 0x08, 0x00, 0x02, 0xff, 0xff, 0xff,
	    0xff, 0x1f, 0x10, 0x00]],
	// Format 1 knows no P: its id 3 is not seen (format 2: key 3).
	["v1 gap 3", "not seen", [0x01, 0x01, 0x00, 0x00, 0x00, 0x01, 0x03,
	    0x01, 0x10, 0x00]],
];

test("refusals: hand-made malformed messages", () => {
	const v = new DeltaView();
	v.apply(new Uint8Array(golden1));
	const before = snapshot(v);
	for (const [what, why, bytes] of bad) {
		let err;
		try {
			v.apply(new Uint8Array(bytes));
		} catch (e) {
			err = e;
		}
		assert.ok(err instanceof DeltaError, `${what}: ${err}`);
		assert.ok(err.message.includes(why),
		    `${what}: "${err.message}", want "${why}"`);
		assert.equal(snapshot(v), before, `${what}: view changed`);
	}
});

test("kind change: leave and enter again under one id", () => {
	for (const version of [1, 2]) {
		const v = new DeltaView();
		v.apply(new Uint8Array(golden1));
		v.apply(new Uint8Array([version, 0x01, 0x00, 0x01, 0x01, 0x01,
		    0x01, 0x01, 0x01, 0x04, 0x00, 0x05, 0x05, 0x02, 0x00]));
		assert.deepEqual(v.get(1), { id: 1, kind: 1, type: 1, xq: 2,
		    yq: 0, x: 0.25, y: 0, hp: 5, max_hp: 5, state: 2 });
		assert.equal(v.size, 2);
	}
});

// ---- against the C encoder ------------------------------------------------

// delta-v2 (the current format) and delta-v1 (format 1, still read): the
// same scenario.
const VERSIONS = [2, 1];
const fixtures = new Map();
function loadFixture(version) {
	if (!fixtures.has(version)) {
		fixtures.set(version, {
			messages: readMessages(path.join(FIXTURES,
			    `delta-v${version}.bin`)),
			expect: JSON.parse(fs.readFileSync(path.join(FIXTURES,
			    `delta-v${version}.json`), "utf8")),
		});
	}
	return fixtures.get(version);
}

for (const version of VERSIONS)
test(`fixture v${version}: every message gives the C decoder's view`, () => {
	const { messages, expect } = loadFixture(version);
	assert.equal(expect.version, version);
	assert.equal(messages.length, expect.messages.length);
	const v = new DeltaView();
	messages.forEach((m, i) => {
		const want = expect.messages[i];
		assert.equal(m.length, want.length, `message ${i}: length`);
		assert.equal(m[0], version, `message ${i}: version`);
		v.apply(m);
		assert.equal(v.tick, want.tick, `message ${i}: tick`);
		assert.equal(v.seq, want.seq, `message ${i}: seq`);
		assert.equal(v.size, want.entities, `message ${i}: size`);
		assert.equal(viewHash(v), want.hash, `message ${i}: hash`);
	});
	assert.equal(v.tick, expect.final.tick);
	assert.equal(v.seq, expect.final.seq);
	assert.equal(v.size, expect.final.entities.length);
	for (const want of expect.final.entities)
		assert.deepEqual(v.get(want.id), want, `entity ${want.id}`);
	assert.equal(v.get(expect.viewer).name, "Zo\u00eb");
});

test("fixture: v1 and v2 are the same views, v2 a byte shorter per " +
    "position-only update", () => {
	const a = loadFixture(1), b = loadFixture(2);
	assert.equal(a.messages.length, b.messages.length);
	const v1 = new DeltaView(), v2 = new DeltaView();
	let saved = 0, posOnly = 0;
	a.messages.forEach((m, i) => {
		v1.apply(m);
		v2.apply(b.messages[i]);
		assert.equal(snapshot(v1), snapshot(v2), `message ${i}`);
		assert.equal(viewHash(v2), b.expect.messages[i].hash);
		saved += m.length - b.messages[i].length;
		posOnly += decode(b.messages[i]).update.filter((u) =>
		    u.mask === delta.F_POS).length;
	});
	assert.equal(saved, posOnly);
	assert.ok(posOnly > 100, `${posOnly} position-only updates`);
});

for (const version of VERSIONS)
test(`fixture v${version}: what the scenario was made to show`, () => {
	const { messages } = loadFixture(version);
	const v = new DeltaView();
	let leaves = 0, enters = 0, updates = 0, quiet = 0, rejoin = 0;
	let negative = false, multibyte = false;
	for (const m of messages) {
		const w = v.apply(m);
		leaves += w.left.length;
		enters += w.entered.length;
		updates += w.updated.length;
		quiet += w.left.length + w.entered.length +
		    w.updated.length === 0;
		rejoin += w.left.filter((id) => w.entered.includes(id)).length;
		for (const e of v.entities.values()) {
			negative ||= e.x < 0;
			multibyte ||= e.name !== undefined &&
			    Buffer.byteLength(e.name) > e.name.length;
		}
	}
	assert.ok(leaves > 0 && enters > 0 && updates > 0,
	    `${leaves} leaves, ${enters} enters, ${updates} updates`);
	assert.ok(quiet >= 1, "no quiet tick");
	assert.equal(rejoin, 1, "no kind change");
	assert.ok(negative, "no negative position");
	assert.ok(multibyte, "no multi-byte name");
});

for (const version of VERSIONS)
test(`fixture v${version}: every truncation is refused, the view stays`,
    () => {
	const { messages } = loadFixture(version);
	const v = new DeltaView();
	for (const m of messages) {
		const before = snapshot(v);
		for (let k = 0; k < m.length; k++) {
			assert.throws(() => v.apply(m.subarray(0, k)),
			    DeltaError);
			assert.equal(snapshot(v), before);
		}
		v.apply(m);
	}
});

for (const version of VERSIONS)
test(`fixture v${version}: random mutations are refused or fit`, () => {
	const { messages } = loadFixture(version);
	const r = rng(0xf022);
	const v = new DeltaView();
	let refused = 0, accepted = 0;
	messages.forEach((orig, i) => {
		const before = snapshot(v);
		for (let k = 0; k < 100; k++) {
			let m = Array.from(orig);
			switch (r(5)) {
			case 0:
				m[r(m.length)] ^= 1 << r(8);
				break;
			case 1:
				m[r(m.length)] = r(256);
				break;
			case 2:
				m.splice(r(m.length + 1), 0, r(256));
				break;
			case 3:
				m.splice(r(m.length), 1);
				break;
			default:
				m = [version];
				for (let n = r(40); n > 0; n--)
					m.push(r(256));
				break;
			}
			try {
				v.apply(new Uint8Array(m));
			} catch (e) {
				if (!(e instanceof DeltaError))
					throw e;
				refused++;
				assert.equal(snapshot(v), before);
				continue;
			}
			accepted++;
			// Back to the real view.
			v.clear();
			for (let j = 0; j < i; j++)
				v.apply(messages[j]);
		}
		v.apply(orig);
	});
	assert.ok(refused + accepted >= 3000, `${refused + accepted} tries`);
	assert.ok(refused > accepted, `${refused} refused, ${accepted} ok`);
});

// ---- run --------------------------------------------------------------------

let passed = 0, failed = 0;
for (const t of tests) {
	try {
		t.fn();
		console.log(`ok: ${t.name}`);
		passed++;
	} catch (e) {
		console.log(`FAIL: ${t.name}: ${e && e.stack ? e.stack : e}`);
		failed++;
	}
}
console.log(`delta-selftest: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
