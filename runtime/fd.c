/* fd.c — the descriptors framed messages travel on (issue 6, docs/wire.md
 * "Descriptors and sockets"): files (`open_read`, `open_write`), sockets
 * (`listen_socket`, `accept_socket`, `connect_socket`, Unix-domain and
 * TCP), `close_fd`, and `os_error()`, the reason the last of these calls on
 * this thread failed.  Declared in the "wire format" section of ar.h; the
 * frames themselves are read and written by wire.c.
 *
 * Every call blocks the calling worker thread (like read_msg/write_msg);
 * descriptors are close-on-exec.  A failed call returns -1 and leaves its
 * reason in a thread-local buffer: a handler turn that does not suspend
 * runs on one thread, so `os_error()` right after the call reads its own
 * failure.
 *
 * Addresses:  unix:PATH        a Unix-domain stream socket at PATH
 *             tcp:HOST:PORT    HOST a name, an IPv4 address or [IPv6];
 *                              PORT a number (0 in listen: any free port)
 */
#include "ari.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum { ARI_FD_ERR_MAX = 256, ARI_FD_BACKLOG = 128 };

static _Thread_local char ari_fd_err[ARI_FD_ERR_MAX];

/* Records why a call failed; returns -1 for the caller to return. */
__attribute__((format(printf, 1, 2))) static int64_t ari_fd_fail(const char *fmt,
                                                                 ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ari_fd_err, sizeof ari_fd_err, fmt, ap);
  va_end(ap);
  return -1;
}

ar_str *ar_wire_os_error(void) {
  return ar_str_new(ari_fd_err, strlen(ari_fd_err));
}

/* ============================================================ files */

int64_t ar_wire_open(const ar_str *path, bool write) {
  const char *what = write ? "open_write" : "open_read";
  if (!path || path->len == 0)
    return ari_fd_fail("%s: empty path", what);
  if (path->len == 1 && path->ptr[0] == '-')
    return write ? 1 : 0;
  if (memchr(path->ptr, 0, (size_t)path->len))
    return ari_fd_fail("%s: a path cannot contain a NUL byte", what);
  int fd = write ? open(path->ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        0666)
                 : open(path->ptr, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ari_fd_fail("%s %s: %s", what, path->ptr, strerror(errno));
  return fd;
}

void ar_wire_close(int64_t fd) {
  if (fd > 2 && fd <= INT32_MAX)
    close((int)fd);
}

/* ============================================================ sockets */

/* A parsed address: a Unix path, or TCP host and port (NUL-terminated
 * copies; host without the [] of an IPv6 literal). */
typedef struct ari_addr {
  bool unix_;
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  char host[256];
  char port[8];
} ari_addr;

static bool ari_addr_parse(const char *what, const ar_str *s, ari_addr *a) {
  memset(a, 0, sizeof *a);
  const char *p = s ? s->ptr : "";
  size_t n = s ? (size_t)s->len : 0;
  if (memchr(p, 0, n)) {
    ari_fd_fail("%s: an address cannot contain a NUL byte", what);
    return false;
  }
  if (n > 5 && !memcmp(p, "unix:", 5)) {
    a->unix_ = true;
    if (n - 5 >= sizeof a->path) {
      ari_fd_fail("%s %s: a Unix socket path has at most %zu bytes", what, p,
                  sizeof a->path - 1);
      return false;
    }
    memcpy(a->path, p + 5, n - 5);
    return true;
  }
  if (n > 4 && !memcmp(p, "tcp:", 4)) {
    const char *h = p + 4, *colon = strrchr(h, ':');
    size_t hl = colon ? (size_t)(colon - h) : 0;
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
      h++;
      hl -= 2;
    }
    const char *port = colon ? colon + 1 : "";
    size_t pl = strlen(port);
    bool digits = pl > 0 && pl < 6;
    for (size_t i = 0; digits && i < pl; i++)
      digits = port[i] >= '0' && port[i] <= '9';
    if (!colon || hl == 0 || hl >= sizeof a->host || !digits ||
        atoi(port) > 65535) {
      ari_fd_fail("%s %s: expected tcp:HOST:PORT (a port 0-65535)", what, p);
      return false;
    }
    memcpy(a->host, h, hl);
    memcpy(a->port, port, pl);
    return true;
  }
  ari_fd_fail("%s %s: expected an address unix:PATH or tcp:HOST:PORT", what,
              p);
  return false;
}

static void ari_nodelay(int fd) {
  int one = 1; /* frames are small and answered: no Nagle delay (fails
                * harmlessly on a Unix socket) */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Every address getaddrinfo gives for a, tried in order by try(); the
 * first descriptor that works is returned, else the last error. */
static int64_t ari_tcp_each(const char *what, const ari_addr *a, bool passive,
                            int (*try)(int fd, const struct addrinfo *ai)) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  int g = getaddrinfo(a->host, a->port, &hints, &res);
  if (g != 0)
    return ari_fd_fail("%s tcp:%s:%s: %s", what, a->host, a->port,
                       g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
  int err = EADDRNOTAVAIL;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    if (try(fd, ai) == 0) {
      freeaddrinfo(res);
      return fd;
    }
    err = errno;
    close(fd);
  }
  freeaddrinfo(res);
  return ari_fd_fail("%s tcp:%s:%s: %s", what, a->host, a->port,
                     strerror(err));
}

static int ari_try_listen(int fd, const struct addrinfo *ai) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
    return -1;
  return listen(fd, ARI_FD_BACKLOG);
}

static int ari_try_connect(int fd, const struct addrinfo *ai) {
  int r;
  do
    r = connect(fd, ai->ai_addr, ai->ai_addrlen);
  while (r != 0 && errno == EINTR);
  if (r == 0)
    ari_nodelay(fd);
  return r;
}

/* listen_socket / connect_socket: TCP through every address of the name,
 * a Unix path through the same try function. */
static int64_t ari_sock_open(const char *what, const ar_str *addr,
                             bool passive) {
  ari_addr a;
  if (!ari_addr_parse(what, addr, &a))
    return -1;
  int (*try)(int, const struct addrinfo *) =
      passive ? ari_try_listen : ari_try_connect;
  if (!a.unix_)
    return ari_tcp_each(what, &a, passive, try);
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, a.path, strlen(a.path));
  struct addrinfo ai;
  memset(&ai, 0, sizeof ai);
  ai.ai_family = AF_UNIX;
  ai.ai_addr = (struct sockaddr *)&sa;
  ai.ai_addrlen = sizeof sa;
  /* a socket file left by an earlier run is replaced; any other file is not */
  struct stat st;
  if (passive && lstat(a.path, &st) == 0 && S_ISSOCK(st.st_mode))
    unlink(a.path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && try(fd, &ai) == 0)
    return fd;
  int e = errno;
  if (fd >= 0)
    close(fd);
  return ari_fd_fail("%s unix:%s: %s", what, a.path, strerror(e));
}

int64_t ar_wire_listen(const ar_str *addr) {
  return ari_sock_open("listen_socket", addr, true);
}

int64_t ar_wire_connect(const ar_str *addr) {
  return ari_sock_open("connect_socket", addr, false);
}

int64_t ar_wire_accept(int64_t lfd) {
  if (lfd < 0 || lfd > INT32_MAX)
    return ari_fd_fail("accept_socket: invalid descriptor %lld",
                       (long long)lfd);
  int fd;
  do
    fd = accept4((int)lfd, NULL, NULL, SOCK_CLOEXEC);
  while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
  if (fd < 0)
    return ari_fd_fail("accept_socket: %s", strerror(errno));
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
      (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
    ari_nodelay(fd);
  return fd;
}

int64_t ar_wire_local_port(int64_t fd) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (fd < 0 || fd > INT32_MAX ||
      getsockname((int)fd, (struct sockaddr *)&ss, &sl) != 0)
    return ari_fd_fail("socket_port: %s",
                       fd < 0 || fd > INT32_MAX ? "invalid descriptor"
                                                : strerror(errno));
  if (ss.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return ari_fd_fail("socket_port: not a TCP socket");
}
