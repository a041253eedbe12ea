
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdio.h>
#include <string.h>

#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_timeline.h"


static int ngx_f1_replay_message_event_tla(const ngx_f1_replay_session_t *s,
    const char *key, const char *tla_key, unsigned number, yajl_gen g);
static int ngx_f1_replay_message_event_end(const ngx_f1_replay_event_t *e,
    int stream, yajl_gen g);
static int ngx_f1_replay_message_event_stint(
    const ngx_f1_replay_session_t *s, const ngx_f1_replay_event_t *e,
    yajl_gen g);
static int ngx_f1_replay_message_event_fields(
    const ngx_f1_replay_session_t *s, const ngx_f1_replay_event_t *e,
    int stream, yajl_gen g);


/* "driver":n,"tla":"..." (or "other", "other_tla") */

static int
ngx_f1_replay_message_event_tla(const ngx_f1_replay_session_t *s,
    const char *key, const char *tla_key, unsigned number, yajl_gen g)
{
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, number);

    ngx_f1_replay_yajl_cstr(g, key);
    ngx_f1_replay_yajl(yajl_gen_integer(g, number));
    ngx_f1_replay_yajl_cstr(g, tla_key);
    ngx_f1_replay_yajl_cstr(g, d ? d->tla : "");

    return 0;
}


/* "end":ms,"end_time":"..." of a period or a stop; null on the stream */

static int
ngx_f1_replay_message_event_end(const ngx_f1_replay_event_t *e, int stream,
    yajl_gen g)
{
    if (stream || e->end == NGX_F1_REPLAY_NO_TIME) {
        ngx_f1_replay_yajl_knull(g, "end");
        ngx_f1_replay_yajl_knull(g, "end_time");
        return 0;
    }

    ngx_f1_replay_yajl_kint(g, "end", e->end);
    ngx_f1_replay_yajl_key(g, "end_time");

    return ngx_f1_replay_message_time(g, e->end);
}


/* pit stop, stint: "stint" (1-based), "compound", "new", "tyre_age" */

static int
ngx_f1_replay_message_event_stint(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_event_t *e, yajl_gen g)
{
    const ngx_f1_replay_stint_t   *stint;
    const ngx_f1_replay_driver_t  *d;

    ngx_f1_replay_yajl_kint(g, "stint", e->value + 1);
    ngx_f1_replay_yajl_kstr(g, "compound",
                            ngx_f1_replay_session_compound_name(e->compound));

    d = ngx_f1_replay_session_driver(s, e->driver);

    if (d == NULL || e->value < 1 || (uint32_t) e->value >= d->stints.n) {
        return 0;
    }

    stint = ngx_f1_replay_items(s, d->stints, ngx_f1_replay_stint_t);

    ngx_f1_replay_yajl_key(g, "new");
    if (ngx_f1_replay_message_new(g, stint[e->value].tyre_new) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "tyre_age", stint[e->value].start_age);

    if (e->type == NGX_F1_REPLAY_EV_STINT) {
        ngx_f1_replay_yajl_kbool(g, "tyre_change",
            ngx_f1_replay_timeline_tyre_change(&stint[e->value - 1],
                                               &stint[e->value]));
    }

    return 0;
}


/* what an event of its type tells, as members of the open map */

static int
ngx_f1_replay_message_event_fields(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_event_t *e, int stream, yajl_gen g)
{
    char                           buf[32];
    const ngx_f1_replay_state_t   *st;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, e->driver);
    st = NULL;

    if (d && e->value >= 0 && (uint32_t) e->value < d->states.n) {
        st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t)
             + e->value;
    }

    switch (e->type) {

    case NGX_F1_REPLAY_EV_LAP:
        ngx_f1_replay_yajl_kint(g, "total_laps", s->total_laps);
        break;

    case NGX_F1_REPLAY_EV_CAR_LAP:
        if (st == NULL) {
            break;
        }

        ngx_f1_replay_yajl_kint(g, "position", st->position);
        ngx_f1_replay_yajl_key(g, "lap_time_ms");

        if (ngx_f1_replay_message_ms(g, st->last_lap_ms) != 0
            || ngx_f1_replay_message_gap(g, "gap_ms", "gap_laps", st->gap)
               != 0
            || ngx_f1_replay_message_gap(g, "interval_ms", "interval_laps",
                                         st->interval)
               != 0)
        {
            return -1;
        }

        break;

    case NGX_F1_REPLAY_EV_POSITION:
        if (st) {
            ngx_f1_replay_yajl_kint(g, "position", st->position);
        }

        break;

    case NGX_F1_REPLAY_EV_PIT_STOP:
        if (ngx_f1_replay_message_event_end(e, stream, g) != 0) {
            return -1;
        }

        /* fall through */

    case NGX_F1_REPLAY_EV_STINT:
        return ngx_f1_replay_message_event_stint(s, e, g);

    case NGX_F1_REPLAY_EV_OVERTAKE:
        if (ngx_f1_replay_message_event_tla(s, "other", "other_tla",
                                            e->other, g)
            != 0)
        {
            return -1;
        }

        ngx_f1_replay_yajl_kint(g, "position", e->value);
        break;

    case NGX_F1_REPLAY_EV_SAFETY_CAR:
    case NGX_F1_REPLAY_EV_VSC:
    case NGX_F1_REPLAY_EV_RED_FLAG:
        return ngx_f1_replay_message_event_end(e, stream, g);

    case NGX_F1_REPLAY_EV_TRACK_STATUS:
        if (e->value < 0 || (uint32_t) e->value >= s->track_status.n) {
            break;
        }

        ngx_f1_replay_yajl_kint(g, "status",
            ngx_f1_replay_items(s, s->track_status,
                                ngx_f1_replay_track_status_t)[e->value]
            .status);
        ngx_f1_replay_yajl_kstr(g, "message", ngx_f1_replay_str(s,
            ngx_f1_replay_items(s, s->track_status,
                                ngx_f1_replay_track_status_t)[e->value]
            .message));
        break;

    case NGX_F1_REPLAY_EV_RACE_CONTROL:
        if (e->value < 0 || (uint32_t) e->value >= s->race_control.n) {
            break;
        }

        return ngx_f1_replay_message_rcm(s,
                   ngx_f1_replay_items(s, s->race_control,
                                       ngx_f1_replay_rcm_t) + e->value, 0,
                   g);

    case NGX_F1_REPLAY_EV_WEATHER:
        if (e->value < 0 || (uint32_t) e->value >= s->weather.n) {
            break;
        }

        return ngx_f1_replay_message_weather(
                   ngx_f1_replay_items(s, s->weather,
                                       ngx_f1_replay_weather_t) + e->value,
                   g);

    case NGX_F1_REPLAY_EV_FASTEST_LAP:
        ngx_f1_replay_yajl_kint(g, "lap_time_ms", e->value);

        snprintf(buf, sizeof(buf), "%d:%02d.%03d", e->value / 60000,
                 e->value / 1000 % 60, e->value % 1000);
        ngx_f1_replay_yajl_kstr(g, "lap_time", buf);
        break;

    default:
        break;
    }

    return 0;
}


int
ngx_f1_replay_message_event(const ngx_f1_replay_session_t *s, uint32_t id,
    int stream, yajl_gen g)
{
    const ngx_f1_replay_event_t  *e;

    e = ngx_f1_replay_items(s, s->events, ngx_f1_replay_event_t) + id;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    if (stream) {
        ngx_f1_replay_yajl_kstr(g, "type", "event");
    }

    ngx_f1_replay_yajl_kint(g, "id", id);
    ngx_f1_replay_yajl_kstr(g, "event",
                            ngx_f1_replay_timeline_type_name(e->type));
    ngx_f1_replay_yajl_kint(g, "t", e->t);

    ngx_f1_replay_yajl_key(g, "time");
    if (ngx_f1_replay_message_time(g, e->t) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "lap", e->lap);

    if (e->driver
        && ngx_f1_replay_message_event_tla(s, "driver", "tla", e->driver, g)
           != 0)
    {
        return -1;
    }

    if (ngx_f1_replay_message_event_fields(s, e, stream, g) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_message_event_timeline(const ngx_f1_replay_session_t *s,
    unsigned long types, int32_t from, int32_t to, size_t limit,
    yajl_gen g)
{
    int                           truncated;
    size_t                        count;
    uint32_t                      i;
    const ngx_f1_replay_event_t  *ev;

    ev = ngx_f1_replay_items(s, s->events, ngx_f1_replay_event_t);

    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_key(g, "events");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    count = 0;
    truncated = 0;

    for (i = 0; i < s->events.n; i++) {
        if (!(types & (1UL << ev[i].type)) || ev[i].t < from
            || ev[i].t > to)
        {
            continue;
        }

        if (limit && count == limit) {
            truncated = 1;
            break;
        }

        if (ngx_f1_replay_message_event(s, i, 0, g) != 0) {
            return -1;
        }

        count++;
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl_kint(g, "count", count);
    ngx_f1_replay_yajl_kbool(g, "truncated", truncated);
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}
