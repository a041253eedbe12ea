
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_BUILD_H_INCLUDED_
#define _NGX_F1_REPLAY_BUILD_H_INCLUDED_


/*
 * Building the session block from what the loader gathered: the state
 * topics replayed in session-time order into per-car race-state
 * records and the session's tables, the telemetry put on the session
 * clock, then the drivers, the track outline (ngx_f1_replay_outline.c)
 * and the events (ngx_f1_replay_timeline.c).  Free of nginx types.
 */


#include <stddef.h>
#include <stdint.h>

#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_session.h"


/* the block being built: it grows, so it is referred to by offsets */
typedef struct {
    unsigned char             *data;
    size_t                     len;
    size_t                     alloc;
    int                        failed;     /* out of memory, or 4 GiB */
} ngx_f1_replay_block_t;


/*
 * The session block (malloc'ed, free() it) from what ld gathered;
 * NULL with the reason in err
 */
ngx_f1_replay_session_t *ngx_f1_replay_build_session(
    ngx_f1_replay_loader_t *ld, char *err, size_t errlen);

/*
 * size zeroed bytes at the end of the block, 8-aligned: their offset;
 * once it fails (b->failed) it returns 0 and does nothing
 */
uint32_t ngx_f1_replay_build_alloc(ngx_f1_replay_block_t *b, size_t size);


#endif /* _NGX_F1_REPLAY_BUILD_H_INCLUDED_ */
