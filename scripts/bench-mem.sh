#!/usr/bin/env bash
#
# Worker memory per connected WebSocket client: nginx (the distribution's,
# with the module) with 2 workers, the Dutch GP, N clients (10,000 by
# default) of f1-replay-load subscribed at rate 1
# ({"type":"subscribe","rate":1}), in two modes, a fresh nginx for each:
#
#   after   the subscribe is sent once the 101 has been read
#   same    the subscribe goes in the same write as the handshake (-M):
#           nginx finds it in the buffer it read the request into
#
# For each mode it prints, summed over the two workers, before the
# clients and with all of them connected, and per client:
#
#   heap    bytes in use in malloc (glibc mallinfo2(): uordblks + hblkhd,
#           read with gdb from each worker): exactly what nginx and the
#           module allocated (pools, buffers, the module's structures);
#           without gdb this column is "-"
#   anon    private anonymous memory (Anonymous in /proc/PID/smaps_rollup):
#           the heap's touched pages, and the touched part of nginx's
#           preallocated connection and event arrays (about 430 bytes
#           per connection, allocated at start for worker_connections)
#   rss     VmRSS: anon plus file pages and the session zone's shared pages
#
# Kernel socket buffers are in none of them (they are kernel memory); the
# TCP memory of the whole machine (/proc/net/sockstat "mem", pages) is
# printed beside, for scale.  Each worker starts with about 20-35 MB of
# free heap inherited from the master (the archive loader's, freed but not
# returned to the system); new allocations would reuse those resident
# pages and not show in anon or rss, so before the first snapshot the
# script has each worker call malloc_trim(0) (through gdb): anon and rss
# then grow with what the clients really use.  Without gdb, anon and rss
# growth understate it.
#
#   scripts/bench-mem.sh [CLIENTS [SECONDS]]   default 10000 clients, 10 s
#
# Environment: F1_REPLAY_DATA (default ../shared/data), BENCH_MODES
# ("after same"), BENCH_RAMP (2000 connections a second), BENCH_TLS (1:
# wss://, nginx with a self-signed certificate made in build/bench-mem;
# the load client does not verify it).  The load client raises its own
# file limit; nginx gets worker_rlimit_nofile of the hard limit, which
# must exceed CLIENTS.  Logs: build/bench-mem/.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000}
HOLD=${2:-10}
DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
RUN=$ROOT/build/bench-mem
LOAD=$ROOT/build/tools/f1-replay-load
RAMP=${BENCH_RAMP:-2000}
read -ra MODES <<< "${BENCH_MODES:-after same}"
TLS=${BENCH_TLS:-0}
MSG='{"type":"subscribe","rate":1}'

die() { echo "bench-mem: $*" >&2; exit 1; }

. "$ROOT/scripts/bench-lib.sh"

case "$N$HOLD$RAMP" in
*[!0-9]*|'') die "usage: $0 [CLIENTS [SECONDS]] (whole numbers)" ;;
esac
[ "$N" -ge 1 ] && [ "$N" -le 20000 ] || die "CLIENTS: 1..20000"
for m in "${MODES[@]}"; do
    case $m in after|same) ;; *) die "unknown mode \"$m\" (after, same)" ;;
    esac
done
[ -d "$DATA/2025-dutch-grand-prix-race" ] \
    || die "no $DATA/2025-dutch-grand-prix-race (set F1_REPLAY_DATA)"
DATA=$(cd "$DATA" && pwd)

# limits that apply here: file descriptors of nginx and of the load
# client (it raises its soft limit to the hard one), local ports

NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
[ "$NOFILE" -gt $((N + 100)) ] \
    || die "the hard file limit ($NOFILE) must exceed $N clients + 100"
read -r plo phi < /proc/sys/net/ipv4/ip_local_port_range
[ $((phi - plo)) -gt "$N" ] \
    || die "only $((phi - plo)) local ports (ip_local_port_range)"

GDB=$(command -v gdb || true)

"$ROOT/scripts/deps.sh" build >/dev/null
"$ROOT/scripts/build-module.sh" >/dev/null
make -s -C "$ROOT/scripts/tools" "$LOAD" >/dev/null

# a free port: bound to 127.0.0.1:0 and released
PORT=$(bench_free_port)

mkdir -p "$RUN/logs"

SCHEME=ws
LISTEN_SSL=
if [ "$TLS" = 1 ]; then
    SCHEME=wss
    LISTEN_SSL=" ssl"
    [ -f "$RUN/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes \
        -keyout "$RUN/key.pem" -out "$RUN/cert.pem" -days 30 \
        -subj /CN=localhost > /dev/null 2>&1 \
        || die "openssl req failed"
fi

cat > "$RUN/nginx.conf" <<END
$(bench_conf_main $NOFILE $((N + 1000)))
http {
    access_log off;
    f1_replay_session dutch
        path=$DATA/2025-dutch-grand-prix-race zone=dutch:64m;
    server {
        listen 127.0.0.1:$PORT reuseport$LISTEN_SSL;
$([ "$TLS" = 1 ] && printf '        %s\n' \
    "ssl_certificate $RUN/cert.pem;" "ssl_certificate_key $RUN/key.pem;")
        location = /ws {
            f1_replay dutch;
        }
        location = /status {
            f1_replay_status;
        }
    }
}
END

MASTER=
WORKERS=
start_nginx() {
    : > "$RUN/logs/error.log"
    bench_start_master "$RUN" "$PORT"
    MASTER=$M_PID
    WORKERS=$M_WORKERS
    # every worker touches the session's pages and its first allocations
    "$LOAD" -q -n 8 -t 1 -m "$MSG" "$SCHEME://127.0.0.1:$PORT/ws" \
        > /dev/null 2>&1 || true
    sleep 0.5
}

stop_nginx() {
    bench_stop_masters $MASTER
    MASTER=
}

LP=
cleanup() {
    [ -z "$LP" ] || kill $LP 2>/dev/null || true
    stop_nginx
}
trap cleanup EXIT

# heap bytes in use in a worker (mallinfo2), or nothing
heap_of() {
    [ -n "$GDB" ] || return 0
    "$GDB" -q -batch -p "$1" -ex 'print mallinfo2()' 2>/dev/null \
        | sed -n 's/.*hblkhd = \([0-9]*\).*uordblks = \([0-9]*\).*/\1 \2/p' \
        | awk '{ print $1 + $2 }'
}

# "heap anon_kB rss_kB tcp_pages" summed over the workers
snapshot() {
    local p h a=0 r=0 heap=0
    for p in $WORKERS; do
        h=$(heap_of $p)
        if [ -n "$h" ] && [ "$heap" != - ]; then
            heap=$((heap + h))
        else
            heap=-
        fi
        a=$((a + $(awk '/^Anonymous:/ {print $2}' /proc/$p/smaps_rollup)))
        r=$((r + $(awk '/^VmRSS:/ {print $2}' /proc/$p/status)))
    done
    echo "$heap $a $r $(sed -n 's/^TCP:.* mem \([0-9]*\).*/\1/p' \
                         /proc/net/sockstat)"
}

# the clients the workers have (the status gauge)
connected() {
    curl -sk "${SCHEME/ws/http}://127.0.0.1:$PORT/status" \
        | sed -n 's/.*"total":{"clients":\([0-9]*\).*/\1/p'
}

trim() {
    local p
    [ -n "$GDB" ] || return 0
    for p in $WORKERS; do
        "$GDB" -q -batch -p $p -ex 'call (int) malloc_trim(0)' \
            > /dev/null 2>&1 || true
    done
}

per() {   # per DELTA_BYTES -> bytes per client
    awk -v d="$1" -v n="$2" 'BEGIN { printf "%.0f", d / n }'
}

mb() {
    awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'
}

echo "# f1-replay worker memory per client, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $(nproc) cores, $(awk -F': *' '/^model name/ {print $2; exit}' \
/proc/cpuinfo), $(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' \
/proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), nginx \
$(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'), 2 workers"
echo "# $0 $N $HOLD: Dutch GP, $N clients at rate 1 ($MSG) over" \
     "$SCHEME://, ramp $RAMP/s, nofile $NOFILE, module" \
     "${F1_REPLAY_MODULE_DIR:-$(git -C "$ROOT" describe --always --dirty \
                                2>/dev/null || echo '?')}"
[ -n "$GDB" ] || echo "# no gdb: heap not measured, free inherited heap" \
                      "not trimmed (anon and rss understate)"
printf '%-6s %7s | %8s %8s %6s | %8s %8s %6s | %8s %8s %6s | %7s\n' \
    mode clients heap0_MB heap_MB B/cl anon0_MB anon_MB B/cl \
    rss0_MB rss_MB B/cl tcp_MB

for mode in "${MODES[@]}"; do
    args=(-m "$MSG")
    [ "$mode" = same ] && args+=(-M)

    start_nginx
    trim
    read -r h0 a0 r0 t0 < <(snapshot)

    out=$RUN/load-$mode.txt
    "$LOAD" -q -n "$N" -t $((HOLD + N / RAMP + 20)) -r "$RAMP" "${args[@]}" \
        "$SCHEME://127.0.0.1:$PORT/ws" > "$out" 2>&1 &
    LP=$!

    # every client connected and subscribed, then a few seconds more
    have=0
    for _ in $(seq $((N / RAMP * 10 + 300))); do
        have=$(connected)
        [ "${have:-0}" -ge "$N" ] && break
        sleep 0.1
    done
    sleep "$HOLD"
    have=$(connected)
    read -r h1 a1 r1 t1 < <(snapshot)

    kill -INT $LP 2>/dev/null || true
    wait $LP || true
    LP=
    stop_nginx

    cl=${have:-0}
    [ "$cl" -gt 0 ] || { echo "$mode: no client connected"; tail -5 "$out";
                         continue; }
    if [ "$h0" = - ] || [ "$h1" = - ]; then
        hm0=-; hm1=-; hpc=-
    else
        hm0=$(mb "$h0"); hm1=$(mb "$h1"); hpc=$(per $((h1 - h0)) "$cl")
    fi
    printf '%-6s %7s | %8s %8s %6s | %8s %8s %6s | %8s %8s %6s | %7s\n' \
        "$mode" "$cl" "$hm0" "$hm1" "$hpc" \
        "$(mb $((a0 * 1024)))" "$(mb $((a1 * 1024)))" \
        "$(per $(((a1 - a0) * 1024)) "$cl")" \
        "$(mb $((r0 * 1024)))" "$(mb $((r1 * 1024)))" \
        "$(per $(((r1 - r0) * 1024)) "$cl")" \
        "$(mb $((t1 * 4096)))"
    grep -q "subscribed $N" "$out" 2>/dev/null \
        || echo "#   $mode: $(grep -o 'messages .*' "$out" | head -1)"
done

echo "# heap = malloc in use (mallinfo2 via gdb), anon = Anonymous of" \
     "smaps_rollup, rss = VmRSS;"
echo "# B/cl = growth / clients connected; tcp = the machine's TCP" \
     "memory with the clients (kernel, both ends, every process)"
