
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's race table from a loaded session, as of a session
 * time: only state and track-status records with t <= that time are read
 * (the session's final stint list is not: it knows the future).
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_strategy.h"


static void ngx_f1_replay_strategy_session_car(
    const ngx_f1_replay_session_t *s, const ngx_f1_replay_driver_t *d,
    int32_t t, ngx_f1_replay_strategy_car_t *c);
static unsigned ngx_f1_replay_strategy_session_track(
    const ngx_f1_replay_session_t *s, int32_t from, int32_t to);
static int ngx_f1_replay_strategy_session_cmp(const void *a, const void *b);


int
ngx_f1_replay_strategy_session_table(const ngx_f1_replay_session_t *s,
    int32_t t, ngx_f1_replay_strategy_table_t *tb, unsigned *upto)
{
    unsigned                       i;
    const char                    *name;
    const ngx_f1_replay_driver_t  *d;

    memset(tb, 0, sizeof(*tb));

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);
    name = ngx_f1_replay_str(s, s->circuit);
    if (*name == '\0') {
        name = ngx_f1_replay_str(s, s->location);
    }

    strncpy(tb->circuit, name, sizeof(tb->circuit) - 1);
    tb->total_laps = s->total_laps;
    tb->ncars = s->drivers.n < NGX_F1_REPLAY_STRATEGY_MAX_CARS
                ? s->drivers.n : NGX_F1_REPLAY_STRATEGY_MAX_CARS;

    *upto = 0;

    for (i = 0; i < tb->ncars; i++) {
        ngx_f1_replay_strategy_session_car(s, &d[i], t, &tb->cars[i]);

        if (tb->cars[i].nlaps > *upto) {
            *upto = tb->cars[i].nlaps;
        }
    }

    /*
     * By racing number: the session's driver order is the final one (the
     * classification), which the table at time t must not know.
     */

    qsort(tb->cars, tb->ncars, sizeof(ngx_f1_replay_strategy_car_t),
          ngx_f1_replay_strategy_session_cmp);

    return (s->flags & NGX_F1_REPLAY_HAS_TIMING) && s->total_laps ? 0 : -1;
}


/*
 * Lap k is completed at the first record with laps == k; its line values
 * (time, position, interval) are those of the last record with laps == k
 * up to a second later; its tyre is the one of the last record with laps
 * == k and the same stint (TotalLaps is refreshed a few seconds after the
 * line).  Pit in/out are the transitions after the previous line up to
 * this one.
 */

static void
ngx_f1_replay_strategy_session_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t,
    ngx_f1_replay_strategy_car_t *c)
{
    int32_t                        cross, prev_cross;
    unsigned                       k, j, lap, in_pit, was_in;
    const ngx_f1_replay_state_t   *st, *line, *tyre;
    ngx_f1_replay_strategy_lap_t  *lp, *pl;

    c->number = d->number;
    memcpy(c->tla, d->tla, sizeof(c->tla));

    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);
    prev_cross = s->lights_out_ms != NGX_F1_REPLAY_NO_TIME
                 ? s->lights_out_ms : s->start_ms;
    was_in = 0;

    for (k = 0; k < d->states.n && st[k].t <= t; k++) {
        lap = st[k].laps;

        if (lap == 0 || lap > NGX_F1_REPLAY_STRATEGY_MAX_LAPS
            || (k > 0 && st[k - 1].laps >= lap))
        {
            continue;
        }

        cross = st[k].t;
        line = &st[k];
        tyre = &st[k];

        for (j = k + 1; j < d->states.n && st[j].t <= t
                        && st[j].laps == lap; j++)
        {
            if (st[j].t <= cross + 1000) {
                line = &st[j];
            }

            if (st[j].stints == st[k].stints) {
                tyre = &st[j];
            }
        }

        lp = &c->laps[lap - 1];
        lp->present = 1;
        lp->time_ms = line->last_lap_ms > 0 ? line->last_lap_ms : -1;
        lp->position = line->position;
        lp->gap_ms = line->interval >= 0 ? line->interval : -1;
        lp->stint = tyre->stints;
        lp->tyre_age = (uint8_t) (tyre->tyre_age < 255 ? tyre->tyre_age
                                                       : 255);
        lp->compound = tyre->compound;

        if (tyre->tyre_new == 1) {
            lp->flags |= NGX_F1_REPLAY_STRATEGY_NEW_SET;
        }

        /* the age may lag the line by a refresh: it runs on in a stint */

        pl = lap > 1 ? &c->laps[lap - 2] : NULL;

        if (pl != NULL && pl->present && pl->stint == lp->stint
            && pl->compound == lp->compound && lp->tyre_age <= pl->tyre_age)
        {
            lp->tyre_age = (uint8_t) (pl->tyre_age + 1);
        }

        /* pit transitions and track status since the previous line */

        for (j = 0; j < d->states.n && st[j].t <= cross; j++) {
            if (st[j].t <= prev_cross) {
                was_in = (st[j].flags & NGX_F1_REPLAY_IN_PIT) != 0;
                continue;
            }

            in_pit = (st[j].flags & NGX_F1_REPLAY_IN_PIT) != 0;

            if (in_pit && !was_in) {
                lp->flags |= NGX_F1_REPLAY_STRATEGY_PIT_IN;
            }

            if ((!in_pit && was_in)
                || (st[j].flags & NGX_F1_REPLAY_PIT_OUT))
            {
                lp->flags |= NGX_F1_REPLAY_STRATEGY_PIT_OUT;
            }

            was_in = in_pit;
        }

        lp->flags |= ngx_f1_replay_strategy_session_track(s, prev_cross,
                                                          cross);

        prev_cross = cross;
        c->nlaps = (uint16_t) lap;
    }
}


/* the track status flags from..to (the status at from and its changes) */

static unsigned
ngx_f1_replay_strategy_session_track(const ngx_f1_replay_session_t *s,
    int32_t from, int32_t to)
{
    long                                 k;
    unsigned                             flags;
    const ngx_f1_replay_track_status_t  *ts;

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);

    k = ngx_f1_replay_session_find(ts, s->track_status.n, sizeof(*ts),
                                   from);
    if (k < 0) {
        k = 0;
    }

    flags = 0;

    for ( /* void */ ; (size_t) k < s->track_status.n && ts[k].t <= to; k++)
    {
        switch (ts[k].status) {

        case 2:
            flags |= NGX_F1_REPLAY_STRATEGY_YELLOW;
            break;

        case 4:
            flags |= NGX_F1_REPLAY_STRATEGY_SC;
            break;

        case 5:
            flags |= NGX_F1_REPLAY_STRATEGY_RED;
            break;

        case 6:
        case 7:
            flags |= NGX_F1_REPLAY_STRATEGY_VSC;
            break;

        default:
            break;
        }
    }

    return flags;
}


static int
ngx_f1_replay_strategy_session_cmp(const void *a, const void *b)
{
    const ngx_f1_replay_strategy_car_t  *x, *y;

    x = a;
    y = b;

    return (int) x->number - (int) y->number;
}
