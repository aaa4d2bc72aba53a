/* arbor-subscriber: prints every message of TOPOLOGY whose topic starts with PREFIX.
 * Build: cc -o arbor-subscriber subscriber.c $(pkg-config --cflags --libs arbor)
 * Run:   arbor-subscriber nasdaq.quotes AAPL [COUNT]    (ARBOR_RUN_DIR moves the socket) */
#include <arbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 3) return fprintf(stderr, "usage: %s TOPOLOGY PREFIX [COUNT]\n", argv[0]), 2;
    long count = argc > 3 ? atol(argv[3]) : -1;
    arbor_client *c;
    int s = arbor_connect(NULL, "arbor-subscriber", &c);
    if (s == ARBOR_OK) s = arbor_subscribe(c, argv[1], argv[2], strlen(argv[2]));
    arbor_event ev;
    while (s == ARBOR_OK && count != 0 && (s = arbor_next_event(c, &ev, -1)) == ARBOR_OK) {
        if (ev.type == ARBOR_EVENT_MESSAGE) {
            printf("%s %.*s seq=%llu %.*s\n", ev.topology, (int)ev.topic_len, (const char *)ev.topic,
                   (unsigned long long)ev.sequence, (int)ev.payload_len, (const char *)ev.payload);
            count--;
        } else if (ev.type == ARBOR_EVENT_GAP) {
            printf("%s gap %llu-%llu\n", ev.topology, (unsigned long long)ev.first, (unsigned long long)ev.last);
        }
        fflush(stdout);
    }
    if (s != ARBOR_OK) fprintf(stderr, "arbor-subscriber: %s\n", arbor_last_error(c));
    arbor_close(c);
    return s == ARBOR_OK ? 0 : 1;
}
