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
# Environment: F1_REPLAY_DATA (default ../shared/data), BENCH_PORT (8798).

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

"$ROOT/scripts/deps.sh" build >/dev/null
"$ROOT/scripts/build-module.sh" >/dev/null
make -s -C "$ROOT/scripts" "$LOAD" >/dev/null

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
    start_nginx
    rss0=$(rss_kb)
    c0=$(cpu_ticks)
    out=$RUN/load-$n.txt
    "$LOAD" -q -n "$n" -t "$SECONDS_PER_RUN" -r 2000 \
        "ws://127.0.0.1:$PORT/ws" > "$out" 2>&1 &
    lp=$!
    sleep $(( SECONDS_PER_RUN / 2 + 1 ))
    rss1=$(rss_kb)
    wait $lp || true
    c1=$(cpu_ticks)
    frames=$(field frames "$out")
    msgs=$((frames + 2 * $(field established "$out")))
    [ -n "$frames" ] || { echo "$n: load client failed:"; tail -5 "$out"; continue; }
    us=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v m="$msgs" \
         'BEGIN { printf "%.2f", m ? t / hz * 1e6 / m : 0 }')
    printf '%6s %9s %8s %8s %8s %8s %8s %8s %9s %8s %10s\n' "$n" \
        "$(awk -v f="$(field tick_fraction "$out")" \
           'BEGIN { printf "%.2f", f * 100 }')" \
        "$(field clients_98 "$out")" "$(field jitter_p50_ms "$out")" \
        "$(field jitter_p99_ms "$out")" "$(field late_p50_ms "$out")" \
        "$(field late_p99_ms "$out")" "$(field late_max_ms "$out")" "$us" \
        "$(( (rss1 - rss0) / (n > 0 ? n : 1) ))" \
        "$(field client_bps_p50 "$out")"
    stop_nginx
done
