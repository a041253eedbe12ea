
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's pit loss: what a stop costs under green, under
 * the safety car and under the VSC, measured on the stops of the race.
 */


#include <math.h>

#include "ngx_f1_replay_strategy_internal.h"


#define NGX_F1_REPLAY_STRATEGY_LOSS_MS       21000  /* 18.3 s + standing */
#define NGX_F1_REPLAY_STRATEGY_LOSS_SC       0.54
#define NGX_F1_REPLAY_STRATEGY_LOSS_VSC      0.60


/*
 * Pit loss of each stop with a known in- and out-lap: their time minus
 * the median time of the cars that did not stop over the same two laps.
 * Under green, the median of the stops; under SC or VSC, of those stops
 * if two or more, else the green loss scaled (0.54, 0.60).
 */

void
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
