
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_f1_replay_http.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_module.h"
#include "ngx_f1_replay_time.h"


/* f1_replay_info: the session's summary, or ?t= its state then */

ngx_int_t
ngx_f1_replay_http_info_handler(ngx_http_request_t *r)
{
    int32_t                    t;
    ngx_int_t                  rc, at;
    yajl_gen                   g;
    ngx_f1_replay_loc_conf_t  *lcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_f1_replay_module);

    at = ngx_f1_replay_http_time_arg(r, "t", &t);

    if (at == NGX_ERROR) {
        return ngx_f1_replay_http_error(r, NGX_HTTP_BAD_REQUEST,
                                        "\"t\" must be HH:MM:SS[.mmm] or "
                                        "milliseconds");
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if ((at == NGX_OK
         ? ngx_f1_replay_message_state(lcf->info->session, t, 0, g)
         : ngx_f1_replay_message_summary(lcf->info->session, g))
        != 0)
    {
        yajl_gen_free(g);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "f1_replay_info: JSON generation failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_http_send_json(r, NGX_HTTP_OK, g);

    yajl_gen_free(g);

    return rc;
}


ngx_int_t
ngx_f1_replay_http_send_json(ngx_http_request_t *r, ngx_uint_t status,
    yajl_gen g)
{
    size_t                len;
    ngx_buf_t            *b;
    const unsigned char  *json;

    static ngx_str_t  type = ngx_string("application/json");

    if (yajl_gen_get_buf(g, &json, &len) != yajl_gen_status_ok) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, json, len);
    *b->last++ = LF;

    return ngx_f1_replay_http_send(r, status, &type, b);
}


ngx_int_t
ngx_f1_replay_http_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_chain_t  out;

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_f1_replay_http_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *text)
{
    yajl_gen   g;
    ngx_int_t  rc;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "f1_replay: %s", text);

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_f1_replay_message_error(NULL, text, g) == 0
         ? ngx_f1_replay_http_send_json(r, status, g)
         : NGX_HTTP_INTERNAL_SERVER_ERROR;

    yajl_gen_free(g);

    return rc;
}


ngx_int_t
ngx_f1_replay_http_arg(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    u_char     *dst, *src;
    ngx_str_t   arg;

    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), &arg) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (ngx_strlchr(arg.data, arg.data + arg.len, '%') == NULL
        && ngx_strlchr(arg.data, arg.data + arg.len, '+') == NULL)
    {
        *value = arg;
        return NGX_OK;
    }

    dst = ngx_pnalloc(r->pool, arg.len);
    if (dst == NULL) {
        return NGX_ERROR;
    }

    value->data = dst;
    src = arg.data;

    ngx_unescape_uri(&dst, &src, arg.len, NGX_UNESCAPE_URI);

    value->len = dst - value->data;

    for (dst = value->data; dst < value->data + value->len; dst++) {
        if (*dst == '+') {
            *dst = ' ';
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_f1_replay_http_time_arg(ngx_http_request_t *r, const char *name,
    int32_t *t)
{
    ngx_int_t  rc;
    ngx_str_t  arg;

    rc = ngx_f1_replay_http_arg(r, name, &arg);
    if (rc != NGX_OK) {
        return rc == NGX_DECLINED ? NGX_DECLINED : NGX_ERROR;
    }

    return ngx_f1_replay_time_parse_arg(arg.data, arg.len, t) == 0
           ? NGX_OK : NGX_ERROR;
}
