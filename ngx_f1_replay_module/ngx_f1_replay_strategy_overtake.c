
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's overtakes: the logistic of a pass within three
 * laps and its coefficients, its recalibration on the race so far, and
 * for each running car the car ahead at the line, the pace advantage and
 * the probability of passing it (with the undercut and overcut figures
 * the payload leaves out).
 */


#include <math.h>
#include <string.h>

#include "ngx_f1_replay_strategy_internal.h"


#define NGX_F1_REPLAY_STRATEGY_WARMUP_MS     1000   /* out-lap, cold set */
#define NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR   1.0    /* prior sd, logit */
#define NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR   0.15   /* prior sd, slope */
#define NGX_F1_REPLAY_STRATEGY_MAX_PAIRS                                      \
    (NGX_F1_REPLAY_STRATEGY_MAX_CARS * NGX_F1_REPLAY_STRATEGY_MAX_LAPS)


/* the car at each position at each lap's line, -1 none */

typedef struct {
    int                   car[NGX_F1_REPLAY_STRATEGY_MAX_LAPS]
                             [NGX_F1_REPLAY_STRATEGY_MAX_CARS + 1];
} ngx_f1_replay_strategy_overtake_grid_t;


/* the resolved pairs: the model's logit, and whether the pass came */

typedef struct {
    unsigned              n;
    double                z[NGX_F1_REPLAY_STRATEGY_MAX_PAIRS];
    uint8_t               y[NGX_F1_REPLAY_STRATEGY_MAX_PAIRS];
} ngx_f1_replay_strategy_overtake_pairs_t;


static void ngx_f1_replay_strategy_overtake_grid(
    ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_overtake_grid_t *grid);
static void ngx_f1_replay_strategy_overtake_pairs(
    ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    const ngx_f1_replay_strategy_overtake_grid_t *grid,
    ngx_f1_replay_strategy_overtake_pairs_t *pr);
static void ngx_f1_replay_strategy_overtake_recalibrate(
    const ngx_f1_replay_strategy_overtake_pairs_t *pr, double *shiftp,
    double *scalep);
static void ngx_f1_replay_strategy_overtake_car(
    ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    const ngx_f1_replay_strategy_overtake_grid_t *grid, double shift,
    double scale, unsigned i, ngx_f1_replay_strategy_out_t *out);
static void ngx_f1_replay_strategy_overtake_cuts(
    ngx_f1_replay_strategy_ctx_t *x, unsigned i, unsigned j,
    const ngx_f1_replay_strategy_lap_t *lc,
    const ngx_f1_replay_strategy_lap_t *lo, ngx_f1_replay_strategy_out_t *out);


/* set by hand from strategy.md before any back-test */

const ngx_f1_replay_strategy_overtake_t
    ngx_f1_replay_strategy_overtake_prior = {
    -1.6,       /* base rate about 17% at 0 s, equal pace */
    -0.9,       /* per second of gap */
    1.0,        /* per s/lap of pace advantage (2 s/lap to pass) */
    0.3,        /* per 10 laps older tyres ahead */
    0.5         /* DRS */
};


/*
 * Fitted on the 24 races of 2024 (f1-replay-backtest --season); the
 * back-test scores each race with the coefficients fitted on the others.
 */

const ngx_f1_replay_strategy_overtake_t
    ngx_f1_replay_strategy_overtake_2024 = {
    -1.412, -0.943, 1.114, 0.832, 0.161
};


double
ngx_f1_replay_strategy_overtake_logit(
    const ngx_f1_replay_strategy_overtake_t *ot, double gap_s,
    double pace_s, double age_laps)
{
    if (gap_s > 5) {
        gap_s = 5;
    }

    if (pace_s > 3) {
        pace_s = 3;

    } else if (pace_s < -3) {
        pace_s = -3;
    }

    return ot->intercept + ot->gap * gap_s + ot->pace * pace_s
           + ot->age * age_laps / 10 + (gap_s < 1 ? ot->drs : 0);
}


/*
 * Overtakes, undercuts and overcuts between each car and the car ahead at
 * the line.  The overtake logistic is recalibrated by what this race has
 * shown (a learned per-circuit difficulty): the pairs whose three laps are
 * over (lap <= upto - 3) are scored, and logit' = shift + scale * logit
 * with the MAP shift and scale under N(0, 1) and N(1, 0.15^2) priors.
 */

void
ngx_f1_replay_strategy_overtake_threats(ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    ngx_f1_replay_strategy_out_t *out)
{
    double                                   shift, scale;
    unsigned                                 i;
    ngx_f1_replay_strategy_overtake_grid_t   grid;
    ngx_f1_replay_strategy_overtake_pairs_t  pairs;

    ngx_f1_replay_strategy_overtake_grid(x, &grid);
    ngx_f1_replay_strategy_overtake_pairs(x, ot, &grid, &pairs);
    ngx_f1_replay_strategy_overtake_recalibrate(&pairs, &shift, &scale);

    out->overtake_shift = (float) shift;
    out->overtake_scale = (float) scale;
    out->overtake_n = (uint16_t) pairs.n;

    /* each running car against the car ahead at its last line */

    for (i = 0; i < x->tb->ncars; i++) {
        if (out->cars[i].active) {
            ngx_f1_replay_strategy_overtake_car(x, ot, &grid, shift, scale,
                                                i, out);
        }
    }
}


static void
ngx_f1_replay_strategy_overtake_grid(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_overtake_grid_t *grid)
{
    unsigned                             i, k;
    const ngx_f1_replay_strategy_lap_t  *lc;

    memset(grid, -1, sizeof(ngx_f1_replay_strategy_overtake_grid_t));

    for (i = 0; i < x->tb->ncars; i++) {
        for (k = 1; k <= x->upto; k++) {
            lc = ngx_f1_replay_strategy_lap(&x->tb->cars[i], k, x->upto);
            if (lc != NULL && lc->position
                && lc->position <= NGX_F1_REPLAY_STRATEGY_MAX_CARS)
            {
                grid->car[k - 1][lc->position] = (int) i;
            }
        }
    }
}


/*
 * The resolved pairs: a car and the car just ahead at the line of lap k
 * (2 <= k <= upto - 3, not neutralised), neither coming in on laps k to
 * k + 3; passed if the car behind is ahead at one of the next three
 * lines.
 */

static void
ngx_f1_replay_strategy_overtake_pairs(ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    const ngx_f1_replay_strategy_overtake_grid_t *grid,
    ngx_f1_replay_strategy_overtake_pairs_t *pr)
{
    double                               pace;
    unsigned                             i, j, k, m, ok, passed;
    const ngx_f1_replay_strategy_car_t  *c, *o;
    const ngx_f1_replay_strategy_lap_t  *lc, *lo, *mc, *mo;

    pr->n = 0;

    for (k = 2; k + 3 <= x->upto; k++) {
        for (i = 0; i < x->tb->ncars; i++) {
            c = &x->tb->cars[i];
            lc = ngx_f1_replay_strategy_lap(c, k, x->upto);

            if (lc == NULL || lc->position < 2 || lc->gap_ms < 0
                || lc->position > NGX_F1_REPLAY_STRATEGY_MAX_CARS
                || (lc->flags & NGX_F1_REPLAY_STRATEGY_NEUTRAL)
                || grid->car[k - 1][lc->position - 1] < 0)
            {
                continue;
            }

            j = (unsigned) grid->car[k - 1][lc->position - 1];
            o = &x->tb->cars[j];
            lo = ngx_f1_replay_strategy_lap(o, k, x->upto);

            ok = 1;
            passed = 0;

            for (m = k + 1; m <= k + 3; m++) {
                mc = ngx_f1_replay_strategy_lap(c, m, x->upto);
                mo = ngx_f1_replay_strategy_lap(o, m, x->upto);

                if (mc == NULL || mo == NULL || !mc->position
                    || !mo->position
                    || ((mc->flags | mo->flags)
                        & NGX_F1_REPLAY_STRATEGY_PIT_IN))
                {
                    ok = 0;
                    break;
                }

                if (mc->position < mo->position) {
                    passed = 1;
                }
            }

            if (!ok || (lc->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN)
                || (lo->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN))
            {
                continue;
            }

            pace = ngx_f1_replay_strategy_fit_pace(x, j, lo->compound,
                                                   lo->tyre_age + 1)
                   - ngx_f1_replay_strategy_fit_pace(x, i, lc->compound,
                                                     lc->tyre_age + 1);

            pr->z[pr->n] = ngx_f1_replay_strategy_overtake_logit(ot,
                               lc->gap_ms / 1000.0, pace / 1000.0,
                               (double) lo->tyre_age - lc->tyre_age);
            pr->y[pr->n] = (uint8_t) passed;
            pr->n++;
        }
    }
}


/*
 * MAP of logit' = shift + scale * logit: shift ~ N(0, 1),
 * scale ~ N(1, 0.15^2); Newton's method.  No pairs: 0 and 1.
 */

static void
ngx_f1_replay_strategy_overtake_recalibrate(
    const ngx_f1_replay_strategy_overtake_pairs_t *pr, double *shiftp,
    double *scalep)
{
    double    shift, scale, p, g0, g1, h00, h01, h11, det, d0, d1;
    unsigned  k, it;

    shift = 0;
    scale = 1;

    for (it = 0; it < 25 && pr->n > 0; it++) {
        g0 = -shift / (NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR
                       * NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR);
        g1 = -(scale - 1) / (NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR
                             * NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR);
        h00 = 1 / (NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR
                   * NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR);
        h11 = 1 / (NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR
                   * NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR);
        h01 = 0;

        for (k = 0; k < pr->n; k++) {
            p = 1 / (1 + exp(-(shift + scale * pr->z[k])));
            g0 += pr->y[k] - p;
            g1 += (pr->y[k] - p) * pr->z[k];
            h00 += p * (1 - p);
            h01 += p * (1 - p) * pr->z[k];
            h11 += p * (1 - p) * pr->z[k] * pr->z[k];
        }

        det = h00 * h11 - h01 * h01;
        d0 = (h11 * g0 - h01 * g1) / det;
        d1 = (h00 * g1 - h01 * g0) / det;

        shift += d0;
        scale += d1;

        if (fabs(d0) + fabs(d1) < 1e-6) {
            break;
        }
    }

    *shiftp = shift;
    *scalep = scale;
}


/*
 * Car i against the car ahead at its last line, if that car runs too:
 * the gap, our expected pace advantage on the next lap, and the
 * probability of passing within three laps (the recalibrated logit, 2
 * lower on a neutralised lap).
 */

static void
ngx_f1_replay_strategy_overtake_car(ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    const ngx_f1_replay_strategy_overtake_grid_t *grid, double shift,
    double scale, unsigned i, ngx_f1_replay_strategy_out_t *out)
{
    double                               z, pace;
    unsigned                             j, pos;
    const ngx_f1_replay_strategy_car_t  *o;
    const ngx_f1_replay_strategy_lap_t  *lc, *lo;
    ngx_f1_replay_strategy_car_out_t    *co, *ahead;

    co = &out->cars[i];
    lc = ngx_f1_replay_strategy_lap(&x->tb->cars[i], co->lap, x->upto);
    pos = lc->position;

    if (pos < 2 || pos > NGX_F1_REPLAY_STRATEGY_MAX_CARS
        || grid->car[co->lap - 1][pos - 1] < 0)
    {
        return;
    }

    j = (unsigned) grid->car[co->lap - 1][pos - 1];
    ahead = &out->cars[j];
    o = &x->tb->cars[j];
    lo = ngx_f1_replay_strategy_lap(o, co->lap, x->upto);

    if (!ahead->active || lo == NULL || lc->gap_ms < 0) {
        return;
    }

    pace = ngx_f1_replay_strategy_fit_pace(x, j, lo->compound,
                                           lo->tyre_age + 1)
           - ngx_f1_replay_strategy_fit_pace(x, i, lc->compound,
                                             lc->tyre_age + 1);

    co->ahead = o->number;
    co->gap_ms = lc->gap_ms;
    co->pace_ms = (float) pace;

    z = shift + scale * ngx_f1_replay_strategy_overtake_logit(ot,
            lc->gap_ms / 1000.0, pace / 1000.0,
            (double) lo->tyre_age - lc->tyre_age);

    if (lc->flags & NGX_F1_REPLAY_STRATEGY_NEUTRAL) {
        z -= 2;
    }

    co->p_overtake = (float) (1 / (1 + exp(-z)));

    ngx_f1_replay_strategy_overtake_cuts(x, i, j, lc, lo, out);
}


/*
 * Undercut on the car ahead (j) by car i: our first lap on the next set
 * against its lap on the old one, less the warm-up; overcut on car i by
 * the car ahead is the same gain with the sign turned (the car ahead
 * keeps running on old tyres while we warm up a new set).  lc and lo:
 * their last laps.
 */

static void
ngx_f1_replay_strategy_overtake_cuts(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, unsigned j, const ngx_f1_replay_strategy_lap_t *lc,
    const ngx_f1_replay_strategy_lap_t *lo, ngx_f1_replay_strategy_out_t *out)
{
    double                             gain;
    ngx_f1_replay_strategy_car_out_t  *co, *ahead;

    co = &out->cars[i];
    ahead = &out->cars[j];

    if (co->nplan > 0) {
        gain = 2 * (ngx_f1_replay_strategy_fit_pace(x, j, lo->compound,
                                                    lo->tyre_age + 1)
                    - ngx_f1_replay_strategy_fit_pace(x, i, co->plan[0], 1))
               - NGX_F1_REPLAY_STRATEGY_WARMUP_MS;

        ahead->undercut_by = x->tb->cars[i].number;
        ahead->undercut_ms = (int32_t) lrint(gain - lc->gap_ms);
    }

    if (ahead->nplan > 0) {
        gain = NGX_F1_REPLAY_STRATEGY_WARMUP_MS
               + ngx_f1_replay_strategy_fit_pace(x, j, ahead->plan[0], 1)
               - ngx_f1_replay_strategy_fit_pace(x, i, lc->compound,
                                                 lc->tyre_age + 1);

        co->overcut_on = x->tb->cars[j].number;
        co->overcut_ms = (int32_t) lrint(gain - lc->gap_ms);
    }
}
