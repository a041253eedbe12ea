
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_clock_state.h"
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
 *                        {"action":"loop","loop":false}; any of them
 *                        with "at": a UTC time to apply it at
 *   GET  .../state       the clock as a document (the state file's)
 *   POST .../state       that document from a peer: its clock taken
 *
 * A change is a new segment of the shared clock from the next tick on,
 * or from the tick of a UTC time: "at", or the time a front nginx
 * stamped (X-F1-Replay-Time: $msec) plus f1_replay_control_margin, so
 * that every instance of one anchor given the same change applies it at
 * the same tick.  It is written under the zone's mutex: every worker
 * sees it at its next tick and tells its clients, nothing is sent
 * between workers; with a state file, the clock is saved there too.
 * The answer is the clock as it will be from that tick.  Who may do
 * this is left to nginx (allow/deny, auth_basic, auth_request).
 *
 * The timeline is the session's events, found once when it was loaded:
 * their ids are stable.
 */


#define NGX_F1_REPLAY_CONTROL_BODY_MAX   4096
#define NGX_F1_REPLAY_CONTROL_STATE_MAX  16384  /* a clock's document */


static void ngx_f1_replay_control_body(ngx_http_request_t *r);
static ngx_int_t ngx_f1_replay_control_suffix(ngx_http_request_t *r,
    const char *suffix);
static ngx_int_t ngx_f1_replay_control_apply(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    uint64_t *tick, const char **err);
static ngx_int_t ngx_f1_replay_control_action(
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    ngx_uint_t *op, int64_t *arg, const char **err);
static ngx_int_t ngx_f1_replay_control_when(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    uint64_t *tick, const char **err);
static ngx_int_t ngx_f1_replay_control_stamp(ngx_http_request_t *r,
    int64_t *at);
static ngx_int_t ngx_f1_replay_control_take(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, u_char *doc, size_t len,
    const char **err);
static void ngx_f1_replay_control_save(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc);
static ngx_int_t ngx_f1_replay_control_state(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc);
static int ngx_f1_replay_control_doc(ngx_f1_replay_session_conf_t *sc,
    const ngx_f1_replay_clock_t *clk, yajl_gen g);
static ngx_int_t ngx_f1_replay_control_seek_time(
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    int64_t *t, const char **err);
static ngx_int_t ngx_f1_replay_control_timeline(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc);
static ngx_int_t ngx_f1_replay_control_clock(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, uint64_t tick);


ngx_int_t
ngx_f1_replay_control_handler(ngx_http_request_t *r)
{
    off_t                          max;
    ngx_int_t                      rc;
    ngx_f1_replay_loc_conf_t      *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_f1_replay_control_suffix(r, "/timeline")) {
            return ngx_f1_replay_control_timeline(r, lcf->control);
        }

        if (ngx_f1_replay_control_suffix(r, "/state")) {
            return ngx_f1_replay_control_state(r, lcf->control);
        }

        return ngx_f1_replay_control_clock(r, lcf->control, 0);
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    max = ngx_f1_replay_control_suffix(r, "/state")
          ? NGX_F1_REPLAY_CONTROL_STATE_MAX : NGX_F1_REPLAY_CONTROL_BODY_MAX;

    if (r->headers_in.content_length_n > max) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_f1_replay_http_error(r,
                                        NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                        max == NGX_F1_REPLAY_CONTROL_BODY_MAX
                                        ? "the request body is larger "
                                          "than 4096 bytes"
                                        : "the request body is larger "
                                          "than 16384 bytes");
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
    size_t                     len, max;
    uint64_t                   tick;
    ngx_int_t                  rc, state;
    ngx_buf_t                 *b;
    ngx_chain_t               *cl;
    const char                *err;
    ngx_f1_replay_json_t      *doc;
    ngx_f1_replay_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);

    state = ngx_f1_replay_control_suffix(r, "/state");
    max = state ? NGX_F1_REPLAY_CONTROL_STATE_MAX
                : NGX_F1_REPLAY_CONTROL_BODY_MAX;

    len = 0;

    if (r->request_body && r->request_body->temp_file == NULL) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            len += ngx_buf_size(cl->buf);
        }
    }

    if (r->request_body == NULL || r->request_body->temp_file || len > max) {
        ngx_http_finalize_request(r,
            ngx_f1_replay_http_error(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                     state ? "the request body is larger "
                                             "than 16384 bytes"
                                           : "the request body is larger "
                                             "than 4096 bytes"));
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

    err = NULL;
    tick = 0;

    if (state) {
        rc = ngx_f1_replay_control_take(r, lcf->control, p, len, &err);

    } else {
        doc = ngx_f1_replay_json_parse(p, len, jerr, sizeof(jerr));

        if (doc == NULL) {
            ngx_http_finalize_request(r,
                ngx_f1_replay_http_error(r, NGX_HTTP_BAD_REQUEST,
                                         "the body is not JSON: expected "
                                         "{\"action\":...}"));
            return;
        }

        rc = ngx_f1_replay_control_apply(r, lcf->control, doc, &tick, &err);

        ngx_f1_replay_json_free(doc);
    }

    if (rc == NGX_OK) {
        rc = ngx_f1_replay_control_clock(r, lcf->control, tick);

    } else if (err) {
        rc = ngx_f1_replay_http_error(r, rc, err);
    }

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_f1_replay_control_suffix(ngx_http_request_t *r, const char *suffix)
{
    size_t  len;

    len = ngx_strlen(suffix);

    return r->uri.len >= len
           && ngx_strncmp(r->uri.data + r->uri.len - len, suffix, len) == 0;
}


/*
 * NGX_OK with the tick the change applies at, or the status to answer
 * with (and err, unless 500)
 */

static ngx_int_t
ngx_f1_replay_control_apply(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    uint64_t *tick, const char **err)
{
    int                     rc;
    u_char                 *p;
    char                    buf[NGX_F1_REPLAY_TIME_BUF];
    int64_t                 arg, now;
    ngx_uint_t              op;
    ngx_slab_pool_t        *shpool;
    ngx_f1_replay_clock_t  *clk;

    if (ngx_f1_replay_control_action(sc, doc, &op, &arg, err) != NGX_OK
        || ngx_f1_replay_control_when(r, sc, doc, tick, err) != NGX_OK)
    {
        return NGX_HTTP_BAD_REQUEST;
    }

    shpool = (ngx_slab_pool_t *) sc->shm_zone->shm.addr;
    clk = &sc->sh->clock;
    now = (int64_t) ngx_current_msec;

    ngx_shmtx_lock(&shpool->mutex);

    if (*tick == 0) {
        *tick = ngx_f1_replay_clock_tick(clk, now) + 1;
    }

    rc = ngx_f1_replay_clock_change_at(clk, now, *tick, op, arg);

    if (rc == 0 && sc->state.len) {
        ngx_f1_replay_control_save(r, sc);
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (rc == -1) {
        *err = "the time is outside the session";
        return NGX_HTTP_BAD_REQUEST;
    }

    if (rc == -2) {
        p = ngx_pnalloc(r->pool, 160);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        (void) ngx_snprintf(p, 160, "a change is set for a later tick "
                            "(%uL, the clock's \"change\" %uL): changes "
                            "apply in order, this one would come before "
                            "it%Z",
                            clk->seg[(clk->generation - 1)
                                     % NGX_F1_REPLAY_CLOCK_SEGS].tick,
                            clk->generation - 1);
        *err = (const char *) p;

        return NGX_HTTP_CONFLICT;
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
                  "f1_replay_control \"%V\": %s%s%s at tick %uL",
                  &sc->name, ngx_f1_replay_clock_op_name(op),
                  buf[0] ? " " : "", buf, *tick);

    return NGX_OK;
}


/* the operation and its argument: NGX_OK, or NGX_DECLINED with err */

static ngx_int_t
ngx_f1_replay_control_action(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_json_t *doc, ngx_uint_t *op, int64_t *arg,
    const char **err)
{
    int                    b;
    ngx_f1_replay_json_t  *v, *action;

    action = ngx_f1_replay_json_get(doc, "action");

    if (doc->type != NGX_F1_REPLAY_JSON_OBJECT || action == NULL
        || action->type != NGX_F1_REPLAY_JSON_STRING)
    {
        *err = "expected {\"action\":\"pause|resume|seek|speed|restart|"
               "loop\", ...}";
        return NGX_DECLINED;
    }

    for (*op = NGX_F1_REPLAY_OP_PAUSE; *op <= NGX_F1_REPLAY_OP_LOOP; (*op)++)
    {
        if (ngx_f1_replay_json_is(action, ngx_f1_replay_clock_op_name(*op))) {
            break;
        }
    }

    if (*op > NGX_F1_REPLAY_OP_LOOP) {
        *err = "unknown action: expected pause, resume, seek, speed, "
               "restart or loop";
        return NGX_DECLINED;
    }

    *arg = 0;

    switch (*op) {

    case NGX_F1_REPLAY_OP_SEEK:
        return ngx_f1_replay_control_seek_time(sc, doc, arg, err);

    case NGX_F1_REPLAY_OP_SPEED:
        v = ngx_f1_replay_json_get(doc, "speed");

        if (v == NULL || v->type != NGX_F1_REPLAY_JSON_NUMBER
            || v->number * 1000 < NGX_F1_REPLAY_SPEED_MIN
            || v->number * 1000 > NGX_F1_REPLAY_SPEED_MAX)
        {
            *err = "\"speed\" must be a number from 0.25 to 50";
            return NGX_DECLINED;
        }

        *arg = (int64_t) (v->number * 1000 + 0.5);
        break;

    case NGX_F1_REPLAY_OP_LOOP:
        v = ngx_f1_replay_json_get(doc, "loop");

        if (v == NULL || v->type == NGX_F1_REPLAY_JSON_STRING
            || ngx_f1_replay_json_bool(v, &b) != 0)
        {
            *err = "\"loop\" must be true or false";
            return NGX_DECLINED;
        }

        *arg = b;
        break;

    default:
        break;
    }

    return NGX_OK;
}


/*
 * When a change applies: NGX_OK with *tick 0 for the next tick, or the
 * tick of "at" (a UTC time, or Unix ms) or of the front's stamp plus
 * the margin (this instance's time plus the margin without a stamp);
 * NGX_DECLINED with err for a time malformed, past by more than
 * NGX_F1_REPLAY_CONTROL_LATE or ahead by more than ..._AHEAD
 */

static ngx_int_t
ngx_f1_replay_control_when(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_json_t *doc,
    uint64_t *tick, const char **err)
{
    u_char                    *p;
    int64_t                    at, now;
    ngx_time_t                *tp;
    ngx_f1_replay_json_t      *v;
    ngx_f1_replay_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    *tick = 0;
    v = ngx_f1_replay_json_get(doc, "at");

    if (v != NULL) {
        if (v->type == NGX_F1_REPLAY_JSON_NUMBER
            && v->number >= 0 && v->number < 1e15
            && v->number == (double) (int64_t) v->number)
        {
            at = (int64_t) v->number;

        } else if (v->type != NGX_F1_REPLAY_JSON_STRING
                   || v->len == 0 || v->str[v->len - 1] != 'Z'
                   || ngx_f1_replay_time_parse_utc(v->str, v->len, &at) != 0)
        {
            *err = "\"at\" must be a UTC time "
                   "(2026-12-04T20:00:00.000Z) or Unix milliseconds";
            return NGX_DECLINED;
        }

    } else if (lcf->control_margin != NGX_CONF_UNSET_MSEC) {
        switch (ngx_f1_replay_control_stamp(r, &at)) {

        case NGX_DECLINED:
            at = now;
            break;

        case NGX_ERROR:
            *err = "the " NGX_F1_REPLAY_CONTROL_HEADER " header must be "
                   "Unix seconds with milliseconds, as $msec";
            return NGX_DECLINED;
        }

        at += lcf->control_margin;

    } else {
        return NGX_OK;
    }

    if (at < now - NGX_F1_REPLAY_CONTROL_LATE
        || at > now + NGX_F1_REPLAY_CONTROL_AHEAD)
    {
        p = ngx_pnalloc(r->pool, 200);
        if (p == NULL) {
            return NGX_ERROR;
        }

        (void) ngx_snprintf(p, 200, "the change's time is %.3f s %s (at "
                            "most %.3f s): are the instances' clocks "
                            "synchronised (NTP)?%Z",
                            (double) ngx_abs(at - now) / 1000,
                            at < now ? "past" : "ahead",
                            (double) (at < now
                                      ? NGX_F1_REPLAY_CONTROL_LATE
                                      : NGX_F1_REPLAY_CONTROL_AHEAD)
                            / 1000);
        *err = (const char *) p;

        return NGX_DECLINED;
    }

    /* a time before tick 0 (an anchor ahead): the first tick it may be */

    *tick = ngx_f1_replay_clock_utc_tick(ngx_f1_replay_worker_clock(sc), at);

    if (*tick == 0) {
        *tick = 1;
    }

    return NGX_OK;
}


/*
 * The front's stamp, "1733356800.123" ($msec): NGX_OK, NGX_DECLINED
 * without the header, NGX_ERROR when malformed
 */

static ngx_int_t
ngx_f1_replay_control_stamp(ngx_http_request_t *r, int64_t *at)
{
    u_char           *p, *last;
    int64_t           sec, ms, scale;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    static ngx_str_t  name = ngx_string(NGX_F1_REPLAY_CONTROL_HEADER);

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NGX_DECLINED;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == name.len
            && ngx_strncasecmp(h[i].key.data, name.data, name.len) == 0)
        {
            break;
        }
    }

    p = h[i].value.data;
    last = p + h[i].value.len;

    for (sec = 0; p < last && *p >= '0' && *p <= '9'; p++) {
        if (sec > 100000000000LL) {
            return NGX_ERROR;
        }

        sec = sec * 10 + (*p - '0');
    }

    if (p == h[i].value.data) {
        return NGX_ERROR;
    }

    ms = 0;
    scale = 100;

    if (p < last && *p == '.') {
        for (p++; p < last && *p >= '0' && *p <= '9'; p++) {
            ms += (*p - '0') * scale;
            scale /= 10;
        }
    }

    if (p != last) {
        return NGX_ERROR;
    }

    *at = sec * 1000 + ms;

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

    rc = ngx_f1_replay_message_event_timeline(sc->session,
                                              (unsigned long) types,
                                              from, to, (size_t) limit, g)
         == 0
         ? ngx_f1_replay_http_send_json(r, NGX_HTTP_OK, g)
         : NGX_HTTP_INTERNAL_SERVER_ERROR;

    yajl_gen_free(g);

    return rc;
}


/* the clock now (tick 0), or from the tick of a change */

static ngx_int_t
ngx_f1_replay_control_clock(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, uint64_t tick)
{
    int64_t                    now;
    yajl_gen                   g;
    ngx_int_t                  rc;
    ngx_f1_replay_clock_t     *clk;
    ngx_f1_replay_clock_pos_t  pos;

    clk = ngx_f1_replay_worker_clock(sc);
    now = (int64_t) ngx_current_msec;

    if (tick == 0) {
        tick = ngx_f1_replay_clock_tick(clk, now);
    }

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


/* GET .../state: the clock's document */

static ngx_int_t
ngx_f1_replay_control_state(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc)
{
    yajl_gen   g;
    ngx_int_t  rc;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_control_doc(sc, ngx_f1_replay_worker_clock(sc), g)
         == 0
         ? ngx_f1_replay_http_send_json(r, NGX_HTTP_OK, g)
         : NGX_HTTP_INTERNAL_SERVER_ERROR;

    yajl_gen_free(g);

    return rc;
}


/*
 * POST .../state: a peer's clock (its GET .../state) taken whole, from
 * now on; NGX_OK, or 400 with err
 */

static ngx_int_t
ngx_f1_replay_control_take(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc, u_char *doc, size_t len,
    const char **err)
{
    int               rc;
    char              id[256];
    u_char           *p;
    ngx_slab_pool_t  *shpool;

    p = ngx_pnalloc(r->pool, 256);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_f1_replay_session_id(sc->session, id, sizeof(id));
    shpool = (ngx_slab_pool_t *) sc->shm_zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    rc = ngx_f1_replay_clock_state_take(&sc->sh->clock, id, doc, len,
                                        (char *) p, 256);

    if (rc == 0 && sc->state.len) {
        ngx_f1_replay_control_save(r, sc);
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (rc != 0) {
        *err = (const char *) p;
        return NGX_HTTP_BAD_REQUEST;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "f1_replay_control \"%V\": a clock taken (change %uL)",
                  &sc->name, sc->sh->clock.generation - 1);

    return NGX_OK;
}


/*
 * The clock into the state file, under the zone's mutex (so the file
 * follows the changes in their order); a failure is logged, the change
 * stands
 */

static void
ngx_f1_replay_control_save(ngx_http_request_t *r,
    ngx_f1_replay_session_conf_t *sc)
{
    size_t                len;
    yajl_gen              g;
    const unsigned char  *buf;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return;
    }

    if (ngx_f1_replay_control_doc(sc, &sc->sh->clock, g) != 0
        || yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok
        || ngx_f1_replay_clock_state_save((char *) sc->state.data, buf, len)
           != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      "f1_replay_control \"%V\": cannot save the clock to "
                      "\"%V\" (the workers' user writes it, and its "
                      "directory)", &sc->name, &sc->state);
    }

    yajl_gen_free(g);
}


/* the clock's document, saved now */

static int
ngx_f1_replay_control_doc(ngx_f1_replay_session_conf_t *sc,
    const ngx_f1_replay_clock_t *clk, yajl_gen g)
{
    char         id[256];
    ngx_time_t  *tp;

    tp = ngx_timeofday();
    ngx_f1_replay_session_id(sc->session, id, sizeof(id));

    return ngx_f1_replay_clock_state_gen(clk, id,
                                         (int64_t) tp->sec * 1000 + tp->msec,
                                         g);
}
