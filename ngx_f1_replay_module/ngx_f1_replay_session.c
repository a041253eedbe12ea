
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ngx_f1_replay_session.h"


#define NGX_F1_REPLAY_RECENT_RCM  10


#define ngx_f1_replay_gen(call)                                               \
    if ((call) != yajl_gen_status_ok) {                                       \
        return -1;                                                            \
    }

#define ngx_f1_replay_gen_key(g, key)                                         \
    ngx_f1_replay_gen(yajl_gen_string(g, (const unsigned char *) key,         \
                                      sizeof(key) - 1))

#define ngx_f1_replay_gen_cstr(g, s)                                          \
    ngx_f1_replay_gen(yajl_gen_string(g, (const unsigned char *) (s),         \
                                      strlen(s)))

#define ngx_f1_replay_gen_kstr(g, key, s)                                     \
    ngx_f1_replay_gen_key(g, key);                                            \
    ngx_f1_replay_gen_cstr(g, s)

#define ngx_f1_replay_gen_kint(g, key, n)                                     \
    ngx_f1_replay_gen_key(g, key);                                            \
    ngx_f1_replay_gen(yajl_gen_integer(g, (long long) (n)))

#define ngx_f1_replay_gen_kbool(g, key, b)                                    \
    ngx_f1_replay_gen_key(g, key);                                            \
    ngx_f1_replay_gen(yajl_gen_bool(g, (b) ? 1 : 0))


static int ngx_f1_replay_gen_meta(const ngx_f1_replay_session_t *s,
    yajl_gen g);
static int ngx_f1_replay_gen_outline(const ngx_f1_replay_session_t *s,
    yajl_gen g);
static int ngx_f1_replay_gen_time(yajl_gen g, int32_t t);
static int ngx_f1_replay_gen_utc(yajl_gen g, int64_t ms);
static int ngx_f1_replay_gen_lap_ms(yajl_gen g, int32_t ms);
static int ngx_f1_replay_gen_gap(yajl_gen g, const char *ms_key,
    const char *laps_key, int32_t gap);
static int ngx_f1_replay_gen_rcm(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_rcm_t *m, yajl_gen g);
static int ngx_f1_replay_gen_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, const ngx_f1_replay_state_t *st,
    yajl_gen g);
static int ngx_f1_replay_array_valid(const ngx_f1_replay_array_t *a,
    size_t size, size_t total);


static const char *const  ngx_f1_replay_compound_names[] = {
    "UNKNOWN", "HYPERSOFT", "ULTRASOFT", "SUPERSOFT", "SOFT", "MEDIUM",
    "HARD", "INTERMEDIATE", "WET", "TEST"
};


static const char *const  ngx_f1_replay_utc0_sources[] = {
    "none", "car_data", "heartbeat", "race_control"
};


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


void
ngx_f1_replay_session_format_time(int32_t t, char *buf, size_t len)
{
    unsigned  ms;

    if (t == NGX_F1_REPLAY_NO_TIME) {
        snprintf(buf, len, "-");
        return;
    }

    ms = t < 0 ? (unsigned) -(int64_t) t : (unsigned) t;

    snprintf(buf, len, "%s%02u:%02u:%02u.%03u", t < 0 ? "-" : "",
             ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
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
                                      sizeof(ngx_f1_replay_point_t), size))
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


static int
ngx_f1_replay_gen_time(yajl_gen g, int32_t t)
{
    char  buf[32];

    if (t == NGX_F1_REPLAY_NO_TIME) {
        ngx_f1_replay_gen(yajl_gen_null(g));
        return 0;
    }

    ngx_f1_replay_session_format_time(t, buf, sizeof(buf));
    ngx_f1_replay_gen_cstr(g, buf);

    return 0;
}


static int
ngx_f1_replay_gen_utc(yajl_gen g, int64_t ms)
{
    char       buf[96];
    time_t     sec;
    struct tm  tm;

    sec = (time_t) (ms >= 0 ? ms / 1000 : (ms - 999) / 1000);

    if (gmtime_r(&sec, &tm) == NULL) {
        ngx_f1_replay_gen(yajl_gen_null(g));
        return 0;
    }

    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int) (ms - (int64_t) sec * 1000));

    ngx_f1_replay_gen_cstr(g, buf);

    return 0;
}


static int
ngx_f1_replay_gen_lap_ms(yajl_gen g, int32_t ms)
{
    if (ms < 0) {
        ngx_f1_replay_gen(yajl_gen_null(g));

    } else {
        ngx_f1_replay_gen(yajl_gen_integer(g, ms));
    }

    return 0;
}


/* "gap_ms":1234,"gap_laps":null: ms, or laps behind, or both null */

static int
ngx_f1_replay_gen_gap(yajl_gen g, const char *ms_key, const char *laps_key,
    int32_t gap)
{
    ngx_f1_replay_gen_cstr(g, ms_key);

    if (gap >= 0) {
        ngx_f1_replay_gen(yajl_gen_integer(g, gap));

    } else {
        ngx_f1_replay_gen(yajl_gen_null(g));
    }

    ngx_f1_replay_gen_cstr(g, laps_key);

    if (ngx_f1_replay_gap_laps(gap)) {
        ngx_f1_replay_gen(yajl_gen_integer(g, ngx_f1_replay_gap_laps(gap)));

    } else {
        ngx_f1_replay_gen(yajl_gen_null(g));
    }

    return 0;
}


/* the session's metadata, as members of the open map */

static int
ngx_f1_replay_gen_meta(const ngx_f1_replay_session_t *s, yajl_gen g)
{
    const ngx_f1_replay_lap_count_t  *lc;

    ngx_f1_replay_gen_kstr(g, "meeting", ngx_f1_replay_str(s, s->meeting));
    ngx_f1_replay_gen_kstr(g, "official_name",
                           ngx_f1_replay_str(s, s->official_name));
    ngx_f1_replay_gen_kstr(g, "location", ngx_f1_replay_str(s, s->location));
    ngx_f1_replay_gen_kstr(g, "country", ngx_f1_replay_str(s, s->country));
    ngx_f1_replay_gen_kstr(g, "circuit", ngx_f1_replay_str(s, s->circuit));
    ngx_f1_replay_gen_kstr(g, "session_type",
                           ngx_f1_replay_str(s, s->session_type));
    ngx_f1_replay_gen_kstr(g, "session_name",
                           ngx_f1_replay_str(s, s->session_name));
    ngx_f1_replay_gen_kstr(g, "start_date",
                           ngx_f1_replay_str(s, s->start_date));
    ngx_f1_replay_gen_kstr(g, "gmt_offset",
                           ngx_f1_replay_str(s, s->gmt_offset));

    ngx_f1_replay_gen_key(g, "utc0");
    if (s->utc0_source == NGX_F1_REPLAY_UTC0_NONE) {
        ngx_f1_replay_gen(yajl_gen_null(g));

    } else if (ngx_f1_replay_gen_utc(g, s->utc0_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_kstr(g, "utc0_source",
                           ngx_f1_replay_utc0_sources[s->utc0_source & 3]);

    ngx_f1_replay_gen_key(g, "start");
    if (ngx_f1_replay_gen_time(g, s->start_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "end");
    if (ngx_f1_replay_gen_time(g, s->end_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "lights_out");
    if (ngx_f1_replay_gen_time(g, s->lights_out_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_kint(g, "total_laps", s->total_laps);

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);
    ngx_f1_replay_gen_kint(g, "last_lap",
                           s->lap_count.n ? lc[s->lap_count.n - 1].current
                                          : 0);

    ngx_f1_replay_gen_kbool(g, "car_data",
                            s->flags & NGX_F1_REPLAY_HAS_CAR_DATA);
    ngx_f1_replay_gen_kbool(g, "position_data",
                            s->flags & NGX_F1_REPLAY_HAS_POSITION);
    ngx_f1_replay_gen_kbool(g, "timing_only",
                            !(s->flags & (NGX_F1_REPLAY_HAS_CAR_DATA
                                          | NGX_F1_REPLAY_HAS_POSITION)));
    return 0;
}


/* "outline":{"points":n,"driver":d,"lap":l,"xy":[x0,y0,x1,y1,...]} */

static int
ngx_f1_replay_gen_outline(const ngx_f1_replay_session_t *s, yajl_gen g)
{
    uint32_t                      i;
    const ngx_f1_replay_point_t  *pt;

    ngx_f1_replay_gen_key(g, "outline");
    ngx_f1_replay_gen(yajl_gen_map_open(g));
    ngx_f1_replay_gen_kint(g, "points", s->outline.n);
    ngx_f1_replay_gen_kint(g, "driver", s->outline_driver);
    ngx_f1_replay_gen_kint(g, "lap", s->outline_lap);

    /* x0, y0, x1, y1, ... in decimetres */

    ngx_f1_replay_gen_key(g, "xy");
    ngx_f1_replay_gen(yajl_gen_array_open(g));

    pt = ngx_f1_replay_items(s, s->outline, ngx_f1_replay_point_t);

    for (i = 0; i < s->outline.n; i++) {
        ngx_f1_replay_gen(yajl_gen_integer(g, pt[i].x));
        ngx_f1_replay_gen(yajl_gen_integer(g, pt[i].y));
    }

    ngx_f1_replay_gen(yajl_gen_array_close(g));
    ngx_f1_replay_gen(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_session_summary(const ngx_f1_replay_session_t *s, yajl_gen g)
{
    char                                 buf[16];
    uint32_t                             i, j;
    const ngx_f1_replay_stint_t         *stint;
    const ngx_f1_replay_state_t         *st, *last;
    const ngx_f1_replay_driver_t        *d;
    const ngx_f1_replay_track_status_t  *ts;

    ngx_f1_replay_gen(yajl_gen_map_open(g));

    if (ngx_f1_replay_gen_meta(s, g) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "formation_lap");
    if (ngx_f1_replay_gen_time(g, ngx_f1_replay_session_formation(s)) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_kint(g, "skipped_lines", s->warnings);
    ngx_f1_replay_gen_kint(g, "bytes", s->size);
    ngx_f1_replay_gen_kint(g, "race_control_messages", s->race_control.n);
    ngx_f1_replay_gen_kint(g, "weather_samples", s->weather.n);

    if (ngx_f1_replay_gen_outline(s, g) != 0) {
        return -1;
    }

    /* track-status periods */

    ngx_f1_replay_gen_key(g, "track_status");
    ngx_f1_replay_gen(yajl_gen_array_open(g));

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);

    for (i = 0; i < s->track_status.n; i++) {
        ngx_f1_replay_gen(yajl_gen_map_open(g));
        ngx_f1_replay_gen_key(g, "from");
        if (ngx_f1_replay_gen_time(g, ts[i].t) != 0) {
            return -1;
        }

        ngx_f1_replay_gen_key(g, "to");
        if (ngx_f1_replay_gen_time(g, i + 1 < s->track_status.n
                                      ? ts[i + 1].t : NGX_F1_REPLAY_NO_TIME)
            != 0)
        {
            return -1;
        }

        ngx_f1_replay_gen_kint(g, "status", ts[i].status);
        ngx_f1_replay_gen_kstr(g, "message",
                               ngx_f1_replay_str(s, ts[i].message));
        ngx_f1_replay_gen(yajl_gen_map_close(g));
    }

    ngx_f1_replay_gen(yajl_gen_array_close(g));

    /* drivers, in driver-list order */

    ngx_f1_replay_gen_key(g, "drivers");
    ngx_f1_replay_gen(yajl_gen_array_open(g));

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        st = ngx_f1_replay_items(s, d[i].states, ngx_f1_replay_state_t);
        last = d[i].states.n ? &st[d[i].states.n - 1] : NULL;

        ngx_f1_replay_gen(yajl_gen_map_open(g));
        ngx_f1_replay_gen_kint(g, "number", d[i].number);
        ngx_f1_replay_gen_kstr(g, "tla", d[i].tla);
        ngx_f1_replay_gen_kstr(g, "name",
                               ngx_f1_replay_str(s, d[i].full_name));
        ngx_f1_replay_gen_kstr(g, "team", ngx_f1_replay_str(s, d[i].team));

        snprintf(buf, sizeof(buf), "%06X", (unsigned) d[i].colour);
        ngx_f1_replay_gen_kstr(g, "colour", buf);

        ngx_f1_replay_gen_kint(g, "car_samples", d[i].car.n);
        ngx_f1_replay_gen_kint(g, "position_samples", d[i].pos.n);

        ngx_f1_replay_gen_key(g, "first_sample");
        if (ngx_f1_replay_gen_time(g, d[i].car.n
                ? ngx_f1_replay_items(s, d[i].car, ngx_f1_replay_car_t)[0].t
                : NGX_F1_REPLAY_NO_TIME) != 0)
        {
            return -1;
        }

        ngx_f1_replay_gen_key(g, "last_sample");
        if (ngx_f1_replay_gen_time(g, d[i].car.n
                ? ngx_f1_replay_items(s, d[i].car,
                                      ngx_f1_replay_car_t)[d[i].car.n - 1].t
                : NGX_F1_REPLAY_NO_TIME) != 0)
        {
            return -1;
        }

        ngx_f1_replay_gen_kint(g, "laps", last ? last->laps : 0);
        ngx_f1_replay_gen_kint(g, "position", last ? last->position : 0);
        ngx_f1_replay_gen_kbool(g, "retired",
                                last && (last->flags
                                         & NGX_F1_REPLAY_RETIRED));
        ngx_f1_replay_gen_kint(g, "pit_stops", last ? last->pit_stops : 0);

        /* pit entries: where InPit turns true */

        ngx_f1_replay_gen_key(g, "pit_in");
        ngx_f1_replay_gen(yajl_gen_array_open(g));

        for (j = 0; j < d[i].states.n; j++) {
            if ((st[j].flags & NGX_F1_REPLAY_IN_PIT)
                && (j == 0 || !(st[j - 1].flags & NGX_F1_REPLAY_IN_PIT))
                && st[j].laps > 0)
            {
                if (ngx_f1_replay_gen_time(g, st[j].t) != 0) {
                    return -1;
                }
            }
        }

        ngx_f1_replay_gen(yajl_gen_array_close(g));

        ngx_f1_replay_gen_key(g, "stints");
        ngx_f1_replay_gen(yajl_gen_array_open(g));

        stint = ngx_f1_replay_items(s, d[i].stints, ngx_f1_replay_stint_t);

        for (j = 0; j < d[i].stints.n; j++) {
            ngx_f1_replay_gen(yajl_gen_map_open(g));
            ngx_f1_replay_gen_kstr(g, "compound",
                                   ngx_f1_replay_session_compound_name(
                                       stint[j].compound));
            ngx_f1_replay_gen_key(g, "new");
            if (stint[j].tyre_new == 2) {
                ngx_f1_replay_gen(yajl_gen_null(g));

            } else {
                ngx_f1_replay_gen(yajl_gen_bool(g, stint[j].tyre_new));
            }

            ngx_f1_replay_gen_key(g, "from");
            if (ngx_f1_replay_gen_time(g, stint[j].t) != 0) {
                return -1;
            }

            ngx_f1_replay_gen_kint(g, "start_lap", stint[j].start_lap);
            ngx_f1_replay_gen_kint(g, "start_age", stint[j].start_age);
            ngx_f1_replay_gen_kint(g, "total_laps", stint[j].total_laps);
            ngx_f1_replay_gen(yajl_gen_map_close(g));
        }

        ngx_f1_replay_gen(yajl_gen_array_close(g));
        ngx_f1_replay_gen(yajl_gen_map_close(g));
    }

    ngx_f1_replay_gen(yajl_gen_array_close(g));

    /* final classification: by last known position, unplaced last */

    ngx_f1_replay_gen_key(g, "classification");
    ngx_f1_replay_gen(yajl_gen_array_open(g));

    for (j = 1; j < 256; j++) {
        for (i = 0; i < s->drivers.n; i++) {
            if (d[i].states.n
                && ngx_f1_replay_items(s, d[i].states,
                       ngx_f1_replay_state_t)[d[i].states.n - 1].position
                   == j)
            {
                ngx_f1_replay_gen_cstr(g, d[i].tla);
            }
        }
    }

    ngx_f1_replay_gen(yajl_gen_array_close(g));

    ngx_f1_replay_gen(yajl_gen_map_close(g));

    return 0;
}


static int
ngx_f1_replay_gen_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, const ngx_f1_replay_state_t *st,
    yajl_gen g)
{
    ngx_f1_replay_gen(yajl_gen_map_open(g));
    ngx_f1_replay_gen_kint(g, "number", d->number);
    ngx_f1_replay_gen_kstr(g, "tla", d->tla);

    if (st == NULL) {
        ngx_f1_replay_gen(yajl_gen_map_close(g));
        return 0;
    }

    ngx_f1_replay_gen_kint(g, "position", st->position);
    ngx_f1_replay_gen_kint(g, "laps", st->laps);

    if (ngx_f1_replay_gen_gap(g, "gap_ms", "gap_laps", st->gap) != 0
        || ngx_f1_replay_gen_gap(g, "interval_ms", "interval_laps",
                                 st->interval)
           != 0)
    {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "last_lap_ms");
    if (ngx_f1_replay_gen_lap_ms(g, st->last_lap_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "best_lap_ms");
    if (ngx_f1_replay_gen_lap_ms(g, st->best_lap_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_kbool(g, "in_pit", st->flags & NGX_F1_REPLAY_IN_PIT);
    ngx_f1_replay_gen_kbool(g, "pit_out", st->flags & NGX_F1_REPLAY_PIT_OUT);
    ngx_f1_replay_gen_kbool(g, "retired", st->flags & NGX_F1_REPLAY_RETIRED);
    ngx_f1_replay_gen_kbool(g, "stopped", st->flags & NGX_F1_REPLAY_STOPPED);
    ngx_f1_replay_gen_kint(g, "pit_stops", st->pit_stops);
    ngx_f1_replay_gen_kint(g, "stint", st->stints);
    ngx_f1_replay_gen_kstr(g, "compound",
                           ngx_f1_replay_session_compound_name(st->compound));

    ngx_f1_replay_gen_key(g, "tyre_new");
    if (st->tyre_new == 2) {
        ngx_f1_replay_gen(yajl_gen_null(g));

    } else {
        ngx_f1_replay_gen(yajl_gen_bool(g, st->tyre_new));
    }

    ngx_f1_replay_gen_kint(g, "tyre_age", st->tyre_age);
    ngx_f1_replay_gen(yajl_gen_map_close(g));

    return 0;
}


static int
ngx_f1_replay_gen_rcm(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_rcm_t *m, yajl_gen g)
{
    ngx_f1_replay_gen(yajl_gen_map_open(g));

    ngx_f1_replay_gen_key(g, "time");
    if (ngx_f1_replay_gen_time(g, m->t) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "utc");
    if (m->utc_ms < 0) {
        ngx_f1_replay_gen(yajl_gen_null(g));

    } else if (ngx_f1_replay_gen_utc(g, m->utc_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "lap");
    if (m->lap < 0) {
        ngx_f1_replay_gen(yajl_gen_null(g));

    } else {
        ngx_f1_replay_gen(yajl_gen_integer(g, m->lap));
    }

    ngx_f1_replay_gen_kstr(g, "category", ngx_f1_replay_str(s, m->category));
    ngx_f1_replay_gen_kstr(g, "flag", ngx_f1_replay_str(s, m->flag));
    ngx_f1_replay_gen_kstr(g, "scope", ngx_f1_replay_str(s, m->scope));

    if (m->sector >= 0) {
        ngx_f1_replay_gen_kint(g, "sector", m->sector);
    }

    if (m->racing_number) {
        ngx_f1_replay_gen_kint(g, "racing_number", m->racing_number);
    }

    ngx_f1_replay_gen_kstr(g, "message", ngx_f1_replay_str(s, m->message));
    ngx_f1_replay_gen(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_session_state(const ngx_f1_replay_session_t *s, int32_t t,
    const char *type, yajl_gen g)
{
    long                                 k;
    unsigned                             pos;
    uint32_t                             i, n;
    const ngx_f1_replay_rcm_t           *rcm;
    const ngx_f1_replay_status_t        *ss;
    const ngx_f1_replay_state_t         *st, *cur[256];
    const ngx_f1_replay_driver_t        *d;
    const ngx_f1_replay_weather_t       *w;
    const ngx_f1_replay_lap_count_t     *lc;
    const ngx_f1_replay_track_status_t  *ts;

    ngx_f1_replay_gen(yajl_gen_map_open(g));

    if (type != NULL) {
        ngx_f1_replay_gen_kstr(g, "type", type);
    }

    ngx_f1_replay_gen_kint(g, "t", t);
    ngx_f1_replay_gen_key(g, "time");
    if (ngx_f1_replay_gen_time(g, t) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "utc");
    if (s->utc0_source == NGX_F1_REPLAY_UTC0_NONE) {
        ngx_f1_replay_gen(yajl_gen_null(g));

    } else if (ngx_f1_replay_gen_utc(g, s->utc0_ms + t) != 0) {
        return -1;
    }

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);
    k = ngx_f1_replay_session_find(lc, s->lap_count.n,
                                   sizeof(ngx_f1_replay_lap_count_t), t);

    ngx_f1_replay_gen_kint(g, "lap", k >= 0 ? lc[k].current : 0);
    ngx_f1_replay_gen_kint(g, "total_laps", s->total_laps);

    ss = ngx_f1_replay_items(s, s->session_status, ngx_f1_replay_status_t);
    k = ngx_f1_replay_session_find(ss, s->session_status.n,
                                   sizeof(ngx_f1_replay_status_t), t);

    ngx_f1_replay_gen_kstr(g, "session_status",
                           k >= 0 ? ngx_f1_replay_str(s, ss[k].status) : "");

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);
    k = ngx_f1_replay_session_find(ts, s->track_status.n,
                                   sizeof(ngx_f1_replay_track_status_t), t);

    ngx_f1_replay_gen_key(g, "track_status");
    ngx_f1_replay_gen(yajl_gen_map_open(g));
    ngx_f1_replay_gen_kint(g, "status", k >= 0 ? ts[k].status : 1);
    ngx_f1_replay_gen_kstr(g, "message",
                           k >= 0 ? ngx_f1_replay_str(s, ts[k].message)
                                  : "");
    ngx_f1_replay_gen_key(g, "since");
    if (ngx_f1_replay_gen_time(g, k >= 0 ? ts[k].t : NGX_F1_REPLAY_NO_TIME)
        != 0)
    {
        return -1;
    }
    ngx_f1_replay_gen(yajl_gen_map_close(g));

    w = ngx_f1_replay_items(s, s->weather, ngx_f1_replay_weather_t);
    k = ngx_f1_replay_session_find(w, s->weather.n,
                                   sizeof(ngx_f1_replay_weather_t), t);

    ngx_f1_replay_gen_key(g, "weather");

    if (k < 0) {
        ngx_f1_replay_gen(yajl_gen_null(g));

    } else {
        ngx_f1_replay_gen(yajl_gen_map_open(g));
        ngx_f1_replay_gen_key(g, "air_temp");
        ngx_f1_replay_gen(yajl_gen_double(g, w[k].air_temp));
        ngx_f1_replay_gen_key(g, "track_temp");
        ngx_f1_replay_gen(yajl_gen_double(g, w[k].track_temp));
        ngx_f1_replay_gen_key(g, "humidity");
        ngx_f1_replay_gen(yajl_gen_double(g, w[k].humidity));
        ngx_f1_replay_gen_key(g, "pressure");
        ngx_f1_replay_gen(yajl_gen_double(g, w[k].pressure));
        ngx_f1_replay_gen_key(g, "wind_speed");
        ngx_f1_replay_gen(yajl_gen_double(g, w[k].wind_speed));
        ngx_f1_replay_gen_key(g, "wind_direction");
        ngx_f1_replay_gen(yajl_gen_double(g, w[k].wind_direction));
        ngx_f1_replay_gen_kbool(g, "rainfall", w[k].rainfall);
        ngx_f1_replay_gen(yajl_gen_map_close(g));
    }

    /* cars in running order; cars with no position yet at the end */

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);
    n = s->drivers.n < 256 ? s->drivers.n : 256;

    for (i = 0; i < n; i++) {
        st = ngx_f1_replay_items(s, d[i].states, ngx_f1_replay_state_t);
        k = ngx_f1_replay_session_find(st, d[i].states.n,
                                       sizeof(ngx_f1_replay_state_t), t);
        cur[i] = k >= 0 ? &st[k] : NULL;
    }

    ngx_f1_replay_gen_key(g, "cars");
    ngx_f1_replay_gen(yajl_gen_array_open(g));

    for (pos = 1; pos <= 256; pos++) {
        for (i = 0; i < n; i++) {
            if ((pos < 256 && cur[i] && cur[i]->position == pos)
                || (pos == 256 && (cur[i] == NULL || cur[i]->position == 0)))
            {
                if (ngx_f1_replay_gen_car(s, &d[i], cur[i], g) != 0) {
                    return -1;
                }
            }
        }
    }

    ngx_f1_replay_gen(yajl_gen_array_close(g));

    /* the most recent race-control messages, oldest first */

    rcm = ngx_f1_replay_items(s, s->race_control, ngx_f1_replay_rcm_t);
    k = ngx_f1_replay_session_find(rcm, s->race_control.n,
                                   sizeof(ngx_f1_replay_rcm_t), t);

    ngx_f1_replay_gen_key(g, "race_control");
    ngx_f1_replay_gen(yajl_gen_array_open(g));

    for (i = (k + 1 > NGX_F1_REPLAY_RECENT_RCM)
             ? (uint32_t) (k + 1 - NGX_F1_REPLAY_RECENT_RCM) : 0;
         (long) i <= k;
         i++)
    {
        if (ngx_f1_replay_gen_rcm(s, &rcm[i], g) != 0) {
            return -1;
        }
    }

    ngx_f1_replay_gen(yajl_gen_array_close(g));

    ngx_f1_replay_gen(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_session_hello(const ngx_f1_replay_session_t *s,
    unsigned tick_rate, const ngx_f1_replay_clock_t *clk,
    const ngx_f1_replay_clock_pos_t *pos, int32_t delay_ms, yajl_gen g)
{
    char                           buf[16];
    uint32_t                       i;
    const ngx_f1_replay_driver_t  *d;

    ngx_f1_replay_gen(yajl_gen_map_open(g));
    ngx_f1_replay_gen_kstr(g, "type", "hello");
    ngx_f1_replay_gen_kint(g, "protocol", NGX_F1_REPLAY_PROTOCOL);

    ngx_f1_replay_gen_key(g, "session");
    ngx_f1_replay_gen(yajl_gen_map_open(g));
    if (ngx_f1_replay_gen_meta(s, g) != 0) {
        return -1;
    }
    ngx_f1_replay_gen(yajl_gen_map_close(g));

    ngx_f1_replay_gen_key(g, "drivers");
    ngx_f1_replay_gen(yajl_gen_array_open(g));

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        ngx_f1_replay_gen(yajl_gen_map_open(g));
        ngx_f1_replay_gen_kint(g, "number", d[i].number);
        ngx_f1_replay_gen_kstr(g, "tla", d[i].tla);
        ngx_f1_replay_gen_kstr(g, "name",
                               ngx_f1_replay_str(s, d[i].full_name));
        ngx_f1_replay_gen_kstr(g, "broadcast_name",
                               ngx_f1_replay_str(s, d[i].broadcast_name));
        ngx_f1_replay_gen_kstr(g, "team", ngx_f1_replay_str(s, d[i].team));

        snprintf(buf, sizeof(buf), "%06X", (unsigned) d[i].colour);
        ngx_f1_replay_gen_kstr(g, "colour", buf);
        ngx_f1_replay_gen(yajl_gen_map_close(g));
    }

    ngx_f1_replay_gen(yajl_gen_array_close(g));

    if (ngx_f1_replay_gen_outline(s, g) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_kint(g, "tick_rate", tick_rate);

    ngx_f1_replay_gen_key(g, "clock");
    if (ngx_f1_replay_session_clock(s, clk, pos, delay_ms, NULL, g) != 0) {
        return -1;
    }

    ngx_f1_replay_gen(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_session_clock(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_clock_t *clk, const ngx_f1_replay_clock_pos_t *pos,
    int32_t delay_ms, const char *type, yajl_gen g)
{
    ngx_f1_replay_gen(yajl_gen_map_open(g));

    if (type) {
        ngx_f1_replay_gen_kstr(g, "type", type);
    }

    ngx_f1_replay_gen_kint(g, "tick", pos->tick);
    ngx_f1_replay_gen_kint(g, "t", pos->t);
    ngx_f1_replay_gen_key(g, "time");
    if (ngx_f1_replay_gen_time(g, pos->t) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_kint(g, "lap", ngx_f1_replay_session_lap_at(s, pos->t));
    ngx_f1_replay_gen_kstr(g, "state",
                           ngx_f1_replay_clock_state_name(pos->state));
    ngx_f1_replay_gen_key(g, "speed");
    ngx_f1_replay_gen(yajl_gen_double(g, (pos->speed ? pos->speed
                                          : clk->seg[pos->seg
                                              % NGX_F1_REPLAY_CLOCK_SEGS]
                                            .resume_speed)
                                         / 1000.0));
    ngx_f1_replay_gen_kbool(g, "loop", pos->loop);
    ngx_f1_replay_gen_kstr(g, "reason",
                           ngx_f1_replay_clock_op_name(pos->reason));
    ngx_f1_replay_gen_kint(g, "change", pos->seg);
    ngx_f1_replay_gen_kint(g, "delay_ms", delay_ms);

    ngx_f1_replay_gen_key(g, "start");
    if (ngx_f1_replay_gen_time(g, clk->start_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "end");
    if (ngx_f1_replay_gen_time(g, clk->end_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_gen_key(g, "anchor");
    if (clk->anchor_ms) {
        if (ngx_f1_replay_gen_utc(g, clk->anchor_ms) != 0) {
            return -1;
        }

    } else {
        ngx_f1_replay_gen(yajl_gen_null(g));
    }

    ngx_f1_replay_gen(yajl_gen_map_close(g));

    return 0;
}


/*
 * The race events in (from, to]: one JSON object per event, each a
 * complete value for the generator (the caller takes the buffer and
 * resets it after every call of emit).  Events, in this order for the
 * same instant: track status, race control, weather, then per car (in
 * driver-list order) pit in, pit out, lap completed, new stint.
 */

typedef struct {
    const ngx_f1_replay_session_t  *s;
    yajl_gen                        g;
    ngx_f1_replay_event_pt          emit;
    void                           *ctx;
} ngx_f1_replay_events_t;


static int
ngx_f1_replay_event_open(ngx_f1_replay_events_t *ev, const char *name,
    int32_t t)
{
    yajl_gen  g = ev->g;

    ngx_f1_replay_gen(yajl_gen_map_open(g));
    ngx_f1_replay_gen_kstr(g, "type", "event");
    ngx_f1_replay_gen_kstr(g, "event", name);
    ngx_f1_replay_gen_kint(g, "t", t);
    ngx_f1_replay_gen_key(g, "time");

    return ngx_f1_replay_gen_time(g, t);
}


static int
ngx_f1_replay_event_close(ngx_f1_replay_events_t *ev)
{
    ngx_f1_replay_gen(yajl_gen_map_close(ev->g));

    return ev->emit(ev->ctx, ev->g);
}


int
ngx_f1_replay_session_events(const ngx_f1_replay_session_t *s, int32_t from,
    int32_t to, yajl_gen g, ngx_f1_replay_event_pt emit, void *ctx)
{
    long                                 k;
    uint32_t                             i, n;
    ngx_f1_replay_events_t               ev;
    const ngx_f1_replay_rcm_t           *rcm;
    const ngx_f1_replay_state_t         *st, *prev;
    const ngx_f1_replay_stint_t         *stint;
    const ngx_f1_replay_driver_t        *d;
    const ngx_f1_replay_weather_t       *w;
    const ngx_f1_replay_track_status_t  *ts;

    if (to <= from) {
        return 0;
    }

    ev.s = s;
    ev.g = g;
    ev.emit = emit;
    ev.ctx = ctx;

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);
    k = ngx_f1_replay_session_find(ts, s->track_status.n,
                                   sizeof(ngx_f1_replay_track_status_t),
                                   from);

    for (i = (uint32_t) (k + 1); i < s->track_status.n && ts[i].t <= to;
         i++)
    {
        if (ngx_f1_replay_event_open(&ev, "track_status", ts[i].t) != 0) {
            return -1;
        }

        ngx_f1_replay_gen_kint(g, "status", ts[i].status);
        ngx_f1_replay_gen_kstr(g, "message",
                               ngx_f1_replay_str(s, ts[i].message));

        if (ngx_f1_replay_event_close(&ev) != 0) {
            return -1;
        }
    }

    rcm = ngx_f1_replay_items(s, s->race_control, ngx_f1_replay_rcm_t);
    k = ngx_f1_replay_session_find(rcm, s->race_control.n,
                                   sizeof(ngx_f1_replay_rcm_t), from);

    for (i = (uint32_t) (k + 1); i < s->race_control.n && rcm[i].t <= to;
         i++)
    {
        if (ngx_f1_replay_event_open(&ev, "race_control", rcm[i].t) != 0) {
            return -1;
        }

        ngx_f1_replay_gen_key(g, "message");
        if (ngx_f1_replay_gen_rcm(s, &rcm[i], g) != 0
            || ngx_f1_replay_event_close(&ev) != 0)
        {
            return -1;
        }
    }

    w = ngx_f1_replay_items(s, s->weather, ngx_f1_replay_weather_t);
    k = ngx_f1_replay_session_find(w, s->weather.n,
                                   sizeof(ngx_f1_replay_weather_t), from);

    for (i = (uint32_t) (k + 1); i < s->weather.n && w[i].t <= to; i++) {
        if (ngx_f1_replay_event_open(&ev, "weather", w[i].t) != 0) {
            return -1;
        }

        ngx_f1_replay_gen_key(g, "air_temp");
        ngx_f1_replay_gen(yajl_gen_double(g, w[i].air_temp));
        ngx_f1_replay_gen_key(g, "track_temp");
        ngx_f1_replay_gen(yajl_gen_double(g, w[i].track_temp));
        ngx_f1_replay_gen_key(g, "humidity");
        ngx_f1_replay_gen(yajl_gen_double(g, w[i].humidity));
        ngx_f1_replay_gen_key(g, "wind_speed");
        ngx_f1_replay_gen(yajl_gen_double(g, w[i].wind_speed));
        ngx_f1_replay_gen_kbool(g, "rainfall", w[i].rainfall);

        if (ngx_f1_replay_event_close(&ev) != 0) {
            return -1;
        }
    }

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (n = 0; n < s->drivers.n; n++) {
        st = ngx_f1_replay_items(s, d[n].states, ngx_f1_replay_state_t);
        stint = ngx_f1_replay_items(s, d[n].stints, ngx_f1_replay_stint_t);
        k = ngx_f1_replay_session_find(st, d[n].states.n,
                                       sizeof(ngx_f1_replay_state_t), from);

        for (i = (uint32_t) (k + 1); i < d[n].states.n && st[i].t <= to;
             i++)
        {
            prev = i ? &st[i - 1] : NULL;

#define ngx_f1_replay_car_event(name)                                         \
            if (ngx_f1_replay_event_open(&ev, name, st[i].t) != 0) {          \
                return -1;                                                    \
            }                                                                 \
            ngx_f1_replay_gen_kint(g, "driver", d[n].number);                 \
            ngx_f1_replay_gen_kstr(g, "tla", d[n].tla)

            if ((st[i].flags & NGX_F1_REPLAY_IN_PIT)
                && !(prev && (prev->flags & NGX_F1_REPLAY_IN_PIT)))
            {
                ngx_f1_replay_car_event("pit_in");
                ngx_f1_replay_gen_kint(g, "lap", st[i].laps);

                if (ngx_f1_replay_event_close(&ev) != 0) {
                    return -1;
                }
            }

            if ((st[i].flags & NGX_F1_REPLAY_PIT_OUT)
                && !(prev && (prev->flags & NGX_F1_REPLAY_PIT_OUT)))
            {
                ngx_f1_replay_car_event("pit_out");
                ngx_f1_replay_gen_kint(g, "pit_stops", st[i].pit_stops);

                if (ngx_f1_replay_event_close(&ev) != 0) {
                    return -1;
                }
            }

            if (prev && st[i].laps > prev->laps) {
                ngx_f1_replay_car_event("lap");
                ngx_f1_replay_gen_kint(g, "lap", st[i].laps);
                ngx_f1_replay_gen_kint(g, "position", st[i].position);
                ngx_f1_replay_gen_key(g, "lap_time_ms");

                if (ngx_f1_replay_gen_lap_ms(g, st[i].last_lap_ms) != 0
                    || ngx_f1_replay_event_close(&ev) != 0)
                {
                    return -1;
                }
            }

            if (st[i].stints > (prev ? prev->stints : 0)) {
                ngx_f1_replay_car_event("stint");
                ngx_f1_replay_gen_kint(g, "stint", st[i].stints);
                ngx_f1_replay_gen_kstr(g, "compound",
                    ngx_f1_replay_session_compound_name(
                        st[i].stints <= d[n].stints.n
                        ? stint[st[i].stints - 1].compound
                        : st[i].compound));
                ngx_f1_replay_gen_key(g, "new");

                if (st[i].tyre_new == 2) {
                    ngx_f1_replay_gen(yajl_gen_null(g));

                } else {
                    ngx_f1_replay_gen(yajl_gen_bool(g, st[i].tyre_new));
                }

                if (ngx_f1_replay_event_close(&ev) != 0) {
                    return -1;
                }
            }

#undef ngx_f1_replay_car_event
        }
    }

    return 0;
}
