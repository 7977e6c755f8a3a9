// delta.cjs: decodes zoned's binary state deltas (format 2, and format 1
// as older servers sent it) and keeps a client's view of the world. The
// format is in zoned-protocol(7) and in src/delta.h, byte by byte; this is
// the JavaScript twin of the C decoder there (delta_decode), and
// tests/fixtures/delta-v2.bin and delta-v1.bin, written by the C encoder,
// keep the two in step (test/delta-selftest.cjs).
//
//   const { DeltaView } = require("./delta.cjs");
//   const view = new DeltaView();
//   socket.on("delta", (bytes) => {
//       const what = view.apply(bytes);  // throws DeltaError if malformed
//       for (const [id, e] of view.entities) draw(id, e.x, e.y);
//   });
//
// A message that is refused leaves the view as it was; the transport is
// ordered and reliable, so a refusal means a bug or a foreign server:
// drop the connection. One difference with the C decoder: tick and seq
// above 2^53 - 1 (Number.MAX_SAFE_INTEGER) are refused, so that they stay
// plain numbers; at 20 ticks a second that is 14 million years away.
//
// No dependencies: TextDecoder and BigInt (node 12+, any recent browser).
"use strict";

const DELTA_VERSION = 2;	// bump with src/delta.h
const DELTA_VERSION_MIN = 1;	// the oldest format read
const KIND_PLAYER = 0;
const KIND_MOB = 1;
const F_POS = 0x01;
const F_HP = 0x02;
const F_MAX_HP = 0x04;
const F_LEVEL = 0x08;
const F_ALL = 0x0f;
const QSCALE = 8;		// x = x_q / 8
const QMAX = 2 ** 30 - 1;	// |x_q| at most
const NAME_MAX = 63;		// bytes
const VIEW_MAX = 65536;		// entities a client sees at most
const ENTER_MIN = 8;		// bytes of the shortest enter record
const UPDATE_MIN = 3;

// Mob AI states (src/sim/world.h, enum mob_state), for display.
const MOB_STATES = ["idle", "wander", "chase", "attack", "return", "dead"];

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A malformed message, or one that does not fit the view. */
class DeltaError extends Error {
	constructor(why, offset) {
		super(`delta: ${why} at byte ${offset}`);
		this.name = "DeltaError";
		this.code = "bad_delta";
		this.why = why;
		this.offset = offset;
	}
}

function toBytes(data) {
	if (data instanceof Uint8Array)
		return data;
	if (data instanceof ArrayBuffer)
		return new Uint8Array(data);
	if (ArrayBuffer.isView(data))
		return new Uint8Array(data.buffer, data.byteOffset,
		    data.byteLength);
	throw new TypeError("delta: bytes must be a Uint8Array, Buffer " +
	    "or ArrayBuffer");
}

// A bounds-checked reader; every failure throws DeltaError.
class Reader {
	constructor(bytes) {
		this.b = bytes;
		this.off = 0;
	}

	fail(why) {
		throw new DeltaError(why, this.off);
	}

	left() {
		return this.b.length - this.off;
	}

	u8() {
		if (this.off >= this.b.length)
			this.fail("truncated");
		return this.b[this.off++];
	}

	// Unsigned LEB128 of at most 5 bytes, at most max (2^32 - 1 unless
	// told), shortest form.
	u32(max = 0xffffffff) {
		let v = 0;
		for (let i = 0; i < 5; i++) {
			const b = this.u8();
			v += (b & 0x7f) * 2 ** (7 * i);
			if ((b & 0x80) === 0) {
				if (b === 0 && i > 0)
					this.fail("varint not in its " +
					    "shortest form");
				if (v > max)
					this.fail("varint out of range");
				return v;
			}
		}
		this.fail("varint too long");
	}

	// Unsigned LEB128 of at most 10 bytes, below 2^64, shortest form;
	// then at most 2^53 - 1 (see the top of the file).
	u64() {
		let v = 0n;
		for (let i = 0; i < 10; i++) {
			const b = this.u8();
			if (i === 9 && b > 1 && (b & 0x80) === 0)
				this.fail("varint out of range");
			v |= BigInt(b & 0x7f) << BigInt(7 * i);
			if ((b & 0x80) === 0) {
				if (b === 0 && i > 0)
					this.fail("varint not in its " +
					    "shortest form");
				if (v > BigInt(Number.MAX_SAFE_INTEGER))
					this.fail("varint above 2^53 - 1");
				return Number(v);
			}
		}
		this.fail("varint too long");
	}

	zigzag() {
		const v = this.u32();
		return v % 2 === 1 ? -(v - 1) / 2 - 1 : v / 2;
	}

	coord(base) {
		const v = base + this.zigzag();
		if (v > QMAX || v < -QMAX)
			this.fail("position out of range");
		return v;
	}

	// The next id of a list: prev plus a gap, not 0 but for the first.
	id(first, prev, gap = this.u32()) {
		if (gap === 0 && !first)
			this.fail("ids not ascending");
		if (prev + gap > 0xffffffff)
			this.fail("id out of range");
		return prev + gap;
	}

	// A count, bounded by the bytes left for its records.
	count(minrec) {
		const n = this.u32();
		if (n > Math.floor(this.left() / minrec))
			this.fail("count larger than the message");
		return n;
	}
}

/**
 * Parses one message without a view: {version, tick, seq, leave: [{id,
 * off}], enter: [{id, kind, type, xq, yq, hp, max_hp, level, name, off}],
 * update: [{id, mask, dxq?, dyq?, hp?, max_hp?, level?, off}]}, off being
 * where each record starts; mask is the fields the update carries
 * (F_POS for a position-only update of format 2, which sends no mask).
 * Throws DeltaError if it is malformed (but cannot tell whether it fits
 * a view: DeltaView.apply does).
 */
function decode(data) {
	const r = new Reader(toBytes(data));
	// Formats 1 and 2 differ only in the update records.
	const version = r.u8();
	if (version < DELTA_VERSION_MIN || version > DELTA_VERSION)
		r.fail("unknown format version");
	const msg = { version, tick: r.u64(), seq: r.u64(), leave: [],
	    enter: [], update: [] };

	// Each list's ids are gaps from the id before (see src/delta.h).
	let n = r.count(1);
	let id = 0;
	for (let i = 0; i < n; i++) {
		const off = r.off;
		id = r.id(i === 0, id);
		msg.leave.push({ id, off });
	}

	n = r.count(ENTER_MIN);
	id = 0;
	for (let i = 0; i < n; i++) {
		const off = r.off;
		id = r.id(i === 0, id);
		const kind = r.u8();
		if (kind !== KIND_PLAYER && kind !== KIND_MOB)
			r.fail("unknown kind");
		const e = { id, kind, type: r.u32(), xq: r.coord(0),
		    yq: r.coord(0), hp: r.u32(), max_hp: r.u32(),
		    level: r.u32(), name: "", off };
		if (kind === KIND_PLAYER) {
			const len = r.u32();
			if (len > NAME_MAX)
				r.fail("name too long");
			if (len > r.left())
				r.fail("truncated");
			const bytes = r.b.subarray(r.off, r.off + len);
			if (bytes.includes(0))
				r.fail("name not UTF-8");
			try {
				e.name = utf8.decode(bytes);
			} catch (err) {
				r.fail("name not UTF-8");
			}
			r.off += len;
		}
		msg.enter.push(e);
	}

	// Format 2: a key, (id_gap << 1) | P, below 2^33; P 1 is a
	// position-only update, without a mask (so mask 0x01 alone is
	// refused). Format 1: the id's gap, then always the mask.
	n = r.count(UPDATE_MIN);
	id = 0;
	for (let i = 0; i < n; i++) {
		const off = r.off;
		let pos = false;
		if (version === 1)
			id = r.id(i === 0, id);
		else {
			const key = r.u32(2 ** 33 - 1);
			pos = key % 2 === 1;
			id = r.id(i === 0, id, Math.floor(key / 2));
		}
		const mask = pos ? F_POS : r.u8();
		if (mask === 0 || (mask & ~F_ALL) !== 0)
			r.fail("bad update mask");
		if (!pos && version >= 2 && mask === F_POS)
			r.fail("bad update mask (position only goes " +
			    "without one)");
		const u = { id, mask, off };
		if (mask & F_POS) {
			// Range-checked against the view in apply().
			u.dxq = r.zigzag();
			u.dyq = r.zigzag();
		}
		if (mask & F_HP)
			u.hp = r.u32();
		if (mask & F_MAX_HP)
			u.max_hp = r.u32();
		if (mask & F_LEVEL)
			u.level = r.u32();
		msg.update.push(u);
	}
	if (r.left() !== 0)
		r.fail("bytes after the message");
	return msg;
}

function entity(e) {
	const o = { id: e.id, kind: e.kind, type: e.type, xq: e.xq,
	    yq: e.yq, x: e.xq / QSCALE, y: e.yq / QSCALE, hp: e.hp,
	    max_hp: e.max_hp };
	if (e.kind === KIND_PLAYER) {
		o.level = e.level;
		o.name = e.name;
	} else
		o.state = e.level;
	return o;
}

/**
 * A client's view of the world, kept by applying every message in order.
 *
 * entities: Map id -> {id, kind (0 player, 1 mob), type (mob: spawner
 * index; player: 0), xq, yq (1/8 units), x, y (units), hp, max_hp, and
 * level and name for a player, or state for a mob}. tick and seq: those
 * of the last message applied.
 */
class DeltaView {
	constructor() {
		this.entities = new Map();
		this.tick = 0;
		this.seq = 0;
	}

	get size() {
		return this.entities.size;
	}

	get(id) {
		return this.entities.get(id);
	}

	/**
	 * Applies one message; returns {tick, seq, left, entered, updated}
	 * (arrays of ids). Throws DeltaError, changing nothing, if the
	 * message is malformed or does not fit the view.
	 */
	apply(data) {
		const msg = decode(data);
		const ents = this.entities;
		const gone = new Set();
		const fail = (why, off) => {
			throw new DeltaError(why, off);
		};

		// Check everything against the view before changing it.
		for (const l of msg.leave) {
			if (!ents.has(l.id))
				fail("leave of an id not seen", l.off);
			gone.add(l.id);
		}
		const size = ents.size - msg.leave.length + msg.enter.length;
		if (size > VIEW_MAX)
			fail("too many entities", msg.enter[0].off);
		const back = new Set();
		for (const e of msg.enter) {
			if (ents.has(e.id)) {
				if (!gone.has(e.id))
					fail("enter of an id already seen",
					    e.off);
				back.add(e.id);
			}
		}
		for (const u of msg.update) {
			const was = ents.get(u.id);
			if (was === undefined || gone.has(u.id))
				fail("update of an id not seen", u.off);
			if (u.mask & F_POS) {
				const xq = was.xq + u.dxq, yq = was.yq + u.dyq;
				if (Math.abs(xq) > QMAX || Math.abs(yq) > QMAX)
					fail("position out of range", u.off);
			}
		}

		for (const id of gone)
			ents.delete(id);
		for (const e of msg.enter)
			ents.set(e.id, entity(e));
		for (const u of msg.update) {
			const e = ents.get(u.id);
			if (u.mask & F_POS) {
				e.xq += u.dxq;
				e.yq += u.dyq;
				e.x = e.xq / QSCALE;
				e.y = e.yq / QSCALE;
			}
			if (u.mask & F_HP)
				e.hp = u.hp;
			if (u.mask & F_MAX_HP)
				e.max_hp = u.max_hp;
			if (u.mask & F_LEVEL) {
				if (e.kind === KIND_PLAYER)
					e.level = u.level;
				else
					e.state = u.level;
			}
		}
		this.tick = msg.tick;
		this.seq = msg.seq;
		return {
			tick: msg.tick,
			seq: msg.seq,
			left: msg.leave.map((l) => l.id),
			entered: msg.enter.map((e) => e.id),
			updated: msg.update.map((u) => u.id),
		};
	}

	/** Forgets everything (a new connection starts from nothing). */
	clear() {
		this.entities.clear();
		this.tick = 0;
		this.seq = 0;
	}
}

module.exports = {
	DELTA_VERSION, DELTA_VERSION_MIN, KIND_PLAYER, KIND_MOB, F_POS, F_HP,
	F_MAX_HP, F_LEVEL,
	QSCALE, QMAX, NAME_MAX, VIEW_MAX, MOB_STATES,
	DeltaError, DeltaView, decode,
};
