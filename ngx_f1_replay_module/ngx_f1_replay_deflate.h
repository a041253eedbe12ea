
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_DEFLATE_H_INCLUDED_
#define _NGX_F1_REPLAY_DEFLATE_H_INCLUDED_


/*
 * permessage-deflate (RFC 7692) without context takeover: every message
 * compressed on its own, once per subscription and tick, and shared;
 * a client's compressed messages inflated on their own, bounded.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_f1_replay_msg.h"
#include "ngx_f1_replay_worker.h"


/* the Sec-WebSocket-Extensions answer when the offer can be accepted */
#define NGX_F1_REPLAY_DEFLATE_ANSWER                                          \
    "permessage-deflate; server_no_context_takeover; "                        \
    "client_no_context_takeover"


/* 1 if an offer of the header value (NULL: none) can be honoured */
ngx_uint_t ngx_f1_replay_deflate_offer(ngx_str_t *value);

/* the message compressed (RSV1 set), one reference; NULL on failure */
ngx_f1_replay_msg_t *ngx_f1_replay_deflate_msg(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_msg_t *m, ngx_log_t *log);

/*
 * A compressed client message inflated into ngx_alloc'ed memory, at
 * most max bytes, valid UTF-8 if a text: NGX_OK with *text and *len, a
 * close code (1007, 1009), or NGX_ERROR
 */
ngx_int_t ngx_f1_replay_deflate_inflate(u_char **text, size_t *len,
    size_t max, unsigned opcode, ngx_log_t *log);


#endif /* _NGX_F1_REPLAY_DEFLATE_H_INCLUDED_ */
