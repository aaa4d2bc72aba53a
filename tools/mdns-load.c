/*
 * tools/mdns-load.c: what one Arbor node asks of its avahi-daemon, without arbord.
 * Publishes one _arbor._tcp service named NAME, browses the type and, per MODE, resolves
 * every instance it sees: "keep" leaves each resolver running (as arbord did before it
 * resolved once), "once" frees it after its first answer and retries a failure after 2 s
 * (as arbord does), "none" does not resolve. Prints "MS seen N NAME" and
 * "MS resolved N NAME" lines (milliseconds since start). Used by tools/bench-mdns.
 * Build: cc -O2 -o mdns-load mdns-load.c -lavahi-client -lavahi-common
 */
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/timeval.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct instance { AvahiIfIndex interface; AvahiProtocol protocol; char *name, *type, *domain; int resolved; };

static AvahiSimplePoll *poll_loop;
static const char *mode, *name;
static int seen, resolved;
static struct timespec t0;

static long elapsed_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
}

static AvahiClient *the_client;
static void resolve(struct instance *it);

static void retry(AvahiTimeout *timeout, void *userdata) {
    (void)timeout;
    resolve(userdata);
}

static void resolved_cb(AvahiServiceResolver *r, AvahiIfIndex i, AvahiProtocol p, AvahiResolverEvent event,
                        const char *n, const char *t, const char *d, const char *host, const AvahiAddress *a,
                        uint16_t port, AvahiStringList *txt, AvahiLookupResultFlags f, void *userdata) {
    struct instance *it = userdata;
    (void)i; (void)p; (void)n; (void)t; (void)d; (void)host; (void)a; (void)port; (void)txt; (void)f;
    if (event == AVAHI_RESOLVER_FOUND && !it->resolved) {
        it->resolved = 1;
        printf("%ld resolved %d %s\n", elapsed_ms(), ++resolved, it->name);
        fflush(stdout);
    }
    if (strcmp(mode, "keep") == 0 && event == AVAHI_RESOLVER_FOUND) return;
    avahi_service_resolver_free(r);
    if (event != AVAHI_RESOLVER_FOUND) {
        struct timeval tv;
        const AvahiPoll *api = avahi_simple_poll_get(poll_loop);
        avahi_elapse_time(&tv, 2000, 0);
        api->timeout_new(api, &tv, retry, it);
    }
}

static void resolve(struct instance *it) {
    avahi_service_resolver_new(the_client, it->interface, it->protocol, it->name, it->type, it->domain,
                               AVAHI_PROTO_UNSPEC, 0, resolved_cb, it);
}

static void browsed_cb(AvahiServiceBrowser *b, AvahiIfIndex i, AvahiProtocol p, AvahiBrowserEvent event,
                       const char *n, const char *t, const char *d, AvahiLookupResultFlags f, void *userdata) {
    (void)b; (void)f; (void)userdata;
    if (event != AVAHI_BROWSER_NEW) return;
    printf("%ld seen %d %s\n", elapsed_ms(), ++seen, n);
    fflush(stdout);
    if (strcmp(mode, "none") == 0) return;
    struct instance *it = calloc(1, sizeof *it);
    if (!it) return;
    it->interface = i; it->protocol = p;
    it->name = strdup(n); it->type = strdup(t); it->domain = strdup(d);
    resolve(it);
}

static void client_cb(AvahiClient *c, AvahiClientState state, void *userdata) {
    (void)userdata;
    if (state != AVAHI_CLIENT_S_RUNNING) return;
    the_client = c;
    AvahiEntryGroup *group = avahi_entry_group_new(c, NULL, NULL);
    if (!group || avahi_entry_group_add_service(group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, name, "_arbor._tcp",
                                                NULL, NULL, 7450, "id=00000000000000000000000000000000",
                                                "realm=mdns-load", "proto=2-2", "inc=1", NULL) < 0
        || avahi_entry_group_commit(group) < 0) {
        fprintf(stderr, "mdns-load: publishing failed: %s\n", avahi_strerror(avahi_client_errno(c)));
        exit(1);
    }
    if (!avahi_service_browser_new(c, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, "_arbor._tcp", NULL, 0, browsed_cb, NULL)) {
        fprintf(stderr, "mdns-load: browsing failed: %s\n", avahi_strerror(avahi_client_errno(c)));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "keep") && strcmp(argv[1], "once") && strcmp(argv[1], "none"))) {
        fprintf(stderr, "usage: mdns-load keep|once|none NAME\n");
        return 2;
    }
    mode = argv[1];
    name = argv[2];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    poll_loop = avahi_simple_poll_new();
    int error;
    if (!poll_loop || !avahi_client_new(avahi_simple_poll_get(poll_loop), 0, client_cb, NULL, &error)) {
        fprintf(stderr, "mdns-load: no avahi client: %s\n", poll_loop ? avahi_strerror(error) : "out of memory");
        return 1;
    }
    avahi_simple_poll_loop(poll_loop);
    return 0;
}
