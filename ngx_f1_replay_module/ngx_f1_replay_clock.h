
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
 *
 * Ticks are wall-clock and never stop; the session time shown at a tick
 * comes from the segment in force at that tick: a segment begins at a
 * tick, at a session time, at a speed (0 when paused).  A control
 * operation appends a segment that begins at the next tick, so what was
 * already sent is never rewritten, and the last NGX_F1_REPLAY_CLOCK_SEGS
 * segments are kept, so a client running some seconds behind (a delay)
 * sees the same history the others saw.
 *
 * Writers are serialised by the caller (the zone's mutex) and publish
 * through a sequence counter; readers copy the clock when the counter
 * moved and retry while a write is in progress.  Free of nginx types.
 */


#include <stdint.h>


#define NGX_F1_REPLAY_CLOCK_SEGS     64
#define NGX_F1_REPLAY_CLOCK_RETRIES  100000    /* reads of a torn clock */
#define NGX_F1_REPLAY_SPEED_MIN      250       /* per mille: 0.25x */
#define NGX_F1_REPLAY_SPEED_MAX      50000     /* 50x */

/* clock states */
#define NGX_F1_REPLAY_PLAYING        0
#define NGX_F1_REPLAY_PAUSED         1
#define NGX_F1_REPLAY_ENDED          2         /* no loop, end reached */
#define NGX_F1_REPLAY_WAITING        3         /* before an anchor */

/* operations, also the reason a segment was made */
#define NGX_F1_REPLAY_OP_START       0
#define NGX_F1_REPLAY_OP_PAUSE       1
#define NGX_F1_REPLAY_OP_RESUME      2
#define NGX_F1_REPLAY_OP_SEEK        3
#define NGX_F1_REPLAY_OP_SPEED       4
#define NGX_F1_REPLAY_OP_RESTART     5
#define NGX_F1_REPLAY_OP_LOOP        6
#define NGX_F1_REPLAY_OP_RELOAD      7
#define NGX_F1_REPLAY_OP_N           8


typedef struct {
    uint64_t   tick;           /* first tick of the segment */
    int64_t    t;              /* session time at that tick, not wrapped */
    uint32_t   speed;          /* per mille of real time, 0 paused */
    uint32_t   resume_speed;   /* the speed a resume restores */
    uint8_t    loop;
    uint8_t    jump;           /* time was set: clients need a state */
    uint8_t    reason;         /* NGX_F1_REPLAY_OP_* */
    uint8_t    pad[5];
} ngx_f1_replay_seg_t;


typedef struct {
    uint64_t             seq;         /* odd while being written */
    uint64_t             generation;  /* segments made, current is -1 */
    int64_t              epoch_ms;    /* monotonic ms at which tick 0 began */
    uint32_t             tick_ms;     /* 20 for 50 Hz */
    int32_t              start_ms;    /* restart and loop go back here */
    int32_t              end_ms;      /* the session's end */
    int32_t              min_ms;      /* the session's first moment */
    int64_t              anchor_ms;   /* UTC of tick 0 if anchored, or 0 */
    int64_t              utc_ms;      /* UTC of tick 0: the anchor, or the
                                         host's time at the epoch */
    uint32_t             loop;        /* as configured */
    uint32_t             pad;
    ngx_f1_replay_seg_t  seg[NGX_F1_REPLAY_CLOCK_SEGS];
} ngx_f1_replay_clock_t;


/* where the clock is at a tick */
typedef struct {
    uint64_t   tick;
    int32_t    t;              /* session time shown */
    uint32_t   state;          /* NGX_F1_REPLAY_PLAYING ... */
    uint32_t   speed;          /* per mille, of the segment in force */
    uint32_t   loop;
    uint32_t   reason;
    uint64_t   seg;            /* number of the segment in force */
    uint64_t   jump;           /* number of the last segment that jumped */
} ngx_f1_replay_clock_pos_t;


/*
 * tick 0 at monotonic now_ms, playing session time t; the replay runs to
 * end_ms and then loops back to start_ms (where a restart goes too) or
 * stops; min_ms is the earliest time a seek may reach
 */
void ngx_f1_replay_clock_init(ngx_f1_replay_clock_t *clk, int64_t now_ms,
    uint32_t tick_ms, int32_t start_ms, int32_t t, int32_t min_ms,
    int32_t end_ms, unsigned loop);

/* the tick running at monotonic time now_ms */
uint64_t ngx_f1_replay_clock_tick(const ngx_f1_replay_clock_t *clk,
    int64_t now_ms);

/* monotonic time at which a tick begins */
int64_t ngx_f1_replay_clock_tick_start(const ngx_f1_replay_clock_t *clk,
    uint64_t tick);

/* the position at a tick; now_ms tells a waiting clock from a running one */
void ngx_f1_replay_clock_at(const ngx_f1_replay_clock_t *clk, uint64_t tick,
    int64_t now_ms, ngx_f1_replay_clock_pos_t *pos);

/*
 * the position seen by a client delay ticks behind at tick: the clock as
 * it was then (waiting too, if the anchor had not come then)
 */
void ngx_f1_replay_clock_behind(const ngx_f1_replay_clock_t *clk,
    uint64_t tick, uint64_t delay, int64_t now_ms,
    ngx_f1_replay_clock_pos_t *pos);

/* the session time shown at a tick */
int32_t ngx_f1_replay_clock_session_time(const ngx_f1_replay_clock_t *clk,
    uint64_t tick);

/*
 * An operation from the next tick on: arg is the session time of a
 * seek, the speed (per mille) of a speed change, 0/1 for loop.  The
 * caller holds the writers' lock.  0, or -1 with the argument out of
 * range.
 */
int ngx_f1_replay_clock_change(ngx_f1_replay_clock_t *clk, int64_t now_ms,
    unsigned op, int64_t arg);

/*
 * The same from a named tick (1 or later): 0, -1 with the argument out
 * of range, -2 with the tick before the newest segment (a change set
 * for later is pending); several changes at one tick apply in order.
 * A tick already played is taken as named: what was sent is not
 * unsent, but the clock is from then on where it would have been.
 */
int ngx_f1_replay_clock_change_at(ngx_f1_replay_clock_t *clk,
    int64_t now_ms, uint64_t tick, unsigned op, int64_t arg);

/*
 * The segments replaced by n others, in order, the newest numbered
 * generation - 1 (n <= generation, n <= NGX_F1_REPLAY_CLOCK_SEGS); the
 * caller holds the writers' lock
 */
void ngx_f1_replay_clock_set(ngx_f1_replay_clock_t *clk,
    const ngx_f1_replay_seg_t *seg, unsigned n, uint64_t generation);

/*
 * The first tick beginning at or after a UTC time (0 for times before
 * tick 0), and the UTC time a tick begins, by utc_ms: exact when
 * anchored, the same on every instance of the anchor
 */
uint64_t ngx_f1_replay_clock_utc_tick(const ngx_f1_replay_clock_t *clk,
    int64_t utc_ms);
int64_t ngx_f1_replay_clock_tick_utc(const ngx_f1_replay_clock_t *clk,
    uint64_t tick);

/*
 * A consistent copy of a clock being written by other processes: 0, or
 * -1 (dst unchanged) when no consistent copy could be made in
 * NGX_F1_REPLAY_CLOCK_RETRIES tries (a writer died mid-write)
 */
int ngx_f1_replay_clock_copy(ngx_f1_replay_clock_t *dst,
    const ngx_f1_replay_clock_t *src);

/*
 * Copies only when the shared clock changed since the last copy: 1 if it
 * did, 0 if it had not changed, -1 if no copy could be made (dst is the
 * last good one)
 */
int ngx_f1_replay_clock_sync(ngx_f1_replay_clock_t *dst,
    const ngx_f1_replay_clock_t *src);

const char *ngx_f1_replay_clock_state_name(unsigned state);
const char *ngx_f1_replay_clock_op_name(unsigned op);


#endif /* _NGX_F1_REPLAY_CLOCK_H_INCLUDED_ */
