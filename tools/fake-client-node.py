#!/usr/bin/env python3
"""A stand-in for arbord's client socket, for checking the examples of docs/client-protocol.md.

Usage: fake-client-node.py SOCKET_PATH CONNECTIONS

Serves CONNECTIONS connections one after another, then exits. It decodes every request
strictly as the document specifies and exits with status 1 on the first deviation, so an
example that frames anything wrongly fails the check. Behaviour: HELLO gets a WELCOME;
PUBLISH is stored (OK unless the id is 0); SUBSCRIBE gets an OK, then a MESSAGE for each
stored message of that topology whose topic starts with the prefix, then a GAP for the
next two sequences, then the connection is closed; PING gets a PONG; ATTACH, DETACH and
UNSUBSCRIBE get an OK (unless the id is 0).

For the client library's tests: a request naming a topology that starts with "refused"
gets ERROR 5 (not permitted), with its id even when that is 0, as a node does; a payload
over 1 MiB gets ERROR 6 (message too large). A client that leaves in the middle of an
answer ends its connection, not the server.

The node side of the client protocol in Python is written here once: its frame encoders
(frame, welcome, message, gap, error) are also what clib/tests/liar-node.py lies with.
"""
import os
import re
import socket
import struct
import sys

MAX_FRAME = 1048576 + 65536
NODE_ID = bytes(range(16))
TOPOLOGY = re.compile(rb"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$")


def fail(message):
    print(f"fake-client-node: {message}", file=sys.stderr)
    sys.exit(1)


class Body:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, count, field):
        if self.at + count > len(self.data):
            fail(f"truncated in {field}")
        chunk = self.data[self.at:self.at + count]
        self.at += count
        return chunk

    def u(self, fmt, field):
        return struct.unpack(">" + fmt, self.take(struct.calcsize(">" + fmt), field))[0]

    def topology(self):
        name = self.take(self.u("B", "topology length"), "topology")
        if not (1 <= len(name) <= 128 and TOPOLOGY.match(name)):
            fail(f"invalid topology name {name!r}")
        return name

    def topic(self, field):
        length = self.u("H", field + " length")
        if length > 1024:
            fail(f"{field} longer than 1024 bytes")
        return self.take(length, field)

    def end(self):
        if self.at != len(self.data):
            fail(f"{len(self.data) - self.at} trailing bytes")


def read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            if data:
                fail("stream ended inside a frame")
            return None
        data += chunk
    return data


def frame(frame_type, body):
    return struct.pack(">IB", len(body) + 1, frame_type) + body


def welcome(request_id, node_name=b"fake-node"):
    return frame(0x81, struct.pack(">IH", request_id, 1) + NODE_ID
                 + struct.pack(">IB", 1048576, len(node_name)) + node_name)


def message(topology, topic, payload, sequence, incarnation=1):
    return frame(0x84, NODE_ID + struct.pack(">QQB", incarnation, sequence, len(topology)) + topology
                 + struct.pack(">H", len(topic)) + topic + struct.pack(">I", len(payload)) + payload)


def gap(topology, first, last, incarnation=1):
    return frame(0x85, NODE_ID + struct.pack(">QQQB", incarnation, first, last, len(topology)) + topology)


def error(request_id, code, text):
    return frame(0x83, struct.pack(">IHH", request_id, code, len(text)) + text)


def send(conn, frame_type, body):
    conn.sendall(frame(frame_type, body))


def refuse(conn, request_id, code, text):
    conn.sendall(error(request_id, code, text.encode()))


def refused(topology):
    return topology.startswith(b"refused")


def serve(conn, store):
    greeted = False
    while True:
        header = read_exactly(conn, 4)
        if header is None:
            return
        (length,) = struct.unpack(">I", header)
        if not 1 <= length <= MAX_FRAME:
            fail(f"bad frame length {length}")
        frame = read_exactly(conn, length)
        if frame is None:
            fail("stream ended inside a frame")
        frame_type, body = frame[0], Body(frame[1:])
        request_id = body.u("I", "request id")
        if frame_type != 0x01 and not greeted:
            fail(f"request type {frame_type:#04x} before HELLO")
        if frame_type == 0x01:
            low, high = body.u("H", "min version"), body.u("H", "max version")
            name = body.take(body.u("B", "client name length"), "client name").decode()
            body.end()
            if not low <= 1 <= high:
                fail(f"HELLO offers versions {low}..{high}")
            greeted = True
            conn.sendall(welcome(request_id))
            print(f"fake-client-node: hello from {name}", file=sys.stderr)
        elif frame_type == 0x06:
            topology, topic = body.topology(), body.topic("topic")
            payload = body.take(body.u("I", "payload length"), "payload")
            body.end()
            if refused(topology):
                refuse(conn, request_id, 5, "this node may not publish to " + topology.decode())
                continue
            if len(payload) > 1048576:
                refuse(conn, request_id, 6, f"payload of {len(payload)} bytes, the limit is 1048576")
                continue
            store.append((topology, topic, payload))
            if request_id:
                send(conn, 0x82, struct.pack(">I", request_id))
        elif frame_type in (0x02, 0x03, 0x05):
            topology = body.topology()
            if frame_type == 0x05:
                body.topic("prefix")
            body.end()
            if refused(topology):
                refuse(conn, request_id, 5, "not permitted in " + topology.decode())
            elif request_id:
                send(conn, 0x82, struct.pack(">I", request_id))
        elif frame_type == 0x04:
            topology, prefix = body.topology(), body.topic("prefix")
            body.end()
            if refused(topology):
                refuse(conn, request_id, 5, "not permitted in " + topology.decode())
                continue
            send(conn, 0x82, struct.pack(">I", request_id))
            sequence = 0
            for stored_topology, topic, payload in store:
                sequence += 1
                if stored_topology == topology and topic.startswith(prefix):
                    conn.sendall(message(topology, topic, payload, sequence))
            conn.sendall(gap(topology, sequence + 1, sequence + 2))
            return
        elif frame_type == 0x07:
            body.end()
            send(conn, 0x86, struct.pack(">I", request_id))
        else:
            fail(f"unexpected request type {frame_type:#04x}")


def main():
    path, connections = sys.argv[1], int(sys.argv[2])
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o660)
    server.listen(4)
    server.settimeout(30)
    store = []
    for _ in range(connections):
        conn, _ = server.accept()
        conn.settimeout(30)
        with conn:
            try:
                serve(conn, store)
            except (BrokenPipeError, ConnectionResetError):
                print("fake-client-node: the client left early", file=sys.stderr)
    server.close()
    os.unlink(path)


if __name__ == "__main__":
    main()
