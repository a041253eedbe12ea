
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <zlib.h>

#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_module.h"
#include "ngx_f1_replay_strategy.h"
#include "ngx_f1_replay_ws.h"


/*
 * The WebSocket endpoint: RFC 6455 inside nginx, no upstream.
 *
 * Each worker keeps, per session, a list of its clients and one timer at
 * the tick rate.  The timer computes the current tick from the shared
 * clock, encodes that tick's frame once and hands the same bytes to every
 * client (reference-counted).  A client that has not drained its frame
 * by the next tick gets only the newest one (the older waiting frame is
 * dropped and counted); past f1_replay_max_skipped drops in a row it is
 * closed with 1008.  Per client at most one frame in flight, one waiting
 * and a few small control messages: memory per client is bounded.
 */


#define NGX_F1_REPLAY_CTL_MAX      80    /* control, hello, events */
#define NGX_F1_REPLAY_EVENTS_SPAN  2000  /* ms of events a tick may carry */
#define NGX_F1_REPLAY_SUBS_MAX     256   /* distinct, per worker */
#define NGX_F1_REPLAY_BAD_MAX      5     /* invalid messages, then 1008 */
#define NGX_F1_REPLAY_RBUF_SIZE    4096
#define NGX_F1_REPLAY_CLOSE_WAIT   1000
#define NGX_F1_REPLAY_SUBPROTOCOL  "f1-replay.v1"
#define NGX_F1_REPLAY_WS_POLICY    1008
#define NGX_F1_REPLAY_UPGRADE_REQUIRED  426   /* not in nginx's list */


/*
 * Client bytes are parsed as soon as they are read, and the parser keeps
 * what it needs: one read buffer serves all of a worker's clients.
 */
static u_char  ngx_f1_replay_rbuf[NGX_F1_REPLAY_RBUF_SIZE];




typedef struct {
    ngx_f1_replay_session_conf_t  *sc;
    ngx_log_t                     *log;
} ngx_f1_replay_events_ctx_t;


typedef struct {
    ngx_queue_t                    queue;
    ngx_http_request_t            *request;
    ngx_f1_replay_session_conf_t  *sc;
    ngx_f1_replay_loc_conf_t      *lcf;
    ngx_f1_replay_ws_parser_t      parser;

    ngx_f1_replay_msg_t           *cur;       /* being written */
    size_t                         sent;
    ngx_f1_replay_msg_t           *next;      /* newest frame waiting */
    ngx_f1_replay_msg_t           *ctl[NGX_F1_REPLAY_CTL_MAX];
    ngx_uint_t                     nctl;

    ngx_uint_t                     skipped;
    ngx_uint_t                     skipped_in_row;

    ngx_f1_replay_sub_t           *sub;
    uint64_t                       bucket;    /* of the last frame */
    ngx_uint_t                     bad;       /* invalid messages */

    ngx_event_t                    timer;     /* ping, pong, close wait */

    unsigned                       listed:1;
    unsigned                       awaiting_pong:1;
    unsigned                       closing:1;  /* close frame queued */
    unsigned                       close_sent:1;
    unsigned                       peer_closed:1;
    unsigned                       done:1;
    unsigned                       in_handler:1;
    unsigned                       deflate:1;  /* permessage-deflate */
} ngx_f1_replay_client_t;


static ngx_int_t ngx_f1_replay_ws_handshake(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf, ngx_str_t *accept, ngx_str_t *proto,
    uint64_t *delay);
static ngx_int_t ngx_f1_replay_ws_delay(ngx_f1_replay_loc_conf_t *lcf,
    ngx_str_t *value, uint64_t *delay);
static ngx_int_t ngx_f1_replay_ws_greeting(ngx_f1_replay_session_conf_t *sc,
    uint64_t tick, uint64_t delay, ngx_f1_replay_msg_t **hello,
    ngx_f1_replay_msg_t **state, int32_t *t, ngx_log_t *log);
static ngx_uint_t ngx_f1_replay_ws_lap(ngx_f1_replay_session_conf_t *sc,
    int32_t t);
static ngx_int_t ngx_f1_replay_ws_predictions(
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_loc_conf_t *lcf,
    ngx_uint_t lap, ngx_f1_replay_msg_t **msg, ngx_log_t *log);
static ngx_int_t ngx_f1_replay_ws_strategy(ngx_f1_replay_session_conf_t *sc,
    ngx_uint_t lap, ngx_log_t *log);
static ngx_int_t ngx_f1_replay_ws_upgrade_required(ngx_http_request_t *r);
static ngx_uint_t ngx_f1_replay_ws_deflate_offer(ngx_http_request_t *r);
static ngx_f1_replay_msg_t *ngx_f1_replay_ws_deflate(
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_msg_t *m,
    ngx_log_t *log);
static ngx_int_t ngx_f1_replay_ws_inflate(ngx_f1_replay_client_t *cl,
    unsigned opcode, u_char **text, size_t *len);
static ngx_table_elt_t *ngx_f1_replay_ws_header_in(ngx_http_request_t *r,
    const char *name, size_t len);
static ngx_int_t ngx_f1_replay_ws_has_token(ngx_str_t *value,
    const char *token, size_t len);
static ngx_int_t ngx_f1_replay_ws_add_header(ngx_http_request_t *r,
    const char *name, size_t nlen, ngx_str_t *value);
static ngx_int_t ngx_f1_replay_ws_start(ngx_f1_replay_client_t *cl,
    uint64_t delay);
static void ngx_f1_replay_ws_read(ngx_http_request_t *r);
static void ngx_f1_replay_ws_write(ngx_http_request_t *r);
static ngx_int_t ngx_f1_replay_ws_input(ngx_f1_replay_client_t *cl,
    u_char *pos, u_char *end);
static ngx_int_t ngx_f1_replay_ws_flush(ngx_f1_replay_client_t *cl);
static ngx_int_t ngx_f1_replay_ws_queue(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *m);
static void ngx_f1_replay_ws_close(ngx_f1_replay_client_t *cl,
    ngx_uint_t code);
static void ngx_f1_replay_ws_finalize(ngx_f1_replay_client_t *cl);
static void ngx_f1_replay_ws_cleanup(void *data);
static void ngx_f1_replay_ws_timer(ngx_event_t *ev);
static void ngx_f1_replay_ws_tick(ngx_event_t *ev);
static ngx_msec_t ngx_f1_replay_ws_next(ngx_f1_replay_clock_t *clk,
    uint64_t tick, int64_t now);
static void ngx_f1_replay_ws_view(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_sub_t *sub, uint64_t tick, int64_t now, double sent,
    ngx_log_t *log);
static void ngx_f1_replay_ws_seen(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_sub_t *sub, ngx_f1_replay_clock_pos_t *pos);
static ngx_int_t ngx_f1_replay_ws_pend(ngx_f1_replay_sub_t *sub,
    ngx_f1_replay_msg_t *m);
static ngx_f1_replay_msg_t *ngx_f1_replay_ws_clock_msg(
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_clock_pos_t *pos,
    uint64_t delay, ngx_log_t *log);
static ngx_f1_replay_msg_t *ngx_f1_replay_ws_state_msg(
    ngx_f1_replay_session_conf_t *sc, int32_t t, ngx_log_t *log);
static void ngx_f1_replay_ws_uncache(ngx_f1_replay_session_conf_t *sc);
static void ngx_f1_replay_ws_push(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *frame);
static int ngx_f1_replay_ws_event(void *data, yajl_gen g);
static ngx_int_t ngx_f1_replay_ws_events(ngx_f1_replay_session_conf_t *sc,
    int32_t from, int32_t to, ngx_log_t *log);
static ngx_int_t ngx_f1_replay_ws_subscribe(ngx_f1_replay_client_t *cl,
    u_char *text, size_t len);
static ngx_int_t ngx_f1_replay_ws_parse_sub(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_json_t *doc, ngx_f1_replay_filter_t *f,
    ngx_uint_t *divisor, uint64_t *delay, const char **err);
static ngx_int_t ngx_f1_replay_ws_rejoin(ngx_f1_replay_client_t *cl);
static ngx_f1_replay_sub_t *ngx_f1_replay_sub_get(
    ngx_f1_replay_session_conf_t *sc, ngx_f1_replay_filter_t *f,
    ngx_uint_t divisor, uint64_t delay);
static void ngx_f1_replay_sub_put(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_sub_t *sub);
static ngx_int_t ngx_f1_replay_ws_reply(ngx_f1_replay_client_t *cl,
    yajl_gen g);
static ngx_f1_replay_msg_t *ngx_f1_replay_msg_create(unsigned opcode,
    const u_char *payload, size_t len, ngx_log_t *log);
static ngx_f1_replay_msg_t *ngx_f1_replay_msg_gen(yajl_gen g,
    ngx_log_t *log);
static void ngx_f1_replay_msg_release(ngx_f1_replay_msg_t *m);


ngx_int_t
ngx_f1_replay_ws_handler(ngx_http_request_t *r)
{
    int32_t                        t;
    uint64_t                       tick, delay;
    ngx_int_t                      rc;
    ngx_str_t                      accept, proto;
    ngx_f1_replay_msg_t           *hello, *state, *m;
    ngx_connection_t              *c;
    ngx_http_cleanup_t            *cln;
    ngx_f1_replay_client_t        *cl;
    ngx_f1_replay_loc_conf_t      *lcf;
    ngx_f1_replay_session_conf_t  *sc;
    ngx_http_core_loc_conf_t      *clcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);
    sc = lcf->ws;
    c = r->connection;

    rc = ngx_f1_replay_ws_handshake(r, lcf, &accept, &proto, &delay);

    if (rc != NGX_OK) {
        r->keepalive = 0;

        ngx_f1_replay_count(sc, refused[
            rc == NGX_HTTP_NOT_ALLOWED ? NGX_F1_REPLAY_REFUSED_METHOD
            : rc == NGX_HTTP_FORBIDDEN ? NGX_F1_REPLAY_REFUSED_ORIGIN
            : rc != NGX_F1_REPLAY_UPGRADE_REQUIRED ? NGX_F1_REPLAY_REFUSED_BAD
            : ngx_f1_replay_ws_header_in(r, "Sec-WebSocket-Version", 21)
              ? NGX_F1_REPLAY_REFUSED_VERSION
              : NGX_F1_REPLAY_REFUSED_UPGRADE], 1);
    }

    if (rc == NGX_F1_REPLAY_UPGRADE_REQUIRED) {
        return ngx_f1_replay_ws_upgrade_required(r);
    }

    if (rc != NGX_OK) {
        return rc;
    }

    cl = ngx_pcalloc(r->pool, sizeof(ngx_f1_replay_client_t));
    if (cl == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cl->request = r;
    cl->sc = sc;
    cl->lcf = lcf;
    ngx_f1_replay_ws_parser_init(&cl->parser, lcf->max_message);

    cln->handler = ngx_f1_replay_ws_cleanup;
    cln->data = cl;

    ngx_http_set_ctx(r, cl, ngx_f1_replay_module);

    cl->timer.handler = ngx_f1_replay_ws_timer;
    cl->timer.data = cl;
    cl->timer.log = c->log;
    cl->timer.cancelable = 1;

    /*
     * hello (with the clock), state and predictions go first, in this
     * order; clients without a delay connecting in the same tick share
     * one encoding of them
     */

    if (sc->gen == NULL) {
        sc->gen = yajl_gen_alloc(NULL);
        if (sc->gen == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    tick = ngx_f1_replay_clock_tick(ngx_f1_replay_clock(sc),
                                    (int64_t) ngx_current_msec);

    if (ngx_f1_replay_ws_greeting(sc, tick, delay, &hello, &state, &t,
                                  c->log)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_f1_replay_ws_queue(cl, hello) != NGX_OK) {
        ngx_f1_replay_msg_release(state);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_f1_replay_ws_queue(cl, state) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_ws_predictions(sc, lcf, ngx_f1_replay_ws_lap(sc, t),
                                      &m, c->log);

    if (rc == NGX_ERROR
        || (rc == NGX_OK && ngx_f1_replay_ws_queue(cl, m) != NGX_OK))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* 101: nginx's header filter adds "Connection: upgrade" itself */

    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    ngx_str_set(&r->headers_out.status_line, "101 Switching Protocols");
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;

    if (proto.len) {
        ngx_str_set(&proto, NGX_F1_REPLAY_SUBPROTOCOL);
    }

    if (ngx_f1_replay_ws_add_header(r, "Upgrade", 7,
                                    &(ngx_str_t) ngx_string("websocket"))
        != NGX_OK
        || ngx_f1_replay_ws_add_header(r, "Sec-WebSocket-Accept", 20,
                                       &accept)
           != NGX_OK
        || (proto.len
            && ngx_f1_replay_ws_add_header(r, "Sec-WebSocket-Protocol", 22,
                                           &proto)
               != NGX_OK))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_f1_replay_ws_deflate_offer(r)) {

        /*
         * Every message is compressed on its own (deflateReset): no
         * context takeover on our side, and none asked of the client,
         * so its messages inflate on their own too.
         */

        if (ngx_f1_replay_ws_add_header(r, "Sec-WebSocket-Extensions", 24,
                &(ngx_str_t) ngx_string("permessage-deflate; "
                                        "server_no_context_takeover; "
                                        "client_no_context_takeover"))
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cl->deflate = 1;
        cl->parser.deflate = 1;
    }

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    if (ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR) {
        return NGX_ERROR;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->tcp_nodelay && ngx_tcp_nodelay(c) != NGX_OK) {
        return NGX_ERROR;
    }

    r->main->count++;

    /* idle: a graceful shutdown closes it, and the cleanup sends 1001 */
    c->idle = 1;

    r->read_event_handler = ngx_f1_replay_ws_read;
    r->write_event_handler = ngx_f1_replay_ws_write;

    cl->in_handler = 1;

    if (ngx_f1_replay_ws_start(cl, delay) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_CLOSE);
        return NGX_DONE;
    }

    /* bytes the client sent right after the handshake */

    if (r->header_in->pos < r->header_in->last) {
        rc = ngx_f1_replay_ws_input(cl, r->header_in->pos,
                                    r->header_in->last);
        r->header_in->pos = r->header_in->last;

        if (rc != NGX_OK) {
            return NGX_DONE;
        }
    }

    if (ngx_f1_replay_ws_flush(cl) != NGX_OK) {
        return NGX_DONE;
    }

    ngx_f1_replay_ws_read(r);

    if (!cl->done) {
        cl->in_handler = 0;
    }

    return NGX_DONE;
}


/* RFC 6455 section 4.2.1; NGX_OK or the status to answer with */

static ngx_int_t
ngx_f1_replay_ws_handshake(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf, ngx_str_t *accept, ngx_str_t *proto,
    uint64_t *delay)
{
    u_char           *p, *last;
    ngx_str_t        *origin, arg;
    ngx_uint_t        i;
    ngx_table_elt_t  *h, *key, *version;

    static u_char     buf[NGX_F1_REPLAY_WS_ACCEPT_LEN + 1];

    if (r->method != NGX_HTTP_GET) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    /* ?delay=<seconds>: the replay as it was that long ago */

    *delay = 0;

    if (ngx_http_arg(r, (u_char *) "delay", 5, &arg) == NGX_OK
        && ngx_f1_replay_ws_delay(lcf, &arg, delay) != NGX_OK)
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
        || ngx_f1_replay_ws_has_token(&h->value, "websocket", 9) != NGX_OK)
    {
        /* not a WebSocket request: say what this resource speaks */

        if (ngx_f1_replay_ws_add_header(r, "Upgrade", 7,
                                  &(ngx_str_t) ngx_string("websocket"))
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_F1_REPLAY_UPGRADE_REQUIRED;
    }

    if (r->http_version < NGX_HTTP_VERSION_11) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: WebSocket needs HTTP/1.1");
        return NGX_HTTP_BAD_REQUEST;
    }

    /* nginx 1.22 parses Connection but keeps no pointer to it */
    h = ngx_f1_replay_ws_header_in(r, "Connection", 10);

    if (h == NULL
        || ngx_f1_replay_ws_has_token(&h->value, "upgrade", 7) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: no \"Connection: upgrade\"");
        return NGX_HTTP_BAD_REQUEST;
    }

    version = ngx_f1_replay_ws_header_in(r, "Sec-WebSocket-Version", 21);

    if (version == NULL || version->value.len != 2
        || ngx_strncmp(version->value.data, "13", 2) != 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: unsupported WebSocket version");

        if (ngx_f1_replay_ws_add_header(r, "Sec-WebSocket-Version", 21,
                                        &(ngx_str_t) ngx_string("13"))
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_F1_REPLAY_UPGRADE_REQUIRED;
    }

    key = ngx_f1_replay_ws_header_in(r, "Sec-WebSocket-Key", 17);

    if (key == NULL
        || ngx_f1_replay_ws_accept(key->value.data, key->value.len,
                                   (char *) buf)
           != 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "f1_replay: missing or invalid Sec-WebSocket-Key");
        return NGX_HTTP_BAD_REQUEST;
    }

    accept->data = ngx_pnalloc(r->pool, NGX_F1_REPLAY_WS_ACCEPT_LEN);
    if (accept->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    accept->len = NGX_F1_REPLAY_WS_ACCEPT_LEN;
    ngx_memcpy(accept->data, buf, NGX_F1_REPLAY_WS_ACCEPT_LEN);

    if (lcf->origins) {
        h = ngx_f1_replay_ws_header_in(r, "Origin", 6);
        origin = lcf->origins->elts;

        for (i = 0; h && i < lcf->origins->nelts; i++) {
            if (origin[i].len == h->value.len
                && ngx_strncasecmp(origin[i].data, h->value.data,
                                   h->value.len) == 0)
            {
                break;
            }
        }

        if (h == NULL || i == lcf->origins->nelts) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "f1_replay: origin \"%V\" not allowed",
                          h ? &h->value : &(ngx_str_t) ngx_string(""));
            return NGX_HTTP_FORBIDDEN;
        }
    }

    /* one subprotocol from the offer, or none */

    ngx_str_null(proto);
    h = ngx_f1_replay_ws_header_in(r, "Sec-WebSocket-Protocol", 22);

    if (h != NULL) {
        p = h->value.data;
        last = p + h->value.len;

        /* a list of tokens: compare each, ignoring spaces around */

        while (p < last) {
            while (p < last && (*p == ' ' || *p == '\t' || *p == ',')) {
                p++;
            }

            if ((size_t) (last - p) >= sizeof(NGX_F1_REPLAY_SUBPROTOCOL) - 1
                && ngx_strncmp(p, NGX_F1_REPLAY_SUBPROTOCOL,
                               sizeof(NGX_F1_REPLAY_SUBPROTOCOL) - 1) == 0
                && (p + sizeof(NGX_F1_REPLAY_SUBPROTOCOL) - 1 == last
                    || p[sizeof(NGX_F1_REPLAY_SUBPROTOCOL) - 1] == ','
                    || p[sizeof(NGX_F1_REPLAY_SUBPROTOCOL) - 1] == ' '))
            {
                proto->len = 1;
                break;
            }

            while (p < last && *p != ',') {
                p++;
            }
        }
    }

    return NGX_OK;
}


/*
 * A delay in seconds, up to 3 decimals, at most f1_replay_max_delay, as
 * whole ticks
 */

static ngx_int_t
ngx_f1_replay_ws_delay(ngx_f1_replay_loc_conf_t *lcf, ngx_str_t *value,
    uint64_t *delay)
{
    ngx_int_t  ms;

    ms = ngx_atofp(value->data, value->len, 3);

    if (ms == NGX_ERROR || (ngx_msec_t) ms > lcf->max_delay) {
        return NGX_ERROR;
    }

    *delay = (uint64_t) ms * lcf->ws->rate / 1000;

    return NGX_OK;
}


/*
 * The hello and state messages of a tick, for a client delay ticks
 * behind; without a delay, encoded once per tick per worker
 */

static ngx_int_t
ngx_f1_replay_ws_greeting(ngx_f1_replay_session_conf_t *sc, uint64_t tick,
    uint64_t delay, ngx_f1_replay_msg_t **hello, ngx_f1_replay_msg_t **state,
    int32_t *t, ngx_log_t *log)
{
    yajl_gen                   g;
    ngx_int_t                  rc;
    ngx_f1_replay_msg_t       *h, *st;
    ngx_f1_replay_clock_t     *clk;
    ngx_f1_replay_clock_pos_t  pos;

    if (delay == 0 && sc->hello && sc->greet_tick == tick) {
        sc->hello->refs++;
        sc->state->refs++;
        *hello = sc->hello;
        *state = sc->state;
        *t = sc->greet_t;
        return NGX_OK;
    }

    clk = &sc->clock;

    ngx_f1_replay_clock_behind(clk, tick, delay, (int64_t) ngx_current_msec,
                               &pos);

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_ERROR;
    }

    h = NULL;
    st = NULL;
    rc = NGX_ERROR;

    if (ngx_f1_replay_session_hello(sc->session, (unsigned) sc->rate, clk,
                                    &pos, (int32_t) (delay * clk->tick_ms),
                                    g)
        == 0
        && (h = ngx_f1_replay_msg_gen(g, log)) != NULL)
    {
        yajl_gen_reset(g, NULL);
        yajl_gen_clear(g);

        if (ngx_f1_replay_session_state(sc->session, pos.t, "state", g) == 0
            && (st = ngx_f1_replay_msg_gen(g, log)) != NULL)
        {
            rc = NGX_OK;
        }
    }

    yajl_gen_free(g);

    if (rc != NGX_OK) {
        if (h) {
            ngx_f1_replay_msg_release(h);
        }

        return NGX_ERROR;
    }

    *hello = h;
    *state = st;
    *t = pos.t;

    if (delay) {
        return NGX_OK;
    }

    if (sc->hello) {
        ngx_f1_replay_msg_release(sc->hello);
        ngx_f1_replay_msg_release(sc->state);
    }

    h->refs++;
    st->refs++;

    sc->hello = h;
    sc->state = st;
    sc->greet_tick = tick;
    sc->greet_t = pos.t;

    return NGX_OK;
}


/* 426 with its reason phrase, which nginx's status table lacks */

static ngx_int_t
ngx_f1_replay_ws_upgrade_required(ngx_http_request_t *r)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    static u_char  body[] = "426 Upgrade Required: this is a WebSocket "
                            "endpoint (RFC 6455)\n";

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + sizeof(body) - 1;
    b->memory = 1;
    b->last_buf = 1;

    r->headers_out.status = NGX_F1_REPLAY_UPGRADE_REQUIRED;
    ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");
    r->headers_out.content_length_n = sizeof(body) - 1;
    ngx_str_set(&r->headers_out.content_type, "text/plain");
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
 * Sec-WebSocket-Extensions: accept the first permessage-deflate offer
 * whose parameters can be honoured.  zlib cannot deflate with an 8-bit
 * window, and every message uses a full 15-bit one: an offer limiting
 * the server's window is declined (the RFC lets a server decline).
 */

static ngx_uint_t
ngx_f1_replay_ws_deflate_offer(ngx_http_request_t *r)
{
    u_char           *p, *last, *end, *t, *tend;
    ngx_uint_t        ok;
    ngx_table_elt_t  *h;

    h = ngx_f1_replay_ws_header_in(r, "Sec-WebSocket-Extensions", 24);
    if (h == NULL) {
        return 0;
    }

    p = h->value.data;
    last = p + h->value.len;

    while (p < last) {

        /* one offer: up to the next comma */

        end = ngx_strlchr(p, last, ',');
        if (end == NULL) {
            end = last;
        }

        ok = 0;
        t = p;

        while (t < end) {
            while (t < end && (*t == ' ' || *t == '\t' || *t == ';')) {
                t++;
            }

            tend = t;
            while (tend < end && *tend != ';') {
                tend++;
            }

            while (tend > t && (tend[-1] == ' ' || tend[-1] == '\t')) {
                tend--;
            }

            if (t == tend) {
                break;
            }

            if (ok == 0) {
                ok = ((size_t) (tend - t) == 18
                      && ngx_strncasecmp(t, (u_char *) "permessage-deflate",
                                         18) == 0)
                     ? 1 : 2;

            } else if (ok == 1) {
                if (((size_t) (tend - t) == 26
                     && ngx_strncasecmp(t,
                            (u_char *) "server_no_context_takeover", 26)
                        == 0)
                    || ((size_t) (tend - t) == 26
                        && ngx_strncasecmp(t,
                               (u_char *) "client_no_context_takeover", 26)
                           == 0)
                    || ((size_t) (tend - t) >= 22
                        && ngx_strncasecmp(t,
                               (u_char *) "client_max_window_bits", 22)
                           == 0)
                    || ((size_t) (tend - t) == 25
                        && ngx_strncasecmp(t,
                               (u_char *) "server_max_window_bits=15", 25)
                           == 0))
                {
                    /* fine: see above */

                } else {
                    ok = 2;
                }
            }

            t = tend;
            while (t < end && *t != ';') {
                t++;
            }
        }

        if (ok == 1) {
            return 1;
        }

        p = end + 1;
    }

    return 0;
}


/* a frame compressed as one permessage-deflate message (RSV1 set) */

static ngx_f1_replay_msg_t *
ngx_f1_replay_ws_deflate(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_msg_t *m, ngx_log_t *log)
{
    u_char               *in, *out;
    size_t                hlen, len, bound;
    z_stream             *zs;
    ngx_f1_replay_msg_t  *z;

    if (sc->deflate == NULL) {
        zs = ngx_calloc(sizeof(z_stream), log);
        if (zs == NULL) {
            return NULL;
        }

        if (deflateInit2(zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS,
                         8, Z_DEFAULT_STRATEGY)
            != Z_OK)
        {
            ngx_free(zs);
            return NULL;
        }

        sc->deflate = zs;
    }

    zs = sc->deflate;

    len = m->data[1] & 0x7f;
    hlen = (len == 127) ? 10 : (len == 126) ? 4 : 2;
    in = m->data + hlen;
    len = m->len - hlen;

    bound = deflateBound(zs, len) + 16;

    out = ngx_alloc(bound, log);
    if (out == NULL) {
        return NULL;
    }

    deflateReset(zs);

    zs->next_in = in;
    zs->avail_in = (uInt) len;
    zs->next_out = out;
    zs->avail_out = (uInt) bound;

    if (deflate(zs, Z_SYNC_FLUSH) != Z_OK || zs->avail_in != 0
        || bound - zs->avail_out < 4)
    {
        ngx_free(out);
        return NULL;
    }

    /* the sync flush ends with 00 00 ff ff: the receiver adds it back */

    len = bound - zs->avail_out - 4;

    z = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_TEXT, out, len, log);
    ngx_free(out);

    if (z != NULL) {
        z->data[0] |= 0x40;
    }

    return z;
}


/*
 * A compressed client message, inflated on its own (no context
 * takeover was agreed): NGX_OK with *text (ngx_alloc'ed) and *len, a
 * close code for bad data, or NGX_ERROR.
 */

static ngx_int_t
ngx_f1_replay_ws_inflate(ngx_f1_replay_client_t *cl, unsigned opcode,
    u_char **text, size_t *len)
{
    int                    rc;
    u_char                *out;
    size_t                 max;
    z_stream               zs;
    ngx_f1_replay_utf8_t   u;

    static u_char  tail[4] = { 0x00, 0x00, 0xff, 0xff };

    max = cl->lcf->max_message;

    out = ngx_alloc(max + 1, cl->request->connection->log);
    if (out == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&zs, sizeof(z_stream));

    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
        ngx_free(out);
        return NGX_ERROR;
    }

    zs.next_out = out;
    zs.avail_out = (uInt) max + 1;

    zs.next_in = *text;
    zs.avail_in = (uInt) *len;
    rc = inflate(&zs, Z_SYNC_FLUSH);

    if (rc == Z_OK || rc == Z_BUF_ERROR) {
        zs.next_in = tail;
        zs.avail_in = sizeof(tail);
        rc = inflate(&zs, Z_SYNC_FLUSH);
    }

    inflateEnd(&zs);

    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        ngx_free(out);
        ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                      "f1_replay: bad compressed message, closing with 1007");
        return NGX_F1_REPLAY_WS_BAD_DATA;
    }

    if (zs.avail_out == 0) {
        ngx_free(out);
        ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                      "f1_replay: message too big, closing with 1009");
        return NGX_F1_REPLAY_WS_TOO_BIG;
    }

    *len = max + 1 - zs.avail_out;

    ngx_memzero(&u, sizeof(ngx_f1_replay_utf8_t));

    if (opcode == NGX_F1_REPLAY_WS_TEXT
        && (ngx_f1_replay_utf8_feed(&u, out, *len) != 0
            || !ngx_f1_replay_utf8_done(&u)))
    {
        ngx_free(out);
        ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                      "f1_replay: invalid UTF-8 in a text message, closing "
                      "with 1007");
        return NGX_F1_REPLAY_WS_BAD_DATA;
    }

    *text = out;

    return NGX_OK;
}


static ngx_table_elt_t *
ngx_f1_replay_ws_header_in(ngx_http_request_t *r, const char *name,
    size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

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


/* a comma-separated list holds token (any case) */

static ngx_int_t
ngx_f1_replay_ws_has_token(ngx_str_t *value, const char *token, size_t len)
{
    u_char  *p, *last, *end;

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
            && ngx_strncasecmp(p, (u_char *) token, len) == 0)
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
ngx_f1_replay_ws_add_header(ngx_http_request_t *r, const char *name,
    size_t nlen, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.len = nlen;
    h->key.data = (u_char *) name;
    h->value = *value;

    return NGX_OK;
}


/* the client joins its session's list; the worker's tick starts */

static ngx_int_t
ngx_f1_replay_ws_start(ngx_f1_replay_client_t *cl, uint64_t delay)
{
    int64_t                        now;
    ngx_f1_replay_filter_t         all;
    ngx_f1_replay_session_conf_t  *sc;

    sc = cl->sc;

    if (sc->nclients == 0) {
        if (sc->clients.next == NULL) {
            ngx_queue_init(&sc->clients);
            ngx_queue_init(&sc->subs);
        }

        sc->tick_ev.handler = ngx_f1_replay_ws_tick;
        sc->tick_ev.data = sc;
        sc->tick_ev.log = ngx_cycle->log;
        sc->tick_ev.cancelable = 1;
    }

    /* every car, every channel, every tick until the client says */

    ngx_f1_replay_filter_all(&all);

    cl->sub = ngx_f1_replay_sub_get(sc, &all, 1, delay);
    if (cl->sub == NULL) {
        return NGX_ERROR;
    }

    cl->bucket = UINT64_MAX;

    ngx_queue_insert_tail(&sc->clients, &cl->queue);
    sc->nclients++;
    cl->listed = 1;

    ngx_f1_replay_count(sc, clients, 1);
    ngx_f1_replay_count(sc, connections, 1);

    if (!sc->tick_ev.timer_set) {
        now = (int64_t) ngx_current_msec;
        ngx_add_timer(&sc->tick_ev,
                      ngx_f1_replay_ws_next(&sc->clock,
                          ngx_f1_replay_clock_tick(&sc->clock, now), now));
    }

    if (cl->lcf->ping_interval) {
        ngx_add_timer(&cl->timer, cl->lcf->ping_interval);
    }

    return NGX_OK;
}


static void
ngx_f1_replay_ws_read(ngx_http_request_t *r)
{
    ssize_t                  n;
    ngx_connection_t        *c;
    ngx_f1_replay_client_t  *cl;

    c = r->connection;
    cl = ngx_http_get_module_ctx(r, ngx_f1_replay_module);

    for ( ;; ) {
        n = c->recv(c, ngx_f1_replay_rbuf, NGX_F1_REPLAY_RBUF_SIZE);

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                           "f1_replay: client closed the connection");
            c->error = 1;
            ngx_f1_replay_ws_finalize(cl);
            return;
        }

        if (ngx_f1_replay_ws_input(cl, ngx_f1_replay_rbuf,
                                   ngx_f1_replay_rbuf + n)
            != NGX_OK)
        {
            return;
        }
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_f1_replay_ws_finalize(cl);
    }
}


static void
ngx_f1_replay_ws_write(ngx_http_request_t *r)
{
    (void) ngx_f1_replay_ws_flush(ngx_http_get_module_ctx(r,
                                                      ngx_f1_replay_module));
}


/* the client's bytes: NGX_OK, or NGX_DONE once the client is finalized */

static ngx_int_t
ngx_f1_replay_ws_input(ngx_f1_replay_client_t *cl, u_char *pos, u_char *end)
{
    u_char                     *text;
    size_t                      len;
    ngx_int_t                   rc;
    ngx_connection_t          *c;
    ngx_f1_replay_msg_t       *m;
    ngx_f1_replay_ws_parser_t  *p;

    c = cl->request->connection;
    p = &cl->parser;

    for ( ;; ) {

        if (cl->peer_closed) {
            /* after the peer's close frame nothing more is read */
            return NGX_OK;
        }

        switch (ngx_f1_replay_ws_parse(p, &pos, end)) {

        case NGX_F1_REPLAY_WS_AGAIN:
            return NGX_OK;

        case NGX_F1_REPLAY_WS_PING_EV:
            m = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_PONG, p->payload,
                                         p->len, c->log);
            if (m == NULL || ngx_f1_replay_ws_queue(cl, m) != NGX_OK) {
                ngx_f1_replay_ws_finalize(cl);
                return NGX_DONE;
            }

            if (ngx_f1_replay_ws_flush(cl) != NGX_OK) {
                return NGX_DONE;
            }

            break;

        case NGX_F1_REPLAY_WS_PONG_EV:
            if (cl->awaiting_pong) {
                cl->awaiting_pong = 0;

                if (cl->timer.timer_set) {
                    ngx_del_timer(&cl->timer);
                }

                ngx_add_timer(&cl->timer, cl->lcf->ping_interval);
            }

            break;

        case NGX_F1_REPLAY_WS_MESSAGE:
            text = p->payload;
            len = p->len;

            if (p->compressed) {
                rc = ngx_f1_replay_ws_inflate(cl, p->opcode, &text, &len);

                if (rc == NGX_ERROR) {
                    ngx_f1_replay_ws_finalize(cl);
                    return NGX_DONE;
                }

                if (rc != NGX_OK) {
                    cl->peer_closed = 1;
                    ngx_f1_replay_ws_close(cl, (ngx_uint_t) rc);
                    return ngx_f1_replay_ws_flush(cl) == NGX_OK ? NGX_OK
                                                                : NGX_DONE;
                }
            }

            rc = ngx_f1_replay_ws_subscribe(cl, text, len);

            if (text != p->payload) {
                ngx_free(text);
            }

            if (rc != NGX_OK) {
                ngx_f1_replay_ws_finalize(cl);
                return NGX_DONE;
            }

            if (ngx_f1_replay_ws_flush(cl) != NGX_OK) {
                return NGX_DONE;
            }

            break;

        case NGX_F1_REPLAY_WS_CLOSE_EV:
            cl->peer_closed = 1;

            if (cl->closing) {
                /* the answer to our close: the handshake is complete */
                ngx_f1_replay_ws_finalize(cl);
                return NGX_DONE;
            }

            ngx_f1_replay_ws_close(cl,
                                   p->close_code == NGX_F1_REPLAY_WS_NO_STATUS
                                   ? NGX_F1_REPLAY_WS_NORMAL
                                   : p->close_code);

            return ngx_f1_replay_ws_flush(cl) == NGX_OK ? NGX_OK : NGX_DONE;

        default: /* NGX_F1_REPLAY_WS_ERROR */
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "f1_replay: %s, closing with %ui", p->error,
                          (ngx_uint_t) p->close_code);

            cl->peer_closed = 1;
            ngx_f1_replay_ws_close(cl, p->close_code);

            return ngx_f1_replay_ws_flush(cl) == NGX_OK ? NGX_OK : NGX_DONE;
        }
    }
}


/*
 * Writes what is queued: the message in flight, then control messages,
 * then the newest frame.  NGX_OK, or NGX_DONE once finalized.
 */

static ngx_int_t
ngx_f1_replay_ws_flush(ngx_f1_replay_client_t *cl)
{
    ssize_t              n;
    ngx_uint_t           i;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = cl->request;
    c = r->connection;

    /* the rest of the 101 response, if the socket took only part of it */

    if (r->out) {
        if (ngx_http_output_filter(r, NULL) == NGX_ERROR) {
            ngx_f1_replay_ws_finalize(cl);
            return NGX_DONE;
        }

        if (r->out) {
            goto again;
        }
    }

    for ( ;; ) {

        if (cl->cur == NULL) {

            if (cl->nctl) {
                cl->cur = cl->ctl[0];

                for (i = 1; i < cl->nctl; i++) {
                    cl->ctl[i - 1] = cl->ctl[i];
                }

                cl->nctl--;

            } else if (cl->next && !cl->closing) {
                cl->cur = cl->next;
                cl->next = NULL;
                cl->skipped_in_row = 0;

            } else {
                break;
            }

            cl->sent = 0;
        }

        if (!c->write->ready) {
            goto again;
        }

        n = c->send(c, cl->cur->data + cl->sent, cl->cur->len - cl->sent);

        if (n == NGX_ERROR) {
            c->error = 1;
            ngx_f1_replay_ws_finalize(cl);
            return NGX_DONE;
        }

        if (n == NGX_AGAIN) {
            goto again;
        }

        cl->sent += n;

        if (cl->sent < cl->cur->len) {
            continue;
        }

        if (cl->closing && cl->cur->len >= 2
            && (cl->cur->data[0] & 0x0f) == NGX_F1_REPLAY_WS_CLOSE)
        {
            cl->close_sent = 1;
        }

        ngx_f1_replay_count(cl->sc, messages, 1);
        ngx_f1_replay_count(cl->sc, bytes, cl->cur->len);

        ngx_f1_replay_msg_release(cl->cur);
        cl->cur = NULL;
    }

    if (cl->close_sent) {

        if (cl->peer_closed) {
            /* the handshake is complete: the server closes first */
            ngx_f1_replay_ws_finalize(cl);
            return NGX_DONE;
        }

        /* wait a little for the peer's close frame */

        if (cl->timer.timer_set) {
            ngx_del_timer(&cl->timer);
        }

        ngx_add_timer(&cl->timer, NGX_F1_REPLAY_CLOSE_WAIT);
    }

    return NGX_OK;

again:

    if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
        ngx_f1_replay_ws_finalize(cl);
        return NGX_DONE;
    }

    return NGX_OK;
}


/* a private message (control, hello, ...): bounded queue */

static ngx_int_t
ngx_f1_replay_ws_queue(ngx_f1_replay_client_t *cl, ngx_f1_replay_msg_t *m)
{
    if (cl->closing || cl->nctl == NGX_F1_REPLAY_CTL_MAX) {
        ngx_f1_replay_msg_release(m);
        return NGX_ERROR;
    }

    cl->ctl[cl->nctl++] = m;

    return NGX_OK;
}


/* queues a close frame; frames stop; the caller flushes */

static void
ngx_f1_replay_ws_close(ngx_f1_replay_client_t *cl, ngx_uint_t code)
{
    u_char                buf[4];
    size_t                len;
    ngx_f1_replay_msg_t  *m;

    if (cl->closing) {
        return;
    }

    if (cl->next) {
        ngx_f1_replay_msg_release(cl->next);
        cl->next = NULL;
    }

    len = ngx_f1_replay_ws_close_frame(buf, (unsigned) code);

    if (code >= 1000 && code < 1000 + NGX_F1_REPLAY_CLOSES_N) {
        ngx_f1_replay_count(cl->sc, closes[code - 1000], 1);
    }

    m = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_CLOSE, buf + 2, len - 2,
                                 cl->request->connection->log);

    /* the close frame may overtake queued control messages, not cur */

    if (m != NULL) {
        if (cl->nctl == NGX_F1_REPLAY_CTL_MAX) {
            ngx_f1_replay_msg_release(cl->ctl[--cl->nctl]);
        }

        cl->ctl[cl->nctl++] = m;
    }

    cl->closing = 1;

    if (m == NULL) {
        cl->close_sent = 1;
    }
}


static void
ngx_f1_replay_ws_finalize(ngx_f1_replay_client_t *cl)
{
    ngx_connection_t  *c;

    if (cl->done) {
        return;
    }

    cl->done = 1;

    c = cl->request->connection;

    ngx_http_finalize_request(cl->request, NGX_HTTP_CLOSE);

    /*
     * Called from timers too: run the terminate handler nginx posted,
     * as its own event handlers do (it returns at once if c is gone);
     * in the content handler nginx runs it after NGX_DONE.
     */

    if (!cl->in_handler) {
        ngx_http_run_posted_requests(c);
    }
}


/*
 * Runs however the request ends (client gone, error, worker exit).  On a
 * graceful shutdown or reload nginx closes idle connections: the client
 * gets a best-effort close 1001 first.
 */

static void
ngx_f1_replay_ws_cleanup(void *data)
{
    ngx_f1_replay_client_t  *cl = data;

    u_char                         buf[4];
    size_t                         len;
    ssize_t                        n;
    ngx_uint_t                     i;
    ngx_connection_t              *c;
    ngx_f1_replay_session_conf_t  *sc;

    c = cl->request->connection;
    sc = cl->sc;

    if ((ngx_exiting || ngx_terminate || ngx_quit) && !cl->close_sent
        && !c->error)
    {
        /* finish a frame in flight, then 1001 */

        if (cl->cur && cl->sent > 0 && c->write->ready) {
            n = c->send(c, cl->cur->data + cl->sent,
                        cl->cur->len - cl->sent);
            if (n > 0) {
                cl->sent += n;
            }
        }

        if (cl->cur == NULL || cl->sent == 0 || cl->sent == cl->cur->len) {
            len = ngx_f1_replay_ws_close_frame(buf,
                                               NGX_F1_REPLAY_WS_GOING_AWAY);
            (void) c->send(c, buf, len);

            ngx_f1_replay_count(sc, closes[NGX_F1_REPLAY_WS_GOING_AWAY
                                           - 1000], 1);
        }
    }

    if (cl->sub) {
        ngx_f1_replay_sub_put(sc, cl->sub);
        cl->sub = NULL;
    }

    if (cl->listed) {
        ngx_queue_remove(&cl->queue);
        cl->listed = 0;
        sc->nclients--;

        ngx_f1_replay_count(sc, clients, (ngx_atomic_int_t) -1);

        if (sc->nclients == 0 && sc->tick_ev.timer_set) {
            ngx_del_timer(&sc->tick_ev);
        }
    }

    if (cl->timer.timer_set) {
        ngx_del_timer(&cl->timer);
    }

    if (cl->cur) {
        ngx_f1_replay_msg_release(cl->cur);
        cl->cur = NULL;
    }

    if (cl->next) {
        ngx_f1_replay_msg_release(cl->next);
        cl->next = NULL;
    }

    for (i = 0; i < cl->nctl; i++) {
        ngx_f1_replay_msg_release(cl->ctl[i]);
    }

    cl->nctl = 0;
    cl->done = 1;

    ngx_f1_replay_ws_parser_free(&cl->parser);
}


/* ping due, pong overdue, or the close wait over */

static void
ngx_f1_replay_ws_timer(ngx_event_t *ev)
{
    ngx_f1_replay_client_t  *cl = ev->data;

    u_char                tick[32];
    ngx_f1_replay_msg_t  *m;

    if (cl->close_sent || cl->closing) {
        ngx_f1_replay_ws_finalize(cl);
        return;
    }

    if (cl->awaiting_pong) {
        ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                      "f1_replay: no pong within %M ms, closing",
                      cl->lcf->pong_timeout);
        ngx_f1_replay_ws_close(cl, NGX_F1_REPLAY_WS_GOING_AWAY);
        (void) ngx_f1_replay_ws_flush(cl);
        return;
    }

    m = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_PING, tick,
                                 ngx_sprintf(tick, "%uL", cl->sc->tick)
                                 - tick,
                                 cl->request->connection->log);

    if (m == NULL || ngx_f1_replay_ws_queue(cl, m) != NGX_OK) {
        ngx_f1_replay_ws_finalize(cl);
        return;
    }

    cl->awaiting_pong = 1;
    ngx_add_timer(&cl->timer, cl->lcf->pong_timeout);

    (void) ngx_f1_replay_ws_flush(cl);
}


/*
 * The worker's tick: the current tick comes from the shared clock and
 * this worker's monotonic time; a late timer sends the current tick and
 * skips the missed ones.  Each subscription works out its view of the
 * clock once (its messages and frame), then every client gets its
 * subscription's: clock, state and events first, then the frame.
 */

static void
ngx_f1_replay_ws_tick(ngx_event_t *ev)
{
    ngx_f1_replay_session_conf_t  *sc = ev->data;

    double                   sent;
    int64_t                  now;
    uint64_t                 tick;
    ngx_uint_t               i;
    ngx_time_t              *tp;
    ngx_queue_t             *q, *qn;
    ngx_f1_replay_sub_t     *sub;
    ngx_f1_replay_msg_t     *frame;
    ngx_f1_replay_clock_t   *clk;
    ngx_f1_replay_client_t  *cl;

    clk = ngx_f1_replay_clock(sc);
    now = (int64_t) ngx_current_msec;
    tick = ngx_f1_replay_clock_tick(clk, now);

    tp = ngx_timeofday();
    sent = (double) tp->sec * 1000 + tp->msec;

    sc->tick = tick;

    for (q = ngx_queue_head(&sc->subs);
         q != ngx_queue_sentinel(&sc->subs);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);
        ngx_f1_replay_ws_view(sc, sub, tick, now, sent, ev->log);
    }

    for (q = ngx_queue_head(&sc->clients);
         q != ngx_queue_sentinel(&sc->clients);
         q = qn)
    {
        /* a push may finalize the client and unlink it */
        qn = ngx_queue_next(q);

        cl = ngx_queue_data(q, ngx_f1_replay_client_t, queue);
        sub = cl->sub;

        for (i = 0; i < sub->npending && !cl->closing; i++) {
            sub->pending[i]->refs++;

            if (ngx_f1_replay_ws_queue(cl, sub->pending[i]) != NGX_OK) {
                ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                              "f1_replay: client too slow for messages");
                ngx_f1_replay_ws_close(cl, NGX_F1_REPLAY_WS_POLICY);
            }
        }

        /* the lap's predictions, for the client's location (its file) */

        if (sub->predict && !cl->closing
            && ngx_f1_replay_ws_predictions(sc, cl->lcf, sub->lap, &frame,
                                            ev->log)
               == NGX_OK
            && ngx_f1_replay_ws_queue(cl, frame) != NGX_OK)
        {
            ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                          "f1_replay: client too slow for messages");
            ngx_f1_replay_ws_close(cl, NGX_F1_REPLAY_WS_POLICY);
        }

        if (!sub->playing || sub->frame == NULL
            || cl->bucket == sub->bucket)
        {
            if (sub->npending || sub->predict) {
                (void) ngx_f1_replay_ws_flush(cl);
            }

            continue;
        }

        cl->bucket = sub->bucket;

        if (!cl->deflate) {
            ngx_f1_replay_ws_push(cl, sub->frame);
            continue;
        }

        /* compressed once per subscription and tick, like the frame */

        if (sub->zframe == NULL || sub->zbucket != sub->bucket) {
            frame = ngx_f1_replay_ws_deflate(sc, sub->frame, ev->log);
            if (frame == NULL) {
                ngx_f1_replay_ws_push(cl, sub->frame);
                continue;
            }

            if (sub->zframe) {
                ngx_f1_replay_msg_release(sub->zframe);
            }

            sub->zframe = frame;
            sub->zbucket = sub->bucket;
        }

        ngx_f1_replay_ws_push(cl, sub->zframe);
    }

    for (q = ngx_queue_head(&sc->subs);
         q != ngx_queue_sentinel(&sc->subs);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);

        for (i = 0; i < sub->npending; i++) {
            ngx_f1_replay_msg_release(sub->pending[i]);
        }

        sub->npending = 0;
        sub->predict = 0;
    }

    ngx_f1_replay_ws_uncache(sc);

    if (sc->nclients == 0) {
        return;
    }

    ngx_add_timer(ev, ngx_f1_replay_ws_next(clk, tick, now));
}


/* the wait for the next tick, or for an anchor's moment */

static ngx_msec_t
ngx_f1_replay_ws_next(ngx_f1_replay_clock_t *clk, uint64_t tick, int64_t now)
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
 * a jump (seek, restart, loop), else the race events passed, and the
 * frame while playing.
 */

static void
ngx_f1_replay_ws_view(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_sub_t *sub, uint64_t tick, int64_t now, double sent,
    ngx_log_t *log)
{
    uint64_t                   bucket;
    ngx_uint_t                 i, lap;
    ngx_f1_replay_msg_t       *m;
    ngx_f1_replay_clock_pos_t  pos;

    ngx_f1_replay_clock_behind(&sc->clock, tick, sub->delay, now, &pos);

    if (pos.seg != sub->seg || pos.state != sub->state) {
        m = ngx_f1_replay_ws_clock_msg(sc, &pos, sub->delay, log);
        if (m) {
            (void) ngx_f1_replay_ws_pend(sub, m);
        }
    }

    lap = sub->lap;

    if (pos.jump != sub->jump || pos.t < sub->last_t) {
        m = ngx_f1_replay_ws_state_msg(sc, pos.t, log);
        if (m) {
            (void) ngx_f1_replay_ws_pend(sub, m);
        }

        sub->predict = 1;

    } else if (pos.t > sub->last_t
               && pos.t - sub->last_t <= NGX_F1_REPLAY_EVENTS_SPAN
               && ngx_f1_replay_ws_events(sc, sub->last_t, pos.t, log)
                  == NGX_OK)
    {
        for (i = 0; i < sc->nevents; i++) {
            if (ngx_f1_replay_ws_pend(sub, sc->events[i]) != NGX_OK) {
                break;
            }
        }
    }

    ngx_f1_replay_ws_seen(sc, sub, &pos);

    if (sub->lap != lap) {
        sub->predict = 1;
    }

    if (!sub->playing) {
        return;
    }

    bucket = pos.tick / sub->divisor;

    if (sub->frame && sub->bucket == bucket) {
        return;
    }

    /* the first client of this subscription in this tick */

    yajl_gen_reset(sc->gen, NULL);
    yajl_gen_clear(sc->gen);

    m = NULL;

    if (ngx_f1_replay_frame_encode(sc->session, pos.tick, pos.t, sent,
                                   &sub->filter, sc->gen)
        == 0)
    {
        m = ngx_f1_replay_msg_gen(sc->gen, log);
    }

    if (m == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode tick %uL", pos.tick);
        sub->playing = 0;
        return;
    }

    if (sub->frame) {
        ngx_f1_replay_msg_release(sub->frame);
    }

    sub->frame = m;
    sub->bucket = bucket;
}


/* the leader's completed laps at a session time */

static ngx_uint_t
ngx_f1_replay_ws_lap(ngx_f1_replay_session_conf_t *sc, int32_t t)
{
    ngx_uint_t  lap;

    lap = ngx_f1_replay_session_lap_at(sc->session, t);

    return lap ? lap - 1 : 0;
}


/*
 * The predictions message at a lap of the leader for a location:
 * {"type":"predictions","lap":L,"builtin":<the engine's output or null>,
 * "file":<the location's f1_replay_predictions>}, built once per lap
 * and location (a few kept).  NGX_OK with *msg referenced for the
 * caller, NGX_DECLINED when there is nothing to send, NGX_ERROR.
 */

static ngx_int_t
ngx_f1_replay_ws_predictions(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_loc_conf_t *lcf, ngx_uint_t lap, ngx_f1_replay_msg_t **msg,
    ngx_log_t *log)
{
    ngx_int_t                rc;
    ngx_uint_t               i;
    ngx_f1_replay_msg_t     *m;
    ngx_f1_replay_pcache_t  *pc;

    for (i = 0; i < sc->npredictions; i++) {
        pc = &sc->predictions[i];

        if (pc->lcf == lcf && pc->key == lap + 1) {
            pc->msg->refs++;
            *msg = pc->msg;
            return NGX_OK;
        }
    }

    rc = ngx_f1_replay_ws_strategy(sc, lap, log);

    if (rc == NGX_DECLINED && lcf->predictions == NULL) {
        return NGX_DECLINED;
    }

    yajl_gen_reset(sc->gen, NULL);
    yajl_gen_clear(sc->gen);

    if (yajl_gen_map_open(sc->gen) != yajl_gen_status_ok
        || yajl_gen_string(sc->gen, (u_char *) "type", 4)
           != yajl_gen_status_ok
        || yajl_gen_string(sc->gen, (u_char *) "predictions", 11)
           != yajl_gen_status_ok
        || yajl_gen_string(sc->gen, (u_char *) "lap", 3)
           != yajl_gen_status_ok
        || yajl_gen_integer(sc->gen, (long long) lap) != yajl_gen_status_ok
        || yajl_gen_string(sc->gen, (u_char *) "builtin", 7)
           != yajl_gen_status_ok
        || (rc == NGX_OK
            ? ngx_f1_replay_strategy_json(sc->strategy, sc->gen) != 0
            : yajl_gen_null(sc->gen) != yajl_gen_status_ok)
        || (lcf->predictions
            && (yajl_gen_string(sc->gen, (u_char *) "file", 4)
                != yajl_gen_status_ok
                || ngx_f1_replay_json_gen(lcf->predictions, sc->gen) != 0))
        || yajl_gen_map_close(sc->gen) != yajl_gen_status_ok)
    {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the predictions");
        return NGX_ERROR;
    }

    m = ngx_f1_replay_msg_gen(sc->gen, log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    /* kept: in a free place, else over the oldest */

    if (sc->npredictions < NGX_F1_REPLAY_PCACHE) {
        pc = &sc->predictions[sc->npredictions++];

    } else {
        pc = sc->predictions;
        ngx_f1_replay_msg_release(pc->msg);
        ngx_memmove(pc, pc + 1, (NGX_F1_REPLAY_PCACHE - 1) * sizeof(*pc));
        pc += NGX_F1_REPLAY_PCACHE - 1;
    }

    pc->lcf = lcf;
    pc->key = lap + 1;
    pc->msg = m;

    m->refs++;
    *msg = m;

    return NGX_OK;
}


/*
 * The strategy engine at a lap of the leader: on the race as it was when
 * the leader completed it (the same for every worker and client, and
 * only from what had happened by then), once per lap per worker.
 * NGX_DECLINED when the session has no per-lap timing.
 */

static ngx_int_t
ngx_f1_replay_ws_strategy(ngx_f1_replay_session_conf_t *sc, ngx_uint_t lap,
    ngx_log_t *log)
{
    int32_t                          t;
    unsigned                         upto;
    ngx_f1_replay_strategy_table_t  *tb;

    if (sc->strategy_key == lap + 1) {
        return sc->strategy_ok;
    }

    if (sc->strategy == NULL) {
        sc->strategy = ngx_alloc(sizeof(ngx_f1_replay_strategy_out_t), log);
        if (sc->strategy == NULL) {
            return NGX_ERROR;
        }
    }

    tb = ngx_alloc(sizeof(ngx_f1_replay_strategy_table_t), log);
    if (tb == NULL) {
        return NGX_ERROR;
    }

    sc->strategy_key = lap + 1;
    sc->strategy_ok = NGX_DECLINED;

    t = ngx_f1_replay_session_lap_start(sc->session, (unsigned) lap + 1);

    if (t != NGX_F1_REPLAY_NO_TIME
        && ngx_f1_replay_strategy_session_table(sc->session, t, tb, &upto)
           == 0
        && ngx_f1_replay_strategy_run(tb, upto, sc->strategy) == 0)
    {
        sc->strategy_ok = NGX_OK;
    }

    ngx_free(tb);

    return sc->strategy_ok;
}


/* where a subscription's view of the clock is now */

static void
ngx_f1_replay_ws_seen(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_sub_t *sub, ngx_f1_replay_clock_pos_t *pos)
{
    sub->seg = pos->seg;
    sub->jump = pos->jump;
    sub->state = pos->state;
    sub->last_t = pos->t;
    sub->lap = ngx_f1_replay_ws_lap(sc, pos->t);
    sub->playing = (pos->state == NGX_F1_REPLAY_PLAYING);
}


/* a message for the subscription's clients, before the frame */

static ngx_int_t
ngx_f1_replay_ws_pend(ngx_f1_replay_sub_t *sub, ngx_f1_replay_msg_t *m)
{
    if (sub->npending == NGX_F1_REPLAY_PENDING_MAX) {
        return NGX_ERROR;
    }

    m->refs++;
    sub->pending[sub->npending++] = m;

    return NGX_OK;
}


/* the clock message of a position, shared within the tick */

static ngx_f1_replay_msg_t *
ngx_f1_replay_ws_clock_msg(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_clock_pos_t *pos, uint64_t delay, ngx_log_t *log)
{
    uint64_t  key;

    key = pos->seg * 4 + pos->state;

    if (sc->cached_clock
        && sc->cached_clock_key[0] == pos->tick
        && sc->cached_clock_key[1] == key)
    {
        return sc->cached_clock;
    }

    yajl_gen_reset(sc->gen, NULL);
    yajl_gen_clear(sc->gen);

    if (ngx_f1_replay_session_clock(sc->session, &sc->clock, pos,
                                    (int32_t) (delay * sc->clock.tick_ms),
                                    "clock", sc->gen)
        != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the clock");
        return NULL;
    }

    if (sc->cached_clock) {
        ngx_f1_replay_msg_release(sc->cached_clock);
    }

    sc->cached_clock = ngx_f1_replay_msg_gen(sc->gen, log);
    sc->cached_clock_key[0] = pos->tick;
    sc->cached_clock_key[1] = key;

    return sc->cached_clock;
}


/* the state message at a session time, shared within the tick */

static ngx_f1_replay_msg_t *
ngx_f1_replay_ws_state_msg(ngx_f1_replay_session_conf_t *sc, int32_t t,
    ngx_log_t *log)
{
    if (sc->cached_state && sc->cached_state_t == t) {
        return sc->cached_state;
    }

    yajl_gen_reset(sc->gen, NULL);
    yajl_gen_clear(sc->gen);

    if (ngx_f1_replay_session_state(sc->session, t, "state", sc->gen) != 0) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the state at %D ms", t);
        return NULL;
    }

    if (sc->cached_state) {
        ngx_f1_replay_msg_release(sc->cached_state);
    }

    sc->cached_state = ngx_f1_replay_msg_gen(sc->gen, log);
    sc->cached_state_t = t;

    return sc->cached_state;
}


/* the tick is over: its shared messages go */

static void
ngx_f1_replay_ws_uncache(ngx_f1_replay_session_conf_t *sc)
{
    ngx_uint_t  i;

    if (sc->cached_clock) {
        ngx_f1_replay_msg_release(sc->cached_clock);
        sc->cached_clock = NULL;
    }

    if (sc->cached_state) {
        ngx_f1_replay_msg_release(sc->cached_state);
        sc->cached_state = NULL;
    }

    for (i = 0; i < sc->nevents; i++) {
        ngx_f1_replay_msg_release(sc->events[i]);
    }

    sc->nevents = 0;
    sc->cached_events[0] = 0;
    sc->cached_events[1] = 0;
}


static void
ngx_f1_replay_ws_push(ngx_f1_replay_client_t *cl, ngx_f1_replay_msg_t *frame)
{
    if (cl->closing) {
        return;
    }

    if (cl->next) {

        /* the previous frame never started: the newest replaces it */

        ngx_f1_replay_msg_release(cl->next);
        cl->skipped++;
        ngx_f1_replay_count(cl->sc, skipped, 1);

        if (++cl->skipped_in_row > cl->lcf->max_skipped) {
            ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                          "f1_replay: client too slow, %ui frames skipped",
                          cl->skipped);
            cl->next = NULL;
            ngx_f1_replay_ws_close(cl, NGX_F1_REPLAY_WS_POLICY);
            (void) ngx_f1_replay_ws_flush(cl);
            return;
        }
    }

    frame->refs++;
    cl->next = frame;

    if (cl->cur == NULL) {
        (void) ngx_f1_replay_ws_flush(cl);
    }
}


/* the worker exits: its clients are gone (cleanups ran) */

void
ngx_f1_replay_ws_exit(ngx_f1_replay_session_conf_t *sc)
{
    ngx_queue_t          *q;
    ngx_f1_replay_sub_t  *sub;

    /* only subscriptions without clients are left: free them */

    while (sc->subs.next && !ngx_queue_empty(&sc->subs)) {
        q = ngx_queue_head(&sc->subs);
        sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);
        sub->refs = 1;
        ngx_f1_replay_sub_put(sc, sub);
    }

    if (sc->gen) {
        yajl_gen_free(sc->gen);
        sc->gen = NULL;
    }

    if (sc->hello) {
        ngx_f1_replay_msg_release(sc->hello);
        ngx_f1_replay_msg_release(sc->state);
        sc->hello = NULL;
        sc->state = NULL;
    }

    if (sc->deflate) {
        deflateEnd(sc->deflate);
        ngx_free(sc->deflate);
        sc->deflate = NULL;
    }

    while (sc->npredictions) {
        ngx_f1_replay_msg_release(sc->predictions[--sc->npredictions].msg);
    }

    if (sc->strategy) {
        ngx_free(sc->strategy);
        sc->strategy = NULL;
    }

    if (sc->tick_ev.timer_set) {
        ngx_del_timer(&sc->tick_ev);
    }
}


/*
 * The race events in the session times (from, to], encoded once per
 * tick for the subscriptions that passed them.  Not after a pause of
 * the worker (no clients) or a jump: the state message covers those.
 */

static ngx_int_t
ngx_f1_replay_ws_events(ngx_f1_replay_session_conf_t *sc, int32_t from,
    int32_t to, ngx_log_t *log)
{
    ngx_uint_t                  i;
    ngx_f1_replay_events_ctx_t  ctx;

    if (sc->cached_events[0] == from && sc->cached_events[1] == to) {
        return NGX_OK;
    }

    for (i = 0; i < sc->nevents; i++) {
        ngx_f1_replay_msg_release(sc->events[i]);
    }

    sc->nevents = 0;
    sc->cached_events[0] = from;
    sc->cached_events[1] = to;

    ctx.sc = sc;
    ctx.log = log;

    yajl_gen_reset(sc->gen, NULL);
    yajl_gen_clear(sc->gen);

    if (ngx_f1_replay_session_events(sc->session, from, to, sc->gen,
                                     ngx_f1_replay_ws_event, &ctx)
        != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "f1_replay: cannot encode the events before %D ms", to);
    }

    return NGX_OK;
}


static int
ngx_f1_replay_ws_event(void *data, yajl_gen g)
{
    ngx_f1_replay_events_ctx_t  *ctx = data;

    ngx_f1_replay_msg_t           *m;
    ngx_f1_replay_session_conf_t  *sc;

    sc = ctx->sc;

    if (sc->nevents < NGX_F1_REPLAY_EVENTS_MAX) {
        m = ngx_f1_replay_msg_gen(g, ctx->log);
        if (m == NULL) {
            return -1;
        }

        sc->events[sc->nevents++] = m;
    }

    yajl_gen_reset(g, NULL);
    yajl_gen_clear(g);

    return 0;
}


/*
 * A client message: {"type":"subscribe","drivers":[81,4],
 * "channels":["position","speed"],"rate":10}, every member optional
 * (all cars, all channels, the session's rate).  The answer is
 * "subscribed" with what is now sent, or an "error"; after
 * NGX_F1_REPLAY_BAD_MAX invalid messages the client is closed with 1008.
 * NGX_ERROR only when out of memory.
 */

static ngx_int_t
ngx_f1_replay_ws_subscribe(ngx_f1_replay_client_t *cl, u_char *text,
    size_t len)
{
    char                    jerr[128];
    uint64_t                delay;
    ngx_int_t               rc;
    ngx_uint_t              i, divisor, n, jump;
    yajl_gen                g;
    const char             *err;
    ngx_f1_replay_sub_t    *sub;
    ngx_f1_replay_json_t   *doc;
    ngx_f1_replay_filter_t  f;

    static const char *const  channels[] = {
        "position", "speed", "rpm", "gear", "throttle", "brake", "drs"
    };

    err = NULL;
    jump = 0;
    delay = cl->sub->delay;

    doc = ngx_f1_replay_json_parse(text, len, jerr, sizeof(jerr));

    if (doc == NULL) {
        err = "the message is not JSON";

    } else if (ngx_f1_replay_ws_parse_sub(cl, doc, &f, &divisor, &delay,
                                          &err)
               == NGX_OK)
    {
        sub = ngx_f1_replay_sub_get(cl->sc, &f, divisor, delay);

        if (sub == NULL) {
            err = "too many distinct subscriptions on this server";

        } else {
            jump = (delay != cl->sub->delay);
            ngx_f1_replay_sub_put(cl->sc, cl->sub);
            cl->sub = sub;
            cl->bucket = UINT64_MAX;
        }
    }

    if (doc) {
        ngx_f1_replay_json_free(doc);
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_ERROR;
    }

    if (err) {
        ngx_log_error(NGX_LOG_INFO, cl->request->connection->log, 0,
                      "f1_replay: invalid client message: %s", err);

        if (++cl->bad >= NGX_F1_REPLAY_BAD_MAX) {
            yajl_gen_free(g);
            ngx_f1_replay_ws_close(cl, NGX_F1_REPLAY_WS_POLICY);
            return NGX_OK;
        }

        rc = (yajl_gen_map_open(g) == yajl_gen_status_ok
              && yajl_gen_string(g, (u_char *) "type", 4)
                 == yajl_gen_status_ok
              && yajl_gen_string(g, (u_char *) "error", 5)
                 == yajl_gen_status_ok
              && yajl_gen_string(g, (u_char *) "code", 4)
                 == yajl_gen_status_ok
              && yajl_gen_string(g, (u_char *) "bad_request", 11)
                 == yajl_gen_status_ok
              && yajl_gen_string(g, (u_char *) "message", 7)
                 == yajl_gen_status_ok
              && yajl_gen_string(g, (u_char *) err, ngx_strlen(err))
                 == yajl_gen_status_ok
              && yajl_gen_map_close(g) == yajl_gen_status_ok)
             ? ngx_f1_replay_ws_reply(cl, g) : NGX_ERROR;

        yajl_gen_free(g);

        return rc;
    }

    sub = cl->sub;

    rc = (yajl_gen_map_open(g) == yajl_gen_status_ok
          && yajl_gen_string(g, (u_char *) "type", 4) == yajl_gen_status_ok
          && yajl_gen_string(g, (u_char *) "subscribed", 10)
             == yajl_gen_status_ok
          && yajl_gen_string(g, (u_char *) "drivers", 7)
             == yajl_gen_status_ok
          && yajl_gen_array_open(g) == yajl_gen_status_ok)
         ? NGX_OK : NGX_ERROR;

    for (i = 0; rc == NGX_OK && i < 1024; i++) {
        if (ngx_f1_replay_filter_has(&sub->filter, i)
            && ngx_f1_replay_session_driver(cl->sc->session, (unsigned) i))
        {
            rc = yajl_gen_integer(g, (long long) i) == yajl_gen_status_ok
                 ? NGX_OK : NGX_ERROR;
        }
    }

    rc = (rc == NGX_OK
          && yajl_gen_array_close(g) == yajl_gen_status_ok
          && yajl_gen_string(g, (u_char *) "channels", 8)
             == yajl_gen_status_ok
          && yajl_gen_array_open(g) == yajl_gen_status_ok)
         ? NGX_OK : NGX_ERROR;

    for (n = 0; rc == NGX_OK && n < 7; n++) {
        if (sub->filter.channels & (1u << n)) {
            rc = yajl_gen_string(g, (u_char *) channels[n],
                                 ngx_strlen(channels[n]))
                 == yajl_gen_status_ok ? NGX_OK : NGX_ERROR;
        }
    }

    rc = (rc == NGX_OK
          && yajl_gen_array_close(g) == yajl_gen_status_ok
          && yajl_gen_string(g, (u_char *) "rate", 4) == yajl_gen_status_ok
          && yajl_gen_integer(g, (long long) (cl->sc->rate / sub->divisor))
             == yajl_gen_status_ok
          && yajl_gen_string(g, (u_char *) "format", 6)
             == yajl_gen_status_ok
          && (sub->filter.format == NGX_F1_REPLAY_FORMAT_COMPACT
              ? yajl_gen_string(g, (u_char *) "compact", 7)
              : yajl_gen_string(g, (u_char *) "json", 4))
             == yajl_gen_status_ok
          && yajl_gen_string(g, (u_char *) "delay_ms", 8)
             == yajl_gen_status_ok
          && yajl_gen_integer(g, (long long) (sub->delay * 1000
                                              / cl->sc->rate))
             == yajl_gen_status_ok
          && yajl_gen_map_close(g) == yajl_gen_status_ok)
         ? ngx_f1_replay_ws_reply(cl, g) : NGX_ERROR;

    yajl_gen_free(g);

    if (rc == NGX_OK && jump) {
        rc = ngx_f1_replay_ws_rejoin(cl);
    }

    return rc;
}


/*
 * A client whose delay changed sees another moment: the clock and the
 * state at that moment, before its next frame
 */

static ngx_int_t
ngx_f1_replay_ws_rejoin(ngx_f1_replay_client_t *cl)
{
    int64_t                        now;
    uint64_t                       delay;
    ngx_f1_replay_msg_t           *m;
    ngx_f1_replay_clock_t         *clk;
    ngx_f1_replay_clock_pos_t      pos;
    ngx_f1_replay_session_conf_t  *sc;

    sc = cl->sc;
    clk = ngx_f1_replay_clock(sc);
    now = (int64_t) ngx_current_msec;
    delay = cl->sub->delay;

    ngx_f1_replay_clock_behind(clk, ngx_f1_replay_clock_tick(clk, now), delay,
                               now, &pos);

    m = ngx_f1_replay_ws_clock_msg(sc, &pos, delay,
                                   cl->request->connection->log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->refs++;

    if (ngx_f1_replay_ws_queue(cl, m) != NGX_OK) {
        ngx_f1_replay_ws_uncache(sc);
        return NGX_OK;
    }

    m = ngx_f1_replay_ws_state_msg(sc, pos.t, cl->request->connection->log);
    if (m == NULL) {
        ngx_f1_replay_ws_uncache(sc);
        return NGX_ERROR;
    }

    m->refs++;
    (void) ngx_f1_replay_ws_queue(cl, m);

    ngx_f1_replay_ws_uncache(sc);

    return NGX_OK;
}


static ngx_int_t
ngx_f1_replay_ws_parse_sub(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_json_t *doc, ngx_f1_replay_filter_t *f,
    ngx_uint_t *divisor, uint64_t *delay, const char **err)
{
    u_char                 buf[32];
    double                 d;
    size_t                 i;
    ngx_str_t              value;
    ngx_uint_t             n, rate;
    const char            *s;
    ngx_f1_replay_json_t  *v;

    static const char *const  channels[] = {
        "position", "speed", "rpm", "gear", "throttle", "brake", "drs"
    };

    s = ngx_f1_replay_json_string(ngx_f1_replay_json_get(doc, "type"));

    if (doc->type != NGX_F1_REPLAY_JSON_OBJECT || s == NULL
        || ngx_strcmp(s, "subscribe") != 0)
    {
        *err = "expected {\"type\":\"subscribe\", ...}";
        return NGX_DECLINED;
    }

    ngx_f1_replay_filter_all(f);

    v = ngx_f1_replay_json_get(doc, "drivers");

    if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL) {
        if (v->type != NGX_F1_REPLAY_JSON_ARRAY || v->nitems == 0) {
            *err = "\"drivers\" must be a non-empty list of racing numbers";
            return NGX_DECLINED;
        }

        ngx_memzero(f->drivers, sizeof(f->drivers));

        for (i = 0; i < v->nitems; i++) {
            if (ngx_f1_replay_json_number(v->items[i], &d) != 0
                || v->items[i]->type != NGX_F1_REPLAY_JSON_NUMBER
                || d < 1 || d > 999 || d != (double) (ngx_uint_t) d
                || ngx_f1_replay_session_driver(cl->sc->session,
                                                (unsigned) d)
                   == NULL)
            {
                *err = "\"drivers\" holds a number that is not a car of "
                       "this session";
                return NGX_DECLINED;
            }

            n = (ngx_uint_t) d;
            ngx_f1_replay_filter_add(f, n);
        }
    }

    v = ngx_f1_replay_json_get(doc, "channels");

    if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL) {
        if (v->type != NGX_F1_REPLAY_JSON_ARRAY || v->nitems == 0) {
            *err = "\"channels\" must be a non-empty list of: position, "
                   "speed, rpm, gear, throttle, brake, drs";
            return NGX_DECLINED;
        }

        f->channels = 0;

        for (i = 0; i < v->nitems; i++) {
            s = ngx_f1_replay_json_string(v->items[i]);

            for (n = 0; s && n < 7; n++) {
                if (ngx_strcmp(s, channels[n]) == 0) {
                    break;
                }
            }

            if (s == NULL || n == 7) {
                *err = "\"channels\" must be a non-empty list of: position, "
                       "speed, rpm, gear, throttle, brake, drs";
                return NGX_DECLINED;
            }

            f->channels |= 1u << n;
        }
    }

    v = ngx_f1_replay_json_get(doc, "format");

    if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL) {
        s = ngx_f1_replay_json_string(v);

        if (s != NULL && ngx_strcmp(s, "compact") == 0) {
            f->format = NGX_F1_REPLAY_FORMAT_COMPACT;

        } else if (s == NULL || ngx_strcmp(s, "json") != 0) {
            *err = "\"format\" must be \"json\" or \"compact\"";
            return NGX_DECLINED;
        }
    }

    rate = cl->sc->rate;
    v = ngx_f1_replay_json_get(doc, "rate");

    if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL) {
        if (v->type != NGX_F1_REPLAY_JSON_NUMBER
            || v->number < 1 || v->number > cl->sc->rate
            || v->number != (double) (ngx_uint_t) v->number
            || cl->sc->rate % (ngx_uint_t) v->number != 0)
        {
            *err = "\"rate\" must divide the session's tick rate "
                   "(50: 50, 25, 10, 5, 2 or 1)";
            return NGX_DECLINED;
        }

        rate = (ngx_uint_t) v->number;
    }

    *divisor = cl->sc->rate / rate;

    v = ngx_f1_replay_json_get(doc, "delay");

    if (v != NULL && v->type != NGX_F1_REPLAY_JSON_NULL) {
        value.data = buf;
        value.len = (v->type == NGX_F1_REPLAY_JSON_NUMBER && v->number >= 0
                     && v->number < 1e6)
                    ? (size_t) (ngx_snprintf(buf, sizeof(buf), "%.3f",
                                             v->number)
                                - buf)
                    : 0;

        if (value.len == 0
            || ngx_f1_replay_ws_delay(cl->lcf, &value, delay) != NGX_OK)
        {
            *err = "\"delay\" must be a number of seconds, from 0 to "
                   "f1_replay_max_delay";
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/* the worker's entry for a filter and rate, shared; NULL if full */

static ngx_f1_replay_sub_t *
ngx_f1_replay_sub_get(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_filter_t *f, ngx_uint_t divisor, uint64_t delay)
{
    int64_t                    now;
    ngx_queue_t               *q;
    ngx_f1_replay_sub_t       *sub;
    ngx_f1_replay_clock_t     *clk;
    ngx_f1_replay_clock_pos_t  pos;

    for (q = ngx_queue_head(&sc->subs);
         q != ngx_queue_sentinel(&sc->subs);
         q = ngx_queue_next(q))
    {
        sub = ngx_queue_data(q, ngx_f1_replay_sub_t, queue);

        if (sub->divisor == divisor && sub->delay == delay
            && ngx_memcmp(&sub->filter, f, sizeof(ngx_f1_replay_filter_t))
               == 0)
        {
            sub->refs++;
            return sub;
        }
    }

    if (sc->nsubs == NGX_F1_REPLAY_SUBS_MAX) {
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

    /* its view starts now: changes from here on are told */

    now = (int64_t) ngx_current_msec;
    clk = ngx_f1_replay_clock(sc);

    ngx_f1_replay_clock_behind(clk, ngx_f1_replay_clock_tick(clk, now), delay,
                               now, &pos);
    ngx_f1_replay_ws_seen(sc, sub, &pos);

    ngx_queue_insert_tail(&sc->subs, &sub->queue);
    sc->nsubs++;

    return sub;
}


static void
ngx_f1_replay_sub_put(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_sub_t *sub)
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

    ngx_queue_remove(&sub->queue);
    sc->nsubs--;

    ngx_free(sub);
}


static ngx_int_t
ngx_f1_replay_ws_reply(ngx_f1_replay_client_t *cl, yajl_gen g)
{
    ngx_f1_replay_msg_t  *m;

    m = ngx_f1_replay_msg_gen(g, cl->request->connection->log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    if (ngx_f1_replay_ws_queue(cl, m) != NGX_OK) {

        /* the control queue is full: the client does not read */

        ngx_f1_replay_ws_close(cl, NGX_F1_REPLAY_WS_POLICY);
    }

    return NGX_OK;
}


/*
 * A text message built at configuration time in the configuration's
 * pool: the reference the configuration holds is never released.
 */

static ngx_f1_replay_msg_t *
ngx_f1_replay_msg_create(unsigned opcode, const u_char *payload, size_t len,
    ngx_log_t *log)
{
    size_t                hlen;
    u_char                hdr[NGX_F1_REPLAY_WS_HEADER_MAX];
    ngx_f1_replay_msg_t  *m;

    hlen = ngx_f1_replay_ws_header(hdr, opcode, len);

    m = ngx_alloc(sizeof(ngx_f1_replay_msg_t) + hlen + len, log);
    if (m == NULL) {
        return NULL;
    }

    m->refs = 1;
    m->len = hlen + len;
    m->data = (u_char *) (m + 1);

    ngx_memcpy(ngx_cpymem(m->data, hdr, hlen), payload, len);

    return m;
}


static ngx_f1_replay_msg_t *
ngx_f1_replay_msg_gen(yajl_gen g, ngx_log_t *log)
{
    size_t                len;
    const unsigned char  *buf;

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        return NULL;
    }

    return ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_TEXT, buf, len, log);
}


static void
ngx_f1_replay_msg_release(ngx_f1_replay_msg_t *m)
{
    if (--m->refs == 0) {
        ngx_free(m);
    }
}
