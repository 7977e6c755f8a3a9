// delta.cjs: decodes zoned's binary state deltas (format 3, and formats
// 2 and 1 as older servers sent them) and keeps a client's view of the
// world. The format is in zoned-protocol(7) and in src/delta.h, byte by
// byte; this is the JavaScript twin of the C decoder there (delta_decode),
// and tests/fixtures/delta-v3.bin, delta-v2.bin and delta-v1.bin, written
// by the C encoder, keep the two in step (test/delta-selftest.cjs).
//
//   const { DeltaView } = require("./delta.cjs");
//   const view = new DeltaView();
//   socket.on("delta", (bytes) => {
//       const what = view.apply(bytes);  // throws DeltaError if malformed
//       for (const [id, e] of view.entities) draw(id, e.x, e.y);
//   });
//
// Format 3 sends motions (dead reckoning, delta.h "Motion"): each entity
// has a position at a tick and a velocity, and every message moves
// everything in view by its motion, whether it has a record or not. x, y
// (and xq, yq) are where an entity is shown at the view's tick; vx, vy
// its velocity in units a tick, for drawing between two messages
// (motionAt). Formats 1 and 2 have no velocity: 0.
//
// A message that is refused leaves the view as it was; the transport is
// ordered and reliable, so a refusal means a bug or a foreign server:
// drop the connection. One difference with the C decoder: tick and seq
// above 2^53 - 1 (Number.MAX_SAFE_INTEGER) are refused, so that they stay
// plain numbers; at 20 ticks a second that is 14 million years away.
// Motions are reckoned in doubles, exactly: positions stay below 2^52 in
// 1/512 units (see delta.h), and values above 2^32 are never put through
// JavaScript's 32-bit bitwise operators.
//
// No dependencies: TextDecoder and BigInt (node 12+, any recent browser).
"use strict";

const DELTA_VERSION = 3;	// bump with src/delta.h
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
const FSCALE = 64;		// motion steps (1/512 units) per x_q step
const FMAX = 2 ** 36 - 1;	// |bx| at most
const VMAX = 2 ** 20 - 1;	// |vx| at most, 1/512 units a tick
const DT_MAX = 2 ** 31;		// ticks a motion is reckoned at most
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

	// Unsigned LEB128 of at most maxbytes bytes (6 at most: 42 bits,
	// exact in a double, summed rather than shifted) and at most max,
	// shortest form.
	varint(maxbytes, max) {
		let v = 0;
		for (let i = 0; i < maxbytes; i++) {
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

	// At most 5 bytes, at most max (2^32 - 1 unless told).
	u32(max = 0xffffffff) {
		return this.varint(5, max);
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

	// A zigzag below 2^32.
	zigzag() {
		return unzigzag(this.u32());
	}

	// A zigzag of at most 6 bytes, below 2^38: a motion's position.
	zigzag64() {
		return unzigzag(this.varint(6, 2 ** 38 - 1));
	}

	coord(base) {
		const v = base + this.zigzag();
		if (v > QMAX || v < -QMAX)
			this.fail("position out of range");
		return v;
	}

	// A motion's position, base plus a zigzag, within +-FMAX.
	fine(base) {
		const v = base + this.zigzag64();
		if (v > FMAX || v < -FMAX)
			this.fail("position out of range");
		return v;
	}

	// A velocity within +-VMAX.
	velocity() {
		const v = this.zigzag();
		if (v > VMAX || v < -VMAX)
			this.fail("velocity out of range");
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

// 0, 1, 2, 3, 4 are 0, -1, 1, -2, 2; v below 2^53, by arithmetic.
function unzigzag(v) {
	return v % 2 === 1 ? -(v - 1) / 2 - 1 : v / 2;
}

/**
 * Parses one message without a view: {version, tick, seq, leave: [{id,
 * off}], enter: [{id, kind, type, hp, max_hp, level, name, off, and xq,
 * yq (formats 1, 2) or bx, by, vx, vy (format 3)}], update: [{id, mask,
 * off, hp?, max_hp?, level?, and dxq?, dyq? (formats 1, 2) or dx?, dy?,
 * vx?, vy? (format 3)}]}, off being where each record starts; mask is
 * the fields the update carries (F_POS for a position-only update of
 * formats 2 and 3, which sends no mask). Format 3's fields are as sent,
 * in 1/512 units (a tick, for vx, vy): bx, by where the entity is at the
 * message's tick; dx, dy against where its old motion puts it then.
 * Throws DeltaError if it is malformed (but cannot tell whether it fits
 * a view: DeltaView.apply does).
 */
function decode(data) {
	return parse(toBytes(data), 0);
}

// decode, refusing a message of format 3 of a tick below lastTick (the
// view's: motions are reckoned forward), as the C decoder, after the
// header.
function parse(bytes, lastTick) {
	const r = new Reader(bytes);
	// The formats differ in the enter's position and the update records.
	const version = r.u8();
	if (version < DELTA_VERSION_MIN || version > DELTA_VERSION)
		r.fail("unknown format version");
	const msg = { version, tick: r.u64(), seq: r.u64(), leave: [],
	    enter: [], update: [] };
	if (version >= 3 && msg.tick < lastTick)
		r.fail("tick before the last message's");

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
		const e = { id, kind, type: r.u32() };
		if (version >= 3) {
			e.bx = r.fine(0);
			e.by = r.fine(0);
			e.vx = r.velocity();
			e.vy = r.velocity();
		} else {
			e.xq = r.coord(0);
			e.yq = r.coord(0);
		}
		e.hp = r.u32();
		e.max_hp = r.u32();
		e.level = r.u32();
		e.name = "";
		e.off = off;
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

	// Formats 2 and 3: a key, (id_gap << 1) | P, below 2^33; P 1 is a
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
		if ((mask & F_POS) && version >= 3) {
			// The position is range-checked against the view
			// in apply(), the velocity here.
			u.dx = r.zigzag64();
			u.dy = r.zigzag64();
			u.vx = r.velocity();
			u.vy = r.velocity();
		} else if (mask & F_POS) {
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

// Where a motion puts its entity at tick, in 1/512 units (delta.h,
// "Motion"): below 2^52 in magnitude, so exact in a double.
function motionFine(b, v, t0, tick) {
	const d = tick > t0 ? Math.min(tick - t0, DT_MAX) : 0;
	return b + v * d;
}

// A position in 1/512 units as shown, in x_q: rounded, halves up
// (dividing by 64 is exact), clamped to +-QMAX.
function fineQ(f) {
	const q = Math.floor((f + FSCALE / 2) / FSCALE);
	return q > QMAX ? QMAX : q < -QMAX ? -QMAX : q;
}

// e (an entity of the view) shown where its motion puts it at tick.
function reckon(e, tick) {
	e.xq = fineQ(motionFine(e.bx, e.vxf, e.t0, tick));
	e.yq = fineQ(motionFine(e.by, e.vyf, e.t0, tick));
	show(e);
}

// e stands where it is shown, from tick.
function stand(e, tick) {
	e.bx = e.xq * FSCALE;
	e.by = e.yq * FSCALE;
	e.vxf = e.vyf = 0;
	e.t0 = tick;
	show(e);
}

// e's shown position and velocity in units, from xq, yq, vxf, vyf.
function show(e) {
	e.x = e.xq / QSCALE;
	e.y = e.yq / QSCALE;
	e.vx = e.vxf / (QSCALE * FSCALE);
	e.vy = e.vyf / (QSCALE * FSCALE);
}

// A view's entity from an enter record of a message of tick.
function entity(e, tick) {
	const o = { id: e.id, kind: e.kind, type: e.type, xq: 0, yq: 0,
	    x: 0, y: 0, vx: 0, vy: 0, hp: e.hp, max_hp: e.max_hp };
	if (e.kind === KIND_PLAYER) {
		o.level = e.level;
		o.name = e.name;
	} else
		o.state = e.level;
	if (e.bx !== undefined) {
		Object.assign(o, { bx: e.bx, by: e.by, vxf: e.vx, vyf: e.vy,
		    t0: tick });
		reckon(o, tick);
	} else {
		o.xq = e.xq;
		o.yq = e.yq;
		stand(o, tick);
	}
	return o;
}

/**
 * Where entity e of a view is at tick by its motion, in units and not
 * rounded to 1/8: {x, y}. tick may be fractional (between two messages:
 * view.tick + the part of a tick since the last one came); at the view's
 * tick it is within 1/16 unit of (e.x, e.y). An entity of formats 1 and
 * 2 stands.
 */
function motionAt(e, tick) {
	const lim = QMAX * FSCALE;
	const at = (b, v) => Math.min(Math.max(motionFine(b, v, e.t0, tick),
	    -lim), lim) / (QSCALE * FSCALE);
	return { x: at(e.bx, e.vxf), y: at(e.by, e.vyf) };
}

/**
 * A client's view of the world, kept by applying every message in order.
 *
 * entities: Map id -> {id, kind (0 player, 1 mob), type (mob: spawner
 * index; player: 0), xq, yq (1/8 units), x, y (units): where it is shown
 * at the view's tick; vx, vy: its velocity, in units a tick (0 in formats
 * 1 and 2); hp, max_hp, and level and name for a player, or state for a
 * mob; and its motion as sent (delta.h "Motion"): bx, by (1/512 units,
 * at tick t0), vxf, vyf (1/512 units a tick)}. tick and seq: those of the
 * last message applied. Each message moves every entity by its motion,
 * whether it has a record in it or not.
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
	 * (arrays of ids; an entity that moves by its motion is not
	 * updated). Throws DeltaError, changing nothing, if the message is
	 * malformed or does not fit the view.
	 */
	apply(data) {
		const msg = parse(toBytes(data), this.tick);
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
		// Format 3: each new motion's position at the tick, from
		// where the old one puts the entity then.
		const moved = [];
		for (const u of msg.update) {
			const was = ents.get(u.id);
			if (was === undefined || gone.has(u.id))
				fail("update of an id not seen", u.off);
			if ((u.mask & F_POS) && msg.version >= 3) {
				const bx = motionFine(was.bx, was.vxf, was.t0,
				    msg.tick) + u.dx;
				const by = motionFine(was.by, was.vyf, was.t0,
				    msg.tick) + u.dy;
				if (Math.abs(bx) > FMAX || Math.abs(by) > FMAX)
					fail("position out of range", u.off);
				moved.push([bx, by]);
			} else if (u.mask & F_POS) {
				const xq = was.xq + u.dxq, yq = was.yq + u.dyq;
				if (Math.abs(xq) > QMAX || Math.abs(yq) > QMAX)
					fail("position out of range", u.off);
			}
		}

		for (const id of gone)
			ents.delete(id);
		for (const e of msg.enter)
			ents.set(e.id, entity(e, msg.tick));
		let k = 0;
		for (const u of msg.update) {
			const e = ents.get(u.id);
			if ((u.mask & F_POS) && msg.version >= 3) {
				[e.bx, e.by] = moved[k++];
				e.vxf = u.vx;
				e.vyf = u.vy;
				e.t0 = msg.tick;
			} else if (u.mask & F_POS) {
				e.xq += u.dxq;
				e.yq += u.dyq;
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
		// Everything moves by its motion; before format 3 everything
		// stands where it was shown.
		for (const e of ents.values()) {
			if (msg.version >= 3)
				reckon(e, msg.tick);
			else
				stand(e, msg.tick);
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
	QSCALE, QMAX, FSCALE, FMAX, VMAX, NAME_MAX, VIEW_MAX, MOB_STATES,
	DeltaError, DeltaView, decode, motionAt,
};
