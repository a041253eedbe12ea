
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_client.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_sub.h"
#include "ngx_f1_replay_tick.h"
#include "ngx_f1_replay_zone.h"


#define NGX_F1_REPLAY_SUB_BAD_MAX  5     /* invalid messages, then 1008 */


static const char *ngx_f1_replay_sub_parse(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_json_t *doc, ngx_f1_replay_filter_t *f,
    ngx_uint_t *divisor, uint64_t *delay);
static const char *ngx_f1_replay_sub_drivers(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_json_t *v, ngx_f1_replay_filter_t *f);
static const char *ngx_f1_replay_sub_channels(ngx_f1_replay_json_t *v,
    ngx_f1_replay_filter_t *f);
static ngx_int_t ngx_f1_replay_sub_limit(ngx_f1_replay_client_t *cl);
static ngx_int_t ngx_f1_replay_sub_reply(ngx_f1_replay_client_t *cl,
    const char *code, const char *err);


ngx_f1_replay_sub_t *
ngx_f1_replay_sub_get(ngx_f1_replay_worker_t *w, ngx_f1_replay_filter_t *f,
    ngx_uint_t divisor, uint64_t delay)
{
    ngx_queue_t          *q;
    ngx_f1_replay_sub_t  *sub, *same;

    same = NULL;

    for (q = ngx_queue_head(&w->subs);
         q != ngx_queue_sentinel(&w->subs);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);

        if (sub->delay != delay) {
            continue;
        }

        if (sub->divisor == divisor
            && ngx_memcmp(&sub->filter, f, sizeof(ngx_f1_replay_filter_t))
               == 0)
        {
            sub->refs++;
            return sub;
        }

        same = sub;
    }

    if (w->nsubs == NGX_F1_REPLAY_SUB_MAX) {
        return NULL;
    }

    sub = ngx_calloc(sizeof(ngx_f1_replay_sub_t), ngx_cycle->log);
    if (sub == NULL) {
        return NULL;
    }

    sub->filter = *f;
    sub->divisor = divisor;
    sub->delay = delay;
    sub->refs = 1;

    /*
     * its view is that of the others with the same delay (they all moved
     * at the last tick): nothing in between is missed; or it starts now
     */

    if (same) {
        sub->seg = same->seg;
        sub->jump = same->jump;
        sub->state = same->state;
        sub->last_t = same->last_t;
        sub->lap = same->lap;

    } else {
        ngx_f1_replay_tick_view_init(w, sub);
    }

    ngx_queue_insert_tail(&w->subs, &sub->queue);
    w->nsubs++;

    ngx_f1_replay_zone_count(w->sc, subscriptions, 1);

    return sub;
}


void
ngx_f1_replay_sub_put(ngx_f1_replay_worker_t *w, ngx_f1_replay_sub_t *sub)
{
    if (--sub->refs) {
        return;
    }

    if (sub->frame) {
        ngx_f1_replay_msg_release(sub->frame);
    }

    if (sub->zframe) {
        ngx_f1_replay_msg_release(sub->zframe);
    }

    ngx_f1_replay_tick_forget(sub);

    ngx_queue_remove(&sub->queue);
    w->nsubs--;

    ngx_f1_replay_zone_count(w->sc, subscriptions, (ngx_atomic_int_t) -1);

    ngx_free(sub);
}


ngx_uint_t
ngx_f1_replay_sub_room(ngx_f1_replay_worker_t *w, uint64_t delay)
{
    ngx_queue_t             *q;
    ngx_f1_replay_sub_t     *sub;
    ngx_f1_replay_filter_t   all;

    if (w->nsubs < NGX_F1_REPLAY_SUB_MAX) {
        return 1;
    }

    ngx_f1_replay_frame_filter_all(&all);

    for (q = ngx_queue_head(&w->subs);
         q != ngx_queue_sentinel(&w->subs);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);

        if (sub->divisor == 1 && sub->delay == delay
            && ngx_memcmp(&sub->filter, &all, sizeof(ngx_f1_replay_filter_t))
               == 0)
        {
            return 1;
        }
    }

    return 0;
}


ngx_int_t
ngx_f1_replay_sub_delay(ngx_f1_replay_loc_conf_t *lcf, u_char *text,
    size_t len, uint64_t *delay)
{
    ngx_int_t  ms;

    ms = ngx_atofp(text, len, 3);

    if (ms == NGX_ERROR || (ngx_msec_t) ms > lcf->max_delay) {
        return NGX_ERROR;
    }

    ms = (ms + NGX_F1_REPLAY_SUB_DELAY_STEP / 2)
         / NGX_F1_REPLAY_SUB_DELAY_STEP * NGX_F1_REPLAY_SUB_DELAY_STEP;

    if ((ngx_msec_t) ms > lcf->max_delay) {
        ms -= NGX_F1_REPLAY_SUB_DELAY_STEP;
    }

    *delay = (uint64_t) ms * lcf->ws->rate / 1000;

    return NGX_OK;
}


/*
 * {"type":"subscribe","drivers":[81,4],"channels":["position","speed"],
 * "rate":10,"format":"compact","delay":30}, every member optional (all
 * cars, all channels, the session's rate, JSON, the delay so far)
 */

ngx_int_t
ngx_f1_replay_sub_message(ngx_f1_replay_client_t *cl, u_char *text,
    size_t len)
{
    char                     jerr[128];
    uint64_t                 delay, old;
    ngx_uint_t               divisor;
    const char              *err;
    ngx_f1_replay_sub_t     *sub;
    ngx_f1_replay_json_t    *doc;
    ngx_f1_replay_filter_t   f;

    if (cl->closing) {
        return NGX_OK;
    }

    if (ngx_f1_replay_sub_limit(cl) != NGX_OK) {
        return NGX_OK;
    }

    old = cl->sub->delay;
    delay = old;
    sub = NULL;

    doc = ngx_f1_replay_json_parse(text, len, jerr, sizeof(jerr));

    if (doc == NULL) {
        err = "the message is not JSON";

    } else {
        err = ngx_f1_replay_sub_parse(cl, doc, &f, &divisor, &delay);
        ngx_f1_replay_json_free(doc);
    }

    if (err == NULL) {
        sub = ngx_f1_replay_sub_get(cl->worker, &f, divisor, delay);

        if (sub == NULL) {
            err = "too many distinct subscriptions on this server";
        }
    }

    if (err) {
        ngx_log_error(NGX_LOG_INFO, cl->connection->log, 0,
                      "f1_replay: invalid client message: %s", err);

        if (++cl->bad >= NGX_F1_REPLAY_SUB_BAD_MAX) {
            ngx_f1_replay_client_close(cl, NGX_F1_REPLAY_CLIENT_POLICY);
            return NGX_OK;
        }

        return ngx_f1_replay_sub_reply(cl, "bad_request", err);
    }

    ngx_f1_replay_client_resubscribe(cl, sub);

    if (ngx_f1_replay_sub_reply(cl, NULL, NULL) != NGX_OK) {
        return NGX_ERROR;
    }

    return delay != old ? ngx_f1_replay_tick_rejoin(cl) : NGX_OK;
}


/*
 * At most f1_replay_max_messages a second: the first message over gets
 * an error, the next one closes with 1008
 */

static ngx_int_t
ngx_f1_replay_sub_limit(ngx_f1_replay_client_t *cl)
{
    ngx_uint_t  max;

    max = cl->lcf->max_messages;

    if (cl->second != ngx_time()) {
        cl->second = ngx_time();
        cl->messages = 0;
    }

    if (++cl->messages <= max) {
        return NGX_OK;
    }

    if (cl->messages == max + 1) {
        ngx_log_error(NGX_LOG_INFO, cl->connection->log, 0,
                      "f1_replay: more than %ui client messages a second",
                      max);
        (void) ngx_f1_replay_sub_reply(cl, "rate_limited",
                                       "too many messages a second (see "
                                       "f1_replay_max_messages)");
        return NGX_DECLINED;
    }

    ngx_f1_replay_client_close(cl, NGX_F1_REPLAY_CLIENT_POLICY);

    return NGX_DECLINED;
}


/* NULL, or what is wrong with the subscription */

static const char *
ngx_f1_replay_sub_parse(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_json_t *doc, ngx_f1_replay_filter_t *f,
    ngx_uint_t *divisor, uint64_t *delay)
{
    u_char                 buf[32];
    size_t                 len;
    ngx_uint_t             rate, max;
    const char            *err;
    ngx_f1_replay_json_t  *v;

    if (!ngx_f1_replay_json_is(ngx_f1_replay_json_get(doc, "type"),
                               "subscribe"))
    {
        return "expected {\"type\":\"subscribe\", ...}";
    }

    ngx_f1_replay_frame_filter_all(f);

    err = ngx_f1_replay_sub_drivers(cl, ngx_f1_replay_json_get(doc,
                                                               "drivers"),
                                    f);
    if (err == NULL) {
        err = ngx_f1_replay_sub_channels(ngx_f1_replay_json_get(doc,
                                                                "channels"),
                                         f);
    }

    if (err) {
        return err;
    }

    v = ngx_f1_replay_json_get(doc, "format");

    if (ngx_f1_replay_json_is(v, "compact")) {
        f->format = NGX_F1_REPLAY_FORMAT_COMPACT;

    } else if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL
               && !ngx_f1_replay_json_is(v, "json"))
    {
        return "\"format\" must be \"json\" or \"compact\"";
    }

    max = cl->worker->sc->rate;
    rate = max;
    v = ngx_f1_replay_json_get(doc, "rate");

    if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL) {
        if (v->type != NGX_F1_REPLAY_JSON_NUMBER
            || !(v->number >= 1 && v->number <= (double) max)
            || v->number != (double) (ngx_uint_t) v->number
            || max % (ngx_uint_t) v->number != 0)
        {
            return "\"rate\" must divide the session's tick rate "
                   "(50: 50, 25, 10, 5, 2 or 1)";
        }

        rate = (ngx_uint_t) v->number;
    }

    *divisor = max / rate;

    v = ngx_f1_replay_json_get(doc, "delay");

    if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL) {
        len = (v->type == NGX_F1_REPLAY_JSON_NUMBER
               && v->number >= 0 && v->number < 1e6)
              ? (size_t) (ngx_snprintf(buf, sizeof(buf), "%.3f", v->number)
                          - buf)
              : 0;

        if (len == 0
            || ngx_f1_replay_sub_delay(cl->lcf, buf, len, delay) != NGX_OK)
        {
            return "\"delay\" must be a number of seconds, from 0 to "
                   "f1_replay_max_delay";
        }
    }

    return NULL;
}


static const char *
ngx_f1_replay_sub_drivers(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_json_t *v, ngx_f1_replay_filter_t *f)
{
    size_t       i;
    double       d;
    ngx_uint_t   n;

    if (v == NULL || v->type == NGX_F1_REPLAY_JSON_NULL) {
        return NULL;
    }

    if (v->type != NGX_F1_REPLAY_JSON_ARRAY || v->nitems == 0) {
        return "\"drivers\" must be a non-empty list of racing numbers";
    }

    ngx_memzero(f->drivers, sizeof(f->drivers));

    for (i = 0; i < v->nitems; i++) {
        d = v->items[i]->number;

        if (v->items[i]->type != NGX_F1_REPLAY_JSON_NUMBER
            || !(d >= 1 && d <= 999) || d != (double) (ngx_uint_t) d
            || ngx_f1_replay_session_driver(cl->worker->sc->session,
                                            (unsigned) d)
               == NULL)
        {
            return "\"drivers\" holds a number that is not a car of this "
                   "session";
        }

        n = (ngx_uint_t) d;
        ngx_f1_replay_filter_add(f, n);
    }

    return NULL;
}


static const char *
ngx_f1_replay_sub_channels(ngx_f1_replay_json_t *v,
    ngx_f1_replay_filter_t *f)
{
    size_t    i;
    unsigned  bit;

    if (v == NULL || v->type == NGX_F1_REPLAY_JSON_NULL) {
        return NULL;
    }

    if (v->type != NGX_F1_REPLAY_JSON_ARRAY || v->nitems == 0) {
        goto invalid;
    }

    f->channels = 0;

    for (i = 0; i < v->nitems; i++) {
        bit = v->items[i]->type == NGX_F1_REPLAY_JSON_STRING
              && ngx_strlen(v->items[i]->str) == v->items[i]->len
              ? ngx_f1_replay_frame_channel(v->items[i]->str) : 0;

        if (bit == 0) {
            goto invalid;
        }

        f->channels |= bit;
    }

    return NULL;

invalid:

    return "\"channels\" must be a non-empty list of: position, speed, "
           "rpm, gear, throttle, brake, drs";
}


/* the "subscribed" answer, or with code an "error" one */

static ngx_int_t
ngx_f1_replay_sub_reply(ngx_f1_replay_client_t *cl, const char *code,
    const char *err)
{
    int                      rc;
    ngx_log_t               *log;
    ngx_f1_replay_msg_t     *m;
    ngx_f1_replay_worker_t  *w;

    w = cl->worker;
    log = cl->connection->log;

    if (code) {
        rc = ngx_f1_replay_message_error(code, err,
                                         ngx_f1_replay_worker_gen(w));

    } else {
        rc = ngx_f1_replay_message_subscribed(w->sc->session,
                 &cl->sub->filter, (unsigned) (w->sc->rate
                                               / cl->sub->divisor),
                 (int32_t) (cl->sub->delay * 1000 / w->sc->rate),
                 ngx_f1_replay_worker_gen(w));
    }

    if (rc != 0) {
        return NGX_ERROR;
    }

    m = ngx_f1_replay_msg_gen(w->gen, log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    if (ngx_f1_replay_client_queue(cl, m) != NGX_OK && !cl->closing) {

        /* the queue is full: the client does not read */

        ngx_f1_replay_client_close(cl, NGX_F1_REPLAY_CLIENT_POLICY);
    }

    return NGX_OK;
}
