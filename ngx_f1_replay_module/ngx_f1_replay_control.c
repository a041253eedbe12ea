
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_control.h"
#include "ngx_f1_replay_http.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_time.h"
#include "ngx_f1_replay_timeline.h"
#include "ngx_f1_replay_worker.h"
#include "ngx_f1_replay_zone.h"


/*
 * f1_replay_control: the replay clock over HTTP, JSON in and out.
 *
 *   GET  .../            the clock
 *   GET  .../timeline    the race's events: ?type=pit_stop,safety_car
 *                        &from=HH:MM:SS&to=...&limit=N; the ids are
 *                        seek targets
 *   POST .../            {"action":"pause"}, "resume", "restart",
 *                        {"action":"seek","t":"00:45:00.000"} (or
 *                        "lap":N, or "event":<timeline id>; "offset":
 *                        seconds added, e.g. -5),
 *                        {"action":"speed","speed":2}, (0.25 to 50),
 *                        {"action":"loop","loop":false}
 *
 * A change is a new segment of the shared clock from the next tick on,
 * written under the zone's mutex: every worker sees it at its next tick
 * and tells its clients, nothing is sent between workers.  The answer
 * is the clock as it will be from that tick.  Who may do this is left
 * to nginx (allow/deny, auth_basic, auth_request).
 *
 * The timeline is the session's events, found once when it was loaded:
 * their ids are stable.
 */


#define NGX_F1_REPLAY_CONTROL_BODY_MAX  4096


static void ngx_f1_replay_control_body(ngx_http_request_t *r);
static ngx_int_t ngx_f1_replay_control_apply(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    const char **err);
static ngx_int_t ngx_f1_replay_control_seek_time(
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    int64_t *t, const char **err);
static ngx_int_t ngx_f1_replay_control_timeline(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc);
static ngx_int_t ngx_f1_replay_control_clock(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_uint_t next);


ngx_int_t
ngx_f1_replay_control_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_f1_replay_loc_conf_t      *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (r->uri.len >= 9
            && ngx_strncmp(r->uri.data + r->uri.len - 9, "/timeline", 9)
               == 0)
        {
            return ngx_f1_replay_control_timeline(r, lcf->control);
        }

        return ngx_f1_replay_control_clock(r, lcf->control, 0);
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->headers_in.content_length_n > NGX_F1_REPLAY_CONTROL_BODY_MAX) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_f1_replay_http_error(r,
                                           NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                           "the request body is larger "
                                           "than 4096 bytes");
    }

    r->request_body_in_single_buf = 1;
    r->request_body_in_file_only = 0;

    rc = ngx_http_read_client_request_body(r, ngx_f1_replay_control_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_f1_replay_control_body(ngx_http_request_t *r)
{
    char                       jerr[128];
    u_char                    *p;
    size_t                     len;
    ngx_int_t                  rc;
    ngx_buf_t                 *b;
    ngx_chain_t               *cl;
    const char                *err;
    ngx_f1_replay_json_t      *doc;
    ngx_f1_replay_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);

    if (r->request_body == NULL || r->request_body->temp_file) {
        ngx_http_finalize_request(r,
            ngx_f1_replay_http_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                        "the request body is larger than "
                                        "4096 bytes"));
        return;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    if (len > NGX_F1_REPLAY_CONTROL_BODY_MAX) {
        ngx_http_finalize_request(r,
            ngx_f1_replay_http_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                        "the request body is larger than "
                                        "4096 bytes"));
        return;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        p = ngx_cpymem(p, b->pos, b->last - b->pos);
        len += b->last - b->pos;
    }

    p -= len;

    doc = ngx_f1_replay_json_parse(p, len, jerr, sizeof(jerr));

    if (doc == NULL) {
        ngx_http_finalize_request(r,
            ngx_f1_replay_http_error(r, NGX_HTTP_BAD_REQUEST,
                                        "the body is not JSON: expected "
                                        "{\"action\":...}"));
        return;
    }

    err = NULL;
    rc = ngx_f1_replay_control_apply(r, lcf->control, doc, &err);

    ngx_f1_replay_json_free(doc);

    if (rc == NGX_DECLINED) {
        rc = ngx_f1_replay_http_error(r, NGX_HTTP_BAD_REQUEST, err);

    } else if (rc == NGX_OK) {
        rc = ngx_f1_replay_control_clock(r, lcf->control, 1);
    }

    ngx_http_finalize_request(r, rc);
}


/* NGX_OK, NGX_DECLINED with err set, or NGX_HTTP_* */

static ngx_int_t
ngx_f1_replay_control_apply(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    const char **err)
{
    int                    b, rc;
    char                   buf[NGX_F1_REPLAY_TIME_BUF];
    int64_t                arg;
    ngx_uint_t             op;
    ngx_slab_pool_t       *shpool;
    ngx_f1_replay_json_t  *v, *action;

    static const char *const  ops[] = {
        NULL, "pause", "resume", "seek", "speed", "restart", "loop"
    };

    action = ngx_f1_replay_json_get(doc, "action");

    if (doc->type != NGX_F1_REPLAY_JSON_OBJECT || action == NULL
        || action->type != NGX_F1_REPLAY_JSON_STRING)
    {
        *err = "expected {\"action\":\"pause|resume|seek|speed|restart|"
               "loop\", ...}";
        return NGX_DECLINED;
    }

    for (op = 1; op <= NGX_F1_REPLAY_OP_LOOP; op++) {
        if (ngx_f1_replay_json_is(action, ops[op])) {
            break;
        }
    }

    if (op > NGX_F1_REPLAY_OP_LOOP) {
        *err = "unknown action: expected pause, resume, seek, speed, "
               "restart or loop";
        return NGX_DECLINED;
    }

    arg = 0;

    switch (op) {

    case NGX_F1_REPLAY_OP_SEEK:
        if (ngx_f1_replay_control_seek_time(sc, doc, &arg, err) != NGX_OK) {
            return NGX_DECLINED;
        }

        break;

    case NGX_F1_REPLAY_OP_SPEED:
        v = ngx_f1_replay_json_get(doc, "speed");

        if (v == NULL || v->type != NGX_F1_REPLAY_JSON_NUMBER
            || v->number * 1000 < NGX_F1_REPLAY_SPEED_MIN
            || v->number * 1000 > NGX_F1_REPLAY_SPEED_MAX)
        {
            *err = "\"speed\" must be a number from 0.25 to 50";
            return NGX_DECLINED;
        }

        arg = (int64_t) (v->number * 1000 + 0.5);
        break;

    case NGX_F1_REPLAY_OP_LOOP:
        v = ngx_f1_replay_json_get(doc, "loop");

        if (v == NULL || v->type == NGX_F1_REPLAY_JSON_STRING
            || ngx_f1_replay_json_bool(v, &b) != 0)
        {
            *err = "\"loop\" must be true or false";
            return NGX_DECLINED;
        }

        arg = b;
        break;

    default:
        break;
    }

    shpool = (ngx_slab_pool_t *) sc->shm_zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);
    rc = ngx_f1_replay_clock_change(&sc->sh->clock,
                                    (int64_t) ngx_current_msec, op, arg);
    ngx_shmtx_unlock(&shpool->mutex);

    if (rc != 0) {
        *err = "the time is outside the session";
        return NGX_DECLINED;
    }

    buf[0] = '\0';

    if (op == NGX_F1_REPLAY_OP_SEEK) {
        (void) ngx_f1_replay_time_format((int32_t) arg, buf);

    } else if (op == NGX_F1_REPLAY_OP_SPEED) {
        (void) ngx_snprintf((u_char *) buf, sizeof(buf), "%.3fx%Z",
                            (double) arg / 1000);

    } else if (op == NGX_F1_REPLAY_OP_LOOP) {
        ngx_cpystrn((u_char *) buf, (u_char *) (arg ? "on" : "off"), 4);
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "f1_replay_control \"%V\": %s %s", &sc->name, ops[op],
                  buf);

    return NGX_OK;
}


/*
 * The seek target: "t" (HH:MM:SS[.mmm] or milliseconds), "lap" (the
 * moment the leader began it) or "event" (a timeline id), plus an
 * optional "offset" in seconds
 */

static ngx_int_t
ngx_f1_replay_control_seek_time(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_json_t *doc, int64_t *t, const char **err)
{
    int32_t                 ms;
    ngx_uint_t              n;
    ngx_f1_replay_json_t   *v, *lap, *ev, *off;
    ngx_f1_replay_clock_t  *clk;

    v = ngx_f1_replay_json_get(doc, "t");
    lap = ngx_f1_replay_json_get(doc, "lap");
    ev = ngx_f1_replay_json_get(doc, "event");
    off = ngx_f1_replay_json_get(doc, "offset");

    n = (v != NULL) + (lap != NULL) + (ev != NULL);

    if (n != 1) {
        *err = "seek needs one of \"t\", \"lap\" or \"event\"";
        return NGX_DECLINED;
    }

    if (v) {
        if (v->type == NGX_F1_REPLAY_JSON_NUMBER
            && v->number >= 0 && v->number <= NGX_MAX_INT32_VALUE)
        {
            ms = (int32_t) v->number;

        } else if (v->type != NGX_F1_REPLAY_JSON_STRING
                   || ngx_f1_replay_time_parse_arg((u_char *) v->str, v->len,
                                                   &ms)
                      != 0)
        {
            *err = "\"t\" must be HH:MM:SS[.mmm] or milliseconds";
            return NGX_DECLINED;
        }

    } else if (lap) {
        if (lap->type != NGX_F1_REPLAY_JSON_NUMBER
            || !(lap->number >= 1 && lap->number <= 1000)
            || lap->number != (double) (ngx_uint_t) lap->number)
        {
            *err = "\"lap\" must be a lap number";
            return NGX_DECLINED;
        }

        ms = ngx_f1_replay_session_lap_start(sc->session,
                                             (unsigned) lap->number);

        if (ms == NGX_F1_REPLAY_NO_TIME) {
            *err = "the session has no such lap";
            return NGX_DECLINED;
        }

    } else {
        /* in range before the conversion: 1e300 fits no integer */

        if (ev->type != NGX_F1_REPLAY_JSON_NUMBER
            || !(ev->number >= 0 && ev->number < sc->session->events.n)
            || ev->number != (double) (uint32_t) ev->number)
        {
            *err = "\"event\" must be an event id of the timeline";
            return NGX_DECLINED;
        }

        ms = ngx_f1_replay_items(sc->session, sc->session->events,
                                 ngx_f1_replay_event_t)
                 [(uint32_t) ev->number].t;
    }

    *t = ms;

    if (off) {
        if (off->type != NGX_F1_REPLAY_JSON_NUMBER
            || !(off->number >= -3600 && off->number <= 3600))
        {
            *err = "\"offset\" must be seconds, from -3600 to 3600";
            return NGX_DECLINED;
        }

        *t += (int64_t) (off->number * 1000);
    }

    clk = ngx_f1_replay_worker_clock(sc);

    if (*t < clk->min_ms || *t > clk->end_ms) {
        *err = "the time is outside the session";
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_f1_replay_control_timeline(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc)
{
    long        types;
    int32_t     from, to;
    yajl_gen    g;
    ngx_int_t   rc, limit;
    ngx_str_t   arg;

    types = ngx_f1_replay_timeline_types("", 0);

    rc = ngx_f1_replay_http_arg(r, "type", &arg);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK) {
        types = ngx_f1_replay_timeline_types((char *) arg.data, arg.len);

        if (types < 0) {
            return ngx_f1_replay_http_error(r, NGX_HTTP_BAD_REQUEST,
                       "\"type\" must list event types: start, lap, "
                       "track_status, safety_car, vsc, red_flag, "
                       "race_control, weather, car_lap, position, pit_in, "
                       "pit_out, pit_stop, stint, retired, overtake, "
                       "fastest_lap, finish");
        }
    }

    from = INT32_MIN;
    to = INT32_MAX;
    limit = 0;

    if (ngx_f1_replay_http_time_arg(r, "from", &from) == NGX_ERROR
        || ngx_f1_replay_http_time_arg(r, "to", &to) == NGX_ERROR)
    {
        return ngx_f1_replay_http_error(r, NGX_HTTP_BAD_REQUEST,
                   "\"from\" and \"to\" must be HH:MM:SS[.mmm] or "
                   "milliseconds");
    }

    rc = ngx_f1_replay_http_arg(r, "limit", &arg);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK) {
        limit = ngx_atoi(arg.data, arg.len);

        if (limit == NGX_ERROR) {
            return ngx_f1_replay_http_error(r, NGX_HTTP_BAD_REQUEST,
                       "\"limit\" must be a number of events");
        }
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_message_event_timeline(sc->session, (unsigned long) types,
                                        from, to, (size_t) limit, g)
         == 0
         ? ngx_f1_replay_http_send_json(r, NGX_HTTP_OK, g)
         : NGX_HTTP_INTERNAL_SERVER_ERROR;

    yajl_gen_free(g);

    return rc;
}


/* the clock now, or from the next tick (after a change) */

static ngx_int_t
ngx_f1_replay_control_clock(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_uint_t next)
{
    int64_t                    now;
    uint64_t                   tick;
    yajl_gen                   g;
    ngx_int_t                  rc;
    ngx_f1_replay_clock_t     *clk;
    ngx_f1_replay_clock_pos_t  pos;

    clk = ngx_f1_replay_worker_clock(sc);
    now = (int64_t) ngx_current_msec;
    tick = ngx_f1_replay_clock_tick(clk, now) + next;

    ngx_f1_replay_clock_at(clk, tick, now, &pos);

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_message_clock(sc->session, clk, &pos, 0, 1, g) == 0
         ? ngx_f1_replay_http_send_json(r, NGX_HTTP_OK, g)
         : NGX_HTTP_INTERNAL_SERVER_ERROR;

    yajl_gen_free(g);

    return rc;
}
