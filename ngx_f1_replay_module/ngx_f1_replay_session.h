
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_SESSION_H_INCLUDED_
#define _NGX_F1_REPLAY_SESSION_H_INCLUDED_


/*
 * A loaded session: one contiguous, position-independent block (all
 * references are byte offsets from the block start), built once by the
 * loader and then read-only.  It lives in a shared zone in nginx, or in
 * heap memory in the tools.  Free of nginx types.
 *
 * Times are session milliseconds (the archive's HH:MM:SS.mmm clock);
 * the UTC of session time t is utc0_ms + t.
 */


#include <stddef.h>
#include <stdint.h>


#define NGX_F1_REPLAY_SESSION_MAGIC    0x46315250  /* "F1RP" */
#define NGX_F1_REPLAY_SESSION_VERSION  2

#define NGX_F1_REPLAY_HAS_CAR_DATA     0x01
#define NGX_F1_REPLAY_HAS_POSITION     0x02
#define NGX_F1_REPLAY_HAS_TIMING       0x04    /* TimingData or ...App */
#define NGX_F1_REPLAY_HAS_LAPS         0x08    /* TimingData: laps, pits */

#define NGX_F1_REPLAY_UTC0_NONE        0
#define NGX_F1_REPLAY_UTC0_CAR_DATA    1       /* sample Utc vs line time */
#define NGX_F1_REPLAY_UTC0_HEARTBEAT   2
#define NGX_F1_REPLAY_UTC0_RACE_CONTROL  3     /* approximate, +-1 s */

#define NGX_F1_REPLAY_NO_TIME          INT32_MIN
#define NGX_F1_REPLAY_NO_VALUE         255     /* throttle/brake "104" */

/* car state flags */
#define NGX_F1_REPLAY_IN_PIT           0x01
#define NGX_F1_REPLAY_PIT_OUT          0x02
#define NGX_F1_REPLAY_RETIRED          0x04
#define NGX_F1_REPLAY_STOPPED          0x08
#define NGX_F1_REPLAY_HIDDEN           0x10    /* ShowPosition false */
#define NGX_F1_REPLAY_KNOCKED_OUT      0x20

/*
 * A gap or an interval: milliseconds (0 for the leader's gap), or
 * NGX_F1_REPLAY_GAP_LAPS(n) for n laps behind, or NGX_F1_REPLAY_GAP_NONE
 * when the feed gives none (the leader's interval, before the start)
 */
#define NGX_F1_REPLAY_GAP_NONE         INT32_MIN
#define NGX_F1_REPLAY_GAP_LAPS(n)      (-(int32_t) (n))
#define ngx_f1_replay_gap_laps(g)                                             \
    ((g) < 0 && (g) != NGX_F1_REPLAY_GAP_NONE ? (unsigned) -(g) : 0)

/* position sample status */
#define NGX_F1_REPLAY_POS_ON_TRACK     0
#define NGX_F1_REPLAY_POS_OFF_TRACK    1
#define NGX_F1_REPLAY_POS_NO_FIX       2       /* X = Y = Z = 0 */


/*
 * Tyre compounds, the block's and the strategy engine's: softest first,
 * the dry ones before the wet ones
 */
typedef enum {
    NGX_F1_REPLAY_COMPOUND_UNKNOWN = 0,
    NGX_F1_REPLAY_COMPOUND_HYPERSOFT,
    NGX_F1_REPLAY_COMPOUND_ULTRASOFT,
    NGX_F1_REPLAY_COMPOUND_SUPERSOFT,
    NGX_F1_REPLAY_COMPOUND_SOFT,
    NGX_F1_REPLAY_COMPOUND_MEDIUM,
    NGX_F1_REPLAY_COMPOUND_HARD,
    NGX_F1_REPLAY_COMPOUND_INTERMEDIATE,
    NGX_F1_REPLAY_COMPOUND_WET,
    NGX_F1_REPLAY_COMPOUND_TEST,          /* "TEST_UNKNOWN" of tests */
    NGX_F1_REPLAY_COMPOUND_N
} ngx_f1_replay_compound_e;

#define ngx_f1_replay_compound_dry(c)                                         \
    ((c) >= NGX_F1_REPLAY_COMPOUND_HYPERSOFT                                  \
     && (c) <= NGX_F1_REPLAY_COMPOUND_HARD)


typedef uint32_t  ngx_f1_replay_off_t;   /* 0 means none */


typedef struct {
    ngx_f1_replay_off_t   off;
    uint32_t              n;
} ngx_f1_replay_array_t;


typedef struct {
    int32_t               t;
    uint16_t              rpm;
    uint16_t              speed;       /* km/h */
    uint8_t               gear;
    uint8_t               throttle;    /* %, or NO_VALUE */
    uint8_t               brake;       /* 0/100, or NO_VALUE */
    uint8_t               drs;         /* feed code 0-14 */
} ngx_f1_replay_car_t;


typedef struct {
    int32_t               t;
    int32_t               x;           /* decimetres */
    int32_t               y;
    int32_t               z;
    uint8_t               status;      /* NGX_F1_REPLAY_POS_* */
    uint8_t               pad[3];
} ngx_f1_replay_pos_t;


/* one record each time the car's race state changes */
typedef struct {
    int32_t               t;
    int32_t               last_lap_ms;  /* -1 none */
    int32_t               best_lap_ms;  /* -1 none */
    uint16_t              laps;         /* NumberOfLaps */
    uint16_t              tyre_age;     /* laps on the set (TotalLaps) */
    uint8_t               position;     /* 0 unknown */
    uint8_t               flags;        /* NGX_F1_REPLAY_IN_PIT ... */
    uint8_t               stints;       /* stints so far, current = n-1 */
    uint8_t               compound;     /* ngx_f1_replay_compound_e */
    uint8_t               tyre_new;     /* 0 used, 1 new, 2 unknown */
    uint8_t               pad[3];
    int32_t               gap;          /* GapToLeader: ms, see below */
    int32_t               interval;     /* IntervalToPositionAhead */
} ngx_f1_replay_state_t;


typedef struct {
    int32_t               t;            /* first seen */
    uint16_t              start_lap;    /* car's laps when it began */
    uint16_t              start_age;    /* StartLaps */
    uint16_t              total_laps;   /* last TotalLaps seen */
    uint8_t               compound;
    uint8_t               tyre_new;     /* 0 used, 1 new, 2 unknown */
    uint8_t               not_changed;  /* TyresNotChanged */
    uint8_t               pad[3];
} ngx_f1_replay_stint_t;


typedef struct {
    uint16_t              number;
    char                  tla[4];
    uint8_t               line;         /* DriverList Line (order) */
    uint8_t               pad;
    uint32_t              colour;       /* 0xRRGGBB */
    ngx_f1_replay_off_t   full_name;    /* strings */
    ngx_f1_replay_off_t   broadcast_name;
    ngx_f1_replay_off_t   team;
    ngx_f1_replay_array_t car;          /* ngx_f1_replay_car_t, by t */
    ngx_f1_replay_array_t pos;          /* ngx_f1_replay_pos_t, by t */
    ngx_f1_replay_array_t states;       /* ngx_f1_replay_state_t, by t */
    ngx_f1_replay_array_t stints;       /* ngx_f1_replay_stint_t */
} ngx_f1_replay_driver_t;


typedef struct {
    int32_t               t;
    uint16_t              current;
    uint16_t              total;
} ngx_f1_replay_lap_count_t;


typedef struct {
    int32_t               t;
    uint8_t               status;       /* 1 clear, 2 yellow, 4 SC, ... */
    uint8_t               pad[3];
    ngx_f1_replay_off_t   message;
} ngx_f1_replay_track_status_t;


typedef struct {
    int32_t               t;
    int32_t               lap;          /* -1 none */
    int64_t               utc_ms;       /* -1 none */
    ngx_f1_replay_off_t   category;
    ngx_f1_replay_off_t   flag;
    ngx_f1_replay_off_t   scope;
    ngx_f1_replay_off_t   message;
    int32_t               sector;       /* -1 none */
    uint16_t              racing_number;  /* 0 none */
    uint16_t              pad;
} ngx_f1_replay_rcm_t;


/* a field the archive does not give (or beyond a float's range) is NaN */

typedef struct {
    int32_t               t;
    float                 air_temp;
    float                 track_temp;
    float                 humidity;
    float                 pressure;
    float                 wind_speed;
    float                 wind_direction;
    uint8_t               rainfall;
    uint8_t               pad[3];
} ngx_f1_replay_weather_t;


typedef struct {
    int32_t               t;
    ngx_f1_replay_off_t   status;       /* "Started", "Finished", ... */
} ngx_f1_replay_status_t;


typedef struct {
    int32_t               x;
    int32_t               y;
} ngx_f1_replay_point_t;


/*
 * The race events of the session, found once at load (see
 * ngx_f1_replay_timeline.c for the rules), sorted by (t, type, driver,
 * other, value): the index is the event's id.  The WebSocket stream sends
 * them as the clock passes them; the control endpoint lists them.
 */
typedef enum {
    NGX_F1_REPLAY_EV_START = 0,       /* race start (lights-out) */
    NGX_F1_REPLAY_EV_LAP,             /* the leader begins lap n */
    NGX_F1_REPLAY_EV_TRACK_STATUS,    /* value: track_status index */
    NGX_F1_REPLAY_EV_SAFETY_CAR,      /* period, t .. end */
    NGX_F1_REPLAY_EV_VSC,
    NGX_F1_REPLAY_EV_RED_FLAG,
    NGX_F1_REPLAY_EV_RACE_CONTROL,    /* value: race_control index */
    NGX_F1_REPLAY_EV_WEATHER,         /* value: weather index */
    NGX_F1_REPLAY_EV_CAR_LAP,         /* a car completes a lap */
    NGX_F1_REPLAY_EV_POSITION,        /* a car's position changes */
    NGX_F1_REPLAY_EV_PIT_IN,          /* InPit turns on */
    NGX_F1_REPLAY_EV_PIT_OUT,         /* InPit turns off */
    NGX_F1_REPLAY_EV_PIT_STOP,        /* a real tyre change, t .. end */
    NGX_F1_REPLAY_EV_STINT,           /* any new stint */
    NGX_F1_REPLAY_EV_RETIRED,
    NGX_F1_REPLAY_EV_OVERTAKE,        /* driver passes other on track */
    NGX_F1_REPLAY_EV_FASTEST_LAP,     /* a new best lap of the session */
    NGX_F1_REPLAY_EV_FINISH,          /* the chequered flag */
    NGX_F1_REPLAY_EV_N
} ngx_f1_replay_event_type_e;


typedef struct {
    int32_t               t;         /* session ms; pit stop: pit entry */
    int32_t               end;       /* periods, pit stops: the end (pit
                                        exit), else NGX_F1_REPLAY_NO_TIME */
    uint16_t              driver;    /* racing number or 0 */
    uint16_t              other;     /* overtake: the car passed */
    uint16_t              lap;       /* see the rules in timeline.c */
    uint8_t               type;      /* ngx_f1_replay_event_type_e */
    uint8_t               compound;  /* pit stop, stint: new compound */
    int32_t               value;     /* car lap, position, pit in/out,
                                        retired: index in the driver's
                                        states; pit stop, stint: in its
                                        stints; overtake: new position;
                                        fastest lap: ms; track status,
                                        race control, weather: index in
                                        that array */
} ngx_f1_replay_event_t;


typedef struct {
    uint32_t              magic;
    uint32_t              version;
    uint64_t              size;         /* bytes of the whole block */
    uint64_t              fingerprint;  /* of the archive files */
    int64_t               utc0_ms;      /* UTC of session time 0 */

    int32_t               start_ms;     /* first line of any topic */
    int32_t               end_ms;       /* last line of any topic */
    int32_t               lights_out_ms;  /* NO_TIME if unknown */
    uint32_t              flags;        /* NGX_F1_REPLAY_HAS_* */
    uint32_t              total_laps;   /* 0 if not a race */
    uint32_t              warnings;     /* lines skipped while loading */
    uint32_t              utc0_source;  /* NGX_F1_REPLAY_UTC0_* */

    ngx_f1_replay_off_t   meeting;      /* strings */
    ngx_f1_replay_off_t   official_name;
    ngx_f1_replay_off_t   location;
    ngx_f1_replay_off_t   country;
    ngx_f1_replay_off_t   circuit;
    ngx_f1_replay_off_t   session_type; /* "Race", "Qualifying", ... */
    ngx_f1_replay_off_t   session_name;
    ngx_f1_replay_off_t   start_date;   /* local, as in SessionInfo */
    ngx_f1_replay_off_t   gmt_offset;
    ngx_f1_replay_off_t   path;

    ngx_f1_replay_array_t drivers;      /* ngx_f1_replay_driver_t */
    ngx_f1_replay_array_t lap_count;
    ngx_f1_replay_array_t track_status;
    ngx_f1_replay_array_t race_control;
    ngx_f1_replay_array_t weather;
    ngx_f1_replay_array_t session_status;
    ngx_f1_replay_array_t outline;      /* ngx_f1_replay_point_t */
    ngx_f1_replay_array_t events;       /* ngx_f1_replay_event_t */
    uint16_t              outline_driver;
    uint16_t              outline_lap;
} ngx_f1_replay_session_t;


#define ngx_f1_replay_at(s, off)                                              \
    ((void *) ((unsigned char *) (s) + (off)))

#define ngx_f1_replay_items(s, a, type)                                       \
    ((type *) ngx_f1_replay_at(s, (a).off))

#define ngx_f1_replay_str(s, off)                                             \
    ((off) ? (const char *) ngx_f1_replay_at(s, off) : "")


/* checks magic, version and that every array lies inside the block */
int ngx_f1_replay_session_valid(const ngx_f1_replay_session_t *s,
    size_t size);

const ngx_f1_replay_driver_t *ngx_f1_replay_session_driver(
    const ngx_f1_replay_session_t *s, unsigned number);

/* index of the last record with t <= at in a t-sorted array, or -1 */
long ngx_f1_replay_session_find(const void *items, size_t n, size_t size,
    int32_t at);

/* "SOFT", ...; "UNKNOWN" for anything else */
const char *ngx_f1_replay_session_compound_name(unsigned compound);

/* the compound named as in the archive ("SOFT", "TEST_UNKNOWN", ...) */
ngx_f1_replay_compound_e ngx_f1_replay_session_compound(const char *name);

/*
 * "Dutch Grand Prix, Race, 2025-08-31T15:00:00": the session the
 * archive is of, whoever stores it where, NUL-terminated in buf
 * (truncated to size)
 */
void ngx_f1_replay_session_id(const ngx_f1_replay_session_t *s, char *buf,
    size_t size);

/*
 * The start of the formation lap, found in the car data before
 * lights-out (the field moving, then standing on the grid), or NO_TIME
 */
int32_t ngx_f1_replay_session_formation(const ngx_f1_replay_session_t *s);

/* the moment the leader began lap n (1 is lights-out), or NO_TIME */
int32_t ngx_f1_replay_session_lap_start(const ngx_f1_replay_session_t *s,
    unsigned lap);

/* the track status in force at t, NULL before the first */
const ngx_f1_replay_track_status_t *ngx_f1_replay_session_track_status(
    const ngx_f1_replay_session_t *s, int32_t t);

/* the leader's lap (LapCount) at t, 0 before the first */
unsigned ngx_f1_replay_session_lap_at(const ngx_f1_replay_session_t *s,
    int32_t t);

/* the number of events with t <= at */
uint32_t ngx_f1_replay_session_events_upto(const ngx_f1_replay_session_t *s,
    int32_t at);


#endif /* _NGX_F1_REPLAY_SESSION_H_INCLUDED_ */
