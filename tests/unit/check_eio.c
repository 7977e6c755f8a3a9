/*
 * Unit tests for eio.c, the Engine.IO v4 packet codec (WebSocket transport:
 * one packet per frame). Golden vectors come from socketio/engine.io-protocol
 * (v4) and from the handshake error table of the Socket.IO documentation.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eio.h"

struct golden {
	const char	*in;
	size_t		 len;
	enum eio_type	 type;
	const char	*payload;
};
#define G(lit, type, pl)	{ lit, sizeof(lit) - 1, type, pl }

static const struct golden goldens[] = {
	G("0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],"
	    "\"pingInterval\":25000,\"pingTimeout\":20000,"
	    "\"maxPayload\":1000000}", EIO_OPEN,
	    "{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],"
	    "\"pingInterval\":25000,\"pingTimeout\":20000,"
	    "\"maxPayload\":1000000}"),
	G("1", EIO_CLOSE, ""),
	G("2", EIO_PING, ""),
	G("3", EIO_PONG, ""),
	G("2probe", EIO_PING, "probe"),
	G("3probe", EIO_PONG, "probe"),
	G("4hello", EIO_MESSAGE, "hello"),
	G("4HelloWorld", EIO_MESSAGE, "HelloWorld"),
	G("4\xe2\x82\xac", EIO_MESSAGE, "\xe2\x82\xac"),	/* 4€ */
	G("4", EIO_MESSAGE, ""),
	G("5", EIO_UPGRADE, ""),
	G("6", EIO_NOOP, ""),
	/* Socket.IO packets ride in messages */
	G("40", EIO_MESSAGE, "0"),
	G("40{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}", EIO_MESSAGE,
	    "0{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}"),
	G("42[\"hey\",\"Jude\"]", EIO_MESSAGE, "2[\"hey\",\"Jude\"]"),
	/* a message may hold any bytes, NUL included */
	G("4a\0b", EIO_MESSAGE, "a\0b"),
};
#define NGOLDENS	(sizeof goldens / sizeof goldens[0])

static const char *sid_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Decodes from an exactly sized heap copy, so ASan sees any overread. */
static int
decode_copy(const char *s, size_t len, enum eio_type *type,
    const char **payload, size_t *plen, char **copy)
{
	*copy = malloc(len == 0 ? 1 : len);
	ck_assert_ptr_nonnull(*copy);
	memcpy(*copy, s, len);
	return (eio_decode(*copy, len, type, payload, plen));
}

START_TEST(test_golden_decode)
{
	const struct golden	*g = &goldens[_i];
	enum eio_type		 type;
	const char		*payload;
	size_t			 plen;
	char			*copy;

	ck_assert_int_eq(decode_copy(g->in, g->len, &type, &payload, &plen,
	    &copy), 0);
	ck_assert_int_eq(type, g->type);
	ck_assert_ptr_eq(payload, copy + 1);
	ck_assert_uint_eq(plen, g->len - 1);
	ck_assert_mem_eq(payload, g->payload, plen);
	free(copy);
}
END_TEST

/* Every truncation: empty is refused, anything else keeps the type. */
START_TEST(test_golden_prefixes)
{
	const struct golden	*g = &goldens[_i];
	enum eio_type		 type;
	const char		*payload;
	size_t			 plen, n;
	char			*copy;
	int			 rc;

	for (n = 0; n <= g->len; n++) {
		rc = decode_copy(g->in, n, &type, &payload, &plen, &copy);
		if (n == 0)
			ck_assert_int_eq(rc, -1);
		else {
			ck_assert_int_eq(rc, 0);
			ck_assert_int_eq(type, g->type);
			ck_assert_ptr_eq(payload, copy + 1);
			ck_assert_uint_eq(plen, n - 1);
		}
		free(copy);
	}
}
END_TEST

START_TEST(test_refuse)
{
	static const char *bad[] = {
		"7", "7hello", "8", "9", "x", "xhello", "/", ":", " 4hello",
		"b4AQID", "\xff", "\2004", "-1"
	};
	enum eio_type	 type;
	const char	*payload;
	size_t		 plen, i;

	ck_assert_int_eq(eio_decode("", 0, &type, &payload, &plen), -1);
	/* a non-empty buffer with len 0 is still empty */
	ck_assert_int_eq(eio_decode("4hello", 0, &type, &payload, &plen), -1);
	ck_assert_int_eq(eio_decode("\0", 1, &type, &payload, &plen), -1);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(eio_decode(bad[i], strlen(bad[i]), &type,
		    &payload, &plen) == -1, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_open_packet)
{
	const char	*want = "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\","
			    "\"upgrades\":[],\"pingInterval\":25000,"
			    "\"pingTimeout\":20000,\"maxPayload\":1000000}";
	char		 buf[256];

	ck_assert_int_eq(eio_open_packet(buf, sizeof buf,
	    "lv_VI97HAXpY6yYWAAAC", 25000, 20000, 1000000),
	    (int)strlen(want));
	ck_assert_str_eq(buf, want);

	want = "0{\"sid\":\"AAAAAAAAAAAAAAAAAAAA\",\"upgrades\":[],"
	    "\"pingInterval\":0,\"pingTimeout\":4294967295,"
	    "\"maxPayload\":0}";
	ck_assert_int_eq(eio_open_packet(buf, sizeof buf,
	    "AAAAAAAAAAAAAAAAAAAA", 0, 4294967295U, 0), (int)strlen(want));
	ck_assert_str_eq(buf, want);
}
END_TEST

/* Every size up to the exact length is too small; length + 1 fits. */
START_TEST(test_open_packet_small)
{
	const char	*sid = "oSO0OpakMV_3jnilAAAA";
	char		 want[256], buf[256];
	int		 n;
	size_t		 size;

	n = eio_open_packet(want, sizeof want, sid, 25000, 20000, 1000000);
	ck_assert_int_gt(n, 0);
	for (size = 0; size <= (size_t)n; size++) {
		memset(buf, 'Z', sizeof buf);
		ck_assert_int_eq(eio_open_packet(size == 0 ? NULL : buf, size,
		    sid, 25000, 20000, 1000000), -1);
		ck_assert_int_eq(buf[size], 'Z');
	}
	ck_assert_int_eq(eio_open_packet(buf, (size_t)n + 1, sid, 25000,
	    20000, 1000000), n);
	ck_assert_str_eq(buf, want);
}
END_TEST

START_TEST(test_error_body)
{
	static const struct {
		enum eio_error	 code;
		const char	*body;
	} t[] = {
		{ EIO_ERR_UNKNOWN_TRANSPORT,
		    "{\"code\":0,\"message\":\"Transport unknown\"}" },
		{ EIO_ERR_UNKNOWN_SID,
		    "{\"code\":1,\"message\":\"Session ID unknown\"}" },
		{ EIO_ERR_BAD_HANDSHAKE_METHOD,
		    "{\"code\":2,\"message\":\"Bad handshake method\"}" },
		{ EIO_ERR_BAD_REQUEST,
		    "{\"code\":3,\"message\":\"Bad request\"}" },
		{ EIO_ERR_FORBIDDEN,
		    "{\"code\":4,\"message\":\"Forbidden\"}" },
		{ EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION,
		    "{\"code\":5,\"message\":\"Unsupported protocol version\"}" },
	};
	char	buf[128];
	size_t	i, len;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		len = strlen(t[i].body);
		ck_assert_int_eq(eio_error_body(buf, sizeof buf, t[i].code),
		    (int)len);
		ck_assert_str_eq(buf, t[i].body);
		ck_assert_int_eq(eio_error_body(buf, len, t[i].code), -1);
		ck_assert_int_eq(eio_error_body(buf, len + 1, t[i].code),
		    (int)len);
		ck_assert_int_eq(eio_error_body(NULL, 0, t[i].code), -1);
	}
	/* a code outside the table is refused, not read out of bounds */
	ck_assert_int_eq(eio_error_body(buf, sizeof buf,
	    (enum eio_error)(EIO_ERR_UNSUPPORTED_PROTOCOL_VERSION + 1)), -1);
	ck_assert_int_eq(eio_error_body(buf, sizeof buf,
	    (enum eio_error)-1), -1);
}
END_TEST

START_TEST(test_sid_vectors)
{
	static const struct {
		uint8_t		 in[15];
		const char	*out;
	} t[] = {
		{ { 0 }, "AAAAAAAAAAAAAAAAAAAA" },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff }, "____________________" },
		{ { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 },
		    "AAECAwQFBgcICQoLDA0O" },
		{ { 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb,
		    0xff, 0xbf, 0xfb, 0xff, 0xbf }, "-_-_-_-_-_-_-_-_-_-_" },
		{ { 0x14, 0xfb, 0x9c, 0x03, 0xd9, 0x7e, 0, 1, 2, 3, 4, 5, 6, 7,
		    8 }, "FPucA9l-AAECAwQFBgcI" },
	};
	char	out[EIO_SID_LEN + 1];
	size_t	i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(out, 'Z', sizeof out);
		eio_sid_format(out, t[i].in);
		ck_assert_uint_eq(strlen(out), EIO_SID_LEN);
		ck_assert_str_eq(out, t[i].out);
	}
}
END_TEST

static int
b64url_value(char c)
{
	const char	*p = strchr(sid_alphabet, c);

	return (c != '\0' && p != NULL ? (int)(p - sid_alphabet) : -1);
}

/* Many inputs: 20 chars, alphabet only, deterministic, and it decodes back. */
START_TEST(test_sid_properties)
{
	uint8_t		 in[15], back[15];
	char		 a[EIO_SID_LEN + 1], b[EIO_SID_LEN + 1];
	uint32_t	 x = 2463534242U, v;
	size_t		 i, j;
	int		 round, d;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof in; i++) {
			/* xorshift32; the masks drop what the shift loses */
			x ^= (x & 0x7ffffU) << 13;
			x ^= x >> 17;
			x ^= (x & 0x7ffffffU) << 5;
			in[i] = (uint8_t)x;
		}
		eio_sid_format(a, in);
		eio_sid_format(b, in);
		ck_assert_str_eq(a, b);
		ck_assert_uint_eq(strlen(a), EIO_SID_LEN);
		ck_assert_uint_eq(strspn(a, sid_alphabet), EIO_SID_LEN);
		for (i = 0, j = 0; i < EIO_SID_LEN; i += 4) {
			for (v = 0, d = 0; d < 4; d++) {
				ck_assert_int_ge(b64url_value(a[i + d]), 0);
				v = v << 6 | (uint32_t)b64url_value(a[i + d]);
			}
			back[j++] = (uint8_t)(v >> 16);
			back[j++] = (uint8_t)(v >> 8);
			back[j++] = (uint8_t)v;
		}
		ck_assert_mem_eq(back, in, sizeof in);
	}
}
END_TEST

static Suite *
eio_suite(void)
{
	Suite	*s = suite_create("eio");
	TCase	*tc;

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_golden_decode, 0, (int)NGOLDENS);
	tcase_add_loop_test(tc, test_golden_prefixes, 0, (int)NGOLDENS);
	tcase_add_test(tc, test_refuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_test(tc, test_open_packet);
	tcase_add_test(tc, test_open_packet_small);
	tcase_add_test(tc, test_error_body);
	suite_add_tcase(s, tc);

	tc = tcase_create("sid");
	tcase_add_test(tc, test_sid_vectors);
	tcase_add_test(tc, test_sid_properties);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(eio_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
