
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_deflate.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_tick.h"
#include "ngx_f1_replay_zone.h"


/* the buckets of still frames, beyond those of ticks */
#define NGX_F1_REPLAY_TICK_STILL  ((uint64_t) 1 << 63)


static ngx_msec_t ngx_f1_replay_tick_next(ngx_f1_replay_clock_t *clk,
    uint64_t tick, int64_t now);
static void ngx_f1_replay_tick_view(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub, uint64_t tick, int64_t now, double sent,
    ngx_log_t *log);
static void ngx_f1_replay_tick_seen(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub, ngx_f1_replay_clock_pos_t *pos);
static void ngx_f1_replay_tick_frame(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub, uint64_t bucket, ngx_f1_replay_clock_pos_t *pos,
    double sent, ngx_log_t *log);
static void ngx_f1_replay_tick_deliver(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_client_t *cl, ngx_log_t *log);
static void ngx_f1_replay_tick_share(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *m);
static void ngx_f1_replay_tick_send(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *m);
static void ngx_f1_replay_tick_push(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_client_t *cl, ngx_log_t *log);
static ngx_f1_replay_msg_t *ngx_f1_replay_tick_clock_msg(
    ngx_f1_replay_worker_t *w, ngx_f1_replay_clock_pos_t *pos,
    uint64_t delay, ngx_log_t *log);
static ngx_f1_replay_msg_t *ngx_f1_replay_tick_state_msg(
    ngx_f1_replay_worker_t *w, int32_t t, ngx_log_t *log);
static ngx_int_t ngx_f1_replay_tick_events(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub, int32_t from, int32_t to, ngx_log_t *log);
static ngx_int_t ngx_f1_replay_tick_strategy(ngx_f1_replay_worker_t *w,
    ngx_uint_t lap, ngx_log_t *log);


void
ngx_f1_replay_tick_start(ngx_f1_replay_worker_t *w)
{
    int64_t                 now;
    ngx_f1_replay_clock_t  *clk;

    if (w->tick_ev.timer_set) {
        return;
    }

    clk = ngx_f1_replay_worker_clock(w->sc);
    now = (int64_t) ngx_current_msec;

    ngx_add_timer(&w->tick_ev,
                  ngx_f1_replay_tick_next(clk,
                      ngx_f1_replay_clock_tick(clk, now), now));
}


/*
 * A late timer sends the current tick and skips the missed ones: every
 * worker sends the same tick at the same moment.
 */

void
ngx_f1_replay_tick_handler(ngx_event_t *ev)
{
    ngx_f1_replay_worker_t  *w = ev->data;

    double                   sent;
    int64_t                  now;
    uint64_t                 tick;
    ngx_time_t              *tp;
    ngx_queue_t             *q, *qn;
    ngx_f1_replay_sub_t     *sub;
    ngx_f1_replay_clock_t   *clk;
    ngx_f1_replay_client_t  *cl;

    clk = ngx_f1_replay_worker_clock(w->sc);
    now = (int64_t) ngx_current_msec;
    tick = ngx_f1_replay_clock_tick(clk, now);

    tp = ngx_timeofday();
    sent = (double) tp->sec * 1000 + tp->msec;

    w->tick = tick;

    for (q = ngx_queue_head(&w->subs);
         q != ngx_queue_sentinel(&w->subs);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);
        ngx_f1_replay_tick_view(w, sub, tick, now, sent, ev->log);
    }

    for (q = ngx_queue_head(&w->clients);
         q != ngx_queue_sentinel(&w->clients);
         q = qn)
    {
        /* a client may be finalized, and unlinked, on the way */
        qn = ngx_queue_next(q);

        cl = ngx_queue_data(q, ngx_f1_replay_client_t, queue);
        ngx_f1_replay_tick_deliver(w, cl, ev->log);
    }

    ngx_f1_replay_tick_uncache(w);

    if (w->nclients) {
        ngx_add_timer(ev, ngx_f1_replay_tick_next(clk, tick, now));
    }
}


/* the wait for the next tick, or for an anchor's moment */

static ngx_msec_t
ngx_f1_replay_tick_next(ngx_f1_replay_clock_t *clk, uint64_t tick,
    int64_t now)
{
    int64_t  next;

    if (now < clk->epoch_ms) {

        /* waiting: for the anchor, and for changes now and then */

        next = ngx_min(clk->epoch_ms - now, 1000);

    } else {
        next = ngx_f1_replay_clock_tick_start(clk, tick + 1) - now;
    }

    return (ngx_msec_t) ngx_max(next, 1);
}


/*
 * A subscription's view of the clock at this tick, delay ticks behind:
 * a clock message when the segment or the state changed, a state after
 * a jump (seek, restart, loop), else every event passed, and the frame:
 * of the tick's bucket while playing; else one still frame per segment
 * and state, so that a replay paused (or seeking while paused, waiting,
 * ended) shows where the cars stand, once.
 */

static void
ngx_f1_replay_tick_view(ngx_f1_replay_worker_t *w, ngx_f1_replay_sub_t *sub,
    uint64_t tick, int64_t now, double sent, ngx_log_t *log)
{
    uint64_t                   bucket;
    ngx_uint_t                 lap;
    ngx_f1_replay_clock_pos_t  pos;

    ngx_f1_replay_clock_behind(&w->clock, tick, sub->delay, now, &pos);

    ngx_f1_replay_tick_forget(sub);

    sub->nevents = 0;
    sub->predict = 0;

    /*
     * the worker keeps one clock and one state message: another
     * subscription's of this tick may replace it, so each holds its own
     * reference
     */

    if (pos.seg != sub->seg || pos.state != sub->state) {
        sub->clock_msg = ngx_f1_replay_tick_clock_msg(w, &pos, sub->delay,
                                                      log);
        if (sub->clock_msg) {
            sub->clock_msg->refs++;
        }
    }

    lap = sub->lap;

    if (pos.jump != sub->jump || pos.t < sub->last_t) {
        sub->state_msg = ngx_f1_replay_tick_state_msg(w, pos.t, log);
        if (sub->state_msg) {
            sub->state_msg->refs++;
        }

        sub->predict = 1;

    } else if (pos.t > sub->last_t
               && ngx_f1_replay_tick_events(w, sub, sub->last_t, pos.t, log)
                  != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the events before %D ms",
                      pos.t);
    }

    ngx_f1_replay_tick_seen(w, sub, &pos);

    if (sub->lap != lap) {
        sub->predict = 1;
    }

    bucket = (pos.state == NGX_F1_REPLAY_PLAYING)
             ? pos.tick / sub->divisor
             : NGX_F1_REPLAY_TICK_STILL | pos.seg << 2 | pos.state;

    ngx_f1_replay_tick_frame(w, sub, bucket, &pos, sent, log);
}


/*
 * The subscription's frame of a bucket, encoded once; not at all when
 * every client of it still has a frame waiting (all of them skip this
 * one)
 */

static void
ngx_f1_replay_tick_frame(ngx_f1_replay_worker_t *w, ngx_f1_replay_sub_t *sub,
    uint64_t bucket, ngx_f1_replay_clock_pos_t *pos, double sent,
    ngx_log_t *log)
{
    yajl_gen              g;
    ngx_f1_replay_msg_t  *m;

    if (sub->bucket == bucket && (sub->frame || sub->waiting == sub->refs)) {
        return;
    }

    if (sub->frame) {
        ngx_f1_replay_msg_release(sub->frame);
        sub->frame = NULL;
    }

    sub->bucket = bucket;

    if (sub->waiting == sub->refs) {
        return;
    }

    g = ngx_f1_replay_worker_gen(w);
    m = NULL;

    if (ngx_f1_replay_frame_encode(w->sc->session, pos->tick, pos->t, sent,
                                   &sub->filter, g)
        == 0)
    {
        m = ngx_f1_replay_msg_gen(g, log);
    }

    if (m == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode tick %uL", pos->tick);
        return;
    }

    sub->frame = m;

    ngx_f1_replay_zone_count(w->sc, encoded, 1);
}


/* the subscription's clock and state messages of the last tick go */

void
ngx_f1_replay_tick_forget(ngx_f1_replay_sub_t *sub)
{
    if (sub->clock_msg) {
        ngx_f1_replay_msg_release(sub->clock_msg);
        sub->clock_msg = NULL;
    }

    if (sub->state_msg) {
        ngx_f1_replay_msg_release(sub->state_msg);
        sub->state_msg = NULL;
    }
}


/* where a subscription's view of the clock is now */

static void
ngx_f1_replay_tick_seen(ngx_f1_replay_worker_t *w, ngx_f1_replay_sub_t *sub,
    ngx_f1_replay_clock_pos_t *pos)
{
    sub->seg = pos->seg;
    sub->jump = pos->jump;
    sub->state = pos->state;
    sub->last_t = pos->t;
    sub->lap = ngx_f1_replay_tick_lap(w, pos->t);
}


void
ngx_f1_replay_tick_view_init(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub)
{
    int64_t                    now;
    ngx_f1_replay_clock_t     *clk;
    ngx_f1_replay_clock_pos_t  pos;

    now = (int64_t) ngx_current_msec;
    clk = ngx_f1_replay_worker_clock(w->sc);

    ngx_f1_replay_clock_behind(clk, ngx_f1_replay_clock_tick(clk, now),
                               sub->delay, now, &pos);
    ngx_f1_replay_tick_seen(w, sub, &pos);
}


/*
 * What a client gets this tick: its subscription's clock, state and
 * events, the lap's predictions for its location, then the frame
 */

static void
ngx_f1_replay_tick_deliver(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_client_t *cl, ngx_log_t *log)
{
    ngx_uint_t                     i;
    ngx_f1_replay_sub_t           *sub;
    ngx_f1_replay_msg_t           *m;
    ngx_f1_replay_worker_event_t  *ev;

    sub = cl->sub;
    ev = w->events.elts;

    ngx_f1_replay_tick_share(cl, sub->clock_msg);
    ngx_f1_replay_tick_share(cl, sub->state_msg);

    for (i = 0; i < sub->nevents; i++) {
        ngx_f1_replay_tick_share(cl, ev[sub->ev_index + i].msg);
    }

    if (sub->predict && !cl->closing
        && ngx_f1_replay_tick_predictions(w, cl->lcf, sub->lap, &m, log)
           == NGX_OK)
    {
        ngx_f1_replay_tick_send(cl, m);
    }

    if (cl->bucket != sub->bucket && !cl->closing) {
        ngx_f1_replay_tick_push(w, cl, log);
        return;
    }

    if (sub->clock_msg || sub->state_msg || sub->nevents || sub->predict) {
        (void) ngx_f1_replay_client_flush(cl);
    }
}


/* a message of the tick, if any, for the client: one reference more */

static void
ngx_f1_replay_tick_share(ngx_f1_replay_client_t *cl, ngx_f1_replay_msg_t *m)
{
    if (m != NULL) {
        m->refs++;
        ngx_f1_replay_tick_send(cl, m);
    }
}


/*
 * A message for the client, the caller's reference taken over; a client
 * whose queue is full is too slow for the stream: 1008
 */

static void
ngx_f1_replay_tick_send(ngx_f1_replay_client_t *cl, ngx_f1_replay_msg_t *m)
{
    if (ngx_f1_replay_client_queue(cl, m) != NGX_OK && !cl->closing) {
        ngx_log_error(NGX_LOG_INFO, cl->connection->log, 0,
                      "f1_replay: client too slow for messages");
        ngx_f1_replay_client_close(cl, NGX_F1_REPLAY_CLIENT_POLICY);
    }
}


/* the client's frame: compressed once per subscription and bucket */

static void
ngx_f1_replay_tick_push(ngx_f1_replay_worker_t *w, ngx_f1_replay_client_t *cl,
    ngx_log_t *log)
{
    ngx_f1_replay_sub_t  *sub;
    ngx_f1_replay_msg_t  *z;

    sub = cl->sub;
    cl->bucket = sub->bucket;

    if (sub->frame == NULL) {
        ngx_f1_replay_client_skip(cl);
        (void) ngx_f1_replay_client_flush(cl);
        return;
    }

    if (!cl->deflate) {
        ngx_f1_replay_client_push(cl, sub->frame);
        return;
    }

    if (sub->zframe == NULL || sub->zbucket != sub->bucket) {
        z = ngx_f1_replay_deflate_msg(w, sub->frame, log);
        if (z == NULL) {
            ngx_f1_replay_client_push(cl, sub->frame);
            return;
        }

        if (sub->zframe) {
            ngx_f1_replay_msg_release(sub->zframe);
        }

        sub->zframe = z;
        sub->zbucket = sub->bucket;
    }

    ngx_f1_replay_client_push(cl, sub->zframe);
}


ngx_uint_t
ngx_f1_replay_tick_lap(ngx_f1_replay_worker_t *w, int32_t t)
{
    ngx_uint_t  lap;

    lap = ngx_f1_replay_session_lap_at(w->sc->session, t);

    return lap ? lap - 1 : 0;
}


ngx_int_t
ngx_f1_replay_tick_greeting(ngx_f1_replay_worker_t *w, uint64_t tick,
    uint64_t delay, ngx_f1_replay_msg_t **hello, ngx_f1_replay_msg_t **state,
    int32_t *t, ngx_log_t *log)
{
    yajl_gen                   g;
    ngx_f1_replay_msg_t       *h, *st;
    ngx_f1_replay_clock_t     *clk;
    ngx_f1_replay_clock_pos_t  pos;

    if (delay == 0 && w->hello && w->greet_tick == tick) {
        w->hello->refs++;
        w->state->refs++;
        *hello = w->hello;
        *state = w->state;
        *t = w->greet_t;
        return NGX_OK;
    }

    clk = ngx_f1_replay_worker_clock(w->sc);

    ngx_f1_replay_clock_behind(clk, tick, delay, (int64_t) ngx_current_msec,
                               &pos);

    g = ngx_f1_replay_worker_gen(w);

    if (ngx_f1_replay_message_hello(w->sc->session,
                                    (unsigned) w->sc->rate, clk, &pos,
                                    (int32_t) (delay * clk->tick_ms), g)
        != 0)
    {
        return NGX_ERROR;
    }

    h = ngx_f1_replay_msg_gen(g, log);
    if (h == NULL) {
        return NGX_ERROR;
    }

    st = ngx_f1_replay_tick_state_msg(w, pos.t, log);
    if (st == NULL) {
        ngx_f1_replay_msg_release(h);
        return NGX_ERROR;
    }

    st->refs++;

    *hello = h;
    *state = st;
    *t = pos.t;

    if (delay) {
        return NGX_OK;
    }

    if (w->hello) {
        ngx_f1_replay_msg_release(w->hello);
        ngx_f1_replay_msg_release(w->state);
    }

    h->refs++;
    st->refs++;

    w->hello = h;
    w->state = st;
    w->greet_tick = tick;
    w->greet_t = pos.t;

    return NGX_OK;
}


/*
 * The predictions message at a lap of the leader for a location, built
 * once per lap and location (a few are kept).
 */

ngx_int_t
ngx_f1_replay_tick_predictions(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_loc_conf_t *lcf, ngx_uint_t lap, ngx_f1_replay_msg_t **m,
    ngx_log_t *log)
{
    ngx_int_t                     rc;
    ngx_uint_t                    i;
    ngx_f1_replay_worker_pred_t  *p;

    for (i = 0; i < w->npreds; i++) {
        p = &w->preds[i];

        if (p->lcf == lcf && p->lap == lap) {
            p->msg->refs++;
            *m = p->msg;
            return NGX_OK;
        }
    }

    rc = ngx_f1_replay_tick_strategy(w, lap, log);

    if (rc == NGX_ERROR || (rc == NGX_DECLINED && lcf->predictions == NULL)) {
        return rc;
    }

    if (ngx_f1_replay_message_predictions((unsigned) lap,
                                          rc == NGX_OK ? w->strategy : NULL,
                                          lcf->predictions,
                                          ngx_f1_replay_worker_gen(w))
        != 0
        || (*m = ngx_f1_replay_msg_gen(w->gen, log)) == NULL)
    {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the predictions");
        return NGX_ERROR;
    }

    /* kept: in a free place, else over the oldest */

    if (w->npreds < NGX_F1_REPLAY_WORKER_PREDS) {
        p = &w->preds[w->npreds++];

    } else {
        p = w->preds;
        ngx_f1_replay_msg_release(p->msg);
        ngx_memmove(p, p + 1, (NGX_F1_REPLAY_WORKER_PREDS - 1) * sizeof(*p));
        p += NGX_F1_REPLAY_WORKER_PREDS - 1;
    }

    p->lcf = lcf;
    p->lap = lap;
    p->msg = *m;

    (*m)->refs++;

    return NGX_OK;
}


/*
 * The strategy engine at a lap of the leader: on the race as it was when
 * the leader completed it (the same for every worker and client, and
 * only from what had happened by then), once per lap per worker.
 * NGX_DECLINED when the session has no per-lap timing.
 */

static ngx_int_t
ngx_f1_replay_tick_strategy(ngx_f1_replay_worker_t *w, ngx_uint_t lap,
    ngx_log_t *log)
{
    int32_t                          t;
    unsigned                         upto;
    ngx_f1_replay_strategy_table_t  *tb;

    if (w->strategy_lap == lap + 1) {
        return w->strategy_rc;
    }

    if (w->strategy == NULL) {
        w->strategy = ngx_alloc(sizeof(ngx_f1_replay_strategy_out_t), log);
        if (w->strategy == NULL) {
            return NGX_ERROR;
        }
    }

    tb = ngx_alloc(sizeof(ngx_f1_replay_strategy_table_t), log);
    if (tb == NULL) {
        return NGX_ERROR;
    }

    w->strategy_lap = lap + 1;
    w->strategy_rc = NGX_DECLINED;

    t = ngx_f1_replay_session_lap_start(w->sc->session, (unsigned) lap + 1);

    if (t != NGX_F1_REPLAY_NO_TIME
        && ngx_f1_replay_strategy_session_table(w->sc->session, t, tb, &upto)
           == 0
        && ngx_f1_replay_strategy_run(tb, upto, w->strategy) == 0)
    {
        w->strategy_rc = NGX_OK;
    }

    ngx_free(tb);

    return w->strategy_rc;
}


/* the clock message of a position and a delay, shared within the tick */

static ngx_f1_replay_msg_t *
ngx_f1_replay_tick_clock_msg(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_clock_pos_t *pos, uint64_t delay, ngx_log_t *log)
{
    uint64_t  key;

    key = pos->seg * 4 + pos->state;

    if (w->clock_msg
        && w->clock_key[0] == pos->tick
        && w->clock_key[1] == key
        && w->clock_key[2] == delay)
    {
        return w->clock_msg;
    }

    if (w->clock_msg) {
        ngx_f1_replay_msg_release(w->clock_msg);
        w->clock_msg = NULL;
    }

    if (ngx_f1_replay_message_clock(w->sc->session, &w->clock, pos,
                                    (int32_t) (delay * w->clock.tick_ms), 1,
                                    ngx_f1_replay_worker_gen(w))
        != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the clock");
        return NULL;
    }

    w->clock_msg = ngx_f1_replay_msg_gen(w->gen, log);
    w->clock_key[0] = pos->tick;
    w->clock_key[1] = key;
    w->clock_key[2] = delay;

    return w->clock_msg;
}


/* the state message at a session time, shared within the tick */

static ngx_f1_replay_msg_t *
ngx_f1_replay_tick_state_msg(ngx_f1_replay_worker_t *w, int32_t t,
    ngx_log_t *log)
{
    if (w->state_msg && w->state_t == t) {
        return w->state_msg;
    }

    if (w->state_msg) {
        ngx_f1_replay_msg_release(w->state_msg);
        w->state_msg = NULL;
    }

    if (ngx_f1_replay_message_state(w->sc->session, t, 1,
                                    ngx_f1_replay_worker_gen(w))
        != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the state at %D ms", t);
        return NULL;
    }

    w->state_msg = ngx_f1_replay_msg_gen(w->gen, log);
    w->state_t = t;

    return w->state_msg;
}


/*
 * The events in the session times (from, to] for a subscription: one
 * run of the worker's events of this tick, with the ids in order, each
 * message encoded once in the tick whatever the subscriptions
 */

static ngx_int_t
ngx_f1_replay_tick_events(ngx_f1_replay_worker_t *w,
    ngx_f1_replay_sub_t *sub, int32_t from, int32_t to, ngx_log_t *log)
{
    uint32_t                       a, b, id;
    ngx_uint_t                     i, k, n;
    ngx_f1_replay_msg_t           *m;
    ngx_f1_replay_session_t       *s;
    ngx_f1_replay_worker_event_t  *ev, *e;

    s = w->sc->session;
    a = ngx_f1_replay_session_events_upto(s, from);
    b = ngx_f1_replay_session_events_upto(s, to);

    if (a >= b) {
        return NGX_OK;
    }

    n = b - a;
    ev = w->events.elts;

    /* a run of another subscription of this tick */

    for (i = 0; i + n <= w->events.nelts; i++) {
        for (k = 0; k < n && ev[i + k].id == a + k; k++) {
            /* void */
        }

        if (k == n) {
            sub->ev_index = i;
            sub->nevents = n;
            return NGX_OK;
        }
    }

    sub->ev_index = w->events.nelts;

    for (id = a; id < b; id++) {

        /* encoded in this tick already, in another run */

        m = NULL;
        ev = w->events.elts;

        for (i = 0; i < w->events.nelts; i++) {
            if (ev[i].id == id) {
                m = ev[i].msg;
                m->refs++;
                break;
            }
        }

        if (m == NULL) {
            if (ngx_f1_replay_message_event(s, id, 1,
                                            ngx_f1_replay_worker_gen(w))
                != 0)
            {
                return NGX_ERROR;
            }

            m = ngx_f1_replay_msg_gen(w->gen, log);
            if (m == NULL) {
                return NGX_ERROR;
            }
        }

        e = ngx_array_push(&w->events);
        if (e == NULL) {
            ngx_f1_replay_msg_release(m);
            return NGX_ERROR;
        }

        e->id = id;
        e->msg = m;
        sub->nevents++;
    }

    return NGX_OK;
}


ngx_int_t
ngx_f1_replay_tick_rejoin(ngx_f1_replay_client_t *cl)
{
    int64_t                    now;
    uint64_t                   delay;
    ngx_log_t                 *log;
    ngx_f1_replay_msg_t       *m;
    ngx_f1_replay_clock_t     *clk;
    ngx_f1_replay_worker_t    *w;
    ngx_f1_replay_clock_pos_t  pos;

    w = cl->worker;
    log = cl->connection->log;
    clk = ngx_f1_replay_worker_clock(w->sc);
    now = (int64_t) ngx_current_msec;
    delay = cl->sub->delay;

    ngx_f1_replay_clock_behind(clk, ngx_f1_replay_clock_tick(clk, now), delay,
                               now, &pos);

    m = ngx_f1_replay_tick_clock_msg(w, &pos, delay, log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    ngx_f1_replay_tick_share(cl, m);

    m = ngx_f1_replay_tick_state_msg(w, pos.t, log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    ngx_f1_replay_tick_share(cl, m);

    return NGX_OK;
}


void
ngx_f1_replay_tick_uncache(ngx_f1_replay_worker_t *w)
{
    ngx_uint_t                     i;
    ngx_f1_replay_worker_event_t  *ev;

    if (w->clock_msg) {
        ngx_f1_replay_msg_release(w->clock_msg);
        w->clock_msg = NULL;
    }

    if (w->state_msg) {
        ngx_f1_replay_msg_release(w->state_msg);
        w->state_msg = NULL;
    }

    ev = w->events.elts;

    for (i = 0; i < w->events.nelts; i++) {
        ngx_f1_replay_msg_release(ev[i].msg);
    }

    w->events.nelts = 0;
}
