// Shared by the node benchmarks in bench/: their options, the machine
// line printed with every figure, what /proc says of a process, and the
// head of a binary state delta.
"use strict";
const fs = require("fs");
const os = require("os");
const { execFileSync } = require("child_process");

let CLK_TCK = 100;
try { CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString()) || 100; } catch (e) { /* 100 */ }

// --name value and --flag options of script (its name for messages);
// --help prints the comment block at the top of the script and exits.
// Returns { opts, multi } (multi: every value of an option given twice).
function parseOptions(script, name, flags) {
	const argv = process.argv.slice(2);
	const multi = {};
	const opts = {};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)$/.exec(argv[i]);
		if (!m) {
			console.error(`${name}: unexpected argument ${argv[i]}`);
			process.exit(64);
		}
		if (flags.has(m[1])) {
			opts[m[1]] = true;
			continue;
		}
		if (i + 1 >= argv.length) {
			console.error(`${name}: --${m[1]} needs a value`);
			process.exit(64);
		}
		(multi[m[1]] = multi[m[1]] || []).push(argv[++i]);
		opts[m[1]] = argv[i];
	}
	if (opts.help) {
		const src = fs.readFileSync(script, "utf8").split("\n");
		console.log(src.slice(0, src.findIndex((l) => l === '"use strict";'))
		    .map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
		process.exit(0);
	}
	return { opts, multi };
}

function alive(pid) {
	try { process.kill(pid, 0); return true; } catch (e) {
		return e.code === "EPERM";
	}
}

function cpuSeconds(pid) {
	try {
		const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		const v = f.slice(f.lastIndexOf(")") + 2).split(" ");
		return (Number(v[11]) + Number(v[12])) / CLK_TCK;
	} catch (e) { return NaN; }
}

function machine() {
	let model = "unknown CPU";
	try {
		const m = /^model name\s*:\s*(.*)$/m.exec(
		    fs.readFileSync("/proc/cpuinfo", "utf8"));
		if (m)
			model = m[1].trim();
	} catch (e) { model = os.cpus()[0] ? os.cpus()[0].model : model; }
	let nproc = os.availableParallelism ? os.availableParallelism() :
	    os.cpus().length;
	try { nproc = Number(execFileSync("nproc").toString().trim()); } catch (e) { /* keep */ }
	return `nproc ${nproc}, ${model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
	    `${os.type()} ${os.release()}, node ${process.version}`;
}

/* Where temporary directories go: --tmpdir, else /dev/shm if there is one. */
function tmpBase(opts) {
	if (opts.tmpdir)
		return opts.tmpdir;
	try {
		fs.accessSync("/dev/shm", fs.constants.W_OK);
		if (fs.statSync("/dev/shm").isDirectory())
			return "/dev/shm";
	} catch (e) { /* none */ }
	return os.tmpdir();
}

// The tick and seq of a binary state delta (formats 1 and 2: a version byte,
// then tick and seq as LEB128 varints; src/delta.h), read from its first
// bytes, the rest left alone; null if it is not one. clients/js/delta.cjs
// decodes it all.
function deltaHead(buf) {
	if (!buf || buf.length < 3 || (buf[0] !== 1 && buf[0] !== 2))
		return null;
	let off = 1;
	const varint = () => {
		let v = 0, mul = 1;
		for (let i = 0; i < 8 && off < buf.length; i++) {
			const b = buf[off++];
			v += (b & 0x7f) * mul;
			if ((b & 0x80) === 0)
				return v;
			mul *= 128;
		}
		return null;
	};
	const tick = varint();
	const seq = tick === null ? null : varint();
	return seq === null ? null : { tick, seq };
}

module.exports = { parseOptions, alive, cpuSeconds, machine, tmpBase, CLK_TCK,
    deltaHead };
