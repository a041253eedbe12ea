
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's next stop: its lap, brought forward by what the
 * field does, and its window and confidence, calibrated per cell on
 * rounds 1-12 of 2024.
 */


#include "ngx_f1_replay_strategy_internal.h"


#define NGX_F1_REPLAY_STRATEGY_SWITCH        5      /* laps, wet/dry change */
#define NGX_F1_REPLAY_STRATEGY_COVER         2      /* laps, covering stop */
#define NGX_F1_REPLAY_STRATEGY_COVER_AGE     0.7    /* of the stop age */


static int ngx_f1_replay_strategy_window_covers(
    ngx_f1_replay_strategy_ctx_t *x, unsigned i, unsigned lap);


/*
 * The next-stop window and confidence per cell (unplanned, then planned;
 * laps to the stop 1, 2, 3, 4, 5, 6, 7-8, 9-10, 11-12, 13-15, 16-19,
 * 20+): f1-replay-backtest --calibrate on rounds 1-12 of 2024.
 */

const ngx_f1_replay_strategy_window_t
    ngx_f1_replay_strategy_window_2024 = {
    { -2, -1, -1, -3, -3, -4, -5, -8, -8, -8, -8, -19,
      0, -1, -1, -2, -3, -4, -5, -6, -6, -6, -6, -8 },
    { 2, 2, 2, 3, 6, 3, 2, 3, 6, 7, 6, 7,
      19, 8, 8, 15, 12, 13, 12, 12, 12, 12, 10, 10 },
    { 0.006f, 0.040f, 0.011f, 0.039f, 0.114f, 0.026f,
      0.031f, 0.028f, 0.036f, 0.029f, 0.032f, 0.003f,
      0.172f, 0.586f, 0.395f, 0.304f, 0.265f, 0.252f,
      0.246f, 0.252f, 0.207f, 0.219f, 0.269f, 0.102f }
};


/*
 * The next stop of a running car, laps after its last lap (planned: a
 * stop is in the plan; green: the last lap was not neutralised), with
 * its window and confidence.
 */

void
ngx_f1_replay_strategy_window_next_stop(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, ngx_f1_replay_strategy_car_out_t *co, unsigned laps,
    int planned, int green)
{
    unsigned  age;

    age = co->tyre_age;

    /*
     * Once a car has gone from dry tyres to wet ones (or back) in this
     * race, the cars still on the other kind stop within 5 laps.
     */

    if (x->switched[!ngx_f1_replay_compound_dry(co->compound)]
        && laps > NGX_F1_REPLAY_STRATEGY_SWITCH)
    {
        laps = NGX_F1_REPLAY_STRATEGY_SWITCH;
    }

    /*
     * Covering: under green, when the car just ahead or just behind came
     * in on this lap and this set has run 0.7 of its stop age, the stop
     * comes within 2 laps.
     */

    if (green && laps > NGX_F1_REPLAY_STRATEGY_COVER
        && age >= NGX_F1_REPLAY_STRATEGY_COVER_AGE * (age + laps)
        && ngx_f1_replay_strategy_window_covers(x, i, co->lap))
    {
        laps = NGX_F1_REPLAY_STRATEGY_COVER;
    }

    co->next_stop = (uint16_t) (co->lap + laps);

    /* the window and confidence: calibrated per cell on rounds 1-12 */

    co->stop_cell = (uint8_t) ngx_f1_replay_strategy_window_cell(laps,
                                                                 planned);

    ngx_f1_replay_strategy_window(&ngx_f1_replay_strategy_window_2024,
                                  co->stop_cell, co->lap, co->next_stop,
                                  x->total, &co->window_lo, &co->window_hi,
                                  &co->confidence);
}


/*
 * Whether a car next to car i on track (one place ahead or behind at the
 * line of the lap before) came in on the lap given, car i not.
 */

static int
ngx_f1_replay_strategy_window_covers(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, unsigned lap)
{
    unsigned                             j, pos;
    const ngx_f1_replay_strategy_lap_t  *lp, *prev;

    lp = ngx_f1_replay_strategy_lap(&x->tb->cars[i], lap, x->upto);
    prev = ngx_f1_replay_strategy_lap(&x->tb->cars[i], lap - 1, x->upto);

    if (lp == NULL || (lp->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN)) {
        return 0;
    }

    pos = prev != NULL ? prev->position : lp->position;

    if (pos == 0) {
        return 0;
    }

    for (j = 0; j < x->tb->ncars; j++) {
        lp = ngx_f1_replay_strategy_lap(&x->tb->cars[j], lap, x->upto);
        prev = ngx_f1_replay_strategy_lap(&x->tb->cars[j], lap - 1, x->upto);

        if (j == i || lp == NULL
            || !(lp->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN))
        {
            continue;
        }

        if (prev == NULL) {
            prev = lp;
        }

        if (prev->position + 1u == pos || prev->position == pos + 1) {
            return 1;
        }
    }

    return 0;
}


unsigned
ngx_f1_replay_strategy_window_cell(unsigned laps, int planned)
{
    unsigned  h;

    h = laps <= 6 ? (laps ? laps - 1 : 0)
        : laps <= 8 ? 6 : laps <= 10 ? 7 : laps <= 12 ? 8
        : laps <= 15 ? 9 : laps <= 19 ? 10 : 11;

    return h + (planned ? NGX_F1_REPLAY_STRATEGY_HORIZONS : 0);
}


void
ngx_f1_replay_strategy_window(const ngx_f1_replay_strategy_window_t *w,
    unsigned cell, unsigned lap, unsigned next_stop, unsigned total,
    uint16_t *lo, uint16_t *hi, float *confidence)
{
    int  a, b;

    if (cell >= NGX_F1_REPLAY_STRATEGY_CELLS) {
        cell = NGX_F1_REPLAY_STRATEGY_CELLS - 1;
    }

    a = (int) next_stop + (w->lo[cell] < 0 ? w->lo[cell] : 0);
    b = (int) next_stop + (w->hi[cell] > 0 ? w->hi[cell] : 0);

    if (a < (int) lap + 1) {
        a = (int) lap + 1;
    }

    if (b > (int) total - 1) {
        b = (int) total - 1;
    }

    if (b < a) {
        b = a;
    }

    *lo = (uint16_t) a;
    *hi = (uint16_t) b;
    *confidence = w->p2[cell];
}
