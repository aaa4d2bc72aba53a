/* arbor-publisher: publishes each line of standard input as one message of TOPOLOGY, TOPIC.
 * Build: cc -o arbor-publisher publisher.c $(pkg-config --cflags --libs arbor)
 * Run:   printf '189.5\n190.25\n' | arbor-publisher nasdaq.quotes AAPL */
#include <arbor.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) return fprintf(stderr, "usage: %s TOPOLOGY TOPIC\n", argv[0]), 2;
    arbor_client *c;
    int s = arbor_connect(NULL, "arbor-publisher", &c);
    char line[65536];
    long sent = 0;
    while (s == ARBOR_OK && fgets(line, sizeof line, stdin)) {
        size_t n = strcspn(line, "\n");
        /* Unacknowledged: no round trip per message; refusals are reported by arbor_flush. */
        s = arbor_publish_nowait(c, argv[1], argv[2], strlen(argv[2]), line, n);
        sent++;
    }
    if (s == ARBOR_OK) s = arbor_flush(c); /* every message above reached the node */
    if (s != ARBOR_OK) fprintf(stderr, "arbor-publisher: %s\n", arbor_last_error(c));
    else fprintf(stderr, "arbor-publisher: %ld messages to %s\n", sent, arbor_node_name(c));
    arbor_close(c);
    return s == ARBOR_OK ? 0 : 1;
}
