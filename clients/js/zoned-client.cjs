// zoned-client.cjs: a client for zoned game servers on top of the official
// socket.io-client, that follows hand-overs between area instances by itself
// so that the game sees one continuous session. See README beside this file
// and zoned-protocol(7).
"use strict";
const { EventEmitter } = require("events");
const { DeltaView, KIND_PLAYER, MOB_STATES } = require("./delta.cjs");

// Incoming event names the client does not pass on under their own name:
// "error" becomes "game_error"; the others are this emitter's own events
// (or the EventEmitter's), so a server event of that name is dropped.
const OWN_EVENTS = new Set([
	"connect", "connect_error", "disconnect", "disconnecting",
	"transferred", "transfer_error", "game_error", "newListener",
	"removeListener",
]);

// The io function: the one passed in (socket.io-client's module or its io
// function, e.g. the browser bundle's global io), or socket.io-client's.
function resolveIo(io) {
	if (io === undefined || io === null)
		io = require("socket.io-client");
	if (typeof io === "function")
		return io;
	if (io && typeof io.io === "function")
		return io.io;
	throw new TypeError("ZonedClient: options.io must be " +
	    "socket.io-client's io function (or its module)");
}

function codedError(code, message) {
	const e = new Error(message);
	e.code = code;
	return e;
}

function isObject(v) {
	return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * One connection's states, from its welcome on: with binary deltas
 * (welcome.sync.format "delta") it keeps the view and rebuilds each tick's
 * state as the server sent it with --state-format json; with JSON states
 * it passes them on.
 *
 * The server sends a tick's "delta", then, only when something happened
 * to the player, that tick's "events", in the same write, and never
 * anything between the two. A tick's state is therefore complete when its
 * events come, or else when the next packet of any kind comes on the
 * connection (the next tick's delta at the latest), or when the
 * connection ends (not after close(): it is dropped); that is when
 * onState gets it. A timer or setImmediate
 * could fire between the delta and its events when the two arrive in two
 * reads, and give the events to no state or to the wrong one; waiting
 * costs a tick without events one tick of delay instead. A game that
 * wants no delay draws from the view on each delta.
 *
 * The state: {tick, seq, players: [{id, name, x, y, hp, max_hp, level,
 * dead}], mobs: [{id, kind, x, y, hp, max_hp, state}], events}, players
 * then mobs in ascending id order; dead is hp === 0, a mob's kind is
 * sync.mob_kinds[type] and its state the name of its AI state
 * ("idle", "wander", "chase", "attack", "return"). Positions are the
 * delta's, to 1/8 unit, where the view shows each entity at the tick
 * (its velocity is in the view, not in the state). Only what is in view
 * is listed.
 */
class StateBuilder {
	/**
	 * @param {?object} sync The welcome's sync (none: JSON states).
	 * @param {Function} onState Called with each state.
	 * @param {boolean} [rebuild=true] Rebuild states from the deltas
	 *     (false: only keep the view; JSON states are still passed on).
	 */
	constructor(sync, onState, rebuild = true) {
		this.sync = isObject(sync) ? sync : { format: "json" };
		this.kinds = Array.isArray(this.sync.mob_kinds) ?
		    this.sync.mob_kinds : [];
		/** @type {DeltaView} The view, from this connection's deltas. */
		this.view = new DeltaView();
		this.onState = onState;
		this.rebuild = rebuild;
		this.pending = null;	// the last tick's state, not yet given
	}

	/**
	 * Applies a delta: gives the state before it, then keeps this one's
	 * until it is complete. Returns the view's changes ({tick, seq, left,
	 * entered, updated}); throws DeltaError (code "bad_delta") if the
	 * delta is malformed or does not fit the view, which then stays as it
	 * was.
	 */
	delta(bytes) {
		this.flush();
		const changes = this.view.apply(bytes);
		if (this.rebuild)
			this.pending = this.build();
		return changes;
	}

	/**
	 * A tick's events: the state of the last delta is complete. Returns
	 * false if no state waited for them (they did not follow a delta).
	 */
	events(list) {
		if (this.pending === null)
			return false;
		const s = this.pending;
		s.events = Array.isArray(list) ? list : [];
		this.flush();
		return true;
	}

	/** A JSON state from the server (--state-format json). */
	state(s) {
		this.flush();
		this.onState(s);
	}

	/**
	 * Something else came, or the connection ends: the last delta's
	 * state is complete.
	 */
	flush() {
		const s = this.pending;
		if (s === null)
			return;
		this.pending = null;
		this.onState(s);
	}

	/** The view as a state (its events still to come). */
	build() {
		const v = this.view;
		const players = [];
		const mobs = [];
		const ids = [...v.entities.keys()].sort((a, b) => a - b);
		for (const id of ids) {
			const e = v.entities.get(id);
			if (e.kind === KIND_PLAYER) {
				players.push({ id, name: e.name, x: e.x,
				    y: e.y, hp: e.hp, max_hp: e.max_hp,
				    level: e.level, dead: e.hp === 0 });
			} else {
				const kind = this.kinds[e.type];
				mobs.push({ id, kind: kind === undefined ?
				    `#${e.type}` : kind, x: e.x, y: e.y,
				    hp: e.hp, max_hp: e.max_hp,
				    state: MOB_STATES[e.state] === undefined ?
				    String(e.state) : MOB_STATES[e.state] });
			}
		}
		return { tick: v.tick, seq: v.seq, players, mobs, events: [] };
	}
}

/**
 * A player's session with zoned, across hand-overs between area instances.
 *
 * Events (the server's ones are passed on with their argument):
 * - "connect" (): the first socket connected.
 * - "connect_error" (err): the first socket was refused or could not
 *   connect; the session is over ("disconnect" is not emitted).
 * - "welcome" (welcome): a server's welcome; on a hand-over it follows
 *   "transferred" (the player's id and area change with it).
 * - "delta" (view, changes): a binary delta was applied to the view
 *   (client.view; changes: {tick, seq, left, entered, updated}, ids).
 * - "state" (state): a tick's state, as the server sends it with
 *   --state-format json, or rebuilt from the view and that tick's events
 *   with deltas (StateBuilder says how and when).
 * - "events" (events), "quest_accepted" (answer), "transfer_failed"
 *   ({area, code, message}), "talk", …: any server event under its own
 *   name.
 * - "game_error" ({code, message}): the server's "error" event, or code
 *   "bad_delta": a delta could not be applied, and the session ends
 *   ("disconnect" "bad_delta").
 * - "transfer" ({area, from, url}): a hand-over started; the client is
 *   connecting to the area's instance at url.
 * - "transferred" ({area, from, welcome, ms}): the new instance welcomed
 *   the player, the old socket is closed; ms is how long the switch took.
 * - "transfer_error" ({area, error}): the hand-over could not be followed
 *   (error: the connect_error's message, "timeout", "transfer_failed",
 *   "bad_transfer", "superseded", or "disconnected: REASON"); the player
 *   stays on the old socket, whose server takes it back.
 * - "disconnect" (reason): the session is over (once; not for the old
 *   socket of a hand-over, and not after "connect_error").
 *
 * The emitter never emits "error".
 *
 * @extends EventEmitter
 */
class ZonedClient extends EventEmitter {
	/**
	 * Connects at once.
	 *
	 * @param {object} options
	 * @param {string} options.url The instance's client URL, e.g.
	 *     "http://127.0.0.1:7000" (a base URL: the namespace is "/").
	 * @param {string} options.ticket The ticket from the server manager.
	 * @param {Function|object} [options.io] socket.io-client's io function
	 *     (or module); default require("socket.io-client").
	 * @param {object} [options.socketOptions] More options for io(); the
	 *     client sets transports ["websocket"], reconnection false,
	 *     forceNew true and auth.ticket itself.
	 * @param {number} [options.timeout=5000] How long input(),
	 *     acceptQuest() and request() wait for their acknowledgement (ms).
	 * @param {number} [options.transferTimeout=5000] How long a hand-over
	 *     may take, from "transfer" to the new instance's welcome (ms).
	 * @param {boolean} [options.resendTransferring=true] Hold an input
	 *     that the old instance answered {ok:false, error:"transferring"}
	 *     and send it again, with its seq, to the new instance (see
	 *     input()).
	 * @param {boolean} [options.states=true] With deltas, rebuild a
	 *     "state" of each tick; false saves that work for a game that
	 *     draws from the view on "delta" (lastState stays null; JSON states
	 *     are passed on all the same).
	 */
	constructor(options) {
		super();
		const o = options || {};
		if (typeof o.url !== "string" || o.url === "")
			throw new TypeError("ZonedClient: options.url " +
			    "must be a URL");
		if (typeof o.ticket !== "string" || o.ticket === "")
			throw new TypeError("ZonedClient: options.ticket " +
			    "must be a non-empty string");
		this._io = resolveIo(o.io);
		this._socketOptions = o.socketOptions || {};
		this.timeout = o.timeout === undefined ? 5000 : o.timeout;
		this.transferTimeout = o.transferTimeout === undefined ? 5000 :
		    o.transferTimeout;
		this.resendTransferring = o.resendTransferring !== false;
		this._rebuild = o.states !== false;

		/** @type {string} The URL of the current instance. */
		this.url = o.url;
		/** @type {?string} The current area (from the last welcome). */
		this.area = null;
		/** @type {?number} The player's id in the current area. */
		this.id = null;
		/** @type {?object} The last welcome. */
		this.welcome = null;
		/** @type {?object} The last state. */
		this.lastState = null;
		/** @type {number} The last input seq used (one for all). */
		this.seq = 0;
		/** @type {boolean} True once the session is over. */
		this.closed = false;

		this._switch = null;	// the hand-over under way
		this._queue = [];	// requests held until it ends
		this._parked = [];	// inputs answered "transferring"
		this._pending = new Set();	// requests sent, not answered
		this._order = 0;	// tie-breaker for the queue's order
		// The current connection's states (a new one per welcome).
		this._states = this._newStates(null);

		/** @type {object} The current socket.io-client socket. */
		this.socket = this._open(o.url, o.ticket);
	}

	/**
	 * Whether the current socket is connected and the session goes on
	 * (it stays true during a hand-over while the old socket is up).
	 * @type {boolean}
	 */
	get connected() {
		return !this.closed && !!this.socket && !!this.socket.connected;
	}

	/**
	 * The current connection's view of the world, kept from its deltas
	 * (empty with JSON states): entities, a Map id -> {id, kind, type,
	 * x, y (shown at view.tick), vx, vy (velocity, units a tick: the
	 * deltas of format 3 send motions), hp, max_hp, and level and name
	 * (players) or state (mobs)}; see delta.cjs (motionAt draws between
	 * ticks). A new connection starts from an empty one.
	 * @type {DeltaView}
	 */
	get view() {
		return this._states.view;
	}

	/**
	 * Whether a hand-over is under way.
	 * @type {boolean}
	 */
	get transferring() {
		return this._switch !== null;
	}

	/**
	 * Sends an "input" with the next seq. The seq counter goes on across
	 * instances, so it always increases.
	 *
	 * During a hand-over (from "transfer" until "transferred" or
	 * "transfer_error") the input is held and sent, in order, to the new
	 * instance once it has welcomed the player, or to the old one if the
	 * hand-over fails. An input the old instance answered
	 * {ok:false, error:"transferring"} (sent after the player crossed but
	 * before "transfer" arrived) is, with resendTransferring, sent again to
	 * the new instance; if the hand-over fails, or none follows within the
	 * timeout, the promise resolves with that answer.
	 *
	 * @param {object} action
	 * @param {number} [action.dx=0] -1 to 1.
	 * @param {number} [action.dy=0] -1 to 1.
	 * @param {boolean} [action.attack]
	 * @param {string} [action.talk] An NPC's id.
	 * @param {object} [opts]
	 * @param {number} [opts.timeout] Overrides the client's timeout.
	 * @returns {Promise<object>} The acknowledgement, {ok:true, seq} or
	 *     {ok:false, error}. It rejects with an Error whose code is
	 *     "timeout" (no answer in time), "transferred" (sent to the old
	 *     instance, whose socket the hand-over closed before it answered)
	 *     or "disconnected" (the session ended). The promise is already
	 *     handled, so an input sent and forgotten never becomes an
	 *     unhandled rejection.
	 */
	input(action, opts) {
		const a = action || {};
		const payload = {
			seq: ++this.seq,
			dx: a.dx === undefined ? 0 : a.dx,
			dy: a.dy === undefined ? 0 : a.dy,
		};
		if (a.attack !== undefined)
			payload.attack = a.attack;
		if (a.talk !== undefined)
			payload.talk = a.talk;
		return this._request("input", payload, opts);
	}

	/**
	 * Accepts a quest ("accept_quest" {quest}); held during a hand-over
	 * like input().
	 *
	 * @param {string} quest The quest's id, from welcome.area_quests.
	 * @param {object} [opts]
	 * @param {number} [opts.timeout] Overrides the client's timeout.
	 * @returns {Promise<object>} The acknowledgement, {ok:true, quest} or
	 *     {ok:false, quest, error}; rejects as input() does.
	 */
	acceptQuest(quest, opts) {
		return this._request("accept_quest", { quest }, opts);
	}

	/**
	 * Sends any event with one argument and an acknowledgement; held
	 * during a hand-over like input().
	 *
	 * @param {string} event
	 * @param {*} payload
	 * @param {object} [opts]
	 * @param {number} [opts.timeout] Overrides the client's timeout.
	 * @returns {Promise<*>} The acknowledgement; rejects as input() does.
	 */
	request(event, payload, opts) {
		return this._request(event, payload, opts);
	}

	/**
	 * Ends the session: closes the current socket and any socket of a
	 * hand-over under way, rejects what waits for an answer, and emits
	 * "disconnect" ("io client disconnect") unless the session was
	 * already over.
	 */
	close() {
		this._end("io client disconnect");
	}

	// ---- sockets --------------------------------------------------------

	_open(url, ticket) {
		const so = this._socketOptions;
		const opts = Object.assign({}, so, {
			transports: ["websocket"],
			reconnection: false,
			forceNew: true,
			auth: Object.assign({},
			    isObject(so.auth) ? so.auth : {}, { ticket }),
		});
		const sock = this._io(url, opts);
		sock.on("connect", () => this._onConnect(sock));
		sock.on("connect_error",
		    (err) => this._onConnectError(sock, err));
		sock.on("disconnect",
		    (reason) => this._onDisconnect(sock, reason));
		sock.onAny((name, ...args) => this._onEvent(sock, name, args));
		return sock;
	}

	// "current", "next" (the hand-over's) or null (a socket let go of).
	_role(sock) {
		if (this.closed)
			return null;
		if (sock === this.socket)
			return "current";
		if (this._switch && sock === this._switch.sock)
			return "next";
		return null;
	}

	_onConnect(sock) {
		if (this._role(sock) === "current" && this.welcome === null)
			this.emit("connect");
	}

	_onConnectError(sock, err) {
		const role = this._role(sock);
		if (role === "next") {
			this._failSwitch(err && err.message ? err.message :
			    String(err));
		} else if (role === "current") {
			this._end(null);
			this.emit("connect_error", err);
		}
	}

	_onDisconnect(sock, reason) {
		const role = this._role(sock);
		if (role === "next") {
			this._failSwitch(`disconnected: ${reason}`);
		} else if (role === "current") {
			// The last tick's state is complete.
			this._states.flush();
			if (this._role(sock) !== "current")
				return;	// a "state" listener ended it
			if (this._switch) {
				// Wait: the hand-over may still bring the
				// player in.
				this._switch.oldGone = reason;
				this._rejectSentOn(sock, "disconnected",
				    `the connection closed (${reason})`);
			} else {
				this._end(reason);
			}
		}
	}

	_newStates(sync) {
		return new StateBuilder(sync, (s) => {
			this.lastState = s;
			this.emit("state", s);
		}, this._rebuild);
	}

	_onEvent(sock, name, args) {
		const role = this._role(sock);
		if (role === "next") {
			if (name !== "welcome") {
				this._switch.early.push([name, args]);
				return;
			}
			// The old connection's last state comes first.
			this._states.flush();
			if (this._role(sock) === "next")
				this._completeSwitch(args[0]);
			return;
		}
		if (role !== "current")
			return;	// the old socket of a finished hand-over
		const arg = args[0];
		if (name === "delta") {
			this._onDelta(sock, arg);
			return;
		}
		if (name === "events") {
			// Completes the last delta's state (see StateBuilder).
			this._states.events(arg);
			if (this._role(sock) === "current")
				this.emit("events", ...args);
			return;
		}
		// Nothing comes between a delta and its events: the last
		// tick's state is complete.
		this._states.flush();
		if (this._role(sock) !== "current")
			return;	// a "state" listener ended the session
		switch (name) {
		case "welcome":
			if (isObject(arg)) {
				this.welcome = arg;
				this.id = arg.id;
				this.area = arg.area;
			}
			this._states = this._newStates(isObject(arg) ?
			    arg.sync : null);
			this.emit("welcome", arg);
			break;
		case "state":
			this._states.state(arg);
			break;
		case "error":
			// The old instance ends its side of the hand-over.
			if (this._switch && isObject(arg) &&
			    arg.code === "transferred")
				break;
			this.emit("game_error", arg);
			break;
		case "transfer":
			this._follow(arg);
			break;
		case "transfer_failed":
			if (this._switch)
				this._failSwitch("transfer_failed");
			this._releaseParked();
			if (!this.closed)
				this.emit("transfer_failed", ...args);
			break;
		default:
			if (!OWN_EVENTS.has(name))
				this.emit(name, ...args);
			break;
		}
	}

	// A delta on the current socket: applied to the view, or the end of
	// the session if it is malformed (the view would be wrong from then
	// on, and the transport does not lose messages: a bug or a foreign
	// server).
	_onDelta(sock, bytes) {
		this._states.flush();
		if (this._role(sock) !== "current")
			return;
		let changes;
		try {
			changes = this._states.delta(bytes);
		} catch (e) {
			this.emit("game_error", { code: "bad_delta",
			    message: e && e.message ? e.message : String(e) });
			this._end("bad_delta");
			return;
		}
		this.emit("delta", this._states.view, changes);
	}

	// ---- hand-over ------------------------------------------------------

	_follow(t) {
		if (!isObject(t) || typeof t.client_url !== "string" ||
		    t.client_url === "" || typeof t.ticket !== "string" ||
		    t.ticket === "") {
			this.emit("transfer_error", {
				area: isObject(t) ? t.area : undefined,
				error: "bad_transfer",
			});
			return;
		}
		if (this._switch)
			this._failSwitch("superseded");
		if (this.closed)
			return;
		const sw = {
			area: t.area, from: this.area, url: t.client_url,
			sock: null, timer: null, oldGone: null, early: [],
			started: Date.now(),
		};
		this._switch = sw;
		for (const r of this._parked.splice(0)) {
			clearTimeout(r.timer);
			this._enqueue(r);
		}
		sw.timer = setTimeout(() => {
			if (this._switch === sw)
				this._failSwitch("timeout");
		}, this.transferTimeout);
		try {
			sw.sock = this._open(t.client_url, t.ticket);
		} catch (e) {
			this._failSwitch(e && e.message ? e.message :
			    String(e));
			return;
		}
		if (this._switch === sw)
			this.emit("transfer", { area: sw.area, from: sw.from,
			    url: sw.url });
	}

	_completeSwitch(welcome) {
		const sw = this._switch;
		this._switch = null;
		clearTimeout(sw.timer);
		const old = this.socket;
		this.socket = sw.sock;
		this.url = sw.url;
		this.welcome = isObject(welcome) ? welcome : null;
		this.id = isObject(welcome) ? welcome.id : null;
		this.area = isObject(welcome) && welcome.area !== undefined ?
		    welcome.area : sw.area;
		// A new connection: its first delta makes everything enter.
		this._states = this._newStates(isObject(welcome) ?
		    welcome.sync : null);
		this._rejectSentOn(old, "transferred", "the hand-over closed " +
		    "the old connection before it answered");
		old.disconnect();	// its role is null now: not reported
		this._flush();
		const steps = [
			["transferred", { area: this.area, from: sw.from,
			    welcome, ms: Date.now() - sw.started }],
			["welcome", welcome],
		];
		for (const [name, arg] of steps) {
			if (this.closed || this.socket !== sw.sock)
				return;
			this.emit(name, arg);
		}
		for (const [name, args] of sw.early) {
			if (this.socket !== sw.sock)
				return;
			this._onEvent(sw.sock, name, args);
		}
	}

	_failSwitch(error) {
		const sw = this._switch;
		if (!sw)
			return;
		this._switch = null;
		clearTimeout(sw.timer);
		if (sw.sock)
			sw.sock.disconnect();	// its role is null now
		// Inputs the old instance answered "transferring" get that
		// answer: it may have taken later ones since, so their seq is
		// spent there.
		const queue = this._queue.splice(0);
		for (const r of queue) {
			if (r.parkedAck !== undefined)
				r.resolve(r.parkedAck);
		}
		const rest = queue.filter((r) => r.parkedAck === undefined);
		if (sw.oldGone === null) {
			for (const r of rest)
				this._send(r);
		} else {
			this._queue = rest;	// rejected by _end below
		}
		this.emit("transfer_error", { area: sw.area, error });
		if (sw.oldGone !== null)
			this._end(sw.oldGone);
	}

	// ---- requests -------------------------------------------------------

	_request(name, payload, opts) {
		const timeout = opts && opts.timeout !== undefined ?
		    opts.timeout : this.timeout;
		const p = new Promise((resolve, reject) => {
			const r = {
				name, payload, timeout, resolve, reject,
				sock: null, timer: null, parkedAck: undefined,
				order: name === "input" ? payload.seq :
				    this.seq + 0.5,
				n: this._order++,
			};
			if (this.closed)
				reject(codedError("disconnected",
				    "the session is over"));
			else if (this._switch)
				this._enqueue(r);
			else
				this._send(r);
		});
		p.catch(() => {});	// see input(): never unhandled
		return p;
	}

	// Inputs in seq order, other requests where they were made.
	_enqueue(r) {
		this._queue.push(r);
		this._queue.sort((a, b) => a.order - b.order || a.n - b.n);
	}

	_flush() {
		for (const r of this._queue.splice(0))
			this._send(r);
	}

	_send(r) {
		const sock = this.socket;
		r.sock = sock;
		this._pending.add(r);
		r.timer = setTimeout(() => {
			if (!this._pending.delete(r))
				return;
			r.reject(codedError("timeout", "no answer to " +
			    `"${r.name}" within ${r.timeout} ms`));
		}, r.timeout);
		sock.emit(r.name, r.payload, (ack) => this._onAck(r, ack));
	}

	_onAck(r, ack) {
		if (!this._pending.delete(r))
			return;	// timed out or given up meanwhile
		clearTimeout(r.timer);
		if (r.name === "input" && this.resendTransferring &&
		    isObject(ack) && ack.ok === false &&
		    ack.error === "transferring" && !this.closed) {
			r.parkedAck = ack;
			if (this._switch) {
				this._enqueue(r);
			} else {
				this._parked.push(r);
				r.timer = setTimeout(() => {
					const i = this._parked.indexOf(r);
					if (i >= 0) {
						this._parked.splice(i, 1);
						r.resolve(ack);
					}
				}, r.timeout);
			}
			return;
		}
		r.resolve(ack);
	}

	_releaseParked() {
		for (const r of this._parked.splice(0)) {
			clearTimeout(r.timer);
			r.resolve(r.parkedAck);
		}
	}

	_rejectSentOn(sock, code, message) {
		for (const r of this._pending) {
			if (r.sock === sock) {
				this._pending.delete(r);
				clearTimeout(r.timer);
				r.reject(codedError(code, message));
			}
		}
	}

	// Ends the session once; emits "disconnect" (reason) unless reason is
	// null.
	_end(reason) {
		if (this.closed)
			return;
		this.closed = true;
		const sw = this._switch;
		this._switch = null;
		if (sw) {
			clearTimeout(sw.timer);
			if (sw.sock)
				sw.sock.disconnect();
		}
		this.socket.disconnect();	// closed: nothing is reported
		this._releaseParked();
		const gone = () => codedError("disconnected",
		    reason === null ? "the connection was refused" :
		    `the session ended (${reason})`);
		for (const r of this._queue.splice(0)) {
			if (r.parkedAck !== undefined)
				r.resolve(r.parkedAck);
			else
				r.reject(gone());
		}
		for (const r of this._pending) {
			clearTimeout(r.timer);
			r.reject(gone());
		}
		this._pending.clear();
		if (reason !== null)
			this.emit("disconnect", reason);
	}
}

module.exports = { ZonedClient, StateBuilder };
