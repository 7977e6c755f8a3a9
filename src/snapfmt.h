/*
 * The snapshot container: what a live migration sends from the old zoned
 * to the new one. Pure: bytes in, bytes out.
 *
 *	"ZSNP"			magic, 4 bytes
 *	u32 format		SNAP_FORMAT of the writer
 *	section ...		each: 4-byte tag, u32 length, length bytes
 *	"ZEND" u32 8 u64	end marker and checksum of every byte
 *				before "ZEND": snap_sum (snapfmt.c) from
 *				format 6, FNV-1a-64 in formats 2 to 5
 *				(format 1: "ZEND" u32 0, no checksum); a
 *				snapshot cut at a section boundary is still
 *				refused as truncated
 *
 * All integers are little-endian; a float is its IEEE-754 bits as a u32;
 * a string is a u32 length and that many bytes (no NUL). Every subsystem
 * writes and reads its own tagged section; a reader skips tags it does
 * not know, so what later issues add migrates too. A reader reads every
 * format up to its own SNAP_FORMAT (a section reader carries the
 * snapshot's format, for the section to branch on) and refuses newer ones.
 */
#ifndef SNAPFMT_H
#define SNAPFMT_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_MAGIC		"ZSNP"
#define SNAP_END_TAG		"ZEND"
#define SNAP_TAG_LEN		4
#define SNAP_HEADER_LEN		8	/* magic and format */
#define SNAP_SECTION_HEADER	8	/* tag and length */

/*
 * The snapshot format. Bump on change of the container or of any
 * section's layout, keep a fixture of the released format in
 * tests/fixtures/snapshot-vN.bin and keep reading it.
 *	1: container; "WRLD" (snapworld.h)
 *	2: checksum in the end marker; "INST" (snapshot.c), "PEND"
 *	   (pending.c), "WBCK" (writeback.c), "SESS" (session.c)
 *	3: "HAND" (handoff.c): hand-overs to neighbours under way
 *	4: "SESS": each session's delta table (what its client was sent)
 *	5: "SESS": a delta table is the ids it holds (its fields the
 *	   world's, if current)
 *	6: the end marker's checksum is snap_sum, 8 bytes at a time
 */
#define SNAP_FORMAT		6

/* A snapshot being written; the bytes are buf[0..len). */
struct snapw {
	uint8_t		*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 section;	/* offset of the open section, or 0 */
	int		 finished;
	int		 borrowed;	/* buf is the caller's, not ours */
};

uint64_t snap_fnv1a(const void *, size_t);
uint64_t snap_sum(const void *, size_t);
uint64_t snap_checksum(unsigned, const void *, size_t);
void	 snapw_init(struct snapw *);
void	 snapw_init_reserve(struct snapw *, size_t);
void	 snapw_init_buffer(struct snapw *, void *, size_t);
void	 snapw_free(struct snapw *);
void	 snapw_section_begin(struct snapw *, const char *);
void	 snapw_section_end(struct snapw *);
void	 snapw_finish(struct snapw *);
void	 snapw_u8(struct snapw *, uint8_t);
void	 snapw_u16(struct snapw *, uint16_t);
void	 snapw_u32(struct snapw *, uint32_t);
void	 snapw_u64(struct snapw *, uint64_t);
void	 snapw_i32(struct snapw *, int32_t);
void	 snapw_i64(struct snapw *, int64_t);
void	 snapw_f32(struct snapw *, float);
void	 snapw_str(struct snapw *, const char *);
void	 snapw_bytes(struct snapw *, const void *, size_t);
void	 snapw_blob(struct snapw *, const void *, size_t);

/* Why a reader stopped (sticky: every later read returns 0). */
enum snapr_error {
	SNAPR_OK = 0,
	SNAPR_TRUNCATED,	/* a read went past the end */
	SNAPR_INVALID,		/* a string too long or holding a NUL */
	SNAPR_CHECKSUM		/* the bytes are not what was written */
};

/*
 * A bounds-checked reader over p[0..len), which it does not own. Getters
 * past the end set error and return 0; check snapr_ok() after a batch.
 */
struct snapr {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	unsigned	 version;	/* format of the whole snapshot */
	int		 error;		/* enum snapr_error */
};

int		 snapr_open(struct snapr *, const void *, size_t, unsigned *,
		     char **);
int		 snapr_next_section(struct snapr *, char [SNAP_TAG_LEN + 1],
		     struct snapr *);
int		 snapr_ok(const struct snapr *);
size_t		 snapr_left(const struct snapr *);
const uint8_t	*snapr_peek(const struct snapr *);
const char	*snapr_strerror(const struct snapr *);
uint8_t		 snapr_u8(struct snapr *);
uint16_t	 snapr_u16(struct snapr *);
uint32_t	 snapr_u32(struct snapr *);
uint64_t	 snapr_u64(struct snapr *);
int32_t		 snapr_i32(struct snapr *);
int64_t		 snapr_i64(struct snapr *);
float		 snapr_f32(struct snapr *);
int		 snapr_str(struct snapr *, char *, size_t);
char		*snapr_strdup(struct snapr *, size_t);
const void	*snapr_bytes(struct snapr *, size_t);
const void	*snapr_blob(struct snapr *, size_t, size_t *);

#endif
