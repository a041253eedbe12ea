
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_CLOCK_STATE_H_INCLUDED_
#define _NGX_F1_REPLAY_CLOCK_STATE_H_INCLUDED_


/*
 * The clock as a document: what the state file holds (written on each
 * change, read at start) and what one instance gives another that
 * missed changes (GET and POST .../state of f1_replay_control).
 *
 *   {"f1_replay_clock":1,"session":"...","tick_ms":20,
 *    "anchor_ms":1767200000000,"saved":"2026-12-04T20:00:00.000Z",
 *    "change":3,"segments":[{"at_ms":...,"t":...,"speed":1000,
 *    "resume_speed":1000,"loop":true,"jump":true,"reason":"seek"},...]}
 *
 * A segment is placed by the UTC time its first tick begins (at_ms), so
 * the document means the same on an instance with another epoch: one of
 * the same anchor takes the segments at exactly their ticks, any other
 * by the UTC time of its tick 0 (utc_ms).  Free of nginx types.
 */


#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_clock.h"


#define NGX_F1_REPLAY_CLOCK_STATE_MAX  65536   /* bytes of a document */


/*
 * The document of clk, for the session named id, saved at UTC now_utc:
 * 0, or -1 when the generator fails
 */
int ngx_f1_replay_clock_state_gen(const ngx_f1_replay_clock_t *clk,
    const char *id, int64_t now_utc, yajl_gen g);

/*
 * Takes the document's segments and change count into clk, which keeps
 * its epoch, anchor, rate and bounds; the caller holds the writers'
 * lock.  0, or -1 with a one-line reason in err and clk unchanged: not
 * such a document, another session or rate, segments out of order or
 * out of the session.
 */
int ngx_f1_replay_clock_state_take(ngx_f1_replay_clock_t *clk,
    const char *id, const unsigned char *doc, size_t len, char *err,
    size_t errlen);

/*
 * The file at path replaced by buf as a whole (written beside it, then
 * renamed over it): a reader finds the old document or the new one.  No
 * fsync, so a change never waits for the disk: a restart finds the last
 * change, a host crash may find the one before.  0, or -1 with errno.
 */
int ngx_f1_replay_clock_state_save(const char *path, const void *buf,
    size_t len);

/*
 * The file at path read whole into buf of size bytes: its length, 0 if
 * there is no such file, -1 with errno (EFBIG when larger than size)
 */
long ngx_f1_replay_clock_state_read(const char *path, void *buf,
    size_t size);


#endif /* _NGX_F1_REPLAY_CLOCK_STATE_H_INCLUDED_ */
