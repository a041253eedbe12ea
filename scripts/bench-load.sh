#!/usr/bin/env bash
#
# Load time and zone bytes per session archive: runs the module's own
# loader (build/tools/f1-replay-inspect DIR --bench 1) N times per archive,
# after one untimed warm-up run (page cache), and prints the median load
# time and the size of the session block that goes into the shared zone.
#
#   scripts/bench-load.sh [N]        N runs per archive (default 5)
#
# Environment:
#   F1_REPLAY_DATA   session archives directory (default ../shared/data)

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
INSPECT=$ROOT/build/tools/f1-replay-inspect
RUNS=${1:-5}

die() { echo "bench-load: error: $*" >&2; exit 1; }

case "$RUNS" in
    ''|*[!0-9]*|0) die "usage: $0 [N]  (N runs per archive, N >= 1)" ;;
esac

DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
[ -d "$DATA" ] || die "no session data at $DATA (set F1_REPLAY_DATA)"
DATA=$(cd "$DATA" && pwd)

"$ROOT/scripts/deps.sh" build >/dev/null
make -s -C "$ROOT/scripts/tools" "$INSPECT" >/dev/null \
    || die "cannot build $INSPECT (make -C scripts/tools)"

# an archive is a directory holding <Topic>.jsonStream files
archives=()
for d in "$DATA"/*/; do
    d=${d%/}
    compgen -G "$d/*.jsonStream" >/dev/null && archives+=("$d")
done
[ ${#archives[@]} -gt 0 ] || die "no archives (*/*.jsonStream) in $DATA"

# prints "ms bytes" of one load; the tool prints
#   DIR<TAB>runs 1<TAB>best_ms X<TAB>mean_ms Y<TAB>bytes B
one_load() {
    local out
    out=$("$INSPECT" "$1" --bench 1 2>/dev/null) || return 1
    echo "$out" | awk -F'\t' '{
        for (i = 1; i <= NF; i++) {
            split($i, kv, " ")
            if (kv[1] == "best_ms") ms = kv[2]
            if (kv[1] == "bytes") bytes = kv[2]
        }
    } END {
        if (ms == "" || bytes == "") exit 1
        print ms, bytes
    }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.1f", v[(NR + 1) / 2]
        else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "# f1-replay load benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "# nproc $(nproc), CPU ${cpu:-unknown}"
echo "# $RUNS runs per archive after one warm-up; data $DATA"
echo "#"
printf '%-42s %14s %16s %10s\n' archive "median_load_ms" "block_bytes" "MiB"

failed=0
for a in "${archives[@]}"; do
    name=$(basename "$a")
    if ! one_load "$a" >/dev/null; then
        printf '%-42s %14s\n' "$name" "LOAD FAILED"
        "$INSPECT" "$a" --bench 1 2>&1 >/dev/null | tail -n 3 | sed 's/^/#   /'
        failed=$((failed + 1))
        continue
    fi
    times=""
    bytes=""
    for _ in $(seq "$RUNS"); do
        out=$(one_load "$a") || die "$name: a timed run failed"
        read -r ms bytes <<< "$out"
        times="$times$ms"$'\n'
    done
    med=$(printf '%s' "$times" | median)
    printf '%-42s %14s %16s %10.1f\n' "$name" "$med" "$bytes" \
        "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')"
done

[ $failed -eq 0 ]
