/* libarbor against a lying node (the Swift test node lying, Tests/ArborClientTests/LyingNode.swift):
 * every malformed or cut answer ends in a status, never in a crash or an overread (built with
 * -fsanitize=address,undefined by LibarborRobustnessTests). Usage: robustness SOCKET_PATH FUZZ_ROUNDS
 * Prints one line per check and "N passed, N failed". */
#include "arbor.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void check(const char *what, int ok, arbor_client *c) {
    printf("%s: %s%s%s\n", ok ? "ok" : "FAILED", what, ok ? "" : " -- ", ok ? "" : arbor_last_error(c));
    ok ? passed++ : failed++;
}

/* Connects as `scenario`; the status of the connection. */
static int open_as(const char *path, const char *scenario, arbor_client **c) {
    return arbor_connect_path(path, scenario, c);
}

/* Connects, subscribes, then reads events until an error; the first non-OK status. */
static int drain(arbor_client *c, int *events) {
    int s = arbor_subscribe(c, "t", "", 0);
    arbor_event ev;
    *events = 0;
    while (s == ARBOR_OK && (s = arbor_next_event(c, &ev, 2000)) == ARBOR_OK) (*events)++;
    return s;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    const char *path = argv[1];
    int rounds = atoi(argv[2]), s, n;
    setvbuf(stdout, NULL, _IOLBF, 0);
    arbor_client *c;

    const char *protocol[] = { "zero-length", "huge-length", "welcome-overrun" };
    for (size_t i = 0; i < 3; i++) {
        s = open_as(path, protocol[i], &c);
        char what[100];
        snprintf(what, sizeof what, "%s at connect is a protocol violation", protocol[i]);
        check(what, s == ARBOR_E_PROTOCOL, c);
        arbor_close(c);
    }
    s = open_as(path, "close-mid-frame", &c);
    check("a WELCOME cut by a close: closed, inside a frame",
          s == ARBOR_E_CLOSED && strstr(arbor_last_error(c), "inside a frame"), c);
    arbor_close(c);
    s = open_as(path, "limit-at-connect", &c);
    check("ERROR 11 then close at connect: closed, with the node's reason",
          s == ARBOR_E_CLOSED && strstr(arbor_last_error(c), "limit reached (11)"), c);
    arbor_close(c);

    s = open_as(path, "refuse", &c);
    if (s == ARBOR_OK) s = arbor_subscribe(c, "t", "k", 1);
    check("a refusal: ARBOR_E_REFUSED, code 5, the node's text",
          s == ARBOR_E_REFUSED && arbor_last_refusal(c) == 5 && strstr(arbor_last_error(c), "not permitted in t"), c);
    arbor_close(c);

    s = open_as(path, "events-during-answer", &c);
    if (s == ARBOR_OK) s = arbor_subscribe(c, "t", "", 0);
    arbor_event ev;
    int pending = arbor_pending(c);
    int a = arbor_next_event(c, &ev, 0), at = ev.type;
    uint64_t seq = ev.sequence;
    int b = arbor_next_event(c, &ev, 0), bt = ev.type;
    int d = arbor_next_event(c, &ev, 0);
    uint64_t seq2 = ev.sequence;
    int e = arbor_next_event(c, &ev, 0);
    check("events before an answer are kept, in order, then the timeout",
          s == ARBOR_OK && pending && a == ARBOR_OK && at == ARBOR_EVENT_MESSAGE && seq == 1 && b == ARBOR_OK
              && bt == ARBOR_EVENT_GAP && d == ARBOR_OK && seq2 == 4 && e == ARBOR_E_TIMEOUT && !arbor_pending(c), c);
    arbor_close(c);

    const char *bad[] = { "payload-overrun", "topic-overrun", "empty-topology", "trailing-bytes" };
    for (size_t i = 0; i < 4; i++) {
        s = open_as(path, bad[i], &c);
        if (s == ARBOR_OK) s = drain(c, &n);
        char what[100];
        snprintf(what, sizeof what, "%s in an event is a protocol violation", bad[i]);
        check(what, s == ARBOR_E_PROTOCOL && n == 0 && arbor_next_event(c, &ev, 0) == ARBOR_E_PROTOCOL, c);
        arbor_close(c);
    }

    s = open_as(path, "slow-consumer", &c);
    if (s == ARBOR_OK) s = arbor_subscribe(c, "t", "", 0);
    a = arbor_next_event(c, &ev, 2000);
    b = arbor_next_event(c, &ev, 2000);
    check("ERROR 9 then close: an error event, then closed naming slow consumer",
          s == ARBOR_OK && a == ARBOR_OK && b == ARBOR_E_CLOSED && strstr(arbor_last_error(c), "slow consumer"), c);
    arbor_close(c);

    int survived = 1;
    for (int i = 0; i < rounds; i++) {
        char name[32];
        snprintf(name, sizeof name, "fuzz-%d", i);
        s = open_as(path, name, &c);
        if (s == ARBOR_OK) s = drain(c, &n);
        if (s != ARBOR_E_PROTOCOL && s != ARBOR_E_CLOSED && s != ARBOR_E_REFUSED && s != ARBOR_E_TIMEOUT) {
            printf("fuzz-%d: unexpected status %d: %s\n", i, s, arbor_last_error(c));
            survived = 0;
        }
        arbor_close(c);
    }
    check("random frames end in a status, never a crash", survived, NULL);

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
