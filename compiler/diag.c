/* diag.c — diagnostics: building, rendering (human / plain / JSON), counting.
 * A diagnostic is printed when the next one starts, on diag_end or on
 * diag_flush.  Human format is STYLE.md B6: GNU first line, rustc-like
 * excerpt with a caret underline of the primary span (tabs copied), notes
 * with their own excerpt, `help:`, one `hint:` naming `actorc explain`.
 * Plain is the same text without colour; JSON is one object per line.
 * Internal compiler errors (AC_ICE) are never mixed with user diagnostics.
 * No phase logic lives here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

#define DIAG_MAX_NOTES 8
#define DIAG_MAX_LINE 200   /* longer source lines are shown as a window */
#define DIAG_CONTEXT 60

typedef struct diag_note_rec {
  bool has_loc;
  span sp;
  char *msg;
} diag_note_rec;

struct diag {
  ac_ctx *cx;
  diag_level level;
  span sp;
  const char *code;
  char *msg;
  char *label;
  char *help;
  diag_note_rec notes[DIAG_MAX_NOTES];
  int nnotes;
  bool suppressed;  /* over the max-errors cap: counted, not printed */
};

struct diag_state {
  diag *pending;
  int errors;
  int warnings;
  bool cap_reported;
};

static const char *diag_phase_name = "driver";

void diag_set_phase(int pass) {
  static const char *names[] = AC_PASS_NAMES;
  if (pass >= 0 && pass < PASS__COUNT) diag_phase_name = names[pass];
}

static struct diag_state *diag_state_of(ac_ctx *cx) {
  if (!cx->diags) cx->diags = ARENA_NEW(cx->perm, struct diag_state);
  return cx->diags;
}

static char *diag_vfmt(ac_ctx *cx, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *p = arena_alloc(cx->perm, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

/* ------------------------------------------------------------ rendering */

typedef struct diag_style {
  bool color;
  const char *bold, *red, *yellow, *blue, *cyan, *green, *reset;
} diag_style;

static diag_style diag_style_for(ac_ctx *cx, FILE *out) {
  diag_style s = {false, "", "", "", "", "", "", ""};
  bool on = false;
  if (cx->opt.diag_format == DIAG_FMT_HUMAN) {
    if (cx->opt.color == DIAG_COLOR_ALWAYS) on = true;
    else if (cx->opt.color == DIAG_COLOR_AUTO) {
      const char *nc = getenv("NO_COLOR");
      on = isatty(fileno(out)) && !(nc && nc[0]);
    }
  }
  if (on) {
    s.color = true;
    s.bold = "\033[1m";
    s.red = "\033[1;31m";
    s.yellow = "\033[1;33m";
    s.blue = "\033[1;34m";
    s.cyan = "\033[1;36m";
    s.green = "\033[1;32m";
    s.reset = "\033[0m";
  }
  return s;
}

static int diag_digits(uint32_t n) {
  int d = 1;
  while (n >= 10) { n /= 10; d++; }
  return d;
}

/* The source line containing sp, a caret line under sp, and the label. */
static void diag_excerpt(ac_ctx *cx, FILE *out, const diag_style *st, span sp,
                         const char *label, const char *caret_color) {
  const source_file *sf = source_get(cx, sp.file);
  if (!sf) return;
  uint32_t line, col;
  source_line_col(cx, sp.file, sp.off, &line, &col);
  uint32_t ls = sf->line_starts[line - 1];
  uint32_t le = ls;
  while (le < sf->len && sf->text[le] != '\n') le++;
  uint32_t text_end = le;
  if (text_end > ls && sf->text[text_end - 1] == '\r') text_end--;
  /* very long lines: show a window around the span, marked with `...` */
  uint32_t ws = ls, we = text_end;
  uint32_t off = sp.off > le ? le : sp.off;
  if (text_end - ls > DIAG_MAX_LINE) {
    ws = off > ls + DIAG_CONTEXT ? off - DIAG_CONTEXT : ls;
    uint32_t e = sp.off + sp.len;
    if (e > off + DIAG_CONTEXT) e = off + DIAG_CONTEXT;
    we = e + DIAG_CONTEXT < text_end ? e + DIAG_CONTEXT : text_end;
    while (ws > ls && ((unsigned char)sf->text[ws] & 0xc0) == 0x80) ws--;
    while (we < text_end && ((unsigned char)sf->text[we] & 0xc0) == 0x80) we++;
  }
  int w = diag_digits(line);
  fprintf(out, "%s%*s|%s\n", st->blue, w + 1, "", st->reset);
  fprintf(out, "%s%*u |%s", st->blue, w, line, st->reset);
  if (we > ws) {
    fputs(ws > ls ? " ..." : " ", out);
    for (uint32_t i = ws; i < we; i++) {
      unsigned char c = (unsigned char)sf->text[i];
      fputc(c == 0 ? ' ' : (int)c, out);
    }
    if (we < text_end) fputs("...", out);
  }
  fputc('\n', out);
  fprintf(out, "%s%*s| %s", st->blue, w + 1, "", st->reset);
  if (ws > ls) fputs("   ", out);
  for (uint32_t i = ws; i < off; i++) {
    unsigned char c = (unsigned char)sf->text[i];
    if ((c & 0xc0) == 0x80) continue;
    fputc(c == '\t' ? '\t' : ' ', out);
  }
  uint32_t end = sp.off + sp.len;
  if (end > we) end = we;
  int carets = 0;
  for (uint32_t i = off; i < end; i++)
    if (((unsigned char)sf->text[i] & 0xc0) != 0x80) carets++;
  if (carets == 0) carets = 1;
  fputs(caret_color, out);
  for (int i = 0; i < carets; i++) fputc('^', out);
  if (label && label[0]) fprintf(out, " %s", label);
  fprintf(out, "%s\n", st->reset);
  fprintf(out, "%s%*s|%s\n", st->blue, w + 1, "", st->reset);
}

static void diag_location(ac_ctx *cx, FILE *out, span sp) {
  const source_file *sf = source_get(cx, sp.file);
  if (!sf) return;
  uint32_t line, col;
  source_line_col(cx, sp.file, sp.off, &line, &col);
  fprintf(out, "%s:%u:%u: ", sf->path, line, col);
}

static void diag_print_text(diag *d, FILE *out) {
  ac_ctx *cx = d->cx;
  diag_style st = diag_style_for(cx, out);
  const char *lvl = d->level == DIAG_ERROR ? "error" : "warning";
  const char *lvl_color = d->level == DIAG_ERROR ? st.red : st.yellow;
  if (!source_get(cx, d->sp.file)) fputs("actorc: ", out);
  else fprintf(out, "%s", st.bold), diag_location(cx, out, d->sp), fputs(st.reset, out);
  fprintf(out, "%s%s[%s]%s: %s%s%s\n", lvl_color, lvl, d->code, st.reset, st.bold,
          d->msg, st.reset);
  diag_excerpt(cx, out, &st, d->sp, d->label, lvl_color);
  for (int i = 0; i < d->nnotes; i++) {
    diag_note_rec *n = &d->notes[i];
    if (n->has_loc && source_get(cx, n->sp.file)) {
      fputs(st.bold, out);
      diag_location(cx, out, n->sp);
      fprintf(out, "%s%snote%s: %s\n", st.reset, st.cyan, st.reset, n->msg);
      diag_excerpt(cx, out, &st, n->sp, NULL, st.cyan);
    } else {
      fprintf(out, "%snote%s: %s\n", st.cyan, st.reset, n->msg);
    }
  }
  if (d->help) fprintf(out, "%shelp%s: %s\n", st.green, st.reset, d->help);
  fprintf(out, "hint: run `actorc explain %s` for details\n", d->code);
}

static void diag_json_str(FILE *out, const char *s) {
  if (!s) {
    fputs("null", out);
    return;
  }
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    case '\b': fputs("\\b", out); break;
    case '\f': fputs("\\f", out); break;
    default:
      if (*p < 0x20 || *p == 0x7f) fprintf(out, "\\u%04x", *p);
      else fputc(*p, out);
    }
  }
  fputc('"', out);
}

static void diag_json_loc(ac_ctx *cx, FILE *out, span sp, bool with_end) {
  const source_file *sf = source_get(cx, sp.file);
  uint32_t line = 0, col = 0, eline = 0, ecol = 0;
  if (sf) {
    source_line_col(cx, sp.file, sp.off, &line, &col);
    source_line_col(cx, sp.file, sp.off + sp.len, &eline, &ecol);
  }
  fputs("\"file\":", out);
  diag_json_str(out, sf ? sf->path : NULL);
  fprintf(out, ",\"line\":%u,\"col\":%u", line, col);
  if (with_end) fprintf(out, ",\"end_line\":%u,\"end_col\":%u", eline, ecol);
}

static void diag_print_json(diag *d, FILE *out) {
  fputs("{\"level\":", out);
  diag_json_str(out, d->level == DIAG_ERROR ? "error" : "warning");
  fputs(",\"code\":", out);
  diag_json_str(out, d->code);
  fputs(",\"message\":", out);
  diag_json_str(out, d->msg);
  fputc(',', out);
  diag_json_loc(d->cx, out, d->sp, true);
  fputs(",\"label\":", out);
  diag_json_str(out, d->label);
  fputs(",\"notes\":[", out);
  for (int i = 0; i < d->nnotes; i++) {
    if (i) fputc(',', out);
    fputs("{\"message\":", out);
    diag_json_str(out, d->notes[i].msg);
    fputc(',', out);
    span none = {UINT32_MAX, 0, 0};
    diag_json_loc(d->cx, out, d->notes[i].has_loc ? d->notes[i].sp : none, false);
    fputc('}', out);
  }
  fputs("],\"help\":", out);
  diag_json_str(out, d->help);
  fputs("}\n", out);
}

static void diag_emit(diag *d) {
  ac_ctx *cx = d->cx;
  FILE *out = cx->diag_out ? cx->diag_out : stderr;
  struct diag_state *ds = diag_state_of(cx);
  if (d->suppressed) {
    if (!ds->cap_reported && cx->opt.diag_format != DIAG_FMT_JSON) {
      int max = cx->opt.max_errors > 0 ? cx->opt.max_errors : 50;
      fprintf(out, "actorc: too many errors; only the first %d are shown\n", max);
    }
    ds->cap_reported = true;
    return;
  }
  if (cx->opt.diag_format == DIAG_FMT_JSON) diag_print_json(d, out);
  else diag_print_text(d, out);
  fflush(out);
}

/* ------------------------------------------------------------ API */

void diag_flush(ac_ctx *cx) {
  struct diag_state *ds = diag_state_of(cx);
  if (ds->pending) {
    diag *d = ds->pending;
    ds->pending = NULL;
    diag_emit(d);
  }
}

static diag *diag_start(ac_ctx *cx, diag_level level, span sp, const char *code,
                        const char *fmt, va_list ap) {
  diag_flush(cx);
  struct diag_state *ds = diag_state_of(cx);
  diag *d = ARENA_NEW(cx->perm, diag);
  d->cx = cx;
  d->level = level;
  d->sp = sp;
  d->code = code;
  d->msg = diag_vfmt(cx, fmt, ap);
  if (level == DIAG_ERROR) {
    ds->errors++;
    int max = cx->opt.max_errors > 0 ? cx->opt.max_errors : 50;
    if (ds->errors > max) d->suppressed = true;
  } else {
    ds->warnings++;
  }
  ds->pending = d;
  return d;
}

diag *diag_error(ac_ctx *cx, span sp, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag *d = diag_start(cx, DIAG_ERROR, sp, code, fmt, ap);
  va_end(ap);
  return d;
}

diag *diag_warning(ac_ctx *cx, span sp, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag *d = diag_start(cx, DIAG_WARNING, sp, code, fmt, ap);
  va_end(ap);
  return d;
}

void diag_label(diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  d->label = diag_vfmt(d->cx, fmt, ap);
  va_end(ap);
}

void diag_note(diag *d, span sp, const char *fmt, ...) {
  if (d->nnotes >= DIAG_MAX_NOTES) return;
  va_list ap;
  va_start(ap, fmt);
  diag_note_rec *n = &d->notes[d->nnotes++];
  n->has_loc = true;
  n->sp = sp;
  n->msg = diag_vfmt(d->cx, fmt, ap);
  va_end(ap);
}

void diag_note_plain(diag *d, const char *fmt, ...) {
  if (d->nnotes >= DIAG_MAX_NOTES) return;
  va_list ap;
  va_start(ap, fmt);
  diag_note_rec *n = &d->notes[d->nnotes++];
  n->has_loc = false;
  n->msg = diag_vfmt(d->cx, fmt, ap);
  va_end(ap);
}

void diag_help(diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  d->help = diag_vfmt(d->cx, fmt, ap);
  va_end(ap);
}

void diag_end(diag *d) {
  struct diag_state *ds = diag_state_of(d->cx);
  if (ds->pending == d) diag_flush(d->cx);
}

int diag_error_count(const ac_ctx *cx) {
  return cx->diags ? cx->diags->errors : 0;
}

_Noreturn void ac_ice(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "actorc: internal compiler error: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n  at %s:%d, during the %s phase\n", file, line, diag_phase_name);
  fprintf(stderr, "  this is a bug in actorc; please report it with the input that caused it\n");
  exit(3);
}
