"""arbor_pub: publish each line of standard input as one message, through the arbor binding.

Run: python3 arbor_pub.py nasdaq.quotes AAPL < quotes.txt   (ARBOR_RUN_DIR moves the socket)
"""
import sys

import arbor

topology, topic = sys.argv[1], sys.argv[2].encode()
try:
    with arbor.Client(name="py-example") as client:
        for line in sys.stdin.buffer:
            client.publish_nowait(topology, topic, line.rstrip(b"\n"))  # no round trip per message
        client.flush()  # every message reached the node; raises the node's refusals
except arbor.ArborError as error:
    sys.exit(f"arbor_pub: {error}")
