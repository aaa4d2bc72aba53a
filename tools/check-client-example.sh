#!/usr/bin/env bash
# Checks the examples of docs/client-protocol.md: extracts the C subscriber and the Python
# publisher, compiles the C one with warnings as errors, and runs both against
# tools/fake-client-node.py, which fails on any frame that deviates from the document.
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

extract c-subscriber >"$work/arbor-sub.c"
extract python-publisher >"$work/arbor_pub.py"
check "C example compiles (gcc -std=c99 -Wall -Wextra -Wpedantic -Werror)" \
    gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -o "$work/arbor-sub" "$work/arbor-sub.c"
check "Python example compiles" python3 -m py_compile "$work/arbor_pub.py"

if [[ -x "$work/arbor-sub" ]]; then
    # Three connections: two publishers, then the subscriber.
    python3 "$root/tools/fake-client-node.py" "$work/client.sock" 3 2>"$work/server.log" &
    server_pid=$!
    for _ in $(seq 100); do [[ -S "$work/client.sock" ]] && break; sleep 0.05; done

    publish() { printf "$3" | ARBOR_RUN_DIR="$work" timeout 10 python3 "$work/arbor_pub.py" "$1" "$2" 2>>"$work/publisher.log"; }
    check "Python publisher publishes AAPL quotes" publish nasdaq.quotes AAPL '189.5\n190.25\n'
    check "Python publisher publishes an MSFT quote" publish nasdaq.quotes MSFT '410.1\n'
    ARBOR_RUN_DIR="$work" timeout 10 "$work/arbor-sub" nasdaq.quotes AAPL >"$work/sub.out" || true
    origin=000102030405060708090a0b0c0d0e0f
    cat >"$work/sub.expected" <<END
welcome fake-node node=$origin
message nasdaq.quotes AAPL seq=1 origin=$origin 189.5
message nasdaq.quotes AAPL seq=2 origin=$origin 190.25
gap nasdaq.quotes 4-5 origin=$origin
END
    check "C subscriber receives the AAPL messages and the gap, no MSFT" \
        diff -u "$work/sub.expected" "$work/sub.out"
    check "stand-in node saw only well-formed frames" wait "$server_pid"
    server_pid=""
    [[ $failed -eq 0 ]] || cat "$work/server.log"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
