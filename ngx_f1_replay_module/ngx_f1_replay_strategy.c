
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine.  Every model is fitted at each run on the laps
 * numbered <= upto_lap, starting from priors (strategy.md, TUM race
 * simulation medians); nothing is carried over between runs.  This file
 * runs the models in order (ngx_f1_replay_strategy_internal.h lists the
 * files that hold them) and has the race table's accessors.
 */


#include <math.h>
#include <string.h>

#include "ngx_f1_replay_strategy_internal.h"


static void ngx_f1_replay_strategy_scan(ngx_f1_replay_strategy_ctx_t *x);
static void ngx_f1_replay_strategy_car(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, ngx_f1_replay_strategy_car_out_t *co);
static void ngx_f1_replay_strategy_name(char *dst, const char *src,
    size_t len);


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
    unsigned                      i;
    ngx_f1_replay_strategy_ctx_t  x;

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

    ngx_f1_replay_strategy_scan(&x);

    out->wet = (uint8_t) x.wet;

    ngx_f1_replay_strategy_pit_loss(&x, out);
    ngx_f1_replay_strategy_fit(&x);
    ngx_f1_replay_strategy_life(&x);

    for (i = 0; i < tb->ncars; i++) {
        ngx_f1_replay_strategy_car(&x, i, &out->cars[i]);
    }

    ngx_f1_replay_strategy_overtake_threats(&x, ot, out);

    return 0;
}


/* compounds seen, wet laps, the compound chosen after each stop */

static void
ngx_f1_replay_strategy_scan(ngx_f1_replay_strategy_ctx_t *x)
{
    unsigned                             i, k, used;
    const ngx_f1_replay_strategy_car_t  *c;
    const ngx_f1_replay_strategy_lap_t  *lp, *nx;
    ngx_f1_replay_strategy_fstop_t      *fs;

    for (i = 0; i < x->tb->ncars; i++) {
        c = &x->tb->cars[i];
        used = 0;

        for (k = 1; k <= x->upto; k++) {
            lp = ngx_f1_replay_strategy_lap(c, k, x->upto);
            if (lp == NULL || lp->compound >= NGX_F1_REPLAY_STRATEGY_NC) {
                continue;
            }

            if (ngx_f1_replay_compound_dry(lp->compound)) {
                used |= 1u << lp->compound;
            }

            x->seen[lp->compound]++;

            if (lp->tyre_age > x->oldest[lp->compound]) {
                x->oldest[lp->compound] = lp->tyre_age;
            }

            if (lp->compound >= NGX_F1_REPLAY_COMPOUND_INTERMEDIATE) {
                x->wet = 1;
            }

            nx = ngx_f1_replay_strategy_lap(c, k + 1, x->upto);

            if (nx != NULL && nx->stint != lp->stint
                && nx->compound < NGX_F1_REPLAY_STRATEGY_NC
                && (nx->compound != lp->compound
                    || nx->tyre_age != lp->tyre_age + 1))
            {
                if (x->nfstops < NGX_F1_REPLAY_STRATEGY_MAX_STOPS) {
                    fs = &x->fstops[x->nfstops++];
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
                    x->switched[!ngx_f1_replay_compound_dry(lp->compound)] = 1;
                }
            }
        }
    }
}


/*
 * Car i at its last lap: position, tyre, stops and fits; for a car still
 * running, its plan and next stop.
 */

static void
ngx_f1_replay_strategy_car(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    ngx_f1_replay_strategy_car_out_t *co)
{
    unsigned                             k, last;
    const ngx_f1_replay_strategy_car_t  *c;
    const ngx_f1_replay_strategy_lap_t  *lp;
    ngx_f1_replay_strategy_fit_t        *fit;

    c = &x->tb->cars[i];

    co->number = c->number;
    memcpy(co->tla, c->tla, sizeof(co->tla));
    co->p_overtake = -1;
    co->gap_ms = -1;

    last = ngx_f1_replay_strategy_last(c, x->upto);
    co->lap = (uint16_t) last;

    if (last == 0) {
        return;
    }

    lp = ngx_f1_replay_strategy_lap(c, last, x->upto);

    co->position = lp->position;
    co->compound = lp->compound;
    co->tyre_age = lp->tyre_age;
    co->stops = (uint8_t) ngx_f1_replay_strategy_stops(c, x->upto, NULL, 0);

    for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        if (x->acc[i][k].n == 0) {
            continue;
        }

        fit = &co->fits[co->nfits++];
        fit->compound = (uint8_t) k;
        fit->n = (uint16_t) x->acc[i][k].n;
        fit->base_ms = (int32_t) lrint(x->car[i].base[k]);
        fit->deg_ms = (float) x->car[i].deg[k];
    }

    /* out of the race: three laps behind the leader's count */

    if (last + 3 < x->upto || last >= x->total) {
        return;
    }

    co->active = 1;

    ngx_f1_replay_strategy_plan(x, i, co);
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
