
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <zlib.h>

#include "ngx_f1_replay_sub.h"
#include "ngx_f1_replay_tick.h"
#include "ngx_f1_replay_worker.h"
#include "ngx_f1_replay_zone.h"


ngx_int_t
ngx_f1_replay_worker_init(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_f1_replay_worker_t         *w;
    ngx_f1_replay_main_conf_t      *fmcf;
    ngx_f1_replay_session_conf_t  **sc;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_f1_replay_module);
    if (fmcf == NULL) {
        return NGX_OK;
    }

    sc = fmcf->sessions.elts;

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        w = ngx_pcalloc(cycle->pool, sizeof(ngx_f1_replay_worker_t));
        if (w == NULL) {
            return NGX_ERROR;
        }

        w->sc = sc[i];

        ngx_queue_init(&w->clients);
        ngx_queue_init(&w->subs);

        w->tick_ev.handler = ngx_f1_replay_tick_handler;
        w->tick_ev.data = w;
        w->tick_ev.log = cycle->log;
        w->tick_ev.cancelable = 1;

        if (ngx_array_init(&w->events, cycle->pool, 16,
                           sizeof(ngx_f1_replay_worker_event_t))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        w->gen = yajl_gen_alloc(NULL);
        if (w->gen == NULL) {
            return NGX_ERROR;
        }

        sc[i]->worker = w;

        (void) ngx_f1_replay_worker_clock(sc[i]);

        ngx_f1_replay_zone_join(sc[i]);
    }

    return NGX_OK;
}


void
ngx_f1_replay_worker_exit(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_queue_t                    *q;
    ngx_f1_replay_sub_t            *sub;
    ngx_f1_replay_worker_t         *w;
    ngx_f1_replay_main_conf_t      *fmcf;
    ngx_f1_replay_session_conf_t  **sc;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_f1_replay_module);
    if (fmcf == NULL) {
        return;
    }

    sc = fmcf->sessions.elts;

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        w = sc[i]->worker;

        if (w == NULL) {
            continue;
        }

        /* only subscriptions without clients can be left */

        while (!ngx_queue_empty(&w->subs)) {
            q = ngx_queue_head(&w->subs);
            sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);
            sub->refs = 1;
            ngx_f1_replay_sub_put(w, sub);
        }

        ngx_f1_replay_tick_uncache(w);

        if (w->hello) {
            ngx_f1_replay_msg_release(w->hello);
            ngx_f1_replay_msg_release(w->state);
        }

        while (w->npreds) {
            ngx_f1_replay_msg_release(w->preds[--w->npreds].msg);
        }

        if (w->deflate) {
            deflateEnd(w->deflate);
            ngx_free(w->deflate);
        }

        if (w->strategy) {
            ngx_free(w->strategy);
        }

        if (w->tick_ev.timer_set) {
            ngx_del_timer(&w->tick_ev);
        }

        yajl_gen_free(w->gen);

        sc[i]->worker = NULL;
    }
}


ngx_f1_replay_clock_t *
ngx_f1_replay_worker_clock(ngx_f1_replay_session_conf_t *sc)
{
    ngx_f1_replay_worker_t  *w;

    w = sc->worker;

    if (ngx_f1_replay_clock_sync(&w->clock, &sc->sh->clock) == -1
        && !w->torn)
    {
        w->torn = 1;
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "f1_replay_session \"%V\": the shared clock is "
                      "being written for too long (a process died while "
                      "changing it?), going on with the last good copy",
                      &sc->name);
    }

    return &w->clock;
}


yajl_gen
ngx_f1_replay_worker_gen(ngx_f1_replay_worker_t *w)
{
    yajl_gen_reset(w->gen, NULL);
    yajl_gen_clear(w->gen);

    return w->gen;
}
