
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_build.h"
#include "ngx_f1_replay_outline.h"
#include "ngx_f1_replay_state.h"
#include "ngx_f1_replay_time.h"
#include "ngx_f1_replay_timeline.h"


#define NGX_F1_REPLAY_BUILD_MAX_LINES  128    /* cars a line touches */


/* what the replay of the state topics makes */
typedef struct {
    ngx_f1_replay_loader_t    *ld;
    ngx_f1_replay_block_t      b;
    ngx_f1_replay_json_t      *state[NGX_F1_REPLAY_T_COUNT];
    ngx_f1_replay_vec_t        lap_count;      /* ..._lap_count_t */
    ngx_f1_replay_vec_t        track_status;   /* ..._track_status_t */
    ngx_f1_replay_vec_t        race_control;   /* ..._rcm_t */
    ngx_f1_replay_vec_t        weather;        /* ..._weather_t */
    ngx_f1_replay_vec_t        session_status; /* ..._status_t */
    int64_t                    utc0;
} ngx_f1_replay_build_t;


/* a car in the driver-list order */
typedef struct {
    unsigned                   line;
    unsigned                   number;
} ngx_f1_replay_build_order_t;


static int ngx_f1_replay_build_replay(ngx_f1_replay_build_t *bd);
static int ngx_f1_replay_build_line(ngx_f1_replay_build_t *bd, int32_t t,
    uint32_t topic, const unsigned *touched, size_t ntouched);
static int ngx_f1_replay_build_lap_count(ngx_f1_replay_build_t *bd,
    int32_t t, const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_build_session_status(ngx_f1_replay_build_t *bd,
    int32_t t, const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_build_track_status(ngx_f1_replay_build_t *bd,
    int32_t t, const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_build_weather(ngx_f1_replay_build_t *bd,
    int32_t t, const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_build_race_control(ngx_f1_replay_build_t *bd,
    int32_t t, const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_build_rcm(ngx_f1_replay_block_t *b,
    ngx_f1_replay_rcm_t *rcm, int32_t t, const ngx_f1_replay_json_t *item);
static int64_t ngx_f1_replay_build_utc0(ngx_f1_replay_build_t *bd);
static int ngx_f1_replay_build_header(ngx_f1_replay_build_t *bd);
static int ngx_f1_replay_build_tables(ngx_f1_replay_build_t *bd);
static void ngx_f1_replay_build_start(ngx_f1_replay_build_t *bd);
static int ngx_f1_replay_build_drivers(ngx_f1_replay_build_t *bd);
static int ngx_f1_replay_build_driver(ngx_f1_replay_build_t *bd,
    uint32_t doff, size_t i, const ngx_f1_replay_build_order_t *o);
static int ngx_f1_replay_build_stints(ngx_f1_replay_build_t *bd,
    uint32_t doff, size_t i, const ngx_f1_replay_json_t *stints);
static int ngx_f1_replay_build_events(ngx_f1_replay_block_t *b);
static uint32_t ngx_f1_replay_build_samples(ngx_f1_replay_block_t *b,
    ngx_f1_replay_vec_t *raw, size_t raw_size, size_t s_off, size_t size,
    int64_t utc0, size_t *n);
static uint32_t ngx_f1_replay_build_str(ngx_f1_replay_block_t *b,
    const char *s);
static uint32_t ngx_f1_replay_build_json_str(ngx_f1_replay_block_t *b,
    const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_build_line_cmp(const void *a, const void *b);
static int ngx_f1_replay_build_int64_cmp(const void *a, const void *b);
static int64_t ngx_f1_replay_build_median(ngx_f1_replay_vec_t *v);
static int ngx_f1_replay_build_order_cmp(const void *a, const void *b);
static void ngx_f1_replay_build_free(ngx_f1_replay_build_t *bd);


ngx_f1_replay_session_t *
ngx_f1_replay_build_session(ngx_f1_replay_loader_t *ld, char *err,
    size_t errlen)
{
    ngx_f1_replay_session_t  *s;
    ngx_f1_replay_build_t     bd;

    static const uint32_t  required = (1u << NGX_F1_REPLAY_T_SESSION_INFO)
                                      | (1u << NGX_F1_REPLAY_T_DRIVER_LIST);

    if ((ld->have & required) != required) {
        snprintf(err, errlen, "missing required topic %s (required: "
                 "SessionInfo, DriverList)",
                 (ld->have & 1) ? "DriverList" : "SessionInfo");
        return NULL;
    }

    memset(&bd, 0, sizeof(ngx_f1_replay_build_t));
    bd.ld = ld;

    /* the header first: offset 0 means "none" everywhere else */

    (void) ngx_f1_replay_build_alloc(&bd.b, sizeof(ngx_f1_replay_session_t));

    if (bd.b.failed
        || ngx_f1_replay_build_replay(&bd) != 0
        || ngx_f1_replay_build_header(&bd) != 0
        || ngx_f1_replay_build_tables(&bd) != 0
        || ngx_f1_replay_build_drivers(&bd) != 0)
    {
        goto nomem;
    }

    ngx_f1_replay_outline_build(&bd.b);

    if (ngx_f1_replay_build_events(&bd.b) != 0) {
        goto nomem;
    }

    s = (ngx_f1_replay_session_t *) bd.b.data;
    s->size = bd.b.len;

    bd.b.data = NULL;
    ngx_f1_replay_build_free(&bd);

    return s;

nomem:

    ngx_f1_replay_build_free(&bd);

    snprintf(err, errlen, "out of memory while building the session");

    return NULL;
}


static void
ngx_f1_replay_build_free(ngx_f1_replay_build_t *bd)
{
    size_t  i;

    for (i = 0; i < NGX_F1_REPLAY_T_COUNT; i++) {
        ngx_f1_replay_json_free(bd->state[i]);
    }

    ngx_f1_replay_loader_free(&bd->lap_count);
    ngx_f1_replay_loader_free(&bd->track_status);
    ngx_f1_replay_loader_free(&bd->race_control);
    ngx_f1_replay_loader_free(&bd->weather);
    ngx_f1_replay_loader_free(&bd->session_status);
    free(bd->b.data);
}


/*
 * The state topics' lines, in session-time order, patch one state per
 * topic; each line adds to the tables, and a timing line makes a
 * record of the race state of each car it touches.
 */

static int
ngx_f1_replay_build_replay(ngx_f1_replay_build_t *bd)
{
    size_t                        i, j, ntouched;
    unsigned                      number;
    unsigned                      touched[NGX_F1_REPLAY_BUILD_MAX_LINES];
    ngx_f1_replay_json_t         *lines;
    ngx_f1_replay_loader_t       *ld;
    ngx_f1_replay_loader_line_t  *m;

    ld = bd->ld;

    ngx_f1_replay_loader_sort(&ld->lines, sizeof(ngx_f1_replay_loader_line_t),
                              ngx_f1_replay_build_line_cmp);

    m = ld->lines.items;

    for (i = 0; i < ld->lines.n; i++) {

        /* the cars this line touches, before the patch is consumed */

        ntouched = 0;
        lines = ngx_f1_replay_json_get(m[i].value, "Lines");

        if (lines != NULL && lines->type == NGX_F1_REPLAY_JSON_OBJECT) {
            for (j = 0; j < lines->nitems; j++) {
                number = ngx_f1_replay_loader_car_number(lines->keys[j]);
                if (number && ntouched < NGX_F1_REPLAY_BUILD_MAX_LINES) {
                    touched[ntouched++] = number;
                }
            }
        }

        if (ngx_f1_replay_json_patch(&bd->state[m[i].topic], m[i].value)
            != 0)
        {
            m[i].value = NULL;
            return -1;
        }

        m[i].value = NULL;

        if (ngx_f1_replay_build_line(bd, m[i].t, m[i].topic, touched,
                                     ntouched)
            != 0)
        {
            return -1;
        }
    }

    bd->utc0 = ngx_f1_replay_build_utc0(bd);

    return 0;
}


/* what a line at t of a topic adds, the topic's state patched */

static int
ngx_f1_replay_build_line(ngx_f1_replay_build_t *bd, int32_t t,
    uint32_t topic, const unsigned *touched, size_t ntouched)
{
    size_t                 j;
    ngx_f1_replay_json_t  *v;

    v = bd->state[topic];

    switch (topic) {

    case NGX_F1_REPLAY_T_TIMING_DATA:
    case NGX_F1_REPLAY_T_TIMING_APP_DATA:
        for (j = 0; j < ntouched; j++) {
            if (ngx_f1_replay_state_update(bd->ld, touched[j], t,
                    bd->state[NGX_F1_REPLAY_T_TIMING_DATA],
                    bd->state[NGX_F1_REPLAY_T_TIMING_APP_DATA],
                    !(bd->ld->have & (1u << NGX_F1_REPLAY_T_TIMING_DATA)))
                != 0)
            {
                return -1;
            }
        }

        return 0;

    case NGX_F1_REPLAY_T_LAP_COUNT:
        return ngx_f1_replay_build_lap_count(bd, t, v);

    case NGX_F1_REPLAY_T_TRACK_STATUS:
        return ngx_f1_replay_build_track_status(bd, t, v);

    case NGX_F1_REPLAY_T_WEATHER:
        return ngx_f1_replay_build_weather(bd, t, v);

    case NGX_F1_REPLAY_T_RACE_CONTROL:
        return ngx_f1_replay_build_race_control(bd, t, v);

    case NGX_F1_REPLAY_T_SESSION_STATUS:
        return ngx_f1_replay_build_session_status(bd, t, v);

    default:
        return 0;
    }
}


static int
ngx_f1_replay_build_lap_count(ngx_f1_replay_build_t *bd, int32_t t,
    const ngx_f1_replay_json_t *v)
{
    double                      d;
    ngx_f1_replay_lap_count_t  *lc;

    lc = ngx_f1_replay_loader_push(&bd->lap_count,
                                   sizeof(ngx_f1_replay_lap_count_t));
    if (lc == NULL) {
        return -1;
    }

    lc->t = t;
    lc->current = 0;
    lc->total = 0;

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(v, "CurrentLap"),
                                  &d) == 0
        && d >= 0 && d < 65536)
    {
        lc->current = (uint16_t) d;
    }

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(v, "TotalLaps"),
                                  &d) == 0
        && d >= 0 && d < 65536)
    {
        lc->total = (uint16_t) d;
    }

    return 0;
}


static int
ngx_f1_replay_build_session_status(ngx_f1_replay_build_t *bd, int32_t t,
    const ngx_f1_replay_json_t *v)
{
    ngx_f1_replay_status_t  *ss;

    ss = ngx_f1_replay_loader_push(&bd->session_status,
                                   sizeof(ngx_f1_replay_status_t));
    if (ss == NULL) {
        return -1;
    }

    ss->t = t;
    ss->status = ngx_f1_replay_build_json_str(&bd->b,
                                       ngx_f1_replay_json_get(v, "Status"));

    return bd->b.failed ? -1 : 0;
}


static int
ngx_f1_replay_build_track_status(ngx_f1_replay_build_t *bd, int32_t t,
    const ngx_f1_replay_json_t *v)
{
    double                         d;
    ngx_f1_replay_track_status_t  *ts;

    ts = ngx_f1_replay_loader_push(&bd->track_status,
                                   sizeof(ngx_f1_replay_track_status_t));
    if (ts == NULL) {
        return -1;
    }

    ts->t = t;
    ts->status = 0;

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(v, "Status"), &d)
        == 0
        && d >= 0 && d < 256)
    {
        ts->status = (uint8_t) d;
    }

    ts->message = ngx_f1_replay_build_json_str(&bd->b,
                                      ngx_f1_replay_json_get(v, "Message"));

    return bd->b.failed ? -1 : 0;
}


static int
ngx_f1_replay_build_weather(ngx_f1_replay_build_t *bd, int32_t t,
    const ngx_f1_replay_json_t *v)
{
    size_t                    i;
    double                    d;
    ngx_f1_replay_weather_t  *w;

    static const struct {
        const char           *name;
        size_t                offset;
    } fields[] = {
        { "AirTemp", offsetof(ngx_f1_replay_weather_t, air_temp) },
        { "TrackTemp", offsetof(ngx_f1_replay_weather_t, track_temp) },
        { "Humidity", offsetof(ngx_f1_replay_weather_t, humidity) },
        { "Pressure", offsetof(ngx_f1_replay_weather_t, pressure) },
        { "WindSpeed", offsetof(ngx_f1_replay_weather_t, wind_speed) },
        { "WindDirection",
          offsetof(ngx_f1_replay_weather_t, wind_direction) }
    };

    w = ngx_f1_replay_loader_push(&bd->weather,
                                  sizeof(ngx_f1_replay_weather_t));
    if (w == NULL) {
        return -1;
    }

    memset(w, 0, sizeof(ngx_f1_replay_weather_t));
    w->t = t;

    /* a field absent, or beyond a float's range, is unknown: NaN */

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(v,
                                                             fields[i].name),
                                      &d)
            != 0
            || fabs(d) > FLT_MAX)
        {
            d = NAN;
        }

        *(float *) ((unsigned char *) w + fields[i].offset) = (float) d;
    }

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(v, "Rainfall"), &d)
        == 0)
    {
        w->rainfall = (d != 0);
    }

    return 0;
}


/*
 * The list of messages is sent whole once, then patched by index: each
 * index past the ones already seen is a new message.
 */

static int
ngx_f1_replay_build_race_control(ngx_f1_replay_build_t *bd, int32_t t,
    const ngx_f1_replay_json_t *v)
{
    size_t                       j;
    ngx_f1_replay_rcm_t         *rcm;
    const ngx_f1_replay_json_t  *msgs;

    msgs = ngx_f1_replay_json_get(v, "Messages");

    if (msgs == NULL || msgs->type != NGX_F1_REPLAY_JSON_ARRAY) {
        return 0;
    }

    for (j = bd->race_control.n; j < msgs->nitems; j++) {
        rcm = ngx_f1_replay_loader_push(&bd->race_control,
                                        sizeof(ngx_f1_replay_rcm_t));
        if (rcm == NULL
            || ngx_f1_replay_build_rcm(&bd->b, rcm, t, msgs->items[j]) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/*
 * The UTC of session time zero: the median offset of the car data's
 * sample times to their lines', else of the heartbeat's; a timing-only
 * archive without a heartbeat has race-control messages with the UTC
 * they were issued: the line comes later, so utc - t is a lower bound
 * of the offset: the largest is taken.
 */

static int64_t
ngx_f1_replay_build_utc0(ngx_f1_replay_build_t *bd)
{
    size_t                   j;
    int64_t                  utc0;
    ngx_f1_replay_rcm_t     *rcm;
    ngx_f1_replay_loader_t  *ld;

    ld = bd->ld;

    if (ld->utc_offsets.n) {
        return ngx_f1_replay_build_median(&ld->utc_offsets);
    }

    if (ld->hb_offsets.n) {
        return ngx_f1_replay_build_median(&ld->hb_offsets);
    }

    rcm = bd->race_control.items;
    utc0 = INT64_MIN;

    for (j = 0; j < bd->race_control.n; j++) {
        if (rcm[j].utc_ms >= 0 && rcm[j].utc_ms - rcm[j].t > utc0) {
            utc0 = rcm[j].utc_ms - rcm[j].t;
        }
    }

    return utc0 == INT64_MIN ? 0 : utc0;
}


/* the session header: identity, span, SessionInfo's strings, flags */

static int
ngx_f1_replay_build_header(ngx_f1_replay_build_t *bd)
{
    size_t                       i;
    uint32_t                     off;
    ngx_f1_replay_session_t     *s;
    ngx_f1_replay_loader_t      *ld;
    const ngx_f1_replay_json_t  *info;

    static const struct {
        size_t                   offset;
        const char              *path[4];
    } strings[] = {
        { offsetof(ngx_f1_replay_session_t, meeting),
          { "Meeting", "Name", NULL, NULL } },
        { offsetof(ngx_f1_replay_session_t, official_name),
          { "Meeting", "OfficialName", NULL, NULL } },
        { offsetof(ngx_f1_replay_session_t, location),
          { "Meeting", "Location", NULL, NULL } },
        { offsetof(ngx_f1_replay_session_t, country),
          { "Meeting", "Country", "Name", NULL } },
        { offsetof(ngx_f1_replay_session_t, circuit),
          { "Meeting", "Circuit", "ShortName", NULL } },
        { offsetof(ngx_f1_replay_session_t, session_type),
          { "Type", NULL, NULL, NULL } },
        { offsetof(ngx_f1_replay_session_t, session_name),
          { "Name", NULL, NULL, NULL } },
        { offsetof(ngx_f1_replay_session_t, start_date),
          { "StartDate", NULL, NULL, NULL } },
        { offsetof(ngx_f1_replay_session_t, gmt_offset),
          { "GmtOffset", NULL, NULL, NULL } },
        { offsetof(ngx_f1_replay_session_t, path),
          { "Path", NULL, NULL, NULL } }
    };

    ld = bd->ld;
    info = bd->state[NGX_F1_REPLAY_T_SESSION_INFO];

    for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        off = ngx_f1_replay_build_json_str(&bd->b,
                  ngx_f1_replay_json_get_path(info, strings[i].path[0],
                                              strings[i].path[1],
                                              strings[i].path[2], NULL));
        if (bd->b.failed) {
            return -1;
        }

        *(ngx_f1_replay_off_t *) (bd->b.data + strings[i].offset) = off;
    }

    s = (ngx_f1_replay_session_t *) bd->b.data;
    s->magic = NGX_F1_REPLAY_SESSION_MAGIC;
    s->version = NGX_F1_REPLAY_SESSION_VERSION;
    s->utc0_ms = bd->utc0;
    s->start_ms = ld->start_ms;
    s->end_ms = ld->end_ms;
    s->warnings = ld->warnings;

    if (ld->utc_offsets.n) {
        s->utc0_source = NGX_F1_REPLAY_UTC0_CAR_DATA;

    } else if (ld->hb_offsets.n) {
        s->utc0_source = NGX_F1_REPLAY_UTC0_HEARTBEAT;

    } else if (bd->utc0 != 0) {
        s->utc0_source = NGX_F1_REPLAY_UTC0_RACE_CONTROL;
    }

    if (ld->have & (1u << NGX_F1_REPLAY_T_CAR_DATA)) {
        s->flags |= NGX_F1_REPLAY_HAS_CAR_DATA;
    }

    if (ld->have & (1u << NGX_F1_REPLAY_T_POSITION)) {
        s->flags |= NGX_F1_REPLAY_HAS_POSITION;
    }

    if (ld->have & ((1u << NGX_F1_REPLAY_T_TIMING_DATA)
                    | (1u << NGX_F1_REPLAY_T_TIMING_APP_DATA)))
    {
        s->flags |= NGX_F1_REPLAY_HAS_TIMING;
    }

    if (ld->have & (1u << NGX_F1_REPLAY_T_TIMING_DATA)) {
        s->flags |= NGX_F1_REPLAY_HAS_LAPS;
    }

    return 0;
}


/* the tables of the replay into the block; the race's laps and start */

static int
ngx_f1_replay_build_tables(ngx_f1_replay_build_t *bd)
{
    size_t                    i;
    uint32_t                  off;
    ngx_f1_replay_array_t    *a;
    ngx_f1_replay_vec_t      *v;

    static const struct {
        size_t                offset;     /* of the vector in the build */
        size_t                field;      /* of the array in the block */
        size_t                size;
    } tables[] = {
        { offsetof(ngx_f1_replay_build_t, lap_count),
          offsetof(ngx_f1_replay_session_t, lap_count),
          sizeof(ngx_f1_replay_lap_count_t) },
        { offsetof(ngx_f1_replay_build_t, track_status),
          offsetof(ngx_f1_replay_session_t, track_status),
          sizeof(ngx_f1_replay_track_status_t) },
        { offsetof(ngx_f1_replay_build_t, race_control),
          offsetof(ngx_f1_replay_session_t, race_control),
          sizeof(ngx_f1_replay_rcm_t) },
        { offsetof(ngx_f1_replay_build_t, weather),
          offsetof(ngx_f1_replay_session_t, weather),
          sizeof(ngx_f1_replay_weather_t) },
        { offsetof(ngx_f1_replay_build_t, session_status),
          offsetof(ngx_f1_replay_session_t, session_status),
          sizeof(ngx_f1_replay_status_t) }
    };

    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        v = (ngx_f1_replay_vec_t *) ((unsigned char *) bd
                                     + tables[i].offset);

        off = ngx_f1_replay_build_alloc(&bd->b, v->n * tables[i].size);
        if (bd->b.failed) {
            return -1;
        }

        if (v->n) {
            memcpy(bd->b.data + off, v->items, v->n * tables[i].size);
        }

        a = (ngx_f1_replay_array_t *) (bd->b.data + tables[i].field);
        a->off = v->n ? off : 0;
        a->n = (uint32_t) v->n;
    }

    ngx_f1_replay_build_start(bd);

    return 0;
}


/*
 * The race distance (the last TotalLaps given) and lights-out: the
 * first "Started" status, else the first LapCount line
 */

static void
ngx_f1_replay_build_start(ngx_f1_replay_build_t *bd)
{
    size_t                      j;
    ngx_f1_replay_status_t     *ss;
    ngx_f1_replay_session_t    *s;
    ngx_f1_replay_lap_count_t  *lc;

    s = (ngx_f1_replay_session_t *) bd->b.data;
    lc = bd->lap_count.items;
    ss = bd->session_status.items;

    s->lights_out_ms = NGX_F1_REPLAY_NO_TIME;

    for (j = 0; j < bd->lap_count.n; j++) {
        if (lc[j].total) {
            s->total_laps = lc[j].total;
        }
    }

    for (j = 0; j < bd->session_status.n; j++) {
        if (strcmp(ngx_f1_replay_str(s, ss[j].status), "Started") == 0) {
            s->lights_out_ms = ss[j].t;
            return;
        }
    }

    if (bd->lap_count.n) {
        s->lights_out_ms = lc[0].t;
    }
}


/*
 * The drivers, in driver-list order (numbers without a line last): every
 * car named by the driver list or seen in any data
 */

static int
ngx_f1_replay_build_drivers(ngx_f1_replay_build_t *bd)
{
    int                           rc;
    char                          key[8];
    size_t                        i, n, ndrivers;
    double                        d;
    uint32_t                      doff;
    unsigned                      number;
    ngx_f1_replay_session_t      *s;
    ngx_f1_replay_loader_t       *ld;
    const ngx_f1_replay_json_t   *drivers;
    ngx_f1_replay_build_order_t  *order;

    ld = bd->ld;
    drivers = bd->state[NGX_F1_REPLAY_T_DRIVER_LIST];

    if (drivers != NULL && drivers->type == NGX_F1_REPLAY_JSON_OBJECT) {
        for (i = 0; i < drivers->nitems; i++) {
            number = ngx_f1_replay_loader_car_number(drivers->keys[i]);
            if (number) {
                ld->cars[number].seen = 1;
            }
        }
    }

    ndrivers = 0;
    for (i = 0; i < NGX_F1_REPLAY_LOADER_MAX_CARS; i++) {
        ndrivers += ld->cars[i].seen;
    }

    order = calloc(ndrivers + 1, sizeof(ngx_f1_replay_build_order_t));
    if (order == NULL) {
        return -1;
    }

    n = 0;
    for (i = 0; i < NGX_F1_REPLAY_LOADER_MAX_CARS; i++) {
        if (!ld->cars[i].seen) {
            continue;
        }

        snprintf(key, sizeof(key), "%zu", i);
        order[n].number = (unsigned) i;
        order[n].line = UINT32_MAX;

        if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(
                ngx_f1_replay_json_get(drivers, key), "Line"), &d) == 0
            && d >= 0)
        {
            order[n].line = (unsigned) d;
        }

        n++;
    }

    qsort(order, n, sizeof(ngx_f1_replay_build_order_t),
          ngx_f1_replay_build_order_cmp);

    doff = ngx_f1_replay_build_alloc(&bd->b,
                                   ndrivers * sizeof(ngx_f1_replay_driver_t));

    rc = bd->b.failed ? -1 : 0;

    if (rc == 0) {
        s = (ngx_f1_replay_session_t *) bd->b.data;
        s->drivers.off = ndrivers ? doff : 0;
        s->drivers.n = (uint32_t) ndrivers;
    }

    for (i = 0; rc == 0 && i < ndrivers; i++) {
        rc = ngx_f1_replay_build_driver(bd, doff, i, &order[i]);
    }

    free(order);

    return rc;
}


/*
 * Driver i of the block (at doff): its names and colour, its samples on
 * the session clock, its race-state records and stints.  The block may
 * move on every allocation: the driver is found again after each.
 */

#define ngx_f1_replay_build_drv(bd, doff, i)                                  \
    ((ngx_f1_replay_driver_t *) ((bd)->b.data + (doff)) + (i))

static int
ngx_f1_replay_build_driver(ngx_f1_replay_build_t *bd, uint32_t doff,
    size_t i, const ngx_f1_replay_build_order_t *o)
{
    char                         key[8];
    size_t                       n;
    uint32_t                     off;
    const char                  *s;
    ngx_f1_replay_driver_t      *drv;
    ngx_f1_replay_car_acc_t     *acc;
    const ngx_f1_replay_json_t  *dl, *app;

    acc = &bd->ld->cars[o->number];

    snprintf(key, sizeof(key), "%u", o->number);
    dl = ngx_f1_replay_json_get(bd->state[NGX_F1_REPLAY_T_DRIVER_LIST], key);

    drv = ngx_f1_replay_build_drv(bd, doff, i);
    drv->number = (uint16_t) o->number;
    drv->line = o->line < 256 ? (uint8_t) o->line : 0;

    s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(dl, "Tla"));
    snprintf(drv->tla, sizeof(drv->tla), "%s", s ? s : "");

    s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(dl, "TeamColour"));
    drv->colour = s ? (uint32_t) strtoul(s, NULL, 16) & 0xffffff : 0;

    off = ngx_f1_replay_build_json_str(&bd->b,
                                    ngx_f1_replay_json_get(dl, "FullName"));
    ngx_f1_replay_build_drv(bd, doff, i)->full_name = off;
    off = ngx_f1_replay_build_json_str(&bd->b,
                               ngx_f1_replay_json_get(dl, "BroadcastName"));
    ngx_f1_replay_build_drv(bd, doff, i)->broadcast_name = off;
    off = ngx_f1_replay_build_json_str(&bd->b,
                                    ngx_f1_replay_json_get(dl, "TeamName"));
    ngx_f1_replay_build_drv(bd, doff, i)->team = off;

    /* car and position samples: by time, one per instant */

    off = ngx_f1_replay_build_samples(&bd->b, &acc->car,
                                      sizeof(ngx_f1_replay_raw_car_t),
                                      offsetof(ngx_f1_replay_raw_car_t, s),
                                      sizeof(ngx_f1_replay_car_t), bd->utc0,
                                      &n);
    if (bd->b.failed) {
        return -1;
    }

    drv = ngx_f1_replay_build_drv(bd, doff, i);
    drv->car.off = n ? off : 0;
    drv->car.n = (uint32_t) n;

    off = ngx_f1_replay_build_samples(&bd->b, &acc->pos,
                                      sizeof(ngx_f1_replay_raw_pos_t),
                                      offsetof(ngx_f1_replay_raw_pos_t, s),
                                      sizeof(ngx_f1_replay_pos_t), bd->utc0,
                                      &n);
    if (bd->b.failed) {
        return -1;
    }

    drv = ngx_f1_replay_build_drv(bd, doff, i);
    drv->pos.off = n ? off : 0;
    drv->pos.n = (uint32_t) n;

    /* race-state records */

    off = ngx_f1_replay_build_alloc(&bd->b, acc->states.n
                                            * sizeof(ngx_f1_replay_state_t));
    if (bd->b.failed) {
        return -1;
    }

    if (acc->states.n) {
        memcpy(bd->b.data + off, acc->states.items,
               acc->states.n * sizeof(ngx_f1_replay_state_t));
    }

    drv = ngx_f1_replay_build_drv(bd, doff, i);
    drv->states.off = acc->states.n ? off : 0;
    drv->states.n = (uint32_t) acc->states.n;

    /* stints: the final TimingAppData list, with first-seen times */

    app = bd->state[NGX_F1_REPLAY_T_TIMING_APP_DATA];

    return ngx_f1_replay_build_stints(bd, doff, i,
               ngx_f1_replay_json_get(ngx_f1_replay_json_get(
                   ngx_f1_replay_json_get(app, "Lines"), key), "Stints"));
}


static int
ngx_f1_replay_build_stints(ngx_f1_replay_build_t *bd, uint32_t doff,
    size_t i, const ngx_f1_replay_json_t *stints)
{
    int                          yes;
    size_t                       j, n;
    double                       d;
    uint32_t                     off;
    ngx_f1_replay_stint_t       *stint;
    ngx_f1_replay_driver_t      *drv;
    ngx_f1_replay_car_acc_t     *acc;
    const ngx_f1_replay_json_t  *it;

    n = (stints != NULL
         && (stints->type == NGX_F1_REPLAY_JSON_ARRAY
             || stints->type == NGX_F1_REPLAY_JSON_OBJECT))
        ? stints->nitems : 0;

    off = ngx_f1_replay_build_alloc(&bd->b,
                                    n * sizeof(ngx_f1_replay_stint_t));
    if (bd->b.failed) {
        return -1;
    }

    drv = ngx_f1_replay_build_drv(bd, doff, i);
    acc = &bd->ld->cars[drv->number];
    stint = (ngx_f1_replay_stint_t *) (bd->b.data + off);

    for (j = 0; j < n; j++) {
        it = stints->items[j];

        stint[j].t = j < acc->stint_t.n
                     ? ((int32_t *) acc->stint_t.items)[j]
                     : NGX_F1_REPLAY_NO_TIME;
        stint[j].start_lap = j < acc->stint_lap.n
                             ? ((uint16_t *) acc->stint_lap.items)[j] : 0;
        stint[j].compound = (uint8_t) ngx_f1_replay_session_compound(
                                ngx_f1_replay_json_string(
                                    ngx_f1_replay_json_get(it, "Compound")));
        stint[j].tyre_new = 2;

        if (ngx_f1_replay_json_bool(ngx_f1_replay_json_get(it, "New"), &yes)
            == 0)
        {
            stint[j].tyre_new = yes ? 1 : 0;
        }

        if (ngx_f1_replay_json_number(
                ngx_f1_replay_json_get(it, "TyresNotChanged"), &d) == 0)
        {
            stint[j].not_changed = (d != 0);
        }

        if (ngx_f1_replay_json_number(
                ngx_f1_replay_json_get(it, "StartLaps"), &d) == 0
            && d >= 0 && d < 65536)
        {
            stint[j].start_age = (uint16_t) d;
        }

        if (ngx_f1_replay_json_number(
                ngx_f1_replay_json_get(it, "TotalLaps"), &d) == 0
            && d >= 0 && d < 65536)
        {
            stint[j].total_laps = (uint16_t) d;
        }
    }

    drv->stints.off = n ? off : 0;
    drv->stints.n = (uint32_t) n;

    return 0;
}


/* the session's events, found on the block built so far */

static int
ngx_f1_replay_build_events(ngx_f1_replay_block_t *b)
{
    size_t                    n;
    uint32_t                  off;
    ngx_f1_replay_event_t    *ev;
    ngx_f1_replay_session_t  *s;

    if (ngx_f1_replay_timeline_build((ngx_f1_replay_session_t *) b->data,
                                     &ev, &n)
        != 0)
    {
        return -1;
    }

    off = ngx_f1_replay_build_alloc(b, n * sizeof(ngx_f1_replay_event_t));

    if (!b->failed && n) {
        memcpy(b->data + off, ev, n * sizeof(ngx_f1_replay_event_t));

        s = (ngx_f1_replay_session_t *) b->data;
        s->events.off = off;
        s->events.n = (uint32_t) n;
    }

    free(ev);

    return b->failed ? -1 : 0;
}


static int
ngx_f1_replay_build_rcm(ngx_f1_replay_block_t *b, ngx_f1_replay_rcm_t *rcm,
    int32_t t, const ngx_f1_replay_json_t *item)
{
    double       d;
    const char  *s;

    rcm->t = t;
    rcm->lap = -1;
    rcm->sector = -1;
    rcm->utc_ms = -1;
    rcm->racing_number = 0;
    rcm->pad = 0;

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(item, "Lap"), &d)
        == 0
        && d >= 0 && d < 65536)
    {
        rcm->lap = (int32_t) d;
    }

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(item, "Sector"),
                                  &d)
        == 0
        && d >= 0 && d < 65536)
    {
        rcm->sector = (int32_t) d;
    }

    if (ngx_f1_replay_json_number(
            ngx_f1_replay_json_get(item, "RacingNumber"), &d) == 0
        && d > 0 && d < NGX_F1_REPLAY_LOADER_MAX_CARS)
    {
        rcm->racing_number = (uint16_t) d;
    }

    s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(item, "Utc"));
    if (s == NULL
        || ngx_f1_replay_time_parse_utc(s, strlen(s), &rcm->utc_ms) != 0)
    {
        rcm->utc_ms = -1;
    }

    rcm->category = ngx_f1_replay_build_json_str(b,
                                   ngx_f1_replay_json_get(item, "Category"));
    rcm->flag = ngx_f1_replay_build_json_str(b,
                                   ngx_f1_replay_json_get(item, "Flag"));
    rcm->scope = ngx_f1_replay_build_json_str(b,
                                   ngx_f1_replay_json_get(item, "Scope"));
    rcm->message = ngx_f1_replay_build_json_str(b,
                                   ngx_f1_replay_json_get(item, "Message"));

    return b->failed ? -1 : 0;
}


static uint32_t
ngx_f1_replay_build_samples(ngx_f1_replay_block_t *b, ngx_f1_replay_vec_t *raw,
    size_t raw_size, size_t s_off, size_t size, int64_t utc0, size_t *n)
{
    size_t          j, k;
    int32_t         t32;
    int64_t         t, utc;
    uint32_t        off;
    unsigned char  *r, *out, *prev;

    /* the UTC leads each raw sample: sorted as a plain int64_t */

    ngx_f1_replay_loader_sort(raw, raw_size, ngx_f1_replay_build_int64_cmp);

    *n = 0;

    off = ngx_f1_replay_build_alloc(b, raw->n * size);
    if (b->failed) {
        return 0;
    }

    out = b->data + off;
    prev = NULL;

    for (j = 0, k = 0; j < raw->n; j++) {
        r = (unsigned char *) raw->items + j * raw_size;

        memcpy(&utc, r, sizeof(int64_t));
        t = utc - utc0;

        if (t < INT32_MIN + 1 || t > INT32_MAX) {
            continue;
        }

        t32 = (int32_t) t;

        if (prev != NULL && memcmp(prev, &t32, sizeof(int32_t)) == 0) {
            continue;
        }

        prev = out + k * size;
        memcpy(prev, r + s_off, size);
        memcpy(prev, &t32, sizeof(int32_t));
        k++;
    }

    *n = k;

    return off;
}


uint32_t
ngx_f1_replay_build_alloc(ngx_f1_replay_block_t *b, size_t size)
{
    size_t          off, n;
    unsigned char  *p;

    if (b->failed) {
        return 0;
    }

    off = (b->len + 7) & ~(size_t) 7;

    if (off + size > UINT32_MAX) {
        b->failed = 1;
        return 0;
    }

    if (off + size > b->alloc) {
        n = b->alloc ? b->alloc : 1024 * 1024;

        while (n < off + size) {
            n *= 2;
        }

        p = realloc(b->data, n);
        if (p == NULL) {
            b->failed = 1;
            return 0;
        }

        b->data = p;
        b->alloc = n;
    }

    memset(b->data + b->len, 0, off + size - b->len);
    b->len = off + size;

    return (uint32_t) off;
}


static uint32_t
ngx_f1_replay_build_str(ngx_f1_replay_block_t *b, const char *s)
{
    size_t    len;
    uint32_t  off;

    if (s == NULL) {
        return 0;
    }

    len = strlen(s);

    off = ngx_f1_replay_build_alloc(b, len + 1);
    if (b->failed) {
        return 0;
    }

    memcpy(b->data + off, s, len + 1);

    return off;
}


static uint32_t
ngx_f1_replay_build_json_str(ngx_f1_replay_block_t *b,
    const ngx_f1_replay_json_t *v)
{
    char  buf[32];

    if (v == NULL) {
        return 0;
    }

    if (v->type == NGX_F1_REPLAY_JSON_STRING) {
        return ngx_f1_replay_build_str(b, v->str);
    }

    if (v->type == NGX_F1_REPLAY_JSON_NUMBER) {
        snprintf(buf, sizeof(buf), "%.15g", v->number);
        return ngx_f1_replay_build_str(b, buf);
    }

    return 0;
}


static int
ngx_f1_replay_build_line_cmp(const void *a, const void *b)
{
    const ngx_f1_replay_loader_line_t  *ma = a, *mb = b;

    if (ma->t != mb->t) {
        return ma->t < mb->t ? -1 : 1;
    }

    return ma->seq < mb->seq ? -1 : (ma->seq > mb->seq);
}


static int
ngx_f1_replay_build_int64_cmp(const void *a, const void *b)
{
    const int64_t  *ia = a, *ib = b;

    return *ia < *ib ? -1 : (*ia > *ib);
}


static int64_t
ngx_f1_replay_build_median(ngx_f1_replay_vec_t *v)
{
    ngx_f1_replay_loader_sort(v, sizeof(int64_t),
                              ngx_f1_replay_build_int64_cmp);

    return ((int64_t *) v->items)[v->n / 2];
}


static int
ngx_f1_replay_build_order_cmp(const void *a, const void *b)
{
    const ngx_f1_replay_build_order_t  *oa = a, *ob = b;

    if (oa->line != ob->line) {
        return oa->line < ob->line ? -1 : 1;
    }

    return oa->number < ob->number ? -1 : (oa->number > ob->number);
}
