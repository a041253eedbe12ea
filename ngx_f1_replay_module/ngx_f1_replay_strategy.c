
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

#include "ngx_f1_replay_strategy.h"


/* the compounds of races: test tyres are left out */
#define NGX_F1_REPLAY_STRATEGY_NC  (NGX_F1_REPLAY_COMPOUND_WET + 1)

#define NGX_F1_REPLAY_STRATEGY_FUEL_MS       55.0   /* per lap burnt */
#define NGX_F1_REPLAY_STRATEGY_LOSS_MS       21000  /* 18.3 s + standing */
#define NGX_F1_REPLAY_STRATEGY_LOSS_SC       0.54
#define NGX_F1_REPLAY_STRATEGY_LOSS_VSC      0.60
#define NGX_F1_REPLAY_STRATEGY_OUTLIER_MS    1500.0
#define NGX_F1_REPLAY_STRATEGY_FIELD_K       400.0  /* prior, lap^2 */
#define NGX_F1_REPLAY_STRATEGY_CAR_K         200.0
#define NGX_F1_REPLAY_STRATEGY_CAP_K         2.0    /* prior, stints */
#define NGX_F1_REPLAY_STRATEGY_CLIFF_MS      100.0  /* per lap^2 past life */
#define NGX_F1_REPLAY_STRATEGY_MIN_STINT     5
#define NGX_F1_REPLAY_STRATEGY_QUANTILE      0.7    /* of the survival */
#define NGX_F1_REPLAY_STRATEGY_WARMUP_MS     1000   /* out-lap, cold set */
#define NGX_F1_REPLAY_STRATEGY_REF_LAPS      60.0   /* priors' race */
#define NGX_F1_REPLAY_STRATEGY_MAX_LIFE      1.3    /* longest stint */
#define NGX_F1_REPLAY_STRATEGY_OLDEST        6      /* laps past the oldest */
#define NGX_F1_REPLAY_STRATEGY_STOP_MS       10000  /* traffic, position */
#define NGX_F1_REPLAY_STRATEGY_SWITCH        5      /* laps, wet/dry change */
#define NGX_F1_REPLAY_STRATEGY_LEAD          4      /* laps, green stop */
#define NGX_F1_REPLAY_STRATEGY_COVER         2      /* laps, covering stop */
#define NGX_F1_REPLAY_STRATEGY_COVER_AGE     0.7    /* of the stop age */
#define NGX_F1_REPLAY_STRATEGY_NEUTRAL_AGE   0.3    /* of the stop age */
#define NGX_F1_REPLAY_STRATEGY_SWITCH_TAU    10.0   /* laps, recency */
#define NGX_F1_REPLAY_STRATEGY_SHIFT_PRIOR   1.0    /* prior sd, logit */
#define NGX_F1_REPLAY_STRATEGY_SCALE_PRIOR   0.15   /* prior sd, slope */
#define NGX_F1_REPLAY_STRATEGY_MAX_AGES                                       \
    (4 * NGX_F1_REPLAY_STRATEGY_MAX_CARS)
#define NGX_F1_REPLAY_STRATEGY_MAX_STOPS                                      \
    (8 * NGX_F1_REPLAY_STRATEGY_MAX_CARS)
#define NGX_F1_REPLAY_STRATEGY_MAX_PAIRS                                      \
    (NGX_F1_REPLAY_STRATEGY_MAX_CARS * NGX_F1_REPLAY_STRATEGY_MAX_LAPS)


typedef struct {
    uint16_t              lap;          /* in-lap */
    uint8_t               from;
    uint8_t               to;
    uint8_t               need;         /* two-compound rule not yet met */
} ngx_f1_replay_strategy_fstop_t;


typedef struct {
    double                sxx;          /* within-stint sums */
    double                sxy;
    double                n;
    double                ysum;
    double                xsum;
} ngx_f1_replay_strategy_acc_t;


typedef struct {
    double                base[NGX_F1_REPLAY_STRATEGY_NC];
    double                deg[NGX_F1_REPLAY_STRATEGY_NC];
    double                cap[NGX_F1_REPLAY_STRATEGY_NC];
} ngx_f1_replay_strategy_tyres_t;


typedef struct {
    uint16_t              nev;          /* stops */
    uint16_t              ncens;        /* sets still running */
    uint8_t               ev[NGX_F1_REPLAY_STRATEGY_MAX_AGES];
    uint8_t               cens[NGX_F1_REPLAY_STRATEGY_MAX_AGES];
} ngx_f1_replay_strategy_ages_t;


typedef struct {
    const ngx_f1_replay_strategy_table_t  *tb;
    unsigned                               upto;
    unsigned                               total;
    int                                    wet;
    double                                 loss_green;
    double                                 loss_sc;
    double                                 loss_vsc;
    double                                 field_deg[NGX_F1_REPLAY_STRATEGY_NC];
    double                                 cap[NGX_F1_REPLAY_STRATEGY_NC];
    double                                 life[NGX_F1_REPLAY_STRATEGY_NC];
    double                                 oldest[NGX_F1_REPLAY_STRATEGY_NC];
    ngx_f1_replay_strategy_ages_t          ages[NGX_F1_REPLAY_STRATEGY_NC];
    unsigned                               seen[NGX_F1_REPLAY_STRATEGY_NC];
    unsigned                               switched[2]; /* from dry, wet */
    unsigned                               nfstops;
    ngx_f1_replay_strategy_fstop_t   fstops[NGX_F1_REPLAY_STRATEGY_MAX_STOPS];
    ngx_f1_replay_strategy_acc_t           acc[NGX_F1_REPLAY_STRATEGY_MAX_CARS]
                                              [NGX_F1_REPLAY_STRATEGY_NC];
    ngx_f1_replay_strategy_tyres_t         car[NGX_F1_REPLAY_STRATEGY_MAX_CARS];
} ngx_f1_replay_strategy_ctx_t;


static void ngx_f1_replay_strategy_name(char *dst, const char *src,
    size_t len);
static const ngx_f1_replay_strategy_lap_t *ngx_f1_replay_strategy_lap(
    const ngx_f1_replay_strategy_car_t *c, unsigned lap, unsigned upto);
static unsigned ngx_f1_replay_strategy_last(
    const ngx_f1_replay_strategy_car_t *c, unsigned upto);
static int ngx_f1_replay_strategy_clean(
    const ngx_f1_replay_strategy_car_t *c, unsigned lap, unsigned upto);
static void ngx_f1_replay_strategy_pit_loss(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_out_t *out);
static void ngx_f1_replay_strategy_fit(ngx_f1_replay_strategy_ctx_t *x);
static void ngx_f1_replay_strategy_caps(ngx_f1_replay_strategy_ctx_t *x);
static double ngx_f1_replay_strategy_stop_age(ngx_f1_replay_strategy_ctx_t *x,
    unsigned c, unsigned age);
static unsigned ngx_f1_replay_strategy_choose(ngx_f1_replay_strategy_ctx_t *x,
    const uint8_t *cand, unsigned ncand, unsigned c, int need, int last,
    unsigned laps);
static double ngx_f1_replay_strategy_stint_cost(
    const ngx_f1_replay_strategy_tyres_t *ty, unsigned c, unsigned age0,
    unsigned n);
static void ngx_f1_replay_strategy_optimise(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, ngx_f1_replay_strategy_car_out_t *co);
static int ngx_f1_replay_strategy_covers(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, unsigned lap);
static double ngx_f1_replay_strategy_pace(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, unsigned compound, unsigned age);
static void ngx_f1_replay_strategy_threats(ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    ngx_f1_replay_strategy_out_t *out);
static void ngx_f1_replay_strategy_sort(double *v, unsigned n);
static double ngx_f1_replay_strategy_median(double *v, unsigned n);
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
 * Priors per compound: degradation (ms/lap); life, the age at which sets
 * come off (laps, in a 60-lap race; set from the stop ages of rounds 1-12
 * of 2024); pace offset of a new set (ms).
 */

static const double  ngx_f1_replay_strategy_prior_deg[] = {
    60, 120, 100, 90, 90, 60, 40, 80, 60
};

static const double  ngx_f1_replay_strategy_prior_life[] = {
    20, 10, 13, 16, 14, 21, 27, 18, 12
};

static const double  ngx_f1_replay_strategy_prior_base[] = {
    0, -1500, -1000, -500, 0, 500, 900, 4000, 8000
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
    ngx_f1_replay_strategy_caps(&x);

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

        ngx_f1_replay_strategy_optimise(&x, i, co);
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


unsigned
ngx_f1_replay_strategy_cell(unsigned laps, int planned)
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


static const ngx_f1_replay_strategy_lap_t *
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


static unsigned
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

static int
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
 * Pit loss of each stop with a known in- and out-lap: their time minus
 * the median time of the cars that did not stop over the same two laps.
 * Under green, the median of the stops; under SC or VSC, of those stops
 * if two or more, else the green loss scaled (0.54, 0.60).
 */

static void
ngx_f1_replay_strategy_pit_loss(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_out_t *out)
{
    double                               ref[NGX_F1_REPLAY_STRATEGY_MAX_CARS];
    double                               v[3][NGX_F1_REPLAY_STRATEGY_MAX_STOPS];
    unsigned                             i, j, k, n, nv[3], kind;
    const ngx_f1_replay_strategy_car_t  *c, *o;
    const ngx_f1_replay_strategy_lap_t  *in, *ou, *a, *b;

    nv[0] = nv[1] = nv[2] = 0;

    for (i = 0; i < x->tb->ncars; i++) {
        c = &x->tb->cars[i];

        for (k = 1; k < x->upto; k++) {
            in = ngx_f1_replay_strategy_lap(c, k, x->upto);
            ou = ngx_f1_replay_strategy_lap(c, k + 1, x->upto);

            if (in == NULL || ou == NULL
                || !(in->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN)
                || in->time_ms <= 0 || ou->time_ms <= 0
                || ((in->flags | ou->flags) & NGX_F1_REPLAY_STRATEGY_RED))
            {
                continue;
            }

            n = 0;

            for (j = 0; j < x->tb->ncars; j++) {
                o = &x->tb->cars[j];
                a = ngx_f1_replay_strategy_lap(o, k, x->upto);
                b = ngx_f1_replay_strategy_lap(o, k + 1, x->upto);

                if (j == i || a == NULL || b == NULL || a->time_ms <= 0
                    || b->time_ms <= 0
                    || ((a->flags | b->flags)
                        & (NGX_F1_REPLAY_STRATEGY_PIT_IN
                           | NGX_F1_REPLAY_STRATEGY_PIT_OUT)))
                {
                    continue;
                }

                ref[n++] = (double) a->time_ms + b->time_ms;
            }

            if (n < 3) {
                continue;
            }

            kind = ((in->flags | ou->flags) & NGX_F1_REPLAY_STRATEGY_SC) ? 1
                   : ((in->flags | ou->flags) & NGX_F1_REPLAY_STRATEGY_VSC)
                   ? 2 : 0;

            if (nv[kind] == NGX_F1_REPLAY_STRATEGY_MAX_STOPS) {
                continue;
            }

            v[kind][nv[kind]++] = in->time_ms + ou->time_ms
                                  - ngx_f1_replay_strategy_median(ref, n);
        }
    }

    x->loss_green = NGX_F1_REPLAY_STRATEGY_LOSS_MS;

    if (nv[0] > 0) {
        x->loss_green = ngx_f1_replay_strategy_median(v[0], nv[0]);
    }

    x->loss_sc = x->loss_green * NGX_F1_REPLAY_STRATEGY_LOSS_SC;
    x->loss_vsc = x->loss_green * NGX_F1_REPLAY_STRATEGY_LOSS_VSC;

    if (nv[1] >= 2) {
        x->loss_sc = ngx_f1_replay_strategy_median(v[1], nv[1]);
    }

    if (nv[2] >= 2) {
        x->loss_vsc = ngx_f1_replay_strategy_median(v[2], nv[2]);
    }

    out->loss_green.ms = (int32_t) lrint(x->loss_green);
    out->loss_green.n = (uint16_t) nv[0];
    out->loss_sc.ms = (int32_t) lrint(x->loss_sc);
    out->loss_sc.n = (uint16_t) (nv[1] >= 2 ? nv[1] : 0);
    out->loss_vsc.ms = (int32_t) lrint(x->loss_vsc);
    out->loss_vsc.n = (uint16_t) (nv[2] >= 2 ? nv[2] : 0);
}


/*
 * Degradation: lap time corrected for the fuel burnt, regressed on tyre
 * age within each stint (clean laps within 1.5 s of the stint median).
 * The field's slope per compound is shrunk to the prior, each car's to
 * the field's (ridge, weights in lap^2).  Pace: the car's mean corrected
 * time less slope times mean age (a new set).
 */

static void
ngx_f1_replay_strategy_fit(ngx_f1_replay_strategy_ctx_t *x)
{
    double                               y[NGX_F1_REPLAY_STRATEGY_MAX_LAPS];
    double                               tmp[NGX_F1_REPLAY_STRATEGY_MAX_LAPS];
    double                               age[NGX_F1_REPLAY_STRATEGY_MAX_LAPS];
    double                               med, xbar, ybar, sxx, sxy, fn;
    double                               field_xx[NGX_F1_REPLAY_STRATEGY_NC];
    double                               field_xy[NGX_F1_REPLAY_STRATEGY_NC];
    unsigned                             i, k, j, n, m, start, comp;
    const ngx_f1_replay_strategy_car_t  *c;
    const ngx_f1_replay_strategy_lap_t  *lp, *first;
    ngx_f1_replay_strategy_acc_t        *a;

    memset(field_xx, 0, sizeof(field_xx));
    memset(field_xy, 0, sizeof(field_xy));

    for (i = 0; i < x->tb->ncars; i++) {
        c = &x->tb->cars[i];
        k = 1;

        while (k <= x->upto) {

            /* one stint: laps start..k-1 */

            first = ngx_f1_replay_strategy_lap(c, k, x->upto);
            if (first == NULL) {
                k++;
                continue;
            }

            start = k;
            n = 0;

            while (k <= x->upto) {
                lp = ngx_f1_replay_strategy_lap(c, k, x->upto);
                if (lp == NULL || lp->stint != first->stint
                    || lp->compound != first->compound)
                {
                    break;
                }

                if (ngx_f1_replay_strategy_clean(c, k, x->upto)) {
                    y[n] = lp->time_ms + NGX_F1_REPLAY_STRATEGY_FUEL_MS
                                         * (k - 1);
                    age[n] = lp->tyre_age;
                    n++;
                }

                k++;
            }

            if (k == start) {
                k++;
            }

            comp = first->compound;

            if (n < 2 || comp == NGX_F1_REPLAY_COMPOUND_UNKNOWN
                || comp >= NGX_F1_REPLAY_STRATEGY_NC)
            {
                continue;
            }

            memcpy(tmp, y, n * sizeof(double));
            med = ngx_f1_replay_strategy_median(tmp, n);

            m = 0;
            for (j = 0; j < n; j++) {
                if (fabs(y[j] - med) <= NGX_F1_REPLAY_STRATEGY_OUTLIER_MS) {
                    y[m] = y[j];
                    age[m] = age[j];
                    m++;
                }
            }

            if (m < 2) {
                continue;
            }

            xbar = 0;
            ybar = 0;
            for (j = 0; j < m; j++) {
                xbar += age[j];
                ybar += y[j];
            }

            xbar /= m;
            ybar /= m;

            sxx = 0;
            sxy = 0;
            for (j = 0; j < m; j++) {
                sxx += (age[j] - xbar) * (age[j] - xbar);
                sxy += (age[j] - xbar) * (y[j] - ybar);
            }

            a = &x->acc[i][comp];
            a->sxx += sxx;
            a->sxy += sxy;
            a->n += m;
            a->xsum += xbar * m;
            a->ysum += ybar * m;

            field_xx[comp] += sxx;
            field_xy[comp] += sxy;
        }
    }

    for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        x->field_deg[k] = (NGX_F1_REPLAY_STRATEGY_FIELD_K
                           * ngx_f1_replay_strategy_prior_deg[k]
                           + field_xy[k])
                          / (NGX_F1_REPLAY_STRATEGY_FIELD_K + field_xx[k]);
    }

    for (i = 0; i < x->tb->ncars; i++) {
        for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
            a = &x->acc[i][k];

            x->car[i].deg[k] = (NGX_F1_REPLAY_STRATEGY_CAR_K * x->field_deg[k]
                                + a->sxy)
                               / (NGX_F1_REPLAY_STRATEGY_CAR_K + a->sxx);

            if (a->n > 0) {
                fn = a->n;
                x->car[i].base[k] = a->ysum / fn
                                    - x->car[i].deg[k] * a->xsum / fn;
            }
        }

        /* compounds the car has not run: its best fit plus the offsets */

        j = 0;
        for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
            if (x->acc[i][k].n > x->acc[i][j].n) {
                j = k;
            }
        }

        for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
            if (x->acc[i][k].n == 0) {
                x->car[i].base[k] = (j ? x->car[i].base[j] : 0)
                                    + ngx_f1_replay_strategy_prior_base[k]
                                    - ngx_f1_replay_strategy_prior_base[j];
            }
        }
    }
}


/*
 * Tyre life per compound.  The prior (per 60 laps, scaled by the square
 * root of the race's laps over 60) is shrunk to the ages at which sets
 * were taken off under green in this race; the longest stint (the cap of
 * the cost model) is 1.3 times that, and at least 6 laps more than the
 * oldest set seen on that compound in the race (running or taken off).
 * The ages of all stops (SC and VSC ones too), the sets still running
 * (censored) and three pseudo-stops of the prior feed the stop-age
 * survival estimate.
 */

static void
ngx_f1_replay_strategy_caps(ngx_f1_replay_strategy_ctx_t *x)
{
    double                               sum[NGX_F1_REPLAY_STRATEGY_NC];
    double                               cnt[NGX_F1_REPLAY_STRATEGY_NC];
    uint16_t                             in[16];
    unsigned                             i, k, n, last;
    const ngx_f1_replay_strategy_lap_t  *lp;
    ngx_f1_replay_strategy_ages_t       *ag;

    memset(sum, 0, sizeof(sum));
    memset(cnt, 0, sizeof(cnt));

    for (i = 0; i < x->tb->ncars; i++) {
        n = ngx_f1_replay_strategy_stops(&x->tb->cars[i], x->upto, in, 16);

        for (k = 0; k < n && k < 16; k++) {
            lp = ngx_f1_replay_strategy_lap(&x->tb->cars[i], in[k], x->upto);

            if (lp->compound >= NGX_F1_REPLAY_STRATEGY_NC
                || lp->tyre_age <= 2)
            {
                continue;
            }

            ag = &x->ages[lp->compound];

            if (ag->nev < NGX_F1_REPLAY_STRATEGY_MAX_AGES) {
                ag->ev[ag->nev++] = lp->tyre_age;
            }

            if (lp->flags & NGX_F1_REPLAY_STRATEGY_NEUTRAL) {
                continue;
            }

            sum[lp->compound] += lp->tyre_age;
            cnt[lp->compound] += 1;
        }

        /* the set on the car now, if it runs */

        last = ngx_f1_replay_strategy_last(&x->tb->cars[i], x->upto);

        if (last > 0 && last + 3 >= x->upto) {
            lp = ngx_f1_replay_strategy_lap(&x->tb->cars[i], last, x->upto);
            ag = &x->ages[lp->compound < NGX_F1_REPLAY_STRATEGY_NC
                          ? lp->compound : 0];

            if (ag->ncens < NGX_F1_REPLAY_STRATEGY_MAX_AGES) {
                ag->cens[ag->ncens++] = lp->tyre_age;
            }
        }
    }

    for (k = 0; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        x->life[k] = ngx_f1_replay_strategy_prior_life[k]
                     * sqrt(x->total / NGX_F1_REPLAY_STRATEGY_REF_LAPS);

        x->cap[k] = NGX_F1_REPLAY_STRATEGY_MAX_LIFE
                    * (NGX_F1_REPLAY_STRATEGY_CAP_K * x->life[k] + sum[k])
                    / (NGX_F1_REPLAY_STRATEGY_CAP_K + cnt[k]);

        if (x->cap[k] < x->oldest[k] + NGX_F1_REPLAY_STRATEGY_OLDEST) {
            x->cap[k] = x->oldest[k] + NGX_F1_REPLAY_STRATEGY_OLDEST;
        }
    }

    for (i = 0; i < x->tb->ncars; i++) {
        memcpy(x->car[i].cap, x->cap, sizeof(x->cap));
    }
}


/*
 * The age at which the set on compound c comes off, given it has run
 * age laps: where the Kaplan-Meier estimate falls to 0.7 of its value at
 * age (stops are events, the sets still running are censored, and the
 * prior adds stops at 0.75, 1 and 1.25 times the life: with no stop in
 * the race yet, the first comes at 0.75 lives).  Past every event: the
 * next lap.
 */

static double
ngx_f1_replay_strategy_stop_age(ngx_f1_replay_strategy_ctx_t *x,
    unsigned c, unsigned age)
{
    double                          t[2 * NGX_F1_REPLAY_STRATEGY_MAX_AGES + 3];
    double                          surv, at_age, risk, d;
    unsigned                        k, j, n, nev;
    const ngx_f1_replay_strategy_ages_t  *ag;

    ag = &x->ages[c];
    n = 0;

    /* events, then censorings half a lap later (an event comes first) */

    for (k = 0; k < ag->nev; k++) {
        t[n++] = ag->ev[k];
    }

    t[n++] = 0.75 * x->life[c];
    t[n++] = x->life[c];
    t[n++] = 1.25 * x->life[c];
    nev = n;

    for (k = 0; k < ag->ncens; k++) {
        t[n++] = ag->cens[k] + 0.5;
    }

    ngx_f1_replay_strategy_sort(t, nev);

    surv = 1;
    at_age = 1;

    for (k = 0; k < nev; k++) {
        if (k > 0 && t[k] == t[k - 1]) {
            continue;
        }

        risk = 0;
        d = 0;

        for (j = 0; j < n; j++) {
            if (t[j] >= t[k]) {
                risk += 1;
            }

            if (j < nev && t[j] == t[k]) {
                d += 1;
            }
        }

        surv *= 1 - d / risk;

        if (t[k] <= age) {
            at_age = surv;

        } else if (surv <= at_age * NGX_F1_REPLAY_STRATEGY_QUANTILE) {
            return t[k];
        }
    }

    return age + 1;
}


/*
 * The compound after c.  Once a car has changed between dry and wet
 * tyres and the latest such change was from c's kind: the compound those
 * cars took (the recent ones weighing more, e^(-laps ago / 10)).  Else
 * what the field has chosen after c in this race, counting only the
 * cars in the same case (the two-compound rule met or not; the most
 * common, ties to the harder); else soft for a short last stint, the
 * hardest dry compound in play (other than c while the rule is not met:
 * then the next softer when on it); wet stays wet.
 */

static unsigned
ngx_f1_replay_strategy_choose(ngx_f1_replay_strategy_ctx_t *x,
    const uint8_t *cand, unsigned ncand, unsigned c, int need, int last,
    unsigned laps)
{
    double                                 votes[NGX_F1_REPLAY_STRATEGY_NC];
    double                                 best_w;
    unsigned                               k, j, best, dry, sw;
    const ngx_f1_replay_strategy_fstop_t  *fs;

    if (c == NGX_F1_REPLAY_COMPOUND_UNKNOWN
        || c >= NGX_F1_REPLAY_STRATEGY_NC)
    {
        return c;
    }

    dry = ngx_f1_replay_compound_dry(c);

    /* the latest change between dry and wet tyres in the field */

    sw = 0;

    for (j = 0; j < x->nfstops; j++) {
        fs = &x->fstops[j];

        if (fs->from != NGX_F1_REPLAY_COMPOUND_UNKNOWN
            && fs->to != NGX_F1_REPLAY_COMPOUND_UNKNOWN
            && ngx_f1_replay_compound_dry(fs->from)
               != ngx_f1_replay_compound_dry(fs->to)
            && (sw == 0 || fs->lap >= x->fstops[sw - 1].lap))
        {
            sw = j + 1;
        }
    }

    memset(votes, 0, sizeof(votes));

    if (sw
        && ngx_f1_replay_compound_dry(x->fstops[sw - 1].from) == dry)
    {
        /* the weather has turned: what the cars changing took */

        for (j = 0; j < x->nfstops; j++) {
            fs = &x->fstops[j];

            if (fs->to != NGX_F1_REPLAY_COMPOUND_UNKNOWN
                && ngx_f1_replay_compound_dry(fs->from) == dry
                && ngx_f1_replay_compound_dry(fs->to) != dry)
            {
                votes[fs->to] += exp(-(double) (x->upto - fs->lap)
                                     / NGX_F1_REPLAY_STRATEGY_SWITCH_TAU);
            }
        }

    } else {

        /*
         * The field's choices after c, by the cars in the same case (the
         * two-compound rule met or not).
         */

        for (j = 0; j < x->nfstops; j++) {
            fs = &x->fstops[j];

            if (fs->from == c && fs->to != NGX_F1_REPLAY_COMPOUND_UNKNOWN
                && fs->need == need && !(need && fs->to == c))
            {
                votes[fs->to] += 1;
            }
        }
    }

    best = 0;
    best_w = 0;

    for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        if (votes[k] > 0 && votes[k] >= best_w) {
            best_w = votes[k];
            best = k;
        }
    }

    if (best) {
        return best;
    }

    if (!dry) {
        return c;
    }

    if (last && c != NGX_F1_REPLAY_COMPOUND_SOFT
        && laps <= 0.6 * x->life[NGX_F1_REPLAY_COMPOUND_SOFT])
    {
        for (k = 0; k < ncand; k++) {
            if (cand[k] == NGX_F1_REPLAY_COMPOUND_SOFT) {
                return NGX_F1_REPLAY_COMPOUND_SOFT;
            }
        }
    }

    best = 0;

    for (k = 0; k < ncand; k++) {
        if ((cand[k] != c || !need)
            && ngx_f1_replay_compound_dry(cand[k]))
        {
            best = cand[k];
        }
    }

    return best ? best : c;
}


/*
 * Time of n laps on compound c from age age0 + 1: pace, linear
 * degradation, and a quadratic cliff past the compound's life.
 */

static double
ngx_f1_replay_strategy_stint_cost(const ngx_f1_replay_strategy_tyres_t *ty,
    unsigned c, unsigned age0, unsigned n)
{
    double  cost, deg, cap, lo, hi;

    deg = ty->deg[c] > 5 ? ty->deg[c] : 5;
    cap = ty->cap[c];

    cost = n * ty->base[c] + deg * (n * (double) age0 + n * (n + 1.0) / 2);

    /* sum of (age - cap)^2 for the ages past cap */

    hi = floor(age0 + n - cap);
    lo = floor(age0 - cap);

    if (hi > 0) {
        if (lo < 0) {
            lo = 0;
        }

        cost += NGX_F1_REPLAY_STRATEGY_CLIFF_MS
                * (hi * (hi + 1) * (2 * hi + 1) - lo * (lo + 1) * (2 * lo + 1))
                / 6;
    }

    return cost;
}


/*
 * The remaining plan: 0, 1 or 2 more stops, whichever costs the least
 * expected time (the two-compound rule in a dry race).  A stop costs the
 * pit loss and 10 s more (out-lap traffic, track position, risk).  In the
 * costs the first stop comes at the stop age of the survival estimate (a
 * last stop late enough for the last set to reach the flag within its
 * longest stint), or on the next lap at the SC or VSC loss if the last lap
 * was neutralised; later stops split the remaining laps at the least
 * cost, each new stint at least 5 laps (fewer at the very end).
 *
 * The lap given is the survival estimate's (before the flag; under green
 * at least 4 laps ahead), or the next lap when a neutralised stop is the
 * cheapest plan; brought forward after a change between dry and wet
 * tyres in the field, or when a car next on track has just come in.
 * Compounds: ngx_f1_replay_strategy_choose().
 */

static void
ngx_f1_replay_strategy_optimise(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    ngx_f1_replay_strategy_car_out_t *co)
{
    double                               cost, best, loss0, c0, stop;
    uint8_t                              cand[NGX_F1_REPLAY_STRATEGY_NC];
    unsigned                             k, r, n0, n1, n2, ncand, cur, age;
    unsigned                             minst, used, need, nx1, nx2, lo;
    unsigned                             best_n0, best_k, n0s[2], t;
    int                                  neut;
    const ngx_f1_replay_strategy_car_t  *c;
    const ngx_f1_replay_strategy_lap_t  *lp;
    const ngx_f1_replay_strategy_tyres_t  *ty;

    c = &x->tb->cars[i];
    ty = &x->car[i];
    lp = ngx_f1_replay_strategy_lap(c, co->lap, x->upto);

    cur = lp->compound;
    age = lp->tyre_age;
    r = x->total - co->lap;
    co->stops_total = co->stops;

    if (cur == NGX_F1_REPLAY_COMPOUND_UNKNOWN
        || cur >= NGX_F1_REPLAY_STRATEGY_NC)
    {
        return;
    }

    loss0 = (lp->flags & NGX_F1_REPLAY_STRATEGY_SC) ? x->loss_sc
            : (lp->flags & NGX_F1_REPLAY_STRATEGY_VSC) ? x->loss_vsc
            : x->loss_green;

    /* dry compounds used so far, candidates */

    used = 0;
    for (k = 1; k <= co->lap; k++) {
        lp = ngx_f1_replay_strategy_lap(c, k, x->upto);
        if (lp != NULL && ngx_f1_replay_compound_dry(lp->compound)) {
            used |= 1u << lp->compound;
        }
    }

    need = !x->wet && (used & (used - 1)) == 0;

    ncand = 0;
    for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        if (x->seen[k]
            || (k >= NGX_F1_REPLAY_COMPOUND_SOFT
                && k <= NGX_F1_REPLAY_COMPOUND_HARD
                && (x->seen[NGX_F1_REPLAY_COMPOUND_SOFT]
                    || x->seen[NGX_F1_REPLAY_COMPOUND_MEDIUM]
                    || x->seen[NGX_F1_REPLAY_COMPOUND_HARD])))
        {
            cand[ncand++] = (uint8_t) k;
        }
    }

    minst = r > NGX_F1_REPLAY_STRATEGY_MIN_STINT + 1
            ? NGX_F1_REPLAY_STRATEGY_MIN_STINT : 1;

    stop = ngx_f1_replay_strategy_stop_age(x, cur, age);
    t = stop > age + 1 ? (unsigned) lrint(stop) - age : 1;

    /*
     * Under green a stop is not foreseen sooner than 4 laps ahead: when
     * the survival estimate says 1-3 (the set older than most taken off),
     * the stop came 4 laps later or so in rounds 1-12.
     */

    if (loss0 == x->loss_green && t < NGX_F1_REPLAY_STRATEGY_LEAD) {
        t = NGX_F1_REPLAY_STRATEGY_LEAD;
    }

    /*
     * A stop under the safety car or VSC (at its lower pit loss) is
     * weighed against the plans without it only for a set that has run
     * 0.3 of its stop age.
     */

    neut = loss0 != x->loss_green
           && age >= NGX_F1_REPLAY_STRATEGY_NEUTRAL_AGE * stop;

    best = need ? HUGE_VAL : ngx_f1_replay_strategy_stint_cost(ty, cur, age,
                                                                 r);
    best_k = 0;
    best_n0 = 0;
    nx1 = 0;
    nx2 = 0;

    /* one more stop: the timed one, and now if neutralised */

    k = ngx_f1_replay_strategy_choose(x, cand, ncand, cur, need, 1,
                                      r > t ? r - t : 1);
    lo = r > (unsigned) ceil(x->cap[k]) ? r - (unsigned) ceil(x->cap[k]) : 1;

    n0s[0] = t > lo ? t : lo;
    n0s[1] = 1;

    for (n1 = 0; n1 < 2; n1++) {
        n0 = n0s[n1];

        if (n0 >= r || (n1 == 1 && !neut)) {
            continue;
        }

        cost = ngx_f1_replay_strategy_stint_cost(ty, cur, age, n0)
               + (n0 == 1 ? loss0 : x->loss_green)
               + NGX_F1_REPLAY_STRATEGY_STOP_MS
               + ngx_f1_replay_strategy_stint_cost(ty, k, 0, r - n0);

        if (cost < best) {
            best = cost;
            best_k = 1;
            best_n0 = n0;
            nx1 = k;
        }
    }

    /* two more */

    k = ngx_f1_replay_strategy_choose(x, cand, ncand, cur, need, 0, 0);
    n0s[0] = t;

    for (n1 = 0; n1 < 2; n1++) {
        n0 = n0s[n1];

        if (n0 + 2 * minst > r || (n1 == 1 && !neut)) {
            continue;
        }

        c0 = ngx_f1_replay_strategy_stint_cost(ty, cur, age, n0)
             + (n0 == 1 ? loss0 : x->loss_green) + x->loss_green
             + 2 * NGX_F1_REPLAY_STRATEGY_STOP_MS;

        for (n2 = minst; n0 + n2 + minst <= r; n2++) {
            lo = ngx_f1_replay_strategy_choose(x, cand, ncand, k,
                                               need && k == cur, 1,
                                               r - n0 - n2);

            cost = c0 + ngx_f1_replay_strategy_stint_cost(ty, k, 0, n2)
                   + ngx_f1_replay_strategy_stint_cost(ty, lo, 0,
                                                       r - n0 - n2);

            if (cost < best) {
                best = cost;
                best_k = 2;
                best_n0 = n0;
                nx1 = k;
                nx2 = lo;
            }
        }
    }

    co->stops_total = (uint8_t) (co->stops + best_k);
    co->nplan = (uint8_t) best_k;
    co->plan[0] = (uint8_t) nx1;
    co->plan[1] = (uint8_t) nx2;
    co->next_compound = (uint8_t) (best_k ? nx1
                        : ngx_f1_replay_strategy_choose(x, cand, ncand, cur,
                                                        need, 1,
                                                        r > t ? r - t : 1));

    if (r < 2) {
        return;
    }

    /*
     * With no stop planned, the lap of a stop if one comes after all: at
     * the survival estimate's age, before the flag.
     */

    if (best_k == 0 || best_n0 != 1) {
        best_n0 = t < r ? t : r - 1;
    }

    /*
     * Once a car has gone from dry tyres to wet ones (or back) in this
     * race, the cars still on the other kind stop within 5 laps.
     */

    if (x->switched[!ngx_f1_replay_compound_dry(cur)]
        && best_n0 > NGX_F1_REPLAY_STRATEGY_SWITCH)
    {
        best_n0 = NGX_F1_REPLAY_STRATEGY_SWITCH;
    }

    /*
     * Covering: under green, when the car just ahead or just behind came
     * in on this lap and this set has run 0.7 of its stop age, the stop
     * comes within 2 laps.
     */

    if (loss0 == x->loss_green && best_n0 > NGX_F1_REPLAY_STRATEGY_COVER
        && age >= NGX_F1_REPLAY_STRATEGY_COVER_AGE * (age + best_n0)
        && ngx_f1_replay_strategy_covers(x, i, co->lap))
    {
        best_n0 = NGX_F1_REPLAY_STRATEGY_COVER;
    }

    co->next_stop = (uint16_t) (co->lap + best_n0);

    /* the window and confidence: calibrated per cell on rounds 1-12 */

    co->stop_cell = (uint8_t) ngx_f1_replay_strategy_cell(best_n0,
                                                          best_k > 0);

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
ngx_f1_replay_strategy_covers(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    unsigned lap)
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


/* expected lap time of car i on compound at age, fuel-corrected */

static double
ngx_f1_replay_strategy_pace(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    unsigned compound, unsigned age)
{
    if (compound == NGX_F1_REPLAY_COMPOUND_UNKNOWN
        || compound >= NGX_F1_REPLAY_STRATEGY_NC)
    {
        return 0;
    }

    return x->car[i].base[compound] + x->car[i].deg[compound] * age;
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

            pace = ngx_f1_replay_strategy_pace(x, j, lo->compound,
                                               lo->tyre_age + 1)
                   - ngx_f1_replay_strategy_pace(x, i, lc->compound,
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

        pace = ngx_f1_replay_strategy_pace(x, j, lo->compound,
                                           lo->tyre_age + 1)
               - ngx_f1_replay_strategy_pace(x, i, lc->compound,
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
            gain = 2 * (ngx_f1_replay_strategy_pace(x, j, lo->compound,
                                                    lo->tyre_age + 1)
                        - ngx_f1_replay_strategy_pace(x, i, co->plan[0], 1))
                   - NGX_F1_REPLAY_STRATEGY_WARMUP_MS;

            ahead->undercut_by = c->number;
            ahead->undercut_ms = (int32_t) lrint(gain - lc->gap_ms);
        }

        if (ahead->nplan > 0) {
            gain = NGX_F1_REPLAY_STRATEGY_WARMUP_MS
                   + ngx_f1_replay_strategy_pace(x, j, ahead->plan[0], 1)
                   - ngx_f1_replay_strategy_pace(x, i, lc->compound,
                                                 lc->tyre_age + 1);

            co->overcut_on = o->number;
            co->overcut_ms = (int32_t) lrint(gain - lc->gap_ms);
        }
    }
}


static void
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

static double
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
