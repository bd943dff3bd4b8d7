/* source.c — source files: loading, the NUL sentinel, line tables.
 *
 * Every file's text lives in the perm arena with a NUL appended (the lexer's
 * sentinel); a regular file is read there with one read(), no copy.  The
 * table of line starts is built on the first line:column query, i.e. only
 * when a diagnostic is printed.  Columns count Unicode
 * scalar values (UTF-8 lead bytes), not bytes.  Nothing here reports errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ac.h"

/* Register text already in the perm arena (NUL-terminated at len).  The line
 * table is built on first use (source_line_col): a program without errors
 * never needs it. */
static uint32_t source_register(ac_ctx *cx, const char *path, const char *text,
                                uint32_t len) {
  source_file *sf = ARENA_NEW(cx->perm, source_file);
  sf->path = arena_strndup(cx->perm, path, strlen(path));
  sf->text = text;
  sf->len = len;
  if (cx->nfiles == cx->files_cap) {
    uint32_t cap = cx->files_cap ? cx->files_cap * 2 : 8;
    source_file **files = arena_alloc(cx->perm, cap * sizeof *files);
    if (cx->nfiles) memcpy(files, cx->files, cx->nfiles * sizeof *files);
    cx->files = files;
    cx->files_cap = cap;
  }
  cx->files[cx->nfiles] = sf;
  return cx->nfiles++;
}

static void source_build_lines(ac_ctx *cx, source_file *sf) {
  const char *text = sf->text, *end = text + sf->len;
  uint32_t n = 1;
  for (const char *p = text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) n++;
  uint32_t *ls = arena_alloc(cx->perm, n * sizeof *ls);
  uint32_t k = 1;
  for (const char *p = text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
    ls[k++] = (uint32_t)(p + 1 - text);
  sf->line_starts = ls;
  sf->nlines = n;
}

uint32_t source_add(ac_ctx *cx, const char *path, const char *text, size_t len) {
  if (len > UINT32_MAX - 1) len = UINT32_MAX - 1;
  char *buf = arena_alloc(cx->perm, len + 1);
  memcpy(buf, text, len);
  buf[len] = 0;
  return source_register(cx, path, buf, (uint32_t)len);
}

/* Slow path for files whose size is unknown up front (pipes, /proc). */
static int32_t source_load_stream(ac_ctx *cx, const char *path, int fd) {
  arena_mark m = arena_mark_get(cx->scratch);
  size_t cap = 1 << 16;
  size_t len = 0;
  char *buf = arena_alloc(cx->scratch, cap);
  int err = 0;
  for (;;) {
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno ? errno : EIO;
      break;
    }
    if (n == 0) break;
    len += (size_t)n;
    if (len == cap) {
      if (cap >= (size_t)UINT32_MAX / 2) { err = EFBIG; break; }
      char *nb = arena_alloc(cx->scratch, cap * 2);
      memcpy(nb, buf, len);
      buf = nb;
      cap *= 2;
    }
  }
  if (!err && len >= (size_t)UINT32_MAX / 2) err = EFBIG;
  if (err) {
    arena_reset(cx->scratch, m);
    errno = err;
    return -1;
  }
  uint32_t id = source_add(cx, path, buf, len);
  arena_reset(cx->scratch, m);
  return (int32_t)id;
}

int32_t source_load(ac_ctx *cx, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  int32_t id;
  bool have_st = fstat(fd, &st) == 0;
  if (have_st && S_ISDIR(st.st_mode)) {
    close(fd);
    errno = EISDIR;
    return -1;
  }
  if (have_st && S_ISREG(st.st_mode) && st.st_size > 0 &&
      (uint64_t)st.st_size < (uint64_t)UINT32_MAX / 2) {
    /* one read straight into the perm arena: no copy, no growth */
    size_t want = (size_t)st.st_size;
    arena_mark m = arena_mark_get(cx->perm);
    char *buf = arena_alloc(cx->perm, want + 2);
    size_t len = 0;
    int err = 0;
    while (len < want + 1) {
      ssize_t n = read(fd, buf + len, want + 1 - len);
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno ? errno : EIO;
        break;
      }
      if (n == 0) break;
      len += (size_t)n;
    }
    if (err) {
      arena_reset(cx->perm, m);
      close(fd);
      errno = err;
      return -1;
    }
    if (len <= want) {
      buf[len] = 0;
      id = (int32_t)source_register(cx, path, buf, (uint32_t)len);
      close(fd);
      return id;
    }
    /* the file grew while we read it: start over the slow way */
    arena_reset(cx->perm, m);
    if (lseek(fd, 0, SEEK_SET) != 0) {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
  }
  id = source_load_stream(cx, path, fd);
  int e = errno;
  close(fd);
  errno = e;
  return id;
}

const source_file *source_get(const ac_ctx *cx, uint32_t file) {
  if (file >= cx->nfiles) return NULL;
  return cx->files[file];
}

void source_line_col(const ac_ctx *cx, uint32_t file, uint32_t off,
                     uint32_t *out_line, uint32_t *out_col) {
  const source_file *sf = source_get(cx, file);
  if (!sf) {
    *out_line = 0;
    *out_col = 0;
    return;
  }
  if (!sf->line_starts) source_build_lines((ac_ctx *)cx, (source_file *)sf);
  if (off > sf->len) off = sf->len;
  uint32_t lo = 0, hi = sf->nlines;  /* last line start <= off */
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (sf->line_starts[mid] <= off) lo = mid;
    else hi = mid;
  }
  uint32_t col = 1;
  for (uint32_t i = sf->line_starts[lo]; i < off; i++)
    if (((unsigned char)sf->text[i] & 0xc0) != 0x80) col++;
  *out_line = lo + 1;
  *out_col = col;
}

span span_join(span a, span b) {
  if (a.file != b.file) return a;
  uint32_t lo = a.off < b.off ? a.off : b.off;
  uint32_t ea = a.off + a.len, eb = b.off + b.len;
  uint32_t hi = ea > eb ? ea : eb;
  span s = {a.file, lo, hi - lo};
  return s;
}
