#!/usr/bin/env bash
# Measures the client alone: `arbor pub` into, and `arbor sub` out of, tools/client-sink.c
# (a C stand-in node that counts PUBLISH frames and streams MESSAGE frames), over the Unix
# client socket. Not a test: prints figures.
#
# Usage: tools/bench-client.sh [MESSAGES [PAYLOAD_SIZE [RUNS]]]     (default 1000000 100 3)
# Uses .build/release/arbor (built with `swift build -c release --product arbor` when
# missing) or $ARBOR_BINARY.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
messages=${1:-1000000}
size=${2:-100}
runs=${3:-3}
arbor=${ARBOR_BINARY:-$root/.build/release/arbor}
if [[ ! -x $arbor ]]; then
    (cd "$root" && swift build -c release --product arbor)
fi
work=$(mktemp -d /tmp/arbor-bench-XXXXXX)
sink_pid=""
cleanup() {
    if [[ -n $sink_pid ]] && kill -0 "$sink_pid" 2>/dev/null; then kill "$sink_pid"; fi
    rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -std=c99 -Wall -Wextra -o "$work/client-sink" "$root/tools/client-sink.c"

start_sink() {
    "$work/client-sink" "$work/client.sock" 1 "$messages" "$size" 2>"$work/sink.log" &
    sink_pid=$!
    for _ in $(seq 100); do [[ -S $work/client.sock ]] && break; sleep 0.02; done
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
    start_sink
    /usr/bin/time -f "  (pub cpu %U s user + %S s sys)" \
        "$arbor" pub bench.load t --size "$size" --count "$messages" --run-dir "$work" 2>&1 | sed "s/^/pub run $run: /"
    wait "$sink_pid"; sink_pid=""
    sed "s/^/  sink: /" "$work/sink.log"
done
for mode in --quiet ""; do
    for run in $(seq "$runs"); do
        start_sink
        /usr/bin/time -f "  (sub cpu %U s user + %S s sys)" \
            "$arbor" sub bench.load '' --count "$messages" --summary $mode --run-dir "$work" 2>&1 >/dev/null \
            | sed "s|^|sub ${mode:-(lines to /dev/null)} run $run: |"
        wait "$sink_pid"; sink_pid=""
    done
done
