// The self-test of delta.cjs, without zoned:
//   node clients/js/test/delta-selftest.cjs
// Checks the decoder on the example of src/delta.h (known bytes), on
// hand-made malformed messages, and against the C encoder: the messages of
// tests/fixtures/delta-v1.bin (written by tests/unit/check_delta) must
// lead, one by one, to the views tests/fixtures/delta-v1.json describes.
// Then every truncation and thousands of random mutations of them must be
// refused with a DeltaError, leaving the view as it was, or accepted.
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
	0x01, 0xac, 0x02, 0x07, 0x00, 0x02,
	0x01, 0x00, 0x00, 0xa0, 0x01, 0x27, 0x12, 0x14, 0x02,
	0x03, 0x41, 0x6e, 0x6e,
	0x82, 0x80, 0x80, 0x80, 0x04, 0x01, 0x01, 0xc2, 0x0c, 0xa0, 0x06,
	0x0c, 0x0c, 0x01,
	0x00,
];
const golden2 = [
	0x01, 0xad, 0x02, 0x08, 0x00, 0x00, 0x02,
	0x01, 0x01, 0x10, 0x00,
	0x82, 0x80, 0x80, 0x80, 0x04, 0x02, 0x09,
];
const golden3 = [
	0x01, 0xae, 0x02, 0x08, 0x01, 0x83, 0x80, 0x80, 0x80, 0x04, 0x00,
	0x00,
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
});

test("golden: decode without a view", () => {
	const m = decode(new Uint8Array(golden2));
	assert.equal(m.tick, 301);
	assert.deepEqual(m.update.map((u) => [u.id, u.mask]),
	    [[1, delta.F_POS], [MOB3, delta.F_HP]]);
	assert.equal(m.update[0].dxq, 8);
	assert.equal(m.update[0].dyq, 0);
	assert.throws(() => decode("01"), TypeError);
});

// Each refused, for its reason, by a view of golden1 (as check_delta.c).
const bad = [
	["empty", "truncated", []],
	["version 2", "version", [0x02, 0x01, 0x00, 0, 0, 0]],
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
	const v = new DeltaView();
	v.apply(new Uint8Array(golden1));
	v.apply(new Uint8Array([0x01, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01,
	    0x01, 0x01, 0x04, 0x00, 0x05, 0x05, 0x02, 0x00]));
	assert.deepEqual(v.get(1), { id: 1, kind: 1, type: 1, xq: 2, yq: 0,
	    x: 0.25, y: 0, hp: 5, max_hp: 5, state: 2 });
	assert.equal(v.size, 2);
});

// ---- against the C encoder ------------------------------------------------

let fixture = null;
function loadFixture() {
	if (fixture === null) {
		fixture = {
			messages: readMessages(path.join(FIXTURES,
			    "delta-v1.bin")),
			expect: JSON.parse(fs.readFileSync(path.join(FIXTURES,
			    "delta-v1.json"), "utf8")),
		};
	}
	return fixture;
}

test("fixture: every message gives the C decoder's view", () => {
	const { messages, expect } = loadFixture();
	assert.equal(expect.version, delta.DELTA_VERSION);
	assert.equal(messages.length, expect.messages.length);
	const v = new DeltaView();
	messages.forEach((m, i) => {
		const want = expect.messages[i];
		assert.equal(m.length, want.length, `message ${i}: length`);
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

test("fixture: what the scenario was made to show", () => {
	const { messages } = loadFixture();
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

test("fixture: every truncation is refused, the view stays", () => {
	const { messages } = loadFixture();
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

test("fixture: random mutations are refused or fit", () => {
	const { messages } = loadFixture();
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
				m = [1];
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
