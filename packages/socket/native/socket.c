/*
 * @loop/socket's native half: thin, allocation-free wrappers of the BSD socket
 * calls, on Node-API (node_api.h) only.
 *
 * HOW and WHY. Every function here is one system call (or two, for
 * accept4 + the peer address) and reports failure the same way: it returns
 * -errno as a JS number and never throws. The TypeScript layer
 * (src/socket.ts) owns everything else: argument checking, the Socket's
 * state (open / detached / closed), turning -errno into a Node-style system
 * error (util.getSystemErrorName), and the would-block rule. So:
 *
 *   - the hot calls (recvInto, send) return one int32: the byte count, or
 *     -EAGAIN when the socket would block, or another -errno; they create
 *     no JS object and no exception, whatever happens;
 *   - every descriptor made here (socket, socketpair, pipe, accept) is
 *     created non-blocking and close-on-exec in the same system call
 *     (SOCK_NONBLOCK | SOCK_CLOEXEC, pipe2, accept4), so no fork in another
 *     thread can inherit one between two calls;
 *   - nothing is closed except by close(fd), which the TS layer calls at
 *     most once per descriptor it owns: no finalizer closes a descriptor
 *     (Node's DEP0137: a number reused by someone else would be closed
 *     under them);
 *   - no per-process state, and none per environment here: the module is
 *     safe to load in worker threads. (The readiness half, native/poll.c,
 *     keeps its watchers per environment and closes them in a cleanup
 *     hook.)
 *
 * The datagram calls (recvfrom, sendto), sendfile and the byte-level
 * options (getsockopt into a caller's buffer, setsockopt from an integer or
 * a buffer) follow the same rules: one system call, -errno on failure.
 *
 * Addresses cross the boundary in asyncio's shapes: AF_INET [host, port],
 * AF_INET6 [host, port, flowinfo, scopeId], AF_UNIX a Buffer of the path's
 * bytes (the TS layer decodes it; a Linux abstract name starts with a NUL
 * byte). Going in, the TS layer passes (family, host or path Buffer, port,
 * flowinfo, scopeId) with a numeric host ('' for the wildcard address).
 * A datagram from an unbound AF_UNIX socket has no address (the kernel
 * reports a length of 0): recvfrom gives null for it, as Python gives None.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>

/* A failed Node-API call (a programming error in the TS layer: wrong types
 * reach here only if the TS checks are wrong) throws a plain error. */
#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_type_error((env), "ERR_LOOP_INVALID_ARG", #call " failed");         \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

#define ARGS(n)                                                            \
  size_t argc = (n);                                                       \
  napi_value argv[(n) > 0 ? (n) : 1];                                      \
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL))

static napi_value make_int(napi_env env, int32_t v) {
  napi_value out;
  if (napi_create_int32(env, v, &out) != napi_ok) return NULL;
  return out;
}

static int32_t get_int(napi_env env, napi_value v) {
  int32_t out = -1;
  napi_get_value_int32(env, v, &out);
  return out;
}

/* Result of a call that returns 0 or -1 with errno set. */
static napi_value result(napi_env env, int rc) {
  return make_int(env, rc < 0 ? -errno : rc);
}

/* ---- addresses ---------------------------------------------------------- */

/* Fills `ss` from (family, host-or-path, port, flowinfo, scopeId) at argv[i].
 * Returns the address length, or -errno (-EINVAL for a host that is not a
 * numeric address, -ENAMETOOLONG for a path that does not fit). */
static int parse_address(napi_env env, napi_value *argv, struct sockaddr_storage *ss) {
  int family = get_int(env, argv[0]);
  memset(ss, 0, sizeof(*ss));
  if (family == AF_UNIX) {
    struct sockaddr_un *un = (struct sockaddr_un *)ss;
    void *data = NULL;
    size_t len = 0;
    if (napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) return -EINVAL;
    if (len > sizeof(un->sun_path)) return -ENAMETOOLONG;
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, data, len);
    return (int)(offsetof(struct sockaddr_un, sun_path) + len);
  }
  char host[INET6_ADDRSTRLEN + 1];
  size_t hlen = 0;
  if (napi_get_value_string_utf8(env, argv[1], host, sizeof(host), &hlen) != napi_ok) return -EINVAL;
  int port = get_int(env, argv[2]);
  if (family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    if (hlen == 0) in->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (inet_pton(AF_INET, host, &in->sin_addr) != 1) return -EINVAL;
    return (int)sizeof(*in);
  }
  if (family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    uint32_t flowinfo = 0, scope = 0;
    napi_get_value_uint32(env, argv[3], &flowinfo);
    napi_get_value_uint32(env, argv[4], &scope);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    in6->sin6_flowinfo = htonl(flowinfo);
    in6->sin6_scope_id = scope;
    if (hlen == 0) in6->sin6_addr = in6addr_any;
    else if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) return -EINVAL;
    return (int)sizeof(*in6);
  }
  return -EAFNOSUPPORT;
}

/* [host, port] or [host, port, flowinfo, scopeId]: `n` elements, the numbers
 * from `nums`. NULL after a thrown error. */
static napi_value ip_tuple(napi_env env, const char *host, const uint32_t *nums, uint32_t n) {
  napi_value out, v;
  CHECK(env, napi_create_array_with_length(env, n, &out));
  CHECK(env, napi_create_string_utf8(env, host, NAPI_AUTO_LENGTH, &v));
  CHECK(env, napi_set_element(env, out, 0, v));
  for (uint32_t i = 1; i < n; i++) {
    CHECK(env, napi_create_uint32(env, nums[i - 1], &v));
    CHECK(env, napi_set_element(env, out, i, v));
  }
  return out;
}

/* The JS shape of an address (see the header); NULL after a thrown error. */
static napi_value format_address(napi_env env, const struct sockaddr_storage *ss, socklen_t len) {
  napi_value out;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    const uint32_t nums[1] = {ntohs(in->sin_port)};
    return ip_tuple(env, host, nums, 2);
  }
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    char host[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    const uint32_t nums[3] = {ntohs(in6->sin6_port), ntohl(in6->sin6_flowinfo), in6->sin6_scope_id};
    return ip_tuple(env, host, nums, 4);
  }
  if (ss->ss_family == AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path)) {
    const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
    size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
    /* A path name ends at its NUL; an abstract name (first byte NUL) is all
     * of its bytes. */
    if (n > 0 && un->sun_path[0] != '\0') n = strnlen(un->sun_path, n);
    CHECK(env, napi_create_buffer_copy(env, n, un->sun_path, NULL, &out));
    return out;
  }
  return make_int(env, -EAFNOSUPPORT);
}

/* ---- making descriptors ------------------------------------------------- */

/* socket(family, type, proto) -> fd | -errno */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  ARGS(3);
  int type = get_int(env, argv[1]) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  return result(env, socket(get_int(env, argv[0]), type, get_int(env, argv[2])));
}

static napi_value fd_pair(napi_env env, int rc, const int fds[2]) {
  if (rc < 0) return make_int(env, -errno);
  napi_value out, v;
  CHECK(env, napi_create_array_with_length(env, 2, &out));
  for (uint32_t i = 0; i < 2; i++) {
    CHECK(env, napi_create_int32(env, fds[i], &v));
    CHECK(env, napi_set_element(env, out, i, v));
  }
  return out;
}

/* socketpair(family, type, proto) -> [fd, fd] | -errno */
static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  ARGS(3);
  int fds[2] = {-1, -1};
  int type = get_int(env, argv[1]) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  int rc = socketpair(get_int(env, argv[0]), type, get_int(env, argv[2]), fds);
  return fd_pair(env, rc, fds);
}

/* pipe() -> [readFd, writeFd] | -errno */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2] = {-1, -1};
  return fd_pair(env, pipe2(fds, O_NONBLOCK | O_CLOEXEC), fds);
}

/* close(fd) -> 0 | -errno. EINTR is not retried: on Linux the descriptor is
 * released anyway, and a retry could close a number already reused. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  return result(env, close(get_int(env, argv[0])));
}

/* dup(fd) -> new fd | -errno: Python's socket.dup(), the copy close-on-exec
 * from its first instant (F_DUPFD_CLOEXEC). It shares the open file
 * description, so O_NONBLOCK and the socket itself are shared; closing one
 * descriptor leaves the other open. */
static napi_value js_dup(napi_env env, napi_callback_info info) {
  ARGS(1);
  return result(env, fcntl(get_int(env, argv[0]), F_DUPFD_CLOEXEC, 0));
}

/* ---- flags ---------------------------------------------------------------- */

/* setblocking(fd, blocking) -> 0 | -errno */
static napi_value js_setblocking(napi_env env, napi_callback_info info) {
  ARGS(2);
  int fd = get_int(env, argv[0]);
  bool blocking = false;
  napi_get_value_bool(env, argv[1], &blocking);
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return make_int(env, -errno);
  int next = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
  return result(env, next == flags ? 0 : fcntl(fd, F_SETFL, next));
}

/* getblocking(fd) -> 1 (blocking) | 0 | -errno */
static napi_value js_getblocking(napi_env env, napi_callback_info info) {
  ARGS(1);
  int flags = fcntl(get_int(env, argv[0]), F_GETFL);
  if (flags < 0) return make_int(env, -errno);
  return make_int(env, (flags & O_NONBLOCK) ? 0 : 1);
}

/* ---- connecting ------------------------------------------------------------ */

/* bind(fd, family, host|pathBuffer, port, flowinfo, scopeId) -> 0 | -errno */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  ARGS(6);
  struct sockaddr_storage ss;
  int len = parse_address(env, argv + 1, &ss);
  if (len < 0) return make_int(env, len);
  return result(env, bind(get_int(env, argv[0]), (struct sockaddr *)&ss, (socklen_t)len));
}

/* connect(fd, family, host|pathBuffer, port, flowinfo, scopeId) -> 0 | -errno
 * (-EINPROGRESS on a non-blocking socket whose connect goes on; its outcome
 * is SO_ERROR once the socket is writable). */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  ARGS(6);
  struct sockaddr_storage ss;
  int len = parse_address(env, argv + 1, &ss);
  if (len < 0) return make_int(env, len);
  int rc;
  do rc = connect(get_int(env, argv[0]), (struct sockaddr *)&ss, (socklen_t)len);
  while (rc < 0 && errno == EINTR);
  return result(env, rc);
}

/* listen(fd, backlog) -> 0 | -errno */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  ARGS(2);
  return result(env, listen(get_int(env, argv[0]), get_int(env, argv[1])));
}

/* accept(fd) -> [fd, address] | -errno; the new descriptor is non-blocking
 * and close-on-exec from its first instant (accept4). */
static napi_value js_accept(napi_env env, napi_callback_info info) {
  ARGS(1);
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  int fd;
  do fd = accept4(get_int(env, argv[0]), (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return make_int(env, -errno);
  napi_value out, v;
  napi_value addr = format_address(env, &ss, len);
  if (addr == NULL || napi_create_array_with_length(env, 2, &out) != napi_ok ||
      napi_create_int32(env, fd, &v) != napi_ok || napi_set_element(env, out, 0, v) != napi_ok ||
      napi_set_element(env, out, 1, addr) != napi_ok) {
    close(fd); /* ours alone: nobody has seen its number yet */
    return NULL;
  }
  return out;
}

/* shutdown(fd, how) -> 0 | -errno */
static napi_value js_shutdown(napi_env env, napi_callback_info info) {
  ARGS(2);
  return result(env, shutdown(get_int(env, argv[0]), get_int(env, argv[1])));
}

static napi_value name_of(napi_env env, napi_callback_info info, bool peer) {
  ARGS(1);
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  int fd = get_int(env, argv[0]);
  int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) : getsockname(fd, (struct sockaddr *)&ss, &len);
  if (rc < 0) return make_int(env, -errno);
  return format_address(env, &ss, len);
}

/* getsockname(fd) / getpeername(fd) -> address | -errno */
static napi_value js_getsockname(napi_env env, napi_callback_info info) { return name_of(env, info, false); }
static napi_value js_getpeername(napi_env env, napi_callback_info info) { return name_of(env, info, true); }

/* The bytes of any typed array (an Int32Array for an integer option, a
 * Buffer for a struct); false if `v` is not one. */
static bool raw_bytes_of(napi_env env, napi_value v, void **data, size_t *bytes) {
  napi_typedarray_type type;
  size_t length = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, data, NULL, NULL) != napi_ok) return false;
  size_t width = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: width = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
    default: width = 1; break;
  }
  *bytes = length * width;
  return true;
}

/* getsockopt(fd, level, name, out: TypedArray) -> optlen | -errno: the raw
 * value is written to `out` (at most its byte length), and the length the
 * kernel wrote is returned (an integer option: 4 bytes in an Int32Array). */
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  ARGS(4);
  void *data = NULL;
  size_t bytes = 0;
  if (!raw_bytes_of(env, argv[3], &data, &bytes) || bytes == 0) return make_int(env, -EINVAL);
  socklen_t len = (socklen_t)bytes;
  int rc = getsockopt(get_int(env, argv[0]), get_int(env, argv[1]), get_int(env, argv[2]), data, &len);
  if (rc < 0) return make_int(env, -errno);
  return make_int(env, (int32_t)len);
}

/* setsockopt(fd, level, name, value: number | TypedArray) -> 0 | -errno: an
 * integer option from a number, a struct option (SO_LINGER's struct
 * linger…) from the raw bytes of a typed array. */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  ARGS(4);
  int fd = get_int(env, argv[0]), level = get_int(env, argv[1]), name = get_int(env, argv[2]);
  napi_valuetype vt;
  CHECK(env, napi_typeof(env, argv[3], &vt));
  if (vt == napi_number) {
    int value = get_int(env, argv[3]);
    return result(env, setsockopt(fd, level, name, &value, sizeof(value)));
  }
  void *data = NULL;
  size_t bytes = 0;
  if (!raw_bytes_of(env, argv[3], &data, &bytes)) return make_int(env, -EINVAL);
  return result(env, setsockopt(fd, level, name, data, (socklen_t)bytes));
}

/* ---- the hot calls ---------------------------------------------------------- */

/* The bytes of a Uint8Array (a Buffer is one) at argv[i]; false if not one. */
static bool bytes_of(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  void *base = NULL;
  napi_value ab;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, len, &base, &ab, &offset) != napi_ok) return false;
  (void)ab;
  (void)offset;
  *data = base; /* napi_get_typedarray_info's data already points at the view's first byte */
  return type == napi_uint8_array;
}

/* The bytes to receive into: the Uint8Array argv[1], cut to nbytes argv[2]
 * when that is > 0 and shorter; false if argv[1] is not a Uint8Array. */
static bool recv_target(napi_env env, napi_value *argv, uint8_t **data, size_t *len) {
  if (!bytes_of(env, argv[1], data, len)) return false;
  int32_t n = get_int(env, argv[2]);
  if (n > 0 && (size_t)n < *len) *len = (size_t)n;
  return true;
}

/* The bytes to send: the Uint8Array `v`, at most INT32_MAX of them (the
 * count goes back as an int32); false if `v` is not a Uint8Array. */
static bool send_source(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  if (!bytes_of(env, v, data, len)) return false;
  if (*len > INT32_MAX) *len = INT32_MAX;
  return true;
}

/* recvInto(fd, buf, nbytes) -> bytes read (0 = EOF) | -EAGAIN | -errno.
 * nbytes <= 0 or beyond the buffer means the whole buffer. */
static napi_value js_recv_into(napi_env env, napi_callback_info info) {
  ARGS(3);
  uint8_t *data;
  size_t len;
  if (!recv_target(env, argv, &data, &len)) return make_int(env, -EINVAL);
  ssize_t rc;
  do rc = recv(get_int(env, argv[0]), data, len, 0);
  while (rc < 0 && errno == EINTR);
  return make_int(env, rc < 0 ? -errno : (int32_t)rc);
}

/* send(fd, buf) -> bytes sent | -EAGAIN | -errno. MSG_NOSIGNAL: a closed
 * peer is EPIPE, never a SIGPIPE that would kill the process. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  ARGS(2);
  uint8_t *data;
  size_t len;
  if (!send_source(env, argv[1], &data, &len)) return make_int(env, -EINVAL);
  ssize_t rc;
  do rc = send(get_int(env, argv[0]), data, len, MSG_NOSIGNAL);
  while (rc < 0 && errno == EINTR);
  return make_int(env, rc < 0 ? -errno : (int32_t)rc);
}

/* readInto(fd, buf, nbytes) -> bytes read | 0 at EOF | -EAGAIN | -errno:
 * read(2), for descriptors that are not sockets (pipes, FIFOs, ttys). */
static napi_value js_read_into(napi_env env, napi_callback_info info) {
  ARGS(3);
  uint8_t *data;
  size_t len;
  if (!recv_target(env, argv, &data, &len)) return make_int(env, -EINVAL);
  ssize_t rc;
  do rc = read(get_int(env, argv[0]), data, len);
  while (rc < 0 && errno == EINTR);
  return make_int(env, rc < 0 ? -errno : (int32_t)rc);
}

/* write(fd, buf) -> bytes written | -EAGAIN | -errno: write(2), for
 * descriptors that are not sockets. Node ignores SIGPIPE, so a pipe whose
 * reader is gone is -EPIPE. */
static napi_value js_write(napi_env env, napi_callback_info info) {
  ARGS(2);
  uint8_t *data;
  size_t len;
  if (!send_source(env, argv[1], &data, &len)) return make_int(env, -EINVAL);
  ssize_t rc;
  do rc = write(get_int(env, argv[0]), data, len);
  while (rc < 0 && errno == EINTR);
  return make_int(env, rc < 0 ? -errno : (int32_t)rc);
}

/* ---- datagrams and sendfile ------------------------------------------------- */

/* recvfrom(fd, buf, nbytes) -> [count, address | null] | -EAGAIN | -errno.
 * nbytes <= 0 or beyond the buffer means the whole buffer. The address is
 * null when the sender has none (an unbound AF_UNIX socket: the kernel
 * reports a length of 0). Would-block creates no object. */
static napi_value js_recvfrom(napi_env env, napi_callback_info info) {
  ARGS(3);
  uint8_t *data;
  size_t len;
  if (!recv_target(env, argv, &data, &len)) return make_int(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t alen = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  ssize_t rc;
  do rc = recvfrom(get_int(env, argv[0]), data, len, 0, (struct sockaddr *)&ss, &alen);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) return make_int(env, -errno);
  napi_value out, count, addr;
  if (alen == 0) CHECK(env, napi_get_null(env, &addr));
  else if ((addr = format_address(env, &ss, alen)) == NULL) return NULL;
  CHECK(env, napi_create_array_with_length(env, 2, &out));
  CHECK(env, napi_create_int32(env, (int32_t)rc, &count));
  CHECK(env, napi_set_element(env, out, 0, count));
  CHECK(env, napi_set_element(env, out, 1, addr));
  return out;
}

/* sendto(fd, buf, family, host|pathBuffer, port, flowinfo, scopeId) ->
 * bytes sent | -EAGAIN | -errno (MSG_NOSIGNAL, as send). */
static napi_value js_sendto(napi_env env, napi_callback_info info) {
  ARGS(7);
  uint8_t *data;
  size_t len;
  if (!send_source(env, argv[1], &data, &len)) return make_int(env, -EINVAL);
  struct sockaddr_storage ss;
  int alen = parse_address(env, argv + 2, &ss);
  if (alen < 0) return make_int(env, alen);
  ssize_t rc;
  do rc = sendto(get_int(env, argv[0]), data, len, MSG_NOSIGNAL, (struct sockaddr *)&ss, (socklen_t)alen);
  while (rc < 0 && errno == EINTR);
  return make_int(env, rc < 0 ? -errno : (int32_t)rc);
}

/* sendfile(outFd, inFd, offset, count) -> bytes sent (0 at end of file) |
 * -EAGAIN | -errno. offset is a JS number (an integer up to 2^53-1, checked
 * by the TS layer); the file's own position is not moved. Linux sends at
 * most 0x7ffff000 bytes per call, so the count fits an int32. */
static napi_value js_sendfile(napi_env env, napi_callback_info info) {
  ARGS(4);
  int64_t offset = 0, count = 0;
  CHECK(env, napi_get_value_int64(env, argv[2], &offset));
  CHECK(env, napi_get_value_int64(env, argv[3], &count));
  if (offset < 0 || count < 0) return make_int(env, -EINVAL);
  off_t off = (off_t)offset;
  ssize_t rc;
  do rc = sendfile(get_int(env, argv[0]), get_int(env, argv[1]), &off, (size_t)count);
  while (rc < 0 && errno == EINTR);
  return make_int(env, rc < 0 ? -errno : (int32_t)rc);
}

/* lseek(fd, offset, whence) -> the new position (a double: up to 2^53) |
 * -errno. Node has no lseek for a descriptor; asyncio's sendfile moves the
 * file position to offset + sent, and so does the selector loop's. */
static napi_value js_lseek(napi_env env, napi_callback_info info) {
  ARGS(3);
  int64_t offset = 0;
  CHECK(env, napi_get_value_int64(env, argv[1], &offset));
  off_t rc = lseek(get_int(env, argv[0]), (off_t)offset, get_int(env, argv[2]));
  napi_value out;
  CHECK(env, napi_create_double(env, rc < 0 ? (double)-errno : (double)rc, &out));
  return out;
}

/* ---- the module ---------------------------------------------------------------- */

static bool set_const(napi_env env, napi_value obj, const char *name, int32_t value) {
  napi_value v;
  return napi_create_int32(env, value, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

napi_value loop_poll_init(napi_env env, napi_value exports); /* native/poll.c */

NAPI_MODULE_INIT() {
  napi_property_descriptor fns[] = {
#define FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL}
      FN("socket", js_socket),         FN("socketpair", js_socketpair), FN("pipe", js_pipe),
      FN("close", js_close),           FN("setblocking", js_setblocking), FN("getblocking", js_getblocking),
      FN("dup", js_dup),
      FN("bind", js_bind),             FN("connect", js_connect),       FN("listen", js_listen),
      FN("accept", js_accept),         FN("shutdown", js_shutdown),     FN("getsockname", js_getsockname),
      FN("getpeername", js_getpeername), FN("getsockopt", js_getsockopt), FN("setsockopt", js_setsockopt),
      FN("recvInto", js_recv_into),    FN("send", js_send),
      FN("readInto", js_read_into),    FN("write", js_write),
      FN("recvfrom", js_recvfrom),     FN("sendto", js_sendto),         FN("sendfile", js_sendfile),
      FN("lseek", js_lseek),
#undef FN
  };
  if (napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns) != napi_ok) return NULL;
  napi_value c;
  if (napi_create_object(env, &c) != napi_ok) return NULL;
  bool ok = true;
#define C(name) ok = ok && set_const(env, c, #name, name)
  C(AF_INET); C(AF_INET6); C(AF_UNIX); C(AF_UNSPEC);
  C(SOCK_STREAM); C(SOCK_DGRAM);
  C(SHUT_RD); C(SHUT_WR); C(SHUT_RDWR);
  C(SOL_SOCKET); C(SO_ERROR); C(SO_REUSEADDR); C(SO_REUSEPORT); C(SO_KEEPALIVE); C(SO_BROADCAST);
  C(SO_RCVBUF); C(SO_SNDBUF); C(SO_TYPE);
  C(IPPROTO_TCP); C(IPPROTO_UDP); C(IPPROTO_IPV6); C(TCP_NODELAY); C(IPV6_V6ONLY);
  C(SOCK_SEQPACKET); C(SOCK_RAW);
  C(SO_LINGER); C(SO_DOMAIN); C(SO_PROTOCOL); C(SO_ACCEPTCONN); C(SO_RCVLOWAT); C(SO_SNDLOWAT);
  C(SO_OOBINLINE); C(SO_DONTROUTE); C(SO_PRIORITY); C(SO_PASSCRED); C(SO_PEERCRED);
  C(TCP_KEEPIDLE); C(TCP_KEEPINTVL); C(TCP_KEEPCNT); C(TCP_CORK); C(TCP_QUICKACK);
  C(TCP_USER_TIMEOUT); C(TCP_NOTSENT_LOWAT); C(TCP_MAXSEG); C(TCP_DEFER_ACCEPT); C(TCP_FASTOPEN);
  C(IPPROTO_IP); C(IP_TOS); C(IP_TTL); C(IP_MULTICAST_TTL); C(IP_MULTICAST_LOOP); C(IP_MULTICAST_IF);
  C(IP_ADD_MEMBERSHIP); C(IP_DROP_MEMBERSHIP);
  C(IPV6_UNICAST_HOPS); C(IPV6_MULTICAST_HOPS); C(IPV6_MULTICAST_LOOP); C(IPV6_MULTICAST_IF);
  C(IPV6_JOIN_GROUP); C(IPV6_LEAVE_GROUP); C(IPV6_TCLASS);
  C(ENOTSOCK);
  C(EAGAIN); C(EINPROGRESS); C(SEEK_SET); C(SEEK_CUR); C(SEEK_END);
#undef C
  if (!ok || napi_set_named_property(env, exports, "constants", c) != napi_ok) return NULL;
  return loop_poll_init(env, exports);
}
