
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ngx_f1_replay_line.h"
#include "unit.h"


#define NGX_F1_REPLAY_TEST_MAX  (1024 * 1024)


static int ngx_f1_replay_test_line(ngx_f1_replay_lines_t *ls,
    int32_t time_ms, const char *json, size_t lineno, int terminated);
static size_t ngx_f1_replay_test_deflate(const unsigned char *in,
    size_t len, unsigned char *out, size_t size);
static size_t ngx_f1_replay_test_base64(const unsigned char *in,
    size_t len, char *out, int pad);
static size_t ngx_f1_replay_test_z(const char *plain, size_t len,
    char *out, size_t size, int pad);
static int ngx_f1_replay_test_decode(const char *z, size_t max_out,
    const char *expect, size_t expect_len);
static int ngx_f1_replay_test_decode_error(const char *z, size_t max_out,
    const char *expect);
static void ngx_f1_replay_test_lines(void);
static void ngx_f1_replay_test_decode_z(void);


int
main(void)
{
    ngx_f1_replay_test_lines();
    ngx_f1_replay_test_decode_z();

    return UNIT_DONE();
}


/* the next line is an OK one with these fields */

static int
ngx_f1_replay_test_line(ngx_f1_replay_lines_t *ls, int32_t time_ms,
    const char *json, size_t lineno, int terminated)
{
    int                   rc;
    char                  err[128];
    ngx_f1_replay_line_t  line;

    rc = ngx_f1_replay_line_next(ls, &line, err, sizeof(err));

    if (rc != NGX_F1_REPLAY_LINE_OK
        || line.time_ms != time_ms
        || line.json_len != strlen(json)
        || memcmp(line.json, json, line.json_len) != 0
        || line.lineno != lineno
        || ls->lineno != lineno
        || line.terminated != terminated)
    {
        printf("# rc %d time %d lineno %zu terminated %d\n", rc,
               (int) line.time_ms, line.lineno, line.terminated);
        return 0;
    }

    return 1;
}


static void
ngx_f1_replay_test_lines(void)
{
    int                    rc;
    char                   err[128];
    const char            *s;
    ngx_f1_replay_line_t   line;
    ngx_f1_replay_lines_t  ls;

    s = "\xef\xbb\xbf" "00:00:01.000{\"a\":1}\r\n"
        "00:10:02.500\"x\"\r\n";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 1000, "{\"a\":1}", 1, 1),
               "BOM skipped, CRLF line 1");
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 602500, "\"x\"", 2, 1),
               "CRLF line 2");
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_DONE, "done after the last line");
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_DONE, "done stays done");

    s = "00:00:01.000{}\n00:00:02.000[]\n";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 1000, "{}", 1, 1),
               "LF line 1");
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 2000, "[]", 2, 1),
               "LF line 2");
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_DONE, "LF done");

    s = "00:00:01.000{}\r\n00:00:02.000{\"a\":";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 1000, "{}", 1, 1),
               "line before a truncated one");
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 2000, "{\"a\":", 2, 0),
               "missing final newline: terminated = 0");
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_DONE, "done after the truncated line");

    s = "00:00:01.000{}\r";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 1000, "{}", 1, 0),
               "cut between CR and LF: CR dropped, terminated = 0");

    s = "00:00:01.000{}\nxx:00:02.000{}\n00:00\n00:00:03.000{}";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 1000, "{}", 1, 1),
               "good line before a bad one");

    err[0] = '\0';
    rc = ngx_f1_replay_line_next(&ls, &line, err, sizeof(err));
    UNIT_CHECK(rc == NGX_F1_REPLAY_LINE_BAD && line.lineno == 2
               && line.terminated == 1
               && strcmp(err, "bad time prefix \"xx:00:02.000\"") == 0,
               "bad time prefix: LINE_BAD with lineno and reason");

    err[0] = '\0';
    rc = ngx_f1_replay_line_next(&ls, &line, err, sizeof(err));
    UNIT_CHECK(rc == NGX_F1_REPLAY_LINE_BAD && line.lineno == 3
               && strcmp(err, "bad time prefix \"00:00\"") == 0,
               "short line: LINE_BAD");

    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 3000, "{}", 4, 0),
               "reader goes on after bad lines");

    s = "\x01\"\xff" "4567890123{}\n";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    rc = ngx_f1_replay_line_next(&ls, &line, err, sizeof(err));
    UNIT_CHECK(rc == NGX_F1_REPLAY_LINE_BAD
               && strcmp(err, "bad time prefix \"\\x01\\x22\\xff456789012\"")
                  == 0,
               "unprintable bytes in the reason are escaped");

    s = "\n\r\n00:00:01.000{}\n\n\r\n00:00:02.000[]\n\n";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 1000, "{}", 3, 1),
               "empty lines skipped, lineno counts them");
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 2000, "[]", 6, 1),
               "empty lines skipped between lines");
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_DONE, "trailing empty lines: done");

    s = "00:00:01.000";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_test_line(&ls, 1000, "", 1, 0),
               "time without JSON: empty json");

    ngx_f1_replay_line_init(&ls, NULL, 0);
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_DONE, "empty buffer: done");

    s = "\xef\xbb\xbf";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_DONE, "BOM only: done");

    s = "\xef\xbb";

    ngx_f1_replay_line_init(&ls, (const unsigned char *) s, strlen(s));
    UNIT_CHECK(ngx_f1_replay_line_next(&ls, &line, err, sizeof(err))
               == NGX_F1_REPLAY_LINE_BAD, "partial BOM is a bad line");
}


/* raw DEFLATE of in, as the archive has it; returns the length */

static size_t
ngx_f1_replay_test_deflate(const unsigned char *in, size_t len,
    unsigned char *out, size_t size)
{
    size_t    n;
    z_stream  z;

    memset(&z, 0, sizeof(z_stream));

    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY)
        != Z_OK)
    {
        return 0;
    }

    z.next_in = (unsigned char *) in;
    z.avail_in = len;
    z.next_out = out;
    z.avail_out = size;

    n = (deflate(&z, Z_FINISH) == Z_STREAM_END) ? z.total_out : 0;

    deflateEnd(&z);

    return n;
}


static size_t
ngx_f1_replay_test_base64(const unsigned char *in, size_t len, char *out,
    int pad)
{
    char      *p;
    size_t     i;
    uint32_t   v;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    p = out;

    for (i = 0; i + 3 <= len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];
        *p++ = alphabet[(v >> 6) & 63];
        *p++ = alphabet[v & 63];
    }

    if (len - i == 1) {
        v = (uint32_t) in[i] << 16;
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];

        if (pad) {
            *p++ = '=';
            *p++ = '=';
        }

    } else if (len - i == 2) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8;
        *p++ = alphabet[v >> 18];
        *p++ = alphabet[(v >> 12) & 63];
        *p++ = alphabet[(v >> 6) & 63];

        if (pad) {
            *p++ = '=';
        }
    }

    *p = '\0';

    return p - out;
}


/* "\"<base64 of deflated plain>\"" in out, NUL-terminated */

static size_t
ngx_f1_replay_test_z(const char *plain, size_t len, char *out,
    size_t size, int pad)
{
    size_t          n;
    unsigned char  *bin;

    bin = malloc(len + 1024);
    if (bin == NULL) {
        return 0;
    }

    n = ngx_f1_replay_test_deflate((const unsigned char *) plain, len, bin,
                                   len + 1024);

    if (n == 0 || (n + 2) / 3 * 4 + 3 > size) {
        free(bin);
        return 0;
    }

    out[0] = '"';
    n = ngx_f1_replay_test_base64(bin, n, out + 1, pad);
    out[n + 1] = '"';
    out[n + 2] = '\0';

    free(bin);

    return n + 2;
}


static int
ngx_f1_replay_test_decode(const char *z, size_t max_out, const char *expect,
    size_t expect_len)
{
    int             rc;
    char            err[128];
    size_t          len;
    unsigned char  *out;

    err[0] = '\0';
    out = NULL;

    rc = ngx_f1_replay_line_decode_z((const unsigned char *) z, strlen(z), &out,
                                &len, max_out, err, sizeof(err));
    if (rc != 0) {
        printf("# %s\n", err);
        return 0;
    }

    rc = (len == expect_len && memcmp(out, expect, len) == 0
          && out[len] == '\0');

    free(out);

    return rc;
}


static int
ngx_f1_replay_test_decode_error(const char *z, size_t max_out,
    const char *expect)
{
    int             rc;
    char            err[128];
    size_t          len;
    unsigned char  *out;

    err[0] = '\0';
    out = NULL;
    len = 0;

    rc = ngx_f1_replay_line_decode_z((const unsigned char *) z, strlen(z), &out,
                                &len, max_out, err, sizeof(err));
    if (rc != -1 || out != NULL || len != 0
        || strncmp(err, expect, strlen(expect)) != 0)
    {
        printf("# \"%s\"\n", err);
        free(out);
        return 0;
    }

    return 1;
}


static void
ngx_f1_replay_test_decode_z(void)
{
    int      ok;
    char    *plain, *z, bin[64], msg[64];
    size_t   i, n, len;

    static const char  car[] =
        "{\"Entries\":[{\"Utc\":\"2025-08-31T13:00:00.1230000Z\","
        "\"Cars\":{\"1\":{\"Channels\":{\"0\":11000,\"2\":301,\"3\":8,"
        "\"4\":100,\"5\":0,\"45\":12}},\"4\":{\"Channels\":{\"0\":10500,"
        "\"2\":298,\"3\":8,\"4\":104,\"5\":0,\"45\":8}}}}]}";

    plain = malloc(NGX_F1_REPLAY_TEST_MAX);
    z = malloc(NGX_F1_REPLAY_TEST_MAX * 2);

    if (plain == NULL || z == NULL) {
        UNIT_CHECK(0, "test buffers");
        free(plain);
        free(z);
        return;
    }

    len = sizeof(car) - 1;

    n = ngx_f1_replay_test_z(car, len, z, NGX_F1_REPLAY_TEST_MAX, 1);
    UNIT_CHECK(n && ngx_f1_replay_test_decode(z, 65536, car, len),
               "decode_z round trip");

    n = ngx_f1_replay_test_z(car, len, z, NGX_F1_REPLAY_TEST_MAX, 0);
    UNIT_CHECK(n && ngx_f1_replay_test_decode(z, 65536, car, len),
               "decode_z round trip without padding");

    UNIT_CHECK(n && ngx_f1_replay_test_decode(z, len, car, len),
               "decode_z output of exactly max_out");

    snprintf(msg, sizeof(msg), "inflated data exceeds %zu bytes", len - 1);
    UNIT_CHECK(n && ngx_f1_replay_test_decode_error(z, len - 1, msg),
               "decode_z max_out exceeded by one byte");

    /* every length of the deflated data modulo 3, padded or not */

    ok = 1;

    for (i = 0; i < 200; i++) {
        plain[i] = (char) ('a' + i * 7 % 26);

        n = ngx_f1_replay_test_z(plain, i, z, NGX_F1_REPLAY_TEST_MAX,
                                 (int) (i & 1));

        if (n == 0 || !ngx_f1_replay_test_decode(z, 200, plain, i)) {
            ok = 0;
        }
    }

    UNIT_CHECK(ok, "decode_z round trips of 0 to 199 bytes");

    /* output far larger than the first guess of the buffer */

    for (i = 0; i < NGX_F1_REPLAY_TEST_MAX; i++) {
        plain[i] = (char) ('0' + i % 10);
    }

    n = ngx_f1_replay_test_z(plain, NGX_F1_REPLAY_TEST_MAX, z,
                             NGX_F1_REPLAY_TEST_MAX * 2, 1);
    UNIT_CHECK(n && ngx_f1_replay_test_decode(z, NGX_F1_REPLAY_TEST_MAX,
                                              plain, NGX_F1_REPLAY_TEST_MAX),
               "decode_z of 1 MB that deflates 1000 to 1");

    UNIT_CHECK(n && ngx_f1_replay_test_decode_error(z, 100000,
                   "inflated data exceeds 100000 bytes"),
               "decode_z max_out exceeded while growing");

    UNIT_CHECK(n && ngx_f1_replay_test_decode_error(z, 0,
                   "inflated data exceeds 0 bytes"),
               "decode_z max_out 0");

    /* errors */

    n = ngx_f1_replay_test_z(car, len, z, NGX_F1_REPLAY_TEST_MAX, 1);

    z[18] = '!';
    UNIT_CHECK(ngx_f1_replay_test_decode_error(z, 65536,
                   "bad base64 at byte 18"),
               "decode_z bad base64 character with its offset");

    z[18] = '=';
    UNIT_CHECK(ngx_f1_replay_test_decode_error(z, 65536,
                   "bad base64 at byte 18"),
               "decode_z padding in the middle");

    z[18] = '\\';
    UNIT_CHECK(ngx_f1_replay_test_decode_error(z, 65536,
                   "bad base64 at byte 18"),
               "decode_z JSON escape is bad base64");

    z[18] = 'A';
    z[2] = '\x80';
    UNIT_CHECK(ngx_f1_replay_test_decode_error(z, 65536,
                   "bad base64 at byte 2"),
               "decode_z non-ASCII byte");

    UNIT_CHECK(ngx_f1_replay_test_decode_error("\"QUJD=\"", 100,
                   "bad base64 padding at byte 5"),
               "decode_z padding after a full quad");

    UNIT_CHECK(ngx_f1_replay_test_decode_error("\"QQ=\"", 100,
                   "bad base64 padding at byte 3"),
               "decode_z half padding");

    UNIT_CHECK(ngx_f1_replay_test_decode_error("\"Q===\"", 100,
                   "bad base64 at byte 2"),
               "decode_z three pad characters");

    UNIT_CHECK(ngx_f1_replay_test_decode_error("\"QUJDR\"", 100,
                   "truncated base64 at byte 5"),
               "decode_z one character after a quad");

    UNIT_CHECK(ngx_f1_replay_test_decode_error("QUJD", 100,
                   "not a JSON string")
               && ngx_f1_replay_test_decode_error("\"", 100,
                   "not a JSON string")
               && ngx_f1_replay_test_decode_error("\"QUJD", 100,
                   "not a JSON string")
               && ngx_f1_replay_test_decode_error("", 100,
                   "not a JSON string"),
               "decode_z needs the quotes");

    UNIT_CHECK(ngx_f1_replay_test_decode_error("\"\"", 100,
                   "inflate: truncated stream"),
               "decode_z of an empty string");

    /* 0xff...: a block of the reserved type 3 */

    memset(bin, 0xff, 12);
    z[0] = '"';
    n = ngx_f1_replay_test_base64((unsigned char *) bin, 12, z + 1, 1);
    memcpy(z + n + 1, "\"", 2);
    UNIT_CHECK(ngx_f1_replay_test_decode_error(z, 100,
                   "inflate: invalid block type"),
               "decode_z bad deflate data");

    n = ngx_f1_replay_test_deflate((const unsigned char *) car, len,
                                   (unsigned char *) plain,
                                   NGX_F1_REPLAY_TEST_MAX);
    z[0] = '"';
    i = ngx_f1_replay_test_base64((unsigned char *) plain, n - 3, z + 1, 1);
    memcpy(z + i + 1, "\"", 2);
    UNIT_CHECK(n && ngx_f1_replay_test_decode_error(z, 65536,
                   "inflate: truncated stream"),
               "decode_z truncated deflate data");

    plain[n] = 0;
    plain[n + 1] = 0;
    i = ngx_f1_replay_test_base64((unsigned char *) plain, n + 2, z + 1, 1);
    memcpy(z + i + 1, "\"", 2);
    UNIT_CHECK(n && ngx_f1_replay_test_decode_error(z, 65536,
                   "inflate: trailing data after the stream"),
               "decode_z data after the end of the stream");

    free(plain);
    free(z);
}
