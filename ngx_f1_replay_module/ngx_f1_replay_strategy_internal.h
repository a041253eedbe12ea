
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_STRATEGY_INTERNAL_H_INCLUDED_
#define _NGX_F1_REPLAY_STRATEGY_INTERNAL_H_INCLUDED_


/*
 * The strategy engine's own types and helpers, shared by its files and
 * by nothing else (callers use ngx_f1_replay_strategy.h):
 *
 *   ngx_f1_replay_strategy.c           the entry points: what the field
 *                                      ran and each car's state; the
 *                                      race table's laps, real stops
 *   ngx_f1_replay_strategy_pit.c       pit loss under green, SC and VSC
 *   ngx_f1_replay_strategy_fit.c       pace and degradation fits
 *   ngx_f1_replay_strategy_life.c      tyre life and the age a set comes
 *                                      off (survival estimate)
 *   ngx_f1_replay_strategy_plan.c      the stops left and their compounds
 *   ngx_f1_replay_strategy_window.c    the next stop's lap, its window
 *                                      and confidence
 *   ngx_f1_replay_strategy_overtake.c  the overtake model, its
 *                                      recalibration, the car ahead
 *   ngx_f1_replay_strategy_json.c      the payload (public types only)
 *   ngx_f1_replay_strategy_session.c   the race table from a loaded
 *                                      session (public types only)
 *
 * A run fills one context, ngx_f1_replay_strategy_ctx_t, from the laps
 * numbered <= upto and nothing else; each model reads what the models
 * before it left there.
 */


#include <stddef.h>
#include <stdint.h>

#include "ngx_f1_replay_strategy.h"


/* the compounds of races: test tyres are left out */
#define NGX_F1_REPLAY_STRATEGY_NC  (NGX_F1_REPLAY_COMPOUND_WET + 1)

#define NGX_F1_REPLAY_STRATEGY_FUEL_MS       55.0   /* per lap burnt */
#define NGX_F1_REPLAY_STRATEGY_MAX_AGES                                       \
    (4 * NGX_F1_REPLAY_STRATEGY_MAX_CARS)
#define NGX_F1_REPLAY_STRATEGY_MAX_STOPS                                      \
    (8 * NGX_F1_REPLAY_STRATEGY_MAX_CARS)


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


/* ngx_f1_replay_strategy.c: lap of car c if present and <= upto */
const ngx_f1_replay_strategy_lap_t *ngx_f1_replay_strategy_lap(
    const ngx_f1_replay_strategy_car_t *c, unsigned lap, unsigned upto);

/* the car's last lap present, 0 none */
unsigned ngx_f1_replay_strategy_last(const ngx_f1_replay_strategy_car_t *c,
    unsigned upto);

/* a representative racing lap: timed, green, neither in- nor out-lap */
int ngx_f1_replay_strategy_clean(const ngx_f1_replay_strategy_car_t *c,
    unsigned lap, unsigned upto);

void ngx_f1_replay_strategy_sort(double *v, unsigned n);

/* the median of v[0..n), n > 0; sorts v */
double ngx_f1_replay_strategy_median(double *v, unsigned n);

/* ngx_f1_replay_strategy_pit.c: loss_green, loss_sc, loss_vsc */
void ngx_f1_replay_strategy_pit_loss(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_out_t *out);

/* ngx_f1_replay_strategy_fit.c: field_deg, acc and car (base, deg) */
void ngx_f1_replay_strategy_fit(ngx_f1_replay_strategy_ctx_t *x);

/* expected lap time of car i on compound at age, fuel-corrected */
double ngx_f1_replay_strategy_fit_pace(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, unsigned compound, unsigned age);

/* ngx_f1_replay_strategy_life.c: ages, life, cap and car (cap) */
void ngx_f1_replay_strategy_life(ngx_f1_replay_strategy_ctx_t *x);

/* the age at which the set on compound c, age laps old, comes off */
double ngx_f1_replay_strategy_life_stop_age(ngx_f1_replay_strategy_ctx_t *x,
    unsigned c, unsigned age);

/* ngx_f1_replay_strategy_plan.c: the plan and next stop of running car i */
void ngx_f1_replay_strategy_plan(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    ngx_f1_replay_strategy_car_out_t *co);

/*
 * ngx_f1_replay_strategy_window.c: the next stop laps after co->lap
 * (brought forward by what the field does), its window and confidence
 */
void ngx_f1_replay_strategy_window_next_stop(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, ngx_f1_replay_strategy_car_out_t *co, unsigned laps,
    int planned, int green);

/*
 * ngx_f1_replay_strategy_overtake.c: the recalibrated overtake model and
 * the threat from the car ahead of each running car
 */
void ngx_f1_replay_strategy_overtake_threats(ngx_f1_replay_strategy_ctx_t *x,
    const ngx_f1_replay_strategy_overtake_t *ot,
    ngx_f1_replay_strategy_out_t *out);


#endif /* _NGX_F1_REPLAY_STRATEGY_INTERNAL_H_INCLUDED_ */
