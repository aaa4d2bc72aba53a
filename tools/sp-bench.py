#!/usr/bin/env python3
"""sp-bench: throughput through an arbord SP endpoint with pynng (tools/bench-posix-ways).

    sp-bench.py sub ADDRESS COUNT          receive COUNT messages (prints "ready" once dialled)
    sp-bench.py pub ADDRESS COUNT SIZE     send COUNT messages "bench PAYLOAD" of SIZE bytes

Prints "COUNT messages in S s: R msgs/s" (the subscriber from its first message to its last;
after 10 s without one it reports what it got).
"""
import sys
import time

import pynng


def main():
    mode, address, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "sub":
        with pynng.Sub0(recv_timeout=10000, recv_buffer_size=8192) as sub:
            sub.subscribe(b"bench")
            sub.dial(address, block=True)
            print("ready", flush=True)
            received, start, last = 0, None, None
            while received < count:
                try:
                    sub.recv()
                except pynng.Timeout:
                    break
                last = time.monotonic()
                if start is None:
                    start = last
                received += 1
            seconds = (last - start) if start is not None else 0.0
    else:
        body = b"bench " + b"." * int(sys.argv[4])
        with pynng.Pub0(send_buffer_size=8192) as pub:
            pub.dial(address, block=True)
            time.sleep(0.2)
            start = time.monotonic()
            for _ in range(count):
                pub.send(body)
            seconds = time.monotonic() - start
            time.sleep(1)  # let nng write what it queued before the socket closes
        received = count
    print(f"{received} messages in {seconds:.2f} s: {received / max(seconds, 1e-9):.0f} msgs/s", flush=True)
    return 0 if received == count else 1


if __name__ == "__main__":
    sys.exit(main())
