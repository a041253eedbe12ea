
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_TICK_H_INCLUDED_
#define _NGX_F1_REPLAY_TICK_H_INCLUDED_


/*
 * The worker's tick, at the tick rate while it has clients: the current
 * tick comes from the shared clock (nobody counts ticks).  Each
 * subscription works out its view of the clock once (a clock message
 * after a change, a state after a jump, the events passed, the frame);
 * the messages of a tick are encoded once and shared by reference, and
 * every client gets its subscription's.  Also here: the greeting of a
 * new client and the predictions, built once per lap and location.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_f1_replay_client.h"
#include "ngx_f1_replay_sub.h"
#include "ngx_f1_replay_worker.h"


/* the tick timer runs (a client joined) */
void ngx_f1_replay_tick_start(ngx_f1_replay_worker_t *w);

void ngx_f1_replay_tick_handler(ngx_event_t *ev);

/*
 * The hello and state messages for a client delay ticks behind the
 * tick, and the session time they show; without a delay they are
 * encoded once per tick.  References for the caller.
 */
ngx_int_t ngx_f1_replay_tick_greeting(ngx_f1_replay_worker_t *w,
    uint64_t tick, uint64_t delay, ngx_f1_replay_msg_t **hello,
    ngx_f1_replay_msg_t **state, int32_t *t, ngx_log_t *log);

/* the leader's completed laps at a session time */
ngx_uint_t ngx_f1_replay_tick_lap(ngx_f1_replay_worker_t *w, int32_t t);

/*
 * The predictions message of a location at a lap of the leader, a
 * reference for the caller: NGX_OK, NGX_DECLINED when there is nothing
 * to send, NGX_ERROR
 */
ngx_int_t ngx_f1_replay_tick_predictions(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_loc_conf_t *lcf, ngx_uint_t lap, ngx_f1_replay_msg_t **m,
    ngx_log_t *log);

/* a subscription's clock and state messages of the last tick go */
void ngx_f1_replay_tick_forget(ngx_f1_replay_sub_t *sub);

/* a subscription's view of the clock starts now */
void ngx_f1_replay_tick_view_init(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub);

/*
 * A client whose delay changed sees another moment: the clock and the
 * state of its view now are queued.  NGX_OK, or NGX_ERROR.
 */
ngx_int_t ngx_f1_replay_tick_rejoin(ngx_f1_replay_client_t *cl);

/* the worker's tick is over: the shared messages go */
void ngx_f1_replay_tick_uncache(ngx_f1_replay_worker_t *w);


#endif /* _NGX_F1_REPLAY_TICK_H_INCLUDED_ */
