
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_CONTROL_H_INCLUDED_
#define _NGX_F1_REPLAY_CONTROL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * A change named for a UTC time ("at", or the front's stamp plus
 * f1_replay_control_margin) may be that many ms in the past (applied at
 * its tick all the same) and no more ahead
 */
#define NGX_F1_REPLAY_CONTROL_LATE    1000
#define NGX_F1_REPLAY_CONTROL_AHEAD   60000

/* the header a front nginx stamps with $msec */
#define NGX_F1_REPLAY_CONTROL_HEADER  "X-F1-Replay-Time"


/* f1_replay_control: the replay clock and the timeline over HTTP */
ngx_int_t ngx_f1_replay_control_handler(ngx_http_request_t *r);


#endif /* _NGX_F1_REPLAY_CONTROL_H_INCLUDED_ */
