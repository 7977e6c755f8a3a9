#!/bin/sh
# bench/scenario-s.sh: runs scenario S of issue 7 against a fresh zoned.
#
#   bench/scenario-s.sh [-n PLAYERS] [-d SECONDS] [-w SECONDS] [-j]
#                       [-z CPU] [-b CPU] [-- ZONED-OPTION ...]
#
# Writes the scenario's area, starts zoned on CPU 0 and zoned-bench on
# CPU 1 (taskset), measures, stops zoned and removes what it wrote. The
# state dir is on /dev/shm when there is one: zoned's file:// store
# fsyncs every write-back in its loop, and a disk would be measured
# instead of zoned. Options after -- go to zoned, e.g.
# "-- --state-format json" for the JSON states of before issue 7.
# Environment: ZONED, ZONED_BENCH (the binaries), KEEP=1 keeps the
# temporary directory and zoned's log.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
ZONED=${ZONED:-$top/zoned}
ZONED_BENCH=${ZONED_BENCH:-$top/bench/zoned-bench}
players=500
duration=30
warmup=10
json=
zcpu=0
bcpu=1

usage() {
	echo "usage: $0 [-n players] [-d seconds] [-w seconds] [-j]" \
	    "[-z cpu] [-b cpu] [-- zoned-option ...]" >&2
	exit 64
}

while getopts n:d:w:jz:b: opt; do
	case $opt in
	n) players=$OPTARG ;;
	d) duration=$OPTARG ;;
	w) warmup=$OPTARG ;;
	j) json=--json ;;
	z) zcpu=$OPTARG ;;
	b) bcpu=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift

for f in "$ZONED" "$ZONED_BENCH"; do
	[ -x "$f" ] || { echo "$0: $f: not built (make)" >&2; exit 69; }
done
pin_zoned= pin_bench=
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -gt 1 ]; then
	pin_zoned="taskset -c $zcpu"
	pin_bench="taskset -c $bcpu"
else
	echo "$0: no taskset or one CPU: zoned and zoned-bench share" >&2
fi

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/zoned-scenario-s.XXXXXX")
zpid=
cleanup() {
	if [ -n "$zpid" ] && kill -0 "$zpid" 2>/dev/null; then
		kill -TERM "$zpid" 2>/dev/null || true
		i=0
		while kill -0 "$zpid" 2>/dev/null && [ $i -lt 150 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$zpid" 2>/dev/null || true
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "$0: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$ZONED_BENCH" --write-area "$tmp/areas" --scenario S --players "$players" \
    >/dev/null
mkdir -p "$tmp/state/data"
$pin_zoned "$ZONED" --client-listen 127.0.0.1:0 \
    --control-listen 127.0.0.1:0 --state-dir "$tmp/state" \
    --area-dir "$tmp/areas" --character-api "file://$tmp/state/data" \
    --quest-api "file://$tmp/state/data" --tick-hz 20 --view-radius 400 \
    --max-clients $((players + 64)) "$@" >"$tmp/zoned.log" 2>&1 &
zpid=$!

ctl=
i=0
while [ $i -lt 100 ]; do
	ctl=$(sed -n 's/.*listening on=control address=\([^ ]*\).*/\1/p' \
	    "$tmp/zoned.log" | head -1)
	[ -n "$ctl" ] && grep -q "listening on=client" "$tmp/zoned.log" &&
	    break
	kill -0 "$zpid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$ctl" ]; then
	echo "$0: zoned did not start:" >&2
	tail -20 "$tmp/zoned.log" >&2
	exit 69
fi

rc=0
$pin_bench "$ZONED_BENCH" --scenario S --players "$players" \
    --control "http://$ctl" --data-dir "$tmp/state/data" \
    --duration "$duration" --warmup "$warmup" $json || rc=$?
if [ $rc -ne 0 ]; then
	echo "$0: zoned-bench exited $rc; the end of zoned's log:" >&2
	grep -v " info: " "$tmp/zoned.log" | tail -20 >&2 || true
fi
exit $rc
