/*
 * f1-nchan-pub: publishes precomputed f1-replay frames to an nchan
 * publisher location at a fixed rate over one keep-alive HTTP/1.1
 * connection (TCP_NODELAY), rewriting "tick" (a running counter) and
 * "sent" (Unix ms, three decimals, taken just before the write).
 *
 *   f1-nchan-pub FRAMES PORT PATH SECONDS [HZ [FIRST_TICK]]
 *
 * FRAMES: one compact JSON frame a line, each with "tick":0 and
 * "sent":0.000 (f1-replay-inspect --frame); looped when the run is longer.
 * Loopback only (127.0.0.1).  SECONDS <= 600, HZ 1..1000.  Stops after
 * SECONDS or on SIGTERM/SIGINT and prints one "PUB key=value ..." line:
 * posts, failed posts, reconnects, send lateness against the schedule
 * (us), interval jitter |interval - period| (us), request round trip (us),
 * own CPU per post (us, user + system, from the first post on).
 */

#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

typedef struct {
    char    *pre;       /* up to and including "tick": */
    size_t   pre_len;
    char    *mid;       /* after the tick value, up to and including "sent": */
    size_t   mid_len;
    char    *post;      /* after the sent value */
    size_t   post_len;
} frame_t;

static volatile sig_atomic_t  stop;
static int                    port;
static int                    fd = -1;
static uint64_t               reconnects;

static void on_signal(int s) { (void) s; stop = 1; }

static int64_t
mono_ns(void)
{
    struct timespec  ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

static int64_t
pct(int64_t *v, size_t n, double p)
{
    size_t  i;
    if (n == 0) {
        return 0;
    }
    i = (size_t) (p * (double) (n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static int
conn(void)
{
    int                 one = 1;
    struct sockaddr_in  sa;

    if (fd >= 0) {
        close(fd);
        reconnects++;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t) port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
        close(fd);
        fd = -1;
        return -1;
    }
    return 0;
}

static int
write_all(struct iovec *iov, int n)
{
    ssize_t  w;

    while (n > 0) {
        w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        while (n > 0 && (size_t) w >= iov->iov_len) {
            w -= (ssize_t) iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *) iov->iov_base + w;
            iov->iov_len -= (size_t) w;
        }
    }
    return 0;
}

/* reads one response; returns the status code, 0 on a closed/broken
 * connection; *close_after set when the server said Connection: close */

static int
read_response(int *close_after)
{
    static char  buf[16384];
    size_t       len = 0, hlen, need;
    ssize_t      r;
    char        *e, *p;
    int          status, chunked;
    long         clen;

    *close_after = 0;
    hlen = 0;
    need = 0;
    status = 0;
    chunked = 0;
    clen = -1;

    for ( ;; ) {
        struct pollfd  pfd = { fd, POLLIN, 0 };

        if (len == sizeof(buf) - 1) {
            return 0;
        }
        if (poll(&pfd, 1, 2000) <= 0) {
            return 0;
        }
        r = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) {
                continue;
            }
            return 0;
        }
        len += (size_t) r;
        buf[len] = '\0';

        if (hlen == 0) {
            e = strstr(buf, "\r\n\r\n");
            if (e == NULL) {
                continue;
            }
            hlen = (size_t) (e - buf) + 4;
            *e = '\0';
            if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
                return 0;
            }
            for (p = strstr(buf, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
                if (strncasecmp(p + 2, "content-length:", 15) == 0) {
                    clen = strtol(p + 17, NULL, 10);
                } else if (strncasecmp(p + 2, "transfer-encoding:", 18) == 0
                           && strcasestr(p + 20, "chunked") != NULL)
                {
                    chunked = 1;
                } else if (strncasecmp(p + 2, "connection:", 11) == 0
                           && strcasestr(p + 13, "close") != NULL)
                {
                    *close_after = 1;
                }
            }
            *e = '\r';
            if (!chunked) {
                need = hlen + (size_t) (clen > 0 ? clen : 0);
            }
        }

        if (chunked) {
            if (len >= hlen + 5 && memcmp(buf + len - 5, "0\r\n\r\n", 5) == 0) {
                return status;
            }
        } else if (len >= need) {
            return status;
        }
    }
}

int
main(int argc, char **argv)
{
    FILE        *f;
    char        *line = NULL, *p, *q, head[256], tickbuf[32], sentbuf[48];
    size_t       cap = 0, nframes = 0, fcap = 0, i, n, done, failed;
    ssize_t      len;
    frame_t     *frames = NULL, *fr;
    int          seconds, hz, status, close_after;
    int64_t      period, t0, sched, now, prev, end, first_tick;
    int64_t     *late, *jit, *rtt;
    size_t       njit;
    struct iovec iov[6];
    struct timespec ts, rt;
    struct rusage   ru, ru0;
    double       cpu_us;

    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: %s FRAMES PORT PATH SECONDS [HZ [FIRST_TICK]]"
                "\n", argv[0]);
        return 2;
    }
    port = atoi(argv[2]);
    seconds = atoi(argv[4]);
    hz = argc > 5 ? atoi(argv[5]) : 50;
    first_tick = argc > 6 ? strtoll(argv[6], NULL, 10) : 0;
    if (port <= 0 || port > 65535 || seconds <= 0 || seconds > 600
        || hz <= 0 || hz > 1000 || argv[3][0] != '/'
        || strpbrk(argv[3], " \r\n") != NULL)
    {
        fprintf(stderr, "f1-nchan-pub: bad arguments\n");
        return 2;
    }

    f = fopen(argv[1], "r");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }
        p = strstr(line, "\"tick\":0,");
        q = p ? strstr(p, "\"sent\":0.000,") : NULL;
        if (q == NULL) {
            fprintf(stderr, "f1-nchan-pub: frame %zu: no \"tick\":0 or "
                    "\"sent\":0.000\n", nframes + 1);
            return 1;
        }
        if (nframes == fcap) {
            fcap = fcap ? fcap * 2 : 1024;
            frames = realloc(frames, fcap * sizeof(frame_t));
            if (frames == NULL) {
                return 1;
            }
        }
        fr = &frames[nframes++];
        fr->pre = strndup(line, (size_t) (p - line) + 7);
        fr->pre_len = (size_t) (p - line) + 7;
        fr->mid = strndup(p + 8, (size_t) (q - (p + 8)) + 7);
        fr->mid_len = (size_t) (q - (p + 8)) + 7;
        fr->post = strdup(q + 12);
        fr->post_len = strlen(q + 12);
    }
    fclose(f);
    free(line);
    if (nframes == 0) {
        fprintf(stderr, "f1-nchan-pub: no frames\n");
        return 1;
    }

    n = (size_t) seconds * (size_t) hz + 1;
    late = calloc(n, sizeof(int64_t));
    jit = calloc(n, sizeof(int64_t));
    rtt = calloc(n, sizeof(int64_t));
    if (late == NULL || jit == NULL || rtt == NULL) {
        return 1;
    }

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    if (conn() != 0) {
        perror("f1-nchan-pub: connect");
        return 1;
    }
    reconnects = 0;

    getrusage(RUSAGE_SELF, &ru0);
    period = 1000000000 / hz;
    t0 = mono_ns() + 2000000;
    end = t0 + (int64_t) seconds * 1000000000;
    done = 0;
    failed = 0;
    njit = 0;
    prev = 0;

    for (i = 0; !stop && i < n; i++) {
        sched = t0 + (int64_t) i * period;
        if (sched >= end) {
            break;
        }
        ts.tv_sec = sched / 1000000000;
        ts.tv_nsec = sched % 1000000000;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)
               == EINTR)
        {
            if (stop) {
                break;
            }
        }
        if (stop) {
            break;
        }

        fr = &frames[i % nframes];
        clock_gettime(CLOCK_REALTIME, &rt);
        now = mono_ns();
        snprintf(tickbuf, sizeof(tickbuf), "%" PRId64, first_tick
                 + (int64_t) i);
        snprintf(sentbuf, sizeof(sentbuf), "%" PRId64 ".%03ld",
                 (int64_t) rt.tv_sec * 1000 + rt.tv_nsec / 1000000,
                 (rt.tv_nsec / 1000) % 1000);
        snprintf(head, sizeof(head),
                 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Content-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n", argv[3],
                 fr->pre_len + strlen(tickbuf) + fr->mid_len
                 + strlen(sentbuf) + fr->post_len);

        iov[0].iov_base = head;        iov[0].iov_len = strlen(head);
        iov[1].iov_base = fr->pre;     iov[1].iov_len = fr->pre_len;
        iov[2].iov_base = tickbuf;     iov[2].iov_len = strlen(tickbuf);
        iov[3].iov_base = fr->mid;     iov[3].iov_len = fr->mid_len;
        iov[4].iov_base = sentbuf;     iov[4].iov_len = strlen(sentbuf);
        iov[5].iov_base = fr->post;    iov[5].iov_len = fr->post_len;

        late[done] = (now - sched) / 1000;
        if (prev) {
            jit[njit++] = llabs((now - prev) - period) / 1000;
        }
        prev = now;

        status = 0;
        if (write_all(iov, 6) == 0) {
            status = read_response(&close_after);
        }
        rtt[done] = (mono_ns() - now) / 1000;
        done++;

        if (status < 200 || status > 299) {
            failed++;
            if (conn() != 0 && !stop) {
                /* keep the schedule; try again at the next tick */
                fd = -1;
            }
        } else if (close_after) {
            (void) conn();
        }
    }

    getrusage(RUSAGE_SELF, &ru);
    cpu_us = (ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e6
             + (ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec)
             + (ru.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6
             + (ru.ru_stime.tv_usec - ru0.ru_stime.tv_usec);

    qsort(late, done, sizeof(int64_t), cmp64);
    qsort(jit, njit, sizeof(int64_t), cmp64);
    qsort(rtt, done, sizeof(int64_t), cmp64);

    printf("PUB posts=%zu failed=%zu reconnects=%" PRIu64
           " late_p50_us=%" PRId64 " late_p99_us=%" PRId64
           " late_max_us=%" PRId64 " jit_p50_us=%" PRId64
           " jit_p99_us=%" PRId64 " jit_max_us=%" PRId64
           " rtt_p50_us=%" PRId64 " rtt_p99_us=%" PRId64
           " rtt_max_us=%" PRId64 " cpu_us_per_post=%.1f\n",
           done, failed, reconnects,
           pct(late, done, 0.5), pct(late, done, 0.99),
           done ? late[done - 1] : 0,
           pct(jit, njit, 0.5), pct(jit, njit, 0.99),
           njit ? jit[njit - 1] : 0,
           pct(rtt, done, 0.5), pct(rtt, done, 0.99),
           done ? rtt[done - 1] : 0,
           done ? cpu_us / (double) done : 0.0);

    return done > 0 && failed < done ? 0 : 1;
}
