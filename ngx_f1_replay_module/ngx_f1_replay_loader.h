
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_LOADER_H_INCLUDED_
#define _NGX_F1_REPLAY_LOADER_H_INCLUDED_


/*
 * Builds an ngx_f1_replay_session_t block from a live-timing archive
 * directory (or from topic buffers, for tests and fuzzing).
 * Free of nginx types.
 */


#include <stddef.h>
#include <stdint.h>

#include "ngx_f1_replay_session.h"


typedef struct ngx_f1_replay_loader_s  ngx_f1_replay_loader_t;

/* receives "file:line: reason" for each skipped line */
typedef void (*ngx_f1_replay_warn_pt)(void *ctx, const char *msg);


ngx_f1_replay_loader_t *ngx_f1_replay_loader_create(
    ngx_f1_replay_warn_pt warn, void *ctx);

void ngx_f1_replay_loader_destroy(ngx_f1_replay_loader_t *ld);

/*
 * Adds the bytes of one topic file ("TimingData", "CarData.z", ...).
 * file is the name used in messages.  Returns 0, or -1 with
 * "file:line: reason" in err.
 */
int ngx_f1_replay_loader_add(ngx_f1_replay_loader_t *ld, const char *topic,
    const char *file, const unsigned char *buf, size_t len,
    char *err, size_t errlen);

/*
 * Builds the session block (malloc'ed, free() it) from what was added.
 * Returns NULL with the reason in err.
 */
ngx_f1_replay_session_t *ngx_f1_replay_loader_build(
    ngx_f1_replay_loader_t *ld, char *err, size_t errlen);

/*
 * Identity of an archive directory from its topic files' names, sizes,
 * modification times and inodes, and the loader version.  Fails with a
 * reason when the directory or a required topic is missing.
 */
int ngx_f1_replay_loader_fingerprint(const char *dir, uint64_t *fp,
    char *err, size_t errlen);

/* reads every known topic of dir and builds the block */
ngx_f1_replay_session_t *ngx_f1_replay_loader_load(const char *dir,
    ngx_f1_replay_warn_pt warn, void *ctx, char *err, size_t errlen);


#endif /* _NGX_F1_REPLAY_LOADER_H_INCLUDED_ */
