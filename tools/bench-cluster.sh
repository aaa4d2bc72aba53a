# tools/bench-cluster.sh — helpers that start real arbord processes on 127.0.0.1 for the
# benchmarks (sourced by tools/bench-reroute and tools/bench-peers). The sourcing script sets
# $bin (directory of arbord), HEARTBEAT_MS, DEAD_AFTER, the arrays secret_args and node_args
# (more arbord flags) and the associative array pid (name -> PID); every node is started
# with --pdeathsig KILL and stopped by its PID by the caller.

# Free TCP ports on 127.0.0.1 below the ephemeral range.
free_ports() {
    python3 - "$1" <<'EOF'
import random, socket, sys
want, ports = int(sys.argv[1]), []
start = random.randrange(20000, 32000)
for port in list(range(start, 32768)) + list(range(20000, start)):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        ports.append(port)
    except OSError:
        pass
    finally:
        s.close()
    if len(ports) == want:
        break
print(" ".join(map(str, ports)))
EOF
}

# write_topology FILE NAME ROOT "node:port ..." "a-b:cost ..."
write_topology() {
    local file=$1 name=$2 topo_root=$3 nodes=$4 links=$5
    {
        echo "topologies:"
        echo "  - name: $name"
        echo "    root: $topo_root"
        echo "    nodes:"
        for entry in $nodes; do
            echo "      - name: ${entry%%:*}"
            echo "        addresses: [\"127.0.0.1:${entry##*:}\"]"
        done
        echo "    links:"
        for entry in $links; do
            local pair=${entry%%:*}
            echo "      - { between: [${pair%%-*}, ${pair##*-}], cost: ${entry##*:} }"
        done
    } >"$file"
}

# start_node DIR NAME PORT TOPOLOGY_FILE
start_node() {
    local dir=$1 name=$2 port=$3 topology=$4
    mkdir -p "$dir/$name"
    setpriv --pdeathsig KILL -- "$bin/arbord" --name "$name" --listen "127.0.0.1:$port" \
        --run-dir "$dir/$name/run" --state-dir "$dir/$name/state" --topologies "$topology" \
        --heartbeat-ms "$HEARTBEAT_MS" --dead-after "$DEAD_AFTER" --discovery static "${secret_args[@]}" "${node_args[@]}" 2>"$dir/$name/log" &
    pid[$name]=$!
    # No job-status chatter when a benchmark kills it; cleanup reaps by PID.
    disown "${pid[$name]}"
}

wait_for() { # wait_for SECONDS COMMAND...
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

peer_up() { # peer_up DIR NODE PEER: the last line about PEER in NODE's log says up
    grep "peer $3 (" "$1/$2/log" 2>/dev/null | tail -1 | grep -q ") up"
}

mesh_up() { # mesh_up DIR NODE...
    local dir=$1 node other
    shift
    for node in "$@"; do
        for other in "$@"; do
            [[ $node == "$other" ]] || peer_up "$dir" "$node" "$other" || return 1
        done
    done
}

# start_cluster DIR TOPOLOGY_FILE "name:port ..."
start_cluster() {
    local dir=$1 topology=$2 nodes=$3 names=() entry
    for entry in $nodes; do
        start_node "$dir" "${entry%%:*}" "${entry##*:}" "$topology"
        names+=("${entry%%:*}")
    done
    for name in "${names[@]}"; do
        wait_for 20 test -S "$dir/$name/run/client.sock" || { echo "$name did not start" >&2; tail "$dir/$name/log" >&2; return 1; }
    done
    wait_for 20 mesh_up "$dir" "${names[@]}" || { echo "links did not come up" >&2; return 1; }
    sleep 0.3
}

node_cpu_ticks() { # node_cpu_ticks PID...: utime + stime of the processes, in clock ticks
    local total=0 pid fields
    for pid in "$@"; do
        read -r -a fields <<<"$(sed 's/^.*) //' "/proc/$pid/stat")"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}
