
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The loader on hand-written topics: ngx_f1_replay_loader_add() line by
 * line (good lines, skipped lines and their warnings, strict topics, the
 * errors), ngx_f1_replay_build_session() on a small race worked out by
 * hand, the telemetry topics (.z lines made here with zlib and base64),
 * and ngx_f1_replay_archive_load() on a directory written here.
 *
 * Session time 0 is 2030-01-01T12:00:00Z.  The race: drivers 1 AAA,
 * 4 BBB, 16 CCC (a later DriverList line reorders them 16, 1, 4), and
 * car 99, seen only in the car data.
 *
 *   TimingData (line: time, what it says)
 *    1 00:00:10.000  16 P1, 1 P2, 4 P3, no laps, gaps "", Sectors list
 *    2 00:02:30.000  16: lap 1, "LAP 2", last and best 1:30.123
 *    3 00:02:31.234  1: lap 1, gap and interval "+1.234", last "91.357"
 *    4 00:02:35.000  1: Sectors patched by index, Catching: no record
 *    5 00:02:40.000  4: lap 1, gap "1 L", interval "1L", InPit
 *    6 00:02:45.000  1: "NumberOfLaps":"x"   skipped
 *    7 00:02:46.000  4: "InPit":"maybe"       skipped
 *    8 00:02:58.000  4: InPit false, PitOut
 *    9 00:03:20.000  4: PitOut false, gap "2L", interval "+0.500"
 *   10 00:04:00.000  16: lap 2, "LAP 3", last and best 1:29.000
 *   11 00:05:00.000  1: ShowPosition false
 *   12 00:06:00.000  1: Retired, Stopped
 *
 *   TimingAppData: 00:00:20 16 HARD new, 1 MEDIUM new, 4 SOFT used (3
 *   laps); 00:02:36 car 1's stint 0 patched to TotalLaps 1; 00:02:58
 *   car 4's stint 1, HARD new (with its pit exit).
 *
 *   LapCount 00:00:50 1/3, 00:02:30 2, 00:04:00 3; SessionStatus
 *   Inactive 00:00:05, Started 00:01:00, Finished 00:08:00 (the last
 *   line of the archive); TrackStatus clear, SC at 00:03:00, clear at
 *   00:03:50; two WeatherData lines, the second a patch; three race
 *   control messages (a list, then two patches by index, then a patch
 *   of an old one); a Heartbeat one second off the car data.
 *
 *   CarData.z: three lines whose latest entries' Utc minus line time
 *   are -300, 0 and +200 ms: the median, 0, makes utc0 (neither the
 *   first nor the last line's offset, nor their mean).  The first line
 *   has its entries out of order.
 */


#include <errno.h>
#include <fcntl.h>           /* AT_FDCWD */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <zlib.h>

#include "ngx_f1_replay_archive.h"
#include "ngx_f1_replay_build.h"
#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_session.h"
#include "ngx_f1_replay_time.h"
#include "unit.h"


#define NGX_F1_REPLAY_TEST_MAX       (256 * 1024)
#define NGX_F1_REPLAY_TEST_WARNINGS  256
#define NGX_F1_REPLAY_TEST_UTC0      1893499200000LL  /* 2030-01-01 12:00 */

#include "unit_z.h"  /* with NGX_F1_REPLAY_TEST_MAX */


/* CarData.z channels of one car */
#define NGX_F1_REPLAY_TEST_CH(rpm, speed, gear, thr, brk, drs)                \
    "{\"Channels\":{\"0\":" #rpm ",\"2\":" #speed ",\"3\":" #gear             \
    ",\"4\":" #thr ",\"5\":" #brk ",\"45\":" #drs "}}"


typedef struct {
    unsigned    n;                     /* warnings received */
    char        msg[NGX_F1_REPLAY_TEST_WARNINGS][512];
} ngx_f1_replay_test_warn_t;


typedef struct {
    const char  *topic;
    const char  *text;
    size_t       len;                  /* 0: strlen(text) */
} ngx_f1_replay_test_topic_t;


static void ngx_f1_replay_test_warn(void *ctx, const char *msg);
static unsigned ngx_f1_replay_test_warned(const ngx_f1_replay_test_warn_t *w,
    const char *s);
static int ngx_f1_replay_test_has(const char *s, const char *sub);
static int ngx_f1_replay_test_add(ngx_f1_replay_loader_t *ld,
    const char *topic, const char *text, size_t len);
static ngx_f1_replay_session_t *ngx_f1_replay_test_load(
    const ngx_f1_replay_test_topic_t *topics, ngx_f1_replay_test_warn_t *w);
static const ngx_f1_replay_state_t *ngx_f1_replay_test_record(
    const ngx_f1_replay_session_t *s, unsigned number, int32_t t);
static int ngx_f1_replay_test_times(const ngx_f1_replay_session_t *s,
    unsigned number, const int32_t *t, size_t n);
static const ngx_f1_replay_car_t *ngx_f1_replay_test_car(
    const ngx_f1_replay_session_t *s, unsigned number, int32_t t);
static const ngx_f1_replay_pos_t *ngx_f1_replay_test_pos(
    const ngx_f1_replay_session_t *s, unsigned number, int32_t t);
static const ngx_f1_replay_event_t *ngx_f1_replay_test_event(
    const ngx_f1_replay_session_t *s, unsigned type, unsigned driver,
    int32_t t);
static void ngx_f1_replay_test_add_bad(void);
static void ngx_f1_replay_test_add_strict(void);
static void ngx_f1_replay_test_add_errors(void);
static void ngx_f1_replay_test_line_ends(void);
static void ngx_f1_replay_test_required(void);
static ngx_f1_replay_session_t *ngx_f1_replay_test_race(
    ngx_f1_replay_test_warn_t *w);
static void ngx_f1_replay_test_header(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_test_warn_t *w);
static void ngx_f1_replay_test_drivers(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_states(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_stints(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_tables(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_samples(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_valid(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_events(const ngx_f1_replay_session_t *s);
static void ngx_f1_replay_test_utc0(void);
static void ngx_f1_replay_test_timing_only(void);
static void ngx_f1_replay_test_ranges(void);
static void ngx_f1_replay_test_telemetry_bad(void);
static int ngx_f1_replay_test_write(const char *dir, const char *name,
    const char *text, size_t len);
static int ngx_f1_replay_test_remove(void);
static void ngx_f1_replay_test_alarm(int signo);
static void ngx_f1_replay_test_archive(void);


static char  ngx_f1_replay_test_err[1024];
static char  ngx_f1_replay_test_hung[128];   /* written on SIGALRM */
static char  ngx_f1_replay_test_dir[64];     /* the archive, or "" */

/* the files the archive test may leave in its directory */
static const char *const  ngx_f1_replay_test_files[] = {
    "SessionInfo.jsonStream", "DriverList.jsonStream",
    "TimingData.jsonStream", "Heartbeat.jsonStream",
    "Position.z.jsonStream", "TrackStatus.jsonStream"
};


/* the two required topics of every session here */

static const char  ngx_f1_replay_test_info[] =
    "\xef\xbb\xbf"
    "00:00:00.000{\"Meeting\":{\"Name\":\"Unit Grand Prix\","
    "\"OfficialName\":\"FORMULA 1 UNIT GRAND PRIX 2030\","
    "\"Location\":\"Testville\","
    "\"Country\":{\"Code\":\"UNI\",\"Name\":\"Unitland\"},"
    "\"Circuit\":{\"Key\":99,\"ShortName\":\"Unit Ring\"}},"
    "\"Type\":\"Race\",\"Name\":\"Race\","
    "\"StartDate\":\"2030-01-01T14:00:00\",\"GmtOffset\":\"02:00:00\","
    "\"Path\":\"2030/2030-01-01_Unit_Grand_Prix/2030-01-01_Race/\"}\r\n";

static const char  ngx_f1_replay_test_drivers_text[] =
    "00:00:01.000{"
    "\"1\":{\"RacingNumber\":\"1\",\"Tla\":\"AAA\","
    "\"BroadcastName\":\"A AAA\",\"FullName\":\"Anna AAA\","
    "\"TeamName\":\"Alpha\",\"TeamColour\":\"FF8000\",\"Line\":2},"
    "\"4\":{\"RacingNumber\":\"4\",\"Tla\":\"BBB\","
    "\"BroadcastName\":\"B BBB\",\"FullName\":\"Bea BBB\","
    "\"TeamName\":\"Beta\",\"TeamColour\":\"00ff00\",\"Line\":1},"
    "\"16\":{\"RacingNumber\":\"16\",\"Tla\":\"CCC\","
    "\"BroadcastName\":\"C CCC\",\"FullName\":\"Cid CCC\","
    "\"TeamName\":\"Gamma\",\"TeamColour\":\"0000FF\",\"Line\":3}}\n"
    "00:00:02.000{\"16\":{\"Line\":1},\"4\":{\"Line\":3}}\n";


/* the race described at the top */

#define NGX_F1_REPLAY_TEST_START(pos)                                         \
    "{\"Position\":\"" pos "\",\"ShowPosition\":true,\"NumberOfLaps\":0,"     \
    "\"GapToLeader\":\"\",\"IntervalToPositionAhead\":{\"Value\":\"\","       \
    "\"Catching\":false},\"LastLapTime\":{\"Value\":\"\"},"                   \
    "\"BestLapTime\":{\"Value\":\"\"},\"Sectors\":[{\"Value\":\"\"},"         \
    "{\"Value\":\"\"},{\"Value\":\"\"}],\"InPit\":false,\"PitOut\":false,"    \
    "\"Retired\":false,\"Stopped\":false}"

static const char  ngx_f1_replay_test_timing[] =
    "00:00:10.000{\"Lines\":{\"16\":" NGX_F1_REPLAY_TEST_START("1") ","
    "\"1\":" NGX_F1_REPLAY_TEST_START("2") ","
    "\"4\":" NGX_F1_REPLAY_TEST_START("3") "}}\r\n"
    "00:02:30.000{\"Lines\":{\"16\":{\"NumberOfLaps\":1,"
    "\"GapToLeader\":\"LAP 2\","
    "\"IntervalToPositionAhead\":{\"Value\":\"LAP 2\"},"
    "\"LastLapTime\":{\"Value\":\"1:30.123\"},"
    "\"BestLapTime\":{\"Value\":\"1:30.123\"}}}}\r\n"
    "00:02:31.234{\"Lines\":{\"1\":{\"NumberOfLaps\":1,"
    "\"GapToLeader\":\"+1.234\","
    "\"IntervalToPositionAhead\":{\"Value\":\"+1.234\"},"
    "\"LastLapTime\":{\"Value\":\"91.357\"}}}}\r\n"
    "00:02:35.000{\"Lines\":{\"1\":{\"Sectors\":{\"1\":"
    "{\"Value\":\"30.100\"}},"
    "\"IntervalToPositionAhead\":{\"Catching\":true}}}}\r\n"
    "00:02:40.000{\"Lines\":{\"4\":{\"NumberOfLaps\":1,"
    "\"GapToLeader\":\"1 L\","
    "\"IntervalToPositionAhead\":{\"Value\":\"1L\"},"
    "\"InPit\":true,\"NumberOfPitStops\":1}}}\r\n"
    "00:02:45.000{\"Lines\":{\"1\":{\"NumberOfLaps\":\"x\"}}}\r\n"
    "00:02:46.000{\"Lines\":{\"4\":{\"InPit\":\"maybe\"}}}\r\n"
    "00:02:58.000{\"Lines\":{\"4\":{\"InPit\":false,\"PitOut\":true}}}\r\n"
    "00:03:20.000{\"Lines\":{\"4\":{\"PitOut\":false,\"GapToLeader\":\"2L\","
    "\"IntervalToPositionAhead\":{\"Value\":\"+0.500\"}}}}\r\n"
    "00:04:00.000{\"Lines\":{\"16\":{\"NumberOfLaps\":2,"
    "\"GapToLeader\":\"LAP 3\","
    "\"IntervalToPositionAhead\":{\"Value\":\"LAP 3\"},"
    "\"LastLapTime\":{\"Value\":\"1:29.000\"},"
    "\"BestLapTime\":{\"Value\":\"1:29.000\"}}}}\r\n"
    "00:05:00.000{\"Lines\":{\"1\":{\"ShowPosition\":false}}}\r\n"
    "00:06:00.000{\"Lines\":{\"1\":{\"Retired\":true,\"Stopped\":true}}}\r\n";

#define NGX_F1_REPLAY_TEST_STINT(compound, new, age)                          \
    "{\"Compound\":\"" compound "\",\"New\":\"" new "\","                     \
    "\"TyresNotChanged\":\"0\",\"TotalLaps\":" age ",\"StartLaps\":" age "}"

static const char  ngx_f1_replay_test_app[] =
    "00:00:20.000{\"Lines\":{"
    "\"16\":{\"Line\":1,\"Stints\":["
    NGX_F1_REPLAY_TEST_STINT("HARD", "true", "0") "]},"
    "\"1\":{\"Line\":2,\"Stints\":["
    NGX_F1_REPLAY_TEST_STINT("MEDIUM", "true", "0") "]},"
    "\"4\":{\"Line\":3,\"Stints\":["
    NGX_F1_REPLAY_TEST_STINT("SOFT", "false", "3") "]}}}\r\n"
    "00:02:36.000{\"Lines\":{\"1\":{\"Stints\":{\"0\":"
    "{\"TotalLaps\":1}}}}}\r\n"
    "00:02:58.000{\"Lines\":{\"4\":{\"Stints\":{\"1\":"
    NGX_F1_REPLAY_TEST_STINT("HARD", "true", "0") "}}}}\r\n";

static const char  ngx_f1_replay_test_lap_count[] =
    "00:00:50.000{\"CurrentLap\":1,\"TotalLaps\":3}\r\n"
    "00:02:30.000{\"CurrentLap\":2}\r\n"
    "00:04:00.000{\"CurrentLap\":3}\r\n";

static const char  ngx_f1_replay_test_status[] =
    "00:00:05.000{\"Status\":\"Inactive\"}\r\n"
    "00:01:00.000{\"Status\":\"Started\"}\r\n"
    "00:08:00.000{\"Status\":\"Finished\"}\r\n";

static const char  ngx_f1_replay_test_track[] =
    "00:00:30.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n"
    "00:03:00.000{\"Status\":\"4\",\"Message\":\"SCDeployed\"}\r\n"
    "00:03:50.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n";

static const char  ngx_f1_replay_test_weather[] =
    "00:00:40.000{\"AirTemp\":\"21.5\",\"Humidity\":\"55.0\","
    "\"Pressure\":\"1013.2\",\"Rainfall\":\"0\",\"TrackTemp\":\"35.1\","
    "\"WindDirection\":\"180\",\"WindSpeed\":\"2.4\"}\r\n"
    "00:01:40.000{\"AirTemp\":\"22.0\",\"Rainfall\":\"1\"}\r\n";

static const char  ngx_f1_replay_test_rcm[] =
    "00:00:45.000{\"Messages\":[{\"Utc\":\"2030-01-01T12:00:44\","
    "\"Category\":\"Flag\",\"Flag\":\"GREEN\",\"Scope\":\"Track\","
    "\"Message\":\"GREEN LIGHT - PIT EXIT OPEN\"}]}\r\n"
    "00:03:00.500{\"Messages\":{\"1\":{\"Utc\":\"2030-01-01T12:02:59.800\","
    "\"Lap\":2,\"Category\":\"SafetyCar\","
    "\"Message\":\"SAFETY CAR DEPLOYED\"}}}\r\n"
    "00:03:10.000{\"Messages\":{\"2\":{\"Utc\":\"2030-01-01T12:03:09\","
    "\"Lap\":2,\"Category\":\"Other\",\"RacingNumber\":\"4\","
    "\"Message\":\"CAR 4 (BBB) TRACK LIMITS\"}}}\r\n"
    "00:03:30.000{\"Messages\":{\"0\":{\"Message\":\"REWRITTEN\"}}}\r\n";

static const char  ngx_f1_replay_test_heartbeat[] =
    "00:00:15.000{\"Utc\":\"2030-01-01T12:00:16.000Z\"}\r\n";


int
main(void)
{
    ngx_f1_replay_session_t    *s;
    ngx_f1_replay_test_warn_t   w;

    ngx_f1_replay_test_add_bad();
    ngx_f1_replay_test_add_strict();
    ngx_f1_replay_test_add_errors();
    ngx_f1_replay_test_line_ends();
    ngx_f1_replay_test_required();

    s = ngx_f1_replay_test_race(&w);

    UNIT_CHECK(s != NULL, "the hand-written race builds");

    if (s != NULL) {
        ngx_f1_replay_test_header(s, &w);
        ngx_f1_replay_test_drivers(s);
        ngx_f1_replay_test_states(s);
        ngx_f1_replay_test_stints(s);
        ngx_f1_replay_test_tables(s);
        ngx_f1_replay_test_samples(s);
        ngx_f1_replay_test_valid(s);
        ngx_f1_replay_test_events(s);
        free(s);
    }

    ngx_f1_replay_test_utc0();
    ngx_f1_replay_test_timing_only();
    ngx_f1_replay_test_ranges();
    ngx_f1_replay_test_telemetry_bad();
    ngx_f1_replay_test_archive();

    return UNIT_DONE();
}


static void
ngx_f1_replay_test_warn(void *ctx, const char *msg)
{
    ngx_f1_replay_test_warn_t  *w = ctx;

    if (w->n < NGX_F1_REPLAY_TEST_WARNINGS) {
        snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
    }

    w->n++;
}


/* how many of the warnings kept contain s */

static unsigned
ngx_f1_replay_test_warned(const ngx_f1_replay_test_warn_t *w, const char *s)
{
    unsigned  i, n;

    n = 0;

    for (i = 0; i < w->n && i < NGX_F1_REPLAY_TEST_WARNINGS; i++) {
        n += strstr(w->msg[i], s) != NULL;
    }

    return n;
}


static int
ngx_f1_replay_test_has(const char *s, const char *sub)
{
    return s != NULL && strstr(s, sub) != NULL;
}


/* one topic as the file "<topic>.jsonStream"; the error in test_err */

static int
ngx_f1_replay_test_add(ngx_f1_replay_loader_t *ld, const char *topic,
    const char *text, size_t len)
{
    char  file[64];

    snprintf(file, sizeof(file), "%s.jsonStream", topic);

    ngx_f1_replay_test_err[0] = '\0';

    return ngx_f1_replay_loader_add(ld, topic, file,
                                    (const unsigned char *) text,
                                    len ? len : strlen(text),
                                    ngx_f1_replay_test_err,
                                    sizeof(ngx_f1_replay_test_err));
}


/* a session of the topics (NULL-terminated), or NULL with test_err */

static ngx_f1_replay_session_t *
ngx_f1_replay_test_load(const ngx_f1_replay_test_topic_t *topics,
    ngx_f1_replay_test_warn_t *w)
{
    ngx_f1_replay_loader_t   *ld;
    ngx_f1_replay_session_t  *s;

    memset(w, 0, sizeof(ngx_f1_replay_test_warn_t));

    ld = ngx_f1_replay_loader_create(ngx_f1_replay_test_warn, w);
    if (ld == NULL) {
        snprintf(ngx_f1_replay_test_err, sizeof(ngx_f1_replay_test_err),
                 "out of memory");
        return NULL;
    }

    s = NULL;

    for ( /* void */ ; topics->topic; topics++) {
        if (ngx_f1_replay_test_add(ld, topics->topic, topics->text,
                                   topics->len)
            != 0)
        {
            printf("# %s\n", ngx_f1_replay_test_err);
            goto done;
        }
    }

    s = ngx_f1_replay_build_session(ld, ngx_f1_replay_test_err,
                                    sizeof(ngx_f1_replay_test_err));

done:

    ngx_f1_replay_loader_destroy(ld);

    return s;
}


/* car number's race-state record made at exactly t, or NULL */

static const ngx_f1_replay_state_t *
ngx_f1_replay_test_record(const ngx_f1_replay_session_t *s, unsigned number,
    int32_t t)
{
    long                           k;
    const ngx_f1_replay_state_t   *st;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, number);
    if (d == NULL) {
        return NULL;
    }

    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);
    k = ngx_f1_replay_session_find(st, d->states.n,
                                   sizeof(ngx_f1_replay_state_t), t);

    return (k >= 0 && st[k].t == t) ? &st[k] : NULL;
}


/* 1 if car number's records are made at exactly the n times t */

static int
ngx_f1_replay_test_times(const ngx_f1_replay_session_t *s, unsigned number,
    const int32_t *t, size_t n)
{
    size_t                         i;
    const ngx_f1_replay_state_t   *st;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, number);
    if (d == NULL || d->states.n != n) {
        return 0;
    }

    st = ngx_f1_replay_items(s, d->states, ngx_f1_replay_state_t);

    for (i = 0; i < n; i++) {
        if (st[i].t != t[i]) {
            return 0;
        }
    }

    return 1;
}


/* car number's car-data sample at exactly t, or NULL */

static const ngx_f1_replay_car_t *
ngx_f1_replay_test_car(const ngx_f1_replay_session_t *s, unsigned number,
    int32_t t)
{
    long                           k;
    const ngx_f1_replay_car_t     *c;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, number);
    if (d == NULL) {
        return NULL;
    }

    c = ngx_f1_replay_items(s, d->car, ngx_f1_replay_car_t);
    k = ngx_f1_replay_session_find(c, d->car.n, sizeof(ngx_f1_replay_car_t),
                                   t);

    return (k >= 0 && c[k].t == t) ? &c[k] : NULL;
}


static const ngx_f1_replay_pos_t *
ngx_f1_replay_test_pos(const ngx_f1_replay_session_t *s, unsigned number,
    int32_t t)
{
    long                           k;
    const ngx_f1_replay_pos_t     *p;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, number);
    if (d == NULL) {
        return NULL;
    }

    p = ngx_f1_replay_items(s, d->pos, ngx_f1_replay_pos_t);
    k = ngx_f1_replay_session_find(p, d->pos.n, sizeof(ngx_f1_replay_pos_t),
                                   t);

    return (k >= 0 && p[k].t == t) ? &p[k] : NULL;
}


static const ngx_f1_replay_event_t *
ngx_f1_replay_test_event(const ngx_f1_replay_session_t *s, unsigned type,
    unsigned driver, int32_t t)
{
    uint32_t                      i;
    const ngx_f1_replay_event_t  *ev;

    ev = ngx_f1_replay_items(s, s->events, ngx_f1_replay_event_t);

    for (i = 0; i < s->events.n; i++) {
        if (ev[i].type == type && ev[i].driver == driver && ev[i].t == t) {
            return &ev[i];
        }
    }

    return NULL;
}


/*
 * Skipped lines of a plain topic: each with a warning naming file:line,
 * the good lines kept, the span taken from the good lines only
 */

static void
ngx_f1_replay_test_add_bad(void)
{
    int                         rc;
    ngx_f1_replay_loader_t     *ld;
    ngx_f1_replay_test_warn_t   w;

    static const char  text[] =
        "00:00:01.000{\"Lines\":{\"1\":{\"Position\":\"1\"}}}\r\n"
        "0x:00:02.000{\"Lines\":{}}\r\n"
        "\xff\x01:00:03.000SECRET-TAIL{\"Lines\":{}}\r\n"
        "00:00:04.000{\"Lines\":{\"1\":{\"Position\":}}\r\n"
        "00:00:05.000{\"Lines\":{\"1\":{\"NumberOfLaps\":\"x\"}}}\r\n"
        "00:00:06.000{\"Lines\":{\"1\":{\"InPit\":\"maybe\"}}}\r\n"
        "\r\n"
        "00:00:08.000{\"Lines\":{\"1\":{\"Position\":\"2\"}}}\r\n"
        "00:00:09.000[1,2]\r\n"
        "00:00:10.000{\"Lines\":{\"1\":{\"Posi";

    static const char  last[] =
        "00:00:01.000{\"Status\":\"1\",\"Message\":\"AllClear\"}";

    memset(&w, 0, sizeof(w));

    ld = ngx_f1_replay_loader_create(ngx_f1_replay_test_warn, &w);
    if (ld == NULL) {
        exit(125);
    }

    rc = ngx_f1_replay_test_add(ld, "TimingData", text, 0);

    UNIT_CHECK(rc == 0, "a topic with bad lines among good ones loads");
    UNIT_CHECK(w.n == 7 && ld->warnings == 7,
               "each of the 7 bad lines is one warning, counted");
    UNIT_CHECK(ld->lines.n == 2
               && ((ngx_f1_replay_loader_line_t *) ld->lines.items)[0].t
                  == 1000
               && ((ngx_f1_replay_loader_line_t *) ld->lines.items)[1].t
                  == 8000,
               "only the good lines (00:00:01, 00:00:08) are kept");
    UNIT_CHECK(ld->start_ms == 1000 && ld->end_ms == 8000,
               "the span comes from good lines: the bad last line at "
               "00:00:10 does not extend it");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "TimingData.jsonStream:2: bad time prefix "
                   "\"0x:00:02.000\", line skipped") == 1,
               "a bad time prefix: file:line, the prefix quoted");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "TimingData.jsonStream:3: bad time prefix "
                   "\"\\xff\\x01:00:03.000\", line skipped") == 1,
               "raw bytes of a bad line are escaped as \\xNN");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w, "SECRET") == 0,
               "the raw bytes quoted are capped (to the time prefix)");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "TimingData.jsonStream:4: parse error: unallowed token "
                   "at this point in JSON text near byte 27, line skipped")
               == 1,
               "bad JSON: file:line, yajl's reason and where it stopped");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "TimingData.jsonStream:5: car \"1\": \"NumberOfLaps\" "
                   "is not a number, line skipped") == 1,
               "\"NumberOfLaps\":\"x\" is skipped with its reason");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "TimingData.jsonStream:6: car \"1\": \"InPit\" "
                   "is not a boolean, line skipped") == 1,
               "\"InPit\":\"maybe\" is skipped with its reason");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "TimingData.jsonStream:9: expected a JSON object, "
                   "line skipped") == 1,
               "a JSON array instead of an object is skipped; the empty "
               "line 7 counts in the numbering but is no warning");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "TimingData.jsonStream:10: ") == 1
               && ngx_f1_replay_test_warned(&w,
                   "premature EOF near byte 20 (truncated last line), "
                   "line skipped") == 1,
               "a bad unterminated last line is said to be truncated");

    rc = ngx_f1_replay_test_add(ld, "TrackStatus", last, 0);

    UNIT_CHECK(rc == 0 && w.n == 7,
               "a good last line without a line end is no warning");

    UNIT_CHECK(ld->have == ((1u << NGX_F1_REPLAY_T_TIMING_DATA)
                            | (1u << NGX_F1_REPLAY_T_TRACK_STATUS)),
               "the topics added are the ones marked present");

    ngx_f1_replay_loader_destroy(ld);
}


/* a bad line of SessionInfo or DriverList stops the load at file:line */

static void
ngx_f1_replay_test_add_strict(void)
{
    int                         rc;
    ngx_f1_replay_loader_t     *ld;
    ngx_f1_replay_session_t    *s;
    ngx_f1_replay_test_warn_t   w;

    memset(&w, 0, sizeof(w));

    ld = ngx_f1_replay_loader_create(ngx_f1_replay_test_warn, &w);
    if (ld == NULL) {
        exit(125);
    }

    rc = ngx_f1_replay_test_add(ld, "SessionInfo",
                                "00:00:00.000{\"Type\":\"Race\"}\r\n"
                                "00:00:01.000{\"Type\":}\r\n", 0);

    UNIT_CHECK(rc == -1
               && strncmp(ngx_f1_replay_test_err,
                          "SessionInfo.jsonStream:2: ", 26) == 0
               && ngx_f1_replay_test_has(ngx_f1_replay_test_err,
                                         "near byte"),
               "bad JSON in SessionInfo is fatal, with file:line");
    UNIT_CHECK(w.n == 0 && ld->warnings == 0,
               "a fatal line is an error, not a warning");

    rc = ngx_f1_replay_test_add(ld, "DriverList",
                                "00:00:01.000{\"1\":\"AAA\"}\r\n", 0);

    UNIT_CHECK(rc == -1
               && strcmp(ngx_f1_replay_test_err,
                         "DriverList.jsonStream:1: car \"1\" is not an "
                         "object") == 0,
               "a wrongly typed DriverList car is fatal, with file:line");

    rc = ngx_f1_replay_test_add(ld, "DriverList",
                                "00:00:01.000{\"1\":{\"Tla\":\"AAA\"}}\n"
                                "\n"
                                "00:00:0x.000{}\n", 0);

    UNIT_CHECK(rc == -1
               && strcmp(ngx_f1_replay_test_err,
                         "DriverList.jsonStream:3: bad time prefix "
                         "\"00:00:0x.000\"") == 0,
               "a bad time prefix in DriverList is fatal at its line");

    rc = ngx_f1_replay_test_add(ld, "DriverList",
                                "00:00:01.000{\"1\":{\"Tla\":\"AAA\"}}\n"
                                "00:00:02.000{\"1\":{\"Tla\"", 0);

    UNIT_CHECK(rc == -1
               && strncmp(ngx_f1_replay_test_err,
                          "DriverList.jsonStream:2: ", 25) == 0
               && ngx_f1_replay_test_has(ngx_f1_replay_test_err,
                                         "(truncated last line)"),
               "a truncated last line of a strict topic is fatal and "
               "said so");

    UNIT_CHECK(ld->have == 0 && w.n == 0,
               "no strict topic that failed is marked present");

    s = ngx_f1_replay_build_session(ld, ngx_f1_replay_test_err,
                                    sizeof(ngx_f1_replay_test_err));

    UNIT_CHECK(s == NULL
               && ngx_f1_replay_test_has(ngx_f1_replay_test_err,
                                         "missing required topic "
                                         "SessionInfo"),
               "a session whose SessionInfo failed is refused");

    free(s);
    ngx_f1_replay_loader_destroy(ld);
}


/* the errors of ngx_f1_replay_loader_add() that stop a load */

static void
ngx_f1_replay_test_add_errors(void)
{
    int                         rc, i;
    char                       *text;
    size_t                      len;
    ngx_f1_replay_loader_t     *ld;
    ngx_f1_replay_test_warn_t   w;

    static const char  good[] =
        "00:00:01.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n";
    static const char  bad[] = "00:00:02.000{\"Status\":\r\n";

    memset(&w, 0, sizeof(w));

    ld = ngx_f1_replay_loader_create(ngx_f1_replay_test_warn, &w);
    text = malloc(sizeof(good) + 101 * sizeof(bad));
    if (ld == NULL || text == NULL) {
        exit(125);
    }

    rc = ngx_f1_replay_loader_add(ld, "TrackStatus", "TrackStatus.jsonStream",
                                  (const unsigned char *) "", 0,
                                  ngx_f1_replay_test_err,
                                  sizeof(ngx_f1_replay_test_err));

    UNIT_CHECK(rc == -1
               && strcmp(ngx_f1_replay_test_err,
                         "TrackStatus.jsonStream: file is empty") == 0,
               "an empty file is an error");

    rc = ngx_f1_replay_test_add(ld, "TrackStatus", "\xef\xbb\xbf\r\n\n\r\n",
                                0);

    UNIT_CHECK(rc == -1
               && strcmp(ngx_f1_replay_test_err,
                         "TrackStatus.jsonStream: file is empty") == 0,
               "a file of a BOM and empty lines is empty");

    rc = ngx_f1_replay_test_add(ld, "TrackStatus",
                                "00:00:01.000{\"Status\":\r\n"
                                "00:00:02.000{\"Status\":[1]}\r\n", 0);

    UNIT_CHECK(rc == -1
               && strcmp(ngx_f1_replay_test_err,
                         "TrackStatus.jsonStream: no valid line in 2") == 0
               && w.n == 2
               && ngx_f1_replay_test_warned(&w,
                      "TrackStatus.jsonStream:2: \"Status\" is not a "
                      "string, line skipped") == 1,
               "a file of only bad lines is an error, each line warned");

    rc = ngx_f1_replay_test_add(ld, "Foo", good, 0);

    UNIT_CHECK(rc == -1
               && strcmp(ngx_f1_replay_test_err,
                         "Foo.jsonStream: unknown topic \"Foo\"") == 0,
               "an unknown topic is an error");

    UNIT_CHECK(ld->have == 0, "no topic that failed is marked present");

    /* 100 bad lines after a good one: the limit is not reached */

    memcpy(text, good, sizeof(good) - 1);
    len = sizeof(good) - 1;

    for (i = 0; i < 100; i++) {
        memcpy(text + len, bad, sizeof(bad) - 1);
        len += sizeof(bad) - 1;
    }

    w.n = 0;
    rc = ngx_f1_replay_test_add(ld, "TrackStatus", text, len);

    UNIT_CHECK(rc == 0 && w.n == 100,
               "100 bad lines are skipped, each warned");

    memcpy(text + len, bad, sizeof(bad) - 1);
    len += sizeof(bad) - 1;

    w.n = 0;
    rc = ngx_f1_replay_test_add(ld, "WeatherData", text, len);

    UNIT_CHECK(rc == -1
               && strncmp(ngx_f1_replay_test_err,
                          "WeatherData.jsonStream:102: ", 28) == 0
               && ngx_f1_replay_test_has(ngx_f1_replay_test_err,
                          "; more than 100 corrupt lines, giving up")
               && w.n == 100,
               "the 101st bad line stops the topic at its file:line");

    free(text);
    ngx_f1_replay_loader_destroy(ld);
}


/* LF, CRLF and BOM + CRLF files make the same session */

static void
ngx_f1_replay_test_line_ends(void)
{
    int                             same;
    char                           *q;
    size_t                          i;
    const char                     *p;
    ngx_f1_replay_session_t        *s[3];
    const ngx_f1_replay_driver_t   *d[3];
    ngx_f1_replay_test_warn_t       w;
    ngx_f1_replay_test_topic_t      topics[4];

    static char  lf[sizeof(ngx_f1_replay_test_timing)];
    static char  bom[sizeof(ngx_f1_replay_test_timing) + 3];

    /* the CRLF text, with its CRs taken out, and with a BOM added */

    for (p = ngx_f1_replay_test_timing, q = lf; *p; p++) {
        if (*p != '\r') {
            *q++ = *p;
        }
    }

    *q = '\0';

    memcpy(bom, "\xef\xbb\xbf", 3);
    memcpy(bom + 3, ngx_f1_replay_test_timing,
           sizeof(ngx_f1_replay_test_timing));

    topics[0].topic = "SessionInfo";
    topics[0].text = ngx_f1_replay_test_info;
    topics[0].len = 0;
    topics[1].topic = "DriverList";
    topics[1].text = ngx_f1_replay_test_drivers_text;
    topics[1].len = 0;
    topics[2].topic = "TimingData";
    topics[2].len = 0;
    topics[3].topic = NULL;

    for (i = 0; i < 3; i++) {
        topics[2].text = i == 0 ? lf
                         : i == 1 ? ngx_f1_replay_test_timing : bom;

        s[i] = ngx_f1_replay_test_load(topics, &w);
        d[i] = s[i] ? ngx_f1_replay_session_driver(s[i], 4) : NULL;
    }

    UNIT_CHECK(s[0] && s[1] && s[2], "LF, CRLF and BOM + CRLF all load");

    same = d[0] && d[1] && d[2] && d[0]->states.n == 4;

    for (i = 1; same && i < 3; i++) {
        same = d[i]->states.n == d[0]->states.n
               && memcmp(ngx_f1_replay_items(s[i], d[i]->states,
                                             ngx_f1_replay_state_t),
                         ngx_f1_replay_items(s[0], d[0]->states,
                                             ngx_f1_replay_state_t),
                         d[0]->states.n * sizeof(ngx_f1_replay_state_t))
                  == 0;
    }

    UNIT_CHECK(same, "LF, CRLF and BOM + CRLF give the same records");

    UNIT_CHECK(s[2] && s[2]->warnings == 2 && s[0] && s[0]->warnings == 2,
               "with any line end only the two wrongly typed lines are "
               "skipped");

    for (i = 0; i < 3; i++) {
        free(s[i]);
    }
}


static void
ngx_f1_replay_test_required(void)
{
    ngx_f1_replay_session_t    *s;
    ngx_f1_replay_test_warn_t   w;

    static const ngx_f1_replay_test_topic_t  no_info[] = {
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { "TrackStatus", ngx_f1_replay_test_track, 0 },
        { NULL, NULL, 0 }
    };

    static const ngx_f1_replay_test_topic_t  no_drivers[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "TrackStatus", ngx_f1_replay_test_track, 0 },
        { NULL, NULL, 0 }
    };

    s = ngx_f1_replay_test_load(no_info, &w);

    UNIT_CHECK(s == NULL
               && strcmp(ngx_f1_replay_test_err,
                         "missing required topic SessionInfo (required: "
                         "SessionInfo, DriverList)") == 0,
               "a session without SessionInfo is refused, saying so");

    free(s);

    s = ngx_f1_replay_test_load(no_drivers, &w);

    UNIT_CHECK(s == NULL
               && strcmp(ngx_f1_replay_test_err,
                         "missing required topic DriverList (required: "
                         "SessionInfo, DriverList)") == 0,
               "a session without DriverList is refused, saying so");

    free(s);
}


/* the race described at the top of the file */

static ngx_f1_replay_session_t *
ngx_f1_replay_test_race(ngx_f1_replay_test_warn_t *w)
{
    ngx_f1_replay_test_buf_t  car, pos;

    static char  car_buf[NGX_F1_REPLAY_TEST_MAX];
    static char  pos_buf[NGX_F1_REPLAY_TEST_MAX];

    ngx_f1_replay_test_topic_t  topics[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { "TimingData", ngx_f1_replay_test_timing, 0 },
        { "TimingAppData", ngx_f1_replay_test_app, 0 },
        { "LapCount", ngx_f1_replay_test_lap_count, 0 },
        { "SessionStatus", ngx_f1_replay_test_status, 0 },
        { "TrackStatus", ngx_f1_replay_test_track, 0 },
        { "WeatherData", ngx_f1_replay_test_weather, 0 },
        { "RaceControlMessages", ngx_f1_replay_test_rcm, 0 },
        { "Heartbeat", ngx_f1_replay_test_heartbeat, 0 },
        { "CarData.z", car_buf, 0 },
        { "Position.z", pos_buf, 0 },
        { NULL, NULL, 0 }
    };

    car.data = car_buf;
    car.len = 0;
    pos.data = pos_buf;
    pos.len = 0;

    /*
     * The latest entry's Utc minus line time: -300, 0, +200 ms; the
     * first line's entries out of order
     */

    ngx_f1_replay_test_z_line(&car, 10800,
        "{\"Entries\":["
        "{\"Utc\":\"2030-01-01T12:00:10.5000000Z\",\"Cars\":{"
        "\"1\":" NGX_F1_REPLAY_TEST_CH(10500, 12, 1, 25, 0, 8) ","
        "\"99\":" NGX_F1_REPLAY_TEST_CH(9000, 300, 8, 100, 100, 12)
        "}},"
        "{\"Utc\":\"2030-01-01T12:00:10.2000000Z\",\"Cars\":{"
        "\"1\":" NGX_F1_REPLAY_TEST_CH(10000, 0, 0, 104, 104, 1) "}}]}");
    ngx_f1_replay_test_z_line(&car, 11000,
        "{\"Entries\":["
        "{\"Utc\":\"2030-01-01T12:00:11.0000000Z\",\"Cars\":{"
        "\"1\":{\"Channels\":{\"0\":11000,\"2\":20,\"3\":1,\"4\":30,"
        "\"5\":0,\"45\":8,\"03\":7,\"045\":9,\"5x\":99,\"4 \":77}}}}]}");
    ngx_f1_replay_test_z_line(&car, 19800,
        "{\"Entries\":["
        "{\"Utc\":\"2030-01-01T12:00:20.0000000Z\",\"Cars\":{"
        "\"1\":" NGX_F1_REPLAY_TEST_CH(12000, 250, 7, 99, 0, 10) "}}]}");

    ngx_f1_replay_test_z_line(&pos, 10150,
        "{\"Position\":["
        "{\"Timestamp\":\"2030-01-01T12:00:10.1000000Z\",\"Entries\":{"
        "\"1\":{\"Status\":\"OnTrack\",\"X\":100,\"Y\":-200,\"Z\":30},"
        "\"4\":{\"Status\":\"OnTrack\",\"X\":0,\"Y\":0,\"Z\":0},"
        "\"16\":{\"Status\":\"OffTrack\",\"X\":5,\"Y\":6,\"Z\":7}}},"
        "{\"Timestamp\":\"2030-01-01T12:00:10.3000000Z\",\"Entries\":{"
        "\"16\":{\"Status\":\"OffTrack\",\"X\":0,\"Y\":0,\"Z\":0}}}]}");

    car_buf[car.len] = '\0';
    pos_buf[pos.len] = '\0';

    return ngx_f1_replay_test_load(topics, w);
}


static void
ngx_f1_replay_test_header(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_test_warn_t *w)
{
    UNIT_CHECK(s->magic == NGX_F1_REPLAY_SESSION_MAGIC
               && s->version == NGX_F1_REPLAY_SESSION_VERSION,
               "the block has the magic and version");
    UNIT_CHECK(strcmp(ngx_f1_replay_str(s, s->meeting), "Unit Grand Prix")
               == 0
               && strcmp(ngx_f1_replay_str(s, s->official_name),
                         "FORMULA 1 UNIT GRAND PRIX 2030") == 0,
               "meeting and official name from SessionInfo (after a BOM)");
    UNIT_CHECK(strcmp(ngx_f1_replay_str(s, s->location), "Testville") == 0
               && strcmp(ngx_f1_replay_str(s, s->country), "Unitland") == 0
               && strcmp(ngx_f1_replay_str(s, s->circuit), "Unit Ring")
                  == 0,
               "location, Country.Name and Circuit.ShortName");
    UNIT_CHECK(strcmp(ngx_f1_replay_str(s, s->session_type), "Race") == 0
               && strcmp(ngx_f1_replay_str(s, s->session_name), "Race")
                  == 0
               && strcmp(ngx_f1_replay_str(s, s->start_date),
                         "2030-01-01T14:00:00") == 0
               && strcmp(ngx_f1_replay_str(s, s->gmt_offset), "02:00:00")
                  == 0
               && strcmp(ngx_f1_replay_str(s, s->path),
                         "2030/2030-01-01_Unit_Grand_Prix/"
                         "2030-01-01_Race/") == 0,
               "session type, name, start date, GMT offset and path");
    UNIT_CHECK(s->start_ms == 0 && s->end_ms == 480000,
               "the span runs from the first line (00:00:00) to the last "
               "(00:08:00)");
    UNIT_CHECK(s->flags == (NGX_F1_REPLAY_HAS_CAR_DATA
                            | NGX_F1_REPLAY_HAS_POSITION
                            | NGX_F1_REPLAY_HAS_TIMING
                            | NGX_F1_REPLAY_HAS_LAPS),
               "flags: car data, position, timing and laps");
    UNIT_CHECK(s->utc0_ms == NGX_F1_REPLAY_TEST_UTC0
               && s->utc0_source == NGX_F1_REPLAY_UTC0_CAR_DATA,
               "utc0 is the median car-data offset (0 of -300, 0, "
               "+200 ms), before the heartbeat's");
    UNIT_CHECK(s->total_laps == 3, "total laps from LapCount");
    UNIT_CHECK(s->lights_out_ms == 60000,
               "lights-out at the first \"Started\", not the first "
               "LapCount line");
    UNIT_CHECK(s->warnings == 2 && w->n == 2,
               "two lines skipped in the whole race");
    UNIT_CHECK(ngx_f1_replay_test_warned(w,
                   "TimingData.jsonStream:6: car \"1\": \"NumberOfLaps\" "
                   "is not a number, line skipped") == 1
               && ngx_f1_replay_test_warned(w,
                   "TimingData.jsonStream:7: car \"4\": \"InPit\" "
                   "is not a boolean, line skipped") == 1,
               "the race's two wrongly typed lines, by file:line");
    UNIT_CHECK(s->size > sizeof(ngx_f1_replay_session_t)
               && ngx_f1_replay_session_valid(s, s->size),
               "the block built is valid");
}


static void
ngx_f1_replay_test_drivers(const ngx_f1_replay_session_t *s)
{
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    UNIT_CHECK(s->drivers.n == 4
               && d[0].number == 16 && d[1].number == 1
               && d[2].number == 4 && d[3].number == 99,
               "drivers in Line order after the patch (16, 1, 4), the "
               "car seen only in data last");
    UNIT_CHECK(s->drivers.n == 4
               && d[0].line == 1 && d[1].line == 2 && d[2].line == 3
               && d[3].line == 0,
               "each driver's Line, 0 for a car not in the list");
    UNIT_CHECK(s->drivers.n == 4
               && strcmp(d[1].tla, "AAA") == 0
               && strcmp(ngx_f1_replay_str(s, d[1].full_name), "Anna AAA")
                  == 0
               && strcmp(ngx_f1_replay_str(s, d[1].broadcast_name),
                         "A AAA") == 0
               && strcmp(ngx_f1_replay_str(s, d[1].team), "Alpha") == 0,
               "a driver's TLA, full name, broadcast name and team");
    UNIT_CHECK(s->drivers.n == 4
               && d[1].colour == 0xff8000 && d[2].colour == 0x00ff00
               && d[0].colour == 0x0000ff,
               "team colours as 0xRRGGBB, either case of hex");
    UNIT_CHECK(s->drivers.n == 4
               && d[3].tla[0] == '\0' && d[3].full_name == 0
               && d[3].states.n == 0 && d[3].stints.n == 0
               && d[3].car.n == 1 && d[3].pos.n == 0,
               "car 99: no name, no race state, its one car sample");
}


static void
ngx_f1_replay_test_states(const ngx_f1_replay_session_t *s)
{
    const ngx_f1_replay_state_t  *st;

    static const int32_t  t16[] = { 10000, 20000, 150000, 240000 };
    static const int32_t  t1[] = {
        10000, 20000, 151234, 156000, 300000, 360000
    };
    static const int32_t  t4[] = { 10000, 20000, 160000, 178000, 200000 };

    UNIT_CHECK(ngx_f1_replay_test_times(s, 16, t16, 4)
               && ngx_f1_replay_test_times(s, 1, t1, 6)
               && ngx_f1_replay_test_times(s, 4, t4, 5),
               "records only when a car's state changed: none for a "
               "Sectors or Catching patch, none for a skipped line");

    st = ngx_f1_replay_test_record(s, 16, 10000);

    UNIT_CHECK(st != NULL && st->position == 1 && st->laps == 0
               && st->gap == NGX_F1_REPLAY_GAP_NONE
               && st->interval == NGX_F1_REPLAY_GAP_NONE
               && st->last_lap_ms == -1 && st->best_lap_ms == -1
               && st->flags == 0,
               "the snapshot: gaps \"\" are none, lap times \"\" are -1");
    UNIT_CHECK(st != NULL && st->stints == 0
               && st->compound == NGX_F1_REPLAY_COMPOUND_UNKNOWN
               && st->tyre_new == 2,
               "before TimingAppData: no stint, tyres unknown");

    st = ngx_f1_replay_test_record(s, 16, 150000);

    UNIT_CHECK(st != NULL && st->laps == 1 && st->gap == 0
               && st->interval == NGX_F1_REPLAY_GAP_NONE,
               "the leader's \"LAP 2\": gap 0, interval none");
    UNIT_CHECK(st != NULL && st->last_lap_ms == 90123
               && st->best_lap_ms == 90123,
               "lap time \"1:30.123\" is 90123 ms");
    UNIT_CHECK(st != NULL && st->compound == NGX_F1_REPLAY_COMPOUND_HARD
               && st->tyre_new == 1 && st->stints == 1,
               "the record carries the current stint's tyres");

    st = ngx_f1_replay_test_record(s, 16, 240000);

    UNIT_CHECK(st != NULL && st->laps == 2 && st->last_lap_ms == 89000
               && st->best_lap_ms == 89000 && st->gap == 0,
               "the leader's next lap: 1:29.000");

    st = ngx_f1_replay_test_record(s, 1, 151234);

    UNIT_CHECK(st != NULL && st->gap == 1234 && st->interval == 1234
               && ngx_f1_replay_gap_laps(st->gap) == 0,
               "\"+1.234\" is 1234 ms, gap and interval");
    UNIT_CHECK(st != NULL && st->last_lap_ms == 91357
               && st->best_lap_ms == -1,
               "lap time \"91.357\" is 91357 ms; best still none");
    UNIT_CHECK(st != NULL && st->position == 2 && st->laps == 1
               && st->compound == NGX_F1_REPLAY_COMPOUND_MEDIUM
               && st->tyre_age == 0,
               "a patch keeps the fields it does not name (object merge)");

    st = ngx_f1_replay_test_record(s, 1, 156000);

    UNIT_CHECK(st != NULL && st->tyre_age == 1 && st->gap == 1234
               && st->interval == 1234 && st->laps == 1,
               "Stints patched by index: TotalLaps 1 is the tyre age");

    st = ngx_f1_replay_test_record(s, 1, 300000);

    UNIT_CHECK(st != NULL && st->flags == NGX_F1_REPLAY_HIDDEN,
               "ShowPosition false sets HIDDEN");

    st = ngx_f1_replay_test_record(s, 1, 360000);

    UNIT_CHECK(st != NULL
               && st->flags == (NGX_F1_REPLAY_HIDDEN | NGX_F1_REPLAY_RETIRED
                                | NGX_F1_REPLAY_STOPPED),
               "Retired and Stopped flags");
    UNIT_CHECK(st != NULL && st->laps == 1,
               "the skipped \"NumberOfLaps\":\"x\" left the laps at 1");

    st = ngx_f1_replay_test_record(s, 4, 160000);

    UNIT_CHECK(st != NULL && st->gap == NGX_F1_REPLAY_GAP_LAPS(1)
               && ngx_f1_replay_gap_laps(st->gap) == 1
               && ngx_f1_replay_gap_laps(st->interval) == 1,
               "\"1 L\" and \"1L\" are one lap behind");
    UNIT_CHECK(st != NULL && st->flags == NGX_F1_REPLAY_IN_PIT
               && st->laps == 1 && st->position == 3,
               "InPit sets IN_PIT");
    UNIT_CHECK(st != NULL && st->compound == NGX_F1_REPLAY_COMPOUND_SOFT
               && st->tyre_new == 0 && st->tyre_age == 3,
               "a used set: New \"false\", TotalLaps 3");

    st = ngx_f1_replay_test_record(s, 4, 178000);

    UNIT_CHECK(st != NULL && st->flags == NGX_F1_REPLAY_PIT_OUT,
               "InPit false and PitOut: PIT_OUT only (the skipped "
               "\"maybe\" changed nothing)");
    UNIT_CHECK(st != NULL && st->stints == 2
               && st->compound == NGX_F1_REPLAY_COMPOUND_HARD
               && st->tyre_new == 1 && st->tyre_age == 0,
               "a TimingAppData line at the same time updates that "
               "record: the new stint");

    st = ngx_f1_replay_test_record(s, 4, 200000);

    UNIT_CHECK(st != NULL && st->flags == 0
               && ngx_f1_replay_gap_laps(st->gap) == 2
               && st->interval == 500,
               "\"2L\" is two laps behind, \"+0.500\" 500 ms");
}


static void
ngx_f1_replay_test_stints(const ngx_f1_replay_session_t *s)
{
    const ngx_f1_replay_stint_t   *st;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, 4);

    UNIT_CHECK(d != NULL && d->stints.n == 2, "car 4 has two stints");

    if (d == NULL || d->stints.n != 2) {
        return;
    }

    st = ngx_f1_replay_items(s, d->stints, ngx_f1_replay_stint_t);

    UNIT_CHECK(st[0].t == 20000 && st[0].start_lap == 0
               && st[0].compound == NGX_F1_REPLAY_COMPOUND_SOFT
               && st[0].tyre_new == 0 && st[0].start_age == 3
               && st[0].total_laps == 3 && st[0].not_changed == 0,
               "first stint: first seen at 00:00:20 on lap 0, SOFT used, "
               "StartLaps 3");
    UNIT_CHECK(st[1].t == 178000 && st[1].start_lap == 1
               && st[1].compound == NGX_F1_REPLAY_COMPOUND_HARD
               && st[1].tyre_new == 1 && st[1].start_age == 0,
               "second stint: first seen at 00:02:58 after lap 1, HARD "
               "new");

    d = ngx_f1_replay_session_driver(s, 1);
    st = d ? ngx_f1_replay_items(s, d->stints, ngx_f1_replay_stint_t) : NULL;

    UNIT_CHECK(d != NULL && d->stints.n == 1 && st[0].total_laps == 1
               && st[0].compound == NGX_F1_REPLAY_COMPOUND_MEDIUM,
               "a stint's TotalLaps is its last value (patched by index)");
}


static void
ngx_f1_replay_test_tables(const ngx_f1_replay_session_t *s)
{
    const ngx_f1_replay_rcm_t           *rc;
    const ngx_f1_replay_status_t        *ss;
    const ngx_f1_replay_weather_t       *we;
    const ngx_f1_replay_lap_count_t     *lc;
    const ngx_f1_replay_track_status_t  *ts;

    lc = ngx_f1_replay_items(s, s->lap_count, ngx_f1_replay_lap_count_t);

    UNIT_CHECK(s->lap_count.n == 3
               && lc[0].t == 50000 && lc[0].current == 1
               && lc[1].t == 150000 && lc[1].current == 2
               && lc[2].t == 240000 && lc[2].current == 3
               && lc[2].total == 3,
               "LapCount rows; TotalLaps kept by the later patches");

    ss = ngx_f1_replay_items(s, s->session_status, ngx_f1_replay_status_t);

    UNIT_CHECK(s->session_status.n == 3 && ss[1].t == 60000
               && strcmp(ngx_f1_replay_str(s, ss[1].status), "Started")
                  == 0
               && strcmp(ngx_f1_replay_str(s, ss[2].status), "Finished")
                  == 0,
               "SessionStatus rows");

    ts = ngx_f1_replay_items(s, s->track_status,
                             ngx_f1_replay_track_status_t);

    UNIT_CHECK(s->track_status.n == 3
               && ts[0].t == 30000 && ts[0].status == 1
               && ts[1].t == 180000 && ts[1].status == 4
               && strcmp(ngx_f1_replay_str(s, ts[1].message), "SCDeployed")
                  == 0
               && ts[2].t == 230000 && ts[2].status == 1,
               "TrackStatus rows: \"4\" SCDeployed at 00:03:00");

    we = ngx_f1_replay_items(s, s->weather, ngx_f1_replay_weather_t);

    UNIT_CHECK(s->weather.n == 2
               && we[0].t == 40000 && we[0].air_temp == 21.5f
               && we[0].track_temp == 35.1f && we[0].humidity == 55.0f
               && we[0].pressure == 1013.2f && we[0].wind_speed == 2.4f
               && we[0].wind_direction == 180.0f && we[0].rainfall == 0,
               "WeatherData: the strings read as numbers");
    UNIT_CHECK(s->weather.n == 2
               && we[1].t == 100000 && we[1].air_temp == 22.0f
               && we[1].rainfall == 1 && we[1].humidity == 55.0f
               && we[1].track_temp == 35.1f,
               "a WeatherData patch keeps the fields it does not name");

    rc = ngx_f1_replay_items(s, s->race_control, ngx_f1_replay_rcm_t);

    UNIT_CHECK(s->race_control.n == 3,
               "three messages: the list, two patches past its end; a "
               "patch of an old one is none");

    if (s->race_control.n != 3) {
        return;
    }

    UNIT_CHECK(rc[0].t == 45000
               && rc[0].utc_ms == NGX_F1_REPLAY_TEST_UTC0 + 44000
               && rc[0].lap == -1 && rc[0].racing_number == 0
               && strcmp(ngx_f1_replay_str(s, rc[0].category), "Flag") == 0
               && strcmp(ngx_f1_replay_str(s, rc[0].flag), "GREEN") == 0
               && strcmp(ngx_f1_replay_str(s, rc[0].scope), "Track") == 0
               && strcmp(ngx_f1_replay_str(s, rc[0].message),
                         "GREEN LIGHT - PIT EXIT OPEN") == 0,
               "the first message, as first sent, with its Utc");
    UNIT_CHECK(rc[1].t == 180500 && rc[1].lap == 2
               && rc[1].utc_ms == NGX_F1_REPLAY_TEST_UTC0 + 179800
               && strcmp(ngx_f1_replay_str(s, rc[1].message),
                         "SAFETY CAR DEPLOYED") == 0
               && rc[1].flag == 0,
               "a message patched in by index, at its line's time");
    UNIT_CHECK(rc[2].t == 190000 && rc[2].racing_number == 4
               && strcmp(ngx_f1_replay_str(s, rc[2].category), "Other")
                  == 0,
               "a message's RacingNumber \"4\"");
}


static void
ngx_f1_replay_test_samples(const ngx_f1_replay_session_t *s)
{
    const ngx_f1_replay_car_t     *c;
    const ngx_f1_replay_pos_t     *p;
    const ngx_f1_replay_driver_t  *d;

    d = ngx_f1_replay_session_driver(s, 1);

    UNIT_CHECK(d != NULL && d->car.n == 4 && d->pos.n == 1,
               "car 1: four car samples from three lines, one position");

    c = ngx_f1_replay_test_car(s, 1, 10200);

    UNIT_CHECK(c != NULL && c->rpm == 10000 && c->speed == 0
               && c->gear == 0 && c->drs == 1,
               "a car sample on the session clock: Utc 12:00:10.200 is "
               "10200");
    UNIT_CHECK(c != NULL && c->throttle == NGX_F1_REPLAY_NO_VALUE
               && c->brake == NGX_F1_REPLAY_NO_VALUE,
               "throttle and brake 104 are NO_VALUE");

    c = ngx_f1_replay_test_car(s, 1, 10500);

    UNIT_CHECK(c != NULL && c->rpm == 10500 && c->speed == 12
               && c->gear == 1 && c->throttle == 25 && c->brake == 0
               && c->drs == 8,
               "an entry of two cars: every channel of the first");

    c = ngx_f1_replay_test_car(s, 1, 11000);

    UNIT_CHECK(c != NULL && c->rpm == 11000 && c->speed == 20
               && c->gear == 1 && c->throttle == 30 && c->brake == 0
               && c->drs == 8,
               "channels by their exact keys: \"03\", \"045\", \"5x\" and "
               "\"4 \" are none of them");

    c = ngx_f1_replay_test_car(s, 1, 20000);

    UNIT_CHECK(c != NULL && c->rpm == 12000 && c->speed == 250
               && c->throttle == 99,
               "a line 200 ms early: its sample still at its Utc");

    c = ngx_f1_replay_test_car(s, 99, 10500);

    UNIT_CHECK(c != NULL && c->speed == 300 && c->gear == 8
               && c->throttle == 100 && c->brake == 100 && c->drs == 12,
               "the second car of an entry");

    p = ngx_f1_replay_test_pos(s, 1, 10100);

    UNIT_CHECK(p != NULL && p->x == 100 && p->y == -200 && p->z == 30
               && p->status == NGX_F1_REPLAY_POS_ON_TRACK,
               "a position sample at 10100, in decimetres, OnTrack");

    p = ngx_f1_replay_test_pos(s, 4, 10100);

    UNIT_CHECK(p != NULL && p->status == NGX_F1_REPLAY_POS_NO_FIX,
               "X = Y = Z = 0 is NO_FIX");

    p = ngx_f1_replay_test_pos(s, 16, 10100);

    UNIT_CHECK(p != NULL && p->status == NGX_F1_REPLAY_POS_OFF_TRACK
               && p->x == 5 && p->y == 6 && p->z == 7,
               "OffTrack status");

    p = ngx_f1_replay_test_pos(s, 16, 10300);

    UNIT_CHECK(p != NULL && p->status == NGX_F1_REPLAY_POS_NO_FIX,
               "no fix wins over OffTrack");
}


/* ngx_f1_replay_session_valid() on the block and corrupted copies */

static void
ngx_f1_replay_test_valid(const ngx_f1_replay_session_t *s)
{
    ngx_f1_replay_driver_t   *d;
    ngx_f1_replay_session_t  *c;

    c = malloc(s->size);
    if (c == NULL) {
        exit(125);
    }

    memcpy(c, s, s->size);

    UNIT_CHECK(ngx_f1_replay_session_valid(c, s->size),
               "a copy of the block is valid (position-independent)");
    UNIT_CHECK(!ngx_f1_replay_session_valid(c, s->size - 1),
               "a block shorter than its size is not valid");

    c->magic ^= 1;

    UNIT_CHECK(!ngx_f1_replay_session_valid(c, s->size),
               "a bad magic is not valid");

    memcpy(c, s, s->size);
    c->events.n = (uint32_t) (s->size / sizeof(ngx_f1_replay_event_t));

    UNIT_CHECK(!ngx_f1_replay_session_valid(c, s->size),
               "an events array past the end is not valid");

    memcpy(c, s, s->size);
    d = ngx_f1_replay_items(c, c->drivers, ngx_f1_replay_driver_t);
    d[1].car.off = (uint32_t) s->size - sizeof(ngx_f1_replay_car_t) / 2;
    d[1].car.off &= ~3u;

    UNIT_CHECK(!ngx_f1_replay_session_valid(c, s->size),
               "a driver's car samples past the end are not valid");

    free(c);
}


static void
ngx_f1_replay_test_events(const ngx_f1_replay_session_t *s)
{
    int                           sorted;
    uint32_t                      i;
    const ngx_f1_replay_event_t  *ev;

    ev = ngx_f1_replay_items(s, s->events, ngx_f1_replay_event_t);

    sorted = 1;

    for (i = 1; i < s->events.n; i++) {
        if (ev[i].t < ev[i - 1].t) {
            sorted = 0;
        }
    }

    UNIT_CHECK(s->events.n > 0 && sorted, "events found, sorted by time");
    UNIT_CHECK(ngx_f1_replay_test_event(s, NGX_F1_REPLAY_EV_START, 0, 60000)
               != NULL,
               "a start event at lights-out");
    UNIT_CHECK(ngx_f1_replay_test_event(s, NGX_F1_REPLAY_EV_PIT_IN, 4,
                                        160000)
               != NULL
               && ngx_f1_replay_test_event(s, NGX_F1_REPLAY_EV_PIT_OUT, 4,
                                           178000)
                  != NULL,
               "car 4's pit entry and exit are events");
    UNIT_CHECK(ngx_f1_replay_test_event(s, NGX_F1_REPLAY_EV_RETIRED, 1,
                                        360000)
               != NULL,
               "car 1's retirement is an event");
}


/* utc0 from the heartbeat, else race control, else none */

static void
ngx_f1_replay_test_utc0(void)
{
    ngx_f1_replay_session_t    *s;
    ngx_f1_replay_test_warn_t   w;

    static const char  heartbeat[] =
        "00:00:05.000{\"Utc\":\"2030-01-01T12:00:05.250Z\"}\r\n"
        "00:01:05.000{\"Utc\":\"2030-01-01T12:01:05.250Z\"}\r\n"
        "00:02:05.000{\"Utc\":\"2030-01-01T12:02:05.750Z\"}\r\n"
        "00:03:05.000{\"Utc\":\"not a time\"}\r\n";

    static const char  rcm[] =
        "00:00:30.400{\"Messages\":[{\"Utc\":\"2030-01-01T12:00:30\","
        "\"Message\":\"A\"},{\"Message\":\"NO UTC\"}]}\r\n"
        "00:01:00.100{\"Messages\":{\"2\":{\"Utc\":\"2030-01-01T12:01:00\","
        "\"Message\":\"B\"}}}\r\n";

    static const ngx_f1_replay_test_topic_t  hb_topics[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { "Heartbeat", heartbeat, 0 },
        { "RaceControlMessages", rcm, 0 },
        { NULL, NULL, 0 }
    };

    static const ngx_f1_replay_test_topic_t  rc_topics[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { "RaceControlMessages", rcm, 0 },
        { NULL, NULL, 0 }
    };

    static const ngx_f1_replay_test_topic_t  bare[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { NULL, NULL, 0 }
    };

    s = ngx_f1_replay_test_load(hb_topics, &w);

    UNIT_CHECK(s != NULL
               && s->utc0_ms == NGX_F1_REPLAY_TEST_UTC0 + 250
               && s->utc0_source == NGX_F1_REPLAY_UTC0_HEARTBEAT,
               "no car data: utc0 is the median heartbeat offset "
               "(250 of 250, 250, 750), before race control's");
    UNIT_CHECK(s != NULL && s->warnings == 1
               && ngx_f1_replay_test_warned(&w,
                      "Heartbeat.jsonStream:4: \"Utc\" is missing or not "
                      "a UTC time, line skipped") == 1,
               "a heartbeat without a UTC time is skipped");

    free(s);

    s = ngx_f1_replay_test_load(rc_topics, &w);

    UNIT_CHECK(s != NULL
               && s->utc0_ms == NGX_F1_REPLAY_TEST_UTC0 - 100
               && s->utc0_source == NGX_F1_REPLAY_UTC0_RACE_CONTROL,
               "no heartbeat: utc0 is the largest race-control "
               "Utc - t (-100 of -400, -100)");
    UNIT_CHECK(s != NULL && s->race_control.n == 3
               && ngx_f1_replay_items(s, s->race_control,
                                      ngx_f1_replay_rcm_t)[1].utc_ms == -1,
               "a message without Utc has utc_ms -1");

    free(s);

    s = ngx_f1_replay_test_load(bare, &w);

    UNIT_CHECK(s != NULL && s->utc0_ms == 0
               && s->utc0_source == NGX_F1_REPLAY_UTC0_NONE,
               "nothing with a UTC: utc0 0, source none");
    UNIT_CHECK(s != NULL && s->flags == 0 && s->total_laps == 0
               && s->lights_out_ms == NGX_F1_REPLAY_NO_TIME
               && s->drivers.n == 3 && s->events.n == 0
               && s->start_ms == 0 && s->end_ms == 2000,
               "only the required topics: no flags, laps, start or "
               "events; the three drivers");
    UNIT_CHECK(s != NULL && ngx_f1_replay_session_valid(s, s->size),
               "the bare block is valid");

    free(s);
}


/* TimingAppData without TimingData; lights-out from LapCount */

static void
ngx_f1_replay_test_timing_only(void)
{
    const ngx_f1_replay_state_t  *st;
    ngx_f1_replay_session_t      *s;
    ngx_f1_replay_test_warn_t     w;

    static const char  app[] =
        "00:00:20.000{\"Lines\":{"
        "\"16\":{\"Line\":2,\"Stints\":["
        NGX_F1_REPLAY_TEST_STINT("SOFT", "true", "0") "]},"
        "\"1\":{\"Line\":1,\"Stints\":["
        NGX_F1_REPLAY_TEST_STINT("HARD", "false", "2") "]}}}\r\n"
        "00:01:30.000{\"Lines\":{\"16\":{\"Line\":1},"
        "\"1\":{\"Line\":2}}}\r\n";

    static const char  lap_count[] =
        "00:00:50.000{\"CurrentLap\":1,\"TotalLaps\":57}\r\n"
        "00:02:30.000{\"CurrentLap\":2}\r\n";

    static const ngx_f1_replay_test_topic_t  topics[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { "TimingAppData", app, 0 },
        { "LapCount", lap_count, 0 },
        { NULL, NULL, 0 }
    };

    s = ngx_f1_replay_test_load(topics, &w);

    UNIT_CHECK(s != NULL && s->flags == NGX_F1_REPLAY_HAS_TIMING,
               "TimingAppData alone: timing, but not HAS_LAPS");

    if (s == NULL) {
        return;
    }

    UNIT_CHECK(s->lights_out_ms == 50000 && s->total_laps == 57,
               "no SessionStatus: lights-out at the first LapCount line");

    st = ngx_f1_replay_test_record(s, 16, 20000);

    UNIT_CHECK(st != NULL && st->position == 2 && st->laps == 0
               && st->compound == NGX_F1_REPLAY_COMPOUND_SOFT,
               "timing-only: the position is TimingAppData's Line");

    st = ngx_f1_replay_test_record(s, 16, 90000);

    UNIT_CHECK(st != NULL && st->position == 1,
               "timing-only: a new Line is a new position");

    free(s);
}


/*
 * Numbers out of range: WeatherData with a value beyond a float's range
 * (a number and a string) and fields it never gives: unknown (NaN) in the
 * block, null in the state and the summary, which are still built (the
 * fuzzer's find: a float of inf made yajl refuse the state message); a
 * race-control message's Lap and Sector beyond an integer's: none (-1)
 */

static void
ngx_f1_replay_test_ranges(void)
{
    size_t                          len;
    yajl_gen                        g;
    const unsigned char            *buf;
    ngx_f1_replay_session_t        *s;
    ngx_f1_replay_test_warn_t       w;
    const ngx_f1_replay_rcm_t      *m;
    const ngx_f1_replay_weather_t  *we;

    static const char  weather[] =
        "00:00:40.000{\"AirTemp\":\"2.2e95\",\"TrackTemp\":1e300,"
        "\"Humidity\":\"55.0\",\"Rainfall\":\"0\"}\r\n";

    static const char  rcm[] =
        "00:00:45.000{\"Messages\":[{\"Utc\":\"2030-01-01T12:00:44\","
        "\"Lap\":1e300,\"Sector\":\"-1e300\",\"Category\":\"Other\","
        "\"Message\":\"NUMBERS OUT OF RANGE\"}]}\r\n";

    static const ngx_f1_replay_test_topic_t  topics[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { "WeatherData", weather, 0 },
        { "RaceControlMessages", rcm, 0 },
        { NULL, NULL, 0 }
    };

    s = ngx_f1_replay_test_load(topics, &w);

    UNIT_CHECK(s != NULL && s->weather.n == 1,
               "WeatherData out of range: the sample is kept");

    if (s == NULL || s->weather.n != 1) {
        free(s);
        return;
    }

    m = ngx_f1_replay_items(s, s->race_control, ngx_f1_replay_rcm_t);

    UNIT_CHECK(s->race_control.n == 1 && m->lap == -1 && m->sector == -1,
               "a race-control Lap and Sector out of range: none");

    we = ngx_f1_replay_items(s, s->weather, ngx_f1_replay_weather_t);

    UNIT_CHECK(isnan(we->air_temp) && isnan(we->track_temp)
               && we->humidity == 55.0f && isnan(we->pressure)
               && isnan(we->wind_speed) && isnan(we->wind_direction),
               "beyond a float's range or absent: unknown (NaN)");

    g = yajl_gen_alloc(NULL);

    UNIT_CHECK(g != NULL
               && ngx_f1_replay_message_state(s, 60000, 1, g) == 0
               && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok
               && ngx_f1_replay_test_has((const char *) buf,
                                         "\"air_temp\":null,"
                                         "\"track_temp\":null,"
                                         "\"humidity\":55"),
               "the state is built, the unknown fields null");

    if (g != NULL) {
        yajl_gen_free(g);
    }

    g = yajl_gen_alloc(NULL);

    UNIT_CHECK(g != NULL && ngx_f1_replay_message_summary(s, g) == 0,
               "the summary is built");

    if (g != NULL) {
        yajl_gen_free(g);
    }

    free(s);
}


/* bad .z lines: each skipped with its reason, nothing of them kept */

static void
ngx_f1_replay_test_telemetry_bad(void)
{
    char                           line[1024];
    ngx_f1_replay_session_t       *s;
    const ngx_f1_replay_driver_t  *d;
    ngx_f1_replay_test_buf_t       car, pos;
    ngx_f1_replay_test_warn_t      w;

    static char  car_buf[NGX_F1_REPLAY_TEST_MAX];
    static char  pos_buf[NGX_F1_REPLAY_TEST_MAX];

    ngx_f1_replay_test_topic_t  topics[] = {
        { "SessionInfo", ngx_f1_replay_test_info, 0 },
        { "DriverList", ngx_f1_replay_test_drivers_text, 0 },
        { "CarData.z", car_buf, 0 },
        { "Position.z", pos_buf, 0 },
        { NULL, NULL, 0 }
    };

    car.data = car_buf;
    car.len = 0;
    pos.data = pos_buf;
    pos.len = 0;

    /* 1: good, the latest entry first */
    ngx_f1_replay_test_z_line(&car, 1000,
        "{\"Entries\":[{\"Utc\":\"2030-01-01T12:00:01Z\",\"Cars\":{"
        "\"1\":" NGX_F1_REPLAY_TEST_CH(10000, 100, 3, 50, 0, 0) "}},"
        "{\"Utc\":\"2030-01-01T12:00:00.750Z\",\"Cars\":{"
        "\"1\":" NGX_F1_REPLAY_TEST_CH(9900, 95, 3, 50, 0, 0) "}}]}");

    /* 2: not base64; 3: base64 of 0xff 0xff 0xff, a reserved block */
    ngx_f1_replay_test_append(&car, "00:00:02.000\"!!!!\"\r\n", 0);
    ngx_f1_replay_test_append(&car, "00:00:03.000\"////\"\r\n", 0);

    /* 4: no entries; 5, 6: channels out of range */
    ngx_f1_replay_test_z_line(&car, 4000, "{\"Entries\":[]}");
    ngx_f1_replay_test_z_line(&car, 5000,
        "{\"Entries\":[{\"Utc\":\"2030-01-01T12:00:05Z\",\"Cars\":{"
        "\"1\":{\"Channels\":{\"2\":70000}}}}]}");
    ngx_f1_replay_test_z_line(&car, 6000,
        "{\"Entries\":[{\"Utc\":\"2030-01-01T12:00:06Z\",\"Cars\":{"
        "\"1\":{\"Channels\":{\"3\":300}}}}]}");

    /* 7: a long bad Utc with control bytes */
    ngx_f1_replay_test_z_line(&car, 7000,
        "{\"Entries\":[{\"Utc\":\"\\u0001\\u001f0123456789012345678901234"
        "567890123456789HIDDEN\",\"Cars\":{}}]}");

    /* 8: a good entry, then one with a bad channel: none of it kept */
    ngx_f1_replay_test_z_line(&car, 8250,
        "{\"Entries\":[{\"Utc\":\"2030-01-01T12:00:08Z\",\"Cars\":{"
        "\"1\":" NGX_F1_REPLAY_TEST_CH(11000, 110, 4, 60, 0, 0) ","
        "\"7\":" NGX_F1_REPLAY_TEST_CH(11000, 110, 4, 60, 0, 0) "}},"
        "{\"Utc\":\"2030-01-01T12:00:08.250Z\",\"Cars\":{"
        "\"1\":{\"Channels\":{\"4\":-1}}}}]}");

    /* 9: not a JSON string */
    ngx_f1_replay_test_append(&car, "00:00:09.000{\"Entries\":[]}\r\n", 0);

    ngx_f1_replay_test_z_line(&pos, 1000,
        "{\"Position\":[{\"Timestamp\":\"2030-01-01T12:00:01Z\","
        "\"Entries\":{\"1\":{\"Status\":\"OnTrack\",\"X\":1,\"Y\":2,"
        "\"Z\":3}}}]}");
    ngx_f1_replay_test_z_line(&pos, 2000,
        "{\"Position\":[{\"Timestamp\":\"2030-01-01T12:00:02Z\","
        "\"Entries\":{\"1\":{\"Status\":\"OnTrack\",\"X\":\"abc\"}}}]}");
    ngx_f1_replay_test_z_line(&pos, 3000,
        "{\"Position\":[{\"Entries\":{\"1\":{\"X\":1}}}]}");
    ngx_f1_replay_test_z_line(&pos, 4250,
        "{\"Position\":[{\"Timestamp\":\"2030-01-01T12:00:04Z\","
        "\"Entries\":{\"8\":{\"Status\":\"OnTrack\",\"X\":1,\"Y\":2,"
        "\"Z\":3}}},{\"Timestamp\":\"2030-01-01T12:00:04.250Z\","
        "\"Entries\":{\"8\":[]}}]}");

    car_buf[car.len] = '\0';
    pos_buf[pos.len] = '\0';

    s = ngx_f1_replay_test_load(topics, &w);

    UNIT_CHECK(s != NULL && s->warnings == 11 && w.n == 11,
               "telemetry with 11 bad lines loads, each line warned");

    if (s == NULL) {
        return;
    }

    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "CarData.z.jsonStream:2: bad base64 at byte 1, "
                   "line skipped") == 1,
               "bad base64 is skipped with its byte");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "CarData.z.jsonStream:3: inflate: invalid block type, "
                   "line skipped") == 1,
               "a bad deflate stream is skipped with zlib's reason");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "CarData.z.jsonStream:4: no entries in CarData line, "
                   "line skipped") == 1,
               "JSON without entries is skipped");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "CarData.z.jsonStream:5: channel \"2\" out of range: "
                   "70000, line skipped") == 1
               && ngx_f1_replay_test_warned(&w,
                   "CarData.z.jsonStream:6: channel \"3\" out of range: "
                   "300, line skipped") == 1,
               "a channel out of range is skipped with its value");

    snprintf(line, sizeof(line),
             "CarData.z.jsonStream:7: bad Utc \"\\x01\\x1f%.38s...\", "
             "line skipped",
             "0123456789012345678901234567890123456789");

    UNIT_CHECK(ngx_f1_replay_test_warned(&w, line) == 1
               && ngx_f1_replay_test_warned(&w, "HIDDEN") == 0,
               "a bad Utc is quoted escaped and capped at 40 bytes");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "CarData.z.jsonStream:8: channel \"4\" out of range: -1, "
                   "line skipped") == 1,
               "a negative channel is out of range");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "CarData.z.jsonStream:9: not a JSON string, "
                   "line skipped") == 1,
               "a .z line that is not a JSON string is skipped");
    UNIT_CHECK(ngx_f1_replay_test_warned(&w,
                   "Position.z.jsonStream:2: \"X\" is not an integer, "
                   "line skipped") == 1
               && ngx_f1_replay_test_warned(&w,
                   "Position.z.jsonStream:3: entry without \"Timestamp\", "
                   "line skipped") == 1
               && ngx_f1_replay_test_warned(&w,
                   "Position.z.jsonStream:4: car \"8\" is not an object, "
                   "line skipped") == 1,
               "bad Position lines are skipped with their reasons");

    d = ngx_f1_replay_session_driver(s, 1);

    UNIT_CHECK(d != NULL && d->car.n == 2 && d->pos.n == 1
               && ngx_f1_replay_test_car(s, 1, 1000) != NULL
               && ngx_f1_replay_test_car(s, 1, 1000)->speed == 100
               && ngx_f1_replay_test_pos(s, 1, 1000) != NULL,
               "only the good lines' samples are kept");
    UNIT_CHECK(ngx_f1_replay_session_driver(s, 7) == NULL
               && ngx_f1_replay_session_driver(s, 8) == NULL
               && s->drivers.n == 3,
               "nothing of a line skipped after a good entry is kept: no "
               "samples, no car seen");
    UNIT_CHECK(s->utc0_ms == NGX_F1_REPLAY_TEST_UTC0,
               "utc0 from the good car-data line only, by its latest "
               "entry (not its last)");

    free(s);
}


static int
ngx_f1_replay_test_write(const char *dir, const char *name,
    const char *text, size_t len)
{
    int    rc;
    char   path[1024];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }

    rc = fwrite(text, 1, len, f) == len ? 0 : -1;

    if (fclose(f) != 0) {
        rc = -1;
    }

    return rc;
}


/*
 * Removes the archive directory and what the test put there; safe in a
 * signal handler (no stdio)
 */

static int
ngx_f1_replay_test_remove(void)
{
    char    path[1024];
    size_t  i, n, len;

    n = strlen(ngx_f1_replay_test_dir);

    if (n == 0) {
        return 0;
    }

    for (i = 0; i < sizeof(ngx_f1_replay_test_files) / sizeof(char *); i++) {
        len = strlen(ngx_f1_replay_test_files[i]);

        memcpy(path, ngx_f1_replay_test_dir, n);
        path[n] = '/';
        memcpy(path + n + 1, ngx_f1_replay_test_files[i], len + 1);

        (void) unlink(path);
    }

    return rmdir(ngx_f1_replay_test_dir);
}


/* a load that hangs (on a FIFO) fails the test instead of blocking it */

static void
ngx_f1_replay_test_alarm(int signo)
{
    size_t  len;

    len = strlen(ngx_f1_replay_test_hung);

    if (write(STDOUT_FILENO, ngx_f1_replay_test_hung, len) < 0) {
        /* void */
    }

    (void) ngx_f1_replay_test_remove();

    _exit(1);
}


/* an archive directory written here, under /tmp */

static void
ngx_f1_replay_test_archive(void)
{
    int                            ok;
    char                          *dir, path[1024], err[2048];
    uint64_t                       fp, fp2;
    const char *const             *files;
    struct stat                    st;
    struct timespec                times[2];
    ngx_f1_replay_session_t       *s;
    const ngx_f1_replay_driver_t  *d;
    ngx_f1_replay_test_buf_t       pos;
    ngx_f1_replay_test_warn_t      w;

    static char  pos_buf[NGX_F1_REPLAY_TEST_MAX];

    static const char  timing[] =
        "00:00:10.000{\"Lines\":{\"1\":{\"Position\":\"1\"}}}\r\n"
        "00:00:11.000{\"Lines\":{\"1\":{\"InPit\":\"maybe\"}}}\r\n";

    static const char  timing2[] =
        "00:00:10.000{\"Lines\":{\"1\":{\"Position\":\"1\"}}}\r\n"
        "00:00:11.000{\"Lines\":{\"1\":{\"InPit\":\"maybe\"}}}\r\n"
        "00:00:12.000{\"Lines\":{\"1\":{\"Position\":\"2\"}}}\r\n";

    static const char  timing3[] =
        "00:00:10.000{\"Lines\":{\"1\":{\"Position\":\"1\"}}}\r\n"
        "00:00:11.000{\"Lines\":{\"1\":{\"InPit\":\"maybe\"}}}\r\n"
        "00:00:12.000{\"Lines\":{\"1\":{\"Position\":\"3\"}}}\r\n";

    pos.data = pos_buf;
    pos.len = 0;

    ngx_f1_replay_test_z_line(&pos, 10000,
        "{\"Position\":[{\"Timestamp\":\"2030-01-01T12:00:09.900Z\","
        "\"Entries\":{\"1\":{\"Status\":\"OnTrack\",\"X\":10,\"Y\":20,"
        "\"Z\":30}}}]}");
    ngx_f1_replay_test_append(&pos, "00:00:11.000\"!!!!\"\r\n", 0);

    dir = ngx_f1_replay_test_dir;
    files = ngx_f1_replay_test_files;

    snprintf(dir, sizeof(ngx_f1_replay_test_dir),
             "/tmp/f1-test-loader.XXXXXX");

    if (mkdtemp(dir) == NULL) {
        printf("# mkdtemp: %s\n", strerror(errno));
        exit(125);
    }

    if (ngx_f1_replay_test_write(dir, files[0], ngx_f1_replay_test_info,
                                 sizeof(ngx_f1_replay_test_info) - 1) != 0
        || ngx_f1_replay_test_write(dir, files[1],
                                    ngx_f1_replay_test_drivers_text,
                                    sizeof(ngx_f1_replay_test_drivers_text)
                                    - 1) != 0
        || ngx_f1_replay_test_write(dir, files[2], timing,
                                    sizeof(timing) - 1) != 0
        || ngx_f1_replay_test_write(dir, files[3],
                                    ngx_f1_replay_test_heartbeat,
                                    sizeof(ngx_f1_replay_test_heartbeat) - 1)
           != 0
        || ngx_f1_replay_test_write(dir, files[4], pos.data, pos.len) != 0)
    {
        printf("# writing %s: %s\n", dir, strerror(errno));
        (void) ngx_f1_replay_test_remove();
        exit(125);
    }

    ok = ngx_f1_replay_archive_fingerprint(dir, &fp, err, sizeof(err)) == 0
         && ngx_f1_replay_archive_fingerprint(dir, &fp2, err, sizeof(err))
            == 0;

    UNIT_CHECK(ok && fp == fp2, "the fingerprint of an archive is stable");

    memset(&w, 0, sizeof(w));
    s = ngx_f1_replay_archive_load(dir, ngx_f1_replay_test_warn, &w, err,
                                   sizeof(err));

    UNIT_CHECK(s != NULL && s->fingerprint == fp
               && ngx_f1_replay_session_valid(s, s->size)
               && s->drivers.n == 3,
               "an archive directory loads, with its fingerprint");

    if (s == NULL) {
        printf("# %s\n", err);
    }

    snprintf(path, sizeof(path), "%s/TimingData.jsonStream:2: car \"1\": "
             "\"InPit\" is not a boolean, line skipped", dir);

    UNIT_CHECK(s != NULL && s->warnings == 2 && w.n == 2
               && ngx_f1_replay_test_warned(&w, path) == 1,
               "a skipped line of an archive names its file path and line");

    snprintf(path, sizeof(path), "%s/Position.z.jsonStream:2: bad base64 "
             "at byte 1, line skipped", dir);

    UNIT_CHECK(ngx_f1_replay_test_warned(&w, path) == 1,
               "a skipped line of Position.z, read on its thread, is "
               "warned too");

    d = s ? ngx_f1_replay_session_driver(s, 1) : NULL;

    UNIT_CHECK(d != NULL && d->pos.n == 1
               && ngx_f1_replay_test_pos(s, 1, 8900) != NULL
               && ngx_f1_replay_test_pos(s, 1, 8900)->x == 10,
               "Position.z read on its thread: the sample on the session "
               "clock (utc0 from the heartbeat)");
    UNIT_CHECK(s != NULL && s->utc0_source == NGX_F1_REPLAY_UTC0_HEARTBEAT
               && s->utc0_ms == NGX_F1_REPLAY_TEST_UTC0 + 1000
               && (s->flags & NGX_F1_REPLAY_HAS_POSITION),
               "the archive's utc0 from its heartbeat; HAS_POSITION");

    free(s);

    /* another size, the modification time put back */

    snprintf(path, sizeof(path), "%s/%s", dir, files[2]);

    ok = stat(path, &st) == 0
         && ngx_f1_replay_test_write(dir, files[2], timing2,
                                     sizeof(timing2) - 1) == 0;

    if (ok) {
        times[0] = st.st_mtim;
        times[1] = st.st_mtim;

        ok = utimensat(AT_FDCWD, path, times, 0) == 0
             && ngx_f1_replay_archive_fingerprint(dir, &fp2, err,
                                                  sizeof(err))
                == 0;
    }

    UNIT_CHECK(ok && fp2 != fp,
               "the fingerprint changes with a file's size alone");

    /* the same size, the modification time 1000 s earlier to the ns */

    ok = ngx_f1_replay_test_write(dir, files[2], timing3,
                                  sizeof(timing3) - 1) == 0
         && ngx_f1_replay_archive_fingerprint(dir, &fp, err, sizeof(err))
            == 0
         && stat(path, &st) == 0;

    if (ok) {
        times[0] = st.st_mtim;
        times[0].tv_sec -= 1000;
        times[1] = times[0];

        ok = utimensat(AT_FDCWD, path, times, 0) == 0
             && ngx_f1_replay_archive_fingerprint(dir, &fp2, err,
                                                  sizeof(err))
                == 0;
    }

    UNIT_CHECK(ok && fp2 != fp,
               "the fingerprint changes with a file's modification time "
               "alone");

    /* a required topic missing */

    snprintf(path, sizeof(path), "%s/%s", dir, files[1]);
    unlink(path);

    ok = ngx_f1_replay_archive_fingerprint(dir, &fp2, err, sizeof(err));

    UNIT_CHECK(ok == -1
               && ngx_f1_replay_test_has(err, "missing required topic "
                                              "DriverList.jsonStream"),
               "the fingerprint names a missing required topic");

    s = ngx_f1_replay_archive_load(dir, NULL, NULL, err, sizeof(err));

    UNIT_CHECK(s == NULL
               && ngx_f1_replay_test_has(err, "missing required topic "
                                              "DriverList.jsonStream"),
               "the load names a missing required topic");

    free(s);

    if (ngx_f1_replay_test_write(dir, files[1],
                                 ngx_f1_replay_test_drivers_text,
                                 sizeof(ngx_f1_replay_test_drivers_text) - 1)
        != 0)
    {
        (void) ngx_f1_replay_test_remove();
        exit(125);
    }

    /* FIFOs named like topics: refused at once, not read (a hang) */

    snprintf(ngx_f1_replay_test_hung, sizeof(ngx_f1_replay_test_hung),
             "not ok %d - the load of FIFOs returned within 10 s\n",
             unit_n + 1);
    fflush(stdout);

    signal(SIGALRM, ngx_f1_replay_test_alarm);
    alarm(10);

    snprintf(path, sizeof(path), "%s/%s", dir, files[5]);

    ok = mkfifo(path, 0600) == 0;
    s = ok ? ngx_f1_replay_archive_load(dir, NULL, NULL, err, sizeof(err))
           : NULL;

    snprintf(path, sizeof(path), "%s/TrackStatus.jsonStream: not a regular "
             "file", dir);

    UNIT_CHECK(ok && s == NULL && ngx_f1_replay_test_has(err, path),
               "a FIFO named like a topic is refused: not a regular file");

    free(s);

    snprintf(path, sizeof(path), "%s/%s", dir, files[5]);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", dir, files[4]);
    unlink(path);

    ok = mkfifo(path, 0600) == 0;
    s = ok ? ngx_f1_replay_archive_load(dir, NULL, NULL, err, sizeof(err))
           : NULL;

    snprintf(path, sizeof(path), "%s/Position.z.jsonStream: not a regular "
             "file", dir);

    UNIT_CHECK(ok && s == NULL && ngx_f1_replay_test_has(err, path),
               "a FIFO as Position.z (read on a thread) is refused too");

    free(s);

    alarm(0);
    signal(SIGALRM, SIG_DFL);

    snprintf(path, sizeof(path), "%s/%s", dir, files[4]);
    unlink(path);

    /* not a directory, no directory */

    snprintf(path, sizeof(path), "%s/%s", dir, files[0]);

    UNIT_CHECK(ngx_f1_replay_archive_fingerprint(path, &fp2, err,
                                                 sizeof(err)) == -1
               && ngx_f1_replay_test_has(err, "not a directory"),
               "a file given as the archive directory: not a directory");

    s = ngx_f1_replay_archive_load(path, NULL, NULL, err, sizeof(err));

    UNIT_CHECK(s == NULL && ngx_f1_replay_test_has(err, "not a directory"),
               "the load of a file as a directory fails the same way");

    free(s);

    snprintf(path, sizeof(path), "%s/nowhere", dir);

    UNIT_CHECK(ngx_f1_replay_archive_fingerprint(path, &fp2, err,
                                                 sizeof(err)) == -1
               && ngx_f1_replay_test_has(err, "No such file or directory"),
               "a missing archive directory is an error");

    UNIT_CHECK(ngx_f1_replay_test_remove() == 0,
               "the temporary archive is removed");

    dir[0] = '\0';
}
