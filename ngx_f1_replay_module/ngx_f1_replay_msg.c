
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_f1_replay_msg.h"
#include "ngx_f1_replay_ws.h"


ngx_f1_replay_msg_t *
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


ngx_f1_replay_msg_t *
ngx_f1_replay_msg_gen(yajl_gen g, ngx_log_t *log)
{
    size_t                len;
    const unsigned char  *buf;
    ngx_f1_replay_msg_t  *m;

    m = NULL;

    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        m = ngx_f1_replay_msg_create(NGX_F1_REPLAY_WS_TEXT, buf, len, log);
    }

    yajl_gen_reset(g, NULL);
    yajl_gen_clear(g);

    return m;
}


void
ngx_f1_replay_msg_release(ngx_f1_replay_msg_t *m)
{
    if (--m->refs == 0) {
        ngx_free(m);
    }
}
