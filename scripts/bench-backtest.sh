#!/usr/bin/env bash
#
# Strategy back-test benchmark: the engine run lap by lap over the 24
# races of the 2024 season (FastF1 lap tables), every prediction scored
# against what happened, beside the naive baselines.  Prints the per-race
# table, the season table and calibration (overtakes, next-stop window
# and confidence, undercut/overcut), then the same for each half of the
# season (rounds 1-12 set the priors, the rules and the window
# calibration; rounds 13-24 are held out), then the leakage check on six
# races and the Dutch GP archive, and the CPU time.
#
#   scripts/bench-backtest.sh
#
# Environment: F1_REPLAY_DATA (default ../shared/data).

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
DATA=$(cd "$DATA" && pwd)
BT=$ROOT/build/tools/f1-replay-backtest
LAPS=$DATA/laps-2024

make -s -C "$ROOT/scripts/tools" "$BT" >/dev/null

mapfile -t RACES < <(ls "$LAPS"/*.csv | sort)

echo "== 2024 season, ${#RACES[@]} races"
"$BT" --season "$LAPS"

echo
echo "== rounds 1-12 (priors, rules and calibration set on these)"
"$BT" --quiet "${RACES[@]:0:12}"

echo
echo "== rounds 13-24 (held out)"
"$BT" --quiet "${RACES[@]:12}"

echo
echo "== leakage"
"$BT" --leakage "${RACES[0]}" "${RACES[4]}" "${RACES[7]}" "${RACES[8]}" \
    "${RACES[16]}" "${RACES[20]}" "$DATA/2025-dutch-grand-prix-race"

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo \
    | cut -d: -f2 | sed 's/^ *//'), $(. /etc/os-release && echo "$PRETTY_NAME")"
