/*
 * Unit tests for snapfmt.c, the snapshot container: the byte layout,
 * round trips of every type, truncation at every offset, bad magic, newer
 * formats, unknown sections, strings past their limit.
 */
#include "config.h"

#include <check.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapfmt.h"

/* A snapshot with two sections holding one of every type. Caller frees. */
static void
write_sample_body(struct snapw *w)
{
	static const uint8_t	raw[5] = { 0, 1, 2, 0xfe, 0xff };
	float			nan = NAN;

	snapw_section_begin(w, "INTS");
	snapw_u8(w, 0);
	snapw_u8(w, 0xff);
	snapw_u16(w, 0xbeef);
	snapw_u32(w, 0xdeadbeefu);
	snapw_u64(w, 0x0123456789abcdefULL);
	snapw_i32(w, INT32_MIN);
	snapw_i32(w, -1);
	snapw_i32(w, INT32_MAX);
	snapw_i64(w, INT64_MIN);
	snapw_i64(w, -2);
	snapw_i64(w, INT64_MAX);
	snapw_section_end(w);
	snapw_section_begin(w, "MISC");
	snapw_f32(w, 1.5f);
	snapw_f32(w, -0.0f);
	snapw_f32(w, INFINITY);
	snapw_f32(w, nan);
	snapw_f32(w, 1e-45f);		/* denormal */
	snapw_str(w, "");
	snapw_str(w, "h\xc3\xa9llo");
	snapw_bytes(w, raw, sizeof raw);
	snapw_section_end(w);
	snapw_finish(w);
}

static void
write_sample(struct snapw *w)
{
	snapw_init(w);
	write_sample_body(w);
}

static uint32_t
f32_bits(float f)
{
	uint32_t	b;

	memcpy(&b, &f, sizeof b);
	return (b);
}

/*
 * Reads the sample back. Returns 0 if all of it was there and right, -1
 * if something refused it; asserts on a value that reads wrong.
 */
static int
read_sample(const uint8_t *buf, size_t len)
{
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], str[16], *cause = NULL;
	const uint8_t	*raw;
	unsigned	 version;
	int		 n, sections = 0;
	float		 nan = NAN;

	if (snapr_open(&r, buf, len, &version, &cause) != 0) {
		ck_assert_ptr_nonnull(cause);
		free(cause);
		return (-1);
	}
	ck_assert_uint_eq(version, SNAP_FORMAT);
	while ((n = snapr_next_section(&r, tag, &s)) == 1) {
		ck_assert_uint_eq(s.version, SNAP_FORMAT);
		if (strcmp(tag, "INTS") == 0) {
			ck_assert_uint_eq(snapr_u8(&s), 0);
			ck_assert_uint_eq(snapr_u8(&s), 0xff);
			ck_assert_uint_eq(snapr_u16(&s), 0xbeef);
			ck_assert_uint_eq(snapr_u32(&s), 0xdeadbeefu);
			ck_assert(snapr_u64(&s) == 0x0123456789abcdefULL);
			ck_assert_int_eq(snapr_i32(&s), INT32_MIN);
			ck_assert_int_eq(snapr_i32(&s), -1);
			ck_assert_int_eq(snapr_i32(&s), INT32_MAX);
			ck_assert(snapr_i64(&s) == INT64_MIN);
			ck_assert(snapr_i64(&s) == -2);
			ck_assert(snapr_i64(&s) == INT64_MAX);
		} else if (strcmp(tag, "MISC") == 0) {
			ck_assert_uint_eq(f32_bits(snapr_f32(&s)),
			    f32_bits(1.5f));
			ck_assert_uint_eq(f32_bits(snapr_f32(&s)),
			    f32_bits(-0.0f));
			ck_assert_uint_eq(f32_bits(snapr_f32(&s)),
			    f32_bits(INFINITY));
			ck_assert_uint_eq(f32_bits(snapr_f32(&s)),
			    f32_bits(nan));
			ck_assert_uint_eq(f32_bits(snapr_f32(&s)),
			    f32_bits(1e-45f));
			ck_assert_int_eq(snapr_str(&s, str, sizeof str), 0);
			ck_assert_str_eq(str, "");
			ck_assert_int_eq(snapr_str(&s, str, sizeof str), 0);
			ck_assert_str_eq(str, "h\xc3\xa9llo");
			raw = snapr_bytes(&s, 5);
			ck_assert_ptr_nonnull(raw);
			ck_assert_uint_eq(raw[3], 0xfe);
		} else
			ck_abort_msg("unexpected section %s", tag);
		ck_assert(snapr_ok(&s));
		ck_assert_uint_eq(snapr_left(&s), 0);
		sections++;
	}
	if (n != 0) {
		ck_assert(!snapr_ok(&r));
		return (-1);
	}
	ck_assert_int_eq(sections, 2);
	return (0);
}

START_TEST(test_layout)
{
	static const uint8_t	want[] = {
		'Z', 'S', 'N', 'P', 6, 0, 0, 0,	/* SNAP_FORMAT */
		'T', 'E', 'S', 'T', 14, 0, 0, 0,
		0x04, 0x03, 0x02, 0x01,			/* u32 */
		0x00, 0x00, 0xc0, 0x3f,			/* f32 1.5 */
		0x02, 0x00, 0x00, 0x00, 'h', 'i',	/* str */
		'Z', 'E', 'N', 'D', 8, 0, 0, 0,
		/* snap_sum of the 30 bytes above, little-endian */
		0x4c, 0x8e, 0x37, 0x7d, 0x6d, 0x3d, 0x08, 0xfe
	};
	struct snapw	w;

	/* A new format changes the header and so the checksum: update both. */
	ck_assert_int_eq(SNAP_FORMAT, 6);
	snapw_init(&w);
	snapw_section_begin(&w, "TEST");
	snapw_u32(&w, 0x01020304);
	snapw_f32(&w, 1.5f);
	snapw_str(&w, "hi");
	snapw_section_end(&w);
	snapw_finish(&w);
	ck_assert_uint_eq(w.len, sizeof want);
	ck_assert(memcmp(w.buf, want, sizeof want) == 0);
	snapw_free(&w);
	snapw_free(NULL);
}
END_TEST

/*
 * snap_sum as its comment in snapfmt.c describes it, computed apart from
 * this code (a few lines of Python): blocks of 32 bytes, tails, nothing.
 */
START_TEST(test_sum)
{
	uint8_t	buf[100];
	size_t	i;

	for (i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)i;
	ck_assert(snap_sum(buf, 100) == 0x220b40e936a269c5ULL);
	ck_assert(snap_sum(buf, 0) == 0x9e5ecd6ed90f643aULL);
	for (i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i * 7);
	ck_assert(snap_sum(buf, 64) == 0x7bb7bf4f26767990ULL);
	/* Formats 2 to 5 keep FNV-1a. */
	ck_assert(snap_checksum(5, buf, 64) == snap_fnv1a(buf, 64));
	ck_assert(snap_checksum(6, buf, 64) == snap_sum(buf, 64));
}
END_TEST

START_TEST(test_round_trip)
{
	struct snapw	w;

	write_sample(&w);
	ck_assert_int_eq(read_sample(w.buf, w.len), 0);
	snapw_free(&w);
}
END_TEST

/* Every proper prefix is refused, none crashes (ASan would tell). */
START_TEST(test_truncated)
{
	struct snapw	 w;
	uint8_t		*cut;
	size_t		 len;

	write_sample(&w);
	for (len = 0; len < w.len; len++) {
		/* An exact-size copy, so a read past it is an ASan error. */
		cut = malloc(len > 0 ? len : 1);
		memcpy(cut, w.buf, len);
		ck_assert_msg(read_sample(cut, len) == -1,
		    "prefix of %zu bytes accepted", len);
		free(cut);
	}
	snapw_free(&w);
}
END_TEST

/* A read past a section's end sets the sticky error, and so do later ones. */
START_TEST(test_sticky)
{
	struct snapw	 w;
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], *cause = NULL;

	snapw_init(&w);
	snapw_section_begin(&w, "SHRT");
	snapw_u16(&w, 7);
	snapw_u32(&w, 0xffffffff);
	snapw_section_end(&w);
	snapw_finish(&w);
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	ck_assert_str_eq(tag, "SHRT");
	ck_assert_uint_eq(snapr_left(&s), 6);
	ck_assert_uint_eq(snapr_u16(&s), 7);
	ck_assert(snapr_u64(&s) == 0);		/* 4 bytes left, not 8 */
	ck_assert(!snapr_ok(&s));
	ck_assert_int_eq(s.error, SNAPR_TRUNCATED);
	ck_assert_str_eq(snapr_strerror(&s), "truncated");
	/* The 4 bytes are there, but the reader has stopped. */
	ck_assert_uint_eq(snapr_u32(&s), 0);
	ck_assert_uint_eq(snapr_u8(&s), 0);
	ck_assert_ptr_null(snapr_bytes(&s, 0));
	ck_assert_uint_eq(snapr_left(&s), 0);
	/* The outer reader goes on. */
	ck_assert(snapr_ok(&r));
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 0);
	ck_assert_str_eq(tag, SNAP_END_TAG);
	snapw_free(&w);
}
END_TEST

START_TEST(test_bad_magic)
{
	struct snapw	 w;
	struct snapr	 r;
	char		*cause = NULL;

	write_sample(&w);
	w.buf[3] = 'Q';
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), -1);
	ck_assert_str_eq(cause, "not a zoned snapshot");
	free(cause);
	cause = NULL;
	ck_assert_int_eq(snapr_open(&r, "{\"a\":1}", 7, NULL, &cause), -1);
	ck_assert_str_eq(cause, "not a zoned snapshot");
	free(cause);
	cause = NULL;
	ck_assert_int_eq(snapr_open(&r, NULL, 0, NULL, &cause), -1);
	ck_assert_str_eq(cause, "snapshot is truncated");
	free(cause);
	snapw_free(&w);
}
END_TEST

START_TEST(test_newer_format)
{
	struct snapw	 w;
	struct snapr	 r;
	char		*cause = NULL, want[128];
	unsigned	 version = 99;

	write_sample(&w);
	w.buf[4] = SNAP_FORMAT + 1;
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, &version, &cause), -1);
	snprintf(want, sizeof want, "snapshot format %u is newer than this "
	    "zoned (%u)", SNAP_FORMAT + 1, SNAP_FORMAT);
	ck_assert_str_eq(cause, want);
	ck_assert_uint_eq(version, 99);		/* untouched */
	free(cause);
	cause = NULL;
	w.buf[4] = 0;
	w.buf[7] = 1;			/* 2^24: far in the future */
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, &version, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "is newer than this zoned"));
	free(cause);
	cause = NULL;
	w.buf[7] = 0;			/* format 0 never existed */
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, &version, &cause), -1);
	ck_assert_str_eq(cause, "snapshot format 0 is not valid");
	free(cause);
	snapw_free(&w);
}
END_TEST

/* A reader finds its section among ones it does not know, and skips them. */
START_TEST(test_unknown_sections)
{
	struct snapw	 w;
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], *cause = NULL;
	uint8_t		 junk[300];
	int		 found = 0, n;

	memset(junk, 0xa5, sizeof junk);
	snapw_init(&w);
	snapw_section_begin(&w, "FUT1");
	snapw_bytes(&w, junk, sizeof junk);
	snapw_section_end(&w);
	snapw_section_begin(&w, "EMPT");
	snapw_section_end(&w);
	snapw_section_begin(&w, "KNWN");
	snapw_u32(&w, 42);
	snapw_section_end(&w);
	snapw_section_begin(&w, "\x01\x02\x03\x04");
	snapw_u8(&w, 1);
	snapw_section_end(&w);
	snapw_finish(&w);

	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	while ((n = snapr_next_section(&r, tag, &s)) == 1) {
		if (strcmp(tag, "KNWN") != 0)
			continue;	/* skipped: not read at all */
		ck_assert_uint_eq(snapr_u32(&s), 42);
		found++;
	}
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(found, 1);
	snapw_free(&w);
}
END_TEST

/* Without the end marker (cut at a section boundary) it is truncated. */
START_TEST(test_end_marker)
{
	struct snapw	 w;
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], *cause = NULL;
	uint8_t		*big;

	write_sample(&w);
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len - 8, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), -1);
	ck_assert_int_eq(r.error, SNAPR_TRUNCATED);

	/* Bytes after the end marker: malformed. */
	big = malloc(w.len + 1);
	memcpy(big, w.buf, w.len);
	big[w.len] = 0;
	ck_assert_int_eq(read_sample(big, w.len + 1), -1);
	/* A byte changed anywhere before the end: the checksum says so. */
	w.buf[SNAP_HEADER_LEN + SNAP_SECTION_HEADER] ^= 0x10;
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	while (snapr_next_section(&r, tag, &s) == 1)
		;
	ck_assert_int_eq(r.error, SNAPR_CHECKSUM);
	ck_assert_str_eq(snapr_strerror(&r), "checksum mismatch (corrupted)");
	w.buf[SNAP_HEADER_LEN + SNAP_SECTION_HEADER] ^= 0x10;
	/* An end marker of another length: malformed. */
	w.buf[w.len - 12] = 1;
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	while (snapr_next_section(&r, tag, &s) == 1)
		;
	ck_assert_int_eq(r.error, SNAPR_INVALID);
	free(big);
	snapw_free(&w);
}
END_TEST

/* A section length past the end of the snapshot. */
START_TEST(test_section_overrun)
{
	struct snapw	 w;
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], *cause = NULL;

	write_sample(&w);
	w.buf[SNAP_HEADER_LEN + 4] = 0xff;
	w.buf[SNAP_HEADER_LEN + 7] = 0xff;
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), -1);
	ck_assert_int_eq(r.error, SNAPR_TRUNCATED);
	ck_assert_ptr_null(s.p);
	ck_assert_uint_eq(snapr_left(&s), 0);
	snapw_free(&w);
}
END_TEST

START_TEST(test_strings)
{
	struct snapw	 w;
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], *cause = NULL, buf[4], *d;

	snapw_init(&w);
	snapw_section_begin(&w, "STRS");
	snapw_str(&w, "abc");		/* fits buf[4] exactly */
	snapw_str(&w, "abcd");		/* one too many */
	snapw_section_end(&w);
	snapw_section_begin(&w, "NULS");
	snapw_u32(&w, 3);
	snapw_bytes(&w, "a\0b", 3);
	snapw_section_end(&w);
	snapw_section_begin(&w, "DUPS");
	snapw_str(&w, "four");
	snapw_str(&w, "four");
	snapw_u32(&w, 0xffffffff);	/* a length past the end */
	snapw_section_end(&w);
	snapw_finish(&w);

	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	ck_assert_int_eq(snapr_str(&s, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(snapr_str(&s, buf, sizeof buf), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(s.error, SNAPR_INVALID);
	ck_assert_str_eq(snapr_strerror(&s), "malformed");

	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	ck_assert_int_eq(snapr_str(&s, buf, sizeof buf), -1);
	ck_assert_int_eq(s.error, SNAPR_INVALID);

	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	d = snapr_strdup(&s, 4);
	ck_assert_str_eq(d, "four");
	free(d);
	ck_assert_ptr_null(snapr_strdup(&s, 3));
	ck_assert_int_eq(s.error, SNAPR_INVALID);

	/* A huge length: truncated, nothing allocated. */
	s.error = SNAPR_OK;
	ck_assert_ptr_null(snapr_strdup(&s, SIZE_MAX));
	ck_assert_int_eq(s.error, SNAPR_TRUNCATED);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 0);
	snapw_free(&w);
}
END_TEST

/* A big section: the buffer grows, the length is patched right. */
START_TEST(test_large)
{
	struct snapw	 w;
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], *cause = NULL;
	uint32_t	 i;

	snapw_init(&w);
	snapw_section_begin(&w, "BIGG");
	for (i = 0; i < 100000; i++)
		snapw_u32(&w, i * 2654435761u);
	snapw_section_end(&w);
	snapw_finish(&w);
	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	ck_assert_uint_eq(s.len, 400000);
	for (i = 0; i < 100000; i++)
		ck_assert_uint_eq(snapr_u32(&s), i * 2654435761u);
	ck_assert(snapr_ok(&s));
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 0);
	snapw_free(&w);
}
END_TEST

/* ---- snapw_init_buffer: a snapshot in the caller's memory ---- */

#define GUARD		64	/* bytes past the caller's buffer, watched */
#define GUARD_BYTE	0xa5

/* The sample as snapw_init writes it; caller frees. */
static uint8_t *
sample_bytes(size_t *len)
{
	struct snapw	 w;
	uint8_t		*p;

	write_sample(&w);
	p = malloc(w.len);
	ck_assert_ptr_nonnull(p);
	memcpy(p, w.buf, w.len);
	*len = w.len;
	snapw_free(&w);
	return (p);
}

static void
assert_guard(const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		ck_assert_msg(p[i] == GUARD_BYTE, "byte %zu past the caller's "
		    "buffer written", i);
}

/*
 * A snapshot that fits stays in the caller's buffer, byte for byte what
 * snapw_init writes, and snapw_free leaves the buffer alone (it is on the
 * stack: freeing it would abort, or ASan would report it).
 */
START_TEST(test_init_buffer_fits)
{
	struct snapw	 w;
	uint8_t		 mem[4096 + GUARD], *want;
	size_t		 want_len, cap = 4096;

	want = sample_bytes(&want_len);
	ck_assert_uint_lt(want_len, cap);
	memset(mem, GUARD_BYTE, sizeof mem);

	snapw_init_buffer(&w, mem, cap);
	ck_assert_ptr_eq(w.buf, mem);
	ck_assert_int_eq(w.borrowed, 1);
	ck_assert_uint_eq(w.cap, cap);
	ck_assert_uint_eq(w.len, SNAP_HEADER_LEN);
	ck_assert(memcmp(mem, want, SNAP_HEADER_LEN) == 0);
	write_sample_body(&w);
	ck_assert_ptr_eq(w.buf, mem);
	ck_assert_int_eq(w.borrowed, 1);
	ck_assert_uint_eq(w.cap, cap);
	ck_assert_uint_eq(w.len, want_len);
	ck_assert(memcmp(mem, want, want_len) == 0);
	ck_assert_int_eq(read_sample(mem, w.len), 0);
	/* Nothing past what was written, nor past the buffer. */
	assert_guard(mem + want_len, sizeof mem - want_len);

	snapw_free(&w);
	ck_assert_ptr_null(w.buf);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(w.borrowed, 0);
	/* Still the caller's, still the snapshot. */
	ck_assert(memcmp(mem, want, want_len) == 0);
	ck_assert_int_eq(read_sample(mem, want_len), 0);
	free(want);
}
END_TEST

/*
 * The exact size fits; a byte less and the snapshot moves to a buffer of
 * its own at the last write, keeping the bytes written before.
 */
START_TEST(test_init_buffer_exact)
{
	static uint8_t	 mem[1024 + GUARD];
	struct snapw	 w;
	uint8_t		*want;
	size_t		 want_len;

	want = sample_bytes(&want_len);
	ck_assert_uint_le(want_len + GUARD, sizeof mem);

	memset(mem, GUARD_BYTE, sizeof mem);
	snapw_init_buffer(&w, mem, want_len);
	write_sample_body(&w);
	ck_assert_ptr_eq(w.buf, mem);
	ck_assert_int_eq(w.borrowed, 1);
	ck_assert_uint_eq(w.len, want_len);
	ck_assert(memcmp(mem, want, want_len) == 0);
	assert_guard(mem + want_len, GUARD);
	snapw_free(&w);

	memset(mem, GUARD_BYTE, sizeof mem);
	snapw_init_buffer(&w, mem, want_len - 1);
	write_sample_body(&w);
	ck_assert_ptr_ne(w.buf, mem);
	ck_assert_int_eq(w.borrowed, 0);
	ck_assert_uint_ge(w.cap, w.len);
	ck_assert_uint_eq(w.len, want_len);
	ck_assert(memcmp(w.buf, want, want_len) == 0);
	ck_assert_int_eq(read_sample(w.buf, w.len), 0);
	/*
	 * The checksum (8 bytes) was the write that did not fit: it went
	 * to the heap, and nothing went past what fitted in mem.
	 */
	assert_guard(mem + want_len - 8, GUARD + 7);
	snapw_free(&w);
	/* The caller's buffer kept what was written into it. */
	ck_assert(memcmp(mem, want, want_len - 8) == 0);
	free(want);
}
END_TEST

/*
 * A snapshot far bigger than the caller's buffer: written there until it
 * no longer fits, then in the heap; the result is what snapw_init writes.
 */
START_TEST(test_init_buffer_outgrown)
{
	struct snapw	 w, ref;
	struct snapr	 r, s;
	char		 tag[SNAP_TAG_LEN + 1], *cause = NULL;
	uint8_t		 mem[100 + GUARD], before[100];
	size_t		 cap = 100, moved_at = 0;
	uint32_t	 i;

	memset(mem, GUARD_BYTE, sizeof mem);
	snapw_init(&ref);
	snapw_init_buffer(&w, mem, cap);
	snapw_section_begin(&ref, "BIGG");
	snapw_section_begin(&w, "BIGG");
	for (i = 0; i < 50000; i++) {
		snapw_u32(&ref, i * 2654435761u);
		snapw_u32(&w, i * 2654435761u);
		if (moved_at == 0 && w.buf != mem) {
			/* The first write that did not fit. */
			moved_at = w.len;
			ck_assert_uint_gt(moved_at, cap);
			ck_assert_uint_le(moved_at - 4, cap);
			ck_assert_int_eq(w.borrowed, 0);
			ck_assert_uint_ge(w.cap, w.len);
			ck_assert(memcmp(w.buf, ref.buf, w.len) == 0);
			ck_assert(memcmp(mem, ref.buf, moved_at - 4) == 0);
			memcpy(before, mem, cap);
		} else if (moved_at == 0) {
			ck_assert_int_eq(w.borrowed, 1);
			ck_assert_uint_le(w.len, cap);
		}
	}
	snapw_section_end(&ref);
	snapw_section_end(&w);
	snapw_finish(&ref);
	snapw_finish(&w);
	ck_assert_uint_ne(moved_at, 0);
	ck_assert_ptr_ne(w.buf, mem);
	ck_assert_int_eq(w.borrowed, 0);
	ck_assert_uint_eq(w.len, ref.len);
	ck_assert(memcmp(w.buf, ref.buf, ref.len) == 0);
	/* Once moved, the caller's buffer is not written again. */
	ck_assert(memcmp(mem, before, cap) == 0);
	assert_guard(mem + cap, GUARD);

	ck_assert_int_eq(snapr_open(&r, w.buf, w.len, NULL, &cause), 0);
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 1);
	ck_assert_str_eq(tag, "BIGG");
	ck_assert_uint_eq(s.len, 200000);
	for (i = 0; i < 50000; i++)
		ck_assert_uint_eq(snapr_u32(&s), i * 2654435761u);
	ck_assert(snapr_ok(&s));
	ck_assert_int_eq(snapr_next_section(&r, tag, &s), 0);
	ck_assert(snapr_ok(&r));
	snapw_free(&w);		/* frees the heap copy, not mem */
	ck_assert_ptr_null(w.buf);
	snapw_free(&ref);

	/* A buffer too small for the header: it moves at once. */
	memset(mem, GUARD_BYTE, sizeof mem);
	snapw_init_buffer(&w, mem, 6);
	ck_assert_ptr_ne(w.buf, mem);
	ck_assert_int_eq(w.borrowed, 0);
	ck_assert_uint_eq(w.len, SNAP_HEADER_LEN);
	ck_assert(memcmp(mem, SNAP_MAGIC, SNAP_TAG_LEN) == 0);
	assert_guard(mem + 6, GUARD);
	write_sample_body(&w);
	ck_assert_int_eq(read_sample(w.buf, w.len), 0);
	snapw_free(&w);
}
END_TEST

static Suite *
snapfmt_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("snapfmt");
	tc = tcase_create("core");
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_sum);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_sticky);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_newer_format);
	tcase_add_test(tc, test_unknown_sections);
	tcase_add_test(tc, test_end_marker);
	tcase_add_test(tc, test_section_overrun);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_init_buffer_fits);
	tcase_add_test(tc, test_init_buffer_exact);
	tcase_add_test(tc, test_init_buffer_outgrown);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(snapfmt_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
