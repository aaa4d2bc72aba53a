/* packet-bench: throughput through arbord's packet.sock (tools/bench-posix-ways).
 *   packet-bench SOCKET pub TOPOLOGY TOPIC COUNT SIZE   sends COUNT payloads of SIZE bytes
 *   packet-bench SOCKET sub TOPOLOGY PREFIX COUNT       receives COUNT messages
 * Each prints "N messages in S s: R msgs/s" on standard output when done; the subscriber
 * prints "ready" (after the node's ok) first, counts from its first message to its last,
 * stops after 5 s without one (exit 1: fewer than COUNT) and exits 1 on err or gap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    static char buf[1 << 17];
    if (argc < 6) return fprintf(stderr, "usage: see the head of tools/packet-bench.c\n"), 2;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("connect"), 1;
    int publishing = strcmp(argv[2], "pub") == 0;
    int length = snprintf(buf, sizeof buf, "%s %s %s", argv[2], argv[3], argv[4]);
    send(fd, buf, length, 0);
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 3 || strncmp(buf, "ok\n", 3) != 0) return fprintf(stderr, "%.*s", (int)(n > 0 ? n : 0), buf), 1;
    long count = atol(argv[5]);
    double start = 0;
    if (publishing) {
        size_t size = argc > 6 ? (size_t)atol(argv[6]) : 64;
        memset(buf, '.', size);
        start = now();
        for (long i = 0; i < count; i++) {
            if (send(fd, buf, size, 0) < 0) return perror("send"), 1;
        }
    } else {
        struct timeval idle = {.tv_sec = 5};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
        printf("ready\n");
        fflush(stdout);
        double last = 0;
        long received = 0;
        while (received < count && (n = recv(fd, buf, sizeof buf, 0)) > 0) {
            if (strncmp(buf, "msg ", 4) != 0) return fprintf(stderr, "after %ld: %.*s", received, (int)n, buf), 1;
            last = now();
            if (received++ == 0) start = last;
        }
        printf("%ld messages in %.2f s: %.0f msgs/s\n", received, last - start, received / (last - start + 1e-9));
        return received == count ? 0 : 1;
    }
    double seconds = now() - start;
    printf("%ld messages in %.2f s: %.0f msgs/s\n", count, seconds, count / seconds);
    return 0;
}
