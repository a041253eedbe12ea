
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include "ngx_f1_replay_clock.h"


void
ngx_f1_replay_clock_init(ngx_f1_replay_clock_t *clk, int64_t now_ms,
    uint32_t tick_ms, int32_t start_ms, int32_t loop_from_ms,
    int32_t end_ms)
{
    clk->generation++;
    clk->epoch_ms = now_ms;
    clk->tick_ms = tick_ms ? tick_ms : 20;
    clk->start_ms = start_ms;
    clk->loop_from_ms = loop_from_ms;
    clk->end_ms = end_ms > loop_from_ms ? end_ms : loop_from_ms + 1;
}


uint64_t
ngx_f1_replay_clock_tick(const ngx_f1_replay_clock_t *clk, int64_t now_ms)
{
    if (now_ms <= clk->epoch_ms) {
        return 0;
    }

    return (uint64_t) (now_ms - clk->epoch_ms) / clk->tick_ms;
}


int64_t
ngx_f1_replay_clock_tick_start(const ngx_f1_replay_clock_t *clk,
    uint64_t tick)
{
    return clk->epoch_ms + (int64_t) (tick * clk->tick_ms);
}


int32_t
ngx_f1_replay_clock_session_time(const ngx_f1_replay_clock_t *clk,
    uint64_t tick)
{
    int64_t  t, span;

    t = (int64_t) clk->start_ms + (int64_t) (tick * clk->tick_ms);

    if (t < clk->end_ms) {
        return (int32_t) t;
    }

    /* past the end: loop over [loop_from, end) */

    span = (int64_t) clk->end_ms - clk->loop_from_ms;

    return (int32_t) (clk->loop_from_ms + (t - clk->end_ms) % span);
}
