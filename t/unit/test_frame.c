
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The frame encoder on a hand-written session: car_at()/pos_at() at
 * chosen times against values worked out by hand, and the frame JSON
 * (parsed back with yajl_tree) for its shape and the filter.
 *
 * Session time 0 is 2030-01-01T12:00:00Z (the CarData line times are
 * their last entry's Utc minus that).  Drivers, in driver-list order:
 *
 *   1 AAA  car data only (times in ms):
 *            t      rpm  speed gear thr  brk  drs
 *          10000  10000   200   5    50    0    8
 *          10250  10500   210   6    60  100   12
 *          10500  11000   221   6   104    0   12   (throttle: none)
 *          10750  11200   225   7    80  104   12   (brake: none)
 *          12000   9000   150   4     0  100    0   (1250 ms gap before)
 *          12200   9100   151   4     1  100    0   (last)
 *
 *   2 BBB  position only:
 *            t        x      y    z   status
 *          10000      0      0    0   (no fix)
 *          10100   1000  -2000   50   OnTrack
 *          10300      0      0    0   (no fix)
 *          10500   1400  -2400   51   OnTrack
 *          10700   1401  -2401   51   OffTrack
 *          11800     -4     10   -1   OnTrack   (1100 ms gap before)
 *          11900     -3     11   -2   OnTrack
 *          12000      0      0    0   (no fix, last)
 *
 *   3 CCC  no data at all
 *
 *   4 DDD  position: a fix at 1000 (x 7, y 8, z 9), then 300 samples
 *          without a fix at 1010, 1020, ... 3000
 *
 * For the compact frame's provenance bits a second session has, on top
 * of that, positions of car 1, which then has both time bases:
 *
 *   1 AAA  position:
 *            t        x      y    z   status
 *          10000     10     20   30   OnTrack
 *          10200     12     22   32   OffTrack  (last)
 *
 * The compact frame is also checked against the JSON frame, value by
 * value, at every 10 ms of both sessions.
 */


#include <math.h>            /* NAN */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "ngx_f1_replay_frame.h"
#include "ngx_f1_replay_build.h"
#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_time.h"
#include "unit.h"


#define NGX_F1_REPLAY_TEST_MAX  (512 * 1024)

#include "unit_z.h"  /* with NGX_F1_REPLAY_TEST_MAX */


#define ngx_f1_replay_test_near(a, b)  ((a) - (b) < 1e-9 && (b) - (a) < 1e-9)


static void ngx_f1_replay_test_utc(int32_t t, char *buf, size_t len);
static void ngx_f1_replay_test_car(ngx_f1_replay_test_buf_t *b, int32_t t,
    unsigned number, int rpm, int speed, int gear, int thr, int brk,
    int drs);
static void ngx_f1_replay_test_pos(ngx_f1_replay_test_buf_t *b, int32_t t,
    unsigned number, const char *status, int x, int y, int z);
static ngx_f1_replay_session_t *ngx_f1_replay_test_session(int data);
static int ngx_f1_replay_test_car_is(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, int src, double rpm,
    double speed, double thr, int thr_none, unsigned gear, unsigned brk,
    unsigned brk_none, unsigned drs);
static int ngx_f1_replay_test_pos_is(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, int src, double x, double y,
    double z, unsigned status);
static char *ngx_f1_replay_test_frame(const ngx_f1_replay_session_t *s,
    uint64_t tick, int32_t t, double sent, const ngx_f1_replay_filter_t *f);
static yajl_val ngx_f1_replay_test_get(yajl_val v, const char *key);
static int ngx_f1_replay_test_keys(yajl_val v, const char *keys);
static long long ngx_f1_replay_test_int(yajl_val v, const char *key);
static const char *ngx_f1_replay_test_str(yajl_val v, const char *key);
static void ngx_f1_replay_test_car_at(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_pos_at(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_encode(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_filter(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_no_utc(void);
static yajl_val ngx_f1_replay_test_car_array(yajl_val v, size_t i);
static long long ngx_f1_replay_test_p(const ngx_f1_replay_session_t *s,
    int32_t t, size_t i);
static int ngx_f1_replay_test_same_value(yajl_val json, yajl_val e);
static int ngx_f1_replay_test_same_car(yajl_val car, yajl_val a,
    uint32_t channels);
static int ngx_f1_replay_test_same(const ngx_f1_replay_session_t *s,
    int32_t t, uint32_t channels);
static void ngx_f1_replay_test_compact(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_compact_filter(
    const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_compact_both(void);
static void ngx_f1_replay_test_compact_all(const ngx_f1_replay_session_t *s,
    const char *name);


int
main(void)
{
    ngx_f1_replay_session_t  *s;

    s = ngx_f1_replay_test_session(1);

    UNIT_CHECK(s != NULL, "session built from hand-written topics");

    if (s != NULL) {
        UNIT_CHECK(s->utc0_ms == 1893499200000LL
                   && s->utc0_source == NGX_F1_REPLAY_UTC0_CAR_DATA,
                   "utc0 is 2030-01-01T12:00:00Z, from the car data");
        UNIT_CHECK(s->drivers.n == 4, "four drivers");

        ngx_f1_replay_test_car_at(s);
        ngx_f1_replay_test_pos_at(s);
        ngx_f1_replay_test_encode(s);
        ngx_f1_replay_test_filter(s);
        ngx_f1_replay_test_compact(s);
        ngx_f1_replay_test_compact_filter(s);
        ngx_f1_replay_test_compact_all(s, "compact frame and JSON frame "
                                       "agree, every 10 ms, all filters");

        free(s);
    }

    ngx_f1_replay_test_compact_both();
    ngx_f1_replay_test_no_utc();

    return UNIT_DONE();
}


/* the archive's Utc of session time t (0 <= t < 1 h) */

static void
ngx_f1_replay_test_utc(int32_t t, char *buf, size_t len)
{
    snprintf(buf, len, "2030-01-01T12:%02d:%02d.%03d0000Z",
             (int) (t / 60000), (int) (t / 1000 % 60), (int) (t % 1000));
}


/* one CarData.z line with one entry of one car, timed as its entry */

static void
ngx_f1_replay_test_car(ngx_f1_replay_test_buf_t *b, int32_t t,
    unsigned number, int rpm, int speed, int gear, int thr, int brk,
    int drs)
{
    char  utc[64], json[512];

    ngx_f1_replay_test_utc(t, utc, sizeof(utc));

    snprintf(json, sizeof(json),
             "{\"Entries\":[{\"Utc\":\"%s\",\"Cars\":{\"%u\":{\"Channels\":"
             "{\"0\":%d,\"2\":%d,\"3\":%d,\"4\":%d,\"5\":%d,\"45\":%d}}}}]}",
             utc, number, rpm, speed, gear, thr, brk, drs);

    ngx_f1_replay_test_z_line(b, t, json);
}


static void
ngx_f1_replay_test_pos(ngx_f1_replay_test_buf_t *b, int32_t t,
    unsigned number, const char *status, int x, int y, int z)
{
    char  utc[64], json[512];

    ngx_f1_replay_test_utc(t, utc, sizeof(utc));

    snprintf(json, sizeof(json),
             "{\"Position\":[{\"Timestamp\":\"%s\",\"Entries\":{\"%u\":"
             "{\"Status\":\"%s\",\"X\":%d,\"Y\":%d,\"Z\":%d}}}]}",
             utc, number, status, x, y, z);

    ngx_f1_replay_test_z_line(b, t, json);
}


/*
 * data: 0 no CarData.z and Position.z, 1 the session described at the
 * top, 2 that and the positions of car 1
 */

static ngx_f1_replay_session_t *
ngx_f1_replay_test_session(int data)
{
    int                        i;
    char                       err[256];
    ngx_f1_replay_test_buf_t   car, pos;
    ngx_f1_replay_session_t   *s;
    ngx_f1_replay_loader_t    *ld;

    static char  car_buf[NGX_F1_REPLAY_TEST_MAX];
    static char  pos_buf[NGX_F1_REPLAY_TEST_MAX];

    static const char  session_info[] =
        "00:00:00.000{\"Meeting\":{\"Name\":\"Unit Grand Prix\"},"
        "\"Type\":\"Race\",\"Name\":\"Race\","
        "\"StartDate\":\"2030-01-01T12:00:00\",\"GmtOffset\":\"00:00:00\"}"
        "\r\n";

    static const char  driver_list[] =
        "00:00:01.000{"
        "\"1\":{\"RacingNumber\":\"1\",\"Tla\":\"AAA\",\"Line\":1},"
        "\"2\":{\"RacingNumber\":\"2\",\"Tla\":\"BBB\",\"Line\":2},"
        "\"3\":{\"RacingNumber\":\"3\",\"Tla\":\"CCC\",\"Line\":3},"
        "\"4\":{\"RacingNumber\":\"4\",\"Tla\":\"DDD\",\"Line\":4}}\r\n";

    car.data = car_buf;
    car.len = 0;
    pos.data = pos_buf;
    pos.len = 0;

    ngx_f1_replay_test_pos(&pos, 1000, 4, "OnTrack", 7, 8, 9);

    for (i = 0; i < 300; i++) {
        ngx_f1_replay_test_pos(&pos, 1010 + 10 * i, 4, "OnTrack", 0, 0, 0);
    }

    ngx_f1_replay_test_car(&car, 10000, 1, 10000, 200, 5, 50, 0, 8);

    if (data == 2) {
        ngx_f1_replay_test_pos(&pos, 10000, 1, "OnTrack", 10, 20, 30);
    }

    ngx_f1_replay_test_pos(&pos, 10000, 2, "OnTrack", 0, 0, 0);
    ngx_f1_replay_test_pos(&pos, 10100, 2, "OnTrack", 1000, -2000, 50);

    if (data == 2) {
        ngx_f1_replay_test_pos(&pos, 10200, 1, "OffTrack", 12, 22, 32);
    }

    ngx_f1_replay_test_car(&car, 10250, 1, 10500, 210, 6, 60, 100, 12);
    ngx_f1_replay_test_pos(&pos, 10300, 2, "OnTrack", 0, 0, 0);
    ngx_f1_replay_test_car(&car, 10500, 1, 11000, 221, 6, 104, 0, 12);
    ngx_f1_replay_test_pos(&pos, 10500, 2, "OnTrack", 1400, -2400, 51);
    ngx_f1_replay_test_pos(&pos, 10700, 2, "OffTrack", 1401, -2401, 51);
    ngx_f1_replay_test_car(&car, 10750, 1, 11200, 225, 7, 80, 104, 12);
    ngx_f1_replay_test_pos(&pos, 11800, 2, "OnTrack", -4, 10, -1);
    ngx_f1_replay_test_pos(&pos, 11900, 2, "OnTrack", -3, 11, -2);
    ngx_f1_replay_test_car(&car, 12000, 1, 9000, 150, 4, 0, 100, 0);
    ngx_f1_replay_test_pos(&pos, 12000, 2, "OnTrack", 0, 0, 0);
    ngx_f1_replay_test_car(&car, 12200, 1, 9100, 151, 4, 1, 100, 0);

    ld = ngx_f1_replay_loader_create(NULL, NULL);
    if (ld == NULL) {
        return NULL;
    }

    s = NULL;

    if (ngx_f1_replay_loader_add(ld, "SessionInfo", "SessionInfo",
                                 (const unsigned char *) session_info,
                                 sizeof(session_info) - 1, err, sizeof(err))
        != 0
        || ngx_f1_replay_loader_add(ld, "DriverList", "DriverList",
                                    (const unsigned char *) driver_list,
                                    sizeof(driver_list) - 1,
                                    err, sizeof(err))
           != 0
        || (data
            && ngx_f1_replay_loader_add(ld, "CarData.z", "CarData.z",
                                        (const unsigned char *) car.data,
                                        car.len, err, sizeof(err))
               != 0)
        || (data
            && ngx_f1_replay_loader_add(ld, "Position.z", "Position.z",
                                        (const unsigned char *) pos.data,
                                        pos.len, err, sizeof(err))
               != 0))
    {
        printf("# %s\n", err);
        goto done;
    }

    s = ngx_f1_replay_build_session(ld, err, sizeof(err));
    if (s == NULL) {
        printf("# %s\n", err);
    }

done:

    ngx_f1_replay_loader_destroy(ld);

    return s;
}


static int
ngx_f1_replay_test_car_is(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, int src, double rpm,
    double speed, double thr, int thr_none, unsigned gear, unsigned brk,
    unsigned brk_none, unsigned drs)
{
    ngx_f1_replay_car_at_t  c;

    ngx_f1_replay_frame_car_at(s, d, t, &c);

    if (c.src != src
        || !ngx_f1_replay_test_near(c.rpm, rpm)
        || !ngx_f1_replay_test_near(c.speed, speed)
        || !ngx_f1_replay_test_near(c.throttle, thr)
        || c.throttle_none != thr_none
        || c.gear != gear
        || c.brake != brk
        || c.brake_none != brk_none
        || c.drs != drs)
    {
        printf("# t %d: src %d rpm %.6f speed %.6f thr %.6f none %d "
               "gear %u brk %u none %u drs %u\n", (int) t, c.src, c.rpm,
               c.speed, c.throttle, c.throttle_none, c.gear, c.brake,
               c.brake_none, c.drs);
        return 0;
    }

    return 1;
}


static int
ngx_f1_replay_test_pos_is(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, int src, double x, double y,
    double z, unsigned status)
{
    ngx_f1_replay_pos_at_t  p;

    ngx_f1_replay_frame_pos_at(s, d, t, &p);

    if (p.src != src
        || !ngx_f1_replay_test_near(p.x, x)
        || !ngx_f1_replay_test_near(p.y, y)
        || !ngx_f1_replay_test_near(p.z, z)
        || p.status != status)
    {
        printf("# t %d: src %d x %.6f y %.6f z %.6f status %u\n", (int) t,
               p.src, p.x, p.y, p.z, p.status);
        return 0;
    }

    return 1;
}


static void
ngx_f1_replay_test_car_at(const ngx_f1_replay_session_t *s)
{
    const ngx_f1_replay_driver_t  *d, *none;

    d = ngx_f1_replay_session_driver(s, 1);
    none = ngx_f1_replay_session_driver(s, 3);

    UNIT_CHECK(d != NULL && d->car.n == 6 && d->pos.n == 0,
               "car 1: six car samples, no position");

    if (d == NULL || none == NULL) {
        return;
    }

    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 9999, NGX_F1_REPLAY_SRC_NONE,
                                         0, 0, 0, 0, 0, 0, 0, 0),
               "car before its first sample: none, all zero");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, none, 10000,
                                         NGX_F1_REPLAY_SRC_NONE,
                                         0, 0, 0, 0, 0, 0, 0, 0),
               "car without samples: none");

    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10000, NGX_F1_REPLAY_SRC_REAL,
                                         10000, 200, 50, 0, 5, 0, 0, 8),
               "car exactly on its first sample: real");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10250, NGX_F1_REPLAY_SRC_REAL,
                                         10500, 210, 60, 0, 6, 100, 0, 12),
               "car exactly on a sample: real");

    /* 10000 .. 10250: rpm 10000..10500, speed 200..210, throttle 50..60 */

    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10125,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         10250, 205, 55, 0, 5, 0, 0, 8),
               "car midway: linear rpm, speed, throttle; gear, brake, drs "
               "of the earlier sample");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10100,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         10200, 204, 54, 0, 5, 0, 0, 8),
               "car at 40%: linear");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10249,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         10000 + 500.0 * 249 / 250,
                                         200 + 10.0 * 249 / 250,
                                         50 + 10.0 * 249 / 250, 0,
                                         5, 0, 0, 8),
               "car 1 ms before a sample: discrete values still held");

    /* 10250 .. 10500: the later sample has no throttle */

    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10300,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         10600, 212.2, 0, 1, 6, 100, 0, 12),
               "car before a sample without throttle: throttle none");

    /* 10500 .. 10750: the earlier sample has no throttle */

    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10500, NGX_F1_REPLAY_SRC_REAL,
                                         11000, 221, 0, 1, 6, 0, 0, 12),
               "car on a sample without throttle: throttle none");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10625,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         11100, 223, 0, 1, 6, 0, 0, 12),
               "car after a sample without throttle: throttle none");

    /* 10750 .. 12000 is 1250 ms: not bridged */

    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 10750, NGX_F1_REPLAY_SRC_REAL,
                                         11200, 225, 80, 0, 7, 0, 1, 12),
               "car on a sample without brake: brake none");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 11375,
                                         NGX_F1_REPLAY_SRC_STALE,
                                         11200, 225, 80, 0, 7, 0, 1, 12),
               "car in a gap over 1 s: the earlier sample held, stale");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 11999,
                                         NGX_F1_REPLAY_SRC_STALE,
                                         11200, 225, 80, 0, 7, 0, 1, 12),
               "car at the end of a gap over 1 s: still stale");

    /* 12000 .. 12200 */

    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 12100,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         9050, 150.5, 0.5, 0, 4, 100, 0, 0),
               "car midway after the gap: interpolated again");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 12200, NGX_F1_REPLAY_SRC_REAL,
                                         9100, 151, 1, 0, 4, 100, 0, 0),
               "car on its last sample: real");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, 12201,
                                         NGX_F1_REPLAY_SRC_STALE,
                                         9100, 151, 1, 0, 4, 100, 0, 0),
               "car after its last sample: held, not extrapolated, stale");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, INT32_MAX,
                                         NGX_F1_REPLAY_SRC_STALE,
                                         9100, 151, 1, 0, 4, 100, 0, 0),
               "car long after its last sample: stale");
    UNIT_CHECK(ngx_f1_replay_test_car_is(s, d, INT32_MIN,
                                         NGX_F1_REPLAY_SRC_NONE,
                                         0, 0, 0, 0, 0, 0, 0, 0),
               "car at the earliest time: none");
}


static void
ngx_f1_replay_test_pos_at(const ngx_f1_replay_session_t *s)
{
    const ngx_f1_replay_driver_t  *d, *car, *none, *lost;

    d = ngx_f1_replay_session_driver(s, 2);
    car = ngx_f1_replay_session_driver(s, 1);
    none = ngx_f1_replay_session_driver(s, 3);
    lost = ngx_f1_replay_session_driver(s, 4);

    UNIT_CHECK(d != NULL && d->pos.n == 8 && d->car.n == 0,
               "car 2: eight position samples, no car data");
    UNIT_CHECK(lost != NULL && lost->pos.n == 301,
               "car 4: 301 position samples");

    if (d == NULL || car == NULL || none == NULL || lost == NULL) {
        return;
    }

    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, car, 10000,
                                         NGX_F1_REPLAY_SRC_NONE, 0, 0, 0, 0)
               && ngx_f1_replay_test_pos_is(s, none, 10000,
                                            NGX_F1_REPLAY_SRC_NONE,
                                            0, 0, 0, 0),
               "position of cars without position samples: none");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 9999, NGX_F1_REPLAY_SRC_NONE,
                                         0, 0, 0, 0),
               "position before the first sample: none");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 10000, NGX_F1_REPLAY_SRC_NONE,
                                         0, 0, 0, 0)
               && ngx_f1_replay_test_pos_is(s, d, 10099,
                                            NGX_F1_REPLAY_SRC_NONE,
                                            0, 0, 0, 0),
               "position on and after a first sample without fix: none");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 10100, NGX_F1_REPLAY_SRC_REAL,
                                         1000, -2000, 50,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position on the first fix: real");

    /* 10100 .. 10500 across the no-fix sample at 10300 */

    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 10300,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         1200, -2200, 50.5,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position on a sample without fix: interpolated between the "
               "fixes around it");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 10200,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         1100, -2100, 50.25,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position before a sample without fix: interpolated");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 10400,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         1300, -2300, 50.75,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position after a sample without fix: interpolated");

    /* 10500 .. 10700: the status is held, not interpolated */

    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 10650,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         1400.75, -2400.75, 51,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position status of the earlier fix");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 10700, NGX_F1_REPLAY_SRC_REAL,
                                         1401, -2401, 51,
                                         NGX_F1_REPLAY_POS_OFF_TRACK),
               "position on an off-track fix: real, off track");

    /* 10700 .. 11800 is 1100 ms */

    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 11250,
                                         NGX_F1_REPLAY_SRC_STALE,
                                         1401, -2401, 51,
                                         NGX_F1_REPLAY_POS_OFF_TRACK),
               "position in a gap over 1 s: held, stale");

    /* 11800 .. 11900, negative halves round up in the frame */

    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 11850,
                                         NGX_F1_REPLAY_SRC_INTERP,
                                         -3.5, 10.5, -1.5,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position midway between negative values");

    /* the last sample has no fix: the last fix is held */

    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, d, 11950,
                                         NGX_F1_REPLAY_SRC_STALE,
                                         -3, 11, -2,
                                         NGX_F1_REPLAY_POS_ON_TRACK)
               && ngx_f1_replay_test_pos_is(s, d, 12000,
                                            NGX_F1_REPLAY_SRC_STALE,
                                            -3, 11, -2,
                                            NGX_F1_REPLAY_POS_ON_TRACK)
               && ngx_f1_replay_test_pos_is(s, d, 60000,
                                            NGX_F1_REPLAY_SRC_STALE,
                                            -3, 11, -2,
                                            NGX_F1_REPLAY_POS_ON_TRACK),
               "position after the last fix: held, stale, never "
               "extrapolated");

    /* car 4: one fix at 1000, then no fix at 1010 + 10 i, i = 0 .. 299 */

    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, lost, 1005,
                                         NGX_F1_REPLAY_SRC_STALE, 7, 8, 9,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position with only no-fix samples after: stale");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, lost, 1010 + 10 * 254,
                                         NGX_F1_REPLAY_SRC_STALE, 7, 8, 9,
                                         NGX_F1_REPLAY_POS_ON_TRACK),
               "position held over 255 samples without fix");
    UNIT_CHECK(ngx_f1_replay_test_pos_is(s, lost, 1010 + 10 * 255,
                                         NGX_F1_REPLAY_SRC_NONE, 0, 0, 0, 0)
               && ngx_f1_replay_test_pos_is(s, lost, 100000,
                                            NGX_F1_REPLAY_SRC_NONE,
                                            0, 0, 0, 0),
               "position after 256 samples without fix: none");
}


/* the frame as a NUL-terminated string (malloc'ed), NULL on failure */

static char *
ngx_f1_replay_test_frame(const ngx_f1_replay_session_t *s, uint64_t tick,
    int32_t t, double sent, const ngx_f1_replay_filter_t *f)
{
    char                 *out;
    size_t                len;
    yajl_gen              g;
    const unsigned char  *buf;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NULL;
    }

    out = NULL;

    if (ngx_f1_replay_frame_encode(s, tick, t, sent, f, g) == 0
        && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
    {
        out = malloc(len + 1);
        if (out != NULL) {
            memcpy(out, buf, len);
            out[len] = '\0';
        }
    }

    yajl_gen_free(g);

    return out;
}


static yajl_val
ngx_f1_replay_test_get(yajl_val v, const char *key)
{
    const char  *path[2];

    path[0] = key;
    path[1] = NULL;

    return yajl_tree_get(v, path, yajl_t_any);
}


/* the object's keys, in order, are exactly the space-separated keys */

static int
ngx_f1_replay_test_keys(yajl_val v, const char *keys)
{
    size_t       i, len;
    const char  *p;

    if (!YAJL_IS_OBJECT(v)) {
        return 0;
    }

    p = keys;

    for (i = 0; i < v->u.object.len; i++) {
        len = strlen(v->u.object.keys[i]);

        if (strncmp(p, v->u.object.keys[i], len) != 0
            || (p[len] != ' ' && p[len] != '\0'))
        {
            printf("# key %zu is \"%s\", expected \"%s\"\n", i,
                   v->u.object.keys[i], p);
            return 0;
        }

        p += len;
        p += (*p == ' ');
    }

    if (*p != '\0') {
        printf("# missing keys \"%s\"\n", p);
        return 0;
    }

    return 1;
}


static long long
ngx_f1_replay_test_int(yajl_val v, const char *key)
{
    yajl_val  n;

    n = ngx_f1_replay_test_get(v, key);

    return YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : -999999;
}


static const char *
ngx_f1_replay_test_str(yajl_val v, const char *key)
{
    yajl_val  n;

    n = ngx_f1_replay_test_get(v, key);

    return YAJL_IS_STRING(n) ? YAJL_GET_STRING(n) : "(not a string)";
}


static void
ngx_f1_replay_test_encode(const ngx_f1_replay_session_t *s)
{
    char                    *out, err[256];
    size_t                   len;
    yajl_gen                 g;
    yajl_val                 v, cars, c;
    const unsigned char     *buf;
    ngx_f1_replay_filter_t   all;

    ngx_f1_replay_frame_filter_all(&all);

    /* the exact text, as documented at the top of ngx_f1_replay_frame.c */

    out = ngx_f1_replay_test_frame(s, 7, 10300, 1893499210300.125, &all);

    UNIT_CHECK(out != NULL
               && strcmp(out,
                  "{\"type\":\"frame\",\"tick\":7,\"t\":10300,"
                  "\"utc\":\"2030-01-01T12:00:10.300Z\","
                  "\"sent\":1893499210300.125,\"cars\":["
                  "{\"n\":1,\"v\":212,\"rpm\":10600,\"g\":6,\"thr\":null,"
                  "\"brk\":100,\"drs\":12,\"cs\":\"i\"},"
                  "{\"n\":2,\"x\":1200,\"y\":-2200,\"z\":51,\"ps\":\"i\"},"
                  "{\"n\":3},"
                  "{\"n\":4}]}")
                  == 0,
               "frame text at 10.300 s");

    free(out);

    /* parsed back */

    out = ngx_f1_replay_test_frame(s, 123456789012ULL, 10750, 0, &all);
    v = out ? yajl_tree_parse(out, err, sizeof(err)) : NULL;

    UNIT_CHECK(v != NULL, "frame parses as JSON");

    if (v != NULL) {
        cars = ngx_f1_replay_test_get(v, "cars");

        UNIT_CHECK(ngx_f1_replay_test_keys(v, "type tick t utc sent cars")
                   && strcmp(ngx_f1_replay_test_str(v, "type"), "frame")
                      == 0
                   && ngx_f1_replay_test_int(v, "tick") == 123456789012LL
                   && ngx_f1_replay_test_int(v, "t") == 10750
                   && strcmp(ngx_f1_replay_test_str(v, "utc"),
                             "2030-01-01T12:00:10.750Z") == 0
                   && YAJL_IS_NUMBER(ngx_f1_replay_test_get(v, "sent"))
                   && YAJL_GET_DOUBLE(ngx_f1_replay_test_get(v, "sent"))
                      == 0,
                   "frame members: type, tick, t, utc, sent, cars");

        UNIT_CHECK(YAJL_IS_ARRAY(cars) && cars->u.array.len == 4,
                   "frame: every car, in driver-list order");

        if (YAJL_IS_ARRAY(cars) && cars->u.array.len == 4) {
            c = cars->u.array.values[0];

            UNIT_CHECK(ngx_f1_replay_test_keys(c,
                                         "n v rpm g thr brk drs cs")
                       && ngx_f1_replay_test_int(c, "n") == 1
                       && ngx_f1_replay_test_int(c, "v") == 225
                       && ngx_f1_replay_test_int(c, "rpm") == 11200
                       && ngx_f1_replay_test_int(c, "g") == 7
                       && ngx_f1_replay_test_int(c, "thr") == 80
                       && YAJL_IS_NULL(ngx_f1_replay_test_get(c, "brk"))
                       && ngx_f1_replay_test_int(c, "drs") == 12
                       && strcmp(ngx_f1_replay_test_str(c, "cs"), "r") == 0,
                       "car 1 on a sample: real values, brake null");

            c = cars->u.array.values[1];

            UNIT_CHECK(ngx_f1_replay_test_keys(c, "n x y z off ps")
                       && ngx_f1_replay_test_int(c, "n") == 2
                       && ngx_f1_replay_test_int(c, "x") == 1401
                       && ngx_f1_replay_test_int(c, "y") == -2401
                       && ngx_f1_replay_test_int(c, "z") == 51
                       && YAJL_IS_TRUE(ngx_f1_replay_test_get(c, "off"))
                       && strcmp(ngx_f1_replay_test_str(c, "ps"), "s") == 0,
                       "car 2 in a position gap: held, off track, stale");

            c = cars->u.array.values[2];

            UNIT_CHECK(ngx_f1_replay_test_keys(c, "n")
                       && ngx_f1_replay_test_int(c, "n") == 3,
                       "car 3 without data: its number only");

            c = cars->u.array.values[3];

            UNIT_CHECK(ngx_f1_replay_test_keys(c, "n")
                       && ngx_f1_replay_test_int(c, "n") == 4,
                       "car 4 long without fix: its number only");
        }

        yajl_tree_free(v);
    }

    free(out);

    /* rounding: halves up, also below zero */

    out = ngx_f1_replay_test_frame(s, 0, 11850, 0, &all);
    v = out ? yajl_tree_parse(out, err, sizeof(err)) : NULL;
    cars = v ? ngx_f1_replay_test_get(v, "cars") : NULL;
    c = (YAJL_IS_ARRAY(cars) && cars->u.array.len == 4)
        ? cars->u.array.values[1] : NULL;

    UNIT_CHECK(c != NULL
               && ngx_f1_replay_test_int(c, "x") == -3
               && ngx_f1_replay_test_int(c, "y") == 11
               && ngx_f1_replay_test_int(c, "z") == -1
               && strcmp(ngx_f1_replay_test_str(c, "ps"), "i") == 0,
               "position -3.5, 10.5, -1.5 rounds to -3, 11, -1");

    if (v != NULL) {
        yajl_tree_free(v);
    }

    free(out);

    out = ngx_f1_replay_test_frame(s, 0, 12100, 0, &all);
    v = out ? yajl_tree_parse(out, err, sizeof(err)) : NULL;
    cars = v ? ngx_f1_replay_test_get(v, "cars") : NULL;
    c = (YAJL_IS_ARRAY(cars) && cars->u.array.len == 4)
        ? cars->u.array.values[0] : NULL;

    UNIT_CHECK(c != NULL
               && ngx_f1_replay_test_int(c, "v") == 151
               && ngx_f1_replay_test_int(c, "rpm") == 9050
               && ngx_f1_replay_test_int(c, "thr") == 1
               && strcmp(ngx_f1_replay_test_str(c, "cs"), "i") == 0,
               "speed 150.5 and throttle 0.5 round up");

    if (v != NULL) {
        yajl_tree_free(v);
    }

    free(out);

    /* before any data: every car is its number only */

    out = ngx_f1_replay_test_frame(s, 0, 0, 0, &all);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"cars\":[{\"n\":1},{\"n\":2},{\"n\":3},"
                              "{\"n\":4}]}") != NULL
               && strstr(out, "\"utc\":\"2030-01-01T12:00:00.000Z\"")
                  != NULL,
               "frame before any sample: numbers only");

    free(out);

    /* session times before time zero and a send time that is not one */

    out = ngx_f1_replay_test_frame(s, 0, -1, NAN, &all);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"t\":-1,\"utc\":\"2030-01-01T11:59:59.999Z\","
                              "\"sent\":null,") != NULL,
               "negative session time; sent NaN is null");

    free(out);

    out = ngx_f1_replay_test_frame(s, 0, -86400001, 1e300, &all);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"utc\":\"2029-12-31T11:59:59.999Z\","
                              "\"sent\":null,") != NULL,
               "a day before time zero");

    free(out);

    /* the generator must be reset between frames */

    g = yajl_gen_alloc(NULL);

    if (g != NULL) {
        UNIT_CHECK(ngx_f1_replay_frame_encode(s, 1, 10000, 0, &all, g) == 0
                   && ngx_f1_replay_frame_encode(s, 2, 10020, 0, &all, g)
                      == -1,
                   "a second frame on a complete generator fails");

        yajl_gen_reset(g, NULL);
        yajl_gen_clear(g);

        UNIT_CHECK(ngx_f1_replay_frame_encode(s, 2, 10020, 0, &all, g) == 0
                   && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok
                   && len > 9 && memcmp(buf, "{\"type\":", 8) == 0,
                   "reset and cleared, the generator takes the next frame");

        yajl_gen_free(g);
    }

}


static void
ngx_f1_replay_test_filter(const ngx_f1_replay_session_t *s)
{
    char                    *out;
    ngx_f1_replay_filter_t   f;

    /* no car */

    memset(&f, 0, sizeof(ngx_f1_replay_filter_t));
    f.channels = NGX_F1_REPLAY_CH_ALL;

    out = ngx_f1_replay_test_frame(s, 0, 10300, 0, &f);

    UNIT_CHECK(out != NULL && strstr(out, "\"cars\":[]}") != NULL,
               "filter without cars: empty cars");

    free(out);

    /* cars 2 and 1 (driver-list order stays), some channels */

    ngx_f1_replay_filter_add(&f, 2u);
    ngx_f1_replay_filter_add(&f, 1u);
    ngx_f1_replay_filter_add(&f, 5000u);
    f.channels = NGX_F1_REPLAY_CH_SPEED | NGX_F1_REPLAY_CH_GEAR;

    UNIT_CHECK(ngx_f1_replay_filter_has(&f, 1u)
               && ngx_f1_replay_filter_has(&f, 2u)
               && !ngx_f1_replay_filter_has(&f, 3u)
               && !ngx_f1_replay_filter_has(&f, 5000u),
               "filter_add and filter_has");

    out = ngx_f1_replay_test_frame(s, 0, 10300, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"cars\":[{\"n\":1,\"v\":212,\"g\":6,"
                              "\"cs\":\"i\"},{\"n\":2}]}") != NULL,
               "filter: speed and gear of cars 1 and 2");

    free(out);

    f.channels = NGX_F1_REPLAY_CH_POSITION;

    out = ngx_f1_replay_test_frame(s, 0, 10300, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"cars\":[{\"n\":1},{\"n\":2,\"x\":1200,"
                              "\"y\":-2200,\"z\":51,\"ps\":\"i\"}]}")
                  != NULL,
               "filter: position only; no car provenance");

    free(out);

    f.channels = NGX_F1_REPLAY_CH_THROTTLE | NGX_F1_REPLAY_CH_BRAKE
                 | NGX_F1_REPLAY_CH_DRS | NGX_F1_REPLAY_CH_RPM;

    out = ngx_f1_replay_test_frame(s, 0, 10750, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"cars\":[{\"n\":1,\"rpm\":11200,\"thr\":80,"
                              "\"brk\":null,\"drs\":12,\"cs\":\"r\"},"
                              "{\"n\":2}]}") != NULL,
               "filter: rpm, throttle, brake, drs");

    free(out);

    f.channels = 0;

    out = ngx_f1_replay_test_frame(s, 0, 10750, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"cars\":[{\"n\":1},{\"n\":2}]}") != NULL,
               "filter without channels: numbers only");

    free(out);

    ngx_f1_replay_frame_filter_all(&f);

    UNIT_CHECK(f.channels == NGX_F1_REPLAY_CH_ALL
               && ngx_f1_replay_filter_has(&f, 0u)
               && ngx_f1_replay_filter_has(&f, 999u)
               && ngx_f1_replay_filter_has(&f, 1023u)
               && !ngx_f1_replay_filter_has(&f, 1024u),
               "filter_all: every number, every channel");
}


/* a session without car data: no UTC of time zero */

static void
ngx_f1_replay_test_no_utc(void)
{
    char                     *out;
    ngx_f1_replay_session_t  *s;
    ngx_f1_replay_filter_t    all;

    s = ngx_f1_replay_test_session(0);

    UNIT_CHECK(s != NULL && s->utc0_source == NGX_F1_REPLAY_UTC0_NONE,
               "session without car data: utc0 unknown");

    if (s == NULL) {
        return;
    }

    ngx_f1_replay_frame_filter_all(&all);

    out = ngx_f1_replay_test_frame(s, 3, 5000, 1.5, &all);

    UNIT_CHECK(out != NULL
               && strcmp(out, "{\"type\":\"frame\",\"tick\":3,\"t\":5000,"
                              "\"utc\":null,\"sent\":1.500,\"cars\":["
                              "{\"n\":1},{\"n\":2},{\"n\":3},{\"n\":4}]}")
                  == 0,
               "frame without utc0: utc null");

    free(out);
    free(s);
}


/* car i of a parsed compact frame, NULL if there is none */

static yajl_val
ngx_f1_replay_test_car_array(yajl_val v, size_t i)
{
    yajl_val  c;

    c = v ? ngx_f1_replay_test_get(v, "c") : NULL;

    if (!YAJL_IS_ARRAY(c) || i >= c->u.array.len
        || !YAJL_IS_ARRAY(c->u.array.values[i]))
    {
        return NULL;
    }

    return c->u.array.values[i];
}


/* p of car i in the compact frame at t, every channel; -1 on failure */

static long long
ngx_f1_replay_test_p(const ngx_f1_replay_session_t *s, int32_t t, size_t i)
{
    char                    *out, err[256];
    yajl_val                 v, a, p;
    long long                r;
    ngx_f1_replay_filter_t   f;

    ngx_f1_replay_frame_filter_all(&f);
    f.format = NGX_F1_REPLAY_FORMAT_COMPACT;

    out = ngx_f1_replay_test_frame(s, 0, t, 0, &f);
    v = out ? yajl_tree_parse(out, err, sizeof(err)) : NULL;
    a = ngx_f1_replay_test_car_array(v, i);

    r = -1;

    if (a != NULL && a->u.array.len == 11) {
        p = a->u.array.values[10];
        r = YAJL_IS_INTEGER(p) ? YAJL_GET_INTEGER(p) : -1;
    }

    if (r == -1) {
        printf("# t %d car %zu: %s\n", (int) t, i, out ? out : "(null)");
    }

    if (v != NULL) {
        yajl_tree_free(v);
    }

    free(out);

    return r;
}


/* a JSON frame's member (NULL if absent) as a compact element */

static int
ngx_f1_replay_test_same_value(yajl_val json, yajl_val e)
{
    if (json == NULL || YAJL_IS_NULL(json)) {
        return YAJL_IS_NULL(e);
    }

    return YAJL_IS_INTEGER(json) && YAJL_IS_INTEGER(e)
           && YAJL_GET_INTEGER(json) == YAJL_GET_INTEGER(e);
}


/* a JSON frame's car object and a compact frame's car array agree */

static int
ngx_f1_replay_test_same_car(yajl_val car, yajl_val a, uint32_t channels)
{
    size_t       i, k;
    yajl_val     e, ps, cs;
    long long    p;
    const char  *src;

    static const char *const  keys[] = {
        "x", "y", "z", "v", "rpm", "g", "thr", "brk", "drs"
    };

    static const uint32_t  ch[] = {
        NGX_F1_REPLAY_CH_POSITION, NGX_F1_REPLAY_CH_POSITION,
        NGX_F1_REPLAY_CH_POSITION, NGX_F1_REPLAY_CH_SPEED,
        NGX_F1_REPLAY_CH_RPM, NGX_F1_REPLAY_CH_GEAR,
        NGX_F1_REPLAY_CH_THROTTLE, NGX_F1_REPLAY_CH_BRAKE,
        NGX_F1_REPLAY_CH_DRS
    };

    if (!YAJL_IS_OBJECT(car) || !YAJL_IS_ARRAY(a) || a->u.array.len < 2
        || !ngx_f1_replay_test_same_value(ngx_f1_replay_test_get(car, "n"),
                                          a->u.array.values[0]))
    {
        return 0;
    }

    k = 1;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!(channels & ch[i])) {
            continue;
        }

        if (k + 1 >= a->u.array.len
            || !ngx_f1_replay_test_same_value(
                    ngx_f1_replay_test_get(car, keys[i]),
                    a->u.array.values[k]))
        {
            return 0;
        }

        k++;
    }

    if (k + 1 != a->u.array.len) {
        return 0;
    }

    /* p from ps, cs and off: the letter's index in "-ris" */

    src = "-ris";
    ps = ngx_f1_replay_test_get(car, "ps");
    cs = ngx_f1_replay_test_get(car, "cs");

    p = 0;

    if (ps != NULL) {
        p = strchr(src, YAJL_GET_STRING(ps)[0]) - src;
    }

    if (cs != NULL) {
        p += 4 * (strchr(src, YAJL_GET_STRING(cs)[0]) - src);
    }

    if (YAJL_IS_TRUE(ngx_f1_replay_test_get(car, "off"))) {
        p += 16;
    }

    e = a->u.array.values[k];

    return YAJL_IS_INTEGER(e) && YAJL_GET_INTEGER(e) == p;
}


/* the two frames at t, with every car and these channels, agree */

static int
ngx_f1_replay_test_same(const ngx_f1_replay_session_t *s, int32_t t,
    uint32_t channels)
{
    int                      ok;
    char                    *json, *compact, err[256];
    size_t                   i;
    yajl_val                 j, c, cars, arrays;
    ngx_f1_replay_filter_t   f;

    ngx_f1_replay_frame_filter_all(&f);
    f.channels = channels;

    json = ngx_f1_replay_test_frame(s, 1, t, 2, &f);

    f.format = NGX_F1_REPLAY_FORMAT_COMPACT;

    compact = ngx_f1_replay_test_frame(s, 1, t, 2, &f);

    j = json ? yajl_tree_parse(json, err, sizeof(err)) : NULL;
    c = compact ? yajl_tree_parse(compact, err, sizeof(err)) : NULL;

    cars = j ? ngx_f1_replay_test_get(j, "cars") : NULL;
    arrays = c ? ngx_f1_replay_test_get(c, "c") : NULL;

    ok = YAJL_IS_ARRAY(cars) && YAJL_IS_ARRAY(arrays)
         && cars->u.array.len == arrays->u.array.len
         && ngx_f1_replay_test_keys(c, "type tick t sent c")
         && strcmp(ngx_f1_replay_test_str(c, "type"), "f") == 0
         && ngx_f1_replay_test_int(c, "tick")
            == ngx_f1_replay_test_int(j, "tick")
         && ngx_f1_replay_test_int(c, "t") == ngx_f1_replay_test_int(j, "t")
         && strstr(compact, ",\"sent\":2.000,\"c\":[") != NULL;

    for (i = 0; ok && i < cars->u.array.len; i++) {
        ok = ngx_f1_replay_test_same_car(cars->u.array.values[i],
                                         arrays->u.array.values[i],
                                         channels);
    }

    if (!ok) {
        printf("# t %d channels 0x%02x\n# %s\n# %s\n", (int) t,
               (unsigned) channels, json ? json : "(null)",
               compact ? compact : "(null)");
    }

    if (j != NULL) {
        yajl_tree_free(j);
    }

    if (c != NULL) {
        yajl_tree_free(c);
    }

    free(json);
    free(compact);

    return ok;
}


static void
ngx_f1_replay_test_compact(const ngx_f1_replay_session_t *s)
{
    char                    *out, err[256];
    yajl_val                 v;
    ngx_f1_replay_filter_t   f;

    ngx_f1_replay_frame_filter_all(&f);
    f.format = NGX_F1_REPLAY_FORMAT_COMPACT;

    /* the exact text, as documented at the top of ngx_f1_replay_frame.c */

    out = ngx_f1_replay_test_frame(s, 7, 10300, 1893499210300.125, &f);

    UNIT_CHECK(out != NULL
               && strcmp(out,
                  "{\"type\":\"f\",\"tick\":7,\"t\":10300,"
                  "\"sent\":1893499210300.125,\"c\":["
                  "[1,null,null,null,212,10600,6,null,100,12,8],"
                  "[2,1200,-2200,51,null,null,null,null,null,null,2],"
                  "[3,null,null,null,null,null,null,null,null,null,0],"
                  "[4,null,null,null,null,null,null,null,null,null,0]]}")
                  == 0,
               "compact frame text at 10.300 s: no utc, thr null");

    free(out);

    out = ngx_f1_replay_test_frame(s, 123456789012ULL, 10750, 0, &f);

    UNIT_CHECK(out != NULL
               && strcmp(out,
                  "{\"type\":\"f\",\"tick\":123456789012,\"t\":10750,"
                  "\"sent\":0.000,\"c\":["
                  "[1,null,null,null,225,11200,7,80,null,12,4],"
                  "[2,1401,-2401,51,null,null,null,null,null,null,19],"
                  "[3,null,null,null,null,null,null,null,null,null,0],"
                  "[4,null,null,null,null,null,null,null,null,null,0]]}")
                  == 0,
               "compact frame text at 10.750 s: brk null, off track, "
               "stale");

    free(out);

    v = NULL;
    out = ngx_f1_replay_test_frame(s, 0, 10750, 0, &f);

    if (out != NULL) {
        v = yajl_tree_parse(out, err, sizeof(err));
    }

    UNIT_CHECK(v != NULL
               && ngx_f1_replay_test_keys(v, "type tick t sent c")
               && ngx_f1_replay_test_car_array(v, 3) != NULL
               && ngx_f1_replay_test_car_array(v, 4) == NULL
               && ngx_f1_replay_test_car_array(v, 0)->u.array.len == 11
               && ngx_f1_replay_test_car_array(v, 3)->u.array.len == 11,
               "compact frame parses as JSON: type tick t sent c, "
               "every car 11 elements");

    if (v != NULL) {
        yajl_tree_free(v);
    }

    free(out);

    /* before any data: every car is there, all null but n, p 0 */

    out = ngx_f1_replay_test_frame(s, 0, 0, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out,
                  "\"c\":["
                  "[1,null,null,null,null,null,null,null,null,null,0],"
                  "[2,null,null,null,null,null,null,null,null,null,0],"
                  "[3,null,null,null,null,null,null,null,null,null,0],"
                  "[4,null,null,null,null,null,null,null,null,null,0]]}")
                  != NULL,
               "compact frame before any sample: every car, all null, "
               "p 0");

    free(out);

    /* rounding as in the JSON frame, halves up, also below zero */

    out = ngx_f1_replay_test_frame(s, 0, 11850, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "[2,-3,11,-1,null,null,null,null,null,null,"
                              "2]") != NULL,
               "compact position -3.5, 10.5, -1.5 rounds to -3, 11, -1");

    free(out);

    out = ngx_f1_replay_test_frame(s, 0, 12100, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "[1,null,null,null,151,9050,4,1,100,0,8]")
                  != NULL,
               "compact speed 150.5 and throttle 0.5 round up");

    free(out);

    out = ngx_f1_replay_test_frame(s, 0, -1, NAN, &f);

    UNIT_CHECK(out != NULL
               && strncmp(out, "{\"type\":\"f\",\"tick\":0,\"t\":-1,"
                               "\"sent\":null,\"c\":[", 43) == 0,
               "compact frame: negative session time, sent NaN is null");

    free(out);

    /* provenance bits: position in 0-1, car data in 2-3, off track 4 */

    UNIT_CHECK(ngx_f1_replay_test_p(s, 9999, 0) == 0
               && ngx_f1_replay_test_p(s, 10000, 0) == 1 << 2
               && ngx_f1_replay_test_p(s, 10125, 0) == 2 << 2
               && ngx_f1_replay_test_p(s, 11375, 0) == 3 << 2
               && ngx_f1_replay_test_p(s, 12201, 0) == 3 << 2,
               "compact p, car data: none 0, real 4, interpolated 8, "
               "stale 12");

    UNIT_CHECK(ngx_f1_replay_test_p(s, 10099, 1) == 0
               && ngx_f1_replay_test_p(s, 10100, 1) == 1
               && ngx_f1_replay_test_p(s, 10200, 1) == 2
               && ngx_f1_replay_test_p(s, 12000, 1) == 3,
               "compact p, position: none 0, real 1, interpolated 2, "
               "stale 3");

    UNIT_CHECK(ngx_f1_replay_test_p(s, 10650, 1) == 2
               && ngx_f1_replay_test_p(s, 10700, 1) == 1 + 16
               && ngx_f1_replay_test_p(s, 11250, 1) == 3 + 16
               && ngx_f1_replay_test_p(s, 11800, 1) == 1,
               "compact p, off track: bit 4 with the fix's status");

    UNIT_CHECK(ngx_f1_replay_test_p(s, 1005, 3) == 3
               && ngx_f1_replay_test_p(s, 1010 + 10 * 255, 3) == 0
               && ngx_f1_replay_test_p(s, 10000, 2) == 0,
               "compact p: 0 after 256 samples without fix and without "
               "data");

    /* any format but compact is the JSON frame; filter_all() sets JSON */

    f.format = 7;

    out = ngx_f1_replay_test_frame(s, 0, 0, 0, &f);

    UNIT_CHECK(out != NULL
               && strncmp(out, "{\"type\":\"frame\",", 16) == 0,
               "format 7 is the JSON frame");

    free(out);

    ngx_f1_replay_frame_filter_all(&f);

    UNIT_CHECK(f.format == NGX_F1_REPLAY_FORMAT_JSON
               && NGX_F1_REPLAY_FORMAT_JSON == 0,
               "filter_all: the JSON format");
}


static void
ngx_f1_replay_test_compact_filter(const ngx_f1_replay_session_t *s)
{
    char                    *out;
    ngx_f1_replay_filter_t   f;

    /* no car */

    memset(&f, 0, sizeof(ngx_f1_replay_filter_t));
    f.channels = NGX_F1_REPLAY_CH_ALL;
    f.format = NGX_F1_REPLAY_FORMAT_COMPACT;

    out = ngx_f1_replay_test_frame(s, 0, 10300, 0, &f);

    UNIT_CHECK(out != NULL && strstr(out, "\"c\":[]}") != NULL,
               "compact filter without cars: empty c");

    free(out);

    /* cars 2 and 1 (driver-list order stays), some channels */

    ngx_f1_replay_filter_add(&f, 2u);
    ngx_f1_replay_filter_add(&f, 1u);
    f.channels = NGX_F1_REPLAY_CH_SPEED | NGX_F1_REPLAY_CH_GEAR;

    out = ngx_f1_replay_test_frame(s, 0, 10300, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"c\":[[1,212,6,8],[2,null,null,0]]}")
                  != NULL,
               "compact filter: speed and gear of cars 1 and 2, "
               "[n,v,g,p]");

    free(out);

    f.channels = NGX_F1_REPLAY_CH_POSITION;

    out = ngx_f1_replay_test_frame(s, 0, 10300, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"c\":[[1,null,null,null,0],"
                              "[2,1200,-2200,51,2]]}") != NULL,
               "compact filter: position only, [n,x,y,z,p], no car-data "
               "provenance");

    free(out);

    f.channels = NGX_F1_REPLAY_CH_THROTTLE | NGX_F1_REPLAY_CH_BRAKE
                 | NGX_F1_REPLAY_CH_DRS | NGX_F1_REPLAY_CH_RPM;

    out = ngx_f1_replay_test_frame(s, 0, 10750, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"c\":[[1,11200,80,null,12,4],"
                              "[2,null,null,null,null,0]]}") != NULL,
               "compact filter: rpm, throttle, brake, drs, "
               "[n,rpm,thr,brk,drs,p]");

    free(out);

    f.channels = NGX_F1_REPLAY_CH_DRS | NGX_F1_REPLAY_CH_POSITION;

    out = ngx_f1_replay_test_frame(s, 0, 10700, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"c\":[[1,null,null,null,12,8],"
                              "[2,1401,-2401,51,null,17]]}") != NULL,
               "compact filter: drs and position, [n,x,y,z,drs,p]");

    free(out);

    f.channels = NGX_F1_REPLAY_CH_SPEED;

    out = ngx_f1_replay_test_frame(s, 0, 10750, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"c\":[[1,225,4],[2,null,0]]}") != NULL,
               "compact filter: speed only, no off-track bit without "
               "position");

    free(out);

    f.channels = 0;

    out = ngx_f1_replay_test_frame(s, 0, 10750, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"c\":[[1,0],[2,0]]}") != NULL,
               "compact filter without channels: [n,p], p 0");

    free(out);
}


/* car 1 with both time bases: both provenances in one p */

static void
ngx_f1_replay_test_compact_both(void)
{
    char                     *out;
    ngx_f1_replay_filter_t    f;
    ngx_f1_replay_session_t  *s;

    s = ngx_f1_replay_test_session(2);

    UNIT_CHECK(s != NULL && s->drivers.n == 4
               && ngx_f1_replay_session_driver(s, 1) != NULL
               && ngx_f1_replay_session_driver(s, 1)->pos.n == 2
               && ngx_f1_replay_session_driver(s, 1)->car.n == 6,
               "session with car 1's positions");

    if (s == NULL) {
        return;
    }

    ngx_f1_replay_frame_filter_all(&f);
    f.format = NGX_F1_REPLAY_FORMAT_COMPACT;

    out = ngx_f1_replay_test_frame(s, 0, 10100, 0, &f);

    UNIT_CHECK(out != NULL
               && strstr(out, "\"c\":[[1,11,21,31,204,10200,5,54,0,8,10],"
                              "[2,1000,-2000,50,null,null,null,null,"
                              "null,null,1],")
                  != NULL,
               "compact car with position and car data, both "
               "interpolated: p 10");

    free(out);

    UNIT_CHECK(ngx_f1_replay_test_p(s, 10000, 0) == 1 + 4
               && ngx_f1_replay_test_p(s, 10200, 0) == 1 + 8 + 16
               && ngx_f1_replay_test_p(s, 10250, 0) == 3 + 4 + 16
               && ngx_f1_replay_test_p(s, 11375, 0) == 3 + 12 + 16,
               "compact p with both: 5, 25, 23, 31");

    ngx_f1_replay_test_compact_all(s, "compact frame and JSON frame agree, "
                                   "car with both time bases");

    free(s);
}


/* the compact and JSON frames agree at every 10 ms, for some filters */

static void
ngx_f1_replay_test_compact_all(const ngx_f1_replay_session_t *s,
    const char *name)
{
    int       ok;
    size_t    i;
    int32_t   t;

    static const uint32_t  channels[] = {
        NGX_F1_REPLAY_CH_ALL,
        0,
        NGX_F1_REPLAY_CH_POSITION,
        NGX_F1_REPLAY_CH_CAR,
        NGX_F1_REPLAY_CH_POSITION | NGX_F1_REPLAY_CH_DRS,
        NGX_F1_REPLAY_CH_SPEED | NGX_F1_REPLAY_CH_THROTTLE
        | NGX_F1_REPLAY_CH_BRAKE
    };

    ok = 1;

    for (i = 0; ok && i < sizeof(channels) / sizeof(channels[0]); i++) {
        for (t = 900; ok && t <= 12300; t += 10) {
            ok = ngx_f1_replay_test_same(s, t, channels[i]);
        }
    }

    UNIT_CHECK(ok, name);
}
