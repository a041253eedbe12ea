
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_CLOCK_H_INCLUDED_
#define _NGX_F1_REPLAY_CLOCK_H_INCLUDED_


/*
 * The replay clock shared by every worker: plain data in the session's
 * zone.  Nobody counts ticks: each worker computes the current tick from
 * the epoch and its own monotonic time (ngx_current_msec reads
 * CLOCK_MONOTONIC, the same in every process of a host), so all workers
 * emit the same tick number for the same moment without messages.
 * Free of nginx types.
 */


#include <stdint.h>


typedef struct {
    uint64_t   generation;     /* bumped on every change */
    int64_t    epoch_ms;       /* monotonic ms at which tick 0 began */
    uint32_t   tick_ms;        /* 20 for 50 Hz */
    int32_t    start_ms;       /* session time of tick 0 */
    int32_t    loop_from_ms;   /* session time the replay loops back to */
    int32_t    end_ms;         /* ... from here */
} ngx_f1_replay_clock_t;


/* tick 0 at now_ms, playing session time start_ms, looping in [from, end) */
void ngx_f1_replay_clock_init(ngx_f1_replay_clock_t *clk, int64_t now_ms,
    uint32_t tick_ms, int32_t start_ms, int32_t loop_from_ms,
    int32_t end_ms);

/* the tick running at monotonic time now_ms */
uint64_t ngx_f1_replay_clock_tick(const ngx_f1_replay_clock_t *clk,
    int64_t now_ms);

/* monotonic time at which a tick begins */
int64_t ngx_f1_replay_clock_tick_start(const ngx_f1_replay_clock_t *clk,
    uint64_t tick);

/* the session time shown at a tick */
int32_t ngx_f1_replay_clock_session_time(const ngx_f1_replay_clock_t *clk,
    uint64_t tick);


#endif /* _NGX_F1_REPLAY_CLOCK_H_INCLUDED_ */
