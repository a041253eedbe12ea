
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine.  Every model is fitted at each run on the laps
 * numbered <= upto_lap, starting from priors (strategy.md, TUM race
 * simulation medians); nothing is carried over between runs.
 */


#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ngx_f1_replay_strategy_internal.h"


#define NGX_F1_REPLAY_STRATEGY_WARMUP_MS     1000   /* out-lap, cold set */
#define NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR   1.0    /* prior sd, logit */
#define NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR   0.15   /* prior sd, slope */
#define NGX_F1_REPLAY_STRATEGY_MAX_PAIRS                                      \
    (NGX_F1_REPLAY_STRATEGY_MAX_CARS * NGX_F1_REPLAY_STRATEGY_MAX_LAPS)


static void ngx_f1_replay_strategy_name(char *dst, const char *src,
    size_t len);
static void ngx_f1_replay_strategy_threats(ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    ngx_f1_replay_strategy_out_t *out);
static int ngx_f1_replay_strategy_gen_str(yajl_gen g, const char *s);
static int ngx_f1_replay_strategy_gen_int(yajl_gen g, const char *k,
    long long v);
static int ngx_f1_replay_strategy_gen_num(yajl_gen g, const char *k,
    double v);


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


int
ngx_f1_replay_strategy_run(const ngx_f1_replay_strategy_table_t *tb,
    unsigned upto_lap, ngx_f1_replay_strategy_out_t *out)
{
    return ngx_f1_replay_strategy_run_with(tb, upto_lap, NULL, out);
}


int
ngx_f1_replay_strategy_run_with(const ngx_f1_replay_strategy_table_t *tb,
    unsigned upto_lap, const ngx_f1_replay_strategy_overtake_t *ot,
    ngx_f1_replay_strategy_out_t *out)
{
    unsigned                             i, k, last, used;
    const ngx_f1_replay_strategy_car_t  *c;
    const ngx_f1_replay_strategy_lap_t  *lp, *nx;
    ngx_f1_replay_strategy_ctx_t         x;
    ngx_f1_replay_strategy_fstop_t      *fs;
    ngx_f1_replay_strategy_car_out_t    *co;

    if (tb->ncars > NGX_F1_REPLAY_STRATEGY_MAX_CARS) {
        return -1;
    }

    if (ot == NULL) {
        ot = &ngx_f1_replay_strategy_overtake_2024;
    }

    if (upto_lap > NGX_F1_REPLAY_STRATEGY_MAX_LAPS) {
        upto_lap = NGX_F1_REPLAY_STRATEGY_MAX_LAPS;
    }

    memset(&x, 0, sizeof(x));
    memset(out, 0, sizeof(*out));

    x.tb = tb;
    x.upto = upto_lap;
    x.total = tb->total_laps ? tb->total_laps : upto_lap;

    out->computed_at_lap = upto_lap;
    out->total_laps = x.total;
    ngx_f1_replay_strategy_name(out->circuit, tb->circuit,
                                sizeof(out->circuit));
    out->fuel_ms = NGX_F1_REPLAY_STRATEGY_FUEL_MS;
    out->ncars = tb->ncars;

    /* compounds seen, wet laps, the compound chosen after each one */

    for (i = 0; i < tb->ncars; i++) {
        c = &tb->cars[i];
        used = 0;

        for (k = 1; k <= upto_lap; k++) {
            lp = ngx_f1_replay_strategy_lap(c, k, upto_lap);
            if (lp == NULL || lp->compound >= NGX_F1_REPLAY_STRATEGY_NC) {
                continue;
            }

            if (ngx_f1_replay_compound_dry(lp->compound)) {
                used |= 1u << lp->compound;
            }

            x.seen[lp->compound]++;

            if (lp->tyre_age > x.oldest[lp->compound]) {
                x.oldest[lp->compound] = lp->tyre_age;
            }

            if (lp->compound >= NGX_F1_REPLAY_COMPOUND_INTERMEDIATE) {
                x.wet = 1;
            }

            nx = ngx_f1_replay_strategy_lap(c, k + 1, upto_lap);

            if (nx != NULL && nx->stint != lp->stint
                && nx->compound < NGX_F1_REPLAY_STRATEGY_NC
                && (nx->compound != lp->compound
                    || nx->tyre_age != lp->tyre_age + 1))
            {
                if (x.nfstops < NGX_F1_REPLAY_STRATEGY_MAX_STOPS) {
                    fs = &x.fstops[x.nfstops++];
                    fs->lap = (uint16_t) k;
                    fs->from = lp->compound;
                    fs->to = nx->compound;
                    fs->need = (used & (used - 1)) == 0;
                }

                if (lp->compound != NGX_F1_REPLAY_COMPOUND_UNKNOWN
                    && nx->compound != NGX_F1_REPLAY_COMPOUND_UNKNOWN
                    && ngx_f1_replay_compound_dry(lp->compound)
                       != ngx_f1_replay_compound_dry(nx->compound))
                {
                    x.switched[!ngx_f1_replay_compound_dry(lp->compound)] = 1;
                }
            }
        }
    }

    out->wet = (uint8_t) x.wet;

    ngx_f1_replay_strategy_pit_loss(&x, out);
    ngx_f1_replay_strategy_fit(&x);
    ngx_f1_replay_strategy_life(&x);

    for (i = 0; i < tb->ncars; i++) {
        c = &tb->cars[i];
        co = &out->cars[i];

        co->number = c->number;
        memcpy(co->tla, c->tla, sizeof(co->tla));
        co->p_overtake = -1;
        co->gap_ms = -1;

        last = ngx_f1_replay_strategy_last(c, upto_lap);
        co->lap = (uint16_t) last;

        if (last == 0) {
            continue;
        }

        lp = ngx_f1_replay_strategy_lap(c, last, upto_lap);

        co->position = lp->position;
        co->compound = lp->compound;
        co->tyre_age = lp->tyre_age;
        co->stops = (uint8_t) ngx_f1_replay_strategy_stops(c, upto_lap,
                                                           NULL, 0);

        for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
            if (x.acc[i][k].n == 0) {
                continue;
            }

            co->fits[co->nfits].compound = (uint8_t) k;
            co->fits[co->nfits].n = (uint16_t) x.acc[i][k].n;
            co->fits[co->nfits].base_ms = (int32_t) lrint(x.car[i].base[k]);
            co->fits[co->nfits].deg_ms = (float) x.car[i].deg[k];
            co->nfits++;
        }

        /* out of the race: three laps behind the leader's count */

        if (last + 3 < upto_lap || last >= x.total) {
            continue;
        }

        co->active = 1;

        ngx_f1_replay_strategy_plan(&x, i, co);
    }

    ngx_f1_replay_strategy_threats(&x, ot, out);

    return 0;
}


void
ngx_f1_replay_strategy_truncate(ngx_f1_replay_strategy_table_t *tb,
    unsigned lap)
{
    unsigned  i, k;

    for (i = 0; i < tb->ncars; i++) {
        for (k = lap; k < NGX_F1_REPLAY_STRATEGY_MAX_LAPS; k++) {
            memset(&tb->cars[i].laps[k], 0,
                   sizeof(ngx_f1_replay_strategy_lap_t));
        }

        if (tb->cars[i].nlaps > lap) {
            tb->cars[i].nlaps = (uint16_t) lap;
        }
    }
}


/*
 * A real stop: the stint changes on the next lap with another compound or
 * a set whose age does not run on (a drive-through under the safety car
 * starts a stint with the same set).  The in-lap must be <= upto_lap - 1,
 * so that the out-lap is known too.
 */

unsigned
ngx_f1_replay_strategy_stops(const ngx_f1_replay_strategy_car_t *c,
    unsigned upto_lap, uint16_t *laps, unsigned n)
{
    unsigned                             k, stops;
    const ngx_f1_replay_strategy_lap_t  *lp, *nx;

    stops = 0;

    for (k = 1; k < upto_lap; k++) {
        lp = ngx_f1_replay_strategy_lap(c, k, upto_lap);
        nx = ngx_f1_replay_strategy_lap(c, k + 1, upto_lap);

        if (lp == NULL || nx == NULL || nx->stint == lp->stint) {
            continue;
        }

        if (nx->compound == lp->compound
            && nx->tyre_age == lp->tyre_age + 1
            && !(nx->flags & NGX_F1_REPLAY_STRATEGY_NEW_SET))
        {
            continue;
        }

        if (stops < n) {
            laps[stops] = (uint16_t) k;
        }

        stops++;
    }

    return stops;
}


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
 * Copies a NUL-terminated name of at most len - 1 bytes; a name cut in
 * the middle of a UTF-8 sequence loses that sequence (valid JSON).
 */

static void
ngx_f1_replay_strategy_name(char *dst, const char *src, size_t len)
{
    size_t    n, k;
    unsigned  lead;

    memcpy(dst, src, len);
    dst[len - 1] = '\0';

    n = strlen(dst);
    k = n;

    while (k > 0 && (dst[k - 1] & 0xc0) == 0x80) {
        k--;
    }

    if (k > 0 && (unsigned char) dst[k - 1] >= 0xc0) {
        lead = (unsigned char) dst[k - 1];

        if (n - (k - 1) < (lead >= 0xf0 ? 4u : lead >= 0xe0 ? 3u : 2u)) {
            dst[k - 1] = '\0';
        }
    }
}


const ngx_f1_replay_strategy_lap_t *
ngx_f1_replay_strategy_lap(const ngx_f1_replay_strategy_car_t *c,
    unsigned lap, unsigned upto)
{
    if (lap == 0 || lap > upto || lap > NGX_F1_REPLAY_STRATEGY_MAX_LAPS
        || !c->laps[lap - 1].present)
    {
        return NULL;
    }

    return &c->laps[lap - 1];
}


unsigned
ngx_f1_replay_strategy_last(const ngx_f1_replay_strategy_car_t *c,
    unsigned upto)
{
    unsigned  k;

    for (k = upto; k > 0; k--) {
        if (ngx_f1_replay_strategy_lap(c, k, upto) != NULL) {
            return k;
        }
    }

    return 0;
}


/* a representative racing lap: timed, green, neither in- nor out-lap */

int
ngx_f1_replay_strategy_clean(const ngx_f1_replay_strategy_car_t *c,
    unsigned lap, unsigned upto)
{
    const ngx_f1_replay_strategy_lap_t  *lp;

    lp = ngx_f1_replay_strategy_lap(c, lap, upto);

    return lp != NULL && lap >= 2 && lp->time_ms > 0
           && lp->compound != NGX_F1_REPLAY_COMPOUND_UNKNOWN
           && lp->compound < NGX_F1_REPLAY_STRATEGY_NC
           && !(lp->flags & (NGX_F1_REPLAY_STRATEGY_PIT_IN
                             | NGX_F1_REPLAY_STRATEGY_PIT_OUT
                             | NGX_F1_REPLAY_STRATEGY_YELLOW
                             | NGX_F1_REPLAY_STRATEGY_NEUTRAL));
}


/*
 * Overtakes, undercuts and overcuts between each car and the car ahead at
 * the line.  The overtake logistic is recalibrated by what this race has
 * shown (a learned per-circuit difficulty): the pairs whose three laps are
 * over (lap <= upto - 3) are scored, and logit' = shift + scale * logit
 * with the MAP shift and scale under N(0, 1) and N(1, 0.15^2) priors.
 */

static void
ngx_f1_replay_strategy_threats(ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    ngx_f1_replay_strategy_out_t *out)
{
    double                               z[NGX_F1_REPLAY_STRATEGY_MAX_PAIRS];
    double                               shift, p, pace, gain;
    double                               scale, g0, g1, h00, h01, h11, det;
    double                               d0, d1;
    uint8_t                              y[NGX_F1_REPLAY_STRATEGY_MAX_PAIRS];
    unsigned                             i, j, k, m, n, it, pos, ok, passed;
    const ngx_f1_replay_strategy_car_t  *c, *o;
    const ngx_f1_replay_strategy_lap_t  *lc, *lo, *mc, *mo;
    int                                  by_pos[NGX_F1_REPLAY_STRATEGY_MAX_LAPS]
                                               [NGX_F1_REPLAY_STRATEGY_MAX_CARS
                                                + 1];
    ngx_f1_replay_strategy_car_out_t    *co, *ahead;

    /* the car at each position at each lap's line */

    memset(by_pos, -1, sizeof(by_pos));

    for (i = 0; i < x->tb->ncars; i++) {
        for (k = 1; k <= x->upto; k++) {
            lc = ngx_f1_replay_strategy_lap(&x->tb->cars[i], k, x->upto);
            if (lc != NULL && lc->position
                && lc->position <= NGX_F1_REPLAY_STRATEGY_MAX_CARS)
            {
                by_pos[k - 1][lc->position] = (int) i;
            }
        }
    }

    /* resolved pairs */

    n = 0;

    for (k = 2; k + 3 <= x->upto; k++) {
        for (i = 0; i < x->tb->ncars; i++) {
            c = &x->tb->cars[i];
            lc = ngx_f1_replay_strategy_lap(c, k, x->upto);

            if (lc == NULL || lc->position < 2 || lc->gap_ms < 0
                || lc->position > NGX_F1_REPLAY_STRATEGY_MAX_CARS
                || (lc->flags & NGX_F1_REPLAY_STRATEGY_NEUTRAL)
                || by_pos[k - 1][lc->position - 1] < 0)
            {
                continue;
            }

            j = (unsigned) by_pos[k - 1][lc->position - 1];
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

            z[n] = ngx_f1_replay_strategy_overtake_logit(ot,
                       lc->gap_ms / 1000.0, pace / 1000.0,
                       (double) lo->tyre_age - lc->tyre_age);
            y[n] = (uint8_t) passed;
            n++;
        }
    }

    shift = 0;
    scale = 1;

    /*
     * MAP of logit' = shift + scale * logit: shift ~ N(0, 1),
     * scale ~ N(1, 0.5^2); Newton's method.
     */

    for (it = 0; it < 25 && n > 0; it++) {
        g0 = -shift / (NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR
                       * NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR);
        g1 = -(scale - 1) / (NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR
                             * NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR);
        h00 = 1 / (NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR
                   * NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR);
        h11 = 1 / (NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR
                   * NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR);
        h01 = 0;

        for (k = 0; k < n; k++) {
            p = 1 / (1 + exp(-(shift + scale * z[k])));
            g0 += y[k] - p;
            g1 += (y[k] - p) * z[k];
            h00 += p * (1 - p);
            h01 += p * (1 - p) * z[k];
            h11 += p * (1 - p) * z[k] * z[k];
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

    out->overtake_shift = (float) shift;
    out->overtake_scale = (float) scale;
    out->overtake_n = (uint16_t) n;

    /* each running car against the car ahead at its last line */

    for (i = 0; i < x->tb->ncars; i++) {
        co = &out->cars[i];

        if (!co->active) {
            continue;
        }

        c = &x->tb->cars[i];
        lc = ngx_f1_replay_strategy_lap(c, co->lap, x->upto);
        pos = lc->position;

        if (pos < 2 || pos > NGX_F1_REPLAY_STRATEGY_MAX_CARS
            || by_pos[co->lap - 1][pos - 1] < 0)
        {
            continue;
        }

        j = (unsigned) by_pos[co->lap - 1][pos - 1];
        ahead = &out->cars[j];
        o = &x->tb->cars[j];
        lo = ngx_f1_replay_strategy_lap(o, co->lap, x->upto);

        if (!ahead->active || lo == NULL || lc->gap_ms < 0) {
            continue;
        }

        pace = ngx_f1_replay_strategy_fit_pace(x, j, lo->compound,
                                               lo->tyre_age + 1)
               - ngx_f1_replay_strategy_fit_pace(x, i, lc->compound,
                                                 lc->tyre_age + 1);

        co->ahead = o->number;
        co->gap_ms = lc->gap_ms;
        co->pace_ms = (float) pace;

        z[0] = shift + scale * ngx_f1_replay_strategy_overtake_logit(ot,
                   lc->gap_ms / 1000.0, pace / 1000.0,
                   (double) lo->tyre_age - lc->tyre_age);

        if (lc->flags & NGX_F1_REPLAY_STRATEGY_NEUTRAL) {
            z[0] -= 2;
        }

        co->p_overtake = (float) (1 / (1 + exp(-z[0])));

        /*
         * Undercut on the car ahead by this car: our first lap on the
         * next set against its lap on the old one, less the warm-up;
         * overcut on this car by the car ahead is the same gain with the
         * sign turned (the car ahead keeps running on old tyres while we
         * warm up a new set).
         */

        if (co->nplan > 0) {
            gain = 2 * (ngx_f1_replay_strategy_fit_pace(x, j, lo->compound,
                                                        lo->tyre_age + 1)
                        - ngx_f1_replay_strategy_fit_pace(x, i, co->plan[0], 1))
                   - NGX_F1_REPLAY_STRATEGY_WARMUP_MS;

            ahead->undercut_by = c->number;
            ahead->undercut_ms = (int32_t) lrint(gain - lc->gap_ms);
        }

        if (ahead->nplan > 0) {
            gain = NGX_F1_REPLAY_STRATEGY_WARMUP_MS
                   + ngx_f1_replay_strategy_fit_pace(x, j, ahead->plan[0], 1)
                   - ngx_f1_replay_strategy_fit_pace(x, i, lc->compound,
                                                     lc->tyre_age + 1);

            co->overcut_on = o->number;
            co->overcut_ms = (int32_t) lrint(gain - lc->gap_ms);
        }
    }
}


void
ngx_f1_replay_strategy_sort(double *v, unsigned n)
{
    double    t;
    unsigned  i, j;

    for (i = 1; i < n; i++) {
        t = v[i];

        for (j = i; j > 0 && v[j - 1] > t; j--) {
            v[j] = v[j - 1];
        }

        v[j] = t;
    }
}


/* sorts v */

double
ngx_f1_replay_strategy_median(double *v, unsigned n)
{
    ngx_f1_replay_strategy_sort(v, n);

    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}


int
ngx_f1_replay_strategy_json(const ngx_f1_replay_strategy_out_t *out,
    yajl_gen g)
{
    char                                     key[8];
    unsigned                                 i, k;
    const ngx_f1_replay_strategy_loss_t     *loss[3];
    const ngx_f1_replay_strategy_car_out_t  *co;
    static const char *const                 loss_names[3] = {
        "green", "sc", "vsc"
    };

#define ngx_f1_replay_strategy_check(expr)                                    \
    if ((expr) != 0) {                                                        \
        return -1;                                                            \
    }

#define ngx_f1_replay_strategy_ok(expr)                                       \
    ngx_f1_replay_strategy_check((expr) != yajl_gen_status_ok)

    loss[0] = &out->loss_green;
    loss[1] = &out->loss_sc;
    loss[2] = &out->loss_vsc;

    ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g, "model"));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                     NGX_F1_REPLAY_STRATEGY_MODEL));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g, "lap",
                                     out->computed_at_lap));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                     "total_laps", out->total_laps));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                "circuit"));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                out->circuit));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g, "wet"));
    ngx_f1_replay_strategy_ok(yajl_gen_bool(g, out->wet));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_num(g, "fuel_ms",
                                     out->fuel_ms));

    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                "pit_loss"));
    ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));

    for (k = 0; k < 3; k++) {
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                         loss_names[k]));
        ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g, "ms",
                                         loss[k]->ms));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g, "n",
                                         loss[k]->n));
        ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));
    }

    ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));

    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                "overtake"));
    ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_num(g, "shift",
                                     out->overtake_shift));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_num(g, "scale",
                                     out->overtake_scale));
    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g, "n",
                                     out->overtake_n));
    ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));

    ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g, "cars"));
    ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));

    for (i = 0; i < out->ncars; i++) {
        co = &out->cars[i];

        snprintf(key, sizeof(key), "%u", co->number);
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g, key));
        ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g, "lap",
                                         co->lap));

        if (!co->active) {
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                             "active"));
            ngx_f1_replay_strategy_ok(yajl_gen_bool(g, 0));
            ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));
            continue;
        }

        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g, "pos",
                                         co->position));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                    "tyre"));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                           ngx_f1_replay_session_compound_name(co->compound)));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g, "age",
                                         co->tyre_age));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                         "stops", co->stops));

        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                    "pace"));
        ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));

        for (k = 0; k < co->nfits; k++) {
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                ngx_f1_replay_session_compound_name(co->fits[k].compound)));
            ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                             "base_ms", co->fits[k].base_ms));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_num(g,
                                             "deg_ms", co->fits[k].deg_ms));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                             "n", co->fits[k].n));
            ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));
        }

        ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));

        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                 "next_stop"));
        if (co->next_stop) {
            ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                             "lap", co->next_stop));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                             "lo", co->window_lo));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                             "hi", co->window_hi));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_num(g,
                                             "confidence", co->confidence));
            ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));

        } else {
            ngx_f1_replay_strategy_ok(yajl_gen_null(g));
        }

        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                    "plan"));
        ngx_f1_replay_strategy_ok(yajl_gen_array_open(g));

        for (k = 0; k < co->nplan; k++) {
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                ngx_f1_replay_session_compound_name(co->plan[k])));
        }

        ngx_f1_replay_strategy_ok(yajl_gen_array_close(g));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                           "next_compound"));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                    ngx_f1_replay_session_compound_name(co->next_compound)));
        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                         "stops_total", co->stops_total));

        ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_str(g,
                                                                  "overtake"));
        if (co->ahead) {
            ngx_f1_replay_strategy_ok(yajl_gen_map_open(g));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                             "ahead", co->ahead));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_int(g,
                                             "gap_ms", co->gap_ms));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_num(g,
                                             "pace_ms", co->pace_ms));
            ngx_f1_replay_strategy_check(ngx_f1_replay_strategy_gen_num(g,
                                             "p3", co->p_overtake));
            ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));

        } else {
            ngx_f1_replay_strategy_ok(yajl_gen_null(g));
        }

        ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));
    }

    ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));
    ngx_f1_replay_strategy_ok(yajl_gen_map_close(g));

#undef ngx_f1_replay_strategy_ok
#undef ngx_f1_replay_strategy_check

    return 0;
}


static int
ngx_f1_replay_strategy_gen_str(yajl_gen g, const char *s)
{
    return yajl_gen_string(g, (const unsigned char *) s, strlen(s))
           == yajl_gen_status_ok ? 0 : -1;
}


static int
ngx_f1_replay_strategy_gen_int(yajl_gen g, const char *k, long long v)
{
    if (ngx_f1_replay_strategy_gen_str(g, k) != 0) {
        return -1;
    }

    return yajl_gen_integer(g, v) == yajl_gen_status_ok ? 0 : -1;
}


/* rounded to 3 decimals, so that output compares byte for byte */

static int
ngx_f1_replay_strategy_gen_num(yajl_gen g, const char *k, double v)
{
    char  buf[32];
    int   n;

    if (ngx_f1_replay_strategy_gen_str(g, k) != 0) {
        return -1;
    }

    n = snprintf(buf, sizeof(buf), "%.3f", v);

    while (n > 1 && buf[n - 1] == '0') {
        n--;
    }

    if (buf[n - 1] == '.') {
        n--;
    }

    return yajl_gen_number(g, buf, (size_t) n) == yajl_gen_status_ok
           ? 0 : -1;
}
