
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's pace and degradation: per car and compound, the
 * fuel-corrected pace of a new set and its loss per lap of tyre age.
 */


#include <math.h>
#include <string.h>

#include "ngx_f1_replay_strategy_internal.h"


#define NGX_F1_REPLAY_STRATEGY_OUTLIER_MS    1500.0
#define NGX_F1_REPLAY_STRATEGY_FIELD_K       400.0  /* prior, lap^2 */
#define NGX_F1_REPLAY_STRATEGY_CAR_K         200.0


static void ngx_f1_replay_strategy_fit_stints(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, double *field_xx, double *field_xy);
static void ngx_f1_replay_strategy_fit_stint(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, unsigned comp, double *y, double *age, unsigned n,
    double *field_xx, double *field_xy);
static void ngx_f1_replay_strategy_fit_car(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i);


/*
 * Priors per compound: degradation (ms/lap); pace offset of a new set
 * (ms).
 */

static const double  ngx_f1_replay_strategy_prior_deg[] = {
    60, 120, 100, 90, 90, 60, 40, 80, 60
};

static const double  ngx_f1_replay_strategy_prior_base[] = {
    0, -1500, -1000, -500, 0, 500, 900, 4000, 8000
};


/*
 * Degradation: lap time corrected for the fuel burnt, regressed on tyre
 * age within each stint (clean laps within 1.5 s of the stint median).
 * The field's slope per compound is shrunk to the prior, each car's to
 * the field's (ridge, weights in lap^2).  Pace: the car's mean corrected
 * time less slope times mean age (a new set).
 */

void
ngx_f1_replay_strategy_fit(ngx_f1_replay_strategy_ctx_t *x)
{
    double    field_xx[NGX_F1_REPLAY_STRATEGY_NC];
    double    field_xy[NGX_F1_REPLAY_STRATEGY_NC];
    unsigned  i, k;

    memset(field_xx, 0, sizeof(field_xx));
    memset(field_xy, 0, sizeof(field_xy));

    for (i = 0; i < x->tb->ncars; i++) {
        ngx_f1_replay_strategy_fit_stints(x, i, field_xx, field_xy);
    }

    for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        x->field_deg[k] = (NGX_F1_REPLAY_STRATEGY_FIELD_K
                           * ngx_f1_replay_strategy_prior_deg[k]
                           + field_xy[k])
                          / (NGX_F1_REPLAY_STRATEGY_FIELD_K + field_xx[k]);
    }

    for (i = 0; i < x->tb->ncars; i++) {
        ngx_f1_replay_strategy_fit_car(x, i);
    }
}


/*
 * The stints of car i: the fuel-corrected times and tyre ages of their
 * clean laps into ngx_f1_replay_strategy_fit_stint().
 */

static void
ngx_f1_replay_strategy_fit_stints(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, double *field_xx, double *field_xy)
{
    double                               y[NGX_F1_REPLAY_STRATEGY_MAX_LAPS];
    double                               age[NGX_F1_REPLAY_STRATEGY_MAX_LAPS];
    unsigned                             k, n, start, comp;
    const ngx_f1_replay_strategy_car_t  *c;
    const ngx_f1_replay_strategy_lap_t  *lp, *first;

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
                y[n] = lp->time_ms + NGX_F1_REPLAY_STRATEGY_FUEL_MS * (k - 1);
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

        ngx_f1_replay_strategy_fit_stint(x, i, comp, y, age, n, field_xx,
                                         field_xy);
    }
}


/*
 * One stint of car i on compound comp, n clean laps: the laps within
 * 1.5 s of the median, their within-stint sums added to the car's and
 * the field's.
 */

static void
ngx_f1_replay_strategy_fit_stint(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, unsigned comp, double *y, double *age, unsigned n,
    double *field_xx, double *field_xy)
{
    double                         tmp[NGX_F1_REPLAY_STRATEGY_MAX_LAPS];
    double                         med, xbar, ybar, sxx, sxy;
    unsigned                       j, m;
    ngx_f1_replay_strategy_acc_t  *a;

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
        return;
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


/*
 * Car i's slope per compound shrunk to the field's, its pace of a new
 * set; for the compounds it has not run, its best fit plus the offsets.
 */

static void
ngx_f1_replay_strategy_fit_car(ngx_f1_replay_strategy_ctx_t *x, unsigned i)
{
    double                         fn;
    unsigned                       j, k;
    ngx_f1_replay_strategy_acc_t  *a;

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


/* expected lap time of car i on compound at age, fuel-corrected */

double
ngx_f1_replay_strategy_fit_pace(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    unsigned compound, unsigned age)
{
    if (compound == NGX_F1_REPLAY_COMPOUND_UNKNOWN
        || compound >= NGX_F1_REPLAY_STRATEGY_NC)
    {
        return 0;
    }

    return x->car[i].base[compound] + x->car[i].deg[compound] * age;
}
