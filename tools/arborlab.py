"""arborlab: shared Python helpers for the lab-level tools (tools/lab-integration-test,
tools/bench-lan, tools/demo, tools/lab-client).

Standard library only. It knows four things:

- the local client protocol (docs/client-protocol.md): a small blocking client that can
  subscribe and publish, used by tools/lab-client;
- the control API (RUN_DIR/control.sock, HTTP/1.1 + JSON), used when the node has one;
- arbord's log lines ("peer NAME (ID) up", "route of T: ... -> root R, parent P, engaged
  [...]"), the fallback view of a node when it has no control API;
- tools/lab: running its commands against one lab (state directory + name prefix).
"""

import http.client
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LAB = os.path.join(HERE, "lab")

# ------------------------------------------------------------ client protocol --

HELLO, ATTACH, DETACH, SUBSCRIBE, UNSUBSCRIBE, PUBLISH, PING = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
WELCOME, OK, ERROR, MESSAGE, GAP, PONG = 0x81, 0x82, 0x83, 0x84, 0x85, 0x86
MAX_FRAME = 1048576 + 65536


class ProtocolError(Exception):
    pass


class Client:
    """A blocking client of one node's client.sock (docs/client-protocol.md)."""

    def __init__(self, run_dir, name="lab-client", connect_timeout=0.0):
        path = os.path.join(run_dir, "client.sock")
        deadline = time.monotonic() + connect_timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)
        self.buffer = bytearray()
        self.next_id = 2
        raw = name.encode()[:255]
        self.send(HELLO, struct.pack(">IHHB", 1, 1, 1, len(raw)) + raw)
        kind, body = self.receive()
        if kind != WELCOME:
            raise ProtocolError(f"no WELCOME: {describe(kind, body)}")
        self.node_id = body[6:22].hex()
        (length,) = struct.unpack_from(">B", body, 26)
        self.node_name = body[27:27 + length].decode(errors="replace")

    def send(self, kind, body):
        self.sock.sendall(struct.pack(">IB", len(body) + 1, kind) + body)

    def request_id(self):
        self.next_id += 1
        return self.next_id

    def subscribe(self, topology, prefix, acknowledged=True):
        t, p = topology.encode(), prefix.encode() if isinstance(prefix, str) else prefix
        rid = self.request_id() if acknowledged else 0
        self.send(SUBSCRIBE, struct.pack(">IB", rid, len(t)) + t + struct.pack(">H", len(p)) + p)
        return rid

    def publish(self, topology, topic, payload):
        """Unacknowledged (request id 0): errors still come back, with id 0."""
        self.sock.sendall(publish_frame(topology.encode(), topic.encode(), payload))

    def ping(self):
        rid = self.request_id()
        self.send(PING, struct.pack(">I", rid))
        return rid

    def fill(self):
        """Reads what is there (blocking for at least one chunk); False at end of stream."""
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def frames(self):
        """The complete frames in the buffer, as (type, body)."""
        out = []
        view = self.buffer
        offset = 0
        while len(view) - offset >= 4:
            (length,) = struct.unpack_from(">I", view, offset)
            if not 1 <= length <= MAX_FRAME:
                raise ProtocolError(f"bad frame length {length}")
            if len(view) - offset - 4 < length:
                break
            out.append((view[offset + 4], bytes(view[offset + 5:offset + 4 + length])))
            offset += 4 + length
        del self.buffer[:offset]
        return out

    def receive(self):
        while True:
            frames = self.frames()
            if frames:
                # put back all but the first
                rest = b"".join(struct.pack(">IB", len(b) + 1, k) + b for k, b in frames[1:])
                self.buffer[0:0] = rest
                return frames[0]
            if not self.fill():
                raise ProtocolError("the node closed the connection")

    def wait_ok(self, rid, timeout=5.0):
        """Reads until the answer to request `rid`; returns the frames seen before it."""
        self.sock.settimeout(timeout)
        seen = []
        try:
            while True:
                kind, body = self.receive()
                if kind in (OK, PONG) and struct.unpack_from(">I", body)[0] == rid:
                    return seen
                if kind == ERROR:
                    raise ProtocolError(describe(kind, body))
                seen.append((kind, body))
        finally:
            self.sock.settimeout(None)

    def close(self):
        self.sock.close()


def publish_frame(topology, topic, payload):
    body = (struct.pack(">IB", 0, len(topology)) + topology + struct.pack(">H", len(topic)) + topic
            + struct.pack(">I", len(payload)) + payload)
    return struct.pack(">IB", len(body) + 1, PUBLISH) + body


def parse_message(body):
    """MESSAGE body -> (origin hex, incarnation, sequence, topology, topic bytes, payload)."""
    origin = body[0:16].hex()
    incarnation, sequence = struct.unpack_from(">QQ", body, 16)
    offset = 32
    tlen = body[offset]
    topology = body[offset + 1:offset + 1 + tlen].decode()
    offset += 1 + tlen
    (klen,) = struct.unpack_from(">H", body, offset)
    topic = body[offset + 2:offset + 2 + klen]
    offset += 2 + klen
    (plen,) = struct.unpack_from(">I", body, offset)
    payload = body[offset + 4:offset + 4 + plen]
    return origin, incarnation, sequence, topology, topic, payload


def parse_gap(body):
    origin = body[0:16].hex()
    incarnation, first, last = struct.unpack_from(">QQQ", body, 16)
    return origin, incarnation, first, last


def describe(kind, body):
    if kind == ERROR:
        rid, code, tl = struct.unpack_from(">IHH", body)
        return f"ERROR {code} for request {rid}: {body[8:8 + tl].decode(errors='replace')}"
    return f"frame type {kind:#04x}"


# ------------------------------------------------------------------ control API --

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=2.0):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def control_get(run_dir, path, timeout=2.0):
    """GET a control API path; the decoded JSON, or None when there is no control socket
    (a node without the control API, or not started yet) or the request failed."""
    sock = os.path.join(run_dir, "control.sock")
    if not os.path.exists(sock):
        return None
    conn = UnixHTTPConnection(sock, timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            return None
        return json.loads(data)
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()


# ------------------------------------------------------------------ arbord logs --

PEER_RE = re.compile(r"\bpeer (\S+) \(([0-9a-f]+)\) (up|down)")
ROUTE_RE = re.compile(r"\broute of (\S+): .* -> (none|root (\S+), parent (\S+), engaged \[(.*)\])\s*$")
START_MARK = "=== "   # tools/lab writes "=== DATE lab started: ..." before each start


class LogView:
    """What a node's arbord.log says about it since its last start: peers up, and the
    latest route per topology. Reads the log incrementally."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.reset()

    def reset(self):
        self.peers = {}          # name -> up?
        self.routes = {}         # topology -> (root, parent or None, [engaged]) or None
        self.lines = 0

    def update(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return self
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for raw in lines:
            line = raw.decode(errors="replace")
            self.lines += 1
            if line.startswith(START_MARK) and "lab started" in line:
                self.reset()
                continue
            m = PEER_RE.search(line)
            if m and "route of" not in line:
                self.peers[m.group(1)] = m.group(3) == "up"
                continue
            m = ROUTE_RE.search(line)
            if m:
                if m.group(2) == "none":
                    self.routes[m.group(1)] = None
                else:
                    parent = None if m.group(4) in ("(root),", "(root)") else m.group(4).rstrip(",")
                    engaged = re.findall(r'"([^"]*)"', m.group(5))
                    self.routes[m.group(1)] = (m.group(3).rstrip(","), parent, engaged)
        return self

    def peers_up(self):
        return {name for name, up in self.peers.items() if up}


# ------------------------------------------------------------------ the lab --

class Lab:
    """One lab: a state directory and a name prefix, driven through tools/lab."""

    def __init__(self, state_dir, prefix, arbord=None, quiet=True):
        self.dir = state_dir
        self.prefix = prefix
        self.arbord = arbord
        self.quiet = quiet
        self.env = dict(os.environ, ARBOR_LAB_DIR=state_dir, ARBOR_LAB_PREFIX=prefix)
        self.env.pop("ARBORD_ARGS", None)
        if arbord:
            self.env["ARBORD"] = arbord
        else:
            self.env.pop("ARBORD", None)
        self.logs = {}

    def run(self, *args, check=True, timeout=120, capture=False):
        result = subprocess.run([LAB, *args], env=self.env, timeout=timeout, text=True,
                                stdout=subprocess.PIPE if capture or self.quiet else None,
                                stderr=subprocess.PIPE if capture or self.quiet else None)
        if check and result.returncode != 0:
            raise RuntimeError(f"tools/lab {' '.join(args)} failed ({result.returncode}):\n"
                               f"{(result.stderr or '')[-2000:]}")
        return result

    def exists(self):
        return os.path.exists(os.path.join(self.dir, ".arbor-lab"))

    def hosts(self):
        out = []
        with open(os.path.join(self.dir, "hosts")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out.append(parts[1])
        return out

    def host_dir(self, host):
        return os.path.join(self.dir, host)

    def run_dir(self, host):
        return os.path.join(self.dir, host, "run")

    def log(self, host):
        view = self.logs.get(host)
        if view is None:
            view = self.logs[host] = LogView(os.path.join(self.dir, host, "arbord.log"))
        return view.update()

    def spawn(self, host, argv, stdout=None, stderr=None):
        """Starts argv inside the host's namespace (tools/lab exec): a Popen whose pid is
        the command's own."""
        return subprocess.Popen([LAB, "exec", host, *argv], env=self.env, stdin=subprocess.DEVNULL,
                                stdout=stdout, stderr=stderr, start_new_session=True)

    def arbord_pid(self, host):
        try:
            with open(os.path.join(self.dir, host, "arbord.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def down(self, save_logs=None):
        if not self.exists():
            return
        args = ["down"] + (["--save-logs", save_logs] if save_logs else [])
        self.run(*args, check=False, timeout=120)


# --------------------------------------------------------- node views (API or logs) --

def node_peers(lab, host):
    """Names of the peers `host` has a link up to: from the control API (/v1/peers) if the
    node has one, else from its log."""
    data = control_get(lab.run_dir(host), "/v1/peers")
    if data is not None:
        items = data.get("peers", data) if isinstance(data, dict) else data
        names = set()
        for p in items if isinstance(items, list) else []:
            if isinstance(p, dict) and p.get("state", "up") in ("up", "established", True):
                names.add(p.get("name") or p.get("id"))
        return names
    return lab.log(host).peers_up()


def node_route(lab, host, topology):
    """(root, parent or None, sorted engaged names) of `host` in `topology`, from
    /v1/routes/{topology} if the node has the control API, else from its log; None when
    the node has no route."""
    data = control_get(lab.run_dir(host), f"/v1/routes/{topology}")
    if data is not None:
        if isinstance(data, dict) and "routes" in data and isinstance(data["routes"], list):
            data = data["routes"][0] if data["routes"] else {}
        root = data.get("root")
        if isinstance(root, dict):
            root = root.get("name") or root.get("id")
        if not root:
            return None
        parent = data.get("parent")
        if isinstance(parent, dict):
            parent = parent.get("name") or parent.get("id")
        engaged = []
        for e in data.get("engaged") or []:
            engaged.append(e.get("name") or e.get("id") if isinstance(e, dict) else e)
        return (root, parent, sorted(engaged))
    route = lab.log(host).routes.get(topology)
    if route is None:
        return None
    return (route[0], route[1], sorted(route[2]))


def node_tree(lab, host, topology):
    """The whole tree as `host` computes it (/v1/tree/{topology}), canonicalised to a
    sorted list of (node, parent) pairs, or None without the control API."""
    data = control_get(lab.run_dir(host), f"/v1/tree/{topology}")
    if data is None:
        return None
    return canonical_tree(data)


def canonical_tree(data):
    """Accepts the shapes a tree may come in ({"root", "nodes": [{"name", "parent"}]},
    {"edges": [[parent, child]]}, nested {"name", "children"}) and returns a sorted
    tuple of (node, parent) pairs with the root's parent None."""
    pairs = []

    def name_of(x):
        if isinstance(x, dict):
            return x.get("name") or x.get("id") or x.get("node")
        return x

    def walk(node, parent):
        pairs.append((name_of(node), parent))
        for child in node.get("children") or []:
            walk(child, name_of(node))

    if isinstance(data, dict) and isinstance(data.get("tree"), (dict, list)):
        data = data["tree"] if not isinstance(data.get("tree"), list) else {"nodes": data["tree"], **{k: v for k, v in data.items() if k != "tree"}}
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        for n in data["nodes"]:
            if isinstance(n, dict):
                pairs.append((name_of(n), name_of(n.get("parent"))))
    elif isinstance(data, dict) and isinstance(data.get("edges"), list):
        children = set()
        for e in data["edges"]:
            if isinstance(e, dict):
                p, c = name_of(e.get("parent") or e.get("from")), name_of(e.get("child") or e.get("to"))
            else:
                p, c = name_of(e[0]), name_of(e[1])
            pairs.append((c, p))
            children.add(c)
        if data.get("root") is not None:
            pairs.append((name_of(data["root"]), None))
    elif isinstance(data, dict) and ("children" in data or "name" in data):
        walk(data, None)
    else:
        return ("raw", json.dumps(data, sort_keys=True))
    return tuple(sorted(pairs, key=lambda p: (str(p[0]), str(p[1]))))


def has_control_api(lab, host):
    return os.path.exists(os.path.join(lab.run_dir(host), "control.sock"))


# ------------------------------------------------------------------ misc --

def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False


def end_process(proc, grace=2.0):
    """SIGTERM a Popen we started (by its PID), then SIGKILL after `grace` seconds."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
    except OSError:
        pass


def median(values):
    v = sorted(values)
    if not v:
        return float("nan")
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def find_binary(name, build=None):
    """An executable `name` from $ARBOR_BIN_DIR, else .build/release, else .build/debug
    (unless `build` names one)."""
    dirs = []
    if os.environ.get("ARBOR_BIN_DIR"):
        dirs.append(os.environ["ARBOR_BIN_DIR"])
    if build in (None, "release"):
        dirs.append(os.path.join(ROOT, ".build", "release"))
    if build in (None, "debug"):
        dirs.append(os.path.join(ROOT, ".build", "debug"))
    for d in dirs:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return os.path.realpath(p)
    return None


def eprint(*args):
    print(*args, file=sys.stderr, flush=True)
