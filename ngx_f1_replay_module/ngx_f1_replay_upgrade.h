
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_UPGRADE_H_INCLUDED_
#define _NGX_F1_REPLAY_UPGRADE_H_INCLUDED_


/*
 * The f1_replay location's content handler: the WebSocket opening
 * handshake (RFC 6455 section 4.2), checked strictly and refused with
 * the right status (the connection is then closed), or answered with
 * 101 and the client's first messages (hello, state, predictions).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


ngx_int_t ngx_f1_replay_upgrade_handler(ngx_http_request_t *r);


#endif /* _NGX_F1_REPLAY_UPGRADE_H_INCLUDED_ */
