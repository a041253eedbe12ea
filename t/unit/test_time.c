
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <string.h>

#include "ngx_f1_replay_time.h"
#include "unit.h"


static void ngx_f1_replay_test_parse(void);
static int ngx_f1_replay_test_arg(const char *s, int32_t expect);
static void ngx_f1_replay_test_args(void);
static int ngx_f1_replay_test_utc(const char *s, int64_t expect);
static void ngx_f1_replay_test_utcs(void);
static void ngx_f1_replay_test_format(void);


int
main(void)
{
    ngx_f1_replay_test_parse();
    ngx_f1_replay_test_args();
    ngx_f1_replay_test_utcs();
    ngx_f1_replay_test_format();

    return UNIT_DONE();
}


static void
ngx_f1_replay_test_parse(void)
{
    size_t        i;
    int32_t       ms;
    const char   *s;

    static const char  *bad[] = {
        "00:60:00.000", "00:00:60.000", "0a:00:00.000", "00-00:00.000",
        "00:00:00,000", "+1:00:00.000", " 1:00:00.000", "00:00:00.00a",
        "00:00:00.-01", "00:0 :00.000"
    };

    s = "01:02:03.456";
    UNIT_CHECK(ngx_f1_replay_time_parse((const unsigned char *) s, 12, &ms)
               == 0 && ms == 3723456, "time 01:02:03.456");

    s = "00:00:00.000";
    UNIT_CHECK(ngx_f1_replay_time_parse((const unsigned char *) s, 12, &ms)
               == 0 && ms == 0, "time zero");

    s = "99:59:59.999";
    UNIT_CHECK(ngx_f1_replay_time_parse((const unsigned char *) s, 12, &ms)
               == 0 && ms == 359999999, "time 99:59:59.999");

    s = "00:59:59.999";
    UNIT_CHECK(ngx_f1_replay_time_parse((const unsigned char *) s, 12, &ms)
               == 0 && ms == 3599999, "time 00:59:59.999");

    s = "01:02:03.4567";
    UNIT_CHECK(ngx_f1_replay_time_parse((const unsigned char *) s, 11, &ms)
               == -1
               && ngx_f1_replay_time_parse((const unsigned char *) s, 13,
                                           &ms) == -1,
               "time must be exactly 12 bytes");

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ms = 7;

        UNIT_CHECK(ngx_f1_replay_time_parse((const unsigned char *) bad[i],
                                            12, &ms) == -1 && ms == 7,
                   "malformed time rejected");
    }
}


/* a session time given by a user parses to expect (-1: is refused) */

static int
ngx_f1_replay_test_arg(const char *s, int32_t expect)
{
    int32_t  ms;

    ms = -1;

    if (ngx_f1_replay_time_parse_arg((const unsigned char *) s, strlen(s),
                                     &ms)
        != 0)
    {
        return expect == -1 && ms == -1;
    }

    return ms == expect;
}


static void
ngx_f1_replay_test_args(void)
{
    UNIT_CHECK(ngx_f1_replay_test_arg("00:45:00", 2700000),
               "time arg HH:MM:SS");
    UNIT_CHECK(ngx_f1_replay_test_arg("01:00:00.250", 3600250),
               "time arg HH:MM:SS.mmm");
    UNIT_CHECK(ngx_f1_replay_test_arg("3600000", 3600000),
               "time arg milliseconds");
    UNIT_CHECK(ngx_f1_replay_test_arg("", -1)
               && ngx_f1_replay_test_arg("-5", -1)
               && ngx_f1_replay_test_arg("9999999999", -1)
               && ngx_f1_replay_test_arg("00:61:00", -1),
               "time arg: empty, negative, too large, bad minutes");
}


static int
ngx_f1_replay_test_utc(const char *s, int64_t expect)
{
    int64_t  ms;

    if (ngx_f1_replay_time_parse_utc(s, strlen(s), &ms) != 0 || ms != expect) {
        printf("# %s\n", s);
        return 0;
    }

    return 1;
}


static void
ngx_f1_replay_test_utcs(void)
{
    size_t    i;
    int64_t   ms;

    static const char  *bad[] = {
        "2025-08-31T13:00:00.1234567890Z", "2025-08-31T13:00:00.Z",
        "2025-08-31T13:00:00.", "2025-08-31 13:00:00Z",
        "2025-08-31T13:00:00ZZ", "2025-08-31T13:00:00Zx",
        "2025-08-31T13:00:00+01:00", "2025-13-01T00:00:00Z",
        "2025-00-01T00:00:00Z", "2025-01-00T00:00:00Z",
        "2025-04-31T00:00:00Z", "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2025-08-31T24:00:00Z",
        "2025-08-31T13:60:00Z", "2025-08-31T13:00:60Z",
        "2025-08-31T13:00", "2025-8-31T13:00:00Z", "", "Z",
        "2025-08-31t13:00:00z", "+025-08-31T13:00:00Z"
    };

    UNIT_CHECK(ngx_f1_replay_test_utc("1970-01-01T00:00:00Z", 0),
               "utc epoch");
    UNIT_CHECK(ngx_f1_replay_test_utc("2025-08-31T13:00:00.1230000Z",
                                      1756645200123),
               "utc with 7 fractional digits");
    UNIT_CHECK(ngx_f1_replay_test_utc("2025-08-31T13:00:00.1239999Z",
                                      1756645200123),
               "utc fraction is truncated to ms");
    UNIT_CHECK(ngx_f1_replay_test_utc("2025-08-31T13:00:00.123456789",
                                      1756645200123),
               "utc with 9 fractional digits and no Z");
    UNIT_CHECK(ngx_f1_replay_test_utc("2018-04-29T12:07:10",
                                      1525003630000),
               "utc without fraction or zone");
    UNIT_CHECK(ngx_f1_replay_test_utc("2018-04-29T12:07:10.5Z",
                                      1525003630500),
               "utc with 1 fractional digit");
    UNIT_CHECK(ngx_f1_replay_test_utc("2018-04-29T12:07:10.05",
                                      1525003630050),
               "utc with 2 fractional digits");
    UNIT_CHECK(ngx_f1_replay_test_utc("2024-02-29T00:00:00Z",
                                      1709164800000),
               "utc leap day");
    UNIT_CHECK(ngx_f1_replay_test_utc("2000-02-29T23:59:59Z",
                                      951868799000),
               "utc leap day of a 400-year");
    UNIT_CHECK(ngx_f1_replay_test_utc("1969-12-31T23:59:59.999Z", -1),
               "utc before the epoch");
    UNIT_CHECK(ngx_f1_replay_test_utc("0000-03-01T00:00:00Z",
                                      -719468LL * 86400000),
               "utc year 0");
    UNIT_CHECK(ngx_f1_replay_test_utc("9999-12-31T23:59:59Z",
                                      253402300799000LL),
               "utc year 9999");

    UNIT_CHECK(ngx_f1_replay_time_parse_utc("2018-04-29T12:07:10Zjunk", 20, &ms)
               == 0 && ms == 1525003630000,
               "utc reads only len bytes");

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ms = 7;

        UNIT_CHECK(ngx_f1_replay_time_parse_utc(bad[i], strlen(bad[i]), &ms)
                   == -1 && ms == 7, "malformed utc rejected");
    }
}


static void
ngx_f1_replay_test_format(void)
{
    char     buf[NGX_F1_REPLAY_TIME_BUF], utc[NGX_F1_REPLAY_TIME_UTC_LEN];
    size_t   len;
    int64_t  ms, back;

    static const int64_t  utcs[] = {
        0, 1756645200123LL, -1, 951868799000LL, 1709164800000LL,
        -719468LL * 86400000, 253402300799999LL
    };

    len = ngx_f1_replay_time_format(3723456, buf);
    UNIT_CHECK(len == 12 && strcmp(buf, "01:02:03.456") == 0,
               "format 01:02:03.456");

    len = ngx_f1_replay_time_format(-1500, buf);
    UNIT_CHECK(len == 13 && strcmp(buf, "-00:00:01.500") == 0,
               "format a negative time");

    len = ngx_f1_replay_time_format(INT32_MIN, buf);
    UNIT_CHECK(len < NGX_F1_REPLAY_TIME_BUF
               && strcmp(buf, "-596:31:23.648") == 0,
               "format the smallest time in the buffer");

    len = ngx_f1_replay_time_format(INT32_MAX, buf);
    UNIT_CHECK(strcmp(buf, "596:31:23.647") == 0,
               "format the largest time");

    back = 0;

    for (len = 0; len < sizeof(utcs) / sizeof(utcs[0]); len++) {
        ms = utcs[len];

        if (ngx_f1_replay_time_format_utc(ms, utc)
            != NGX_F1_REPLAY_TIME_UTC_LEN
            || ngx_f1_replay_time_parse_utc(utc, NGX_F1_REPLAY_TIME_UTC_LEN,
                                            &back)
               != 0
            || back != ms)
        {
            break;
        }
    }

    UNIT_CHECK(len == sizeof(utcs) / sizeof(utcs[0]),
               "format_utc round trips through parse_utc");

    UNIT_CHECK(ngx_f1_replay_time_format_utc(1756645200123LL, utc) == 24
               && memcmp(utc, "2025-08-31T13:00:00.123Z", 24) == 0,
               "format_utc 2025-08-31T13:00:00.123Z");

    UNIT_CHECK(ngx_f1_replay_time_format_utc(253402300800000LL, utc) == 0
               && ngx_f1_replay_time_format_utc(-719529LL * 86400000, utc)
                  == 0,
               "format_utc outside the years 0-9999");
}
