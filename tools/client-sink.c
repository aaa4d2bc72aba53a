/* client-sink: a fast stand-in node for measuring client throughput (tools/bench-client.sh).
 *
 * Usage: client-sink SOCKET_PATH CONNECTIONS MESSAGES PAYLOAD_SIZE
 *
 * Serves CONNECTIONS connections one after another. HELLO gets a WELCOME, PING a PONG,
 * any other request with a non-zero id an OK. PUBLISH frames are counted, not stored.
 * SUBSCRIBE (after its OK) is answered with MESSAGES messages of PAYLOAD_SIZE bytes on
 * that topology, topic "bench", sequences 1..MESSAGES, as fast as the socket takes them
 * (the connection is served by one thread: requests are not read meanwhile).
 * After each connection it prints "connection N: P publishes, F frames, S s: R publishes/s"
 * on standard error (from the first PUBLISH to the last).
 * Build: cc -O2 -o client-sink client-sink.c */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BUFFER (4 << 20)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v); }
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One answer frame with a 4-byte id body (OK, PONG). */
static int answer(int fd, uint8_t type, uint32_t id) {
    uint8_t f[9];
    put32(f, 5);
    f[4] = type;
    put32(f + 5, id);
    return write_all(fd, f, 9);
}

/* Streams `count` MESSAGE frames of topology (body bytes t, length tl). */
static int stream(int fd, const uint8_t *t, uint8_t tl, long count, long size) {
    size_t frame = 4 + 1 + 16 + 8 + 8 + 1 + tl + 2 + 5 + 4 + (size_t)size;
    size_t per = frame < BUFFER ? BUFFER / frame : 1;
    uint8_t *out = malloc(per * frame);
    if (!out) return -1;
    long sequence = 0;
    while (sequence < count) {
        size_t n = 0;
        while (n < per && sequence < count) {
            uint8_t *p = out + n * frame;
            sequence++;
            put32(p, (uint32_t)(frame - 4));
            p[4] = 0x84;
            for (int i = 0; i < 16; i++) p[5 + i] = (uint8_t)i;
            put64(p + 21, 1);
            put64(p + 29, (uint64_t)sequence);
            p[37] = tl;
            memcpy(p + 38, t, tl);
            put16(p + 38 + tl, 5);
            memcpy(p + 40 + tl, "bench", 5);
            put32(p + 45 + tl, (uint32_t)size);
            memset(p + 49 + tl, 'x', (size_t)size);
            n++;
        }
        if (write_all(fd, out, n * frame)) { free(out); return -1; }
    }
    free(out);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s SOCKET_PATH CONNECTIONS MESSAGES PAYLOAD_SIZE\n", argv[0]);
        return 2;
    }
    int connections = atoi(argv[2]);
    long messages = atol(argv[3]), size = atol(argv[4]);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(argv[1]) >= sizeof addr.sun_path) { fprintf(stderr, "path too long\n"); return 2; }
    strcpy(addr.sun_path, argv[1]);
    int server = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(argv[1]);
    if (server < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) || listen(server, 4)) {
        perror(argv[1]);
        return 1;
    }
    chmod(argv[1], 0660);
    uint8_t *buffer = malloc(BUFFER);
    if (!buffer) return 1;
    for (int c = 1; c <= connections; c++) {
        int fd = accept(server, NULL, NULL);
        if (fd < 0) { perror("accept"); return 1; }
        long publishes = 0, frames = 0;
        double first = 0, last = 0;
        size_t have = 0;
        for (;;) {
            ssize_t r = read(fd, buffer + have, BUFFER - have);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            have += (size_t)r;
            size_t at = 0;
            while (have - at >= 5) {
                uint32_t length = get32(buffer + at);
                if (length < 1 || length > BUFFER - 4) { fprintf(stderr, "bad frame length %u\n", length); return 1; }
                if (have - at < 4 + (size_t)length) break;
                const uint8_t *f = buffer + at + 4;
                uint32_t id = length >= 5 ? get32(f + 1) : 0;
                frames++;
                switch (f[0]) {
                case 0x01: { /* HELLO -> WELCOME */
                    uint8_t w[4 + 1 + 4 + 2 + 16 + 4 + 1 + 4];
                    put32(w, sizeof w - 4);
                    w[4] = 0x81;
                    put32(w + 5, id);
                    put16(w + 9, 1);
                    for (int i = 0; i < 16; i++) w[11 + i] = (uint8_t)i;
                    put32(w + 27, 1048576);
                    w[31] = 4;
                    memcpy(w + 32, "sink", 4);
                    if (write_all(fd, w, sizeof w)) goto done;
                    break;
                }
                case 0x06: /* PUBLISH */
                    if (publishes == 0) first = now();
                    publishes++;
                    last = now();
                    if (id && answer(fd, 0x82, id)) goto done;
                    break;
                case 0x07: /* PING -> PONG */
                    if (answer(fd, 0x86, id)) goto done;
                    break;
                case 0x04: /* SUBSCRIBE -> OK, then the stream */
                    if (answer(fd, 0x82, id)) goto done;
                    if (length >= 6 && stream(fd, f + 6, f[5], messages, size)) goto done;
                    break;
                default:
                    if (id && answer(fd, 0x82, id)) goto done;
                }
                at += 4 + (size_t)length;
            }
            memmove(buffer, buffer + at, have - at);
            have -= at;
        }
    done:
        close(fd);
        double seconds = last - first;
        fprintf(stderr, "connection %d: %ld publishes, %ld frames, %.3f s: %.0f publishes/s\n", c, publishes, frames,
                seconds, seconds > 0 ? (double)publishes / seconds : 0.0);
    }
    close(server);
    unlink(argv[1]);
    free(buffer);
    return 0;
}
