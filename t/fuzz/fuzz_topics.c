
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_build.h"
#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_message.h"
#include "ngx_f1_replay_session.h"


/*
 * The topic parsers and the block builder: the first input byte picks a
 * topic, the rest is that topic's file.  A minimal SessionInfo and
 * DriverList come first unless the fuzzed topic is one of them; the
 * built block must pass the validity check, and its summary and race
 * state are generated.
 */


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static const char *const  ngx_f1_replay_fuzz_topics[] = {
    "SessionInfo", "DriverList", "SessionStatus", "LapCount",
    "TrackStatus", "TimingData", "TimingAppData", "RaceControlMessages",
    "WeatherData", "Heartbeat", "CarData.z", "Position.z"
};


static const char  ngx_f1_replay_fuzz_info[] =
    "00:00:00.000{\"Meeting\":{\"Name\":\"F\"},\"Type\":\"Race\"}\n";

static const char  ngx_f1_replay_fuzz_drivers[] =
    "00:00:01.000{\"1\":{\"Tla\":\"AAA\",\"Line\":1},"
    "\"2\":{\"Tla\":\"BBB\",\"Line\":2}}\n";


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                      err[512];
    size_t                    len;
    unsigned                  topic;
    yajl_gen                  g;
    const unsigned char      *buf;
    ngx_f1_replay_loader_t   *ld;
    ngx_f1_replay_session_t  *s;

    if (size < 1) {
        return 0;
    }

    topic = data[0] % (sizeof(ngx_f1_replay_fuzz_topics)
                       / sizeof(ngx_f1_replay_fuzz_topics[0]));

    ld = ngx_f1_replay_loader_create(NULL, NULL);
    if (ld == NULL) {
        return 0;
    }

    if (topic != 0) {
        (void) ngx_f1_replay_loader_add(ld, "SessionInfo", "SessionInfo",
                   (const unsigned char *) ngx_f1_replay_fuzz_info,
                   sizeof(ngx_f1_replay_fuzz_info) - 1, err, sizeof(err));
    }

    if (topic != 1) {
        (void) ngx_f1_replay_loader_add(ld, "DriverList", "DriverList",
                   (const unsigned char *) ngx_f1_replay_fuzz_drivers,
                   sizeof(ngx_f1_replay_fuzz_drivers) - 1, err,
                   sizeof(err));
    }

    if (ngx_f1_replay_loader_add(ld, ngx_f1_replay_fuzz_topics[topic],
                                 "fuzz", data + 1, size - 1, err,
                                 sizeof(err))
        != 0)
    {
        ngx_f1_replay_loader_destroy(ld);
        return 0;
    }

    s = ngx_f1_replay_build_session(ld, err, sizeof(err));
    ngx_f1_replay_loader_destroy(ld);

    if (s == NULL) {
        return 0;
    }

    if (!ngx_f1_replay_session_valid(s, s->size)) {
        abort();
    }

    g = yajl_gen_alloc(NULL);
    if (g != NULL) {
        if (ngx_f1_replay_message_summary(s, g) != 0
            || yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
        {
            abort();
        }

        yajl_gen_clear(g);
        yajl_gen_free(g);
    }

    g = yajl_gen_alloc(NULL);
    if (g != NULL) {
        if (ngx_f1_replay_message_state(s, s->end_ms, 1, g) != 0) {
            abort();
        }

        yajl_gen_free(g);
    }

    free(s);

    return 0;
}
