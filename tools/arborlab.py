"""arborlab: shared Python helpers for the lab-level tools (tools/lab-integration-test,
tools/bench-lan, tools/bench-guard, tools/demo, tools/lab-client).

Standard library plus the repository's own client library. It knows three things:

- where the client library is: the Python binding (python/arbor) over libarbor (clib/),
  built by `make` into .build/libarbor; every Python tool speaks the client protocol
  through it, none by hand;
- the control API (RUN_DIR/control.sock, HTTP/1.1 + JSON): the documents of
  docs/control-api.md, read as documented;
- tools/lab: running its commands against one lab (state directory + name prefix).
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LAB = os.path.join(HERE, "lab")

# ------------------------------------------------------------ client library --

LIBARBOR_BUILD = os.path.join(ROOT, ".build", "libarbor")


def build_libarbor():
    """Builds libarbor (clib/, `make`) into .build/libarbor when it is missing or older than
    its sources; returns the shared library's path. Scripts that start lab-client in the
    lab's namespaces call it first, so that the clients find the library built."""
    subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "clib"), f"BUILD={LIBARBOR_BUILD}",
                    os.path.join(LIBARBOR_BUILD, "libarbor.so.1")], check=True)
    return os.path.join(LIBARBOR_BUILD, "libarbor.so.1")


def client_library():
    """The Python binding (python/arbor, over libarbor): the one client of the client
    protocol the lab's Python tools use. Uses $ARBOR_LIBRARY if set, else the repository's
    build (made by build_libarbor() when missing)."""
    if not os.environ.get("ARBOR_LIBRARY"):
        path = os.path.join(LIBARBOR_BUILD, "libarbor.so.1")
        os.environ["ARBOR_LIBRARY"] = path if os.path.exists(path) else build_libarbor()
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import arbor
    return arbor


def connect(arbor, run_dir, name, timeout=0.0):
    """An arbor.Client of the node at `run_dir`, retrying for `timeout` seconds while the
    node is not (yet) accepting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return arbor.Client(run_dir, name=name)
        except arbor.ArborError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


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
    """GET a control API path (docs/control-api.md); the decoded JSON, or None when the
    request failed (no control socket yet, not found, node busy or gone)."""
    sock = os.path.join(run_dir, "control.sock")
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


# --------------------------------------------------------- node views (control API) --

def node_peers(lab, host):
    """Names of the peers `host` has a link up to (/v1/peers: entries with state "up");
    the empty set when the node does not answer."""
    data = control_get(lab.run_dir(host), "/v1/peers") or []
    return {p["name"] for p in data if p["state"] == "up"}


def node_route(lab, host, topology):
    """(root, parent or None, sorted engaged names) of `host` in `topology` from
    /v1/routes/{topology}; None when the node knows no root (yet) or does not answer."""
    data = control_get(lab.run_dir(host), f"/v1/routes/{topology}")
    if not data or data["root"] is None:
        return None
    return (data["root"], data["parent"], sorted(data["engaged"]))


def node_tree(lab, host, topology):
    """The tree as `host` computes it (/v1/tree/{topology}): a sorted tuple of (node,
    parent, cost from the root), the root's parent None; () when the node has no tree (yet)
    or does not answer."""
    data = control_get(lab.run_dir(host), f"/v1/tree/{topology}")
    if not data:
        return ()
    return tuple(sorted((n["name"], n["parent"], n["cost"]) for n in data["nodes"]))


def tree_root(tree):
    """The root of a node_tree() answer, None for ()."""
    return next((name for name, parent, _ in tree if parent is None), None)


def events_after(run_dir, after):
    """(events, next) from /v1/events?after=AFTER: the events newer than sequence `after`
    and the newest sequence number; ([], after) when the node does not answer."""
    data = control_get(run_dir, f"/v1/events?after={after}")
    if data is None:
        return [], after
    return data["events"], data["next"]


# ------------------------------------------------------------------ misc --

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
