/* parse.c — the parse phase: pumps tokens from lex.c into the Lemon push
 * parser (grammar/parser.y), turns syntax errors into E01xx diagnostics
 * (expected-token lists, unclosed and mismatched brackets naming their
 * opener), splits string literals into text and `{expr}` holes (each hole is
 * re-lexed in place and parsed from EXPR_START, so spans point into the
 * file), and loads every imported module once (E0104, E0901).  It builds the
 * AST only through the ast_new_* builders and decides nothing semantic.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parser.h"

#ifndef AC_STDLIB_DIR
#define AC_STDLIB_DIR "stdlib"
#endif

/* ------------------------------------------------------------ syntax errors */

static bool parse_is_opener(int c) {
  return c == TK_LPAREN || c == TK_LBRACKET || c == TK_LBRACE;
}

static int parse_closer_of(int opener) {
  return opener == TK_LPAREN ? TK_RPAREN : opener == TK_LBRACKET ? TK_RBRACKET : TK_RBRACE;
}

static const char *parse_delim(int c) {
  switch (c) {
  case TK_LPAREN: return "(";
  case TK_RPAREN: return ")";
  case TK_LBRACKET: return "[";
  case TK_RBRACKET: return "]";
  case TK_LBRACE: return "{";
  default: return "}";
  }
}

const char *parse_token_text(parse_ctx *pc, const lex_token *tok) {
  const source_file *sf = source_get(pc->cx, tok->sp.file);
  if (!sf || tok->sp.off + tok->sp.len > sf->len) return "";
  return arena_strndup(pc->cx->perm, sf->text + tok->sp.off, tok->sp.len);
}

lex_token parse_word_token(parse_ctx *pc, const lex_token *tok) {
  lex_token t = *tok;
  const source_file *sf = source_get(pc->cx, tok->sp.file);
  if (sf && tok->sp.off + tok->sp.len <= sf->len)
    t.text = intern(pc->cx, sf->text + tok->sp.off, tok->sp.len);
  else
    t.text = intern_cstr(pc->cx, "");
  t.code = TK_ID;
  return t;
}

/* "found ..." text for a token. */
static const char *parse_found(parse_ctx *pc, const lex_token *tok) {
  if (tok->code == 0) return pc->in_hole ? "`}` (end of interpolation)" : "end of file";
  const char *text = parse_token_text(pc, tok);
  switch (tok->code) {
  case TK_ID:
  case TK_TYPEID:
    return arena_sprintf(pc->cx->perm, "`%s`", text);
  case TK_INT:
  case TK_FLOAT:
  case TK_DURATION:
    return arena_sprintf(pc->cx->perm, "%s `%s`", lex_token_name(tok->code), text);
  case TK_STR:
    if (tok->sp.len > 24) return "string literal";
    return arena_sprintf(pc->cx->perm, "string literal `%s`", text);
  default:
    return lex_token_name(tok->code);
  }
}

typedef struct parse_group {
  const char *name;
  const int *members;
  int nmembers;
  const int *triggers;  /* all must be present for the group to apply */
  int ntriggers;
} parse_group;

static const int parse_expr_starts[] = {
  TK_INT, TK_FLOAT, TK_DURATION, TK_STR, TK_TRUE, TK_FALSE, TK_NIL, TK_SELF,
  TK_ID, TK_TYPEID, TK_LPAREN, TK_LBRACKET, TK_MINUS, TK_BANG, TK_TILDE,
  TK_AMP, TK_LARROW, TK_SPAWN, TK_CHAN, TK_FREEZE, TK_COPY, TK_TAKE};
static const int parse_expr_starts_rhs[] = {
  TK_INT, TK_FLOAT, TK_DURATION, TK_STR, TK_TRUE, TK_FALSE, TK_NIL, TK_SELF,
  TK_ID, TK_TYPEID, TK_LPAREN, TK_LBRACKET, TK_MINUS, TK_BANG, TK_TILDE,
  TK_AMP, TK_LARROW, TK_SPAWN, TK_CHAN, TK_FREEZE, TK_COPY, TK_TAKE, TK_ASK,
  TK_MATCH};
static const int parse_expr_trig[] = {TK_INT, TK_STR, TK_ID, TK_LPAREN};
static const int parse_rhs_trig[] = {TK_INT, TK_STR, TK_ID, TK_LPAREN, TK_ASK, TK_MATCH};
static const int parse_stmt_starts[] = {
  TK_LET, TK_VAR, TK_IF, TK_WHILE, TK_FOR, TK_BREAK, TK_CONTINUE, TK_RETURN,
  TK_SEND, TK_REPLY, TK_FAIL, TK_SELECT, TK_MATCH, TK_ASK, TK_LBRACE};
static const int parse_stmt_trig[] = {TK_LET, TK_IF, TK_WHILE};
static const int parse_decl_starts[] = {
  TK_IMPORT, TK_CONST, TK_MESSAGE, TK_STRUCT, TK_ENUM, TK_ACTOR, TK_RING,
  TK_SUPERVISOR, TK_FN};
static const int parse_decl_trig[] = {TK_FN, TK_MESSAGE, TK_ACTOR};
static const int parse_ops[] = {
  TK_QQ, TK_OROR, TK_ANDAND, TK_EQEQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
  TK_PIPE, TK_CARET, TK_AMP, TK_SHL, TK_SHR, TK_DOTDOT, TK_DOTDOTEQ, TK_PLUS,
  TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_AS, TK_DOT, TK_LBRACKET, TK_LPAREN,
  TK_LBRACE, TK_QUESTION};
static const int parse_ops_trig[] = {TK_PLUS, TK_STAR, TK_ANDAND};
static const int parse_type_starts[] = {
  TK_ID, TK_TYPEID, TK_LBRACKET, TK_LBRACE, TK_LPAREN, TK_AMP, TK_VAL, TK_CHAN};
static const int parse_type_trig[] = {TK_VAL, TK_CHAN, TK_ID};

#define PARSE_N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* "`;`", "`,` or `)`", "one of `,`, `)`, expression" */
static const char *parse_expected_text(parse_ctx *pc, const int *exp, int n) {
  static const parse_group groups[] = {
    {"declaration", parse_decl_starts, PARSE_N(parse_decl_starts), parse_decl_trig, PARSE_N(parse_decl_trig)},
    {"statement", parse_stmt_starts, PARSE_N(parse_stmt_starts), parse_stmt_trig, PARSE_N(parse_stmt_trig)},
    {"operator", parse_ops, PARSE_N(parse_ops), parse_ops_trig, PARSE_N(parse_ops_trig)},
    {"expression", parse_expr_starts_rhs, PARSE_N(parse_expr_starts_rhs), parse_rhs_trig, PARSE_N(parse_rhs_trig)},
    {"type", parse_type_starts, PARSE_N(parse_type_starts), parse_type_trig, PARSE_N(parse_type_trig)},
    {"expression", parse_expr_starts, PARSE_N(parse_expr_starts), parse_expr_trig, PARSE_N(parse_expr_trig)},
  };
  bool present[256] = {0};
  for (int i = 0; i < n; i++)
    if (exp[i] > 0 && exp[i] < 256) present[exp[i]] = true;
  bool applied[PARSE_N(groups)] = {0};
  bool removed[256] = {0};
  for (int g = 0; g < PARSE_N(groups); g++) {
    bool all = true;
    for (int i = 0; i < groups[g].ntriggers; i++)
      if (!present[groups[g].triggers[i]]) all = false;
    if (!all) continue;
    applied[g] = true;
    for (int i = 0; i < groups[g].nmembers; i++) removed[groups[g].members[i]] = true;
  }
  const char *items[64];
  int k = 0;
  for (int i = 0; i < n && k < 60; i++)
    if (!(exp[i] > 0 && exp[i] < 256 && removed[exp[i]])) items[k++] = lex_token_name(exp[i]);
  for (int g = 0; g < PARSE_N(groups); g++) {
    bool dup = false;
    for (int j = 0; j < k; j++)
      if (strcmp(items[j], groups[g].name) == 0) dup = true;
    if (applied[g] && !dup && k < 64) items[k++] = groups[g].name;
  }
  if (k == 0) return "something else";
  if (k == 1) return items[0];
  if (k == 2) return arena_sprintf(pc->cx->perm, "%s or %s", items[0], items[1]);
  const char *s = "one of ";
  int shown = k > 8 ? 8 : k;
  for (int i = 0; i < shown; i++)
    s = arena_sprintf(pc->cx->perm, "%s%s%s", s, i ? ", " : "", items[i]);
  if (shown < k) s = arena_sprintf(pc->cx->perm, "%s, ...", s);
  return s;
}

void parse_syntax_error(parse_ctx *pc, int code, const lex_token *tok,
                        const int *expected, int nexpected) {
  ac_ctx *cx = pc->cx;
  if (code == TK_ILLEGAL || pc->quiet > 0) return;  /* echo of a lexical error */
  uint32_t line, col;
  /* end of input with a bracket still open: name the opener */
  if (code == 0 && pc->nbrackets > 0 && pc->nbrackets <= PARSE_MAX_BRACKETS) {
    parse_bracket *b = &pc->brackets[pc->nbrackets - 1];
    source_line_col(cx, b->sp.file, b->sp.off, &line, &col);
    diag *d = diag_error(cx, b->sp, "E0102",
                         "unclosed `%s`: expected `%s` before %s",
                         parse_delim(b->code), parse_delim(parse_closer_of(b->code)),
                         parse_found(pc, tok));
    diag_label(d, "this `%s` (line %u) is never closed", parse_delim(b->code), line);
    diag_end(d);
    return;
  }
  /* a closer that does not match the innermost opener */
  if ((code == TK_RPAREN || code == TK_RBRACKET || code == TK_RBRACE) &&
      pc->nbrackets > 0 && pc->nbrackets <= PARSE_MAX_BRACKETS) {
    parse_bracket *b = &pc->brackets[pc->nbrackets - 1];
    if (parse_closer_of(b->code) != code) {
      source_line_col(cx, b->sp.file, b->sp.off, &line, &col);
      diag *d = diag_error(cx, tok->sp, "E0102",
                           "mismatched `%s`: expected `%s` to close `%s` from line %u",
                           parse_delim(code), parse_delim(parse_closer_of(b->code)),
                           parse_delim(b->code), line);
      diag_label(d, "does not match `%s`", parse_delim(b->code));
      diag_note(d, b->sp, "the `%s` opened here", parse_delim(b->code));
      diag_end(d);
      return;
    }
  }
  if (code == TK_ASK) {
    diag *d = diag_error(cx, tok->sp, "E0106", "`ask` is not allowed inside a larger expression");
    diag_label(d, "`ask` here");
    diag_help(d, "`ask` may be a whole right-hand side, statement, `match` scrutinee or "
                 "return value; elsewhere wrap it in parentheses: `(ask a, m)`");
    diag_end(d);
    return;
  }
  const char *exp = parse_expected_text(pc, expected, nexpected);
  const char *found = parse_found(pc, tok);
  /* a missing `;` at a line end: point just after the previous token */
  bool wants_semi = false;
  for (int i = 0; i < nexpected; i++)
    if (expected[i] == TK_SEMI) wants_semi = true;
  if (wants_semi && pc->last.code != 0 && code != TK_SEMI &&
      pc->last.sp.file == tok->sp.file) {
    uint32_t pline, tline, tcol;
    source_line_col(cx, pc->last.sp.file, pc->last.sp.off + pc->last.sp.len, &pline, &col);
    source_line_col(cx, tok->sp.file, tok->sp.off, &tline, &tcol);
    if (tline > pline) {
      span at = {pc->last.sp.file, pc->last.sp.off + pc->last.sp.len, 0};
      diag *d = diag_error(cx, at, "E0101", "expected `;`, found %s", found);
      diag_label(d, "add `;` here");
      diag_note(d, tok->sp, "found %s here", found);
      diag_end(d);
      return;
    }
  }
  diag *d = diag_error(cx, tok->sp, "E0101", "expected %s, found %s", exp, found);
  diag_label(d, "unexpected %s", code == 0 && !pc->in_hole ? "end of file" : "token");
  if (code == TK_TYPEID || code == TK_ID) {
    for (int i = 0; i < nexpected; i++) {
      if (expected[i] == TK_TYPEID && code == TK_ID) {
        diag_help(d, "type names (messages, structs, enums, actors, variants) start with an upper-case letter");
        break;
      }
      if (expected[i] == TK_ID && code == TK_TYPEID) {
        diag_help(d, "values, functions, fields and parameters start with a lower-case letter");
        break;
      }
    }
  }
  if (wants_semi && code == TK_COMMA)
    diag_help(d, "statements and fields end with `;`, not `,`");
  else if (wants_semi && nexpected <= 3 && code != TK_SEMI && pc->last.code != 0)
    diag_help(d, "a `;` may be missing before this");
  diag_end(d);
}

void parse_stack_overflow(parse_ctx *pc) {
  if (pc->overflow) return;
  pc->overflow = true;
  diag *d = diag_error(pc->cx, pc->last.sp, "E0103", "nesting is too deep");
  diag_label(d, "the parser's limit is reached here");
  diag_help(d, "split the expression or block into smaller pieces (let bindings, functions)");
  diag_end(d);
}

void parse_add_decl(parse_ctx *pc, ast_decl *d) {
  if (d) ast_list_push(pc->cx->perm, &pc->mod->decls, d);
}

void parse_set_hole(parse_ctx *pc, ast_expr *e) { pc->hole = e; }

/* ------------------------------------------------------------ token pump */

/* parse_feed tests "is a bracket" as one range (token order in parser.y). */
_Static_assert(TK_RPAREN == TK_LPAREN + 1 && TK_LBRACKET == TK_LPAREN + 2 &&
               TK_RBRACKET == TK_LPAREN + 3 && TK_LBRACE == TK_LPAREN + 4 &&
               TK_RBRACE == TK_LPAREN + 5, "bracket tokens must be consecutive");

static void parse_track_bracket(parse_ctx *pc, const lex_token *t) {
  if (parse_is_opener(t->code)) {
    if (pc->nbrackets < PARSE_MAX_BRACKETS) {
      pc->brackets[pc->nbrackets].code = t->code;
      pc->brackets[pc->nbrackets].sp = t->sp;
    }
    pc->nbrackets++;
    return;
  }
  if (t->code != TK_RPAREN && t->code != TK_RBRACKET && t->code != TK_RBRACE) return;
  if (pc->nbrackets == 0) return;
  if (pc->nbrackets > PARSE_MAX_BRACKETS) {
    pc->nbrackets--;
    return;
  }
  /* pop to the matching opener if there is one; a stray closer pops nothing */
  for (uint32_t i = pc->nbrackets; i > 0; i--) {
    if (parse_closer_of(pc->brackets[i - 1].code) == t->code) {
      pc->nbrackets = i - 1;
      return;
    }
  }
}

/* Feed every token of `ls` to the Lemon parser `p` (after `start` when
 * non-zero). */
static void parse_feed(parse_ctx *pc, void *p, lex_state *ls, int start) {
  if (start) {
    lex_token t = {0};
    t.code = start;
    parse_lemon(p, start, t);
  }
  for (uint64_t guard = 0; guard < ((uint64_t)1 << 40); guard++) {
    lex_token t = lex_next(ls);
    /* after a lexical error the next few syntax errors are its echo */
    if (t.code == TK_ILLEGAL || (t.code == TK_STR && t.overflow)) pc->quiet = 4;
    parse_lemon(p, t.code, t);
    if (pc->quiet > 0) pc->quiet--;
    pc->last.code = t.code;  /* only code and span of `last` are ever read */
    pc->last.sp = t.sp;
    if (t.code >= TK_LPAREN && t.code <= TK_RBRACE) parse_track_bracket(pc, &t);
    if (t.code == 0 || pc->overflow) break;
  }
}

/* Feed every token of `ls` to a fresh parser (after `start` when non-zero). */
static void parse_pump(parse_ctx *pc, lex_state *ls, int start) {
  /* Lemon allocates its own parser object; it is the one malloc of this
   * phase (the size is private to the generated parser). */
  void *p = parse_lemonAlloc(malloc, pc);
  if (!p) AC_ICE("out of memory allocating the parser");
  parse_feed(pc, p, ls, start);
  parse_lemonFree(p, free);
}

/* String-interpolation holes are parsed by one parser object and one
 * parse_ctx reused for every hole of the parse phase (a big program has
 * thousands of holes; a fresh 128 KiB parser and 8 KiB context each was a
 * third of the parse time).  Lives in cx->phase_data[PASS_PARSE] during
 * parse_run_file only. */
typedef struct parse_hole_cache {
  void *parser;   /* malloc'd by Lemon; freed at the end of parse_run_file */
  parse_ctx pc;
  bool busy;      /* holes do not nest, but never share one parser */
} parse_hole_cache;

void parse_lemonInit(void *p, parse_ctx *pc);
void parse_lemonFinalize(void *p);

/* ------------------------------------------------------------ strings *//* ------------------------------------------------------------ strings */

static int parse_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t parse_utf8_encode(uint32_t v, char *out) {
  if (v < 0x80) { out[0] = (char)v; return 1; }
  if (v < 0x800) {
    out[0] = (char)(0xc0 | (v >> 6));
    out[1] = (char)(0x80 | (v & 0x3f));
    return 2;
  }
  if (v < 0x10000) {
    out[0] = (char)(0xe0 | (v >> 12));
    out[1] = (char)(0x80 | ((v >> 6) & 0x3f));
    out[2] = (char)(0x80 | (v & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (v >> 18));
  out[1] = (char)(0x80 | ((v >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((v >> 6) & 0x3f));
  out[3] = (char)(0x80 | (v & 0x3f));
  return 4;
}

static void parse_flush_text(parse_ctx *pc, ast_list *parts, const char *buf, size_t n) {
  if (n == 0) return;
  ast_str_part *p = ARENA_NEW(pc->cx->perm, ast_str_part);
  p->text = arena_strndup(pc->cx->perm, buf, n);
  p->len = n;
  ast_list_push(pc->cx->perm, parts, p);
}

static ast_expr *parse_hole(parse_ctx *pc, uint32_t off, uint32_t end) {
  parse_hole_cache *hc = pc->cx->phase_data[PASS_PARSE];
  bool cached = hc && !hc->busy;
  parse_ctx *sub;
  if (cached) {
    sub = &hc->pc;  /* reset what a parse reads; brackets[] beyond nbrackets are unused */
    sub->hole = NULL;
    sub->overflow = false;
    sub->quiet = 0;
    memset(&sub->last, 0, sizeof sub->last);
    sub->nbrackets = 0;
  } else {
    sub = ARENA_NEW(pc->cx->scratch, parse_ctx);
  }
  sub->cx = pc->cx;
  sub->file = pc->file;
  sub->mod = pc->mod;
  sub->module_index = pc->module_index;
  sub->in_hole = true;
  int before = diag_error_count(pc->cx);
  lex_state *ls = lex_new_range(pc->cx, pc->file, off, end);
  if (cached) {
    if (!hc->parser) {
      hc->parser = parse_lemonAlloc(malloc, sub);
      if (!hc->parser) AC_ICE("out of memory allocating the parser");
    } else {
      parse_lemonInit(hc->parser, sub);
    }
    hc->busy = true;
    parse_feed(sub, hc->parser, ls, TK_EXPR_START);
    parse_lemonFinalize(hc->parser);
    hc->busy = false;
  } else {
    parse_pump(sub, ls, TK_EXPR_START);
  }
  if (diag_error_count(pc->cx) != before) return NULL;
  return sub->hole;
}

ast_list parse_string_parts(parse_ctx *pc, const lex_token *tok) {
  ast_list parts = {0};
  const source_file *sf = source_get(pc->cx, tok->sp.file);
  const char *s = sf->text + tok->sp.off + 1;
  const char *end = sf->text + tok->sp.off + tok->sp.len - 1;
  arena_mark m = arena_mark_get(pc->cx->scratch);
  char *buf = arena_alloc(pc->cx->scratch, (size_t)(end - s) + 1);
  size_t n = 0;
  const char *p = s;
  while (p < end) {
    char c = *p;
    if (c == '\\') {
      const char *esc = p;
      char e = p[1];
      p += 2;
      switch (e) {
      case 'n': buf[n++] = '\n'; continue;
      case 't': buf[n++] = '\t'; continue;
      case 'r': buf[n++] = '\r'; continue;
      case '0': buf[n++] = '\0'; continue;
      case '\\': case '"': case '{': case '}': case '\'': buf[n++] = e; continue;
      case 'u':
        if (*p == '{') {
          const char *q = p + 1;
          uint32_t v = 0;
          int digits = 0;
          bool ok = true;
          while (q < end && *q != '}') {
            int h = parse_hexval(*q);
            if (h < 0 || digits >= 6) ok = false;
            else v = v * 16 + (uint32_t)h;
            digits++;
            q++;
          }
          if (q >= end) ok = false;
          if (ok && digits > 0 && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) {
            n += parse_utf8_encode(v, buf + n);
            p = q + 1;
            continue;
          }
          span sp = {tok->sp.file, (uint32_t)(esc - sf->text),
                     (uint32_t)((q < end ? q + 1 : q) - esc)};
          diag *d = diag_error(pc->cx, sp, "E0005", "invalid unicode escape");
          diag_label(d, "not a Unicode scalar value");
          diag_help(d, "write `\\u{XXXX}` with 1 to 6 hex digits, at most 10FFFF and not a surrogate");
          diag_end(d);
          p = q < end ? q + 1 : q;
          continue;
        }
        /* fall through */
      default: {
        int len = 1;
        while (len < 4 && ((unsigned char)esc[1 + len] & 0xc0) == 0x80) len++;
        span sp = {tok->sp.file, (uint32_t)(esc - sf->text), (uint32_t)(1 + len)};
        diag *d = diag_error(pc->cx, sp, "E0005", "unknown escape sequence `\\%.*s`",
                             len, esc + 1);
        diag_label(d, "unknown escape");
        diag_help(d, "the escapes are `\\n`, `\\t`, `\\r`, `\\\\`, `\\\"`, `\\{`, `\\}`, "
                     "`\\0` and `\\u{XXXX}`");
        diag_end(d);
        p = esc + 1 + len;
        continue;
      }
      }
    }
    if (c == '{' && p + 1 < end && p[1] == '{') { buf[n++] = '{'; p += 2; continue; }
    if (c == '}' && p + 1 < end && p[1] == '}') { buf[n++] = '}'; p += 2; continue; }
    if (c == '{') {
      const char *q = p + 1;
      while (q < end && *q != '}') q++;
      parse_flush_text(pc, &parts, buf, n);
      n = 0;
      bool blank = true;
      for (const char *r = p + 1; r < q; r++)
        if (*r != ' ' && *r != '\t') blank = false;
      if (blank) {
        span sp = {tok->sp.file, (uint32_t)(p - sf->text), (uint32_t)(q + 1 - p)};
        diag *d = diag_error(pc->cx, sp, "E0009", "empty `{}` in string interpolation");
        diag_help(d, "put an expression inside, or write `{{}}` for literal braces");
        diag_end(d);
      } else {
        ast_expr *e = parse_hole(pc, (uint32_t)(p + 1 - sf->text), (uint32_t)(q - sf->text));
        if (e) {
          ast_str_part *part = ARENA_NEW(pc->cx->perm, ast_str_part);
          part->expr = e;
          ast_list_push(pc->cx->perm, &parts, part);
        }
      }
      p = q + 1;
      continue;
    }
    buf[n++] = c;
    p++;
  }
  parse_flush_text(pc, &parts, buf, n);
  if (parts.len == 0) {
    ast_str_part *part = ARENA_NEW(pc->cx->perm, ast_str_part);
    part->text = "";
    ast_list_push(pc->cx->perm, &parts, part);
  }
  arena_reset(pc->cx->scratch, m);
  return parts;
}

/* ------------------------------------------------------------ modules */

typedef struct parse_modules {
  const char **keys;   /* canonical path per module (realpath or as given) */
  uint32_t n, cap;
} parse_modules;

static const char *parse_canonical(ac_ctx *cx, const char *path) {
  char *rp = realpath(path, NULL);
  if (!rp) return intern_cstr(cx, path);
  const char *s = intern_cstr(cx, rp);
  free(rp);
  return s;
}

static ast_module *parse_module_new(ac_ctx *cx, parse_modules *pm, uint32_t file,
                                    const char *key, const char *name, bool is_std) {
  ast_module *mod = ARENA_NEW(cx->perm, ast_module);
  const source_file *sf = source_get(cx, file);
  mod->path = sf->path;
  mod->file = file;
  mod->name = name;
  mod->is_std = is_std;
  ast_list_push(cx->perm, &cx->prog->modules, mod);
  if (pm->n == pm->cap) {
    uint32_t cap = pm->cap ? pm->cap * 2 : 8;
    const char **keys = arena_alloc(cx->perm, cap * sizeof *keys);
    if (pm->n) memcpy(keys, pm->keys, pm->n * sizeof *keys);
    pm->keys = keys;
    pm->cap = cap;
  }
  pm->keys[pm->n++] = key;
  return mod;
}

static void parse_module(ac_ctx *cx, uint32_t index) {
  ast_module *mod = AST_AT(cx->prog->modules, index, ast_module);
  parse_ctx *pc = ARENA_NEW(cx->perm, parse_ctx);
  pc->cx = cx;
  pc->file = mod->file;
  pc->mod = mod;
  pc->module_index = index;
  parse_pump(pc, lex_new(cx, mod->file), 0);
}

static const char *parse_stdlib_dir(ac_ctx *cx) {
  if (cx->opt.stdlib_dir) return cx->opt.stdlib_dir;
  const char *env = getenv("ACTORC_STDLIB");
  if (env && env[0]) return env;
  return AC_STDLIB_DIR;
}

/* Where an import points: the path to open, its display name, its stem. */
static const char *parse_import_path(ac_ctx *cx, const ast_module *from,
                                     const ast_import *imp, const char **out_name) {
  if (imp->is_std) {
    const char *rel = "";
    const char *name = "";
    for (uint32_t i = 0; i < imp->path.len; i++) {
      const char *seg = AST_AT(imp->path, i, ast_ident)->name;
      rel = arena_sprintf(cx->perm, "%s%s%s", rel, i ? "/" : "", seg);
      name = arena_sprintf(cx->perm, "%s%s%s", name, i ? "." : "", seg);
    }
    *out_name = name;
    return arena_sprintf(cx->perm, "%s/%s.actor", parse_stdlib_dir(cx), rel);
  }
  const char *file = imp->file;
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  const char *dot = strrchr(base, '.');
  *out_name = arena_strndup(cx->perm, base, dot ? (size_t)(dot - base) : strlen(base));
  if (file[0] == '/') return file;
  const char *slash = strrchr(from->path, '/');
  if (!slash) return file;
  return arena_sprintf(cx->perm, "%.*s/%s", (int)(slash - from->path), from->path, file);
}

static void parse_imports(ac_ctx *cx, parse_modules *pm, uint32_t index) {
  ast_module *mod = AST_AT(cx->prog->modules, index, ast_module);
  for (uint32_t i = 0; i < mod->decls.len; i++) {
    ast_decl *d = AST_AT(mod->decls, i, ast_decl);
    if (d->kind != DECL_IMPORT) continue;
    ast_import *imp = &d->u.import;
    if (imp->is_std ? imp->path.len == 0 : imp->file == NULL) continue;  /* reported */
    const char *name;
    const char *path = parse_import_path(cx, mod, imp, &name);
    errno = 0;
    char *rp = realpath(path, NULL);
    if (!rp) {
      int err = errno;
      diag *g;
      if (imp->is_std)
        g = diag_error(cx, d->sp, "E0104", "cannot find module `std.%s`", name);
      else
        g = diag_error(cx, d->sp, "E0104", "cannot find module `%s`", imp->file);
      diag_label(g, "imported here");
      diag_note_plain(g, "looked for `%s`: %s", path, strerror(err ? err : ENOENT));
      if (imp->is_std)
        diag_help(g, "the standard library is searched in `%s` (set --stdlib=DIR or ACTORC_STDLIB)",
                  parse_stdlib_dir(cx));
      else
        diag_help(g, "relative imports are resolved from the importing file's folder");
      diag_end(g);
      continue;
    }
    const char *key = intern_cstr(cx, rp);
    free(rp);
    uint32_t found = UINT32_MAX;
    for (uint32_t k = 0; k < pm->n; k++)
      if (pm->keys[k] == key) found = k;
    if (found != UINT32_MAX) {
      imp->module = found;
      continue;
    }
    int32_t file = source_load(cx, path);
    if (file < 0) {
      int err = errno;
      diag *g = diag_error(cx, d->sp, "E0901", "cannot read `%s`: %s", path, strerror(err));
      diag_label(g, "imported here");
      diag_end(g);
      continue;
    }
    imp->module = cx->prog->modules.len;
    parse_module_new(cx, pm, (uint32_t)file, key, name, imp->is_std);
  }
}

bool parse_run_file(ac_ctx *cx, uint32_t file) {
  int before = diag_error_count(cx);
  cx->prog = ARENA_NEW(cx->perm, ast_program);
  parse_modules pm = {0};
  parse_hole_cache *hc = ARENA_NEW(cx->perm, parse_hole_cache);
  void *saved = cx->phase_data[PASS_PARSE];
  cx->phase_data[PASS_PARSE] = hc;
  const source_file *sf = source_get(cx, file);
  const char *base = strrchr(sf->path, '/');
  base = base ? base + 1 : sf->path;
  const char *dot = strrchr(base, '.');
  const char *stem = arena_strndup(cx->perm, base, dot ? (size_t)(dot - base) : strlen(base));
  parse_module_new(cx, &pm, file, parse_canonical(cx, sf->path), stem, false);
  /* breadth-first over imports; each module is loaded once (cycles are fine) */
  for (uint32_t i = 0; i < cx->prog->modules.len; i++) {
    parse_module(cx, i);
    parse_imports(cx, &pm, i);
  }
  if (hc->parser) parse_lemonFree(hc->parser, free);
  cx->phase_data[PASS_PARSE] = saved;
  diag_flush(cx);
  return diag_error_count(cx) == before;
}

bool parse_run(ac_ctx *cx, const char *root_path) {
  int32_t file = source_load(cx, root_path);
  if (file < 0) {
    int err = errno;
    span none = {UINT32_MAX, 0, 0};
    diag *d = diag_error(cx, none, "E0901", "cannot read `%s`: %s", root_path, strerror(err));
    diag_end(d);
    cx->prog = ARENA_NEW(cx->perm, ast_program);
    return false;
  }
  return parse_run_file(cx, (uint32_t)file);
}
