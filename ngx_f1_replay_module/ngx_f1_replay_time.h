
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_TIME_H_INCLUDED_
#define _NGX_F1_REPLAY_TIME_H_INCLUDED_


/*
 * Session times and UTC times, read and written: the archive's
 * "HH:MM:SS.mmm", the forms users give, ISO 8601 UTC.  Free of nginx
 * types.
 */


#include <stddef.h>
#include <stdint.h>


#define NGX_F1_REPLAY_TIME_LEN       12    /* "HH:MM:SS.mmm" */
#define NGX_F1_REPLAY_TIME_UTC_LEN   24    /* "2025-08-31T13:00:00.123Z" */

/* a buffer for ngx_f1_replay_time_format() of any int32_t time */
#define NGX_F1_REPLAY_TIME_BUF       24


/* "HH:MM:SS.mmm" (exactly 12 bytes): 0, or -1 if malformed */
int ngx_f1_replay_time_parse(const unsigned char *p, size_t len,
    int32_t *ms);

/*
 * A session time given by a user: "HH:MM:SS", "HH:MM:SS.mmm" or a
 * number of milliseconds; -1 if it is none of them
 */
int ngx_f1_replay_time_parse_arg(const unsigned char *p, size_t len,
    int32_t *ms);

/*
 * An ISO 8601 UTC time as found in the archives,
 * "2025-08-31T13:00:00.1230000Z", "2018-04-29T12:07:10" (no zone: UTC),
 * with 0 to 9 fractional digits, into milliseconds since the Unix epoch.
 * Returns 0 or -1.
 */
int ngx_f1_replay_time_parse_utc(const char *p, size_t len, int64_t *ms);

/*
 * "HH:MM:SS.mmm" ("-" before a negative time, more digits of hours past
 * 99) into buf of NGX_F1_REPLAY_TIME_BUF bytes, NUL-terminated; returns
 * the length
 */
size_t ngx_f1_replay_time_format(int32_t t, char *buf);

/*
 * "2025-08-31T13:00:00.123Z" (NGX_F1_REPLAY_TIME_UTC_LEN bytes, not
 * NUL-terminated) of Unix ms; 0 if the year is outside 0-9999, else
 * the length
 */
size_t ngx_f1_replay_time_format_utc(int64_t ms, char *buf);


#endif /* _NGX_F1_REPLAY_TIME_H_INCLUDED_ */
