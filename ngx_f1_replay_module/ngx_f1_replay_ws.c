
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_ws.h"


#define NGX_F1_REPLAY_UTF8_BAD        4      /* need: the input is invalid */

/* parser states */
#define NGX_F1_REPLAY_WS_ST_HEADER    0
#define NGX_F1_REPLAY_WS_ST_PAYLOAD   1
#define NGX_F1_REPLAY_WS_ST_CLOSED    2
#define NGX_F1_REPLAY_WS_ST_FAILED    3

#define NGX_F1_REPLAY_WS_FIN          0x80
#define NGX_F1_REPLAY_WS_RSV          0x70
#define NGX_F1_REPLAY_WS_MASKED       0x80

#define NGX_F1_REPLAY_WS_MSG_MIN      256    /* first message buffer */

#define ngx_f1_replay_ws_is_control(op)  ((op) & 0x8)


static ngx_f1_replay_ws_event_e ngx_f1_replay_ws_header_start(
    ngx_f1_replay_ws_parser_t *p);
static ngx_f1_replay_ws_event_e ngx_f1_replay_ws_header_done(
    ngx_f1_replay_ws_parser_t *p);
static ngx_f1_replay_ws_event_e ngx_f1_replay_ws_payload(
    ngx_f1_replay_ws_parser_t *p, unsigned char **pos, unsigned char *end);
static ngx_f1_replay_ws_event_e ngx_f1_replay_ws_frame_done(
    ngx_f1_replay_ws_parser_t *p);
static ngx_f1_replay_ws_event_e ngx_f1_replay_ws_close_done(
    ngx_f1_replay_ws_parser_t *p);
static ngx_f1_replay_ws_event_e ngx_f1_replay_ws_fail(
    ngx_f1_replay_ws_parser_t *p, unsigned code, const char *reason);
static int ngx_f1_replay_ws_grow(ngx_f1_replay_ws_parser_t *p, size_t need);
static void ngx_f1_replay_ws_unmask(unsigned char *dst,
    const unsigned char *src, size_t n, const unsigned char *mask,
    uint64_t offset);


int
ngx_f1_replay_ws_utf8_feed(ngx_f1_replay_utf8_t *u, const unsigned char *p,
    size_t len)
{
    uint32_t              c, need, lower, upper;
    uint64_t              w;
    const unsigned char  *end;

    need = u->need;
    lower = u->lower;
    upper = u->upper;

    if (need == NGX_F1_REPLAY_UTF8_BAD) {
        return -1;
    }

    end = p + len;

    while (p < end) {

        if (need) {
            c = *p++;

            if (c < lower || c > upper) {
                goto invalid;
            }

            need--;
            lower = 0x80;
            upper = 0xbf;

            continue;
        }

        /* between characters: ASCII 8 bytes at a time */

        while (end - p >= 8) {
            memcpy(&w, p, 8);

            if (w & 0x8080808080808080ULL) {
                break;
            }

            p += 8;
        }

        if (p == end) {
            break;
        }

        c = *p++;

        if (c < 0x80) {
            continue;
        }

        /*
         * The range of the first continuation byte excludes the overlong
         * forms (E0 80-9F, F0 80-8F), the surrogates (ED A0-BF) and the
         * code points above U+10FFFF (F4 90-BF).
         */

        lower = 0x80;
        upper = 0xbf;

        if (c < 0xc2) {
            goto invalid;           /* a continuation byte, or C0, C1 */

        } else if (c < 0xe0) {
            need = 1;

        } else if (c < 0xf0) {
            need = 2;

            if (c == 0xe0) {
                lower = 0xa0;

            } else if (c == 0xed) {
                upper = 0x9f;
            }

        } else if (c < 0xf5) {
            need = 3;

            if (c == 0xf0) {
                lower = 0x90;

            } else if (c == 0xf4) {
                upper = 0x8f;
            }

        } else {
            goto invalid;
        }
    }

    u->need = need;
    u->lower = lower;
    u->upper = upper;

    return 0;

invalid:

    u->need = NGX_F1_REPLAY_UTF8_BAD;
    u->lower = 0;
    u->upper = 0;

    return -1;
}


int
ngx_f1_replay_ws_utf8_done(const ngx_f1_replay_utf8_t *u)
{
    return u->need == 0;
}


int
ngx_f1_replay_ws_close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003)
           || (code >= 1007 && code <= 1014)
           || (code >= 3000 && code <= 4999);
}


size_t
ngx_f1_replay_ws_header(unsigned char *buf, unsigned opcode, uint64_t len)
{
    int  i;

    buf[0] = (unsigned char) (NGX_F1_REPLAY_WS_FIN | (opcode & 0x0f));

    if (len < 126) {
        buf[1] = (unsigned char) len;
        return 2;
    }

    if (len <= 0xffff) {
        buf[1] = 126;
        buf[2] = (unsigned char) (len >> 8);
        buf[3] = (unsigned char) len;
        return 4;
    }

    buf[1] = 127;

    for (i = 9; i >= 2; i--) {
        buf[i] = (unsigned char) len;
        len >>= 8;
    }

    return 10;
}


size_t
ngx_f1_replay_ws_close_frame(unsigned char *buf, unsigned code)
{
    buf[0] = NGX_F1_REPLAY_WS_FIN | NGX_F1_REPLAY_WS_CLOSE;

    if (code == 0 || code == NGX_F1_REPLAY_WS_NO_STATUS
        || code == 1006 || code == 1015 || code > 0xffff)
    {
        buf[1] = 0;
        return 2;
    }

    buf[1] = 2;
    buf[2] = (unsigned char) (code >> 8);
    buf[3] = (unsigned char) code;

    return 4;
}


void
ngx_f1_replay_ws_parser_init(ngx_f1_replay_ws_parser_t *p,
    size_t max_message)
{
    memset(p, 0, sizeof(ngx_f1_replay_ws_parser_t));

    p->max_message = max_message;
    p->state = NGX_F1_REPLAY_WS_ST_HEADER;
    p->hdr_need = 2;
    p->payload = p->ctrl;
}


void
ngx_f1_replay_ws_parser_free(ngx_f1_replay_ws_parser_t *p)
{
    free(p->msg);

    p->msg = NULL;
    p->msg_cap = 0;
    p->msg_len = 0;
    p->payload = p->ctrl;
    p->len = 0;
}


ngx_f1_replay_ws_event_e
ngx_f1_replay_ws_parse(ngx_f1_replay_ws_parser_t *p, unsigned char **pos,
    unsigned char *end)
{
    size_t                    n;
    ngx_f1_replay_ws_event_e  ev;

    for ( ;; ) {

        switch (p->state) {

        case NGX_F1_REPLAY_WS_ST_HEADER:

            if (*pos >= end) {
                return NGX_F1_REPLAY_WS_AGAIN;
            }

            n = p->hdr_need - p->hdr_have;

            if ((size_t) (end - *pos) < n) {
                n = (size_t) (end - *pos);
            }

            memcpy(p->hdr + p->hdr_have, *pos, n);
            p->hdr_have += n;
            *pos += n;

            if (p->hdr_have < p->hdr_need) {
                return NGX_F1_REPLAY_WS_AGAIN;
            }

            /* the first 2 bytes, then the rest of the header */

            ev = (p->hdr_need == 2) ? ngx_f1_replay_ws_header_start(p)
                                    : ngx_f1_replay_ws_header_done(p);

            if (ev != NGX_F1_REPLAY_WS_AGAIN) {
                return ev;
            }

            break;

        case NGX_F1_REPLAY_WS_ST_PAYLOAD:

            ev = ngx_f1_replay_ws_payload(p, pos, end);

            if (ev != NGX_F1_REPLAY_WS_AGAIN || p->remaining) {
                return ev;
            }

            ev = ngx_f1_replay_ws_frame_done(p);

            if (ev != NGX_F1_REPLAY_WS_AGAIN) {
                return ev;
            }

            break;

        case NGX_F1_REPLAY_WS_ST_CLOSED:

            return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_PROTOCOL_ERROR,
                                         "input after close");

        default: /* NGX_F1_REPLAY_WS_ST_FAILED */

            return NGX_F1_REPLAY_WS_ERROR;
        }
    }
}


/*
 * The first 2 bytes of a header are in p->hdr: all that can fail this
 * early does.  AGAIN means go on with the rest of the header.
 */

static ngx_f1_replay_ws_event_e
ngx_f1_replay_ws_header_start(ngx_f1_replay_ws_parser_t *p)
{
    unsigned     op, len7, rsv, control;
    const char  *err;

    op = p->hdr[0] & 0x0f;
    len7 = p->hdr[1] & 0x7f;
    control = ngx_f1_replay_ws_is_control(op);

    p->frame_opcode = op;
    p->frame_fin = (p->hdr[0] & NGX_F1_REPLAY_WS_FIN) ? 1 : 0;

    rsv = p->hdr[0] & NGX_F1_REPLAY_WS_RSV;
    p->frame_rsv1 = 0;

    if (rsv == 0x40 && p->deflate && !control
        && op != NGX_F1_REPLAY_WS_CONT)
    {
        /* permessage-deflate: RSV1 on a message's first frame */
        p->frame_rsv1 = 1;
        rsv = 0;
    }

    if (rsv) {
        err = "reserved bits set";

    } else if ((op > NGX_F1_REPLAY_WS_BINARY && op < NGX_F1_REPLAY_WS_CLOSE)
               || op > NGX_F1_REPLAY_WS_PONG)
    {
        err = "unknown opcode";

    } else if (control && !p->frame_fin) {
        err = "fragmented control frame";

    } else if (control && len7 > NGX_F1_REPLAY_WS_CONTROL_MAX) {
        err = "control frame too long";

    } else if (op == NGX_F1_REPLAY_WS_CONT && p->msg_opcode == 0) {
        err = "continuation without a message";

    } else if (op != NGX_F1_REPLAY_WS_CONT && !control && p->msg_opcode) {
        err = "new message inside a fragmented message";

    } else if (!(p->hdr[1] & NGX_F1_REPLAY_WS_MASKED)) {
        err = "unmasked frame";

    } else {
        err = NULL;
    }

    if (err) {
        return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_PROTOCOL_ERROR, err);
    }

    /* a data frame too big for what is left of the message fails now */

    if (len7 < 126 && !control && len7 > p->max_message - p->msg_len) {
        return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_TOO_BIG,
                                     "message too big");
    }

    p->hdr_need = 2 + (len7 == 126 ? 2 : (len7 == 127 ? 8 : 0)) + 4;

    return NGX_F1_REPLAY_WS_AGAIN;
}


/* the whole header is in p->hdr; AGAIN means go on with the payload */

static ngx_f1_replay_ws_event_e
ngx_f1_replay_ws_header_done(ngx_f1_replay_ws_parser_t *p)
{
    size_t          i;
    uint64_t        len;
    unsigned char  *h;

    h = p->hdr;
    len = h[1] & 0x7f;

    if (len == 126) {
        len = (uint64_t) h[2] << 8 | h[3];

    } else if (len == 127) {
        if (h[2] & 0x80) {
            return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_PROTOCOL_ERROR,
                                         "frame length over 63 bits");
        }

        len = 0;

        for (i = 2; i < 10; i++) {
            len = len << 8 | h[i];
        }
    }

    memcpy(p->mask, h + p->hdr_need - 4, 4);

    p->remaining = len;
    p->frame_pos = 0;
    p->hdr_have = 0;
    p->hdr_need = 2;
    p->state = NGX_F1_REPLAY_WS_ST_PAYLOAD;

    if (ngx_f1_replay_ws_is_control(p->frame_opcode)) {
        p->ctrl_len = 0;
        return NGX_F1_REPLAY_WS_AGAIN;
    }

    if (len > (uint64_t) (p->max_message - p->msg_len)) {
        return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_TOO_BIG,
                                     "message too big");
    }

    if (p->frame_opcode != NGX_F1_REPLAY_WS_CONT) {
        p->msg_opcode = p->frame_opcode;
        p->msg_len = 0;
        p->msg_compressed = p->frame_rsv1;
        memset(&p->utf8, 0, sizeof(ngx_f1_replay_utf8_t));
    }

    return NGX_F1_REPLAY_WS_AGAIN;
}


/* unmasks what there is of the payload into the parser's buffers */

static ngx_f1_replay_ws_event_e
ngx_f1_replay_ws_payload(ngx_f1_replay_ws_parser_t *p, unsigned char **pos,
    unsigned char *end)
{
    size_t          n;
    unsigned char  *dst;

    if (p->remaining == 0) {
        return NGX_F1_REPLAY_WS_AGAIN;
    }

    if (*pos >= end) {
        return NGX_F1_REPLAY_WS_AGAIN;
    }

    n = (size_t) (end - *pos);

    if ((uint64_t) n > p->remaining) {
        n = (size_t) p->remaining;
    }

    if (ngx_f1_replay_ws_is_control(p->frame_opcode)) {
        dst = p->ctrl + p->ctrl_len;
        p->ctrl_len += n;

    } else {
        if (ngx_f1_replay_ws_grow(p, p->msg_len + n) != 0) {
            return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_INTERNAL_ERROR,
                                         "out of memory");
        }

        dst = p->msg + p->msg_len;
        p->msg_len += n;
    }

    ngx_f1_replay_ws_unmask(dst, *pos, n, p->mask, p->frame_pos);

    *pos += n;
    p->frame_pos += n;
    p->remaining -= n;

    /* a text message fails at the first chunk with bad UTF-8 */

    if (!ngx_f1_replay_ws_is_control(p->frame_opcode)
        && p->msg_opcode == NGX_F1_REPLAY_WS_TEXT && !p->msg_compressed
        && ngx_f1_replay_ws_utf8_feed(&p->utf8, dst, n) != 0)
    {
        return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_BAD_DATA,
                                     "invalid UTF-8 in a text message");
    }

    return NGX_F1_REPLAY_WS_AGAIN;
}


/* the whole payload is in; the header state is already restored */

static ngx_f1_replay_ws_event_e
ngx_f1_replay_ws_frame_done(ngx_f1_replay_ws_parser_t *p)
{
    p->state = NGX_F1_REPLAY_WS_ST_HEADER;

    switch (p->frame_opcode) {

    case NGX_F1_REPLAY_WS_CLOSE:
        return ngx_f1_replay_ws_close_done(p);

    case NGX_F1_REPLAY_WS_PING:
    case NGX_F1_REPLAY_WS_PONG:
        p->opcode = p->frame_opcode;
        p->payload = p->ctrl;
        p->len = p->ctrl_len;

        return p->frame_opcode == NGX_F1_REPLAY_WS_PING
               ? NGX_F1_REPLAY_WS_PING_EV : NGX_F1_REPLAY_WS_PONG_EV;

    default:
        break;
    }

    if (!p->frame_fin) {
        return NGX_F1_REPLAY_WS_AGAIN;
    }

    if (p->msg_opcode == NGX_F1_REPLAY_WS_TEXT && !p->msg_compressed
        && !ngx_f1_replay_ws_utf8_done(&p->utf8))
    {
        return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_BAD_DATA,
                                     "truncated UTF-8 in a text message");
    }

    p->compressed = p->msg_compressed;
    p->opcode = p->msg_opcode;
    p->payload = p->msg ? p->msg : p->ctrl;
    p->len = p->msg_len;
    p->msg_opcode = 0;
    p->msg_len = 0;

    return NGX_F1_REPLAY_WS_MESSAGE;
}


static ngx_f1_replay_ws_event_e
ngx_f1_replay_ws_close_done(ngx_f1_replay_ws_parser_t *p)
{
    unsigned              code;
    ngx_f1_replay_utf8_t  utf8;

    if (p->ctrl_len == 0) {
        code = NGX_F1_REPLAY_WS_NO_STATUS;

    } else if (p->ctrl_len == 1) {
        return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_PROTOCOL_ERROR,
                                     "1-byte close body");

    } else {
        code = (unsigned) p->ctrl[0] << 8 | p->ctrl[1];

        if (!ngx_f1_replay_ws_close_code_valid(code)) {
            return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_PROTOCOL_ERROR,
                                         "invalid close code");
        }

        memset(&utf8, 0, sizeof(ngx_f1_replay_utf8_t));

        if (ngx_f1_replay_ws_utf8_feed(&utf8, p->ctrl + 2, p->ctrl_len - 2)
            != 0
            || !ngx_f1_replay_ws_utf8_done(&utf8))
        {
            return ngx_f1_replay_ws_fail(p, NGX_F1_REPLAY_WS_BAD_DATA,
                                         "invalid UTF-8 in a close reason");
        }
    }

    p->state = NGX_F1_REPLAY_WS_ST_CLOSED;
    p->opcode = NGX_F1_REPLAY_WS_CLOSE;
    p->close_code = code;
    p->payload = p->ctrl_len ? p->ctrl + 2 : p->ctrl;
    p->len = p->ctrl_len ? p->ctrl_len - 2 : 0;
    p->error = NULL;

    return NGX_F1_REPLAY_WS_CLOSE_EV;
}


static ngx_f1_replay_ws_event_e
ngx_f1_replay_ws_fail(ngx_f1_replay_ws_parser_t *p, unsigned code,
    const char *reason)
{
    p->state = NGX_F1_REPLAY_WS_ST_FAILED;
    p->opcode = 0;
    p->payload = p->ctrl;
    p->len = 0;
    p->close_code = code;
    p->error = reason;

    return NGX_F1_REPLAY_WS_ERROR;
}


/*
 * Makes room for need bytes of message (need <= max_message, checked
 * with the frame header), doubling, never beyond max_message: memory
 * follows the bytes that came, not the lengths that were announced.
 */

static int
ngx_f1_replay_ws_grow(ngx_f1_replay_ws_parser_t *p, size_t need)
{
    size_t          cap;
    unsigned char  *m;

    if (need <= p->msg_cap) {
        return 0;
    }

    if (p->msg_cap > p->max_message / 2) {
        cap = p->max_message;

    } else if (p->msg_cap < NGX_F1_REPLAY_WS_MSG_MIN / 2) {
        cap = NGX_F1_REPLAY_WS_MSG_MIN;

    } else {
        cap = p->msg_cap * 2;
    }

    if (cap < need) {
        cap = need;
    }

    if (cap > p->max_message) {
        cap = p->max_message;
    }

    m = realloc(p->msg, cap);
    if (m == NULL) {
        return -1;
    }

    p->msg = m;
    p->msg_cap = cap;

    return 0;
}


/* dst = src XOR the mask, offset the payload position of src[0] */

static void
ngx_f1_replay_ws_unmask(unsigned char *dst, const unsigned char *src,
    size_t n, const unsigned char *mask, uint64_t offset)
{
    size_t         k;
    uint64_t       w, m;
    unsigned char  key[8];

    k = (size_t) (offset & 3);

    /* bytes until the mask is in phase, then 8 at a time */

    for ( /* void */ ; n && k; n--, k = (k + 1) & 3) {
        *dst++ = *src++ ^ mask[k];
    }

    if (n >= 8) {
        memcpy(key, mask, 4);
        memcpy(key + 4, mask, 4);
        memcpy(&m, key, 8);

        do {
            memcpy(&w, src, 8);
            w ^= m;
            memcpy(dst, &w, 8);

            src += 8;
            dst += 8;
            n -= 8;

        } while (n >= 8);
    }

    for (k = 0; k < n; k++) {
        dst[k] = src[k] ^ mask[k & 3];
    }
}
