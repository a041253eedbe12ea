
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_ZONE_H_INCLUDED_
#define _NGX_F1_REPLAY_ZONE_H_INCLUDED_


/*
 * A session's shared zone: the session block (read-only once loaded),
 * the replay clock every worker computes its tick from, and a counter
 * slot per worker process.  Plain data only; kept over a reload when
 * name, size and archive are unchanged (as limit_req's zone is).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_f1_replay_clock.h"
#include "ngx_f1_replay_module.h"


/* why a handshake was refused, by counter */
#define NGX_F1_REPLAY_REFUSED_METHOD    0
#define NGX_F1_REPLAY_REFUSED_UPGRADE   1   /* not a WebSocket request */
#define NGX_F1_REPLAY_REFUSED_VERSION   2
#define NGX_F1_REPLAY_REFUSED_BAD       3
#define NGX_F1_REPLAY_REFUSED_ORIGIN    4
#define NGX_F1_REPLAY_REFUSED_FULL      5   /* subscription table full */
#define NGX_F1_REPLAY_REFUSED_EXITING   6   /* the worker shuts down */
#define NGX_F1_REPLAY_REFUSED_N         7

#define NGX_F1_REPLAY_CLOSES_N          12  /* codes 1000-1011 */


/*
 * One worker's counters, at its process slot: cumulative (a process
 * taking the slot over goes on adding), so totals stay exact across
 * reloads and a killed worker; clients and subscriptions are gauges,
 * valid while pid lives.
 */
typedef struct {
    ngx_atomic_t                   pid;
    ngx_atomic_t                   clients;
    ngx_atomic_t                   connections;
    ngx_atomic_t                   messages;
    ngx_atomic_t                   bytes;
    ngx_atomic_t                   skipped;
    ngx_atomic_t                   subscriptions;  /* distinct, now */
    ngx_atomic_t                   encoded;        /* frames encoded */
    ngx_atomic_t                   session;        /* the block it reads */
    ngx_atomic_t                   refused[NGX_F1_REPLAY_REFUSED_N];
    ngx_atomic_t                   closes[NGX_F1_REPLAY_CLOSES_N];
} ngx_f1_replay_slot_t;


/* the zone's own header, allocated first in its slab pool */
struct ngx_f1_replay_shctx_s {
    uint64_t                       fingerprint;
    ngx_f1_replay_session_t       *session;
    ngx_f1_replay_session_t       *previous;    /* of the workers before
                                                   the last reload */
    ngx_f1_replay_clock_t          clock;
    ngx_f1_replay_slot_t          *slots;       /* NGX_MAX_PROCESSES */
};


#define ngx_f1_replay_zone_count(sc, field, n)                                \
    (void) ngx_atomic_fetch_add(                                              \
               &(sc)->sh->slots[ngx_process_slot].field, n)


/* shm_zone->init of a session's zone: loads the archive if needed */
ngx_int_t ngx_f1_replay_zone_init(ngx_shm_zone_t *shm_zone, void *data);

/* the worker takes its counter slot */
void ngx_f1_replay_zone_join(ngx_f1_replay_session_conf_t *sc);

/* 1 if the process of a slot's pid still runs */
ngx_uint_t ngx_f1_replay_zone_alive(ngx_atomic_uint_t pid);


#endif /* _NGX_F1_REPLAY_ZONE_H_INCLUDED_ */
