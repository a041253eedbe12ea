#!/usr/bin/env bash
#
# WebSocket benchmark: nginx (the distribution's, with the module) with 2
# workers streams the Dutch GP at 50 Hz, full frames, to f1-replay-load on
# the same machine (127.0.0.1 only).  For each client count it prints the
# share of ticks received, clients with >= 98 % of ticks, jitter and
# delivery lateness percentiles, server CPU microseconds per delivered
# message, worker memory per client and bytes per client per second.
#
#   scripts/bench-ws.sh [SECONDS [N ...]]    default: 10 s; 100 500 1000 1500 2000
#
# With BENCH_VARIANTS set, a second table follows: one run per variant at
# one client count, with the share of ticks received, lateness, server CPU
# per delivered message (every message: frames, hello, state, replies,
# events), bytes per client per second on the wire and per frame message
# on the wire, and a check that the variant was really in use (share of
# compact frames, connections with permessage-deflate accepted).  A variant
# is words joined by "+": json (the default format), compact (subscribe
# with "format":"compact"), deflate (offer permessage-deflate), rN (subscribe
# with "rate":N), e.g.
#
#   BENCH_VARIANTS="json compact deflate compact+deflate" \
#       scripts/bench-ws.sh 10 1000
#
# Environment: F1_REPLAY_DATA (default ../shared/data), BENCH_PORT (8798),
# BENCH_VARIANTS (none), BENCH_VARIANT_CLIENTS (1000),
# BENCH_VARIANT_SECONDS (10).

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_RUN=${1:-10}
shift || true
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(100 500 1000 1500 2000)
PORT=${BENCH_PORT:-8798}
DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
DATA=$(cd "$DATA" && pwd)
RUN=$ROOT/build/bench-ws
LOAD=$ROOT/build/tools/f1-replay-load
read -ra VARIANTS <<< "${BENCH_VARIANTS:-}"
VARIANT_N=${BENCH_VARIANT_CLIENTS:-1000}
VARIANT_SECONDS=${BENCH_VARIANT_SECONDS:-10}

# a variant's load client options in VARGS, what it should show in WANT_*

variant_args() {
    local tok fmt='' rate='' msg
    local -a toks
    VARGS=()
    WANT_COMPACT=0
    WANT_DEFLATE=0
    IFS=+ read -ra toks <<< "$1"
    [ ${#toks[@]} -gt 0 ] || return 1
    for tok in "${toks[@]}"; do
        case $tok in
        json) fmt=json ;;
        compact) fmt=compact; WANT_COMPACT=1 ;;
        deflate) VARGS+=(-z); WANT_DEFLATE=1 ;;
        r[1-9]|r[1-9][0-9]|r[1-9][0-9][0-9]) rate=${tok#r} ;;
        *) return 1 ;;
        esac
    done
    if [ "$fmt" = compact ] || [ -n "$rate" ]; then
        msg='{"type":"subscribe"'
        [ "$fmt" != compact ] || msg+=',"format":"compact"'
        [ -z "$rate" ] || msg+=",\"rate\":$rate"
        VARGS+=(-m "$msg}")
    fi
}

for v in "${VARIANTS[@]}"; do
    variant_args "$v" || {
        echo "bench-ws: unknown variant \"$v\" (json, compact, deflate," \
             "rN, joined by +)" >&2
        exit 2
    }
done
case $VARIANT_N$VARIANT_SECONDS in
*[!0-9]*) echo "bench-ws: BENCH_VARIANT_CLIENTS and BENCH_VARIANT_SECONDS" \
               "must be whole numbers" >&2; exit 2 ;;
esac

"$ROOT/scripts/deps.sh" build >/dev/null
"$ROOT/scripts/build-module.sh" >/dev/null
make -s -C "$ROOT/scripts/tools" "$LOAD" >/dev/null

mkdir -p "$RUN/logs"
cat > "$RUN/nginx.conf" <<END
load_module $ROOT/build/dynamic/ngx_f1_replay_module.so;
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile $(ulimit -Hn);
error_log $RUN/logs/error.log notice;
pid $RUN/logs/nginx.pid;
events {
    worker_connections 20000;
}
http {
    access_log off;
    f1_replay_session dutch
        path=$DATA/2025-dutch-grand-prix-race zone=dutch:64m;
    server {
        listen 127.0.0.1:$PORT reuseport;
        location = /ws {
            f1_replay dutch;
        }
    }
}
END

# a fresh nginx per client count, so that memory per client is measured
# from a clean worker (after one client has touched the session's pages)

MASTER=
start_nginx() {
    /usr/sbin/nginx -p "$RUN/" -c "$RUN/nginx.conf" &
    MASTER=$!
    for _ in $(seq 50); do
        WORKERS=$(pgrep -P $MASTER | tr '\n' ' ')
        [ "$(echo $WORKERS | wc -w)" -ge 2 ] && break
        sleep 0.1
    done
    sleep 0.5
    "$LOAD" -q -n 2 -t 1 "ws://127.0.0.1:$PORT/ws" > /dev/null 2>&1 || true
}

stop_nginx() {
    [ -n "$MASTER" ] || return 0
    kill -QUIT $MASTER 2>/dev/null || true
    wait $MASTER 2>/dev/null || true
    MASTER=
}

trap stop_nginx EXIT

cpu_ticks() {
    local p t=0
    for p in $WORKERS; do
        t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat)))
    done
    echo $t
}

rss_kb() {
    local p t=0
    for p in $WORKERS; do
        t=$((t + $(awk '/^VmRSS/ {print $2}' /proc/$p/status)))
    done
    echo $t
}

field() {
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"
}

# run_one N SECONDS OUT [load options...]: a fresh nginx, the load client,
# server CPU ticks in CPU_T and worker RSS growth (kB) in RSS_D

run_one() {
    local n=$1 secs=$2 out=$3 lp rss0 rss1 c0 c1
    shift 3
    start_nginx
    rss0=$(rss_kb)
    c0=$(cpu_ticks)
    "$LOAD" -q -n "$n" -t "$secs" -r 2000 "$@" \
        "ws://127.0.0.1:$PORT/ws" > "$out" 2>&1 &
    lp=$!
    sleep $(( secs / 2 + 1 ))
    rss1=$(rss_kb)
    wait $lp || true
    c1=$(cpu_ticks)
    CPU_T=$((c1 - c0))
    RSS_D=$((rss1 - rss0))
    stop_nginx
}

hz=$(getconf CLK_TCK)
echo "# f1-replay WebSocket benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $(nproc) cores, $(awk -F': *' '/^model name/ {print $2; exit}' \
/proc/cpuinfo), nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'), 2 workers"
echo "# Dutch GP, full frames, 50 Hz, ${SECONDS_PER_RUN} s per run, load" \
     "client on the same machine"
printf '%6s %9s %8s %8s %8s %8s %8s %8s %9s %8s %10s\n' clients ticks% \
    'ok>=98%' jit_p50 jit_p99 late_p50 late_p99 late_max us/msg \
    KB/client B/client/s

for n in "${COUNTS[@]}"; do
    out=$RUN/load-$n.txt
    run_one "$n" "$SECONDS_PER_RUN" "$out"
    frames=$(field frames "$out")
    [ -n "$frames" ] || {
        echo "$n: load client failed:"; tail -5 "$out"; continue
    }
    msgs=$((frames + 2 * $(field established "$out")))
    us=$(awk -v t=$CPU_T -v hz="$hz" -v m="$msgs" \
         'BEGIN { printf "%.2f", m ? t / hz * 1e6 / m : 0 }')
    printf '%6s %9s %8s %8s %8s %8s %8s %8s %9s %8s %10s\n' "$n" \
        "$(awk -v f="$(field tick_fraction "$out")" \
           'BEGIN { printf "%.2f", f * 100 }')" \
        "$(field clients_98 "$out")" "$(field jitter_p50_ms "$out")" \
        "$(field jitter_p99_ms "$out")" "$(field late_p50_ms "$out")" \
        "$(field late_p99_ms "$out")" "$(field late_max_ms "$out")" "$us" \
        "$(( RSS_D / (n > 0 ? n : 1) ))" \
        "$(field client_bps_p50 "$out")"
done

[ ${#VARIANTS[@]} -gt 0 ] || exit 0

echo
echo "# variants: $VARIANT_N clients, ${VARIANT_SECONDS} s per run;" \
     "us/msg = server CPU / all delivered messages;"
echo "# B/client/s and B/frame on the wire; compact% of frames," \
     "deflate = connections that negotiated it"
printf '%-20s %8s %8s %8s %8s %8s %10s %8s %8s %8s\n' variant ticks% \
    'ok>=98%' late_p50 late_p99 us/msg B/client/s B/frame compact% deflate

WARN=()
for v in "${VARIANTS[@]}"; do
    variant_args "$v"
    out=$RUN/variant-${v//+/-}.txt
    run_one "$VARIANT_N" "$VARIANT_SECONDS" "$out" ${VARGS[@]+"${VARGS[@]}"}
    frames=$(field frames "$out")
    [ -n "$frames" ] || {
        echo "$v: load client failed:"; tail -5 "$out"; continue
    }
    est=$(field established "$out")
    compact=$(field frames_compact "$out")
    dconns=$(field deflate_conns "$out")
    us=$(awk -v t=$CPU_T -v hz="$hz" -v m="$(field messages "$out")" \
         'BEGIN { printf "%.2f", m ? t / hz * 1e6 / m : 0 }')
    cpct=$(awk -v c="$compact" -v f="$frames" \
           'BEGIN { printf "%.1f", f ? c * 100 / f : 0 }')
    printf '%-20s %8s %8s %8s %8s %8s %10s %8s %8s %8s\n' "$v" \
        "$(awk -v f="$(field tick_fraction "$out")" \
           'BEGIN { printf "%.2f", f * 100 }')" \
        "$(field clients_98 "$out")" "$(field late_p50_ms "$out")" \
        "$(field late_p99_ms "$out")" "$us" \
        "$(field client_bps_p50 "$out")" \
        "$(awk -v b="$(field frame_wire_mean "$out")" \
           'BEGIN { printf "%.0f", b }')" \
        "$cpct" "$dconns/$est"

    # the variant must really be in use, and nothing refused or broken
    if [ $WANT_COMPACT = 1 ] \
       && awk -v p="$cpct" 'BEGIN { exit !(p < 99) }'; then
        WARN+=("$v: only $cpct% of the frames were compact")
    fi
    if [ $WANT_COMPACT = 0 ] && [ "$compact" != 0 ]; then
        WARN+=("$v: $compact compact frames without asking for them")
    fi
    if [ $WANT_DEFLATE = 1 ] && [ "$dconns" != "$est" ]; then
        WARN+=("$v: permessage-deflate on $dconns of $est connections")
    fi
    for k in msg_error msg_bad_json msg_bad_frame z_errors failed; do
        [ "$(field $k "$out")" = 0 ] || \
            WARN+=("$v: $k=$(field $k "$out") (see $out)")
    done
    [ "$(field close_codes "$out")" = - ] || \
        WARN+=("$v: closed by the server: $(field close_codes "$out")")
done

for w in ${WARN[@]+"${WARN[@]}"}; do
    echo "# WARNING $w"
done
