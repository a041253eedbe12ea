
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ngx_f1_replay_clock_state.h"
#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_time.h"


#define NGX_F1_REPLAY_CLOCK_STATE_VERSION  1


static int ngx_f1_replay_clock_state_seg(const ngx_f1_replay_json_t *v,
    ngx_f1_replay_seg_t *seg, int64_t *at, char *err, size_t errlen);
static int ngx_f1_replay_clock_state_int(const ngx_f1_replay_json_t *v,
    const char *key, int64_t min, int64_t max, int64_t *out);
static int ngx_f1_replay_clock_state_bool(const ngx_f1_replay_json_t *v,
    const char *key, int *out);


int
ngx_f1_replay_clock_state_gen(const ngx_f1_replay_clock_t *clk,
    const char *id, int64_t now_utc, yajl_gen g)
{
    char                        buf[NGX_F1_REPLAY_TIME_UTC_LEN];
    size_t                      len;
    uint64_t                    n, oldest;
    const ngx_f1_replay_seg_t  *seg;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "f1_replay_clock",
                            NGX_F1_REPLAY_CLOCK_STATE_VERSION);
    ngx_f1_replay_yajl_kstr(g, "session", id);
    ngx_f1_replay_yajl_kint(g, "tick_ms", clk->tick_ms);

    if (clk->anchor_ms) {
        ngx_f1_replay_yajl_kint(g, "anchor_ms", clk->anchor_ms);

    } else {
        ngx_f1_replay_yajl_knull(g, "anchor_ms");
    }

    len = ngx_f1_replay_time_format_utc(now_utc, buf);
    ngx_f1_replay_yajl_key(g, "saved");
    ngx_f1_replay_yajl(yajl_gen_string(g, (const unsigned char *) buf, len));

    ngx_f1_replay_yajl_kint(g, "change", clk->generation - 1);
    ngx_f1_replay_yajl_key(g, "segments");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    oldest = clk->generation > NGX_F1_REPLAY_CLOCK_SEGS
             ? clk->generation - NGX_F1_REPLAY_CLOCK_SEGS : 0;

    for (n = oldest; n < clk->generation; n++) {
        seg = &clk->seg[n % NGX_F1_REPLAY_CLOCK_SEGS];

        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_kint(g, "at_ms",
                                ngx_f1_replay_clock_tick_utc(clk, seg->tick));
        ngx_f1_replay_yajl_kint(g, "t", seg->t);
        ngx_f1_replay_yajl_kint(g, "speed", seg->speed);
        ngx_f1_replay_yajl_kint(g, "resume_speed", seg->resume_speed);
        ngx_f1_replay_yajl_kbool(g, "loop", seg->loop);
        ngx_f1_replay_yajl_kbool(g, "jump", seg->jump);
        ngx_f1_replay_yajl_kstr(g, "reason",
                                ngx_f1_replay_clock_op_name(seg->reason));
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


int
ngx_f1_replay_clock_state_take(ngx_f1_replay_clock_t *clk, const char *id,
    const unsigned char *doc, size_t len, char *err, size_t errlen)
{
    int                    rc;
    char                   jerr[128];
    int64_t                v, at, d, tick[NGX_F1_REPLAY_CLOCK_SEGS];
    size_t                 i, n, first;
    ngx_f1_replay_seg_t    seg[NGX_F1_REPLAY_CLOCK_SEGS];
    ngx_f1_replay_json_t  *root, *segs;

    root = ngx_f1_replay_json_parse(doc, len, jerr, sizeof(jerr));
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s", jerr);
        return -1;
    }

    rc = -1;
    segs = ngx_f1_replay_json_get(root, "segments");

    if (ngx_f1_replay_clock_state_int(root, "f1_replay_clock",
                                      NGX_F1_REPLAY_CLOCK_STATE_VERSION,
                                      NGX_F1_REPLAY_CLOCK_STATE_VERSION, &v)
        != 0
        || segs == NULL || segs->type != NGX_F1_REPLAY_JSON_ARRAY)
    {
        snprintf(err, errlen, "not a clock: expected "
                 "{\"f1_replay_clock\":%d,...,\"segments\":[...]}",
                 NGX_F1_REPLAY_CLOCK_STATE_VERSION);
        goto done;
    }

    if (!ngx_f1_replay_json_is(ngx_f1_replay_json_get(root, "session"), id)) {
        snprintf(err, errlen, "the clock is of another session "
                 "(this is \"%s\")", id);
        goto done;
    }

    if (ngx_f1_replay_clock_state_int(root, "tick_ms", clk->tick_ms,
                                      clk->tick_ms, &v)
        != 0)
    {
        snprintf(err, errlen, "the clock is not of %u ms ticks",
                 clk->tick_ms);
        goto done;
    }

    n = segs->nitems;

    if (n == 0 || n > NGX_F1_REPLAY_CLOCK_SEGS
        || ngx_f1_replay_clock_state_int(root, "change", (int64_t) n - 1,
                                         INT32_MAX, &v)
           != 0)
    {
        snprintf(err, errlen, "1 to %d segments, and \"change\" at least "
                 "their number less one", NGX_F1_REPLAY_CLOCK_SEGS);
        goto done;
    }

    /* each segment's first tick here, in order */

    for (i = 0; i < n; i++) {
        if (ngx_f1_replay_clock_state_seg(segs->items[i], &seg[i], &at,
                                          err, errlen)
            != 0)
        {
            goto done;
        }

        if (seg[i].t < clk->min_ms
            || (seg[i].jump && seg[i].t > clk->end_ms))
        {
            snprintf(err, errlen, "segment %zu: the time %lld ms is "
                     "outside the session", i, (long long) seg[i].t);
            goto done;
        }

        d = at - clk->utc_ms;

        /* to the nearest tick: at_ms is one on the instance it came from */

        tick[i] = (d >= 0 ? d + clk->tick_ms / 2 : d - clk->tick_ms / 2)
                  / clk->tick_ms;

        if (i && tick[i] < tick[i - 1]) {
            snprintf(err, errlen, "segment %zu begins before the one "
                     "before it", i);
            goto done;
        }
    }

    /*
     * segments begun before tick 0 here (an instance started after them):
     * the newest of them from tick 0, where it had got to by then
     */

    first = 0;

    for (i = 0; i < n && tick[i] <= 0; i++) {
        first = i;
    }

    if (tick[first] < 0) {
        seg[first].t += -tick[first] * (int64_t) clk->tick_ms
                        * seg[first].speed / 1000;
        tick[first] = 0;
    }

    for (i = first; i < n; i++) {
        seg[i].tick = (uint64_t) tick[i];
    }

    /* the clients of this instance are all sent a state of the new clock */

    seg[n - 1].jump = 1;

    ngx_f1_replay_clock_set(clk, &seg[first], n - first, (uint64_t) v + 1);

    rc = 0;

done:

    ngx_f1_replay_json_free(root);

    return rc;
}


static int
ngx_f1_replay_clock_state_seg(const ngx_f1_replay_json_t *v,
    ngx_f1_replay_seg_t *seg, int64_t *at, char *err, size_t errlen)
{
    int                    loop, jump;
    int64_t                t, speed, resume;
    unsigned               op;
    ngx_f1_replay_json_t  *reason;

    reason = ngx_f1_replay_json_get(v, "reason");

    for (op = 0; op < NGX_F1_REPLAY_OP_N; op++) {
        if (ngx_f1_replay_json_is(reason, ngx_f1_replay_clock_op_name(op))) {
            break;
        }
    }

    if (ngx_f1_replay_clock_state_int(v, "at_ms", 0, INT64_MAX / 2, at) != 0
        || ngx_f1_replay_clock_state_int(v, "t", INT32_MIN, INT32_MAX, &t)
           != 0
        || ngx_f1_replay_clock_state_int(v, "speed", 0,
                                         NGX_F1_REPLAY_SPEED_MAX, &speed)
           != 0
        || (speed != 0 && speed < NGX_F1_REPLAY_SPEED_MIN)
        || ngx_f1_replay_clock_state_int(v, "resume_speed",
                                         NGX_F1_REPLAY_SPEED_MIN,
                                         NGX_F1_REPLAY_SPEED_MAX, &resume)
           != 0
        || ngx_f1_replay_clock_state_bool(v, "loop", &loop) != 0
        || ngx_f1_replay_clock_state_bool(v, "jump", &jump) != 0
        || op == NGX_F1_REPLAY_OP_N)
    {
        snprintf(err, errlen, "a segment must be {\"at_ms\":UTC ms,"
                 "\"t\":ms,\"speed\":0 or %d-%d,\"resume_speed\":%d-%d,"
                 "\"loop\":bool,\"jump\":bool,\"reason\":\"seek\"...}",
                 NGX_F1_REPLAY_SPEED_MIN, NGX_F1_REPLAY_SPEED_MAX,
                 NGX_F1_REPLAY_SPEED_MIN, NGX_F1_REPLAY_SPEED_MAX);
        return -1;
    }

    memset(seg, 0, sizeof(ngx_f1_replay_seg_t));
    seg->t = t;
    seg->speed = (uint32_t) speed;
    seg->resume_speed = (uint32_t) resume;
    seg->loop = (uint8_t) loop;
    seg->jump = (uint8_t) jump;
    seg->reason = (uint8_t) op;

    return 0;
}


/* a member that is a whole number in [min, max] */

static int
ngx_f1_replay_clock_state_int(const ngx_f1_replay_json_t *v,
    const char *key, int64_t min, int64_t max, int64_t *out)
{
    ngx_f1_replay_json_t  *m;

    m = ngx_f1_replay_json_get(v, key);

    /* in range before the conversion: 1e300 fits no integer */

    if (m == NULL || m->type != NGX_F1_REPLAY_JSON_NUMBER
        || !(m->number >= (double) min && m->number <= (double) max)
        || m->number != (double) (int64_t) m->number)
    {
        return -1;
    }

    *out = (int64_t) m->number;

    return 0;
}


/* a member that is true or false */

static int
ngx_f1_replay_clock_state_bool(const ngx_f1_replay_json_t *v,
    const char *key, int *out)
{
    ngx_f1_replay_json_t  *m;

    m = ngx_f1_replay_json_get(v, key);

    if (m == NULL
        || (m->type != NGX_F1_REPLAY_JSON_TRUE
            && m->type != NGX_F1_REPLAY_JSON_FALSE))
    {
        return -1;
    }

    *out = (m->type == NGX_F1_REPLAY_JSON_TRUE);

    return 0;
}


int
ngx_f1_replay_clock_state_save(const char *path, const void *buf, size_t len)
{
    int      fd, e;
    char     tmp[4096];
    size_t   done;
    ssize_t  n;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }

    fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644);
    if (fd == -1) {
        return -1;
    }

    e = 0;

    for (done = 0; done < len; done += n) {
        n = write(fd, (const char *) buf + done, len - done);

        if (n == -1) {
            e = errno;
            break;
        }
    }

    if (close(fd) == -1 && e == 0) {
        e = errno;
    }

    if (e == 0 && rename(tmp, path) == -1) {
        e = errno;
    }

    if (e) {
        (void) unlink(tmp);
        errno = e;
        return -1;
    }

    return 0;
}


long
ngx_f1_replay_clock_state_read(const char *path, void *buf, size_t size)
{
    int          fd, e;
    size_t       len;
    ssize_t      n;
    struct stat  st;

    fd = open(path, O_RDONLY|O_NONBLOCK|O_CLOEXEC);
    if (fd == -1) {
        return errno == ENOENT ? 0 : -1;
    }

    e = 0;

    if (fstat(fd, &st) == -1) {
        e = errno;

    } else if (!S_ISREG(st.st_mode)) {
        e = EINVAL;

    } else if ((size_t) st.st_size > size) {
        e = EFBIG;
    }

    for (len = 0; e == 0 && len < size; len += n) {
        n = read(fd, (char *) buf + len, size - len);

        if (n == -1) {
            e = errno;

        } else if (n == 0) {
            break;
        }
    }

    (void) close(fd);

    if (e) {
        errno = e;
        return -1;
    }

    if (len == size) {
        errno = EFBIG;
        return -1;
    }

    return (long) len;
}
