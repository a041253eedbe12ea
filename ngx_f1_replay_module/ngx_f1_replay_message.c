
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_time.h"


#define NGX_F1_REPLAY_MESSAGE_RECENT_RCM  10   /* in a state */
#define NGX_F1_REPLAY_MESSAGE_MAX_CARS    256  /* in a state */


static int ngx_f1_replay_message_meta(const ngx_f1_replay_session_t *s,
    yajl_gen g);
static int ngx_f1_replay_message_outline(const ngx_f1_replay_session_t *s,
    yajl_gen g);
static int ngx_f1_replay_message_periods(const ngx_f1_replay_session_t *s,
    yajl_gen g);
static int ngx_f1_replay_message_driver(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, yajl_gen g);
static int ngx_f1_replay_message_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, const ngx_f1_replay_state_t *st,
    unsigned stops, yajl_gen g);
static int ngx_f1_replay_message_track(const ngx_f1_replay_session_t *s,
    int32_t t, yajl_gen g);
static int ngx_f1_replay_message_cars(const ngx_f1_replay_session_t *s,
    int32_t t, yajl_gen g);


static const char *const  ngx_f1_replay_message_utc0[] = {
    "none", "car_data", "heartbeat", "race_control"
};


/* "HH:MM:SS.mmm", or null for NO_TIME */

int
ngx_f1_replay_message_time(yajl_gen g, int32_t t)
{
    char    buf[NGX_F1_REPLAY_TIME_BUF];
    size_t  len;

    if (t == NGX_F1_REPLAY_NO_TIME) {
        ngx_f1_replay_yajl(yajl_gen_null(g));
        return 0;
    }

    len = ngx_f1_replay_time_format(t, buf);
    ngx_f1_replay_yajl(yajl_gen_string(g, (const unsigned char *) buf, len));

    return 0;
}


int
ngx_f1_replay_message_utc(yajl_gen g, int64_t ms)
{
    char    buf[NGX_F1_REPLAY_TIME_UTC_LEN];
    size_t  len;

    len = ngx_f1_replay_time_format_utc(ms, buf);

    if (len == 0) {
        ngx_f1_replay_yajl(yajl_gen_null(g));
        return 0;
    }

    ngx_f1_replay_yajl(yajl_gen_string(g, (const unsigned char *) buf, len));

    return 0;
}


/* a duration in ms, or null when negative (none) */

int
ngx_f1_replay_message_ms(yajl_gen g, int32_t ms)
{
    if (ms < 0) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else {
        ngx_f1_replay_yajl(yajl_gen_integer(g, ms));
    }

    return 0;
}


/* 0 used, 1 new, 2 unknown (null) */

int
ngx_f1_replay_message_new(yajl_gen g, unsigned tyre_new)
{
    if (tyre_new > 1) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else {
        ngx_f1_replay_yajl(yajl_gen_bool(g, (int) tyre_new));
    }

    return 0;
}


/* "gap_ms":1234,"gap_laps":null: ms, or laps behind, or both null */

int
ngx_f1_replay_message_gap(yajl_gen g, const char *ms_key,
    const char *laps_key, int32_t gap)
{
    ngx_f1_replay_yajl_cstr(g, ms_key);

    if (gap >= 0) {
        ngx_f1_replay_yajl(yajl_gen_integer(g, gap));

    } else {
        ngx_f1_replay_yajl(yajl_gen_null(g));
    }

    ngx_f1_replay_yajl_cstr(g, laps_key);

    if (ngx_f1_replay_gap_laps(gap)) {
        ngx_f1_replay_yajl(yajl_gen_integer(g, ngx_f1_replay_gap_laps(gap)));

    } else {
        ngx_f1_replay_yajl(yajl_gen_null(g));
    }

    return 0;
}


/* the session's metadata, as members of the open map */

static int
ngx_f1_replay_message_meta(const ngx_f1_replay_session_t *s, yajl_gen g)
{
    const ngx_f1_replay_lap_count_t  *lc;

    ngx_f1_replay_yajl_kstr(g, "meeting", ngx_f1_replay_str(s, s->meeting));
    ngx_f1_replay_yajl_kstr(g, "official_name",
                            ngx_f1_replay_str(s, s->official_name));
    ngx_f1_replay_yajl_kstr(g, "location",
                            ngx_f1_replay_str(s, s->location));
    ngx_f1_replay_yajl_kstr(g, "country", ngx_f1_replay_str(s, s->country));
    ngx_f1_replay_yajl_kstr(g, "circuit", ngx_f1_replay_str(s, s->circuit));
    ngx_f1_replay_yajl_kstr(g, "session_type",
                            ngx_f1_replay_str(s, s->session_type));
    ngx_f1_replay_yajl_kstr(g, "session_name",
                            ngx_f1_replay_str(s, s->session_name));
    ngx_f1_replay_yajl_kstr(g, "start_date",
                            ngx_f1_replay_str(s, s->start_date));
    ngx_f1_replay_yajl_kstr(g, "gmt_offset",
                            ngx_f1_replay_str(s, s->gmt_offset));

    ngx_f1_replay_yajl_key(g, "utc0");

    if (s->utc0_source == NGX_F1_REPLAY_UTC0_NONE) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else if (ngx_f1_replay_message_utc(g, s->utc0_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kstr(g, "utc0_source",
                            ngx_f1_replay_message_utc0[s->utc0_source & 3]);

    ngx_f1_replay_yajl_key(g, "start");
    if (ngx_f1_replay_message_time(g, s->start_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "end");
    if (ngx_f1_replay_message_time(g, s->end_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "lights_out");
    if (ngx_f1_replay_message_time(g, s->lights_out_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "total_laps", s->total_laps);

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);
    ngx_f1_replay_yajl_kint(g, "last_lap",
                            s->lap_count.n ? lc[s->lap_count.n - 1].current
                                           : 0);

    ngx_f1_replay_yajl_kbool(g, "car_data",
                             s->flags & NGX_F1_REPLAY_HAS_CAR_DATA);
    ngx_f1_replay_yajl_kbool(g, "position_data",
                             s->flags & NGX_F1_REPLAY_HAS_POSITION);
    ngx_f1_replay_yajl_kbool(g, "timing_only",
                             !(s->flags & (NGX_F1_REPLAY_HAS_CAR_DATA
                                           | NGX_F1_REPLAY_HAS_POSITION)));
    ngx_f1_replay_yajl_kbool(g, "lap_data",
                             s->flags & NGX_F1_REPLAY_HAS_LAPS);

    return 0;
}


/* "outline":{"points":n,"driver":d,"lap":l,"xy":[x0,y0,x1,y1,...]} */

static int
ngx_f1_replay_message_outline(const ngx_f1_replay_session_t *s, yajl_gen g)
{
    uint32_t                      i;
    const ngx_f1_replay_point_t  *pt;

    ngx_f1_replay_yajl_key(g, "outline");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "points", s->outline.n);
    ngx_f1_replay_yajl_kint(g, "driver", s->outline_driver);
    ngx_f1_replay_yajl_kint(g, "lap", s->outline_lap);

    /* x0, y0, x1, y1, ... in decimetres */

    ngx_f1_replay_yajl_key(g, "xy");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    pt = ngx_f1_replay_items(s, s->outline, ngx_f1_replay_point_t);

    for (i = 0; i < s->outline.n; i++) {
        ngx_f1_replay_yajl(yajl_gen_integer(g, pt[i].x));
        ngx_f1_replay_yajl(yajl_gen_integer(g, pt[i].y));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "track_status":[{"from","to","status","message"}, ...] */

static int
ngx_f1_replay_message_periods(const ngx_f1_replay_session_t *s, yajl_gen g)
{
    uint32_t                             i;
    const ngx_f1_replay_track_status_t  *ts;

    ngx_f1_replay_yajl_key(g, "track_status");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);

    for (i = 0; i < s->track_status.n; i++) {
        ngx_f1_replay_yajl(yajl_gen_map_open(g));

        ngx_f1_replay_yajl_key(g, "from");
        if (ngx_f1_replay_message_time(g, ts[i].t) != 0) {
            return -1;
        }

        ngx_f1_replay_yajl_key(g, "to");
        if (ngx_f1_replay_message_time(g, i + 1 < s->track_status.n
                                          ? ts[i + 1].t
                                          : NGX_F1_REPLAY_NO_TIME)
            != 0)
        {
            return -1;
        }

        ngx_f1_replay_yajl_kint(g, "status", ts[i].status);
        ngx_f1_replay_yajl_kstr(g, "message",
                                ngx_f1_replay_str(s, ts[i].message));
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    return 0;
}


/*
 * A driver of the summary: what the archive holds of the car, and its
 * race from the events (pit entries, real stops) and its last state
 */

static int
ngx_f1_replay_message_driver(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, yajl_gen g)
{
    char                            buf[16];
    uint32_t                        j, stops;
    const ngx_f1_replay_car_t      *car;
    const ngx_f1_replay_event_t    *ev;
    const ngx_f1_replay_stint_t    *stint;
    const ngx_f1_replay_state_t    *st, *last;

    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);
    last = d->states.n ? &st[d->states.n - 1] : NULL;
    car = ngx_f1_replay_items(s, d->car, ngx_f1_replay_car_t);
    ev = ngx_f1_replay_items(s, s->events, ngx_f1_replay_event_t);

    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "number", d->number);
    ngx_f1_replay_yajl_kstr(g, "tla", d->tla);
    ngx_f1_replay_yajl_kstr(g, "name", ngx_f1_replay_str(s, d->full_name));
    ngx_f1_replay_yajl_kstr(g, "team", ngx_f1_replay_str(s, d->team));

    snprintf(buf, sizeof(buf), "%06X", (unsigned) d->colour);
    ngx_f1_replay_yajl_kstr(g, "colour", buf);

    ngx_f1_replay_yajl_kint(g, "car_samples", d->car.n);
    ngx_f1_replay_yajl_kint(g, "position_samples", d->pos.n);

    ngx_f1_replay_yajl_key(g, "first_sample");
    if (ngx_f1_replay_message_time(g, d->car.n ? car[0].t
                                               : NGX_F1_REPLAY_NO_TIME)
        != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "last_sample");
    if (ngx_f1_replay_message_time(g, d->car.n ? car[d->car.n - 1].t
                                               : NGX_F1_REPLAY_NO_TIME)
        != 0)
    {
        return -1;
    }

    if ((s->flags & NGX_F1_REPLAY_HAS_LAPS) && last) {
        ngx_f1_replay_yajl_kint(g, "laps", last->laps);

    } else {
        ngx_f1_replay_yajl_knull(g, "laps");
    }

    ngx_f1_replay_yajl_kint(g, "position", last ? last->position : 0);
    ngx_f1_replay_yajl_kbool(g, "retired",
                             last && (last->flags & NGX_F1_REPLAY_RETIRED));

    /* its real stops and pit entries: the car's events */

    stops = 0;

    for (j = 0; j < s->events.n; j++) {
        stops += (ev[j].driver == d->number
                  && ev[j].type == NGX_F1_REPLAY_EV_PIT_STOP);
    }

    ngx_f1_replay_yajl_kint(g, "pit_stops", stops);

    ngx_f1_replay_yajl_key(g, "pit_in");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (j = 0; j < s->events.n; j++) {
        if (ev[j].driver == d->number
            && ev[j].type == NGX_F1_REPLAY_EV_PIT_IN
            && ngx_f1_replay_message_time(g, ev[j].t) != 0)
        {
            return -1;
        }
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    ngx_f1_replay_yajl_key(g, "stints");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    stint = ngx_f1_replay_items(s, d->stints, ngx_f1_replay_stint_t);

    for (j = 0; j < d->stints.n; j++) {
        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_kstr(g, "compound",
                        ngx_f1_replay_session_compound_name(stint[j].compound));

        ngx_f1_replay_yajl_key(g, "new");
        if (ngx_f1_replay_message_new(g, stint[j].tyre_new) != 0) {
            return -1;
        }

        ngx_f1_replay_yajl_key(g, "from");
        if (ngx_f1_replay_message_time(g, stint[j].t) != 0) {
            return -1;
        }

        ngx_f1_replay_yajl_kint(g, "start_lap", stint[j].start_lap);
        ngx_f1_replay_yajl_kint(g, "start_age", stint[j].start_age);
        ngx_f1_replay_yajl_kint(g, "total_laps", stint[j].total_laps);
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_message_summary(const ngx_f1_replay_session_t *s, yajl_gen g)
{
    uint32_t                       i, j;
    const ngx_f1_replay_state_t   *st;
    const ngx_f1_replay_driver_t  *d;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    if (ngx_f1_replay_message_meta(s, g) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "formation_lap");
    if (ngx_f1_replay_message_time(g, ngx_f1_replay_session_formation(s))
        != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "skipped_lines", s->warnings);
    ngx_f1_replay_yajl_kint(g, "bytes", s->size);
    ngx_f1_replay_yajl_kint(g, "race_control_messages", s->race_control.n);
    ngx_f1_replay_yajl_kint(g, "weather_samples", s->weather.n);
    ngx_f1_replay_yajl_kint(g, "events", s->events.n);

    if (ngx_f1_replay_message_outline(s, g) != 0
        || ngx_f1_replay_message_periods(s, g) != 0)
    {
        return -1;
    }

    /* drivers, in driver-list order */

    ngx_f1_replay_yajl_key(g, "drivers");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        if (ngx_f1_replay_message_driver(s, &d[i], g) != 0) {
            return -1;
        }
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    /* final classification: by last known position, unplaced last */

    ngx_f1_replay_yajl_key(g, "classification");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (j = 1; j < 256; j++) {
        for (i = 0; i < s->drivers.n; i++) {
            st = ngx_f1_replay_items(s, d[i].states, ngx_f1_replay_state_t);

            if (d[i].states.n && st[d[i].states.n - 1].position == j) {
                ngx_f1_replay_yajl_cstr(g, d[i].tla);
            }
        }
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


static int
ngx_f1_replay_message_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, const ngx_f1_replay_state_t *st,
    unsigned stops, yajl_gen g)
{
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "number", d->number);
    ngx_f1_replay_yajl_kstr(g, "tla", d->tla);

    if (st == NULL) {
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
        return 0;
    }

    ngx_f1_replay_yajl_kint(g, "position", st->position);

    if (s->flags & NGX_F1_REPLAY_HAS_LAPS) {
        ngx_f1_replay_yajl_kint(g, "laps", st->laps);

    } else {
        ngx_f1_replay_yajl_knull(g, "laps");
    }

    if (ngx_f1_replay_message_gap(g, "gap_ms", "gap_laps", st->gap) != 0
        || ngx_f1_replay_message_gap(g, "interval_ms", "interval_laps",
                                     st->interval)
           != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "last_lap_ms");
    if (ngx_f1_replay_message_ms(g, st->last_lap_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "best_lap_ms");
    if (ngx_f1_replay_message_ms(g, st->best_lap_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kbool(g, "in_pit", st->flags & NGX_F1_REPLAY_IN_PIT);
    ngx_f1_replay_yajl_kbool(g, "pit_out",
                             st->flags & NGX_F1_REPLAY_PIT_OUT);
    ngx_f1_replay_yajl_kbool(g, "retired",
                             st->flags & NGX_F1_REPLAY_RETIRED);
    ngx_f1_replay_yajl_kbool(g, "stopped",
                             st->flags & NGX_F1_REPLAY_STOPPED);
    ngx_f1_replay_yajl_kint(g, "pit_stops", stops);
    ngx_f1_replay_yajl_kint(g, "stint", st->stints);
    ngx_f1_replay_yajl_kstr(g, "compound",
                            ngx_f1_replay_session_compound_name(st->compound));

    ngx_f1_replay_yajl_key(g, "tyre_new");
    if (ngx_f1_replay_message_new(g, st->tyre_new) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "tyre_age", st->tyre_age);
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "track_status":{"status","message","since"} at t */

static int
ngx_f1_replay_message_track(const ngx_f1_replay_session_t *s, int32_t t,
    yajl_gen g)
{
    const ngx_f1_replay_track_status_t  *ts;

    ts = ngx_f1_replay_session_track_status(s, t);

    ngx_f1_replay_yajl_key(g, "track_status");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "status", ts ? ts->status : 1);
    ngx_f1_replay_yajl_kstr(g, "message",
                            ts ? ngx_f1_replay_str(s, ts->message) : "");

    ngx_f1_replay_yajl_key(g, "since");
    if (ngx_f1_replay_message_time(g, ts ? ts->t : NGX_F1_REPLAY_NO_TIME)
        != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/*
 * A weather sample's fields, as members of the open map; an unknown one
 * (NaN) is null
 */

int
ngx_f1_replay_message_weather(const ngx_f1_replay_weather_t *w, yajl_gen g)
{
    float   v;
    size_t  i;

    static const struct {
        const char  *key;
        size_t       offset;
    } fields[] = {
        { "air_temp", offsetof(ngx_f1_replay_weather_t, air_temp) },
        { "track_temp", offsetof(ngx_f1_replay_weather_t, track_temp) },
        { "humidity", offsetof(ngx_f1_replay_weather_t, humidity) },
        { "pressure", offsetof(ngx_f1_replay_weather_t, pressure) },
        { "wind_speed", offsetof(ngx_f1_replay_weather_t, wind_speed) },
        { "wind_direction",
          offsetof(ngx_f1_replay_weather_t, wind_direction) }
    };

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        v = *(const float *) ((const unsigned char *) w + fields[i].offset);

        ngx_f1_replay_yajl_cstr(g, fields[i].key);
        ngx_f1_replay_yajl(isnan(v) ? yajl_gen_null(g)
                                    : yajl_gen_double(g, v));
    }

    ngx_f1_replay_yajl_kbool(g, "rainfall", w->rainfall);

    return 0;
}


/*
 * A race-control message's fields, as members of the open map; with lap,
 * its own "lap" too (an event has the race's)
 */

int
ngx_f1_replay_message_rcm(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_rcm_t *m, unsigned lap, yajl_gen g)
{
    ngx_f1_replay_yajl_key(g, "utc");

    if (m->utc_ms < 0) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else if (ngx_f1_replay_message_utc(g, m->utc_ms) != 0) {
        return -1;
    }

    if (lap) {
        ngx_f1_replay_yajl_key(g, "lap");

        if (m->lap < 0) {
            ngx_f1_replay_yajl(yajl_gen_null(g));

        } else {
            ngx_f1_replay_yajl(yajl_gen_integer(g, m->lap));
        }
    }

    ngx_f1_replay_yajl_kstr(g, "category",
                            ngx_f1_replay_str(s, m->category));
    ngx_f1_replay_yajl_kstr(g, "flag", ngx_f1_replay_str(s, m->flag));
    ngx_f1_replay_yajl_kstr(g, "scope", ngx_f1_replay_str(s, m->scope));

    if (m->sector >= 0) {
        ngx_f1_replay_yajl_kint(g, "sector", m->sector);
    }

    if (m->racing_number) {
        ngx_f1_replay_yajl_kint(g, "racing_number", m->racing_number);
    }

    ngx_f1_replay_yajl_kstr(g, "message", ngx_f1_replay_str(s, m->message));

    return 0;
}


/*
 * "cars":[...] at t, in running order, cars with no position yet at the
 * end; a car's pit stops are its pit-stop events up to t
 */

static int
ngx_f1_replay_message_cars(const ngx_f1_replay_session_t *s, int32_t t,
    yajl_gen g)
{
    long                            k;
    unsigned                        pos;
    uint32_t                        i, j, n, nev;
    uint8_t                         stops[NGX_F1_REPLAY_MESSAGE_MAX_CARS];
    const ngx_f1_replay_event_t    *ev;
    const ngx_f1_replay_state_t    *st;
    const ngx_f1_replay_state_t    *cur[NGX_F1_REPLAY_MESSAGE_MAX_CARS];
    const ngx_f1_replay_driver_t   *d;

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);
    n = s->drivers.n < NGX_F1_REPLAY_MESSAGE_MAX_CARS
        ? s->drivers.n : NGX_F1_REPLAY_MESSAGE_MAX_CARS;

    for (i = 0; i < n; i++) {
        st = ngx_f1_replay_items(s, d[i].states, ngx_f1_replay_state_t);
        k = ngx_f1_replay_session_find(st, d[i].states.n,
                                       sizeof(ngx_f1_replay_state_t), t);
        cur[i] = k >= 0 ? &st[k] : NULL;
        stops[i] = 0;
    }

    ev = ngx_f1_replay_items(s, s->events, ngx_f1_replay_event_t);
    nev = ngx_f1_replay_session_events_upto(s, t);

    for (j = 0; j < nev; j++) {
        if (ev[j].type != NGX_F1_REPLAY_EV_PIT_STOP) {
            continue;
        }

        for (i = 0; i < n; i++) {
            if (d[i].number == ev[j].driver) {
                stops[i]++;
                break;
            }
        }
    }

    ngx_f1_replay_yajl_key(g, "cars");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (pos = 1; pos <= 256; pos++) {
        for (i = 0; i < n; i++) {
            if ((pos < 256 && cur[i] && cur[i]->position == pos)
                || (pos == 256 && (cur[i] == NULL || cur[i]->position == 0)))
            {
                if (ngx_f1_replay_message_car(s, &d[i], cur[i], stops[i], g)
                    != 0)
                {
                    return -1;
                }
            }
        }
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    return 0;
}


int
ngx_f1_replay_message_state(const ngx_f1_replay_session_t *s, int32_t t,
    int typed, yajl_gen g)
{
    long                              k;
    uint32_t                          i;
    const ngx_f1_replay_rcm_t        *rcm;
    const ngx_f1_replay_status_t     *ss;
    const ngx_f1_replay_weather_t    *w;
    const ngx_f1_replay_lap_count_t  *lc;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    if (typed) {
        ngx_f1_replay_yajl_kstr(g, "type", "state");
    }

    ngx_f1_replay_yajl_kint(g, "t", t);
    ngx_f1_replay_yajl_key(g, "time");
    if (ngx_f1_replay_message_time(g, t) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "utc");

    if (s->utc0_source == NGX_F1_REPLAY_UTC0_NONE) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else if (ngx_f1_replay_message_utc(g, s->utc0_ms + t) != 0) {
        return -1;
    }

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);
    k = ngx_f1_replay_session_find(lc, s->lap_count.n,
                                   sizeof(ngx_f1_replay_lap_count_t), t);

    ngx_f1_replay_yajl_kint(g, "lap", k >= 0 ? lc[k].current : 0);
    ngx_f1_replay_yajl_kint(g, "total_laps", s->total_laps);

    ss = ngx_f1_replay_items(s, s->session_status, ngx_f1_replay_status_t);
    k = ngx_f1_replay_session_find(ss, s->session_status.n,
                                   sizeof(ngx_f1_replay_status_t), t);

    ngx_f1_replay_yajl_kstr(g, "session_status",
                            k >= 0 ? ngx_f1_replay_str(s, ss[k].status)
                                   : "");

    if (ngx_f1_replay_message_track(s, t, g) != 0) {
        return -1;
    }

    w = ngx_f1_replay_items(s, s->weather, ngx_f1_replay_weather_t);
    k = ngx_f1_replay_session_find(w, s->weather.n,
                                   sizeof(ngx_f1_replay_weather_t), t);

    ngx_f1_replay_yajl_key(g, "weather");

    if (k < 0) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else {
        ngx_f1_replay_yajl(yajl_gen_map_open(g));

        if (ngx_f1_replay_message_weather(&w[k], g) != 0) {
            return -1;
        }

        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    if (ngx_f1_replay_message_cars(s, t, g) != 0) {
        return -1;
    }

    /* the most recent race-control messages, oldest first */

    rcm = ngx_f1_replay_items(s, s->race_control, ngx_f1_replay_rcm_t);
    k = ngx_f1_replay_session_find(rcm, s->race_control.n,
                                   sizeof(ngx_f1_replay_rcm_t), t);

    ngx_f1_replay_yajl_key(g, "race_control");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (i = (k + 1 > NGX_F1_REPLAY_MESSAGE_RECENT_RCM)
             ? (uint32_t) (k + 1 - NGX_F1_REPLAY_MESSAGE_RECENT_RCM) : 0;
         (long) i <= k;
         i++)
    {
        ngx_f1_replay_yajl(yajl_gen_map_open(g));

        ngx_f1_replay_yajl_key(g, "time");
        if (ngx_f1_replay_message_time(g, rcm[i].t) != 0) {
            return -1;
        }

        if (ngx_f1_replay_message_rcm(s, &rcm[i], 1, g) != 0) {
            return -1;
        }

        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_message_hello(const ngx_f1_replay_session_t *s,
    unsigned tick_rate, const ngx_f1_replay_clock_t *clk,
    const ngx_f1_replay_clock_pos_t *pos, int32_t delay_ms, yajl_gen g)
{
    char                           buf[16];
    uint32_t                       i;
    const ngx_f1_replay_driver_t  *d;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kstr(g, "type", "hello");
    ngx_f1_replay_yajl_kint(g, "protocol", NGX_F1_REPLAY_MESSAGE_PROTOCOL);

    ngx_f1_replay_yajl_key(g, "session");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    if (ngx_f1_replay_message_meta(s, g) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    ngx_f1_replay_yajl_key(g, "drivers");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_kint(g, "number", d[i].number);
        ngx_f1_replay_yajl_kstr(g, "tla", d[i].tla);
        ngx_f1_replay_yajl_kstr(g, "name",
                                ngx_f1_replay_str(s, d[i].full_name));
        ngx_f1_replay_yajl_kstr(g, "broadcast_name",
                                ngx_f1_replay_str(s, d[i].broadcast_name));
        ngx_f1_replay_yajl_kstr(g, "team", ngx_f1_replay_str(s, d[i].team));

        snprintf(buf, sizeof(buf), "%06X", (unsigned) d[i].colour);
        ngx_f1_replay_yajl_kstr(g, "colour", buf);
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    if (ngx_f1_replay_message_outline(s, g) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "tick_rate", tick_rate);

    ngx_f1_replay_yajl_key(g, "clock");
    if (ngx_f1_replay_message_clock(s, clk, pos, delay_ms, 0, g) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_message_clock(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_clock_t *clk, const ngx_f1_replay_clock_pos_t *pos,
    int32_t delay_ms, int typed, yajl_gen g)
{
    uint32_t  speed;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    if (typed) {
        ngx_f1_replay_yajl_kstr(g, "type", "clock");
    }

    ngx_f1_replay_yajl_kint(g, "tick", pos->tick);
    ngx_f1_replay_yajl_kint(g, "t", pos->t);
    ngx_f1_replay_yajl_key(g, "time");
    if (ngx_f1_replay_message_time(g, pos->t) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "lap",
                            ngx_f1_replay_session_lap_at(s, pos->t));
    ngx_f1_replay_yajl_kstr(g, "state",
                            ngx_f1_replay_clock_state_name(pos->state));

    /* paused: the speed a resume restores */

    speed = pos->speed ? pos->speed
                       : clk->seg[pos->seg % NGX_F1_REPLAY_CLOCK_SEGS]
                             .resume_speed;

    ngx_f1_replay_yajl_key(g, "speed");
    ngx_f1_replay_yajl(yajl_gen_double(g, speed / 1000.0));
    ngx_f1_replay_yajl_kbool(g, "loop", pos->loop);
    ngx_f1_replay_yajl_kstr(g, "reason",
                            ngx_f1_replay_clock_op_name(pos->reason));
    ngx_f1_replay_yajl_kint(g, "change", pos->seg);
    ngx_f1_replay_yajl_kint(g, "delay_ms", delay_ms);

    /* when its tick begins (UTC), the same on every instance of an anchor */

    ngx_f1_replay_yajl_key(g, "at");
    if (ngx_f1_replay_message_utc(g, ngx_f1_replay_clock_tick_utc(clk,
                                                                  pos->tick))
        != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "start");
    if (ngx_f1_replay_message_time(g, clk->start_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "end");
    if (ngx_f1_replay_message_time(g, clk->end_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "anchor");

    if (clk->anchor_ms == 0) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else if (ngx_f1_replay_message_utc(g, clk->anchor_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_message_predictions(unsigned lap,
    const ngx_f1_replay_strategy_out_t *out,
    const ngx_f1_replay_json_t *file, yajl_gen g)
{
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kstr(g, "type", "predictions");
    ngx_f1_replay_yajl_kint(g, "lap", lap);
    ngx_f1_replay_yajl_key(g, "builtin");

    if (out == NULL) {
        ngx_f1_replay_yajl(yajl_gen_null(g));

    } else if (ngx_f1_replay_strategy_json(out, g) != 0) {
        return -1;
    }

    if (file) {
        ngx_f1_replay_yajl_key(g, "file");

        if (ngx_f1_replay_json_gen(file, g) != 0) {
            return -1;
        }
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_message_subscribed(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_filter_t *f, unsigned rate, int32_t delay_ms,
    yajl_gen g)
{
    unsigned  bit, i;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kstr(g, "type", "subscribed");

    /* the cars, by racing number */

    ngx_f1_replay_yajl_key(g, "drivers");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (i = 0; i < 1024; i++) {
        if (ngx_f1_replay_filter_has(f, i)
            && ngx_f1_replay_session_driver(s, i) != NULL)
        {
            ngx_f1_replay_yajl(yajl_gen_integer(g, i));
        }
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    ngx_f1_replay_yajl_key(g, "channels");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (bit = 1; bit <= NGX_F1_REPLAY_CH_ALL; bit <<= 1) {
        if (f->channels & bit) {
            ngx_f1_replay_yajl_cstr(g, ngx_f1_replay_frame_channel_name(bit));
        }
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    ngx_f1_replay_yajl_kint(g, "rate", rate);
    ngx_f1_replay_yajl_kstr(g, "format",
                            f->format == NGX_F1_REPLAY_FORMAT_COMPACT
                            ? "compact" : "json");
    ngx_f1_replay_yajl_kint(g, "delay_ms", delay_ms);
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_message_error(const char *code, const char *text, yajl_gen g)
{
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    if (code == NULL) {
        ngx_f1_replay_yajl_kstr(g, "error", text);

    } else {
        ngx_f1_replay_yajl_kstr(g, "type", "error");
        ngx_f1_replay_yajl_kstr(g, "code", code);
        ngx_f1_replay_yajl_kstr(g, "message", text);
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}
