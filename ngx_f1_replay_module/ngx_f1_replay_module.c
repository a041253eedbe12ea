
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_archive.h"
#include "ngx_f1_replay_control.h"
#include "ngx_f1_replay_http.h"
#include "ngx_f1_replay_module.h"
#include "ngx_f1_replay_status.h"
#include "ngx_f1_replay_time.h"
#include "ngx_f1_replay_upgrade.h"
#include "ngx_f1_replay_worker.h"
#include "ngx_f1_replay_zone.h"


static void *ngx_f1_replay_create_main_conf(ngx_conf_t *cf);
static void *ngx_f1_replay_create_loc_conf(ngx_conf_t *cf);
static char *ngx_f1_replay_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_f1_replay_session(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_f1_replay_session_param(ngx_conf_t *cf,
    ngx_f1_replay_session_conf_t *sc, ngx_str_t *v, ngx_str_t *zone,
    ssize_t *size);
static char *ngx_f1_replay_session_start(ngx_conf_t *cf,
    ngx_f1_replay_session_conf_t *sc, ngx_str_t *v);
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

    { ngx_string("f1_replay_control_margin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, control_margin),
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

    { ngx_string("f1_replay_max_messages"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_f1_replay_loc_conf_t, max_messages),
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
    ngx_f1_replay_worker_init,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_f1_replay_worker_exit,             /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


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

    flcf->control_margin = NGX_CONF_UNSET_MSEC;
    flcf->ping_interval = NGX_CONF_UNSET_MSEC;
    flcf->max_delay = NGX_CONF_UNSET_MSEC;
    flcf->pong_timeout = NGX_CONF_UNSET_MSEC;
    flcf->max_message = NGX_CONF_UNSET_SIZE;
    flcf->max_skipped = NGX_CONF_UNSET_UINT;
    flcf->max_messages = NGX_CONF_UNSET_UINT;
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

    ngx_conf_merge_msec_value(conf->control_margin, prev->control_margin,
                              NGX_CONF_UNSET_MSEC);

    if (conf->control_margin != NGX_CONF_UNSET_MSEC
        && conf->control_margin > NGX_F1_REPLAY_CONTROL_AHEAD)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "f1_replay_control_margin is at most %M ms",
                           (ngx_msec_t) NGX_F1_REPLAY_CONTROL_AHEAD);
        return NGX_CONF_ERROR;
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
    ngx_conf_merge_uint_value(conf->max_messages, prev->max_messages, 10);
    ngx_conf_merge_ptr_value(conf->origins, prev->origins, NULL);
    ngx_conf_merge_ptr_value(conf->predictions, prev->predictions, NULL);

    return NGX_CONF_OK;
}


/*
 * f1_replay_session <name> path=<dir> zone=<zone>:<size> [rate=<n>]
 *     [start=lights_out|formation|HH:MM:SS[.mmm]]
 *     [anchor=<UTC time, ISO 8601>] [loop=on|off] [state=<file>]
 */

static char *
ngx_f1_replay_session(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_f1_replay_main_conf_t  *fmcf = conf;

    char                           err[1024];
    char                          *rv;
    ssize_t                        size;
    ngx_str_t                     *value, zone;
    ngx_uint_t                     i;
    ngx_f1_replay_session_conf_t  *sc, **scp;

    value = cf->args->elts;

    if (ngx_f1_replay_find_session(cf, &value[1]) != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate f1_replay_session \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    sc = ngx_pcalloc(cf->pool, sizeof(ngx_f1_replay_session_conf_t));
    if (sc == NULL) {
        return NGX_CONF_ERROR;
    }

    sc->name = value[1];
    sc->rate = 50;
    sc->start = NGX_F1_REPLAY_START_LIGHTS_OUT;
    sc->loop = 1;

    ngx_str_null(&zone);
    size = 0;

    for (i = 2; i < cf->args->nelts; i++) {
        rv = ngx_f1_replay_session_param(cf, sc, &value[i], &zone, &size);

        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    if (sc->path.len == 0 || zone.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"path\" and \"zone\" "
                           "parameters", &cmd->name);
        return NGX_CONF_ERROR;
    }

    /* ngx_conf_full_name() result is NUL-terminated */

    if (ngx_conf_full_name(cf->cycle, &sc->path, 0) != NGX_OK
        || (sc->state.len
            && ngx_conf_full_name(cf->cycle, &sc->state, 0) != NGX_OK))
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_f1_replay_archive_fingerprint((char *) sc->path.data,
                                          &sc->fingerprint, err,
                                          sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    scp = ngx_array_push(&fmcf->sessions);
    if (scp == NULL) {
        return NGX_CONF_ERROR;
    }

    *scp = sc;

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

    sc->shm_zone->init = ngx_f1_replay_zone_init;
    sc->shm_zone->data = sc;

    return NGX_CONF_OK;
}


/* one name=value parameter of f1_replay_session */

static char *
ngx_f1_replay_session_param(ngx_conf_t *cf, ngx_f1_replay_session_conf_t *sc,
    ngx_str_t *v, ngx_str_t *zone, ssize_t *size)
{
    u_char     *p;
    ngx_int_t   rate;
    ngx_str_t   s;

    if (ngx_strncmp(v->data, "path=", 5) == 0) {
        sc->path.data = v->data + 5;
        sc->path.len = v->len - 5;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(v->data, "zone=", 5) == 0) {
        zone->data = v->data + 5;

        p = (u_char *) ngx_strchr(zone->data, ':');
        if (p == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid zone \"%V\": use zone=name:size", v);
            return NGX_CONF_ERROR;
        }

        zone->len = p - zone->data;

        s.data = p + 1;
        s.len = v->data + v->len - s.data;

        *size = ngx_parse_size(&s);

        if (*size == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid zone size \"%V\"", v);
            return NGX_CONF_ERROR;
        }

        if (*size < (ssize_t) (8 * ngx_pagesize)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zone \"%V\" is too small", v);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (ngx_strncmp(v->data, "rate=", 5) == 0) {
        rate = ngx_atoi(v->data + 5, v->len - 5);

        if (rate == NGX_ERROR || rate < 1 || rate > 1000 || 1000 % rate != 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid rate \"%V\": ticks per second "
                               "dividing 1000 (50, 25, 10, ...)", v);
            return NGX_CONF_ERROR;
        }

        sc->rate = (ngx_uint_t) rate;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(v->data, "start=", 6) == 0) {
        return ngx_f1_replay_session_start(cf, sc, v);
    }

    if (ngx_strncmp(v->data, "anchor=", 7) == 0) {
        if (ngx_f1_replay_time_parse_utc((char *) v->data + 7, v->len - 7,
                                         &sc->anchor_ms)
            != 0
            || v->data[v->len - 1] != 'Z'
            || sc->anchor_ms <= 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid anchor \"%V\": a UTC time such as "
                               "2026-11-25T18:00:00Z", v);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (ngx_strncmp(v->data, "state=", 6) == 0 && v->len > 6) {
        sc->state.data = v->data + 6;
        sc->state.len = v->len - 6;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(v->data, "loop=on") == 0) {
        sc->loop = 1;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(v->data, "loop=off") == 0) {
        sc->loop = 0;
        return NGX_CONF_OK;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"", v);

    return NGX_CONF_ERROR;
}


/* start=lights_out|formation|HH:MM:SS[.mmm] */

static char *
ngx_f1_replay_session_start(ngx_conf_t *cf, ngx_f1_replay_session_conf_t *sc,
    ngx_str_t *v)
{
    ngx_str_t  s;

    s.data = v->data + 6;
    s.len = v->len - 6;

    if (s.len == 10 && ngx_strncmp(s.data, "lights_out", 10) == 0) {
        sc->start = NGX_F1_REPLAY_START_LIGHTS_OUT;
        return NGX_CONF_OK;
    }

    if (s.len == 9 && ngx_strncmp(s.data, "formation", 9) == 0) {
        sc->start = NGX_F1_REPLAY_START_FORMATION;
        return NGX_CONF_OK;
    }

    if (ngx_f1_replay_time_parse_arg(s.data, s.len, &sc->start_ms) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid start \"%V\": lights_out, formation "
                           "or a session time HH:MM:SS[.mmm]", v);
        return NGX_CONF_ERROR;
    }

    sc->start = NGX_F1_REPLAY_START_TIME;

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
        ? ngx_f1_replay_upgrade_handler
        : (cmd->offset == offsetof(ngx_f1_replay_loc_conf_t, control))
          ? ngx_f1_replay_control_handler : ngx_f1_replay_http_info_handler;

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
