/*
 * The least any userspace L2 tunnel can do: frames from a TAP go to the peer in plain UDP datagrams, one
 * per frame, and datagrams go back into the TAP. No crypto, no switching, no batching. It exists to measure
 * the floor of a userspace tunnel's ping on a machine, so that tapbridge's figures can be read against it
 * (docs/benchmarks/README.md, "The ping floor"). Never use it to carry traffic: nothing is authenticated.
 *
 *   floor-relay TAP LOCAL_IPV4 PEER_IPV4 PORT SPIN_US [yield]
 *
 * After each frame it keeps looking without blocking for SPIN_US microseconds, then blocks in poll().
 * SPIN_US -1 never blocks: a core is spun for as long as it runs. With "yield" it gives the CPU away
 * between looks while spinning, as tapbridge's loop does, so that a peer or host waiting for this vCPU runs.
 * FLOOR_BALLAST_MB=N in the environment makes it hold N MB of touched memory it never uses again, to
 * give it a JVM's resident size (docs/benchmarks/README.md, "The stalls of about 1 ms").
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static int open_tap(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
    if (fd < 0) {
        perror("floor-relay: /dev/net/tun");
        exit(1);
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "floor-relay: cannot attach to TAP %s: ", name);
        perror("TUNSETIFF");
        exit(1);
    }
    return fd;
}

static struct sockaddr_in ipv4(const char *ip, int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        fprintf(stderr, "floor-relay: %s is not an IPv4 address\n", ip);
        exit(2);
    }
    return a;
}

int main(int argc, char **argv) {
    if (argc != 6 && !(argc == 7 && strcmp(argv[6], "yield") == 0)) {
        fprintf(stderr, "usage: floor-relay TAP LOCAL_IPV4 PEER_IPV4 PORT SPIN_US [yield]\n");
        return 2;
    }
    int yield_while_spinning = argc == 7;
    int port = atoi(argv[4]);
    struct sockaddr_in local = ipv4(argv[2], port), peer = ipv4(argv[3], port);
    long long spin_us = atoll(argv[5]);
    int tap = open_tap(argv[1]);
    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (udp < 0 || bind(udp, (struct sockaddr *) &local, sizeof local) < 0) {
        perror("floor-relay: UDP socket");
        return 1;
    }
    static char frame[65536];
    const char *ballast_mb = getenv("FLOOR_BALLAST_MB");
    if (ballast_mb != NULL && atol(ballast_mb) > 0) {
        size_t bytes = (size_t) atol(ballast_mb) << 20;
        char *ballast = malloc(bytes);
        if (ballast == NULL) {
            fprintf(stderr, "floor-relay: cannot hold a ballast of %s MB\n", ballast_mb);
            return 1;
        }
        memset(ballast, 1, bytes);
    }
    struct pollfd fds[2] = {{.fd = tap, .events = POLLIN}, {.fd = udp, .events = POLLIN}};
    long long last_work = 0;
    for (;;) {
        int spinning = spin_us < 0 || now_us() - last_work < spin_us;
        if (poll(fds, 2, spinning ? 0 : 1000) <= 0) {
            if (spinning && yield_while_spinning) {
                sched_yield();
            }
            continue;
        }
        int worked = 0;
        ssize_t n;
        while ((n = read(tap, frame, sizeof frame)) > 0) {
            sendto(udp, frame, (size_t) n, 0, (struct sockaddr *) &peer, sizeof peer);
            worked = 1;
        }
        while ((n = recv(udp, frame, sizeof frame, 0)) > 0) {
            if (write(tap, frame, (size_t) n) < 0) {
                /* A full TAP queue drops the frame, as a NIC would. */
            }
            worked = 1;
        }
        if (worked) {
            last_work = now_us();
        }
    }
}
