
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_WORKER_H_INCLUDED_
#define _NGX_F1_REPLAY_WORKER_H_INCLUDED_


/*
 * What a worker process keeps of a session while it runs: its copy of
 * the shared clock, its WebSocket clients and their distinct
 * subscriptions, its tick timer, and the messages of the current tick
 * it shares between subscriptions (encoded once, sent by reference).
 * Allocated when the worker starts, freed when it exits.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_clock.h"
#include "ngx_f1_replay_module.h"
#include "ngx_f1_replay_msg.h"
#include "ngx_f1_replay_strategy.h"


#define NGX_F1_REPLAY_WORKER_PREDS   4    /* predictions messages kept */


/* an event message of this tick */
typedef struct {
    uint32_t                       id;
    ngx_f1_replay_msg_t           *msg;
} ngx_f1_replay_worker_event_t;


/* the predictions message of a location (its file) at a lap */
typedef struct {
    ngx_f1_replay_loc_conf_t      *lcf;
    ngx_uint_t                     lap;
    ngx_f1_replay_msg_t           *msg;
} ngx_f1_replay_worker_pred_t;


struct ngx_f1_replay_worker_s {
    ngx_f1_replay_session_conf_t  *sc;

    /* the shared clock as last seen, copied when it changes */
    ngx_f1_replay_clock_t          clock;
    unsigned                       torn:1;     /* a copy failed, logged */

    ngx_queue_t                    clients;    /* ngx_f1_replay_client_t */
    ngx_uint_t                     nclients;
    ngx_queue_t                    subs;       /* ngx_f1_replay_sub_t */
    ngx_uint_t                     nsubs;
    ngx_event_t                    tick_ev;
    uint64_t                       tick;       /* the last one sent */
    yajl_gen                       gen;
    void                          *deflate;    /* z_stream, lazily */

    /* hello and state for clients without a delay joining in a tick */
    uint64_t                       greet_tick;
    int32_t                        greet_t;
    ngx_f1_replay_msg_t           *hello;
    ngx_f1_replay_msg_t           *state;

    /* messages of this tick, shared by subscriptions that need them */
    ngx_f1_replay_msg_t           *clock_msg;
    uint64_t                       clock_key[3];    /* tick, seg, delay */
    ngx_f1_replay_msg_t           *state_msg;
    int32_t                        state_t;
    ngx_array_t                    events;     /* ..._worker_event_t */

    /* the strategy engine's output at a lap of the leader */
    ngx_f1_replay_strategy_out_t  *strategy;
    ngx_uint_t                     strategy_lap;   /* + 1, 0 none */
    ngx_int_t                      strategy_rc;
    ngx_f1_replay_worker_pred_t    preds[NGX_F1_REPLAY_WORKER_PREDS];
    ngx_uint_t                     npreds;
};


/* the worker's state of every session, at its start */
ngx_int_t ngx_f1_replay_worker_init(ngx_cycle_t *cycle);

/* and at its exit (its clients are gone: their cleanups ran) */
void ngx_f1_replay_worker_exit(ngx_cycle_t *cycle);

/* this worker's copy of the shared clock, refreshed if it changed */
ngx_f1_replay_clock_t *ngx_f1_replay_worker_clock(
    ngx_f1_replay_session_conf_t *sc);

/* the worker's JSON generator, empty */
yajl_gen ngx_f1_replay_worker_gen(ngx_f1_replay_worker_t *w);


#endif /* _NGX_F1_REPLAY_WORKER_H_INCLUDED_ */
