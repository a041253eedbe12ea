
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_WS_H_INCLUDED_
#define _NGX_F1_REPLAY_WS_H_INCLUDED_


/*
 * The WebSocket protocol (RFC 6455), server side: the headers of the
 * frames the server sends, an incremental parser of the frames a client
 * sends and a strict incremental UTF-8 validator (RFC 3629).  Free of
 * nginx types (the handshake, which needs nginx's SHA-1 and base64, is
 * in ngx_f1_replay_upgrade.c).
 */


#include <stddef.h>
#include <stdint.h>


#define NGX_F1_REPLAY_WS_CONT           0x0
#define NGX_F1_REPLAY_WS_TEXT           0x1
#define NGX_F1_REPLAY_WS_BINARY         0x2
#define NGX_F1_REPLAY_WS_CLOSE          0x8
#define NGX_F1_REPLAY_WS_PING           0x9
#define NGX_F1_REPLAY_WS_PONG           0xa

#define NGX_F1_REPLAY_WS_HEADER_MAX     10    /* a server frame header */
#define NGX_F1_REPLAY_WS_CONTROL_MAX    125   /* control frame payload */

/* close codes */
#define NGX_F1_REPLAY_WS_NORMAL         1000
#define NGX_F1_REPLAY_WS_GOING_AWAY     1001
#define NGX_F1_REPLAY_WS_PROTOCOL_ERROR 1002
#define NGX_F1_REPLAY_WS_NO_STATUS      1005  /* never sent */
#define NGX_F1_REPLAY_WS_BAD_DATA       1007
#define NGX_F1_REPLAY_WS_TOO_BIG        1009
#define NGX_F1_REPLAY_WS_INTERNAL_ERROR 1011


/*
 * The state of the UTF-8 validator; all zero is the start.  It rejects,
 * at the first byte that makes the input impossible to complete, bytes
 * C0, C1 and F5-FF, overlong forms, surrogates (U+D800-U+DFFF), code
 * points above U+10FFFF and misplaced continuation bytes.
 */
typedef struct {
    uint32_t                 need;       /* continuation bytes expected */
    uint32_t                 lower;      /* range of the next byte */
    uint32_t                 upper;
} ngx_f1_replay_utf8_t;


typedef enum {
    NGX_F1_REPLAY_WS_AGAIN = 0,          /* all input used, need more */
    NGX_F1_REPLAY_WS_MESSAGE,            /* a whole text/binary message */
    NGX_F1_REPLAY_WS_PING_EV,
    NGX_F1_REPLAY_WS_PONG_EV,
    NGX_F1_REPLAY_WS_CLOSE_EV,
    NGX_F1_REPLAY_WS_ERROR
} ngx_f1_replay_ws_event_e;


/*
 * The parser of client frames.  Only max_message and the results are
 * for the caller; the rest is the parser's.
 */
typedef struct {
    size_t                   max_message;  /* of a message, fragments
                                              summed; over it: 1009 */
    unsigned                 deflate;      /* permessage-deflate agreed:
                                              RSV1 marks a compressed
                                              message (not validated as
                                              UTF-8 here) */

    /* the parser's state */
    unsigned                 state;
    unsigned                 frame_opcode;
    unsigned                 frame_fin;
    size_t                   hdr_have;
    size_t                   hdr_need;
    uint64_t                 remaining;    /* of the frame's payload */
    uint64_t                 frame_pos;    /* payload bytes read */
    unsigned                 msg_opcode;   /* 0: no message open */
    unsigned                 msg_compressed;
    unsigned                 frame_rsv1;
    size_t                   msg_len;
    size_t                   msg_cap;
    unsigned char           *msg;          /* malloc'ed */
    size_t                   ctrl_len;
    ngx_f1_replay_utf8_t     utf8;
    unsigned char            mask[4];
    unsigned char            hdr[14];
    unsigned char            ctrl[NGX_F1_REPLAY_WS_CONTROL_MAX];

    /* the results of the last event */
    unsigned                 opcode;       /* MESSAGE: TEXT or BINARY */
    unsigned                 compressed;   /* MESSAGE: RSV1 was set */
    unsigned char           *payload;      /* never NULL after an event */
    size_t                   len;
    unsigned                 close_code;
    const char              *error;        /* ERROR: the reason */
} ngx_f1_replay_ws_parser_t;


/* the bytes p..p+len-1 continue the input; 0, or -1 once invalid */
int ngx_f1_replay_ws_utf8_feed(ngx_f1_replay_utf8_t *u, const unsigned char *p,
    size_t len);

/* 1 if the input so far is valid and ends at a character boundary */
int ngx_f1_replay_ws_utf8_done(const ngx_f1_replay_utf8_t *u);

/* 1 for a code a peer may send in a close frame (1005, 1006, 1015: 0) */
int ngx_f1_replay_ws_close_code_valid(unsigned code);

/*
 * Writes the header of a server frame, FIN set, not masked, for opcode
 * and a payload of len bytes to buf (NGX_F1_REPLAY_WS_HEADER_MAX bytes).
 * Returns its length: 2, 4 or 10.
 */
size_t ngx_f1_replay_ws_header(unsigned char *buf, unsigned opcode,
    uint64_t len);

/*
 * Writes a whole server close frame with the code and no reason to buf
 * (4 bytes), or with an empty body if code is 0 or 1005, 1006, 1015 (2
 * bytes).  Returns its length.
 */
size_t ngx_f1_replay_ws_close_frame(unsigned char *buf, unsigned code);

void ngx_f1_replay_ws_parser_init(ngx_f1_replay_ws_parser_t *p,
    size_t max_message);

/* frees the message buffer; the parser may be freed again or reused */
void ngx_f1_replay_ws_parser_free(ngx_f1_replay_ws_parser_t *p);

/*
 * Parses the client's bytes *pos..end-1 and advances *pos past those
 * used.  Returns as soon as an event is complete (the caller calls again
 * with the rest), or AGAIN when all the input is used without one.
 *
 * MESSAGE: opcode is TEXT (valid UTF-8) or BINARY, payload/len the whole
 * message, unmasked.  PING_EV, PONG_EV: payload/len the application
 * data (0 to 125 bytes).  CLOSE_EV: close_code the peer's code, or 1005
 * for an empty body; payload/len the reason (valid UTF-8).  ERROR:
 * close_code the code to close with (1002 protocol error, 1007 bad
 * UTF-8, 1009 message too big, 1011 out of memory), error a short
 * reason.
 *
 * payload points into the parser (never into the caller's buffer) and
 * is valid until the next parse or free call.  After ERROR or CLOSE_EV
 * the parser takes no more input: every call returns ERROR.
 */
ngx_f1_replay_ws_event_e ngx_f1_replay_ws_parse(ngx_f1_replay_ws_parser_t *p,
    unsigned char **pos, unsigned char *end);


#endif /* _NGX_F1_REPLAY_WS_H_INCLUDED_ */
