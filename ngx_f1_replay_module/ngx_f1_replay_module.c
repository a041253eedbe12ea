
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_line.h"
#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_module.h"
#include "ngx_f1_replay_session.h"
#include "ngx_f1_replay_ws.h"


typedef struct {
    ngx_log_t                  *log;
    ngx_str_t                  *name;
} ngx_f1_replay_warn_ctx_t;


static ngx_int_t ngx_f1_replay_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_f1_replay_clock_setup(ngx_f1_replay_session_conf_t *ctx,
    ngx_slab_pool_t *shpool, ngx_log_t *log, ngx_uint_t fresh);
static void ngx_f1_replay_warn(void *ctx, const char *msg);
static ngx_int_t ngx_f1_replay_info_handler(ngx_http_request_t *r);
static ngx_int_t ngx_f1_replay_info_time(ngx_http_request_t *r,
    int32_t *t);
static ngx_int_t ngx_f1_replay_init_process(ngx_cycle_t *cycle);
static void ngx_f1_replay_exit_process(ngx_cycle_t *cycle);
static void *ngx_f1_replay_create_main_conf(ngx_conf_t *cf);
static void *ngx_f1_replay_create_loc_conf(ngx_conf_t *cf);
static char *ngx_f1_replay_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_f1_replay_session(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_f1_replay_handler(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_f1_replay_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_f1_replay_allow_origin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_f1_replay_predictions(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_f1_replay_predictions_free(void *data);
static ngx_f1_replay_session_conf_t *ngx_f1_replay_find_session(
    ngx_conf_t *cf, ngx_str_t *name);


static ngx_command_t  ngx_f1_replay_commands[] = {

    { ngx_string("f1_replay_session"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_f1_replay_session,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("f1_replay_info"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_f1_replay_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, info),
      NULL },

    { ngx_string("f1_replay"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_f1_replay_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, ws),
      NULL },

    { ngx_string("f1_replay_control"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_f1_replay_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, control),
      NULL },

    { ngx_string("f1_replay_max_delay"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, max_delay),
      NULL },

    { ngx_string("f1_replay_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_f1_replay_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("f1_replay_ping_interval"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, ping_interval),
      NULL },

    { ngx_string("f1_replay_pong_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, pong_timeout),
      NULL },

    { ngx_string("f1_replay_max_message"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, max_message),
      NULL },

    { ngx_string("f1_replay_max_skipped"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, max_skipped),
      NULL },

    { ngx_string("f1_replay_allow_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_f1_replay_allow_origin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("f1_replay_predictions"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_f1_replay_predictions,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_f1_replay_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_f1_replay_create_main_conf,        /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_f1_replay_create_loc_conf,         /* create location configuration */
    ngx_f1_replay_merge_loc_conf           /* merge location configuration */
};


ngx_module_t  ngx_f1_replay_module = {
    NGX_MODULE_V1,
    &ngx_f1_replay_module_ctx,             /* module context */
    ngx_f1_replay_commands,                /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_f1_replay_init_process,            /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_f1_replay_exit_process,            /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/*
 * Runs in the master (and in "nginx -t") after the configuration is
 * read.  A zone kept over a reload (same name, size and tag) comes with
 * the old configuration in data: if the archive is unchanged its block
 * is reused as it is; otherwise the archive is loaded again.
 */

static ngx_int_t
ngx_f1_replay_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_f1_replay_session_conf_t  *octx = data;

    u_char                        *p;
    char                           err[1024];
    ngx_slab_pool_t               *shpool;
    ngx_f1_replay_shctx_t         *sh;
    ngx_f1_replay_session_t       *s;
    ngx_f1_replay_warn_ctx_t       wctx;
    ngx_f1_replay_session_conf_t  *ctx;

    ctx = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (octx != NULL) {
        sh = octx->sh;

        if (sh->session != NULL && sh->fingerprint == ctx->fingerprint) {
            ctx->sh = sh;
            ctx->session = sh->session;

            if (ngx_f1_replay_clock_setup(ctx, shpool, shm_zone->shm.log, 0)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                          "f1_replay_session \"%V\": archive unchanged, "
                          "reusing zone \"%V\"", &ctx->name,
                          &shm_zone->shm.name);
            return NGX_OK;
        }

    } else {
        sh = ngx_slab_alloc(shpool, sizeof(ngx_f1_replay_shctx_t));
        if (sh == NULL) {
            goto too_small;
        }

        ngx_memzero(sh, sizeof(ngx_f1_replay_shctx_t));

        shpool->data = sh;
        shpool->log_nomem = 0;
    }

    ctx->sh = sh;

    wctx.log = shm_zone->shm.log;
    wctx.name = &ctx->name;

    s = ngx_f1_replay_loader_load((char *) ctx->path.data,
                                  ngx_f1_replay_warn, &wctx, err,
                                  sizeof(err));
    if (s == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "f1_replay_session \"%V\": %s", &ctx->name, err);
        return NGX_ERROR;
    }

    /*
     * A changed archive on reload: the old block stays readable until
     * the new one is in place, so exiting workers never see it change.
     */

    p = ngx_slab_alloc(shpool, s->size);

    if (p == NULL && sh->session != NULL) {
        ngx_slab_free(shpool, sh->session);
        sh->session = NULL;
        p = ngx_slab_alloc(shpool, s->size);
    }

    if (p == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "f1_replay_session \"%V\": zone \"%V\" is too small: "
                      "the session needs %uz bytes, the zone has %uz; "
                      "make it at least %uzm", &ctx->name,
                      &shm_zone->shm.name, (size_t) s->size,
                      shm_zone->shm.size,
                      (size_t) (s->size * 9 / 8) / (1024 * 1024) + 2);
        free(s);
        return NGX_ERROR;
    }

    ngx_memcpy(p, s, s->size);

    ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                  "f1_replay_session \"%V\": loaded \"%V\": %ui drivers, "
                  "%uz bytes, %ui lines skipped", &ctx->name, &ctx->path,
                  (ngx_uint_t) s->drivers.n, (size_t) s->size,
                  (ngx_uint_t) s->warnings);

    free(s);

    if (sh->session != NULL) {
        ngx_slab_free(shpool, sh->session);
    }

    sh->session = (ngx_f1_replay_session_t *) p;
    sh->fingerprint = ctx->fingerprint;
    ctx->session = sh->session;

    if (sh->slots == NULL) {
        sh->slots = ngx_slab_calloc(shpool, NGX_MAX_PROCESSES
                                            * sizeof(ngx_f1_replay_slot_t));
        if (sh->slots == NULL) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "f1_replay_session \"%V\": zone \"%V\" is too "
                          "small for the session and its counters (%uz "
                          "bytes more)", &ctx->name, &shm_zone->shm.name,
                          NGX_MAX_PROCESSES * sizeof(ngx_f1_replay_slot_t));
            return NGX_ERROR;
        }
    }

    return ngx_f1_replay_clock_setup(ctx, shpool, shm_zone->shm.log,
                                     octx == NULL);

too_small:

    ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                  "f1_replay_session \"%V\": zone \"%V\" is too small",
                  &ctx->name, &shm_zone->shm.name);

    return NGX_ERROR;
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
ngx_f1_replay_clock_setup(ngx_f1_replay_session_conf_t *ctx,
    ngx_slab_pool_t *shpool, ngx_log_t *log, ngx_uint_t fresh)
{
    char                      buf[16];
    int32_t                   start, t;
    int64_t                   now, epoch;
    uint32_t                  tick_ms;
    struct timeval            tv;
#if (NGX_HAVE_CLOCK_MONOTONIC)
    struct timespec           ts;
#endif
    ngx_f1_replay_clock_t    *clk;
    ngx_f1_replay_session_t  *s;

    s = ctx->session;
    clk = &ctx->sh->clock;
    tick_ms = (uint32_t) (1000 / ctx->rate);

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

    switch (ctx->start) {

    case NGX_F1_REPLAY_START_FORMATION:
        start = ngx_f1_replay_session_formation(s);

        if (start == NGX_F1_REPLAY_NO_TIME) {
            ngx_log_error(NGX_LOG_EMERG, log, 0,
                          "f1_replay_session \"%V\": start=formation: "
                          "no formation lap in the car data of \"%V\" "
                          "(the field moving, then standing on the grid "
                          "before lights-out); use start=HH:MM:SS",
                          &ctx->name, &ctx->path);
            return NGX_ERROR;
        }

        break;

    case NGX_F1_REPLAY_START_TIME:
        start = ctx->start_ms;

        if (start < s->start_ms || start >= s->end_ms) {
            ngx_f1_replay_session_format_time(s->end_ms, buf, sizeof(buf));
            ngx_log_error(NGX_LOG_EMERG, log, 0,
                          "f1_replay_session \"%V\": start is outside the "
                          "session \"%V\", which ends at %s",
                          &ctx->name, &ctx->path, buf);
            return NGX_ERROR;
        }

        break;

    default: /* NGX_F1_REPLAY_START_LIGHTS_OUT */
        start = (s->lights_out_ms != NGX_F1_REPLAY_NO_TIME)
                ? s->lights_out_ms : s->start_ms;
    }

    if (!fresh
        && clk->tick_ms == tick_ms && clk->end_ms == s->end_ms
        && clk->start_ms == start && clk->anchor_ms == ctx->anchor_ms
        && clk->loop == (uint32_t) ctx->loop)
    {
        return NGX_OK;
    }

    t = start;
    epoch = now;

    if (ctx->anchor_ms) {

        /* the monotonic moment of the anchor's UTC time */

        ngx_gettimeofday(&tv);
        epoch = now + ctx->anchor_ms
                - ((int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000);

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

    ngx_shmtx_unlock(&shpool->mutex);

    return NGX_OK;
}


/* this worker's copy of the shared clock, refreshed if it changed */

ngx_f1_replay_clock_t *
ngx_f1_replay_clock(ngx_f1_replay_session_conf_t *sc)
{
    (void) ngx_f1_replay_clock_sync(&sc->clock, &sc->sh->clock);

    return &sc->clock;
}


static void
ngx_f1_replay_warn(void *ctx, const char *msg)
{
    ngx_f1_replay_warn_ctx_t  *wctx = ctx;

    ngx_log_error(NGX_LOG_WARN, wctx->log, 0,
                  "f1_replay_session \"%V\": %s", wctx->name, msg);
}


static ngx_int_t
ngx_f1_replay_info_handler(ngx_http_request_t *r)
{
    int32_t                    t;
    ngx_int_t                  rc;
    yajl_gen                   g;
    ngx_f1_replay_loc_conf_t  *flcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    flcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);

    rc = ngx_f1_replay_info_time(r, &t);
    if (rc != NGX_OK && rc != NGX_DECLINED) {
        return rc;
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (((rc == NGX_OK)
         ? ngx_f1_replay_session_state(flcf->info->session, t, NULL, g)
         : ngx_f1_replay_session_summary(flcf->info->session, g))
        != 0)
    {
        yajl_gen_free(g);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "f1_replay_info: JSON generation failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_send_json(r, NGX_HTTP_OK, g);

    yajl_gen_free(g);

    return rc;
}


/* the generator's JSON document as the response, with a final newline */

ngx_int_t
ngx_f1_replay_send_json(ngx_http_request_t *r, ngx_uint_t status,
    yajl_gen g)
{
    size_t                len;
    ngx_int_t             rc;
    ngx_buf_t            *b;
    ngx_chain_t           out;
    const unsigned char  *json;

    if (yajl_gen_get_buf(g, &json, &len) != yajl_gen_status_ok) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, json, len);
    *b->last++ = LF;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * ?t=HH:MM:SS[.mmm] or ?t=<milliseconds>: NGX_OK, NGX_DECLINED if
 * absent
 */

static ngx_int_t
ngx_f1_replay_info_time(ngx_http_request_t *r, int32_t *t)
{
    ngx_str_t  arg;

    if (ngx_http_arg(r, (u_char *) "t", 1, &arg) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (ngx_f1_replay_parse_time_arg(arg.data, arg.len, t) != 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay_info: invalid t=\"%V\"", &arg);
        return NGX_HTTP_BAD_REQUEST;
    }

    return NGX_OK;
}


/*
 * The worker takes its counter slot in every session's zone: counters
 * go on from what the slot's earlier process counted; the clients gauge
 * of a process that is gone is reset.
 */

static ngx_int_t
ngx_f1_replay_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_f1_replay_slot_t           *slot;
    ngx_f1_replay_main_conf_t      *fmcf;
    ngx_f1_replay_session_conf_t  **sc;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_f1_replay_module);
    if (fmcf == NULL) {
        return NGX_OK;
    }

    sc = fmcf->sessions.elts;

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        slot = &sc[i]->sh->slots[ngx_process_slot];

        if (slot->pid != (ngx_atomic_t) ngx_pid) {
            slot->clients = 0;
            slot->pid = (ngx_atomic_t) ngx_pid;
        }
    }

    return NGX_OK;
}


/* the worker's last frame and its JSON generator, per session */

static void
ngx_f1_replay_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_f1_replay_main_conf_t      *fmcf;
    ngx_f1_replay_session_conf_t  **sc;

    fmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_f1_replay_module);
    if (fmcf == NULL) {
        return;
    }

    sc = fmcf->sessions.elts;

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        ngx_f1_replay_ws_exit(sc[i]);
    }
}


static void *
ngx_f1_replay_create_main_conf(ngx_conf_t *cf)
{
    ngx_f1_replay_main_conf_t  *fmcf;

    fmcf = ngx_pcalloc(cf->pool, sizeof(ngx_f1_replay_main_conf_t));
    if (fmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&fmcf->sessions, cf->pool, 2,
                       sizeof(ngx_f1_replay_session_conf_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return fmcf;
}


static void *
ngx_f1_replay_create_loc_conf(ngx_conf_t *cf)
{
    ngx_f1_replay_loc_conf_t  *flcf;

    flcf = ngx_pcalloc(cf->pool, sizeof(ngx_f1_replay_loc_conf_t));
    if (flcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     flcf->info = NULL;
     *     flcf->ws = NULL;
     */

    flcf->ping_interval = NGX_CONF_UNSET_MSEC;
    flcf->max_delay = NGX_CONF_UNSET_MSEC;
    flcf->pong_timeout = NGX_CONF_UNSET_MSEC;
    flcf->max_message = NGX_CONF_UNSET_SIZE;
    flcf->max_skipped = NGX_CONF_UNSET_UINT;
    flcf->origins = NGX_CONF_UNSET_PTR;
    flcf->predictions = NGX_CONF_UNSET_PTR;

    return flcf;
}


static char *
ngx_f1_replay_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_f1_replay_loc_conf_t  *prev = parent;
    ngx_f1_replay_loc_conf_t  *conf = child;

    if (conf->info == NULL) {
        conf->info = prev->info;
    }

    if (conf->ws == NULL) {
        conf->ws = prev->ws;
    }

    if (conf->control == NULL) {
        conf->control = prev->control;
    }

    ngx_conf_merge_msec_value(conf->max_delay, prev->max_delay, 120000);

    if (conf->max_delay > 3600000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "f1_replay_max_delay is at most 1h");
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_msec_value(conf->ping_interval, prev->ping_interval,
                              30000);
    ngx_conf_merge_msec_value(conf->pong_timeout, prev->pong_timeout, 10000);
    ngx_conf_merge_size_value(conf->max_message, prev->max_message, 4096);
    ngx_conf_merge_uint_value(conf->max_skipped, prev->max_skipped, 250);
    ngx_conf_merge_ptr_value(conf->origins, prev->origins, NULL);
    ngx_conf_merge_ptr_value(conf->predictions, prev->predictions, NULL);

    return NGX_CONF_OK;
}


/*
 * f1_replay_session <name> path=<dir> zone=<zone>:<size> [rate=<n>]
 *     [start=lights_out|formation|HH:MM:SS[.mmm]]
 *     [anchor=<UTC time, ISO 8601>] [loop=on|off]
 */

static char *
ngx_f1_replay_session(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_f1_replay_main_conf_t  *fmcf = conf;

    char                           err[1024];
    u_char                        *p;
    ssize_t                        size;
    int32_t                        start_ms;
    int64_t                        anchor_ms;
    ngx_int_t                      rate;
    ngx_uint_t                     start, loop;
    ngx_str_t                     *value, path, zone, s;
    ngx_uint_t                     i;
    ngx_f1_replay_session_conf_t  *sc, **scp;

    value = cf->args->elts;

    if (ngx_f1_replay_find_session(cf, &value[1]) != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate f1_replay_session \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    ngx_str_null(&path);
    ngx_str_null(&zone);
    size = 0;
    rate = 50;
    start = NGX_F1_REPLAY_START_LIGHTS_OUT;
    start_ms = 0;
    anchor_ms = 0;
    loop = 1;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "path=", 5) == 0) {
            path.data = value[i].data + 5;
            path.len = value[i].len - 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            zone.data = value[i].data + 5;

            p = (u_char *) ngx_strchr(zone.data, ':');
            if (p == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone \"%V\": use zone=name:size",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            zone.len = p - zone.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);
            if (size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            rate = ngx_atoi(value[i].data + 5, value[i].len - 5);

            if (rate == NGX_ERROR || rate < 1 || rate > 1000
                || 1000 % rate != 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid rate \"%V\": ticks per second "
                                   "dividing 1000 (50, 25, 10, ...)",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "start=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            if (s.len == 10 && ngx_strncmp(s.data, "lights_out", 10) == 0) {
                start = NGX_F1_REPLAY_START_LIGHTS_OUT;
                continue;
            }

            if (s.len == 9 && ngx_strncmp(s.data, "formation", 9) == 0) {
                start = NGX_F1_REPLAY_START_FORMATION;
                continue;
            }

            if (ngx_f1_replay_parse_time_arg(s.data, s.len, &start_ms) != 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid start \"%V\": lights_out, "
                                   "formation or a session time "
                                   "HH:MM:SS[.mmm]", &value[i]);
                return NGX_CONF_ERROR;
            }

            start = NGX_F1_REPLAY_START_TIME;
            continue;
        }

        if (ngx_strncmp(value[i].data, "anchor=", 7) == 0) {
            if (ngx_f1_replay_parse_utc((char *) value[i].data + 7,
                                        value[i].len - 7, &anchor_ms)
                != 0
                || value[i].data[value[i].len - 1] != 'Z'
                || anchor_ms <= 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid anchor \"%V\": a UTC time "
                                   "such as 2026-11-25T18:00:00Z",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "loop=on") == 0) {
            loop = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "loop=off") == 0) {
            loop = 0;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (path.len == 0 || zone.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"path\" and \"zone\" "
                           "parameters", &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    sc = ngx_pcalloc(cf->pool, sizeof(ngx_f1_replay_session_conf_t));
    if (sc == NULL) {
        return NGX_CONF_ERROR;
    }

    scp = ngx_array_push(&fmcf->sessions);
    if (scp == NULL) {
        return NGX_CONF_ERROR;
    }

    *scp = sc;

    sc->name = value[1];
    sc->rate = (ngx_uint_t) rate;
    sc->start = start;
    sc->start_ms = start_ms;
    sc->anchor_ms = anchor_ms;
    sc->loop = loop;

    /* ngx_conf_full_name() result is NUL-terminated */
    sc->path = path;

    if (ngx_f1_replay_loader_fingerprint((char *) path.data,
                                         &sc->fingerprint, err, sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    sc->shm_zone = ngx_shared_memory_add(cf, &zone, size,
                                         &ngx_f1_replay_module);
    if (sc->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (sc->shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &zone);
        return NGX_CONF_ERROR;
    }

    sc->shm_zone->init = ngx_f1_replay_init_zone;
    sc->shm_zone->data = sc;

    return NGX_CONF_OK;
}


/*
 * f1_replay_info <name>; and f1_replay <name>;: the session, by the
 * command's offset, and the content handler that serves it
 */

static char *
ngx_f1_replay_handler(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    ngx_str_t                      *value;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_f1_replay_session_conf_t  **sc;

    sc = (ngx_f1_replay_session_conf_t **) (p + cmd->offset);

    if (*sc) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *sc = ngx_f1_replay_find_session(cf, &value[1]);
    if (*sc == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown f1_replay_session \"%V\" (declare it "
                           "with f1_replay_session in http{} first)",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler =
        (cmd->offset == offsetof(ngx_f1_replay_loc_conf_t, ws))
        ? ngx_f1_replay_ws_handler
        : (cmd->offset == offsetof(ngx_f1_replay_loc_conf_t, control))
          ? ngx_f1_replay_control_handler : ngx_f1_replay_info_handler;

    return NGX_CONF_OK;
}


static char *
ngx_f1_replay_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_f1_replay_status_handler;

    return NGX_CONF_OK;
}


static char *
ngx_f1_replay_allow_origin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_f1_replay_loc_conf_t  *flcf = conf;

    ngx_str_t   *value, *o;
    ngx_uint_t   i;

    if (flcf->origins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    flcf->origins = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                     sizeof(ngx_str_t));
    if (flcf->origins == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        o = ngx_array_push(flcf->origins);
        if (o == NULL) {
            return NGX_CONF_ERROR;
        }

        *o = value[i];
    }

    return NGX_CONF_OK;
}


/*
 * f1_replay_predictions <file>: a JSON object sent to every client in
 * the "predictions" message, under "file", beside the built-in models'
 * output.  It is read and checked here and kept parsed for the life of
 * the configuration.
 */

static char *
ngx_f1_replay_predictions(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_f1_replay_loc_conf_t  *flcf = conf;

    char                   err[256];
    size_t                 len;
    ssize_t                n;
    u_char                *buf;
    ngx_str_t             *value, path;
    ngx_file_t             file;
    ngx_file_info_t        fi;
    ngx_pool_cleanup_t    *cln;
    ngx_f1_replay_json_t  *doc;

    if (flcf->predictions != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = path;
    file.log = cf->log;

    file.fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &path);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "predictions file \"%V\" is not a readable "
                           "file of at most 1m", &path);
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    len = (size_t) ngx_file_size(&fi);

    buf = ngx_pnalloc(cf->temp_pool, len + 1);
    if (buf == NULL) {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, buf, len, 0);
    ngx_close_file(file.fd);

    if (n != (ssize_t) len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot read predictions file \"%V\"", &path);
        return NGX_CONF_ERROR;
    }

    doc = ngx_f1_replay_json_parse(buf, len, err, sizeof(err));
    if (doc == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid JSON in predictions file \"%V\": %s",
                           &path, err);
        return NGX_CONF_ERROR;
    }

    if (doc->type != NGX_F1_REPLAY_JSON_OBJECT) {
        ngx_f1_replay_json_free(doc);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "predictions file \"%V\" must hold a JSON "
                           "object", &path);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_f1_replay_json_free(doc);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_f1_replay_predictions_free;
    cln->data = doc;

    flcf->predictions = doc;

    return NGX_CONF_OK;
}


static void
ngx_f1_replay_predictions_free(void *data)
{
    ngx_f1_replay_json_free(data);
}


static ngx_f1_replay_session_conf_t *
ngx_f1_replay_find_session(ngx_conf_t *cf, ngx_str_t *name)
{
    ngx_uint_t                      i;
    ngx_f1_replay_main_conf_t      *fmcf;
    ngx_f1_replay_session_conf_t  **sc;

    fmcf = ngx_http_conf_get_module_main_conf(cf, ngx_f1_replay_module);
    sc = fmcf->sessions.elts;

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        if (sc[i]->name.len == name->len
            && ngx_strncmp(sc[i]->name.data, name->data, name->len) == 0)
        {
            return sc[i];
        }
    }

    return NULL;
}
