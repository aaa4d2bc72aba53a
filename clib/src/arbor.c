/* libarbor: the client protocol of docs/client-protocol.md in C. The contract is arbor.h.
 *
 * One client holds three byte buffers: `in` (bytes read from the socket, parsed frame by
 * frame from in_off), `pend` (event frames read while a call waited for its answer, each
 * stored as length + type + body, delivered from pend_off) and `out` (requests not yet
 * written: a request is built there and written at once). Every length from the node is
 * checked before it is used. */
#define _POSIX_C_SOURCE 200809L
#include "arbor.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { HELLO = 0x01, ATTACH = 0x02, DETACH = 0x03, SUBSCRIBE = 0x04, UNSUBSCRIBE = 0x05,
       PUBLISH = 0x06, PING = 0x07 };
enum { WELCOME = 0x81, OK = 0x82, ERROR = 0x83, MESSAGE = 0x84, GAP = 0x85, PONG = 0x86 };

#define CONNECT_TIMEOUT_MS 5000
#define READ_CHUNK (64u << 10)

struct buffer { uint8_t *p; size_t len, cap, off; };

struct arbor_client {
    int fd;
    int broken;                 /* 0, or the status every call returns from now on */
    struct buffer in, pend, out;
    uint32_t next_id;
    char node_name[256];
    uint8_t node_id[16];
    unsigned version;
    uint32_t max_message;
    unsigned last_refusal;
    unsigned unacked_refused;   /* refusals of id-0 requests since the last flush */
    char first_unacked[600];
    char closing_reason[600];   /* the ERROR the node sent before it closed, if any */
    char topology[ARBOR_MAX_TOPOLOGY + 1];
    char text[ARBOR_MAX_TOPIC + 1];
    char error[1200];
};

/* ------------------------------------------------------------------ errors -- */

const char *arbor_strerror(int status) {
    switch (status) {
    case ARBOR_OK: return "success";
    case ARBOR_E_INVALID: return "invalid argument";
    case ARBOR_E_NOT_RUNNING: return "no arbord running";
    case ARBOR_E_NOT_ACCEPTING: return "no arbord accepting";
    case ARBOR_E_PERMISSION: return "permission denied";
    case ARBOR_E_CONNECT: return "cannot connect";
    case ARBOR_E_IO: return "input/output error";
    case ARBOR_E_CLOSED: return "the node closed the connection";
    case ARBOR_E_PROTOCOL: return "protocol violation";
    case ARBOR_E_REFUSED: return "refused by the node";
    case ARBOR_E_NOMEM: return "out of memory";
    case ARBOR_E_TIMEOUT: return "timed out";
    case ARBOR_E_OVERFLOW: return "too many events buffered";
    default: return "unknown status";
    }
}

const char *arbor_refusal_name(unsigned code) {
    static const char *const names[] = {
        NULL, "malformed request", "unknown request", "unsupported version", "hello required",
        "not permitted", "message too large", "not in topology", "too many topologies",
        "slow consumer", "shutting down", "limit reached",
    };
    return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

static int fail(arbor_client *c, int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(c->error, sizeof c->error, format, args);
    va_end(args);
    return status;
}

/* Marks the connection unusable: every later call returns `status`. */
static int breakdown(arbor_client *c, int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(c->error, sizeof c->error, format, args);
    va_end(args);
    c->broken = status;
    return status;
}

static void describe_refusal(char *into, size_t size, unsigned code, const char *text) {
    const char *name = arbor_refusal_name(code);
    if (name) snprintf(into, size, "%s (%u): %s", name, code, text);
    else snprintf(into, size, "error %u: %s", code, text);
}

/* ------------------------------------------------------------------ buffers -- */

static int reserve(struct buffer *b, size_t extra) {
    if (b->off > 0 && b->off == b->len) b->off = b->len = 0;
    if (b->cap - b->len >= extra) return 0;
    if (b->off > 0) {
        memmove(b->p, b->p + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->cap - b->len >= extra) return 0;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

/* A cursor over a frame body: take() returns NULL when fewer than n bytes are left. */
struct cursor { const uint8_t *p; size_t left; };
static const uint8_t *take(struct cursor *k, size_t n) {
    if (k->left < n) return NULL;
    const uint8_t *start = k->p;
    k->p += n;
    k->left -= n;
    return start;
}

/* ------------------------------------------------------------------ writing -- */

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Writes everything queued. */
static int send_out(arbor_client *c) {
    struct buffer *b = &c->out;
    while (b->off < b->len) {
        ssize_t n = send(c->fd, b->p + b->off, b->len - b->off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EPIPE) return breakdown(c, ARBOR_E_CLOSED, "the node closed the connection%s%s",
                                                      c->closing_reason[0] ? ": " : "", c->closing_reason);
        if (n <= 0) return breakdown(c, ARBOR_E_IO, "writing to the node: %s", strerror(errno));
        b->off += (size_t)n;
    }
    b->off = b->len = 0;
    return ARBOR_OK;
}

static int check_topology(arbor_client *c, const char *topology, size_t *len) {
    if (!topology) return fail(c, ARBOR_E_INVALID, "no topology");
    size_t n = strlen(topology);
    if (n < 1 || n > ARBOR_MAX_TOPOLOGY)
        return fail(c, ARBOR_E_INVALID, "a topology name has 1-%d bytes, not %zu", ARBOR_MAX_TOPOLOGY, n);
    *len = n;
    return ARBOR_OK;
}

/* Queues one request: id, then an optional topology, then the given fields, each with
 * a count of `count_size` bytes (0: no count). */
struct field { const void *p; size_t len; int count_size; };

static int queue(arbor_client *c, uint8_t type, uint32_t id, const char *topology,
                 const struct field *fields, int nfields) {
    size_t tlen = 0, body = 4;
    if (topology) {
        int s = check_topology(c, topology, &tlen);
        if (s) return s;
        body += 1 + tlen;
    }
    for (int i = 0; i < nfields; i++) {
        if (fields[i].len > 0 && !fields[i].p) return fail(c, ARBOR_E_INVALID, "a NULL field with a length");
        if (fields[i].count_size == 2 && fields[i].len > ARBOR_MAX_TOPIC)
            return fail(c, ARBOR_E_INVALID, "a topic or prefix has at most %d bytes, not %zu", ARBOR_MAX_TOPIC,
                        fields[i].len);
        if (fields[i].len > ARBOR_MAX_FRAME) return fail(c, ARBOR_E_INVALID, "a payload of %zu bytes", fields[i].len);
        body += (size_t)fields[i].count_size + fields[i].len;
    }
    if (body + 1 > ARBOR_MAX_FRAME)
        return fail(c, ARBOR_E_INVALID, "the request would be %zu bytes, over the frame limit %d", body + 1,
                    ARBOR_MAX_FRAME);
    if (reserve(&c->out, 5 + body)) return fail(c, ARBOR_E_NOMEM, "out of memory");
    uint8_t *p = c->out.p + c->out.len;
    put32(p, (uint32_t)(body + 1));
    p[4] = type;
    put32(p + 5, id);
    p += 9;
    if (topology) {
        *p++ = (uint8_t)tlen;
        memcpy(p, topology, tlen);
        p += tlen;
    }
    for (int i = 0; i < nfields; i++) {
        if (fields[i].count_size == 1) *p++ = (uint8_t)fields[i].len;
        if (fields[i].count_size == 2) { put16(p, (uint16_t)fields[i].len); p += 2; }
        if (fields[i].count_size == 4) { put32(p, (uint32_t)fields[i].len); p += 4; }
        if (fields[i].len) memcpy(p, fields[i].p, fields[i].len);
        p += fields[i].len;
    }
    c->out.len += 5 + body;
    return ARBOR_OK;
}

/* ------------------------------------------------------------------ reading -- */

/* The next complete frame from the socket (type + body at *frame, *len bytes), waiting
 * until `*deadline` (a now_ms() value; < 0: no limit; NAN: `timeout_ms` from the first
 * wait, which sets it: a frame already received costs no clock reading). ARBOR_E_TIMEOUT
 * when none came. */
static int read_frame(arbor_client *c, double *deadline, int timeout_ms, const uint8_t **frame, uint32_t *len) {
    struct buffer *b = &c->in;
    for (;;) {
        size_t have = b->len - b->off;
        if (have >= 4) {
            uint32_t n = get32(b->p + b->off);
            if (n < 1 || n > ARBOR_MAX_FRAME)
                return breakdown(c, ARBOR_E_PROTOCOL, "the node sent a frame length of %u (1-%d allowed)",
                                 (unsigned)n, ARBOR_MAX_FRAME);
            if (have - 4 >= n) {
                *frame = b->p + b->off + 4;
                *len = n;
                b->off += 4 + (size_t)n;
                return ARBOR_OK;
            }
        }
        int wait = -1;
        if (isnan(*deadline)) *deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        if (*deadline >= 0) {
            double left = *deadline - now_ms();
            wait = left <= 0 ? 0 : (int)(left + 0.999);
        }
        struct pollfd pfd = { c->fd, POLLIN, 0 };
        int r = poll(&pfd, 1, wait);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return breakdown(c, ARBOR_E_IO, "poll: %s", strerror(errno));
        if (r == 0) return fail(c, ARBOR_E_TIMEOUT, "no event within the timeout");
        if (reserve(b, READ_CHUNK)) return breakdown(c, ARBOR_E_NOMEM, "out of memory");
        ssize_t got = recv(c->fd, b->p + b->len, b->cap - b->len, 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got < 0) return breakdown(c, ARBOR_E_IO, "reading from the node: %s", strerror(errno));
        if (got == 0)
            return breakdown(c, ARBOR_E_CLOSED, "the node closed the connection%s%s%s",
                             b->len > b->off ? " inside a frame" : "", c->closing_reason[0] ? ": " : "",
                             c->closing_reason);
        b->len += (size_t)got;
    }
}

/* Decodes MESSAGE, GAP and ERROR frames into *ev. ARBOR_E_PROTOCOL if it does not decode. */
static int decode_event(arbor_client *c, const uint8_t *frame, uint32_t len, arbor_event *ev) {
    struct cursor k = { frame + 1, len - 1 };
    const uint8_t *f, *g;
    memset(ev, 0, sizeof *ev);
    switch (frame[0]) {
    case MESSAGE:
    case GAP:
        if (!(f = take(&k, 16))) goto bad;
        memcpy(ev->origin, f, 16);
        if (!(f = take(&k, 8))) goto bad;
        ev->incarnation = get64(f);
        if (frame[0] == MESSAGE) {
            if (!(f = take(&k, 8))) goto bad;
            ev->sequence = get64(f);
        } else {
            if (!(f = take(&k, 16))) goto bad;
            ev->first = get64(f);
            ev->last = get64(f + 8);
        }
        if (!(f = take(&k, 1)) || f[0] < 1 || f[0] > ARBOR_MAX_TOPOLOGY || !(g = take(&k, f[0]))) goto bad;
        memcpy(c->topology, g, f[0]);
        c->topology[f[0]] = 0;
        ev->topology = c->topology;
        if (frame[0] == GAP) {
            ev->type = ARBOR_EVENT_GAP;
            break;
        }
        ev->type = ARBOR_EVENT_MESSAGE;
        if (!(f = take(&k, 2)) || get16(f) > ARBOR_MAX_TOPIC || !(g = take(&k, get16(f)))) goto bad;
        ev->topic = g;
        ev->topic_len = get16(f);
        if (!(f = take(&k, 4)) || !(g = take(&k, get32(f)))) goto bad;
        ev->payload = g;
        ev->payload_len = get32(f);
        break;
    case ERROR:
        if (!take(&k, 4) || !(f = take(&k, 2))) goto bad;
        ev->type = ARBOR_EVENT_ERROR;
        ev->error_code = get16(f);
        if (!(f = take(&k, 2)) || get16(f) > ARBOR_MAX_TOPIC || !(g = take(&k, get16(f)))) goto bad;
        memcpy(c->text, g, get16(f));
        c->text[get16(f)] = 0;
        ev->error_text = c->text;
        break;
    default:
        goto bad;
    }
    if (k.left == 0) return ARBOR_OK;
bad:
    return breakdown(c, ARBOR_E_PROTOCOL, "the node sent a malformed frame of type 0x%02x (%u bytes)", frame[0],
                     (unsigned)len);
}

/* Notes an unsolicited ERROR (id 0): a refused unacknowledged request, or the reason the
 * node is about to close (kept as the reason for ARBOR_E_CLOSED). */
static void note_unsolicited(arbor_client *c, const arbor_event *ev) {
    char line[sizeof c->first_unacked];
    describe_refusal(line, sizeof line, ev->error_code, ev->error_text);
    memcpy(c->closing_reason, line, sizeof line);
    if (ev->error_code == ARBOR_REFUSAL_SLOW_CONSUMER || ev->error_code == ARBOR_REFUSAL_SHUTTING_DOWN
        || ev->error_code == ARBOR_REFUSAL_UNSUPPORTED_VERSION)
        return;
    if (c->unacked_refused++ == 0) memcpy(c->first_unacked, line, sizeof line);
}

/* Reads until the answer to request `id` (OK, PONG or WELCOME; ERROR with that id),
 * keeping events for arbor_next_event. */
static int await_answer(arbor_client *c, uint32_t id, double deadline, const uint8_t **answer, uint32_t *alen) {
    for (;;) {
        const uint8_t *frame;
        uint32_t len;
        int s = read_frame(c, &deadline, -1, &frame, &len);
        if (s) return s;
        uint8_t type = frame[0];
        if (type == MESSAGE || type == GAP || type == ERROR) {
            if (type == ERROR && len >= 5 && get32(frame + 1) == id) {
                arbor_event ev;
                if ((s = decode_event(c, frame, len, &ev))) return s;
                c->last_refusal = ev.error_code;
                describe_refusal(c->error, sizeof c->error, ev.error_code, ev.error_text);
                return ARBOR_E_REFUSED;
            }
            arbor_event ev;
            if ((s = decode_event(c, frame, len, &ev))) return s;
            if (type == ERROR) note_unsolicited(c, &ev);
            if (c->pend.len - c->pend.off + 4 + len > ARBOR_PENDING_LIMIT)
                return breakdown(c, ARBOR_E_OVERFLOW, "over %u bytes of events arrived while waiting for an answer",
                                 ARBOR_PENDING_LIMIT);
            if (reserve(&c->pend, 4 + (size_t)len)) return breakdown(c, ARBOR_E_NOMEM, "out of memory");
            put32(c->pend.p + c->pend.len, len);
            memcpy(c->pend.p + c->pend.len + 4, frame, len);
            c->pend.len += 4 + (size_t)len;
            continue;
        }
        if ((type == OK || type == PONG || type == WELCOME) && len >= 5 && get32(frame + 1) == id) {
            *answer = frame;
            *alen = len;
            return ARBOR_OK;
        }
        /* Answers to no request of ours and types of later versions: skipped. */
    }
}

/* Sends one request and waits for its answer. */
static int request(arbor_client *c, uint8_t type, const char *topology, const struct field *fields, int n) {
    if (c->broken) return c->broken;
    c->last_refusal = 0;
    uint32_t id = c->next_id++;
    if (c->next_id == 0) c->next_id = 1;
    int s = queue(c, type, id, topology, fields, n);
    if (s || (s = send_out(c))) return s;
    const uint8_t *answer;
    uint32_t len;
    return await_answer(c, id, -1, &answer, &len);
}

/* ------------------------------------------------------------------ connecting -- */

static int connect_to(arbor_client *c, const char *path, const char *name) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path)
        return breakdown(c, ARBOR_E_CONNECT, "cannot connect to %s: the path is too long", path);
    memcpy(addr.sun_path, path, strlen(path));
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) return breakdown(c, ARBOR_E_IO, "socket: %s", strerror(errno));
    int r;
    do r = connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        int e = errno;
        if (e == ENOENT)
            return breakdown(c, ARBOR_E_NOT_RUNNING, "no arbord at %s: is it running? (ARBOR_RUN_DIR)", path);
        if (e == ECONNREFUSED) return breakdown(c, ARBOR_E_NOT_ACCEPTING, "no arbord accepting at %s", path);
        if (e == EACCES || e == EPERM)
            return breakdown(c, ARBOR_E_PERMISSION, "permission denied connecting to %s (group arbor?)", path);
        return breakdown(c, ARBOR_E_CONNECT, "cannot connect to %s: %s", path, strerror(e));
    }
    if (!name) name = "libarbor";
    size_t nlen = strlen(name);
    if (nlen > 255) nlen = 255;
    uint8_t versions[4];
    put16(versions, ARBOR_PROTOCOL_VERSION);
    put16(versions + 2, ARBOR_PROTOCOL_VERSION);
    struct field fields[] = { { versions, 4, 0 }, { name, nlen, 1 } };
    int s = queue(c, HELLO, c->next_id++, NULL, fields, 2);
    if (s || (s = send_out(c))) return c->broken = s;
    const uint8_t *w;
    uint32_t len;
    s = await_answer(c, 1, now_ms() + CONNECT_TIMEOUT_MS, &w, &len);
    if (s == ARBOR_E_TIMEOUT) return breakdown(c, ARBOR_E_CONNECT, "cannot connect to %s: no WELCOME within %d ms",
                                              path, CONNECT_TIMEOUT_MS);
    if (s) return c->broken = s;
    struct cursor k = { w + 1, len - 1 };
    const uint8_t *f, *g;
    if (w[0] != WELCOME || !take(&k, 4) || !(f = take(&k, 2))) goto bad;
    c->version = get16(f);
    if (!(f = take(&k, 16))) goto bad;
    memcpy(c->node_id, f, 16);
    if (!(f = take(&k, 4))) goto bad;
    c->max_message = get32(f);
    if (!(f = take(&k, 1)) || !(g = take(&k, f[0])) || k.left) goto bad;
    memcpy(c->node_name, g, f[0]);
    c->node_name[f[0]] = 0;
    return ARBOR_OK;
bad:
    return breakdown(c, ARBOR_E_PROTOCOL, "the node's answer to HELLO does not decode");
}

int arbor_connect_path(const char *socket_path, const char *name, arbor_client **out) {
    arbor_client *c = calloc(1, sizeof *c);
    *out = c;
    if (!c) return ARBOR_E_NOMEM;
    c->fd = -1;
    c->next_id = 1;
    if (!socket_path) return breakdown(c, ARBOR_E_INVALID, "no socket path");
    return connect_to(c, socket_path, name);
}

int arbor_connect(const char *run_dir, const char *name, arbor_client **out) {
    if (!run_dir || !*run_dir) run_dir = getenv("ARBOR_RUN_DIR");
    if (!run_dir || !*run_dir) run_dir = "/run/arbor";
    size_t n = strlen(run_dir);
    char *path = malloc(n + sizeof "/client.sock");
    if (!path) {
        *out = NULL;
        return ARBOR_E_NOMEM;
    }
    memcpy(path, run_dir, n);
    memcpy(path + n, "/client.sock", sizeof "/client.sock");
    int s = arbor_connect_path(path, name, out);
    free(path);
    return s;
}

void arbor_close(arbor_client *c) {
    if (!c) return;
    if (c->fd >= 0) close(c->fd);
    free(c->in.p);
    free(c->pend.p);
    free(c->out.p);
    free(c);
}

/* ------------------------------------------------------------------ the API -- */

int arbor_fd(const arbor_client *c) { return c ? c->fd : -1; }
int arbor_pending(const arbor_client *c) {
    if (!c) return 0;
    if (c->pend.len > c->pend.off) return 1;
    size_t have = c->in.len - c->in.off;
    return have >= 4 && have - 4 >= get32(c->in.p + c->in.off);
}
const char *arbor_node_name(const arbor_client *c) { return c->node_name; }
const uint8_t *arbor_node_id(const arbor_client *c) { return c->node_id; }
unsigned arbor_protocol_version(const arbor_client *c) { return c->version; }
uint32_t arbor_max_message_size(const arbor_client *c) { return c->max_message; }
unsigned arbor_last_refusal(const arbor_client *c) { return c->last_refusal; }
const char *arbor_last_error(const arbor_client *c) { return c ? c->error : "out of memory"; }

int arbor_attach(arbor_client *c, const char *topology) { return request(c, ATTACH, topology, NULL, 0); }
int arbor_detach(arbor_client *c, const char *topology) { return request(c, DETACH, topology, NULL, 0); }

int arbor_subscribe(arbor_client *c, const char *topology, const void *prefix, size_t prefix_len) {
    struct field f = { prefix, prefix_len, 2 };
    return request(c, SUBSCRIBE, topology, &f, 1);
}

int arbor_unsubscribe(arbor_client *c, const char *topology, const void *prefix, size_t prefix_len) {
    struct field f = { prefix, prefix_len, 2 };
    return request(c, UNSUBSCRIBE, topology, &f, 1);
}

int arbor_publish(arbor_client *c, const char *topology, const void *topic, size_t topic_len, const void *payload,
                  size_t payload_len) {
    struct field f[] = { { topic, topic_len, 2 }, { payload, payload_len, 4 } };
    return request(c, PUBLISH, topology, f, 2);
}

int arbor_publish_nowait(arbor_client *c, const char *topology, const void *topic, size_t topic_len,
                         const void *payload, size_t payload_len) {
    if (c->broken) return c->broken;
    struct field f[] = { { topic, topic_len, 2 }, { payload, payload_len, 4 } };
    int s = queue(c, PUBLISH, 0, topology, f, 2);
    return s ? s : send_out(c);
}

int arbor_subscribe_nowait(arbor_client *c, const char *topology, const void *prefix, size_t prefix_len) {
    if (c->broken) return c->broken;
    struct field f = { prefix, prefix_len, 2 };
    int s = queue(c, SUBSCRIBE, 0, topology, &f, 1);
    return s ? s : send_out(c);
}

int arbor_flush(arbor_client *c) {
    int s = request(c, PING, NULL, NULL, 0);
    if (s) return s;
    if (c->unacked_refused) {
        unsigned n = c->unacked_refused;
        c->unacked_refused = 0;
        if (n == 1) return fail(c, ARBOR_E_REFUSED, "an unacknowledged request was refused: %s", c->first_unacked);
        return fail(c, ARBOR_E_REFUSED, "%u unacknowledged requests were refused, the first: %s", n,
                    c->first_unacked);
    }
    return ARBOR_OK;
}

int arbor_next_event(arbor_client *c, arbor_event *ev, int timeout_ms) {
    if (!ev) return fail(c, ARBOR_E_INVALID, "no event to fill");
    if (c->pend.len > c->pend.off) {
        uint32_t len = get32(c->pend.p + c->pend.off);
        const uint8_t *frame = c->pend.p + c->pend.off + 4;
        c->pend.off += 4 + (size_t)len;
        return decode_event(c, frame, len, ev);
    }
    if (c->broken) return c->broken;
    int s = send_out(c);
    if (s) return s;
    double deadline = NAN;
    for (;;) {
        const uint8_t *frame;
        uint32_t len;
        if ((s = read_frame(c, &deadline, timeout_ms, &frame, &len))) return s;
        if (frame[0] != MESSAGE && frame[0] != GAP && frame[0] != ERROR) continue;
        if ((s = decode_event(c, frame, len, ev))) return s;
        if (ev->type == ARBOR_EVENT_ERROR) note_unsolicited(c, ev);
        return ARBOR_OK;
    }
}
