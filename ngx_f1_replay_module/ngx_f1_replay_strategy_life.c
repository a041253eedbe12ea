
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's tyre life: per compound, how long sets run in
 * this race, the longest stint of the cost model, and the age at which
 * the set on a car comes off (a survival estimate over the stops).
 */


#include <math.h>
#include <string.h>

#include "ngx_f1_replay_strategy_internal.h"


#define NGX_F1_REPLAY_STRATEGY_CAP_K         2.0    /* prior, stints */
#define NGX_F1_REPLAY_STRATEGY_QUANTILE      0.7    /* of the survival */
#define NGX_F1_REPLAY_STRATEGY_REF_LAPS      60.0   /* priors' race */
#define NGX_F1_REPLAY_STRATEGY_MAX_LIFE      1.3    /* longest stint */
#define NGX_F1_REPLAY_STRATEGY_OLDEST        6      /* laps past the oldest */


/*
 * Prior life per compound, the age at which sets come off (laps, in a
 * 60-lap race; set from the stop ages of rounds 1-12 of 2024).
 */

static const double  ngx_f1_replay_strategy_prior_life[] = {
    20, 10, 13, 16, 14, 21, 27, 18, 12
};


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

void
ngx_f1_replay_strategy_life(ngx_f1_replay_strategy_ctx_t *x)
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

double
ngx_f1_replay_strategy_life_stop_age(ngx_f1_replay_strategy_ctx_t *x,
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
