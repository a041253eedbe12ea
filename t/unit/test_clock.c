
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <string.h>

#include "ngx_f1_replay_clock.h"
#include "unit.h"


static ngx_f1_replay_clock_t  clk;


static int32_t
at(uint64_t tick, uint32_t *state)
{
    ngx_f1_replay_clock_pos_t  pos;

    ngx_f1_replay_clock_at(&clk, tick, clk.epoch_ms + (int64_t) tick * 20,
                           &pos);
    if (state) {
        *state = pos.state;
    }

    return pos.t;
}


int
main(void)
{
    int                        i, mono;
    int32_t                    t, prev;
    uint32_t                   state;
    uint64_t                   generation;
    ngx_f1_replay_clock_t      copy;
    ngx_f1_replay_clock_pos_t  pos;

    /* 50 Hz from 600 s, looping over [600 s, 700 s) */

    ngx_f1_replay_clock_init(&clk, 1000, 20, 600000, 600000, 0, 700000,
                             1);

    UNIT_CHECK(ngx_f1_replay_clock_tick(&clk, 999) == 0, "tick 0 before");
    UNIT_CHECK(ngx_f1_replay_clock_tick(&clk, 1059) == 2, "tick 2 at 59 ms");
    UNIT_CHECK(ngx_f1_replay_clock_tick_start(&clk, 3) == 1060, "tick start");
    UNIT_CHECK(at(0, NULL) == 600000 && at(50, NULL) == 601000,
               "one second of ticks is one second of session");
    UNIT_CHECK(at(5000, NULL) == 600000 && at(5001, NULL) == 600020,
               "loops at the end");

    /* pause at the next tick: tick 100 still plays, 101 on is frozen */

    UNIT_CHECK(ngx_f1_replay_clock_change(&clk, 1000 + 100 * 20,
                                          NGX_F1_REPLAY_OP_PAUSE, 0) == 0,
               "pause");
    UNIT_CHECK(at(100, NULL) == 602000, "the current tick is not rewritten");
    t = at(500, &state);
    UNIT_CHECK(t == 602020 && state == NGX_F1_REPLAY_PAUSED, "paused");

    /* resume continues from the paused moment */

    ngx_f1_replay_clock_change(&clk, 1000 + 500 * 20,
                               NGX_F1_REPLAY_OP_RESUME, 0);
    UNIT_CHECK(at(501, &state) == 602020 && state == NGX_F1_REPLAY_PLAYING,
               "resume from the paused moment");
    UNIT_CHECK(at(502, NULL) == 602040, "and plays on");

    /* speed: 4x, ticks monotonic, session time too */

    ngx_f1_replay_clock_change(&clk, 1000 + 600 * 20,
                               NGX_F1_REPLAY_OP_SPEED, 4000);
    UNIT_CHECK(at(602, NULL) - at(601, NULL) == 80, "4x: 80 ms a tick");

    UNIT_CHECK(ngx_f1_replay_clock_change(&clk, 0, NGX_F1_REPLAY_OP_SPEED,
                                          100) == -1
               && ngx_f1_replay_clock_change(&clk, 0, NGX_F1_REPLAY_OP_SPEED,
                                             50001) == -1,
               "speed out of range refused");

    mono = 1;
    prev = at(590, NULL);
    for (i = 591; i < 700; i++) {
        t = at(i, NULL);
        if (t <= prev) {
            mono = 0;
        }
        prev = t;
    }
    UNIT_CHECK(mono, "session time monotonic across the speed change");

    /* pause keeps the speed for the resume; speed while paused stays */

    ngx_f1_replay_clock_change(&clk, 1000 + 700 * 20,
                               NGX_F1_REPLAY_OP_PAUSE, 0);
    ngx_f1_replay_clock_change(&clk, 1000 + 710 * 20,
                               NGX_F1_REPLAY_OP_SPEED, 2000);
    UNIT_CHECK(at(720, &state) == at(712, NULL)
               && state == NGX_F1_REPLAY_PAUSED, "speed while paused");
    ngx_f1_replay_clock_change(&clk, 1000 + 720 * 20,
                               NGX_F1_REPLAY_OP_RESUME, 0);
    UNIT_CHECK(at(723, NULL) - at(722, NULL) == 40, "resumes at 2x");

    /* seek: the time is set and the segment says so */

    UNIT_CHECK(ngx_f1_replay_clock_change(&clk, 1000 + 800 * 20,
                                          NGX_F1_REPLAY_OP_SEEK, 650000)
               == 0, "seek");
    ngx_f1_replay_clock_at(&clk, 801, 0, &pos);
    UNIT_CHECK(pos.t == 650000 && pos.jump == pos.seg
               && pos.reason == NGX_F1_REPLAY_OP_SEEK, "seek sets the time");
    ngx_f1_replay_clock_at(&clk, 790, 0, &pos);
    UNIT_CHECK(pos.jump < pos.seg, "an earlier tick is before the seek");
    UNIT_CHECK(ngx_f1_replay_clock_change(&clk, 0, NGX_F1_REPLAY_OP_SEEK,
                                          700001) == -1,
               "seek past the end refused");

    /* no loop: the end holds, state ended; loop on again starts over */

    ngx_f1_replay_clock_change(&clk, 1000 + 900 * 20,
                               NGX_F1_REPLAY_OP_LOOP, 0);
    t = at(100000, &state);
    UNIT_CHECK(t == 700000 && state == NGX_F1_REPLAY_ENDED, "ended");
    ngx_f1_replay_clock_change(&clk, 1000 + 100000 * 20,
                               NGX_F1_REPLAY_OP_LOOP, 1);
    UNIT_CHECK(at(100001, &state) == 600000
               && state == NGX_F1_REPLAY_PLAYING, "loop on restarts");

    /* restart */

    ngx_f1_replay_clock_change(&clk, 1000 + 100100 * 20,
                               NGX_F1_REPLAY_OP_RESTART, 0);
    UNIT_CHECK(at(100101, NULL) == 600000, "restart");

    /* history: a delayed reader sees the past segments */

    UNIT_CHECK(at(501, NULL) == 602020, "the past is kept");
    ngx_f1_replay_clock_behind(&clk, 601, 100, 1000 + 601 * 20, &pos);
    UNIT_CHECK(pos.tick == 501 && pos.t == 602020,
               "100 ticks behind: the clock as it was then");

    /* more changes than segments kept: the oldest is the fallback */

    for (i = 0; i < 2 * NGX_F1_REPLAY_CLOCK_SEGS; i++) {
        ngx_f1_replay_clock_change(&clk, 1000 + (200000 + i) * 20,
                                   i % 2 ? NGX_F1_REPLAY_OP_RESUME
                                         : NGX_F1_REPLAY_OP_PAUSE, 0);
    }
    t = at(0, NULL);
    UNIT_CHECK(t >= 0 && t <= 700000, "a tick older than the history");

    /* copies */

    memset(&copy, 0, sizeof(copy));
    UNIT_CHECK(ngx_f1_replay_clock_sync(&copy, &clk) == 1
               && ngx_f1_replay_clock_sync(&copy, &clk) == 0,
               "sync copies once");
    ngx_f1_replay_clock_change(&clk, 1000 + 300000 * 20,
                               NGX_F1_REPLAY_OP_PAUSE, 0);
    UNIT_CHECK(ngx_f1_replay_clock_sync(&copy, &clk) == 1
               && copy.generation == clk.generation, "and after a change");

    /*
     * a writer that died mid-write leaves the sequence odd: readers give
     * up after a bounded number of tries and keep their last good copy;
     * the next writer writes over it
     */

    clk.seq |= 1;
    generation = copy.generation;
    clk.generation += 5;

    UNIT_CHECK(ngx_f1_replay_clock_sync(&copy, &clk) == -1
               && copy.generation == generation,
               "a torn clock: no copy, the last good one kept");

    clk.generation -= 5;
    ngx_f1_replay_clock_change(&clk, 1000 + 300001 * 20,
                               NGX_F1_REPLAY_OP_RESUME, 0);
    UNIT_CHECK((clk.seq & 1) == 0
               && ngx_f1_replay_clock_sync(&copy, &clk) == 1
               && copy.generation == clk.generation,
               "the next change repairs it");

    /* an anchor in the future: waiting at the start */

    ngx_f1_replay_clock_init(&clk, 50000, 20, 600000, 600000, 0, 700000,
                             1);
    ngx_f1_replay_clock_at(&clk, ngx_f1_replay_clock_tick(&clk, 10000),
                           10000, &pos);
    UNIT_CHECK(pos.state == NGX_F1_REPLAY_WAITING && pos.t == 600000
               && pos.tick == 0, "waiting for the anchor");

    return UNIT_DONE();
}
