
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_telemetry.h"
#include "ngx_f1_replay_time.h"


#define NGX_F1_REPLAY_LOADER_MAX_BAD   100    /* skipped lines a topic */


static int ngx_f1_replay_loader_check(uint32_t topic,
    const ngx_f1_replay_json_t *v, char *err, size_t errlen);
static int ngx_f1_replay_loader_check_lines(const ngx_f1_replay_json_t *lines,
    const char *const *numeric, const char *const *strings,
    const char *const *bools, char *err, size_t errlen);
static int ngx_f1_replay_loader_heartbeat(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_json_t *v, int32_t t, char *err, size_t errlen);


const ngx_f1_replay_topic_t  ngx_f1_replay_loader_topics[] = {
    { "SessionInfo", 1, 1 },
    { "DriverList", 1, 1 },
    { "SessionStatus", 0, 0 },
    { "LapCount", 0, 0 },
    { "TrackStatus", 0, 0 },
    { "TimingData", 0, 0 },
    { "TimingAppData", 0, 0 },
    { "RaceControlMessages", 0, 0 },
    { "WeatherData", 0, 0 },
    { "Heartbeat", 0, 0 },
    { "CarData.z", 0, 0 },
    { "Position.z", 0, 0 }
};


ngx_f1_replay_loader_t *
ngx_f1_replay_loader_create(ngx_f1_replay_warn_pt warn, void *ctx)
{
    ngx_f1_replay_loader_t  *ld;

    ld = calloc(1, sizeof(ngx_f1_replay_loader_t));
    if (ld == NULL) {
        return NULL;
    }

    ld->warn = warn;
    ld->warn_ctx = ctx;
    ld->start_ms = INT32_MAX;
    ld->end_ms = INT32_MIN;

    return ld;
}


void
ngx_f1_replay_loader_destroy(ngx_f1_replay_loader_t *ld)
{
    size_t                        i;
    ngx_f1_replay_loader_line_t  *m;

    if (ld == NULL) {
        return;
    }

    m = ld->lines.items;
    for (i = 0; i < ld->lines.n; i++) {
        ngx_f1_replay_json_free(m[i].value);
    }

    ngx_f1_replay_loader_free(&ld->lines);
    ngx_f1_replay_loader_free(&ld->utc_offsets);
    ngx_f1_replay_loader_free(&ld->hb_offsets);

    for (i = 0; i < NGX_F1_REPLAY_LOADER_MAX_CARS; i++) {
        ngx_f1_replay_loader_free(&ld->cars[i].car);
        ngx_f1_replay_loader_free(&ld->cars[i].pos);
        ngx_f1_replay_loader_free(&ld->cars[i].states);
        ngx_f1_replay_loader_free(&ld->cars[i].stint_t);
        ngx_f1_replay_loader_free(&ld->cars[i].stint_lap);
    }

    free(ld);
}


int
ngx_f1_replay_loader_add(ngx_f1_replay_loader_t *ld, const char *topic,
    const char *file, const unsigned char *buf, size_t len,
    char *err, size_t errlen)
{
    int                           rc;
    char                          reason[256];
    size_t                        lines, bad;
    uint32_t                      t;
    ngx_f1_replay_line_t          line;
    ngx_f1_replay_json_t         *v;
    ngx_f1_replay_lines_t         ls;
    ngx_f1_replay_loader_line_t  *m;

    for (t = 0; t < NGX_F1_REPLAY_T_COUNT; t++) {
        if (strcmp(ngx_f1_replay_loader_topics[t].name, topic) == 0) {
            break;
        }
    }

    if (t == NGX_F1_REPLAY_T_COUNT) {
        snprintf(err, errlen, "%s: unknown topic \"%s\"", file, topic);
        return -1;
    }

    ngx_f1_replay_line_init(&ls, buf, len);

    lines = 0;
    bad = 0;

    for ( ;; ) {
        rc = ngx_f1_replay_line_next(&ls, &line, reason, sizeof(reason));

        if (rc == NGX_F1_REPLAY_LINE_DONE) {
            break;
        }

        lines++;

        if (rc == NGX_F1_REPLAY_LINE_OK) {

            if (t == NGX_F1_REPLAY_T_CAR_DATA
                || t == NGX_F1_REPLAY_T_POSITION)
            {
                rc = ngx_f1_replay_telemetry_add(ld, t, &line, reason,
                                         sizeof(reason));

            } else {
                v = ngx_f1_replay_json_parse(line.json, line.json_len,
                                             reason, sizeof(reason));
                if (v == NULL) {
                    rc = NGX_F1_REPLAY_LINE_BAD;

                } else if (ngx_f1_replay_loader_check(t, v, reason,
                                                    sizeof(reason))
                           != 0)
                {
                    ngx_f1_replay_json_free(v);
                    rc = NGX_F1_REPLAY_LINE_BAD;

                } else if (t == NGX_F1_REPLAY_T_HEARTBEAT) {
                    rc = ngx_f1_replay_loader_heartbeat(ld, v, line.time_ms,
                                                     reason,
                                                     sizeof(reason));
                    ngx_f1_replay_json_free(v);

                } else {
                    m = ngx_f1_replay_loader_push(&ld->lines,
                                      sizeof(ngx_f1_replay_loader_line_t));
                    if (m == NULL) {
                        ngx_f1_replay_json_free(v);
                        snprintf(err, errlen, "%s:%zu: out of memory",
                                 file, line.lineno);
                        return -1;
                    }

                    m->t = line.time_ms;
                    m->topic = t;
                    m->seq = ld->seq++;
                    m->value = v;
                }
            }
        }

        if (rc != NGX_F1_REPLAY_LINE_OK) {

            if (!line.terminated) {
                snprintf(reason + strlen(reason),
                         sizeof(reason) - strlen(reason),
                         " (truncated last line)");
            }

            if (ngx_f1_replay_loader_topics[t].strict) {
                snprintf(err, errlen, "%s:%zu: %s", file, line.lineno,
                         reason);
                return -1;
            }

            if (++bad > NGX_F1_REPLAY_LOADER_MAX_BAD) {
                snprintf(err, errlen, "%s:%zu: %s; more than %d corrupt "
                         "lines, giving up", file, line.lineno, reason,
                         NGX_F1_REPLAY_LOADER_MAX_BAD);
                return -1;
            }

            ngx_f1_replay_loader_warn(ld, "%s:%zu: %s, line skipped", file,
                                line.lineno, reason);
            continue;
        }

        if (line.time_ms < ld->start_ms) {
            ld->start_ms = line.time_ms;
        }

        if (line.time_ms > ld->end_ms) {
            ld->end_ms = line.time_ms;
        }
    }

    if (lines == 0) {
        snprintf(err, errlen, "%s: file is empty", file);
        return -1;
    }

    if (bad == lines) {
        snprintf(err, errlen, "%s: no valid line in %zu", file, lines);
        return -1;
    }

    ld->have |= 1u << t;

    return 0;
}


void
ngx_f1_replay_loader_warn(ngx_f1_replay_loader_t *ld, const char *fmt, ...)
{
    char     msg[512];
    va_list  args;

    ld->warnings++;

    if (ld->warn == NULL) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    ld->warn(ld->warn_ctx, msg);
}


/*
 * Shape checks of a state-topic line, so that a wrongly typed line is
 * reported and skipped instead of silently corrupting the state.
 */

static int
ngx_f1_replay_loader_check(uint32_t topic, const ngx_f1_replay_json_t *v,
    char *err, size_t errlen)
{
    const ngx_f1_replay_json_t  *f;

    static const char *const  timing_num[] = {
        "NumberOfLaps", "NumberOfPitStops", "Position", "Line", NULL
    };
    static const char *const  timing_str[] = { "GapToLeader", NULL };
    static const char *const  timing_bool[] = {
        "InPit", "PitOut", "Retired", "Stopped", "ShowPosition",
        "KnockedOut", NULL
    };
    static const char *const  app_num[] = { "Line", NULL };
    static const char *const  none[] = { NULL };

    if (v->type != NGX_F1_REPLAY_JSON_OBJECT
        && !(topic == NGX_F1_REPLAY_T_SESSION_INFO
             && v->type == NGX_F1_REPLAY_JSON_NULL))
    {
        snprintf(err, errlen, "expected a JSON object");
        return -1;
    }

    switch (topic) {

    case NGX_F1_REPLAY_T_DRIVER_LIST:
        if (ngx_f1_replay_loader_check_lines(v, none, none, none, err, errlen)
            != 0)
        {
            return -1;
        }
        break;

    case NGX_F1_REPLAY_T_TIMING_DATA:
        f = ngx_f1_replay_json_get(v, "Lines");
        if (f != NULL
            && ngx_f1_replay_loader_check_lines(f, timing_num, timing_str,
                                         timing_bool, err, errlen)
               != 0)
        {
            return -1;
        }
        break;

    case NGX_F1_REPLAY_T_TIMING_APP_DATA:
        f = ngx_f1_replay_json_get(v, "Lines");
        if (f != NULL
            && ngx_f1_replay_loader_check_lines(f, app_num, none, none, err,
                                         errlen)
               != 0)
        {
            return -1;
        }
        break;

    case NGX_F1_REPLAY_T_LAP_COUNT:
        f = ngx_f1_replay_json_get(v, "CurrentLap");
        if (f != NULL && f->type != NGX_F1_REPLAY_JSON_NUMBER) {
            snprintf(err, errlen, "\"CurrentLap\" is not a number");
            return -1;
        }

        f = ngx_f1_replay_json_get(v, "TotalLaps");
        if (f != NULL && f->type != NGX_F1_REPLAY_JSON_NUMBER) {
            snprintf(err, errlen, "\"TotalLaps\" is not a number");
            return -1;
        }
        break;

    case NGX_F1_REPLAY_T_RACE_CONTROL:
        f = ngx_f1_replay_json_get(v, "Messages");
        if (f == NULL
            || (f->type != NGX_F1_REPLAY_JSON_ARRAY
                && f->type != NGX_F1_REPLAY_JSON_OBJECT))
        {
            snprintf(err, errlen, "\"Messages\" is not a list or object");
            return -1;
        }
        break;

    case NGX_F1_REPLAY_T_TRACK_STATUS:
    case NGX_F1_REPLAY_T_SESSION_STATUS:
        f = ngx_f1_replay_json_get(v, "Status");
        if (f != NULL && f->type != NGX_F1_REPLAY_JSON_STRING
            && f->type != NGX_F1_REPLAY_JSON_NUMBER)
        {
            snprintf(err, errlen, "\"Status\" is not a string");
            return -1;
        }
        break;

    default:
        break;
    }

    return 0;
}


/*
 * {"<number>": {...}, ...}: every member an object whose listed fields
 * have the right kind (numbers may come as numeric strings).
 */

static int
ngx_f1_replay_loader_check_lines(const ngx_f1_replay_json_t *lines,
    const char *const *numeric, const char *const *strings,
    const char *const *bools, char *err, size_t errlen)
{
    int                          b;
    size_t                       i;
    double                       d;
    const char *const           *k;
    const ngx_f1_replay_json_t  *car, *f;

    if (lines->type != NGX_F1_REPLAY_JSON_OBJECT) {
        snprintf(err, errlen, "\"Lines\" is not an object");
        return -1;
    }

    for (i = 0; i < lines->nitems; i++) {
        car = lines->items[i];

        if (ngx_f1_replay_loader_car_number(lines->keys[i]) == 0) {
            continue;
        }

        if (car->type != NGX_F1_REPLAY_JSON_OBJECT) {
            snprintf(err, errlen, "car \"%s\" is not an object",
                     lines->keys[i]);
            return -1;
        }

        for (k = numeric; *k; k++) {
            f = ngx_f1_replay_json_get(car, *k);
            if (f != NULL && ngx_f1_replay_json_number(f, &d) != 0
                && !(f->type == NGX_F1_REPLAY_JSON_STRING && f->len == 0))
            {
                snprintf(err, errlen, "car \"%s\": \"%s\" is not a number",
                         lines->keys[i], *k);
                return -1;
            }
        }

        for (k = strings; *k; k++) {
            f = ngx_f1_replay_json_get(car, *k);
            if (f != NULL && f->type != NGX_F1_REPLAY_JSON_STRING) {
                snprintf(err, errlen, "car \"%s\": \"%s\" is not a string",
                         lines->keys[i], *k);
                return -1;
            }
        }

        for (k = bools; *k; k++) {
            f = ngx_f1_replay_json_get(car, *k);
            if (f != NULL && ngx_f1_replay_json_bool(f, &b) != 0) {
                snprintf(err, errlen,
                         "car \"%s\": \"%s\" is not a boolean",
                         lines->keys[i], *k);
                return -1;
            }
        }
    }

    return 0;
}


static int
ngx_f1_replay_loader_heartbeat(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_json_t *v, int32_t t, char *err, size_t errlen)
{
    int64_t      utc, *off;
    const char  *s;

    s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(v, "Utc"));

    if (s == NULL || ngx_f1_replay_time_parse_utc(s, strlen(s), &utc) != 0) {
        snprintf(err, errlen, "\"Utc\" is missing or not a UTC time");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    off = ngx_f1_replay_loader_push(&ld->hb_offsets, sizeof(int64_t));
    if (off == NULL) {
        snprintf(err, errlen, "out of memory");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    *off = utc - t;

    return NGX_F1_REPLAY_LINE_OK;
}


/* a racing number "1".."999", else 0 */

unsigned
ngx_f1_replay_loader_car_number(const char *key)
{
    unsigned  n;

    if (key[0] < '1' || key[0] > '9') {
        return 0;
    }

    for (n = 0; *key; key++) {
        if (*key < '0' || *key > '9') {
            return 0;
        }

        n = n * 10 + (*key - '0');

        if (n >= NGX_F1_REPLAY_LOADER_MAX_CARS) {
            return 0;
        }
    }

    return n;
}


void *
ngx_f1_replay_loader_push(ngx_f1_replay_vec_t *v, size_t size)
{
    void    *p;
    size_t   n;

    if (v->n == v->nalloc) {
        n = v->nalloc ? v->nalloc * 2 : 64;

        p = realloc(v->items, n * size);
        if (p == NULL) {
            return NULL;
        }

        v->items = p;
        v->nalloc = n;
    }

    return (unsigned char *) v->items + size * v->n++;
}


/* qsort() must not see the NULL items of an empty vector */

void
ngx_f1_replay_loader_sort(ngx_f1_replay_vec_t *v, size_t size,
    int (*cmp)(const void *, const void *))
{
    if (v->n > 1) {
        qsort(v->items, v->n, size, cmp);
    }
}


void
ngx_f1_replay_loader_free(ngx_f1_replay_vec_t *v)
{
    free(v->items);
    v->items = NULL;
    v->n = 0;
    v->nalloc = 0;
}
