// bench/gen-area.cjs: writes a big, open area map for the benchmarks.
//
//   node bench/gen-area.cjs [--mobs 2000] [--players 1000] [--name bench] DIR
//
// Writes DIR/NAME.tmj (Tiled JSON, see zoned-area(5)): a walkable field
// closed by the map's edges, with mob spawners of up to 50 mobs each on a
// grid in the north (their counts add up to --mobs) and, far enough south
// that no mob sees or chases a player, a spawn point and a grid of
// --players start positions (tile centres, one tile apart). The mobs do
// no damage, so that players never die during a benchmark. Used by
// bench/migrate-bench.cjs, which also takes the start positions from
// layout(); nothing is written under etc/.
"use strict";
const fs = require("fs");
const path = require("path");

const TILE = 32;
const PER_SPAWNER = 50;		// mobs per spawner (zoned-area(5): 1 to 500)
const SPAWNER_SIDE = 256;	// each spawner's rectangle, in world units
const SPAWNER_PITCH = 384;	// distance between spawner rectangles
const MARGIN = 64;
const GAP = 800;		// mobs' region to players' region: > sight + leash

// Where everything goes, in world units; both the map and the benchmark
// use it.
function layout(mobs, players) {
	const nsp = Math.max(1, Math.ceil(mobs / PER_SPAWNER));
	const spCols = Math.max(1, Math.ceil(Math.sqrt(nsp * 1.6)));
	const spRows = Math.ceil(nsp / spCols);
	const plCols = Math.max(1, Math.ceil(Math.sqrt(players * 1.6)));
	const plRows = Math.max(1, Math.ceil(players / plCols));
	const mobW = spCols * SPAWNER_PITCH;
	const plW = plCols * TILE;
	const widthPx = Math.ceil((2 * MARGIN + Math.max(mobW, plW)) / TILE) *
	    TILE;
	const spawners = [];
	let left = mobs;
	for (let i = 0; i < nsp; i++) {
		const count = Math.min(PER_SPAWNER, left);
		left -= count;
		spawners.push({
			x: MARGIN + (i % spCols) * SPAWNER_PITCH,
			y: MARGIN + Math.floor(i / spCols) * SPAWNER_PITCH,
			w: SPAWNER_SIDE, h: SPAWNER_SIDE, count,
		});
	}
	const mobBottom = MARGIN + spRows * SPAWNER_PITCH;
	// Player region starts on a tile boundary below the gap.
	const plTop = Math.ceil((mobBottom + GAP) / TILE) * TILE;
	const plLeft = Math.ceil(MARGIN / TILE) * TILE;
	const starts = [];
	for (let i = 0; i < players; i++) {
		starts.push({
			x: plLeft + (i % plCols) * TILE + TILE / 2,
			y: plTop + Math.floor(i / plCols) * TILE + TILE / 2,
		});
	}
	const heightPx = Math.ceil((plTop + plRows * TILE + 4 * TILE) / TILE) *
	    TILE;
	return {
		width: widthPx / TILE, height: heightPx / TILE, spawners,
		starts, spawn: { x: plLeft + TILE / 2, y: plTop + TILE / 2 },
	};
}

function prop(name, type, value) {
	return { name, type, value };
}

// The map as a JS object.
function makeMap(name, mobs, players) {
	const l = layout(mobs, players);
	const objects = [{
		id: 1, name: "start", type: "spawn", point: true,
		x: l.spawn.x, y: l.spawn.y, width: 0, height: 0, rotation: 0,
		visible: true,
	}];
	for (const s of l.spawners) {
		objects.push({
			id: objects.length + 1, name: `mobs ${objects.length}`,
			type: "mob_spawner", x: s.x, y: s.y, width: s.w,
			height: s.h, rotation: 0, visible: true, properties: [
				prop("kind", "string", "slime"),
				prop("count", "int", s.count),
				prop("hp", "int", 10),
				prop("damage", "int", 0),
				prop("speed", "float", 50),
				prop("sight", "float", 128),
				prop("leash", "float", 320),
				prop("respawn_ms", "int", 8000),
			],
		});
	}
	return {
		type: "map", version: "1.10", tiledversion: "1.10.2",
		orientation: "orthogonal", renderorder: "right-down",
		infinite: false, width: l.width, height: l.height,
		tilewidth: TILE, tileheight: TILE, nextlayerid: 3,
		nextobjectid: objects.length + 1,
		properties: [prop("name", "string", name)],
		tilesets: [{
			firstgid: 1, name: "bench", tilewidth: TILE,
			tileheight: TILE, tilecount: 1, columns: 1, margin: 0,
			spacing: 0, image: "bench.png", imagewidth: TILE,
			imageheight: TILE, tiles: [{ id: 0, type: "grass" }],
		}],
		layers: [{
			id: 1, name: "ground", type: "tilelayer", x: 0, y: 0,
			width: l.width, height: l.height, opacity: 1,
			visible: true,
			data: new Array(l.width * l.height).fill(1),
		}, {
			id: 2, name: "objects", type: "objectgroup", x: 0, y: 0,
			opacity: 1, visible: true, draworder: "topdown",
			objects,
		}],
	};
}

// Writes DIR/NAME.tmj; returns its path and the layout.
function writeArea(dir, name, mobs, players) {
	fs.mkdirSync(dir, { recursive: true });
	const file = path.join(dir, `${name}.tmj`);
	fs.writeFileSync(file, JSON.stringify(makeMap(name, mobs, players)));
	return { file, layout: layout(mobs, players) };
}

module.exports = { layout, makeMap, writeArea };

if (require.main === module) {
	const argv = process.argv.slice(2);
	const opt = (n, d) => {
		const i = argv.indexOf(`--${n}`);
		if (i < 0)
			return d;
		const v = argv[i + 1];
		argv.splice(i, 2);
		return v;
	};
	const mobs = +opt("mobs", 2000), players = +opt("players", 1000);
	const name = opt("name", "bench");
	if (argv.length !== 1 || !(mobs >= 1 && mobs <= 20000) ||
	    !(players >= 1) || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
		console.error("usage: gen-area.cjs [--mobs 1..20000] " +
		    "[--players N] [--name NAME] DIR");
		process.exit(64);
	}
	const { file, layout: l } = writeArea(argv[0], name, mobs, players);
	console.log(`${file}: ${l.width}x${l.height} tiles, ` +
	    `${l.spawners.length} spawners, ${mobs} mobs, ` +
	    `${l.starts.length} start positions`);
}
