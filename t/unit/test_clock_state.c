
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ngx_f1_replay_clock_state.h"
#include "unit.h"


/*
 * Two instances of one anchor (2030-01-01 12:00 UTC), whose monotonic
 * clocks differ; a third without an anchor; all at 50 Hz over a session
 * of [600 s, 700 s)
 */

#define TEST_ANCHOR   1893499200000LL
#define TEST_ID       "2030 Test Grand Prix, Race"


static ngx_f1_replay_clock_t  a, b, c;


/* tick 0 at monotonic epoch and at UTC utc, anchored or not */

static void
test_init(ngx_f1_replay_clock_t *clk, int64_t epoch, int64_t utc,
    int anchored)
{
    ngx_f1_replay_clock_init(clk, epoch, 20, 600000, 600000, 0, 700000, 1);
    clk->anchor_ms = anchored ? utc : 0;
    clk->utc_ms = utc;
}


/* the instance's session time and state at a tick */

static int32_t
test_at(ngx_f1_replay_clock_t *clk, uint64_t tick, uint32_t *state)
{
    ngx_f1_replay_clock_pos_t  pos;

    ngx_f1_replay_clock_at(clk, tick, clk->epoch_ms + (int64_t) tick * 20,
                           &pos);
    if (state) {
        *state = pos.state;
    }

    return pos.t;
}


/* the document of clk, NUL-terminated, in buf */

static size_t
test_doc(ngx_f1_replay_clock_t *clk, int64_t now_utc, char *buf,
    size_t size)
{
    size_t                len;
    yajl_gen              g;
    const unsigned char  *out;

    g = yajl_gen_alloc(NULL);

    if (ngx_f1_replay_clock_state_gen(clk, TEST_ID, now_utc, g) != 0
        || yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok
        || len >= size)
    {
        yajl_gen_free(g);
        return 0;
    }

    memcpy(buf, out, len);
    buf[len] = '\0';
    yajl_gen_free(g);

    return len;
}


static int
test_take(ngx_f1_replay_clock_t *clk, const char *doc, char *err)
{
    return ngx_f1_replay_clock_state_take(clk, TEST_ID,
                                          (const unsigned char *) doc,
                                          strlen(doc), err, 256);
}


/* a's document with one substring replaced */

static int
test_take_edited(const char *doc, const char *from, const char *to,
    char *err)
{
    char        edited[8192];
    const char *p;

    p = strstr(doc, from);
    if (p == NULL) {
        snprintf(err, 256, "\"%s\" not in the document", from);
        return 0;
    }

    snprintf(edited, sizeof(edited), "%.*s%s%s", (int) (p - doc), doc, to,
             p + strlen(from));

    return test_take(&c, edited, err) == -1;
}


static void
test_named_ticks(void)
{
    uint32_t  state;

    /* tick 0 of the anchor began at epoch 1000 on a, at 9000 on b */

    test_init(&a, 1000, TEST_ANCHOR, 1);
    test_init(&b, 9000, TEST_ANCHOR, 1);

    UNIT_CHECK(ngx_f1_replay_clock_utc_tick(&a, TEST_ANCHOR + 2000) == 100
               && ngx_f1_replay_clock_utc_tick(&b, TEST_ANCHOR + 2000)
                  == 100,
               "a UTC time is the same tick on every instance of the "
               "anchor, whatever its monotonic clock");
    UNIT_CHECK(ngx_f1_replay_clock_utc_tick(&a, TEST_ANCHOR + 2001) == 101
               && ngx_f1_replay_clock_utc_tick(&a, TEST_ANCHOR - 5000) == 0,
               "between ticks: the next one; before the anchor: tick 0");
    UNIT_CHECK(ngx_f1_replay_clock_tick_utc(&b, 100) == TEST_ANCHOR + 2000,
               "and a tick's UTC time is the anchor's");

    /* a pause named for tick 300 on both, sent at different moments */

    UNIT_CHECK(ngx_f1_replay_clock_change_at(&a, 1000 + 100 * 20, 300,
                                             NGX_F1_REPLAY_OP_PAUSE, 0)
               == 0
               && ngx_f1_replay_clock_change_at(&b, 9000 + 250 * 20, 300,
                                                NGX_F1_REPLAY_OP_PAUSE, 0)
                  == 0,
               "a pause named for tick 300");
    UNIT_CHECK(test_at(&a, 299, &state) == 605980
               && state == NGX_F1_REPLAY_PLAYING
               && test_at(&a, 300, &state) == 606000
               && state == NGX_F1_REPLAY_PAUSED
               && test_at(&b, 300, NULL) == 606000
               && test_at(&b, 1000, NULL) == 606000,
               "plays to tick 299 and holds from 300, on both");

    UNIT_CHECK(ngx_f1_replay_clock_change_at(&a, 1000 + 101 * 20, 200,
                                             NGX_F1_REPLAY_OP_RESUME, 0)
               == -2,
               "a change before the pending one is refused");
    UNIT_CHECK(ngx_f1_replay_clock_change(&a, 1000 + 102 * 20,
                                          NGX_F1_REPLAY_OP_SEEK, 650000)
               == -2,
               "so is one at the next tick while it is pending");
    UNIT_CHECK(ngx_f1_replay_clock_change_at(&a, 1000 + 103 * 20, 300,
                                             NGX_F1_REPLAY_OP_SEEK, 650000)
               == 0
               && test_at(&a, 300, &state) == 650000
               && state == NGX_F1_REPLAY_PAUSED
               && test_at(&a, 400, NULL) == 650000,
               "a second change at the same tick applies after the first");
    UNIT_CHECK(ngx_f1_replay_clock_change_at(&a, 1000, 0,
                                             NGX_F1_REPLAY_OP_RESUME, 0)
               == -2,
               "tick 0 is never named");

    /* a tick already played: from then on as if it had been on time */

    UNIT_CHECK(ngx_f1_replay_clock_change_at(&b, 9000 + 400 * 20, 350,
                                             NGX_F1_REPLAY_OP_RESUME, 0)
               == 0
               && test_at(&b, 400, NULL) == 606000 + 50 * 20,
               "a change named for a tick played: the clock is where it "
               "would have been");
}


static void
test_documents(void)
{
    int       rc;
    char      doc[8192], doc2[8192], err[256];
    uint32_t  state;

    /* a: start, pause at 300, seek at 300; taken by an instance of the
     * same anchor started later (another epoch): the same ticks */

    test_doc(&a, TEST_ANCHOR + 150 * 20, doc, sizeof(doc));

    UNIT_CHECK(strstr(doc, "\"f1_replay_clock\":1") != NULL
               && strstr(doc, "\"change\":2") != NULL
               && strstr(doc, "\"anchor_ms\":1893499200000") != NULL
               && strstr(doc, "\"at_ms\":1893499206000") != NULL
               && strstr(doc, "\"reason\":\"seek\"") != NULL,
               "the document: version, changes, anchor, each segment at "
               "its UTC time");

    test_init(&c, 77777, TEST_ANCHOR, 1);
    err[0] = '\0';
    rc = test_take(&c, doc, err);

    UNIT_CHECK(rc == 0 && c.generation == a.generation
               && test_at(&c, 299, NULL) == 605980
               && test_at(&c, 300, &state) == 650000
               && state == NGX_F1_REPLAY_PAUSED,
               "taken by another instance of the anchor: the same clock at "
               "the same ticks");
    if (rc != 0) {
        printf("# %s\n", err);
    }

    test_doc(&c, TEST_ANCHOR + 20 * 20, doc2, sizeof(doc2));
    UNIT_CHECK(strstr(doc2, "\"at_ms\":1893499206000") != NULL
               && strstr(doc2, "\"change\":2") != NULL,
               "and gives it on unchanged");

    /* no anchor, started after the segments: the one in force from tick
     * 0, where it had got to */

    test_init(&b, 1000, TEST_ANCHOR, 1);
    ngx_f1_replay_clock_change_at(&b, 1000, 100, NGX_F1_REPLAY_OP_SEEK,
                                  650000);
    test_doc(&b, TEST_ANCHOR, doc, sizeof(doc));

    test_init(&c, 500, TEST_ANCHOR + 10000, 0);
    rc = test_take(&c, doc, err);

    UNIT_CHECK(rc == 0 && test_at(&c, 0, NULL) == 650000 + 8000
               && test_at(&c, 50, NULL) == 650000 + 9000,
               "no anchor, taken 10 s on: the seek 8 s ago is 8 s on at "
               "tick 0");

    /* refusals name the reason; the clock is left as it was */

    memcpy(&b, &c, sizeof(ngx_f1_replay_clock_t));

    UNIT_CHECK(test_take(&c, "{\"f1_replay_clock\":1", err) == -1
               && strncmp(err, "not JSON: ", 10) == 0,
               "not JSON");
    UNIT_CHECK(test_take(&c, "[1,2]", err) == -1
               && strstr(err, "not a clock") != NULL,
               "not a clock");
    UNIT_CHECK(ngx_f1_replay_clock_state_take(&c, "another",
                   (const unsigned char *) doc, strlen(doc), err,
                   sizeof(err)) == -1
               && strstr(err, "another session") != NULL,
               "another session");
    UNIT_CHECK(test_take_edited(doc, "\"tick_ms\":20", "\"tick_ms\":10",
                                err)
               && strstr(err, "20 ms ticks") != NULL,
               "another rate");
    UNIT_CHECK(test_take_edited(doc, "\"change\":1", "\"change\":1e300",
                                err),
               "a change count of 1e300");
    UNIT_CHECK(test_take_edited(doc, "\"t\":650000", "\"t\":800000", err)
               && strstr(err, "outside the session") != NULL,
               "a seek outside the session");
    UNIT_CHECK(test_take_edited(doc, "\"speed\":1000,", "\"speed\":100,",
                                err)
               && test_take_edited(doc, "\"jump\":true", "\"jump\":\"true\"",
                                   err)
               && test_take_edited(doc, "\"reason\":\"seek\"",
                                   "\"reason\":\"seek\\u0000\"", err),
               "a speed out of range, a boolean as a string, a reason with "
               "a NUL");
    UNIT_CHECK(test_take_edited(doc, "\"at_ms\":1893499202000",
                                "\"at_ms\":1893499100000", err)
               && strstr(err, "before the one before") != NULL,
               "segments out of order");
    UNIT_CHECK(memcmp(&b, &c, sizeof(ngx_f1_replay_clock_t)) == 0,
               "after every refusal the clock is as it was");
}


static void
test_files(void)
{
    char         dir[] = "/tmp/f1-replay-clock-XXXXXX", path[256],
                 buf[512];
    struct stat  st;

    if (mkdtemp(dir) == NULL) {
        UNIT_CHECK(0, "a temporary directory");
        return;
    }

    snprintf(path, sizeof(path), "%s/dutch.clock", dir);

    UNIT_CHECK(ngx_f1_replay_clock_state_read(path, buf, sizeof(buf)) == 0,
               "no file yet: 0");
    UNIT_CHECK(ngx_f1_replay_clock_state_save(path, "first", 5) == 0
               && ngx_f1_replay_clock_state_save(path, "second", 6) == 0
               && ngx_f1_replay_clock_state_read(path, buf, sizeof(buf))
                  == 6
               && memcmp(buf, "second", 6) == 0,
               "saved twice, read: the second");

    snprintf(buf, sizeof(buf), "%s.tmp", path);
    UNIT_CHECK(stat(buf, &st) == -1 && errno == ENOENT,
               "nothing left beside it");

    errno = 0;
    UNIT_CHECK(ngx_f1_replay_clock_state_read(path, buf, 6) == -1
               && errno == EFBIG,
               "a file as large as the buffer: EFBIG");

    snprintf(path, sizeof(path), "%s/none/dutch.clock", dir);
    UNIT_CHECK(ngx_f1_replay_clock_state_save(path, "x", 1) == -1
               && errno == ENOENT,
               "no such directory: ENOENT");

    snprintf(path, sizeof(path), "%s/fifo", dir);
    UNIT_CHECK(mkfifo(path, 0600) == 0
               && ngx_f1_replay_clock_state_read(path, buf, sizeof(buf))
                  == -1
               && errno == EINVAL,
               "a FIFO is refused at once (no hang): EINVAL");
    (void) unlink(path);

    snprintf(path, sizeof(path), "%s/dutch.clock", dir);
    (void) unlink(path);
    (void) rmdir(dir);
}


int
main(void)
{
    test_named_ticks();
    test_documents();
    test_files();

    return UNIT_DONE();
}
