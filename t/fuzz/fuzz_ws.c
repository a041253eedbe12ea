
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_ws.h"


/*
 * The input, whole, is checked by the UTF-8 validator against a
 * reference written differently (code point intervals), fed whole, byte
 * by byte and in chunks; its first 2 bytes are the code of a close
 * frame, built and parsed back.
 *
 * Then its first byte chooses max_message and the chunking, and the rest
 * is client frames, parsed whole and in chunks (each its own malloc'ed
 * block): both must give the same events, and every event must hold the
 * invariants.  Last, the rest is sent as the payload of a text and of a
 * binary message, fragmented with a ping between, built with
 * ngx_f1_replay_ws_header(): it must come back intact, or for bad
 * UTF-8 as exactly a 1007.
 */


#define NGX_F1_REPLAY_FUZZ_VALID      -1
#define NGX_F1_REPLAY_FUZZ_TRUNCATED  -2


typedef struct {
    uint64_t                 hash;
    size_t                   events;
    ngx_f1_replay_ws_event_e last;
} ngx_f1_replay_fuzz_log_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long ngx_f1_replay_fuzz_ref_utf8(const uint8_t *s, size_t n);
static uint32_t ngx_f1_replay_fuzz_rand(uint32_t *r);
static size_t ngx_f1_replay_fuzz_chunk(uint32_t *r);
static void ngx_f1_replay_fuzz_utf8(const uint8_t *data, size_t size);
static void ngx_f1_replay_fuzz_close(const uint8_t *data, size_t size);
static void ngx_f1_replay_fuzz_hash(uint64_t *h, const void *p, size_t n);
static void ngx_f1_replay_fuzz_check(ngx_f1_replay_ws_parser_t *p,
    ngx_f1_replay_ws_event_e ev, unsigned char *before, unsigned char *pos,
    unsigned char *start, unsigned char *end, ngx_f1_replay_fuzz_log_t *log);
static void ngx_f1_replay_fuzz_parse(const uint8_t *data, size_t size,
    size_t max_message, uint32_t seed, ngx_f1_replay_fuzz_log_t *log);
static void ngx_f1_replay_fuzz_round_trip(const uint8_t *data, size_t size,
    unsigned opcode, size_t cut, const unsigned char *mask);


static const size_t  ngx_f1_replay_fuzz_max[8] = {
    0, 1, 16, 125, 126, 1000, 65536, 1 << 20
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                    max;
    uint32_t                  seed;
    unsigned char             mask[4];
    ngx_f1_replay_fuzz_log_t  whole, chunked;

    ngx_f1_replay_fuzz_utf8(data, size);
    ngx_f1_replay_fuzz_close(data, size);

    if (size == 0) {
        return 0;
    }

    max = ngx_f1_replay_fuzz_max[data[0] & 7];
    seed = ((uint32_t) data[0] << 8 ^ (uint32_t) size ^ 0x9e3779b9) | 1;

    ngx_f1_replay_fuzz_parse(data + 1, size - 1, max, 0, &whole);
    ngx_f1_replay_fuzz_parse(data + 1, size - 1, max, seed, &chunked);

    if (whole.events != chunked.events || whole.hash != chunked.hash
        || whole.last != chunked.last)
    {
        abort();
    }

    mask[0] = data[0];
    mask[1] = size > 1 ? data[1] : 0x5a;
    mask[2] = size > 2 ? data[2] : 0xa5;
    mask[3] = (unsigned char) size;

    ngx_f1_replay_fuzz_round_trip(data + 1, size - 1, NGX_F1_REPLAY_WS_TEXT,
                                  data[0] % size, mask);
    ngx_f1_replay_fuzz_round_trip(data + 1, size - 1,
                                  NGX_F1_REPLAY_WS_BINARY,
                                  (size - 1) / 2, mask);

    return 0;
}


/*
 * The reference: for each character, the code points its bytes so far
 * could still become form an interval; the byte that leaves no valid
 * one in it (not in the range of the length, a surrogate, over
 * U+10FFFF) is where the input fails.
 */

static long
ngx_f1_replay_fuzz_ref_utf8(const uint8_t *s, size_t n)
{
    size_t    i, k, len, rest;
    uint32_t  c, cp, lo, min, max;

    i = 0;

    while (i < n) {
        c = s[i];

        if (c < 0x80) {
            i++;
            continue;
        }

        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
            lo = 0x80;

        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
            lo = 0x800;

        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
            lo = 0x10000;

        } else {
            return (long) i;
        }

        for (k = 0; /* void */ ; k++) {
            rest = 6 * (len - 1 - k);
            min = cp << rest;
            max = min | ((1u << rest) - 1);

            if (min < lo) {
                min = lo;
            }

            if (max > 0x10ffff) {
                max = 0x10ffff;
            }

            if (min > max || (min >= 0xd800 && max <= 0xdfff)) {
                return (long) (i + k);
            }

            if (k == len - 1) {
                break;
            }

            if (i + k + 1 >= n) {
                return NGX_F1_REPLAY_FUZZ_TRUNCATED;
            }

            c = s[i + k + 1];

            if ((c & 0xc0) != 0x80) {
                return (long) (i + k + 1);
            }

            cp = cp << 6 | (c & 0x3f);
        }

        i += len;
    }

    return NGX_F1_REPLAY_FUZZ_VALID;
}


static uint32_t
ngx_f1_replay_fuzz_rand(uint32_t *r)
{
    *r ^= *r << 13;
    *r ^= *r >> 17;
    *r ^= *r << 5;

    return *r;
}


/* mostly small chunks, some large */

static size_t
ngx_f1_replay_fuzz_chunk(uint32_t *r)
{
    uint32_t  v;

    v = ngx_f1_replay_fuzz_rand(r);

    return (v & 7) == 0 ? 1 + (v >> 3) % 300 : 1 + (v >> 3) % 9;
}


static void
ngx_f1_replay_fuzz_utf8(const uint8_t *data, size_t size)
{
    int                   rc;
    long                  ref, at;
    size_t                i, n;
    uint32_t              r;
    ngx_f1_replay_utf8_t  u;

    ref = ngx_f1_replay_fuzz_ref_utf8(data, size);

    /* whole */

    memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));
    rc = ngx_f1_replay_ws_utf8_feed(&u, data, size);

    if ((rc == -1) != (ref >= 0)
        || (rc == 0 && ngx_f1_replay_ws_utf8_done(&u)
                       != (ref == NGX_F1_REPLAY_FUZZ_VALID))
        || (rc != 0 && rc != -1))
    {
        abort();
    }

    /* byte by byte: fails at the same byte */

    memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));
    at = NGX_F1_REPLAY_FUZZ_VALID;

    for (i = 0; i < size; i++) {
        if (ngx_f1_replay_ws_utf8_feed(&u, data + i, 1) != 0) {
            at = (long) i;
            break;
        }
    }

    if (at == NGX_F1_REPLAY_FUZZ_VALID && !ngx_f1_replay_ws_utf8_done(&u)) {
        at = NGX_F1_REPLAY_FUZZ_TRUNCATED;
    }

    if (at != ref) {
        abort();
    }

    if (at >= 0 && (ngx_f1_replay_ws_utf8_feed(&u, data, 0) != -1
                    || ngx_f1_replay_ws_utf8_done(&u)))
    {
        abort();
    }

    /* in chunks */

    memset(&u, 0, sizeof(ngx_f1_replay_utf8_t));
    r = (uint32_t) size * 2654435761u | 1;
    rc = 0;

    for (i = 0; i < size; i += n) {
        n = ngx_f1_replay_fuzz_chunk(&r);
        n = n < size - i ? n : size - i;

        rc |= ngx_f1_replay_ws_utf8_feed(&u, data + i, n);
    }

    if ((rc != 0) != (ref >= 0)
        || (rc == 0 && ngx_f1_replay_ws_utf8_done(&u)
                       != (ref == NGX_F1_REPLAY_FUZZ_VALID)))
    {
        abort();
    }
}


/*
 * A close frame of ngx_f1_replay_ws_close_frame() for the code in the
 * first 2 bytes, masked with a zero mask, parsed back.
 */

static void
ngx_f1_replay_fuzz_close(const uint8_t *data, size_t size)
{
    size_t                     n;
    unsigned                   code;
    unsigned char              buf[8], *pos;
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    if (size < 2) {
        return;
    }

    code = (unsigned) data[0] << 8 | data[1];

    n = ngx_f1_replay_ws_close_frame(buf, code);

    if (n != 2 && n != 4) {
        abort();
    }

    buf[1] |= 0x80;
    memmove(buf + 6, buf + 2, n - 2);
    memset(buf + 2, 0, 4);

    ngx_f1_replay_ws_parser_init(&p, 0);
    pos = buf;

    ev = ngx_f1_replay_ws_parse(&p, &pos, buf + n + 4);

    if (n == 2) {
        if (ev != NGX_F1_REPLAY_WS_CLOSE_EV || p.close_code != 1005
            || (code != 0 && code != 1005 && code != 1006 && code != 1015))
        {
            abort();
        }

    } else if (ngx_f1_replay_ws_close_code_valid(code)) {
        if (ev != NGX_F1_REPLAY_WS_CLOSE_EV || p.close_code != code
            || p.len != 0 || pos != buf + 8)
        {
            abort();
        }

    } else if (ev != NGX_F1_REPLAY_WS_ERROR || p.close_code != 1002) {
        abort();
    }

    ngx_f1_replay_ws_parser_free(&p);
}


static void
ngx_f1_replay_fuzz_hash(uint64_t *h, const void *p, size_t n)
{
    size_t                i;
    const unsigned char  *s;

    s = p;

    for (i = 0; i < n; i++) {
        *h = (*h ^ s[i]) * 0x100000001b3ULL;
    }
}


/*
 * The invariants of one parse call that began at before and ended at
 * pos, in the chunk start..end.
 */

static void
ngx_f1_replay_fuzz_check(ngx_f1_replay_ws_parser_t *p,
    ngx_f1_replay_ws_event_e ev, unsigned char *before, unsigned char *pos,
    unsigned char *start, unsigned char *end, ngx_f1_replay_fuzz_log_t *log)
{
    unsigned  v[4];

    if (pos < before || pos > end || before < start) {
        abort();
    }

    if (p->msg_cap > p->max_message || p->msg_len > p->max_message
        || (p->msg == NULL) != (p->msg_cap == 0))
    {
        abort();
    }

    if (ev == NGX_F1_REPLAY_WS_AGAIN) {
        if (pos != end) {
            abort();
        }

        return;
    }

    if (p->payload == NULL) {
        abort();
    }

    if (p->len == 0) {
        /* nothing to check in payload */

    } else if (p->payload >= p->ctrl
               && p->payload < p->ctrl + NGX_F1_REPLAY_WS_CONTROL_MAX)
    {
        if (p->payload + p->len > p->ctrl + NGX_F1_REPLAY_WS_CONTROL_MAX) {
            abort();
        }

    } else if (p->msg == NULL || p->payload < p->msg
               || p->payload + p->len > p->msg + p->msg_cap)
    {
        abort();
    }

    switch (ev) {

    case NGX_F1_REPLAY_WS_MESSAGE:
        if (pos == before || p->len > p->max_message
            || (p->opcode != NGX_F1_REPLAY_WS_TEXT
                && p->opcode != NGX_F1_REPLAY_WS_BINARY)
            || (p->opcode == NGX_F1_REPLAY_WS_TEXT
                && ngx_f1_replay_fuzz_ref_utf8(p->payload, p->len)
                   != NGX_F1_REPLAY_FUZZ_VALID))
        {
            abort();
        }

        break;

    case NGX_F1_REPLAY_WS_PING_EV:
    case NGX_F1_REPLAY_WS_PONG_EV:
        if (pos == before || p->len > NGX_F1_REPLAY_WS_CONTROL_MAX) {
            abort();
        }

        break;

    case NGX_F1_REPLAY_WS_CLOSE_EV:
        if (pos == before || p->len > NGX_F1_REPLAY_WS_CONTROL_MAX - 2
            || (p->close_code == 1005 && p->len != 0)
            || (p->close_code != 1005
                && !ngx_f1_replay_ws_close_code_valid(p->close_code))
            || ngx_f1_replay_fuzz_ref_utf8(p->payload, p->len)
               != NGX_F1_REPLAY_FUZZ_VALID)
        {
            abort();
        }

        break;

    case NGX_F1_REPLAY_WS_ERROR:
        if ((p->close_code != 1002 && p->close_code != 1007
             && p->close_code != 1009 && p->close_code != 1011)
            || p->error == NULL || p->error[0] == '\0' || p->len != 0)
        {
            abort();
        }

        ngx_f1_replay_fuzz_hash(&log->hash, p->error, strlen(p->error));

        break;

    default:
        abort();
    }

    v[0] = ev;
    v[1] = p->opcode;
    v[2] = p->close_code;
    v[3] = (unsigned) p->len;

    ngx_f1_replay_fuzz_hash(&log->hash, v, sizeof(v));
    ngx_f1_replay_fuzz_hash(&log->hash, p->payload, p->len);

    log->events++;
    log->last = ev;
}


/* seed 0: the whole input in one call */

static void
ngx_f1_replay_fuzz_parse(const uint8_t *data, size_t size,
    size_t max_message, uint32_t seed, ngx_f1_replay_fuzz_log_t *log)
{
    int                        done;
    size_t                     off, n;
    unsigned                   code;
    unsigned char             *buf, *pos, *before;
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    log->hash = 0xcbf29ce484222325ULL;
    log->events = 0;
    log->last = NGX_F1_REPLAY_WS_AGAIN;

    ngx_f1_replay_ws_parser_init(&p, max_message);

    done = 0;

    for (off = 0; off < size && !done; off += n) {
        n = seed ? ngx_f1_replay_fuzz_chunk(&seed) : size;
        n = n < size - off ? n : size - off;

        buf = malloc(n);
        if (buf == NULL) {
            abort();
        }

        memcpy(buf, data + off, n);
        pos = buf;

        for ( ;; ) {
            before = pos;
            ev = ngx_f1_replay_ws_parse(&p, &pos, buf + n);

            ngx_f1_replay_fuzz_check(&p, ev, before, pos, buf, buf + n, log);

            if (ev == NGX_F1_REPLAY_WS_AGAIN) {
                break;
            }

            if (ev == NGX_F1_REPLAY_WS_ERROR
                || ev == NGX_F1_REPLAY_WS_CLOSE_EV)
            {
                /* final: ERROR again, nothing consumed */

                before = pos;
                code = p.close_code;

                if (ngx_f1_replay_ws_parse(&p, &pos, buf + n)
                    != NGX_F1_REPLAY_WS_ERROR
                    || pos != before
                    || (ev == NGX_F1_REPLAY_WS_ERROR
                        && p.close_code != code))
                {
                    abort();
                }

                done = 1;
                break;
            }
        }

        free(buf);
    }

    if (log->events > size / 2 + 1) {
        abort();
    }

    ngx_f1_replay_ws_parser_free(&p);
}


/*
 * data as one message: a first fragment of cut bytes, a ping, the rest;
 * each frame's header from ngx_f1_replay_ws_header() made a client's
 */

static void
ngx_f1_replay_fuzz_round_trip(const uint8_t *data, size_t size,
    unsigned opcode, size_t cut, const unsigned char *mask)
{
    long                       ref;
    size_t                     i, n, len, k;
    unsigned char             *buf, *pos;
    const uint8_t             *src;
    ngx_f1_replay_ws_event_e   ev;
    ngx_f1_replay_ws_parser_t  p;

    if (cut > size) {
        cut = size;
    }

    buf = malloc(size + 3 * (NGX_F1_REPLAY_WS_HEADER_MAX + 4) + 1);
    if (buf == NULL) {
        abort();
    }

    n = 0;

    for (i = 0; i < 3; i++) {

        if (i == 0) {
            src = data;
            len = cut;
            n += ngx_f1_replay_ws_header(buf + n, opcode, len);
            buf[n - (len < 126 ? 2 : len <= 0xffff ? 4 : 10)] &= 0x7f;

        } else if (i == 1) {
            src = (const uint8_t *) "p";
            len = 1;
            n += ngx_f1_replay_ws_header(buf + n, NGX_F1_REPLAY_WS_PING, 1);

        } else {
            src = data + cut;
            len = size - cut;
            n += ngx_f1_replay_ws_header(buf + n, NGX_F1_REPLAY_WS_CONT,
                                         len);
        }

        /* the mask bit, and the mask after the header */

        buf[n - (len < 126 ? 2 : len <= 0xffff ? 4 : 10) + 1] |= 0x80;
        memcpy(buf + n, mask, 4);
        n += 4;

        for (k = 0; k < len; k++) {
            buf[n + k] = src[k] ^ mask[k % 4];
        }

        n += len;
    }

    ref = ngx_f1_replay_fuzz_ref_utf8(data, size);

    ngx_f1_replay_ws_parser_init(&p, size);
    pos = buf;

    ev = ngx_f1_replay_ws_parse(&p, &pos, buf + n);

    /* bad UTF-8 in the first fragment fails before the ping */

    if (opcode == NGX_F1_REPLAY_WS_TEXT && ref >= 0 && (size_t) ref < cut) {
        if (ev != NGX_F1_REPLAY_WS_ERROR || p.close_code != 1007) {
            abort();
        }

        goto done;
    }

    if (ev != NGX_F1_REPLAY_WS_PING_EV || p.len != 1 || p.payload[0] != 'p')
    {
        abort();
    }

    ev = ngx_f1_replay_ws_parse(&p, &pos, buf + n);

    if (opcode == NGX_F1_REPLAY_WS_TEXT && ref != NGX_F1_REPLAY_FUZZ_VALID) {
        if (ev != NGX_F1_REPLAY_WS_ERROR || p.close_code != 1007) {
            abort();
        }

        goto done;
    }

    if (ev != NGX_F1_REPLAY_WS_MESSAGE || p.opcode != opcode
        || p.len != size || pos != buf + n
        || (size && memcmp(p.payload, data, size) != 0))
    {
        abort();
    }

done:

    ngx_f1_replay_ws_parser_free(&p);
    free(buf);
}
