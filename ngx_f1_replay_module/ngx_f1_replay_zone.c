
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_f1_replay_archive.h"
#include "ngx_f1_replay_clock_state.h"
#include "ngx_f1_replay_time.h"
#include "ngx_f1_replay_zone.h"


typedef struct {
    ngx_log_t                     *log;
    ngx_str_t                     *name;
} ngx_f1_replay_zone_warn_t;


static ngx_int_t ngx_f1_replay_zone_block(ngx_f1_replay_session_conf_t *ctx,
    ngx_shm_zone_t *shm_zone);
static ngx_int_t ngx_f1_replay_zone_clock(ngx_f1_replay_session_conf_t *ctx,
    ngx_slab_pool_t *shpool, ngx_log_t *log, ngx_uint_t fresh);
static ngx_int_t ngx_f1_replay_zone_state(ngx_f1_replay_session_conf_t *ctx,
    ngx_log_t *log);
static ngx_int_t ngx_f1_replay_zone_start(ngx_f1_replay_session_conf_t *ctx,
    ngx_log_t *log, int32_t *start);
static ngx_pid_t ngx_f1_replay_zone_reader(ngx_f1_replay_shctx_t *sh,
    ngx_f1_replay_session_t *block);
static void ngx_f1_replay_zone_warn(void *data, const char *msg);


/*
 * Runs in the master (and in "nginx -t") after the configuration is
 * read.  A zone kept over a reload (same name, size and tag) comes with
 * the old configuration in data: if the archive is unchanged its block
 * is reused as it is; otherwise the archive is loaded again, beside the
 * block the running workers read.
 */

ngx_int_t
ngx_f1_replay_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_f1_replay_session_conf_t  *octx = data;

    ngx_slab_pool_t               *shpool;
    ngx_f1_replay_shctx_t         *sh;
    ngx_f1_replay_session_conf_t  *ctx;

    ctx = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (octx != NULL) {
        sh = octx->sh;
        ctx->sh = sh;

        if (sh->fingerprint == ctx->fingerprint) {
            ctx->session = sh->session;

            ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                          "f1_replay_session \"%V\": archive unchanged, "
                          "reusing zone \"%V\"", &ctx->name,
                          &shm_zone->shm.name);

            return ngx_f1_replay_zone_clock(ctx, shpool, shm_zone->shm.log,
                                            0);
        }

    } else {
        shpool->log_nomem = 0;

        sh = ngx_slab_calloc(shpool, sizeof(ngx_f1_replay_shctx_t));
        if (sh == NULL) {
            goto too_small;
        }

        shpool->data = sh;
        ctx->sh = sh;
    }

    if (ngx_f1_replay_zone_block(ctx, shm_zone) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_f1_replay_zone_clock(ctx, shpool, shm_zone->shm.log,
                                    octx == NULL);

too_small:

    ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                  "f1_replay_session \"%V\": zone \"%V\" is too small",
                  &ctx->name, &shm_zone->shm.name);

    return NGX_ERROR;
}


/*
 * Loads the archive into a new block of the zone.  The block a running
 * session uses stays as it is: the workers of the configuration being
 * replaced read it until they exit, and a reload that cannot load the
 * archive or fit it changes nothing.  The block of the workers before
 * those is freed first, once none of them runs any more (each worker's
 * slot says which block it reads): while one does, the reload is
 * refused.
 */

static ngx_int_t
ngx_f1_replay_zone_block(ngx_f1_replay_session_conf_t *ctx,
    ngx_shm_zone_t *shm_zone)
{
    u_char                     *p;
    char                        err[1024];
    size_t                      need;
    ngx_pid_t                   pid;
    ngx_slab_pool_t            *shpool;
    ngx_f1_replay_shctx_t      *sh;
    ngx_f1_replay_session_t    *s;
    ngx_f1_replay_zone_warn_t   warn;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    sh = ctx->sh;

    warn.log = shm_zone->shm.log;
    warn.name = &ctx->name;

    s = ngx_f1_replay_archive_load((char *) ctx->path.data,
                                   ngx_f1_replay_zone_warn, &warn, err,
                                   sizeof(err));
    if (s == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "f1_replay_session \"%V\": %s", &ctx->name, err);
        return NGX_ERROR;
    }

    /* two blocks (a running one and a reloaded one), slots, slab pages */

    need = (2 * (size_t) s->size + NGX_MAX_PROCESSES
                                   * sizeof(ngx_f1_replay_slot_t)) * 9 / 8;

    if (sh->previous) {
        pid = ngx_f1_replay_zone_reader(sh, sh->previous);

        if (pid) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "f1_replay_session \"%V\": a worker of the "
                          "configuration before the last (pid %P) still "
                          "reads the session it loaded; reload again once "
                          "it has exited", &ctx->name, pid);
            free(s);
            return NGX_ERROR;
        }

        ngx_slab_free(shpool, sh->previous);
        sh->previous = NULL;
    }

    p = ngx_slab_alloc(shpool, s->size);

    if (p != NULL && sh->slots == NULL) {
        sh->slots = ngx_slab_calloc(shpool, NGX_MAX_PROCESSES
                                            * sizeof(ngx_f1_replay_slot_t));
        if (sh->slots == NULL) {
            ngx_slab_free(shpool, p);
            p = NULL;
        }
    }

    if (p == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "f1_replay_session \"%V\": zone \"%V\" is too small: "
                      "the session needs %uz bytes%s and its counters %uz, "
                      "the zone has %uz; make it at least %uzm", &ctx->name,
                      &shm_zone->shm.name, (size_t) s->size,
                      sh->session ? " beside the running one" : "",
                      NGX_MAX_PROCESSES * sizeof(ngx_f1_replay_slot_t),
                      shm_zone->shm.size, need / (1024 * 1024) + 1);
        free(s);
        return NGX_ERROR;
    }

    ngx_memcpy(p, s, s->size);

    ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                  "f1_replay_session \"%V\": loaded \"%V\": %ui drivers, "
                  "%ui events, %uz bytes, %ui lines skipped", &ctx->name,
                  &ctx->path, (ngx_uint_t) s->drivers.n,
                  (ngx_uint_t) s->events.n, (size_t) s->size,
                  (ngx_uint_t) s->warnings);

    if (shm_zone->shm.size < need) {
        ngx_log_error(NGX_LOG_WARN, shm_zone->shm.log, 0,
                      "f1_replay_session \"%V\": zone \"%V\" cannot hold "
                      "a second copy of the session: a reload with a "
                      "changed archive needs at least %uzm", &ctx->name,
                      &shm_zone->shm.name, need / (1024 * 1024) + 1);
    }

    free(s);

    sh->previous = sh->session;
    sh->session = (ngx_f1_replay_session_t *) p;
    sh->fingerprint = ctx->fingerprint;
    ctx->session = sh->session;

    return NGX_OK;
}


/*
 * A new zone starts its clock at the configured start (lights-out by
 * default), or, with an anchor, at the monotonic moment matching the
 * anchor's UTC time, so that instances configured alike agree on every
 * tick.  A kept zone keeps its clock (and what control did to it), so a
 * reload never jumps; a changed rate, start, anchor, loop or archive
 * makes a new clock, which goes on from the session time being played
 * unless anchored.
 */

static ngx_int_t
ngx_f1_replay_zone_clock(ngx_f1_replay_session_conf_t *ctx,
    ngx_slab_pool_t *shpool, ngx_log_t *log, ngx_uint_t fresh)
{
    int32_t                   start, t;
    int64_t                   now, epoch, utc;
    uint32_t                  tick_ms;
    ngx_int_t                 rc;
    struct timeval            tv;
#if (NGX_HAVE_CLOCK_MONOTONIC)
    struct timespec           ts;
#endif
    ngx_f1_replay_clock_t    *clk;
    ngx_f1_replay_session_t  *s;

    s = ctx->session;
    clk = &ctx->sh->clock;
    tick_ms = (uint32_t) (1000 / ctx->rate);

    if (ngx_f1_replay_zone_start(ctx, log, &start) != NGX_OK) {
        return NGX_ERROR;
    }

    /*
     * the monotonic clock of ngx_current_msec, read now: the cached value
     * is as old as the archive's loading
     */

#if (NGX_HAVE_CLOCK_MONOTONIC)
    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#else
    ngx_time_update();
    now = (int64_t) ngx_current_msec;
#endif

    if (!fresh
        && clk->tick_ms == tick_ms && clk->end_ms == s->end_ms
        && clk->start_ms == start && clk->anchor_ms == ctx->anchor_ms
        && clk->loop == (uint32_t) ctx->loop)
    {
        return NGX_OK;
    }

    t = start;
    epoch = now;

    ngx_gettimeofday(&tv);
    utc = (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;

    if (ctx->anchor_ms) {

        /* the monotonic moment of the anchor's UTC time */

        epoch = now + ctx->anchor_ms - utc;
        utc = ctx->anchor_ms;

    } else if (!fresh) {
        t = ngx_f1_replay_clock_session_time(clk,
                ngx_f1_replay_clock_tick(clk, now));

        if (t < start || t >= s->end_ms) {
            t = start;
        }
    }

    ngx_shmtx_lock(&shpool->mutex);

    ngx_f1_replay_clock_init(clk, epoch, tick_ms, start, t, s->start_ms,
                             s->end_ms, (unsigned) ctx->loop);
    clk->anchor_ms = ctx->anchor_ms;
    clk->utc_ms = utc;

    rc = (fresh && ctx->state.len) ? ngx_f1_replay_zone_state(ctx, log)
                                   : NGX_OK;

    ngx_shmtx_unlock(&shpool->mutex);

    return rc;
}


/*
 * A new zone (nginx started, not reloaded) takes the clock saved in the
 * state file, so that an instance restarted comes back on the clock it
 * had (and on its fleet's); a file that cannot be taken stops the start
 */

static ngx_int_t
ngx_f1_replay_zone_state(ngx_f1_replay_session_conf_t *ctx, ngx_log_t *log)
{
    char                    id[256], err[256];
    long                    n;
    u_char                 *buf;
    ngx_int_t               rc;
    ngx_f1_replay_clock_t  *clk;

    buf = ngx_alloc(NGX_F1_REPLAY_CLOCK_STATE_MAX, log);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;
    clk = &ctx->sh->clock;

    n = ngx_f1_replay_clock_state_read((char *) ctx->state.data, buf,
                                       NGX_F1_REPLAY_CLOCK_STATE_MAX);

    if (n == -1) {
        ngx_log_error(NGX_LOG_EMERG, log, ngx_errno,
                      "f1_replay_session \"%V\": cannot read the clock's "
                      "state file \"%V\"", &ctx->name, &ctx->state);
        goto done;
    }

    if (n == 0) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "f1_replay_session \"%V\": no clock in \"%V\" yet, "
                      "the clock starts as configured", &ctx->name,
                      &ctx->state);
        rc = NGX_OK;
        goto done;
    }

    ngx_f1_replay_session_id(ctx->session, id, sizeof(id));

    if (ngx_f1_replay_clock_state_take(clk, id, buf, (size_t) n, err,
                                       sizeof(err))
        != 0)
    {
        ngx_log_error(NGX_LOG_EMERG, log, 0,
                      "f1_replay_session \"%V\": the clock's state file "
                      "\"%V\": %s (remove it to start as configured)",
                      &ctx->name, &ctx->state, err);
        goto done;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "f1_replay_session \"%V\": the clock of \"%V\" taken "
                  "(change %uL)", &ctx->name, &ctx->state,
                  clk->generation - 1);

    rc = NGX_OK;

done:

    ngx_free(buf);

    return rc;
}


/* the session time the configuration starts at */

static ngx_int_t
ngx_f1_replay_zone_start(ngx_f1_replay_session_conf_t *ctx, ngx_log_t *log,
    int32_t *start)
{
    char                      buf[NGX_F1_REPLAY_TIME_BUF];
    ngx_f1_replay_session_t  *s;

    s = ctx->session;

    switch (ctx->start) {

    case NGX_F1_REPLAY_START_FORMATION:
        *start = ngx_f1_replay_session_formation(s);

        if (*start == NGX_F1_REPLAY_NO_TIME) {
            ngx_log_error(NGX_LOG_EMERG, log, 0,
                          "f1_replay_session \"%V\": start=formation: "
                          "no formation lap in the car data of \"%V\" "
                          "(the field moving, then standing on the grid "
                          "before lights-out); use start=HH:MM:SS",
                          &ctx->name, &ctx->path);
            return NGX_ERROR;
        }

        return NGX_OK;

    case NGX_F1_REPLAY_START_TIME:
        *start = ctx->start_ms;

        if (*start < s->start_ms || *start >= s->end_ms) {
            (void) ngx_f1_replay_time_format(s->end_ms, buf);
            ngx_log_error(NGX_LOG_EMERG, log, 0,
                          "f1_replay_session \"%V\": start is outside the "
                          "session \"%V\", which ends at %s",
                          &ctx->name, &ctx->path, buf);
            return NGX_ERROR;
        }

        return NGX_OK;

    default: /* NGX_F1_REPLAY_START_LIGHTS_OUT */
        *start = (s->lights_out_ms != NGX_F1_REPLAY_NO_TIME)
                 ? s->lights_out_ms : s->start_ms;
        return NGX_OK;
    }
}


static void
ngx_f1_replay_zone_warn(void *data, const char *msg)
{
    ngx_f1_replay_zone_warn_t  *warn = data;

    ngx_log_error(NGX_LOG_WARN, warn->log, 0,
                  "f1_replay_session \"%V\": %s", warn->name, msg);
}


/*
 * The worker takes its counter slot: counters go on from what the
 * slot's earlier process counted; the gauges of a process that is gone
 * are reset.
 */

void
ngx_f1_replay_zone_join(ngx_f1_replay_session_conf_t *sc)
{
    ngx_f1_replay_slot_t  *slot;

    slot = &sc->sh->slots[ngx_process_slot];

    if (slot->pid != (ngx_atomic_t) ngx_pid) {
        slot->clients = 0;
        slot->subscriptions = 0;
        slot->pid = (ngx_atomic_t) ngx_pid;
    }

    slot->session = (ngx_atomic_t) (uintptr_t) sc->session;
}


ngx_uint_t
ngx_f1_replay_zone_alive(ngx_atomic_uint_t pid)
{
    if (pid == 0) {
        return 0;
    }

    /* kill(pid, 0): workers share their user; the master is root */

    return kill((ngx_pid_t) pid, 0) == 0 || ngx_errno == NGX_EPERM;
}


/* the pid of a running worker that reads the block, or 0 */

static ngx_pid_t
ngx_f1_replay_zone_reader(ngx_f1_replay_shctx_t *sh,
    ngx_f1_replay_session_t *block)
{
    ngx_uint_t             k;
    ngx_f1_replay_slot_t  *slot;

    for (k = 0; sh->slots && k < NGX_MAX_PROCESSES; k++) {
        slot = &sh->slots[k];

        if (slot->session == (ngx_atomic_t) (uintptr_t) block
            && ngx_f1_replay_zone_alive(slot->pid))
        {
            return (ngx_pid_t) slot->pid;
        }
    }

    return 0;
}
