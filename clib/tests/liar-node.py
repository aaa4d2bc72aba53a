#!/usr/bin/env python3
"""A lying node for libarbor's robustness test (clib/tests/robustness.c).

Usage: liar-node.py SOCKET_PATH

Serves connections until the client sends HELLO with the name "stop". The client names
the scenario in its HELLO; the node answers as the scenario says: malformed lengths,
fields that run past their frame, frames cut by a close, unsolicited errors, events
between a request and its answer, and seeded random frames ("fuzz-N").
"""
import os
import importlib.util
import os
import random
import socket
import struct
import sys

# The frame encoders of the stand-in node (tools/fake-client-node.py): the node side of the
# client protocol is written once in Python.
_spec = importlib.util.spec_from_file_location(
    "fake_client_node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "fake-client-node.py"))
_node = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_node)
frame, error, NODE = _node.frame, _node.error, _node.NODE_ID


def welcome():
    return _node.welcome(1, b"liar")


def message(topology=b"t", seq=1):
    return _node.message(topology, b"k", b"v", seq)


def gap():
    return _node.gap(b"t", 2, 3)


def read_frame(conn):
    header = b""
    while len(header) < 4:
        chunk = conn.recv(4 - len(header))
        if not chunk:
            return None
        header += chunk
    (n,) = struct.unpack(">I", header)
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def fuzz_frame(rng):
    kind = rng.choice([0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x00, 0x7f, 0xff])
    body = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80)))
    if rng.random() < 0.5:  # plausible counts at the usual places
        body = body[:rng.randrange(0, len(body) + 1)] + struct.pack(">H", rng.choice([0, 1, 1024, 1025, 65535]))
    if rng.random() < 0.1:
        return struct.pack(">I", rng.choice([0, 1114113, 0xFFFFFFFF])) + bytes([kind]) + body
    return frame(kind, body)


# Each scenario: what to send after the HELLO (bytes), then the answer to each further
# request (None in that list: close there; None for the list: close after the first).
def scenario(name):
    if name == "zero-length":
        return struct.pack(">I", 0), []
    if name == "huge-length":
        return struct.pack(">I", 0xFFFFFFFF) + b"\x81", []
    if name == "welcome-overrun":
        return frame(0x81, struct.pack(">IH", 1, 1) + NODE + struct.pack(">IB", 1048576, 200) + b"short"), []
    if name == "close-mid-frame":
        return welcome()[:20], None
    if name == "limit-at-connect":
        return error(0, 11, b"at most 1 client connections (arbord --max-clients)"), None
    if name == "refuse":
        return welcome(), [error(2, 5, b"not permitted in t")]
    if name == "events-during-answer":
        return welcome(), [message(seq=1) + gap() + message(seq=4) + frame(0x82, struct.pack(">I", 2))]
    if name == "payload-overrun":
        body = NODE + struct.pack(">QQB", 1, 1, 1) + b"t" + struct.pack(">H", 1) + b"k" + struct.pack(">I", 0xFFFFFFF0)
        return welcome(), [frame(0x82, struct.pack(">I", 2)) + frame(0x84, body + b"xyz")]
    if name == "topic-overrun":
        body = NODE + struct.pack(">QQB", 1, 1, 1) + b"t" + struct.pack(">H", 2000) + b"k" * 2000 + struct.pack(">I", 0)
        return welcome(), [frame(0x82, struct.pack(">I", 2)) + frame(0x84, body)]
    if name == "empty-topology":
        return welcome(), [frame(0x82, struct.pack(">I", 2)) + message(topology=b"")]
    if name == "trailing-bytes":
        return welcome(), [frame(0x82, struct.pack(">I", 2)) + frame(0x85, gap()[5:] + b"!")]
    if name == "slow-consumer":
        return welcome(), [frame(0x82, struct.pack(">I", 2)) + error(0, 9, b"read too slowly"), None]
    if name.startswith("fuzz-"):
        rng = random.Random(int(name[5:]))
        return welcome(), [b"".join(fuzz_frame(rng) for _ in range(rng.randrange(1, 6))), None]
    return welcome(), []


def main():
    path = sys.argv[1]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    server.settimeout(60)
    while True:
        conn, _ = server.accept()
        conn.settimeout(10)
        with conn:
            hello = read_frame(conn)
            if hello is None:
                continue
            name = hello[10:10 + hello[9]].decode()
            if name == "stop":
                break
            first, answers = scenario(name)
            try:
                conn.sendall(first)
                if answers is None:
                    continue
                for answer in answers:
                    if answer is None:  # close now
                        break
                    if read_frame(conn) is None:
                        break
                    conn.sendall(answer)
                else:
                    while read_frame(conn) is not None:  # until the client leaves
                        pass
            except OSError:
                pass
    server.close()
    os.unlink(path)


if __name__ == "__main__":
    main()
