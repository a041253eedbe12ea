
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_MSG_H_INCLUDED_
#define _NGX_F1_REPLAY_MSG_H_INCLUDED_


/*
 * A WebSocket message as it goes on the wire, header included: built
 * once and shared by every client it is queued to, freed with the last
 * reference.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <yajl/yajl_gen.h>


typedef struct {
    ngx_uint_t                     refs;
    size_t                         len;
    u_char                        *data;
} ngx_f1_replay_msg_t;


/* a message of opcode with the payload, one reference */
ngx_f1_replay_msg_t *ngx_f1_replay_msg_create(unsigned opcode,
    const u_char *payload, size_t len, ngx_log_t *log);

/* a text message of what g generated; g is cleared for the next one */
ngx_f1_replay_msg_t *ngx_f1_replay_msg_gen(yajl_gen g, ngx_log_t *log);

void ngx_f1_replay_msg_release(ngx_f1_replay_msg_t *m);


#endif /* _NGX_F1_REPLAY_MSG_H_INCLUDED_ */
