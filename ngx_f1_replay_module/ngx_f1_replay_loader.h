
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_LOADER_H_INCLUDED_
#define _NGX_F1_REPLAY_LOADER_H_INCLUDED_


/*
 * The loader gathers the lines of an archive's topics, one topic file at
 * a time (ngx_f1_replay_loader_add(): the state topics as JSON values,
 * the telemetry through ngx_f1_replay_telemetry.c), checked as they come;
 * ngx_f1_replay_build_session() (ngx_f1_replay_build.c) then makes the
 * session block from what it gathered.  ngx_f1_replay_archive.c reads
 * the files of an archive directory into it.  Free of nginx types.
 */


#include <stddef.h>
#include <stdint.h>

#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_line.h"
#include "ngx_f1_replay_session.h"


#define NGX_F1_REPLAY_LOADER_MAX_CARS  1000   /* racing numbers 0-999 */


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


/* receives "file:line: reason" for each skipped line */
typedef void (*ngx_f1_replay_warn_pt)(void *ctx, const char *msg);


/* a growable array */
typedef struct {
    void                      *items;
    size_t                     n;
    size_t                     nalloc;
} ngx_f1_replay_vec_t;


/* one line of a state topic, applied in session-time order at build */
typedef struct {
    int32_t                    t;
    uint32_t                   topic;
    size_t                     seq;
    ngx_f1_replay_json_t      *value;
} ngx_f1_replay_loader_line_t;


/* telemetry samples, on the UTC clock until the block is built */
typedef struct {
    int64_t                    utc;
    ngx_f1_replay_car_t        s;
} ngx_f1_replay_raw_car_t;


typedef struct {
    int64_t                    utc;
    ngx_f1_replay_pos_t        s;
} ngx_f1_replay_raw_pos_t;


/* what is gathered of a car */
typedef struct {
    ngx_f1_replay_vec_t        car;       /* ngx_f1_replay_raw_car_t */
    ngx_f1_replay_vec_t        pos;       /* ngx_f1_replay_raw_pos_t */
    ngx_f1_replay_vec_t        states;    /* ngx_f1_replay_state_t */
    ngx_f1_replay_vec_t        stint_t;   /* int32_t, first seen */
    ngx_f1_replay_vec_t        stint_lap; /* uint16_t, laps then */
    unsigned                   seen:1;
} ngx_f1_replay_car_acc_t;


typedef struct {
    ngx_f1_replay_warn_pt      warn;
    void                      *warn_ctx;
    uint32_t                   warnings;
    uint32_t                   have;          /* topics added, bits */

    int32_t                    start_ms;
    int32_t                    end_ms;

    ngx_f1_replay_vec_t        lines;         /* ..._loader_line_t */
    size_t                     seq;

    ngx_f1_replay_vec_t        utc_offsets;   /* int64_t, car data */
    ngx_f1_replay_vec_t        hb_offsets;    /* int64_t, heartbeat */

    ngx_f1_replay_car_acc_t    cars[NGX_F1_REPLAY_LOADER_MAX_CARS];
} ngx_f1_replay_loader_t;


/* the topics, by ngx_f1_replay_topic_e */
extern const ngx_f1_replay_topic_t
    ngx_f1_replay_loader_topics[NGX_F1_REPLAY_T_COUNT];


ngx_f1_replay_loader_t *ngx_f1_replay_loader_create(
    ngx_f1_replay_warn_pt warn, void *ctx);

void ngx_f1_replay_loader_destroy(ngx_f1_replay_loader_t *ld);

/*
 * Adds the bytes of one topic file ("TimingData", "CarData.z", ...).
 * file is the name used in messages.  A bad line is skipped with a
 * warning (in strict topics it is fatal).  Returns 0, or -1 with
 * "file:line: reason" in err.
 */
int ngx_f1_replay_loader_add(ngx_f1_replay_loader_t *ld, const char *topic,
    const char *file, const unsigned char *buf, size_t len,
    char *err, size_t errlen);

/* counts a skipped line and tells the warn callback */
void ngx_f1_replay_loader_warn(ngx_f1_replay_loader_t *ld, const char *fmt,
    ...);

/* a racing number "1".."999", else 0 */
unsigned ngx_f1_replay_loader_car_number(const char *key);

/* a new element of size bytes at the end, or NULL */
void *ngx_f1_replay_loader_push(ngx_f1_replay_vec_t *v, size_t size);

void ngx_f1_replay_loader_sort(ngx_f1_replay_vec_t *v, size_t size,
    int (*cmp)(const void *, const void *));

void ngx_f1_replay_loader_free(ngx_f1_replay_vec_t *v);


#endif /* _NGX_F1_REPLAY_LOADER_H_INCLUDED_ */
