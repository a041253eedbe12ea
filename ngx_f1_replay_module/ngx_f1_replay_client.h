
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_CLIENT_H_INCLUDED_
#define _NGX_F1_REPLAY_CLIENT_H_INCLUDED_


/*
 * A WebSocket client's connection once upgraded: reading and parsing its
 * frames, writing what is queued for it, ping and pong, closing.  Per
 * client at most one frame in flight and one waiting (a newer frame
 * replaces it, counted as skipped; past f1_replay_max_skipped in a row
 * the client is closed with 1008), and a bounded queue of other
 * messages.  Every close that is queued has a deadline: the connection
 * is finalized then, whether or not the close frame could be sent.
 *
 * The client lives in its connection's pool.  The HTTP request that
 * upgraded it is freed as soon as the 101 is on the wire, as nginx frees
 * a request before a keepalive connection waits: its pool, the header
 * buffers and the TLS write buffer go (8.7 KB of the 10.1 KB a client
 * held with the request kept, 25 KB with TLS; scripts/bench-mem.sh), and
 * the client owns the connection's events and its closing from then on.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_msg.h"
#include "ngx_f1_replay_sub.h"
#include "ngx_f1_replay_worker.h"
#include "ngx_f1_replay_ws.h"


#define NGX_F1_REPLAY_CLIENT_POLICY      1008   /* close code */
#define NGX_F1_REPLAY_CLIENT_QUEUE_MAX   1024   /* messages but frames */
#define NGX_F1_REPLAY_CLIENT_CLOSE_WAIT  1000   /* ms, a close's deadline */


struct ngx_f1_replay_client_s {
    ngx_queue_t                    queue;     /* in the worker's clients */
    ngx_connection_t              *connection;
    ngx_http_request_t            *request;   /* until the 101 is out */
    ngx_f1_replay_worker_t        *worker;
    ngx_f1_replay_loc_conf_t      *lcf;
    ngx_f1_replay_sub_t           *sub;
    ngx_f1_replay_ws_parser_t      parser;

    ngx_f1_replay_msg_t           *cur;       /* being written */
    size_t                         sent;
    ngx_f1_replay_msg_t           *next;      /* the newest frame waiting */
    uint64_t                       bucket;    /* of the last frame */

    /* the other messages, a ring: out[head .. head + n - 1] */
    ngx_f1_replay_msg_t          **out;
    ngx_uint_t                     out_head;
    ngx_uint_t                     out_n;
    ngx_uint_t                     out_size;

    ngx_uint_t                     skipped;
    ngx_uint_t                     skipped_in_row;
    ngx_uint_t                     bad;       /* invalid messages */
    time_t                         second;    /* of the messages counted */
    ngx_uint_t                     messages;  /* in that second */

    ngx_event_t                    timer;     /* ping, pong, close */

    unsigned                       listed:1;
    unsigned                       awaiting_pong:1;
    unsigned                       closing:1;  /* close frame queued */
    unsigned                       close_sent:1;
    unsigned                       peer_closed:1;
    unsigned                       done:1;
    unsigned                       in_handler:1;
    unsigned                       deflate:1;  /* permessage-deflate */
};


/*
 * A client of the request's location, in the connection's pool; NULL on
 * no memory
 */
ngx_f1_replay_client_t *ngx_f1_replay_client_create(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf);

/*
 * The upgraded client joins the worker's clients on subscription sub:
 * reads what it sent after the handshake and writes what is queued; the
 * request is freed after the content handler has returned
 */
void ngx_f1_replay_client_start(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_sub_t *sub);

/*
 * A message for the client (the caller's reference is taken over):
 * NGX_OK, or NGX_ERROR when the client is closing or its queue is full
 * (the message is released)
 */
ngx_int_t ngx_f1_replay_client_queue(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *m);

/* a frame: it replaces one waiting; a reference is taken; flushes */
void ngx_f1_replay_client_push(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *frame);

/*
 * A frame the client missed without a newer one to take its place; past
 * f1_replay_max_skipped in a row the client is closed (the caller
 * flushes)
 */
void ngx_f1_replay_client_skip(ngx_f1_replay_client_t *cl);

/* the client moves to another subscription */
void ngx_f1_replay_client_resubscribe(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_sub_t *sub);

/* writes what is queued: NGX_OK, or NGX_DONE once finalized */
ngx_int_t ngx_f1_replay_client_flush(ngx_f1_replay_client_t *cl);

/* queues a close frame and arms its deadline; the caller flushes */
void ngx_f1_replay_client_close(ngx_f1_replay_client_t *cl,
    ngx_uint_t code);

/* the connection is closed; the client is freed with it */
void ngx_f1_replay_client_finalize(ngx_f1_replay_client_t *cl);


#endif /* _NGX_F1_REPLAY_CLIENT_H_INCLUDED_ */
