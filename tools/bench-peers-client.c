/* bench-peers-client: one load client for NATS, ZeroMQ and Arbor (tools/bench-peers), so that
 * the three systems are driven by the same code: one publisher (this thread) and one reader
 * thread per subscriber connection, in one process, on one monotonic clock.
 *
 * Usage:
 *   bench-peers-client SYSTEM MODE --pub ADDR --sub ADDR [--sub ADDR...] [options]
 *     SYSTEM  nats   ADDR is HOST:PORT of a nats-server (NATS's text protocol, written here)
 *             zmq    ADDR is a ZeroMQ endpoint (tcp://...): PUB connects to the first proxy's
 *                    XSUB side, SUB to the last proxy's XPUB side; high-water marks unlimited
 *             arbor  ADDR is an arbord's client.sock (libarbor for HELLO, ATTACH, SUBSCRIBE
 *                    and for reading; PUBLISH frames written from a template, in batches)
 *     MODE    throughput  --count N messages as fast as the publisher can write them
 *             latency     --rate R messages per second for --seconds S
 *     options --size BYTES (payload, at least 16; default 100) --topic T (default quotes)
 *             --topology NAME (arbor; default chain) --batch N (messages per write, 256)
 *             --dump FILE: one line per message: index, send time, each subscriber's
 *             arrival time (CLOCK_MONOTONIC ns, 0 for none), for timelines of the latency
 *   bench-peers-client zmq-proxy FRONT BACK
 *             an XSUB/XPUB proxy (zmq_proxy): XSUB on FRONT, XPUB binds BACK; FRONT is
 *             "bind:ENDPOINT" or "connect:ENDPOINT" (the XPUB of the proxy before it).
 *
 * Each payload starts with the message's index (8 bytes) and its send time (8 bytes,
 * CLOCK_MONOTONIC ns). Before measuring, the publisher sends probes (index all ones) until
 * every subscriber has seen one (interest has propagated), then waits 200 ms. Prints one
 * JSON object: received counts every subscriber's first copies, duplicates their extra
 * copies, lost = count x subscribers - received; msgs_per_s = received / (last arrival -
 * first send); publish_s = time to write everything; latency percentiles (µs) over all
 * arrivals; the client's own CPU per message (µs) while measuring: pub_cpu_us the publisher
 * thread's per message sent, sub_cpu_us the reader threads' per message received,
 * client_cpu_us the whole process's (ZeroMQ's I/O threads too) per message received.
 * Exit status 1 when a message was lost or duplicated.
 * Build: cc -O2 -pthread bench-peers-client.c -Iclib/include libarbor.a -lzmq */
#define _GNU_SOURCE
#include <arbor.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define MAX_SUBS 64
#define PROBE UINT64_MAX
#define READ_BUFFER (4 << 20)

enum system { NATS, ZMQ, ARBOR };

static enum system sys;
static const char *topic = "quotes", *topology = "chain";
static size_t size = 100;
static uint64_t count = 1000000;
static int batch = 256;
static atomic_int stopping;
static void *zctx;
static const char *dump_path;
static uint64_t *sent_at; /* send time (ns) per index, with --dump only */

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* CPU time of the calling thread (ns). */
static uint64_t thread_cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* CPU time of the whole process, every thread (ZeroMQ's I/O threads too) (ns). */
static uint64_t process_cpu_ns(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return ((uint64_t)u.ru_utime.tv_sec + (uint64_t)u.ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)u.ru_utime.tv_usec + (uint64_t)u.ru_stime.tv_usec) * 1000u;
}

static void die(const char *what) {
    fprintf(stderr, "bench-peers-client: %s\n", what);
    exit(2);
}

static void write_all(int fd, const void *p, size_t n) {
    const char *b = p;
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) die("send failed");
        b += w;
        n -= (size_t)w;
    }
}

static int tcp_connect(const char *hostport) {
    char host[64];
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host) die("bad HOST:PORT");
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) die("bad host");
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, big = 4 << 20;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) die("connect to nats-server failed");
    return fd;
}

/* ------------------------------------------------------------ subscribers -- */

struct sub {
    const char *addr;
    pthread_t thread;
    int fd;              /* nats */
    void *zsock;         /* zmq */
    arbor_client *ac;    /* arbor */
    uint8_t *copies;     /* per index */
    uint64_t *latency;   /* ns per arrival (first copies), received entries */
    uint64_t *by_index;  /* arrival time (ns) per index, with --dump only */
    uint64_t received, duplicates;
    atomic_int ready;
    atomic_uint_fast64_t progress; /* received, for the main thread */
    uint64_t last_arrival;
    uint64_t cpu_start_ns, cpu_ns; /* the reader thread's CPU time when measuring began, when it ended */
    char error[160];
};

static void deliver(struct sub *s, const uint8_t *payload, size_t len) {
    if (len < 16) return;
    uint64_t index, sent;
    memcpy(&index, payload, 8);
    memcpy(&sent, payload + 8, 8);
    if (index == PROBE) {
        atomic_store(&s->ready, 1);
        return;
    }
    if (index >= count) return;
    uint64_t now = now_ns();
    if (s->copies[index]++) {
        s->duplicates++;
        return;
    }
    s->latency[s->received++] = now - sent;
    if (s->by_index) s->by_index[index] = now;
    s->last_arrival = now;
    atomic_store_explicit(&s->progress, s->received, memory_order_relaxed);
}

/* NATS: reads INFO, says CONNECT, subscribes and waits for the PONG of a PING. */
static void nats_open(struct sub *s, const char *subject_to_sub) {
    s->fd = tcp_connect(s->addr);
    char line[256];
    int n = snprintf(line, sizeof line, "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\n%s%s%sPING\r\n",
                     subject_to_sub ? "SUB " : "", subject_to_sub ? subject_to_sub : "", subject_to_sub ? " 1\r\n" : "");
    write_all(s->fd, line, (size_t)n);
    char buf[65536];
    size_t have = 0;
    for (;;) {
        ssize_t r = recv(s->fd, buf + have, sizeof buf - have - 1, 0);
        if (r <= 0) die("nats-server closed during connect");
        have += (size_t)r;
        buf[have] = 0;
        if (strstr(buf, "-ERR")) die(buf);
        if (strstr(buf, "PONG\r\n")) return;
    }
}

static void *nats_reader(void *arg) {
    struct sub *s = arg;
    uint8_t *buf = malloc(READ_BUFFER);
    size_t have = 0, at = 0;
    while (!atomic_load(&stopping)) {
        struct pollfd p = { s->fd, POLLIN, 0 };
        if (poll(&p, 1, 100) <= 0) continue;
        if (at > 0) {
            memmove(buf, buf + at, have - at);
            have -= at;
            at = 0;
        }
        ssize_t r = recv(s->fd, buf + have, READ_BUFFER - have, 0);
        if (r <= 0) {
            snprintf(s->error, sizeof s->error, "nats-server closed the connection");
            break;
        }
        have += (size_t)r;
        for (;;) {
            uint8_t *end = memmem(buf + at, have - at, "\r\n", 2);
            if (!end) break;
            uint8_t *line = buf + at;
            size_t line_len = (size_t)(end - line);
            if (line_len > 4 && memcmp(line, "MSG ", 4) == 0) {
                /* MSG <subject> <sid> [reply] <bytes> */
                uint8_t *space = end;
                while (space > line && space[-1] != ' ') space--;
                size_t bytes = strtoul((char *)space, NULL, 10);
                size_t need = line_len + 2 + bytes + 2;
                if (have - at < need) break;
                deliver(s, end + 2, bytes);
                at += need;
                continue;
            }
            if (line_len == 4 && memcmp(line, "PING", 4) == 0) write_all(s->fd, "PONG\r\n", 6);
            if (line_len >= 4 && memcmp(line, "-ERR", 4) == 0)
                snprintf(s->error, sizeof s->error, "%.*s", (int)(line_len < 150 ? line_len : 150), line);
            at += line_len + 2;
        }
        if (at == 0 && have == READ_BUFFER) die("a NATS message larger than the read buffer");
    }
    free(buf);
    s->cpu_ns = thread_cpu_ns();
    return NULL;
}

static void *zmq_reader(void *arg) {
    struct sub *s = arg;
    uint8_t *buf = malloc(1 << 20);
    size_t skip = strlen(topic);
    while (!atomic_load(&stopping)) {
        int n = zmq_recv(s->zsock, buf, 1 << 20, 0);
        if (n < 0) {
            if (zmq_errno() == EAGAIN || zmq_errno() == EINTR) continue;
            snprintf(s->error, sizeof s->error, "zmq_recv: %s", zmq_strerror(zmq_errno()));
            break;
        }
        if ((size_t)n > skip) deliver(s, buf + skip, (size_t)n - skip);
    }
    free(buf);
    s->cpu_ns = thread_cpu_ns();
    return NULL;
}

static void *arbor_reader(void *arg) {
    struct sub *s = arg;
    arbor_event ev;
    while (!atomic_load(&stopping)) {
        int r = arbor_next_event(s->ac, &ev, 100);
        if (r == ARBOR_E_TIMEOUT) continue;
        if (r != ARBOR_OK) {
            snprintf(s->error, sizeof s->error, "arbor: %s", arbor_last_error(s->ac));
            break;
        }
        if (ev.type == ARBOR_EVENT_MESSAGE) deliver(s, ev.payload, ev.payload_len);
        else if (ev.type == ARBOR_EVENT_GAP) snprintf(s->error, sizeof s->error, "GAP event");
    }
    s->cpu_ns = thread_cpu_ns();
    return NULL;
}

static void open_sub(struct sub *s) {
    s->copies = calloc(count, 1);
    s->latency = malloc(count * sizeof(uint64_t));
    if (dump_path) s->by_index = calloc(count, sizeof(uint64_t));
    if (!s->copies || !s->latency || (dump_path && !s->by_index)) die("out of memory");
    void *(*reader)(void *) = NULL;
    if (sys == NATS) {
        nats_open(s, topic);
        reader = nats_reader;
    } else if (sys == ZMQ) {
        s->zsock = zmq_socket(zctx, ZMQ_SUB);
        int zero = 0, timeout = 100;
        zmq_setsockopt(s->zsock, ZMQ_RCVHWM, &zero, sizeof zero);
        zmq_setsockopt(s->zsock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
        zmq_setsockopt(s->zsock, ZMQ_SUBSCRIBE, topic, strlen(topic));
        if (zmq_connect(s->zsock, s->addr)) die("zmq_connect (SUB) failed");
        reader = zmq_reader;
    } else {
        if (arbor_connect_path(s->addr, "bench-peers-sub", &s->ac) != ARBOR_OK) die(arbor_last_error(s->ac));
        if (arbor_subscribe(s->ac, topology, topic, strlen(topic)) != ARBOR_OK) die(arbor_last_error(s->ac));
        reader = arbor_reader;
    }
    pthread_create(&s->thread, NULL, reader, s);
}

/* ------------------------------------------------------------- publisher -- */

static int pub_fd;
static void *pub_zsock;
static arbor_client *pub_ac;
static uint8_t *frame;   /* one message as written (nats/arbor: with its header) */
static size_t frame_len, payload_at;
static uint8_t *out;
static size_t out_len;

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

static void open_pub(const char *addr) {
    size_t tl = strlen(topic);
    frame = malloc(size + 4096);
    if (sys == NATS) {
        struct sub s = { .addr = addr };
        nats_open(&s, NULL);
        pub_fd = s.fd;
        payload_at = (size_t)sprintf((char *)frame, "PUB %s %zu\r\n", topic, size);
        frame_len = payload_at + size + 2;
        memcpy(frame + payload_at + size, "\r\n", 2);
    } else if (sys == ZMQ) {
        pub_zsock = zmq_socket(zctx, ZMQ_PUB);
        int zero = 0;
        zmq_setsockopt(pub_zsock, ZMQ_SNDHWM, &zero, sizeof zero);
        if (zmq_connect(pub_zsock, addr)) die("zmq_connect (PUB) failed");
        memcpy(frame, topic, tl);
        payload_at = tl;
        frame_len = tl + size;
    } else {
        if (arbor_connect_path(addr, "bench-peers-pub", &pub_ac) != ARBOR_OK) die(arbor_last_error(pub_ac));
        if (arbor_attach(pub_ac, topology) != ARBOR_OK) die(arbor_last_error(pub_ac));
        pub_fd = arbor_fd(pub_ac);
        int big = 4 << 20;
        setsockopt(pub_fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        /* PUBLISH: length, type 0x06, id 0, topology (1 + n), topic (2 + m), payload (4 + k). */
        size_t n = strlen(topology), body = 1 + 4 + 1 + n + 2 + tl + 4 + size;
        uint8_t *p = frame;
        put32(p, (uint32_t)body);
        p[4] = 0x06;
        put32(p + 5, 0);
        p[9] = (uint8_t)n;
        memcpy(p + 10, topology, n);
        p += 10 + n;
        p[0] = (uint8_t)(tl >> 8);
        p[1] = (uint8_t)tl;
        memcpy(p + 2, topic, tl);
        put32(p + 2 + tl, (uint32_t)size);
        payload_at = (size_t)(p + 6 + tl - frame);
        frame_len = 4 + body;
    }
    memset(frame + payload_at + 16, '.', size - 16);
    out = malloc((size_t)batch * frame_len);
}

static void flush_out(void) {
    if (out_len && sys != ZMQ) write_all(pub_fd, out, out_len);
    out_len = 0;
    /* Answers from the server (NATS PINGs, Arbor ERRORs) are read without waiting. */
    if (sys != ZMQ) {
        char junk[4096];
        ssize_t r;
        while ((r = recv(pub_fd, junk, sizeof junk, MSG_DONTWAIT)) > 0) {
            if (sys == NATS && memmem(junk, (size_t)r, "PING\r\n", 6)) write_all(pub_fd, "PONG\r\n", 6);
            if (sys == NATS && memmem(junk, (size_t)r, "-ERR", 4)) fprintf(stderr, "publisher: %.*s\n", (int)r, junk);
        }
    }
}

/* Queues message `index` (sent now); ZeroMQ sends at once (it batches in its I/O thread). */
static void publish(uint64_t index) {
    uint64_t t = now_ns();
    memcpy(frame + payload_at, &index, 8);
    memcpy(frame + payload_at + 8, &t, 8);
    if (sent_at && index < count) sent_at[index] = t;
    if (sys == ZMQ) {
        while (zmq_send(pub_zsock, frame, frame_len, 0) < 0)
            if (zmq_errno() != EINTR) die("zmq_send failed");
        return;
    }
    memcpy(out + out_len, frame, frame_len);
    out_len += frame_len;
}

static void sleep_until(uint64_t t) {
    uint64_t now = now_ns();
    if (t <= now) return;
    struct timespec d = { (time_t)((t - now) / 1000000000u), (long)((t - now) % 1000000000u) };
    while (nanosleep(&d, &d) && errno == EINTR) {}
}

static int cmp64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void zmq_proxy_main(const char *front, const char *back) {
    zctx = zmq_ctx_new();
    void *xsub = zmq_socket(zctx, ZMQ_XSUB), *xpub = zmq_socket(zctx, ZMQ_XPUB);
    int zero = 0;
    zmq_setsockopt(xsub, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(xsub, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(xpub, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(xpub, ZMQ_RCVHWM, &zero, sizeof zero);
    int r = strncmp(front, "bind:", 5) == 0 ? zmq_bind(xsub, front + 5)
            : strncmp(front, "connect:", 8) == 0 ? zmq_connect(xsub, front + 8) : -1;
    if (r) die("proxy: bad or failing FRONT");
    if (zmq_bind(xpub, back)) die("proxy: zmq_bind BACK failed");
    zmq_proxy(xsub, xpub, NULL);
    exit(0);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "zmq-proxy") == 0) zmq_proxy_main(argv[2], argv[3]);
    if (argc < 3) die("usage: bench-peers-client nats|zmq|arbor throughput|latency --pub ADDR --sub ADDR... [options]");
    sys = strcmp(argv[1], "nats") == 0 ? NATS : strcmp(argv[1], "zmq") == 0 ? ZMQ : strcmp(argv[1], "arbor") == 0 ? ARBOR : (die("unknown system"), NATS);
    int latency_mode = strcmp(argv[2], "latency") == 0;
    if (!latency_mode && strcmp(argv[2], "throughput")) die("MODE is throughput or latency");
    const char *pub = NULL;
    static struct sub subs[MAX_SUBS];
    int nsubs = 0;
    uint64_t rate = 1000, seconds = 5;
    for (int i = 3; i + 1 < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--pub")) pub = v;
        else if (!strcmp(o, "--sub")) { if (nsubs == MAX_SUBS) die("too many --sub"); subs[nsubs++].addr = v; }
        else if (!strcmp(o, "--count")) count = strtoull(v, NULL, 10);
        else if (!strcmp(o, "--size")) size = strtoull(v, NULL, 10);
        else if (!strcmp(o, "--rate")) rate = strtoull(v, NULL, 10);
        else if (!strcmp(o, "--seconds")) seconds = strtoull(v, NULL, 10);
        else if (!strcmp(o, "--topic")) topic = v;
        else if (!strcmp(o, "--topology")) topology = v;
        else if (!strcmp(o, "--batch")) batch = atoi(v);
        else if (!strcmp(o, "--dump")) dump_path = v;
        else die("unknown option");
    }
    if (!pub || !nsubs || size < 16 || size > (1 << 20) || batch < 1 || !rate || rate > 1000000) die("bad arguments");
    if (latency_mode) count = rate * seconds;
    if (sys == ZMQ) zctx = zmq_ctx_new();
    if (dump_path && !(sent_at = calloc(count, sizeof(uint64_t)))) die("out of memory");
    for (int i = 0; i < nsubs; i++) open_sub(&subs[i]);
    open_pub(pub);

    /* Probes until every subscriber saw one (or 20 s). */
    uint64_t give_up = now_ns() + 20000000000u;
    for (;;) {
        int ready = 0;
        for (int i = 0; i < nsubs; i++) ready += atomic_load(&subs[i].ready);
        if (ready == nsubs) break;
        if (now_ns() > give_up) die("no probe reached every subscriber within 20 s");
        publish(PROBE);
        flush_out();
        usleep(20000);
    }
    usleep(200000);

    uint64_t begin = now_ns(), pub_cpu = thread_cpu_ns(), process_cpu = process_cpu_ns(), sub_cpu = 0;
    for (int i = 0; i < nsubs; i++) {
        clockid_t clock;
        struct timespec t = { 0, 0 };
        if (pthread_getcpuclockid(subs[i].thread, &clock) == 0) clock_gettime(clock, &t);
        subs[i].cpu_start_ns = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
    }
    if (latency_mode) {
        uint64_t interval = 1000000000u / rate;
        for (uint64_t i = 0; i < count; i++) {
            sleep_until(begin + i * interval);
            publish(i);
            flush_out();
        }
    } else {
        for (uint64_t i = 0; i < count; i++) {
            publish(i);
            if (out_len + frame_len > (size_t)batch * frame_len) flush_out();
        }
        flush_out();
    }
    uint64_t published = now_ns();
    pub_cpu = thread_cpu_ns() - pub_cpu;

    /* Until every subscriber has everything, or nothing new for 3 s. */
    uint64_t last_total = 0, last_change = now_ns(), want = count * (uint64_t)nsubs;
    for (;;) {
        uint64_t total = 0;
        for (int i = 0; i < nsubs; i++) total += atomic_load_explicit(&subs[i].progress, memory_order_relaxed);
        if (total >= want) break;
        if (total != last_total) { last_total = total; last_change = now_ns(); }
        else if (now_ns() - last_change > 3000000000u) break;
        usleep(1000);
    }
    usleep(latency_mode ? 100000 : 0); /* late duplicates */
    atomic_store(&stopping, 1);
    uint64_t received = 0, duplicates = 0, last = 0, nlat = 0;
    for (int i = 0; i < nsubs; i++) {
        pthread_join(subs[i].thread, NULL);
        received += subs[i].received;
        duplicates += subs[i].duplicates;
        sub_cpu += subs[i].cpu_ns - subs[i].cpu_start_ns;
        if (subs[i].last_arrival > last) last = subs[i].last_arrival;
        if (subs[i].error[0]) fprintf(stderr, "subscriber %d: %s\n", i, subs[i].error);
    }
    if (dump_path) {
        /* index, send time, then each subscriber's arrival time (CLOCK_MONOTONIC ns; 0: none) */
        FILE *f = fopen(dump_path, "w");
        if (!f) die("cannot open the --dump file");
        for (uint64_t i = 0; i < count; i++) {
            fprintf(f, "%llu %llu", (unsigned long long)i, (unsigned long long)sent_at[i]);
            for (int j = 0; j < nsubs; j++) fprintf(f, " %llu", (unsigned long long)subs[j].by_index[i]);
            fputc('\n', f);
        }
        fclose(f);
    }
    process_cpu = process_cpu_ns() - process_cpu;
    uint64_t *lat = malloc((received ? received : 1) * sizeof(uint64_t));
    for (int i = 0; i < nsubs; i++) {
        memcpy(lat + nlat, subs[i].latency, subs[i].received * sizeof(uint64_t));
        nlat += subs[i].received;
    }
    qsort(lat, nlat, sizeof *lat, cmp64);
#define PCT(f) (nlat ? (double)lat[(uint64_t)((double)(nlat - 1) * (f))] / 1e3 : 0.0)
    double secs = last > begin ? (double)(last - begin) / 1e9 : 0;
    printf("{\"system\":\"%s\",\"mode\":\"%s\",\"size\":%zu,\"count\":%llu,\"subscribers\":%d,\"received\":%llu,"
           "\"lost\":%llu,\"duplicates\":%llu,\"seconds\":%.4f,\"publish_s\":%.4f,\"msgs_per_s\":%.1f,"
           "\"rate\":%llu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
           "\"pub_cpu_us\":%.3f,\"sub_cpu_us\":%.3f,\"client_cpu_us\":%.3f}\n",
           argv[1], argv[2], size, (unsigned long long)count, nsubs, (unsigned long long)received,
           (unsigned long long)(want - received), (unsigned long long)duplicates, secs,
           (double)(published - begin) / 1e9, secs > 0 ? (double)received / secs : 0.0,
           (unsigned long long)(latency_mode ? rate : 0), PCT(0.5), PCT(0.99), nlat ? (double)lat[nlat - 1] / 1e3 : 0.0,
           (double)pub_cpu / 1e3 / (double)(count ? count : 1), (double)sub_cpu / 1e3 / (double)(received ? received : 1),
           (double)process_cpu / 1e3 / (double)(received ? received : 1));
    fflush(stdout);
    _exit(received == want && duplicates == 0 ? 0 : 1);
}
