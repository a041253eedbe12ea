/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * f1-replay-load: WebSocket load client for ngx_f1_replay_module.
 *
 *   f1-replay-load [-n CONNECTIONS] [-t SECONDS] [-r RAMP_PER_SEC]
 *                  [-m TEXT [-M]] [-z] [-d DELAYS] [-D SECONDS]
 *                  [-b BYTES] [-S] [-q] ws[s]://127.0.0.1:PORT/PATH
 *
 * One process, one thread, epoll, non-blocking sockets with TCP_NODELAY.
 * Opens CONNECTIONS WebSocket connections (RAMP_PER_SEC new connections a
 * second), keeps them open for SECONDS after the last one is up, then sends
 * a close (1000) on each, waits briefly for the server's close and prints
 * a report and a one-line "RESULT key=value ..." summary on stdout.
 *
 * -m TEXT sends TEXT as one masked text frame on every connection right
 * after its handshake, for example '{"type":"subscribe","format":"compact",
 * "rate":10}': by default once the 101 has been read; with -M in the
 * same write as the handshake request (one send(), so usually one TCP
 * segment), before the 101 has come: the server then finds the frame in
 * the buffer it read the request headers into.
 *
 * -z offers permessage-deflate (RFC 7692) with no context takeover either
 * way; when the 101 accepts it, every message with RSV1 is inflated on its
 * own (raw inflate of the payload and 00 00 ff ff, a reset stream per
 * message) before it is parsed.  Nothing is sent compressed.
 *
 * -d DELAYS spreads the connections over DELAYS distinct subscriptions:
 * connection i (from 0, in the order they are opened) asks for
 * ?delay=(i mod DELAYS) seconds on its URL (added with "&" if the URL has
 * a query), so the server keeps one subscription per delay (the module
 * rounds delays to whole seconds; its f1_replay_max_delay must allow
 * DELAYS - 1 seconds).
 *
 * -D SECONDS makes slow readers: once its handshake is done a connection
 * stops reading (EPOLLIN off) and every SECONDS reads all its socket
 * holds (until EAGAIN, at most 64 reads) then stops again; it reads
 * normally from the close on.  Connection i drains first frac(i x 0.618)
 * x SECONDS after its handshake: the drains are spread over the period,
 * whatever the ramp, and so are those of connections on one delay.  So
 * that the server really finds it behind, its receive buffer is small:
 * SO_RCVBUF of 4096 bytes (the kernel doubles it) unless -b says
 * otherwise (the server's send buffer must be bounded too: on loopback
 * the kernel grows it to megabytes, see scripts/bench-subs.sh).  Frames
 * the server skips for it count as missing ticks; jitter and lateness
 * then measure the drains, not the server.  -b BYTES sets SO_RCVBUF
 * before connect() (any mode).
 *
 * wss:// speaks TLS (OpenSSL, TLS 1.2 or 1.3, port 443 by default): a
 * non-blocking SSL_connect() after the TCP connect, then SSL_read() and
 * SSL_write() in the same epoll loop (a connection reads until OpenSSL
 * wants more, as records it has decrypted wake no epoll).  The server's
 * certificate is NOT verified (these are loopback tests with self-signed
 * certificates); SNI is "localhost".  -S reuses TLS sessions: every new
 * connection offers the session (TLS 1.3 ticket or TLS 1.2 session) most
 * recently received, and the report counts the handshakes resumed.  With
 * wss byte counts are the decrypted bytes (TLS records' overhead is not
 * counted); "wire" counts what was read from the socket, TLS records
 * (headers, tags, the handshake) included: BIO_number_read() of the
 * connection's socket BIO.  Without TLS wire and bytes are the same.
 *
 * Loopback only: the host must be "localhost" or in 127.0.0.0/8 (no name
 * resolution is done).  CONNECTIONS <= 20000, SECONDS <= 600.
 *
 * Every text message goes through a yajl callback parser that stops as soon
 * as the top-level "type" (and for "frame" and compact "f" messages "tick"
 * and "sent", for "hello" "tick_rate", for "subscribed" "rate") are known;
 * "type" must come first, as the module sends it.  Percentiles come from
 * fixed-size log-linear histograms (about 1.6% relative error), so memory
 * does not grow with the run length.
 *
 * What is measured:
 *   frames/s     "frame" and "f" messages / time the connection was open,
 *                per client
 *   ticks        per client, over its whole life, in steps of the tick
 *                step: the hello's "tick_rate" (50 when absent) divided by
 *                the "rate" of the last "subscribed" reply (a step of 1
 *                before any);
 *                a frame stands for tick / step.  missing = gaps in the
 *                increasing sequence, dup/out-of-order = not above the
 *                highest seen; a step back of more than 250 ticks starts a
 *                new sequence (a reset), and so does a change of the step
 *                (the switch itself is not counted as missing);
 *                expected = sum of (last - first + 1) over the sequences,
 *                received = expected - missing
 *   spread       every 100 ms, max - min of the latest tick (the server's
 *                tick number) of each open client; clients at a lower rate
 *                can add up to their tick step - 1 to it
 *   jitter       |receive interval - tick length x tick step| between
 *                consecutive increasing ticks of one client (a missing tick
 *                is not also counted as jitter); the tick length is 1 s /
 *                the hello's "tick_rate" (20 ms when absent)
 *   lateness     CLOCK_REALTIME at receipt (ms) - "sent"
 *   bytes        what recv() returned, handshake included: wire bytes,
 *                compressed when permessage-deflate is on; message sizes
 *                ("largest", payload, per-frame means) are after inflate,
 *                and the inflated bytes of compressed messages are counted
 *                separately
 *   spread, jitter and lateness are recorded only in the steady phase (after
 *   the last connection is up, before the close); the receive time of a
 *   message is taken after the read that completed it, so a busy client
 *   adds its own delay: the report warns when the client used more than 90%
 *   of a core.
 *
 * Exit status: 0 when at least one connection was established and the run
 * ended in time, 1 otherwise, 2 on a usage error or a refused target.
 */


#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <yajl/yajl_parse.h>
#include <zlib.h>


#define NGX_F1_REPLAY_LOAD_MAX_CONNS     20000
#define NGX_F1_REPLAY_LOAD_MAX_SECONDS   600
#define NGX_F1_REPLAY_LOAD_MAX_RAMP      100000
#define NGX_F1_REPLAY_LOAD_DEF_RAMP      1000

#define NGX_F1_REPLAY_LOAD_SEC           1000000000LL
#define NGX_F1_REPLAY_LOAD_MS            1000000LL
#define NGX_F1_REPLAY_LOAD_TICK_RATE     50
#define NGX_F1_REPLAY_LOAD_SAMPLE_NS     (100 * NGX_F1_REPLAY_LOAD_MS)
#define NGX_F1_REPLAY_LOAD_HS_TIMEOUT    (10 * NGX_F1_REPLAY_LOAD_SEC)
#define NGX_F1_REPLAY_LOAD_CLOSE_WAIT    (2 * NGX_F1_REPLAY_LOAD_SEC)
#define NGX_F1_REPLAY_LOAD_SLACK         (5 * NGX_F1_REPLAY_LOAD_SEC)

#define NGX_F1_REPLAY_LOAD_HS_MAX        8192
#define NGX_F1_REPLAY_LOAD_OUT_MAX       65536
#define NGX_F1_REPLAY_LOAD_RECV_SIZE     65536
#define NGX_F1_REPLAY_LOAD_EVENTS        512
#define NGX_F1_REPLAY_LOAD_BATCH         256
#define NGX_F1_REPLAY_LOAD_GIVE_UP       50
#define NGX_F1_REPLAY_LOAD_RESET_TICKS   250
#define NGX_F1_REPLAY_LOAD_FDS_SPARE     32
#define NGX_F1_REPLAY_LOAD_NERRNO        256
#define NGX_F1_REPLAY_LOAD_NCODES        5000
#define NGX_F1_REPLAY_LOAD_NSTATUS       600
#define NGX_F1_REPLAY_LOAD_MSG_MAX       16384
#define NGX_F1_REPLAY_LOAD_ZMSG_MAX      (16 * 1024 * 1024)
#define NGX_F1_REPLAY_LOAD_INFLATE_MAX   (64 * 1024 * 1024)
#define NGX_F1_REPLAY_LOAD_ZOUT_SIZE     65536
#define NGX_F1_REPLAY_LOAD_MAX_DELAYS    3601
#define NGX_F1_REPLAY_LOAD_DRAIN_MIN     0.05
#define NGX_F1_REPLAY_LOAD_DRAIN_RCVBUF  4096
#define NGX_F1_REPLAY_LOAD_DRAIN_CHECK   (10 * NGX_F1_REPLAY_LOAD_MS)
#define NGX_F1_REPLAY_LOAD_DRAIN_READS   64
#define NGX_F1_REPLAY_LOAD_MIN_RCVBUF    256
#define NGX_F1_REPLAY_LOAD_MAX_RCVBUF    (16 * 1024 * 1024)

#define NGX_F1_REPLAY_LOAD_GUID  "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* histogram: 128 exact buckets, then 64 sub-buckets per power of two */
#define NGX_F1_REPLAY_LOAD_HIST_SIZE     (128 + 58 * 64)

/* connection states */
#define NGX_F1_REPLAY_LOAD_IDLE          0
#define NGX_F1_REPLAY_LOAD_CONNECTING    1
#define NGX_F1_REPLAY_LOAD_HANDSHAKE     2
#define NGX_F1_REPLAY_LOAD_OPEN          3
#define NGX_F1_REPLAY_LOAD_CLOSING       4
#define NGX_F1_REPLAY_LOAD_DONE          5
#define NGX_F1_REPLAY_LOAD_TLS           6    /* TCP up, TLS handshake */

/* run phases */
#define NGX_F1_REPLAY_LOAD_RAMP          0
#define NGX_F1_REPLAY_LOAD_RUN           1
#define NGX_F1_REPLAY_LOAD_CLOSE         2
#define NGX_F1_REPLAY_LOAD_END           3

/* why a connection ended; the order matches ngx_f1_replay_load_reasons */
#define NGX_F1_REPLAY_LOAD_FAIL_SOCKET   0
#define NGX_F1_REPLAY_LOAD_FAIL_CONNECT  1
#define NGX_F1_REPLAY_LOAD_FAIL_TIMEOUT  2
#define NGX_F1_REPLAY_LOAD_FAIL_STATUS   3
#define NGX_F1_REPLAY_LOAD_FAIL_HEADERS  4
#define NGX_F1_REPLAY_LOAD_FAIL_EOF      5
#define NGX_F1_REPLAY_LOAD_FAIL_ABORT    6
#define NGX_F1_REPLAY_LOAD_END_CLOSE     7
#define NGX_F1_REPLAY_LOAD_END_EOF       8
#define NGX_F1_REPLAY_LOAD_END_RESET     9
#define NGX_F1_REPLAY_LOAD_END_PROTOCOL  10
#define NGX_F1_REPLAY_LOAD_END_CLEAN     11
#define NGX_F1_REPLAY_LOAD_END_LOST      12
#define NGX_F1_REPLAY_LOAD_END_TIMEOUT   13
#define NGX_F1_REPLAY_LOAD_END_ABORT     14
#define NGX_F1_REPLAY_LOAD_FAIL_TLS      15
#define NGX_F1_REPLAY_LOAD_NREASONS      16

/* message types; the order matches ngx_f1_replay_load_types */
#define NGX_F1_REPLAY_LOAD_T_FRAME       0
#define NGX_F1_REPLAY_LOAD_T_HELLO       1
#define NGX_F1_REPLAY_LOAD_T_SUBSCRIBED  7
#define NGX_F1_REPLAY_LOAD_T_KNOWN       8
#define NGX_F1_REPLAY_LOAD_T_OTHER       8
#define NGX_F1_REPLAY_LOAD_T_UNTYPED     9
#define NGX_F1_REPLAY_LOAD_T_BINARY      10
#define NGX_F1_REPLAY_LOAD_T_BAD_JSON    11
#define NGX_F1_REPLAY_LOAD_T_BAD_FRAME   12
#define NGX_F1_REPLAY_LOAD_NTYPES        13

/* top-level keys of interest */
#define NGX_F1_REPLAY_LOAD_KEY_NONE      0
#define NGX_F1_REPLAY_LOAD_KEY_TYPE      1
#define NGX_F1_REPLAY_LOAD_KEY_TICK      2
#define NGX_F1_REPLAY_LOAD_KEY_SENT      3
#define NGX_F1_REPLAY_LOAD_KEY_RATE      4
#define NGX_F1_REPLAY_LOAD_KEY_TICK_RATE 5

#define NGX_F1_REPLAY_LOAD_GOT_TYPE      0x01
#define NGX_F1_REPLAY_LOAD_GOT_TICK      0x02
#define NGX_F1_REPLAY_LOAD_GOT_SENT      0x04
#define NGX_F1_REPLAY_LOAD_GOT_RATE      0x08

/* JSON parse state of the current message */
#define NGX_F1_REPLAY_LOAD_JSON_NONE     0
#define NGX_F1_REPLAY_LOAD_JSON_PARSING  1
#define NGX_F1_REPLAY_LOAD_JSON_DONE     2
#define NGX_F1_REPLAY_LOAD_JSON_ERROR    3


typedef struct {
    uint64_t                     count;
    uint64_t                     max;
    uint64_t                     bucket[NGX_F1_REPLAY_LOAD_HIST_SIZE];
} ngx_f1_replay_load_hist_t;


typedef struct {
    int                          fd;
    uint8_t                      state;
    uint8_t                      want_out;
    uint8_t                      paused;       /* -D: not reading */
    int64_t                      next_drain;

    /* wss: the TLS connection; a read that needs the socket writable */
    SSL                         *ssl;
    uint8_t                      read_wants_write;

    /* handshake: response buffer and the expected Sec-WebSocket-Accept */
    char                        *hbuf;
    size_t                       hlen;
    char                         accept[32];
    int64_t                      deadline;

    /* pending output */
    unsigned char               *out;
    size_t                       out_len;
    size_t                       out_pos;

    /* frame parser */
    unsigned char                hdr[14];
    uint8_t                      hdr_len;
    uint8_t                      in_payload;
    uint8_t                      op;
    uint8_t                      fin;
    uint8_t                      msg;
    uint8_t                      ctl_len;
    unsigned char                ctl[125];
    uint64_t                     left;
    uint64_t                     msg_bytes;
    uint64_t                     msg_wire;

    /* permessage-deflate: negotiated, and the current message's payload */
    uint8_t                      deflate;
    uint8_t                      zmsg;
    unsigned char               *zbuf;
    size_t                       zlen;
    size_t                       zcap;

    /* JSON of the current text message */
    yajl_handle                  yajl;
    int                          depth;
    uint8_t                      json;
    uint8_t                      key;
    uint8_t                      got;
    uint8_t                      type;
    uint8_t                      compact;
    int64_t                      tick;
    double                       sent;
    int64_t                      rate;

    /* statistics; seg_first and last_bucket are in tick steps */
    uint8_t                      have_tick;
    uint8_t                      new_seg;
    uint32_t                     tick_rate;
    uint32_t                     step;
    int64_t                      seg_first;
    int64_t                      last_bucket;
    int64_t                      last_tick;
    int64_t                      prev_ns;
    uint64_t                     frames;
    uint64_t                     missing;
    uint64_t                     dups;
    uint64_t                     resets;
    uint64_t                     expected;
    uint64_t                     bytes;
    uint64_t                     wire;        /* from the socket, TLS too */
    int64_t                      t_open;
    int64_t                      t_end;
} ngx_f1_replay_load_conn_t;


typedef struct {
    /* options */
    int                          n;
    double                       seconds;
    int                          ramp;
    int                          quiet;
    int                          deflate;
    int                          same_write;
    int                          delays;
    double                       drain;
    int                          rcvbuf;
    int                          tls;
    int                          tls_reuse;
    const char                  *message;
    size_t                       message_len;
    const char                  *url;
    char                         host[256];
    char                         path[2048];
    int                          port;
    struct sockaddr_in           addr;

    int                          ep;
    int                          phase;
    int                          gave_up;
    int                          deadline_hit;
    ngx_f1_replay_load_conn_t   *conns;
    unsigned char               *buf;
    unsigned char               *zout;
    z_stream                     zs;
    SSL_CTX                     *ssl_ctx;
    SSL_SESSION                 *session;      /* -S: the latest */
    char                         tls_version[32];
    char                         tls_cipher[64];

    /* clocks */
    int64_t                      now;
    double                       now_real_ms;
    int64_t                      start;
    int64_t                      all_up;
    int64_t                      run_end;
    int64_t                      close_start;
    int64_t                      close_end;
    int64_t                      hard_deadline;
    int64_t                      next_sample;
    int64_t                      next_progress;
    int64_t                      next_hs_check;
    int64_t                      next_drain_check;

    /* counters */
    int                          opened;
    int                          handshaking;
    int                          live;
    int                          closing;
    int                          established;
    int                          failed;
    uint64_t                     reasons[NGX_F1_REPLAY_LOAD_NREASONS];
    uint64_t                     errnos[NGX_F1_REPLAY_LOAD_NERRNO];
    uint64_t                     status[NGX_F1_REPLAY_LOAD_NSTATUS];
    uint64_t                     codes[NGX_F1_REPLAY_LOAD_NCODES];
    uint64_t                     reply_codes[NGX_F1_REPLAY_LOAD_NCODES];
    uint64_t                     types[NGX_F1_REPLAY_LOAD_NTYPES];
    uint64_t                     pings;
    uint64_t                     pongs;
    uint64_t                     drains;
    uint64_t                     tls_handshakes;
    uint64_t                     tls_resumed;
    uint64_t                     tls_errors;
    uint64_t                     bytes;
    uint64_t                     messages;
    uint64_t                     max_msg;
    uint64_t                     sent_messages;
    uint64_t                     compact;
    uint64_t                     payload;
    uint64_t                     frame_wire;
    uint64_t                     frame_payload;
    uint64_t                     deflate_conns;
    uint64_t                     z_messages;
    uint64_t                     z_wire;
    uint64_t                     z_inflated;
    uint64_t                     z_errors;
    uint64_t                     late_negative;
    double                       late_min;
    uint64_t                     prog_bytes;
    uint64_t                     prog_messages;

    ngx_f1_replay_load_hist_t    jitter;
    ngx_f1_replay_load_hist_t    late;
    ngx_f1_replay_load_hist_t    spread;
} ngx_f1_replay_load_t;


static int ngx_f1_replay_load_options(int argc, char **argv);
static int ngx_f1_replay_load_parse_url(const char *url);
static int ngx_f1_replay_load_number(const char *s, double min, double max,
    double *v);
static int ngx_f1_replay_load_nofile(int n);
static void ngx_f1_replay_load_signal(int signo);
static void ngx_f1_replay_load_clock(void);
static int64_t ngx_f1_replay_load_next_timer(void);
static void ngx_f1_replay_load_ramp_step(void);
static void ngx_f1_replay_load_phase_step(void);
static void ngx_f1_replay_load_timers(void);
static void ngx_f1_replay_load_close_all(void);
static void ngx_f1_replay_load_abort_all(void);
static void ngx_f1_replay_load_sample(void);
static void ngx_f1_replay_load_progress(void);
static void ngx_f1_replay_load_connect(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_connected(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_event(ngx_f1_replay_load_conn_t *c,
    uint32_t events);
static int ngx_f1_replay_load_tls_init(void);
static int ngx_f1_replay_load_tls_new_session(SSL *ssl, SSL_SESSION *sess);
static void ngx_f1_replay_load_tls_start(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_tls_handshake(ngx_f1_replay_load_conn_t *c);
static ssize_t ngx_f1_replay_load_recv(ngx_f1_replay_load_conn_t *c,
    unsigned char *buf, size_t size);
static ssize_t ngx_f1_replay_load_write(ngx_f1_replay_load_conn_t *c,
    const unsigned char *data, size_t len);
static int ngx_f1_replay_load_read(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_drain(ngx_f1_replay_load_conn_t *c);
static int ngx_f1_replay_load_handshake(ngx_f1_replay_load_conn_t *c,
    size_t *hdr_end);
static int ngx_f1_replay_load_check_headers(ngx_f1_replay_load_conn_t *c,
    char *p);
static int ngx_f1_replay_load_check_deflate(char *value);
static int ngx_f1_replay_load_has_token(const char *list,
    const char *token);
static int ngx_f1_replay_load_make_key(ngx_f1_replay_load_conn_t *c,
    char *key);
static void ngx_f1_replay_load_frames(ngx_f1_replay_load_conn_t *c,
    unsigned char *p, size_t len);
static size_t ngx_f1_replay_load_header_size(ngx_f1_replay_load_conn_t *c);
static int ngx_f1_replay_load_header(ngx_f1_replay_load_conn_t *c);
static int ngx_f1_replay_load_frame_end(ngx_f1_replay_load_conn_t *c);
static int ngx_f1_replay_load_control(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_message_start(ngx_f1_replay_load_conn_t *c);
static int ngx_f1_replay_load_message_data(ngx_f1_replay_load_conn_t *c,
    unsigned char *p, size_t len);
static void ngx_f1_replay_load_message_text(ngx_f1_replay_load_conn_t *c,
    unsigned char *p, size_t len);
static int ngx_f1_replay_load_inflate(ngx_f1_replay_load_conn_t *c);
static int ngx_f1_replay_load_message_end(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_set_step(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_record(ngx_f1_replay_load_conn_t *c);
static size_t ngx_f1_replay_load_mask_frame(unsigned char *frame, int op,
    const unsigned char *payload, size_t len);
static int ngx_f1_replay_load_send_frame(ngx_f1_replay_load_conn_t *c,
    int op, const unsigned char *payload, size_t len);
static int ngx_f1_replay_load_send(ngx_f1_replay_load_conn_t *c,
    const unsigned char *data, size_t len);
static void ngx_f1_replay_load_flush(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_want_out(ngx_f1_replay_load_conn_t *c,
    int on);
static int ngx_f1_replay_load_interest(ngx_f1_replay_load_conn_t *c,
    int out, int paused);
static void ngx_f1_replay_load_protocol_error(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_lost(ngx_f1_replay_load_conn_t *c, int eof);
static void ngx_f1_replay_load_start_close(ngx_f1_replay_load_conn_t *c);
static void ngx_f1_replay_load_end(ngx_f1_replay_load_conn_t *c,
    int reason);
static void ngx_f1_replay_load_count_errno(int err);
static int ngx_f1_replay_load_json_more(ngx_f1_replay_load_conn_t *c);
static int ngx_f1_replay_load_json_null(void *ctx);
static int ngx_f1_replay_load_json_boolean(void *ctx, int v);
static int ngx_f1_replay_load_json_number(void *ctx, const char *s,
    size_t len);
static int ngx_f1_replay_load_json_string(void *ctx,
    const unsigned char *s, size_t len);
static int ngx_f1_replay_load_json_start(void *ctx);
static int ngx_f1_replay_load_json_key(void *ctx, const unsigned char *s,
    size_t len);
static int ngx_f1_replay_load_json_end(void *ctx);
static void ngx_f1_replay_load_hist_add(ngx_f1_replay_load_hist_t *h,
    uint64_t v);
static double ngx_f1_replay_load_hist_pct(ngx_f1_replay_load_hist_t *h,
    double p);
static int ngx_f1_replay_load_cmp_double(const void *a, const void *b);
static double ngx_f1_replay_load_pct(double *v, size_t n, double p);
static long ngx_f1_replay_load_status_kb(const char *name);
static void ngx_f1_replay_load_codes(FILE *f, const uint64_t *codes,
    const char *sep, const char *none);
static int ngx_f1_replay_load_report(void);


static const char  *ngx_f1_replay_load_reasons[] = {
    "socket error",
    "connect error",
    "handshake timeout",
    "HTTP status not 101",
    "bad handshake headers",
    "closed during handshake",
    "aborted during handshake",
    "server close frame",
    "server EOF without close frame",
    "connection reset",
    "server protocol error",
    "clean close",
    "close reply lost (EOF/reset)",
    "close reply timeout",
    "aborted while open",
    "TLS handshake error"
};


static const char  *ngx_f1_replay_load_types[] = {
    "frame", "hello", "state", "predictions", "event", "clock", "error",
    "subscribed", "other", "untyped", "binary", "bad_json", "bad_frame"
};


static yajl_callbacks  ngx_f1_replay_load_callbacks = {
    ngx_f1_replay_load_json_null,
    ngx_f1_replay_load_json_boolean,
    NULL,
    NULL,
    ngx_f1_replay_load_json_number,
    ngx_f1_replay_load_json_string,
    ngx_f1_replay_load_json_start,
    ngx_f1_replay_load_json_key,
    ngx_f1_replay_load_json_end,
    ngx_f1_replay_load_json_start,
    ngx_f1_replay_load_json_end
};


static ngx_f1_replay_load_t           ngx_f1_replay_load;
static volatile sig_atomic_t          ngx_f1_replay_load_interrupted;


int
main(int argc, char **argv)
{
    int                          i, n, rc;
    int64_t                      next, wait;
    struct sigaction             sa;
    struct epoll_event           events[NGX_F1_REPLAY_LOAD_EVENTS];
    ngx_f1_replay_load_t        *ld;
    ngx_f1_replay_load_conn_t   *c;

    ld = &ngx_f1_replay_load;

    rc = ngx_f1_replay_load_options(argc, argv);
    if (rc != 0) {
        return rc;
    }

    if (ngx_f1_replay_load_nofile(ld->n) != 0) {
        return 1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = ngx_f1_replay_load_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    ld->conns = calloc(ld->n, sizeof(ngx_f1_replay_load_conn_t));
    if (ld->conns == NULL) {
        fprintf(stderr, "f1-replay-load: out of memory\n");
        return 1;
    }

    ld->buf = malloc(NGX_F1_REPLAY_LOAD_RECV_SIZE);
    if (ld->buf == NULL) {
        fprintf(stderr, "f1-replay-load: out of memory\n");
        free(ld->conns);
        return 1;
    }

    if (ld->deflate) {
        ld->zout = malloc(NGX_F1_REPLAY_LOAD_ZOUT_SIZE);

        /* raw inflate, the largest window: any server window fits */

        if (ld->zout == NULL
            || inflateInit2(&ld->zs, -MAX_WBITS) != Z_OK)
        {
            fprintf(stderr, "f1-replay-load: cannot set up inflate\n");
            free(ld->zout);
            free(ld->buf);
            free(ld->conns);
            return 1;
        }
    }

    if (ld->tls && ngx_f1_replay_load_tls_init() != 0) {
        if (ld->deflate) {
            inflateEnd(&ld->zs);
        }

        free(ld->zout);
        free(ld->buf);
        free(ld->conns);
        return 1;
    }

    for (i = 0; i < ld->n; i++) {
        ld->conns[i].fd = -1;
    }

    ld->ep = epoll_create1(EPOLL_CLOEXEC);
    if (ld->ep == -1) {
        perror("f1-replay-load: epoll_create1");

        if (ld->deflate) {
            inflateEnd(&ld->zs);
        }

        free(ld->zout);
        free(ld->buf);
        free(ld->conns);
        return 1;
    }

    ngx_f1_replay_load_clock();

    ld->start = ld->now;
    ld->late_min = 1e300;
    ld->phase = NGX_F1_REPLAY_LOAD_RAMP;
    ld->next_progress = ld->now + NGX_F1_REPLAY_LOAD_SEC;
    ld->hard_deadline = ld->start
                       + (int64_t) ((double) ld->n / ld->ramp
                                    * NGX_F1_REPLAY_LOAD_SEC)
                       + NGX_F1_REPLAY_LOAD_HS_TIMEOUT
                       + (int64_t) (ld->seconds * NGX_F1_REPLAY_LOAD_SEC)
                       + NGX_F1_REPLAY_LOAD_CLOSE_WAIT
                       + NGX_F1_REPLAY_LOAD_SLACK;

    if (!ld->quiet) {
        fprintf(stderr, "f1-replay-load: %d connection(s) to %s:%d%s, "
                "ramp %d/s, %.1f s after the last is up%s%s\n",
                ld->n, ld->host, ld->port, ld->path, ld->ramp, ld->seconds,
                ld->deflate ? ", offering permessage-deflate" : "",
                ld->message == NULL ? ""
                : ld->same_write ? ", sending -m with the handshake"
                : ", sending -m after the handshake");

        if (ld->delays) {
            fprintf(stderr, "f1-replay-load: delays 0..%d s (connection "
                    "i: i mod %d)\n", ld->delays - 1, ld->delays);
        }

        if (ld->drain > 0) {
            fprintf(stderr, "f1-replay-load: reading once every %.2f s\n",
                    ld->drain);
        }

        if (ld->rcvbuf) {
            fprintf(stderr, "f1-replay-load: SO_RCVBUF %d\n", ld->rcvbuf);
        }

        if (ld->tls) {
            fprintf(stderr, "f1-replay-load: TLS, certificate not "
                    "verified, SNI localhost%s\n",
                    ld->tls_reuse ? ", sessions reused" : "");
        }
    }

    while (ld->phase != NGX_F1_REPLAY_LOAD_END) {

        ngx_f1_replay_load_clock();

        if (ld->now >= ld->hard_deadline) {
            fprintf(stderr, "f1-replay-load: global deadline reached, "
                    "aborting\n");
            ld->deadline_hit = 1;
            ngx_f1_replay_load_abort_all();
            break;
        }

        if (ngx_f1_replay_load_interrupted > 1) {
            ngx_f1_replay_load_abort_all();
            break;
        }

        ngx_f1_replay_load_ramp_step();
        ngx_f1_replay_load_timers();
        ngx_f1_replay_load_phase_step();

        if (ld->phase == NGX_F1_REPLAY_LOAD_END) {
            break;
        }

        next = ngx_f1_replay_load_next_timer();
        wait = next - ld->now;
        wait = wait <= 0 ? 0 : (wait + NGX_F1_REPLAY_LOAD_MS - 1)
                               / NGX_F1_REPLAY_LOAD_MS;
        if (wait > 100) {
            wait = 100;
        }

        n = epoll_wait(ld->ep, events, NGX_F1_REPLAY_LOAD_EVENTS, (int) wait);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            perror("f1-replay-load: epoll_wait");
            ngx_f1_replay_load_abort_all();
            break;
        }

        for (i = 0; i < n; i++) {
            c = events[i].data.ptr;
            ngx_f1_replay_load_event(c, events[i].events);
        }
    }

    ngx_f1_replay_load_clock();

    rc = ngx_f1_replay_load_report();

    close(ld->ep);

    if (ld->session) {
        SSL_SESSION_free(ld->session);
    }

    if (ld->ssl_ctx) {
        SSL_CTX_free(ld->ssl_ctx);
    }

    if (ld->deflate) {
        inflateEnd(&ld->zs);
    }

    free(ld->zout);
    free(ld->buf);
    free(ld->conns);

    return rc;
}


static int
ngx_f1_replay_load_options(int argc, char **argv)
{
    int                    ch;
    double                 v;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    ld->n = 1;
    ld->seconds = 10;
    ld->ramp = NGX_F1_REPLAY_LOAD_DEF_RAMP;

    while ((ch = getopt(argc, argv, "n:t:r:m:Mzd:D:b:Sqh")) != -1) {
        switch (ch) {

        case 'n':
            if (ngx_f1_replay_load_number(optarg, 1,
                                          NGX_F1_REPLAY_LOAD_MAX_CONNS, &v)
                != 0 || v != (int) v)
            {
                fprintf(stderr, "f1-replay-load: invalid -n \"%s\": "
                        "1..%d connections\n", optarg,
                        NGX_F1_REPLAY_LOAD_MAX_CONNS);
                return 2;
            }

            ld->n = (int) v;
            break;

        case 't':
            if (ngx_f1_replay_load_number(optarg, 0,
                                          NGX_F1_REPLAY_LOAD_MAX_SECONDS, &v)
                != 0)
            {
                fprintf(stderr, "f1-replay-load: invalid -t \"%s\": "
                        "0..%d seconds\n", optarg,
                        NGX_F1_REPLAY_LOAD_MAX_SECONDS);
                return 2;
            }

            ld->seconds = v;
            break;

        case 'r':
            if (ngx_f1_replay_load_number(optarg, 1,
                                          NGX_F1_REPLAY_LOAD_MAX_RAMP, &v)
                != 0 || v != (int) v)
            {
                fprintf(stderr, "f1-replay-load: invalid -r \"%s\": "
                        "1..%d connections per second\n", optarg,
                        NGX_F1_REPLAY_LOAD_MAX_RAMP);
                return 2;
            }

            ld->ramp = (int) v;
            break;

        case 'm':
            ld->message = optarg;
            ld->message_len = strlen(optarg);

            if (ld->message_len > NGX_F1_REPLAY_LOAD_MSG_MAX) {
                fprintf(stderr, "f1-replay-load: -m message too long: "
                        "%zu bytes, at most %d\n", ld->message_len,
                        NGX_F1_REPLAY_LOAD_MSG_MAX);
                return 2;
            }

            break;

        case 'M':
            ld->same_write = 1;
            break;

        case 'z':
            ld->deflate = 1;
            break;

        case 'd':
            if (ngx_f1_replay_load_number(optarg, 1,
                                          NGX_F1_REPLAY_LOAD_MAX_DELAYS, &v)
                != 0 || v != (int) v)
            {
                fprintf(stderr, "f1-replay-load: invalid -d \"%s\": "
                        "1..%d delays\n", optarg,
                        NGX_F1_REPLAY_LOAD_MAX_DELAYS);
                return 2;
            }

            ld->delays = (int) v;
            break;

        case 'D':
            if (ngx_f1_replay_load_number(optarg,
                                          NGX_F1_REPLAY_LOAD_DRAIN_MIN,
                                          NGX_F1_REPLAY_LOAD_MAX_SECONDS, &v)
                != 0)
            {
                fprintf(stderr, "f1-replay-load: invalid -D \"%s\": "
                        "%.2f..%d seconds\n", optarg,
                        NGX_F1_REPLAY_LOAD_DRAIN_MIN,
                        NGX_F1_REPLAY_LOAD_MAX_SECONDS);
                return 2;
            }

            ld->drain = v;
            break;

        case 'b':
            if (ngx_f1_replay_load_number(optarg,
                                          NGX_F1_REPLAY_LOAD_MIN_RCVBUF,
                                          NGX_F1_REPLAY_LOAD_MAX_RCVBUF, &v)
                != 0 || v != (int) v)
            {
                fprintf(stderr, "f1-replay-load: invalid -b \"%s\": "
                        "%d..%d bytes\n", optarg,
                        NGX_F1_REPLAY_LOAD_MIN_RCVBUF,
                        NGX_F1_REPLAY_LOAD_MAX_RCVBUF);
                return 2;
            }

            ld->rcvbuf = (int) v;
            break;

        case 'S':
            ld->tls_reuse = 1;
            break;

        case 'q':
            ld->quiet = 1;
            break;

        default:
            goto usage;
        }
    }

    if (optind != argc - 1) {
        goto usage;
    }

    if (ld->same_write && ld->message == NULL) {
        fprintf(stderr, "f1-replay-load: -M needs -m\n");
        return 2;
    }

    if (ld->drain > 0 && ld->rcvbuf == 0) {
        ld->rcvbuf = NGX_F1_REPLAY_LOAD_DRAIN_RCVBUF;
    }

    ld->url = argv[optind];

    if (ngx_f1_replay_load_parse_url(ld->url) != 0) {
        return 2;
    }

    if (ld->tls_reuse && !ld->tls) {
        fprintf(stderr, "f1-replay-load: -S needs a wss:// URL\n");
        return 2;
    }

    return 0;

usage:

    fprintf(stderr,
            "usage: f1-replay-load [-n CONNECTIONS] [-t SECONDS] "
            "[-r RAMP_PER_SEC]\n"
            "                      [-m TEXT [-M]] [-z] [-d DELAYS] "
            "[-D SECONDS] [-b BYTES]\n"
            "                      [-S] [-q] ws[s]://127.0.0.1:PORT/PATH\n"
            "  -n  connections to open (1..%d, default 1)\n"
            "  -t  seconds to stay connected after the last connection is "
            "up\n"
            "      (0..%d, default 10)\n"
            "  -r  new connections per second (1..%d, default %d)\n"
            "  -m  a text message to send on each connection after the "
            "handshake,\n"
            "      e.g. '{\"type\":\"subscribe\",\"format\":\"compact\"}' "
            "(at most %d bytes)\n"
            "  -M  send the -m message in the same write as the handshake "
            "request\n"
            "      instead of after reading the 101\n"
            "  -z  offer permessage-deflate (no context takeover) and "
            "inflate\n"
            "      compressed messages; byte counts stay wire bytes\n"
            "  -d  connection i asks for ?delay=(i mod DELAYS) seconds: "
            "DELAYS\n"
            "      distinct subscriptions (1..%d)\n"
            "  -D  read only once every SECONDS (%.2f..%d): a slow client; "
            "SO_RCVBUF\n"
            "      %d unless -b\n"
            "  -b  SO_RCVBUF of every connection, bytes (%d..%d)\n"
            "  -S  wss: reuse TLS sessions (the latest one received)\n"
            "  -q  no progress lines on stderr\n"
            "  loopback targets only: localhost or 127.0.0.0/8; wss:// "
            "does not verify\n"
            "  the certificate (SNI localhost)\n",
            NGX_F1_REPLAY_LOAD_MAX_CONNS, NGX_F1_REPLAY_LOAD_MAX_SECONDS,
            NGX_F1_REPLAY_LOAD_MAX_RAMP, NGX_F1_REPLAY_LOAD_DEF_RAMP,
            NGX_F1_REPLAY_LOAD_MSG_MAX, NGX_F1_REPLAY_LOAD_MAX_DELAYS,
            NGX_F1_REPLAY_LOAD_DRAIN_MIN, NGX_F1_REPLAY_LOAD_MAX_SECONDS,
            NGX_F1_REPLAY_LOAD_DRAIN_RCVBUF, NGX_F1_REPLAY_LOAD_MIN_RCVBUF,
            NGX_F1_REPLAY_LOAD_MAX_RCVBUF);

    return 2;
}


static int
ngx_f1_replay_load_parse_url(const char *url)
{
    long                   port;
    char                  *end;
    size_t                 len;
    const char            *p, *h, *q;
    struct in_addr         in;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    if (strncasecmp(url, "ws://", 5) == 0) {
        h = url + 5;

    } else if (strncasecmp(url, "wss://", 6) == 0) {
        h = url + 6;
        ld->tls = 1;

    } else {
        fprintf(stderr, "f1-replay-load: invalid URL \"%s\": "
                "expected ws://HOST:PORT/PATH or wss://HOST:PORT/PATH\n",
                url);
        return 2;
    }

    p = h;

    if (*p == '[') {
        /* an IPv6 literal: refused below, but name it whole */
        while (*p != '\0' && *p != ']') {
            p++;
        }

        if (*p == ']') {
            p++;
        }
    }

    while (*p != '\0' && *p != ':' && *p != '/') {
        p++;
    }

    len = p - h;
    if (len == 0 || len >= sizeof(ld->host)) {
        fprintf(stderr, "f1-replay-load: invalid host in \"%s\"\n", url);
        return 2;
    }

    memcpy(ld->host, h, len);
    ld->host[len] = '\0';

    /* loopback only: no name resolution, only these two forms */

    if (strcasecmp(ld->host, "localhost") == 0) {
        in.s_addr = htonl(INADDR_LOOPBACK);

    } else if (inet_pton(AF_INET, ld->host, &in) != 1
               || (ntohl(in.s_addr) >> 24) != 127)
    {
        fprintf(stderr, "f1-replay-load: refusing host \"%s\": only "
                "localhost and 127.0.0.0/8 are allowed\n", ld->host);
        return 2;
    }

    ld->port = ld->tls ? 443 : 80;

    if (*p == ':') {
        errno = 0;
        port = strtol(p + 1, &end, 10);
        if (errno != 0 || end == p + 1 || port < 1 || port > 65535
            || (*end != '\0' && *end != '/'))
        {
            fprintf(stderr, "f1-replay-load: invalid port in \"%s\"\n", url);
            return 2;
        }

        ld->port = (int) port;
        p = end;
    }

    if (*p == '\0') {
        p = "/";
    }

    len = strlen(p);
    if (len >= sizeof(ld->path)) {
        fprintf(stderr, "f1-replay-load: path too long in \"%s\"\n", url);
        return 2;
    }

    for (q = p; *q != '\0'; q++) {
        if ((unsigned char) *q <= 0x20 || *q == 0x7f || *q == '#') {
            fprintf(stderr, "f1-replay-load: invalid character in path "
                    "\"%s\"\n", p);
            return 2;
        }
    }

    memcpy(ld->path, p, len + 1);

    ld->addr.sin_family = AF_INET;
    ld->addr.sin_port = htons((uint16_t) ld->port);
    ld->addr.sin_addr = in;

    return 0;
}


static int
ngx_f1_replay_load_number(const char *s, double min, double max, double *v)
{
    char  *end;

    errno = 0;
    *v = strtod(s, &end);

    if (errno != 0 || end == s || *end != '\0' || !(*v >= min)
        || !(*v <= max))
    {
        return -1;
    }

    return 0;
}


static int
ngx_f1_replay_load_nofile(int n)
{
    rlim_t         need;
    struct rlimit  rl;

    need = (rlim_t) n + NGX_F1_REPLAY_LOAD_FDS_SPARE;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("f1-replay-load: getrlimit(RLIMIT_NOFILE)");
        return -1;
    }

    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need) {
        return 0;
    }

    if (rl.rlim_cur == RLIM_INFINITY) {
        return 0;
    }

    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        rl.rlim_max = need;
    }

    rl.rlim_cur = need;

    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
        return 0;
    }

    /* not allowed to raise the hard limit: take what it allows */

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY
        && rl.rlim_max < need)
    {
        fprintf(stderr, "f1-replay-load: %d connections need %lu file "
                "descriptors, but RLIMIT_NOFILE hard limit is %lu "
                "(raise it with ulimit -Hn or run with fewer connections)\n",
                n, (unsigned long) need, (unsigned long) rl.rlim_max);
        return -1;
    }

    rl.rlim_cur = need;

    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("f1-replay-load: setrlimit(RLIMIT_NOFILE)");
        return -1;
    }

    return 0;
}


static void
ngx_f1_replay_load_signal(int signo)
{
    (void) signo;

    ngx_f1_replay_load_interrupted++;
}


static void
ngx_f1_replay_load_clock(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ngx_f1_replay_load.now = ts.tv_sec * NGX_F1_REPLAY_LOAD_SEC + ts.tv_nsec;

    clock_gettime(CLOCK_REALTIME, &ts);
    ngx_f1_replay_load.now_real_ms = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


static int64_t
ngx_f1_replay_load_next_timer(void)
{
    int64_t                next, t;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    next = ld->now + 100 * NGX_F1_REPLAY_LOAD_MS;

    if (ld->phase == NGX_F1_REPLAY_LOAD_RAMP && ld->opened < ld->n
        && !ld->gave_up)
    {
        t = ld->start + (int64_t) ((double) ld->opened / ld->ramp
                                  * NGX_F1_REPLAY_LOAD_SEC);
        if (t < next) {
            next = t;
        }
    }

    if (ld->phase == NGX_F1_REPLAY_LOAD_RUN) {
        if (ld->next_sample < next) {
            next = ld->next_sample;
        }

        if (ld->run_end < next) {
            next = ld->run_end;
        }
    }

    if (ld->phase == NGX_F1_REPLAY_LOAD_CLOSE && ld->close_end < next) {
        next = ld->close_end;
    }

    if (ld->drain > 0 && ld->phase <= NGX_F1_REPLAY_LOAD_RUN
        && ld->next_drain_check < next)
    {
        next = ld->next_drain_check;
    }

    if (!ld->quiet && ld->next_progress < next) {
        next = ld->next_progress;
    }

    if (ld->hard_deadline < next) {
        next = ld->hard_deadline;
    }

    return next;
}


static void
ngx_f1_replay_load_ramp_step(void)
{
    int                    batch;
    int64_t                target;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    if (ld->phase != NGX_F1_REPLAY_LOAD_RAMP || ld->gave_up) {
        return;
    }

    if (ngx_f1_replay_load_interrupted) {
        ld->gave_up = 1;
        return;
    }

    target = (int64_t) ((double) (ld->now - ld->start) * ld->ramp
                        / NGX_F1_REPLAY_LOAD_SEC) + 1;
    if (target > ld->n) {
        target = ld->n;
    }

    for (batch = 0;
         ld->opened < target && batch < NGX_F1_REPLAY_LOAD_BATCH;
         batch++)
    {
        if (ld->established == 0
            && ld->failed >= NGX_F1_REPLAY_LOAD_GIVE_UP)
        {
            fprintf(stderr, "f1-replay-load: the first %d connections "
                    "failed, giving up\n", ld->failed);
            ld->gave_up = 1;
            return;
        }

        ngx_f1_replay_load_connect(&ld->conns[ld->opened++]);
    }
}


static void
ngx_f1_replay_load_phase_step(void)
{
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    switch (ld->phase) {

    case NGX_F1_REPLAY_LOAD_RAMP:
        if (!ngx_f1_replay_load_interrupted
            && ((ld->opened < ld->n && !ld->gave_up) || ld->handshaking > 0))
        {
            return;
        }

        ld->all_up = ld->now;
        ld->run_end = ld->now + (int64_t) (ld->seconds
                                         * NGX_F1_REPLAY_LOAD_SEC);
        ld->next_sample = ld->now + NGX_F1_REPLAY_LOAD_SAMPLE_NS;
        ld->phase = NGX_F1_REPLAY_LOAD_RUN;

        if (!ld->quiet) {
            fprintf(stderr, "f1-replay-load: %d of %d up after %.2f s\n",
                    ld->established, ld->n,
                    (double) (ld->now - ld->start) / NGX_F1_REPLAY_LOAD_SEC);
        }

        /* fall through */

    case NGX_F1_REPLAY_LOAD_RUN:
        if (ld->now < ld->run_end && ld->live > 0
            && !ngx_f1_replay_load_interrupted)
        {
            return;
        }

        ld->close_start = ld->now;
        ld->close_end = ld->now + NGX_F1_REPLAY_LOAD_CLOSE_WAIT;
        ld->phase = NGX_F1_REPLAY_LOAD_CLOSE;
        ngx_f1_replay_load_close_all();

        /* fall through */

    case NGX_F1_REPLAY_LOAD_CLOSE:
        if (ld->closing > 0 && ld->now < ld->close_end) {
            return;
        }

        ngx_f1_replay_load_abort_all();
        ld->phase = NGX_F1_REPLAY_LOAD_END;
        return;

    default:
        return;
    }
}


static void
ngx_f1_replay_load_timers(void)
{
    int                         i;
    ngx_f1_replay_load_t       *ld;
    ngx_f1_replay_load_conn_t  *c;

    ld = &ngx_f1_replay_load;

    if (ld->handshaking > 0 && ld->now >= ld->next_hs_check) {
        ld->next_hs_check = ld->now + NGX_F1_REPLAY_LOAD_SAMPLE_NS;

        for (i = 0; i < ld->opened; i++) {
            c = &ld->conns[i];

            if ((c->state == NGX_F1_REPLAY_LOAD_CONNECTING
                 || c->state == NGX_F1_REPLAY_LOAD_TLS
                 || c->state == NGX_F1_REPLAY_LOAD_HANDSHAKE)
                && c->deadline <= ld->now)
            {
                ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_TIMEOUT);
            }
        }
    }

    if (ld->drain > 0 && ld->phase <= NGX_F1_REPLAY_LOAD_RUN
        && ld->now >= ld->next_drain_check)
    {
        ld->next_drain_check = ld->now + NGX_F1_REPLAY_LOAD_DRAIN_CHECK;

        for (i = 0; i < ld->opened; i++) {
            c = &ld->conns[i];

            if (c->state == NGX_F1_REPLAY_LOAD_OPEN && c->paused
                && c->next_drain <= ld->now)
            {
                ngx_f1_replay_load_drain(c);
            }
        }
    }

    if (ld->phase == NGX_F1_REPLAY_LOAD_RUN && ld->now >= ld->next_sample) {
        ngx_f1_replay_load_sample();

        while (ld->next_sample <= ld->now) {
            ld->next_sample += NGX_F1_REPLAY_LOAD_SAMPLE_NS;
        }
    }

    if (!ld->quiet && ld->now >= ld->next_progress) {
        ngx_f1_replay_load_progress();

        while (ld->next_progress <= ld->now) {
            ld->next_progress += NGX_F1_REPLAY_LOAD_SEC;
        }
    }
}


static void
ngx_f1_replay_load_close_all(void)
{
    int                     i;
    ngx_f1_replay_load_t   *ld;

    ld = &ngx_f1_replay_load;

    for (i = 0; i < ld->opened; i++) {
        switch (ld->conns[i].state) {

        case NGX_F1_REPLAY_LOAD_CONNECTING:
        case NGX_F1_REPLAY_LOAD_TLS:
        case NGX_F1_REPLAY_LOAD_HANDSHAKE:
            ngx_f1_replay_load_end(&ld->conns[i],
                                   NGX_F1_REPLAY_LOAD_FAIL_ABORT);
            break;

        case NGX_F1_REPLAY_LOAD_OPEN:
            ngx_f1_replay_load_start_close(&ld->conns[i]);
            break;

        default:
            break;
        }
    }
}


static void
ngx_f1_replay_load_abort_all(void)
{
    int                         i;
    ngx_f1_replay_load_t       *ld;
    ngx_f1_replay_load_conn_t  *c;

    ld = &ngx_f1_replay_load;

    for (i = 0; i < ld->opened; i++) {
        c = &ld->conns[i];

        switch (c->state) {

        case NGX_F1_REPLAY_LOAD_CONNECTING:
        case NGX_F1_REPLAY_LOAD_TLS:
        case NGX_F1_REPLAY_LOAD_HANDSHAKE:
            ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_ABORT);
            break;

        case NGX_F1_REPLAY_LOAD_OPEN:
            ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_END_ABORT);
            break;

        case NGX_F1_REPLAY_LOAD_CLOSING:
            ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_END_TIMEOUT);
            break;

        default:
            break;
        }
    }
}


static void
ngx_f1_replay_load_sample(void)
{
    int                         i, have;
    int64_t                     min, max;
    ngx_f1_replay_load_t       *ld;
    ngx_f1_replay_load_conn_t  *c;

    ld = &ngx_f1_replay_load;

    have = 0;
    min = 0;
    max = 0;

    for (i = 0; i < ld->opened; i++) {
        c = &ld->conns[i];

        if (c->state != NGX_F1_REPLAY_LOAD_OPEN || !c->have_tick) {
            continue;
        }

        if (!have || c->last_tick < min) {
            min = c->last_tick;
        }

        if (!have || c->last_tick > max) {
            max = c->last_tick;
        }

        have++;
    }

    if (have > 0) {
        ngx_f1_replay_load_hist_add(&ld->spread, (uint64_t) (max - min));
    }
}


static void
ngx_f1_replay_load_progress(void)
{
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    fprintf(stderr, "[%6.1fs] opened %d/%d up %d handshaking %d failed %d "
            "live %d closing %d | msg/s %llu MB/s %.1f\n",
            (double) (ld->now - ld->start) / NGX_F1_REPLAY_LOAD_SEC,
            ld->opened, ld->n, ld->established, ld->handshaking, ld->failed,
            ld->live, ld->closing,
            (unsigned long long) (ld->messages - ld->prog_messages),
            (double) (ld->bytes - ld->prog_bytes) / 1e6);

    ld->prog_messages = ld->messages;
    ld->prog_bytes = ld->bytes;
}


static void
ngx_f1_replay_load_connect(ngx_f1_replay_load_conn_t *c)
{
    int                    fd, one, err;
    struct epoll_event     ev;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        ngx_f1_replay_load_count_errno(errno);
        ld->reasons[NGX_F1_REPLAY_LOAD_FAIL_SOCKET]++;
        ld->failed++;
        c->state = NGX_F1_REPLAY_LOAD_DONE;
        return;
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    /* before connect(): the window scale is agreed in the SYN */

    if (ld->rcvbuf
        && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &ld->rcvbuf,
                      sizeof(ld->rcvbuf))
           != 0)
    {
        ngx_f1_replay_load_count_errno(errno);
    }

    c->fd = fd;
    c->state = NGX_F1_REPLAY_LOAD_CONNECTING;
    c->deadline = ld->now + NGX_F1_REPLAY_LOAD_HS_TIMEOUT;
    ld->handshaking++;

    ev.events = EPOLLOUT;
    ev.data.ptr = c;

    if (epoll_ctl(ld->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ngx_f1_replay_load_count_errno(errno);
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_SOCKET);
        return;
    }

    if (connect(fd, (struct sockaddr *) &ld->addr, sizeof(ld->addr)) == 0) {
        ngx_f1_replay_load_connected(c);
        return;
    }

    err = errno;

    if (err != EINPROGRESS && err != EINTR) {
        ngx_f1_replay_load_count_errno(err);
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_CONNECT);
    }
}


static void
ngx_f1_replay_load_connected(ngx_f1_replay_load_conn_t *c)
{
    int                    len;
    char                   key[32];
    char                   path[sizeof(ngx_f1_replay_load.path) + 32];
    ngx_f1_replay_load_t  *ld;

    /* the request, and with -M the -m frame after it */
    char                   req[NGX_F1_REPLAY_LOAD_HS_MAX + 14
                               + NGX_F1_REPLAY_LOAD_MSG_MAX];

    ld = &ngx_f1_replay_load;

    c->state = NGX_F1_REPLAY_LOAD_HANDSHAKE;
    c->want_out = 1;
    ngx_f1_replay_load_want_out(c, 0);

    if (ngx_f1_replay_load_make_key(c, key) != 0) {
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_SOCKET);
        return;
    }

    if (ld->delays) {
        snprintf(path, sizeof(path), "%s%cdelay=%d", ld->path,
                 strchr(ld->path, '?') ? '&' : '?',
                 (int) (c - ld->conns) % ld->delays);

    } else {
        memcpy(path, ld->path, strlen(ld->path) + 1);
    }

    len = snprintf(req, sizeof(req),
                   "GET %s HTTP/1.1\r\n"
                   "Host: %s:%d\r\n"
                   "Upgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\n"
                   "Sec-WebSocket-Version: 13\r\n"
                   "%s"
                   "User-Agent: f1-replay-load\r\n"
                   "\r\n",
                   path, ld->host, ld->port, key,
                   ld->deflate ? "Sec-WebSocket-Extensions: permessage-deflate"
                                 "; client_no_context_takeover"
                                 "; server_no_context_takeover\r\n"
                               : "");

    if (len < 0 || (size_t) len >= NGX_F1_REPLAY_LOAD_HS_MAX) {
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_SOCKET);
        return;
    }

    if (ld->message != NULL && ld->same_write) {
        len += ngx_f1_replay_load_mask_frame((unsigned char *) req + len,
                                   0x01, (const unsigned char *) ld->message,
                                   ld->message_len);
        ld->sent_messages++;
    }

    (void) ngx_f1_replay_load_send(c, (unsigned char *) req, len);
}


static int
ngx_f1_replay_load_make_key(ngx_f1_replay_load_conn_t *c, char *key)
{
    unsigned int   mdlen;
    unsigned char  raw[16];
    unsigned char  md[EVP_MAX_MD_SIZE];
    char           buf[64];

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t) sizeof(raw)) {
        return -1;
    }

    /* 16 bytes -> 24 base64 characters */
    EVP_EncodeBlock((unsigned char *) key, raw, sizeof(raw));

    memcpy(buf, key, 24);
    memcpy(buf + 24, NGX_F1_REPLAY_LOAD_GUID, 36);

    if (EVP_Digest(buf, 60, md, &mdlen, EVP_sha1(), NULL) != 1
        || mdlen != 20)
    {
        return -1;
    }

    /* 20 bytes -> 28 base64 characters */
    EVP_EncodeBlock((unsigned char *) c->accept, md, 20);

    return 0;
}


static void
ngx_f1_replay_load_event(ngx_f1_replay_load_conn_t *c, uint32_t events)
{
    int        err;
    socklen_t  len;

    if (c->state == NGX_F1_REPLAY_LOAD_DONE) {
        return;
    }

    if (c->state == NGX_F1_REPLAY_LOAD_CONNECTING) {
        err = 0;
        len = sizeof(err);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
            err = errno;
        }

        if (err != 0) {
            ngx_f1_replay_load_count_errno(err);
            ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_CONNECT);
            return;
        }

        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            if (ngx_f1_replay_load.tls) {
                ngx_f1_replay_load_tls_start(c);

            } else {
                ngx_f1_replay_load_connected(c);
            }
        }

        return;
    }

    if (c->state == NGX_F1_REPLAY_LOAD_TLS) {
        ngx_f1_replay_load_tls_handshake(c);
        return;
    }

    if ((events & EPOLLOUT) && c->out_len > 0) {
        ngx_f1_replay_load_flush(c);

        if (c->state == NGX_F1_REPLAY_LOAD_DONE) {
            return;
        }
    }

    if ((events & EPOLLOUT) && c->read_wants_write) {
        c->read_wants_write = 0;

        if (c->out_len == 0) {
            ngx_f1_replay_load_want_out(c, 0);
        }

        events |= EPOLLIN;
    }

    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))) {
        return;
    }

    if (c->ssl == NULL) {
        /* level-triggered: one read a wakeup */
        ngx_f1_replay_load_read(c);
        return;
    }

    /* records OpenSSL has already read wake no epoll: read them all */

    while (ngx_f1_replay_load_read(c) == 1
           && c->state != NGX_F1_REPLAY_LOAD_DONE && !c->paused)
    {
        /* void */
    }

    /* an SSL_write() that wanted a read */

    if (c->state != NGX_F1_REPLAY_LOAD_DONE && c->out_len > 0) {
        ngx_f1_replay_load_flush(c);
    }
}


static int
ngx_f1_replay_load_tls_init(void)
{
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    ld->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (ld->ssl_ctx == NULL) {
        fprintf(stderr, "f1-replay-load: SSL_CTX_new() failed\n");
        ERR_print_errors_fp(stderr);
        return -1;
    }

    /* loopback tests against self-signed certificates: no verification */

    SSL_CTX_set_verify(ld->ssl_ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_min_proto_version(ld->ssl_ctx, TLS1_2_VERSION);

    /* partial writes from a buffer that moves (realloc'ed), small idle */

    SSL_CTX_set_mode(ld->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                                  | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                                  | SSL_MODE_RELEASE_BUFFERS);

    if (ld->tls_reuse) {
        SSL_CTX_set_session_cache_mode(ld->ssl_ctx,
                                       SSL_SESS_CACHE_CLIENT
                                       | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ld->ssl_ctx,
                                ngx_f1_replay_load_tls_new_session);
    }

    return 0;
}


/* -S: the session to offer next; the reference is ours (returns 1) */

static int
ngx_f1_replay_load_tls_new_session(SSL *ssl, SSL_SESSION *sess)
{
    ngx_f1_replay_load_t  *ld;

    (void) ssl;

    ld = &ngx_f1_replay_load;

    if (ld->session) {
        SSL_SESSION_free(ld->session);
    }

    ld->session = sess;

    return 1;
}


static void
ngx_f1_replay_load_tls_start(ngx_f1_replay_load_conn_t *c)
{
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    c->state = NGX_F1_REPLAY_LOAD_TLS;

    c->ssl = SSL_new(ld->ssl_ctx);

    if (c->ssl == NULL
        || SSL_set_fd(c->ssl, c->fd) != 1
        || SSL_set_tlsext_host_name(c->ssl, "localhost") != 1
        || (ld->session && SSL_set_session(c->ssl, ld->session) != 1))
    {
        ld->tls_errors++;
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_TLS);
        return;
    }

    SSL_set_connect_state(c->ssl);

    ngx_f1_replay_load_tls_handshake(c);
}


static void
ngx_f1_replay_load_tls_handshake(ngx_f1_replay_load_conn_t *c)
{
    int                    rc;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    ERR_clear_error();

    rc = SSL_connect(c->ssl);

    if (rc == 1) {
        ld->tls_handshakes++;

        if (SSL_session_reused(c->ssl)) {
            ld->tls_resumed++;
        }

        if (ld->tls_version[0] == '\0') {
            snprintf(ld->tls_version, sizeof(ld->tls_version), "%s",
                     SSL_get_version(c->ssl));
            snprintf(ld->tls_cipher, sizeof(ld->tls_cipher), "%s",
                     SSL_get_cipher_name(c->ssl));
        }

        /* the WebSocket handshake, over TLS */
        ngx_f1_replay_load_connected(c);
        return;
    }

    switch (SSL_get_error(c->ssl, rc)) {

    case SSL_ERROR_WANT_READ:
        (void) ngx_f1_replay_load_interest(c, 0, 0);
        return;

    case SSL_ERROR_WANT_WRITE:
        (void) ngx_f1_replay_load_interest(c, 1, 0);
        return;

    case SSL_ERROR_SYSCALL:
        if (errno != 0) {
            ngx_f1_replay_load_count_errno(errno);
        }

        /* fall through */

    default:
        ld->tls_errors++;
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_TLS);
        return;
    }
}


/*
 * recv() or SSL_read(): bytes read, 0 at the end of the stream, or -1
 * with errno (EAGAIN: nothing now)
 */

static ssize_t
ngx_f1_replay_load_recv(ngx_f1_replay_load_conn_t *c, unsigned char *buf,
    size_t size)
{
    int  n;

    if (c->ssl == NULL) {
        return recv(c->fd, buf, size, 0);
    }

    ERR_clear_error();
    errno = 0;

    n = SSL_read(c->ssl, buf, (int) size);

    if (n > 0) {
        return n;
    }

    switch (SSL_get_error(c->ssl, n)) {

    case SSL_ERROR_WANT_READ:
        errno = EAGAIN;
        return -1;

    case SSL_ERROR_WANT_WRITE:

        /* a read that must write first: again once the socket is writable */

        c->read_wants_write = 1;
        ngx_f1_replay_load_want_out(c, 1);
        errno = EAGAIN;
        return -1;

    case SSL_ERROR_ZERO_RETURN:
        return 0;

    case SSL_ERROR_SYSCALL:
        if (errno == 0) {
            /* the peer closed without close_notify */
            return 0;
        }

        return -1;

    default:
        ngx_f1_replay_load.tls_errors++;
        errno = EPROTO;
        return -1;
    }
}


/* send() or SSL_write(): bytes written, or -1 with errno (EAGAIN) */

static ssize_t
ngx_f1_replay_load_write(ngx_f1_replay_load_conn_t *c,
    const unsigned char *data, size_t len)
{
    int  n;

    if (c->ssl == NULL) {
        return send(c->fd, data, len, MSG_NOSIGNAL);
    }

    ERR_clear_error();
    errno = 0;

    n = SSL_write(c->ssl, data, (int) len);

    if (n > 0) {
        return n;
    }

    switch (SSL_get_error(c->ssl, n)) {

    case SSL_ERROR_WANT_READ:     /* again after a read */
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;

    case SSL_ERROR_SYSCALL:
        if (errno == 0) {
            errno = EPIPE;
        }

        return -1;

    default:
        ngx_f1_replay_load.tls_errors++;
        errno = EPROTO;
        return -1;
    }
}


/* returns 1 when bytes were read, 0 on EAGAIN or once ended */

static int
ngx_f1_replay_load_read(ngx_f1_replay_load_conn_t *c)
{
    double                 phase;
    size_t                 end;
    ssize_t                n;
    unsigned char         *p;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    if (c->state == NGX_F1_REPLAY_LOAD_HANDSHAKE) {
        if (c->hbuf == NULL) {
            c->hbuf = malloc(NGX_F1_REPLAY_LOAD_HS_MAX + 1);
            if (c->hbuf == NULL) {
                fprintf(stderr, "f1-replay-load: out of memory\n");
                exit(1);
            }
        }

        p = (unsigned char *) c->hbuf + c->hlen;
        n = ngx_f1_replay_load_recv(c, p, NGX_F1_REPLAY_LOAD_HS_MAX - c->hlen);

    } else {
        p = ld->buf;
        n = ngx_f1_replay_load_recv(c, p, NGX_F1_REPLAY_LOAD_RECV_SIZE);
    }

    if (n == -1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return 0;
        }

        ngx_f1_replay_load_lost(c, 0);
        return 0;
    }

    if (n == 0) {
        ngx_f1_replay_load_lost(c, 1);
        return 0;
    }

    ngx_f1_replay_load_clock();

    c->bytes += n;
    ld->bytes += n;

    if (c->ssl) {
        c->wire = BIO_number_read(SSL_get_rbio(c->ssl));

    } else {
        c->wire += n;
    }

    if (c->state != NGX_F1_REPLAY_LOAD_HANDSHAKE) {
        ngx_f1_replay_load_frames(c, p, n);
        return 1;
    }

    c->hlen += n;

    if (ngx_f1_replay_load_handshake(c, &end) != 0) {
        return 1;
    }

    /* frames may follow the response headers in the same read */

    n = c->hlen - end;
    memcpy(ld->buf, c->hbuf + end, n);

    free(c->hbuf);
    c->hbuf = NULL;
    c->hlen = 0;

    if (ld->message != NULL && !ld->same_write) {
        if (ngx_f1_replay_load_send_frame(c, 0x01,
                                          (const unsigned char *) ld->message,
                                          ld->message_len)
            != 0)
        {
            return 0;
        }

        ld->sent_messages++;
    }

    /* -D: from now on read only at the drains, in its own phase */

    if (ld->drain > 0) {
        phase = (double) (c - ld->conns) * 0.6180339887;
        phase -= (int64_t) phase;

        c->next_drain = ld->now
                        + (int64_t) (phase * ld->drain
                                     * NGX_F1_REPLAY_LOAD_SEC);

        if (ngx_f1_replay_load_interest(c, c->want_out, 1) != 0) {
            return 0;
        }
    }

    if (n > 0) {
        ngx_f1_replay_load_frames(c, ld->buf, n);
    }

    return 1;
}


/*
 * -D: everything the socket holds now (what the server sends meanwhile
 * may come too), at most NGX_F1_REPLAY_LOAD_DRAIN_READS reads; the
 * connection goes on not reading until its next drain
 */

static void
ngx_f1_replay_load_drain(ngx_f1_replay_load_conn_t *c)
{
    int                    i;
    int64_t                step;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    ld->drains++;

    step = (int64_t) (ld->drain * NGX_F1_REPLAY_LOAD_SEC);

    while (c->next_drain <= ld->now) {
        c->next_drain += step;
    }

    for (i = 0; i < NGX_F1_REPLAY_LOAD_DRAIN_READS; i++) {
        if (c->state != NGX_F1_REPLAY_LOAD_OPEN
            || ngx_f1_replay_load_read(c) == 0)
        {
            break;
        }
    }
}


/*
 * Returns 0 when the handshake has completed and *hdr_end is the size of
 * the response headers, -1 when more data is needed or the connection
 * has been ended.
 */

static int
ngx_f1_replay_load_handshake(ngx_f1_replay_load_conn_t *c, size_t *hdr_end)
{
    int                    status;
    char                  *p, *eol;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    p = memmem(c->hbuf, c->hlen, "\r\n\r\n", 4);

    if (p == NULL) {
        if (c->hlen >= NGX_F1_REPLAY_LOAD_HS_MAX) {
            ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_HEADERS);
        }

        return -1;
    }

    *hdr_end = p + 4 - c->hbuf;
    p[2] = '\0';

    /* status line: HTTP/1.x NNN ... */

    eol = strstr(c->hbuf, "\r\n");
    if (eol == NULL) {
        /* a NUL byte in the status line */
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_HEADERS);
        return -1;
    }

    *eol = '\0';

    if (strncmp(c->hbuf, "HTTP/1.", 7) != 0
        || c->hbuf[7] == '\0' || c->hbuf[8] != ' '
        || sscanf(c->hbuf + 9, "%3d", &status) != 1)
    {
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_HEADERS);
        return -1;
    }

    if (status != 101) {
        if (status >= 0 && status < NGX_F1_REPLAY_LOAD_NSTATUS) {
            ld->status[status]++;
        }

        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_STATUS);
        return -1;
    }

    if (ngx_f1_replay_load_check_headers(c, eol + 2) != 0) {
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_HEADERS);
        return -1;
    }

    c->state = NGX_F1_REPLAY_LOAD_OPEN;
    c->t_open = ld->now;
    c->step = 1;
    ld->handshaking--;
    ld->established++;
    ld->live++;

    if (c->deflate) {
        ld->deflate_conns++;
    }

    return 0;
}


static int
ngx_f1_replay_load_check_headers(ngx_f1_replay_load_conn_t *c, char *p)
{
    int    upgrade, connection, accept;
    char  *eol, *name, *value, *end;

    upgrade = 0;
    connection = 0;
    accept = 0;

    while (*p != '\0') {
        eol = strstr(p, "\r\n");
        if (eol == NULL) {
            return -1;
        }

        *eol = '\0';
        name = p;
        p = eol + 2;

        value = strchr(name, ':');
        if (value == NULL) {
            return -1;
        }

        *value++ = '\0';

        while (*value == ' ' || *value == '\t') {
            value++;
        }

        end = value + strlen(value);
        while (end > value && (end[-1] == ' ' || end[-1] == '\t')) {
            *--end = '\0';
        }

        if (strcasecmp(name, "Upgrade") == 0) {
            upgrade = strcasecmp(value, "websocket") == 0;

        } else if (strcasecmp(name, "Connection") == 0) {
            connection = ngx_f1_replay_load_has_token(value, "upgrade");

        } else if (strcasecmp(name, "Sec-WebSocket-Accept") == 0) {
            accept = strcmp(value, c->accept) == 0;

        } else if (strcasecmp(name, "Sec-WebSocket-Extensions") == 0) {

            /* only what was offered, and only once */

            if (!ngx_f1_replay_load.deflate || c->deflate
                || ngx_f1_replay_load_check_deflate(value) != 0)
            {
                return -1;
            }

            c->deflate = 1;

        } else if (strcasecmp(name, "Sec-WebSocket-Protocol") == 0) {
            /* we did not ask for one */
            return -1;
        }
    }

    return (upgrade && connection && accept) ? 0 : -1;
}


/*
 * The server's answer to our permessage-deflate offer: that extension
 * alone, with server_no_context_takeover (each message must inflate on
 * its own: one inflate stream is shared by all connections), optionally
 * client_no_context_takeover and server_max_window_bits (any window fits
 * in ours); nothing else, each parameter at most once.
 */

static int
ngx_f1_replay_load_check_deflate(char *value)
{
    int    i, server_nct, client_nct, bits;
    char  *p, *t, *end, *save, *eq;
    long   n;

    if (strchr(value, ',') != NULL) {
        return -1;
    }

    server_nct = 0;
    client_nct = 0;
    bits = 0;

    for (i = 0, p = strtok_r(value, ";", &save);
         p != NULL;
         i++, p = strtok_r(NULL, ";", &save))
    {
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        t = p + strlen(p);
        while (t > p && (t[-1] == ' ' || t[-1] == '\t')) {
            *--t = '\0';
        }

        if (i == 0) {
            if (strcasecmp(p, "permessage-deflate") != 0) {
                return -1;
            }

            continue;
        }

        eq = strchr(p, '=');

        if (eq == NULL) {
            if (strcasecmp(p, "server_no_context_takeover") == 0
                && !server_nct)
            {
                server_nct = 1;

            } else if (strcasecmp(p, "client_no_context_takeover") == 0
                       && !client_nct)
            {
                client_nct = 1;

            } else {
                return -1;
            }

            continue;
        }

        *eq++ = '\0';

        t = eq + strlen(eq);
        if (*eq == '"' && t - eq >= 2 && t[-1] == '"') {
            *--t = '\0';
            eq++;
        }

        errno = 0;
        n = strtol(eq, &end, 10);

        if (strcasecmp(p, "server_max_window_bits") != 0 || bits
            || errno != 0 || end == eq || *end != '\0' || n < 8 || n > 15)
        {
            return -1;
        }

        bits = 1;
    }

    return (i > 0 && server_nct) ? 0 : -1;
}


static int
ngx_f1_replay_load_has_token(const char *list, const char *token)
{
    size_t       len, n;
    const char  *p;

    len = strlen(token);
    p = list;

    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }

        n = strcspn(p, " \t,");

        if (n == len && strncasecmp(p, token, len) == 0) {
            return 1;
        }

        p += n;
    }

    return 0;
}


static void
ngx_f1_replay_load_frames(ngx_f1_replay_load_conn_t *c, unsigned char *p,
    size_t len)
{
    size_t  take, need;

    while (len > 0
           && (c->state == NGX_F1_REPLAY_LOAD_OPEN
               || c->state == NGX_F1_REPLAY_LOAD_CLOSING))
    {
        if (!c->in_payload) {
            need = ngx_f1_replay_load_header_size(c);
            take = need - c->hdr_len;
            if (take > len) {
                take = len;
            }

            memcpy(c->hdr + c->hdr_len, p, take);
            c->hdr_len += take;
            p += take;
            len -= take;

            if (c->hdr_len < ngx_f1_replay_load_header_size(c)) {
                continue;
            }

            if (ngx_f1_replay_load_header(c) != 0) {
                return;
            }

            if (c->left == 0 && ngx_f1_replay_load_frame_end(c) != 0) {
                return;
            }

            continue;
        }

        take = c->left < len ? (size_t) c->left : len;

        if (c->op & 0x08) {
            memcpy(c->ctl + c->ctl_len, p, take);
            c->ctl_len += take;

        } else if (ngx_f1_replay_load_message_data(c, p, take) != 0) {
            return;
        }

        p += take;
        len -= take;
        c->left -= take;

        if (c->left == 0 && ngx_f1_replay_load_frame_end(c) != 0) {
            return;
        }
    }
}


static size_t
ngx_f1_replay_load_header_size(ngx_f1_replay_load_conn_t *c)
{
    size_t  size;

    if (c->hdr_len < 2) {
        return 2;
    }

    size = 2;

    switch (c->hdr[1] & 0x7f) {
    case 126:
        size += 2;
        break;
    case 127:
        size += 8;
        break;
    default:
        break;
    }

    if (c->hdr[1] & 0x80) {
        size += 4;
    }

    return size;
}


/* returns 0, or -1 when the connection has been ended */

static int
ngx_f1_replay_load_header(ngx_f1_replay_load_conn_t *c)
{
    int       i;
    size_t    hsize;
    uint8_t   b0, b1, op;
    uint64_t  len;

    b0 = c->hdr[0];
    b1 = c->hdr[1];
    op = b0 & 0x0f;

    hsize = c->hdr_len;
    c->hdr_len = 0;

    /*
     * servers must not mask; RSV1 only with permessage-deflate, on the
     * first frame of a data message; RSV2 and RSV3 never
     */

    if ((b0 & 0x30) || (b1 & 0x80)
        || ((b0 & 0x40) && (!c->deflate || (op != 0x01 && op != 0x02))))
    {
        ngx_f1_replay_load_protocol_error(c);
        return -1;
    }

    len = b1 & 0x7f;

    if (len == 126) {
        len = ((uint64_t) c->hdr[2] << 8) | c->hdr[3];

    } else if (len == 127) {
        len = 0;
        for (i = 2; i < 10; i++) {
            len = (len << 8) | c->hdr[i];
        }

        if (len >> 63) {
            ngx_f1_replay_load_protocol_error(c);
            return -1;
        }
    }

    if (op & 0x08) {
        if (op > 0x0a || !(b0 & 0x80) || len > 125) {
            ngx_f1_replay_load_protocol_error(c);
            return -1;
        }

        c->ctl_len = 0;

    } else if (op == 0x00) {
        if (c->msg == 0) {
            ngx_f1_replay_load_protocol_error(c);
            return -1;
        }

    } else if (op == 0x01 || op == 0x02) {
        if (c->msg != 0) {
            ngx_f1_replay_load_protocol_error(c);
            return -1;
        }

        c->msg = op;
        ngx_f1_replay_load_message_start(c);
        c->zmsg = (b0 & 0x40) ? 1 : 0;

    } else {
        ngx_f1_replay_load_protocol_error(c);
        return -1;
    }

    if (!(op & 0x08)) {
        c->msg_wire += hsize + len;
    }

    c->op = op;
    c->fin = (b0 & 0x80) ? 1 : 0;
    c->left = len;
    c->in_payload = 1;

    return 0;
}


/* returns 0, or -1 when the connection has been ended */

static int
ngx_f1_replay_load_frame_end(ngx_f1_replay_load_conn_t *c)
{
    int  rc;

    c->in_payload = 0;

    if (c->op & 0x08) {
        return ngx_f1_replay_load_control(c);
    }

    if (c->fin) {
        rc = ngx_f1_replay_load_message_end(c);
        c->msg = 0;
        return rc;
    }

    return 0;
}


static int
ngx_f1_replay_load_control(ngx_f1_replay_load_conn_t *c)
{
    int                    code;
    unsigned char          echo[2];
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    switch (c->op) {

    case 0x09:
        ld->pings++;

        if (c->state == NGX_F1_REPLAY_LOAD_OPEN) {
            return ngx_f1_replay_load_send_frame(c, 0x0a, c->ctl,
                                                 c->ctl_len);
        }

        return 0;

    case 0x0a:
        ld->pongs++;
        return 0;

    default: /* 0x08 close */
        if (c->ctl_len == 1) {
            ngx_f1_replay_load_protocol_error(c);
            return -1;
        }

        code = c->ctl_len >= 2 ? (c->ctl[0] << 8) | c->ctl[1] : 1005;
        if (code >= NGX_F1_REPLAY_LOAD_NCODES) {
            code = 0;
        }

        if (c->state == NGX_F1_REPLAY_LOAD_CLOSING) {
            ld->reply_codes[code]++;
            ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_END_CLEAN);
            return -1;
        }

        /* closed by the server: echo its code and go */

        ld->codes[code]++;

        if (c->ctl_len >= 2) {
            echo[0] = c->ctl[0];
            echo[1] = c->ctl[1];

            if (ngx_f1_replay_load_send_frame(c, 0x08, echo, 2) != 0) {
                return -1;
            }

        } else if (ngx_f1_replay_load_send_frame(c, 0x08, NULL, 0) != 0) {
            return -1;
        }

        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_END_CLOSE);
        return -1;
    }
}


static void
ngx_f1_replay_load_message_start(ngx_f1_replay_load_conn_t *c)
{
    c->msg_bytes = 0;
    c->msg_wire = 0;
    c->zlen = 0;
    c->json = NGX_F1_REPLAY_LOAD_JSON_NONE;

    if (c->msg != 0x01 || c->state != NGX_F1_REPLAY_LOAD_OPEN) {
        return;
    }

    c->yajl = yajl_alloc(&ngx_f1_replay_load_callbacks, NULL, c);
    if (c->yajl == NULL) {
        fprintf(stderr, "f1-replay-load: out of memory\n");
        exit(1);
    }

    c->json = NGX_F1_REPLAY_LOAD_JSON_PARSING;
    c->depth = 0;
    c->key = NGX_F1_REPLAY_LOAD_KEY_NONE;
    c->got = 0;
    c->type = NGX_F1_REPLAY_LOAD_T_OTHER;
    c->compact = 0;
}


/* returns 0, or -1 when the connection has been ended */

static int
ngx_f1_replay_load_message_data(ngx_f1_replay_load_conn_t *c,
    unsigned char *p, size_t len)
{
    size_t          cap;
    unsigned char  *buf;

    if (!c->zmsg) {
        ngx_f1_replay_load_message_text(c, p, len);
        return 0;
    }

    if (c->state != NGX_F1_REPLAY_LOAD_OPEN) {
        return 0;
    }

    /* compressed: kept whole, inflated at the end, 4 bytes to spare */

    if (len > NGX_F1_REPLAY_LOAD_ZMSG_MAX - c->zlen) {
        ngx_f1_replay_load.z_errors++;
        ngx_f1_replay_load_protocol_error(c);
        return -1;
    }

    if (c->zlen + len + 4 > c->zcap) {
        cap = c->zcap ? c->zcap : 1024;

        while (cap < c->zlen + len + 4) {
            cap *= 2;
        }

        buf = realloc(c->zbuf, cap);
        if (buf == NULL) {
            fprintf(stderr, "f1-replay-load: out of memory\n");
            exit(1);
        }

        c->zbuf = buf;
        c->zcap = cap;
    }

    memcpy(c->zbuf + c->zlen, p, len);
    c->zlen += len;

    return 0;
}


static void
ngx_f1_replay_load_message_text(ngx_f1_replay_load_conn_t *c,
    unsigned char *p, size_t len)
{
    yajl_status  st;

    c->msg_bytes += len;

    if (c->json != NGX_F1_REPLAY_LOAD_JSON_PARSING) {
        return;
    }

    st = yajl_parse(c->yajl, p, len);

    if (st == yajl_status_ok) {
        return;
    }

    c->json = st == yajl_status_client_canceled
              ? NGX_F1_REPLAY_LOAD_JSON_DONE : NGX_F1_REPLAY_LOAD_JSON_ERROR;

    yajl_free(c->yajl);
    c->yajl = NULL;
}


/*
 * A whole compressed message: no context takeover, so it inflates on its
 * own with a reset stream, once the 00 00 ff ff the sender removed is put
 * back.  All of it is inflated (to count the bytes) even when the JSON
 * parser has already stopped.  Returns 0, or -1 when the connection has
 * been ended.
 */

static int
ngx_f1_replay_load_inflate(ngx_f1_replay_load_conn_t *c)
{
    int                    rc;
    size_t                 n;
    uint64_t               total;
    z_stream              *zs;
    ngx_f1_replay_load_t  *ld;

    static const unsigned char  tail[4] = { 0x00, 0x00, 0xff, 0xff };

    ld = &ngx_f1_replay_load;
    zs = &ld->zs;

    if (c->zbuf == NULL) {
        /* an empty payload: still needs a buffer for the tail */
        c->zbuf = malloc(1024);
        if (c->zbuf == NULL) {
            fprintf(stderr, "f1-replay-load: out of memory\n");
            exit(1);
        }

        c->zcap = 1024;
    }

    memcpy(c->zbuf + c->zlen, tail, 4);

    if (inflateReset(zs) != Z_OK) {
        ld->z_errors++;
        ngx_f1_replay_load_protocol_error(c);
        return -1;
    }

    zs->next_in = c->zbuf;
    zs->avail_in = (uInt) (c->zlen + 4);
    total = 0;

    for ( ;; ) {
        zs->next_out = ld->zout;
        zs->avail_out = NGX_F1_REPLAY_LOAD_ZOUT_SIZE;

        rc = inflate(zs, Z_SYNC_FLUSH);

        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            break;
        }

        n = NGX_F1_REPLAY_LOAD_ZOUT_SIZE - zs->avail_out;
        total += n;

        if (total > NGX_F1_REPLAY_LOAD_INFLATE_MAX) {
            rc = Z_DATA_ERROR;
            break;
        }

        if (n > 0) {
            ngx_f1_replay_load_message_text(c, ld->zout, n);
        }

        /* output to spare: all the input that can be used was used */

        if (rc == Z_STREAM_END || zs->avail_out != 0) {
            break;
        }
    }

    if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        || (rc != Z_STREAM_END && zs->avail_in != 0))
    {
        ld->z_errors++;
        ngx_f1_replay_load_protocol_error(c);
        return -1;
    }

    ld->z_messages++;
    ld->z_wire += c->zlen;
    ld->z_inflated += total;

    return 0;
}


/* returns 0, or -1 when the connection has been ended */

static int
ngx_f1_replay_load_message_end(ngx_f1_replay_load_conn_t *c)
{
    yajl_status            st;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    if (c->zmsg && c->state == NGX_F1_REPLAY_LOAD_OPEN
        && ngx_f1_replay_load_inflate(c) != 0)
    {
        return -1;
    }

    if (c->json == NGX_F1_REPLAY_LOAD_JSON_PARSING) {
        st = yajl_complete_parse(c->yajl);

        c->json = (st == yajl_status_ok || st == yajl_status_client_canceled)
                  ? NGX_F1_REPLAY_LOAD_JSON_DONE
                  : NGX_F1_REPLAY_LOAD_JSON_ERROR;

        yajl_free(c->yajl);
        c->yajl = NULL;
    }

    if (c->state != NGX_F1_REPLAY_LOAD_OPEN) {
        return 0;
    }

    ld->messages++;
    ld->payload += c->msg_bytes;

    if (c->msg_bytes > ld->max_msg) {
        ld->max_msg = c->msg_bytes;
    }

    if (c->msg == 0x02) {
        ld->types[NGX_F1_REPLAY_LOAD_T_BINARY]++;
        return 0;
    }

    if (c->json == NGX_F1_REPLAY_LOAD_JSON_ERROR) {
        ld->types[NGX_F1_REPLAY_LOAD_T_BAD_JSON]++;
        return 0;
    }

    if (!(c->got & NGX_F1_REPLAY_LOAD_GOT_TYPE)) {
        ld->types[NGX_F1_REPLAY_LOAD_T_UNTYPED]++;
        return 0;
    }

    if (c->got & NGX_F1_REPLAY_LOAD_GOT_RATE) {
        if (c->type == NGX_F1_REPLAY_LOAD_T_HELLO) {
            c->tick_rate = (uint32_t) c->rate;

        } else if (c->type == NGX_F1_REPLAY_LOAD_T_SUBSCRIBED) {
            ngx_f1_replay_load_set_step(c);
        }
    }

    if (c->type != NGX_F1_REPLAY_LOAD_T_FRAME) {
        ld->types[c->type]++;
        return 0;
    }

    if ((c->got & (NGX_F1_REPLAY_LOAD_GOT_TICK | NGX_F1_REPLAY_LOAD_GOT_SENT))
        != (NGX_F1_REPLAY_LOAD_GOT_TICK | NGX_F1_REPLAY_LOAD_GOT_SENT))
    {
        ld->types[NGX_F1_REPLAY_LOAD_T_BAD_FRAME]++;
        return 0;
    }

    ld->types[NGX_F1_REPLAY_LOAD_T_FRAME]++;
    ld->frame_wire += c->msg_wire;
    ld->frame_payload += c->msg_bytes;

    if (c->compact) {
        ld->compact++;
    }

    ngx_f1_replay_load_record(c);

    return 0;
}


/*
 * A "subscribed" reply: from the next frame on, one frame every
 * tick_rate / rate ticks.  A new step starts a new sequence, so the ticks
 * skipped by the switch itself are not counted as missing.
 */

static void
ngx_f1_replay_load_set_step(ngx_f1_replay_load_conn_t *c)
{
    uint32_t  tick_rate, step;

    tick_rate = c->tick_rate ? c->tick_rate : NGX_F1_REPLAY_LOAD_TICK_RATE;

    if (c->rate < 1 || c->rate > tick_rate || tick_rate % c->rate != 0) {
        return;
    }

    step = tick_rate / (uint32_t) c->rate;

    if (step == c->step) {
        return;
    }

    if (c->have_tick && !c->new_seg) {
        c->expected += c->last_bucket - c->seg_first + 1;
        c->new_seg = 1;
    }

    c->step = step;
}


static void
ngx_f1_replay_load_record(ngx_f1_replay_load_conn_t *c)
{
    double                 late;
    int64_t                interval, expect, d, bucket, tick_ns;
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    c->frames++;

    bucket = c->tick / (int64_t) c->step;

    if (!c->have_tick || c->new_seg) {
        c->have_tick = 1;
        c->new_seg = 0;
        c->seg_first = bucket;
        c->last_bucket = bucket;
        c->last_tick = c->tick;
        c->prev_ns = ld->now;
        goto late;
    }

    if (c->tick < c->last_tick - NGX_F1_REPLAY_LOAD_RESET_TICKS) {

        /* the stream restarted (a replay loop or a seek back) */

        c->resets++;
        c->expected += c->last_bucket - c->seg_first + 1;
        c->seg_first = bucket;
        c->last_bucket = bucket;
        c->last_tick = c->tick;
        c->prev_ns = ld->now;
        goto late;
    }

    if (c->tick <= c->last_tick || bucket <= c->last_bucket) {
        c->dups++;
        goto late;
    }

    if (ld->phase == NGX_F1_REPLAY_LOAD_RUN) {
        tick_ns = NGX_F1_REPLAY_LOAD_SEC
                  / (c->tick_rate ? c->tick_rate
                                  : NGX_F1_REPLAY_LOAD_TICK_RATE);
        interval = ld->now - c->prev_ns;
        expect = (c->tick - c->last_tick) * tick_ns;
        d = interval - expect;
        if (d < 0) {
            d = -d;
        }

        ngx_f1_replay_load_hist_add(&ld->jitter, (uint64_t) d / 1000);
    }

    c->missing += bucket - c->last_bucket - 1;
    c->last_bucket = bucket;
    c->last_tick = c->tick;
    c->prev_ns = ld->now;

late:

    if (ld->phase != NGX_F1_REPLAY_LOAD_RUN) {
        return;
    }

    late = ld->now_real_ms - c->sent;

    if (late < ld->late_min) {
        ld->late_min = late;
    }

    if (late < 0) {
        ld->late_negative++;
        late = 0;
    }

    ngx_f1_replay_load_hist_add(&ld->late, (uint64_t) (late * 1000));
}


/*
 * A masked client frame of payload (at most NGX_F1_REPLAY_LOAD_MSG_MAX
 * bytes) into frame, which has room for 14 bytes more; returns its size
 */

static size_t
ngx_f1_replay_load_mask_frame(unsigned char *frame, int op,
    const unsigned char *payload, size_t len)
{
    size_t          i, hlen;
    unsigned char  *mask;

    frame[0] = 0x80 | op;

    if (len <= 125) {
        frame[1] = 0x80 | (unsigned char) len;
        hlen = 2;

    } else {
        frame[1] = 0x80 | 126;
        frame[2] = (unsigned char) (len >> 8);
        frame[3] = (unsigned char) len;
        hlen = 4;
    }

    mask = frame + hlen;

    if (getrandom(mask, 4, 0) != 4) {
        memset(mask, 0x5a, 4);
    }

    for (i = 0; i < len; i++) {
        mask[4 + i] = payload[i] ^ mask[i & 3];
    }

    return hlen + 4 + len;
}


/* returns 0, or -1 when the connection has been ended */

static int
ngx_f1_replay_load_send_frame(ngx_f1_replay_load_conn_t *c, int op,
    const unsigned char *payload, size_t len)
{
    int             rc;
    size_t          size;
    unsigned char  *frame;
    unsigned char   small[2 + 4 + 125];

    /* client frames are always masked; only -m is longer than 125 */

    frame = small;

    if (len > 125) {
        frame = malloc(4 + 4 + len);
        if (frame == NULL) {
            fprintf(stderr, "f1-replay-load: out of memory\n");
            exit(1);
        }
    }

    size = ngx_f1_replay_load_mask_frame(frame, op, payload, len);

    rc = ngx_f1_replay_load_send(c, frame, size);

    if (frame != small) {
        free(frame);
    }

    return rc;
}


/* returns 0, or -1 when the connection has been ended */

static int
ngx_f1_replay_load_send(ngx_f1_replay_load_conn_t *c,
    const unsigned char *data, size_t len)
{
    ssize_t         n;
    unsigned char  *out;

    if (c->out_len == 0) {
        n = ngx_f1_replay_load_write(c, data, len);

        if (n == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                ngx_f1_replay_load_lost(c, 0);
                return -1;
            }

            n = 0;
        }

        if ((size_t) n == len) {
            return 0;
        }

        data += n;
        len -= n;
    }

    if (c->out_len - c->out_pos + len > NGX_F1_REPLAY_LOAD_OUT_MAX) {
        ngx_f1_replay_load_lost(c, 0);
        return -1;
    }

    if (c->out_pos > 0) {
        memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
        c->out_len -= c->out_pos;
        c->out_pos = 0;
    }

    out = realloc(c->out, c->out_len + len);
    if (out == NULL) {
        fprintf(stderr, "f1-replay-load: out of memory\n");
        exit(1);
    }

    memcpy(out + c->out_len, data, len);
    c->out = out;
    c->out_len += len;

    ngx_f1_replay_load_want_out(c, 1);

    return 0;
}


static void
ngx_f1_replay_load_flush(ngx_f1_replay_load_conn_t *c)
{
    ssize_t  n;

    n = ngx_f1_replay_load_write(c, c->out + c->out_pos,
                                 c->out_len - c->out_pos);

    if (n == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            ngx_f1_replay_load_lost(c, 0);
        }

        return;
    }

    c->out_pos += n;

    if (c->out_pos == c->out_len) {
        free(c->out);
        c->out = NULL;
        c->out_len = 0;
        c->out_pos = 0;
        ngx_f1_replay_load_want_out(c, 0);
    }
}


static void
ngx_f1_replay_load_want_out(ngx_f1_replay_load_conn_t *c, int on)
{
    (void) ngx_f1_replay_load_interest(c, on, c->paused);
}


/*
 * The events wanted: EPOLLIN unless paused (-D), EPOLLOUT while output is
 * pending; returns 0, or -1 when the connection has been ended
 */

static int
ngx_f1_replay_load_interest(ngx_f1_replay_load_conn_t *c, int out,
    int paused)
{
    struct epoll_event  ev;

    if (c->want_out == out && c->paused == paused) {
        return 0;
    }

    ev.events = (paused ? 0 : EPOLLIN) | EPOLLRDHUP | (out ? EPOLLOUT : 0);
    ev.data.ptr = c;

    if (epoll_ctl(ngx_f1_replay_load.ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
        ngx_f1_replay_load_count_errno(errno);
        ngx_f1_replay_load_lost(c, 0);
        return -1;
    }

    c->want_out = out;
    c->paused = paused;

    return 0;
}


static void
ngx_f1_replay_load_protocol_error(ngx_f1_replay_load_conn_t *c)
{
    static const unsigned char  code[2] = { 0x03, 0xea };  /* 1002 */

    if (c->state == NGX_F1_REPLAY_LOAD_OPEN
        && ngx_f1_replay_load_send_frame(c, 0x08, code, 2) != 0)
    {
        return;
    }

    ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_END_PROTOCOL);
}


static void
ngx_f1_replay_load_lost(ngx_f1_replay_load_conn_t *c, int eof)
{
    switch (c->state) {

    case NGX_F1_REPLAY_LOAD_CONNECTING:
    case NGX_F1_REPLAY_LOAD_TLS:
    case NGX_F1_REPLAY_LOAD_HANDSHAKE:
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_FAIL_EOF);
        break;

    case NGX_F1_REPLAY_LOAD_OPEN:
        ngx_f1_replay_load_end(c, eof ? NGX_F1_REPLAY_LOAD_END_EOF
                                      : NGX_F1_REPLAY_LOAD_END_RESET);
        break;

    case NGX_F1_REPLAY_LOAD_CLOSING:
        ngx_f1_replay_load_end(c, NGX_F1_REPLAY_LOAD_END_LOST);
        break;

    default:
        break;
    }
}


static void
ngx_f1_replay_load_start_close(ngx_f1_replay_load_conn_t *c)
{
    static const unsigned char  code[2] = { 0x03, 0xe8 };  /* 1000 */

    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    c->t_end = ld->now;
    c->state = NGX_F1_REPLAY_LOAD_CLOSING;
    ld->live--;
    ld->closing++;

    /* -D: the close's answer is read as it comes */

    if (c->paused && ngx_f1_replay_load_interest(c, c->want_out, 0) != 0) {
        return;
    }

    (void) ngx_f1_replay_load_send_frame(c, 0x08, code, 2);
}


static void
ngx_f1_replay_load_end(ngx_f1_replay_load_conn_t *c, int reason)
{
    ngx_f1_replay_load_t  *ld;

    ld = &ngx_f1_replay_load;

    switch (c->state) {

    case NGX_F1_REPLAY_LOAD_CONNECTING:
    case NGX_F1_REPLAY_LOAD_TLS:
    case NGX_F1_REPLAY_LOAD_HANDSHAKE:
        ld->handshaking--;
        ld->failed++;
        break;

    case NGX_F1_REPLAY_LOAD_OPEN:
        ld->live--;
        c->t_end = ld->now;
        break;

    case NGX_F1_REPLAY_LOAD_CLOSING:
        ld->closing--;
        break;

    default:
        return;
    }

    ld->reasons[reason]++;

    if (c->ssl != NULL) {

        /* a close_notify, once, when the connection is still sound */

        if (SSL_is_init_finished(c->ssl)
            && reason != NGX_F1_REPLAY_LOAD_END_EOF
            && reason != NGX_F1_REPLAY_LOAD_END_RESET
            && reason != NGX_F1_REPLAY_LOAD_END_LOST
            && reason != NGX_F1_REPLAY_LOAD_FAIL_EOF)
        {
            ERR_clear_error();
            (void) SSL_shutdown(c->ssl);
        }

        c->wire = BIO_number_read(SSL_get_rbio(c->ssl));

        SSL_free(c->ssl);
        c->ssl = NULL;
        ERR_clear_error();
    }

    if (c->fd != -1) {
        close(c->fd);
        c->fd = -1;
    }

    if (c->yajl != NULL) {
        yajl_free(c->yajl);
        c->yajl = NULL;
    }

    free(c->hbuf);
    c->hbuf = NULL;
    free(c->zbuf);
    c->zbuf = NULL;
    c->zlen = 0;
    c->zcap = 0;
    free(c->out);
    c->out = NULL;
    c->out_len = 0;
    c->out_pos = 0;

    c->state = NGX_F1_REPLAY_LOAD_DONE;
}


static void
ngx_f1_replay_load_count_errno(int err)
{
    if (err > 0 && err < NGX_F1_REPLAY_LOAD_NERRNO) {
        ngx_f1_replay_load.errnos[err]++;
    }
}


/*
 * yajl callbacks: only top-level members are looked at, "type", then
 * "tick" and "sent" of a frame, "tick_rate" of a hello, "rate" of a
 * subscribed; returning 0 stops the parser
 */

static int
ngx_f1_replay_load_json_more(ngx_f1_replay_load_conn_t *c)
{
    if (c->depth == 1) {
        c->key = NGX_F1_REPLAY_LOAD_KEY_NONE;
    }

    if (!(c->got & NGX_F1_REPLAY_LOAD_GOT_TYPE)) {
        return 1;
    }

    switch (c->type) {

    case NGX_F1_REPLAY_LOAD_T_FRAME:
        return (c->got & NGX_F1_REPLAY_LOAD_GOT_TICK)
               && (c->got & NGX_F1_REPLAY_LOAD_GOT_SENT) ? 0 : 1;

    case NGX_F1_REPLAY_LOAD_T_HELLO:
    case NGX_F1_REPLAY_LOAD_T_SUBSCRIBED:
        return (c->got & NGX_F1_REPLAY_LOAD_GOT_RATE) ? 0 : 1;

    default:
        return 0;
    }
}


static int
ngx_f1_replay_load_json_null(void *ctx)
{
    return ngx_f1_replay_load_json_more(ctx);
}


static int
ngx_f1_replay_load_json_boolean(void *ctx, int v)
{
    (void) v;

    return ngx_f1_replay_load_json_more(ctx);
}


static int
ngx_f1_replay_load_json_number(void *ctx, const char *s, size_t len)
{
    char                        *end;
    char                         buf[64];
    double                       d;
    long long                    ll;
    ngx_f1_replay_load_conn_t   *c;

    c = ctx;

    if (c->depth != 1 || c->key == NGX_F1_REPLAY_LOAD_KEY_NONE
        || len >= sizeof(buf))
    {
        return ngx_f1_replay_load_json_more(c);
    }

    memcpy(buf, s, len);
    buf[len] = '\0';

    if (c->key == NGX_F1_REPLAY_LOAD_KEY_TICK) {
        errno = 0;
        ll = strtoll(buf, &end, 10);

        if (errno == 0 && *end == '\0') {
            c->tick = ll;
            c->got |= NGX_F1_REPLAY_LOAD_GOT_TICK;
        }

    } else if (c->key == NGX_F1_REPLAY_LOAD_KEY_SENT) {
        errno = 0;
        d = strtod(buf, &end);

        if (errno == 0 && *end == '\0') {
            c->sent = d;
            c->got |= NGX_F1_REPLAY_LOAD_GOT_SENT;
        }

    } else if ((c->key == NGX_F1_REPLAY_LOAD_KEY_TICK_RATE
                && c->type == NGX_F1_REPLAY_LOAD_T_HELLO)
               || (c->key == NGX_F1_REPLAY_LOAD_KEY_RATE
                   && c->type == NGX_F1_REPLAY_LOAD_T_SUBSCRIBED))
    {
        errno = 0;
        ll = strtoll(buf, &end, 10);

        if (errno == 0 && *end == '\0' && ll >= 1 && ll <= 1000000) {
            c->rate = ll;
            c->got |= NGX_F1_REPLAY_LOAD_GOT_RATE;
        }
    }

    return ngx_f1_replay_load_json_more(c);
}


static int
ngx_f1_replay_load_json_string(void *ctx, const unsigned char *s,
    size_t len)
{
    int                          i;
    const char                  *name;
    ngx_f1_replay_load_conn_t   *c;

    c = ctx;

    if (c->depth == 1 && c->key == NGX_F1_REPLAY_LOAD_KEY_TYPE) {
        c->type = NGX_F1_REPLAY_LOAD_T_OTHER;

        if (len == 1 && s[0] == 'f') {
            /* a compact frame counts as a frame */
            c->type = NGX_F1_REPLAY_LOAD_T_FRAME;
            c->compact = 1;
        }

        for (i = 0; i < NGX_F1_REPLAY_LOAD_T_KNOWN && !c->compact; i++) {
            name = ngx_f1_replay_load_types[i];

            if (strlen(name) == len && memcmp(name, s, len) == 0) {
                c->type = i;
                break;
            }
        }

        c->got |= NGX_F1_REPLAY_LOAD_GOT_TYPE;
    }

    return ngx_f1_replay_load_json_more(c);
}


static int
ngx_f1_replay_load_json_start(void *ctx)
{
    ngx_f1_replay_load_conn_t  *c;

    c = ctx;

    c->key = NGX_F1_REPLAY_LOAD_KEY_NONE;
    c->depth++;

    return 1;
}


static int
ngx_f1_replay_load_json_key(void *ctx, const unsigned char *s, size_t len)
{
    ngx_f1_replay_load_conn_t  *c;

    c = ctx;

    if (c->depth != 1) {
        return 1;
    }

    if (len == 4 && memcmp(s, "type", 4) == 0) {
        c->key = NGX_F1_REPLAY_LOAD_KEY_TYPE;

    } else if (len == 4 && memcmp(s, "tick", 4) == 0) {
        c->key = NGX_F1_REPLAY_LOAD_KEY_TICK;

    } else if (len == 4 && memcmp(s, "sent", 4) == 0) {
        c->key = NGX_F1_REPLAY_LOAD_KEY_SENT;

    } else if (len == 4 && memcmp(s, "rate", 4) == 0) {
        c->key = NGX_F1_REPLAY_LOAD_KEY_RATE;

    } else if (len == 9 && memcmp(s, "tick_rate", 9) == 0) {
        c->key = NGX_F1_REPLAY_LOAD_KEY_TICK_RATE;

    } else {
        c->key = NGX_F1_REPLAY_LOAD_KEY_NONE;
    }

    return 1;
}


static int
ngx_f1_replay_load_json_end(void *ctx)
{
    ngx_f1_replay_load_conn_t  *c;

    c = ctx;

    c->depth--;

    return ngx_f1_replay_load_json_more(c);
}


static void
ngx_f1_replay_load_hist_add(ngx_f1_replay_load_hist_t *h, uint64_t v)
{
    int  msb, shift, idx;

    if (v < 128) {
        idx = (int) v;

    } else {
        msb = 63 - __builtin_clzll(v);
        shift = msb - 6;
        idx = 128 + (shift - 1) * 64 + (int) ((v >> shift) - 64);
    }

    h->bucket[idx]++;
    h->count++;

    if (v > h->max) {
        h->max = v;
    }
}


static double
ngx_f1_replay_load_hist_pct(ngx_f1_replay_load_hist_t *h, double p)
{
    int       idx, shift;
    double    v;
    uint64_t  rank, seen, mant;

    if (h->count == 0) {
        return 0;
    }

    if (p >= 1.0) {
        return (double) h->max;
    }

    rank = (uint64_t) (p * h->count);
    if ((double) rank < p * h->count || rank == 0) {
        rank++;
    }

    seen = 0;

    for (idx = 0; idx < NGX_F1_REPLAY_LOAD_HIST_SIZE; idx++) {
        seen += h->bucket[idx];

        if (seen >= rank) {
            break;
        }
    }

    if (idx < 128) {
        v = idx;

    } else {
        shift = (idx - 128) / 64 + 1;
        mant = (idx - 128) % 64 + 64;
        v = ((double) (mant << shift) + (double) ((mant + 1) << shift) - 1)
            / 2;
    }

    return v < (double) h->max ? v : (double) h->max;
}


static int
ngx_f1_replay_load_cmp_double(const void *a, const void *b)
{
    double  x, y;

    x = *(const double *) a;
    y = *(const double *) b;

    return (x > y) - (x < y);
}


/* v must be sorted */

static double
ngx_f1_replay_load_pct(double *v, size_t n, double p)
{
    size_t  i;

    if (n == 0) {
        return 0;
    }

    i = (size_t) (p * n);
    if ((double) i < p * n) {
        i++;
    }

    return v[i == 0 ? 0 : (i > n ? n - 1 : i - 1)];
}


static long
ngx_f1_replay_load_status_kb(const char *name)
{
    long    kb;
    char    line[256];
    FILE   *f;
    size_t  len;

    f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return -1;
    }

    kb = -1;
    len = strlen(name);

    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, name, len) == 0 && line[len] == ':') {
            kb = strtol(line + len + 1, NULL, 10);
            break;
        }
    }

    fclose(f);

    return kb;
}


static void
ngx_f1_replay_load_codes(FILE *f, const uint64_t *codes, const char *sep,
    const char *none)
{
    int  i, any;

    any = 0;

    for (i = 0; i < NGX_F1_REPLAY_LOAD_NCODES; i++) {
        if (codes[i] == 0) {
            continue;
        }

        fprintf(f, "%s%d%s%llu", any ? "," : "", i, sep,
                (unsigned long long) codes[i]);
        any = 1;
    }

    if (!any) {
        fputs(none, f);
    }
}


static int
ngx_f1_replay_load_report(void)
{
    int                          i, good, clients, any;
    double                       span, secs, run, cpu, frac;
    double                       fwire, fpayload;
    double                      *fps, *bps, *wps;
    double                       fps_min, fps_p50, fps_max;
    double                       bps_min, bps_p50, bps_max, wps_p50;
    double                       sp50, sp99, spmax;
    double                       j50, j99, jmax, l50, l99, lmax;
    long                         rss, hwm;
    uint64_t                     expected, received, missing, dups, resets;
    uint64_t                     by_server, frames, wire;
    uint32_t                     step_min, step_max;
    struct rusage                ru;
    ngx_f1_replay_load_t        *ld;
    ngx_f1_replay_load_conn_t   *c;

    ld = &ngx_f1_replay_load;

    fps = malloc(sizeof(double) * (ld->n + 1));
    bps = malloc(sizeof(double) * (ld->n + 1));
    wps = malloc(sizeof(double) * (ld->n + 1));

    if (fps == NULL || bps == NULL || wps == NULL) {
        fprintf(stderr, "f1-replay-load: out of memory\n");
        free(fps);
        free(bps);
        free(wps);
        return 1;
    }

    clients = 0;
    good = 0;
    expected = 0;
    received = 0;
    missing = 0;
    dups = 0;
    resets = 0;
    frames = 0;
    wire = 0;
    step_min = 0;
    step_max = 0;

    for (i = 0; i < ld->opened; i++) {
        c = &ld->conns[i];

        if (c->t_open == 0) {
            continue;
        }

        span = (double) (c->t_end - c->t_open) / NGX_F1_REPLAY_LOAD_SEC;

        if (span > 0) {
            fps[clients] = c->frames / span;
            bps[clients] = c->bytes / span;
            wps[clients] = c->wire / span;
            clients++;
        }

        wire += c->wire;

        frames += c->frames;
        missing += c->missing;
        dups += c->dups;
        resets += c->resets;

        if (step_min == 0 || c->step < step_min) {
            step_min = c->step;
        }

        if (c->step > step_max) {
            step_max = c->step;
        }

        if (c->have_tick) {
            if (!c->new_seg) {
                c->expected += c->last_bucket - c->seg_first + 1;
            }

            expected += c->expected;
            received += c->expected - c->missing;

            if ((double) (c->expected - c->missing) >= 0.98 * c->expected) {
                good++;
            }
        }
    }

    qsort(fps, clients, sizeof(double), ngx_f1_replay_load_cmp_double);
    qsort(bps, clients, sizeof(double), ngx_f1_replay_load_cmp_double);
    qsort(wps, clients, sizeof(double), ngx_f1_replay_load_cmp_double);

    fps_min = clients ? fps[0] : 0;
    fps_p50 = ngx_f1_replay_load_pct(fps, clients, 0.5);
    fps_max = clients ? fps[clients - 1] : 0;
    bps_min = clients ? bps[0] : 0;
    bps_p50 = ngx_f1_replay_load_pct(bps, clients, 0.5);
    bps_max = clients ? bps[clients - 1] : 0;
    wps_p50 = ngx_f1_replay_load_pct(wps, clients, 0.5);

    free(fps);
    free(bps);
    free(wps);

    sp50 = ngx_f1_replay_load_hist_pct(&ld->spread, 0.5);
    sp99 = ngx_f1_replay_load_hist_pct(&ld->spread, 0.99);
    spmax = ngx_f1_replay_load_hist_pct(&ld->spread, 1.0);
    j50 = ngx_f1_replay_load_hist_pct(&ld->jitter, 0.5) / 1000;
    j99 = ngx_f1_replay_load_hist_pct(&ld->jitter, 0.99) / 1000;
    jmax = ngx_f1_replay_load_hist_pct(&ld->jitter, 1.0) / 1000;
    l50 = ngx_f1_replay_load_hist_pct(&ld->late, 0.5) / 1000;
    l99 = ngx_f1_replay_load_hist_pct(&ld->late, 0.99) / 1000;
    lmax = ngx_f1_replay_load_hist_pct(&ld->late, 1.0) / 1000;

    by_server = ld->reasons[NGX_F1_REPLAY_LOAD_END_CLOSE]
                + ld->reasons[NGX_F1_REPLAY_LOAD_END_EOF]
                + ld->reasons[NGX_F1_REPLAY_LOAD_END_RESET];

    secs = (double) (ld->now - ld->start) / NGX_F1_REPLAY_LOAD_SEC;
    run = ld->all_up ? (double) ((ld->close_start ? ld->close_start : ld->now)
                                - ld->all_up) / NGX_F1_REPLAY_LOAD_SEC
                    : 0;

    frac = expected ? (double) received / expected : 0;

    fwire = frames ? (double) ld->frame_wire / frames : 0;
    fpayload = frames ? (double) ld->frame_payload / frames : 0;

    getrusage(RUSAGE_SELF, &ru);
    cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
          + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;

    rss = ngx_f1_replay_load_status_kb("VmRSS");
    hwm = ngx_f1_replay_load_status_kb("VmHWM");

    printf("f1-replay-load %s\n", ld->url);
    printf("  run           %.2f s total, ramp %.2f s, steady %.2f s "
           "(requested -t %.1f)%s\n",
           secs,
           ld->all_up ? (double) (ld->all_up - ld->start)
                       / NGX_F1_REPLAY_LOAD_SEC : 0,
           run, ld->seconds,
           ld->deadline_hit ? ", GLOBAL DEADLINE HIT"
           : (ngx_f1_replay_load_interrupted ? ", interrupted" : ""));

    printf("  connections   requested %d, opened %d, established %d, "
           "failed %d, closed by server %llu\n",
           ld->n, ld->opened, ld->established, ld->failed,
           (unsigned long long) by_server);

    for (i = 0; i < NGX_F1_REPLAY_LOAD_NREASONS; i++) {
        if (ld->reasons[i]) {
            printf("    %-34s %llu\n", ngx_f1_replay_load_reasons[i],
                   (unsigned long long) ld->reasons[i]);
        }
    }

    for (i = 0; i < NGX_F1_REPLAY_LOAD_NERRNO; i++) {
        if (ld->errnos[i]) {
            printf("    errno %-28s %llu\n", strerror(i),
                   (unsigned long long) ld->errnos[i]);
        }
    }

    for (i = 0; i < NGX_F1_REPLAY_LOAD_NSTATUS; i++) {
        if (ld->status[i]) {
            printf("    HTTP status %-22d %llu\n", i,
                   (unsigned long long) ld->status[i]);
        }
    }

    printf("    server close codes (code x count): ");
    ngx_f1_replay_load_codes(stdout, ld->codes, " x ", "none");
    printf("\n    close reply codes: ");
    ngx_f1_replay_load_codes(stdout, ld->reply_codes, " x ", "none");
    printf("\n");

    printf("  frames/s      per client min %.2f p50 %.2f max %.2f "
           "(%d clients, open time)\n",
           fps_min, fps_p50, fps_max, clients);

    printf("  ticks         expected %llu, received %llu (%.3f%%), "
           "missing %llu, dup/out-of-order %llu, resets %llu",
           (unsigned long long) expected, (unsigned long long) received,
           frac * 100, (unsigned long long) missing,
           (unsigned long long) dups, (unsigned long long) resets);

    if (step_max > 1) {
        printf(" (in tick steps of %u..%u)", step_min, step_max);
    }

    printf("\n");

    printf("  clients >=98%% %d of %d established\n", good, ld->established);

    printf("  tick spread   p50 %.0f p99 %.0f max %.0f ticks "
           "(%llu samples every 100 ms, steady phase)\n",
           sp50, sp99, spmax, (unsigned long long) ld->spread.count);

    printf("  jitter        p50 %.3f p99 %.3f max %.3f ms "
           "(|interval - tick length x ticks|, %llu intervals)\n",
           j50, j99, jmax, (unsigned long long) ld->jitter.count);

    printf("  lateness      p50 %.3f p99 %.3f max %.3f ms "
           "(recv CLOCK_REALTIME - \"sent\", %llu frames",
           l50, l99, lmax, (unsigned long long) ld->late.count);

    if (ld->late.count) {
        printf(", min %.3f ms, %llu negative", ld->late_min,
               (unsigned long long) ld->late_negative);
    }

    printf(")\n");

    printf("  bytes         total %llu (%.2f MB/s overall), per client "
           "B/s min %.0f p50 %.0f max %.0f (on the wire)\n",
           (unsigned long long) ld->bytes,
           secs > 0 ? ld->bytes / secs / 1e6 : 0, bps_min, bps_p50,
           bps_max);

    printf("  frame size    mean %.1f bytes on the wire (with frame "
           "headers), %.1f bytes of JSON\n", fwire, fpayload);

    if (ld->deflate) {
        printf("  deflate       accepted on %llu of %d established; %llu "
               "compressed messages, %llu -> %llu bytes inflated (%.2fx), "
               "%llu errors\n",
               (unsigned long long) ld->deflate_conns, ld->established,
               (unsigned long long) ld->z_messages,
               (unsigned long long) ld->z_wire,
               (unsigned long long) ld->z_inflated,
               ld->z_wire ? (double) ld->z_inflated / ld->z_wire : 0,
               (unsigned long long) ld->z_errors);
    }

    if (ld->message) {
        printf("  sent          -m message on %llu connections (%zu "
               "bytes)%s\n", (unsigned long long) ld->sent_messages,
               ld->message_len,
               ld->same_write ? ", each in the handshake's write" : "");
    }

    if (ld->delays) {
        printf("  delays        ?delay=0..%d s, connection i: i mod %d\n",
               ld->delays - 1, ld->delays);
    }

    if (ld->drain > 0) {
        printf("  drains        %llu, every %.2f s per connection\n",
               (unsigned long long) ld->drains, ld->drain);
    }

    if (ld->rcvbuf) {
        printf("  SO_RCVBUF     %d requested\n", ld->rcvbuf);
    }

    if (ld->tls) {
        printf("  tls           %llu handshakes (%s, %s), %llu resumed%s, "
               "%llu errors; certificate not verified\n",
               (unsigned long long) ld->tls_handshakes,
               ld->tls_version[0] ? ld->tls_version : "-",
               ld->tls_cipher[0] ? ld->tls_cipher : "-",
               (unsigned long long) ld->tls_resumed,
               ld->tls_reuse ? " (-S)" : "",
               (unsigned long long) ld->tls_errors);
        printf("  tls wire      %llu bytes read from the sockets (TLS "
               "records, handshakes), per client B/s p50 %.0f\n",
               (unsigned long long) wire, wps_p50);
    }

    printf("  messages      %llu total, %llu bytes, largest %llu bytes:",
           (unsigned long long) ld->messages,
           (unsigned long long) ld->payload,
           (unsigned long long) ld->max_msg);

    any = 0;
    for (i = 0; i < NGX_F1_REPLAY_LOAD_NTYPES; i++) {
        if (ld->types[i]) {
            printf(" %s %llu", ngx_f1_replay_load_types[i],
                   (unsigned long long) ld->types[i]);
            any = 1;
        }

        if (i == NGX_F1_REPLAY_LOAD_T_FRAME && ld->compact) {
            printf(" (compact %llu)", (unsigned long long) ld->compact);
        }
    }

    if (!any) {
        printf(" none");
    }

    printf("; pings %llu, pongs %llu\n", (unsigned long long) ld->pings,
           (unsigned long long) ld->pongs);

    printf("  client        cpu %.2f s (user %.2f, sys %.2f; %.1f%% of a "
           "core), rss %ld kB, peak %ld kB\n",
           cpu, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
           secs > 0 ? cpu / secs * 100 : 0, rss, hwm);

    if (secs > 0 && cpu / secs > 0.9) {
        printf("  WARNING       the client used %.0f%% of a core: it may be "
               "the bottleneck, timing\n                figures include its "
               "own delay (run fewer connections)\n", cpu / secs * 100);
    }

    printf("RESULT requested=%d established=%d failed=%d "
           "closed_by_server=%llu clean_close=%llu close_codes=",
           ld->n, ld->established, ld->failed,
           (unsigned long long) by_server,
           (unsigned long long) ld->reasons[NGX_F1_REPLAY_LOAD_END_CLEAN]);
    ngx_f1_replay_load_codes(stdout, ld->codes, ":", "-");

    printf(" steady_s=%.2f fps_min=%.2f fps_p50=%.2f fps_max=%.2f "
           "ticks_expected=%llu ticks_received=%llu ticks_missing=%llu "
           "ticks_dup=%llu tick_resets=%llu tick_fraction=%.5f "
           "clients_98=%d",
           run, fps_min, fps_p50, fps_max,
           (unsigned long long) expected, (unsigned long long) received,
           (unsigned long long) missing, (unsigned long long) dups,
           (unsigned long long) resets, frac, good);

    printf(" spread_p50=%.0f spread_p99=%.0f spread_max=%.0f "
           "jitter_p50_ms=%.3f jitter_p99_ms=%.3f jitter_max_ms=%.3f "
           "late_p50_ms=%.3f late_p99_ms=%.3f late_max_ms=%.3f",
           sp50, sp99, spmax, j50, j99, jmax, l50, l99, lmax);

    printf(" bytes=%llu client_bps_p50=%.0f frames=%llu",
           (unsigned long long) ld->bytes, bps_p50,
           (unsigned long long) frames);

    printf(" messages=%llu payload_bytes=%llu frames_compact=%llu "
           "frame_wire_mean=%.1f frame_payload_mean=%.1f "
           "tick_step_min=%u tick_step_max=%u sent_messages=%llu "
           "deflate_conns=%llu z_messages=%llu z_wire_bytes=%llu "
           "z_inflated_bytes=%llu z_errors=%llu",
           (unsigned long long) ld->messages,
           (unsigned long long) ld->payload,
           (unsigned long long) ld->compact, fwire, fpayload,
           step_min, step_max, (unsigned long long) ld->sent_messages,
           (unsigned long long) ld->deflate_conns,
           (unsigned long long) ld->z_messages,
           (unsigned long long) ld->z_wire,
           (unsigned long long) ld->z_inflated,
           (unsigned long long) ld->z_errors);

    for (i = 1; i < NGX_F1_REPLAY_LOAD_NTYPES; i++) {
        printf(" msg_%s=%llu", ngx_f1_replay_load_types[i],
               (unsigned long long) ld->types[i]);
    }

    printf(" delays=%d drain_s=%.2f drains=%llu rcvbuf=%d",
           ld->delays, ld->drain, (unsigned long long) ld->drains,
           ld->rcvbuf);

    printf(" tls=%d tls_handshakes=%llu tls_resumed=%llu tls_errors=%llu",
           ld->tls, (unsigned long long) ld->tls_handshakes,
           (unsigned long long) ld->tls_resumed,
           (unsigned long long) ld->tls_errors);

    printf(" wire_bytes=%llu client_wire_bps_p50=%.0f",
           (unsigned long long) wire, wps_p50);

    printf(" rss_kb=%ld cpu_s=%.2f client_saturated=%d deadline_hit=%d\n",
           hwm, cpu, secs > 0 && cpu / secs > 0.9, ld->deadline_hit);

    fflush(stdout);

    return (ld->established > 0 && !ld->deadline_hit) ? 0 : 1;
}
