/*
 * echo-client.c: the load generator of the TCP echo benchmark
 * (bench/src/tcp-echo.ts builds it with `cc -O2` into bench/build/ and runs
 * it pinned to one core, the server under test pinned to the other).
 *
 *   echo-client pingpong HOST PORT CONNS SIZE WARMUP_S DURATION_S
 *   echo-client idle HOST PORT CONNS
 *
 * pingpong: CONNS connections, each doing request/response ping-pong: write a
 * message of SIZE bytes, read SIZE bytes back, repeat. One thread, one epoll
 * set (level-triggered), non-blocking sockets with TCP_NODELAY. Each request
 * is timed with clock_gettime(CLOCK_MONOTONIC) from its first write to the
 * last byte of its echo. After WARMUP_S seconds of unrecorded load it prints
 * `measure-start`, records for DURATION_S seconds, prints `measure-end`
 * (both flushed at once, so the parent can bracket the server's CPU usage),
 * then one JSON line:
 *
 *   {"requests":N,"seconds":S,"rps":R,"mibps":M,"p50_us":A,"p99_us":B,"size":SIZE,"conns":CONNS,"client_cpu":C}
 *
 * `client_cpu` is the client's own CPU time over the window divided by the
 * window (1.0 = one core busy): well under 1 shows it is not the bottleneck.
 * `mibps` is echoed payload per second, one direction (requests * SIZE / S
 * / 2^20). Each message carries its sequence number in its first and last 8
 * bytes; the echo is checked there (a full memcmp of every 64 KiB message
 * would cost the client as much as the read itself, and the client must not
 * be the bottleneck). A wrong echo, an error or an early close exits with
 * status 1 and a message on stderr.
 *
 * idle: opens CONNS connections one after the other (blocking connect),
 * prints `connected N`, then holds them until its stdin reaches EOF, and
 * closes them. The memory-per-idle-connection figure uses it.
 *
 * WHY C and epoll: the figures are the server's; a load generator in Node
 * would pay the same per-message costs as the reference it measures and
 * share its limits. One epoll thread on its own core keeps ten connections
 * saturated with little CPU per request.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static void die(const char *what) {
  fprintf(stderr, "echo-client: %s: %s\n", what, errno ? strerror(errno) : "failed");
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int connect_to(const char *host, const char *port) {
  struct addrinfo hints, *res, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "echo-client: getaddrinfo %s:%s: %s\n", host, port, gai_strerror(rc));
    exit(1);
  }
  int fd = -1;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) die("connect");
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("setsockopt TCP_NODELAY");
  return fd;
}

struct conn {
  int fd;
  unsigned char *out;   /* the message being sent */
  unsigned char *in;    /* its echo */
  size_t woff, roff;
  uint64_t seq;
  uint64_t started;     /* ns, first write of the current request */
  int want_out;         /* EPOLLOUT registered */
};

static size_t size;
static int ep;
static int recording;
static uint64_t *lat;   /* ns per recorded request */
static size_t nlat, caplat;

static void set_events(struct conn *c, int want_out) {
  if (c->want_out == want_out) return;
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("epoll_ctl MOD");
  c->want_out = want_out;
}

static void flush_out(struct conn *c) {
  while (c->woff < size) {
    ssize_t n = write(c->fd, c->out + c->woff, size - c->woff);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      die("write");
    }
    c->woff += (size_t)n;
  }
  set_events(c, c->woff < size);
}

static void begin_request(struct conn *c) {
  c->seq++;
  memcpy(c->out, &c->seq, 8);
  memcpy(c->out + size - 8, &c->seq, 8);
  c->woff = 0;
  c->roff = 0;
  c->started = now_ns();
  flush_out(c);
}

static void record(uint64_t ns) {
  if (nlat == caplat) {
    caplat = caplat ? caplat * 2 : 1 << 20;
    lat = realloc(lat, caplat * sizeof *lat);
    if (lat == NULL) die("realloc");
  }
  lat[nlat++] = ns;
}

/*
 * Reads what is there; returns 1 when the echo of the current request is
 * complete. The first and last 8 bytes (the sequence number) are copied
 * and checked; the bytes between are discarded in the kernel with
 * MSG_TRUNC (Linux TCP drops them without copying them to user space),
 * which halves the client's copying at 64 KiB.
 */
static int read_in(struct conn *c) {
  while (c->roff < size) {
    ssize_t n;
    if (c->roff >= 8 && c->roff < size - 8) {
      n = recv(c->fd, NULL, size - 8 - c->roff, MSG_TRUNC | MSG_DONTWAIT);
    } else {
      size_t end = c->roff < 8 ? 8 : size;
      n = read(c->fd, c->in + c->roff, end - c->roff);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == EINTR) continue;
      die("read");
    }
    if (n == 0) {
      errno = 0;
      die("the server closed the connection");
    }
    c->roff += (size_t)n;
  }
  if (memcmp(c->in, &c->seq, 8) != 0 || memcmp(c->in + size - 8, &c->seq, 8) != 0) {
    errno = 0;
    die("wrong echo (sequence number mismatch)");
  }
  return 1;
}

/* This process's CPU time (user + system), in microseconds. */
static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double percentile_us(double p) {
  if (nlat == 0) return 0;
  size_t i = (size_t)(p * (double)(nlat - 1) + 0.5);
  return (double)lat[i] / 1000.0;
}

static int pingpong(const char *host, const char *port, int nconns, double warmup, double duration) {
  if (size < 16) {
    errno = 0;
    die("SIZE must be at least 16 bytes");
  }
  ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct conn *conns = calloc((size_t)nconns, sizeof *conns);
  if (conns == NULL) die("calloc");
  for (int i = 0; i < nconns; i++) {
    struct conn *c = &conns[i];
    c->fd = connect_to(host, port);
    if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0) die("fcntl O_NONBLOCK");
    c->out = malloc(size);
    c->in = malloc(size);
    if (c->out == NULL || c->in == NULL) die("malloc");
    for (size_t k = 0; k < size; k++) c->out[k] = (unsigned char)('a' + (k + (size_t)i) % 26);
    c->seq = (uint64_t)i << 40;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) die("epoll_ctl ADD");
  }
  for (int i = 0; i < nconns; i++) begin_request(&conns[i]);

  struct epoll_event events[64];
  uint64_t t_start = now_ns();
  uint64_t t_measure = t_start + (uint64_t)(warmup * 1e9);
  uint64_t t_end = t_measure + (uint64_t)(duration * 1e9);
  uint64_t t_first = 0, t_last = 0;
  double cpu_first = 0, cpu_last = 0;
  for (;;) {
    uint64_t t = now_ns();
    if (!recording && t >= t_measure) {
      recording = 1;
      t_first = t;
      cpu_first = cpu_us();
      fputs("measure-start\n", stdout);
      fflush(stdout);
    }
    if (recording && t >= t_end) {
      t_last = t;
      cpu_last = cpu_us();
      fputs("measure-end\n", stdout);
      fflush(stdout);
      break;
    }
    int n = epoll_wait(ep, events, 64, 50);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int k = 0; k < n; k++) {
      struct conn *c = events[k].data.ptr;
      if (events[k].events & (EPOLLERR | EPOLLHUP)) {
        /* read() reports the error or the close */
        read_in(c);
      }
      if (events[k].events & EPOLLOUT) flush_out(c);
      if (events[k].events & EPOLLIN) {
        if (read_in(c)) {
          if (c->woff < size) {
            errno = 0;
            die("echo complete before the request was written");
          }
          if (recording) record(now_ns() - c->started);
          begin_request(c);
        }
      }
    }
  }
  for (int i = 0; i < nconns; i++) close(conns[i].fd);
  double secs = (double)(t_last - t_first) / 1e9;
  qsort(lat, nlat, sizeof *lat, cmp_u64);
  printf("{\"requests\":%zu,\"seconds\":%.6f,\"rps\":%.1f,\"mibps\":%.3f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"size\":%zu,\"conns\":%d,\"client_cpu\":%.3f}\n",
         nlat, secs, (double)nlat / secs, (double)nlat * (double)size / secs / 1048576.0, percentile_us(0.50), percentile_us(0.99), size, nconns,
         (cpu_last - cpu_first) / 1e6 / secs);
  fflush(stdout);
  return 0;
}

static int idle(const char *host, const char *port, int nconns) {
  int *fds = calloc((size_t)nconns, sizeof *fds);
  if (fds == NULL) die("calloc");
  for (int i = 0; i < nconns; i++) fds[i] = connect_to(host, port);
  printf("connected %d\n", nconns);
  fflush(stdout);
  char buf[256];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0 && errno != EINTR) break;
  }
  for (int i = 0; i < nconns; i++) close(fds[i]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 8 && strcmp(argv[1], "pingpong") == 0) {
    size = (size_t)strtoull(argv[5], NULL, 10);
    return pingpong(argv[2], argv[3], atoi(argv[4]), atof(argv[6]), atof(argv[7]));
  }
  if (argc == 5 && strcmp(argv[1], "idle") == 0) return idle(argv[2], argv[3], atoi(argv[4]));
  fprintf(stderr,
          "usage: echo-client pingpong HOST PORT CONNS SIZE WARMUP_S DURATION_S\n"
          "       echo-client idle HOST PORT CONNS\n");
  return 2;
}
