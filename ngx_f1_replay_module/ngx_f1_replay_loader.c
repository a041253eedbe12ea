
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_line.h"
#include "ngx_f1_replay_loader.h"


#define NGX_F1_REPLAY_MAX_CARS        1000   /* racing numbers 0-999 */
#define NGX_F1_REPLAY_MAX_ENTRY_CARS  128
#define NGX_F1_REPLAY_MAX_LINES       128
#define NGX_F1_REPLAY_MAX_FILE        (1024 * 1024 * 1024)
#define NGX_F1_REPLAY_MAX_INFLATED    (64 * 1024 * 1024)
#define NGX_F1_REPLAY_MAX_BAD_LINES   100
#define NGX_F1_REPLAY_OUTLINE_STEP    50     /* decimetres between points */


typedef enum {
    NGX_F1_REPLAY_T_SESSION_INFO = 0,
    NGX_F1_REPLAY_T_DRIVER_LIST,
    NGX_F1_REPLAY_T_SESSION_STATUS,
    NGX_F1_REPLAY_T_LAP_COUNT,
    NGX_F1_REPLAY_T_TRACK_STATUS,
    NGX_F1_REPLAY_T_TIMING_DATA,
    NGX_F1_REPLAY_T_TIMING_APP_DATA,
    NGX_F1_REPLAY_T_RACE_CONTROL,
    NGX_F1_REPLAY_T_WEATHER,
    NGX_F1_REPLAY_T_HEARTBEAT,
    NGX_F1_REPLAY_T_CAR_DATA,
    NGX_F1_REPLAY_T_POSITION,
    NGX_F1_REPLAY_T_COUNT
} ngx_f1_replay_topic_e;


typedef struct {
    const char                *name;
    unsigned                   required:1;
    unsigned                   strict:1;      /* a bad line is fatal */
} ngx_f1_replay_topic_t;


static const ngx_f1_replay_topic_t  ngx_f1_replay_topics[] = {
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


/* one line of a state topic, applied in session-time order at build */
typedef struct {
    int32_t                    t;
    uint32_t                   topic;
    size_t                     seq;
    ngx_f1_replay_json_t      *value;
} ngx_f1_replay_msg_t;


typedef struct {
    int64_t                    utc;
    ngx_f1_replay_car_t        s;
} ngx_f1_replay_raw_car_t;


typedef struct {
    int64_t                    utc;
    ngx_f1_replay_pos_t        s;
} ngx_f1_replay_raw_pos_t;


typedef struct {
    void                      *items;
    size_t                     n;
    size_t                     nalloc;
} ngx_f1_replay_vec_t;


typedef struct {
    ngx_f1_replay_vec_t        car;       /* ngx_f1_replay_raw_car_t */
    ngx_f1_replay_vec_t        pos;       /* ngx_f1_replay_raw_pos_t */
    ngx_f1_replay_vec_t        states;    /* ngx_f1_replay_state_t */
    ngx_f1_replay_vec_t        stint_t;   /* int32_t, first seen */
    ngx_f1_replay_vec_t        stint_lap; /* uint16_t, laps then */
    unsigned                   seen:1;
} ngx_f1_replay_car_acc_t;


struct ngx_f1_replay_loader_s {
    ngx_f1_replay_warn_pt      warn;
    void                      *warn_ctx;
    uint32_t                   warnings;
    uint32_t                   have;          /* topics added, bits */

    int32_t                    start_ms;
    int32_t                    end_ms;

    ngx_f1_replay_vec_t        msgs;          /* ngx_f1_replay_msg_t */
    size_t                     seq;

    ngx_f1_replay_vec_t        utc_offsets;   /* int64_t, car data */
    ngx_f1_replay_vec_t        hb_offsets;    /* int64_t, heartbeat */

    ngx_f1_replay_car_acc_t    cars[NGX_F1_REPLAY_MAX_CARS];
};


/* SAX parse of one decoded CarData.z / Position.z line */

typedef enum {
    NGX_F1_REPLAY_C_IGNORE = 0,
    NGX_F1_REPLAY_C_ROOT,
    NGX_F1_REPLAY_C_LIST,          /* Entries / Position array */
    NGX_F1_REPLAY_C_ENTRY,         /* one timestamped entry */
    NGX_F1_REPLAY_C_CARS,          /* Cars / Entries map */
    NGX_F1_REPLAY_C_CAR,           /* one car */
    NGX_F1_REPLAY_C_CHANNELS
} ngx_f1_replay_ctx_e;


#define NGX_F1_REPLAY_SAX_DEPTH  16


typedef struct {
    int                        position;      /* else car data */
    int                        depth;
    uint8_t                    ctx[NGX_F1_REPLAY_SAX_DEPTH];
    char                       key[16];
    size_t                     key_len;

    int64_t                    utc;
    int64_t                    last_utc;
    unsigned                   entries;
    unsigned                   ncars;
    unsigned                   number[NGX_F1_REPLAY_MAX_ENTRY_CARS];
    ngx_f1_replay_car_t        car[NGX_F1_REPLAY_MAX_ENTRY_CARS];
    ngx_f1_replay_pos_t        pos[NGX_F1_REPLAY_MAX_ENTRY_CARS];

    ngx_f1_replay_loader_t    *ld;
    char                       err[128];
} ngx_f1_replay_sax_t;


typedef struct {
    unsigned                   line;
    unsigned                   number;
} ngx_f1_replay_order_t;


/* a topic decoded on a thread of its own */
typedef struct {
    ngx_f1_replay_loader_t    *ld;
    const char                *topic;
    char                       path[4096];
    int                        rc;
    char                       err[1024];
    ngx_f1_replay_vec_t        warnings;   /* char * */
} ngx_f1_replay_job_t;


/* growable output block, referenced by offsets only */
typedef struct {
    unsigned char             *data;
    size_t                     len;
    size_t                     alloc;
    int                        failed;
} ngx_f1_replay_block_t;


static void *ngx_f1_replay_vec_push(ngx_f1_replay_vec_t *v, size_t size);
static void ngx_f1_replay_vec_sort(ngx_f1_replay_vec_t *v, size_t size,
    int (*cmp)(const void *, const void *));
static void ngx_f1_replay_vec_free(ngx_f1_replay_vec_t *v);
static int ngx_f1_replay_read_file(const char *path, unsigned char **buf,
    size_t *len, char *err, size_t errlen);
static void ngx_f1_replay_warnf(ngx_f1_replay_loader_t *ld, const char *fmt,
    ...);
static int ngx_f1_replay_check_line(uint32_t topic,
    const ngx_f1_replay_json_t *v, char *err, size_t errlen);
static int ngx_f1_replay_check_lines(const ngx_f1_replay_json_t *lines,
    const char *const *numeric, const char *const *strings,
    const char *const *bools, char *err, size_t errlen);
static int ngx_f1_replay_add_z(ngx_f1_replay_loader_t *ld, uint32_t topic,
    ngx_f1_replay_line_t *line, char *err, size_t errlen);
static int ngx_f1_replay_add_heartbeat(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_json_t *v, int32_t t, char *err, size_t errlen);

static int ngx_f1_replay_sax_null(void *ctx);
static int ngx_f1_replay_sax_bool(void *ctx, int b);
static int ngx_f1_replay_sax_integer(void *ctx, long long n);
static int ngx_f1_replay_sax_double(void *ctx, double d);
static int ngx_f1_replay_sax_string(void *ctx, const unsigned char *s,
    size_t len);
static int ngx_f1_replay_sax_start_map(void *ctx);
static int ngx_f1_replay_sax_key(void *ctx, const unsigned char *s,
    size_t len);
static int ngx_f1_replay_sax_end(void *ctx);
static int ngx_f1_replay_sax_start_array(void *ctx);
static int ngx_f1_replay_sax_open(ngx_f1_replay_sax_t *sx, int map);
static int ngx_f1_replay_sax_scalar(ngx_f1_replay_sax_t *sx);
static int ngx_f1_replay_sax_commit(ngx_f1_replay_sax_t *sx);

static int ngx_f1_replay_msg_cmp(const void *a, const void *b);
static int ngx_f1_replay_int64_cmp(const void *a, const void *b);
static uint32_t ngx_f1_replay_samples(ngx_f1_replay_block_t *b,
    ngx_f1_replay_vec_t *raw, size_t raw_size, size_t s_off, size_t size,
    int64_t utc0, size_t *n);
static int ngx_f1_replay_order_cmp(const void *a, const void *b);
static int64_t ngx_f1_replay_median(ngx_f1_replay_vec_t *v);
static int ngx_f1_replay_rcm(ngx_f1_replay_block_t *b,
    ngx_f1_replay_rcm_t *rcm, int32_t t, const ngx_f1_replay_json_t *item);
static int ngx_f1_replay_car_state(ngx_f1_replay_loader_t *ld,
    unsigned number, int32_t t, const ngx_f1_replay_json_t *timing,
    const ngx_f1_replay_json_t *app, int timing_only);
static int32_t ngx_f1_replay_gap(const char *s, int32_t leader);
static int ngx_f1_replay_lap_ms(const ngx_f1_replay_json_t *v,
    int32_t *ms);
static unsigned ngx_f1_replay_car_number(const char *key);

static uint32_t ngx_f1_replay_block_alloc(ngx_f1_replay_block_t *b,
    size_t size);
static uint32_t ngx_f1_replay_block_str(ngx_f1_replay_block_t *b,
    const char *s);
static uint32_t ngx_f1_replay_block_json_str(ngx_f1_replay_block_t *b,
    const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_build_drivers(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_block_t *b, const ngx_f1_replay_json_t *drivers,
    const ngx_f1_replay_json_t *app, int64_t utc0);
static size_t ngx_f1_replay_outline_points(ngx_f1_replay_session_t *s,
    ngx_f1_replay_driver_t *d, int32_t t0, int32_t t1,
    ngx_f1_replay_point_t *pt);
static void ngx_f1_replay_build_outline(ngx_f1_replay_block_t *b);
static void *ngx_f1_replay_job_run(void *data);
static void ngx_f1_replay_job_warn(void *ctx, const char *msg);
static void ngx_f1_replay_job_merge(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_job_t *job);


static const yajl_callbacks  ngx_f1_replay_sax_callbacks = {
    ngx_f1_replay_sax_null,
    ngx_f1_replay_sax_bool,
    ngx_f1_replay_sax_integer,
    ngx_f1_replay_sax_double,
    NULL,
    ngx_f1_replay_sax_string,
    ngx_f1_replay_sax_start_map,
    ngx_f1_replay_sax_key,
    ngx_f1_replay_sax_end,
    ngx_f1_replay_sax_start_array,
    ngx_f1_replay_sax_end
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
    size_t                i;
    ngx_f1_replay_msg_t  *m;

    if (ld == NULL) {
        return;
    }

    m = ld->msgs.items;
    for (i = 0; i < ld->msgs.n; i++) {
        ngx_f1_replay_json_free(m[i].value);
    }

    ngx_f1_replay_vec_free(&ld->msgs);
    ngx_f1_replay_vec_free(&ld->utc_offsets);
    ngx_f1_replay_vec_free(&ld->hb_offsets);

    for (i = 0; i < NGX_F1_REPLAY_MAX_CARS; i++) {
        ngx_f1_replay_vec_free(&ld->cars[i].car);
        ngx_f1_replay_vec_free(&ld->cars[i].pos);
        ngx_f1_replay_vec_free(&ld->cars[i].states);
        ngx_f1_replay_vec_free(&ld->cars[i].stint_t);
        ngx_f1_replay_vec_free(&ld->cars[i].stint_lap);
    }

    free(ld);
}


int
ngx_f1_replay_loader_add(ngx_f1_replay_loader_t *ld, const char *topic,
    const char *file, const unsigned char *buf, size_t len,
    char *err, size_t errlen)
{
    int                    rc;
    char                   reason[256];
    size_t                 lines, bad;
    uint32_t               t;
    ngx_f1_replay_msg_t   *m;
    ngx_f1_replay_line_t   line;
    ngx_f1_replay_json_t  *v;
    ngx_f1_replay_lines_t  ls;

    for (t = 0; t < NGX_F1_REPLAY_T_COUNT; t++) {
        if (strcmp(ngx_f1_replay_topics[t].name, topic) == 0) {
            break;
        }
    }

    if (t == NGX_F1_REPLAY_T_COUNT) {
        snprintf(err, errlen, "%s: unknown topic \"%s\"", file, topic);
        return -1;
    }

    ngx_f1_replay_lines_init(&ls, buf, len);

    lines = 0;
    bad = 0;

    for ( ;; ) {
        rc = ngx_f1_replay_lines_next(&ls, &line, reason, sizeof(reason));

        if (rc == NGX_F1_REPLAY_LINE_DONE) {
            break;
        }

        lines++;

        if (rc == NGX_F1_REPLAY_LINE_OK) {

            if (t == NGX_F1_REPLAY_T_CAR_DATA
                || t == NGX_F1_REPLAY_T_POSITION)
            {
                rc = ngx_f1_replay_add_z(ld, t, &line, reason,
                                         sizeof(reason));

            } else {
                v = ngx_f1_replay_json_parse(line.json, line.json_len,
                                             reason, sizeof(reason));
                if (v == NULL) {
                    rc = NGX_F1_REPLAY_LINE_BAD;

                } else if (ngx_f1_replay_check_line(t, v, reason,
                                                    sizeof(reason))
                           != 0)
                {
                    ngx_f1_replay_json_free(v);
                    rc = NGX_F1_REPLAY_LINE_BAD;

                } else if (t == NGX_F1_REPLAY_T_HEARTBEAT) {
                    rc = ngx_f1_replay_add_heartbeat(ld, v, line.time_ms,
                                                     reason,
                                                     sizeof(reason));
                    ngx_f1_replay_json_free(v);

                } else {
                    m = ngx_f1_replay_vec_push(&ld->msgs,
                                               sizeof(ngx_f1_replay_msg_t));
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

            if (ngx_f1_replay_topics[t].strict) {
                snprintf(err, errlen, "%s:%zu: %s", file, line.lineno,
                         reason);
                return -1;
            }

            if (++bad > NGX_F1_REPLAY_MAX_BAD_LINES) {
                snprintf(err, errlen, "%s:%zu: %s; more than %d corrupt "
                         "lines, giving up", file, line.lineno, reason,
                         NGX_F1_REPLAY_MAX_BAD_LINES);
                return -1;
            }

            ngx_f1_replay_warnf(ld, "%s:%zu: %s, line skipped", file,
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


static void
ngx_f1_replay_warnf(ngx_f1_replay_loader_t *ld, const char *fmt, ...)
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
ngx_f1_replay_check_line(uint32_t topic, const ngx_f1_replay_json_t *v,
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
        if (ngx_f1_replay_check_lines(v, none, none, none, err, errlen)
            != 0)
        {
            return -1;
        }
        break;

    case NGX_F1_REPLAY_T_TIMING_DATA:
        f = ngx_f1_replay_json_get(v, "Lines");
        if (f != NULL
            && ngx_f1_replay_check_lines(f, timing_num, timing_str,
                                         timing_bool, err, errlen)
               != 0)
        {
            return -1;
        }
        break;

    case NGX_F1_REPLAY_T_TIMING_APP_DATA:
        f = ngx_f1_replay_json_get(v, "Lines");
        if (f != NULL
            && ngx_f1_replay_check_lines(f, app_num, none, none, err,
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
ngx_f1_replay_check_lines(const ngx_f1_replay_json_t *lines,
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

        if (ngx_f1_replay_car_number(lines->keys[i]) == 0) {
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
ngx_f1_replay_add_heartbeat(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_json_t *v, int32_t t, char *err, size_t errlen)
{
    int64_t      utc, *off;
    const char  *s;

    s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(v, "Utc"));

    if (s == NULL || ngx_f1_replay_parse_utc(s, strlen(s), &utc) != 0) {
        snprintf(err, errlen, "\"Utc\" is missing or not a UTC time");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    off = ngx_f1_replay_vec_push(&ld->hb_offsets, sizeof(int64_t));
    if (off == NULL) {
        snprintf(err, errlen, "out of memory");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    *off = utc - t;

    return NGX_F1_REPLAY_LINE_OK;
}


static int
ngx_f1_replay_add_z(ngx_f1_replay_loader_t *ld, uint32_t topic,
    ngx_f1_replay_line_t *line, char *err, size_t errlen)
{
    int                   rc;
    size_t                len;
    int64_t              *off;
    yajl_handle           h;
    yajl_status           st;
    unsigned char        *json, *msg;
    ngx_f1_replay_sax_t  *sx;

    if (ngx_f1_replay_decode_z(line->json, line->json_len, &json, &len,
                               NGX_F1_REPLAY_MAX_INFLATED, err, errlen)
        != 0)
    {
        return NGX_F1_REPLAY_LINE_BAD;
    }

    sx = calloc(1, sizeof(ngx_f1_replay_sax_t));
    if (sx == NULL) {
        free(json);
        snprintf(err, errlen, "out of memory");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    sx->position = (topic == NGX_F1_REPLAY_T_POSITION);
    sx->ld = ld;
    sx->last_utc = INT64_MIN;

    h = yajl_alloc(&ngx_f1_replay_sax_callbacks, NULL, sx);
    if (h == NULL) {
        free(sx);
        free(json);
        snprintf(err, errlen, "out of memory");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    /* the few strings used are parsed strictly by their readers */
    yajl_config(h, yajl_dont_validate_strings, 1);

    rc = NGX_F1_REPLAY_LINE_OK;

    st = yajl_parse(h, json, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }

    if (st != yajl_status_ok) {
        if (sx->err[0]) {
            snprintf(err, errlen, "%s", sx->err);

        } else {
            msg = yajl_get_error(h, 0, json, len);
            snprintf(err, errlen, "invalid JSON after inflate: %s",
                     msg ? (char *) msg : "parse error");
            if (msg) {
                yajl_free_error(h, msg);
            }

            /* yajl ends its message with a newline */
            err[strcspn(err, "\r\n")] = '\0';
        }

        rc = NGX_F1_REPLAY_LINE_BAD;

    } else if (sx->entries == 0) {
        snprintf(err, errlen, "no entries in %s line",
                 sx->position ? "Position" : "CarData");
        rc = NGX_F1_REPLAY_LINE_BAD;

    } else if (!sx->position) {
        off = ngx_f1_replay_vec_push(&ld->utc_offsets, sizeof(int64_t));
        if (off == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = NGX_F1_REPLAY_LINE_BAD;

        } else {
            *off = sx->last_utc - line->time_ms;
        }
    }

    yajl_free(h);
    free(sx);
    free(json);

    return rc;
}


static int
ngx_f1_replay_sax_open(ngx_f1_replay_sax_t *sx, int map)
{
    uint8_t  top, next;

    if (sx->depth == NGX_F1_REPLAY_SAX_DEPTH) {
        snprintf(sx->err, sizeof(sx->err), "nesting too deep");
        return 0;
    }

    next = NGX_F1_REPLAY_C_IGNORE;

    if (sx->depth == 0) {
        next = map ? NGX_F1_REPLAY_C_ROOT : NGX_F1_REPLAY_C_IGNORE;

    } else {
        top = sx->ctx[sx->depth - 1];

        switch (top) {

        case NGX_F1_REPLAY_C_ROOT:
            if (!map
                && ((!sx->position && strcmp(sx->key, "Entries") == 0)
                    || (sx->position && strcmp(sx->key, "Position") == 0)))
            {
                next = NGX_F1_REPLAY_C_LIST;
            }
            break;

        case NGX_F1_REPLAY_C_LIST:
            if (map) {
                next = NGX_F1_REPLAY_C_ENTRY;
                sx->utc = INT64_MIN;
                sx->ncars = 0;
            }
            break;

        case NGX_F1_REPLAY_C_ENTRY:
            if (map
                && ((!sx->position && strcmp(sx->key, "Cars") == 0)
                    || (sx->position && strcmp(sx->key, "Entries") == 0)))
            {
                next = NGX_F1_REPLAY_C_CARS;
            }
            break;

        case NGX_F1_REPLAY_C_CARS:
            if (!map) {
                snprintf(sx->err, sizeof(sx->err), "car \"%s\" is not an "
                         "object", sx->key);
                return 0;
            }

            if (sx->ncars == NGX_F1_REPLAY_MAX_ENTRY_CARS) {
                snprintf(sx->err, sizeof(sx->err), "too many cars in one "
                         "entry");
                return 0;
            }

            sx->number[sx->ncars] = ngx_f1_replay_car_number(sx->key);
            if (sx->number[sx->ncars] == 0) {
                snprintf(sx->err, sizeof(sx->err), "bad car number \"%s\"",
                         sx->key);
                return 0;
            }

            memset(&sx->car[sx->ncars], 0, sizeof(ngx_f1_replay_car_t));
            memset(&sx->pos[sx->ncars], 0, sizeof(ngx_f1_replay_pos_t));
            sx->car[sx->ncars].throttle = NGX_F1_REPLAY_NO_VALUE;
            sx->car[sx->ncars].brake = NGX_F1_REPLAY_NO_VALUE;
            sx->ncars++;

            next = NGX_F1_REPLAY_C_CAR;
            break;

        case NGX_F1_REPLAY_C_CAR:
            if (map && !sx->position && strcmp(sx->key, "Channels") == 0) {
                next = NGX_F1_REPLAY_C_CHANNELS;
            }
            break;

        default:
            break;
        }
    }

    sx->ctx[sx->depth++] = next;
    sx->key[0] = '\0';

    return 1;
}


static int
ngx_f1_replay_sax_start_map(void *ctx)
{
    return ngx_f1_replay_sax_open(ctx, 1);
}


static int
ngx_f1_replay_sax_start_array(void *ctx)
{
    return ngx_f1_replay_sax_open(ctx, 0);
}


static int
ngx_f1_replay_sax_key(void *ctx, const unsigned char *s, size_t len)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    if (len >= sizeof(sx->key)) {
        len = sizeof(sx->key) - 1;
    }

    memcpy(sx->key, s, len);
    sx->key[len] = '\0';
    sx->key_len = len;

    return 1;
}


static int
ngx_f1_replay_sax_end(void *ctx)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    sx->depth--;

    if (sx->ctx[sx->depth] == NGX_F1_REPLAY_C_ENTRY) {
        return ngx_f1_replay_sax_commit(sx);
    }

    return 1;
}


static int
ngx_f1_replay_sax_commit(ngx_f1_replay_sax_t *sx)
{
    unsigned                  i;
    ngx_f1_replay_car_acc_t  *acc;
    ngx_f1_replay_raw_car_t  *rc;
    ngx_f1_replay_raw_pos_t  *rp;

    if (sx->utc == INT64_MIN) {
        snprintf(sx->err, sizeof(sx->err), "entry without %s",
                 sx->position ? "\"Timestamp\"" : "\"Utc\"");
        return 0;
    }

    for (i = 0; i < sx->ncars; i++) {
        acc = &sx->ld->cars[sx->number[i]];
        acc->seen = 1;

        if (sx->position) {
            rp = ngx_f1_replay_vec_push(&acc->pos,
                                        sizeof(ngx_f1_replay_raw_pos_t));
            if (rp == NULL) {
                goto nomem;
            }

            rp->utc = sx->utc;
            rp->s = sx->pos[i];

            if (rp->s.x == 0 && rp->s.y == 0 && rp->s.z == 0) {
                rp->s.status = NGX_F1_REPLAY_POS_NO_FIX;
            }

        } else {
            rc = ngx_f1_replay_vec_push(&acc->car,
                                        sizeof(ngx_f1_replay_raw_car_t));
            if (rc == NULL) {
                goto nomem;
            }

            rc->utc = sx->utc;
            rc->s = sx->car[i];
        }
    }

    if (sx->utc > sx->last_utc) {
        sx->last_utc = sx->utc;
    }

    sx->entries++;

    return 1;

nomem:

    snprintf(sx->err, sizeof(sx->err), "out of memory");
    return 0;
}


static int
ngx_f1_replay_sax_scalar(ngx_f1_replay_sax_t *sx)
{
    uint8_t  top;

    top = sx->depth ? sx->ctx[sx->depth - 1] : NGX_F1_REPLAY_C_IGNORE;

    if (top == NGX_F1_REPLAY_C_ENTRY
        && strcmp(sx->key, sx->position ? "Timestamp" : "Utc") == 0)
    {
        snprintf(sx->err, sizeof(sx->err), "\"%s\" is not a string",
                 sx->key);
        return 0;
    }

    if ((top == NGX_F1_REPLAY_C_CHANNELS)
        || (top == NGX_F1_REPLAY_C_CAR && sx->position
            && sx->key_len == 1 && strchr("XYZ", sx->key[0])))
    {
        snprintf(sx->err, sizeof(sx->err), "\"%s\" is not an integer",
                 sx->key);
        return 0;
    }

    if (top == NGX_F1_REPLAY_C_ROOT || top == NGX_F1_REPLAY_C_ENTRY) {
        if (strcmp(sx->key, sx->position ? "Position" : "Entries") == 0
            || strcmp(sx->key, sx->position ? "Entries" : "Cars") == 0)
        {
            snprintf(sx->err, sizeof(sx->err), "\"%s\" has the wrong type",
                     sx->key);
            return 0;
        }
    }

    return 1;
}


static int
ngx_f1_replay_sax_null(void *ctx)
{
    return ngx_f1_replay_sax_scalar(ctx);
}


static int
ngx_f1_replay_sax_bool(void *ctx, int b)
{
    return ngx_f1_replay_sax_scalar(ctx);
}


static int
ngx_f1_replay_sax_double(void *ctx, double d)
{
    return ngx_f1_replay_sax_scalar(ctx);
}


static int
ngx_f1_replay_sax_integer(void *ctx, long long n)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    uint8_t               top;
    ngx_f1_replay_car_t  *c;
    ngx_f1_replay_pos_t  *p;

    top = sx->depth ? sx->ctx[sx->depth - 1] : NGX_F1_REPLAY_C_IGNORE;

    if (top == NGX_F1_REPLAY_C_CHANNELS) {
        c = &sx->car[sx->ncars - 1];

        if (n < 0 || n > 65535) {
            snprintf(sx->err, sizeof(sx->err),
                     "channel \"%s\" out of range: %lld", sx->key, n);
            return 0;
        }

        switch (atoi(sx->key)) {

        case 0:
            c->rpm = (uint16_t) n;
            break;

        case 2:
            c->speed = (uint16_t) n;
            break;

        case 3:
        case 4:
        case 5:
        case 45:
            if (n > 255) {
                snprintf(sx->err, sizeof(sx->err),
                         "channel \"%s\" out of range: %lld", sx->key, n);
                return 0;
            }

            if (sx->key[0] == '3') {
                c->gear = (uint8_t) n;

            } else if (sx->key[0] == '4' && sx->key[1] == '5') {
                c->drs = (uint8_t) n;

            } else if (sx->key[0] == '4') {
                c->throttle = (n == 104) ? NGX_F1_REPLAY_NO_VALUE
                                         : (uint8_t) n;

            } else {
                c->brake = (n == 104) ? NGX_F1_REPLAY_NO_VALUE
                                      : (uint8_t) n;
            }
            break;

        default:
            break;
        }

        return 1;
    }

    if (top == NGX_F1_REPLAY_C_CAR && sx->position && sx->key_len == 1) {
        p = &sx->pos[sx->ncars - 1];

        if (n < INT32_MIN || n > INT32_MAX) {
            snprintf(sx->err, sizeof(sx->err), "\"%s\" out of range",
                     sx->key);
            return 0;
        }

        switch (sx->key[0]) {
        case 'X':
            p->x = (int32_t) n;
            break;
        case 'Y':
            p->y = (int32_t) n;
            break;
        case 'Z':
            p->z = (int32_t) n;
            break;
        default:
            break;
        }

        return 1;
    }

    return ngx_f1_replay_sax_scalar(sx);
}


static int
ngx_f1_replay_sax_string(void *ctx, const unsigned char *s, size_t len)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    uint8_t  top;

    top = sx->depth ? sx->ctx[sx->depth - 1] : NGX_F1_REPLAY_C_IGNORE;

    if (top == NGX_F1_REPLAY_C_ENTRY
        && strcmp(sx->key, sx->position ? "Timestamp" : "Utc") == 0)
    {
        if (ngx_f1_replay_parse_utc((const char *) s, len, &sx->utc) != 0) {
            snprintf(sx->err, sizeof(sx->err), "bad %s \"%.*s\"", sx->key,
                     (int) (len > 40 ? 40 : len), s);
            return 0;
        }

        return 1;
    }

    if (top == NGX_F1_REPLAY_C_CAR && sx->position
        && strcmp(sx->key, "Status") == 0)
    {
        sx->pos[sx->ncars - 1].status = (len == 8
                                         && memcmp(s, "OffTrack", 8) == 0)
                                        ? NGX_F1_REPLAY_POS_OFF_TRACK
                                        : NGX_F1_REPLAY_POS_ON_TRACK;
        return 1;
    }

    return ngx_f1_replay_sax_scalar(sx);
}


ngx_f1_replay_session_t *
ngx_f1_replay_loader_build(ngx_f1_replay_loader_t *ld, char *err,
    size_t errlen)
{
    int                            timing_only;
    size_t                         i, j, nrcm, ntouched;
    double                         d;
    int64_t                        utc0;
    uint32_t                       off;
    unsigned                       number, touched[NGX_F1_REPLAY_MAX_LINES];
    ngx_f1_replay_msg_t           *m;
    ngx_f1_replay_block_t          b;
    ngx_f1_replay_json_t          *state[NGX_F1_REPLAY_T_COUNT], *lines;
    ngx_f1_replay_json_t          *msgs, *v;
    ngx_f1_replay_session_t       *s0;
    ngx_f1_replay_rcm_t           *rcm;
    ngx_f1_replay_status_t        *ss;
    ngx_f1_replay_weather_t       *w;
    ngx_f1_replay_lap_count_t     *lc;
    ngx_f1_replay_track_status_t  *ts;
    ngx_f1_replay_vec_t            vlc, vts, vrcm, vw, vss;

    static const uint32_t  required = (1u << NGX_F1_REPLAY_T_SESSION_INFO)
                                      | (1u << NGX_F1_REPLAY_T_DRIVER_LIST);

    if ((ld->have & required) != required) {
        snprintf(err, errlen, "missing required topic %s (required: "
                 "SessionInfo, DriverList)",
                 (ld->have & 1) ? "DriverList" : "SessionInfo");
        return NULL;
    }

    memset(&b, 0, sizeof(b));
    memset(state, 0, sizeof(state));
    memset(&vlc, 0, sizeof(vlc));
    memset(&vts, 0, sizeof(vts));
    memset(&vrcm, 0, sizeof(vrcm));
    memset(&vw, 0, sizeof(vw));
    memset(&vss, 0, sizeof(vss));

    /* the header first: offset 0 means "none" everywhere else */

    ngx_f1_replay_block_alloc(&b, sizeof(ngx_f1_replay_session_t));
    if (b.failed) {
        goto nomem;
    }

    /* the UTC of session time zero */

    utc0 = 0;

    if (ld->utc_offsets.n) {
        utc0 = ngx_f1_replay_median(&ld->utc_offsets);

    } else if (ld->hb_offsets.n) {
        utc0 = ngx_f1_replay_median(&ld->hb_offsets);
    }

    /* replay the state topics in session-time order */

    ngx_f1_replay_vec_sort(&ld->msgs, sizeof(ngx_f1_replay_msg_t),
                           ngx_f1_replay_msg_cmp);

    timing_only = !(ld->have & (1u << NGX_F1_REPLAY_T_TIMING_DATA));

    m = ld->msgs.items;
    nrcm = 0;

    for (i = 0; i < ld->msgs.n; i++) {

        /* the cars this line touches, before the patch is consumed */

        ntouched = 0;
        lines = ngx_f1_replay_json_get(m[i].value, "Lines");

        if (lines != NULL && lines->type == NGX_F1_REPLAY_JSON_OBJECT) {
            for (j = 0; j < lines->nitems; j++) {
                number = ngx_f1_replay_car_number(lines->keys[j]);
                if (number && ntouched < NGX_F1_REPLAY_MAX_LINES) {
                    touched[ntouched++] = number;
                }
            }
        }

        if (ngx_f1_replay_json_patch(&state[m[i].topic], m[i].value) != 0) {
            m[i].value = NULL;
            goto nomem;
        }

        m[i].value = NULL;
        v = state[m[i].topic];

        switch (m[i].topic) {

        case NGX_F1_REPLAY_T_TIMING_DATA:
        case NGX_F1_REPLAY_T_TIMING_APP_DATA:
            for (j = 0; j < ntouched; j++) {
                if (ngx_f1_replay_car_state(ld, touched[j], m[i].t,
                                            state[NGX_F1_REPLAY_T_TIMING_DATA],
                                       state[NGX_F1_REPLAY_T_TIMING_APP_DATA],
                                            timing_only)
                    != 0)
                {
                    goto nomem;
                }
            }
            break;

        case NGX_F1_REPLAY_T_LAP_COUNT:
            lc = ngx_f1_replay_vec_push(&vlc,
                                        sizeof(ngx_f1_replay_lap_count_t));
            if (lc == NULL) {
                goto nomem;
            }

            lc->t = m[i].t;
            lc->current = 0;
            lc->total = 0;

            if (ngx_f1_replay_json_number(
                    ngx_f1_replay_json_get(v, "CurrentLap"), &d) == 0
                && d >= 0 && d < 65536)
            {
                lc->current = (uint16_t) d;
            }

            if (ngx_f1_replay_json_number(
                    ngx_f1_replay_json_get(v, "TotalLaps"), &d) == 0
                && d >= 0 && d < 65536)
            {
                lc->total = (uint16_t) d;
            }
            break;

        case NGX_F1_REPLAY_T_TRACK_STATUS:
            ts = ngx_f1_replay_vec_push(&vts,
                                     sizeof(ngx_f1_replay_track_status_t));
            if (ts == NULL) {
                goto nomem;
            }

            ts->t = m[i].t;
            ts->status = 0;
            ts->message = 0;

            if (ngx_f1_replay_json_number(
                    ngx_f1_replay_json_get(v, "Status"), &d) == 0
                && d >= 0 && d < 256)
            {
                ts->status = (uint8_t) d;
            }

            ts->message = ngx_f1_replay_block_json_str(&b,
                                      ngx_f1_replay_json_get(v, "Message"));
            break;

        case NGX_F1_REPLAY_T_SESSION_STATUS:
            ss = ngx_f1_replay_vec_push(&vss,
                                        sizeof(ngx_f1_replay_status_t));
            if (ss == NULL) {
                goto nomem;
            }

            ss->t = m[i].t;
            ss->status = ngx_f1_replay_block_json_str(&b,
                                       ngx_f1_replay_json_get(v, "Status"));
            break;

        case NGX_F1_REPLAY_T_WEATHER:
            w = ngx_f1_replay_vec_push(&vw, sizeof(ngx_f1_replay_weather_t));
            if (w == NULL) {
                goto nomem;
            }

            memset(w, 0, sizeof(ngx_f1_replay_weather_t));
            w->t = m[i].t;

#define ngx_f1_replay_weather_field(name, field)                              \
            if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(v, name),    \
                                          &d) == 0)                           \
            {                                                                 \
                w->field = (float) d;                                         \
            }

            ngx_f1_replay_weather_field("AirTemp", air_temp);
            ngx_f1_replay_weather_field("TrackTemp", track_temp);
            ngx_f1_replay_weather_field("Humidity", humidity);
            ngx_f1_replay_weather_field("Pressure", pressure);
            ngx_f1_replay_weather_field("WindSpeed", wind_speed);
            ngx_f1_replay_weather_field("WindDirection", wind_direction);

#undef ngx_f1_replay_weather_field

            if (ngx_f1_replay_json_number(
                    ngx_f1_replay_json_get(v, "Rainfall"), &d) == 0)
            {
                w->rainfall = (d != 0);
            }
            break;

        case NGX_F1_REPLAY_T_RACE_CONTROL:

            /*
             * The list is sent whole once, then patched by index: each
             * index past the ones already seen is a new message.
             */

            msgs = ngx_f1_replay_json_get(v, "Messages");
            if (msgs == NULL || msgs->type != NGX_F1_REPLAY_JSON_ARRAY) {
                break;
            }

            for (j = nrcm; j < msgs->nitems; j++) {
                rcm = ngx_f1_replay_vec_push(&vrcm,
                                             sizeof(ngx_f1_replay_rcm_t));
                if (rcm == NULL) {
                    goto nomem;
                }

                if (ngx_f1_replay_rcm(&b, rcm, m[i].t, msgs->items[j])
                    != 0)
                {
                    goto nomem;
                }
            }

            nrcm = msgs->nitems;
            break;

        default:
            break;
        }
    }

    if (ld->utc_offsets.n == 0 && ld->hb_offsets.n == 0 && vrcm.n) {

        /*
         * Timing-only archive without a heartbeat: race-control messages
         * carry the UTC they were issued; the line comes later, so
         * utc - t is a lower bound of the offset: take the largest.
         */

        rcm = vrcm.items;
        utc0 = INT64_MIN;

        for (j = 0; j < vrcm.n; j++) {
            if (rcm[j].utc_ms >= 0 && rcm[j].utc_ms - rcm[j].t > utc0) {
                utc0 = rcm[j].utc_ms - rcm[j].t;
            }
        }

        if (utc0 == INT64_MIN) {
            utc0 = 0;
        }
    }

    s0 = (ngx_f1_replay_session_t *) b.data;
    s0->magic = NGX_F1_REPLAY_SESSION_MAGIC;
    s0->version = NGX_F1_REPLAY_SESSION_VERSION;
    s0->utc0_ms = utc0;
    s0->start_ms = ld->start_ms;
    s0->end_ms = ld->end_ms;
    s0->lights_out_ms = NGX_F1_REPLAY_NO_TIME;
    s0->warnings = ld->warnings;

    v = state[NGX_F1_REPLAY_T_SESSION_INFO];

#define ngx_f1_replay_info_str(field, ...)                                    \
    off = ngx_f1_replay_block_json_str(&b,                                    \
              ngx_f1_replay_json_get_path(v, __VA_ARGS__, NULL));             \
    ((ngx_f1_replay_session_t *) b.data)->field = off

    ngx_f1_replay_info_str(meeting, "Meeting", "Name");
    ngx_f1_replay_info_str(official_name, "Meeting", "OfficialName");
    ngx_f1_replay_info_str(location, "Meeting", "Location");
    ngx_f1_replay_info_str(country, "Meeting", "Country", "Name");
    ngx_f1_replay_info_str(circuit, "Meeting", "Circuit", "ShortName");
    ngx_f1_replay_info_str(session_type, "Type");
    ngx_f1_replay_info_str(session_name, "Name");
    ngx_f1_replay_info_str(start_date, "StartDate");
    ngx_f1_replay_info_str(gmt_offset, "GmtOffset");
    ngx_f1_replay_info_str(path, "Path");

#undef ngx_f1_replay_info_str

#define ngx_f1_replay_copy_vec(field, vec, type)                              \
    off = ngx_f1_replay_block_alloc(&b, (vec).n * sizeof(type));              \
    if (b.failed) {                                                           \
        goto nomem;                                                           \
    }                                                                         \
    if ((vec).n) {                                                            \
        memcpy(b.data + off, (vec).items, (vec).n * sizeof(type));            \
    }                                                                         \
    ((ngx_f1_replay_session_t *) b.data)->field.off = (vec).n ? off : 0;      \
    ((ngx_f1_replay_session_t *) b.data)->field.n = (uint32_t) (vec).n

    ngx_f1_replay_copy_vec(lap_count, vlc, ngx_f1_replay_lap_count_t);
    ngx_f1_replay_copy_vec(track_status, vts, ngx_f1_replay_track_status_t);
    ngx_f1_replay_copy_vec(race_control, vrcm, ngx_f1_replay_rcm_t);
    ngx_f1_replay_copy_vec(weather, vw, ngx_f1_replay_weather_t);
    ngx_f1_replay_copy_vec(session_status, vss, ngx_f1_replay_status_t);

#undef ngx_f1_replay_copy_vec

    s0 = (ngx_f1_replay_session_t *) b.data;

    if (vlc.n) {
        lc = vlc.items;
        s0->total_laps = lc[vlc.n - 1].total;

        for (j = 0; j < vlc.n; j++) {
            if (lc[j].total) {
                s0->total_laps = lc[j].total;
            }
        }
    }

    /* lights-out: the first "Started", else the first lap count line */

    ss = vss.items;
    for (j = 0; j < vss.n; j++) {
        if (strcmp(ngx_f1_replay_str(s0, ss[j].status), "Started") == 0) {
            s0->lights_out_ms = ss[j].t;
            break;
        }
    }

    if (s0->lights_out_ms == NGX_F1_REPLAY_NO_TIME && vlc.n) {
        s0->lights_out_ms = ((ngx_f1_replay_lap_count_t *) vlc.items)[0].t;
    }

    if (ld->utc_offsets.n) {
        s0->utc0_source = NGX_F1_REPLAY_UTC0_CAR_DATA;

    } else if (ld->hb_offsets.n) {
        s0->utc0_source = NGX_F1_REPLAY_UTC0_HEARTBEAT;

    } else if (utc0 != 0) {
        s0->utc0_source = NGX_F1_REPLAY_UTC0_RACE_CONTROL;
    }

    if (ld->have & (1u << NGX_F1_REPLAY_T_CAR_DATA)) {
        s0->flags |= NGX_F1_REPLAY_HAS_CAR_DATA;
    }

    if (ld->have & (1u << NGX_F1_REPLAY_T_POSITION)) {
        s0->flags |= NGX_F1_REPLAY_HAS_POSITION;
    }

    if (ld->have & ((1u << NGX_F1_REPLAY_T_TIMING_DATA)
                    | (1u << NGX_F1_REPLAY_T_TIMING_APP_DATA)))
    {
        s0->flags |= NGX_F1_REPLAY_HAS_TIMING;
    }

    if (ngx_f1_replay_build_drivers(ld, &b,
                                    state[NGX_F1_REPLAY_T_DRIVER_LIST],
                                    state[NGX_F1_REPLAY_T_TIMING_APP_DATA],
                                    utc0)
        != 0)
    {
        goto nomem;
    }

    ngx_f1_replay_build_outline(&b);

    s0 = (ngx_f1_replay_session_t *) b.data;
    s0->size = b.len;

    for (i = 0; i < NGX_F1_REPLAY_T_COUNT; i++) {
        ngx_f1_replay_json_free(state[i]);
    }

    ngx_f1_replay_vec_free(&vlc);
    ngx_f1_replay_vec_free(&vts);
    ngx_f1_replay_vec_free(&vrcm);
    ngx_f1_replay_vec_free(&vw);
    ngx_f1_replay_vec_free(&vss);

    return s0;

nomem:

    for (i = 0; i < NGX_F1_REPLAY_T_COUNT; i++) {
        ngx_f1_replay_json_free(state[i]);
    }

    ngx_f1_replay_vec_free(&vlc);
    ngx_f1_replay_vec_free(&vts);
    ngx_f1_replay_vec_free(&vrcm);
    ngx_f1_replay_vec_free(&vw);
    ngx_f1_replay_vec_free(&vss);
    free(b.data);

    snprintf(err, errlen, "out of memory while building the session");

    return NULL;
}


static int
ngx_f1_replay_rcm(ngx_f1_replay_block_t *b, ngx_f1_replay_rcm_t *rcm,
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
        == 0)
    {
        rcm->lap = (int32_t) d;
    }

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(item, "Sector"),
                                  &d)
        == 0)
    {
        rcm->sector = (int32_t) d;
    }

    if (ngx_f1_replay_json_number(
            ngx_f1_replay_json_get(item, "RacingNumber"), &d) == 0
        && d > 0 && d < NGX_F1_REPLAY_MAX_CARS)
    {
        rcm->racing_number = (uint16_t) d;
    }

    s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(item, "Utc"));
    if (s == NULL
        || ngx_f1_replay_parse_utc(s, strlen(s), &rcm->utc_ms) != 0)
    {
        rcm->utc_ms = -1;
    }

    rcm->category = ngx_f1_replay_block_json_str(b,
                                   ngx_f1_replay_json_get(item, "Category"));
    rcm->flag = ngx_f1_replay_block_json_str(b,
                                   ngx_f1_replay_json_get(item, "Flag"));
    rcm->scope = ngx_f1_replay_block_json_str(b,
                                   ngx_f1_replay_json_get(item, "Scope"));
    rcm->message = ngx_f1_replay_block_json_str(b,
                                   ngx_f1_replay_json_get(item, "Message"));

    return b->failed ? -1 : 0;
}


/*
 * The race state of one car from the accumulated TimingData and
 * TimingAppData states; a record is added only when something changed.
 */

static int
ngx_f1_replay_car_state(ngx_f1_replay_loader_t *ld, unsigned number,
    int32_t t, const ngx_f1_replay_json_t *timing,
    const ngx_f1_replay_json_t *app, int timing_only)
{
    int                          b;
    char                         key[8];
    double                       d;
    size_t                       n;
    int32_t                     *st_t;
    uint16_t                    *st_lap;
    ngx_f1_replay_state_t        st, *last, *rec;
    ngx_f1_replay_car_acc_t     *acc;
    const ngx_f1_replay_json_t  *l, *a, *stints, *cur;

    acc = &ld->cars[number];
    acc->seen = 1;

    snprintf(key, sizeof(key), "%u", number);
    l = ngx_f1_replay_json_get(ngx_f1_replay_json_get(timing, "Lines"), key);
    a = ngx_f1_replay_json_get(ngx_f1_replay_json_get(app, "Lines"), key);

    memset(&st, 0, sizeof(st));
    st.t = t;
    st.last_lap_ms = -1;
    st.best_lap_ms = -1;
    st.tyre_new = 2;

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(l, "NumberOfLaps"),
                                  &d) == 0
        && d >= 0 && d < 65536)
    {
        st.laps = (uint16_t) d;
    }

    if ((ngx_f1_replay_json_number(ngx_f1_replay_json_get(l, "Position"),
                                   &d) == 0
         || ngx_f1_replay_json_number(ngx_f1_replay_json_get(l, "Line"),
                                      &d) == 0
         || (timing_only
             && ngx_f1_replay_json_number(ngx_f1_replay_json_get(a, "Line"),
                                          &d) == 0))
        && d >= 0 && d < 256)
    {
        st.position = (uint8_t) d;
    }

    st.gap = ngx_f1_replay_gap(ngx_f1_replay_json_string(
                 ngx_f1_replay_json_get(l, "GapToLeader")), 0);
    st.interval = ngx_f1_replay_gap(ngx_f1_replay_json_string(
                      ngx_f1_replay_json_get_path(l,
                          "IntervalToPositionAhead", "Value", NULL)),
                      NGX_F1_REPLAY_GAP_NONE);

    (void) ngx_f1_replay_lap_ms(ngx_f1_replay_json_get_path(l,
                                "LastLapTime", "Value", NULL),
                                &st.last_lap_ms);
    (void) ngx_f1_replay_lap_ms(ngx_f1_replay_json_get_path(l,
                                "BestLapTime", "Value", NULL),
                                &st.best_lap_ms);

#define ngx_f1_replay_flag(name, bit, when)                                   \
    if (ngx_f1_replay_json_bool(ngx_f1_replay_json_get(l, name), &b) == 0     \
        && b == when)                                                         \
    {                                                                         \
        st.flags |= bit;                                                      \
    }

    ngx_f1_replay_flag("InPit", NGX_F1_REPLAY_IN_PIT, 1);
    ngx_f1_replay_flag("PitOut", NGX_F1_REPLAY_PIT_OUT, 1);
    ngx_f1_replay_flag("Retired", NGX_F1_REPLAY_RETIRED, 1);
    ngx_f1_replay_flag("Stopped", NGX_F1_REPLAY_STOPPED, 1);
    ngx_f1_replay_flag("ShowPosition", NGX_F1_REPLAY_HIDDEN, 0);
    ngx_f1_replay_flag("KnockedOut", NGX_F1_REPLAY_KNOCKED_OUT, 1);

#undef ngx_f1_replay_flag

    if (ngx_f1_replay_json_number(
            ngx_f1_replay_json_get(l, "NumberOfPitStops"), &d) == 0
        && d >= 0 && d < 256)
    {
        st.pit_stops = (uint8_t) d;
    }

    stints = ngx_f1_replay_json_get(a, "Stints");

    if (stints != NULL
        && (stints->type == NGX_F1_REPLAY_JSON_ARRAY
            || stints->type == NGX_F1_REPLAY_JSON_OBJECT)
        && stints->nitems > 0)
    {
        n = stints->nitems < 255 ? stints->nitems : 255;
        cur = stints->items[n - 1];

        st.stints = (uint8_t) n;
        st.compound = (uint8_t) ngx_f1_replay_session_compound(
                   ngx_f1_replay_json_string(
                       ngx_f1_replay_json_get(cur, "Compound")));

        if (ngx_f1_replay_json_bool(ngx_f1_replay_json_get(cur, "New"), &b)
            == 0)
        {
            st.tyre_new = (uint8_t) b;
        }

        if (ngx_f1_replay_json_number(
                ngx_f1_replay_json_get(cur, "TotalLaps"), &d) == 0
            && d >= 0 && d < 65536)
        {
            st.tyre_age = (uint16_t) d;
        }

        while (acc->stint_t.n < n) {
            st_t = ngx_f1_replay_vec_push(&acc->stint_t, sizeof(int32_t));
            st_lap = ngx_f1_replay_vec_push(&acc->stint_lap,
                                            sizeof(uint16_t));
            if (st_t == NULL || st_lap == NULL) {
                return -1;
            }

            *st_t = t;
            *st_lap = st.laps;
        }
    }

    last = acc->states.n
           ? (ngx_f1_replay_state_t *) acc->states.items + acc->states.n - 1
           : NULL;

    if (last != NULL
        && memcmp((char *) last + sizeof(int32_t),
                  (char *) &st + sizeof(int32_t),
                  sizeof(st) - sizeof(int32_t))
           == 0)
    {
        return 0;
    }

    if (last != NULL && last->t == t) {
        *last = st;
        return 0;
    }

    rec = ngx_f1_replay_vec_push(&acc->states, sizeof(ngx_f1_replay_state_t));
    if (rec == NULL) {
        return -1;
    }

    *rec = st;

    return 0;
}


/*
 * A gap as the timing screen shows it: "+1.234" (or "1.234") seconds,
 * "1 L" (or "1L", "2 LAPS") behind, "LAP 52" on the leader's line (the
 * leader's value is "leader": 0 for the gap, none for the interval);
 * anything else, "" included, is none.
 */

static int32_t
ngx_f1_replay_gap(const char *s, int32_t leader)
{
    char    *end;
    double   sec;
    long     laps;

    if (s == NULL) {
        return NGX_F1_REPLAY_GAP_NONE;
    }

    if (strncmp(s, "LAP ", 4) == 0) {
        return leader;
    }

    if (*s == '+') {
        s++;
    }

    if (*s < '0' || *s > '9') {
        return NGX_F1_REPLAY_GAP_NONE;
    }

    if (strchr(s, 'L') != NULL) {
        laps = strtol(s, &end, 10);

        while (*end == ' ') {
            end++;
        }

        if (laps < 1 || laps > 999
            || (strcmp(end, "L") != 0 && strcmp(end, "LAP") != 0
                && strcmp(end, "LAPS") != 0))
        {
            return NGX_F1_REPLAY_GAP_NONE;
        }

        return NGX_F1_REPLAY_GAP_LAPS(laps);
    }

    sec = strtod(s, &end);

    if (*end != '\0' || sec < 0 || sec > 86400) {
        return NGX_F1_REPLAY_GAP_NONE;
    }

    return (int32_t) (sec * 1000 + 0.5);
}


/* "1:23.456", "83.456", "1:02:03.004" */

static int
ngx_f1_replay_lap_ms(const ngx_f1_replay_json_t *v, int32_t *ms)
{
    int          digits;
    int64_t      total, part, frac, scale;
    const char  *p;

    p = ngx_f1_replay_json_string(v);
    if (p == NULL || *p == '\0') {
        return -1;
    }

    total = 0;
    part = 0;
    digits = 0;

    for ( ;; ) {
        if (*p >= '0' && *p <= '9') {
            part = part * 10 + (*p++ - '0');
            if (++digits > 6) {
                return -1;
            }
            continue;
        }

        if (digits == 0) {
            return -1;
        }

        if (*p == ':') {
            total = (total + part) * 60;
            part = 0;
            digits = 0;
            p++;
            continue;
        }

        break;
    }

    total += part;
    frac = 0;
    scale = 1000;

    if (*p == '.') {
        p++;

        while (*p >= '0' && *p <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
            p++;
        }
    }

    if (*p != '\0' || total > 86400) {
        return -1;
    }

    *ms = (int32_t) (total * 1000 + frac);

    return 0;
}


/* a racing number "1".."999", else 0 */

static unsigned
ngx_f1_replay_car_number(const char *key)
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

        if (n >= NGX_F1_REPLAY_MAX_CARS) {
            return 0;
        }
    }

    return n;
}


static void *
ngx_f1_replay_vec_push(ngx_f1_replay_vec_t *v, size_t size)
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

static void
ngx_f1_replay_vec_sort(ngx_f1_replay_vec_t *v, size_t size,
    int (*cmp)(const void *, const void *))
{
    if (v->n > 1) {
        qsort(v->items, v->n, size, cmp);
    }
}


static void
ngx_f1_replay_vec_free(ngx_f1_replay_vec_t *v)
{
    free(v->items);
    v->items = NULL;
    v->n = 0;
    v->nalloc = 0;
}


static int
ngx_f1_replay_msg_cmp(const void *a, const void *b)
{
    const ngx_f1_replay_msg_t  *ma = a, *mb = b;

    if (ma->t != mb->t) {
        return ma->t < mb->t ? -1 : 1;
    }

    return ma->seq < mb->seq ? -1 : (ma->seq > mb->seq);
}


/*
 * Raw samples ({int64_t utc; sample s;}, s starting with its int32_t
 * time) into the block, sorted by time, on the session clock, one per
 * instant (the feed never repeats a car at an instant).
 */

static uint32_t
ngx_f1_replay_samples(ngx_f1_replay_block_t *b, ngx_f1_replay_vec_t *raw,
    size_t raw_size, size_t s_off, size_t size, int64_t utc0, size_t *n)
{
    size_t          j, k;
    int32_t         t32;
    int64_t         t, utc;
    uint32_t        off;
    unsigned char  *r, *out, *prev;

    /* the UTC leads each raw sample: sorted as a plain int64_t */

    ngx_f1_replay_vec_sort(raw, raw_size, ngx_f1_replay_int64_cmp);

    *n = 0;

    off = ngx_f1_replay_block_alloc(b, raw->n * size);
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


static int
ngx_f1_replay_int64_cmp(const void *a, const void *b)
{
    const int64_t  *ia = a, *ib = b;

    return *ia < *ib ? -1 : (*ia > *ib);
}


static int64_t
ngx_f1_replay_median(ngx_f1_replay_vec_t *v)
{
    ngx_f1_replay_vec_sort(v, sizeof(int64_t), ngx_f1_replay_int64_cmp);

    return ((int64_t *) v->items)[v->n / 2];
}


static uint32_t
ngx_f1_replay_block_alloc(ngx_f1_replay_block_t *b, size_t size)
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
ngx_f1_replay_block_str(ngx_f1_replay_block_t *b, const char *s)
{
    size_t    len;
    uint32_t  off;

    if (s == NULL) {
        return 0;
    }

    len = strlen(s);

    off = ngx_f1_replay_block_alloc(b, len + 1);
    if (b->failed) {
        return 0;
    }

    memcpy(b->data + off, s, len + 1);

    return off;
}


static uint32_t
ngx_f1_replay_block_json_str(ngx_f1_replay_block_t *b,
    const ngx_f1_replay_json_t *v)
{
    char  buf[32];

    if (v == NULL) {
        return 0;
    }

    if (v->type == NGX_F1_REPLAY_JSON_STRING) {
        return ngx_f1_replay_block_str(b, v->str);
    }

    if (v->type == NGX_F1_REPLAY_JSON_NUMBER) {
        snprintf(buf, sizeof(buf), "%.15g", v->number);
        return ngx_f1_replay_block_str(b, buf);
    }

    return 0;
}


static int
ngx_f1_replay_order_cmp(const void *a, const void *b)
{
    const ngx_f1_replay_order_t  *oa = a, *ob = b;

    if (oa->line != ob->line) {
        return oa->line < ob->line ? -1 : 1;
    }

    return oa->number < ob->number ? -1 : (oa->number > ob->number);
}


static int
ngx_f1_replay_build_drivers(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_block_t *b, const ngx_f1_replay_json_t *drivers,
    const ngx_f1_replay_json_t *app, int64_t utc0)
{
    int                           yes;
    char                          key[8];
    size_t                        i, j, n, ndrivers;
    double                        d;
    uint32_t                      off, doff;
    unsigned                      number;
    const char                   *s;
    ngx_f1_replay_stint_t        *stint;
    ngx_f1_replay_order_t        *order;
    ngx_f1_replay_driver_t       *drv;
    ngx_f1_replay_car_acc_t      *acc;
    const ngx_f1_replay_json_t   *dl, *stints, *it;

    /* every car named by the driver list or seen in any data */

    if (drivers != NULL && drivers->type == NGX_F1_REPLAY_JSON_OBJECT) {
        for (i = 0; i < drivers->nitems; i++) {
            number = ngx_f1_replay_car_number(drivers->keys[i]);
            if (number) {
                ld->cars[number].seen = 1;
            }
        }
    }

    ndrivers = 0;
    for (i = 0; i < NGX_F1_REPLAY_MAX_CARS; i++) {
        ndrivers += ld->cars[i].seen;
    }

    order = calloc(ndrivers + 1, sizeof(ngx_f1_replay_order_t));
    if (order == NULL) {
        return -1;
    }

    n = 0;
    for (i = 0; i < NGX_F1_REPLAY_MAX_CARS; i++) {
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

    qsort(order, n, sizeof(ngx_f1_replay_order_t), ngx_f1_replay_order_cmp);

    doff = ngx_f1_replay_block_alloc(b,
                                   ndrivers * sizeof(ngx_f1_replay_driver_t));
    if (b->failed) {
        free(order);
        return -1;
    }

    ((ngx_f1_replay_session_t *) b->data)->drivers.off = ndrivers ? doff : 0;
    ((ngx_f1_replay_session_t *) b->data)->drivers.n = (uint32_t) ndrivers;

#define ngx_f1_replay_drv()                                                   \
    ((ngx_f1_replay_driver_t *) (b->data + doff) + i)

    for (i = 0; i < ndrivers; i++) {
        number = order[i].number;
        acc = &ld->cars[number];

        snprintf(key, sizeof(key), "%u", number);
        dl = ngx_f1_replay_json_get(drivers, key);

        drv = ngx_f1_replay_drv();
        drv->number = (uint16_t) number;
        drv->line = order[i].line < 256 ? (uint8_t) order[i].line : 0;

        s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(dl, "Tla"));
        snprintf(drv->tla, sizeof(drv->tla), "%s", s ? s : "");

        s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(dl,
                                                             "TeamColour"));
        drv->colour = s ? (uint32_t) strtoul(s, NULL, 16) & 0xffffff : 0;

        off = ngx_f1_replay_block_json_str(b,
                                    ngx_f1_replay_json_get(dl, "FullName"));
        ngx_f1_replay_drv()->full_name = off;
        off = ngx_f1_replay_block_json_str(b,
                               ngx_f1_replay_json_get(dl, "BroadcastName"));
        ngx_f1_replay_drv()->broadcast_name = off;
        off = ngx_f1_replay_block_json_str(b,
                                    ngx_f1_replay_json_get(dl, "TeamName"));
        ngx_f1_replay_drv()->team = off;

        /* car and position samples: by time, one per instant */

        off = ngx_f1_replay_samples(b, &acc->car,
                                    sizeof(ngx_f1_replay_raw_car_t),
                                    offsetof(ngx_f1_replay_raw_car_t, s),
                                    sizeof(ngx_f1_replay_car_t), utc0, &n);
        if (b->failed) {
            goto failed;
        }

        ngx_f1_replay_drv()->car.off = n ? off : 0;
        ngx_f1_replay_drv()->car.n = (uint32_t) n;

        off = ngx_f1_replay_samples(b, &acc->pos,
                                    sizeof(ngx_f1_replay_raw_pos_t),
                                    offsetof(ngx_f1_replay_raw_pos_t, s),
                                    sizeof(ngx_f1_replay_pos_t), utc0, &n);
        if (b->failed) {
            goto failed;
        }

        ngx_f1_replay_drv()->pos.off = n ? off : 0;
        ngx_f1_replay_drv()->pos.n = (uint32_t) n;

        /* race-state records */

        off = ngx_f1_replay_block_alloc(b,
                             acc->states.n * sizeof(ngx_f1_replay_state_t));
        if (b->failed) {
            goto failed;
        }

        if (acc->states.n) {
            memcpy(b->data + off, acc->states.items,
                   acc->states.n * sizeof(ngx_f1_replay_state_t));
        }

        ngx_f1_replay_drv()->states.off = acc->states.n ? off : 0;
        ngx_f1_replay_drv()->states.n = (uint32_t) acc->states.n;

        /* stints: the final TimingAppData list, with first-seen times */

        stints = ngx_f1_replay_json_get(ngx_f1_replay_json_get(
                     ngx_f1_replay_json_get(app, "Lines"), key), "Stints");

        n = (stints != NULL
             && (stints->type == NGX_F1_REPLAY_JSON_ARRAY
                 || stints->type == NGX_F1_REPLAY_JSON_OBJECT))
            ? stints->nitems : 0;

        off = ngx_f1_replay_block_alloc(b, n * sizeof(ngx_f1_replay_stint_t));
        if (b->failed) {
            goto failed;
        }

        stint = (ngx_f1_replay_stint_t *) (b->data + off);

        for (j = 0; j < n; j++) {
            it = stints->items[j];

            stint[j].t = j < acc->stint_t.n
                         ? ((int32_t *) acc->stint_t.items)[j]
                         : NGX_F1_REPLAY_NO_TIME;
            stint[j].start_lap = j < acc->stint_lap.n
                                 ? ((uint16_t *) acc->stint_lap.items)[j]
                                 : 0;
            stint[j].compound = (uint8_t) ngx_f1_replay_session_compound(
                                  ngx_f1_replay_json_string(
                                      ngx_f1_replay_json_get(it,
                                                             "Compound")));
            stint[j].tyre_new = 2;

            if (ngx_f1_replay_json_bool(ngx_f1_replay_json_get(it, "New"),
                                        &yes) == 0)
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

        ngx_f1_replay_drv()->stints.off = n ? off : 0;
        ngx_f1_replay_drv()->stints.n = (uint32_t) n;
    }

#undef ngx_f1_replay_drv

    free(order);

    return 0;

failed:

    free(order);

    return -1;
}


/*
 * A track outline for maps: the positions of the quickest lap, between
 * two line crossings, that had no pit visit and a clear track, of the
 * car with the most laps; points about 5 m apart.
 */

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


static void
ngx_f1_replay_build_outline(ngx_f1_replay_block_t *b)
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

    off = ngx_f1_replay_block_alloc(b, n * sizeof(ngx_f1_replay_point_t));
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


static int
ngx_f1_replay_read_file(const char *path, unsigned char **buf, size_t *len,
    char *err, size_t errlen)
{
    int             fd;
    size_t          got;
    ssize_t         n;
    struct stat     st;
    unsigned char  *p;

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }

    if (fstat(fd, &st) == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }

    if (!S_ISREG(st.st_mode) || st.st_size > NGX_F1_REPLAY_MAX_FILE) {
        snprintf(err, errlen, "%s: not a regular file of at most 1 GiB",
                 path);
        close(fd);
        return -1;
    }

    p = malloc((size_t) st.st_size + 1);
    if (p == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return -1;
    }

    for (got = 0; got < (size_t) st.st_size; got += (size_t) n) {
        n = read(fd, p + got, (size_t) st.st_size - got);

        if (n == -1 && errno == EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            snprintf(err, errlen, "%s: %s", path,
                     n == 0 ? "file shrank while reading" : strerror(errno));
            free(p);
            close(fd);
            return -1;
        }
    }

    close(fd);

    p[got] = '\0';
    *buf = p;
    *len = got;

    return 0;
}


int
ngx_f1_replay_loader_fingerprint(const char *dir, uint64_t *fp, char *err,
    size_t errlen)
{
    char         path[4096];
    size_t       i, k;
    uint64_t     h, words[6];
    struct stat  st;

    if (stat(dir, &st) == -1) {
        snprintf(err, errlen, "archive directory \"%s\": %s", dir,
                 strerror(errno));
        return -1;
    }

    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "archive directory \"%s\": not a directory",
                 dir);
        return -1;
    }

    h = 14695981039346656037ULL;

    for (i = 0; i < NGX_F1_REPLAY_T_COUNT; i++) {
        snprintf(path, sizeof(path), "%s/%s.jsonStream", dir,
                 ngx_f1_replay_topics[i].name);

        memset(words, 0, sizeof(words));

        if (stat(path, &st) == 0) {
            words[0] = (uint64_t) st.st_size;
            words[1] = (uint64_t) st.st_mtim.tv_sec;
            words[2] = (uint64_t) st.st_mtim.tv_nsec;
            words[3] = (uint64_t) st.st_ino;
            words[4] = (uint64_t) st.st_dev;
            words[5] = 1;

        } else if (ngx_f1_replay_topics[i].required) {
            snprintf(err, errlen, "archive \"%s\": missing required topic "
                     "%s.jsonStream (required: SessionInfo, DriverList)",
                     dir, ngx_f1_replay_topics[i].name);
            return -1;
        }

        words[0] ^= (uint64_t) NGX_F1_REPLAY_SESSION_VERSION << 56;

        for (k = 0; k < sizeof(words); k++) {
            h ^= ((unsigned char *) words)[k];
            h *= 1099511628211ULL;
        }
    }

    *fp = h;

    return 0;
}


/*
 * Position.z is decoded on a second thread while the other topics are
 * read on the calling one: the two .z topics are most of the load time.
 * The job has a loader of its own; its warnings are kept and reported,
 * in order, after the join.
 */

static void *
ngx_f1_replay_job_run(void *data)
{
    ngx_f1_replay_job_t  *job = data;

    size_t          len;
    unsigned char  *buf;

    job->rc = ngx_f1_replay_read_file(job->path, &buf, &len, job->err,
                                      sizeof(job->err));
    if (job->rc != 0) {
        return NULL;
    }

    job->rc = ngx_f1_replay_loader_add(job->ld, job->topic, job->path, buf,
                                       len, job->err, sizeof(job->err));
    free(buf);

    return NULL;
}


static void
ngx_f1_replay_job_warn(void *ctx, const char *msg)
{
    ngx_f1_replay_job_t  *job = ctx;

    char  **p;

    p = ngx_f1_replay_vec_push(&job->warnings, sizeof(char *));
    if (p != NULL) {
        *p = strdup(msg);
        if (*p == NULL) {
            job->warnings.n--;
        }
    }
}


/* moves what the job loaded into ld; frees the job's loader */

static void
ngx_f1_replay_job_merge(ngx_f1_replay_loader_t *ld, ngx_f1_replay_job_t *job)
{
    size_t                   i;
    char                   **msg;
    ngx_f1_replay_loader_t  *jl;

    jl = job->ld;
    msg = job->warnings.items;

    for (i = 0; i < job->warnings.n; i++) {
        if (ld->warn) {
            ld->warn(ld->warn_ctx, msg[i]);
        }

        free(msg[i]);
    }

    ngx_f1_replay_vec_free(&job->warnings);

    if (jl == NULL) {
        return;
    }

    ld->warnings += jl->warnings;
    ld->have |= jl->have;

    if (jl->start_ms < ld->start_ms) {
        ld->start_ms = jl->start_ms;
    }

    if (jl->end_ms > ld->end_ms) {
        ld->end_ms = jl->end_ms;
    }

    for (i = 0; i < NGX_F1_REPLAY_MAX_CARS; i++) {
        ld->cars[i].seen |= jl->cars[i].seen;
        ld->cars[i].pos = jl->cars[i].pos;
        memset(&jl->cars[i].pos, 0, sizeof(ngx_f1_replay_vec_t));
    }

    ngx_f1_replay_loader_destroy(jl);
    job->ld = NULL;
}


ngx_f1_replay_session_t *
ngx_f1_replay_loader_load(const char *dir, ngx_f1_replay_warn_pt warn,
    void *ctx, char *err, size_t errlen)
{
    int                       rc, threaded;
    char                      path[4096];
    size_t                    i, len;
    uint64_t                  fp;
    pthread_t                 tid;
    unsigned char            *buf;
    ngx_f1_replay_job_t       job;
    ngx_f1_replay_loader_t   *ld;
    ngx_f1_replay_session_t  *s;

    if (ngx_f1_replay_loader_fingerprint(dir, &fp, err, errlen) != 0) {
        return NULL;
    }

    ld = ngx_f1_replay_loader_create(warn, ctx);
    if (ld == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    memset(&job, 0, sizeof(job));
    job.topic = ngx_f1_replay_topics[NGX_F1_REPLAY_T_POSITION].name;
    snprintf(job.path, sizeof(job.path), "%s/%s.jsonStream", dir, job.topic);

    threaded = 0;

    if (access(job.path, F_OK) == 0) {
        job.ld = ngx_f1_replay_loader_create(ngx_f1_replay_job_warn, &job);
        if (job.ld == NULL) {
            ngx_f1_replay_loader_destroy(ld);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }

        threaded = (pthread_create(&tid, NULL, ngx_f1_replay_job_run, &job)
                    == 0);
        if (!threaded) {
            ngx_f1_replay_job_run(&job);
        }
    }

    rc = 0;

    for (i = 0; i < NGX_F1_REPLAY_T_COUNT; i++) {
        if (i == NGX_F1_REPLAY_T_POSITION) {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s.jsonStream", dir,
                 ngx_f1_replay_topics[i].name);

        if (access(path, F_OK) != 0 && !ngx_f1_replay_topics[i].required) {
            continue;
        }

        rc = ngx_f1_replay_read_file(path, &buf, &len, err, errlen);
        if (rc != 0) {
            break;
        }

        rc = ngx_f1_replay_loader_add(ld, ngx_f1_replay_topics[i].name,
                                      path, buf, len, err, errlen);
        free(buf);

        if (rc != 0) {
            break;
        }
    }

    if (threaded) {
        pthread_join(tid, NULL);
    }

    if (rc == 0 && job.ld != NULL && job.rc != 0) {
        snprintf(err, errlen, "%s", job.err);
        rc = -1;
    }

    ngx_f1_replay_job_merge(ld, &job);

    s = rc == 0 ? ngx_f1_replay_loader_build(ld, err, errlen) : NULL;

    ngx_f1_replay_loader_destroy(ld);

    if (s != NULL) {
        s->fingerprint = fp;
    }

    return s;
}
