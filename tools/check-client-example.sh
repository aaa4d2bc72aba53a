#!/usr/bin/env bash
# Checks libarbor (clib/), its Python binding (python/) and the examples of
# docs/client-protocol.md:
#   1. builds libarbor with warnings as errors (make -C clib);
#   2. the C publisher and subscriber and the Python publisher in the document are the
#      files under clib/examples and python/examples (one copy of each);
#   3. runs them against a real arbord (one node, no peers): a C subscriber and a Python
#      subscriber (the binding's events) get what the C publisher and the Python publisher
#      publish, then the node's close.
# libarbor against a lying node (clib/tests/robustness.c) is a Swift test:
# LibarborRobustnessTests (ArborClientTests).
# BIN_DIR (the first argument; default .build/debug) holds arbord and arbor.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$root/.build/debug}" && pwd)
doc="$root/docs/client-protocol.md"
work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The fenced block that follows the marker line "<!-- example: NAME -->".
extract() {
    awk -v marker="<!-- example: $1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$doc"
}

passed=0
failed=0
check() {
    local name=$1
    shift
    if "$@"; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAILED: $name"
        failed=$((failed + 1))
    fi
}

wait_socket() { for _ in $(seq 200); do [[ -S $1 ]] && return 0; sleep 0.05; done; return 1; }
# Waits (10 s at most) until FILE has N lines.
wait_lines() { for _ in $(seq 200); do [[ $(wc -l <"$1") -ge $2 ]] && return 0; sleep 0.05; done; return 1; }
# Waits (10 s at most) until the node counts N subscribers of nasdaq.quotes.
wait_subscribers() {
    for _ in $(seq 200); do
        "$bin/arbor" topologies --json 2>/dev/null | python3 -c '
import json, sys
topologies = json.load(sys.stdin)
sys.exit(0 if any(t["name"] == "nasdaq.quotes" and t["subscribers"] >= int(sys.argv[1]) for t in topologies) else 1)
' "$1" && return 0
        sleep 0.05
    done
    return 1
}

check "libarbor builds (gcc -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror)" \
    make -s -C "$root/clib" BUILD="$work/lib" all
extract c-subscriber >"$work/subscriber.c"
extract c-publisher >"$work/publisher.c"
extract python-publisher >"$work/arbor_pub.py"
check "the C subscriber of the document is clib/examples/subscriber.c" \
    diff -u "$root/clib/examples/subscriber.c" "$work/subscriber.c"
check "the C publisher of the document is clib/examples/publisher.c" \
    diff -u "$root/clib/examples/publisher.c" "$work/publisher.c"
check "the Python publisher of the document is python/examples/arbor_pub.py" \
    diff -u "$root/python/examples/arbor_pub.py" "$work/arbor_pub.py"
check "each C example is under 40 lines" \
    test "$(wc -l <"$work/subscriber.c")" -lt 40 -a "$(wc -l <"$work/publisher.c")" -lt 40

if [[ -x "$work/lib/arbor-subscriber" && -x "$work/lib/arbor-publisher" ]]; then
    # One arbord, no peers: the subscribers first, then the publishers, then the node stops.
    "$bin/arbord" --name example --listen 127.0.0.1:0 --discovery none \
        --run-dir "$work/run" --state-dir "$work/state" >"$work/arbord.log" 2>&1 &
    server_pid=$!
    wait_socket "$work/run/client.sock"
    export ARBOR_RUN_DIR="$work/run"
    timeout 30 "$work/lib/arbor-subscriber" nasdaq.quotes AAPL >"$work/sub.out" 2>"$work/sub.err" &
    subscriber_pid=$!
    cat >"$work/py_sub.py" <<'END'
import arbor
client = arbor.Client(name="python-subscriber")
client.subscribe("nasdaq.quotes", b"MSFT")
try:
    for event in client.events():
        if isinstance(event, arbor.Message):
            print(event.topology, event.topic.decode(), event.sequence, event.payload.decode(), flush=True)
        elif isinstance(event, arbor.Gap):
            print(event.topology, "gap", event.first, event.last, flush=True)
except arbor.ArborError as error:
    print("ended:", error.status_name)
END
    PYTHONPATH="$root/python" ARBOR_LIBRARY="$work/lib/libarbor.so.1" timeout 30 python3 "$work/py_sub.py" \
        >"$work/py_sub.out" 2>&1 &
    py_subscriber_pid=$!
    check "both subscribers are in (arbor topologies --json: 2 subscribers)" wait_subscribers 2
    check "C publisher publishes AAPL quotes" \
        sh -c "printf '189.5\n190.25\n' | timeout 10 '$work/lib/arbor-publisher' nasdaq.quotes AAPL"
    check "Python publisher (the binding) publishes an MSFT quote" \
        sh -c "printf '410.1\n' | PYTHONPATH='$root/python' ARBOR_LIBRARY='$work/lib/libarbor.so.1' \
               timeout 10 python3 '$work/arbor_pub.py' nasdaq.quotes MSFT"
    # The node's stream of the topology: AAPL 1 and 2, MSFT 3. Each subscriber has printed
    # its messages before the node stops.
    wait_lines "$work/sub.out" 2
    wait_lines "$work/py_sub.out" 1
    kill "$server_pid"
    wait "$server_pid" || true
    server_pid=""
    wait "$subscriber_pid" || true
    wait "$py_subscriber_pid" || true
    cat >"$work/sub.expected" <<END
nasdaq.quotes AAPL seq=1 189.5
nasdaq.quotes AAPL seq=2 190.25
END
    check "C subscriber receives the AAPL messages, no MSFT" \
        diff -u "$work/sub.expected" "$work/sub.out"
    check "C subscriber says the node closed the connection" \
        grep -q "arbor-subscriber: the node closed the connection" "$work/sub.err"
    printf 'nasdaq.quotes MSFT 3 410.1\nended: %s\n' "the node closed the connection" >"$work/py_sub.expected"
    check "Python subscriber (the binding) receives the MSFT message, then the close" \
        diff -u "$work/py_sub.expected" "$work/py_sub.out"
    unset ARBOR_RUN_DIR
    [[ $failed -eq 0 ]] || cat "$work/arbord.log"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
