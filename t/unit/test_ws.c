
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_ws.h"
#include "unit.h"


/*
 * The parser tests build client frames in one buffer, run the parser
 * over it whole and in chunks of several sizes (each chunk in its own
 * malloc'ed block, so the sanitizers see reads past a chunk), and
 * compare a log of the events: "T:text;" "B:binary;" "PI:ping;"
 * "PO:pong;" "C1000:reason;" "E1002 reason;", bytes outside ASCII as
 * \xHH, payloads over 48 bytes as "T[length];".
 */


#define NGX_F1_REPLAY_TEST_BUF      (300 * 1024)
#define NGX_F1_REPLAY_TEST_LOG      4096
#define NGX_F1_REPLAY_TEST_SHOW     48

#define ngx_f1_replay_test_add_s(b0, s)                                       \
    ngx_f1_replay_test_add(b0, (const unsigned char *) s, sizeof(s) - 1)

#define ngx_f1_replay_test_raw_s(s)                                           \
    ngx_f1_replay_test_raw((const unsigned char *) s, sizeof(s) - 1)


typedef struct {
    const char  *bytes;
    size_t       len;
    int          fail_at;     /* -1 valid, -2 truncated, else the index */
    const char  *name;
} ngx_f1_replay_test_utf8_t;


static void ngx_f1_replay_test_reset(void);
static void ngx_f1_replay_test_raw(const unsigned char *data, size_t len);
static void ngx_f1_replay_test_add(unsigned b0, const unsigned char *data,
    size_t len);
static void ngx_f1_replay_test_log_event(char *log,
    ngx_f1_replay_ws_event_e ev, ngx_f1_replay_ws_parser_t *p);
static const char *ngx_f1_replay_test_run(size_t max_message, size_t chunk);
static int ngx_f1_replay_test_parse(size_t max_message, const char *expect);
static int ngx_f1_replay_test_utf8_one(const ngx_f1_replay_test_utf8_t *t);
static void ngx_f1_replay_test_utf8(void);
static void ngx_f1_replay_test_close_codes(void);
static void ngx_f1_replay_test_header(void);
static void ngx_f1_replay_test_frames(void);
static void ngx_f1_replay_test_fragments(void);
static void ngx_f1_replay_test_limits(void);
static void ngx_f1_replay_test_bad_utf8(void);
static void ngx_f1_replay_test_close(void);
static void ngx_f1_replay_test_protocol(void);
static void ngx_f1_replay_test_events(void);
static void ngx_f1_replay_test_large(void);


static unsigned char  *ngx_f1_replay_test_buf;
static size_t          ngx_f1_replay_test_len;
static unsigned        ngx_f1_replay_test_masks;

static const size_t  ngx_f1_replay_test_chunks[] = {
    0, 1, 2, 3, 5, 8, 13, 64
};


int
main(void)
{
    ngx_f1_replay_test_buf = malloc(NGX_F1_REPLAY_TEST_BUF);
    if (ngx_f1_replay_test_buf == NULL) {
        UNIT_CHECK(0, "test buffer");
        return UNIT_DONE();
    }

    ngx_f1_replay_test_utf8();
    ngx_f1_replay_test_close_codes();
    ngx_f1_replay_test_header();
    ngx_f1_replay_test_frames();
    ngx_f1_replay_test_fragments();
    ngx_f1_replay_test_limits();
    ngx_f1_replay_test_bad_utf8();
    ngx_f1_replay_test_close();
    ngx_f1_replay_test_protocol();
    ngx_f1_replay_test_events();
    ngx_f1_replay_test_large();

    free(ngx_f1_replay_test_buf);

    return UNIT_DONE();
}


static void
ngx_f1_replay_test_reset(void)
{
    ngx_f1_replay_test_len = 0;
}


static void
ngx_f1_replay_test_raw(const unsigned char *data, size_t len)
{
    if (ngx_f1_replay_test_len + len > NGX_F1_REPLAY_TEST_BUF) {
        abort();
    }

    memcpy(ngx_f1_replay_test_buf + ngx_f1_replay_test_len, data, len);
    ngx_f1_replay_test_len += len;
}


/* a masked client frame; b0 is FIN, RSV and opcode */

static void
ngx_f1_replay_test_add(unsigned b0, const unsigned char *data, size_t len)
{
    int            i;
    size_t         n, k;
    unsigned char  h[14], mask[4], *d;

    ngx_f1_replay_test_masks++;

    mask[0] = (unsigned char) (0x37 + ngx_f1_replay_test_masks * 13);
    mask[1] = 0xfa;
    mask[2] = (unsigned char) (0x21 ^ ngx_f1_replay_test_masks);
    mask[3] = 0x3d;

    h[0] = (unsigned char) b0;

    if (len < 126) {
        h[1] = (unsigned char) (0x80 | len);
        n = 2;

    } else if (len <= 0xffff) {
        h[1] = 0x80 | 126;
        h[2] = (unsigned char) (len >> 8);
        h[3] = (unsigned char) len;
        n = 4;

    } else {
        h[1] = 0x80 | 127;

        for (i = 9; i >= 2; i--) {
            h[i] = (unsigned char) (len >> (8 * (9 - i)));
        }

        n = 10;
    }

    memcpy(h + n, mask, 4);
    ngx_f1_replay_test_raw(h, n + 4);

    if (ngx_f1_replay_test_len + len > NGX_F1_REPLAY_TEST_BUF) {
        abort();
    }

    d = ngx_f1_replay_test_buf + ngx_f1_replay_test_len;

    for (k = 0; k < len; k++) {
        d[k] = data[k] ^ mask[k % 4];
    }

    ngx_f1_replay_test_len += len;
}


static void
ngx_f1_replay_test_log_event(char *log, ngx_f1_replay_ws_event_e ev,
    ngx_f1_replay_ws_parser_t *p)
{
    char    *s;
    size_t   i, n;

    n = strlen(log);
    s = log + n;
    n = NGX_F1_REPLAY_TEST_LOG - n;

    if (n < 200) {
        return;
    }

    if (ev != NGX_F1_REPLAY_WS_ERROR && p->payload == NULL) {
        snprintf(s, n, "NULL-PAYLOAD;");
        return;
    }

    switch (ev) {

    case NGX_F1_REPLAY_WS_MESSAGE:
        s += sprintf(s, "%s", p->opcode == NGX_F1_REPLAY_WS_TEXT ? "T"
                              : p->opcode == NGX_F1_REPLAY_WS_BINARY ? "B"
                              : "BAD-OPCODE");
        break;

    case NGX_F1_REPLAY_WS_PING_EV:
        s += sprintf(s, "PI");
        break;

    case NGX_F1_REPLAY_WS_PONG_EV:
        s += sprintf(s, "PO");
        break;

    case NGX_F1_REPLAY_WS_CLOSE_EV:
        s += sprintf(s, "C%u", p->close_code);
        break;

    case NGX_F1_REPLAY_WS_ERROR:
        sprintf(s, "E%u %s;", p->close_code,
                p->error ? p->error : "NULL");
        return;

    default:
        sprintf(s, "BAD-EVENT;");
        return;
    }

    if (p->len > NGX_F1_REPLAY_TEST_SHOW) {
        sprintf(s, "[%zu];", p->len);
        return;
    }

    *s++ = ':';

    for (i = 0; i < p->len; i++) {
        if (p->payload[i] >= 0x20 && p->payload[i] < 0x7f
            && p->payload[i] != '\\')
        {
            *s++ = (char) p->payload[i];

        } else {
            s += sprintf(s, "\\x%02x", p->payload[i]);
        }
    }

    *s++ = ';';
    *s = '\0';
}


/* the log of the test buffer parsed in chunks (0: whole) */

static const char *
ngx_f1_replay_test_run(size_t max_message, size_t chunk)
{
    int                        done;
    size_t                     off, n;
    unsigned char             *buf, *pos;
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    static char  log[NGX_F1_REPLAY_TEST_LOG];

    log[0] = '\0';
    off = 0;
    done = 0;

    ngx_f1_replay_ws_parser_init(&p, max_message);

    while (!done && off < ngx_f1_replay_test_len) {
        n = ngx_f1_replay_test_len - off;

        if (chunk && n > chunk) {
            n = chunk;
        }

        buf = malloc(n);
        if (buf == NULL) {
            strcat(log, "NOMEM;");
            break;
        }

        memcpy(buf, ngx_f1_replay_test_buf + off, n);
        pos = buf;

        for ( ;; ) {
            ev = ngx_f1_replay_ws_parse(&p, &pos, buf + n);

            if (pos < buf || pos > buf + n) {
                strcat(log, "BAD-POS;");
                done = 1;
                break;
            }

            if (ev == NGX_F1_REPLAY_WS_AGAIN) {
                if (pos != buf + n) {
                    strcat(log, "AGAIN-BEFORE-END;");
                    done = 1;
                }

                break;
            }

            ngx_f1_replay_test_log_event(log, ev, &p);

            if (ev == NGX_F1_REPLAY_WS_ERROR
                || ev == NGX_F1_REPLAY_WS_CLOSE_EV)
            {
                if (ngx_f1_replay_ws_parse(&p, &pos, buf + n)
                    != NGX_F1_REPLAY_WS_ERROR)
                {
                    strcat(log, "NOT-STICKY;");
                }

                done = 1;
                break;
            }
        }

        off += n;
        free(buf);
    }

    ngx_f1_replay_ws_parser_free(&p);

    return log;
}


static int
ngx_f1_replay_test_parse(size_t max_message, const char *expect)
{
    int          ok;
    size_t       i;
    const char  *log;

    ok = 1;

    for (i = 0; i < sizeof(ngx_f1_replay_test_chunks) / sizeof(size_t); i++)
    {
        log = ngx_f1_replay_test_run(max_message,
                                     ngx_f1_replay_test_chunks[i]);

        if (strcmp(log, expect) != 0) {
            printf("# chunk %zu: got \"%s\", expected \"%s\"\n",
                   ngx_f1_replay_test_chunks[i], log, expect);
            ok = 0;
        }
    }

    return ok;
}


/* whole, byte by byte, and split at every position */

static int
ngx_f1_replay_test_utf8_one(const ngx_f1_replay_test_utf8_t *t)
{
    int                    rc, at, whole;
    size_t                 i, k;
    const unsigned char   *s;
    ngx_f1_replay_utf8_t   u;

    s = (const unsigned char *) t->bytes;

    memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));
    rc = ngx_f1_replay_ws_utf8_feed(&u, s, t->len);

    whole = (rc != 0) ? 0 : (ngx_f1_replay_ws_utf8_done(&u) ? -1 : -2);

    if ((t->fail_at >= 0 && whole != 0) || (t->fail_at < 0
                                            && whole != t->fail_at))
    {
        printf("# whole: %d\n", whole);
        return 0;
    }

    memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));
    at = -1;

    for (i = 0; i < t->len; i++) {
        if (ngx_f1_replay_ws_utf8_feed(&u, s + i, 1) != 0) {
            at = (int) i;
            break;
        }
    }

    if (at < 0 && !ngx_f1_replay_ws_utf8_done(&u)) {
        at = -2;
    }

    if (at != t->fail_at) {
        printf("# byte by byte: %d\n", at);
        return 0;
    }

    /* invalid stays invalid */

    if (at >= 0 && (ngx_f1_replay_ws_utf8_feed(&u, (const unsigned char *) "a",
                                             1)
                    != -1
                    || ngx_f1_replay_ws_utf8_feed(&u, s, 0) != -1
                    || ngx_f1_replay_ws_utf8_done(&u)))
    {
        printf("# not sticky\n");
        return 0;
    }

    for (k = 0; k <= t->len; k++) {
        memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));

        rc = ngx_f1_replay_ws_utf8_feed(&u, s, k);
        rc |= ngx_f1_replay_ws_utf8_feed(&u, s + k, t->len - k);

        if ((rc != 0) != (t->fail_at >= 0)
            || (rc == 0
                && ngx_f1_replay_ws_utf8_done(&u) != (t->fail_at == -1)))
        {
            printf("# split at %zu\n", k);
            return 0;
        }
    }

    return 1;
}


#define U(s, at, name)  { s, sizeof(s) - 1, at, name }

static void
ngx_f1_replay_test_utf8(void)
{
    int                    ok;
    size_t                 i;
    unsigned char          buf[64];
    ngx_f1_replay_utf8_t   u;

    /* after Autobahn's case 6, written by hand */

    static const ngx_f1_replay_test_utf8_t  cases[] = {
        U("", -1, "utf8 empty"),
        U("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1"
          "-UTF-8!!", -1, "utf8 Hello-mu@ss..."),
        U("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", -1,
          "utf8 kosme"),
        U("\x00", -1, "utf8 U+0000"),
        U("\x7f", -1, "utf8 U+007F"),
        U("\xc2\x80", -1, "utf8 U+0080"),
        U("\xdf\xbf", -1, "utf8 U+07FF"),
        U("\xe0\xa0\x80", -1, "utf8 U+0800"),
        U("\xed\x9f\xbf", -1, "utf8 U+D7FF"),
        U("\xee\x80\x80", -1, "utf8 U+E000"),
        U("\xef\xbf\xbd", -1, "utf8 U+FFFD"),
        U("\xef\xbf\xbf", -1, "utf8 U+FFFF (noncharacter is valid)"),
        U("\xf0\x90\x80\x80", -1, "utf8 U+10000"),
        U("\xf0\x9f\x8f\x8e", -1, "utf8 U+1F3CE racing car"),
        U("\xf4\x8f\xbf\xbf", -1, "utf8 U+10FFFF"),
        U("abcdefghijklmnopqrstuvwxyz0123456789\xc3\xa9"
          "abcdefghijklmnop", -1, "utf8 ASCII runs around a 2-byte"),

        U("\x80", 0, "utf8 lone continuation 80"),
        U("\xbf", 0, "utf8 lone continuation BF"),
        U("ab\x80\xbf\x80", 2, "utf8 continuations after ASCII"),
        U("\xc0 ", 0, "utf8 C0 is never valid"),
        U("\xc1\xbf", 0, "utf8 overlong U+007F"),
        U("\xc0\xaf", 0, "utf8 overlong slash, 2 bytes"),
        U("\xe0\x80\xaf", 1, "utf8 overlong slash, 3 bytes"),
        U("\xf0\x80\x80\xaf", 1, "utf8 overlong slash, 4 bytes"),
        U("\xe0\x9f\xbf", 1, "utf8 overlong U+07FF"),
        U("\xf0\x8f\xbf\xbf", 1, "utf8 overlong U+FFFF"),
        U("\xed\xa0\x80", 1, "utf8 surrogate U+D800"),
        U("\xed\xad\xbf", 1, "utf8 surrogate U+DB7F"),
        U("\xed\xae\x80", 1, "utf8 surrogate U+DB80"),
        U("\xed\xaf\xbf", 1, "utf8 surrogate U+DBFF"),
        U("\xed\xb0\x80", 1, "utf8 surrogate U+DC00"),
        U("\xed\xbe\x80", 1, "utf8 surrogate U+DF80"),
        U("\xed\xbf\xbf", 1, "utf8 surrogate U+DFFF"),
        U("\xed\xa0\x80\xed\xb0\x80", 1, "utf8 surrogate pair"),
        U("\xf4\x90\x80\x80", 1, "utf8 U+110000"),
        U("\xf5\x80\x80\x80", 0, "utf8 lead F5"),
        U("\xf7\xbf\xbf\xbf", 0, "utf8 lead F7"),
        U("\xf8\x88\x80\x80\x80", 0, "utf8 5-byte form"),
        U("\xfc\x84\x80\x80\x80\x80", 0, "utf8 6-byte form"),
        U("\xfe", 0, "utf8 FE"),
        U("\xff", 0, "utf8 FF"),
        U("\xfe\xfe\xff\xff", 0, "utf8 FE FE FF FF"),
        U("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
          "edited", 12, "utf8 fails at the byte, not at the end"),
        U("\xc2\x41", 1, "utf8 ASCII where a continuation is due"),
        U("\xe1\x80\xc2\x80", 2, "utf8 lead where a continuation is due"),
        U("\xf1\x80\x80\x7f", 3, "utf8 4-byte cut by ASCII"),
        U("0123456789abcdef\x80", 16, "utf8 bad byte after 16 ASCII"),

        U("\xc2", -2, "utf8 truncated 2-byte"),
        U("\xe0\xa0", -2, "utf8 truncated 3-byte"),
        U("\xf0\x90\x80", -2, "utf8 truncated 4-byte"),
        U("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce", -2,
          "utf8 kosme cut in its last character"),
        U("\xf4\x8f", -2, "utf8 truncated U+10FFFF"),
        U("\xed\x9f", -2, "utf8 truncated U+D7FF")
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        UNIT_CHECK(ngx_f1_replay_test_utf8_one(&cases[i]), cases[i].name);
    }

    /* every lead byte alone, as a start and after ASCII */

    ok = 1;

    for (i = 0; i < 256; i++) {
        buf[0] = 'a';
        buf[1] = (unsigned char) i;

        memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));

        if (ngx_f1_replay_ws_utf8_feed(&u, buf, 2)
            != ((i >= 0x80 && i < 0xc2) || i >= 0xf5 ? -1 : 0)
            || (i < 0x80 && !ngx_f1_replay_ws_utf8_done(&u))
            || (i >= 0xc2 && i < 0xf5 && ngx_f1_replay_ws_utf8_done(&u)))
        {
            printf("# byte %02zx\n", i);
            ok = 0;
        }
    }

    UNIT_CHECK(ok, "utf8 each byte value after ASCII");

    /* a zeroed state is the start */

    memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));
    UNIT_CHECK(ngx_f1_replay_ws_utf8_done(&u), "utf8 zero state is done");
}


static void
ngx_f1_replay_test_close_codes(void)
{
    int       ok;
    unsigned  c, expect;

    ok = 1;

    for (c = 0; c < 70000; c++) {
        expect = (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014)
                 || (c >= 3000 && c <= 4999);

        if ((unsigned) ngx_f1_replay_ws_close_code_valid(c) != expect) {
            printf("# code %u\n", c);
            ok = 0;
        }
    }

    UNIT_CHECK(ok, "close codes 0-69999");

    UNIT_CHECK(ngx_f1_replay_ws_close_code_valid(1000)
               && ngx_f1_replay_ws_close_code_valid(1001)
               && ngx_f1_replay_ws_close_code_valid(1011)
               && ngx_f1_replay_ws_close_code_valid(3000)
               && ngx_f1_replay_ws_close_code_valid(4999),
               "close codes 1000, 1001, 1011, 3000, 4999 valid");

    UNIT_CHECK(!ngx_f1_replay_ws_close_code_valid(0)
               && !ngx_f1_replay_ws_close_code_valid(999)
               && !ngx_f1_replay_ws_close_code_valid(1004)
               && !ngx_f1_replay_ws_close_code_valid(1005)
               && !ngx_f1_replay_ws_close_code_valid(1006)
               && !ngx_f1_replay_ws_close_code_valid(1015)
               && !ngx_f1_replay_ws_close_code_valid(1016)
               && !ngx_f1_replay_ws_close_code_valid(2999)
               && !ngx_f1_replay_ws_close_code_valid(5000)
               && !ngx_f1_replay_ws_close_code_valid(65535),
               "close codes 0, 999, 1004-1006, 1015, 1016, 2999, 5000, "
               "65535 invalid");
}


static void
ngx_f1_replay_test_header(void)
{
    size_t         n;
    unsigned char  h[NGX_F1_REPLAY_WS_HEADER_MAX];

    n = ngx_f1_replay_ws_header(h, NGX_F1_REPLAY_WS_TEXT, 0);
    UNIT_CHECK(n == 2 && memcmp(h, "\x81\x00", 2) == 0, "header length 0");

    n = ngx_f1_replay_ws_header(h, NGX_F1_REPLAY_WS_TEXT, 125);
    UNIT_CHECK(n == 2 && memcmp(h, "\x81\x7d", 2) == 0,
               "header length 125");

    n = ngx_f1_replay_ws_header(h, NGX_F1_REPLAY_WS_TEXT, 126);
    UNIT_CHECK(n == 4 && memcmp(h, "\x81\x7e\x00\x7e", 4) == 0,
               "header length 126");

    n = ngx_f1_replay_ws_header(h, NGX_F1_REPLAY_WS_BINARY, 65535);
    UNIT_CHECK(n == 4 && memcmp(h, "\x82\x7e\xff\xff", 4) == 0,
               "header length 65535");

    n = ngx_f1_replay_ws_header(h, NGX_F1_REPLAY_WS_TEXT, 65536);
    UNIT_CHECK(n == 10
               && memcmp(h, "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10)
                  == 0,
               "header length 65536");

    n = ngx_f1_replay_ws_header(h, NGX_F1_REPLAY_WS_BINARY,
                                0x0123456789abcdefULL);
    UNIT_CHECK(n == 10
               && memcmp(h, "\x82\x7f\x01\x23\x45\x67\x89\xab\xcd\xef", 10)
                  == 0,
               "header 64-bit length");

    n = ngx_f1_replay_ws_header(h, NGX_F1_REPLAY_WS_PONG, 3);
    UNIT_CHECK(n == 2 && memcmp(h, "\x8a\x03", 2) == 0, "header pong");

    n = ngx_f1_replay_ws_close_frame(h, 1000);
    UNIT_CHECK(n == 4 && memcmp(h, "\x88\x02\x03\xe8", 4) == 0,
               "close frame 1000");

    n = ngx_f1_replay_ws_close_frame(h, 1009);
    UNIT_CHECK(n == 4 && memcmp(h, "\x88\x02\x03\xf1", 4) == 0,
               "close frame 1009");

    UNIT_CHECK(ngx_f1_replay_ws_close_frame(h, 1005) == 2
               && memcmp(h, "\x88\x00", 2) == 0
               && ngx_f1_replay_ws_close_frame(h, 0) == 2
               && ngx_f1_replay_ws_close_frame(h, 1006) == 2
               && ngx_f1_replay_ws_close_frame(h, 1015) == 2,
               "close frame without a code for 0, 1005, 1006, 1015");
}


static void
ngx_f1_replay_test_frames(void)
{
    size_t                     i;
    unsigned char             *pos, buf[64];
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    /* RFC 6455 5.7: a masked "Hello" */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "T:Hello;"),
               "RFC masked text frame, whole and in chunks of 1 to 64");

    /* ... and one byte per call, AGAIN each time until the last */

    ngx_f1_replay_ws_parser_init(&p, 1024);
    ev = NGX_F1_REPLAY_WS_AGAIN;

    for (i = 0; i < 11; i++) {
        pos = ngx_f1_replay_test_buf + i;
        ev = ngx_f1_replay_ws_parse(&p, &pos, pos + 1);

        if (pos != ngx_f1_replay_test_buf + i + 1
            || (i < 10 && ev != NGX_F1_REPLAY_WS_AGAIN))
        {
            break;
        }
    }

    UNIT_CHECK(i == 11 && ev == NGX_F1_REPLAY_WS_MESSAGE
               && p.opcode == NGX_F1_REPLAY_WS_TEXT && p.len == 5
               && memcmp(p.payload, "Hello", 5) == 0,
               "byte by byte: AGAIN 10 times, then the message");

    pos = buf;
    UNIT_CHECK(ngx_f1_replay_ws_parse(&p, &pos, buf) == NGX_F1_REPLAY_WS_AGAIN
               && pos == buf, "no input: AGAIN");

    ngx_f1_replay_ws_parser_free(&p);
    ngx_f1_replay_ws_parser_free(&p);

    /* RFC 6455 5.7: unmasked "Hello" */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x81\x05\x48\x65\x6c\x6c\x6f");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "E1002 unmasked frame;"),
               "unmasked frame: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x89\x00");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "E1002 unmasked frame;"),
               "unmasked ping: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x82, "\x00\xff\xfe\x80");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "B:\\x00\\xff\\xfe\\x80;"),
               "binary is not UTF-8 checked");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "");
    ngx_f1_replay_test_add_s(0x82, "");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "T:;B:;"),
               "empty text and binary messages");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "");
    UNIT_CHECK(ngx_f1_replay_test_parse(0, "T:;"),
               "empty message with max_message 0");

    /* a length in a longer form than needed is accepted */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x81\xfe\x00\x02\x00\x00\x00\x00ok"
                             "\x82\xff\x00\x00\x00\x00\x00\x00\x00\x01"
                             "\x01\x01\x01\x01\x01");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "T:ok;B:\\x00;"),
               "non-minimal 16 and 64-bit lengths");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "one");
    ngx_f1_replay_test_add_s(0x82, "two");
    ngx_f1_replay_test_add_s(0x81, "three");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "T:one;B:two;T:three;"),
               "three messages in one buffer");

    /* the first event leaves pos at the second frame */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "one");
    i = ngx_f1_replay_test_len;
    ngx_f1_replay_test_add_s(0x82, "two");

    ngx_f1_replay_ws_parser_init(&p, 1024);
    pos = ngx_f1_replay_test_buf;
    ev = ngx_f1_replay_ws_parse(&p, &pos,
                                ngx_f1_replay_test_buf
                                + ngx_f1_replay_test_len);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_MESSAGE
               && pos == ngx_f1_replay_test_buf + i
               && p.len == 3 && memcmp(p.payload, "one", 3) == 0,
               "parse stops after the first message");

    ev = ngx_f1_replay_ws_parse(&p, &pos,
                                ngx_f1_replay_test_buf
                                + ngx_f1_replay_test_len);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_MESSAGE
               && p.opcode == NGX_F1_REPLAY_WS_BINARY
               && pos == ngx_f1_replay_test_buf + ngx_f1_replay_test_len
               && p.len == 3 && memcmp(p.payload, "two", 3) == 0,
               "the second call returns the second message");

    ev = ngx_f1_replay_ws_parse(&p, &pos, pos);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_AGAIN, "then AGAIN");

    ngx_f1_replay_ws_parser_free(&p);

    /* the caller's bytes are not changed by unmasking */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "caller's buffer");
    memcpy(buf, ngx_f1_replay_test_buf, ngx_f1_replay_test_len);

    ngx_f1_replay_ws_parser_init(&p, 1024);
    pos = ngx_f1_replay_test_buf;
    ev = ngx_f1_replay_ws_parse(&p, &pos,
                                ngx_f1_replay_test_buf
                                + ngx_f1_replay_test_len);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_MESSAGE
               && memcmp(buf, ngx_f1_replay_test_buf,
                         ngx_f1_replay_test_len)
                  == 0
               && (p.payload < ngx_f1_replay_test_buf
                   || p.payload >= ngx_f1_replay_test_buf
                                   + ngx_f1_replay_test_len),
               "the input is left as it was; payload is the parser's");

    ngx_f1_replay_ws_parser_free(&p);
}


static void
ngx_f1_replay_test_fragments(void)
{
    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "Hel");
    ngx_f1_replay_test_add_s(0x89, "ping!");
    ngx_f1_replay_test_add_s(0x80, "lo");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "PI:ping!;T:Hello;"),
               "fragmented text with a ping between fragments");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x02, "a");
    ngx_f1_replay_test_add_s(0x8a, "");
    ngx_f1_replay_test_add_s(0x00, "b");
    ngx_f1_replay_test_add_s(0x89, "x");
    ngx_f1_replay_test_add_s(0x89, "y");
    ngx_f1_replay_test_add_s(0x00, "");
    ngx_f1_replay_test_add_s(0x80, "c");
    ngx_f1_replay_test_add_s(0x81, "next");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                                        "PO:;PI:x;PI:y;B:abc;T:next;"),
               "binary in 4 fragments with 3 control frames between");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "");
    ngx_f1_replay_test_add_s(0x00, "");
    ngx_f1_replay_test_add_s(0x80, "");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "T:;"),
               "text of three empty fragments");

    /* U+00E9 and U+1F3CE cut between fragments */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "caf\xc3");
    ngx_f1_replay_test_add_s(0x00, "\xa9 \xf0");
    ngx_f1_replay_test_add_s(0x89, "");
    ngx_f1_replay_test_add_s(0x00, "\x9f");
    ngx_f1_replay_test_add_s(0x80, "\x8f\x8e");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "PI:;T:caf\\xc3\\xa9 \\xf0\\x9f\\x8f\\x8e;"),
               "multibyte characters split across fragments are valid");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "Hel");
    ngx_f1_replay_test_add_s(0x88, "\x03\xe8");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "C1000:;"),
               "close inside a fragmented message");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x80, "lo");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1002 continuation without a message;"),
               "continuation without a start: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "done");
    ngx_f1_replay_test_add_s(0x00, "more");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "T:done;E1002 continuation without a message;"),
               "continuation after a finished message: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "Hel");
    ngx_f1_replay_test_add_s(0x81, "lo");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1002 new message inside a fragmented message;"),
               "text frame inside a fragmented message: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x02, "Hel");
    ngx_f1_replay_test_add_s(0x01, "lo");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1002 new message inside a fragmented message;"),
               "unfinished text inside a fragmented binary: 1002");
}


static void
ngx_f1_replay_test_limits(void)
{
    unsigned char             *pos, big[300];
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    memset(big, 'x', sizeof(big));

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x81, big, 16);
    UNIT_CHECK(ngx_f1_replay_test_parse(16, "T:xxxxxxxxxxxxxxxx;"),
               "message of exactly max_message");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x81, big, 17);
    UNIT_CHECK(ngx_f1_replay_test_parse(16, "E1009 message too big;"),
               "single frame over max_message: 1009");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x82, big, 300);
    UNIT_CHECK(ngx_f1_replay_test_parse(299, "E1009 message too big;"),
               "16-bit length frame over max_message: 1009");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x82, big, 1);
    UNIT_CHECK(ngx_f1_replay_test_parse(0, "E1009 message too big;"),
               "1 byte with max_message 0: 1009");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x01, big, 10);
    ngx_f1_replay_test_add(0x89, big, 100);
    ngx_f1_replay_test_add(0x00, big, 6);
    ngx_f1_replay_test_add(0x80, big, 1);
    UNIT_CHECK(ngx_f1_replay_test_parse(16,
                                        "PI[100];E1009 message too big;"),
               "fragments over max_message: 1009 (pings not counted)");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x01, big, 10);
    ngx_f1_replay_test_add(0x80, big, 6);
    ngx_f1_replay_test_add(0x81, big, 16);
    UNIT_CHECK(ngx_f1_replay_test_parse(16,
                   "T:xxxxxxxxxxxxxxxx;T:xxxxxxxxxxxxxxxx;"),
               "the limit counts per message");

    /* fails on the header, before any payload */

    ngx_f1_replay_ws_parser_init(&p, 16);
    pos = (unsigned char *) "\x81\x91";
    ev = ngx_f1_replay_ws_parse(&p, &pos, pos + 2);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_ERROR && p.close_code == 1009
               && p.msg == NULL,
               "1009 on the first 2 bytes of the frame");
    ngx_f1_replay_ws_parser_free(&p);

    ngx_f1_replay_ws_parser_init(&p, 1 << 20);
    pos = (unsigned char *) "\x82\xff\x00\x00\x01\x00\x00\x00\x00\x00"
                            "\x01\x02\x03\x04";
    ev = ngx_f1_replay_ws_parse(&p, &pos, pos + 14);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_ERROR && p.close_code == 1009
               && p.msg == NULL,
               "1009 on the header of a 1 TB frame, nothing allocated");
    ngx_f1_replay_ws_parser_free(&p);

    /* memory follows the bytes received, not the announced length */

    ngx_f1_replay_ws_parser_init(&p, 1 << 20);
    pos = (unsigned char *) "\x82\xff\x00\x00\x00\x00\x00\x0f\x00\x00"
                            "\x01\x02\x03\x04zz";
    ev = ngx_f1_replay_ws_parse(&p, &pos, pos + 16);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_AGAIN && p.msg_cap < 4096,
               "a 983040-byte frame announced: no big allocation yet");
    ngx_f1_replay_ws_parser_free(&p);

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x01, big, 10);
    ngx_f1_replay_test_raw_s("\x80\xff\x00\x00\x00\x00\x00\x00\x00\x07"
                             "\x00\x00\x00\x00");
    UNIT_CHECK(ngx_f1_replay_test_parse(16, "E1009 message too big;"),
               "1009 on a continuation's 64-bit length");
}


static void
ngx_f1_replay_test_bad_utf8(void)
{
    unsigned char             *pos, buf[64];
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "a\xc0\xaf");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 invalid UTF-8 in a text message;"),
               "overlong in a text message: 1007");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "\xed\xa0\x80");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 invalid UTF-8 in a text message;"),
               "surrogate in a text message: 1007");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "\xf4\x90\x80\x80");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 invalid UTF-8 in a text message;"),
               "U+110000 in a text message: 1007");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "caf\xc3");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 truncated UTF-8 in a text message;"),
               "text ending inside a character: 1007");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "caf\xc3");
    ngx_f1_replay_test_add_s(0x80, "");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 truncated UTF-8 in a text message;"),
               "fragmented text ending inside a character: 1007");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "caf\xc3");
    ngx_f1_replay_test_add_s(0x89, "");
    ngx_f1_replay_test_add_s(0x80, "\xc3\xa9");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "PI:;E1007 invalid UTF-8 in a text message;"),
               "a character cut by another lead byte: 1007");

    /* the first fragment is enough to fail; no FIN ever comes */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc"
                             "\xce\xb5\xed\xa0\x80" "edited");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 invalid UTF-8 in a text message;"),
               "bad UTF-8 in an unfinished fragment: 1007 at once");

    /* ... and part of a frame is enough too */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "ok\xff and then a long rest of "
                             "the frame that never comes");

    ngx_f1_replay_ws_parser_init(&p, 1024);
    memcpy(buf, ngx_f1_replay_test_buf, 9);
    pos = buf;
    ev = ngx_f1_replay_ws_parse(&p, &pos, buf + 9);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_ERROR && p.close_code == 1007,
               "1007 on the first 3 bytes of a 48-byte text frame");
    ngx_f1_replay_ws_parser_free(&p);

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "\xc3");
    ngx_f1_replay_test_add_s(0x80, "\xa9");
    ngx_f1_replay_test_add_s(0x81, "\xa9");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "T:\\xc3\\xa9;E1007 invalid UTF-8 in a text message;"),
               "each text message starts the validator afresh");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x01, "\xc3");
    ngx_f1_replay_test_add_s(0x89, "\xff");
    ngx_f1_replay_test_add_s(0x8a, "\xa9\xc3");
    ngx_f1_replay_test_add_s(0x80, "\xa9");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "PI:\\xff;PO:\\xa9\\xc3;T:\\xc3\\xa9;"),
               "ping and pong bytes do not touch the text's UTF-8");
}


static void
ngx_f1_replay_test_close(void)
{
    char           name[64], expect[32];
    size_t         i;
    unsigned char  body[2], reason[125];

    static const unsigned  bad[] = {
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
        65535
    };

    static const unsigned  good[] = {
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
        1014, 3000, 3999, 4000, 4999
    };

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x88, "\x03\xe8" "bye \xc3\xa9");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "C1000:bye \\xc3\\xa9;"),
               "close with a code and a reason");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x88, "");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "C1005:;"),
               "empty close: 1005");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x88, "\x03");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "E1002 1-byte close body;"),
               "1-byte close body: 1002");

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ngx_f1_replay_test_reset();
        body[0] = (unsigned char) (bad[i] >> 8);
        body[1] = (unsigned char) bad[i];
        ngx_f1_replay_test_add(0x88, body, 2);

        snprintf(name, sizeof(name), "close code %u: 1002", bad[i]);
        UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                       "E1002 invalid close code;"), name);
    }

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ngx_f1_replay_test_reset();
        body[0] = (unsigned char) (good[i] >> 8);
        body[1] = (unsigned char) good[i];
        ngx_f1_replay_test_add(0x88, body, 2);

        snprintf(name, sizeof(name), "close code %u accepted", good[i]);
        snprintf(expect, sizeof(expect), "C%u:;", good[i]);
        UNIT_CHECK(ngx_f1_replay_test_parse(1024, expect), name);
    }

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x88, "\x03\xe8" "bad \xed\xa0\x80");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 invalid UTF-8 in a close reason;"),
               "close reason with a surrogate: 1007");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x88, "\x03\xe8" "cut \xc3");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "E1007 invalid UTF-8 in a close reason;"),
               "close reason ending inside a character: 1007");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x88, "\x03\xe8");
    ngx_f1_replay_test_add_s(0x81, "after");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "C1000:;"),
               "close: the parser stops there");

    memset(reason, 'r', sizeof(reason));
    reason[0] = 0x0f;
    reason[1] = 0xa0;

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x88, reason, 125);
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "C4000[123];"),
               "close with a 123-byte reason");
}


static void
ngx_f1_replay_test_protocol(void)
{
    char                       name[64];
    size_t                     i;
    unsigned char             *pos, big[130];
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    static const unsigned  rsv[] = { 0x40, 0x20, 0x10 };

    memset(big, 'p', sizeof(big));

    for (i = 0; i < 3; i++) {
        ngx_f1_replay_test_reset();
        ngx_f1_replay_test_add_s(0x81 | rsv[i], "x");

        snprintf(name, sizeof(name), "RSV%zu set: 1002", i + 1);
        UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                                            "E1002 reserved bits set;"),
                   name);
    }

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x89 | 0x40, "x");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "E1002 reserved bits set;"),
               "RSV1 on a ping: 1002");

    for (i = 3; i < 16; i++) {
        if (i >= 8 && i <= 10) {
            continue;
        }

        ngx_f1_replay_test_reset();
        ngx_f1_replay_test_add_s(0x80 | i, "");

        snprintf(name, sizeof(name), "opcode 0x%zx: 1002", i);
        UNIT_CHECK(ngx_f1_replay_test_parse(1024, "E1002 unknown opcode;"),
                   name);
    }

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x89, big, 125);
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "PI[125];"),
               "ping of 125 bytes");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x89, big, 126);
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                                        "E1002 control frame too long;"),
               "ping of 126 bytes: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x8a\xff\x00\x00\x00\x00\x00\x00\x00\x01"
                             "\x00\x00\x00\x00x");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                                        "E1002 control frame too long;"),
               "pong with a 64-bit length: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x09, "x");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                                        "E1002 fragmented control frame;"),
               "ping without FIN: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x08, "\x03\xe8");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                                        "E1002 fragmented control frame;"),
               "close without FIN: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01"
                             "\x00\x00\x00\x00");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                                        "E1002 frame length over 63 bits;"),
               "64-bit length with the high bit set: 1002");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff"
                             "\x00\x00\x00\x00");
    UNIT_CHECK(ngx_f1_replay_test_parse((size_t) -1,
                                        "E1002 frame length over 63 bits;"),
               "64-bit length of all ones: 1002, even with no limit");

    /* an error is final, and input is not consumed any more */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_raw_s("\x81\x05Hello\x81\x80\x00\x00\x00\x00");

    ngx_f1_replay_ws_parser_init(&p, 1024);
    pos = ngx_f1_replay_test_buf;
    ev = ngx_f1_replay_ws_parse(&p, &pos, pos + ngx_f1_replay_test_len);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_ERROR && p.close_code == 1002
               && strcmp(p.error, "unmasked frame") == 0
               && p.payload != NULL && p.len == 0,
               "error: code, reason, empty payload");

    pos = ngx_f1_replay_test_buf + 7;
    ev = ngx_f1_replay_ws_parse(&p, &pos, pos + 6);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_ERROR && p.close_code == 1002
               && strcmp(p.error, "unmasked frame") == 0
               && pos == ngx_f1_replay_test_buf + 7,
               "after an error: the same error, nothing consumed");

    ngx_f1_replay_ws_parser_free(&p);

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x88, "\x03\xe9" "away");
    ngx_f1_replay_test_add_s(0x81, "late");

    ngx_f1_replay_ws_parser_init(&p, 1024);
    pos = ngx_f1_replay_test_buf;
    ev = ngx_f1_replay_ws_parse(&p, &pos, pos + ngx_f1_replay_test_len);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_CLOSE_EV && p.close_code == 1001
               && p.len == 4 && memcmp(p.payload, "away", 4) == 0
               && p.opcode == NGX_F1_REPLAY_WS_CLOSE
               && pos == ngx_f1_replay_test_buf + 12,
               "close event: code, reason, pos after the close frame");

    ev = ngx_f1_replay_ws_parse(&p, &pos,
                                ngx_f1_replay_test_buf
                                + ngx_f1_replay_test_len);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_ERROR && p.close_code == 1002
               && strcmp(p.error, "input after close") == 0
               && pos == ngx_f1_replay_test_buf + 12,
               "after a close: ERROR, nothing consumed");

    ev = ngx_f1_replay_ws_parse(&p, &pos, pos);
    UNIT_CHECK(ev == NGX_F1_REPLAY_WS_ERROR,
               "after a close: ERROR even without input");

    ngx_f1_replay_ws_parser_free(&p);
}


static void
ngx_f1_replay_test_events(void)
{
    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x89, "");
    ngx_f1_replay_test_add_s(0x8a, "unsolicited");
    ngx_f1_replay_test_add_s(0x89, "\x00\x01\x02");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "PI:;PO:unsolicited;PI:\\x00\\x01\\x02;"),
               "empty ping, unsolicited pong, binary ping payload");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "{\"subscribe\":[\"CarData\"]}");
    ngx_f1_replay_test_add_s(0x89, "t");
    ngx_f1_replay_test_add_s(0x88, "\x03\xe8");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024,
                   "T:{\"subscribe\":[\"CarData\"]};PI:t;C1000:;"),
               "a message, a ping and a close in one buffer");

    /* a header cut at every byte, the frames before it complete */

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add_s(0x81, "a");
    ngx_f1_replay_test_raw_s("\x82\xff\x00\x00\x00\x00\x00\x00\x00");
    UNIT_CHECK(ngx_f1_replay_test_parse(1024, "T:a;"),
               "input ending inside a 64-bit length: AGAIN");
}


/* fragments of every size, chunks of every size: the word unmasking */

static void
ngx_f1_replay_test_large(void)
{
    int                        ok;
    size_t                     i, k, off, n, chunk, total;
    unsigned char             *data, *pos, *end;
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    total = 70000;

    data = malloc(total);
    if (data == NULL) {
        UNIT_CHECK(0, "large buffer");
        return;
    }

    for (i = 0; i < total; i++) {
        data[i] = (unsigned char) (i * 7 + (i >> 8));
    }

    /* fragments of 0, 1, 2, ... 37 bytes, then the rest */

    ngx_f1_replay_test_reset();

    for (off = 0, k = 0, n = 0; off < 4000; k = (k + 1) % 38, n++) {
        ngx_f1_replay_test_add(n ? 0x00 : 0x02, data + off, k);
        off += k;

        if (k % 5 == 0) {
            ngx_f1_replay_test_add(0x89, data, k % 126);
        }
    }

    ngx_f1_replay_test_add(0x80, data + off, total - off);

    ok = 1;

    for (chunk = 1; chunk <= 33; chunk++) {
        ngx_f1_replay_ws_parser_init(&p, total);

        pos = ngx_f1_replay_test_buf;
        end = pos + ngx_f1_replay_test_len;
        n = 0;

        do {
            unsigned char  *e;

            e = (size_t) (end - pos) > chunk ? pos + chunk : end;
            ev = ngx_f1_replay_ws_parse(&p, &pos, e);

            if (ev == NGX_F1_REPLAY_WS_PING_EV) {
                if (memcmp(p.payload, data, p.len) != 0) {
                    ok = 0;
                }

                continue;
            }

            if (ev == NGX_F1_REPLAY_WS_MESSAGE) {
                n++;

                if (p.opcode != NGX_F1_REPLAY_WS_BINARY || p.len != total
                    || memcmp(p.payload, data, total) != 0)
                {
                    printf("# chunk %zu: bad message\n", chunk);
                    ok = 0;
                }
            }

            if (ev == NGX_F1_REPLAY_WS_ERROR) {
                printf("# chunk %zu: %s\n", chunk, p.error);
                ok = 0;
                break;
            }

        } while (pos < end);

        if (n != 1 || p.msg_cap > total) {
            ok = 0;
        }

        ngx_f1_replay_ws_parser_free(&p);
    }

    UNIT_CHECK(ok, "70000-byte binary in ~200 fragments with pings, "
               "chunks of 1 to 33 bytes");

    ngx_f1_replay_test_reset();
    ngx_f1_replay_test_add(0x82, data, total);
    ngx_f1_replay_test_add(0x82, data, 65535);
    ngx_f1_replay_test_add(0x82, data, 126);

    ngx_f1_replay_ws_parser_init(&p, total);
    pos = ngx_f1_replay_test_buf;
    end = pos + ngx_f1_replay_test_len;

    ev = ngx_f1_replay_ws_parse(&p, &pos, end);
    ok = (ev == NGX_F1_REPLAY_WS_MESSAGE && p.len == total
          && memcmp(p.payload, data, total) == 0);

    ev = ngx_f1_replay_ws_parse(&p, &pos, end);
    ok = ok && (ev == NGX_F1_REPLAY_WS_MESSAGE && p.len == 65535
                && memcmp(p.payload, data, 65535) == 0);

    ev = ngx_f1_replay_ws_parse(&p, &pos, end);
    ok = ok && (ev == NGX_F1_REPLAY_WS_MESSAGE && p.len == 126
                && memcmp(p.payload, data, 126) == 0 && pos == end);

    UNIT_CHECK(ok && p.msg_cap == total,
               "frames of 70000 (64-bit length), 65535 and 126 bytes");

    ngx_f1_replay_ws_parser_free(&p);

    UNIT_CHECK(p.msg == NULL && p.msg_cap == 0, "free releases the buffer");

    free(data);
}
