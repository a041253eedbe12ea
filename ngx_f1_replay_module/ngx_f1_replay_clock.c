
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <string.h>

#include "ngx_f1_replay_clock.h"


static const ngx_f1_replay_seg_t *ngx_f1_replay_clock_seg(
    const ngx_f1_replay_clock_t *clk, uint64_t tick, uint64_t *number);
static void ngx_f1_replay_clock_begin(ngx_f1_replay_clock_t *clk);
static void ngx_f1_replay_clock_end(ngx_f1_replay_clock_t *clk);


static const char  *ngx_f1_replay_clock_states[] = {
    "playing", "paused", "ended", "waiting"
};

static const char  *ngx_f1_replay_clock_ops[] = {
    "start", "pause", "resume", "seek", "speed", "restart", "loop", "reload"
};


void
ngx_f1_replay_clock_init(ngx_f1_replay_clock_t *clk, int64_t now_ms,
    uint32_t tick_ms, int32_t start_ms, int32_t t, int32_t min_ms,
    int32_t end_ms, unsigned loop)
{
    ngx_f1_replay_seg_t  *seg;

    ngx_f1_replay_clock_begin(clk);

    clk->epoch_ms = now_ms;
    clk->tick_ms = tick_ms ? tick_ms : 20;
    clk->start_ms = start_ms;
    clk->min_ms = min_ms < start_ms ? min_ms : start_ms;
    clk->end_ms = end_ms > start_ms ? end_ms : start_ms + 1;
    clk->loop = loop ? 1 : 0;
    clk->anchor_ms = 0;
    clk->utc_ms = 0;

    seg = &clk->seg[0];
    memset(seg, 0, sizeof(ngx_f1_replay_seg_t));
    seg->t = t;
    seg->speed = 1000;
    seg->resume_speed = 1000;
    seg->loop = clk->loop;
    seg->jump = 1;
    seg->reason = NGX_F1_REPLAY_OP_START;

    clk->generation = 1;

    ngx_f1_replay_clock_end(clk);
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


void
ngx_f1_replay_clock_at(const ngx_f1_replay_clock_t *clk, uint64_t tick,
    int64_t now_ms, ngx_f1_replay_clock_pos_t *pos)
{
    int64_t                     raw, span, ticks;
    uint64_t                    n, i;
    const ngx_f1_replay_seg_t  *seg, *s;

    seg = ngx_f1_replay_clock_seg(clk, tick, &n);

    /* ticks before the oldest segment kept run it backwards */

    ticks = (int64_t) tick - (int64_t) seg->tick;
    raw = seg->t + ticks * (int64_t) clk->tick_ms * seg->speed / 1000;

    pos->tick = tick;
    pos->speed = seg->speed;
    pos->loop = seg->loop;
    pos->reason = seg->reason;
    pos->seg = n;
    pos->state = seg->speed ? NGX_F1_REPLAY_PLAYING : NGX_F1_REPLAY_PAUSED;

    /* the last segment at or before this one that set the time */

    pos->jump = 0;

    for (i = n + 1; i-- > 0; ) {
        if (i + NGX_F1_REPLAY_CLOCK_SEGS < clk->generation) {
            break;
        }

        s = &clk->seg[i % NGX_F1_REPLAY_CLOCK_SEGS];

        if (s->jump) {
            pos->jump = i;
            break;
        }
    }

    if (raw < clk->min_ms) {
        raw = clk->min_ms;
    }

    if (raw >= clk->end_ms) {
        if (seg->loop) {
            span = (int64_t) clk->end_ms - clk->start_ms;
            raw = clk->start_ms + (raw - clk->end_ms) % span;

        } else {
            raw = clk->end_ms;
            pos->state = NGX_F1_REPLAY_ENDED;
        }
    }

    if (now_ms < clk->epoch_ms) {
        pos->state = NGX_F1_REPLAY_WAITING;
    }

    pos->t = (int32_t) raw;
}


void
ngx_f1_replay_clock_behind(const ngx_f1_replay_clock_t *clk, uint64_t tick,
    uint64_t delay, int64_t now_ms, ngx_f1_replay_clock_pos_t *pos)
{
    ngx_f1_replay_clock_at(clk, tick > delay ? tick - delay : 0,
                           now_ms - (int64_t) (delay * clk->tick_ms), pos);
}


int32_t
ngx_f1_replay_clock_session_time(const ngx_f1_replay_clock_t *clk,
    uint64_t tick)
{
    ngx_f1_replay_clock_pos_t  pos;

    ngx_f1_replay_clock_at(clk, tick, clk->epoch_ms, &pos);

    return pos.t;
}


int
ngx_f1_replay_clock_change(ngx_f1_replay_clock_t *clk, int64_t now_ms,
    unsigned op, int64_t arg)
{
    /* from the next tick: the current one may be on the wire already */

    return ngx_f1_replay_clock_change_at(clk, now_ms,
                                         ngx_f1_replay_clock_tick(clk, now_ms)
                                         + 1,
                                         op, arg);
}


int
ngx_f1_replay_clock_change_at(ngx_f1_replay_clock_t *clk, int64_t now_ms,
    uint64_t tick, unsigned op, int64_t arg)
{
    ngx_f1_replay_seg_t         seg;
    ngx_f1_replay_clock_pos_t   pos;
    const ngx_f1_replay_seg_t  *cur;

    cur = &clk->seg[(clk->generation - 1) % NGX_F1_REPLAY_CLOCK_SEGS];

    ngx_f1_replay_clock_at(clk, tick, now_ms, &pos);

    seg = *cur;
    seg.tick = tick;
    seg.t = pos.t;
    seg.jump = 0;
    seg.reason = (uint8_t) op;

    switch (op) {

    case NGX_F1_REPLAY_OP_PAUSE:
        seg.speed = 0;
        break;

    case NGX_F1_REPLAY_OP_RESUME:
        seg.speed = seg.resume_speed;
        break;

    case NGX_F1_REPLAY_OP_SEEK:
        if (arg < clk->min_ms || arg > clk->end_ms) {
            return -1;
        }

        seg.t = arg;
        seg.jump = 1;
        break;

    case NGX_F1_REPLAY_OP_SPEED:
        if (arg < NGX_F1_REPLAY_SPEED_MIN || arg > NGX_F1_REPLAY_SPEED_MAX) {
            return -1;
        }

        seg.resume_speed = (uint32_t) arg;

        if (seg.speed) {
            seg.speed = (uint32_t) arg;
        }

        break;

    case NGX_F1_REPLAY_OP_RESTART:
        seg.t = clk->start_ms;
        seg.speed = seg.resume_speed;
        seg.jump = 1;
        break;

    case NGX_F1_REPLAY_OP_LOOP:
        seg.loop = arg ? 1 : 0;

        /* an ended replay looping again starts over */

        if (seg.loop && pos.state == NGX_F1_REPLAY_ENDED) {
            seg.t = clk->start_ms;
            seg.jump = 1;
        }

        break;

    default:
        return -1;
    }

    /* segments begin in order: none before one already made */

    if (tick < cur->tick || tick == 0) {
        return -2;
    }

    ngx_f1_replay_clock_begin(clk);

    clk->seg[clk->generation % NGX_F1_REPLAY_CLOCK_SEGS] = seg;
    clk->generation++;

    ngx_f1_replay_clock_end(clk);

    return 0;
}


void
ngx_f1_replay_clock_set(ngx_f1_replay_clock_t *clk,
    const ngx_f1_replay_seg_t *seg, unsigned n, uint64_t generation)
{
    unsigned  i;

    ngx_f1_replay_clock_begin(clk);

    for (i = 0; i < n; i++) {
        clk->seg[(generation - n + i) % NGX_F1_REPLAY_CLOCK_SEGS] = seg[i];
    }

    clk->generation = generation;

    ngx_f1_replay_clock_end(clk);
}


uint64_t
ngx_f1_replay_clock_utc_tick(const ngx_f1_replay_clock_t *clk,
    int64_t utc_ms)
{
    int64_t  d;

    d = utc_ms - clk->utc_ms;

    return d <= 0 ? 0 : (uint64_t) (d + clk->tick_ms - 1) / clk->tick_ms;
}


int64_t
ngx_f1_replay_clock_tick_utc(const ngx_f1_replay_clock_t *clk,
    uint64_t tick)
{
    return clk->utc_ms + (int64_t) (tick * clk->tick_ms);
}


/*
 * A writer holds the sequence odd for a few stores: a reader that still
 * sees it odd (or moving) after NGX_F1_REPLAY_CLOCK_RETRIES tries was
 * not racing a writer but facing one that died mid-write; it keeps what
 * it had.
 */

int
ngx_f1_replay_clock_copy(ngx_f1_replay_clock_t *dst,
    const ngx_f1_replay_clock_t *src)
{
    uint64_t               seq;
    unsigned               n;
    ngx_f1_replay_clock_t  tmp;

    for (n = 0; n < NGX_F1_REPLAY_CLOCK_RETRIES; n++) {
        seq = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE);

        if (seq & 1) {
            continue;
        }

        memcpy(&tmp, src, sizeof(ngx_f1_replay_clock_t));

        __atomic_thread_fence(__ATOMIC_ACQUIRE);

        if (__atomic_load_n(&src->seq, __ATOMIC_RELAXED) == seq) {
            memcpy(dst, &tmp, sizeof(ngx_f1_replay_clock_t));
            dst->seq = seq;
            return 0;
        }
    }

    return -1;
}


int
ngx_f1_replay_clock_sync(ngx_f1_replay_clock_t *dst,
    const ngx_f1_replay_clock_t *src)
{
    if (__atomic_load_n(&src->seq, __ATOMIC_ACQUIRE) == dst->seq
        && dst->generation != 0)
    {
        return 0;
    }

    return ngx_f1_replay_clock_copy(dst, src) == 0 ? 1 : -1;
}


const char *
ngx_f1_replay_clock_state_name(unsigned state)
{
    return state < 4 ? ngx_f1_replay_clock_states[state] : "unknown";
}


const char *
ngx_f1_replay_clock_op_name(unsigned op)
{
    return op < NGX_F1_REPLAY_OP_N ? ngx_f1_replay_clock_ops[op] : "unknown";
}


/* the newest segment begun at or before tick, and its number */

static const ngx_f1_replay_seg_t *
ngx_f1_replay_clock_seg(const ngx_f1_replay_clock_t *clk, uint64_t tick,
    uint64_t *number)
{
    uint64_t                    n, oldest;
    const ngx_f1_replay_seg_t  *seg;

    oldest = clk->generation > NGX_F1_REPLAY_CLOCK_SEGS
             ? clk->generation - NGX_F1_REPLAY_CLOCK_SEGS : 0;

    for (n = clk->generation - 1; n > oldest; n--) {
        seg = &clk->seg[n % NGX_F1_REPLAY_CLOCK_SEGS];

        if (seg->tick <= tick) {
            *number = n;
            return seg;
        }
    }

    *number = oldest;

    return &clk->seg[oldest % NGX_F1_REPLAY_CLOCK_SEGS];
}


/*
 * A write begins: the counter goes odd, readers wait or retry.  Found odd,
 * it is the mark of a writer that died mid-write (nginx frees the lock of
 * a dead process): this write goes over what it left.
 */

static void
ngx_f1_replay_clock_begin(ngx_f1_replay_clock_t *clk)
{
    __atomic_store_n(&clk->seq, (clk->seq & 1) ? clk->seq + 2 : clk->seq + 1,
                     __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}


static void
ngx_f1_replay_clock_end(ngx_f1_replay_clock_t *clk)
{
    __atomic_store_n(&clk->seq, clk->seq + 1, __ATOMIC_RELEASE);
}
