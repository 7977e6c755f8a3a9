// The integers of delta messages (src/delta.h), written by arithmetic for
// the self-tests' own encoders: no 32-bit bitwise operators, since a
// motion's zigzag goes up to 2^38.
"use strict";

// Unsigned LEB128, low group first, shortest form.
function varint(out, v) {
	do {
		const b = v % 128;
		v = Math.floor(v / 128);
		out.push(v > 0 ? b | 0x80 : b);
	} while (v > 0);
}

// 0, -1, 1, -2, 2 as 0, 1, 2, 3, 4.
function zigzag(out, n) {
	varint(out, n >= 0 ? n * 2 : -n * 2 - 1);
}

module.exports = { varint, zigzag };
