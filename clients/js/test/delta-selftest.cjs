// The self-test of delta.cjs, without zoned:
//   node clients/js/test/delta-selftest.cjs
// Checks the decoder on the example of src/delta.h (known bytes, in
// format 2 and as format 1 sent it), on format 3's motions (reckoned
// against a BigInt model of delta.h "Motion", over ticks without a
// record, and mixed with format 2), on hand-made malformed messages, and
// against the C encoder: the messages of tests/fixtures/delta-v3.bin,
// delta-v2.bin and delta-v1.bin (written by tests/unit/check_delta, the
// current format and the two before) must lead, one by one, to the views
// delta-v3.json, delta-v2.json and delta-v1.json describe (the same views
// for v1 and v2). Then every truncation and thousands of random mutations
// of them must be refused with a DeltaError, leaving the view as it was,
// or accepted.
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

// An entity as a view of format 1 or 2 holds it: standing since tick,
// where it is shown.
function standing(tick, o) {
	return { ...o, vx: 0, vy: 0, bx: o.xq * 64, by: o.yq * 64, vxf: 0,
	    vyf: 0, t0: tick };
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
	assert.deepEqual(v.get(1), standing(300, { id: 1, kind: 0, type: 0,
	    xq: 80, yq: -20, x: 10, y: -2.5, hp: 18, max_hp: 20, level: 2,
	    name: "Ann" }));
	assert.deepEqual(v.get(MOB3), standing(300, { id: MOB3, kind: 1,
	    type: 1, xq: 801, yq: 400, x: 100.125, y: 50, hp: 12, max_hp: 12,
	    state: 1 }));
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
	assert.deepEqual(v.get(1), standing(303, { id: 1, kind: 0, type: 0,
	    xq: 80, yq: -20, x: 10, y: -2.5, hp: 17, max_hp: 20, level: 2,
	    name: "Ann" }));
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
	assert.equal(delta.DELTA_VERSION, 3);
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
	// Version 4 is refused.
	assert.throws(() => v.apply(new Uint8Array([0x04, 0x09, 0x00, 0x00,
	    0x00, 0x00])), (e) => e instanceof DeltaError &&
	    /version/.test(e.message));
});

// Each refused, for its reason, by a view of golden1 (as check_delta.c).
const bad = [
	["empty", "truncated", []],
	["version 4", "version", [0x04, 0x01, 0x00, 0, 0, 0]],
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
		assert.deepEqual(v.get(1), standing(1, { id: 1, kind: 1,
		    type: 1, xq: 2, yq: 0, x: 0.25, y: 0, hp: 5, max_hp: 5,
		    state: 2 }));
		assert.equal(v.size, 2);
	}
});

// ---- format 3: motions ----------------------------------------------------

const { varint, zigzag } = require("./varint.cjs");

// A message of format 3 (or version, for the update records of format 2
// given dxq, dyq): leave [ids]; enter [{id, kind, type, bx, by, vx, vy,
// hp, max_hp, level, name}]; update [{id, dx, dy, vx, vy (all four or
// none), dxq, dyq (format 2), hp, max_hp, level}], each list ascending.
function msg3(tick, seq, { leave = [], enter = [], update = [] } = {},
    version = 3) {
	const out = [version];
	varint(out, tick);
	varint(out, seq);
	const ids = (list, each, key = (u, gap) => gap) => {
		varint(out, list.length);
		let prev = 0;
		for (const x of list) {
			const id = typeof x === "number" ? x : x.id;
			varint(out, key(x, id - prev));
			prev = id;
			each(x);
		}
	};
	const maskOf = (u) => (u.dx !== undefined ||
	    u.dxq !== undefined ? 1 : 0) | (u.hp !== undefined ? 2 : 0) |
	    (u.max_hp !== undefined ? 4 : 0) | (u.level !== undefined ? 8 : 0);
	ids(leave, () => {});
	ids(enter, (e) => {
		out.push(e.kind || 0);
		varint(out, e.type || 0);
		if (version >= 3) {
			zigzag(out, e.bx);
			zigzag(out, e.by);
			zigzag(out, e.vx);
			zigzag(out, e.vy);
		} else {
			zigzag(out, e.xq);
			zigzag(out, e.yq);
		}
		varint(out, e.hp === undefined ? 1 : e.hp);
		varint(out, e.max_hp === undefined ? 1 : e.max_hp);
		varint(out, e.level || 0);
		if ((e.kind || 0) === 0) {
			const name = Buffer.from(e.name || "", "utf8");
			varint(out, name.length);
			out.push(...name);
		}
	});
	ids(update, (u) => {
		const m = maskOf(u);
		if (m !== 1 || u.p0)
			out.push(u.p0 ? u.p0 : m);
		if (m & 1) {
			if (version >= 3) {
				zigzag(out, u.dx);
				zigzag(out, u.dy);
				zigzag(out, u.vx);
				zigzag(out, u.vy);
			} else {
				zigzag(out, u.dxq);
				zigzag(out, u.dyq);
			}
		}
		if (m & 2)
			varint(out, u.hp);
		if (m & 4)
			varint(out, u.max_hp);
		if (m & 8)
			varint(out, u.level);
	}, (u, gap) => gap * 2 + (maskOf(u) === 1 && !u.p0 ? 1 : 0));
	return new Uint8Array(out);
}

// delta.h "Motion" in BigInt, apart from the decoder's doubles: x_q at
// tick of a motion (b at t0, v a tick), clamped.
function modelQ(b, v, t0, tick) {
	let d = tick > t0 ? BigInt(tick) - BigInt(t0) : 0n;
	if (d > 2n ** 31n)
		d = 2n ** 31n;
	const n = BigInt(b) + BigInt(v) * d + 32n;
	let q = n >= 0n ? n / 64n : -((-n + 63n) / 64n);
	const qmax = 2n ** 30n - 1n;
	if (q > qmax)
		q = qmax;
	if (q < -qmax)
		q = -qmax;
	return Number(q);
}

test("format 3: the example of delta.h as motions", () => {
	// Ann at (10, -2.5) walking east at 1/4 unit a tick (128/512), the
	// mob at (100.125, 50) standing.
	const v = new DeltaView();
	const m = msg3(300, 7, { enter: [
		{ id: 1, bx: 5120, by: -1280, vx: 128, vy: 0, hp: 18,
		    max_hp: 20, level: 2, name: "Ann" },
		{ id: MOB3, kind: 1, type: 1, bx: 51264, by: 25600, vx: 0,
		    vy: 0, hp: 12, max_hp: 12, level: 1 },
	] });
	assert.deepEqual(Array.from(m.subarray(0, 13)), [0x03, 0xac, 0x02,
	    0x07, 0x00, 0x02, 0x01, 0x00, 0x00, 0x80, 0x50, 0xff, 0x13]);
	assert.deepEqual(v.apply(m), { tick: 300, seq: 7, left: [],
	    entered: [1, MOB3], updated: [] });
	assert.deepEqual(v.get(1), { id: 1, kind: 0, type: 0, xq: 80,
	    yq: -20, x: 10, y: -2.5, vx: 0.25, vy: 0, hp: 18, max_hp: 20,
	    level: 2, name: "Ann", bx: 5120, by: -1280, vxf: 128, vyf: 0,
	    t0: 300 });
	assert.deepEqual(v.get(MOB3), { id: MOB3, kind: 1, type: 1,
	    xq: 801, yq: 400, x: 100.125, y: 50, vx: 0, vy: 0, hp: 12,
	    max_hp: 12, state: 1, bx: 51264, by: 25600, vxf: 0, vyf: 0,
	    t0: 300 });
	// A quiet tick (7 bytes at such a tick) moves Ann by her motion,
	// not the mob.
	const quiet = msg3(304, 8);
	assert.equal(quiet.length, 7);
	assert.deepEqual(v.apply(quiet), { tick: 304, seq: 8, left: [],
	    entered: [], updated: [] });
	assert.equal(v.get(1).x, 11);
	assert.equal(v.get(1).xq, 88);
	assert.equal(v.get(1).t0, 300);
	assert.equal(v.get(MOB3).x, 100.125);
	// Between messages, motionAt (not rounded, fractional ticks).
	assert.deepEqual(delta.motionAt(v.get(1), 304.5), { x: 11.125,
	    y: -2.5 });
	assert.deepEqual(delta.motionAt(v.get(MOB3), 1e6), { x: 100.125,
	    y: 50 });
	// Ann turns north at tick 306, 1/512 east of where she was
	// reckoned; the mob loses 3 hp (P 0: the motion goes on).
	v.apply(msg3(306, 9, { update: [
		{ id: 1, dx: 1, dy: 0, vx: 0, vy: -64 },
		{ id: MOB3, hp: 9 },
	] }));
	const ann = v.get(1);
	assert.deepEqual([ann.bx, ann.by, ann.vxf, ann.vyf, ann.t0],
	    [5120 + 6 * 128 + 1, -1280, 0, -64, 306]);
	assert.deepEqual([ann.xq, ann.yq, ann.vx, ann.vy], [92, -20, 0,
	    -0.125]);
	v.apply(msg3(316, 10));
	assert.deepEqual([ann.xq, ann.yq, ann.x, ann.y], [92, -30, 11.5,
	    -3.75]);
	assert.equal(v.get(MOB3).hp, 9);
});

test("format 3: decode without a view", () => {
	const m = decode(msg3(10, 0, {
		enter: [{ id: 2, kind: 1, type: 3, bx: -(2 ** 36 - 1),
		    by: 2 ** 36 - 1, vx: -(2 ** 20 - 1), vy: 2 ** 20 - 1,
		    hp: 4, max_hp: 5, level: 6 }],
		update: [{ id: 1, dx: -5, dy: 2 ** 37 - 1, vx: 3, vy: -4 },
		    { id: 3, dx: 0, dy: 0, vx: 0, vy: 0, level: 2 }],
	}));
	assert.equal(m.version, 3);
	assert.deepEqual(m.enter, [{ id: 2, kind: 1, type: 3,
	    bx: -(2 ** 36 - 1), by: 2 ** 36 - 1, vx: -(2 ** 20 - 1),
	    vy: 2 ** 20 - 1, hp: 4, max_hp: 5, level: 6, name: "", off: 5 }]);
	assert.deepEqual(m.update.map((u) => ({ ...u, off: 0 })), [
		{ id: 1, mask: delta.F_POS, off: 0, dx: -5, dy: 2 ** 37 - 1,
		    vx: 3, vy: -4 },
		{ id: 3, mask: delta.F_POS | delta.F_LEVEL, off: 0, dx: 0,
		    dy: 0, vx: 0, vy: 0, level: 2 },
	]);
	// The largest zigzag: 6 bytes, 2^38 - 1.
	const big = msg3(10, 0, { update: [{ id: 1, dx: -(2 ** 37), dy: 0,
	    vx: 0, vy: 0 }] });
	assert.deepEqual(Array.from(big.subarray(7, 13)), [0xff, 0xff, 0xff,
	    0xff, 0xff, 0x07]);
	assert.equal(decode(big).update[0].dx, -(2 ** 37));
	assert.deepEqual([delta.FSCALE, delta.FMAX, delta.VMAX],
	    [64, 2 ** 36 - 1, 2 ** 20 - 1]);
});

test("format 3: reckoning over ticks without a record, halves up, " +
    "negative velocities, clamps", () => {
	const cases = [
		// [bx, vx]: halves go up, on both sides of 0
		[32, 0], [31, 0], [-32, 0], [-33, 0], [-31, 0], [96, 0],
		[-96, 0], [-97, 0],
		[0, -32], [0, -31], [0, -33], [-1, -1], [31, -64], [32, 64],
		[0, 1], [0, -1], [100, -7], [-100, 7],
		[2 ** 36 - 1, 2 ** 20 - 1], [-(2 ** 36 - 1), -(2 ** 20 - 1)],
		[2 ** 36 - 1, -(2 ** 20 - 1)], [-(2 ** 36 - 1), 2 ** 20 - 1],
		[0, 2 ** 20 - 1], [0, -(2 ** 20 - 1)], [12345, -1], [-5, 3],
	];
	const r = rng(0x3d3);
	for (let i = 0; i < 200; i++)
		cases.push([r(2 ** 20) * 2 ** 16 % 2 ** 36 * (r(2) ? 1 : -1) +
		    r(2 ** 16), (r(2 ** 20)) * (r(2) ? 1 : -1)]);
	const T0 = 1000;
	const enter = cases.map(([b, vel], i) => ({ id: i + 1, kind: 1,
	    bx: b, by: -b, vx: vel, vy: -vel }));
	const v = new DeltaView();
	v.apply(msg3(T0, 1, { enter }));
	const ticks = [T0, T0, T0 + 1, T0 + 2, T0 + 3, T0 + 64, T0 + 1000,
	    T0 + 65537, T0 + 2 ** 24, T0 + 2 ** 31 - 1, T0 + 2 ** 31,
	    T0 + 2 ** 31 + 5000, 2 ** 53 - 1];
	for (const t of ticks) {
		assert.deepEqual(v.apply(msg3(t, 2)).updated, []);
		assert.equal(v.tick, t);
		cases.forEach(([b, vel], i) => {
			const e = v.get(i + 1);
			const xq = modelQ(b, vel, T0, t);
			const yq = modelQ(-b, -vel, T0, t);
			assert.deepEqual([e.xq, e.yq, e.x, e.y, e.vxf, e.vx],
			    [xq, yq, xq / 8, yq / 8, vel, vel / 512],
			    `case ${i} (${b}, ${vel}) at ${t}`);
			assert.equal(e.t0, T0);
		});
	}
	// Spot checks of the model itself: halves up, 2^31 ticks at most.
	assert.deepEqual([modelQ(32, 0, 0, 0), modelQ(-32, 0, 0, 0),
	    modelQ(-33, 0, 0, 0), modelQ(0, -32, 0, 3), modelQ(0, -33, 0, 3),
	    modelQ(0, 1, 0, 2 ** 31 + 5000), modelQ(0, 1, 0, 2 ** 31 - 64)],
	    [1, 0, -1, -1, -2, 2 ** 25, 2 ** 25 - 1]);
	assert.equal(modelQ(2 ** 36 - 1, 2 ** 20 - 1, 0, 2 ** 31), 2 ** 30 - 1);
	assert.equal(modelQ(-(2 ** 36 - 1), -1, 0, 1), -(2 ** 30 - 1));
});

test("format 3: updates start a new motion from where the old one is", () => {
	const v = new DeltaView();
	v.apply(msg3(50, 1, { enter: [
		{ id: 1, bx: 0, by: 0, vx: 100, vy: -100 },
		{ id: 2, bx: 640, by: 0, vx: -3, vy: 0, kind: 1 },
	] }));
	// At 60 entity 1 is at (1000, -1000): a new motion from there + d.
	v.apply(msg3(60, 2, { update: [
		{ id: 1, dx: 5, dy: -7, vx: -7, vy: 0, hp: 3 },
		{ id: 2, max_hp: 9 },
	] }));
	let e = v.get(1);
	assert.deepEqual([e.bx, e.by, e.vxf, e.vyf, e.t0, e.hp],
	    [1005, -1007, -7, 0, 60, 3]);
	assert.deepEqual([e.xq, e.yq], [modelQ(1005, -7, 60, 60),
	    modelQ(-1007, 0, 60, 60)]);
	assert.deepEqual([v.get(2).xq, v.get(2).t0, v.get(2).max_hp],
	    [modelQ(640, -3, 50, 60), 50, 9]);
	v.apply(msg3(80, 3));
	assert.deepEqual([e.xq, e.yq], [modelQ(1005, -7, 60, 80), -16]);
	assert.equal(e.xq, 14);		// (1005 - 140 + 32) / 64 = 14.02
	assert.equal(v.get(2).xq, modelQ(640, -3, 50, 80));
	// The same tick again is fine (nothing moves), and a stop.
	v.apply(msg3(80, 4, { update: [{ id: 1, dx: 0, dy: 0, vx: 0,
	    vy: 0 }] }));
	e = v.get(1);
	assert.deepEqual([e.bx, e.by, e.vx, e.vy, e.t0], [865, -1007, 0, 0,
	    80]);
	v.apply(msg3(10 ** 9, 5));
	assert.deepEqual([e.xq, e.yq], [14, -16]);
	// A leave and an enter under the same id: a new motion, at the tick.
	v.apply(msg3(10 ** 9 + 1, 6, { leave: [2], enter: [{ id: 2,
	    kind: 1, type: 1, bx: 64, by: 64, vx: 64, vy: 0 }] }));
	assert.deepEqual([v.get(2).xq, v.get(2).t0, v.get(2).type],
	    [1, 10 ** 9 + 1, 1]);
	v.apply(msg3(10 ** 9 + 3, 7));
	assert.equal(v.get(2).xq, 3);
});

test("format 3: a message of format 2 after it stands everything where " +
    "it is shown", () => {
	const v = new DeltaView();
	v.apply(msg3(100, 1, { enter: [
		{ id: 1, bx: 0, by: 100, vx: 64, vy: -33 },
		{ id: 2, bx: -64, by: 0, vx: -100, vy: 0, kind: 1 },
	] }));
	v.apply(msg3(110, 2));
	const at110 = [10, modelQ(100, -33, 100, 110), modelQ(-64, -100,
	    100, 110)];
	assert.deepEqual([v.get(1).xq, v.get(1).yq, v.get(2).xq], at110);
	// Format 2, ten ticks on, with no record: nobody moves from 110.
	v.apply(msg3(120, 3, {}, 2));
	for (const id of [1, 2]) {
		const e = v.get(id);
		assert.deepEqual([e.vx, e.vy, e.vxf, e.vyf, e.t0, e.bx, e.by],
		    [0, 0, 0, 0, 120, e.xq * 64, e.yq * 64], `entity ${id}`);
	}
	assert.deepEqual([v.get(1).xq, v.get(1).yq, v.get(2).xq], at110);
	// A format 2 update is against x_q as shown.
	v.apply(msg3(121, 4, { update: [{ id: 1, dxq: -3, dyq: 1 }] }, 2));
	assert.deepEqual([v.get(1).xq, v.get(1).yq], [7, at110[1] + 1]);
	// Format 3 again: still standing, and dx is against x_q * 64.
	v.apply(msg3(130, 5));
	assert.deepEqual([v.get(1).xq, v.get(2).xq], [7, at110[2]]);
	v.apply(msg3(131, 6, { update: [{ id: 2, dx: 32, dy: 0, vx: 64,
	    vy: 0 }] }));
	assert.deepEqual([v.get(2).bx, v.get(2).xq], [at110[2] * 64 + 32,
	    at110[2] + 1]);
	v.apply(msg3(133, 7));
	assert.equal(v.get(2).xq, at110[2] + 3);
	// Format 1 likewise.
	v.apply(msg3(134, 8, {}, 1));
	assert.equal(v.get(2).vx, 0);
	v.apply(msg3(140, 9));
	assert.equal(v.get(2).xq, at110[2] + 3);
});

// Each refused by a view of format 3 at tick 300, for its reason, and the
// view left as it was.
function bad3() {
	const ann = { id: 1, bx: 5120, by: -1280, vx: 128, vy: 0,
	    name: "Ann" };
	const far = { id: 2, kind: 1, bx: 2 ** 36 - 1 - 640, by: 0, vx: 64,
	    vy: 0 };
	const hdr = (tick) => {
		const out = [3];
		varint(out, tick);
		out.push(0);
		return out;
	};
	return [
		["tick back", "tick before the last message's", 4, msg3(299,
		    1)],
		["tick back, more wrong after", "tick before", 3, new
		    Uint8Array([...hdr(0), 0xff, 0xff])],
		["enter vx 2^20", "velocity out of range", 15, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 0, by: 0,
		    vx: 2 ** 20, vy: 0 }] })],
		["enter vy -2^20", "velocity out of range", 15, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 0, by: 0, vx: 0,
		    vy: -(2 ** 20) }] })],
		["enter vx 2^31", "velocity out of range", 16, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 0, by: 0,
		    vx: 2 ** 31 - 1, vy: 0 }] })],
		["enter vx 2^32", "varint out of range", 16, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 0, by: 0,
		    vx: 2 ** 31, vy: 0 }] })],
		["enter bx 2^36", "position out of range", 15, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 2 ** 36, by: 0, vx: 0,
		    vy: 0 }] })],
		["enter by -2^36", "position out of range", 16, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 0, by: -(2 ** 36),
		    vx: 0, vy: 0 }] })],
		["enter bx 2^37", "position out of range", 15, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 2 ** 37 - 1, by: 0, vx: 0,
		    vy: 0 }] })],
		["enter bx 2^38", "varint out of range", 15, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 2 ** 37, by: 0, vx: 0,
		    vy: 0 }] })],
		["enter bx of 7 bytes", "varint too long", 15, msg3(300, 1,
		    { enter: [{ id: 3, kind: 1, bx: 2 ** 41, by: 0, vx: 0,
		    vy: 0 }] })],
		["enter x_q of format 2", "truncated", 15, new Uint8Array([3,
		    0xac, 0x02, 0, 0, 1, 3, 1, 0, 0x02, 0x02, 1, 1, 0, 0])],
		["update vx 2^20", "velocity out of range", 14, msg3(300, 1,
		    { update: [{ id: 1, dx: 0, dy: 0, vx: 2 ** 20, vy: 0 }] })],
		["update vy -2^20 (P 0)", "velocity out of range", 15,
		    msg3(300, 1, { update: [{ id: 1, dx: 0, dy: 0, vx: 0,
		    vy: -(2 ** 20), hp: 1 }] })],
		// 2^36 - 1 - 640 + 64 * 10 ticks + 1
		["update past FMAX", "position out of range", 7, msg3(310, 1,
		    { update: [{ id: 2, dx: 1, dy: 0, vx: 0, vy: 0 }] })],
		["update past -FMAX", "position out of range", 7, msg3(300, 1,
		    { update: [{ id: 1, dx: -(2 ** 36) - 5120, dy: 0, vx: 0,
		    vy: 0 }] })],
		["update dx 2^38", "varint out of range", 14, msg3(300, 1,
		    { update: [{ id: 1, dx: 2 ** 37, dy: 0, vx: 0, vy: 0 }] })],
		["update mask 0x01 with P 0", "position only", 9, msg3(300, 1,
		    { update: [{ id: 1, dx: 0, dy: 0, vx: 0, vy: 0,
		    p0: 0x01 }] })],
		["update of format 2", "truncated", 10, new Uint8Array([3, 0xac,
		    0x02, 0, 0, 0, 1, 0x03, 0x10, 0x00])],
		["update unknown", "not seen", 7, msg3(300, 1, { update: [
		    { id: 3, dx: 0, dy: 0, vx: 0, vy: 0 }] })],
		["update after leave", "not seen", 8, msg3(300, 1, {
		    leave: [1], update: [{ id: 1, hp: 3 }] })],
		["enter seen", "already seen", 6, msg3(300, 1, { enter: [
		    { id: 1, bx: 0, by: 0, vx: 0, vy: 0 }] })],
		["trailing byte", "after", 7, new Uint8Array([...msg3(300, 1),
		    0])],
	].map(([what, why, off, bytes]) => ({ what, why, off, bytes, ann,
	    far }));
}

test("format 3: refusals leave the view as it was", () => {
	const cases = bad3();
	const v = new DeltaView();
	v.apply(msg3(300, 0, { enter: [cases[0].ann, cases[0].far] }));
	const before = snapshot(v);
	for (const { what, why, off, bytes } of cases) {
		let err;
		try {
			v.apply(bytes);
		} catch (e) {
			err = e;
		}
		assert.ok(err instanceof DeltaError, `${what}: ${err}`);
		assert.ok(err.message.includes(why),
		    `${what}: "${err.message}", want "${why}"`);
		assert.equal(err.offset, off, `${what}: ${err.message}`);
		assert.equal(snapshot(v), before, `${what}: view changed`);
	}
	// What those are next to is accepted: FMAX, VMAX, the same tick.
	v.apply(msg3(300, 1, { enter: [{ id: 3, kind: 1, bx: 2 ** 36 - 1,
	    by: -(2 ** 36 - 1), vx: 2 ** 20 - 1, vy: -(2 ** 20 - 1) }],
	    update: [{ id: 2, dx: 0, dy: 0, vx: -(2 ** 20 - 1), vy: 0 }] }));
	// (2^36 - 1 + 32) / 64 is 2^30 and more: x_q is clamped, not bx.
	assert.deepEqual([v.get(3).xq, v.get(3).yq, v.get(3).bx],
	    [delta.QMAX, -delta.QMAX, 2 ** 36 - 1]);
	// A format 2 message may go back in ticks (the C decoder's rule
	// is for format 3); then format 3 goes on from there.
	v.apply(msg3(200, 2, {}, 2));
	v.apply(msg3(200, 3));
	assert.throws(() => v.apply(msg3(199, 4)), /tick before/);
	// decode alone has no tick to hold to.
	assert.equal(decode(msg3(199, 4)).tick, 199);
});

// delta-v3 (the current format), delta-v2 and delta-v1 (formats 2 and 1,
// still read): the same scenario.
const VERSIONS = [3, 2, 1];

// The fields of a view's entity besides those delta-vN.json lists.
const MOTION = ["vx", "vy", "bx", "by", "vxf", "vyf", "t0"];

// Each entity of v is shown where its motion puts it at the view's tick;
// before format 3 it stands there.
function checkMotions(v, version, what) {
	for (const e of v.entities.values()) {
		assert.equal(e.xq, modelQ(e.bx, e.vxf, e.t0, v.tick), what);
		assert.equal(e.yq, modelQ(e.by, e.vyf, e.t0, v.tick), what);
		assert.deepEqual([e.x, e.y, e.vx, e.vy], [e.xq / 8, e.yq / 8,
		    e.vxf / 512, e.vyf / 512], what);
		if (version < 3) {
			assert.deepEqual([e.vxf, e.vyf, e.t0, e.bx, e.by],
			    [0, 0, v.tick, e.xq * 64, e.yq * 64], what);
		}
	}
}
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
		checkMotions(v, version, `message ${i}`);
	});
	assert.equal(v.tick, expect.final.tick);
	assert.equal(v.seq, expect.final.seq);
	assert.equal(v.size, expect.final.entities.length);
	for (const want of expect.final.entities) {
		// What the JSON lists, exactly; the motion besides.
		const got = v.get(want.id);
		assert.ok(got !== undefined, `entity ${want.id}`);
		assert.deepEqual(Object.fromEntries(Object.keys(want).map((k) =>
		    [k, got[k]])), want, `entity ${want.id}`);
		assert.deepEqual(Object.keys(got).filter((k) => !(k in want) &&
		    !MOTION.includes(k)), [], `entity ${want.id}`);
	}
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

test("fixture: v3 shows players where v2 does, mobs within the slack",
    () => {
	// delta.h: DELTA_SLACK_PLAYER 0, DELTA_SLACK_MOB 16 (x_q).
	const a = loadFixture(2), b = loadFixture(3);
	assert.equal(a.messages.length, b.messages.length);
	const v2 = new DeltaView(), v3 = new DeltaView();
	let off = 0;
	a.messages.forEach((m, i) => {
		const w2 = v2.apply(m), w3 = v3.apply(b.messages[i]);
		assert.deepEqual([w3.tick, w3.seq, w3.left, w3.entered],
		    [w2.tick, w2.seq, w2.left, w2.entered], `message ${i}`);
		assert.deepEqual([...v3.entities.keys()],
		    [...v2.entities.keys()], `message ${i}`);
		for (const e of v2.entities.values()) {
			const f = v3.get(e.id);
			const dx = Math.abs(f.xq - e.xq);
			const dy = Math.abs(f.yq - e.yq);
			const slack = e.kind === delta.KIND_PLAYER ? 0 : 16;
			assert.ok(dx <= slack && dy <= slack,
			    `message ${i}: ${e.id} off by ${dx}, ${dy}`);
			off += dx + dy > 0;
			assert.deepEqual([f.hp, f.max_hp, f.name, f.state],
			    [e.hp, e.max_hp, e.name, e.state]);
		}
	});
	assert.ok(off > 0, "no mob shown off where it is");
});

for (const version of VERSIONS)
test(`fixture v${version}: what the scenario was made to show`, () => {
	const { messages } = loadFixture(version);
	const v = new DeltaView();
	let leaves = 0, enters = 0, updates = 0, quiet = 0, rejoin = 0;
	let negative = false, multibyte = false, reckoned = 0, backward = 0;
	for (const m of messages) {
		const was = new Map([...v.entities].map(([id, e]) =>
		    [id, [e.xq, e.yq]]));
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
			backward += e.vx < 0 || e.vy < 0;
			// Moved by its motion alone.
			const p = was.get(e.id);
			reckoned += p !== undefined &&
			    !w.updated.includes(e.id) &&
			    !w.entered.includes(e.id) &&
			    (p[0] !== e.xq || p[1] !== e.yq);
		}
	}
	assert.ok(leaves > 0 && enters > 0 && updates > 0,
	    `${leaves} leaves, ${enters} enters, ${updates} updates`);
	if (version >= 3) {
		// The tick nothing changes in format 2 stops motions here.
		assert.ok(reckoned > 10, `${reckoned} moved without a record`);
		assert.ok(backward > 10, `${backward} negative velocities`);
	} else
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
