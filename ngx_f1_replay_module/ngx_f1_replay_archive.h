
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_ARCHIVE_H_INCLUDED_
#define _NGX_F1_REPLAY_ARCHIVE_H_INCLUDED_


/*
 * An archive directory: one <Topic>.jsonStream file per topic, read
 * into the loader and built into a session block; its fingerprint tells
 * a reload whether it changed.  Free of nginx types.
 */


#include <stddef.h>
#include <stdint.h>

#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_session.h"


/*
 * Identity of an archive directory from its topic files' names, sizes,
 * modification times and inodes, and the block format version.  Fails
 * with a reason when the directory or a required topic is missing.
 */
int ngx_f1_replay_archive_fingerprint(const char *dir, uint64_t *fp,
    char *err, size_t errlen);

/*
 * Reads every known topic of dir and builds the session block
 * (malloc'ed, free() it); NULL with the reason in err.  Skipped lines
 * go to warn.
 */
ngx_f1_replay_session_t *ngx_f1_replay_archive_load(const char *dir,
    ngx_f1_replay_warn_pt warn, void *ctx, char *err, size_t errlen);


#endif /* _NGX_F1_REPLAY_ARCHIVE_H_INCLUDED_ */
