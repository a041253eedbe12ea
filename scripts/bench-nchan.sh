#!/usr/bin/env bash
#
# The same WebSocket benchmark as scripts/bench-ws.sh, against Debian's
# nchan module (libnginx-mod-nchan) instead of ours: the distribution's
# nginx with 2 workers and nchan, a publisher pushing the Dutch GP frames
# (the module's own full frames, precomputed with f1-replay-inspect --frame
# from lights-out 00:10:00.000, 20 ms apart) at 50 Hz over one keep-alive
# HTTP connection, and f1-replay-load subscribed over WebSocket, all on
# 127.0.0.1.  The publisher rewrites "tick" (a running counter) and "sent"
# (Unix ms, three decimals, taken just before the POST is written), so
# the load client measures ticks, jitter and lateness exactly as it does
# for the module.  Then it runs scripts/bench-ws.sh with the same counts
# and duration and prints both side by side.
#
#   scripts/bench-nchan.sh [SECONDS [N ...]]   default: 10 s; 100 500 1000 1500 2000
#
# Environment:
#   F1_REPLAY_DATA      archives (default ../shared/data)
#   BENCH_NCHAN_PORT    nchan's port (default: a free one; bench-ws.sh
#                       finds one itself unless BENCH_PORT is set; both
#                       listen with reuseport, so a port that is in use
#                       is refused)
#   BENCH_NCHAN_QUIET   seconds to wait, before each run, for other work
#                       on the machine to end (default 60; 0: do not wait)
#   BENCH_NCHAN_FRAMES  frames to precompute (default 3000 = 60 s; the
#                       publisher loops them, tick keeps counting)
#   BENCH_NCHAN_WS=0    do not run scripts/bench-ws.sh (nchan table only)
#
# Columns are bench-ws.sh's.  For nchan, us/msg is the nginx workers' CPU
# (utime + stime, as bench-ws.sh) over the load run per delivered frame;
# it includes nchan's handling of the ~50 publish POSTs a second (the
# ingest that the module does not need: it encodes frames itself).  That
# ingest is also measured alone, before the clients connect, with the
# publisher running and no subscriber (ingest_us: workers' CPU per POST,
# from /proc/PID/schedstat).  The publisher's own CPU and its timing
# (lateness against its 20 ms schedule, POST round trip) are reported
# separately and are not counted as server cost.
#
# nchan: publisher location 127.0.0.1 only, subscriber websocket, one
# channel, nchan_message_buffer_length 5, nchan_message_timeout 5s,
# nchan_subscriber_first_message newest (a live feed: a client gets the
# frames published after it subscribed).  nchan sends each message body
# as is in one text frame (checked before the runs).  Known difference:
# nchan does not set TCP_NODELAY on its WebSocket connections.
#
# apt-get install of libnginx-mod-nchan, when missing, is the only change
# outside the repository (the package itself enables the module for the
# system nginx in /etc/nginx/modules-enabled; this script only uses
# load_module in its private config under build/bench-nchan).

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/bench-lib.sh"
SECONDS_PER_RUN=${1:-10}
shift || true
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(100 500 1000 1500 2000)
PORT=${BENCH_NCHAN_PORT:-$(bench_free_port)}
QUIET=${BENCH_NCHAN_QUIET:-60}
NFRAMES=${BENCH_NCHAN_FRAMES:-3000}
RUN_WS=${BENCH_NCHAN_WS:-1}
DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
DATA=$(cd "$DATA" && pwd)
SESSION=$DATA/2025-dutch-grand-prix-race
RUN=$ROOT/build/bench-nchan
LOAD=$ROOT/build/tools/f1-replay-load
INSPECT=$ROOT/build/tools/f1-replay-inspect
PUB=$ROOT/build/tools/f1-nchan-pub
FRAMES=$RUN/frames-$NFRAMES.json
HZ=50
FIRST_MS=600000         # 00:10:00.000, lights out

case $SECONDS_PER_RUN in ''|*[!0-9]*|0) echo "bad SECONDS" >&2; exit 2 ;; esac
[ "$SECONDS_PER_RUN" -le 300 ] || { echo "SECONDS <= 300" >&2; exit 2; }
for n in "${COUNTS[@]}"; do
    case $n in ''|*[!0-9]*) echo "bad N: $n" >&2; exit 2 ;; esac
    if [ "$n" -lt 1 ] || [ "$n" -gt 20000 ]; then
        echo "N: 1..20000" >&2
        exit 2
    fi
done
case $NFRAMES in ''|*[!0-9]*|0) echo "bad BENCH_NCHAN_FRAMES" >&2; exit 2 ;; esac
case $QUIET in ''|*[!0-9]*) echo "bad BENCH_NCHAN_QUIET" >&2; exit 2 ;; esac

mkdir -p "$RUN/logs"

# --- 1. nchan --------------------------------------------------------------

find_nchan() {
    local d
    for d in /usr/lib/nginx/modules /usr/share/nginx/modules; do
        if [ -f "$d/ngx_nchan_module.so" ]; then
            echo "$d/ngx_nchan_module.so"
            return 0
        fi
    done
    return 1
}

NCHAN_SO=$(find_nchan) || {
    echo "# installing libnginx-mod-nchan" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends libnginx-mod-nchan \
        >/dev/null 2>&1 || {
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends libnginx-mod-nchan \
            >/dev/null
    }
    NCHAN_SO=$(find_nchan)
} || { echo "ngx_nchan_module.so not found" >&2; exit 1; }

# --- tools: load client, inspect, publisher -------------------------------

"$ROOT/scripts/deps.sh" build >/dev/null
make -s -C "$ROOT/scripts/tools" "$LOAD" "$PUB" >/dev/null

# the inspect tool is built from the module's sources; when they do not
# build right now (work in progress) an existing binary is good enough
if ! make -s -C "$ROOT/scripts/tools" "$INSPECT" >/dev/null 2>"$RUN/make-inspect.err"
then
    [ -x "$INSPECT" ] || { cat "$RUN/make-inspect.err" >&2; exit 1; }
    echo "# warning: f1-replay-inspect does not build now; using the" \
         "existing binary" >&2
fi

# --- 2. frames -------------------------------------------------------------

if [ ! -s "$FRAMES" ] || [ "$INSPECT" -nt "$FRAMES" ]; then
    # shellcheck disable=SC2046
    "$INSPECT" "$SESSION" --frame \
        $(seq "$FIRST_MS" 20 $((FIRST_MS + 20 * (NFRAMES - 1)))) \
        > "$FRAMES.tmp"
    [ "$(wc -l < "$FRAMES.tmp")" -eq "$NFRAMES" ] || {
        echo "f1-replay-inspect: expected $NFRAMES frames" >&2; exit 1; }
    mv "$FRAMES.tmp" "$FRAMES"
fi
FRAME_BYTES=$(awk '{ b += length($0) } END { printf "%d", b / NR }' "$FRAMES")

# --- 3. nginx + nchan ------------------------------------------------------

cat > "$RUN/nginx.conf" <<END
load_module $NCHAN_SO;
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
    # a 2 KB frame, at most 5 of them kept: 64 MB is far more than the
    # channel, its messages and the subscriber bookkeeping need
    nchan_shared_memory_size 64m;
    keepalive_requests 1000000;
    client_body_buffer_size 64k;
    client_max_body_size 64k;
    server {
        listen 127.0.0.1:$PORT reuseport;
        location = /pub {
            allow 127.0.0.1;
            deny all;
            nchan_publisher http;
            nchan_channel_id f1;
            nchan_message_buffer_length 5;
            nchan_message_timeout 5s;
        }
        location = /ws {
            nchan_subscriber websocket;
            nchan_channel_id f1;
            nchan_subscriber_first_message newest;
        }
    }
}
END

MASTER=
PUBPID=
WORKERS=

# an nginx left over by an interrupted earlier run of this script
old=$(cat "$RUN/logs/nginx.pid" 2>/dev/null || true)
if [ -n "$old" ] && tr '\0' ' ' < "/proc/$old/cmdline" 2>/dev/null \
       | grep -qF -- "-p $RUN/ "; then
    kill -QUIT "$old" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$old" ] || break; sleep 0.1; done
fi
rm -f "$RUN/logs/nginx.pid"

start_nginx() {
    if bench_port_busy "$PORT"; then
        echo "127.0.0.1:$PORT is in use (BENCH_NCHAN_PORT)" >&2
        exit 1
    fi
    /usr/sbin/nginx -p "$RUN/" -c "$RUN/nginx.conf" &
    MASTER=$!
    WORKERS=
    for _ in $(seq 50); do
        WORKERS=$(pgrep -P "$MASTER" | tr '\n' ' ' || true)
        [ "$(echo "$WORKERS" | wc -w)" -ge 2 ] && break
        sleep 0.1
    done
    [ "$(echo "$WORKERS" | wc -w)" -ge 2 ] || {
        echo "nginx did not start:" >&2
        tail -5 "$RUN/logs/error.log" >&2
        exit 1
    }
    sleep 0.5
}

# publisher for at most $1 seconds, its report into $2
start_pub() {
    "$PUB" "$FRAMES" "$PORT" /pub "$1" "$HZ" $((FIRST_MS / 20)) > "$2" 2>&1 &
    PUBPID=$!
}

stop_pub() {
    [ -n "$PUBPID" ] || return 0
    kill -TERM "$PUBPID" 2>/dev/null || true
    wait "$PUBPID" 2>/dev/null || true
    PUBPID=
}

stop_nginx() {
    [ -n "$MASTER" ] || return 0
    kill -QUIT "$MASTER" 2>/dev/null || true
    wait "$MASTER" 2>/dev/null || true
    MASTER=
}

SAMPLER=

cleanup() {
    stop_pub
    stop_nginx
    if [ -n "$SAMPLER" ]; then
        kill "$SAMPLER" 2>/dev/null || true
        wait "$SAMPLER" 2>/dev/null || true
        SAMPLER=
    fi
}

trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_ns() {
    local p t=0
    for p in $WORKERS; do
        t=$((t + $(awk '{print $1}' "/proc/$p/schedstat")))
    done
    echo $t
}

rss_kb() {
    local p t=0
    for p in $WORKERS; do
        t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status")))
    done
    echo $t
}

errors_in_log() {
    grep -cE '\[(error|crit|alert|emerg)\]' "$RUN/logs/error.log" || true
}

# Other work on the machine (builds, fuzzers, tests of other engineers)
# skews every number here.  A sampler prints, about once a second,
# "UNIX_TIME FOREIGN BUSY": CPU ticks used on the whole machine (/proc/stat)
# and the part of them not used by this script's process tree (nginx,
# publisher, load client, bench-ws.sh and all they start; a reaped
# process's time is in its parent's cutime/cstime, so the tree's total
# only grows).  "other%" is that foreign CPU in % of all cores.

FOREIGN=$RUN/foreign.txt
: > "$FOREIGN"
awk -v root=$$ '
function now(  t, c) {
    c = "date +%s.%N"; c | getline t; close(c); return t
}
BEGIN {
    pt = -1
    for (;;) {
        getline l < "/proc/stat"; close("/proc/stat")
        split(l, f, " ")
        busy = f[2] + f[3] + f[4] + f[7] + f[8] + f[9]
        split("", par); split("", cpu)
        c = "exec ls /proc"
        while ((c | getline p) > 0) {
            if (p !~ /^[0-9]+$/) continue
            fn = "/proc/" p "/stat"
            if ((getline st < fn) > 0) {
                sub(/^.*\) /, "", st)
                split(st, a, " ")
                par[p] = a[2]; cpu[p] = a[12] + a[13] + a[14] + a[15]
            }
            close(fn)
        }
        close(c)
        tree = 0
        for (p in par) {
            q = p
            for (d = 0; d < 64 && q != root && (q in par); d++) q = par[q]
            if (q == root) tree += cpu[p]
        }
        t = now()
        if (pt >= 0) {
            fo = (busy - pb) - (tree - pt)
            printf "%s %d %d\n", t, (fo > 0 ? fo : 0), busy - pb
            fflush()
        }
        pt = tree; pb = busy
        system("sleep 1")
    }
}' >> "$FOREIGN" 2>/dev/null &
SAMPLER=$!

NCPU=$(nproc)
CLK=$(getconf CLK_TCK)

# foreign CPU in % of the machine between two Unix times
other_pct() {
    awk -v t0="$1" -v t1="$2" -v n="$NCPU" -v hz="$CLK" '
        $1 > t0 && $1 <= t1 + 0.5 { f += $2 }
        END { d = t1 - t0; printf "%.1f", (d > 0 ? f / (d * n * hz) * 100 : 0) }
    ' "$FOREIGN"
}

# wait (at most QUIET s) until two successive samples show < 10 % foreign
# CPU
wait_quiet() {
    local i q
    [ "$QUIET" -gt 0 ] || return 0
    for i in $(seq "$QUIET"); do
        q=$(tail -2 "$FOREIGN" | awk -v n="$NCPU" -v hz="$CLK" '
            { if ($2 < 0.1 * n * hz) k++ } END { print (NR == 2 && k == 2) }')
        [ "$q" = 1 ] && return 0
        [ "$i" = 3 ] && echo "# waiting for other work on the machine to" \
            "end (at most $QUIET s)" >&2
        sleep 1
    done
    echo "# warning: the machine is still busy with other work" >&2
}

sleep 2.2

# --- check: nchan delivers the body as is, one text frame per POST ---------

: > "$RUN/logs/error.log"
start_nginx
start_pub 4 "$RUN/pub-check.txt"
sleep 0.3
"$LOAD" -n 1 -t 2 "ws://127.0.0.1:$PORT/ws" > "$RUN/load-check.txt" 2>&1 || true
stop_pub
stop_nginx
check_frames=$(bench_field frames "$RUN/load-check.txt")
check_bad=0
for k in msg_other msg_untyped msg_binary msg_bad_json msg_bad_frame; do
    v=$(bench_field "$k" "$RUN/load-check.txt")
    check_bad=$((check_bad + ${v:-1}))
done
largest=$(sed -n 's/.*largest \([0-9]*\) bytes.*/\1/p' "$RUN/load-check.txt")
if [ "${check_frames:-0}" -lt 50 ] || [ "$check_bad" -ne 0 ]; then
    echo "check failed: the load client does not see nchan's messages as" \
         "frames:" >&2
    cat "$RUN/load-check.txt" "$RUN/pub-check.txt" >&2
    exit 1
fi

# --- 4/5. runs -------------------------------------------------------------

hz=$(getconf CLK_TCK)
row() {
    printf '%6s %-9s %7s %7s %7s %7s %8s %8s %8s %7s %9s %10s %6s\n' "$@"
}
HEAD=$(row clients server ticks% 'ok>=98%' jit_p50 jit_p99 late_p50 \
       late_p99 late_max us/msg KB/client B/client/s other%)
NCHAN_VERSION=$(dpkg-query -W -f '${Version}' libnginx-mod-nchan \
                2>/dev/null || echo '?')

{
echo "# nchan WebSocket benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $(nproc) cores, $(awk -F': *' '/^model name/ {print $2; exit}' \
/proc/cpuinfo), nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'), nchan" \
"$NCHAN_VERSION, 2 workers"
echo "# Dutch GP full frames ($NFRAMES precomputed, mean $FRAME_BYTES B)," \
     "published at $HZ Hz over HTTP keep-alive, ${SECONDS_PER_RUN} s per" \
     "run, load client on the same machine"
echo "# check: 1 client, $check_frames frames, largest $largest B, text," \
     "raw JSON (no nchan wrapping)"
echo "$HEAD"
} | tee "$RUN/nchan.txt"

printf '%6s %7s %7s %8s %8s %8s %8s %8s %8s %8s %8s %5s\n' clients \
    ingest_us pub_cpu pub_l50 pub_l99 pub_lmax pub_j99 rtt_p50 rtt_p99 \
    rtt_max posts errs > "$RUN/pub.txt"
echo "$HEAD" > "$RUN/nchan-rows.txt"

for n in "${COUNTS[@]}"; do
    wait_quiet
    : > "$RUN/logs/error.log"
    start_nginx
    ramp=$(( (n + 1999) / 2000 ))
    start_pub $((SECONDS_PER_RUN + ramp + 15)) "$RUN/pub-$n.txt"
    "$LOAD" -q -n 2 -t 1 "ws://127.0.0.1:$PORT/ws" > /dev/null 2>&1 || true

    # ingest alone: publisher running, no subscriber
    i0=$(cpu_ns)
    sleep 2
    i1=$(cpu_ns)
    ingest=$(awk -v d=$((i1 - i0)) -v p=$((2 * HZ)) \
             'BEGIN { printf "%.1f", d / 1000 / p }')

    rss0=$(rss_kb)
    c0=$(bench_cpu_ticks $WORKERS)
    t0=$(date +%s.%N)
    out=$RUN/load-$n.txt
    "$LOAD" -q -n "$n" -t "$SECONDS_PER_RUN" -r 2000 \
        "ws://127.0.0.1:$PORT/ws" > "$out" 2>&1 &
    lp=$!
    sleep $(( SECONDS_PER_RUN / 2 + 1 ))
    rss1=$(rss_kb)
    wait $lp || true
    c1=$(bench_cpu_ticks $WORKERS)
    t1=$(date +%s.%N)
    stop_pub
    errs=$(errors_in_log)
    stop_nginx

    p=$RUN/pub-$n.txt
    printf '%6s %7s %7s %8s %8s %8s %8s %8s %8s %8s %8s %5s\n' "$n" \
        "$ingest" "$(bench_field cpu_us_per_post "$p")" \
        "$(bench_field late_p50_us "$p")" "$(bench_field late_p99_us "$p")" \
        "$(bench_field late_max_us "$p")" "$(bench_field jit_p99_us "$p")" \
        "$(bench_field rtt_p50_us "$p")" "$(bench_field rtt_p99_us "$p")" \
        "$(bench_field rtt_max_us "$p")" \
        "$(bench_field posts "$p")/$(bench_field failed "$p")" "$errs" \
        >> "$RUN/pub.txt"

    frames=$(bench_field frames "$out")
    [ -n "$frames" ] || { echo "$n: load client failed:"; tail -5 "$out"; continue; }
    msgs=$frames
    us=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v m="$msgs" \
         'BEGIN { printf "%.2f", m ? t / hz * 1e6 / m : 0 }')
    line=$(row "$n" nchan \
        "$(awk -v f="$(bench_field tick_fraction "$out")" \
           'BEGIN { printf "%.2f", f * 100 }')" \
        "$(bench_field clients_98 "$out")" \
        "$(bench_field jitter_p50_ms "$out")" \
        "$(bench_field jitter_p99_ms "$out")" \
        "$(bench_field late_p50_ms "$out")" \
        "$(bench_field late_p99_ms "$out")" \
        "$(bench_field late_max_ms "$out")" "$us" \
        "$(( (rss1 - rss0) / n ))" \
        "$(bench_field client_bps_p50 "$out")" "$(other_pct "$t0" "$t1")")
    echo "$line" | tee -a "$RUN/nchan.txt"
    echo "$line" >> "$RUN/nchan-rows.txt"
    if grep -q 'client_saturated=1' "$out"; then
        echo "# $n: the load client used > 90% of a core" \
            | tee -a "$RUN/nchan.txt"
    fi
done

{
echo
echo "# publisher (not counted as server cost) and nchan's ingest alone:"
echo "#   ingest_us  nginx workers' CPU per POST, no subscriber (2 s)"
echo "#   pub_cpu    publisher CPU per POST, us; pub_l* lateness of the"
echo "#              write against the 20 ms schedule, us; pub_j99 p99"
echo "#              |interval - 20 ms|, us; rtt_* POST round trip, us;"
echo "#              posts/failed; errs: [error]+ lines in nginx's log"
cat "$RUN/pub.txt"
} | tee -a "$RUN/nchan.txt"

# --- 6. ours, then both ----------------------------------------------------

[ "$RUN_WS" != 0 ] || exit 0

stop_nginx
echo
echo "# scripts/bench-ws.sh $SECONDS_PER_RUN ${COUNTS[*]}"
if [ -n "${BENCH_PORT:-}" ] && bench_port_busy "$BENCH_PORT"; then
    echo "# 127.0.0.1:$BENCH_PORT is in use: not running" \
         "bench-ws.sh (set another BENCH_PORT)"
    exit 1
fi
wait_quiet

# each line with the time it came: a count's row closes its window (the
# previous line opens it: nginx start, warm-up and the load run)
stamp() {
    local l
    while IFS= read -r l; do
        printf '%s %s\n' "$(date +%s.%N)" "$l" >> "$RUN/bench-ws.stamped"
        printf '%s\n' "$l"
    done
}
: > "$RUN/bench-ws.stamped"
set -o pipefail
# (its optional variants table is not part of this comparison)
if ! env -u BENCH_VARIANTS "$ROOT/scripts/bench-ws.sh" "$SECONDS_PER_RUN" \
        "${COUNTS[@]}" 2>&1 \
        | stamp | tee "$RUN/bench-ws.txt"; then
    echo "# scripts/bench-ws.sh failed; nchan's table is in $RUN/nchan.txt"
    exit 1
fi
set +o pipefail

echo
echo "# side by side: f1_replay = ngx_f1_replay_module (bench-ws.sh)," \
     "nchan = libnginx-mod-nchan + 50 Hz publisher"
echo "# other%: CPU used by other work on the machine during the run, in %" \
     "of all $NCPU cores (not this benchmark's processes)"
echo "$HEAD"
for n in "${COUNTS[@]}"; do
    ws=$(awk -v n="$n" '$2 == n && NF == 12 { print; exit }' \
         "$RUN/bench-ws.stamped")
    if [ -n "$ws" ]; then
        read -r -a w <<< "$ws"
        tw0=$(awk -v n="$n" '$2 == n && NF == 12 { print prev; exit }
                             { prev = $1 }' "$RUN/bench-ws.stamped")
        row "${w[1]}" f1_replay "${w[@]:2}" "$(other_pct "$tw0" "${w[0]}")"
    else
        printf '%6s %-9s (no result)\n' "$n" f1_replay
    fi
    nc=$(awk -v n="$n" '$1 == n && $2 == "nchan"' "$RUN/nchan-rows.txt" \
         | tail -1)
    if [ -n "$nc" ]; then
        echo "$nc"
    else
        printf '%6s %-9s (no result)\n' "$n" nchan
    fi
done
