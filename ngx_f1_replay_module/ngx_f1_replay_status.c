
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_http.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_status.h"
#include "ngx_f1_replay_worker.h"
#include "ngx_f1_replay_zone.h"


/*
 * f1_replay_status: every session's clock and zone, and the counters of
 * every worker slot, as JSON (the default) or in the Prometheus text
 * format (?format=prometheus, or an Accept header asking for text/plain).
 */


typedef struct {
    ngx_atomic_uint_t              clients;
    ngx_atomic_uint_t              connections;
    ngx_atomic_uint_t              messages;
    ngx_atomic_uint_t              bytes;
    ngx_atomic_uint_t              skipped;
    ngx_atomic_uint_t              subscriptions;
    ngx_atomic_uint_t              encoded;
    ngx_atomic_uint_t              refused[NGX_F1_REPLAY_REFUSED_N];
    ngx_atomic_uint_t              closes[NGX_F1_REPLAY_CLOSES_N];
} ngx_f1_replay_totals_t;


static ngx_uint_t ngx_f1_replay_status_accept(ngx_http_request_t *r);
static ngx_uint_t ngx_f1_replay_status_quality(u_char *p, u_char *end);
static ngx_int_t ngx_f1_replay_status_json(ngx_http_request_t *r,
    ngx_f1_replay_main_conf_t *fmcf);
static int ngx_f1_replay_status_gen(ngx_f1_replay_main_conf_t *fmcf,
    yajl_gen g);
static ngx_buf_t *ngx_f1_replay_status_prometheus(ngx_http_request_t *r,
    ngx_f1_replay_main_conf_t *fmcf);
static void ngx_f1_replay_status_sum(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_totals_t *t);
static int ngx_f1_replay_status_totals(ngx_f1_replay_totals_t *t,
    yajl_gen g);
static int ngx_f1_replay_status_workers(ngx_f1_replay_session_conf_t *sc,
    yajl_gen g);


static const char *const  ngx_f1_replay_refused_names[] = {
    "method", "not_websocket", "version", "bad_request", "origin",
    "subscriptions", "shutting_down"
};


ngx_int_t
ngx_f1_replay_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_str_t                   arg;
    ngx_buf_t                  *b;
    ngx_f1_replay_main_conf_t  *fmcf;

    static ngx_str_t  type = ngx_string("text/plain; version=0.0.4");

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    fmcf = ngx_http_get_module_main_conf(r, ngx_f1_replay_module);

    rc = ngx_f1_replay_http_arg(r, "format", &arg);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK
        ? !(arg.len == 10 && ngx_strncmp(arg.data, "prometheus", 10) == 0)
        : !ngx_f1_replay_status_accept(r))
    {
        return ngx_f1_replay_status_json(r, fmcf);
    }

    b = ngx_f1_replay_status_prometheus(r, fmcf);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_f1_replay_http_send(r, NGX_HTTP_OK, &type, b);
}


/*
 * 1 if the Accept header prefers text/plain to application/json: each
 * takes the q of the most specific range that matches it (0 without
 * one); "text/plain;q=0" refuses it, a range of any type alone (both
 * the same q) gives JSON
 */

static ngx_uint_t
ngx_f1_replay_status_accept(ngx_http_request_t *r)
{
    u_char           *p, *last, *end, *semi;
    ngx_uint_t        i, rank, quality;
    ngx_uint_t        best[2], weight[2];
    ngx_table_elt_t  *h;

    static ngx_str_t  types[2][3] = {
        { ngx_string("text/plain"), ngx_string("text/*"),
          ngx_string("*/*") },
        { ngx_string("application/json"), ngx_string("application/*"),
          ngx_string("*/*") }
    };

    h = r->headers_in.accept;
    if (h == NULL) {
        return 0;
    }

    best[0] = best[1] = 0;       /* rank of the range used: 3 exact */
    weight[0] = weight[1] = 0;   /* its q, in thousandths */

    p = h->value.data;
    last = p + h->value.len;

    while (p < last) {
        end = ngx_strlchr(p, last, ',');
        if (end == NULL) {
            end = last;
        }

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        semi = ngx_strlchr(p, end, ';');
        if (semi == NULL) {
            semi = end;
        }

        quality = ngx_f1_replay_status_quality(semi, end);

        while (semi > p && (semi[-1] == ' ' || semi[-1] == '\t')) {
            semi--;
        }

        for (i = 0; i < 2; i++) {
            for (rank = 0; rank < 3; rank++) {
                if ((size_t) (semi - p) == types[i][rank].len
                    && ngx_strncasecmp(p, types[i][rank].data,
                                       types[i][rank].len)
                       == 0)
                {
                    break;
                }
            }

            if (rank < 3 && 3 - rank > best[i]) {
                best[i] = 3 - rank;
                weight[i] = quality;
            }
        }

        p = end + 1;
    }

    return weight[0] > weight[1];
}


/* the q parameter among ";a=b;q=0.5" up to end, in thousandths */

static ngx_uint_t
ngx_f1_replay_status_quality(u_char *p, u_char *end)
{
    u_char     *next, *last;
    ngx_int_t   v;

    while (p < end) {
        p++;

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        next = ngx_strlchr(p, end, ';');
        if (next == NULL) {
            next = end;
        }

        last = next;

        while (last > p && (last[-1] == ' ' || last[-1] == '\t')) {
            last--;
        }

        if (last - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            v = ngx_atofp(p + 2, last - p - 2, 3);
            return (v == NGX_ERROR || v > 1000) ? 0 : (ngx_uint_t) v;
        }

        p = next;
    }

    return 1000;
}


static void
ngx_f1_replay_status_sum(ngx_f1_replay_session_conf_t *sc,
    ngx_f1_replay_totals_t *t)
{
    ngx_uint_t             i, k;
    ngx_f1_replay_slot_t  *s;

    ngx_memzero(t, sizeof(ngx_f1_replay_totals_t));

    for (i = 0; i < NGX_MAX_PROCESSES; i++) {
        s = &sc->sh->slots[i];

        if (s->pid == 0) {
            continue;
        }

        if (ngx_f1_replay_zone_alive(s->pid)) {
            t->clients += s->clients;
            t->subscriptions += s->subscriptions;
        }

        t->connections += s->connections;
        t->messages += s->messages;
        t->bytes += s->bytes;
        t->skipped += s->skipped;
        t->encoded += s->encoded;

        for (k = 0; k < NGX_F1_REPLAY_REFUSED_N; k++) {
            t->refused[k] += s->refused[k];
        }

        for (k = 0; k < NGX_F1_REPLAY_CLOSES_N; k++) {
            t->closes[k] += s->closes[k];
        }
    }
}


/* {"sessions":[{"name","tick_rate","clock","zone","total","workers"}]} */

static ngx_int_t
ngx_f1_replay_status_json(ngx_http_request_t *r,
    ngx_f1_replay_main_conf_t *fmcf)
{
    yajl_gen   g;
    ngx_int_t  rc;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_status_gen(fmcf, g) == 0
         ? ngx_f1_replay_http_send_json(r, NGX_HTTP_OK, g)
         : NGX_HTTP_INTERNAL_SERVER_ERROR;

    yajl_gen_free(g);

    return rc;
}


static int
ngx_f1_replay_status_gen(ngx_f1_replay_main_conf_t *fmcf, yajl_gen g)
{
    uint64_t                        tick;
    ngx_uint_t                      i;
    ngx_slab_pool_t                *shpool;
    ngx_f1_replay_clock_t          *clk;
    ngx_f1_replay_totals_t          t;
    ngx_f1_replay_clock_pos_t       pos;
    ngx_f1_replay_session_conf_t  **sc;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_key(g, "sessions");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    sc = fmcf->sessions.elts;

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        clk = ngx_f1_replay_worker_clock(sc[i]);
        tick = ngx_f1_replay_clock_tick(clk, (int64_t) ngx_current_msec);
        ngx_f1_replay_clock_at(clk, tick, (int64_t) ngx_current_msec, &pos);
        shpool = (ngx_slab_pool_t *) sc[i]->shm_zone->shm.addr;

        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_key(g, "name");
        ngx_f1_replay_yajl(yajl_gen_string(g, sc[i]->name.data,
                                           sc[i]->name.len));
        ngx_f1_replay_yajl_kint(g, "tick_rate", sc[i]->rate);

        ngx_f1_replay_yajl_key(g, "clock");
        if (ngx_f1_replay_message_clock(sc[i]->session, clk, &pos, 0, 0, g)
            != 0)
        {
            return -1;
        }

        ngx_f1_replay_yajl_key(g, "zone");
        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_kint(g, "size", sc[i]->shm_zone->shm.size);
        ngx_f1_replay_yajl_kint(g, "free", shpool->pfree * ngx_pagesize);
        ngx_f1_replay_yajl_kint(g, "session_bytes", sc[i]->session->size);
        ngx_f1_replay_yajl(yajl_gen_map_close(g));

        ngx_f1_replay_status_sum(sc[i], &t);

        if (ngx_f1_replay_status_totals(&t, g) != 0
            || ngx_f1_replay_status_workers(sc[i], g) != 0)
        {
            return -1;
        }

        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "total":{"clients",...,"refused":{...},"closes":{...}} */

static int
ngx_f1_replay_status_totals(ngx_f1_replay_totals_t *t, yajl_gen g)
{
    u_char      code[8];
    ngx_uint_t  k;

    ngx_f1_replay_yajl_key(g, "total");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "clients", t->clients);
    ngx_f1_replay_yajl_kint(g, "connections", t->connections);
    ngx_f1_replay_yajl_kint(g, "messages", t->messages);
    ngx_f1_replay_yajl_kint(g, "bytes", t->bytes);
    ngx_f1_replay_yajl_kint(g, "skipped_frames", t->skipped);
    ngx_f1_replay_yajl_kint(g, "subscriptions", t->subscriptions);
    ngx_f1_replay_yajl_kint(g, "frames_encoded", t->encoded);

    ngx_f1_replay_yajl_key(g, "refused");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    for (k = 0; k < NGX_F1_REPLAY_REFUSED_N; k++) {
        ngx_f1_replay_yajl_cstr(g, ngx_f1_replay_refused_names[k]);
        ngx_f1_replay_yajl(yajl_gen_integer(g, (long long) t->refused[k]));
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    ngx_f1_replay_yajl_key(g, "closes");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    for (k = 0; k < NGX_F1_REPLAY_CLOSES_N; k++) {
        if (t->closes[k]) {
            ngx_f1_replay_yajl(yajl_gen_string(g, code,
                                   ngx_sprintf(code, "%ui", 1000 + k)
                                   - code));
            ngx_f1_replay_yajl(yajl_gen_integer(g,
                                                (long long) t->closes[k]));
        }
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "workers":[{"slot","pid","alive","clients",...}] */

static int
ngx_f1_replay_status_workers(ngx_f1_replay_session_conf_t *sc, yajl_gen g)
{
    ngx_uint_t             k, alive;
    ngx_f1_replay_slot_t  *s;

    ngx_f1_replay_yajl_key(g, "workers");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (k = 0; k < NGX_MAX_PROCESSES; k++) {
        s = &sc->sh->slots[k];

        if (s->pid == 0) {
            continue;
        }

        alive = ngx_f1_replay_zone_alive(s->pid);

        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_kint(g, "slot", k);
        ngx_f1_replay_yajl_kint(g, "pid", s->pid);
        ngx_f1_replay_yajl_kbool(g, "alive", alive);
        ngx_f1_replay_yajl_kint(g, "clients", alive ? s->clients : 0);
        ngx_f1_replay_yajl_kint(g, "connections", s->connections);
        ngx_f1_replay_yajl_kint(g, "messages", s->messages);
        ngx_f1_replay_yajl_kint(g, "bytes", s->bytes);
        ngx_f1_replay_yajl_kint(g, "skipped_frames", s->skipped);
        ngx_f1_replay_yajl_kint(g, "subscriptions",
                                alive ? s->subscriptions : 0);
        ngx_f1_replay_yajl_kint(g, "frames_encoded", s->encoded);
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    return 0;
}


/* the metrics in Prometheus' text format, or NULL */

static ngx_buf_t *
ngx_f1_replay_status_prometheus(ngx_http_request_t *r,
    ngx_f1_replay_main_conf_t *fmcf)
{
    size_t                          size;
    uint64_t                        tick;
    ngx_buf_t                      *b;
    ngx_str_t                      *name;
    ngx_uint_t                      i, k;
    ngx_slab_pool_t                *shpool;
    ngx_f1_replay_slot_t           *s;
    ngx_f1_replay_clock_t          *clk;
    ngx_f1_replay_totals_t          t;
    ngx_f1_replay_clock_pos_t       pos;
    ngx_f1_replay_session_conf_t  **sc;

    sc = fmcf->sessions.elts;

    /* generous: a few hundred bytes of help and types, lines per slot */

    size = 2048;

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        size += (NGX_F1_REPLAY_REFUSED_N + NGX_F1_REPLAY_CLOSES_N + 8)
                * (128 + sc[i]->name.len);

        for (k = 0; k < NGX_MAX_PROCESSES; k++) {
            if (sc[i]->sh->slots[k].pid) {
                size += 8 * (128 + sc[i]->name.len);
            }
        }
    }

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NULL;
    }

    b->last = ngx_cpymem(b->last,
        "# TYPE f1_replay_clock_tick gauge\n"
        "# TYPE f1_replay_clock_session_time_ms gauge\n"
        "# TYPE f1_replay_clock_speed gauge\n"
        "# TYPE f1_replay_clock_state gauge\n"
        "# TYPE f1_replay_clock_changes_total counter\n"
        "# TYPE f1_replay_zone_bytes gauge\n"
        "# TYPE f1_replay_clients gauge\n"
        "# TYPE f1_replay_connections_total counter\n"
        "# TYPE f1_replay_messages_total counter\n"
        "# TYPE f1_replay_bytes_total counter\n"
        "# TYPE f1_replay_skipped_frames_total counter\n"
        "# TYPE f1_replay_subscriptions gauge\n"
        "# TYPE f1_replay_frames_encoded_total counter\n"
        "# TYPE f1_replay_handshakes_refused_total counter\n"
        "# TYPE f1_replay_closes_total counter\n",
        sizeof("# TYPE f1_replay_clock_tick gauge\n"
               "# TYPE f1_replay_clock_session_time_ms gauge\n"
               "# TYPE f1_replay_clock_speed gauge\n"
               "# TYPE f1_replay_clock_state gauge\n"
               "# TYPE f1_replay_clock_changes_total counter\n"
               "# TYPE f1_replay_zone_bytes gauge\n"
               "# TYPE f1_replay_clients gauge\n"
               "# TYPE f1_replay_connections_total counter\n"
               "# TYPE f1_replay_messages_total counter\n"
               "# TYPE f1_replay_bytes_total counter\n"
               "# TYPE f1_replay_skipped_frames_total counter\n"
               "# TYPE f1_replay_subscriptions gauge\n"
               "# TYPE f1_replay_frames_encoded_total counter\n"
               "# TYPE f1_replay_handshakes_refused_total counter\n"
               "# TYPE f1_replay_closes_total counter\n") - 1);

    for (i = 0; i < fmcf->sessions.nelts; i++) {
        name = &sc[i]->name;
        clk = ngx_f1_replay_worker_clock(sc[i]);
        tick = ngx_f1_replay_clock_tick(clk, (int64_t) ngx_current_msec);
        ngx_f1_replay_clock_at(clk, tick, (int64_t) ngx_current_msec, &pos);
        shpool = (ngx_slab_pool_t *) sc[i]->shm_zone->shm.addr;

        b->last = ngx_sprintf(b->last,
                      "f1_replay_clock_tick{session=\"%V\"} %uL\n"
                      "f1_replay_clock_session_time_ms{session=\"%V\"} %D\n"
                      "f1_replay_clock_speed{session=\"%V\"} %ui.%03ui\n"
                      "f1_replay_clock_state{session=\"%V\",state=\"%s\"} 1\n"
                      "f1_replay_clock_changes_total{session=\"%V\"} %uL\n"
                      "f1_replay_zone_bytes{session=\"%V\",kind=\"size\"} "
                      "%uz\n"
                      "f1_replay_zone_bytes{session=\"%V\",kind=\"free\"} "
                      "%ui\n",
                      name, tick, name, pos.t,
                      name, (ngx_uint_t) pos.speed / 1000,
                      (ngx_uint_t) pos.speed % 1000,
                      name, ngx_f1_replay_clock_state_name(pos.state),
                      name, clk->generation - 1,
                      name, sc[i]->shm_zone->shm.size,
                      name, shpool->pfree * ngx_pagesize);

        for (k = 0; k < NGX_MAX_PROCESSES; k++) {
            s = &sc[i]->sh->slots[k];

            if (s->pid == 0) {
                continue;
            }

            b->last = ngx_sprintf(b->last,
                "f1_replay_clients{session=\"%V\",pid=\"%uA\"} %uA\n"
                "f1_replay_connections_total{session=\"%V\",pid=\"%uA\"} "
                "%uA\n"
                "f1_replay_messages_total{session=\"%V\",pid=\"%uA\"} %uA\n"
                "f1_replay_bytes_total{session=\"%V\",pid=\"%uA\"} %uA\n"
                "f1_replay_skipped_frames_total{session=\"%V\",pid=\"%uA\"}"
                " %uA\n"
                "f1_replay_subscriptions{session=\"%V\",pid=\"%uA\"} %uA\n"
                "f1_replay_frames_encoded_total{session=\"%V\",pid=\"%uA\"}"
                " %uA\n",
                name, s->pid,
                ngx_f1_replay_zone_alive(s->pid) ? s->clients : 0,
                name, s->pid, s->connections,
                name, s->pid, s->messages,
                name, s->pid, s->bytes,
                name, s->pid, s->skipped,
                name, s->pid,
                ngx_f1_replay_zone_alive(s->pid) ? s->subscriptions : 0,
                name, s->pid, s->encoded);
        }

        ngx_f1_replay_status_sum(sc[i], &t);

        for (k = 0; k < NGX_F1_REPLAY_REFUSED_N; k++) {
            b->last = ngx_sprintf(b->last,
                          "f1_replay_handshakes_refused_total{session=\"%V\","
                          "reason=\"%s\"} %uA\n",
                          name, ngx_f1_replay_refused_names[k],
                          t.refused[k]);
        }

        for (k = 0; k < NGX_F1_REPLAY_CLOSES_N; k++) {
            if (t.closes[k]) {
                b->last = ngx_sprintf(b->last,
                              "f1_replay_closes_total{session=\"%V\","
                              "code=\"%ui\"} %uA\n",
                              name, 1000 + k, t.closes[k]);
            }
        }
    }

    return b;
}
