/*
 * Binary state deltas: the message each client gets every tick about the
 * entities it sees, against what that client was last sent. Pure: the
 * encoder (server side) turns this tick's entities and a client's
 * visible set into bytes and remembers what it sent; the decoder (the
 * tests, the load generator; clients/js/delta.cjs for JavaScript) applies
 * such bytes to a client's view of the world.
 *
 * Format 3 (DELTA_VERSION), one message per client per tick:
 *
 *	u8	version		3; a decoder reads 1 and 2 too (below)
 *				and refuses any other
 *	varint	tick		the world tick the state is of: T
 *	varint	seq		last input seq applied for this client
 *				(0 before the first)
 *	varint	n_leave
 *	n_leave times:
 *	  varint id_gap		no longer seen: forget it
 *	varint	n_enter
 *	n_enter times:
 *	  varint id_gap
 *	  u8	kind		0 player, 1 mob
 *	  varint type		mobs: the mob's kind, as the index of its
 *				spawner in the area (spawners[type].kind
 *				names it); players: 0
 *	  zigzag bx		its motion (see Motion below): where it
 *	  zigzag by		is at T, in 1/512 units (64 a step of
 *	  zigzag vx		x_q), and its velocity in 1/512 units a
 *	  zigzag vy		tick
 *	  varint hp
 *	  varint max_hp
 *	  varint level		players: level; mobs: AI state (0 idle,
 *				1 wander, 2 chase, 3 attack, 4 return)
 *	  varint name_len	players only: the name, UTF-8, at most
 *	  bytes	name		DELTA_NAME_MAX - 1 (63) bytes, no NUL
 *	varint	n_update
 *	n_update times:
 *	  varint key		(id_gap << 1) | P; at most 5 bytes and
 *				below 2^33
 *	  if P is 1, a motion-only update (no mask):
 *	    zigzag dx		a new motion from T: where the entity is
 *	    zigzag dy		at T minus where the old motion put it at
 *	    zigzag vx		T, in 1/512 units; and its new velocity
 *	    zigzag vy
 *	  if P is 0:
 *	    u8	mask		the fields that follow, in this order:
 *				DELTA_F_POS 0x01 (motion), DELTA_F_HP 0x02,
 *				DELTA_F_MAX_HP 0x04, DELTA_F_LEVEL 0x08;
 *				never 0x01 alone (that is P = 1)
 *	    zigzag dx		0x01: as above
 *	    zigzag dy
 *	    zigzag vx
 *	    zigzag vy
 *	    varint hp		0x02
 *	    varint max_hp	0x04
 *	    varint level	0x08: level, or mob state
 *
 * Motion (dead reckoning). A client knows each entity it sees as a
 * motion: a position bx, by in 1/512 units at tick t0 and a velocity
 * vx, vy in 1/512 units a tick. At tick T it is at (x likewise for y)
 *
 *	x_f(T) = bx + vx * min(T - t0, 2^31)		(1/512 units)
 *	x_q(T) = floor((x_f(T) + 32) / 64)		(1/8 units, shown)
 *
 * x_q clamped to +-DELTA_QMAX. An enter sets bx and the velocity, t0 = T;
 * a motion update sets bx = x_f(T) + dx, by the motion it replaces, t0 =
 * T and the new velocity. An entity without a record keeps its motion:
 * every message moves everything the client sees. (x_f is below 2^52:
 * exact in a double; floor((n + 32) / 64) rounds n / 64 to the nearest,
 * halves up.)
 * The server starts a new motion when the entity's quantised position at
 * T is not x_q(T) (players: DELTA_SLACK_PLAYER is 0, so a client shows
 * every player where the server has it) or is farther than
 * DELTA_SLACK_MOB (16 steps, 2 units) from it on either axis (mobs), with
 * the velocity the entity moved at over the last tick: an entity that
 * walks straight costs no byte between its turns. The motion keeps the
 * position at 64 times the precision of x_q, so that an entity walking
 * straight is not a step off now and then.
 *
 * varint: unsigned LEB128, 7 bits a byte, low group first, the high bit
 * set on every byte but the last; only the shortest form (a last byte of
 * 0x00 after another byte is refused); at most 10 bytes and below 2^64
 * for tick and seq, at most 5 bytes and below 2^32 for everything else
 * but an update's key (at most 5 bytes and below 2^33).
 * zigzag: a signed n sent as the varint 2n if n >= 0, -2n - 1 if not, so
 * 0, -1, 1, -2, 2 are 0, 1, 2, 3, 4: below 2^32 for x_q and its deltas,
 * at most 6 bytes and below 2^38 for bx, by and their deltas.
 * id_gap: the ids of each of the three lists are strictly ascending, and
 * each is sent as its gap from the id before it in the same list (the
 * first from 0): id = previous id + id_gap. Entity ids are 32-bit and mob
 * ids start at 2^30 (WORLD_MOB_ID_BASE): as plain varints they would cost
 * 5 bytes each, while the gaps between the ids a client sees are small.
 *
 * Rules (a decoder refuses a message that breaks one, and keeps its view
 * as it was):
 *  - an id_gap is at least 1 but for the first of its list, and an id
 *    is below 2^32;
 *  - a leave names an id the client sees; an enter names one it does not
 *    see, or one that left in the same message (its kind or type
 *    changed); an update names one it sees that neither left nor entered
 *    in this message, with a mask of 2 to 15 if P is 0: a motion-only
 *    update is always sent with P = 1, so that each update has one
 *    encoding, the shortest;
 *  - |x_q| and |y_q| are at most DELTA_QMAX (2^30 - 1), also after
 *    adding a delta (formats 1, 2); |bx| and |by| at most DELTA_FMAX
 *    (2^36 - 1), also after adding a delta, |vx| and |vy| at most
 *    DELTA_VMAX (2^20 - 1) (format 3); a client sees at most
 *    DELTA_VIEW_MAX entities;
 *  - a message of format 3 is of a tick no lower than the message
 *    before (motions are reckoned forward);
 *  - kind is 0 or 1; a name is valid UTF-8 without NUL;
 *  - nothing follows the last update.
 *
 * Each message is against what the same client was last sent, so the
 * transport must deliver every message, in order (one WebSocket binary
 * frame each). A client whose output is full skips a tick by not being
 * encoded at all: the next message is against what it really got. An
 * entity that did not change, or moves as its motion says, costs no
 * byte; a quiet tick is 6 bytes while tick < 128 (header and three zero
 * counts). The most common record, a new motion (a player turns, a mob
 * bumps into another), is 5 to 7 bytes: key, dx and dy (usually 0 or a
 * few steps) and a velocity of 2 bytes an axis.
 *
 * Format 2 had no motion: an enter carried x_q and y_q instead of bx,
 * by, vx and vy, and a position update (the same mask bit and P)
 * just dx_q and dy_q against the position last sent, so that an entity
 * that moved cost a record every tick. Format 1 differed from format 2
 * only in the update record: varint id_gap, then always the u8 mask (1
 * to 15, 0x01 alone allowed) and its fields. Decoders read all three, by
 * the version byte (tests/fixtures/delta-v1.bin and delta-v2.bin keep
 * them read): a message of format 1 or 2 leaves every entity standing
 * where the client shows it, with no velocity.
 *
 * Example. Tick 300, input 7 applied: player 1 "Ann" at (10, -2.5) with
 * 18/20 hp and level 2, walking east at 1 unit a tick, and mob 0x40000003
 * (spawner 1) standing at (100.125, 50), 12/12 hp, wandering, come into
 * view:
 *
 *	03		version 3
 *	ac 02		tick 300
 *	07		seq 7
 *	00		no leave
 *	02		2 enter
 *	01 00 00	id 1 (gap 1 from 0), player, type 0
 *	80 50		bx 5120 (10 * 512; zigzag 10240)
 *	ff 13		by -1280 (-2.5 * 512; zigzag 2559)
 *	80 08 00	vx 512 (1 unit; zigzag 1024), vy 0
 *	12 14 02	hp 18, max_hp 20, level 2
 *	03 41 6e 6e	name "Ann"
 *	82 80 80 80 04	id 0x40000003 (gap 0x40000002 from 1)
 *	01 01		mob, type 1
 *	80 a1 06	bx 51264 (100.125 * 512; zigzag 102528)
 *	80 90 03	by 25600 (50 * 512; zigzag 51200)
 *	00 00		vx 0, vy 0
 *	0c 0c 01	hp 12, max_hp 12, state 1 (wander)
 *	00		no update
 *
 * The client shows Ann at x_q 80, y_q -20 (floor((5120 + 32) / 64),
 * floor((-1280 + 32) / 64)) and the mob at 801, 400.
 *
 * Tick 301, input 8: Ann is at (11, -2.5) as her motion says (x_f 5120 +
 * 512, x_q 88): no record; the mob lost 3 hp:
 *
 *	03 ad 02 08 00 00	header, no leave, no enter
 *	01			1 update
 *	86 80 80 80 08		key 0x80000006: id 0x40000003 (gap
 *				0x40000003 from 0), P 0
 *	02 09			mask 0x02: hp 9
 *
 * (Format 2 sent a record for each step she took, 03 10 00 here: key 3,
 * dx_q 8, dy_q 0.)
 *
 * Tick 302: the mob is out of view; Ann at (12, -2.5) as her motion
 * says (x_q 96):
 *
 *	03 ae 02 08		header
 *	01 83 80 80 80 04	1 leave: id 0x40000003 (gap from 0)
 *	00 00			no enter, no update
 *
 * Tick 303, input 9: Ann stopped at (12, -2.5), where her motion says 13,
 * and lost 1 hp:
 *
 *	03 af 02 09 00 00	header, no leave, no enter
 *	01			1 update
 *	02 03			key 2: id 1 (gap 1), P 0; mask 0x03
 *	ff 07 00		dx -512 (zigzag 1023: 6144, where she is,
 *				minus 6656, where her motion put her), dy 0
 *	00 00			vx 0, vy 0: she stands
 *	11			hp 17
 *
 * She is shown at x_q 96 from then on, with no byte, until a motion
 * moves her.
 */
#ifndef DELTA_H
#define DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "aoi.h"
#include "slots.h"

struct world;

/*
 * The format. Bump on any change of the layout or the rules above, and
 * keep tests/fixtures/delta-vN.bin of each released one. The encoder
 * writes DELTA_VERSION; the decoder reads DELTA_VERSION_MIN to it.
 */
#define DELTA_VERSION		3
#define DELTA_VERSION_MIN	1

#define DELTA_PLAYER		0	/* kind */
#define DELTA_MOB		1

#define DELTA_F_POS		0x01	/* update mask */
#define DELTA_F_HP		0x02
#define DELTA_F_MAX_HP		0x04
#define DELTA_F_LEVEL		0x08
#define DELTA_F_ALL		0x0f

#define DELTA_QSCALE		8	/* quantisation steps per unit */
#define DELTA_QMAX		((1 << 30) - 1)	/* |x_q| at most */
#define DELTA_NAME_MAX		64	/* bytes of a name, with the NUL */
#define DELTA_VIEW_MAX		65536	/* entities a client sees at most */
#define DELTA_FSCALE		64	/* motion steps per x_q step */
#define DELTA_FMAX		(((int64_t)1 << 36) - 1)	/* |bx| */
#define DELTA_VMAX		((1 << 20) - 1)	/* |vx| at most */
#define DELTA_DT_MAX		((uint64_t)1 << 31)	/* ticks reckoned */

/*
 * How far (in x_q, on either axis) the position a client shows may be
 * from the quantised one before the server sends a new motion. Players
 * are shown exactly (a client predicts its own and corrects it by what
 * it is sent), which costs a record when a straight walk's reckoning
 * falls a step off (the velocity is rounded to 1/512 unit a tick): 9% of
 * the players a tick in scenario S, against 3% with a step of slack.
 * Mobs jostled by their neighbours
 * (and pushed aside by players) move on curves, which no velocity
 * follows for long: in scenario S (bench/simbench) 26% of the mobs get a
 * new motion a tick with 1 unit of slack, 20% with 2, 14% with 4, and 3%
 * when they are not pushed at all.
 */
#define DELTA_SLACK_PLAYER	0
#define DELTA_SLACK_MOB		16	/* 2 units */

/*
 * An entity as a client knows it: everything quantised. xq, yq are where
 * it is shown at the tick of the frame or view that holds it, by its
 * motion (bx, by, t0, vx, vy: see "Motion" above).
 */
struct delta_fields {
	uint32_t	 id;
	uint32_t	 type;		/* mob: spawner index; player: 0 */
	int32_t		 xq, yq;	/* delta_quantise(x), (y) */
	uint32_t	 hp, max_hp;
	uint32_t	 level;		/* player: level; mob: enum mob_state */
	uint8_t		 kind;		/* DELTA_PLAYER, DELTA_MOB */
	int32_t		 vx, vy;	/* the motion: 1/512 units a tick */
	int64_t		 bx, by;	/* 1/512 units, at t0 */
	uint64_t	 t0;
};

/* An entity at this tick, as the encoder takes it. */
struct delta_entity {
	struct delta_fields	 f;
	const char		*name;	/* players; NULL for mobs */
};

/*
 * Everything the clients may see at one tick, built once per tick and
 * shared by every client: ents for delta_encode, pos (same order) for
 * aoi_update. Reused from tick to tick.
 */
struct delta_frame {
	struct delta_entity	*ents;
	struct aoi_entity	*pos;
	size_t			 n;
	size_t			 cap;
	/* delta_frame_find's index: ents by id, open addressing. */
	uint32_t		*slots;		/* index + 1, 0 for none */
	size_t			 nslots;
	int			 indexed;
};

/* A growable byte buffer; bytes are p[0..len). Start it zeroed. */
struct delta_buf {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
};

/* An entity in a decoder's view. */
struct delta_seen {
	struct delta_fields	 f;
	char			 name[DELTA_NAME_MAX];	/* "" for mobs */
};

/*
 * A client's view of the world, as the decoder keeps it. Start it with
 * delta_view_init. ents is in ascending id order.
 */
struct delta_view {
	uint64_t		 tick;	/* of the last message applied */
	uint64_t		 seq;
	struct delta_seen	*ents;
	size_t			 n;
	/* The decoder's own. */
	struct delta_seen	*spare;
	uint8_t			*mark;
	size_t			 cap;
};

/*
 * What a client knows, for the shared tick: the ids it was sent, as the
 * frame of tick synced has them. delta_encode_tick keeps them as a list
 * (ascending ids), delta_encode_view as a bitmap over the tick's slots,
 * of one generation of them; delta_known_rebase makes the list from the
 * bitmap (which a renumbering of the slots, or a snapshot, needs).
 */
struct delta_known {
	uint32_t		*ids;		/* if ids_ok: ascending */
	size_t			 n;		/* entities it knows */
	size_t			 cap;
	uint64_t		 synced;	/* 0: nothing the encoder keeps */
	int			 ids_ok;
	/* If slotted: the same as a bitmap over the tick's slots. */
	int			 slotted;
	uint64_t		 gen;		/* of the slots */
	uint64_t		*bits;
	size_t			 nwords;
	size_t			 lo, hi;	/* words that may be non-zero */
};

/*
 * An entity's update record against the frame before, made once a tick
 * and copied for each client that sees it: all a client's merge reads of
 * an entity, in one place (three arrays and a buffer cost three or four
 * cache misses an entity a client). bytes holds the record after its key:
 * with p 1, the motion (dx, dy, vx, vy); with p 0, the mask and its
 * fields.
 */
#define DELTA_REC_BYTES		34	/* 1 + 2 * 6 + 2 * 3 + 3 * 5 */

struct delta_rec {
	uint8_t		p;		/* the key's P bit */
	uint8_t		len;		/* of bytes */
	uint8_t		bytes[DELTA_REC_BYTES];
};

/* Each entity's state, an array of its own: all most clients read. */
#define DELTA_REC_SAME		0	/* unchanged: nothing to send */
#define DELTA_REC_UPDATE	1
#define DELTA_REC_NEW		2	/* not in the frame before, or */
					/* its kind or type changed */

/*
 * The part of a tick every client shares: this tick's frame, the one
 * before, and each entity's update record against it, made once.
 */
struct delta_tick {
	struct delta_frame	 frames[2];
	unsigned		 cur;		/* frames[cur] is this tick's */
	uint64_t		 ticks[2];	/* of each frame, 0: none */
	int			 have_prev;	/* records against frames[!cur] */
	struct delta_rec	*recs;		/* per entity of frames[cur] */
	uint8_t			*states;	/* likewise, DELTA_REC_* */
	size_t			 reccap;
	/* Motions a restore brought, for the seed frame (by id). */
	struct delta_fields	*motions;
	size_t			 nmotions;
	/* Counts, by kind: entities carried over, new motions of those. */
	uint64_t		 carried[2];
	uint64_t		 renewed[2];
	/* Messages that sent everything anew to a client behind. */
	uint64_t		 resyncs;
	/*
	 * Stable slots (slots.h) of frames[cur]'s entities, for
	 * delta_encode_view: slot_of by index, at_of[cur] the index of
	 * each slot (DELTA_NO_INDEX if absent), and bitmaps over the slots
	 * of the entities DELTA_REC_NEW (fresh) and DELTA_REC_UPDATE
	 * (changed). renumbered: this tick's delta_tick_begin laid the
	 * slots out anew (delta_known_rebase).
	 */
	struct slots		 slots;
	uint32_t		*slot_of;
	uint32_t		*ids;		/* scratch for slots_assign */
	uint32_t		*at_of[2];
	size_t			 atcap[2];
	uint64_t		 atgen[2];
	uint64_t		*fresh, *changed;
	size_t			 nwords, wordcap;
	int			 renumbered;
};

#define DELTA_NO_INDEX		UINT32_MAX

struct delta_enc;
struct delta_client;
struct snapr;
struct snapw;

int32_t		 delta_quantise(float);
void		 delta_fields_at(struct delta_fields *, uint64_t);
void		 delta_fields_place(struct delta_fields *, float, float,
		     uint64_t);
void		 delta_fields_stand(struct delta_fields *, uint64_t);

void		 delta_frame_world(struct delta_frame *, const struct world *);
void		 delta_frame_reserve(struct delta_frame *, size_t);
void		 delta_frame_free(struct delta_frame *);
const struct delta_entity *delta_frame_find(struct delta_frame *, uint32_t);

void		 delta_buf_reserve(struct delta_buf *, size_t);
void		 delta_buf_free(struct delta_buf *);

struct delta_enc *delta_enc_new(void);
void		 delta_enc_free(struct delta_enc *);
struct delta_client *delta_client_new(void);
void		 delta_client_free(struct delta_client *);
void		 delta_client_reset(struct delta_client *);
int		 delta_client_restore(struct delta_client *, struct snapr *,
		     char **);
const struct delta_fields *delta_client_known(const struct delta_client *,
		     size_t *);
size_t		 delta_encode(struct delta_enc *, struct delta_client *,
		     struct delta_buf *, uint64_t, uint64_t,
		     const struct delta_entity *, size_t, const uint32_t *,
		     size_t);

struct delta_known *delta_known_new(void);
void		 delta_known_free(struct delta_known *);
size_t		 delta_known_bytes(const struct delta_known *);
void		 delta_known_set(struct delta_known *, const uint32_t *, size_t,
		     uint64_t);
void		 delta_known_save(const struct delta_known *, uint64_t,
		     struct snapw *);
int		 delta_known_restore(struct delta_known *, uint64_t,
		     struct snapr *, char **);
struct delta_frame *delta_tick_frame(struct delta_tick *);
void		 delta_tick_begin(struct delta_tick *, uint64_t, int);
void		 delta_tick_free(struct delta_tick *);
void		 delta_tick_save(const struct delta_tick *, uint64_t,
		     struct snapw *);
int		 delta_tick_restore(struct delta_tick *, uint64_t,
		     struct snapr *, char **);
size_t		 delta_encode_tick(struct delta_tick *, struct delta_enc *,
		     struct delta_known *, struct delta_buf *, uint64_t,
		     const uint32_t *, const uint32_t *, size_t);
size_t		 delta_encode_view(struct delta_tick *, struct delta_enc *,
		     struct delta_known *, struct delta_buf *, uint64_t,
		     uint64_t *, size_t, size_t, size_t);
void		 delta_known_rebase(const struct delta_tick *,
		     struct delta_known *);

void		 delta_view_init(struct delta_view *);
void		 delta_view_free(struct delta_view *);
int		 delta_decode(struct delta_view *, const void *, size_t,
		     char **);
const struct delta_seen *delta_view_find(const struct delta_view *,
		     uint32_t);

#endif
