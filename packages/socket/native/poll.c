/*
 * @loop/socket's readiness primitives: epoll, poll(2), and a libuv poll
 * watcher, on Node-API (node_api.h) only. `@loop/selector` builds Python's
 * `selectors` and the SelectorEventLoop on them (ADR 0005).
 *
 * HOW and WHY. A selector owns one epoll descriptor (epollCreate). Its
 * register / modify / unregister are one epoll_ctl each, and select(0) is one
 * epoll_wait that writes every ready (fd, events) pair into a typed array the
 * caller allocated once: no JS object per event. Node's own loop then has to
 * wake the JS loop when any of those fds is ready; it does so by watching the
 * single epoll descriptor with a single uv_poll_t (a Watcher). The Watcher is
 * general (any pollable fd), but @loop watches only descriptors it owns: two
 * watchers on one fd in one libuv loop corrupt libuv's state, so this file
 * refuses a second watcher of an fd in the same environment (-EEXIST).
 *
 * Results follow socket.c's rule: a number >= 0, or -errno; nothing here
 * throws for a system error.
 *
 * Events cross the boundary in Python's selectors bits: 1 = EVENT_READ,
 * 2 = EVENT_WRITE. epoll's error and hang-up bits count as both, as
 * Python's EpollSelector maps them (a refused connect must wake its writer
 * and a reset its reader).
 *
 * WATCHER LIFETIME. A Watcher is a JS object wrapping a heap struct that
 * holds the uv_poll_t. The struct is freed only when libuv has closed the
 * handle AND the JS object is finalized, so a call on a closed Watcher finds
 * the struct and answers -EBADF instead of touching freed memory. While
 * started, the struct holds a strong reference to its JS object (an active
 * watcher is never collected); stopped, the reference is weak, and a
 * collected Watcher closes its handle in the finalizer. Per environment (a
 * worker thread has its own), an async cleanup hook closes every watcher
 * still open when the environment goes away. The callback enters JS through
 * napi_make_callback, so microtasks (promise reactions) run after it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define EV_READ 1
#define EV_WRITE 2

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_type_error((env), "ERR_LOOP_INVALID_ARG", #call " failed"); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

#define ARGS(n)                                                            \
  size_t argc = (n);                                                       \
  napi_value argv[(n) > 0 ? (n) : 1];                                      \
  napi_value self = NULL;                                                  \
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));       \
  (void)self

static napi_value num(napi_env env, int32_t v) {
  napi_value out;
  if (napi_create_int32(env, v, &out) != napi_ok) return NULL;
  return out;
}

static int32_t int_arg(napi_env env, napi_value v) {
  int32_t out = -1;
  napi_get_value_int32(env, v, &out);
  return out;
}

/* A typed array's int32 view: pointer and element count, or NULL. */
static int32_t *int32s(napi_env env, napi_value v, size_t *count) {
  napi_typedarray_type type;
  void *data = NULL;
  size_t length = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_int32_array) return NULL;
  *count = length;
  return (int32_t *)data;
}

static uint32_t to_epoll(int32_t events) {
  uint32_t e = 0;
  if (events & EV_READ) e |= EPOLLIN;
  if (events & EV_WRITE) e |= EPOLLOUT;
  return e;
}

static int32_t from_epoll(uint32_t e) {
  int32_t events = 0;
  if (e & ~(uint32_t)EPOLLOUT) events |= EV_READ;
  if (e & ~(uint32_t)EPOLLIN) events |= EV_WRITE;
  return events;
}

/* ---- epoll -------------------------------------------------------------- */

/* epollCreate() -> fd | -errno (close-on-exec). */
static napi_value js_epoll_create(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = epoll_create1(EPOLL_CLOEXEC);
  return num(env, fd < 0 ? -errno : fd);
}

/* epollCtl(epfd, op, fd, events) -> 0 | -errno; op 1 add, 2 del, 3 mod. */
static napi_value js_epoll_ctl(napi_env env, napi_callback_info info) {
  ARGS(4);
  int op = int_arg(env, argv[1]);
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = to_epoll(int_arg(env, argv[3]));
  ev.data.fd = int_arg(env, argv[2]);
  int eop = op == 1 ? EPOLL_CTL_ADD : op == 2 ? EPOLL_CTL_DEL : op == 3 ? EPOLL_CTL_MOD : -1;
  if (eop < 0) return num(env, -EINVAL);
  int rc = epoll_ctl(int_arg(env, argv[0]), eop, ev.data.fd, &ev);
  return num(env, rc < 0 ? -errno : 0);
}

#define WAIT_BATCH 256

/* epollWait(epfd, out Int32Array, timeoutMs) -> n | -errno. Writes n pairs
 * (fd, events) into out; at most out.length / 2. timeoutMs < 0 blocks. */
static napi_value js_epoll_wait(napi_env env, napi_callback_info info) {
  ARGS(3);
  size_t count = 0;
  int32_t *out = int32s(env, argv[1], &count);
  if (out == NULL) return num(env, -EINVAL);
  int max = (int)(count / 2);
  if (max > WAIT_BATCH) max = WAIT_BATCH;
  if (max == 0) return num(env, -EINVAL);
  struct epoll_event evs[WAIT_BATCH];
  int n;
  /* An interrupted wait with a timeout is reported as no event (the caller
   * polls again), as Python 3.5+ retries with the remaining time. */
  n = epoll_wait(int_arg(env, argv[0]), evs, max, int_arg(env, argv[2]));
  if (n < 0) return num(env, errno == EINTR ? 0 : -errno);
  for (int i = 0; i < n; i++) {
    out[2 * i] = evs[i].data.fd;
    out[2 * i + 1] = from_epoll(evs[i].events);
  }
  return num(env, n);
}

/* ---- poll(2) -------------------------------------------------------------- */

/* pollFds(fds Int32Array, n, timeoutMs) -> ready count | -errno. fds holds n
 * triples (fd, events, revents): events in, revents out. */
static napi_value js_poll_fds(napi_env env, napi_callback_info info) {
  ARGS(3);
  size_t count = 0;
  int32_t *arr = int32s(env, argv[0], &count);
  int32_t n = int_arg(env, argv[1]);
  if (arr == NULL || n < 0 || (size_t)n * 3 > count) return num(env, -EINVAL);
  struct pollfd stack[64];
  struct pollfd *pfds = n <= 64 ? stack : calloc((size_t)n, sizeof(struct pollfd));
  if (pfds == NULL) return num(env, -ENOMEM);
  for (int32_t i = 0; i < n; i++) {
    pfds[i].fd = arr[3 * i];
    pfds[i].events = (short)((arr[3 * i + 1] & EV_READ ? POLLIN : 0) | (arr[3 * i + 1] & EV_WRITE ? POLLOUT : 0));
    pfds[i].revents = 0;
  }
  int rc = poll(pfds, (nfds_t)n, int_arg(env, argv[2]));
  int err = errno;
  if (rc >= 0) {
    for (int32_t i = 0; i < n; i++) {
      short r = pfds[i].revents;
      int32_t ev = 0;
      if (r & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) ev |= EV_READ;
      if (r & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) ev |= EV_WRITE;
      arr[3 * i + 2] = ev;
    }
  }
  if (pfds != stack) free(pfds);
  if (rc < 0) return num(env, err == EINTR ? 0 : -err);
  return num(env, rc);
}

/* ---- Watcher: one uv_poll_t ------------------------------------------------ */

typedef struct watcher {
  uv_poll_t handle;
  napi_env env;
  napi_ref self;       /* strong (1) while started, weak (0) otherwise */
  napi_ref callback;
  napi_async_context actx;
  napi_async_cleanup_hook_handle hook;
  struct watcher *next; /* the environment's list */
  struct watcher **list;
  int fd;
  bool started;
  bool closing;        /* uv_close called */
  bool closed;         /* the close callback ran */
  bool finalized;      /* the JS object is gone */
} watcher_t;

/* Per environment: the list of watchers not yet closed (for the cleanup
 * hook and the one-watcher-per-fd rule). */
typedef struct {
  watcher_t *head;
} env_state_t;

static void unlink_watcher(watcher_t *w) {
  if (w->list == NULL) return;
  for (watcher_t **p = w->list; *p != NULL; p = &(*p)->next) {
    if (*p == w) {
      *p = w->next;
      break;
    }
  }
  w->list = NULL;
  w->next = NULL;
}

static void free_if_done(watcher_t *w) {
  if (!w->closed || !w->finalized) return;
  free(w);
}

static void on_closed(uv_handle_t *h) {
  watcher_t *w = (watcher_t *)h->data;
  w->closed = true;
  if (w->hook != NULL) {
    napi_remove_async_cleanup_hook(w->hook);
    w->hook = NULL;
  }
  free_if_done(w);
}

/* Stops and closes the handle (once); releases the JS references unless the
 * environment is going away (then Node releases them itself). */
static void close_watcher(watcher_t *w) {
  if (w->closing) return;
  w->closing = true;
  unlink_watcher(w);
  bool was_started = w->started;
  if (was_started) uv_poll_stop(&w->handle);
  w->started = false;
  if (was_started && w->self != NULL && !w->finalized) {
    uint32_t refs = 0;
    napi_reference_unref(w->env, w->self, &refs);
  }
  if (w->callback != NULL) napi_delete_reference(w->env, w->callback);
  w->callback = NULL;
  if (w->actx != NULL) napi_async_destroy(w->env, w->actx);
  w->actx = NULL;
  uv_close((uv_handle_t *)&w->handle, on_closed);
}

/* The environment is going away with the watcher open: close it, and detach
 * the struct from its JS object (whose finalizer may never run now), unless
 * the object is already collected (then its finalizer is pending and frees
 * the struct). */
static void on_teardown(napi_async_cleanup_hook_handle hook, void *arg) {
  (void)hook;
  watcher_t *w = (watcher_t *)arg;
  napi_env env = w->env;
  close_watcher(w);
  if (w->finalized || w->self == NULL) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value obj = NULL;
  if (napi_get_reference_value(env, w->self, &obj) == napi_ok && obj != NULL &&
      napi_remove_wrap(env, obj, NULL) == napi_ok) {
    napi_delete_reference(env, w->self);
    w->self = NULL;
    w->finalized = true;
  }
  napi_close_handle_scope(env, scope);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  watcher_t *w = (watcher_t *)data;
  w->finalized = true;
  if (w->self != NULL) napi_delete_reference(env, w->self);
  w->self = NULL;
  if (!w->closing) close_watcher(w);
  /* Never opened: what close_watcher has not released. */
  if (w->callback != NULL) napi_delete_reference(env, w->callback);
  if (w->actx != NULL) napi_async_destroy(env, w->actx);
  w->callback = NULL;
  w->actx = NULL;
  free_if_done(w);
}

static void on_poll(uv_poll_t *h, int status, int uvevents) {
  watcher_t *w = (watcher_t *)h->data;
  if (w->closing || w->callback == NULL) return;
  int32_t events = 0;
  if (status < 0) events = EV_READ | EV_WRITE; /* an error wakes reader and writer */
  else {
    if (uvevents & (UV_READABLE | UV_DISCONNECT)) events |= EV_READ;
    if (uvevents & UV_WRITABLE) events |= EV_WRITE;
  }
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg, ignored;
  if (napi_get_reference_value(env, w->callback, &fn) == napi_ok && fn != NULL &&
      napi_get_global(env, &recv) == napi_ok && napi_create_int32(env, events, &arg) == napi_ok) {
    napi_status st = napi_make_callback(env, w->actx, recv, fn, 1, &arg, &ignored);
    if (st == napi_pending_exception) {
      /* The callback threw: report it as Node reports an uncaught error. */
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static env_state_t *env_state(napi_env env) {
  env_state_t *st = NULL;
  if (napi_get_instance_data(env, (void **)&st) == napi_ok && st != NULL) return st;
  return NULL;
}

static watcher_t *unwrap(napi_env env, napi_value self) {
  void *data = NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return (watcher_t *)data;
}

/* new Watcher(fd, callback): throws only on a programming error; a system
 * error is reported by start(). */
static napi_value js_watcher_new(napi_env env, napi_callback_info info) {
  ARGS(2);
  watcher_t *w = calloc(1, sizeof(*w));
  if (w == NULL) {
    napi_throw_error(env, "ERR_LOOP_RUNTIME", "Watcher: out of memory");
    return NULL;
  }
  w->env = env;
  w->fd = int_arg(env, argv[0]);
  w->handle.data = w;
  w->closing = true; /* not initialised yet: nothing to close */
  w->closed = true;
  if (napi_wrap(env, self, w, on_finalize, NULL, &w->self) != napi_ok) {
    free(w);
    napi_throw_error(env, "ERR_LOOP_RUNTIME", "Watcher: napi_wrap failed");
    return NULL;
  }
  /* From here the finalizer owns w. */
  napi_value name;
  CHECK(env, napi_create_string_utf8(env, "LoopWatcher", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_reference(env, argv[1], 1, &w->callback));
  CHECK(env, napi_async_init(env, NULL, name, &w->actx));
  return self;
}

/* watcher.open() -> 0 | -errno: uv_poll_init (EEXIST when this environment
 * already watches the fd; EPERM for a regular file; EBADF). */
static napi_value js_watcher_open(napi_env env, napi_callback_info info) {
  ARGS(0);
  watcher_t *w = unwrap(env, self);
  if (w == NULL) return num(env, -EBADF);
  if (!w->closed || w->callback == NULL) return num(env, -EBADF); /* open already, or used */
  env_state_t *st = env_state(env);
  if (st == NULL) return num(env, -ENOMEM);
  for (watcher_t *o = st->head; o != NULL; o = o->next)
    if (o->fd == w->fd) return num(env, -EEXIST);
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) return num(env, -ENOSYS);
  int rc = uv_poll_init(loop, &w->handle, w->fd);
  if (rc < 0) return num(env, rc); /* libuv errors are -errno on Unix */
  w->handle.data = w;
  w->closing = false;
  w->closed = false;
  if (napi_add_async_cleanup_hook(env, on_teardown, w, &w->hook) != napi_ok) w->hook = NULL;
  w->list = &st->head;
  w->next = st->head;
  st->head = w;
  return num(env, 0);
}

/* watcher.start(events) -> 0 | -errno. */
static napi_value js_watcher_start(napi_env env, napi_callback_info info) {
  ARGS(1);
  watcher_t *w = unwrap(env, self);
  if (w == NULL || w->closing) return num(env, -EBADF);
  int32_t events = int_arg(env, argv[0]);
  int uvev = (events & EV_READ ? UV_READABLE : 0) | (events & EV_WRITE ? UV_WRITABLE : 0);
  if (uvev == 0) return num(env, -EINVAL);
  int rc = uv_poll_start(&w->handle, uvev, on_poll);
  if (rc < 0) return num(env, rc);
  if (!w->started) {
    uint32_t refs = 0;
    napi_reference_ref(env, w->self, &refs);
    w->started = true;
  }
  return num(env, 0);
}

/* watcher.stop() -> 0 | -EBADF. */
static napi_value js_watcher_stop(napi_env env, napi_callback_info info) {
  ARGS(0);
  watcher_t *w = unwrap(env, self);
  if (w == NULL || w->closing) return num(env, -EBADF);
  if (w->started) {
    uv_poll_stop(&w->handle);
    w->started = false;
    uint32_t refs = 0;
    napi_reference_unref(env, w->self, &refs);
  }
  return num(env, 0);
}

/* watcher.ref(bool): whether the watcher keeps Node's loop alive. */
static napi_value js_watcher_ref(napi_env env, napi_callback_info info) {
  ARGS(1);
  watcher_t *w = unwrap(env, self);
  if (w == NULL || w->closing) return num(env, -EBADF);
  bool on = true;
  napi_get_value_bool(env, argv[0], &on);
  if (on) uv_ref((uv_handle_t *)&w->handle);
  else uv_unref((uv_handle_t *)&w->handle);
  return num(env, 0);
}

/* watcher.close() -> 0 (idempotent). Never closes the fd. */
static napi_value js_watcher_close(napi_env env, napi_callback_info info) {
  ARGS(0);
  watcher_t *w = unwrap(env, self);
  if (w == NULL) return num(env, 0);
  if (w->closing) {
    /* Never opened: drop the callback so a later open() fails. */
    if (w->callback != NULL) napi_delete_reference(env, w->callback);
    w->callback = NULL;
    if (w->actx != NULL) napi_async_destroy(env, w->actx);
    w->actx = NULL;
    return num(env, 0);
  }
  close_watcher(w);
  return num(env, 0);
}

static void free_env_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* Called from socket.c's module init. */
napi_value loop_poll_init(napi_env env, napi_value exports) {
  env_state_t *st = calloc(1, sizeof(*st));
  if (st == NULL || napi_set_instance_data(env, st, free_env_state, NULL) != napi_ok) {
    free(st);
    napi_throw_error(env, "ERR_LOOP_RUNTIME", "@loop/socket: cannot set up the per-environment state");
    return NULL;
  }
  napi_property_descriptor fns[] = {
      {"epollCreate", NULL, js_epoll_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollCtl", NULL, js_epoll_ctl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"epollWait", NULL, js_epoll_wait, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollFds", NULL, js_poll_fds, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns));
  napi_property_descriptor methods[] = {
      {"open", NULL, js_watcher_open, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, js_watcher_start, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, js_watcher_stop, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, js_watcher_ref, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_watcher_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls;
  CHECK(env, napi_define_class(env, "Watcher", NAPI_AUTO_LENGTH, js_watcher_new, NULL, sizeof(methods) / sizeof(methods[0]),
                               methods, &cls));
  CHECK(env, napi_set_named_property(env, exports, "Watcher", cls));
  return exports;
}
