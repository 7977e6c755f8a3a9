/*
 * Unit tests for sio.c, the Socket.IO v5 packet header codec. Golden vectors
 * are the "Packet encoding" tables of socketio/socket.io-protocol (v5).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sio.h"

#define PH(n)	"{\"_placeholder\":true,\"num\":" #n "}"

struct golden {
	const char	*in;
	enum sio_type	 type;
	unsigned	 attachments;
	const char	*nsp;
	int64_t		 ack_id;
	const char	*data;
};

/* Every example of the protocol document, plus a few from this brief. */
static const struct golden goldens[] = {
	/* connection to a namespace */
	{ "0", SIO_CONNECT, 0, "/", -1, "" },
	{ "0{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}", SIO_CONNECT, 0, "/", -1,
	    "{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}" },
	{ "0/admin,", SIO_CONNECT, 0, "/admin", -1, "" },
	{ "0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}", SIO_CONNECT, 0,
	    "/admin", -1, "{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}" },
	{ "0{\"token\":\"123\"}", SIO_CONNECT, 0, "/", -1,
	    "{\"token\":\"123\"}" },
	{ "0/admin,{\"token\":\"123\"}", SIO_CONNECT, 0, "/admin", -1,
	    "{\"token\":\"123\"}" },
	{ "4{\"message\":\"Not authorized\"}", SIO_CONNECT_ERROR, 0, "/", -1,
	    "{\"message\":\"Not authorized\"}" },
	/* sending and receiving data */
	{ "2[\"foo\"]", SIO_EVENT, 0, "/", -1, "[\"foo\"]" },
	{ "2/admin,[\"bar\"]", SIO_EVENT, 0, "/admin", -1, "[\"bar\"]" },
	{ "51-[\"baz\"," PH(0) "]", SIO_BINARY_EVENT, 1, "/", -1,
	    "[\"baz\"," PH(0) "]" },
	{ "52-/admin,[\"baz\"," PH(0) "," PH(1) "]", SIO_BINARY_EVENT, 2,
	    "/admin", -1, "[\"baz\"," PH(0) "," PH(1) "]" },
	{ "2[\"hey\",\"Jude\"]", SIO_EVENT, 0, "/", -1,
	    "[\"hey\",\"Jude\"]" },
	/* acknowledgement */
	{ "212[\"foo\"]", SIO_EVENT, 0, "/", 12, "[\"foo\"]" },
	{ "312[]", SIO_ACK, 0, "/", 12, "[]" },
	{ "2/admin,13[\"foo\"]", SIO_EVENT, 0, "/admin", 13, "[\"foo\"]" },
	{ "3/admin,13[\"bar\"]", SIO_ACK, 0, "/admin", 13, "[\"bar\"]" },
	{ "51-14[\"foo\"," PH(0) "]", SIO_BINARY_EVENT, 1, "/", 14,
	    "[\"foo\"," PH(0) "]" },
	{ "314[\"bar\"]", SIO_ACK, 0, "/", 14, "[\"bar\"]" },
	{ "215[\"foo\"]", SIO_EVENT, 0, "/", 15, "[\"foo\"]" },
	{ "61-15[\"bar\"," PH(0) "]", SIO_BINARY_ACK, 1, "/", 15,
	    "[\"bar\"," PH(0) "]" },
	{ "61-/admin,15[\"bar\"," PH(0) "]", SIO_BINARY_ACK, 1, "/admin", 15,
	    "[\"bar\"," PH(0) "]" },
	/* disconnection from a namespace */
	{ "1", SIO_DISCONNECT, 0, "/", -1, "" },
	{ "1/admin,", SIO_DISCONNECT, 0, "/admin", -1, "" },
	/* limits that are still accepted */
	{ "20[\"a\"]", SIO_EVENT, 0, "/", 0, "[\"a\"]" },
	{ "24294967295[\"a\"]", SIO_EVENT, 0, "/", 4294967295LL, "[\"a\"]" },
	{ "510-[" PH(0) "]", SIO_BINARY_EVENT, 10, "/", -1, "[" PH(0) "]" },
	{ "2/a/b,7[\"x\",{\"y\":1}]", SIO_EVENT, 0, "/a/b", 7,
	    "[\"x\",{\"y\":1}]" },
};
#define NGOLDENS	(sizeof goldens / sizeof goldens[0])

/* Decodes from an exactly sized heap copy, so ASan sees any overread. */
static int
decode_copy(const char *s, size_t len, struct sio_packet *p, char **copy,
    const char **cause)
{
	*copy = malloc(len == 0 ? 1 : len);
	ck_assert_ptr_nonnull(*copy);
	memcpy(*copy, s, len);
	return (sio_decode(*copy, len, p, cause));
}

static void
refused(const char *s, size_t len)
{
	struct sio_packet	 p;
	const char		*cause = NULL;
	char			*copy;
	int			 rc;

	rc = decode_copy(s, len, &p, &copy, &cause);
	free(copy);
	ck_assert_msg(rc == -1, "accepted \"%.*s\"", (int)len, s);
	ck_assert_ptr_nonnull(cause);
	ck_assert_uint_gt(strlen(cause), 0);
}
#define REFUSED(lit)	refused(lit, sizeof(lit) - 1)

START_TEST(test_golden_decode)
{
	const struct golden	*g = &goldens[_i];
	struct sio_packet	 p;
	const char		*cause = NULL;
	char			*copy;
	size_t			 len = strlen(g->in);

	ck_assert_int_eq(decode_copy(g->in, len, &p, &copy, &cause), 0);
	ck_assert_int_eq(p.type, g->type);
	ck_assert_uint_eq(p.attachments, g->attachments);
	ck_assert_uint_eq(p.nsp_len, strlen(g->nsp));
	ck_assert_mem_eq(p.nsp, g->nsp, p.nsp_len);
	if (strcmp(g->nsp, "/") != 0)
		ck_assert_ptr_eq(p.nsp, copy + (strchr(g->in, '/') - g->in));
	ck_assert_int_eq(p.ack_id, g->ack_id);
	ck_assert_uint_eq(p.data_len, strlen(g->data));
	ck_assert_ptr_eq(p.data, copy + len - p.data_len);
	ck_assert_mem_eq(p.data, g->data, p.data_len);
	free(copy);
}
END_TEST

START_TEST(test_golden_roundtrip)
{
	const struct golden	*g = &goldens[_i];
	struct sio_packet	 p;
	const char		*cause = NULL;
	char			 nsp[SIO_MAX_NSP + 1], out[512];
	int			 n;

	ck_assert_int_eq(sio_decode(g->in, strlen(g->in), &p, &cause), 0);
	memcpy(nsp, p.nsp, p.nsp_len);
	nsp[p.nsp_len] = '\0';
	n = sio_encode_header(out, sizeof out, p.type, p.attachments, nsp,
	    p.ack_id);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_lt((size_t)n + p.data_len, sizeof out);
	memcpy(out + n, p.data, p.data_len);
	out[(size_t)n + p.data_len] = '\0';
	ck_assert_str_eq(out, g->in);
}
END_TEST

/*
 * Every truncation of every golden packet: sio_decode must stay inside the
 * bytes it was given, and what it accepts must be self-consistent.
 */
START_TEST(test_golden_prefixes)
{
	const struct golden	*g = &goldens[_i];
	struct sio_packet	 p;
	const char		*cause;
	char			*copy;
	size_t			 len = strlen(g->in), n;
	int			 rc;

	for (n = 0; n <= len; n++) {
		cause = NULL;
		rc = decode_copy(g->in, n, &p, &copy, &cause);
		if (n == 0)
			ck_assert_int_eq(rc, -1);
		if (rc == 0) {
			ck_assert_int_eq(p.type, g->type);
			ck_assert(p.data >= copy && p.data + p.data_len ==
			    copy + n);
			ck_assert(p.nsp_len >= 1 && p.nsp[0] == '/');
			if (p.type == SIO_EVENT || p.type == SIO_ACK ||
			    p.type == SIO_CONNECT_ERROR ||
			    p.type == SIO_BINARY_EVENT ||
			    p.type == SIO_BINARY_ACK)
				ck_assert_uint_gt(p.data_len, 0);
		} else {
			ck_assert_int_eq(rc, -1);
			ck_assert_ptr_nonnull(cause);
		}
		free(copy);
	}
}
END_TEST

/* A namespace without its comma runs to the end, as in socket.io-parser. */
START_TEST(test_nsp_without_comma)
{
	struct sio_packet	 p;
	const char		*cause;

	ck_assert_int_eq(sio_decode("1/admin", 7, &p, &cause), 0);
	ck_assert_int_eq(p.type, SIO_DISCONNECT);
	ck_assert_uint_eq(p.nsp_len, 6);
	ck_assert_mem_eq(p.nsp, "/admin", 6);
	ck_assert_uint_eq(p.data_len, 0);

	ck_assert_int_eq(sio_decode("0/,", 3, &p, &cause), 0);
	ck_assert_uint_eq(p.nsp_len, 1);
	ck_assert_mem_eq(p.nsp, "/", 1);
}
END_TEST

START_TEST(test_default_fields)
{
	struct sio_packet	 p;
	const char		*cause;

	ck_assert_int_eq(sio_decode("2[\"a\"]", 6, &p, &cause), 0);
	ck_assert_int_eq(p.ack_id, -1);
	ck_assert_uint_eq(p.attachments, 0);
	ck_assert_str_eq(p.nsp, "/");
	ck_assert_uint_eq(p.nsp_len, 1);
	/* The input is not NUL-terminated: only len bytes count. */
	ck_assert_int_eq(sio_decode("212[\"a\"]XXXX", 8, &p, &cause), 0);
	ck_assert_int_eq(p.ack_id, 12);
	ck_assert_uint_eq(p.data_len, 5);
}
END_TEST

START_TEST(test_refuse_type)
{
	REFUSED("");
	REFUSED("7");
	REFUSED("7[\"foo\"]");
	REFUSED("9[\"foo\"]");
	REFUSED("x[\"foo\"]");
	REFUSED("/admin,[\"foo\"]");
	REFUSED("[\"foo\"]");
	REFUSED(" 2[\"foo\"]");
	REFUSED("\xff[\"foo\"]");
	REFUSED("\0[\"foo\"]");
}
END_TEST

START_TEST(test_refuse_attachments)
{
	/* missing or malformed count */
	REFUSED("5");
	REFUSED("6");
	REFUSED("5-[\"a\"]");
	REFUSED("51[\"a\"]");
	REFUSED("51");
	REFUSED("5x-[\"a\"]");
	REFUSED("6-12[\"a\"]");
	REFUSED("5/admin,1-[\"a\"]");
	/* out of range */
	REFUSED("50-[\"a\"]");
	REFUSED("511-[\"a\"]");
	REFUSED("599-[\"a\"]");
	REFUSED("51234-[\"a\"]");
	REFUSED("512345-[\"a\"]");
	REFUSED("54294967297-[\"a\"]");
	REFUSED("611-3[\"a\"]");
	/* binary packets still need the rest of a valid header */
	REFUSED("51-");
	REFUSED("61-[\"a\"]");
	REFUSED("61-/admin,[\"a\"]");
}
END_TEST

START_TEST(test_refuse_ack_id)
{
	/* an id where none is allowed */
	REFUSED("01");
	REFUSED("01{\"token\":\"1\"}");
	REFUSED("0/admin,1{}");
	REFUSED("12");
	REFUSED("1/admin,3");
	REFUSED("41{\"message\":\"x\"}");
	/* no id where one is required */
	REFUSED("3[]");
	REFUSED("3[\"bar\"]");
	REFUSED("3/admin,[\"bar\"]");
	REFUSED("61-[\"bar\"," PH(0) "]");
	/* huge */
	REFUSED("24294967296[\"a\"]");
	REFUSED("34294967296[]");
	REFUSED("299999999999999999999999999999[\"a\"]");
	REFUSED("2/admin,18446744073709551617[\"a\"]");
}
END_TEST

START_TEST(test_refuse_payload)
{
	/* missing */
	REFUSED("2");
	REFUSED("2/admin,");
	REFUSED("2/admin");
	REFUSED("212");
	REFUSED("2/admin,13");
	REFUSED("312");
	REFUSED("3/admin,13");
	REFUSED("4");
	REFUSED("4/admin,");
	REFUSED("52-");
	REFUSED("61-15");
	/* DISCONNECT carries none */
	REFUSED("1{}");
	REFUSED("1/admin,{}");
	REFUSED("1x");
	REFUSED("1[\"a\"]");
}
END_TEST

START_TEST(test_nsp_length)
{
	char			 buf[SIO_MAX_NSP + 16];
	struct sio_packet	 p;
	const char		*cause;
	size_t			 n;

	/* "2" + "/" + 127 x 'n' + "," + "[1]": a 128-byte namespace */
	buf[0] = '2';
	buf[1] = '/';
	memset(buf + 2, 'n', SIO_MAX_NSP - 1);
	n = 1 + SIO_MAX_NSP;
	memcpy(buf + n, ",[1]", 4);
	n += 4;
	ck_assert_int_eq(sio_decode(buf, n, &p, &cause), 0);
	ck_assert_uint_eq(p.nsp_len, SIO_MAX_NSP);
	ck_assert_ptr_eq(p.nsp, buf + 1);
	ck_assert_uint_eq(p.data_len, 3);

	/* one more byte is too long */
	buf[1 + SIO_MAX_NSP] = 'n';
	memcpy(buf + 2 + SIO_MAX_NSP, ",[1]", 4);
	refused(buf, 2 + SIO_MAX_NSP + 4);
	/* and so is a long one that never ends in a comma */
	refused(buf, 2 + SIO_MAX_NSP);
}
END_TEST

START_TEST(test_encode)
{
	char	buf[64];

	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_CONNECT, 0,
	    "/", -1), 1);
	ck_assert_str_eq(buf, "0");
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_CONNECT, 0,
	    NULL, -1), 1);
	ck_assert_str_eq(buf, "0");
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_EVENT, 0,
	    "/admin", 13), 10);
	ck_assert_str_eq(buf, "2/admin,13");
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_ACK, 0, "/",
	    0), 2);
	ck_assert_str_eq(buf, "30");
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_BINARY_EVENT,
	    2, "/admin", -1), 10);
	ck_assert_str_eq(buf, "52-/admin,");
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_BINARY_ACK, 1,
	    NULL, 15), 5);
	ck_assert_str_eq(buf, "61-15");
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_EVENT, 0,
	    NULL, SIO_MAX_ACK_ID), 11);
	ck_assert_str_eq(buf, "24294967295");
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_DISCONNECT,
	    0, "/admin", -1), 8);
	ck_assert_str_eq(buf, "1/admin,");
	/* attachments are written for binary types only */
	ck_assert_int_eq(sio_encode_header(buf, sizeof buf, SIO_EVENT, 3,
	    NULL, -1), 1);
	ck_assert_str_eq(buf, "2");
}
END_TEST

/* Every buffer size that is too small gives -1, never a partial header. */
START_TEST(test_encode_small)
{
	const char	*want = "61-/admin,15";
	char		 buf[32];
	size_t		 size, need = strlen(want) + 1;

	for (size = 0; size < need; size++) {
		memset(buf, 'Z', sizeof buf);
		ck_assert_int_eq(sio_encode_header(size == 0 ? NULL : buf,
		    size, SIO_BINARY_ACK, 1, "/admin", 15), -1);
		ck_assert_int_eq(buf[size], 'Z');
	}
	ck_assert_int_eq(sio_encode_header(buf, need, SIO_BINARY_ACK, 1,
	    "/admin", 15), (int)strlen(want));
	ck_assert_str_eq(buf, want);
}
END_TEST

static Suite *
sio_suite(void)
{
	Suite	*s = suite_create("sio");
	TCase	*tc;

	tc = tcase_create("golden");
	tcase_add_loop_test(tc, test_golden_decode, 0, (int)NGOLDENS);
	tcase_add_loop_test(tc, test_golden_roundtrip, 0, (int)NGOLDENS);
	tcase_add_loop_test(tc, test_golden_prefixes, 0, (int)NGOLDENS);
	tcase_add_test(tc, test_nsp_without_comma);
	tcase_add_test(tc, test_default_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_test(tc, test_refuse_type);
	tcase_add_test(tc, test_refuse_attachments);
	tcase_add_test(tc, test_refuse_ack_id);
	tcase_add_test(tc, test_refuse_payload);
	tcase_add_test(tc, test_nsp_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_encode_small);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(sio_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
