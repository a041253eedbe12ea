
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_UNIT_Z_H_INCLUDED_
#define _NGX_F1_REPLAY_UNIT_Z_H_INCLUDED_


/*
 * Archive lines written by the unit tests: a buffer of the test's own
 * storage (NGX_F1_REPLAY_TEST_MAX bytes, defined before this header),
 * and ".z" lines (CarData.z, Position.z) as F1 writes them: the time,
 * then the JSON string of the base64 of raw DEFLATE.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ngx_f1_replay_time.h"


typedef struct {
    char        *data;
    size_t       len;
} ngx_f1_replay_test_buf_t;


/* len 0: strlen(s) */
static void
ngx_f1_replay_test_append(ngx_f1_replay_test_buf_t *b, const char *s,
    size_t len)
{
    if (len == 0) {
        len = strlen(s);
    }

    if (b->len + len > NGX_F1_REPLAY_TEST_MAX) {
        fprintf(stderr, "test buffer too small\n");
        exit(125);
    }

    memcpy(b->data + b->len, s, len);
    b->len += len;
}


static size_t
ngx_f1_replay_test_base64(const unsigned char *in, size_t len, char *out)
{
    size_t    i, n;
    uint32_t  v;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    n = 0;

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        out[n++] = alphabet[v >> 18];
        out[n++] = alphabet[v >> 12 & 63];
        out[n++] = alphabet[v >> 6 & 63];
        out[n++] = alphabet[v & 63];
    }

    if (i < len) {
        v = (uint32_t) in[i] << 16;

        if (i + 1 < len) {
            v |= (uint32_t) in[i + 1] << 8;
        }

        out[n++] = alphabet[v >> 18];
        out[n++] = alphabet[v >> 12 & 63];
        out[n++] = (i + 1 < len) ? alphabet[v >> 6 & 63] : '=';
        out[n++] = '=';
    }

    return n;
}


/* "HH:MM:SS.mmm" + the JSON string of base64 raw DEFLATE of json, CRLF */

static void
ngx_f1_replay_test_z_line(ngx_f1_replay_test_buf_t *b, int32_t t,
    const char *json)
{
    char                  time[NGX_F1_REPLAY_TIME_BUF];
    size_t                n;
    z_stream              z;
    static char           b64[NGX_F1_REPLAY_TEST_MAX];
    static unsigned char  raw[NGX_F1_REPLAY_TEST_MAX];

    memset(&z, 0, sizeof(z_stream));

    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY)
        != Z_OK)
    {
        exit(125);
    }

    z.next_in = (unsigned char *) json;
    z.avail_in = strlen(json);
    z.next_out = raw;
    z.avail_out = sizeof(raw);

    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        exit(125);
    }

    n = ngx_f1_replay_test_base64(raw, z.total_out, b64);
    deflateEnd(&z);

    (void) ngx_f1_replay_time_format(t, time);

    ngx_f1_replay_test_append(b, time, strlen(time));
    ngx_f1_replay_test_append(b, "\"", 1);
    ngx_f1_replay_test_append(b, b64, n);
    ngx_f1_replay_test_append(b, "\"\r\n", 3);
}


#endif /* _NGX_F1_REPLAY_UNIT_Z_H_INCLUDED_ */
