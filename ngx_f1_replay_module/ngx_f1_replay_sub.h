
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_SUB_H_INCLUDED_
#define _NGX_F1_REPLAY_SUB_H_INCLUDED_


/*
 * Subscriptions: what a client asked for (cars, channels, rate, format,
 * delay).  A worker keeps one entry per distinct subscription, shared by
 * every client asking the same: its frame is encoded once per tick, and
 * its view of the clock (delay ticks behind) worked out once per tick.
 * A client's messages ({"type":"subscribe",...}) are handled here.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_frame.h"
#include "ngx_f1_replay_msg.h"
#include "ngx_f1_replay_worker.h"


#define NGX_F1_REPLAY_SUB_MAX         256    /* distinct, per worker */
#define NGX_F1_REPLAY_SUB_DELAY_STEP  1000   /* ms: delays are rounded to */


typedef struct ngx_f1_replay_client_s  ngx_f1_replay_client_t;


typedef struct {
    ngx_queue_t                    queue;
    ngx_f1_replay_filter_t         filter;
    ngx_uint_t                     divisor;      /* every n-th tick */
    uint64_t                       delay;        /* ticks behind */
    ngx_uint_t                     refs;         /* its clients */
    ngx_uint_t                     waiting;      /* ... with a frame not
                                                    yet started */

    /* where its view of the clock was at the last tick */
    uint64_t                       seg;          /* clock segment */
    uint64_t                       jump;
    ngx_uint_t                     state;
    int32_t                        last_t;
    ngx_uint_t                     lap;          /* leader's laps done */

    /*
     * this tick's messages for its clients, before the frame: a
     * reference to the clock and state messages (the worker's cache
     * keeps one of each and may replace it within the tick), the events
     * in the worker's (it keeps them until the tick is over)
     */
    ngx_f1_replay_msg_t           *clock_msg;
    ngx_f1_replay_msg_t           *state_msg;
    ngx_uint_t                     ev_index;     /* in the worker's events */
    ngx_uint_t                     nevents;
    unsigned                       predict:1;    /* a new lap, a jump */

    uint64_t                       bucket;       /* tick / divisor, or a
                                                    still frame's */
    ngx_f1_replay_msg_t           *frame;        /* of bucket, or NULL */
    uint64_t                       zbucket;
    ngx_f1_replay_msg_t           *zframe;       /* deflated, of zbucket */
} ngx_f1_replay_sub_t;


/*
 * The worker's entry for a subscription, shared; NULL if the worker has
 * NGX_F1_REPLAY_SUB_MAX others (or no memory)
 */
ngx_f1_replay_sub_t *ngx_f1_replay_sub_get(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_filter_t *f, ngx_uint_t divisor, uint64_t delay);

/* one client less; the entry goes with the last */
void ngx_f1_replay_sub_put(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub);

/* 1 if a new client (all cars, the full rate, this delay) can join */
ngx_uint_t ngx_f1_replay_sub_room(ngx_f1_replay_worker_t *w,
    uint64_t delay);

/*
 * A delay in seconds (up to 3 decimals) as ticks, rounded to the
 * nearest NGX_F1_REPLAY_SUB_DELAY_STEP: NGX_OK, or NGX_ERROR when it is
 * not a number from 0 to f1_replay_max_delay
 */
ngx_int_t ngx_f1_replay_sub_delay(ngx_f1_replay_loc_conf_t *lcf,
    u_char *text, size_t len, uint64_t *delay);

/*
 * A client's text message: the answer (subscribed, or an error) is
 * queued; too many invalid messages, or too many a second, close the
 * client with 1008.  NGX_OK, or NGX_ERROR when out of memory.
 */
ngx_int_t ngx_f1_replay_sub_message(ngx_f1_replay_client_t *cl,
    u_char *text, size_t len);


#endif /* _NGX_F1_REPLAY_SUB_H_INCLUDED_ */
