
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdio.h>
#include <string.h>

#include "ngx_f1_replay_session.h"


static int ngx_f1_replay_array_valid(const ngx_f1_replay_array_t *a,
    size_t size, size_t total);


static const char *const  ngx_f1_replay_compound_names[] = {
    "UNKNOWN", "HYPERSOFT", "ULTRASOFT", "SUPERSOFT", "SOFT", "MEDIUM",
    "HARD", "INTERMEDIATE", "WET", "TEST"
};


const ngx_f1_replay_track_status_t *
ngx_f1_replay_session_track_status(const ngx_f1_replay_session_t *s,
    int32_t t)
{
    long                                 k;
    const ngx_f1_replay_track_status_t  *ts;

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);
    k = ngx_f1_replay_session_find(ts, s->track_status.n,
                                   sizeof(ngx_f1_replay_track_status_t), t);

    return k >= 0 ? &ts[k] : NULL;
}


void
ngx_f1_replay_session_id(const ngx_f1_replay_session_t *s, char *buf,
    size_t size)
{
    (void) snprintf(buf, size, "%s, %s, %s",
                    ngx_f1_replay_str(s, s->meeting),
                    ngx_f1_replay_str(s, s->session_name),
                    ngx_f1_replay_str(s, s->start_date));
}


/*
 * Walking back from lights-out a second at a time: the field stands on
 * the grid, before that it runs the formation lap, before that it
 * stands again.  A car is moving at more than 30 km/h in its latest
 * sample of the last 2 s; the field is moving when half of the cars
 * with a sample are.
 */

#define NGX_F1_REPLAY_FORMATION_SCAN    (20 * 60 * 1000)
#define NGX_F1_REPLAY_FORMATION_MIN     60000
#define NGX_F1_REPLAY_GRID_MIN          5000
#define NGX_F1_REPLAY_MOVING_KMH        30

int32_t
ngx_f1_replay_session_formation(const ngx_f1_replay_session_t *s)
{
    long                           k;
    int32_t                        t, lo, still, first;
    unsigned                       i, seen, moving;
    const ngx_f1_replay_car_t     *car;
    const ngx_f1_replay_driver_t  *d;

    if (s->lights_out_ms == NGX_F1_REPLAY_NO_TIME) {
        return NGX_F1_REPLAY_NO_TIME;
    }

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    lo = s->lights_out_ms - NGX_F1_REPLAY_FORMATION_SCAN;
    if (lo < s->start_ms) {
        lo = s->start_ms;
    }

    still = 0;
    first = NGX_F1_REPLAY_NO_TIME;

    for (t = s->lights_out_ms - 1000; t >= lo; t -= 1000) {
        seen = 0;
        moving = 0;

        for (i = 0; i < s->drivers.n; i++) {
            car = ngx_f1_replay_items(s, d[i].car, ngx_f1_replay_car_t);
            k = ngx_f1_replay_session_find(car, d[i].car.n,
                                           sizeof(ngx_f1_replay_car_t), t);

            if (k < 0 || t - car[k].t > 2000) {
                continue;
            }

            seen++;
            moving += car[k].speed > NGX_F1_REPLAY_MOVING_KMH;
        }

        if (seen < 2) {
            return NGX_F1_REPLAY_NO_TIME;
        }

        if (first == NGX_F1_REPLAY_NO_TIME) {

            /* on the grid, waiting for the lights */

            if (moving * 2 < seen) {
                still += 1000;
                continue;
            }

            if (still < NGX_F1_REPLAY_GRID_MIN) {
                return NGX_F1_REPLAY_NO_TIME;
            }
        }

        if (moving * 2 >= seen) {
            first = t;
            continue;
        }

        /* standing before the formation lap: it began just after */

        return (s->lights_out_ms - first >= NGX_F1_REPLAY_FORMATION_MIN)
               ? first : NGX_F1_REPLAY_NO_TIME;
    }

    return NGX_F1_REPLAY_NO_TIME;
}


int32_t
ngx_f1_replay_session_lap_start(const ngx_f1_replay_session_t *s,
    unsigned lap)
{
    uint32_t                          i;
    const ngx_f1_replay_lap_count_t  *lc;

    if (lap == 1 && s->lights_out_ms != NGX_F1_REPLAY_NO_TIME) {
        return s->lights_out_ms;
    }

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);

    for (i = 0; i < s->lap_count.n; i++) {
        if (lc[i].current >= lap) {
            return lc[i].current == lap ? lc[i].t : NGX_F1_REPLAY_NO_TIME;
        }
    }

    return NGX_F1_REPLAY_NO_TIME;
}


unsigned
ngx_f1_replay_session_lap_at(const ngx_f1_replay_session_t *s, int32_t t)
{
    long                              k;
    const ngx_f1_replay_lap_count_t  *lc;

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);
    k = ngx_f1_replay_session_find(lc, s->lap_count.n,
                                   sizeof(ngx_f1_replay_lap_count_t), t);

    return k < 0 ? 0 : lc[k].current;
}


const char *
ngx_f1_replay_session_compound_name(unsigned compound)
{
    return compound < NGX_F1_REPLAY_COMPOUND_N
           ? ngx_f1_replay_compound_names[compound] : "UNKNOWN";
}


ngx_f1_replay_compound_e
ngx_f1_replay_session_compound(const char *name)
{
    unsigned  i;

    if (name == NULL) {
        return NGX_F1_REPLAY_COMPOUND_UNKNOWN;
    }

    if (strcmp(name, "TEST_UNKNOWN") == 0) {
        return NGX_F1_REPLAY_COMPOUND_TEST;
    }

    for (i = 1; i < NGX_F1_REPLAY_COMPOUND_N; i++) {
        if (strcmp(name, ngx_f1_replay_compound_names[i]) == 0) {
            return (ngx_f1_replay_compound_e) i;
        }
    }

    return NGX_F1_REPLAY_COMPOUND_UNKNOWN;
}


static int
ngx_f1_replay_array_valid(const ngx_f1_replay_array_t *a, size_t size,
    size_t total)
{
    if (a->n == 0) {
        return 1;
    }

    return a->off >= sizeof(ngx_f1_replay_session_t)
           && (a->off & 3) == 0
           && a->off <= total
           && (total - a->off) / size >= a->n;
}


int
ngx_f1_replay_session_valid(const ngx_f1_replay_session_t *s, size_t size)
{
    uint32_t                       i;
    const ngx_f1_replay_driver_t  *d;

    if (size < sizeof(ngx_f1_replay_session_t)
        || s->magic != NGX_F1_REPLAY_SESSION_MAGIC
        || s->version != NGX_F1_REPLAY_SESSION_VERSION
        || s->size > size)
    {
        return 0;
    }

    size = s->size;

    if (!ngx_f1_replay_array_valid(&s->drivers,
                                   sizeof(ngx_f1_replay_driver_t), size)
        || !ngx_f1_replay_array_valid(&s->lap_count,
                                   sizeof(ngx_f1_replay_lap_count_t), size)
        || !ngx_f1_replay_array_valid(&s->track_status,
                                sizeof(ngx_f1_replay_track_status_t), size)
        || !ngx_f1_replay_array_valid(&s->race_control,
                                      sizeof(ngx_f1_replay_rcm_t), size)
        || !ngx_f1_replay_array_valid(&s->weather,
                                      sizeof(ngx_f1_replay_weather_t), size)
        || !ngx_f1_replay_array_valid(&s->session_status,
                                      sizeof(ngx_f1_replay_status_t), size)
        || !ngx_f1_replay_array_valid(&s->outline,
                                      sizeof(ngx_f1_replay_point_t), size)
        || !ngx_f1_replay_array_valid(&s->events,
                                      sizeof(ngx_f1_replay_event_t), size))
    {
        return 0;
    }

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        if (!ngx_f1_replay_array_valid(&d[i].car,
                                       sizeof(ngx_f1_replay_car_t), size)
            || !ngx_f1_replay_array_valid(&d[i].pos,
                                          sizeof(ngx_f1_replay_pos_t), size)
            || !ngx_f1_replay_array_valid(&d[i].states,
                                        sizeof(ngx_f1_replay_state_t), size)
            || !ngx_f1_replay_array_valid(&d[i].stints,
                                        sizeof(ngx_f1_replay_stint_t), size))
        {
            return 0;
        }
    }

    return 1;
}


const ngx_f1_replay_driver_t *
ngx_f1_replay_session_driver(const ngx_f1_replay_session_t *s,
    unsigned number)
{
    uint32_t                       i;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        if (d[i].number == number) {
            return &d[i];
        }
    }

    return NULL;
}


long
ngx_f1_replay_session_find(const void *items, size_t n, size_t size,
    int32_t at)
{
    size_t  lo, hi, mid;

    /* every record type starts with its int32_t time */

    lo = 0;
    hi = n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (*(const int32_t *) ((const unsigned char *) items + mid * size)
            <= at)
        {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return (long) lo - 1;
}


uint32_t
ngx_f1_replay_session_events_upto(const ngx_f1_replay_session_t *s,
    int32_t at)
{
    return (uint32_t) (ngx_f1_replay_session_find(
                           ngx_f1_replay_at(s, s->events.off), s->events.n,
                           sizeof(ngx_f1_replay_event_t), at)
                       + 1);
}
