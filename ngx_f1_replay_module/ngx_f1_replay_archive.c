
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ngx_f1_replay_archive.h"
#include "ngx_f1_replay_build.h"


#define NGX_F1_REPLAY_ARCHIVE_MAX_FILE  (1024 * 1024 * 1024)


/* a topic decoded on a thread of its own */
typedef struct {
    ngx_f1_replay_loader_t    *ld;
    const char                *topic;
    char                       path[4096];
    int                        rc;
    char                       err[1024];
    ngx_f1_replay_vec_t        warnings;   /* char * */
} ngx_f1_replay_archive_job_t;


static int ngx_f1_replay_archive_read(const char *path, unsigned char **buf,
    size_t *len, char *err, size_t errlen);
static void *ngx_f1_replay_archive_job_run(void *data);
static void ngx_f1_replay_archive_job_warn(void *ctx, const char *msg);
static void ngx_f1_replay_archive_job_merge(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_archive_job_t *job);


static int
ngx_f1_replay_archive_read(const char *path, unsigned char **buf, size_t *len,
    char *err, size_t errlen)
{
    int             fd;
    size_t          got;
    ssize_t         n;
    struct stat     st;
    unsigned char  *p;

    /* not blocking: a FIFO named like a topic must not hang nginx -t */

    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }

    if (fstat(fd, &st) == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }

    if (!S_ISREG(st.st_mode) || st.st_size > NGX_F1_REPLAY_ARCHIVE_MAX_FILE) {
        snprintf(err, errlen, "%s: not a regular file of at most 1 GiB",
                 path);
        close(fd);
        return -1;
    }

    p = malloc((size_t) st.st_size + 1);
    if (p == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return -1;
    }

    for (got = 0; got < (size_t) st.st_size; got += (size_t) n) {
        n = read(fd, p + got, (size_t) st.st_size - got);

        if (n == -1 && errno == EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            snprintf(err, errlen, "%s: %s", path,
                     n == 0 ? "file shrank while reading" : strerror(errno));
            free(p);
            close(fd);
            return -1;
        }
    }

    close(fd);

    p[got] = '\0';
    *buf = p;
    *len = got;

    return 0;
}


int
ngx_f1_replay_archive_fingerprint(const char *dir, uint64_t *fp, char *err,
    size_t errlen)
{
    char         path[4096];
    size_t       i, k;
    uint64_t     h, words[6];
    struct stat  st;

    if (stat(dir, &st) == -1) {
        snprintf(err, errlen, "archive directory \"%s\": %s", dir,
                 strerror(errno));
        return -1;
    }

    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "archive directory \"%s\": not a directory",
                 dir);
        return -1;
    }

    h = 14695981039346656037ULL;

    for (i = 0; i < NGX_F1_REPLAY_T_COUNT; i++) {
        snprintf(path, sizeof(path), "%s/%s.jsonStream", dir,
                 ngx_f1_replay_loader_topics[i].name);

        memset(words, 0, sizeof(words));

        if (stat(path, &st) == 0) {
            words[0] = (uint64_t) st.st_size;
            words[1] = (uint64_t) st.st_mtim.tv_sec;
            words[2] = (uint64_t) st.st_mtim.tv_nsec;
            words[3] = (uint64_t) st.st_ino;
            words[4] = (uint64_t) st.st_dev;
            words[5] = 1;

        } else if (ngx_f1_replay_loader_topics[i].required) {
            snprintf(err, errlen, "archive \"%s\": missing required topic "
                     "%s.jsonStream (required: SessionInfo, DriverList)",
                     dir, ngx_f1_replay_loader_topics[i].name);
            return -1;
        }

        words[0] ^= (uint64_t) NGX_F1_REPLAY_SESSION_VERSION << 56;

        for (k = 0; k < sizeof(words); k++) {
            h ^= ((unsigned char *) words)[k];
            h *= 1099511628211ULL;
        }
    }

    *fp = h;

    return 0;
}


/*
 * Position.z is decoded on a second thread while the other topics are
 * read on the calling one: the two .z topics are most of the load time.
 * The job has a loader of its own; its warnings are kept and reported,
 * in order, after the join.
 */

static void *
ngx_f1_replay_archive_job_run(void *data)
{
    ngx_f1_replay_archive_job_t  *job = data;

    size_t          len;
    unsigned char  *buf;

    job->rc = ngx_f1_replay_archive_read(job->path, &buf, &len, job->err,
                                      sizeof(job->err));
    if (job->rc != 0) {
        return NULL;
    }

    job->rc = ngx_f1_replay_loader_add(job->ld, job->topic, job->path, buf,
                                       len, job->err, sizeof(job->err));
    free(buf);

    return NULL;
}


static void
ngx_f1_replay_archive_job_warn(void *ctx, const char *msg)
{
    ngx_f1_replay_archive_job_t  *job = ctx;

    char  **p;

    p = ngx_f1_replay_loader_push(&job->warnings, sizeof(char *));
    if (p != NULL) {
        *p = strdup(msg);
        if (*p == NULL) {
            job->warnings.n--;
        }
    }
}


/* moves what the job loaded into ld; frees the job's loader */

static void
ngx_f1_replay_archive_job_merge(ngx_f1_replay_loader_t *ld,
    ngx_f1_replay_archive_job_t *job)
{
    size_t                   i;
    char                   **msg;
    ngx_f1_replay_loader_t  *jl;

    jl = job->ld;
    msg = job->warnings.items;

    for (i = 0; i < job->warnings.n; i++) {
        if (ld->warn) {
            ld->warn(ld->warn_ctx, msg[i]);
        }

        free(msg[i]);
    }

    ngx_f1_replay_loader_free(&job->warnings);

    if (jl == NULL) {
        return;
    }

    ld->warnings += jl->warnings;
    ld->have |= jl->have;

    if (jl->start_ms < ld->start_ms) {
        ld->start_ms = jl->start_ms;
    }

    if (jl->end_ms > ld->end_ms) {
        ld->end_ms = jl->end_ms;
    }

    for (i = 0; i < NGX_F1_REPLAY_LOADER_MAX_CARS; i++) {
        ld->cars[i].seen |= jl->cars[i].seen;
        ld->cars[i].pos = jl->cars[i].pos;
        memset(&jl->cars[i].pos, 0, sizeof(ngx_f1_replay_vec_t));
    }

    ngx_f1_replay_loader_destroy(jl);
    job->ld = NULL;
}


ngx_f1_replay_session_t *
ngx_f1_replay_archive_load(const char *dir, ngx_f1_replay_warn_pt warn,
    void *ctx, char *err, size_t errlen)
{
    int                           rc, threaded;
    char                          path[4096];
    size_t                        i, len;
    uint64_t                      fp;
    pthread_t                     tid;
    unsigned char                *buf;
    ngx_f1_replay_loader_t       *ld;
    ngx_f1_replay_session_t      *s;
    const ngx_f1_replay_topic_t  *topic;
    ngx_f1_replay_archive_job_t   job;

    if (ngx_f1_replay_archive_fingerprint(dir, &fp, err, errlen) != 0) {
        return NULL;
    }

    ld = ngx_f1_replay_loader_create(warn, ctx);
    if (ld == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    memset(&job, 0, sizeof(job));
    job.topic = ngx_f1_replay_loader_topics[NGX_F1_REPLAY_T_POSITION].name;
    snprintf(job.path, sizeof(job.path), "%s/%s.jsonStream", dir, job.topic);

    threaded = 0;

    if (access(job.path, F_OK) == 0) {
        job.ld = ngx_f1_replay_loader_create(ngx_f1_replay_archive_job_warn,
                                             &job);
        if (job.ld == NULL) {
            ngx_f1_replay_loader_destroy(ld);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }

        threaded = (pthread_create(&tid, NULL,
                                   ngx_f1_replay_archive_job_run, &job)
                    == 0);
        if (!threaded) {
            ngx_f1_replay_archive_job_run(&job);
        }
    }

    rc = 0;

    for (i = 0; i < NGX_F1_REPLAY_T_COUNT; i++) {
        topic = &ngx_f1_replay_loader_topics[i];

        if (i == NGX_F1_REPLAY_T_POSITION) {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s.jsonStream", dir, topic->name);

        if (access(path, F_OK) != 0 && !topic->required) {
            continue;
        }

        rc = ngx_f1_replay_archive_read(path, &buf, &len, err, errlen);
        if (rc != 0) {
            break;
        }

        rc = ngx_f1_replay_loader_add(ld, topic->name, path, buf, len, err,
                                      errlen);
        free(buf);

        if (rc != 0) {
            break;
        }
    }

    if (threaded) {
        pthread_join(tid, NULL);
    }

    if (rc == 0 && job.ld != NULL && job.rc != 0) {
        snprintf(err, errlen, "%s", job.err);
        rc = -1;
    }

    ngx_f1_replay_archive_job_merge(ld, &job);

    s = rc == 0 ? ngx_f1_replay_build_session(ld, err, errlen) : NULL;

    ngx_f1_replay_loader_destroy(ld);

    if (s != NULL) {
        s->fingerprint = fp;
    }

    return s;
}
