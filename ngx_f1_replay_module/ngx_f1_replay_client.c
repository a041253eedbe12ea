
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_client.h"
#include "ngx_f1_replay_deflate.h"
#include "ngx_f1_replay_tick.h"
#include "ngx_f1_replay_zone.h"


#define NGX_F1_REPLAY_CLIENT_RBUF  4096


static void ngx_f1_replay_client_read_request(ngx_http_request_t *r);
static void ngx_f1_replay_client_write_request(ngx_http_request_t *r);
static void ngx_f1_replay_client_detach(ngx_f1_replay_client_t *cl);
static void ngx_f1_replay_client_read_handler(ngx_event_t *rev);
static void ngx_f1_replay_client_write_handler(ngx_event_t *wev);
static void ngx_f1_replay_client_read(ngx_f1_replay_client_t *cl);
static ngx_int_t ngx_f1_replay_client_input(ngx_f1_replay_client_t *cl,
    u_char *pos, u_char *end);
static ngx_int_t ngx_f1_replay_client_message(ngx_f1_replay_client_t *cl);
static ngx_int_t ngx_f1_replay_client_error(ngx_f1_replay_client_t *cl,
    ngx_uint_t code);
static ngx_f1_replay_msg_t *ngx_f1_replay_client_dequeue(
    ngx_f1_replay_client_t *cl);
static void ngx_f1_replay_client_drop(ngx_f1_replay_client_t *cl);
static void ngx_f1_replay_client_cleanup(void *data);
static void ngx_f1_replay_client_goodbye(ngx_f1_replay_client_t *cl);
static void ngx_f1_replay_client_timer(ngx_event_t *ev);


/*
 * Client bytes are parsed as soon as they are read, and the parser keeps
 * what it needs: one read buffer serves all of a worker's clients.
 */
static u_char  ngx_f1_replay_client_rbuf[NGX_F1_REPLAY_CLIENT_RBUF];


ngx_f1_replay_client_t *
ngx_f1_replay_client_create(ngx_http_request_t *r,
    ngx_f1_replay_loc_conf_t *lcf)
{
    ngx_connection_t        *c;
    ngx_http_cleanup_t      *cln;
    ngx_f1_replay_client_t  *cl;

    c = r->connection;

    /* not in the request's pool: the request goes before the client */

    cl = ngx_pcalloc(c->pool, sizeof(ngx_f1_replay_client_t));
    if (cl == NULL) {
        return NULL;
    }

    /* while the request lives its end is the client's end */

    cln = ngx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        return NULL;
    }

    cl->connection = c;
    cl->request = r;
    cl->worker = lcf->ws->worker;
    cl->lcf = lcf;
    cl->bucket = UINT64_MAX;

    ngx_f1_replay_ws_parser_init(&cl->parser, lcf->max_message);

    cln->handler = ngx_f1_replay_client_cleanup;
    cln->data = cl;

    ngx_http_set_ctx(r, cl, ngx_f1_replay_module);

    cl->timer.handler = ngx_f1_replay_client_timer;
    cl->timer.data = cl;
    cl->timer.log = c->log;
    cl->timer.cancelable = 1;

    return cl;
}


void
ngx_f1_replay_client_start(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_sub_t *sub)
{
    ngx_http_request_t      *r;
    ngx_f1_replay_worker_t  *w;

    r = cl->request;
    w = cl->worker;

    cl->sub = sub;

    ngx_queue_insert_tail(&w->clients, &cl->queue);
    w->nclients++;
    cl->listed = 1;

    ngx_f1_replay_zone_count(w->sc, clients, 1);
    ngx_f1_replay_zone_count(w->sc, connections, 1);

    ngx_f1_replay_tick_start(w);

    if (cl->lcf->ping_interval) {
        ngx_add_timer(&cl->timer, cl->lcf->ping_interval);
    }

    r->read_event_handler = ngx_f1_replay_client_read_request;
    r->write_event_handler = ngx_f1_replay_client_write_request;

    /* bytes the client sent right after the handshake */

    if (r->header_in->pos < r->header_in->last) {
        if (ngx_f1_replay_client_input(cl, r->header_in->pos,
                                       r->header_in->last)
            != NGX_OK)
        {
            return;
        }

        r->header_in->pos = r->header_in->last;
    }

    if (ngx_f1_replay_client_flush(cl) != NGX_OK) {
        return;
    }

    ngx_f1_replay_client_read(cl);

    if (cl->done) {
        return;
    }

    /*
     * The request cannot be freed in its content handler (nginx finalizes
     * it after the handler returns): the write event, posted, does it in
     * this cycle of the event loop.
     */

    ngx_post_event(r->connection->write, &ngx_posted_events);
}


/* the connection's events while the request lives */

static void
ngx_f1_replay_client_read_request(ngx_http_request_t *r)
{
    ngx_f1_replay_client_t  *cl;

    cl = ngx_http_get_module_ctx(r, ngx_f1_replay_module);

    ngx_f1_replay_client_detach(cl);
    ngx_f1_replay_client_read(cl);
}


static void
ngx_f1_replay_client_write_request(ngx_http_request_t *r)
{
    /* the flush frees the request once the 101 is out */

    (void) ngx_f1_replay_client_flush(ngx_http_get_module_ctx(r,
                                                      ngx_f1_replay_module));
}


/*
 * Once the 101 is on the wire (nothing of it left in r->out or in the
 * TLS buffer) and the content handler has returned, the HTTP request
 * has done its work: at the client's next read or flush (at the latest
 * the write event posted by ngx_f1_replay_client_start()) it is freed as
 * ngx_http_set_keepalive() frees a request before a keepalive connection
 * waits for the next: ngx_http_free_request() writes the access log line
 * (status 101) and destroys the request's pool (request_pool_size, 4 KB,
 * grown to 8 KB by the request's structures), then the client header
 * buffer (client_header_buffer_size, 1 KB), large header buffers if any
 * and the TLS write buffer (ssl_buffer_size, 16 KB, allocated for the
 * 101) are freed: every byte the client sent after its handshake has been
 * parsed by then (ngx_f1_replay_client_start), and the module writes with
 * c->send(), not through the buffer.  The connection, its pool (with the
 * client) and its log stay; error log lines name the client and the
 * listening address, no longer the request line and host.  From then on
 * the connection's events call the client directly, and its end is
 * ngx_http_close_connection().
 */

static void
ngx_f1_replay_client_detach(ngx_f1_replay_client_t *cl)
{
    ngx_buf_t              *b;
    ngx_chain_t            *ln, *next;
    ngx_connection_t       *c;
    ngx_http_cleanup_t     *cln;
    ngx_http_request_t     *r;
    ngx_http_connection_t  *hc;

    r = cl->request;
    c = cl->connection;

    /* nothing else may hold the request (a subrequest, a blocked AIO) */

    if (r == NULL || cl->in_handler || cl->done || r->out
        || (c->buffered & NGX_LOWLEVEL_BUFFERED)
        || r != r->main || r->count != 1 || r->blocked)
    {
        return;
    }

    hc = r->http_connection;

    for (cln = r->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_f1_replay_client_cleanup) {
            cln->handler = NULL;
        }
    }

    /* sets c->destroyed, which stops ngx_http_run_posted_requests() */
    ngx_http_free_request(r, 0);

    cl->request = NULL;

    c->data = cl;
    c->log->action = NULL;
    c->read->handler = ngx_f1_replay_client_read_handler;
    c->write->handler = ngx_f1_replay_client_write_handler;

    b = c->buffer;

    if (b && b->start && ngx_pfree(c->pool, b->start) == NGX_OK) {
        b->start = NULL;
        b->pos = NULL;
        b->last = NULL;
        b->end = NULL;
    }

    for (ln = hc->busy; ln; ln = next) {
        next = ln->next;
        ngx_pfree(c->pool, ln->buf->start);
        ngx_free_chain(c->pool, ln);
    }

    for (ln = hc->free; ln; ln = next) {
        next = ln->next;
        ngx_pfree(c->pool, ln->buf->start);
        ngx_free_chain(c->pool, ln);
    }

    hc->busy = NULL;
    hc->nbusy = 0;
    hc->free = NULL;

#if (NGX_HTTP_SSL)
    if (c->ssl) {
        ngx_ssl_free_buffer(c);
    }
#endif
}


/* the connection's events once the request is freed */

static void
ngx_f1_replay_client_read_handler(ngx_event_t *rev)
{
    ngx_connection_t  *c;

    c = rev->data;

    if (c->close) {
        /* a graceful shutdown closes idle connections: 1001 */
        ngx_f1_replay_client_finalize(c->data);
        return;
    }

    ngx_f1_replay_client_read(c->data);
}


static void
ngx_f1_replay_client_write_handler(ngx_event_t *wev)
{
    ngx_connection_t  *c;

    c = wev->data;

    (void) ngx_f1_replay_client_flush(c->data);
}


static void
ngx_f1_replay_client_read(ngx_f1_replay_client_t *cl)
{
    ssize_t            n;
    ngx_connection_t  *c;

    c = cl->connection;

    for ( ;; ) {
        n = c->recv(c, ngx_f1_replay_client_rbuf,
                    NGX_F1_REPLAY_CLIENT_RBUF);

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                           "f1_replay: client closed the connection");
            c->error = 1;
            ngx_f1_replay_client_finalize(cl);
            return;
        }

        if (ngx_f1_replay_client_input(cl, ngx_f1_replay_client_rbuf,
                                       ngx_f1_replay_client_rbuf + n)
            != NGX_OK)
        {
            return;
        }
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_f1_replay_client_finalize(cl);
    }
}


/* the client's bytes: NGX_OK, or NGX_DONE once the client is finalized */

static ngx_int_t
ngx_f1_replay_client_input(ngx_f1_replay_client_t *cl, u_char *pos,
    u_char *end)
{
    ngx_connection_t           *c;
    ngx_f1_replay_msg_t        *m;
    ngx_f1_replay_ws_parser_t  *p;

    c = cl->connection;
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
            if (m == NULL || ngx_f1_replay_client_queue(cl, m) != NGX_OK) {
                ngx_f1_replay_client_finalize(cl);
                return NGX_DONE;
            }

            break;

        case NGX_F1_REPLAY_WS_PONG_EV:
            if (cl->awaiting_pong && !cl->closing) {
                cl->awaiting_pong = 0;

                if (cl->timer.timer_set) {
                    ngx_del_timer(&cl->timer);
                }

                ngx_add_timer(&cl->timer, cl->lcf->ping_interval);
            }

            break;

        case NGX_F1_REPLAY_WS_MESSAGE:
            if (ngx_f1_replay_client_message(cl) != NGX_OK) {
                ngx_f1_replay_client_finalize(cl);
                return NGX_DONE;
            }

            break;

        case NGX_F1_REPLAY_WS_CLOSE_EV:
            cl->peer_closed = 1;

            if (cl->closing) {
                /* the answer to our close: the handshake is complete */
                ngx_f1_replay_client_finalize(cl);
                return NGX_DONE;
            }

            ngx_f1_replay_client_close(cl,
                                   p->close_code == NGX_F1_REPLAY_WS_NO_STATUS
                                   ? NGX_F1_REPLAY_WS_NORMAL
                                   : p->close_code);
            break;

        default: /* NGX_F1_REPLAY_WS_ERROR */
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "f1_replay: %s, closing with %ui", p->error,
                          (ngx_uint_t) p->close_code);

            cl->peer_closed = 1;
            ngx_f1_replay_client_close(cl, p->close_code);
            break;
        }

        if (ngx_f1_replay_client_flush(cl) != NGX_OK) {
            return NGX_DONE;
        }
    }
}


/* a whole text or binary message of the client, inflated if need be */

static ngx_int_t
ngx_f1_replay_client_message(ngx_f1_replay_client_t *cl)
{
    u_char                     *text;
    size_t                      len;
    ngx_int_t                   rc;
    ngx_f1_replay_ws_parser_t  *p;

    p = &cl->parser;
    text = p->payload;
    len = p->len;

    if (p->compressed) {
        rc = ngx_f1_replay_deflate_inflate(&text, &len,
                                           cl->lcf->max_message, p->opcode,
                                           cl->connection->log);
        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc != NGX_OK) {
            return ngx_f1_replay_client_error(cl, (ngx_uint_t) rc);
        }
    }

    rc = ngx_f1_replay_sub_message(cl, text, len);

    if (text != p->payload) {
        ngx_free(text);
    }

    return rc;
}


/* the client broke the protocol: close with code, read no more */

static ngx_int_t
ngx_f1_replay_client_error(ngx_f1_replay_client_t *cl, ngx_uint_t code)
{
    cl->peer_closed = 1;
    ngx_f1_replay_client_close(cl, code);

    return NGX_OK;
}


/*
 * Writes what is queued: the message in flight, then the others, then
 * the newest frame.  NGX_OK, or NGX_DONE once finalized.
 */

ngx_int_t
ngx_f1_replay_client_flush(ngx_f1_replay_client_t *cl)
{
    ssize_t              n;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = cl->request;
    c = cl->connection;

    if (cl->done) {
        return NGX_DONE;
    }

    /*
     * the rest of the 101 response, if the socket took only part of it
     * (in r->out, or in the TLS buffer)
     */

    if (r && (r->out || (c->buffered & NGX_LOWLEVEL_BUFFERED))) {
        if (ngx_http_output_filter(r, NULL) == NGX_ERROR) {
            ngx_f1_replay_client_finalize(cl);
            return NGX_DONE;
        }

        if (r->out || (c->buffered & NGX_LOWLEVEL_BUFFERED)) {
            goto again;
        }
    }

    if (r) {
        ngx_f1_replay_client_detach(cl);
    }

    for ( ;; ) {

        if (cl->cur == NULL) {
            cl->cur = ngx_f1_replay_client_dequeue(cl);
            cl->sent = 0;

            if (cl->cur == NULL) {
                break;
            }
        }

        if (!c->write->ready) {
            goto again;
        }

        n = c->send(c, cl->cur->data + cl->sent, cl->cur->len - cl->sent);

        if (n == NGX_ERROR) {
            c->error = 1;
            ngx_f1_replay_client_finalize(cl);
            return NGX_DONE;
        }

        if (n == NGX_AGAIN) {
            goto again;
        }

        cl->sent += n;

        if (cl->sent < cl->cur->len) {
            continue;
        }

        if (cl->closing
            && (cl->cur->data[0] & 0x0f) == NGX_F1_REPLAY_WS_CLOSE)
        {
            cl->close_sent = 1;
        }

        ngx_f1_replay_zone_count(cl->worker->sc, messages, 1);
        ngx_f1_replay_zone_count(cl->worker->sc, bytes, cl->cur->len);

        ngx_f1_replay_msg_release(cl->cur);
        cl->cur = NULL;
    }

    if (cl->close_sent && cl->peer_closed) {

        /* the handshake is complete: the server closes first */

        ngx_f1_replay_client_finalize(cl);
        return NGX_DONE;
    }

    return NGX_OK;

again:

    if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
        ngx_f1_replay_client_finalize(cl);
        return NGX_DONE;
    }

    return NGX_OK;
}


/* the next message to write: a queued one, else the frame waiting */

static ngx_f1_replay_msg_t *
ngx_f1_replay_client_dequeue(ngx_f1_replay_client_t *cl)
{
    ngx_f1_replay_msg_t  *m;

    if (cl->out_n) {
        m = cl->out[cl->out_head];
        cl->out_head = (cl->out_head + 1) % cl->out_size;
        cl->out_n--;
        return m;
    }

    if (cl->next == NULL || cl->closing) {
        return NULL;
    }

    m = cl->next;
    cl->next = NULL;
    cl->sub->waiting--;
    cl->skipped_in_row = 0;

    return m;
}


ngx_int_t
ngx_f1_replay_client_queue(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *m)
{
    ngx_uint_t             i, size;
    ngx_f1_replay_msg_t  **out;

    if (cl->closing) {
        ngx_f1_replay_msg_release(m);
        return NGX_ERROR;
    }

    if (cl->out_n == cl->out_size) {

        /* the ring grows, in order, up to its bound */

        size = cl->out_size ? cl->out_size * 2 : 4;

        if (size > NGX_F1_REPLAY_CLIENT_QUEUE_MAX) {
            ngx_f1_replay_msg_release(m);
            return NGX_ERROR;
        }

        out = ngx_alloc(size * sizeof(ngx_f1_replay_msg_t *),
                        cl->connection->log);
        if (out == NULL) {
            ngx_f1_replay_msg_release(m);
            return NGX_ERROR;
        }

        for (i = 0; i < cl->out_n; i++) {
            out[i] = cl->out[(cl->out_head + i) % cl->out_size];
        }

        if (cl->out) {
            ngx_free(cl->out);
        }

        cl->out = out;
        cl->out_head = 0;
        cl->out_size = size;
    }

    cl->out[(cl->out_head + cl->out_n) % cl->out_size] = m;
    cl->out_n++;

    return NGX_OK;
}


void
ngx_f1_replay_client_push(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_msg_t *frame)
{
    if (cl->closing) {
        return;
    }

    if (cl->next) {

        /* the previous frame never started: the newest replaces it */

        ngx_f1_replay_msg_release(cl->next);
        cl->next = NULL;
        cl->sub->waiting--;

        ngx_f1_replay_client_skip(cl);

        if (cl->closing) {
            (void) ngx_f1_replay_client_flush(cl);
            return;
        }
    }

    frame->refs++;
    cl->next = frame;
    cl->sub->waiting++;

    if (cl->cur == NULL) {
        (void) ngx_f1_replay_client_flush(cl);
    }
}


void
ngx_f1_replay_client_skip(ngx_f1_replay_client_t *cl)
{
    cl->skipped++;
    ngx_f1_replay_zone_count(cl->worker->sc, skipped, 1);

    if (++cl->skipped_in_row > cl->lcf->max_skipped) {
        ngx_log_error(NGX_LOG_INFO, cl->connection->log, 0,
                      "f1_replay: client too slow, %ui frames skipped",
                      cl->skipped);
        ngx_f1_replay_client_close(cl, NGX_F1_REPLAY_CLIENT_POLICY);
    }
}


void
ngx_f1_replay_client_resubscribe(ngx_f1_replay_client_t *cl,
    ngx_f1_replay_sub_t *sub)
{
    if (cl->next) {
        cl->sub->waiting--;
        sub->waiting++;
    }

    ngx_f1_replay_sub_put(cl->worker, cl->sub);

    cl->sub = sub;
    cl->bucket = UINT64_MAX;
}


/*
 * Queues a close frame instead of everything still queued (the frame
 * being written is finished first), and arms the deadline of the
 * closing handshake: at it the connection is finalized, even if the
 * close frame never left.  The caller flushes.
 */

void
ngx_f1_replay_client_close(ngx_f1_replay_client_t *cl, ngx_uint_t code)
{
    u_char                buf[4];
    size_t                len;
    ngx_f1_replay_msg_t  *m;

    if (cl->closing) {
        return;
    }

    ngx_f1_replay_client_drop(cl);

    len = ngx_f1_replay_ws_close_frame(buf, (unsigned) code);

    if (code >= 1000 && code < 1000 + NGX_F1_REPLAY_CLOSES_N) {
        ngx_f1_replay_zone_count(cl->worker->sc, closes[code - 1000], 1);
    }

    m = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_CLOSE, buf + 2, len - 2,
                                 cl->connection->log);

    if (m != NULL) {
        (void) ngx_f1_replay_client_queue(cl, m);
    }

    cl->closing = 1;

    if (cl->timer.timer_set) {
        ngx_del_timer(&cl->timer);
    }

    ngx_add_timer(&cl->timer, NGX_F1_REPLAY_CLIENT_CLOSE_WAIT);
}


/* what is queued and the frame waiting go */

static void
ngx_f1_replay_client_drop(ngx_f1_replay_client_t *cl)
{
    ngx_f1_replay_msg_t  *m;

    while (cl->out_n) {
        m = ngx_f1_replay_client_dequeue(cl);
        ngx_f1_replay_msg_release(m);
    }

    if (cl->next) {
        ngx_f1_replay_msg_release(cl->next);
        cl->next = NULL;
        cl->sub->waiting--;
    }
}


void
ngx_f1_replay_client_finalize(ngx_f1_replay_client_t *cl)
{
    ngx_connection_t  *c;

    if (cl->done) {
        return;
    }

    c = cl->connection;

    if (cl->request == NULL) {

        /* the connection is the client's: cleanup, then close */

        ngx_f1_replay_client_cleanup(cl);
        ngx_http_close_connection(c);
        return;
    }

    cl->done = 1;

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
 * Runs however the request ends (client gone, error, worker exit):
 * everything the client holds is released.
 */

static void
ngx_f1_replay_client_cleanup(void *data)
{
    ngx_f1_replay_client_t  *cl = data;

    ngx_f1_replay_worker_t  *w;

    w = cl->worker;

    ngx_f1_replay_client_goodbye(cl);

    if (cl->cur) {
        ngx_f1_replay_msg_release(cl->cur);
        cl->cur = NULL;
    }

    if (cl->sub) {
        ngx_f1_replay_client_drop(cl);
        ngx_f1_replay_sub_put(w, cl->sub);
        cl->sub = NULL;
    }

    if (cl->out) {
        ngx_free(cl->out);
        cl->out = NULL;
    }

    if (cl->listed) {
        ngx_queue_remove(&cl->queue);
        cl->listed = 0;
        w->nclients--;

        ngx_f1_replay_zone_count(w->sc, clients, (ngx_atomic_int_t) -1);

        if (w->nclients == 0 && w->tick_ev.timer_set) {
            ngx_del_timer(&w->tick_ev);
        }
    }

    if (cl->timer.timer_set) {
        ngx_del_timer(&cl->timer);
    }

    cl->done = 1;

    ngx_f1_replay_ws_parser_free(&cl->parser);
}


/*
 * On a graceful shutdown or reload nginx closes idle connections: the
 * client gets a best-effort close 1001 first (after the frame being
 * written, if the socket takes it).
 */

static void
ngx_f1_replay_client_goodbye(ngx_f1_replay_client_t *cl)
{
    u_char             buf[4];
    size_t             len;
    ssize_t            n;
    ngx_connection_t  *c;

    c = cl->connection;

    if (!(ngx_exiting || ngx_terminate || ngx_quit) || cl->close_sent
        || c->error || !cl->listed)
    {
        return;
    }

    if (cl->cur && cl->sent > 0 && c->write->ready) {
        n = c->send(c, cl->cur->data + cl->sent, cl->cur->len - cl->sent);
        if (n > 0) {
            cl->sent += n;
        }
    }

    if (cl->cur == NULL || cl->sent == 0 || cl->sent == cl->cur->len) {
        len = ngx_f1_replay_ws_close_frame(buf, NGX_F1_REPLAY_WS_GOING_AWAY);
        (void) c->send(c, buf, len);

        ngx_f1_replay_zone_count(cl->worker->sc,
                        closes[NGX_F1_REPLAY_WS_GOING_AWAY - 1000], 1);
    }
}


/* a ping due, a pong overdue, or the close's deadline */

static void
ngx_f1_replay_client_timer(ngx_event_t *ev)
{
    ngx_f1_replay_client_t  *cl = ev->data;

    u_char                tick[32];
    ngx_f1_replay_msg_t  *m;

    if (cl->closing) {
        ngx_f1_replay_client_finalize(cl);
        return;
    }

    if (cl->awaiting_pong) {
        ngx_log_error(NGX_LOG_INFO, cl->connection->log, 0,
                      "f1_replay: no pong within %M ms, closing",
                      cl->lcf->pong_timeout);
        ngx_f1_replay_client_close(cl, NGX_F1_REPLAY_WS_GOING_AWAY);
        (void) ngx_f1_replay_client_flush(cl);
        return;
    }

    m = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_PING, tick,
                                 ngx_sprintf(tick, "%uL", cl->worker->tick)
                                 - tick,
                                 cl->connection->log);

    if (m == NULL || ngx_f1_replay_client_queue(cl, m) != NGX_OK) {
        ngx_f1_replay_client_finalize(cl);
        return;
    }

    cl->awaiting_pong = 1;
    ngx_add_timer(&cl->timer, cl->lcf->pong_timeout);

    (void) ngx_f1_replay_client_flush(cl);
}
