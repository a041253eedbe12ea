
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_MODULE_H_INCLUDED_
#define _NGX_F1_REPLAY_MODULE_H_INCLUDED_


/*
 * The module's configuration: the sessions declared in http{} and what
 * each location serves.  What a worker does with a session at run time
 * is in its ngx_f1_replay_worker_t (ngx_f1_replay_worker.h); what the
 * workers share is in the session's zone (ngx_f1_replay_zone.h).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_session.h"


#define NGX_F1_REPLAY_START_LIGHTS_OUT  0
#define NGX_F1_REPLAY_START_FORMATION   1
#define NGX_F1_REPLAY_START_TIME        2


typedef struct ngx_f1_replay_shctx_s   ngx_f1_replay_shctx_t;
typedef struct ngx_f1_replay_worker_s  ngx_f1_replay_worker_t;


/* f1_replay_session: one recorded session and its zone */
typedef struct {
    ngx_str_t                      name;
    ngx_str_t                      path;         /* NUL-terminated */
    uint64_t                       fingerprint;
    ngx_uint_t                     rate;         /* ticks per second */
    ngx_uint_t                     start;        /* START_LIGHTS_OUT ... */
    int32_t                        start_ms;     /* START_TIME */
    int64_t                        anchor_ms;    /* UTC, 0 if none */
    ngx_flag_t                     loop;
    ngx_str_t                      state;        /* the clock's file, or
                                                    empty; NUL-terminated */
    ngx_shm_zone_t                *shm_zone;

    /* set when the zone is initialised */
    ngx_f1_replay_shctx_t         *sh;
    ngx_f1_replay_session_t       *session;      /* in the zone */

    /* this worker's own, from init_process on */
    ngx_f1_replay_worker_t        *worker;
} ngx_f1_replay_session_conf_t;


typedef struct {
    ngx_array_t                    sessions;  /* session_conf_t * */
} ngx_f1_replay_main_conf_t;


typedef struct {
    ngx_f1_replay_session_conf_t  *info;
    ngx_f1_replay_session_conf_t  *ws;
    ngx_f1_replay_session_conf_t  *control;
    ngx_msec_t                     control_margin;  /* UNSET: none */
    ngx_msec_t                     max_delay;
    ngx_msec_t                     ping_interval;
    ngx_msec_t                     pong_timeout;
    size_t                         max_message;
    ngx_uint_t                     max_skipped;
    ngx_uint_t                     max_messages;  /* per second */
    ngx_array_t                   *origins;       /* ngx_str_t */
    ngx_f1_replay_json_t          *predictions;   /* the file, parsed */
} ngx_f1_replay_loc_conf_t;


extern ngx_module_t  ngx_f1_replay_module;


#endif /* _NGX_F1_REPLAY_MODULE_H_INCLUDED_ */
