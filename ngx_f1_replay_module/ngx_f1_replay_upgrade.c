
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_sha1.h>

#include "ngx_f1_replay_client.h"
#include "ngx_f1_replay_deflate.h"
#include "ngx_f1_replay_http.h"
#include "ngx_f1_replay_sub.h"
#include "ngx_f1_replay_tick.h"
#include "ngx_f1_replay_upgrade.h"
#include "ngx_f1_replay_zone.h"


#define NGX_F1_REPLAY_UPGRADE_GUID      "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define NGX_F1_REPLAY_UPGRADE_KEY_LEN   24    /* base64 of 16 bytes */
#define NGX_F1_REPLAY_UPGRADE_PROTOCOL  "f1-replay.v1"
#define NGX_F1_REPLAY_UPGRADE_REQUIRED  426   /* not in nginx's list */


/* what the handshake found */
typedef struct {
    ngx_str_t                      accept;
    ngx_uint_t                     protocol;    /* f1-replay.v1 chosen */
    ngx_uint_t                     deflate;
    uint64_t                       delay;       /* ticks */
    ngx_uint_t                     refused;     /* NGX_F1_REPLAY_REFUSED_* */
} ngx_f1_replay_upgrade_t;


static ngx_int_t ngx_f1_replay_upgrade_check(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf, ngx_f1_replay_upgrade_t *u);
static ngx_int_t ngx_f1_replay_upgrade_key(ngx_http_request_t *r,
    ngx_str_t *accept);
static ngx_int_t ngx_f1_replay_upgrade_origin(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf);
static ngx_uint_t ngx_f1_replay_upgrade_protocol(ngx_http_request_t *r);
static ngx_int_t ngx_f1_replay_upgrade_refuse(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf, ngx_int_t status,
    ngx_f1_replay_upgrade_t *u);
static ngx_int_t ngx_f1_replay_upgrade_required(ngx_http_request_t *r);
static ngx_int_t ngx_f1_replay_upgrade_greet(ngx_f1_replay_client_t *cl,
    uint64_t delay);
static ngx_int_t ngx_f1_replay_upgrade_answer(ngx_http_request_t *r,
    ngx_f1_replay_upgrade_t *u);
static ngx_table_elt_t *ngx_f1_replay_upgrade_header(ngx_http_request_t *r,
    const char *name);
static ngx_int_t ngx_f1_replay_upgrade_token(ngx_str_t *value,
    const char *token, ngx_uint_t exact);
static ngx_int_t ngx_f1_replay_upgrade_add(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);


ngx_int_t
ngx_f1_replay_upgrade_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_connection_t          *c;
    ngx_f1_replay_sub_t       *sub;
    ngx_f1_replay_client_t    *cl;
    ngx_f1_replay_upgrade_t    u;
    ngx_f1_replay_filter_t     all;
    ngx_f1_replay_loc_conf_t  *lcf;
    ngx_http_core_loc_conf_t  *clcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);
    c = r->connection;

    ngx_memzero(&u, sizeof(ngx_f1_replay_upgrade_t));

    rc = ngx_f1_replay_upgrade_check(r, lcf, &u);
    if (rc != NGX_OK) {
        return ngx_f1_replay_upgrade_refuse(r, lcf, rc, &u);
    }

    cl = ngx_f1_replay_client_create(r, lcf);
    if (cl == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cl->deflate = u.deflate;
    cl->parser.deflate = u.deflate;

    /* every car, every channel, every tick until the client says */

    ngx_f1_replay_frame_filter_all(&all);

    sub = ngx_f1_replay_sub_get(cl->worker, &all, 1, u.delay);
    if (sub == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cl->sub = sub;

    if (ngx_f1_replay_upgrade_greet(cl, u.delay) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_upgrade_answer(r, &u);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    /*
     * a frame a tick must not wait for the client's ACK (Nagle): on a
     * plain HTTP/1.1 connection nginx sets TCP_NODELAY only when it goes
     * keepalive, so it is set here; a TLS connection has it from nginx's
     * handshake (ngx_http_ssl_handshake(), the same tcp_nodelay) and this
     * is a no-op (scripts/BENCHMARKS.md, wss: p99 lateness 13 ms with it,
     * 45 ms without)
     */

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->tcp_nodelay && ngx_tcp_nodelay(c) != NGX_OK) {
        return NGX_ERROR;
    }

    r->main->count++;

    /* idle: a graceful shutdown closes it, and the cleanup sends 1001 */
    c->idle = 1;

    cl->in_handler = 1;

    ngx_f1_replay_client_start(cl, sub);

    if (!cl->done) {
        cl->in_handler = 0;
    }

    return NGX_DONE;
}


/*
 * RFC 6455 section 4.2.1: NGX_OK with u filled, or the status to answer
 * with and u->refused
 */

static ngx_int_t
ngx_f1_replay_upgrade_check(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf, ngx_f1_replay_upgrade_t *u)
{
    ngx_int_t         rc;
    ngx_str_t         arg;
    ngx_table_elt_t  *h;

    u->refused = NGX_F1_REPLAY_REFUSED_BAD;

    if (r->method != NGX_HTTP_GET) {
        u->refused = NGX_F1_REPLAY_REFUSED_METHOD;
        return NGX_HTTP_NOT_ALLOWED;
    }

    /* ?delay=<seconds>: the replay as it was that long ago */

    rc = ngx_f1_replay_http_arg(r, "delay", &arg);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK
        && ngx_f1_replay_sub_delay(lcf, arg.data, arg.len, &u->delay)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: invalid delay \"%V\" (0 to %M ms)",
                      &arg, lcf->max_delay);
        return NGX_HTTP_BAD_REQUEST;
    }

#if (NGX_HTTP_V2)
    if (r->stream) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: WebSocket over HTTP/2 is not supported");
        return NGX_HTTP_BAD_REQUEST;
    }
#endif

    h = r->headers_in.upgrade;

    if (h == NULL
        || ngx_f1_replay_upgrade_token(&h->value, "websocket", 0) != NGX_OK)
    {
        /* not a WebSocket request: say what this resource speaks */
        u->refused = NGX_F1_REPLAY_REFUSED_UPGRADE;
        return NGX_F1_REPLAY_UPGRADE_REQUIRED;
    }

    if (r->http_version < NGX_HTTP_VERSION_11) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: WebSocket needs HTTP/1.1");
        return NGX_HTTP_BAD_REQUEST;
    }

    /* nginx 1.22 parses Connection but keeps no pointer to it */
    h = ngx_f1_replay_upgrade_header(r, "Connection");

    if (h == NULL
        || ngx_f1_replay_upgrade_token(&h->value, "upgrade", 0) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: no \"Connection: upgrade\"");
        return NGX_HTTP_BAD_REQUEST;
    }

    h = ngx_f1_replay_upgrade_header(r, "Sec-WebSocket-Version");

    if (h == NULL || h->value.len != 2
        || ngx_strncmp(h->value.data, "13", 2) != 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: unsupported WebSocket version");
        u->refused = NGX_F1_REPLAY_REFUSED_VERSION;
        return NGX_F1_REPLAY_UPGRADE_REQUIRED;
    }

    if (ngx_f1_replay_upgrade_key(r, &u->accept) != NGX_OK) {
        return NGX_HTTP_BAD_REQUEST;
    }

    if (ngx_f1_replay_upgrade_origin(r, lcf) != NGX_OK) {
        u->refused = NGX_F1_REPLAY_REFUSED_ORIGIN;
        return NGX_HTTP_FORBIDDEN;
    }

    /* a worker shutting down takes no new client: it would never end */

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        u->refused = NGX_F1_REPLAY_REFUSED_EXITING;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    if (!ngx_f1_replay_sub_room(lcf->ws->worker, u->delay)) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "f1_replay: %ui distinct subscriptions in this "
                      "worker, refusing a client",
                      (ngx_uint_t) NGX_F1_REPLAY_SUB_MAX);
        u->refused = NGX_F1_REPLAY_REFUSED_FULL;
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    u->protocol = ngx_f1_replay_upgrade_protocol(r);
    h = ngx_f1_replay_upgrade_header(r, "Sec-WebSocket-Extensions");
    u->deflate = ngx_f1_replay_deflate_offer(h ? &h->value : NULL);

    return NGX_OK;
}


/*
 * Sec-WebSocket-Accept: base64(SHA-1(key GUID)) of a key that is the
 * base64 of 16 bytes
 */

static ngx_int_t
ngx_f1_replay_upgrade_key(ngx_http_request_t *r, ngx_str_t *accept)
{
    u_char            raw[32], hash[20];
    ngx_str_t         decoded, sha;
    ngx_sha1_t        sha1;
    ngx_table_elt_t  *h;

    h = ngx_f1_replay_upgrade_header(r, "Sec-WebSocket-Key");

    decoded.data = raw;

    if (h == NULL
        || h->value.len != NGX_F1_REPLAY_UPGRADE_KEY_LEN
        || h->value.data[NGX_F1_REPLAY_UPGRADE_KEY_LEN - 2] != '='
        || h->value.data[NGX_F1_REPLAY_UPGRADE_KEY_LEN - 1] != '='
        || ngx_decode_base64(&decoded, &h->value) != NGX_OK
        || decoded.len != 16)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: missing or invalid Sec-WebSocket-Key");
        return NGX_ERROR;
    }

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, h->value.data, h->value.len);
    ngx_sha1_update(&sha1, NGX_F1_REPLAY_UPGRADE_GUID,
                    sizeof(NGX_F1_REPLAY_UPGRADE_GUID) - 1);
    ngx_sha1_final(hash, &sha1);

    sha.data = hash;
    sha.len = sizeof(hash);

    accept->len = ngx_base64_encoded_length(sha.len);
    accept->data = ngx_pnalloc(r->pool, accept->len);
    if (accept->data == NULL) {
        return NGX_ERROR;
    }

    ngx_encode_base64(accept, &sha);

    return NGX_OK;
}


/* the Origin must be in f1_replay_allow_origin, if set */

static ngx_int_t
ngx_f1_replay_upgrade_origin(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf)
{
    ngx_str_t        *origin;
    ngx_uint_t        i;
    ngx_table_elt_t  *h;

    h = ngx_f1_replay_upgrade_header(r, "Origin");

    /*
     * browsers always send Origin: the list keeps other sites' pages out;
     * a client that is no browser sends none (or any it likes)
     */

    if (lcf->origins == NULL || h == NULL) {
        return NGX_OK;
    }

    origin = lcf->origins->elts;

    for (i = 0; i < lcf->origins->nelts; i++) {
        if (origin[i].len == h->value.len
            && ngx_strncasecmp(origin[i].data, h->value.data, h->value.len)
               == 0)
        {
            return NGX_OK;
        }
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "f1_replay: origin \"%V\" not allowed", &h->value);

    return NGX_DECLINED;
}


/* 1 if f1-replay.v1 is in the Sec-WebSocket-Protocol list */

static ngx_uint_t
ngx_f1_replay_upgrade_protocol(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = ngx_f1_replay_upgrade_header(r, "Sec-WebSocket-Protocol");

    return h != NULL
           && ngx_f1_replay_upgrade_token(&h->value,
                                          NGX_F1_REPLAY_UPGRADE_PROTOCOL, 1)
              == NGX_OK;
}


/*
 * A refused handshake is counted by reason and answered with the status;
 * the connection is closed after it: a client that asked to upgrade
 * gets no other use of it
 */

static ngx_int_t
ngx_f1_replay_upgrade_refuse(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf, ngx_int_t status,
    ngx_f1_replay_upgrade_t *u)
{
    ngx_f1_replay_zone_count(lcf->ws, refused[u->refused], 1);

    r->keepalive = 0;

    if (status == NGX_F1_REPLAY_UPGRADE_REQUIRED) {
        return ngx_f1_replay_upgrade_required(r);
    }

    return status;
}


/* 426 with its reason phrase, which nginx's status table lacks */

static ngx_int_t
ngx_f1_replay_upgrade_required(ngx_http_request_t *r)
{
    ngx_buf_t  *b;

    static ngx_str_t  type = ngx_string("text/plain");
    static u_char     body[] = "426 Upgrade Required: this is a WebSocket "
                               "endpoint (RFC 6455)\n";

    if (ngx_http_discard_request_body(r) != NGX_OK
        || ngx_f1_replay_upgrade_add(r, "Upgrade",
                                     &(ngx_str_t) ngx_string("websocket"))
           != NGX_OK
        || ngx_f1_replay_upgrade_add(r, "Sec-WebSocket-Version",
                                     &(ngx_str_t) ngx_string("13"))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + sizeof(body) - 1;
    b->memory = 1;

    ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");

    return ngx_f1_replay_http_send(r, NGX_F1_REPLAY_UPGRADE_REQUIRED, &type,
                                   b);
}


/*
 * The client's first messages, in this order: hello (with the clock),
 * state and predictions; clients without a delay joining in the same
 * tick share one encoding of them
 */

static ngx_int_t
ngx_f1_replay_upgrade_greet(ngx_f1_replay_client_t *cl, uint64_t delay)
{
    int32_t                  t;
    uint64_t                 tick;
    ngx_int_t                rc;
    ngx_log_t               *log;
    ngx_f1_replay_msg_t     *hello, *state, *m;
    ngx_f1_replay_worker_t  *w;

    w = cl->worker;
    log = cl->connection->log;

    tick = ngx_f1_replay_clock_tick(ngx_f1_replay_worker_clock(w->sc),
                                    (int64_t) ngx_current_msec);

    if (ngx_f1_replay_tick_greeting(w, tick, delay, &hello, &state, &t, log)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_f1_replay_client_queue(cl, hello) != NGX_OK) {
        ngx_f1_replay_msg_release(state);
        return NGX_ERROR;
    }

    if (ngx_f1_replay_client_queue(cl, state) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_f1_replay_tick_predictions(w, cl->lcf,
                                        ngx_f1_replay_tick_lap(w, t), &m,
                                        log);

    if (rc == NGX_ERROR
        || (rc == NGX_OK && ngx_f1_replay_client_queue(cl, m) != NGX_OK))
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* 101: nginx's header filter adds "Connection: upgrade" itself */

static ngx_int_t
ngx_f1_replay_upgrade_answer(ngx_http_request_t *r,
    ngx_f1_replay_upgrade_t *u)
{
    ngx_int_t  rc;

    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    ngx_str_set(&r->headers_out.status_line, "101 Switching Protocols");
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;

    if (ngx_f1_replay_upgrade_add(r, "Upgrade",
                                  &(ngx_str_t) ngx_string("websocket"))
        != NGX_OK
        || ngx_f1_replay_upgrade_add(r, "Sec-WebSocket-Accept", &u->accept)
           != NGX_OK
        || (u->protocol
            && ngx_f1_replay_upgrade_add(r, "Sec-WebSocket-Protocol",
                   &(ngx_str_t) ngx_string(NGX_F1_REPLAY_UPGRADE_PROTOCOL))
               != NGX_OK)
        || (u->deflate
            && ngx_f1_replay_upgrade_add(r, "Sec-WebSocket-Extensions",
                   &(ngx_str_t) ngx_string(NGX_F1_REPLAY_DEFLATE_ANSWER))
               != NGX_OK))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    return ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR
           ? NGX_ERROR : NGX_OK;
}


static ngx_table_elt_t *
ngx_f1_replay_upgrade_header(ngx_http_request_t *r, const char *name)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* a comma-separated list holds token (in any case, unless exact) */

static ngx_int_t
ngx_f1_replay_upgrade_token(ngx_str_t *value, const char *token,
    ngx_uint_t exact)
{
    u_char  *p, *last, *end;
    size_t   len;

    len = ngx_strlen(token);
    p = value->data;
    last = p + value->len;

    while (p < last) {
        while (p < last && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        end = p;
        while (end < last && *end != ',') {
            end++;
        }

        while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
            end--;
        }

        if ((size_t) (end - p) == len
            && (exact ? ngx_strncmp(p, token, len)
                      : ngx_strncasecmp(p, (u_char *) token, len))
               == 0)
        {
            return NGX_OK;
        }

        p = end;
        while (p < last && *p != ',') {
            p++;
        }
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_f1_replay_upgrade_add(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.len = ngx_strlen(name);
    h->key.data = (u_char *) name;
    h->value = *value;

    return NGX_OK;
}
