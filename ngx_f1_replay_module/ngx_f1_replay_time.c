
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ngx_f1_replay_time.h"


#define NGX_F1_REPLAY_TIME_ISO_LEN   19    /* "YYYY-MM-DDTHH:MM:SS" */

#define ngx_f1_replay_time_is_digit(c)  ((unsigned) ((c) - '0') <= 9)


static int ngx_f1_replay_time_digits(const unsigned char *p, size_t n);
static int64_t ngx_f1_replay_time_days(int64_t y, int m, int d);
static void ngx_f1_replay_time_put2(char *p, unsigned n);


/* the value of n decimal digits, or -1 */

static int
ngx_f1_replay_time_digits(const unsigned char *p, size_t n)
{
    int  v;

    for (v = 0; n; n--, p++) {
        if (!ngx_f1_replay_time_is_digit(*p)) {
            return -1;
        }

        v = v * 10 + (*p - '0');
    }

    return v;
}


int
ngx_f1_replay_time_parse(const unsigned char *p, size_t len, int32_t *ms)
{
    int  h, m, s, f;

    if (len != NGX_F1_REPLAY_TIME_LEN
        || p[2] != ':' || p[5] != ':' || p[8] != '.')
    {
        return -1;
    }

    h = ngx_f1_replay_time_digits(p, 2);
    m = ngx_f1_replay_time_digits(p + 3, 2);
    s = ngx_f1_replay_time_digits(p + 6, 2);
    f = ngx_f1_replay_time_digits(p + 9, 3);

    if (h < 0 || m < 0 || m > 59 || s < 0 || s > 59 || f < 0) {
        return -1;
    }

    *ms = ((h * 60 + m) * 60 + s) * 1000 + f;

    return 0;
}


int
ngx_f1_replay_time_parse_arg(const unsigned char *p, size_t len,
    int32_t *ms)
{
    size_t         i;
    int64_t        n;
    unsigned char  buf[NGX_F1_REPLAY_TIME_LEN];

    if (len == NGX_F1_REPLAY_TIME_LEN - 4) {
        memcpy(buf, p, len);
        memcpy(buf + len, ".000", 4);
        p = buf;
        len = NGX_F1_REPLAY_TIME_LEN;
    }

    if (ngx_f1_replay_time_parse(p, len, ms) == 0) {
        return 0;
    }

    if (len == 0 || len > 10) {
        return -1;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (!ngx_f1_replay_time_is_digit(p[i])) {
            return -1;
        }

        n = n * 10 + (p[i] - '0');
    }

    if (n > INT32_MAX) {
        return -1;
    }

    *ms = (int32_t) n;

    return 0;
}


int
ngx_f1_replay_time_parse_utc(const char *p, size_t len, int64_t *ms)
{
    int                   year, month, day, hour, min, sec, frac, mdays;
    size_t                n;
    const unsigned char  *s, *end;

    static const int  days[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    s = (const unsigned char *) p;
    end = s + len;

    if (len < NGX_F1_REPLAY_TIME_ISO_LEN
        || s[4] != '-' || s[7] != '-' || s[10] != 'T'
        || s[13] != ':' || s[16] != ':')
    {
        return -1;
    }

    year = ngx_f1_replay_time_digits(s, 4);
    month = ngx_f1_replay_time_digits(s + 5, 2);
    day = ngx_f1_replay_time_digits(s + 8, 2);
    hour = ngx_f1_replay_time_digits(s + 11, 2);
    min = ngx_f1_replay_time_digits(s + 14, 2);
    sec = ngx_f1_replay_time_digits(s + 17, 2);

    if (year < 0 || month < 1 || month > 12 || day < 1
        || hour < 0 || hour > 23 || min < 0 || min > 59
        || sec < 0 || sec > 59)
    {
        return -1;
    }

    mdays = days[month - 1];

    if (month == 2
        && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
    {
        mdays = 29;
    }

    if (day > mdays) {
        return -1;
    }

    s += NGX_F1_REPLAY_TIME_ISO_LEN;

    /* up to 9 fractional digits, of which the first 3 are kept */

    frac = 0;

    if (s < end && *s == '.') {
        s++;

        for (n = 0; s < end && ngx_f1_replay_time_is_digit(*s); n++, s++) {
            if (n < 3) {
                frac = frac * 10 + (*s - '0');
            }
        }

        if (n == 0 || n > 9) {
            return -1;
        }

        for ( /* void */ ; n < 3; n++) {
            frac *= 10;
        }
    }

    if (s < end && *s == 'Z') {
        s++;
    }

    if (s != end) {
        return -1;
    }

    *ms = ngx_f1_replay_time_days(year, month, day) * 86400000
          + (int64_t) ((hour * 60 + min) * 60 + sec) * 1000 + frac;

    return 0;
}


/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */

static int64_t
ngx_f1_replay_time_days(int64_t y, int m, int d)
{
    int64_t  era, yoe, doy, doe;

    y -= (m <= 2);
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


size_t
ngx_f1_replay_time_format(int32_t t, char *buf)
{
    int       n;
    uint64_t  ms;

    ms = t < 0 ? (uint64_t) -(int64_t) t : (uint64_t) t;

    n = snprintf(buf, NGX_F1_REPLAY_TIME_BUF, "%s%02u:%02u:%02u.%03u",
                 t < 0 ? "-" : "", (unsigned) (ms / 3600000),
                 (unsigned) (ms / 60000 % 60), (unsigned) (ms / 1000 % 60),
                 (unsigned) (ms % 1000));

    return (size_t) n;
}


/* civil date of a day number, without gmtime_r() (H. Hinnant) */

size_t
ngx_f1_replay_time_format_utc(int64_t ms, char *buf)
{
    int64_t   days, rem, era, doe, yoe, doy, mp, year;
    unsigned  month, mday;

    days = ms / 86400000;
    rem = ms % 86400000;

    if (rem < 0) {
        rem += 86400000;
        days--;
    }

    days += 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = days - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    mday = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
    month = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
    year = yoe + era * 400 + (month <= 2);

    if (year < 0 || year > 9999) {
        return 0;
    }

    memcpy(buf, "0000-00-00T00:00:00.000Z", NGX_F1_REPLAY_TIME_UTC_LEN);

    ngx_f1_replay_time_put2(buf, (unsigned) (year / 100));
    ngx_f1_replay_time_put2(buf + 2, (unsigned) (year % 100));
    ngx_f1_replay_time_put2(buf + 5, month);
    ngx_f1_replay_time_put2(buf + 8, mday);
    ngx_f1_replay_time_put2(buf + 11, (unsigned) (rem / 3600000));
    ngx_f1_replay_time_put2(buf + 14, (unsigned) (rem / 60000 % 60));
    ngx_f1_replay_time_put2(buf + 17, (unsigned) (rem / 1000 % 60));

    buf[20] = (char) ('0' + rem % 1000 / 100);
    ngx_f1_replay_time_put2(buf + 21, (unsigned) (rem % 100));

    return NGX_F1_REPLAY_TIME_UTC_LEN;
}


static void
ngx_f1_replay_time_put2(char *p, unsigned n)
{
    p[0] = (char) ('0' + n / 10);
    p[1] = (char) ('0' + n % 10);
}
