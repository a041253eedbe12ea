
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_timeline.h"


/*
 * How the events are found (the rules are the point of the timeline):
 *
 * start         lights_out_ms, when known (for sessions other than races
 *               that is the first "Started" status).
 *
 * lap           one per LapCount value: the leader begins lap n.  The
 *               first LapCount line is a snapshot sent before the start,
 *               so lap 1 is placed at lights-out when that is later.
 *
 * pit stop      a REAL tyre change (ngx_f1_replay_timeline_tyre_change()):
 *               t is the pit entry (where InPit turns on before the new
 *               stint), end the pit exit (where InPit turns off), or
 *               NO_TIME when the car's data ends in the pit lane.  Without
 *               InPit data (timing-only archives) t is the time the new
 *               stint was first seen.  A car whose data ends in the pit
 *               lane with no new stint (Dutch GP: LEC at 01:18:15) has no
 *               known tyre change, so it is not a stop.
 *
 * stint         every new stint after the first, at the time it was first
 *               seen, drive-throughs and pit-lane passes included.
 *
 * overtake      races with TimingData only (positions elsewhere order
 *               lap times; without TimingData a stop cannot be told from
 *               a pass, having neither laps nor InPit per car).  At
 *               each instant where positions change, car A gaining
 *               places passes every car B that was at or behind A's new
 *               position and ahead of A's old one, and is now behind A.
 *               Not an overtake when A or B is in the pit lane (InPit or
 *               PitOut), had a pit entry or exit since the start of its
 *               last completed lap, is on its in-lap (enters the pit
 *               lane before its next line crossing), is retired, stopped
 *               or hidden, when the red flag is out, or before
 *               lights-out.  Archives that update positions only at line
 *               crossings (the Dutch GP) show the pass at the next
 *               crossing, which is why in-laps and the lap after a pit
 *               exit are left out.
 *
 * safety car,   periods of TrackStatus 4 (SC), 6 or 7 (VSC deployed, VSC
 * vsc, red flag ending: one period) and 5 (red): t is where the status
 *               enters the state, end where it leaves it (NO_TIME if it
 *               never does).
 *
 * race control  one per message; value is its index in s->race_control.
 * track status  one per TrackStatus line, weather one per WeatherData
 * weather       line; value is the index in that array.
 *
 * car lap       a car's state record where its laps went up (laps is
 *               the lap completed).
 *
 * position      a car's state record where its position changed to a
 *               known one.
 *
 * pit in,       a car's state record where InPit turns on (a car in the
 * pit out       pit lane when its data begins did not enter it) or off.
 *
 * retired       a car's state record where Retired turns on.
 *
 *               Car events are changes from the car's previous record:
 *               its first record (the archive's snapshot) gives none.
 *
 * fastest lap   each completed timed lap (a new LastLapTime) that beats
 *               the best of the session so far, out-laps and in-laps
 *               included, as the timing screen does.
 *
 * finish        each change of SessionStatus to "Finished" (three in a
 *               qualifying); in a race the driver is the first car to
 *               complete the race distance, if it did so by then.
 *               Without a "Finished" status, that car's finishing line
 *               crossing.
 *
 * lap (field)   the LapCount lap at t; without LapCount, the driver's
 *               lap (laps completed + 1) for car events, the message's
 *               Lap for race control, else 0.  Fastest lap: the number
 *               of the lap timed.
 */


/*
 * A new stint's InPit may come a little after the stint (the live feed
 * announces the stint at pit entry, in the same second)
 */
#define NGX_F1_REPLAY_TL_PIT_SLACK  5000

#define NGX_F1_REPLAY_TL_IN_LANE                                              \
    (NGX_F1_REPLAY_IN_PIT | NGX_F1_REPLAY_PIT_OUT)

#define NGX_F1_REPLAY_TL_OUT                                                  \
    (NGX_F1_REPLAY_RETIRED | NGX_F1_REPLAY_STOPPED | NGX_F1_REPLAY_HIDDEN)


typedef struct {
    ngx_f1_replay_event_t        *ev;
    size_t                        n;
    size_t                        size;
} ngx_f1_replay_tl_vec_t;


/* a car while the overtakes are looked for */
typedef struct {
    const ngx_f1_replay_state_t  *st;
    uint32_t                      n;
    uint32_t                      next;       /* next record to apply */
    uint8_t                       prev_pos;   /* before this instant */
    uint8_t                       prev_flags;
    int32_t                       crossing;   /* last lap completed */
    int32_t                       lap_start;  /* start of that lap */
    int32_t                       pit;        /* last in the pit lane */
} ngx_f1_replay_tl_car_t;


static ngx_f1_replay_event_t *ngx_f1_replay_tl_push(
    ngx_f1_replay_tl_vec_t *v, int type, int32_t t, uint16_t lap);
static uint16_t ngx_f1_replay_tl_lap(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t);
static int ngx_f1_replay_tl_laps(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v);
static int ngx_f1_replay_tl_period_type(unsigned status);
static int ngx_f1_replay_tl_periods(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v);
static int ngx_f1_replay_tl_race_control(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v);
static int ngx_f1_replay_tl_finish(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v);
static int ngx_f1_replay_tl_records(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v);
static int ngx_f1_replay_tl_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, ngx_f1_replay_tl_vec_t *v);
static long ngx_f1_replay_tl_pit_entry(const ngx_f1_replay_state_t *st,
    uint32_t n, int32_t after, int32_t seen);
static int ngx_f1_replay_tl_stints(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, ngx_f1_replay_tl_vec_t *v);
static int ngx_f1_replay_tl_fastest(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v);
static int ngx_f1_replay_tl_excluded(const ngx_f1_replay_tl_car_t *c,
    int32_t t);
static int ngx_f1_replay_tl_overtakes(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v);
static void ngx_f1_replay_tl_advance(ngx_f1_replay_tl_car_t *car, uint32_t n,
    int32_t t);
static int ngx_f1_replay_tl_passes(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v, ngx_f1_replay_tl_car_t *car, int32_t t);
static int ngx_f1_replay_tl_cmp(const void *one, const void *two);


/* by ngx_f1_replay_event_type_e */
static const char *const  ngx_f1_replay_tl_names[NGX_F1_REPLAY_EV_N] = {
    "start", "lap", "track_status", "safety_car", "vsc", "red_flag",
    "race_control", "weather", "car_lap", "position", "pit_in", "pit_out",
    "pit_stop", "stint", "retired", "overtake", "fastest_lap", "finish"
};


const char *
ngx_f1_replay_timeline_type_name(unsigned type)
{
    return type < NGX_F1_REPLAY_EV_N ? ngx_f1_replay_tl_names[type] : NULL;
}


long
ngx_f1_replay_timeline_types(const char *list, size_t len)
{
    long         mask;
    size_t       n;
    unsigned     type;
    const char  *p, *end, *comma, *name;

    if (len == 0) {
        return (1L << NGX_F1_REPLAY_EV_N) - 1;
    }

    mask = 0;
    p = list;
    end = list + len;

    for ( ;; ) {
        comma = memchr(p, ',', end - p);
        n = (comma ? comma : end) - p;

        for (type = 0; type < NGX_F1_REPLAY_EV_N; type++) {
            name = ngx_f1_replay_tl_names[type];

            if (n == strlen(name) && memcmp(p, name, n) == 0) {
                break;
            }
        }

        if (type == NGX_F1_REPLAY_EV_N) {
            return -1;
        }

        mask |= 1L << type;

        if (comma == NULL) {
            return mask;
        }

        p = comma + 1;
    }
}


int
ngx_f1_replay_timeline_build(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_event_t **events, size_t *n)
{
    uint32_t                       i;
    ngx_f1_replay_tl_vec_t         v;
    ngx_f1_replay_event_t      *e;
    const ngx_f1_replay_driver_t  *d;

    v.ev = NULL;
    v.n = 0;
    v.size = 0;

    if (s->lights_out_ms != NGX_F1_REPLAY_NO_TIME) {
        e = ngx_f1_replay_tl_push(&v, NGX_F1_REPLAY_EV_START,
                                  s->lights_out_ms,
                                  ngx_f1_replay_tl_lap(s, NULL,
                                                       s->lights_out_ms));
        if (e == NULL) {
            goto failed;
        }
    }

    if (ngx_f1_replay_tl_laps(s, &v) != 0
        || ngx_f1_replay_tl_records(s, &v) != 0
        || ngx_f1_replay_tl_periods(s, &v) != 0
        || ngx_f1_replay_tl_race_control(s, &v) != 0
        || ngx_f1_replay_tl_finish(s, &v) != 0
        || ngx_f1_replay_tl_fastest(s, &v) != 0
        || ngx_f1_replay_tl_overtakes(s, &v) != 0)
    {
        goto failed;
    }

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        if (ngx_f1_replay_tl_stints(s, &d[i], &v) != 0
            || ngx_f1_replay_tl_car(s, &d[i], &v) != 0)
        {
            goto failed;
        }
    }

    if (v.n > 1) {
        qsort(v.ev, v.n, sizeof(ngx_f1_replay_event_t),
              ngx_f1_replay_tl_cmp);
    }

    *events = v.ev;
    *n = v.n;

    return 0;

failed:

    free(v.ev);

    return -1;
}


static ngx_f1_replay_event_t *
ngx_f1_replay_tl_push(ngx_f1_replay_tl_vec_t *v, int type, int32_t t,
    uint16_t lap)
{
    size_t                     size;
    ngx_f1_replay_event_t  *ev, *e;

    if (v->n == v->size) {
        size = v->size ? v->size * 2 : 256;

        ev = realloc(v->ev, size * sizeof(ngx_f1_replay_event_t));
        if (ev == NULL) {
            return NULL;
        }

        v->ev = ev;
        v->size = size;
    }

    e = &v->ev[v->n++];

    memset(e, 0, sizeof(ngx_f1_replay_event_t));
    e->t = t;
    e->end = NGX_F1_REPLAY_NO_TIME;
    e->lap = lap;
    e->type = (uint8_t) type;

    return e;
}


/* the "lap" field: see the rules at the top */

static uint16_t
ngx_f1_replay_tl_lap(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t)
{
    long                              k;
    const ngx_f1_replay_state_t      *st;
    const ngx_f1_replay_lap_count_t  *lc;

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);
    k = ngx_f1_replay_session_find(lc, s->lap_count.n,
                                   sizeof(ngx_f1_replay_lap_count_t), t);
    if (k >= 0) {
        return lc[k].current;
    }

    if (d == NULL || s->lap_count.n) {
        return 0;
    }

    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);
    k = ngx_f1_replay_session_find(st, d->states.n,
                                   sizeof(ngx_f1_replay_state_t), t);

    return k >= 0 ? (uint16_t) (st[k].laps + 1) : 0;
}


static int
ngx_f1_replay_tl_laps(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v)
{
    int32_t                           t;
    uint32_t                          i;
    const ngx_f1_replay_lap_count_t  *lc;

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);

    for (i = 0; i < s->lap_count.n; i++) {
        if (lc[i].current == 0
            || (i > 0 && lc[i].current == lc[i - 1].current))
        {
            continue;
        }

        t = lc[i].t;

        /* the pre-race snapshot: lap 1 begins at lights-out */

        if (lc[i].current == 1 && s->lights_out_ms != NGX_F1_REPLAY_NO_TIME
            && s->lights_out_ms > t)
        {
            t = s->lights_out_ms;
        }

        if (ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_LAP, t, lc[i].current)
            == NULL)
        {
            return -1;
        }
    }

    return 0;
}


/* a track-status and a weather event per record */

static int
ngx_f1_replay_tl_records(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v)
{
    uint32_t                             i;
    ngx_f1_replay_event_t               *e;
    const ngx_f1_replay_weather_t       *w;
    const ngx_f1_replay_track_status_t  *ts;

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);

    for (i = 0; i < s->track_status.n; i++) {
        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_TRACK_STATUS, ts[i].t,
                                  ngx_f1_replay_tl_lap(s, NULL, ts[i].t));
        if (e == NULL) {
            return -1;
        }

        e->value = (int32_t) i;
    }

    w = ngx_f1_replay_items(s, s->weather, ngx_f1_replay_weather_t);

    for (i = 0; i < s->weather.n; i++) {
        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_WEATHER, w[i].t,
                                  ngx_f1_replay_tl_lap(s, NULL, w[i].t));
        if (e == NULL) {
            return -1;
        }

        e->value = (int32_t) i;
    }

    return 0;
}


/* a car's laps, positions, pit entries and exits, retirement */

static int
ngx_f1_replay_tl_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, ngx_f1_replay_tl_vec_t *v)
{
    int                           type;
    uint32_t                      i;
    ngx_f1_replay_event_t        *e;
    const ngx_f1_replay_state_t  *st, *prev;

    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);

    for (i = 1; i < d->states.n; i++) {
        prev = &st[i - 1];

        for (type = NGX_F1_REPLAY_EV_CAR_LAP;
             type <= NGX_F1_REPLAY_EV_RETIRED;
             type++)
        {
            switch (type) {

            case NGX_F1_REPLAY_EV_CAR_LAP:
                if (st[i].laps <= prev->laps) {
                    continue;
                }

                break;

            case NGX_F1_REPLAY_EV_POSITION:
                if (st[i].position == 0
                    || st[i].position == prev->position)
                {
                    continue;
                }

                break;

            case NGX_F1_REPLAY_EV_PIT_IN:
            case NGX_F1_REPLAY_EV_PIT_OUT:
                if (((st[i].flags ^ prev->flags) & NGX_F1_REPLAY_IN_PIT) == 0
                    || ((st[i].flags & NGX_F1_REPLAY_IN_PIT) != 0)
                       != (type == NGX_F1_REPLAY_EV_PIT_IN))
                {
                    continue;
                }

                break;

            case NGX_F1_REPLAY_EV_RETIRED:
                if (!(st[i].flags & NGX_F1_REPLAY_RETIRED)
                    || (prev->flags & NGX_F1_REPLAY_RETIRED))
                {
                    continue;
                }

                break;

            default: /* pit stops and stints: ngx_f1_replay_tl_stints() */
                continue;
            }

            e = ngx_f1_replay_tl_push(v, type, st[i].t,
                                      type == NGX_F1_REPLAY_EV_CAR_LAP
                                      ? st[i].laps
                                      : ngx_f1_replay_tl_lap(s, d, st[i].t));
            if (e == NULL) {
                return -1;
            }

            e->driver = d->number;
            e->value = (int32_t) i;
        }
    }

    return 0;
}


static int
ngx_f1_replay_tl_period_type(unsigned status)
{
    switch (status) {

    case 4:
        return NGX_F1_REPLAY_EV_SAFETY_CAR;

    case 5:
        return NGX_F1_REPLAY_EV_RED_FLAG;

    case 6:
    case 7:
        return NGX_F1_REPLAY_EV_VSC;

    default:
        return -1;
    }
}


static int
ngx_f1_replay_tl_periods(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v)
{
    int                                  type;
    uint32_t                             i, j;
    ngx_f1_replay_event_t            *e;
    const ngx_f1_replay_track_status_t  *ts;

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);

    for (i = 0; i < s->track_status.n; i++) {
        type = ngx_f1_replay_tl_period_type(ts[i].status);

        if (type < 0
            || (i > 0
                && ngx_f1_replay_tl_period_type(ts[i - 1].status) == type))
        {
            continue;
        }

        e = ngx_f1_replay_tl_push(v, type, ts[i].t,
                                  ngx_f1_replay_tl_lap(s, NULL, ts[i].t));
        if (e == NULL) {
            return -1;
        }

        for (j = i + 1; j < s->track_status.n; j++) {
            if (ngx_f1_replay_tl_period_type(ts[j].status) != type) {
                e->end = ts[j].t;
                break;
            }
        }
    }

    return 0;
}


static int
ngx_f1_replay_tl_race_control(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v)
{
    uint32_t                    i;
    uint16_t                    lap;
    ngx_f1_replay_event_t   *e;
    const ngx_f1_replay_rcm_t  *rcm;

    rcm = ngx_f1_replay_items(s, s->race_control, ngx_f1_replay_rcm_t);

    for (i = 0; i < s->race_control.n; i++) {
        lap = ngx_f1_replay_tl_lap(s, NULL, rcm[i].t);

        if (s->lap_count.n == 0 && rcm[i].lap > 0 && rcm[i].lap < 65536) {
            lap = (uint16_t) rcm[i].lap;
        }

        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_RACE_CONTROL,
                                  rcm[i].t, lap);
        if (e == NULL) {
            return -1;
        }

        e->driver = rcm[i].racing_number;
        e->value = (int32_t) i;
    }

    return 0;
}


static int
ngx_f1_replay_tl_finish(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v)
{
    int                             finished, was;
    int32_t                         win_t;
    uint16_t                        winner;
    uint32_t                        i, j;
    ngx_f1_replay_event_t       *e;
    const ngx_f1_replay_state_t    *st;
    const ngx_f1_replay_status_t   *ss;
    const ngx_f1_replay_driver_t   *d;

    /* the first car to complete the race distance */

    winner = 0;
    win_t = NGX_F1_REPLAY_NO_TIME;
    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; s->total_laps && i < s->drivers.n; i++) {
        st = ngx_f1_replay_items(s, d[i].states, ngx_f1_replay_state_t);

        for (j = 0; j < d[i].states.n; j++) {
            if (st[j].laps >= s->total_laps) {
                if (winner == 0 || st[j].t < win_t) {
                    winner = d[i].number;
                    win_t = st[j].t;
                }

                break;
            }
        }
    }

    ss = ngx_f1_replay_items(s, s->session_status, ngx_f1_replay_status_t);
    finished = 0;
    was = 0;

    for (i = 0; i < s->session_status.n; i++) {
        if (strcmp(ngx_f1_replay_str(s, ss[i].status), "Finished") != 0) {
            was = 0;
            continue;
        }

        if (was) {
            continue;
        }

        was = 1;
        finished++;

        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_FINISH, ss[i].t,
                                  ngx_f1_replay_tl_lap(s, NULL, ss[i].t));
        if (e == NULL) {
            return -1;
        }

        if (winner && win_t <= ss[i].t) {
            e->driver = winner;
        }
    }

    if (finished == 0 && winner) {
        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_FINISH, win_t,
                                  ngx_f1_replay_tl_lap(s, NULL, win_t));
        if (e == NULL) {
            return -1;
        }

        e->driver = winner;
    }

    return 0;
}


/*
 * Whether stint cur, following prev, began with a real tyre change.  The
 * feed starts a new stint on every pass through the pit lane (FastF1
 * issue 717), so a new stint alone proves nothing:
 *
 *   - TyresNotChanged "1": no change (a drive-through, a pit-lane pass
 *     behind the safety car, a stop for repairs only);
 *   - another compound (both known): a change;
 *   - a new set: a change;
 *   - otherwise (same compound, used or unknown tyres) a change only when
 *     the set's age shows another set: StartLaps differs from the age
 *     the previous set had reached (its TotalLaps).  A set carried
 *     through the pit lane keeps counting its laps.
 *
 * TyresNotChanged "0" is not taken as proof of a change: archives send it
 * on nearly every stint (the Dutch GP on all, drive-throughs included,
 * since the conversion does not detect them), and the block does not
 * tell "0" from a missing field.  The age test is what separates, in the
 * Dutch GP, the stops onto another used set of the same compound (PIA
 * and NOR's second stops, ANT and LAW's third, SAI's third and fourth)
 * from a pass through the pit lane on the same set.
 */

int
ngx_f1_replay_timeline_tyre_change(const ngx_f1_replay_stint_t *prev,
    const ngx_f1_replay_stint_t *cur)
{
    if (cur->not_changed) {
        return 0;
    }

    if (cur->compound != prev->compound
        && cur->compound != NGX_F1_REPLAY_COMPOUND_UNKNOWN
        && prev->compound != NGX_F1_REPLAY_COMPOUND_UNKNOWN)
    {
        return 1;
    }

    if (cur->tyre_new == 1) {
        return 1;
    }

    return cur->start_age != prev->total_laps;
}


/*
 * The pit entry of a stint first seen at "seen": the last record where
 * InPit turns on, after "after" and at most NGX_F1_REPLAY_TL_PIT_SLACK
 * past "seen"; -1 if none.  InPit in the first record is a car already
 * in the pit lane when the archive begins (a pit-lane start), not an
 * entry.
 */

static long
ngx_f1_replay_tl_pit_entry(const ngx_f1_replay_state_t *st, uint32_t n,
    int32_t after, int32_t seen)
{
    long      entry;
    uint32_t  i;

    entry = -1;

    for (i = 0; i < n && st[i].t <= seen + NGX_F1_REPLAY_TL_PIT_SLACK; i++) {
        if (i > 0
            && (st[i].flags & NGX_F1_REPLAY_IN_PIT)
            && !(st[i - 1].flags & NGX_F1_REPLAY_IN_PIT)
            && st[i].t > after)
        {
            entry = (long) i;
        }
    }

    return entry;
}


static int
ngx_f1_replay_tl_stints(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, ngx_f1_replay_tl_vec_t *v)
{
    long                          entry;
    int32_t                       after, t;
    uint32_t                      k, j;
    ngx_f1_replay_event_t     *e;
    const ngx_f1_replay_stint_t  *stint;
    const ngx_f1_replay_state_t  *st;

    stint = ngx_f1_replay_items(s, d->stints, ngx_f1_replay_stint_t);
    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);

    /*
     * each stint takes the last entry before it not taken by the one
     * before (an archive may begin after some stops, with several stints
     * first seen at once)
     */

    after = NGX_F1_REPLAY_NO_TIME;

    for (k = 1; k < d->stints.n; k++) {

        /* a stint in the final list never seen in a state record */

        if (stint[k].t == NGX_F1_REPLAY_NO_TIME) {
            continue;
        }

        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_STINT, stint[k].t,
                                  ngx_f1_replay_tl_lap(s, d, stint[k].t));
        if (e == NULL) {
            return -1;
        }

        e->driver = d->number;
        e->compound = stint[k].compound;
        e->value = (int32_t) k;

        entry = ngx_f1_replay_tl_pit_entry(st, d->states.n, after,
                                           stint[k].t);

        after = entry >= 0 ? st[entry].t : stint[k].t;

        if (!ngx_f1_replay_timeline_tyre_change(&stint[k - 1], &stint[k])) {
            continue;
        }

        t = entry >= 0 ? st[entry].t : stint[k].t;

        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_PIT_STOP, t,
                                  ngx_f1_replay_tl_lap(s, d, t));
        if (e == NULL) {
            return -1;
        }

        e->driver = d->number;
        e->compound = stint[k].compound;
        e->value = (int32_t) k;

        if (entry < 0) {
            continue;
        }

        /* the pit exit: where InPit turns off again */

        for (j = (uint32_t) entry + 1; j < d->states.n; j++) {
            if (!(st[j].flags & NGX_F1_REPLAY_IN_PIT)) {
                e->end = st[j].t;
                break;
            }
        }
    }

    return 0;
}


static int
ngx_f1_replay_tl_fastest(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v)
{
    size_t                         n, k;
    int32_t                        best;
    uint32_t                       i, j;
    ngx_f1_replay_tl_vec_t         laps;
    ngx_f1_replay_event_t      *e;
    const ngx_f1_replay_state_t   *st;
    const ngx_f1_replay_driver_t  *d;

    /* every timed lap completed, in time order */

    laps.ev = NULL;
    laps.n = 0;
    laps.size = 0;

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        st = ngx_f1_replay_items(s, d[i].states, ngx_f1_replay_state_t);

        for (j = 1; j < d[i].states.n; j++) {
            if (st[j].last_lap_ms <= 0
                || st[j].last_lap_ms == st[j - 1].last_lap_ms)
            {
                continue;
            }

            e = ngx_f1_replay_tl_push(&laps, NGX_F1_REPLAY_EV_FASTEST_LAP,
                                      st[j].t, st[j].laps);
            if (e == NULL) {
                free(laps.ev);
                return -1;
            }

            e->driver = d[i].number;
            e->value = st[j].last_lap_ms;
        }
    }

    if (laps.n > 1) {
        qsort(laps.ev, laps.n, sizeof(ngx_f1_replay_event_t),
              ngx_f1_replay_tl_cmp);
    }

    best = INT32_MAX;
    n = 0;

    for (k = 0; k < laps.n; k++) {
        if (laps.ev[k].value < best) {
            best = laps.ev[k].value;
            laps.ev[n++] = laps.ev[k];
        }
    }

    for (k = 0; k < n; k++) {
        e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_FASTEST_LAP,
                                  laps.ev[k].t, laps.ev[k].lap);
        if (e == NULL) {
            free(laps.ev);
            return -1;
        }

        *e = laps.ev[k];
    }

    free(laps.ev);

    return 0;
}


/* a car that cannot take part in an overtake at this instant */

static int
ngx_f1_replay_tl_excluded(const ngx_f1_replay_tl_car_t *c, int32_t t)
{
    uint8_t   flags;
    uint32_t  k;

    flags = c->st[c->next - 1].flags | c->prev_flags;

    if (flags & (NGX_F1_REPLAY_TL_IN_LANE | NGX_F1_REPLAY_TL_OUT)) {
        return 1;
    }

    /* a pit entry or exit since the start of its last completed lap */

    if (c->pit != NGX_F1_REPLAY_NO_TIME
        && (c->lap_start == NGX_F1_REPLAY_NO_TIME || c->pit >= c->lap_start))
    {
        return 1;
    }

    /*
     * on its in-lap: it enters the pit lane before it next crosses the
     * line (positions change at line crossings, so a car slowing for its
     * stop, or crawling to it, is "passed" before its InPit shows).  A
     * car crossing the line now was judged on the lap it completes.
     */

    if (c->crossing == t) {
        return 0;
    }

    for (k = c->next; k < c->n; k++) {
        if (c->st[k].flags & NGX_F1_REPLAY_IN_PIT) {
            return 1;
        }

        if (c->st[k].laps > c->st[c->next - 1].laps) {
            break;
        }
    }

    return 0;
}


static int
ngx_f1_replay_tl_overtakes(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v)
{
    int                                  rc;
    int32_t                              t;
    uint32_t                             i, n;
    ngx_f1_replay_tl_car_t              *car;
    const ngx_f1_replay_state_t         *rec;
    const ngx_f1_replay_driver_t        *d;
    const ngx_f1_replay_track_status_t  *ts;

    n = s->drivers.n;

    if (s->lap_count.n == 0 || n < 2) {
        return 0;
    }

    /*
     * without TimingData (no car ever completes a lap: positions from
     * TimingAppData alone, no InPit) a pass cannot be told from a stop
     */

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < n; i++) {
        rec = ngx_f1_replay_items(s, d[i].states, ngx_f1_replay_state_t);

        if (d[i].states.n && rec[d[i].states.n - 1].laps > 0) {
            break;
        }
    }

    if (i == n) {
        return 0;
    }

    car = calloc(n, sizeof(ngx_f1_replay_tl_car_t));
    if (car == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        car[i].st = ngx_f1_replay_items(s, d[i].states,
                                        ngx_f1_replay_state_t);
        car[i].n = d[i].states.n;
        car[i].crossing = NGX_F1_REPLAY_NO_TIME;
        car[i].lap_start = NGX_F1_REPLAY_NO_TIME;
        car[i].pit = NGX_F1_REPLAY_NO_TIME;
    }

    rc = 0;

    for ( ;; ) {

        /* the next instant at which any car's state changes */

        t = INT32_MAX;

        for (i = 0; i < n; i++) {
            if (car[i].next < car[i].n && car[i].st[car[i].next].t < t) {
                t = car[i].st[car[i].next].t;
            }
        }

        if (t == INT32_MAX) {
            break;
        }

        ngx_f1_replay_tl_advance(car, n, t);

        /* none before lights-out or under a red flag (status 5) */

        ts = ngx_f1_replay_session_track_status(s, t);

        if ((s->lights_out_ms != NGX_F1_REPLAY_NO_TIME
             && t <= s->lights_out_ms)
            || (ts != NULL && ts->status == 5))
        {
            continue;
        }

        rc = ngx_f1_replay_tl_passes(s, v, car, t);
        if (rc != 0) {
            break;
        }
    }

    free(car);

    return rc;
}


/* every car's records at t taken: its places before, laps, the pit lane */

static void
ngx_f1_replay_tl_advance(ngx_f1_replay_tl_car_t *car, uint32_t n, int32_t t)
{
    uint32_t                      i;
    ngx_f1_replay_tl_car_t       *c;
    const ngx_f1_replay_state_t  *rec, *prev;

    for (i = 0; i < n; i++) {
        c = &car[i];
        prev = c->next ? &c->st[c->next - 1] : NULL;

        c->prev_pos = prev ? prev->position : 0;
        c->prev_flags = prev ? prev->flags : 0;

        while (c->next < c->n && c->st[c->next].t == t) {
            rec = &c->st[c->next];

            if (prev && rec->laps > prev->laps) {
                c->lap_start = c->crossing;
                c->crossing = rec->t;
            }

            if ((rec->flags | (prev ? prev->flags : 0))
                & NGX_F1_REPLAY_TL_IN_LANE)
            {
                c->pit = rec->t;
            }

            prev = rec;
            c->next++;
        }
    }
}


/*
 * The passes at t: car A gained places, car B was between A's new and
 * old places and is now behind A, neither near the pit lane
 */

static int
ngx_f1_replay_tl_passes(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_vec_t *v, ngx_f1_replay_tl_car_t *car, int32_t t)
{
    uint8_t                        pa, pb;
    uint32_t                       i, j, n;
    ngx_f1_replay_tl_car_t        *c, *b;
    ngx_f1_replay_event_t         *e;
    const ngx_f1_replay_driver_t  *d;

    n = s->drivers.n;
    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < n; i++) {
        c = &car[i];

        if (c->next == 0) {
            continue;
        }

        pa = c->st[c->next - 1].position;

        if (pa == 0 || c->prev_pos == 0 || pa >= c->prev_pos
            || ngx_f1_replay_tl_excluded(c, t))
        {
            continue;
        }

        for (j = 0; j < n; j++) {
            b = &car[j];

            if (j == i || b->next == 0) {
                continue;
            }

            pb = b->st[b->next - 1].position;

            if (b->prev_pos < pa || b->prev_pos >= c->prev_pos
                || pb <= pa || ngx_f1_replay_tl_excluded(b, t))
            {
                continue;
            }

            e = ngx_f1_replay_tl_push(v, NGX_F1_REPLAY_EV_OVERTAKE, t,
                                      ngx_f1_replay_tl_lap(s, &d[i], t));
            if (e == NULL) {
                return -1;
            }

            e->driver = d[i].number;
            e->other = d[j].number;
            e->value = pa;
        }
    }

    return 0;
}


/* by t, type, driver, then the other fields, for a stable order */

static int
ngx_f1_replay_tl_cmp(const void *one, const void *two)
{
    const ngx_f1_replay_event_t  *a = one;
    const ngx_f1_replay_event_t  *b = two;

    if (a->t != b->t) {
        return a->t < b->t ? -1 : 1;
    }

    if (a->type != b->type) {
        return a->type < b->type ? -1 : 1;
    }

    if (a->driver != b->driver) {
        return a->driver < b->driver ? -1 : 1;
    }

    if (a->other != b->other) {
        return a->other < b->other ? -1 : 1;
    }

    if (a->value != b->value) {
        return a->value < b->value ? -1 : 1;
    }

    return 0;
}
