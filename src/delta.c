/*
 * Binary state deltas (delta.h): the encoder, the decoder, and the
 * per-tick table of what may be seen.
 *
 * The encoder keeps, per client, what that client was last sent: a table
 * sorted by id, double-buffered. Each message is one merge walk of that
 * table against the client's visible set (also by id), which writes the
 * leave, enter and update records into three scratch buffers shared by
 * all clients and fills the other table; the message is then the header,
 * the three counts and the three buffers (room for the worst case is
 * reserved once per message, not per record). Diffing against what was
 * sent, rather than trusting the AOI's entered/left lists, keeps the
 * messages right when a client skipped ticks. Quantisation happens once
 * per entity per tick (delta_frame_world), not once per client. The cost
 * is mostly reading and writing the two tables: about 2 x 32 bytes per
 * entity a client sees, per tick.
 *
 * The decoder checks a whole message against the view before changing
 * anything (marking the entries that leave), then applies it in a second
 * pass: a refused message leaves the view as it was. Each list is in id
 * order, like the view, so both passes find entries with cursors that
 * only go forward: O(view + message), no search; a message without
 * enters or leaves is applied in place. It never aborts on input, and
 * allocates only when the view outgrows its capacity, bounded by
 * DELTA_VIEW_MAX.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aoi.h"
#include "delta.h"
#include "log.h"
#include "sim/area.h"
#include "snapfmt.h"
#include "sim/world.h"
#include "utf8.h"
#include "xmalloc.h"

/* The longest records, for reserving before writing without checks. */
#define DELTA_HEADER_MAX	(1 + 10 + 10)
#define DELTA_COUNTS_MAX	(3 * 5)
#define DELTA_LEAVE_MAX		5
#define DELTA_ENTER_MAX		(5 + 1 + 5 + 2 * 6 + 2 * 3 + 3 * 5 + 1 + \
				    DELTA_NAME_MAX - 1)
#define DELTA_UPDATE_MAX	(5 + DELTA_REC_BYTES)	/* key, mask, fields */

/*
 * The shortest records, to bound counts by the bytes left before
 * believing them: an enter has at least 8 one-byte fields, an update a
 * key and two fields (position only) or a key, a mask and one field (an
 * id, a mask and one field in format 1), a leave an id.
 */
#define DELTA_ENTER_MIN		8
#define DELTA_UPDATE_MIN	3

/* Decoder marks on view entries while a message is checked. */
#define DELTA_MARK_GONE		0x01	/* in the leave list */
#define DELTA_MARK_BACK		0x02	/* left and entered again */

#define DELTA_NONE		SIZE_MAX

struct delta_enc {
	struct delta_buf	 leave, enter, update;
	uint32_t		*ids, *at;	/* a view as lists */
	size_t			 cap;
};

struct delta_client {
	struct delta_fields	*known[2];	/* [cur]: last sent, by id */
	size_t			 nknown;
	size_t			 cap;
	unsigned		 cur;
};

/*
 * x * 8 rounded to the nearest integer (halves away from zero), clamped
 * to +-DELTA_QMAX; NaN is 0. The error |x - x_q / 8| is at most 1/16
 * while |x| < DELTA_QMAX / 8 (x * 8 is exact in double).
 */
int32_t
delta_quantise(float x)
{
	double	q;

	if (isnan(x))
		return (0);
	q = round((double)x * DELTA_QSCALE);
	if (q > DELTA_QMAX)
		return (DELTA_QMAX);
	if (q < -DELTA_QMAX)
		return (-DELTA_QMAX);
	return ((int32_t)q);
}

/*
 * Where a motion puts its entity at tick, in 1/512 units (delta.h,
 * "Motion"): below 2^52 in magnitude.
 */
static int64_t
delta_motion_fine(int64_t b, int32_t v, uint64_t t0, uint64_t tick)
{
	uint64_t	d = tick > t0 ? tick - t0 : 0;

	if (d > DELTA_DT_MAX)
		d = DELTA_DT_MAX;
	return (b + (int64_t)v * (int64_t)d);
}

/* A position in 1/512 units as shown, in x_q: rounded, halves up. */
static int32_t
delta_fine_q(int64_t f)
{
	int64_t	n = f + DELTA_FSCALE / 2, q;

	q = n >= 0 ? n / DELTA_FSCALE : -((-n + DELTA_FSCALE - 1) /
	    DELTA_FSCALE);
	if (q > DELTA_QMAX)
		return (DELTA_QMAX);
	if (q < -DELTA_QMAX)
		return (-DELTA_QMAX);
	return ((int32_t)q);
}

/* f stands where it is shown, from tick. */
void
delta_fields_stand(struct delta_fields *f, uint64_t tick)
{
	f->bx = (int64_t)f->xq * DELTA_FSCALE;
	f->by = (int64_t)f->yq * DELTA_FSCALE;
	f->vx = f->vy = 0;
	f->t0 = tick;
}

/* f's shown position (xq, yq) at tick, by its motion. */
void
delta_fields_at(struct delta_fields *f, uint64_t tick)
{
	f->xq = delta_fine_q(delta_motion_fine(f->bx, f->vx, f->t0, tick));
	f->yq = delta_fine_q(delta_motion_fine(f->by, f->vy, f->t0, tick));
}

/*
 * x in 1/512 units, taken within the step of x_q (its delta_quantise),
 * so that the motion shows x_q where it starts.
 */
static int64_t
delta_fine(float x, int32_t xq)
{
	int64_t	f, lo = (int64_t)xq * DELTA_FSCALE - DELTA_FSCALE / 2;

	f = isnan(x) ? 0 : llround((double)x * DELTA_QSCALE * DELTA_FSCALE);
	if (f < lo)
		return (lo);
	if (f > lo + DELTA_FSCALE - 1)
		return (lo + DELTA_FSCALE - 1);
	return (f);
}

/*
 * f is at (x, y) at tick, and stands there: quantised, with a motion
 * that shows it there.
 */
void
delta_fields_place(struct delta_fields *f, float x, float y, uint64_t tick)
{
	f->xq = delta_quantise(x);
	f->yq = delta_quantise(y);
	f->bx = delta_fine(x, f->xq);
	f->by = delta_fine(y, f->yq);
	f->vx = f->vy = 0;
	f->t0 = tick;
}

/* A velocity from d units in n ticks, in 1/512 units a tick. */
static int32_t
delta_velocity(float d, uint64_t n)
{
	double	v;

	if (isnan(d) || n == 0)
		return (0);
	v = round((double)d * DELTA_QSCALE * DELTA_FSCALE / (double)n);
	if (v > DELTA_VMAX)
		return (DELTA_VMAX);
	if (v < -DELTA_VMAX)
		return (-DELTA_VMAX);
	return ((int32_t)v);
}

/* ---- buffers ------------------------------------------------------------ */

/* Makes room for n more bytes after len. */
void
delta_buf_reserve(struct delta_buf *b, size_t n)
{
	size_t	cap;

	if (n <= b->cap - b->len)
		return;
	if (n > SIZE_MAX / 2 - b->len)
		fatalx("delta_buf_reserve: %zu bytes is too many", n);
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap - b->len < n)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
delta_buf_free(struct delta_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	memset(b, 0, sizeof *b);
}

static uint8_t *
delta_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return (p);
}

static uint32_t
delta_zigzag(int32_t n)
{
	return ((uint32_t)n << 1 ^ (n < 0 ? UINT32_MAX : 0));
}

static uint8_t *
delta_put_zigzag(uint8_t *p, int32_t n)
{
	return (delta_put_varint(p, delta_zigzag(n)));
}

static uint8_t *
delta_put_zigzag64(uint8_t *p, int64_t n)
{
	return (delta_put_varint(p, n >= 0 ? (uint64_t)n << 1 :
	    ((uint64_t)(-(n + 1)) << 1) | 1));
}

/* ---- the frame ---------------------------------------------------------- */

/* Makes room for n entities. Never shrinks. */
void
delta_frame_reserve(struct delta_frame *fr, size_t n)
{
	if (n <= fr->cap)
		return;
	n = n < 2 * fr->cap ? 2 * fr->cap : n;
	fr->ents = xreallocarray(fr->ents, n, sizeof *fr->ents);
	fr->pos = xreallocarray(fr->pos, n, sizeof *fr->pos);
	fr->cap = n;
}

void
delta_frame_free(struct delta_frame *fr)
{
	if (fr == NULL)
		return;
	free(fr->ents);
	free(fr->pos);
	free(fr->slots);
	memset(fr, 0, sizeof *fr);
}

static size_t
delta_frame_slot(uint32_t id, size_t nslots)
{
	return ((size_t)((id * 2654435761u) & (uint32_t)(nslots - 1)));
}

/*
 * The entity of fr with this id, or NULL. The index is built on the
 * first call after delta_frame_world (a live migration's restore looks
 * up every entry of every client's table).
 */
const struct delta_entity *
delta_frame_find(struct delta_frame *fr, uint32_t id)
{
	size_t	i, want;

	if (!fr->indexed) {
		for (want = 16; want < fr->n * 2; want *= 2)
			;
		if (want != fr->nslots) {
			free(fr->slots);
			fr->slots = xcalloc(want, sizeof *fr->slots);
			fr->nslots = want;
		} else
			memset(fr->slots, 0, want * sizeof *fr->slots);
		for (i = 0; i < fr->n; i++) {
			want = delta_frame_slot(fr->ents[i].f.id, fr->nslots);
			while (fr->slots[want] != 0)
				want = (want + 1) & (fr->nslots - 1);
			fr->slots[want] = (uint32_t)i + 1;
		}
		fr->indexed = 1;
	}
	for (i = delta_frame_slot(id, fr->nslots); fr->slots[i] != 0;
	    i = (i + 1) & (fr->nslots - 1)) {
		if (fr->ents[fr->slots[i] - 1].f.id == id)
			return (&fr->ents[fr->slots[i] - 1]);
	}
	return (NULL);
}

static uint32_t
delta_unsigned(int32_t v)
{
	return (v < 0 ? 0 : (uint32_t)v);
}

/*
 * Fills fr with what clients may see of w now: every player, then every
 * living mob, in ascending id order (as aoi_update wants them). Player
 * names point into w: the frame is good until w steps again. Negative hp
 * is sent as 0; a mob's max_hp is its spawner's hp. Each motion starts
 * now, standing (delta_tick_begin carries on the ones of the frame
 * before).
 */
void
delta_frame_world(struct delta_frame *fr, const struct world *w)
{
	const struct world_player	*p;
	const struct world_mob		*m;
	struct delta_entity		*e;
	size_t				 i, n = 0;

	delta_frame_reserve(fr, w->nplayers + w->nmobs);
	fr->indexed = 0;
	for (i = 0; i < w->nplayers; i++) {
		p = &w->players[i];
		e = &fr->ents[n];
		memset(&e->f, 0, sizeof e->f);
		e->f.id = p->id;
		e->f.kind = DELTA_PLAYER;
		delta_fields_place(&e->f, p->x, p->y, w->tick);
		e->f.hp = delta_unsigned(p->hp);
		e->f.max_hp = delta_unsigned(p->max_hp);
		e->f.level = p->level;
		e->name = p->name;
		fr->pos[n].id = p->id;
		fr->pos[n].x = p->x;
		fr->pos[n].y = p->y;
		n++;
	}
	for (i = 0; i < w->nmobs; i++) {
		m = &w->mobs[i];
		if (m->state == MOB_DEAD)
			continue;
		e = &fr->ents[n];
		memset(&e->f, 0, sizeof e->f);
		e->f.id = m->id;
		e->f.kind = DELTA_MOB;
		e->f.type = m->spawner;
		delta_fields_place(&e->f, m->x, m->y, w->tick);
		e->f.hp = delta_unsigned(m->hp);
		if (w->area != NULL && m->spawner < w->area->nspawners)
			e->f.max_hp = delta_unsigned(
			    w->area->spawners[m->spawner].hp);
		else
			e->f.max_hp = e->f.hp;
		e->f.level = m->state;
		e->name = NULL;
		fr->pos[n].id = m->id;
		fr->pos[n].x = m->x;
		fr->pos[n].y = m->y;
		n++;
	}
	fr->n = n;
}

/* ---- the encoder -------------------------------------------------------- */

/* Scratch shared by every client's encoding. Caller frees. */
struct delta_enc *
delta_enc_new(void)
{
	return (xcalloc(1, sizeof (struct delta_enc)));
}

void
delta_enc_free(struct delta_enc *e)
{
	if (e == NULL)
		return;
	delta_buf_free(&e->leave);
	delta_buf_free(&e->enter);
	delta_buf_free(&e->update);
	free(e->ids);
	free(e->at);
	free(e);
}

/* What one client was sent; it starts knowing nothing. Caller frees. */
struct delta_client *
delta_client_new(void)
{
	return (xcalloc(1, sizeof (struct delta_client)));
}

void
delta_client_free(struct delta_client *c)
{
	if (c == NULL)
		return;
	free(c->known[0]);
	free(c->known[1]);
	free(c);
}

/*
 * Forgets what the client was sent (it starts over, e.g. with a new
 * connection): the next message makes everything it sees enter.
 */
void
delta_client_reset(struct delta_client *c)
{
	c->nknown = 0;
}

static void	delta_client_reserve(struct delta_client *, size_t);

/*
 * A client's table as snapshot format 4 carried it (read only: format 5
 * carries ids, delta_known_save), into c (reset first):
 *	u32 n, n x (u32 id, u8 kind, u32 type, i32 x_q, i32 y_q, u32 hp,
 *	u32 max_hp, u32 level), in ascending id order.
 * -1 with *cause on a table the encoder could not have written.
 */
int
delta_client_restore(struct delta_client *c, struct snapr *r, char **cause)
{
	struct delta_fields	*f;
	uint32_t		 n, i;

	c->nknown = 0;
	n = snapr_u32(r);
	if (!snapr_ok(r) || n > DELTA_VIEW_MAX) {
		xasprintf(cause, "delta table: %s", snapr_ok(r) ?
		    "too many entities" : snapr_strerror(r));
		return (-1);
	}
	delta_client_reserve(c, n);
	f = c->known[c->cur];
	for (i = 0; i < n; i++) {
		f[i].id = snapr_u32(r);
		f[i].kind = snapr_u8(r);
		f[i].type = snapr_u32(r);
		f[i].xq = snapr_i32(r);
		f[i].yq = snapr_i32(r);
		f[i].hp = snapr_u32(r);
		f[i].max_hp = snapr_u32(r);
		f[i].level = snapr_u32(r);
		delta_fields_stand(&f[i], 0);
		if (!snapr_ok(r)) {
			xasprintf(cause, "delta table: %s", snapr_strerror(r));
			return (-1);
		}
		if ((i > 0 && f[i].id <= f[i - 1].id) ||
		    f[i].kind > DELTA_MOB || f[i].xq > DELTA_QMAX ||
		    f[i].xq < -DELTA_QMAX || f[i].yq > DELTA_QMAX ||
		    f[i].yq < -DELTA_QMAX) {
			xasprintf(cause, "delta table: entry %u is not one the "
			    "encoder writes", i);
			return (-1);
		}
	}
	c->nknown = n;
	return (0);
}

/* What the client was last sent, n entries in ascending id order. */
const struct delta_fields *
delta_client_known(const struct delta_client *c, size_t *n)
{
	*n = c->nknown;
	return (c->known[c->cur]);
}

/* Makes room for n entries in both tables, keeping known[cur]. */
static void
delta_client_reserve(struct delta_client *c, size_t n)
{
	size_t	cap;

	if (n <= c->cap)
		return;
	cap = c->cap < 16 ? 16 : c->cap;
	while (cap < n)
		cap *= 2;
	c->known[0] = xreallocarray(c->known[0], cap, sizeof *c->known[0]);
	c->known[1] = xreallocarray(c->known[1], cap, sizeof *c->known[1]);
	c->cap = cap;
}

/* A player's name as sent: cut to a UTF-8 prefix, "" if not UTF-8. */
static size_t
delta_name_len(const char *name)
{
	size_t	n;

	if (name == NULL)
		return (0);
	n = utf8_prefix_len(name, DELTA_NAME_MAX - 1);
	return (utf8_valid(name, n) ? n : 0);
}

/*
 * The records, written where the caller reserved room for them (the
 * DELTA_*_MAX above). Each list's ids go as gaps from the id before in the
 * same list (*prev, 0 at the start): mob ids are above 2^30 and would
 * cost 5 bytes each, while the gaps between the ids a client sees are
 * small.
 */
static uint8_t *
delta_put_id(uint8_t *p, uint32_t id, uint32_t *prev)
{
	p = delta_put_varint(p, id - *prev);
	*prev = id;
	return (p);
}

static uint8_t *
delta_put_enter(uint8_t *p, const struct delta_entity *e, uint32_t *prev,
    uint64_t tick)
{
	const struct delta_fields	*f = &e->f;
	size_t				 n;

	p = delta_put_id(p, f->id, prev);
	*p++ = f->kind;
	p = delta_put_varint(p, f->type);
	p = delta_put_zigzag64(p, delta_motion_fine(f->bx, f->vx, f->t0,
	    tick));
	p = delta_put_zigzag64(p, delta_motion_fine(f->by, f->vy, f->t0,
	    tick));
	p = delta_put_zigzag(p, f->vx);
	p = delta_put_zigzag(p, f->vy);
	p = delta_put_varint(p, f->hp);
	p = delta_put_varint(p, f->max_hp);
	p = delta_put_varint(p, f->level);
	if (f->kind == DELTA_PLAYER) {
		n = delta_name_len(e->name);
		p = delta_put_varint(p, n);
		if (n != 0)
			memcpy(p, e->name, n);
		p += n;
	}
	return (p);
}

/*
 * Whether the motion a client knows as was is not now's at tick (they
 * put the entity in different places, or will): a motion update.
 */
static int
delta_moved(const struct delta_fields *was, const struct delta_fields *now,
    uint64_t tick)
{
	return (now->vx != was->vx || now->vy != was->vy ||
	    delta_motion_fine(now->bx, now->vx, now->t0, tick) !=
	    delta_motion_fine(was->bx, was->vx, was->t0, tick) ||
	    delta_motion_fine(now->by, now->vy, now->t0, tick) !=
	    delta_motion_fine(was->by, was->vy, was->t0, tick));
}

/*
 * An update's mask and fields at tick (no id): nothing if nothing
 * changed. delta_put_keyed makes the record of them.
 */
static uint8_t *
delta_put_update_fields(uint8_t *p, const struct delta_fields *was,
    const struct delta_fields *now, uint64_t tick)
{
	uint8_t	mask = 0;

	if (delta_moved(was, now, tick))
		mask |= DELTA_F_POS;
	if (now->hp != was->hp)
		mask |= DELTA_F_HP;
	if (now->max_hp != was->max_hp)
		mask |= DELTA_F_MAX_HP;
	if (now->level != was->level)
		mask |= DELTA_F_LEVEL;
	if (mask == 0)
		return (p);
	*p++ = mask;
	if (mask & DELTA_F_POS) {
		/* Both within +-DELTA_FMAX: the difference fits. */
		p = delta_put_zigzag64(p, delta_motion_fine(now->bx, now->vx,
		    now->t0, tick) - delta_motion_fine(was->bx, was->vx,
		    was->t0, tick));
		p = delta_put_zigzag64(p, delta_motion_fine(now->by, now->vy,
		    now->t0, tick) - delta_motion_fine(was->by, was->vy,
		    was->t0, tick));
		p = delta_put_zigzag(p, now->vx);
		p = delta_put_zigzag(p, now->vy);
	}
	if (mask & DELTA_F_HP)
		p = delta_put_varint(p, now->hp);
	if (mask & DELTA_F_MAX_HP)
		p = delta_put_varint(p, now->max_hp);
	if (mask & DELTA_F_LEVEL)
		p = delta_put_varint(p, now->level);
	return (p);
}

/*
 * The update record of id from rec[0..len), its mask and fields
 * (delta_put_update_fields): the key, (id_gap << 1) | P, then the
 * fields without the mask if the mask is DELTA_F_POS alone (P = 1, a
 * motion-only update, the most common record), else the mask and the
 * fields (P = 0). The key is below 2^33: at most 5 bytes.
 */
static uint8_t *
delta_put_keyed(uint8_t *p, uint32_t id, uint32_t *prev, const uint8_t *rec,
    size_t len)
{
	uint64_t	key = (uint64_t)(id - *prev) << 1;

	if (rec[0] == DELTA_F_POS) {
		key |= 1;
		rec++;
		len--;
	}
	p = delta_put_varint(p, key);
	*prev = id;
	memcpy(p, rec, len);
	return (p + len);
}

static uint8_t *
delta_put_update(uint8_t *p, const struct delta_fields *was,
    const struct delta_fields *now, uint32_t *prev, uint64_t tick)
{
	uint8_t	 rec[DELTA_UPDATE_MAX], *q;

	if ((q = delta_put_update_fields(rec, was, now, tick)) == rec)
		return (p);
	return (delta_put_keyed(p, now->id, prev, rec, (size_t)(q - rec)));
}

/*
 * Appends the message: header, then the three lists the encoder wrote
 * into e (nl, ne, nu bytes of them). Returns out's new length.
 */
static size_t
delta_assemble(const struct delta_enc *e, struct delta_buf *out,
    uint64_t tick, uint64_t seq, size_t nleave, size_t nl, size_t nenter,
    size_t ne, size_t nupdate, size_t nu)
{
	uint8_t	*p;

	delta_buf_reserve(out, DELTA_HEADER_MAX + DELTA_COUNTS_MAX + nl + ne +
	    nu);
	p = out->p + out->len;
	*p++ = DELTA_VERSION;
	p = delta_put_varint(p, tick);
	p = delta_put_varint(p, seq);
	p = delta_put_varint(p, nleave);
	if (nl != 0)
		memcpy(p, e->leave.p, nl);
	p = delta_put_varint(p + nl, nenter);
	if (ne != 0)
		memcpy(p, e->enter.p, ne);
	p = delta_put_varint(p + ne, nupdate);
	if (nu != 0)
		memcpy(p, e->update.p, nu);
	out->len = (size_t)(p + nu - out->p);
	return (out->len);
}

/*
 * Appends to out the message for client c at this tick: seq is the last
 * input applied for it, ents[0..nents) this tick's entities and
 * at[0..nat) the indices in ents of those it sees, in ascending id order
 * (aoi_view's visible_at). Then c knows exactly those entities as they
 * are now. Returns the length of the message, which must be delivered
 * (see delta.h). Bad input (indices out of range or not by ascending id,
 * a bad kind or position) is a caller bug.
 */
size_t
delta_encode(struct delta_enc *e, struct delta_client *c,
    struct delta_buf *out, uint64_t tick, uint64_t seq,
    const struct delta_entity *ents, size_t nents, const uint32_t *at,
    size_t nat)
{
	const struct delta_fields	*old, *now;
	const struct delta_entity	*ent;
	struct delta_fields		*next;
	size_t				 nold = c->nknown, i = 0, j = 0, k = 0;
	size_t				 nleave = 0, nenter = 0, nupdate = 0;
	size_t				 start = out->len, nl, ne, nu;
	uint32_t			 last = 0, lprev = 0, eprev = 0;
	uint32_t			 uprev = 0;
	uint8_t				*pl, *pe, *pu, *pu0, *p;

	/* Room for the worst case, once: no check per record. */
	delta_client_reserve(c, nat);
	old = c->known[c->cur];
	next = c->known[!c->cur];
	e->leave.len = e->enter.len = e->update.len = 0;
	delta_buf_reserve(&e->leave, nold * DELTA_LEAVE_MAX);
	delta_buf_reserve(&e->enter, nat * DELTA_ENTER_MAX);
	delta_buf_reserve(&e->update, nat * DELTA_UPDATE_MAX);
	pl = e->leave.p;
	pe = e->enter.p;
	pu = pu0 = e->update.p;

	while (i < nold || j < nat) {
		if (j == nat) {
			pl = delta_put_id(pl, old[i++].id, &lprev);
			nleave++;
			continue;
		}
		if (at[j] >= nents)
			fatalx("delta_encode: index %u of %zu", at[j], nents);
		ent = &ents[at[j]];
		now = &ent->f;
		if ((j > 0 && now->id <= last) || now->kind > DELTA_MOB ||
		    now->xq > DELTA_QMAX || now->xq < -DELTA_QMAX ||
		    now->yq > DELTA_QMAX || now->yq < -DELTA_QMAX)
			fatalx("delta_encode: bad entity %u after %u",
			    now->id, last);
		if (i < nold && old[i].id < now->id) {
			pl = delta_put_id(pl, old[i++].id, &lprev);
			nleave++;
			continue;
		}
		if (i < nold && old[i].id == now->id &&
		    old[i].kind == now->kind && old[i].type == now->type) {
			p = pu;
			pu = delta_put_update(pu, &old[i], now, &uprev, tick);
			nupdate += pu != p;
			i++;
		} else {
			if (i < nold && old[i].id == now->id) {
				/* Another sort of entity under this id. */
				pl = delta_put_id(pl, old[i++].id, &lprev);
				nleave++;
			}
			pe = delta_put_enter(pe, ent, &eprev, tick);
			nenter++;
		}
		/* Its motion, or one that puts it where now's does. */
		next[k++] = *now;
		last = now->id;
		j++;
	}
	c->cur = !c->cur;
	c->nknown = k;

	nl = (size_t)(pl - e->leave.p);
	ne = (size_t)(pe - e->enter.p);
	nu = (size_t)(pu - pu0);
	return (delta_assemble(e, out, tick, seq, nleave, nl, nenter, ne,
	    nupdate, nu) - start);
}

/* ---- the decoder -------------------------------------------------------- */

/* A bounds-checked reader; why says what stopped it. */
struct delta_rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	const char	*why;
	uint8_t		 version;	/* of the message, once read */
	uint64_t	 tick;		/* likewise */
};

static int
delta_rd_fail(struct delta_rd *r, const char *why)
{
	if (r->why == NULL)
		r->why = why;
	return (-1);
}

static size_t
delta_rd_left(const struct delta_rd *r)
{
	return (r->len - r->off);
}

static int
delta_rd_u8(struct delta_rd *r, uint8_t *v)
{
	if (r->off == r->len)
		return (delta_rd_fail(r, "truncated"));
	*v = r->p[r->off++];
	return (0);
}

/* A varint of at most maxbytes bytes and value max, shortest form. */
static int
delta_rd_varint(struct delta_rd *r, unsigned maxbytes, uint64_t max,
    uint64_t *v)
{
	uint64_t	x = 0;
	unsigned	i;
	uint8_t		b;

	for (i = 0; i < maxbytes; i++) {
		if (r->off == r->len)
			return (delta_rd_fail(r, "truncated"));
		b = r->p[r->off++];
		if (i == 9 && b > 1 && (b & 0x80) == 0)	/* bit 64 and up */
			return (delta_rd_fail(r, "varint out of range"));
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			if (b == 0 && i > 0)
				return (delta_rd_fail(r,
				    "varint not in its shortest form"));
			if (x > max)
				return (delta_rd_fail(r,
				    "varint out of range"));
			*v = x;
			return (0);
		}
	}
	return (delta_rd_fail(r, "varint too long"));
}

static int
delta_rd_u64(struct delta_rd *r, uint64_t *v)
{
	return (delta_rd_varint(r, 10, UINT64_MAX, v));
}

static int
delta_rd_u32(struct delta_rd *r, uint32_t *v)
{
	uint64_t	x;

	if (delta_rd_varint(r, 5, UINT32_MAX, &x) == -1)
		return (-1);
	*v = (uint32_t)x;
	return (0);
}

static int
delta_rd_zigzag(struct delta_rd *r, int64_t *v)
{
	uint32_t	x;

	if (delta_rd_u32(r, &x) == -1)
		return (-1);
	*v = (x & 1) ? -(int64_t)(x >> 1) - 1 : (int64_t)(x >> 1);
	return (0);
}

/* A zigzag of at most 6 bytes (below 2^38): a motion's position. */
static int
delta_rd_zigzag64(struct delta_rd *r, int64_t *v)
{
	uint64_t	x;

	if (delta_rd_varint(r, 6, ((uint64_t)1 << 38) - 1, &x) == -1)
		return (-1);
	*v = (x & 1) ? -(int64_t)(x >> 1) - 1 : (int64_t)(x >> 1);
	return (0);
}

/* A motion's position, base plus a zigzag, within +-DELTA_FMAX. */
static int
delta_rd_fine(struct delta_rd *r, int64_t base, int64_t *v)
{
	int64_t	d;

	if (delta_rd_zigzag64(r, &d) == -1)
		return (-1);
	d += base;
	if (d > DELTA_FMAX || d < -DELTA_FMAX)
		return (delta_rd_fail(r, "position out of range"));
	*v = d;
	return (0);
}

/* A velocity within +-DELTA_VMAX. */
static int
delta_rd_velocity(struct delta_rd *r, int32_t *v)
{
	int64_t	x;

	if (delta_rd_zigzag(r, &x) == -1)
		return (-1);
	if (x > DELTA_VMAX || x < -DELTA_VMAX)
		return (delta_rd_fail(r, "velocity out of range"));
	*v = (int32_t)x;
	return (0);
}

/* A quantised coordinate in range. */
static int
delta_rd_coord(struct delta_rd *r, int64_t base, int32_t *v)
{
	int64_t	d;

	if (delta_rd_zigzag(r, &d) == -1)
		return (-1);
	d += base;
	if (d > DELTA_QMAX || d < -DELTA_QMAX)
		return (delta_rd_fail(r, "position out of range"));
	*v = (int32_t)d;
	return (0);
}

/*
 * The next id of a list: *id (the one before, 0 at the start) plus gap,
 * which is not 0 but for the first (ids are strictly ascending).
 */
static int
delta_rd_gap(struct delta_rd *r, int first, uint32_t gap, uint32_t *id)
{
	if (gap == 0 && !first)
		return (delta_rd_fail(r, "ids not ascending"));
	if (gap > UINT32_MAX - *id)
		return (delta_rd_fail(r, "id out of range"));
	*id += gap;
	return (0);
}

/* The next id of a list, sent as its gap. */
static int
delta_rd_id(struct delta_rd *r, int first, uint32_t *id)
{
	uint32_t	gap;

	if (delta_rd_u32(r, &gap) == -1)
		return (-1);
	return (delta_rd_gap(r, first, gap, id));
}

/*
 * The id of an update record, the next of its list, and whether the
 * record is position only (*pos). Format 1: the id's gap (never position
 * only: a mask follows). Formats 2 and 3: the key, a varint of at most
 * 5 bytes below 2^33, (id_gap << 1) | P, P being 1 for an update of the
 * position (format 2) or motion (format 3) alone.
 */
static int
delta_rd_update_id(struct delta_rd *r, int first, uint32_t *id, int *pos)
{
	uint64_t	key;

	*pos = 0;
	if (r->version == 1)
		return (delta_rd_id(r, first, id));
	if (delta_rd_varint(r, 5, ((uint64_t)1 << 33) - 1, &key) == -1)
		return (-1);
	*pos = (int)(key & 1);
	return (delta_rd_gap(r, first, (uint32_t)(key >> 1), id));
}

/* An enter record into s (checked: kind, position, name). */
static int
delta_rd_enter(struct delta_rd *r, int first, uint32_t *prev,
    struct delta_seen *s)
{
	uint32_t	n;

	memset(s, 0, sizeof *s);
	if (delta_rd_id(r, first, prev) == -1 ||
	    delta_rd_u8(r, &s->f.kind) == -1)
		return (-1);
	s->f.id = *prev;
	if (s->f.kind > DELTA_MOB)
		return (delta_rd_fail(r, "unknown kind"));
	if (delta_rd_u32(r, &s->f.type) == -1)
		return (-1);
	if (r->version >= 3) {
		if (delta_rd_fine(r, 0, &s->f.bx) == -1 ||
		    delta_rd_fine(r, 0, &s->f.by) == -1 ||
		    delta_rd_velocity(r, &s->f.vx) == -1 ||
		    delta_rd_velocity(r, &s->f.vy) == -1)
			return (-1);
		s->f.t0 = r->tick;
		delta_fields_at(&s->f, r->tick);
	} else if (delta_rd_coord(r, 0, &s->f.xq) == -1 ||
	    delta_rd_coord(r, 0, &s->f.yq) == -1)
		return (-1);
	if (delta_rd_u32(r, &s->f.hp) == -1 ||
	    delta_rd_u32(r, &s->f.max_hp) == -1 ||
	    delta_rd_u32(r, &s->f.level) == -1)
		return (-1);
	if (s->f.kind != DELTA_PLAYER)
		return (0);
	if (delta_rd_u32(r, &n) == -1)
		return (-1);
	if (n > DELTA_NAME_MAX - 1)
		return (delta_rd_fail(r, "name too long"));
	if (n > delta_rd_left(r))
		return (delta_rd_fail(r, "truncated"));
	if (memchr(r->p + r->off, '\0', n) != NULL ||
	    !utf8_valid((const char *)r->p + r->off, n))
		return (delta_rd_fail(r, "name not UTF-8"));
	memcpy(s->name, r->p + r->off, n);
	r->off += n;
	return (0);
}

/*
 * The fields of an update after its id (or key), applied to f (a copy
 * when checking): with pos (a position-only record, formats 2 and 3) the
 * position or motion, else the mask and the fields it names. Formats 2
 * and 3 refuse a mask of DELTA_F_POS alone: that update goes without
 * one. Format 3's motion starts at the message's tick.
 */
static int
delta_rd_update(struct delta_rd *r, int pos, struct delta_fields *f)
{
	uint8_t	mask = DELTA_F_POS;

	if (!pos && delta_rd_u8(r, &mask) == -1)
		return (-1);
	if (mask == 0 || (mask & ~DELTA_F_ALL) != 0)
		return (delta_rd_fail(r, "bad update mask"));
	if (!pos && r->version >= 2 && mask == DELTA_F_POS)
		return (delta_rd_fail(r,
		    "bad update mask (position only goes without one)"));
	if ((mask & DELTA_F_POS) && r->version >= 3) {
		if (delta_rd_fine(r, delta_motion_fine(f->bx, f->vx, f->t0,
		    r->tick), &f->bx) == -1 ||
		    delta_rd_fine(r, delta_motion_fine(f->by, f->vy, f->t0,
		    r->tick), &f->by) == -1 ||
		    delta_rd_velocity(r, &f->vx) == -1 ||
		    delta_rd_velocity(r, &f->vy) == -1)
			return (-1);
		f->t0 = r->tick;
	} else if ((mask & DELTA_F_POS) &&
	    (delta_rd_coord(r, f->xq, &f->xq) == -1 ||
	    delta_rd_coord(r, f->yq, &f->yq) == -1))
		return (-1);
	if ((mask & DELTA_F_HP) && delta_rd_u32(r, &f->hp) == -1)
		return (-1);
	if ((mask & DELTA_F_MAX_HP) && delta_rd_u32(r, &f->max_hp) == -1)
		return (-1);
	if ((mask & DELTA_F_LEVEL) && delta_rd_u32(r, &f->level) == -1)
		return (-1);
	return (0);
}

/*
 * Moves cursor *at over ents[0..n) (ascending) to id, which each list
 * names in ascending order, so a cursor only goes forward: a message
 * costs O(view + records), no search. Says whether id is there.
 */
static int
delta_seek(const struct delta_seen *ents, size_t n, size_t *at, uint32_t id)
{
	while (*at < n && ents[*at].f.id < id)
		(*at)++;
	return (*at < n && ents[*at].f.id == id);
}

/* The index of id in ents[0..n), ascending, or DELTA_NONE. */
static size_t
delta_find(const struct delta_seen *ents, size_t n, uint32_t id)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ents[mid].f.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < n && ents[lo].f.id == id ? lo : DELTA_NONE);
}

/* A count, bounded by the bytes left for its records. */
static int
delta_rd_count(struct delta_rd *r, size_t minrec, uint32_t *n)
{
	if (delta_rd_u32(r, n) == -1)
		return (-1);
	if (*n > delta_rd_left(r) / minrec)
		return (delta_rd_fail(r, "count larger than the message"));
	return (0);
}

/*
 * Checks a whole message against v without changing it, but for the
 * marks of the entries that leave. Sets *newn to the number of entities
 * v will see after it, and *moves if some enter or leave.
 */
static int
delta_check(struct delta_view *v, struct delta_rd *r, size_t *newn,
    int *moves)
{
	struct delta_seen	 s;
	struct delta_fields	 f;
	uint64_t		 x;
	uint32_t		 n, i, id;
	size_t			 at, count;
	int			 pos;

	if (delta_rd_u8(r, &r->version) == -1)
		return (-1);
	if (r->version < DELTA_VERSION_MIN || r->version > DELTA_VERSION)
		return (delta_rd_fail(r, "unknown format version"));
	if (delta_rd_u64(r, &r->tick) == -1 || delta_rd_u64(r, &x) == -1)
		return (-1);
	if (r->version >= 3 && r->tick < v->tick)
		return (delta_rd_fail(r, "tick before the last message's"));

	if (delta_rd_count(r, 1, &n) == -1)
		return (-1);
	*moves = n != 0;
	for (i = 0, id = 0, at = 0; i < n; i++) {
		if (delta_rd_id(r, i == 0, &id) == -1)
			return (-1);
		if (!delta_seek(v->ents, v->n, &at, id))
			return (delta_rd_fail(r, "leave of an id not seen"));
		v->mark[at] = DELTA_MARK_GONE;
	}
	count = v->n - n;

	if (delta_rd_count(r, DELTA_ENTER_MIN, &n) == -1)
		return (-1);
	if (count + n > DELTA_VIEW_MAX)
		return (delta_rd_fail(r, "too many entities"));
	*moves |= n != 0;
	for (i = 0, id = 0, at = 0; i < n; i++) {
		if (delta_rd_enter(r, i == 0, &id, &s) == -1)
			return (-1);
		if (delta_seek(v->ents, v->n, &at, id)) {
			if (!(v->mark[at] & DELTA_MARK_GONE))
				return (delta_rd_fail(r,
				    "enter of an id already seen"));
			v->mark[at] |= DELTA_MARK_BACK;
		}
	}
	count += n;

	if (delta_rd_count(r, DELTA_UPDATE_MIN, &n) == -1)
		return (-1);
	for (i = 0, id = 0, at = 0; i < n; i++) {
		if (delta_rd_update_id(r, i == 0, &id, &pos) == -1)
			return (-1);
		if (!delta_seek(v->ents, v->n, &at, id) || v->mark[at] != 0)
			return (delta_rd_fail(r, "update of an id not seen"));
		f = v->ents[at].f;
		if (delta_rd_update(r, pos, &f) == -1)
			return (-1);
	}
	if (delta_rd_left(r) != 0)
		return (delta_rd_fail(r, "bytes after the message"));
	*newn = count;
	return (0);
}

/*
 * Applies a message delta_check accepted; the marks are still set. When
 * nothing enters or leaves, the updates go in place.
 */
static void
delta_apply(struct delta_view *v, struct delta_rd *r, int moves)
{
	struct delta_seen	 s, *t;
	uint32_t		 n = 0, i, id = 0;
	size_t			 k = 0, j = 0, at;
	int			 bad = 0, pos = 0;

	bad |= delta_rd_u8(r, &r->version);
	bad |= delta_rd_u64(r, &r->tick);
	bad |= delta_rd_u64(r, &v->seq);
	bad |= delta_rd_u32(r, &n);
	for (i = 0; i < n && !bad; i++)
		bad |= delta_rd_id(r, i == 0, &id);	/* marked already */

	/* Entries that stay and those that enter, merged by id. */
	bad |= delta_rd_u32(r, &n);
	if (moves) {
		for (i = 0, id = 0; i < n && !bad; i++) {
			bad |= delta_rd_enter(r, i == 0, &id, &s);
			for (; j < v->n && v->ents[j].f.id < s.f.id; j++) {
				if (!(v->mark[j] & DELTA_MARK_GONE))
					v->spare[k++] = v->ents[j];
			}
			v->spare[k++] = s;
		}
		for (; j < v->n; j++) {
			if (!(v->mark[j] & DELTA_MARK_GONE))
				v->spare[k++] = v->ents[j];
		}
		if (v->n != 0)
			memset(v->mark, 0, v->n);
		t = v->ents;
		v->ents = v->spare;
		v->spare = t;
		v->n = k;
	}

	bad |= delta_rd_u32(r, &n);
	for (i = 0, id = 0, at = 0; i < n && !bad; i++) {
		bad |= delta_rd_update_id(r, i == 0, &id, &pos);
		if (!delta_seek(v->ents, v->n, &at, id))
			fatalx("delta: update of %u vanished", id);
		bad |= delta_rd_update(r, pos, &v->ents[at].f);
	}
	if (bad)
		fatalx("delta: a checked message failed: %s", r->why);

	/*
	 * Everything moves by its motion; before format 3 everything
	 * stands where it was shown.
	 */
	for (k = 0; k < v->n; k++) {
		if (r->version >= 3)
			delta_fields_at(&v->ents[k].f, r->tick);
		else
			delta_fields_stand(&v->ents[k].f, r->tick);
	}
	v->tick = r->tick;
}

/* Makes room for n entities in the view. Never shrinks; keeps the marks. */
static void
delta_view_reserve(struct delta_view *v, size_t n)
{
	size_t	cap;

	if (n <= v->cap)
		return;
	cap = v->cap < 16 ? 16 : v->cap;
	while (cap < n)
		cap *= 2;
	v->ents = xreallocarray(v->ents, cap, sizeof *v->ents);
	v->spare = xreallocarray(v->spare, cap, sizeof *v->spare);
	v->mark = xrealloc(v->mark, cap);
	memset(v->mark + v->cap, 0, cap - v->cap);
	v->cap = cap;
}

/* An empty view, before the first message. Free with delta_view_free. */
void
delta_view_init(struct delta_view *v)
{
	memset(v, 0, sizeof *v);
}

void
delta_view_free(struct delta_view *v)
{
	if (v == NULL)
		return;
	free(v->ents);
	free(v->spare);
	free(v->mark);
	memset(v, 0, sizeof *v);
}

/*
 * Applies message buf[0..len) to v. Returns -1 with a cause (caller frees;
 * cause may be NULL) and v unchanged if the message is malformed or does
 * not fit v: an unknown version (formats 1 and 2 are read), truncated,
 * bytes left over, or against a rule of delta.h.
 */
int
delta_decode(struct delta_view *v, const void *buf, size_t len,
    char **cause)
{
	struct delta_rd	r;
	size_t		newn;
	int		moves;

	memset(&r, 0, sizeof r);
	r.p = buf;
	r.len = len;
	if (delta_check(v, &r, &newn, &moves) == -1) {
		if (v->n != 0)
			memset(v->mark, 0, v->n);
		if (cause != NULL)
			xasprintf(cause, "delta: %s at byte %zu", r.why,
			    r.off);
		return (-1);
	}
	delta_view_reserve(v, newn > v->n ? newn : v->n);
	memset(&r, 0, sizeof r);
	r.p = buf;
	r.len = len;
	delta_apply(v, &r, moves);
	return (0);
}

/* The entity id in v, or NULL. */
const struct delta_seen *
delta_view_find(const struct delta_view *v, uint32_t id)
{
	size_t	idx = delta_find(v->ents, v->n, id);

	return (idx == DELTA_NONE ? NULL : &v->ents[idx]);
}

/* ---- the shared tick: every client against the frame before -------------- */

/*
 * A client that was sent the last tick's delta knows exactly the last
 * frame's fields of the entities it saw: what changed of an entity since
 * the last frame is the same bytes for every such client. So each tick
 * the update record of every entity (mask and fields, without the key,
 * whose id gap depends on the client's list) is made once, and a client
 * costs a merge of two sorted id lists, and a key and a copy per entity
 * that changed. A client keeps only the ids it knows (delta_known).
 *
 * A client that missed ticks (it was skipped, or came from an older
 * snapshot) is resynchronised: every id it knows leaves and everything
 * it sees enters, in one message (which the format allows: an enter may
 * name an id that left in the same message).
 *
 * delta_encode_view does the same with bitmaps: every entity has a
 * stable slot (slots.h), what a client knows is a bitmap over the slots
 * and so is what it sees (aoi_look_mask), and the tick marks the slots
 * of entities new to the frame and of those with a record. A client then
 * costs a pass over the words of two bitmaps (about 100 at 6,000
 * entities) and its records, instead of a merge of two id lists that
 * visits every entity it sees (scenario S, 2,000 clients: 28% less time
 * for the looks and the encoding, bench/simbench --lists). The messages
 * are the same bytes.
 */

struct delta_known *
delta_known_new(void)
{
	struct delta_known	*k = xcalloc(1, sizeof *k);

	k->ids_ok = 1;		/* knows nothing, as a list */
	return (k);
}

void
delta_known_free(struct delta_known *k)
{
	if (k == NULL)
		return;
	free(k->ids);
	free(k->bits);
	free(k);
}

static void
delta_known_reserve(struct delta_known *k, size_t n)
{
	size_t	cap;

	if (n <= k->cap)
		return;
	cap = k->cap < 16 ? 16 : k->cap;
	while (cap < n)
		cap *= 2;
	k->ids = xreallocarray(k->ids, cap, sizeof *k->ids);
	k->cap = cap;
}

/* The heap k holds (a migration's replacement makes as much ready). */
size_t
delta_known_bytes(const struct delta_known *k)
{
	return (sizeof *k + k->cap * sizeof *k->ids +
	    k->nwords * sizeof *k->bits);
}

/* Drops k's bitmap: it knows by its list alone. */
static void
delta_known_unslot(struct delta_known *k)
{
	size_t	w;

	for (w = k->lo; w < k->hi; w++)
		k->bits[w] = 0;
	k->lo = k->hi = 0;
	k->slotted = 0;
}

/*
 * Makes k's list of ids from its bitmap, by the slots of t or, if k's are
 * of the generation before (a delta_tick_begin renumbered them since), by
 * those, which the slots keep until they are laid out again; the bitmap
 * of an older generation is dropped. Call it for every known when a tick
 * renumbered the slots (t->renumbered), and before saving one. A bitmap
 * two generations old is a caller bug.
 */
void
delta_known_rebase(const struct delta_tick *t, struct delta_known *k)
{
	size_t		w, n = 0, slot;
	uint64_t	x;
	uint32_t	id;
	int		old;

	if (!k->slotted)
		return;
	old = k->gen + 1 == t->slots.gen;
	if (k->gen != t->slots.gen && !old)
		fatalx("delta_known_rebase: slots of generation %llu, the "
		    "tick's are of %llu", (unsigned long long)k->gen,
		    (unsigned long long)t->slots.gen);
	if (!k->ids_ok) {
		delta_known_reserve(k, k->n);
		for (w = k->lo; w < k->hi; w++) {
			for (x = k->bits[w]; x != 0; x &= x - 1) {
				slot = w * 64 + (size_t)__builtin_ctzll(x);
				id = old ? slots_old_id(&t->slots, slot) :
				    t->slots.id[slot];
				if (n == k->n || id == SLOTS_FREE ||
				    (n > 0 && id <= k->ids[n - 1]))
					fatalx("delta_known_rebase: slot %zu",
					    slot);
				k->ids[n++] = id;
			}
		}
		if (n != k->n)
			fatalx("delta_known_rebase: %zu ids of %zu", n, k->n);
		k->ids_ok = 1;
	}
	if (old)
		delta_known_unslot(k);
}

/*
 * Sets what k knows: n ids, ascending, which it knows as the frame of
 * tick synced has them (0: as nothing the encoder keeps, so that its
 * next message resynchronises).
 */
void
delta_known_set(struct delta_known *k, const uint32_t *ids, size_t n,
    uint64_t synced)
{
	delta_known_reserve(k, n);
	if (n != 0)
		memcpy(k->ids, ids, n * sizeof *ids);
	k->n = n;
	k->synced = synced;
	k->ids_ok = 1;
	delta_known_unslot(k);
}

/*
 * Live migration: u8 current (1: it knows the frame of the snapshot's
 * tick), u32 n, n id gaps as varints.
 */
void
delta_known_save(const struct delta_known *k, uint64_t tick, struct snapw *w)
{
	uint8_t		 buf[4096], *p = buf;
	size_t		 i;
	uint32_t	 prev = 0;

	if (!k->ids_ok)
		fatalx("delta_known_save: no list (delta_known_rebase)");
	snapw_u8(w, k->synced == tick && tick != 0);
	snapw_u32(w, (uint32_t)k->n);
	for (i = 0; i < k->n; i++) {
		if (p > buf + sizeof buf - 5) {
			snapw_bytes(w, buf, (size_t)(p - buf));
			p = buf;
		}
		p = delta_put_varint(p, k->ids[i] - prev);
		prev = k->ids[i];
	}
	snapw_bytes(w, buf, (size_t)(p - buf));
}

int
delta_known_restore(struct delta_known *k, uint64_t tick, struct snapr *r,
    char **cause)
{
	const uint8_t	*p;
	uint64_t	 gap;
	size_t		 left, used;
	uint32_t	 n, i, id = 0;
	uint8_t		 current, b = 0;
	int		 shift;

	current = snapr_u8(r);
	n = snapr_u32(r);
	if (!snapr_ok(r) || n > DELTA_VIEW_MAX || current > 1) {
		xasprintf(cause, "delta table: %s", !snapr_ok(r) ?
		    snapr_strerror(r) : current > 1 ? "bad flag" :
		    "too many entities");
		return (-1);
	}
	delta_known_reserve(k, n);
	/* In bulk: a million ids is a crowd of 1,000 in a migration. */
	p = snapr_peek(r);
	left = snapr_left(r);
	for (i = 0, used = 0; i < n; i++) {
		gap = 0;
		for (shift = 0; ; shift += 7) {
			if (used == left || shift > 28) {
				xasprintf(cause, "delta table: %s", used == left ?
				    "truncated" : "an id over 32 bits");
				return (-1);
			}
			b = p[used++];
			gap |= (uint64_t)(b & 0x7f) << shift;
			if ((b & 0x80) == 0)
				break;
		}
		if ((b == 0 && shift != 0) || (gap == 0 && i > 0) ||
		    gap > UINT32_MAX - id) {
			xasprintf(cause, "delta table: ids not ascending");
			return (-1);
		}
		id += (uint32_t)gap;
		k->ids[i] = id;
	}
	(void)snapr_bytes(r, used);
	k->n = n;
	k->synced = current ? tick : 0;
	k->ids_ok = 1;
	delta_known_unslot(k);
	return (0);
}

void
delta_tick_free(struct delta_tick *t)
{
	if (t == NULL)
		return;
	delta_frame_free(&t->frames[0]);
	delta_frame_free(&t->frames[1]);
	free(t->recs);
	free(t->states);
	free(t->motions);
	slots_free(&t->slots);
	free(t->slot_of);
	free(t->ids);
	free(t->at_of[0]);
	free(t->at_of[1]);
	free(t->fresh);
	free(t->changed);
	memset(t, 0, sizeof *t);
}

/*
 * Live migration, section "MOTN" (sync.c): the motions of the frame of
 * the snapshot's tick, which the clients whose tables are current know:
 *	u32 n (0 if the frame is not of that tick), then n times:
 *	varint id_gap, zigzag bx, zigzag by (at that tick, 1/512 units),
 *	zigzag vx, zigzag vy
 * in ascending id order, as the format of the deltas has them.
 */
void
delta_tick_save(const struct delta_tick *t, uint64_t tick, struct snapw *w)
{
	const struct delta_frame	*fr = &t->frames[t->cur];
	const struct delta_fields	*f;
	uint8_t				 buf[4096], *p = buf;
	size_t				 i, n;
	uint32_t			 prev = 0;

	n = t->ticks[t->cur] == tick && tick != 0 ? fr->n : 0;
	snapw_u32(w, (uint32_t)n);
	for (i = 0; i < n; i++) {
		if (p > buf + sizeof buf - (5 + 2 * 6 + 2 * 3)) {
			snapw_bytes(w, buf, (size_t)(p - buf));
			p = buf;
		}
		f = &fr->ents[i].f;
		p = delta_put_id(p, f->id, &prev);
		p = delta_put_zigzag64(p, delta_motion_fine(f->bx, f->vx,
		    f->t0, tick));
		p = delta_put_zigzag64(p, delta_motion_fine(f->by, f->vy,
		    f->t0, tick));
		p = delta_put_zigzag(p, f->vx);
		p = delta_put_zigzag(p, f->vy);
	}
	snapw_bytes(w, buf, (size_t)(p - buf));
}

/* Reads delta_tick_save's motions, for the seed frame of tick. */
int
delta_tick_restore(struct delta_tick *t, uint64_t tick, struct snapr *r,
    char **cause)
{
	struct delta_rd		 rd;
	struct delta_fields	*f;
	uint32_t		 n, i, id = 0;

	n = snapr_u32(r);
	if (!snapr_ok(r) || n > snapr_left(r) / 5) {
		xasprintf(cause, "motions: %s", snapr_ok(r) ?
		    "more than the section holds" : snapr_strerror(r));
		return (-1);
	}
	memset(&rd, 0, sizeof rd);
	rd.p = snapr_peek(r);
	rd.len = snapr_left(r);
	rd.version = DELTA_VERSION;
	free(t->motions);
	t->motions = xcalloc(n + 1, sizeof *t->motions);
	t->nmotions = 0;
	for (i = 0; i < n; i++) {
		f = &t->motions[i];
		if (delta_rd_id(&rd, i == 0, &id) == -1 ||
		    delta_rd_fine(&rd, 0, &f->bx) == -1 ||
		    delta_rd_fine(&rd, 0, &f->by) == -1 ||
		    delta_rd_velocity(&rd, &f->vx) == -1 ||
		    delta_rd_velocity(&rd, &f->vy) == -1) {
			xasprintf(cause, "motions: %s at byte %zu", rd.why,
			    rd.off);
			return (-1);
		}
		f->id = id;
		f->t0 = tick;
	}
	(void)snapr_bytes(r, rd.off);
	t->nmotions = n;
	return (0);
}

/*
 * The seed frame takes the motions a restore brought, by id (both lists
 * ascending). The others stand on their quantised position: that is what
 * a client of format 2 knew (a snapshot without motions), to 1/512 unit.
 */
static void
delta_tick_seed(struct delta_tick *t)
{
	struct delta_frame	*fr = &t->frames[t->cur];
	struct delta_fields	*f;
	size_t			 i, j = 0;

	for (i = 0; i < fr->n; i++) {
		f = &fr->ents[i].f;
		while (j < t->nmotions && t->motions[j].id < f->id)
			j++;
		if (j == t->nmotions || t->motions[j].id != f->id) {
			delta_fields_stand(f, f->t0);
			continue;
		}
		f->bx = t->motions[j].bx;
		f->by = t->motions[j].by;
		f->vx = t->motions[j].vx;
		f->vy = t->motions[j].vy;
		f->t0 = t->motions[j].t0;
		delta_fields_at(f, f->t0);
	}
	free(t->motions);
	t->motions = NULL;
	t->nmotions = 0;
}

/* The frame to fill with this tick's entities (delta_frame_world). */
struct delta_frame *
delta_tick_frame(struct delta_tick *t)
{
	return (&t->frames[!t->cur]);
}

/*
 * The motion of now, an entity of this tick's frame fresh from
 * delta_frame_world (placed where it is: delta_fields_place), against old, the same entity
 * in the frame before (its position there pos, dt ticks ago): old's
 * motion goes on while it shows the entity within the slack of its kind
 * (delta.h), else a new one starts, at the velocity of the last move.
 */
static void
delta_motion(struct delta_fields *now, const struct aoi_entity *at,
    const struct delta_fields *old, const struct aoi_entity *pos,
    uint64_t tick, uint64_t dt)
{
	struct delta_fields	was = *old;
	int64_t			fx, fy, fmax;
	int32_t			slack;

	slack = now->kind == DELTA_PLAYER ? DELTA_SLACK_PLAYER :
	    DELTA_SLACK_MOB;
	now->t0 = tick;
	delta_fields_at(&was, tick);
	/* Not one past the edge of x_q, where its clamp hides the drift. */
	fx = delta_motion_fine(old->bx, old->vx, old->t0, tick);
	fy = delta_motion_fine(old->by, old->vy, old->t0, tick);
	fmax = (int64_t)DELTA_QMAX * DELTA_FSCALE + DELTA_FSCALE / 2 - 1;
	if (abs(was.xq - now->xq) <= slack && abs(was.yq - now->yq) <= slack &&
	    fx <= fmax && fx >= -fmax && fy <= fmax && fy >= -fmax) {
		now->xq = was.xq;
		now->yq = was.yq;
		now->bx = old->bx;
		now->by = old->by;
		now->vx = old->vx;
		now->vy = old->vy;
		now->t0 = old->t0;
		return;
	}
	now->vx = delta_velocity(at->x - pos->x, dt);
	now->vy = delta_velocity(at->y - pos->y, dt);
}

/*
 * The slots of the current frame's entities (slots.h): slot_of, at_of,
 * and room for the bitmaps over them, cleared.
 */
static void
delta_tick_slots(struct delta_tick *t)
{
	const struct delta_frame	*now = &t->frames[t->cur];
	size_t				 i, nslots;
	uint32_t			*at;

	for (i = 0; i < now->n; i++)
		t->ids[i] = now->ents[i].f.id;
	t->renumbered = slots_assign(&t->slots, t->ids, now->n, t->slot_of);
	nslots = t->slots.n;
	if (nslots > t->atcap[t->cur]) {
		t->at_of[t->cur] = xreallocarray(t->at_of[t->cur], nslots,
		    sizeof *t->at_of[t->cur]);
		t->atcap[t->cur] = nslots;
	}
	at = t->at_of[t->cur];
	if (nslots != 0)
		memset(at, 0xff, nslots * sizeof *at);	/* DELTA_NO_INDEX */
	for (i = 0; i < now->n; i++)
		at[t->slot_of[i]] = (uint32_t)i;
	t->atgen[t->cur] = t->slots.gen;
	t->nwords = (nslots + 63) / 64;
	if (t->nwords > t->wordcap) {
		free(t->fresh);
		free(t->changed);
		t->fresh = xcalloc(t->nwords, sizeof *t->fresh);
		t->changed = xcalloc(t->nwords, sizeof *t->changed);
		t->wordcap = t->nwords;
	}
	if (t->nwords != 0) {
		memset(t->fresh, 0, t->nwords * sizeof *t->fresh);
		memset(t->changed, 0, t->nwords * sizeof *t->changed);
	}
}

/*
 * The frame delta_tick_frame gave is tick's: it becomes the current one,
 * its motions go on from the frame before, and the records against that
 * one are made. With seed, it is only the starting point (a restored
 * world): its motions are delta_tick_restore's, and no client is sent
 * its records.
 */
void
delta_tick_begin(struct delta_tick *t, uint64_t tick, int seed)
{
	struct delta_frame		*now, *was;
	const struct delta_entity	*old;
	struct delta_rec		*r;
	size_t				 i, cap, slot;
	uint32_t			 oi;
	uint8_t				*q;
	int				 k, byslot;

	t->cur = !t->cur;
	t->ticks[t->cur] = tick;
	now = &t->frames[t->cur];
	now->indexed = 0;	/* filled anew: its index is stale */
	was = &t->frames[!t->cur];
	t->have_prev = !seed && t->ticks[!t->cur] != 0 &&
	    t->ticks[!t->cur] < tick;
	if (now->n > t->reccap) {
		cap = now->n * 2;
		t->recs = xreallocarray(t->recs, cap, sizeof *t->recs);
		t->states = xrealloc(t->states, cap);
		t->slot_of = xreallocarray(t->slot_of, cap,
		    sizeof *t->slot_of);
		t->ids = xreallocarray(t->ids, cap, sizeof *t->ids);
		t->reccap = cap;
	}
	delta_tick_slots(t);
	if (seed) {
		delta_tick_seed(t);
		return;
	}
	/* The frame before by slot, if its slots are these. */
	byslot = t->atgen[!t->cur] == t->slots.gen &&
	    t->at_of[!t->cur] != NULL;
	for (i = 0; i < now->n; i++) {
		r = &t->recs[i];
		slot = t->slot_of[i];
		old = NULL;
		if (t->have_prev && byslot) {
			oi = slot < t->atcap[!t->cur] ?
			    t->at_of[!t->cur][slot] : DELTA_NO_INDEX;
			old = oi != DELTA_NO_INDEX ? &was->ents[oi] : NULL;
		} else if (t->have_prev)
			old = delta_frame_find(was, now->ents[i].f.id);
		if (old == NULL || old->f.kind != now->ents[i].f.kind ||
		    old->f.type != now->ents[i].f.type) {
			t->states[i] = DELTA_REC_NEW;
			t->fresh[slot / 64] |= (uint64_t)1 << (slot % 64);
			continue;
		}
		delta_motion(&now->ents[i].f, &now->pos[i], &old->f,
		    &was->pos[old - was->ents], tick, tick - t->ticks[!t->cur]);
		k = now->ents[i].f.kind == DELTA_PLAYER ? 0 : 1;
		t->carried[k]++;
		t->renewed[k] += now->ents[i].f.t0 == tick;
		/*
		 * The record without its key, whose gap depends on the
		 * client (delta_put_rec): a motion alone goes without its
		 * mask, as P = 1.
		 */
		q = delta_put_update_fields(r->bytes, &old->f,
		    &now->ents[i].f, tick);
		r->len = (uint8_t)(q - r->bytes);
		t->states[i] = r->len != 0 ? DELTA_REC_UPDATE : DELTA_REC_SAME;
		if (r->len != 0)
			t->changed[slot / 64] |= (uint64_t)1 << (slot % 64);
		r->p = r->len != 0 && r->bytes[0] == DELTA_F_POS;
		if (r->p)
			memmove(r->bytes, r->bytes + 1, --r->len);
	}
}

/*
 * Empties e's three lists, with room for the records of a client that
 * knew nknown entities and sees nseen (delta_put_rec writes a record's
 * room whole).
 */
static void
delta_enc_lists(struct delta_enc *e, size_t nknown, size_t nseen)
{
	e->leave.len = e->enter.len = e->update.len = 0;
	delta_buf_reserve(&e->leave, nknown * DELTA_LEAVE_MAX);
	delta_buf_reserve(&e->enter, nseen * DELTA_ENTER_MAX);
	delta_buf_reserve(&e->update, nseen * DELTA_UPDATE_MAX +
	    DELTA_REC_BYTES);
}

/*
 * Client side of a shared record: its key (id gap and P), then its bytes,
 * copied whole (out has DELTA_REC_BYTES of room past a record: see
 * delta_encode_tick) and counted by their length.
 */
static inline uint8_t *
delta_put_rec(uint8_t *p, uint32_t id, uint32_t *prev,
    const struct delta_rec *r)
{
	p = delta_put_varint(p, (uint64_t)(id - *prev) << 1 | r->p);
	*prev = id;
	memcpy(p, r->bytes, DELTA_REC_BYTES);
	return (p + r->len);
}

/*
 * Appends to out client k's message for this tick (the frame of the last
 * delta_tick_begin): ids[0..nat) are the ids of what it sees, ascending,
 * and at[0..nat) their indices in that frame (aoi_view's visible and
 * visible_at: the ids apart, so that the merge does not touch the
 * entities). Then k knows exactly those. Returns the message's length.
 */
size_t
delta_encode_tick(struct delta_tick *t, struct delta_enc *e,
    struct delta_known *k, struct delta_buf *out, uint64_t seq,
    const uint32_t *ids, const uint32_t *at, size_t nat)
{
	const struct delta_frame	*fr = &t->frames[t->cur];
	const struct delta_entity	*ent;
	const struct delta_rec		*r;
	size_t				 i = 0, j = 0, nl, ne, nu, start;
	size_t				 nleave = 0, nenter = 0, nupdate = 0;
	uint32_t			 lprev = 0, eprev = 0, uprev = 0, id;
	uint32_t			 last = 0;
	uint8_t				*pl, *pe, *pu, state;
	int				 fast;

	if (!k->ids_ok)
		delta_known_rebase(t, k);
	/* Knows the frame before: updates; else everything anew. */
	fast = t->have_prev && k->synced == t->ticks[!t->cur];
	t->resyncs += !fast && k->synced != 0;
	delta_enc_lists(e, k->n, nat);
	pl = e->leave.p;
	pe = e->enter.p;
	pu = e->update.p;
	while (i < k->n || j < nat) {
		/*
		 * The common case first, in a loop of its own: seen before
		 * and now, unchanged or with a shared record to copy.
		 */
		while (fast && i < k->n && j < nat && k->ids[i] == ids[j] &&
		    at[j] < fr->n && (j == 0 || ids[j] > last) &&
		    (state = t->states[at[j]]) != DELTA_REC_NEW) {
			if (state == DELTA_REC_UPDATE) {
				r = &t->recs[at[j]];
				pu = delta_put_rec(pu, ids[j], &uprev, r);
				nupdate++;
			}
			last = ids[j];
			i++;
			j++;
		}
		if (i == k->n && j == nat)
			break;
		if (j == nat || (i < k->n && k->ids[i] < ids[j])) {
			pl = delta_put_id(pl, k->ids[i++], &lprev);
			nleave++;
			continue;
		}
		id = ids[j];
		if (at[j] >= fr->n || (j > 0 && id <= last))
			fatalx("delta_encode_tick: entity %u (index %u of %zu) "
			    "after %u", id, at[j], fr->n, last);
		if (i < k->n && k->ids[i] == id) {
			/*
			 * Known, but not as it was (the loop above takes the
			 * rest): it leaves and enters again.
			 */
			i++;
			pl = delta_put_id(pl, id, &lprev);
			nleave++;
		}
		ent = &fr->ents[at[j]];
		if (ent->f.id != id)
			fatalx("delta_encode_tick: entity %u at %u is %u", id,
			    at[j], ent->f.id);
		pe = delta_put_enter(pe, ent, &eprev, t->ticks[t->cur]);
		nenter++;
		last = id;
		j++;
	}
	/* Now it knows what it sees. */
	delta_known_reserve(k, nat);
	if (nat != 0)
		memcpy(k->ids, ids, nat * sizeof *ids);
	k->n = nat;
	k->synced = t->ticks[t->cur];
	k->ids_ok = 1;
	delta_known_unslot(k);

	nl = (size_t)(pl - e->leave.p);
	ne = (size_t)(pe - e->enter.p);
	nu = (size_t)(pu - e->update.p);
	start = out->len;
	return (delta_assemble(e, out, t->ticks[t->cur], seq, nleave, nl,
	    nenter, ne, nupdate, nu) - start);
}

/* k's bitmap, as big as the tick's, zero beyond what it held. */
static void
delta_known_words(struct delta_known *k, size_t nwords)
{
	if (nwords <= k->nwords)
		return;
	k->bits = xreallocarray(k->bits, nwords, sizeof *k->bits);
	memset(k->bits + k->nwords, 0, (nwords - k->nwords) * sizeof *k->bits);
	k->nwords = nwords;
}

/*
 * A client that does not know the frame before by slot: its message the
 * long way (delta_encode_tick, from lists), then its bitmap is the view.
 */
static size_t
delta_encode_view_lists(struct delta_tick *t, struct delta_enc *e,
    struct delta_known *k, struct delta_buf *out, uint64_t seq,
    uint64_t *view, size_t lo, size_t hi, size_t nview)
{
	const uint32_t	*at_of = t->at_of[t->cur];
	size_t		 w, n = 0, slot, len;
	uint64_t	 x;

	if (nview > e->cap) {
		e->cap = nview * 2;
		e->ids = xreallocarray(e->ids, e->cap, sizeof *e->ids);
		e->at = xreallocarray(e->at, e->cap, sizeof *e->at);
	}
	for (w = lo; w < hi; w++) {
		for (x = view[w]; x != 0; x &= x - 1) {
			slot = w * 64 + (size_t)__builtin_ctzll(x);
			if (n == nview || at_of[slot] == DELTA_NO_INDEX)
				fatalx("delta_encode_view: slot %zu", slot);
			e->ids[n] = t->slots.id[slot];
			e->at[n++] = at_of[slot];
		}
	}
	if (n != nview)
		fatalx("delta_encode_view: %zu of %zu", n, nview);
	len = delta_encode_tick(t, e, k, out, seq, e->ids, e->at, n);
	for (w = lo; w < hi; w++) {
		k->bits[w] = view[w];
		view[w] = 0;
	}
	k->lo = lo;
	k->hi = hi;
	k->slotted = 1;
	k->gen = t->slots.gen;
	return (len);
}

/*
 * Appends to out client k's message for this tick, as delta_encode_tick
 * does, from view: a bitmap over the slots of this tick (t->nwords words,
 * non-zero only in [lo, hi)) of the nview entities the client sees,
 * which aoi_look_mask makes; view is all zero again on return. A client
 * that knows the frame before by the same slots costs a few operations a
 * word of the two bitmaps (leave = known & ~view, enter = view & ~known,
 * updates = view & known & changed, entities new to the frame leaving and
 * entering again) and a record for each of those; the bits come out in
 * slot order, which is id order. Others go the long way once.
 */
size_t
delta_encode_view(struct delta_tick *t, struct delta_enc *e,
    struct delta_known *k, struct delta_buf *out, uint64_t seq,
    uint64_t *view, size_t lo, size_t hi, size_t nview)
{
	const struct delta_frame	*fr = &t->frames[t->cur];
	const uint32_t			*at_of = t->at_of[t->cur];
	const uint32_t			*sid = t->slots.id;
	uint64_t			*kb, v, kn, f, both, x;
	size_t				 w, wlo, whi, nlo = SIZE_MAX, nhi = 0;
	size_t				 slot, nl, ne, nu, start;
	size_t				 nleave = 0, nenter = 0, nupdate = 0;
	uint32_t			 lprev = 0, eprev = 0, uprev = 0, at;
	uint64_t			 tick = t->ticks[t->cur];
	uint8_t				*pl, *pe, *pu;

	if (hi > t->nwords || lo > hi)
		fatalx("delta_encode_view: words %zu..%zu of %zu", lo, hi,
		    t->nwords);
	delta_known_words(k, t->nwords);
	if (lo == hi)
		lo = hi = 0;
	if (!t->have_prev || !k->slotted || k->gen != t->slots.gen ||
	    k->synced != t->ticks[!t->cur])
		return (delta_encode_view_lists(t, e, k, out, seq, view, lo,
		    hi, nview));

	delta_enc_lists(e, k->n, nview);
	pl = e->leave.p;
	pe = e->enter.p;
	pu = e->update.p;
	kb = k->bits;
	/* The words either bitmap may have bits in. */
	if (k->lo == k->hi) {
		wlo = lo;
		whi = hi;
	} else if (lo == hi) {
		wlo = k->lo;
		whi = k->hi;
	} else {
		wlo = k->lo < lo ? k->lo : lo;
		whi = k->hi > hi ? k->hi : hi;
	}
	for (w = wlo; w < whi; w++) {
		v = view[w];
		kn = kb[w];
		if ((v | kn) == 0)
			continue;
		f = t->fresh[w];
		both = v & kn;
		/* Known and new to the frame: it leaves and enters again. */
		for (x = (kn & ~v) | (both & f); x != 0; x &= x - 1) {
			slot = w * 64 + (size_t)__builtin_ctzll(x);
			pl = delta_put_id(pl, sid[slot], &lprev);
			nleave++;
		}
		for (x = (v & ~kn) | (both & f); x != 0; x &= x - 1) {
			slot = w * 64 + (size_t)__builtin_ctzll(x);
			if ((at = at_of[slot]) == DELTA_NO_INDEX)
				fatalx("delta_encode_view: slot %zu", slot);
			pe = delta_put_enter(pe, &fr->ents[at], &eprev, tick);
			nenter++;
		}
		for (x = both & ~f & t->changed[w]; x != 0; x &= x - 1) {
			slot = w * 64 + (size_t)__builtin_ctzll(x);
			pu = delta_put_rec(pu, sid[slot], &uprev,
			    &t->recs[at_of[slot]]);
			nupdate++;
		}
		kb[w] = v;
		view[w] = 0;
		if (v != 0) {
			nlo = w < nlo ? w : nlo;
			nhi = w + 1;
		}
	}
	k->lo = nlo == SIZE_MAX ? 0 : nlo;
	k->hi = nhi;
	k->n = nview;
	k->ids_ok = 0;
	k->synced = tick;

	nl = (size_t)(pl - e->leave.p);
	ne = (size_t)(pe - e->enter.p);
	nu = (size_t)(pu - e->update.p);
	start = out->len;
	return (delta_assemble(e, out, tick, seq, nleave, nl, nenter, ne,
	    nupdate, nu) - start);
}
