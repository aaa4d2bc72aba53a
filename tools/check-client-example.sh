#!/usr/bin/env bash
# Checks libarbor (clib/), its Python binding (python/) and the examples of
# docs/client-protocol.md:
#   1. builds libarbor with warnings as errors (make -C clib);
#   2. the C publisher and subscriber and the Python publisher in the document are the
#      files under clib/examples and python/examples (one copy of each);
#   3. runs them against tools/fake-client-node.py, which fails on any frame that deviates
#      from the document: C publisher, Python publisher, C subscriber, and a Python
#      subscriber (the binding's Message and Gap events);
#   4. runs clib/tests/robustness.c (built with AddressSanitizer and UBSan) against
#      clib/tests/liar-node.py: malformed, cut and random answers end in a status.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
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
    # Four connections: two publishers, then the two subscribers.
    python3 "$root/tools/fake-client-node.py" "$work/client.sock" 4 2>"$work/server.log" &
    server_pid=$!
    wait_socket "$work/client.sock"
    export ARBOR_RUN_DIR="$work"
    check "C publisher publishes AAPL quotes" \
        sh -c "printf '189.5\n190.25\n' | timeout 10 '$work/lib/arbor-publisher' nasdaq.quotes AAPL"
    check "Python publisher (the binding) publishes an MSFT quote" \
        sh -c "printf '410.1\n' | PYTHONPATH='$root/python' ARBOR_LIBRARY='$work/lib/libarbor.so.1' \
               timeout 10 python3 '$work/arbor_pub.py' nasdaq.quotes MSFT"
    timeout 10 "$work/lib/arbor-subscriber" nasdaq.quotes AAPL >"$work/sub.out" 2>"$work/sub.err" || true
    cat >"$work/sub.expected" <<END
nasdaq.quotes AAPL seq=1 189.5
nasdaq.quotes AAPL seq=2 190.25
nasdaq.quotes gap 4-5
END
    check "C subscriber receives the AAPL messages and the gap, no MSFT" \
        diff -u "$work/sub.expected" "$work/sub.out"
    check "C subscriber says the node closed the connection" \
        grep -q "arbor-subscriber: the node closed the connection" "$work/sub.err"
    cat >"$work/py_sub.py" <<'END'
import arbor
client = arbor.Client(name="python-subscriber")
client.subscribe("nasdaq.quotes", b"MSFT")
try:
    for event in client.events():
        if isinstance(event, arbor.Message):
            print(event.topology, event.topic.decode(), event.sequence, event.payload.decode())
        elif isinstance(event, arbor.Gap):
            print(event.topology, "gap", event.first, event.last)
except arbor.ArborError as error:
    print("ended:", error.status_name)
END
    PYTHONPATH="$root/python" ARBOR_LIBRARY="$work/lib/libarbor.so.1" timeout 10 python3 "$work/py_sub.py" \
        >"$work/py_sub.out" 2>&1 || true
    printf 'nasdaq.quotes MSFT 3 410.1\nnasdaq.quotes gap 4 5\nended: %s\n' "the node closed the connection" >"$work/py_sub.expected"
    check "Python subscriber (the binding) receives the MSFT message and the gap, then the close" \
        diff -u "$work/py_sub.expected" "$work/py_sub.out"
    check "stand-in node saw only well-formed frames" wait "$server_pid"
    server_pid=""
    unset ARBOR_RUN_DIR
    [[ $failed -eq 0 ]] || cat "$work/server.log"
fi

check "robustness test builds (AddressSanitizer, UBSan)" \
    gcc -std=c99 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=all \
    -I"$root/clib/include" -o "$work/robustness" "$root/clib/tests/robustness.c" "$root/clib/src/arbor.c"
if [[ -x "$work/robustness" ]]; then
    python3 "$root/clib/tests/liar-node.py" "$work/liar.sock" 2>"$work/liar.log" &
    server_pid=$!
    wait_socket "$work/liar.sock"
    check "libarbor against a lying node (300 random rounds)" \
        timeout 120 "$work/robustness" "$work/liar.sock" 300
    wait "$server_pid" || true
    server_pid=""
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
