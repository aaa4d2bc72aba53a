#!/usr/bin/env python3
"""sp-stream-check: a pynng SUB socket that must receive a stream complete and in order.

    sp-stream-check.py ADDRESS COUNT [--timeout S]

Connects a pynng Sub0 socket to ADDRESS (an arbord SP endpoint, ipc:// or tcp://),
subscribes to "seq.", prints "ready" once a "seq.ready" message arrived (the interest
reached the publisher's node), then expects COUNT messages on topic "seq.data" whose
payloads are `arbor pub --size` payloads ("#SEQUENCE @NANOSECONDS ...") numbered
consecutively. Exits 0 and prints "received COUNT in order" when so, 1 otherwise.
"""
import sys

import pynng


def main():
    address, count = sys.argv[1], int(sys.argv[2])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--timeout" else 60.0
    with pynng.Sub0(recv_timeout=int(timeout * 1000), recv_buffer_size=8192) as sub:
        sub.subscribe(b"seq.")
        sub.dial(address, block=True)
        received, expected = 0, None
        ready = False
        while received < count:
            try:
                message = sub.recv()
            except pynng.Timeout:
                print(f"timed out after {received} of {count} messages", file=sys.stderr)
                return 1
            topic, _, payload = message.partition(b" ")
            if topic == b"seq.ready":
                if not ready:
                    ready = True
                    print("ready", flush=True)
                continue
            if topic != b"seq.data":
                continue
            sequence = int(payload.split(b" ", 1)[0].lstrip(b"#"))
            if expected is not None and sequence != expected:
                print(f"message {received}: sequence {sequence}, expected {expected}", file=sys.stderr)
                return 1
            expected = sequence + 1
            received += 1
    print(f"received {count} in order", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
