
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_HTTP_H_INCLUDED_
#define _NGX_F1_REPLAY_HTTP_H_INCLUDED_


/*
 * The plain HTTP side: the f1_replay_info handler, and the JSON
 * answers and query arguments the HTTP endpoints share.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_gen.h>


ngx_int_t ngx_f1_replay_http_info_handler(ngx_http_request_t *r);

/* the generator's JSON document as the response, a newline after it */
ngx_int_t ngx_f1_replay_http_send_json(ngx_http_request_t *r,
    ngx_uint_t status, yajl_gen g);

/* a whole response: the buffer's bytes, of that type */
ngx_int_t ngx_f1_replay_http_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, ngx_buf_t *b);

/* {"error":text} with the status, logged at info */
ngx_int_t ngx_f1_replay_http_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *text);

/*
 * ?name=value, percent-decoded ("+" a space): NGX_OK, NGX_DECLINED when
 * absent, NGX_ERROR when out of memory
 */
ngx_int_t ngx_f1_replay_http_arg(ngx_http_request_t *r, const char *name,
    ngx_str_t *value);

/*
 * ?name=HH:MM:SS[.mmm] or milliseconds: NGX_OK, NGX_DECLINED when
 * absent, NGX_ERROR when malformed
 */
ngx_int_t ngx_f1_replay_http_time_arg(ngx_http_request_t *r,
    const char *name, int32_t *t);


#endif /* _NGX_F1_REPLAY_HTTP_H_INCLUDED_ */
