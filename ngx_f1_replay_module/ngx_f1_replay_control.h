
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_CONTROL_H_INCLUDED_
#define _NGX_F1_REPLAY_CONTROL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* f1_replay_control: the replay clock and the timeline over HTTP */
ngx_int_t ngx_f1_replay_control_handler(ngx_http_request_t *r);


#endif /* _NGX_F1_REPLAY_CONTROL_H_INCLUDED_ */
