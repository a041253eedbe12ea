
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ngx_f1_replay_line.h"
#include "ngx_f1_replay_time.h"


#define NGX_F1_REPLAY_LINE_B64_BAD      64    /* not in the alphabet */


static int ngx_f1_replay_line_base64_decode(const unsigned char *src, size_t n,
    unsigned char *dst, size_t *dst_len, char *err, size_t errlen);
static int ngx_f1_replay_line_inflate(const unsigned char *in, size_t in_len,
    unsigned char **out, size_t *out_len, size_t max_out, char *err,
    size_t errlen);


static const unsigned char  ngx_f1_replay_line_base64[256] = {
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 64, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    64,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 64,
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
};


void
ngx_f1_replay_line_init(ngx_f1_replay_lines_t *ls, const unsigned char *buf,
    size_t len)
{
    ls->pos = buf;
    ls->end = buf;
    ls->lineno = 0;

    if (len == 0) {
        return;
    }

    ls->end += len;

    if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) {
        ls->pos += 3;
    }
}


int
ngx_f1_replay_line_next(ngx_f1_replay_lines_t *ls,
    ngx_f1_replay_line_t *line, char *err, size_t errlen)
{
    int                   terminated;
    char                  text[NGX_F1_REPLAY_LINE_ESCAPE_BUF];
    size_t                n;
    const unsigned char  *p, *last;

    /* the lines that are empty (once the CR is off) are skipped */

    do {
        if (ls->pos >= ls->end) {
            return NGX_F1_REPLAY_LINE_DONE;
        }

        p = ls->pos;
        last = memchr(p, '\n', ls->end - p);

        if (last != NULL) {
            ls->pos = last + 1;
            terminated = 1;

        } else {
            last = ls->end;
            ls->pos = ls->end;
            terminated = 0;
        }

        if (last > p && last[-1] == '\r') {
            last--;
        }

        ls->lineno++;

    } while (last == p);

    n = last - p;

    line->lineno = ls->lineno;
    line->terminated = terminated;

    if (n < NGX_F1_REPLAY_TIME_LEN
        || ngx_f1_replay_time_parse(p, NGX_F1_REPLAY_TIME_LEN,
                                    &line->time_ms)
           != 0)
    {
        line->time_ms = 0;
        line->json = NULL;
        line->json_len = 0;

        n = n < NGX_F1_REPLAY_TIME_LEN ? n : NGX_F1_REPLAY_TIME_LEN;

        snprintf(err, errlen, "bad time prefix \"%s\"",
                 ngx_f1_replay_line_escape(p, n, text));

        return NGX_F1_REPLAY_LINE_BAD;
    }

    line->json = p + NGX_F1_REPLAY_TIME_LEN;
    line->json_len = n - NGX_F1_REPLAY_TIME_LEN;

    return NGX_F1_REPLAY_LINE_OK;
}


const char *
ngx_f1_replay_line_escape(const unsigned char *p, size_t len, char *buf)
{
    char    *q;
    size_t   i, n;

    static const char  hex[] = "0123456789abcdef";

    n = len < NGX_F1_REPLAY_LINE_ESCAPE ? len : NGX_F1_REPLAY_LINE_ESCAPE;
    q = buf;

    for (i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
            *q++ = (char) p[i];
            continue;
        }

        *q++ = '\\';
        *q++ = 'x';
        *q++ = hex[p[i] >> 4];
        *q++ = hex[p[i] & 0xf];
    }

    if (n < len) {
        memcpy(q, "...", 3);
        q += 3;
    }

    *q = '\0';

    return buf;
}


int
ngx_f1_replay_line_decode_z(const unsigned char *json, size_t json_len,
    unsigned char **out, size_t *out_len, size_t max_out, char *err,
    size_t errlen)
{
    int             rc;
    size_t          n, bin_len;
    unsigned char  *bin;

    if (json_len < 2 || json[0] != '"' || json[json_len - 1] != '"') {
        snprintf(err, errlen, "not a JSON string");
        return -1;
    }

    n = json_len - 2;

    bin = malloc(n / 4 * 3 + 3);
    if (bin == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    if (ngx_f1_replay_line_base64_decode(json + 1, n, bin, &bin_len,
                                         err, errlen)
        != 0)
    {
        free(bin);
        return -1;
    }

    rc = ngx_f1_replay_line_inflate(bin, bin_len, out, out_len, max_out,
                               err, errlen);

    free(bin);

    return rc;
}


/*
 * Standard alphabet, "=" padding, which may be missing.  The offsets in
 * the messages count from the opening quote of the JSON string.
 */

static int
ngx_f1_replay_line_base64_decode(const unsigned char *src, size_t n,
    unsigned char *dst, size_t *dst_len, char *err, size_t errlen)
{
    size_t                i, pad, rem;
    uint32_t              v;
    unsigned char        *d;
    const unsigned char  *t;

    t = ngx_f1_replay_line_base64;

    for (pad = 0; pad < 2 && pad < n && src[n - 1 - pad] == '='; pad++) {
        /* void */
    }

    if (pad && n % 4 != 0) {
        snprintf(err, errlen, "bad base64 padding at byte %zu",
                 n - pad + 1);
        return -1;
    }

    n -= pad;
    rem = n % 4;

    if (rem == 1) {
        snprintf(err, errlen, "truncated base64 at byte %zu", n);
        return -1;
    }

    d = dst;

    for (i = 0; i < n - rem; i += 4) {
        v = t[src[i]] | t[src[i + 1]] | t[src[i + 2]] | t[src[i + 3]];

        if (v & NGX_F1_REPLAY_LINE_B64_BAD) {
            break;
        }

        v = (uint32_t) t[src[i]] << 18 | (uint32_t) t[src[i + 1]] << 12
            | (uint32_t) t[src[i + 2]] << 6 | t[src[i + 3]];

        d[0] = (unsigned char) (v >> 16);
        d[1] = (unsigned char) (v >> 8);
        d[2] = (unsigned char) v;
        d += 3;
    }

    /* the last 2 or 3 characters, or the quad with a bad one */

    for (v = 0, rem = 0; i < n; i++, rem++) {
        if (t[src[i]] & NGX_F1_REPLAY_LINE_B64_BAD) {
            snprintf(err, errlen, "bad base64 at byte %zu", i + 1);
            return -1;
        }

        v = v << 6 | t[src[i]];
    }

    if (rem == 2) {
        *d++ = (unsigned char) (v >> 4);

    } else if (rem == 3) {
        *d++ = (unsigned char) (v >> 10);
        *d++ = (unsigned char) (v >> 2);
    }

    *dst_len = d - dst;

    return 0;
}


static int
ngx_f1_replay_line_inflate(const unsigned char *in, size_t in_len,
    unsigned char **out, size_t *out_len, size_t max_out, char *err,
    size_t errlen)
{
    int             rc;
    size_t          have, cap, limit, chunk;
    z_stream        z;
    const char     *msg;
    unsigned char  *buf, *p;

    if (in_len > UINT_MAX) {
        snprintf(err, errlen, "inflate: input too large");
        return -1;
    }

    memset(&z, 0, sizeof(z_stream));

    rc = inflateInit2(&z, -MAX_WBITS);
    if (rc != Z_OK) {
        snprintf(err, errlen, "inflate: %s",
                 rc == Z_MEM_ERROR ? "out of memory" : "init failed");
        return -1;
    }

    z.next_in = (unsigned char *) in;
    z.avail_in = (uInt) in_len;

    /*
     * The buffer holds the output and its NUL, with room for max_out + 1
     * output bytes at most: filling that room means too much output.
     * JSON deflates about 10 to 1, so the first guess is rarely grown.
     */

    limit = max_out < SIZE_MAX - 2 ? max_out + 2 : SIZE_MAX;

    cap = in_len < (SIZE_MAX - 64) / 16 ? in_len * 16 + 64 : SIZE_MAX;
    cap = cap < limit ? cap : limit;

    buf = malloc(cap);
    if (buf == NULL) {
        inflateEnd(&z);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    have = 0;
    msg = NULL;

    for ( ;; ) {

        if (have == cap - 1) {
            if (cap == limit) {
                break;
            }

            cap = cap < limit / 2 ? cap * 2 : limit;

            p = realloc(buf, cap);
            if (p == NULL) {
                msg = "out of memory";
                break;
            }

            buf = p;
        }

        chunk = cap - 1 - have;
        chunk = chunk < UINT_MAX ? chunk : UINT_MAX;

        z.next_out = buf + have;
        z.avail_out = (uInt) chunk;

        rc = inflate(&z, Z_NO_FLUSH);

        have += chunk - z.avail_out;

        if (rc == Z_OK) {
            continue;
        }

        if (rc == Z_STREAM_END) {
            if (z.avail_in != 0) {
                msg = "trailing data after the stream";
            }

            break;
        }

        if (rc == Z_BUF_ERROR) {
            msg = "truncated stream";

        } else if (rc == Z_MEM_ERROR) {
            msg = "out of memory";

        } else {
            msg = z.msg ? z.msg : "bad stream";
        }

        break;
    }

    inflateEnd(&z);

    if (msg != NULL) {
        snprintf(err, errlen, "inflate: %s", msg);
        goto failed;
    }

    if (have > max_out) {
        snprintf(err, errlen, "inflated data exceeds %zu bytes", max_out);
        goto failed;
    }

    buf[have] = '\0';

    *out = buf;
    *out_len = have;

    return 0;

failed:

    free(buf);

    return -1;
}
