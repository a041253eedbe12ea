
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <string.h>

#include "ngx_f1_replay_outline.h"


#define NGX_F1_REPLAY_OUTLINE_STEP    50     /* decimetres between points */


static size_t ngx_f1_replay_outline_points(ngx_f1_replay_session_t *s,
    ngx_f1_replay_driver_t *d, int32_t t0, int32_t t1,
    ngx_f1_replay_point_t *pt);


void
ngx_f1_replay_outline_build(ngx_f1_replay_block_t *b)
{
    size_t                         i, j, k, n, best_d, best_i, best_k;
    int32_t                        t0, t1;
    uint32_t                       off;
    unsigned                       lap, best_lap, clear;
    ngx_f1_replay_state_t         *st;
    ngx_f1_replay_driver_t        *drv, *d;
    ngx_f1_replay_session_t       *s;
    ngx_f1_replay_track_status_t  *ts;

    s = (ngx_f1_replay_session_t *) b->data;
    drv = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    best_d = SIZE_MAX;
    best_i = 0;
    best_k = 0;
    best_lap = 0;

    for (i = 0; i < s->drivers.n; i++) {
        d = &drv[i];

        if (d->pos.n == 0 || d->states.n == 0) {
            continue;
        }

        st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);

        /* lap k + 1 runs from the record where laps became k to k + 1 */

        for (k = 0; k < d->states.n; k++) {
            lap = st[k].laps;

            if (lap == 0 || (k > 0 && st[k - 1].laps == lap)) {
                continue;
            }

            for (j = k + 1; j < d->states.n && st[j].laps == lap; j++) {
                if (st[j].flags & (NGX_F1_REPLAY_IN_PIT
                                   | NGX_F1_REPLAY_PIT_OUT))
                {
                    break;
                }
            }

            if (j == d->states.n || st[j].laps != lap + 1
                || (st[k].flags & (NGX_F1_REPLAY_IN_PIT
                                   | NGX_F1_REPLAY_PIT_OUT))
                || (st[j].flags & (NGX_F1_REPLAY_IN_PIT
                                   | NGX_F1_REPLAY_PIT_OUT)))
            {
                continue;
            }

            t0 = st[k].t;
            t1 = st[j].t;

            if (t1 - t0 < 30000 || t1 - t0 > 300000
                || (size_t) (t1 - t0) >= best_d)
            {
                continue;
            }

            clear = 1;
            ts = ngx_f1_replay_items(s, s->track_status,
                                     ngx_f1_replay_track_status_t);

            for (n = 0; n < s->track_status.n; n++) {
                if (ts[n].t <= t1 && ts[n].status != 1
                    && (n + 1 == s->track_status.n || ts[n + 1].t > t0))
                {
                    clear = 0;
                    break;
                }
            }

            if (!clear) {
                continue;
            }

            best_d = (size_t) (t1 - t0);
            best_i = i;
            best_k = k;
            best_lap = lap + 1;
        }
    }

    if (best_d == SIZE_MAX) {
        return;
    }

    d = &drv[best_i];
    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);
    t0 = st[best_k].t;
    t1 = t0 + (int32_t) best_d;

    /* count first, then write: the block may move on allocation */

    n = ngx_f1_replay_outline_points(s, d, t0, t1, NULL);

    off = ngx_f1_replay_build_alloc(b, n * sizeof(ngx_f1_replay_point_t));
    if (b->failed || n == 0) {
        return;
    }

    s = (ngx_f1_replay_session_t *) b->data;
    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t) + best_i;
    n = ngx_f1_replay_outline_points(s, d, t0, t1,
                                  (ngx_f1_replay_point_t *) (b->data + off));

    s->outline.off = off;
    s->outline.n = (uint32_t) n;
    s->outline_driver = d->number;
    s->outline_lap = (uint16_t) best_lap;
}


/* the valid positions of d in [t0, t1], 5 m apart; written if pt */

static size_t
ngx_f1_replay_outline_points(ngx_f1_replay_session_t *s,
    ngx_f1_replay_driver_t *d, int32_t t0, int32_t t1,
    ngx_f1_replay_point_t *pt)
{
    size_t                j, k, n;
    int64_t               dx, dy;
    ngx_f1_replay_pos_t  *pos;

    pos = ngx_f1_replay_items(s, d->pos, ngx_f1_replay_pos_t);

    for (n = 0, k = SIZE_MAX, j = 0; j < d->pos.n; j++) {
        if (pos[j].t < t0 || pos[j].t > t1
            || pos[j].status == NGX_F1_REPLAY_POS_NO_FIX)
        {
            continue;
        }

        if (k != SIZE_MAX) {
            dx = pos[j].x - pos[k].x;
            dy = pos[j].y - pos[k].y;

            if (dx * dx + dy * dy
                < NGX_F1_REPLAY_OUTLINE_STEP * NGX_F1_REPLAY_OUTLINE_STEP)
            {
                continue;
            }
        }

        if (pt != NULL) {
            pt[n].x = pos[j].x;
            pt[n].y = pos[j].y;
        }

        k = j;
        n++;
    }

    return n;
}
