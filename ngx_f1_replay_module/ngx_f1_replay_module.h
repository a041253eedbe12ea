
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_MODULE_H_INCLUDED_
#define _NGX_F1_REPLAY_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_clock.h"
#include "ngx_f1_replay_frame.h"
#include "ngx_f1_replay_session.h"
#include "ngx_f1_replay_json.h"


#define NGX_F1_REPLAY_REFUSED_METHOD    0
#define NGX_F1_REPLAY_REFUSED_UPGRADE   1   /* not a WebSocket request */
#define NGX_F1_REPLAY_REFUSED_VERSION   2
#define NGX_F1_REPLAY_REFUSED_BAD       3
#define NGX_F1_REPLAY_REFUSED_ORIGIN    4
#define NGX_F1_REPLAY_REFUSED_N         5

#define NGX_F1_REPLAY_CLOSES_N          12  /* codes 1000-1011 */

#define NGX_F1_REPLAY_START_LIGHTS_OUT  0
#define NGX_F1_REPLAY_START_FORMATION   1
#define NGX_F1_REPLAY_START_TIME        2


/*
 * One worker's counters, in the zone at its process slot: cumulative
 * (a process taking the slot over goes on adding), so totals stay exact
 * across reloads and a killed worker; clients is a gauge, valid while
 * pid lives.
 */
typedef struct {
    ngx_atomic_t                   pid;
    ngx_atomic_t                   clients;
    ngx_atomic_t                   connections;
    ngx_atomic_t                   messages;
    ngx_atomic_t                   bytes;
    ngx_atomic_t                   skipped;
    ngx_atomic_t                   refused[NGX_F1_REPLAY_REFUSED_N];
    ngx_atomic_t                   closes[NGX_F1_REPLAY_CLOSES_N];
} ngx_f1_replay_slot_t;


/* the zone's own header, allocated first in its slab pool */
typedef struct {
    uint64_t                       fingerprint;
    ngx_f1_replay_session_t       *session;
    ngx_f1_replay_clock_t          clock;
    ngx_f1_replay_slot_t          *slots;       /* NGX_MAX_PROCESSES */
} ngx_f1_replay_shctx_t;


/* a message on the wire (WebSocket header included), reference-counted */
typedef struct {
    ngx_uint_t                     refs;
    size_t                         len;
    u_char                        *data;
} ngx_f1_replay_msg_t;


#define NGX_F1_REPLAY_EVENTS_MAX        64  /* per tick */
#define NGX_F1_REPLAY_PENDING_MAX       (NGX_F1_REPLAY_EVENTS_MAX + 2)


/* a predictions message of a location (its file) at a lap */
#define NGX_F1_REPLAY_PCACHE            4

typedef struct {
    void                          *lcf;
    ngx_uint_t                     key;          /* lap + 1 */
    ngx_f1_replay_msg_t           *msg;
} ngx_f1_replay_pcache_t;


/*
 * A distinct subscription (cars, channels, rate, delay) of a worker's
 * clients: its frame is encoded once per tick for all who share it.  It
 * keeps where its view of the clock (delay ticks behind) was at the
 * last tick, to tell its clients about changes: a clock message, a
 * state after a jump, the race events passed.
 */
typedef struct {
    ngx_queue_t                    queue;
    ngx_f1_replay_filter_t         filter;
    ngx_uint_t                     divisor;      /* every n-th tick */
    uint64_t                       delay;        /* ticks behind */
    ngx_uint_t                     refs;

    uint64_t                       seg;          /* clock segment */
    uint64_t                       jump;
    ngx_uint_t                     state;
    int32_t                        last_t;
    ngx_uint_t                     playing;      /* frames this tick */
    ngx_uint_t                     lap;          /* leader's laps done */
    ngx_uint_t                     predict;      /* new lap or a jump */
    ngx_f1_replay_msg_t           *pending[NGX_F1_REPLAY_PENDING_MAX];
    ngx_uint_t                     npending;     /* before the frame */

    uint64_t                       bucket;       /* tick / divisor */
    ngx_f1_replay_msg_t           *frame;        /* of bucket */
    uint64_t                       zbucket;
    ngx_f1_replay_msg_t           *zframe;       /* deflated, of zbucket */
} ngx_f1_replay_sub_t;


typedef struct {
    ngx_str_t                      name;
    ngx_str_t                      path;         /* NUL-terminated */
    uint64_t                       fingerprint;
    ngx_uint_t                     rate;         /* ticks per second */
    ngx_uint_t                     start;        /* START_LIGHTS_OUT ... */
    int32_t                        start_ms;     /* START_TIME */
    int64_t                        anchor_ms;    /* UTC, 0 if none */
    ngx_flag_t                     loop;
    ngx_shm_zone_t                *shm_zone;
    ngx_f1_replay_shctx_t         *sh;
    ngx_f1_replay_session_t       *session;

    /* this worker's copy of the clock, refreshed when it changes */
    ngx_f1_replay_clock_t          clock;

    /* this worker's clients of the session and its tick */
    ngx_queue_t                    clients;
    ngx_uint_t                     nclients;
    ngx_event_t                    tick_ev;
    uint64_t                       tick;
    int32_t                        last_t;       /* of the last tick */
    yajl_gen                       gen;
    ngx_queue_t                    subs;         /* ngx_f1_replay_sub_t */
    ngx_uint_t                     nsubs;
    uint64_t                       greet_tick;   /* of hello and state */
    int32_t                        greet_t;
    ngx_f1_replay_msg_t           *hello;
    ngx_f1_replay_msg_t           *state;

    /* messages of this tick shared by subscriptions with one delay */
    uint64_t                       cache_tick;
    int32_t                        cached_state_t;
    ngx_f1_replay_msg_t           *cached_state;
    uint64_t                       cached_clock_key[2];
    ngx_f1_replay_msg_t           *cached_clock;
    int32_t                        cached_events[2];   /* (from, to] */
    ngx_f1_replay_msg_t           *events[NGX_F1_REPLAY_EVENTS_MAX];
    ngx_uint_t                     nevents;

    /* the strategy engine's output at a lap of the leader, and messages */
    void                          *strategy;     /* ..._strategy_out_t */
    ngx_uint_t                     strategy_key; /* lap + 1, 0 none */
    ngx_int_t                      strategy_ok;
    ngx_f1_replay_pcache_t         predictions[NGX_F1_REPLAY_PCACHE];
    ngx_uint_t                     npredictions;
    void                          *deflate;      /* z_stream, lazily */
} ngx_f1_replay_session_conf_t;


typedef struct {
    ngx_array_t                    sessions;  /* session_conf_t * */
} ngx_f1_replay_main_conf_t;


typedef struct {
    ngx_f1_replay_session_conf_t  *info;
    ngx_f1_replay_session_conf_t  *ws;
    ngx_f1_replay_session_conf_t  *control;
    ngx_msec_t                     max_delay;
    ngx_msec_t                     ping_interval;
    ngx_msec_t                     pong_timeout;
    size_t                         max_message;
    ngx_uint_t                     max_skipped;
    ngx_array_t                   *origins;      /* ngx_str_t */
    ngx_f1_replay_json_t          *predictions;  /* the file, parsed */
} ngx_f1_replay_loc_conf_t;


extern ngx_module_t  ngx_f1_replay_module;


#define ngx_f1_replay_count(sc, field, n)                                     \
    (void) ngx_atomic_fetch_add(                                              \
               &(sc)->sh->slots[ngx_process_slot].field, n)


ngx_int_t ngx_f1_replay_ws_handler(ngx_http_request_t *r);
ngx_int_t ngx_f1_replay_status_handler(ngx_http_request_t *r);
ngx_int_t ngx_f1_replay_control_handler(ngx_http_request_t *r);
ngx_int_t ngx_f1_replay_send_json(ngx_http_request_t *r, ngx_uint_t status,
    yajl_gen g);
ngx_f1_replay_clock_t *ngx_f1_replay_clock(ngx_f1_replay_session_conf_t *sc);
void ngx_f1_replay_ws_exit(ngx_f1_replay_session_conf_t *sc);


#endif /* _NGX_F1_REPLAY_MODULE_H_INCLUDED_ */
