// The example maps as the node halves of the tests see them (zoned-area(5)):
// solid tiles, whether a body fits or can go straight, the objects; and a
// waypoint finder for scripts that steer a player around walls.
"use strict";
const fs = require("fs");

const RADIUS = 10;		// half the side of a body's box
// How far a position a client sees may be from the true one: deltas carry
// 1/8 units, rounded (JSON states carried 2 decimals).
const QERR = 1 / 16;
// How far a delta may show a mob from where it is (src/delta.h,
// DELTA_SLACK_MOB: 16 steps of 1/8 unit), on top of QERR: its motion is
// corrected past that.
const MOB_SLACK = 2;

function prop(o, name) {
	const p = (o.properties || []).find((x) => x.name === name);
	return p ? p.value : undefined;
}


// Solid tiles as zoned-area(5) says: any gid in the layer named
// "collision", or a tileset tile whose property solid is true, in any
// tile layer.
function loadMap(file) {
	const m = JSON.parse(fs.readFileSync(file, "utf8"));
	const cols = m.width, rows = m.height, tw = m.tilewidth,
	    th = m.tileheight;
	const solidGids = new Set();
	for (const ts of m.tilesets || []) {
		for (const t of ts.tiles || []) {
			if (prop(t, "solid") === true)
				solidGids.add(ts.firstgid + t.id);
		}
	}
	const solid = new Uint8Array(cols * rows);
	const objects = [];
	for (const l of m.layers) {
		if (l.type === "tilelayer") {
			l.data.forEach((gid, i) => {
				const g = gid & 0x1fffffff;
				if ((l.name === "collision" && g !== 0) ||
				    solidGids.has(g))
					solid[i] = 1;
			});
		} else if (l.type === "objectgroup")
			objects.push(...l.objects);
	}
	const map = {
		cols, rows, tw, th, width: cols * tw, height: rows * th,
		solidTile(c, r) {
			if (c < 0 || r < 0 || c >= cols || r >= rows)
				return true;
			return solid[r * cols + c] === 1;
		},
		// Does a body at (x, y) overlap a solid tile or leave the map?
		// Positions come rounded to 1/8 unit: eps absorbs that.
		overlaps(x, y, eps = QERR + 0.01) {
			if (x - RADIUS < -eps || y - RADIUS < -eps ||
			    x + RADIUS > map.width + eps ||
			    y + RADIUS > map.height + eps)
				return true;
			const c0 = Math.floor((x - RADIUS + eps) / tw);
			const c1 = Math.floor((x + RADIUS - eps) / tw);
			const r0 = Math.floor((y - RADIUS + eps) / th);
			const r1 = Math.floor((y + RADIUS - eps) / th);
			for (let r = r0; r <= r1; r++)
				for (let c = c0; c <= c1; c++)
					if (map.solidTile(c, r))
						return true;
			return false;
		},
		fits(x, y) {
			return !map.overlaps(x, y, 0);
		},
		// Can a body go straight from a to b?
		clear(ax, ay, bx, by) {
			const d = Math.hypot(bx - ax, by - ay);
			const n = Math.max(1, Math.ceil(d / 4));
			for (let i = 0; i <= n; i++) {
				if (!map.fits(ax + (bx - ax) * i / n,
				    ay + (by - ay) * i / n))
					return false;
			}
			return true;
		},
		spawners: objects.filter((o) => o.type === "mob_spawner"),
		npcs: objects.filter((o) => o.type === "npc"),
	};
	return map;
}

// Where to head for on map on the way from (x0, y0) to (x1, y1): the target if
// the way is clear, else the farthest tile centre in sight along a
// shortest path over open tiles (8-neighbour, no cut corners).
function waypoint(map, x0, y0, x1, y1) {
	if (map.clear(x0, y0, x1, y1))
		return [x1, y1];
	const tile = (x, y) => [Math.floor(x / map.tw), Math.floor(y / map.th)];
	const [c0, r0] = tile(x0, y0), [c1, r1] = tile(x1, y1);
	const prev = new Map([[r0 * map.cols + c0, -1]]);
	const queue = [[c0, r0]];
	while (queue.length && !prev.has(r1 * map.cols + c1)) {
		const [c, r] = queue.shift();
		for (const [dc, dr] of [[1, 0], [-1, 0], [0, 1], [0, -1],
		    [1, 1], [1, -1], [-1, 1], [-1, -1]]) {
			const k = (r + dr) * map.cols + c + dc;
			if (map.solidTile(c + dc, r + dr) || prev.has(k) ||
			    map.solidTile(c + dc, r) || map.solidTile(c, r + dr))
				continue;
			prev.set(k, r * map.cols + c);
			queue.push([c + dc, r + dr]);
		}
	}
	let k = r1 * map.cols + c1;
	if (!prev.has(k))
		return [x1, y1];
	const tiles = [];
	for (; k !== -1; k = prev.get(k))
		tiles.unshift(k);
	let best = [x1, y1];
	for (const t of tiles.slice(1)) {
		const x = (t % map.cols + 0.5) * map.tw;
		const y = (Math.floor(t / map.cols) + 0.5) * map.th;
		if (!map.clear(x0, y0, x, y))
			break;
		best = [x, y];
	}
	return best;
}

module.exports = { RADIUS, QERR, MOB_SLACK, prop, loadMap, waypoint };
