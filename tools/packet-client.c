/* packet-client: the "ten-line C program" of docs/client-protocol.md ("packet.sock"):
 * socket(), connect(), send() and recv() on arbord's SOCK_SEQPACKET socket, nothing else.
 *   packet-client SOCKET 'sub TOPOLOGY PREFIX...' COUNT   prints COUNT datagrams after "ok"
 *   packet-client SOCKET 'pub TOPOLOGY TOPIC' PAYLOAD...  publishes each PAYLOAD
 * Each datagram received is written to standard output followed by a newline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv) {
    static char buf[1 << 17];
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (argc < 3) return 2;
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("connect"), 1;
    send(fd, argv[2], strlen(argv[2]), 0);                     /* open the session */
    ssize_t n = recv(fd, buf, sizeof buf, 0);                  /* "ok\n" or "err CODE TEXT\n" */
    if (n < 3 || strncmp(buf, "ok\n", 3) != 0) return fprintf(stderr, "%.*s", (int)(n > 0 ? n : 0), buf), 1;
    if (strncmp(argv[2], "pub", 3) == 0) {
        for (int i = 3; i < argc; i++) send(fd, argv[i], strlen(argv[i]), 0);  /* one message each */
    } else {
        for (long i = 0, count = argc > 3 ? atol(argv[3]) : 1; i < count; i++) {
            if ((n = recv(fd, buf, sizeof buf, 0)) <= 0) return 1;  /* one message, gap or err */
            printf("%.*s\n", (int)n, buf);
        }
    }
    return 0;
}
