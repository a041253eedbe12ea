
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <zlib.h>

#include "ngx_f1_replay_deflate.h"
#include "ngx_f1_replay_ws.h"


/*
 * Sec-WebSocket-Extensions: accept the first permessage-deflate offer
 * whose parameters can be honoured.  zlib cannot deflate with an 8-bit
 * window, and every message uses a full 15-bit one: an offer limiting
 * the server's window is declined (the RFC lets a server decline).
 */

ngx_uint_t
ngx_f1_replay_deflate_offer(ngx_str_t *value)
{
    u_char      *p, *last, *end, *t, *tend;
    ngx_uint_t   ok;

    if (value == NULL) {
        return 0;
    }

    p = value->data;
    last = p + value->len;

    while (p < last) {

        /* one offer: up to the next comma */

        end = ngx_strlchr(p, last, ',');
        if (end == NULL) {
            end = last;
        }

        ok = 0;
        t = p;

        while (t < end) {
            while (t < end && (*t == ' ' || *t == '\t' || *t == ';')) {
                t++;
            }

            tend = t;
            while (tend < end && *tend != ';') {
                tend++;
            }

            while (tend > t && (tend[-1] == ' ' || tend[-1] == '\t')) {
                tend--;
            }

            if (t == tend) {
                break;
            }

            if (ok == 0) {
                ok = ((size_t) (tend - t) == 18
                      && ngx_strncasecmp(t, (u_char *) "permessage-deflate",
                                         18) == 0)
                     ? 1 : 2;

            } else if (ok == 1) {
                if (((size_t) (tend - t) == 26
                     && ngx_strncasecmp(t,
                            (u_char *) "server_no_context_takeover", 26)
                        == 0)
                    || ((size_t) (tend - t) == 26
                        && ngx_strncasecmp(t,
                               (u_char *) "client_no_context_takeover", 26)
                           == 0)
                    || ((size_t) (tend - t) >= 22
                        && ngx_strncasecmp(t,
                               (u_char *) "client_max_window_bits", 22)
                           == 0)
                    || ((size_t) (tend - t) == 25
                        && ngx_strncasecmp(t,
                               (u_char *) "server_max_window_bits=15", 25)
                           == 0))
                {
                    /* fine: see above */

                } else {
                    ok = 2;
                }
            }

            t = tend;
            while (t < end && *t != ';') {
                t++;
            }
        }

        if (ok == 1) {
            return 1;
        }

        p = end + 1;
    }

    return 0;
}


/* a frame compressed as one permessage-deflate message (RSV1 set) */

ngx_f1_replay_msg_t *
ngx_f1_replay_deflate_msg(ngx_f1_replay_worker_t *w, ngx_f1_replay_msg_t *m,
    ngx_log_t *log)
{
    u_char               *in, *out;
    size_t                hlen, len, bound;
    z_stream             *zs;
    ngx_f1_replay_msg_t  *z;

    if (w->deflate == NULL) {
        zs = ngx_calloc(sizeof(z_stream), log);
        if (zs == NULL) {
            return NULL;
        }

        if (deflateInit2(zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS,
                         8, Z_DEFAULT_STRATEGY)
            != Z_OK)
        {
            ngx_free(zs);
            return NULL;
        }

        w->deflate = zs;
    }

    zs = w->deflate;

    len = m->data[1] & 0x7f;
    hlen = (len == 127) ? 10 : (len == 126) ? 4 : 2;
    in = m->data + hlen;
    len = m->len - hlen;

    bound = deflateBound(zs, len) + 16;

    out = ngx_alloc(bound, log);
    if (out == NULL) {
        return NULL;
    }

    deflateReset(zs);

    zs->next_in = in;
    zs->avail_in = (uInt) len;
    zs->next_out = out;
    zs->avail_out = (uInt) bound;

    if (deflate(zs, Z_SYNC_FLUSH) != Z_OK || zs->avail_in != 0
        || bound - zs->avail_out < 4)
    {
        ngx_free(out);
        return NULL;
    }

    /* the sync flush ends with 00 00 ff ff: the receiver adds it back */

    len = bound - zs->avail_out - 4;

    z = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_TEXT, out, len, log);
    ngx_free(out);

    if (z != NULL) {
        z->data[0] |= 0x40;
    }

    return z;
}


/*
 * A compressed client message, inflated on its own (no context
 * takeover was agreed): NGX_OK with *text (ngx_alloc'ed) and *len, a
 * close code for bad data, or NGX_ERROR.
 */

ngx_int_t
ngx_f1_replay_deflate_inflate(u_char **text, size_t *len, size_t max,
    unsigned opcode, ngx_log_t *log)
{
    int                    rc;
    u_char                *out;
    z_stream               zs;
    ngx_f1_replay_utf8_t   u;

    static u_char  tail[4] = { 0x00, 0x00, 0xff, 0xff };

    out = ngx_alloc(max + 1, log);
    if (out == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&zs, sizeof(z_stream));

    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
        ngx_free(out);
        return NGX_ERROR;
    }

    zs.next_out = out;
    zs.avail_out = (uInt) max + 1;

    zs.next_in = *text;
    zs.avail_in = (uInt) *len;
    rc = inflate(&zs, Z_SYNC_FLUSH);

    if (rc == Z_OK || rc == Z_BUF_ERROR) {
        zs.next_in = tail;
        zs.avail_in = sizeof(tail);
        rc = inflate(&zs, Z_SYNC_FLUSH);
    }

    inflateEnd(&zs);

    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        ngx_free(out);
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "f1_replay: bad compressed message, closing with 1007");
        return NGX_F1_REPLAY_WS_BAD_DATA;
    }

    if (zs.avail_out == 0) {
        ngx_free(out);
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "f1_replay: message too big, closing with 1009");
        return NGX_F1_REPLAY_WS_TOO_BIG;
    }

    *len = max + 1 - zs.avail_out;

    ngx_memzero(&u, sizeof(ngx_f1_replay_utf8_t));

    if (opcode == NGX_F1_REPLAY_WS_TEXT
        && (ngx_f1_replay_ws_utf8_feed(&u, out, *len) != 0
            || !ngx_f1_replay_ws_utf8_done(&u)))
    {
        ngx_free(out);
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "f1_replay: invalid UTF-8 in a text message, closing "
                      "with 1007");
        return NGX_F1_REPLAY_WS_BAD_DATA;
    }

    *text = out;

    return NGX_OK;
}
