/* lex.c — the lex phase: wraps the re2c scanner (grammar/lexer.re) into a
 * token stream with spans, decoded literal values and `///` doc text, and
 * reports every lexical error (E0001–E0009) exactly once.  After an error it
 * always returns a token the parser can recover from (TK_ILLEGAL for a bad
 * character, a zero literal for a bad number, an empty string), never
 * stopping early.  It keeps the token display-name table (ninja TokenName)
 * used by syntax errors.  It must not know the grammar beyond token codes.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parser.h"

struct lex_state {
  ac_ctx *cx;
  uint32_t file;
  const unsigned char *base;  /* start of the file text */
  const unsigned char *cur;
  const unsigned char *lim;   /* end of the range: the sentinel NUL or the hole end */
  int cond;
  uint32_t comment_start;     /* offset of the last comment opener */
  char *doc;                  /* pending `///` text (arena), or NULL */
  size_t doc_len;
  bool in_range;              /* lexing a string-interpolation hole */
};

/* Reports every NUL byte inside the file as E0003, then overwrites it with a
 * space in the arena copy of the text (which this compilation owns), so the
 * rest of the lexer, string-hole sub-lexers and later phases see ordinary
 * whitespace: a NUL inside a string or comment gives one E0003 and no
 * cascade of "unterminated" errors.  Only the sentinel NUL at `len` stays. */
static void lex_scrub_nuls(ac_ctx *cx, uint32_t file) {
  const source_file *sf = source_get(cx, file);
  char *text = (char *)(uintptr_t)sf->text;
  char *end = text + sf->len;
  for (char *p = text; (p = memchr(p, 0, (size_t)(end - p))) != NULL; p++) {
    span sp = {file, (uint32_t)(p - text), 1};
    diag *d = diag_error(cx, sp, "E0003", "NUL byte in source file");
    diag_label(d, "byte 0x00 here");
    diag_help(d, "remove it; source files are UTF-8 text");
    diag_end(d);
    *p = ' ';
  }
}

lex_state *lex_new(ac_ctx *cx, uint32_t file) {
  const source_file *sf = source_get(cx, file);
  lex_scrub_nuls(cx, file);
  return lex_new_range(cx, file, 0, sf->len);
}

lex_state *lex_new_range(ac_ctx *cx, uint32_t file, uint32_t off, uint32_t end) {
  const source_file *sf = source_get(cx, file);
  lex_state *ls = ARENA_NEW(cx->perm, lex_state);
  ls->cx = cx;
  ls->file = file;
  ls->base = (const unsigned char *)sf->text;
  ls->cur = ls->base + off;
  ls->lim = ls->base + end;
  ls->cond = LEXC_INIT;
  ls->in_range = end != sf->len;
  return ls;
}

static span lex_span(const lex_state *ls, const unsigned char *a,
                     const unsigned char *b) {
  span sp = {ls->file, (uint32_t)(a - ls->base), (uint32_t)(b - a)};
  return sp;
}

/* Length of the valid UTF-8 sequence at p (< end), or 0 if invalid. */
static int lex_utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  int n;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; }
  else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; }
  else return 0;
  if (end - p < n) return 0;
  uint32_t v = c & (0x3f >> (n - 1));
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  return n;
}

/* E0008 on the first invalid UTF-8 byte in [a, b); NUL bytes are E0003's. */
static void lex_check_utf8(lex_state *ls, const unsigned char *a,
                           const unsigned char *b, const char *what) {
  const unsigned char *p = a;
  while (p < b) {
    if (*p < 0x80) { p++; continue; }
    int n = lex_utf8_len(p, b);
    if (n == 0) {
      diag *d = diag_error(ls->cx, lex_span(ls, p, p + 1), "E0008",
                           "invalid UTF-8 byte `0x%02x` in %s", *p, what);
      diag_label(d, "not valid UTF-8");
      diag_help(d, "save the file as UTF-8");
      diag_end(d);
      return;
    }
    p += n;
  }
}

static void lex_add_doc(lex_state *ls, const unsigned char *a,
                        const unsigned char *b) {
  a += 3;                              /* `///` */
  if (a < b && *a == ' ') a++;
  size_t n = (size_t)(b - a);
  while (n > 0 && (a[n - 1] == '\r')) n--;
  size_t total = ls->doc ? ls->doc_len + 1 + n : n;
  char *s = arena_alloc(ls->cx->perm, total + 1);
  size_t at = 0;
  if (ls->doc) {
    memcpy(s, ls->doc, ls->doc_len);
    s[ls->doc_len] = '\n';
    at = ls->doc_len + 1;
  }
  memcpy(s + at, a, n);
  s[total] = 0;
  ls->doc = s;
  ls->doc_len = total;
}

static int lex_digit(unsigned c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

/* Integer value of [a, b) (decimal, 0x, 0b, `_` separators), never UB. */
static uint64_t lex_int_value(const unsigned char *a, const unsigned char *b,
                              bool *out_overflow, bool *out_nodigits) {
  unsigned base = 10;
  if (b - a > 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'b')) {
    base = a[1] == 'x' ? 16 : 2;
    a += 2;
  }
  uint64_t v = 0;
  bool any = false;
  *out_overflow = false;
  for (; a < b; a++) {
    if (*a == '_') continue;
    int d = lex_digit(*a);
    if (d < 0 || (unsigned)d >= base) break;
    any = true;
    if (v > (UINT64_MAX - (unsigned)d) / base) *out_overflow = true;
    else v = v * base + (unsigned)d;
  }
  *out_nodigits = !any;
  return *out_overflow ? 0 : v;
}

static double lex_float_value(lex_state *ls, const unsigned char *a,
                              const unsigned char *b) {
  /* Fast path, exact by IEEE rounding (Clinger): plain `digits.digits` with
   * at most 15 significant digits is m / 10^k with m < 2^53 and k <= 22,
   * both exact doubles, so one correctly rounded division equals strtod. */
  static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  uint64_t m = 0;
  int digits = 0, frac = -1;
  const unsigned char *p = a;
  for (; p < b && digits <= 15; p++) {
    if (*p >= '0' && *p <= '9') {
      m = m * 10 + (uint64_t)(*p - '0');
      if (m) digits++;
      if (frac >= 0) frac++;
    } else if (*p == '.' && frac < 0) {
      frac = 0;
    } else {
      break;
    }
  }
  if (p == b && digits <= 15 && frac >= 0 && frac <= 15) return (double)m / pow10[frac];
  char *buf = arena_alloc(ls->cx->scratch, (size_t)(b - a) + 1);
  size_t n = 0;
  for (; a < b; a++)
    if (*a != '_') buf[n++] = (char)*a;
  buf[n] = 0;
  return strtod(buf, NULL);
}

static void lex_range_error(lex_state *ls, span sp, const char *what) {
  diag *d = diag_error(ls->cx, sp, "E0006", "%s literal is out of range", what);
  diag_label(d, "does not fit");
  if (strcmp(what, "integer") == 0)
    diag_help(d, "integer literals must fit in 64 bits (at most 18446744073709551615)");
  else if (strcmp(what, "duration") == 0)
    diag_help(d, "durations are stored in nanoseconds and must fit in a signed 64-bit integer (about 292 years)");
  diag_end(d);
}

static void lex_number(lex_state *ls, lex_token *t, const unsigned char *a,
                       const unsigned char *b) {
  bool ovf = false;
  bool nodigits = false;
  if (t->code == TK_INT) {
    t->ival = lex_int_value(a, b, &ovf, &nodigits);
    if (nodigits) {
      diag *d = diag_error(ls->cx, t->sp, "E0002",
                           "numeric literal `%.*s` has no digits",
                           (int)(b - a), (const char *)a);
      diag_end(d);
    } else if (ovf) {
      t->overflow = true;
      lex_range_error(ls, t->sp, "integer");
    }
    return;
  }
  if (t->code == TK_FLOAT) {
    t->fval = lex_float_value(ls, a, b);
    if (isinf(t->fval)) {
      t->overflow = true;
      t->fval = 0;
      lex_range_error(ls, t->sp, "float");
    }
    return;
  }
  /* TK_DURATION: number, then the unit letters at the end */
  const unsigned char *u = b;
  while (u > a && u[-1] >= 'a' && u[-1] <= 'z') u--;
  size_t ulen = (size_t)(b - u);
  uint64_t mult = 1;
  if (ulen == 2 && u[0] == 'n') mult = 1;
  else if (ulen == 2 && u[0] == 'u') mult = 1000ull;
  else if (ulen == 2 && u[0] == 'm') mult = 1000000ull;
  else if (u[0] == 's') mult = 1000000000ull;
  else if (u[0] == 'm') mult = 60ull * 1000000000ull;
  else if (u[0] == 'h') mult = 3600ull * 1000000000ull;
  bool is_float = false;
  for (const unsigned char *p = a; p < u; p++)
    if (*p == '.' || *p == 'e' || *p == 'E') is_float = true;
  if (is_float) {
    double v = lex_float_value(ls, a, u) * (double)mult;
    if (!(v < 9.2233720368547758e18)) ovf = true;
    else t->ival = (uint64_t)llround(v);
  } else {
    uint64_t v = lex_int_value(a, u, &ovf, &nodigits);
    if (!ovf && v > (uint64_t)INT64_MAX / mult) ovf = true;
    if (!ovf) t->ival = v * mult;
  }
  if (ovf) {
    t->overflow = true;
    t->ival = 0;
    lex_range_error(ls, t->sp, "duration");
  }
}

/* A string that the scanner could not close: say why, then skip to the
 * closing quote on the same line (or the line end) and return an empty one. */
static const unsigned char *lex_bad_string(lex_state *ls, const unsigned char *a,
                                           const unsigned char *end) {
  const unsigned char *p = end;
  const unsigned char *eol = p;
  while (eol < ls->lim && *eol != '\n' && *eol != 0) eol++;
  /* the next unescaped `"` on this line, where scanning resumes */
  const unsigned char *close = NULL;
  for (const unsigned char *q = p; q < eol; q++) {
    if (*q == '\\' && q + 1 < eol) { q++; continue; }
    if (*q == '"') { close = q; break; }
  }
  diag *d;
  if (!close) {
    d = diag_error(ls->cx, lex_span(ls, a, a + 1), "E0004", "unterminated string literal");
    diag_label(d, "string starts here");
    diag_help(d, "close it with `\"` on the same line; write `\\n` for a line break");
  } else if (*p == '{') {
    d = diag_error(ls->cx, lex_span(ls, p, p + 1), "E0009",
                   "unclosed `{` in string interpolation");
    diag_label(d, "no matching `}` before the end of the string");
    diag_help(d, "write `{{` for a literal `{`");
  } else if (*p == '}') {
    d = diag_error(ls->cx, lex_span(ls, p, p + 1), "E0009",
                   "unmatched `}` in string literal");
    diag_help(d, "write `}}` for a literal `}`");
  } else {
    d = diag_error(ls->cx, lex_span(ls, a, a + 1), "E0004", "unterminated string literal");
    diag_label(d, "string starts here");
  }
  diag_end(d);
  return close ? close + 1 : eol;
}

static const bool lex_blank[256] = {[' '] = true, ['\n'] = true, ['\t'] = true, ['\r'] = true};
/* Brackets and separators: one byte each, and no scanner rule matches a
 * longer token starting with them, so lex_next returns them directly. */
static const unsigned char lex_single[256] = {
  ['('] = TK_LPAREN, [')'] = TK_RPAREN, ['['] = TK_LBRACKET, [']'] = TK_RBRACKET,
  ['{'] = TK_LBRACE, ['}'] = TK_RBRACE, [','] = TK_COMMA, [';'] = TK_SEMI,
  [':'] = TK_COLON};

/* The tokens that report a lexical error (rare): kept out of lex_next so the
 * hot path stays small.  NUL and unterminated comments produce no token. */
static __attribute__((noinline, cold)) void
lex_bad_token(lex_state *ls, lex_token *t, int code, const unsigned char *start,
              const unsigned char *end) {
  switch (code) {
  case LEX_NUL: {
    diag *d = diag_error(ls->cx, lex_span(ls, end - 1, end), "E0003",
                         "NUL byte in source file");
    diag_label(d, "byte 0x00 here");
    diag_help(d, "remove it; source files are UTF-8 text");
    diag_end(d);
    return;
  }
  case LEX_UNTERM_COMMENT: {
    span sp = {ls->file, ls->comment_start, 2};
    diag *d = diag_error(ls->cx, sp, "E0007", "unterminated block comment");
    diag_label(d, "comment starts here");
    diag_help(d, "close it with `*/` (block comments do not nest)");
    diag_end(d);
    return;
  }
  case LEX_BADSTR:
    ls->cur = lex_bad_string(ls, start, end);
    t->code = TK_STR;
    t->sp = lex_span(ls, start, ls->cur);
    t->overflow = true;  /* marks an already-reported string: parsed as "" */
    return;
  case LEX_BADNUM: {
    const unsigned char *s = start;
    if (end - start > 2 && start[0] == '0' && (start[1] == 'x' || start[1] == 'b')) s += 2;
    while (s < end && ((*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
                       ((*s == 'e' || *s == 'E') && s + 1 < end && s[1] >= '0' && s[1] <= '9') ||
                       (start[1] == 'x' && lex_digit(*s) >= 0)))
      s++;
    diag *d = diag_error(ls->cx, lex_span(ls, s, end), "E0002",
                         "invalid suffix `%.*s` on numeric literal",
                         (int)(end - s), (const char *)s);
    diag_help(d, "duration units are `ns`, `us`, `ms`, `s`, `m` and `h`");
    diag_end(d);
    t->code = TK_INT;
    return;
  }
  case LEX_BADCHAR: {
    diag *d;
    if (*start >= 0x80 && lex_utf8_len(start, ls->lim) == 0)
      d = diag_error(ls->cx, t->sp, "E0008", "invalid UTF-8 byte `0x%02x`", *start);
    else if (*start < 0x20 || *start == 0x7f)
      d = diag_error(ls->cx, t->sp, "E0001", "unexpected control character `0x%02x`", *start);
    else
      d = diag_error(ls->cx, t->sp, "E0001", "unexpected character `%.*s`",
                     (int)(end - start), (const char *)start);
    diag_end(d);
    t->code = TK_ILLEGAL;
    return;
  }
  default:
    return;
  }
}

/* Assemble the returned token.  It is copied again at once (the parser's
 * by-value argument, its stack) with 16-byte moves; a token written field by
 * field makes each of those moves wait for the narrower stores to retire
 * (store-forwarding stall: a third of lex_next's time).  So it is written
 * with one 16-byte store per 16 bytes where the layout is known. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint64_t lex_u64x2 __attribute__((vector_size(16)));
_Static_assert(offsetof(lex_token, sp) == 4 && offsetof(lex_token, text) == 16 &&
               offsetof(lex_token, ival) == 24 && offsetof(lex_token, fval) == 32 &&
               offsetof(lex_token, overflow) == 40 && offsetof(lex_token, doc) == 48 &&
               sizeof(lex_token) == 56 && sizeof(double) == 8,
               "lex_pack assumes this lex_token layout");
static inline lex_token lex_pack(int code, span sp, const char *text, uint64_t ival,
                                 double fval, bool overflow, const char *doc) {
  uint64_t fbits;
  memcpy(&fbits, &fval, 8);
  lex_u64x2 a = {(uint64_t)(uint32_t)code | (uint64_t)sp.file << 32,
                 (uint64_t)sp.off | (uint64_t)sp.len << 32};
  lex_u64x2 b = {(uint64_t)(uintptr_t)text, ival};
  lex_u64x2 c = {fbits, (uint64_t)overflow};
  lex_token r;
  memcpy((char *)&r, &a, 16);
  memcpy((char *)&r + 16, &b, 16);
  memcpy((char *)&r + 32, &c, 16);
  r.doc = doc;
  return r;
}
#else
static inline lex_token lex_pack(int code, span sp, const char *text, uint64_t ival,
                                 double fval, bool overflow, const char *doc) {
  lex_token r = {code, sp, text, ival, fval, overflow, doc};
  return r;
}
#endif

lex_token lex_next(lex_state *ls) {
  lex_token t;  /* numbers and error tokens are decoded here */
  memset(&t, 0, sizeof t);
  for (;;) {
    if (ls->cond == LEXC_INIT) {
      /* blanks between tokens: skipped here, without a scanner call (the
       * scanner's whitespace rule would return the same LEX_SKIP).  The
       * byte at `lim` is never blank (the NUL sentinel, or a hole's `}`),
       * and running past it would still end the input below. */
      const unsigned char *p = ls->cur;
      while (lex_blank[*p]) p++;
      ls->cur = p;
    }
    if (ls->cur >= ls->lim && (ls->cond == LEXC_INIT || ls->in_range))
      return lex_pack(0, lex_span(ls, ls->lim, ls->lim), NULL, 0, 0, false, NULL);
    const unsigned char *start = ls->cur;
    const unsigned char *end;
    int cond_before = ls->cond;
    if (cond_before == LEXC_INIT) {
      ls->comment_start = (uint32_t)(start - ls->base);
      int single = lex_single[*start];
      if (single) {  /* a one-byte token no longer rule starts with */
        ls->cur = start + 1;
        const char *doc = ls->doc;
        ls->doc = NULL;
        ls->doc_len = 0;
        return lex_pack(single, lex_span(ls, start, start + 1), NULL, 0, 0, false, doc);
      }
    }
    int code = lexer_scan(start, ls->lim, &end, &ls->cond);
    if (end > ls->lim && code != 0) end = ls->lim; /* a hole range ends early */
    ls->cur = end;
    span sp = lex_span(ls, start, end);
    const char *doc;
    switch (code) {
    case LEX_SKIP:
      /* a comment (whitespace never reaches here: skipped above) */
      if (cond_before != LEXC_INIT || end - start > 1) lex_check_utf8(ls, start, end, "a comment");
      continue;
    case LEX_DOC:
      lex_check_utf8(ls, start, end, "a comment");
      lex_add_doc(ls, start, end);
      continue;
    case LEX_NUL:
    case LEX_UNTERM_COMMENT:
      lex_bad_token(ls, &t, code, start, end);
      continue;
    case LEX_BADSTR:
    case LEX_BADNUM:
    case LEX_BADCHAR:
      t.code = code;
      t.sp = sp;
      lex_bad_token(ls, &t, code, start, end);
      break;
    case TK_ID:
    case TK_TYPEID: {
      const char *text = intern(ls->cx, (const char *)start, (size_t)(end - start));
      doc = ls->doc;
      ls->doc = NULL;
      ls->doc_len = 0;
      return lex_pack(code, sp, text, 0, 0, false, doc);
    }
    case TK_INT:
    case TK_FLOAT:
    case TK_DURATION:
      t.code = code;
      t.sp = sp;
      lex_number(ls, &t, start, end);
      break;
    case TK_STR:
      lex_check_utf8(ls, start, end, "a string literal");
      /* fall through */
    default:  /* keywords, operators, strings: code and span only */
      doc = ls->doc;
      ls->doc = NULL;
      ls->doc_len = 0;
      return lex_pack(code, sp, NULL, 0, 0, false, doc);
    }
    /* numbers and the error tokens, decoded into t */
    doc = ls->doc;
    ls->doc = NULL;
    ls->doc_len = 0;
    return lex_pack(t.code, t.sp, t.text, t.ival, t.fval, t.overflow, doc);
  }
}

/* Display names for "expected ..." lists: punctuation and keywords quoted. */
const char *lex_token_name(int code) {
  static const char *names[] = {
    [0] = "end of file",
    [TK_IMPORT] = "`import`", [TK_CONST] = "`const`", [TK_MESSAGE] = "`message`",
    [TK_STRUCT] = "`struct`", [TK_ENUM] = "`enum`", [TK_ACTOR] = "`actor`",
    [TK_RING] = "`ring`", [TK_SUPERVISOR] = "`supervisor`", [TK_CHILD] = "`child`",
    [TK_FN] = "`fn`", [TK_ON] = "`on`", [TK_LET] = "`let`", [TK_VAR] = "`var`",
    [TK_IF] = "`if`", [TK_ELSE] = "`else`", [TK_WHILE] = "`while`",
    [TK_FOR] = "`for`", [TK_IN] = "`in`", [TK_BREAK] = "`break`",
    [TK_CONTINUE] = "`continue`", [TK_RETURN] = "`return`", [TK_SEND] = "`send`",
    [TK_REPLY] = "`reply`", [TK_ASK] = "`ask`", [TK_TIMEOUT] = "`timeout`",
    [TK_SPAWN] = "`spawn`", [TK_SELECT] = "`select`", [TK_AFTER] = "`after`",
    [TK_DEFAULT] = "`default`", [TK_MATCH] = "`match`", [TK_FAIL] = "`fail`",
    [TK_FREEZE] = "`freeze`", [TK_COPY] = "`copy`", [TK_TAKE] = "`take`",
    [TK_CHAN] = "`chan`", [TK_VAL] = "`val`",
    [TK_MAILBOX] = "`mailbox`", [TK_NIL] = "`nil`", [TK_TRUE] = "`true`",
    [TK_FALSE] = "`false`", [TK_SELF] = "`self`", [TK_AS] = "`as`",
    [TK_LPAREN] = "`(`", [TK_RPAREN] = "`)`", [TK_LBRACKET] = "`[`",
    [TK_RBRACKET] = "`]`", [TK_LBRACE] = "`{`", [TK_RBRACE] = "`}`",
    [TK_COMMA] = "`,`", [TK_SEMI] = "`;`", [TK_COLON] = "`:`", [TK_DOT] = "`.`",
    [TK_DOTDOT] = "`..`", [TK_DOTDOTEQ] = "`..=`", [TK_ARROW] = "`->`",
    [TK_FATARROW] = "`=>`", [TK_LARROW] = "`<-`", [TK_QUESTION] = "`?`",
    [TK_QQ] = "`??`", [TK_ASSIGN] = "`=`", [TK_PLUSEQ] = "`+=`",
    [TK_MINUSEQ] = "`-=`", [TK_STAREQ] = "`*=`", [TK_SLASHEQ] = "`/=`",
    [TK_PERCENTEQ] = "`%=`", [TK_EQEQ] = "`==`", [TK_NE] = "`!=`", [TK_LT] = "`<`",
    [TK_LE] = "`<=`", [TK_GT] = "`>`", [TK_GE] = "`>=`", [TK_PLUS] = "`+`",
    [TK_MINUS] = "`-`", [TK_STAR] = "`*`", [TK_SLASH] = "`/`",
    [TK_PERCENT] = "`%`", [TK_AMP] = "`&`", [TK_PIPE] = "`|`", [TK_CARET] = "`^`",
    [TK_TILDE] = "`~`", [TK_BANG] = "`!`", [TK_ANDAND] = "`&&`",
    [TK_OROR] = "`||`", [TK_SHL] = "`<<`", [TK_SHR] = "`>>`",
    [TK_INT] = "integer literal", [TK_FLOAT] = "float literal",
    [TK_DURATION] = "duration literal", [TK_STR] = "string literal",
    [TK_ID] = "identifier", [TK_TYPEID] = "type name",
    [TK_EXPR_START] = "start of expression", [TK_ILLEGAL] = "invalid character",
  };
  if (code < 0 || (size_t)code >= sizeof names / sizeof names[0] || !names[code])
    return "token";
  return names[code];
}
