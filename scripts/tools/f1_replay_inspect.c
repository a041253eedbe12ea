
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * f1-replay-inspect: loads a live-timing archive with the module's own
 * loader and prints what the module would serve.
 *
 *   f1-replay-inspect DIR              summary as JSON
 *   f1-replay-inspect DIR --at TIME    race state at a session time
 *                                      ("HH:MM:SS.mmm" or milliseconds)
 *   f1-replay-inspect DIR --frame TIME...
 *                                      the 50 Hz frame at each session
 *                                      time, one a line, compact, as sent
 *                                      (all cars and channels, tick 0,
 *                                      sent 0)
 *   f1-replay-inspect DIR --bench [N]  load N times; print load time and
 *                                      block bytes
 *   f1-replay-inspect DIR --timeline [TYPES]
 *                                      the event timeline as JSON: all
 *                                      events, or the listed types
 *                                      ("pit_stop,safety_car")
 *
 * Skipped lines are reported on stderr; the exit status is 1 when the
 * archive cannot be loaded.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_frame.h"
#include "ngx_f1_replay_line.h"
#include "ngx_f1_replay_archive.h"
#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_time.h"
#include "ngx_f1_replay_timeline.h"


static int ngx_f1_replay_inspect_time(const char *arg, int32_t *t);
static void ngx_f1_replay_inspect_warn(void *ctx, const char *msg);
static int ngx_f1_replay_inspect_print(ngx_f1_replay_session_t *s,
    const char *mode, int32_t t, unsigned long types);
static int ngx_f1_replay_inspect_bench(const char *dir, int runs);
static double ngx_f1_replay_inspect_now(void);


int
main(int argc, char **argv)
{
    int                       i, rc, runs;
    char                      err[1024];
    long                      types;
    int32_t                   t;
    ngx_f1_replay_session_t  *s;

    t = 0;
    types = 0;

    if (argc >= 4 && strcmp(argv[2], "--frame") == 0) {
        for (i = 3; i < argc; i++) {
            if (ngx_f1_replay_inspect_time(argv[i], &t) != 0) {
                return 2;
            }
        }

    } else if (argc == 4 && strcmp(argv[2], "--at") == 0) {
        if (ngx_f1_replay_inspect_time(argv[3], &t) != 0) {
            return 2;
        }

    } else if (argc >= 3 && strcmp(argv[2], "--bench") == 0) {
        runs = argc == 4 ? atoi(argv[3]) : 5;
        return ngx_f1_replay_inspect_bench(argv[1], runs > 0 ? runs : 1);

    } else if ((argc == 3 || argc == 4)
               && strcmp(argv[2], "--timeline") == 0)
    {
        types = ngx_f1_replay_timeline_types(argc == 4 ? argv[3] : "",
                                             argc == 4 ? strlen(argv[3]) : 0);
        if (types < 0) {
            fprintf(stderr, "bad event types \"%s\"\n", argv[3]);
            return 2;
        }

    } else if (argc != 2) {
        fprintf(stderr, "usage: %s DIR [--at TIME | --frame TIME... | "
                "--bench [N] | --timeline [TYPES]]\n", argv[0]);
        return 2;
    }

    s = ngx_f1_replay_archive_load(argv[1], ngx_f1_replay_inspect_warn, NULL,
                                  err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "f1-replay-inspect: %s\n", err);
        return 1;
    }

    if (argc == 2 || strcmp(argv[2], "--frame") != 0) {
        rc = ngx_f1_replay_inspect_print(s, argc == 2 ? NULL : argv[2], t,
                                         (unsigned long) types);

    } else {
        rc = 0;

        for (i = 3; i < argc && rc == 0; i++) {
            (void) ngx_f1_replay_inspect_time(argv[i], &t);
            rc = ngx_f1_replay_inspect_print(s, argv[2], t, 0);
        }
    }

    free(s);

    return rc;
}


/* "HH:MM:SS[.mmm]" or milliseconds */

static int
ngx_f1_replay_inspect_time(const char *arg, int32_t *t)
{
    if (ngx_f1_replay_time_parse_arg((unsigned char *) arg, strlen(arg), t)
        != 0)
    {
        fprintf(stderr, "bad time \"%s\": use HH:MM:SS[.mmm] or "
                "milliseconds\n", arg);
        return -1;
    }

    return 0;
}


static void
ngx_f1_replay_inspect_warn(void *ctx, const char *msg)
{
    fprintf(stderr, "warning: %s\n", msg);
}


/* mode: NULL (summary), "--at", "--frame" or "--timeline" */

static int
ngx_f1_replay_inspect_print(ngx_f1_replay_session_t *s, const char *mode,
    int32_t t, unsigned long types)
{
    int                     rc, frame;
    size_t                  len;
    yajl_gen                g;
    const unsigned char    *buf;
    ngx_f1_replay_filter_t  all;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return 1;
    }

    frame = mode != NULL && strcmp(mode, "--frame") == 0;

    if (frame) {
        ngx_f1_replay_frame_filter_all(&all);
        rc = ngx_f1_replay_frame_encode(s, 0, t, 0, &all, g);

    } else {
        yajl_gen_config(g, yajl_gen_beautify, 1);

        rc = mode == NULL ? ngx_f1_replay_message_summary(s, g)
             : strcmp(mode, "--timeline") == 0
               ? ngx_f1_replay_message_event_timeline(s, types, INT32_MIN,
                                                      INT32_MAX, 0, g)
             : ngx_f1_replay_message_state(s, t, 0, g);
    }

    if (rc == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        fwrite(buf, 1, len, stdout);

        if (frame) {
            fputc('\n', stdout);
        }

    } else {
        fprintf(stderr, "f1-replay-inspect: JSON generation failed\n");
        rc = 1;
    }

    yajl_gen_free(g);

    return rc ? 1 : 0;
}


static int
ngx_f1_replay_inspect_bench(const char *dir, int runs)
{
    int                       i;
    char                      err[1024];
    double                    t0, ms, best, total;
    size_t                    bytes;
    ngx_f1_replay_session_t  *s;

    best = 0;
    total = 0;
    bytes = 0;

    for (i = 0; i < runs; i++) {
        t0 = ngx_f1_replay_inspect_now();

        s = ngx_f1_replay_archive_load(dir, NULL, NULL, err, sizeof(err));
        if (s == NULL) {
            fprintf(stderr, "f1-replay-inspect: %s\n", err);
            return 1;
        }

        ms = (ngx_f1_replay_inspect_now() - t0) * 1000;
        bytes = s->size;
        free(s);

        total += ms;
        if (i == 0 || ms < best) {
            best = ms;
        }
    }

    printf("%s\truns %d\tbest_ms %.1f\tmean_ms %.1f\tbytes %zu\n", dir, runs,
           best, total / runs, bytes);

    return 0;
}


static double
ngx_f1_replay_inspect_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}
