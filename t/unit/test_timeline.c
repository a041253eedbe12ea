
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The event timeline on hand-written sessions (topics as the loader
 * reads them, times in session ms), against events worked out by hand.
 * Drivers 1 AAA, 2 BBB, 3 CCC, 4 DDD, 5 EEE; lights-out at 00:01:00.
 *
 * Stints session (4 cars, total laps 2):
 *
 *   AAA  MEDIUM new; InPit 00:03:40, out 00:04:00, HARD new: a stop
 *        (another compound).  InPit again at 00:08:00, data ends there,
 *        no new stint: not a stop.
 *   BBB  SOFT new (1 lap); InPit 00:05:00, out 00:05:20, SOFT used with
 *        StartLaps 1 = the set's age: a drive-through, a stint only.
 *   CCC  SOFT used (age 3, 4 after a lap); InPit 00:05:10, out 00:05:30,
 *        SOFT used aged 2: another set, a stop.  Then a MEDIUM new stint
 *        announced at 00:08:10 with InPit, data ends in the pit lane: a
 *        stop with no end.
 *   DDD  HARD new; InPit 00:06:00, out 00:06:15, MEDIUM new but
 *        TyresNotChanged "1": not a stop.  Then HARD new announced at
 *        00:07:00, InPit at 00:07:02 (after the stint, as the live feed
 *        may send it), out 00:07:20: a stop from 00:07:02.
 *
 *   Track status: SC 00:03:00-00:04:00.500, VSC 00:05:00 (6), 00:05:30
 *   (7), clear 00:05:40, red 00:06:00-00:06:30, SC 00:07:00, VSC from
 *   00:07:30 to the end.  Laps: LapCount 1 (a pre-race snapshot), 2 at
 *   00:02:30.  Lap times: AAA 1:30.000, BBB 1:29.500, CCC 1:29.500
 *   (equal: not a new fastest), DDD 1:31.000, AAA 1:15.000.  Finished
 *   at 00:09:00, AAA having completed 2 laps at 00:03:45.
 *
 * Overtakes session (5 cars), positions:
 *
 *   00:00:30  DDD 5 -> 4 over EEE: before lights-out, none
 *   00:02:31  CCC 3 -> 2 over BBB on track: an overtake
 *   00:02:50  CCC 2 -> 1 over AAA under the red flag: none
 *   00:03:00  AAA 2 -> 1 over CCC, the red flag just withdrawn: one
 *   00:03:45  BBB crosses the line in the pit lane, 3 -> 5; DDD and EEE
 *             gain a place: none
 *   00:05:34  BBB 5 -> 4 over EEE on the lap of its pit exit: none
 *   00:07:03  BBB 4 -> 3 over DDD, a clean lap later: an overtake
 *   00:08:32  DDD 4 -> 3 over BBB, which enters the pits at 00:08:40
 *             before its next crossing (an in-lap): none
 *   00:09:00  AAA retires and drops to 5; the others gain: none
 */


#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "ngx_f1_replay_build.h"
#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_timeline.h"
#include "unit.h"


#define NGX_F1_REPLAY_TEST_ALL  ((1UL << NGX_F1_REPLAY_EV_N) - 1)

#define ngx_f1_replay_test_ms(h, m, s, ms)                                    \
    ((((h) * 60 + (m)) * 60 + (s)) * 1000 + (ms))


typedef struct {
    const char  *topic;
    const char  *text;
} ngx_f1_replay_test_topic_t;


static ngx_f1_replay_session_t *ngx_f1_replay_test_session(
    const ngx_f1_replay_test_topic_t *topics);
static const ngx_f1_replay_event_t *ngx_f1_replay_test_nth(
    const ngx_f1_replay_event_t *ev, size_t n, unsigned type, size_t i);
static size_t ngx_f1_replay_test_count(const ngx_f1_replay_event_t *ev,
    size_t n, unsigned type);
static int ngx_f1_replay_test_is(const ngx_f1_replay_event_t *e,
    int32_t t, int32_t end, unsigned driver, unsigned compound);
static void ngx_f1_replay_test_types(void);
static void ngx_f1_replay_test_stints(void);
static void ngx_f1_replay_test_periods(const ngx_f1_replay_event_t *ev,
    size_t n);
static void ngx_f1_replay_test_others(const ngx_f1_replay_event_t *ev,
    size_t n);
static const char *ngx_f1_replay_test_str(yajl_val v, const char *key);
static long long ngx_f1_replay_test_int(yajl_val v, const char *key);
static void ngx_f1_replay_test_json(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_event_t *ev, size_t n);
static void ngx_f1_replay_test_overtakes(void);


static const char  ngx_f1_replay_test_info[] =
    "00:00:00.000{\"Meeting\":{\"Name\":\"Unit Grand Prix\"},"
    "\"Type\":\"Race\",\"Name\":\"Race\","
    "\"StartDate\":\"2030-01-01T12:00:00\",\"GmtOffset\":\"00:00:00\"}\r\n";

static const char  ngx_f1_replay_test_drivers[] =
    "00:00:01.000{"
    "\"1\":{\"RacingNumber\":\"1\",\"Tla\":\"AAA\",\"Line\":1},"
    "\"2\":{\"RacingNumber\":\"2\",\"Tla\":\"BBB\",\"Line\":2},"
    "\"3\":{\"RacingNumber\":\"3\",\"Tla\":\"CCC\",\"Line\":3},"
    "\"4\":{\"RacingNumber\":\"4\",\"Tla\":\"DDD\",\"Line\":4},"
    "\"5\":{\"RacingNumber\":\"5\",\"Tla\":\"EEE\",\"Line\":5}}\r\n";

static const char  ngx_f1_replay_test_status[] =
    "00:00:03.000{\"Status\":\"Inactive\"}\r\n"
    "00:01:00.000{\"Status\":\"Started\"}\r\n"
    "00:09:00.000{\"Status\":\"Finished\"}\r\n"
    "00:09:10.000{\"Status\":\"Finalised\"}\r\n";


#define NGX_F1_REPLAY_TEST_STINT(compound, new, tnc, age)                     \
    "{\"Compound\":\"" compound "\",\"New\":\"" new "\","                     \
    "\"TyresNotChanged\":\"" tnc "\",\"TotalLaps\":" age ","                  \
    "\"StartLaps\":" age "}"

#define NGX_F1_REPLAY_TEST_APP(t, car, k, stint)                              \
    t "{\"Lines\":{\"" car "\":{\"Stints\":{\"" k "\":" stint "}}}}\r\n"

#define NGX_F1_REPLAY_TEST_TD(t, lines)                                       \
    t "{\"Lines\":{" lines "}}\r\n"


static const ngx_f1_replay_test_topic_t  ngx_f1_replay_test_stint_topics[] = {

    { "TimingData",
      NGX_F1_REPLAY_TEST_TD("00:00:10.000",
          "\"1\":{\"Position\":\"1\",\"NumberOfLaps\":0,\"InPit\":false,"
          "\"PitOut\":false},"
          "\"2\":{\"Position\":\"2\",\"NumberOfLaps\":0,\"InPit\":false},"
          "\"3\":{\"Position\":\"3\",\"NumberOfLaps\":0,\"InPit\":false},"
          "\"4\":{\"Position\":\"4\",\"NumberOfLaps\":0,\"InPit\":false}")
      NGX_F1_REPLAY_TEST_TD("00:02:30.000",
          "\"1\":{\"NumberOfLaps\":1,"
          "\"LastLapTime\":{\"Value\":\"1:30.000\"}}")
      NGX_F1_REPLAY_TEST_TD("00:02:31.000",
          "\"2\":{\"NumberOfLaps\":1,"
          "\"LastLapTime\":{\"Value\":\"1:29.500\"}}")
      NGX_F1_REPLAY_TEST_TD("00:02:32.000",
          "\"3\":{\"NumberOfLaps\":1,"
          "\"LastLapTime\":{\"Value\":\"1:29.500\"}}")
      NGX_F1_REPLAY_TEST_TD("00:02:33.000",
          "\"4\":{\"NumberOfLaps\":1,"
          "\"LastLapTime\":{\"Value\":\"1:31.000\"}}")
      NGX_F1_REPLAY_TEST_TD("00:03:40.000",
          "\"1\":{\"InPit\":true,\"NumberOfPitStops\":1}")
      NGX_F1_REPLAY_TEST_TD("00:03:45.000",
          "\"1\":{\"NumberOfLaps\":2,"
          "\"LastLapTime\":{\"Value\":\"1:15.000\"}}")
      NGX_F1_REPLAY_TEST_TD("00:04:00.000",
          "\"1\":{\"InPit\":false,\"PitOut\":true}")
      NGX_F1_REPLAY_TEST_TD("00:04:30.000", "\"1\":{\"PitOut\":false}")
      NGX_F1_REPLAY_TEST_TD("00:05:00.000", "\"2\":{\"InPit\":true}")
      NGX_F1_REPLAY_TEST_TD("00:05:10.000", "\"3\":{\"InPit\":true}")
      NGX_F1_REPLAY_TEST_TD("00:05:20.000",
          "\"2\":{\"InPit\":false,\"PitOut\":true}")
      NGX_F1_REPLAY_TEST_TD("00:05:30.000",
          "\"3\":{\"InPit\":false,\"PitOut\":true}")
      NGX_F1_REPLAY_TEST_TD("00:06:00.000", "\"4\":{\"InPit\":true}")
      NGX_F1_REPLAY_TEST_TD("00:06:15.000",
          "\"4\":{\"InPit\":false,\"PitOut\":true}")
      NGX_F1_REPLAY_TEST_TD("00:07:02.000",
          "\"4\":{\"InPit\":true,\"PitOut\":false}")
      NGX_F1_REPLAY_TEST_TD("00:07:20.000",
          "\"4\":{\"InPit\":false,\"PitOut\":true}")
      NGX_F1_REPLAY_TEST_TD("00:08:00.000", "\"1\":{\"InPit\":true}")
      NGX_F1_REPLAY_TEST_TD("00:08:10.000", "\"3\":{\"InPit\":true}") },

    { "TimingAppData",
      "00:00:20.000{\"Lines\":{"
      "\"1\":{\"Stints\":["
      NGX_F1_REPLAY_TEST_STINT("MEDIUM", "true", "0", "0") "]},"
      "\"2\":{\"Stints\":["
      NGX_F1_REPLAY_TEST_STINT("SOFT", "true", "0", "0") "]},"
      "\"3\":{\"Stints\":["
      NGX_F1_REPLAY_TEST_STINT("SOFT", "false", "0", "3") "]},"
      "\"4\":{\"Stints\":["
      NGX_F1_REPLAY_TEST_STINT("HARD", "true", "0", "0") "]}}}\r\n"
      "00:02:35.400{\"Lines\":{"
      "\"1\":{\"Stints\":{\"0\":{\"TotalLaps\":1}}},"
      "\"2\":{\"Stints\":{\"0\":{\"TotalLaps\":1}}},"
      "\"3\":{\"Stints\":{\"0\":{\"TotalLaps\":4}}},"
      "\"4\":{\"Stints\":{\"0\":{\"TotalLaps\":1}}}}}\r\n"
      NGX_F1_REPLAY_TEST_APP("00:04:00.000", "1", "1",
          NGX_F1_REPLAY_TEST_STINT("HARD", "true", "0", "0"))
      NGX_F1_REPLAY_TEST_APP("00:05:20.000", "2", "1",
          NGX_F1_REPLAY_TEST_STINT("SOFT", "false", "0", "1"))
      NGX_F1_REPLAY_TEST_APP("00:05:30.000", "3", "1",
          NGX_F1_REPLAY_TEST_STINT("SOFT", "false", "0", "2"))
      NGX_F1_REPLAY_TEST_APP("00:06:15.000", "4", "1",
          NGX_F1_REPLAY_TEST_STINT("MEDIUM", "true", "1", "0"))
      NGX_F1_REPLAY_TEST_APP("00:07:00.000", "4", "2",
          NGX_F1_REPLAY_TEST_STINT("HARD", "true", "0", "0"))
      NGX_F1_REPLAY_TEST_APP("00:08:10.000", "3", "2",
          NGX_F1_REPLAY_TEST_STINT("MEDIUM", "true", "0", "0")) },

    { "TrackStatus",
      "00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n"
      "00:03:00.000{\"Status\":\"4\",\"Message\":\"SCDeployed\"}\r\n"
      "00:04:00.500{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n"
      "00:05:00.000{\"Status\":\"6\",\"Message\":\"VSCDeployed\"}\r\n"
      "00:05:30.000{\"Status\":\"7\",\"Message\":\"VSCEnding\"}\r\n"
      "00:05:40.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n"
      "00:06:00.000{\"Status\":\"5\",\"Message\":\"Red\"}\r\n"
      "00:06:30.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n"
      "00:07:00.000{\"Status\":\"4\",\"Message\":\"SCDeployed\"}\r\n"
      "00:07:30.000{\"Status\":\"6\",\"Message\":\"VSCDeployed\"}\r\n" },

    { "LapCount",
      "00:00:05.000{\"CurrentLap\":1,\"TotalLaps\":2}\r\n"
      "00:02:30.000{\"CurrentLap\":2}\r\n" },

    { "RaceControlMessages",
      "00:03:00.000{\"Messages\":[{\"Utc\":\"2030-01-01T12:03:00\","
      "\"Lap\":1,\"Category\":\"SafetyCar\",\"Message\":\"SAFETY CAR "
      "DEPLOYED\"}]}\r\n"
      "00:06:00.000{\"Messages\":{\"1\":{\"Utc\":\"2030-01-01T12:06:00\","
      "\"Lap\":2,\"Category\":\"Flag\",\"Flag\":\"RED\",\"Message\":\"RED "
      "FLAG\"}}}\r\n" },

    { "SessionStatus", ngx_f1_replay_test_status },

    { NULL, NULL }
};


static const ngx_f1_replay_test_topic_t  ngx_f1_replay_test_pass_topics[] = {

    { "TimingData",
      NGX_F1_REPLAY_TEST_TD("00:00:10.000",
          "\"1\":{\"Position\":\"1\",\"NumberOfLaps\":0,\"InPit\":false,"
          "\"PitOut\":false},"
          "\"2\":{\"Position\":\"2\",\"NumberOfLaps\":0,\"InPit\":false},"
          "\"3\":{\"Position\":\"3\",\"NumberOfLaps\":0,\"InPit\":false},"
          "\"4\":{\"Position\":\"5\",\"NumberOfLaps\":0,\"InPit\":false},"
          "\"5\":{\"Position\":\"4\",\"NumberOfLaps\":0,\"InPit\":false}")
      NGX_F1_REPLAY_TEST_TD("00:00:30.000",
          "\"4\":{\"Position\":\"4\"},\"5\":{\"Position\":\"5\"}")
      NGX_F1_REPLAY_TEST_TD("00:02:30.000", "\"1\":{\"NumberOfLaps\":1}")
      NGX_F1_REPLAY_TEST_TD("00:02:31.000",
          "\"3\":{\"NumberOfLaps\":1,\"Position\":\"2\"},"
          "\"2\":{\"Position\":\"3\"}")
      NGX_F1_REPLAY_TEST_TD("00:02:31.500", "\"2\":{\"NumberOfLaps\":1}")
      NGX_F1_REPLAY_TEST_TD("00:02:32.000", "\"4\":{\"NumberOfLaps\":1}")
      NGX_F1_REPLAY_TEST_TD("00:02:33.000", "\"5\":{\"NumberOfLaps\":1}")
      NGX_F1_REPLAY_TEST_TD("00:02:50.000",
          "\"3\":{\"Position\":\"1\"},\"1\":{\"Position\":\"2\"}")
      NGX_F1_REPLAY_TEST_TD("00:03:00.000",
          "\"1\":{\"Position\":\"1\"},\"3\":{\"Position\":\"2\"}")
      NGX_F1_REPLAY_TEST_TD("00:03:40.000", "\"2\":{\"InPit\":true}")
      NGX_F1_REPLAY_TEST_TD("00:03:45.000",
          "\"2\":{\"NumberOfLaps\":2,\"Position\":\"5\"},"
          "\"4\":{\"Position\":\"3\"},\"5\":{\"Position\":\"4\"}")
      NGX_F1_REPLAY_TEST_TD("00:04:00.000", "\"1\":{\"NumberOfLaps\":2}")
      NGX_F1_REPLAY_TEST_TD("00:04:01.000", "\"3\":{\"NumberOfLaps\":2}")
      NGX_F1_REPLAY_TEST_TD("00:04:02.000", "\"4\":{\"NumberOfLaps\":2}")
      NGX_F1_REPLAY_TEST_TD("00:04:03.000", "\"5\":{\"NumberOfLaps\":2}")
      NGX_F1_REPLAY_TEST_TD("00:04:05.000",
          "\"2\":{\"InPit\":false,\"PitOut\":true}")
      NGX_F1_REPLAY_TEST_TD("00:04:35.000", "\"2\":{\"PitOut\":false}")
      NGX_F1_REPLAY_TEST_TD("00:05:30.000", "\"1\":{\"NumberOfLaps\":3}")
      NGX_F1_REPLAY_TEST_TD("00:05:31.000", "\"3\":{\"NumberOfLaps\":3}")
      NGX_F1_REPLAY_TEST_TD("00:05:32.000", "\"4\":{\"NumberOfLaps\":3}")
      NGX_F1_REPLAY_TEST_TD("00:05:33.000", "\"5\":{\"NumberOfLaps\":3}")
      NGX_F1_REPLAY_TEST_TD("00:05:34.000",
          "\"2\":{\"NumberOfLaps\":3,\"Position\":\"4\"},"
          "\"5\":{\"Position\":\"5\"}")
      NGX_F1_REPLAY_TEST_TD("00:07:00.000", "\"1\":{\"NumberOfLaps\":4}")
      NGX_F1_REPLAY_TEST_TD("00:07:01.000", "\"3\":{\"NumberOfLaps\":4}")
      NGX_F1_REPLAY_TEST_TD("00:07:02.000", "\"4\":{\"NumberOfLaps\":4}")
      NGX_F1_REPLAY_TEST_TD("00:07:03.000",
          "\"2\":{\"NumberOfLaps\":4,\"Position\":\"3\"},"
          "\"4\":{\"Position\":\"4\"}")
      NGX_F1_REPLAY_TEST_TD("00:07:04.000", "\"5\":{\"NumberOfLaps\":4}")
      NGX_F1_REPLAY_TEST_TD("00:08:30.000", "\"1\":{\"NumberOfLaps\":5}")
      NGX_F1_REPLAY_TEST_TD("00:08:31.000", "\"3\":{\"NumberOfLaps\":5}")
      NGX_F1_REPLAY_TEST_TD("00:08:32.000",
          "\"4\":{\"NumberOfLaps\":5,\"Position\":\"3\"},"
          "\"2\":{\"Position\":\"4\"}")
      NGX_F1_REPLAY_TEST_TD("00:08:33.000", "\"5\":{\"NumberOfLaps\":5}")
      NGX_F1_REPLAY_TEST_TD("00:08:40.000", "\"2\":{\"InPit\":true}")
      NGX_F1_REPLAY_TEST_TD("00:08:45.000", "\"2\":{\"NumberOfLaps\":5}")
      NGX_F1_REPLAY_TEST_TD("00:09:00.000",
          "\"1\":{\"Retired\":true,\"Stopped\":true,\"Position\":\"5\"},"
          "\"3\":{\"Position\":\"1\"},\"4\":{\"Position\":\"2\"},"
          "\"2\":{\"Position\":\"3\"},\"5\":{\"Position\":\"4\"}") },

    { "TrackStatus",
      "00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n"
      "00:02:40.000{\"Status\":\"5\",\"Message\":\"Red\"}\r\n"
      "00:03:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n" },

    { "LapCount", "00:00:05.000{\"CurrentLap\":1,\"TotalLaps\":5}\r\n" },

    { "SessionStatus", ngx_f1_replay_test_status },

    { NULL, NULL }
};


int
main(void)
{
    ngx_f1_replay_test_types();
    ngx_f1_replay_test_stints();
    ngx_f1_replay_test_overtakes();

    return UNIT_DONE();
}


static ngx_f1_replay_session_t *
ngx_f1_replay_test_session(const ngx_f1_replay_test_topic_t *topics)
{
    int                                i;
    char                               err[256];
    ngx_f1_replay_loader_t            *ld;
    ngx_f1_replay_session_t           *s;
    const ngx_f1_replay_test_topic_t  *tp, *list[2];

    static const ngx_f1_replay_test_topic_t  common[] = {
        { "SessionInfo", ngx_f1_replay_test_info },
        { "DriverList", ngx_f1_replay_test_drivers },
        { NULL, NULL }
    };

    ld = ngx_f1_replay_loader_create(NULL, NULL);
    if (ld == NULL) {
        return NULL;
    }

    s = NULL;
    list[0] = common;
    list[1] = topics;

    for (i = 0; i < 2; i++) {
        for (tp = list[i]; tp->topic; tp++) {
            if (ngx_f1_replay_loader_add(ld, tp->topic, tp->topic,
                                         (const unsigned char *) tp->text,
                                         strlen(tp->text), err, sizeof(err))
                != 0)
            {
                printf("# %s\n", err);
                goto done;
            }
        }
    }

    s = ngx_f1_replay_build_session(ld, err, sizeof(err));
    if (s == NULL) {
        printf("# %s\n", err);
    }

done:

    ngx_f1_replay_loader_destroy(ld);

    return s;
}


/* the i-th event (from 0) of a type, or NULL */

static const ngx_f1_replay_event_t *
ngx_f1_replay_test_nth(const ngx_f1_replay_event_t *ev, size_t n,
    unsigned type, size_t i)
{
    size_t  k;

    for (k = 0; k < n; k++) {
        if (ev[k].type == type && i-- == 0) {
            return &ev[k];
        }
    }

    return NULL;
}


static size_t
ngx_f1_replay_test_count(const ngx_f1_replay_event_t *ev, size_t n,
    unsigned type)
{
    size_t  k, count;

    count = 0;

    for (k = 0; k < n; k++) {
        count += ev[k].type == type;
    }

    return count;
}


static int
ngx_f1_replay_test_is(const ngx_f1_replay_event_t *e, int32_t t,
    int32_t end, unsigned driver, unsigned compound)
{
    return e != NULL && e->t == t && e->end == end && e->driver == driver
           && e->compound == compound;
}


static void
ngx_f1_replay_test_types(void)
{
    int       ok;
    char      name[64];
    long      all;
    unsigned  type;

    all = (1L << NGX_F1_REPLAY_EV_N) - 1;

    UNIT_CHECK(ngx_f1_replay_timeline_types("pit_stop,safety_car", 19)
               == ((1L << NGX_F1_REPLAY_EV_PIT_STOP)
                   | (1L << NGX_F1_REPLAY_EV_SAFETY_CAR)),
               "types: \"pit_stop,safety_car\"");
    UNIT_CHECK(ngx_f1_replay_timeline_types("", 0) == all,
               "types: empty list is all");
    UNIT_CHECK(ngx_f1_replay_timeline_types("pit_stop,bogus", 14) == -1,
               "types: an unknown name is refused");
    UNIT_CHECK(ngx_f1_replay_timeline_types("pit_stop,", 9) == -1
               && ngx_f1_replay_timeline_types(",", 1) == -1,
               "types: an empty name is refused");
    UNIT_CHECK(ngx_f1_replay_timeline_types("PIT_STOP", 8) == -1
               && ngx_f1_replay_timeline_types("pit_sto", 7) == -1
               && ngx_f1_replay_timeline_types("pit_stops", 9) == -1,
               "types: names are exact");
    UNIT_CHECK(ngx_f1_replay_timeline_types("lap,lapx", 3)
               == 1L << NGX_F1_REPLAY_EV_LAP,
               "types: only len bytes are read");

    ok = 1;

    for (type = 0; type < NGX_F1_REPLAY_EV_N; type++) {
        snprintf(name, sizeof(name), "start,%s",
                 ngx_f1_replay_timeline_type_name(type));

        if (ngx_f1_replay_timeline_types(name, strlen(name))
            != ((1L << type) | 1L << NGX_F1_REPLAY_EV_START))
        {
            ok = 0;
        }
    }

    UNIT_CHECK(ok, "types: every name parses to its own bit");
    UNIT_CHECK(strcmp(ngx_f1_replay_timeline_type_name(
                          NGX_F1_REPLAY_EV_PIT_STOP), "pit_stop") == 0
               && strcmp(ngx_f1_replay_timeline_type_name(
                             NGX_F1_REPLAY_EV_VSC), "vsc") == 0
               && strcmp(ngx_f1_replay_timeline_type_name(
                             NGX_F1_REPLAY_EV_FINISH), "finish") == 0
               && ngx_f1_replay_timeline_type_name(NGX_F1_REPLAY_EV_N)
                  == NULL,
               "type names");
}


static void
ngx_f1_replay_test_stints(void)
{
    int                        sorted;
    size_t                     n, k;
    ngx_f1_replay_session_t   *s;
    ngx_f1_replay_event_t  *ev;

    s = ngx_f1_replay_test_session(ngx_f1_replay_test_stint_topics);

    UNIT_CHECK(s != NULL, "stints session built");

    if (s == NULL) {
        return;
    }

    UNIT_CHECK(ngx_f1_replay_timeline_build(s, &ev, &n) == 0,
               "stints session: timeline built");

    sorted = 1;

    for (k = 1; k < n; k++) {
        if (ev[k].t < ev[k - 1].t
            || (ev[k].t == ev[k - 1].t
                && (ev[k].type < ev[k - 1].type
                    || (ev[k].type == ev[k - 1].type
                        && ev[k].driver < ev[k - 1].driver))))
        {
            sorted = 0;
        }
    }

    UNIT_CHECK(sorted, "events sorted by t, type, driver");

    /* stints: every new one, drive-throughs included */

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_STINT) == 6,
               "six new stints");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_STINT, 1),
                   ngx_f1_replay_test_ms(0, 5, 20, 0), NGX_F1_REPLAY_NO_TIME,
                   2, NGX_F1_REPLAY_COMPOUND_SOFT)
               && ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_STINT, 1)
                      ->value == 1,
               "BBB's drive-through is a stint, at its first sight");

    /* pit stops: real tyre changes only */

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_PIT_STOP)
               == 4, "four pit stops");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_PIT_STOP,
                                          0),
                   ngx_f1_replay_test_ms(0, 3, 40, 0),
                   ngx_f1_replay_test_ms(0, 4, 0, 0), 1,
                   NGX_F1_REPLAY_COMPOUND_HARD),
               "compound change: a stop from pit entry to pit exit");
    UNIT_CHECK(ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_PIT_STOP, 0)
                   ->lap == 2,
               "... on the leader's lap 2");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_PIT_STOP,
                                          1),
                   ngx_f1_replay_test_ms(0, 5, 10, 0),
                   ngx_f1_replay_test_ms(0, 5, 30, 0), 3,
                   NGX_F1_REPLAY_COMPOUND_SOFT),
               "same compound, another used set (age 2, was 4): a stop; "
               "same compound, same used set (BBB): not one");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_PIT_STOP,
                                          2),
                   ngx_f1_replay_test_ms(0, 7, 2, 0),
                   ngx_f1_replay_test_ms(0, 7, 20, 0), 4,
                   NGX_F1_REPLAY_COMPOUND_HARD)
               && ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_PIT_STOP, 2)
                      ->value == 2,
               "TyresNotChanged \"1\" on a new compound: not a stop; InPit "
               "2 s after the stint is its entry");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_PIT_STOP,
                                          3),
                   ngx_f1_replay_test_ms(0, 8, 10, 0),
                   NGX_F1_REPLAY_NO_TIME, 3, NGX_F1_REPLAY_COMPOUND_MEDIUM),
               "data ending in the pit lane: a stop with a new stint, no "
               "end; AAA's with none is not a stop");

    ngx_f1_replay_test_periods(ev, n);
    ngx_f1_replay_test_others(ev, n);
    ngx_f1_replay_test_json(s, ev, n);

    free(ev);
    free(s);
}


static void
ngx_f1_replay_test_periods(const ngx_f1_replay_event_t *ev, size_t n)
{
    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_SAFETY_CAR)
               == 2
               && ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_VSC) == 2
               && ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_RED_FLAG)
                  == 1,
               "two SC, two VSC, one red-flag periods");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n,
                                          NGX_F1_REPLAY_EV_SAFETY_CAR, 0),
                   ngx_f1_replay_test_ms(0, 3, 0, 0),
                   ngx_f1_replay_test_ms(0, 4, 0, 500), 0, 0),
               "SC: from deployed to all clear, to the ms");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_VSC, 0),
                   ngx_f1_replay_test_ms(0, 5, 0, 0),
                   ngx_f1_replay_test_ms(0, 5, 40, 0), 0, 0),
               "VSC: deployed and ending are one period");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_RED_FLAG,
                                          0),
                   ngx_f1_replay_test_ms(0, 6, 0, 0),
                   ngx_f1_replay_test_ms(0, 6, 30, 0), 0, 0),
               "red flag period");
    UNIT_CHECK(ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n,
                                          NGX_F1_REPLAY_EV_SAFETY_CAR, 1),
                   ngx_f1_replay_test_ms(0, 7, 0, 0),
                   ngx_f1_replay_test_ms(0, 7, 30, 0), 0, 0)
               && ngx_f1_replay_test_is(
                   ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_VSC, 1),
                   ngx_f1_replay_test_ms(0, 7, 30, 0),
                   NGX_F1_REPLAY_NO_TIME, 0, 0),
               "SC turned VSC: the SC ends as the VSC begins; a VSC never "
               "withdrawn has no end");
}


static void
ngx_f1_replay_test_others(const ngx_f1_replay_event_t *ev, size_t n)
{
    const ngx_f1_replay_event_t  *e;

    e = ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_START, 0);

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_START) == 1
               && e->t == ngx_f1_replay_test_ms(0, 1, 0, 0),
               "start at lights-out");

    e = ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_LAP, 0);

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_LAP) == 2
               && e->t == ngx_f1_replay_test_ms(0, 1, 0, 0) && e->lap == 1
               && ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_LAP, 1)->t
                  == ngx_f1_replay_test_ms(0, 2, 30, 0),
               "laps: lap 1 at lights-out (not at the snapshot), lap 2");

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_FASTEST_LAP)
               == 3
               && ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_FASTEST_LAP,
                                         0)->value == 90000
               && ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_FASTEST_LAP,
                                         1)->driver == 2
               && ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_FASTEST_LAP,
                                         2)->value == 75000
               && ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_FASTEST_LAP,
                                         2)->lap == 2,
               "fastest laps: 1:30.000, 1:29.500 (an equal time is not "
               "new), the 1:15.000 in-lap");

    e = ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_RACE_CONTROL, 1);

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_RACE_CONTROL)
               == 2
               && e->value == 1 && e->t == ngx_f1_replay_test_ms(0, 6, 0, 0),
               "race control: one event a message, by index");

    e = ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_FINISH, 0);

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_FINISH) == 1
               && e->t == ngx_f1_replay_test_ms(0, 9, 0, 0)
               && e->driver == 1,
               "finish: at \"Finished\", the first car to do the distance");

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_OVERTAKE)
               == 0, "no position changes, no overtakes");
}


static const char *
ngx_f1_replay_test_str(yajl_val v, const char *key)
{
    const char  *path[2], *str;

    path[0] = key;
    path[1] = NULL;

    str = YAJL_GET_STRING(yajl_tree_get(v, path, yajl_t_string));

    return str ? str : "(none)";
}


static long long
ngx_f1_replay_test_int(yajl_val v, const char *key)
{
    const char  *path[2];
    yajl_val     n;

    path[0] = key;
    path[1] = NULL;

    n = yajl_tree_get(v, path, yajl_t_number);

    return n && YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : -1;
}


static void
ngx_f1_replay_test_json(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_event_t *ev, size_t n)
{
    char                  err[256];
    size_t                len;
    yajl_gen              g;
    yajl_val              v, events, e;
    long long             id;
    const unsigned char  *buf;

    const char  *path_events[] = { "events", NULL };
    const char  *path_truncated[] = { "truncated", NULL };

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return;
    }

    /* pit stops from 00:05:00 on, at most 2 of the 3 */

    UNIT_CHECK(ngx_f1_replay_message_event_timeline(s,
                   1UL << NGX_F1_REPLAY_EV_PIT_STOP,
                   ngx_f1_replay_test_ms(0, 5, 0, 0), INT32_MAX, 2, g)
               == 0, "JSON generated");

    v = NULL;

    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        v = yajl_tree_parse((const char *) buf, err, sizeof(err));
    }

    UNIT_CHECK(v != NULL, "JSON parses");

    if (v != NULL) {
        events = yajl_tree_get(v, path_events, yajl_t_array);
        e = events && YAJL_GET_ARRAY(events)->len
            ? YAJL_GET_ARRAY(events)->values[0] : NULL;

        UNIT_CHECK(events && YAJL_GET_ARRAY(events)->len == 2
                   && ngx_f1_replay_test_int(v, "count") == 2
                   && YAJL_IS_TRUE(yajl_tree_get(v, path_truncated,
                                                 yajl_t_any)),
                   "JSON: type, time and limit filters; truncated");

        id = e ? ngx_f1_replay_test_int(e, "id") : -1;

        UNIT_CHECK(e != NULL
                   && strcmp(ngx_f1_replay_test_str(e, "event"), "pit_stop")
                      == 0
                   && strcmp(ngx_f1_replay_test_str(e, "time"),
                             "00:05:10.000") == 0
                   && ngx_f1_replay_test_int(e, "t") == 310000
                   && strcmp(ngx_f1_replay_test_str(e, "end_time"),
                             "00:05:30.000") == 0
                   && ngx_f1_replay_test_int(e, "end") == 330000
                   && ngx_f1_replay_test_int(e, "driver") == 3
                   && strcmp(ngx_f1_replay_test_str(e, "tla"), "CCC") == 0
                   && strcmp(ngx_f1_replay_test_str(e, "compound"), "SOFT")
                      == 0
                   && id >= 0 && (size_t) id < n && ev[id].t == 310000,
                   "JSON: a pit stop's fields; the id is the index");

        yajl_tree_free(v);
    }

    yajl_gen_free(g);
}


static void
ngx_f1_replay_test_overtakes(void)
{
    size_t                           n;
    ngx_f1_replay_session_t         *s;
    ngx_f1_replay_event_t        *ev;
    const ngx_f1_replay_event_t  *e;

    s = ngx_f1_replay_test_session(ngx_f1_replay_test_pass_topics);

    UNIT_CHECK(s != NULL, "overtakes session built");

    if (s == NULL) {
        return;
    }

    UNIT_CHECK(ngx_f1_replay_timeline_build(s, &ev, &n) == 0,
               "overtakes session: timeline built");

    UNIT_CHECK(ngx_f1_replay_test_count(ev, n, NGX_F1_REPLAY_EV_OVERTAKE)
               == 3,
               "three overtakes: none before lights-out, under the red "
               "flag, by a pit stop, on a pit exit lap, of a car on its "
               "in-lap or by a retirement");

    e = ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_OVERTAKE, 0);

    UNIT_CHECK(e && e->t == ngx_f1_replay_test_ms(0, 2, 31, 0)
               && e->driver == 3 && e->other == 2 && e->value == 2,
               "CCC passes BBB for P2 on track");

    e = ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_OVERTAKE, 1);

    UNIT_CHECK(e && e->t == ngx_f1_replay_test_ms(0, 3, 0, 0)
               && e->driver == 1 && e->other == 3 && e->value == 1,
               "AAA passes CCC for P1 as the red flag is withdrawn");

    e = ngx_f1_replay_test_nth(ev, n, NGX_F1_REPLAY_EV_OVERTAKE, 2);

    UNIT_CHECK(e && e->t == ngx_f1_replay_test_ms(0, 7, 3, 0)
               && e->driver == 2 && e->other == 4 && e->value == 3,
               "BBB passes DDD for P3 a lap after its pit exit lap");

    free(ev);
    free(s);
}
