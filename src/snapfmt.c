/* The snapshot container (snapfmt.h). Pure; never aborts on input. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "log.h"
#include "snapfmt.h"
#include "xmalloc.h"

/* FNV-1a, 64 bits: catches corruption, not tampering. */
uint64_t
snap_fnv1a(const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/*
 * From format 6, a checksum that reads 8 bytes at a time in four
 * independent lanes (FNV-1a takes a multiply per byte: 3 ms of a 1 MB
 * snapshot, twice per migration, all of it in the pause). Each 32-byte
 * block feeds one little-endian u64 to each lane:
 *	lane = rotl64(lane + word * SNAP_SUM_P2, 31) * SNAP_SUM_P1;
 * the lanes start at len, P1, P2 and ~len; then
 *	h = rotl64(l0, 1) + rotl64(l1, 7) + rotl64(l2, 12) + rotl64(l3, 18)
 * and each byte of the tail (len % 32) as FNV-1a: h = (h ^ b) * FNV_P;
 * finally h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P1; h ^= h >> 32.
 * Catches corruption, not tampering.
 */
#define SNAP_SUM_P1	0x9e3779b185ebca87ULL
#define SNAP_SUM_P2	0xc2b2ae3d27d4eb4fULL
#define SNAP_FNV_P	0x100000001b3ULL

static uint64_t
rotl64(uint64_t x, int r)
{
	return ((x << r) | (x >> (64 - r)));
}

static uint64_t
get_le64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

uint64_t
snap_sum(const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint64_t	 l[4], h;
	size_t		 i;
	int		 k;

	l[0] = (uint64_t)len;
	l[1] = SNAP_SUM_P1;
	l[2] = SNAP_SUM_P2;
	l[3] = ~(uint64_t)len;
	for (i = 0; i + 32 <= len; i += 32) {
		for (k = 0; k < 4; k++)
			l[k] = rotl64(l[k] + get_le64(p + i + 8 * k) *
			    SNAP_SUM_P2, 31) * SNAP_SUM_P1;
	}
	h = rotl64(l[0], 1) + rotl64(l[1], 7) + rotl64(l[2], 12) +
	    rotl64(l[3], 18);
	for (; i < len; i++)
		h = (h ^ p[i]) * SNAP_FNV_P;
	h ^= h >> 33;
	h *= SNAP_SUM_P2;
	h ^= h >> 29;
	h *= SNAP_SUM_P1;
	h ^= h >> 32;
	return (h);
}

/* The checksum a snapshot of this format ends with. */
uint64_t
snap_checksum(unsigned format, const void *buf, size_t len)
{
	return (format >= 6 ? snap_sum(buf, len) : snap_fnv1a(buf, len));
}

/* Makes room for n more bytes. */
static uint8_t *
snapw_grow(struct snapw *w, size_t n)
{
	uint8_t	*p;

	if (w->finished)
		fatalx("snapw: write after snapw_finish");
	if (n > SIZE_MAX - w->len)
		fatalx("snapw: snapshot too large");
	if (w->len + n > w->cap) {
		while (w->len + n > w->cap)
			w->cap = w->cap < 256 ? 256 : w->cap * 2;
		if (w->borrowed) {
			/* Outgrown: on in a buffer of our own. */
			p = xmalloc(w->cap);
			memcpy(p, w->buf, w->len);
			w->buf = p;
			w->borrowed = 0;
		} else
			w->buf = xrealloc(w->buf, w->cap);
	}
	p = w->buf + w->len;
	w->len += n;
	return (p);
}

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Starts a snapshot: the header. Free with snapw_free. */
void
snapw_init(struct snapw *w)
{
	snapw_init_reserve(w, 0);
}

/*
 * Starts a snapshot in a buffer of cap bytes whose pages are mapped in
 * already: a migration prepares it before its pause, so that writing
 * the snapshot does not fault in a page every 4 KiB.
 */
void
snapw_init_reserve(struct snapw *w, size_t cap)
{
	memset(w, 0, sizeof *w);
	if (cap > 0) {
		w->buf = xmalloc(cap);
		w->cap = cap;
		heap_populate(w->buf, cap);
	}
	memcpy(snapw_grow(w, SNAP_TAG_LEN), SNAP_MAGIC, SNAP_TAG_LEN);
	snapw_u32(w, SNAP_FORMAT);
}

/*
 * Starts a snapshot in the caller's buffer buf of cap bytes (a migration
 * writes into memory the replacement reads). A snapshot that outgrows it
 * goes on in a buffer of its own: buf is never freed, and holds the
 * snapshot only while w->buf is still buf.
 */
void
snapw_init_buffer(struct snapw *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = cap;
	w->borrowed = 1;
	memcpy(snapw_grow(w, SNAP_TAG_LEN), SNAP_MAGIC, SNAP_TAG_LEN);
	snapw_u32(w, SNAP_FORMAT);
}

void
snapw_free(struct snapw *w)
{
	if (w == NULL)
		return;
	if (!w->borrowed)
		free(w->buf);
	memset(w, 0, sizeof *w);
}

/* Opens a section; tag is 4 bytes. Sections do not nest. */
void
snapw_section_begin(struct snapw *w, const char *tag)
{
	if (w->section != 0)
		fatalx("snapw: section %.4s opened inside another",
		    tag);
	if (memcmp(tag, SNAP_END_TAG, SNAP_TAG_LEN) == 0)
		fatalx("snapw: %.4s is reserved", tag);
	w->section = w->len;
	memcpy(snapw_grow(w, SNAP_TAG_LEN), tag, SNAP_TAG_LEN);
	snapw_u32(w, 0);		/* patched by snapw_section_end */
}

/* Closes the open section: patches its length. */
void
snapw_section_end(struct snapw *w)
{
	size_t	n;

	if (w->section == 0)
		fatalx("snapw: no open section");
	n = w->len - w->section - SNAP_SECTION_HEADER;
	if (n > UINT32_MAX)
		fatalx("snapw: section %.4s is too large",
		    (const char *)w->buf + w->section);
	put_le(w->buf + w->section + SNAP_TAG_LEN, n, 4);
	w->section = 0;
}

/* Ends the snapshot with the end marker; buf[0..len) is then complete. */
void
snapw_finish(struct snapw *w)
{
	uint64_t	sum;

	if (w->section != 0)
		fatalx("snapw: section left open");
	sum = snap_checksum(SNAP_FORMAT, w->buf, w->len);
	memcpy(snapw_grow(w, SNAP_TAG_LEN), SNAP_END_TAG, SNAP_TAG_LEN);
	snapw_u32(w, 8);
	snapw_u64(w, sum);
	w->finished = 1;
}

void
snapw_u8(struct snapw *w, uint8_t v)
{
	*snapw_grow(w, 1) = v;
}

void
snapw_u16(struct snapw *w, uint16_t v)
{
	put_le(snapw_grow(w, 2), v, 2);
}

void
snapw_u32(struct snapw *w, uint32_t v)
{
	put_le(snapw_grow(w, 4), v, 4);
}

void
snapw_u64(struct snapw *w, uint64_t v)
{
	put_le(snapw_grow(w, 8), v, 8);
}

void
snapw_i32(struct snapw *w, int32_t v)
{
	snapw_u32(w, (uint32_t)v);
}

void
snapw_i64(struct snapw *w, int64_t v)
{
	snapw_u64(w, (uint64_t)v);
}

/* The IEEE-754 bits, so every value (NaN payloads too) comes back. */
void
snapw_f32(struct snapw *w, float v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof bits);
	snapw_u32(w, bits);
}

/* A u32 length and the bytes, without the NUL. */
void
snapw_str(struct snapw *w, const char *s)
{
	size_t	n = strlen(s);

	if (n > UINT32_MAX)
		fatalx("snapw: string too long");
	snapw_u32(w, (uint32_t)n);
	snapw_bytes(w, s, n);
}

/* Raw bytes, no length: the reader must know how many. */
void
snapw_bytes(struct snapw *w, const void *p, size_t n)
{
	if (n != 0)
		memcpy(snapw_grow(w, n), p, n);
}

/* Bytes of any value, with their length first (a u32). */
void
snapw_blob(struct snapw *w, const void *p, size_t n)
{
	if (n > UINT32_MAX)
		fatalx("snapw: blob too large");
	snapw_u32(w, (uint32_t)n);
	snapw_bytes(w, p, n);
}

/*
 * Opens a snapshot: checks the magic and that the format is one this
 * zoned reads, and leaves r at the first section. The buffer must outlive
 * r. Returns -1 with a cause (caller frees) otherwise.
 */
int
snapr_open(struct snapr *r, const void *buf, size_t len, unsigned *version,
    char **cause)
{
	const uint8_t	*p = buf;
	uint32_t	 v;

	memset(r, 0, sizeof *r);
	r->p = p;
	r->len = len;
	if (len < SNAP_TAG_LEN || memcmp(p, SNAP_MAGIC, SNAP_TAG_LEN) != 0) {
		if (len < SNAP_TAG_LEN &&
		    (len == 0 || memcmp(p, SNAP_MAGIC, len) == 0))
			xasprintf(cause, "snapshot is truncated");
		else
			xasprintf(cause, "not a zoned snapshot");
		r->error = SNAPR_INVALID;
		return (-1);
	}
	r->off = SNAP_TAG_LEN;
	v = snapr_u32(r);
	if (!snapr_ok(r)) {
		xasprintf(cause, "snapshot is truncated");
		return (-1);
	}
	if (v > SNAP_FORMAT) {
		xasprintf(cause, "snapshot format %u is newer than this zoned "
		    "(%u)", v, SNAP_FORMAT);
		r->error = SNAPR_INVALID;
		return (-1);
	}
	if (v == 0) {
		xasprintf(cause, "snapshot format 0 is not valid");
		r->error = SNAPR_INVALID;
		return (-1);
	}
	r->version = v;
	if (version != NULL)
		*version = v;
	return (0);
}

/*
 * The next section: its tag (NUL-terminated) and a reader over its
 * payload alone, which carries the snapshot's format. Returns 1 for a
 * section, 0 at the end marker (which must end the buffer), -1 if the
 * snapshot is truncated or malformed (snapr_strerror says which).
 */
int
snapr_next_section(struct snapr *r, char tag[SNAP_TAG_LEN + 1],
    struct snapr *section)
{
	const uint8_t	*t;
	uint32_t	 n;
	uint64_t	 sum;
	size_t		 end;

	memset(section, 0, sizeof *section);
	tag[0] = '\0';
	if ((t = snapr_bytes(r, SNAP_TAG_LEN)) == NULL)
		return (-1);
	n = snapr_u32(r);
	if (!snapr_ok(r))
		return (-1);
	memcpy(tag, t, SNAP_TAG_LEN);
	tag[SNAP_TAG_LEN] = '\0';
	if (memcmp(t, SNAP_END_TAG, SNAP_TAG_LEN) == 0) {
		/* Format 1 ends bare; later ones with a checksum. */
		end = r->off - SNAP_SECTION_HEADER;
		if (n != (r->version == 1 ? 0U : 8U)) {
			r->error = SNAPR_INVALID;
			return (-1);
		}
		if (n == 8) {
			sum = snapr_u64(r);
			if (!snapr_ok(r))
				return (-1);
			if (sum != snap_checksum(r->version, r->p, end)) {
				r->error = SNAPR_CHECKSUM;
				return (-1);
			}
		}
		if (r->off != r->len) {
			r->error = SNAPR_INVALID;
			return (-1);
		}
		return (0);
	}
	if ((t = snapr_bytes(r, n)) == NULL)
		return (-1);
	section->p = t;
	section->len = n;
	section->version = r->version;
	return (1);
}

int
snapr_ok(const struct snapr *r)
{
	return (r->error == SNAPR_OK);
}

/* Bytes not read yet (0 after an error). */
size_t
snapr_left(const struct snapr *r)
{
	if (r->error != SNAPR_OK)
		return (0);
	return (r->len - r->off);
}

/*
 * The bytes left, to parse in bulk (snapr_left of them; then consume
 * what was used with snapr_bytes).
 */
const uint8_t *
snapr_peek(const struct snapr *r)
{
	return (r->p + r->off);
}

const char *
snapr_strerror(const struct snapr *r)
{
	switch (r->error) {
	case SNAPR_OK:
		return ("not broken");
	case SNAPR_TRUNCATED:
		return ("truncated");
	case SNAPR_CHECKSUM:
		return ("checksum mismatch (corrupted)");
	default:
		return ("malformed");
	}
}

/* n bytes in place, or NULL (and the sticky error) if there are fewer. */
const void *
snapr_bytes(struct snapr *r, size_t n)
{
	const uint8_t	*p;

	if (r->error != SNAPR_OK)
		return (NULL);
	if (n > r->len - r->off) {
		r->error = SNAPR_TRUNCATED;
		return (NULL);
	}
	p = r->p + r->off;
	r->off += n;
	return (p);
}

static uint64_t
get_le(struct snapr *r, size_t n)
{
	const uint8_t	*p;
	uint64_t	 v = 0;
	size_t		 i;

	if ((p = snapr_bytes(r, n)) == NULL)
		return (0);
	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return (v);
}

uint8_t
snapr_u8(struct snapr *r)
{
	return ((uint8_t)get_le(r, 1));
}

uint16_t
snapr_u16(struct snapr *r)
{
	return ((uint16_t)get_le(r, 2));
}

uint32_t
snapr_u32(struct snapr *r)
{
	return ((uint32_t)get_le(r, 4));
}

uint64_t
snapr_u64(struct snapr *r)
{
	return (get_le(r, 8));
}

/* Two's complement back to signed without implementation-defined casts. */
int32_t
snapr_i32(struct snapr *r)
{
	uint32_t	v = snapr_u32(r);

	if (v <= INT32_MAX)
		return ((int32_t)v);
	return ((int32_t)(v - (uint32_t)INT32_MAX - 1) + INT32_MIN);
}

int64_t
snapr_i64(struct snapr *r)
{
	uint64_t	v = snapr_u64(r);

	if (v <= INT64_MAX)
		return ((int64_t)v);
	return ((int64_t)(v - (uint64_t)INT64_MAX - 1) + INT64_MIN);
}

float
snapr_f32(struct snapr *r)
{
	uint32_t	bits = snapr_u32(r);
	float		v;

	memcpy(&v, &bits, sizeof v);
	return (v);
}

/*
 * A string into dst[size], NUL-terminated: refused (SNAPR_INVALID) if it
 * needs more than size - 1 bytes or holds a NUL. Returns 0 or -1; on -1
 * dst is the empty string.
 */
int
snapr_str(struct snapr *r, char *dst, size_t size)
{
	const uint8_t	*p;
	uint32_t	 n;

	if (size > 0)
		dst[0] = '\0';
	n = snapr_u32(r);
	if (!snapr_ok(r))
		return (-1);
	if (size == 0 || n > size - 1) {
		r->error = SNAPR_INVALID;
		return (-1);
	}
	if ((p = snapr_bytes(r, n)) == NULL)
		return (-1);
	if (n != 0 && memchr(p, '\0', n) != NULL) {
		r->error = SNAPR_INVALID;
		return (-1);
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
	return (0);
}

/*
 * A string of at most max bytes, allocated. Caller frees. NULL (and the
 * sticky error) if it is longer, holds a NUL or is cut short.
 */
char *
snapr_strdup(struct snapr *r, size_t max)
{
	const uint8_t	*p;
	uint32_t	 n;

	n = snapr_u32(r);
	if (!snapr_ok(r))
		return (NULL);
	if (n > max) {
		r->error = SNAPR_INVALID;
		return (NULL);
	}
	if ((p = snapr_bytes(r, n)) == NULL)
		return (NULL);
	if (n != 0 && memchr(p, '\0', n) != NULL) {
		r->error = SNAPR_INVALID;
		return (NULL);
	}
	return (xstrndup((const char *)p, n));
}

/*
 * Bytes written by snapw_blob, in place, at most max of them: *n gets the
 * length. NULL (and the sticky error) if longer or cut short; an empty
 * blob is a valid pointer with *n 0.
 */
const void *
snapr_blob(struct snapr *r, size_t max, size_t *n)
{
	uint32_t	len;

	*n = 0;
	len = snapr_u32(r);
	if (!snapr_ok(r))
		return (NULL);
	if (len > max) {
		r->error = SNAPR_INVALID;
		return (NULL);
	}
	*n = len;
	return (snapr_bytes(r, len));
}
