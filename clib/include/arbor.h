/* arbor.h — libarbor, the C client library of Arbor (docs/client-protocol.md).
 *
 * A program connects to the arbord of its host through RUN_DIR/client.sock, publishes
 * messages, subscribes to topic prefixes and reads MESSAGE and GAP events.
 *
 *   arbor_client *c;
 *   if (arbor_connect(NULL, "my-program", &c) != ARBOR_OK) ...   (NULL: $ARBOR_RUN_DIR, else /run/arbor)
 *   arbor_subscribe(c, "nasdaq.quotes", "AAPL", 4);
 *   arbor_event ev;
 *   while (arbor_next_event(c, &ev, -1) == ARBOR_OK) ...
 *   arbor_close(c);
 *
 * Build: cc prog.c $(pkg-config --cflags --libs arbor)
 *
 * Errors. Every call that can fail returns an arbor_status: ARBOR_OK (0) or a negative
 * code. arbor_strerror(code) names the code; arbor_last_error(c) is one line that says
 * what happened on that client (the node's own text for a refusal, the errno text for a
 * system error). After ARBOR_E_CLOSED, ARBOR_E_PROTOCOL, ARBOR_E_IO or ARBOR_E_OVERFLOW the
 * connection is unusable: every later call returns the same code; close it.
 *
 * Threads. The library has no global state. One arbor_client must be used by one thread
 * at a time (calls on it are not synchronised); distinct clients may be used from
 * distinct threads freely. The library never raises SIGPIPE (it sends with MSG_NOSIGNAL).
 *
 * Event loops. arbor_fd() is the connected socket: poll/epoll it for POLLIN. Events can
 * also be buffered inside the client (read while a call waited for its answer): before
 * waiting on the descriptor, drain them with arbor_next_event(c, &ev, 0) until it returns
 * ARBOR_E_TIMEOUT (arbor_pending(c) tells whether any are buffered).
 *
 * Bounds. Every length the node sends is checked against the protocol's limits before it
 * is used; a frame longer than 1,114,112 bytes, a field that runs past its frame or a
 * malformed answer ends the connection with ARBOR_E_PROTOCOL. Events buffered while a call
 * waits for its answer are limited to ARBOR_PENDING_LIMIT bytes (ARBOR_E_OVERFLOW beyond).
 */
#ifndef ARBOR_H
#define ARBOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ARBOR_PROTOCOL_VERSION 1
#define ARBOR_MAX_TOPOLOGY 128           /* bytes of a topology name */
#define ARBOR_MAX_TOPIC 1024             /* bytes of a topic or prefix */
#define ARBOR_MAX_FRAME (1048576 + 65536) /* bytes of one frame (type + body) */
#define ARBOR_PENDING_LIMIT (64u << 20)  /* bytes of events buffered during a call */

typedef enum arbor_status {
    ARBOR_OK = 0,
    ARBOR_E_INVALID = -1,       /* an argument the protocol cannot carry; nothing was sent */
    ARBOR_E_NOT_RUNNING = -2,   /* no socket file: arbord is not running (or another run dir) */
    ARBOR_E_NOT_ACCEPTING = -3, /* a socket file nobody listens on */
    ARBOR_E_PERMISSION = -4,    /* the socket is 0660: not its owner, not in its group (arbor) */
    ARBOR_E_CONNECT = -5,       /* other failures to connect (path too long, no WELCOME...) */
    ARBOR_E_IO = -6,            /* a system call failed; arbor_last_error says which */
    ARBOR_E_CLOSED = -7,        /* the node closed the connection (its last ERROR, if any, says why) */
    ARBOR_E_PROTOCOL = -8,      /* the node sent something that does not decode */
    ARBOR_E_REFUSED = -9,       /* the node answered ERROR; arbor_last_refusal() has the code */
    ARBOR_E_NOMEM = -10,        /* out of memory */
    ARBOR_E_TIMEOUT = -11,      /* no event within the timeout */
    ARBOR_E_OVERFLOW = -12      /* more than ARBOR_PENDING_LIMIT bytes of events buffered */
} arbor_status;

/* The node's error codes (the ERROR frame's code, docs/client-protocol.md). */
enum {
    ARBOR_REFUSAL_MALFORMED = 1,
    ARBOR_REFUSAL_UNKNOWN_REQUEST = 2,
    ARBOR_REFUSAL_UNSUPPORTED_VERSION = 3,
    ARBOR_REFUSAL_HELLO_REQUIRED = 4,
    ARBOR_REFUSAL_NOT_PERMITTED = 5,
    ARBOR_REFUSAL_TOO_LARGE = 6,
    ARBOR_REFUSAL_NOT_IN_TOPOLOGY = 7,
    ARBOR_REFUSAL_TOO_MANY_TOPOLOGIES = 8,
    ARBOR_REFUSAL_SLOW_CONSUMER = 9,
    ARBOR_REFUSAL_SHUTTING_DOWN = 10,
    ARBOR_REFUSAL_LIMIT_REACHED = 11
};

typedef struct arbor_client arbor_client;

typedef enum arbor_event_type {
    ARBOR_EVENT_MESSAGE = 1, /* a message of a subscribed topology */
    ARBOR_EVENT_GAP = 2,     /* sequences first..last of a stream will not be delivered */
    ARBOR_EVENT_ERROR = 3    /* the node refused an unacknowledged request (arbor_publish_nowait) */
} arbor_event_type;

/* One event. Its pointers point into the client and stay valid until the next call on
 * that client. topology is NUL-terminated; topic and payload are arbitrary bytes. */
typedef struct arbor_event {
    arbor_event_type type;
    uint8_t origin[16];      /* MESSAGE, GAP: the publishing node's id */
    uint64_t incarnation;    /* MESSAGE, GAP: the origin's incarnation */
    uint64_t sequence;       /* MESSAGE: from 1 per (origin, incarnation, topology) */
    uint64_t first, last;    /* GAP: the lost sequences */
    const char *topology;    /* MESSAGE, GAP */
    const uint8_t *topic;    /* MESSAGE */
    size_t topic_len;
    const uint8_t *payload;  /* MESSAGE */
    size_t payload_len;
    uint16_t error_code;     /* ERROR: ARBOR_REFUSAL_* */
    const char *error_text;  /* ERROR: the node's text, NUL-terminated */
} arbor_event;

/* Connects to RUN_DIR/client.sock (run_dir NULL: $ARBOR_RUN_DIR, else /run/arbor), says
 * HELLO with `name` (NULL: "libarbor"; at most 255 bytes) and waits up to 5 s for WELCOME.
 * *out is set in every case but out of memory (then NULL): on failure to a client that is
 * not connected, whose arbor_last_error() says why. Close it either way. */
int arbor_connect(const char *run_dir, const char *name, arbor_client **out);
/* The same with the socket's path. */
int arbor_connect_path(const char *socket_path, const char *name, arbor_client **out);

/* Closes the socket and frees the client. NULL is fine. */
void arbor_close(arbor_client *c);

/* The socket, for poll/epoll (see "Event loops" above). Do not read, write or close it. */
int arbor_fd(const arbor_client *c);
/* 1 when events are buffered in the client, 0 otherwise. */
int arbor_pending(const arbor_client *c);

/* What WELCOME said: the node's name (NUL-terminated), id (16 bytes), protocol version,
 * default message size limit. */
const char *arbor_node_name(const arbor_client *c);
const uint8_t *arbor_node_id(const arbor_client *c);
unsigned arbor_protocol_version(const arbor_client *c);
uint32_t arbor_max_message_size(const arbor_client *c);

/* Acknowledged requests: each sends its request and returns after the node's OK
 * (ARBOR_OK) or ERROR (ARBOR_E_REFUSED). Events that arrive meanwhile are kept for
 * arbor_next_event. A topology is 1-128 bytes of lowercase dotted words; a prefix or
 * topic at most 1024 bytes (the empty prefix matches every topic). */
int arbor_attach(arbor_client *c, const char *topology);
int arbor_detach(arbor_client *c, const char *topology);
int arbor_subscribe(arbor_client *c, const char *topology, const void *prefix, size_t prefix_len);
int arbor_unsubscribe(arbor_client *c, const char *topology, const void *prefix, size_t prefix_len);
int arbor_publish(arbor_client *c, const char *topology, const void *topic, size_t topic_len,
                  const void *payload, size_t payload_len);

/* Unacknowledged publication (request id 0): written at once, no round trip (the call
 * blocks only while the socket's buffer is full: the node's pace). A refusal arrives later
 * as an ARBOR_EVENT_ERROR event and is counted for arbor_flush. */
int arbor_publish_nowait(arbor_client *c, const char *topology, const void *topic, size_t topic_len,
                         const void *payload, size_t payload_len);
/* Unacknowledged SUBSCRIBE (request id 0), written at once like arbor_publish_nowait: for
 * a program that subscribes to many topologies or prefixes in one go; a refusal (a
 * limit reached, a bad name) arrives as an ARBOR_EVENT_ERROR event and from arbor_flush. */
int arbor_subscribe_nowait(arbor_client *c, const char *topology, const void *prefix, size_t prefix_len);

/* Sends a PING and returns after the PONG: every earlier request was
 * handled. ARBOR_E_REFUSED if the node refused unacknowledged requests since the last
 * flush (arbor_last_error names the first and how many). */
int arbor_flush(arbor_client *c);

/* The next event: ARBOR_OK and *ev filled, ARBOR_E_TIMEOUT when none came within
 * timeout_ms (0: only what is already there, -1: wait without limit), or an error. */
int arbor_next_event(arbor_client *c, arbor_event *ev, int timeout_ms);

/* The last refusal's code (ARBOR_REFUSAL_*) after ARBOR_E_REFUSED, 0 if none. */
unsigned arbor_last_refusal(const arbor_client *c);
/* One line on what the last failed call on `c` met (never NULL; "" before any failure). */
const char *arbor_last_error(const arbor_client *c);
/* A static name for a status code ("no arbord running", ...). */
const char *arbor_strerror(int status);
/* The node's name for one of its error codes ("not permitted"), NULL if unknown. */
const char *arbor_refusal_name(unsigned code);

#ifdef __cplusplus
}
#endif
#endif
