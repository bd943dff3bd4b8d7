/* ac.h — the compiler's internal header, sectioned per file in pipeline order
 * (chibicc style): infrastructure (arena, intern, source, diag), the
 * compilation context, then one section per phase with its single entry point
 * `bool <phase>_run(ac_ctx *cx)`.  compiler/passes.h is the map of phases.
 *
 * Nothing here is ABI: the runtime's ABI is runtime/ar.h.
 */
#ifndef AC_AC_H
#define AC_AC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "passes.h"
#include "types.h"

typedef struct ac_ctx ac_ctx;

/* ================================================================ arena.c */

/* Chunked bump allocator: 16-byte alignment, zeroed memory, never freed one
 * object at a time.  Out of memory aborts with a message. */
typedef struct arena arena;

arena *arena_new(void);
void arena_free(arena *a);                /* frees every chunk */
void *arena_alloc(arena *a, size_t n);    /* zeroed, 16-byte aligned */
char *arena_strndup(arena *a, const char *s, size_t n); /* NUL-terminated copy */
char *arena_sprintf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Scratch regions: everything allocated after a mark is released by reset
 * (poisoned under ASan). */
typedef struct arena_mark { void *chunk; size_t used; } arena_mark;
arena_mark arena_mark_get(arena *a);
void arena_reset(arena *a, arena_mark m);
#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))

/* Append to an arena-owned list (ast.h ast_list). */
void ast_list_push(arena *a, ast_list *l, void *item);

/* ================================================================ intern.c */

/* Interned strings: equal text ⇒ same pointer.  Lives as long as the ctx. */
const char *intern(ac_ctx *cx, const char *s, size_t len);
const char *intern_cstr(ac_ctx *cx, const char *s);

/* ================================================================ source.c */

typedef struct source_file {
  const char *path;     /* as given / as found (relative to cwd when possible) */
  const char *text;     /* NUL-terminated (a sentinel NUL is always appended) */
  uint32_t len;         /* bytes, without the sentinel */
  uint32_t *line_starts;/* byte offset of each line start */
  uint32_t nlines;
} source_file;

/* Register a file already in memory (copied into the arena).  Returns its id. */
uint32_t source_add(ac_ctx *cx, const char *path, const char *text, size_t len);
/* Read a file from disk; returns its id, or -1 (errno set) when unreadable. */
int32_t source_load(ac_ctx *cx, const char *path);
const source_file *source_get(const ac_ctx *cx, uint32_t file);
/* 1-based line and column (column in Unicode scalar values) of a byte offset. */
void source_line_col(const ac_ctx *cx, uint32_t file, uint32_t off,
                     uint32_t *out_line, uint32_t *out_col);
/* A span covering both a and b (same file). */
span span_join(span a, span b);

/* ================================================================ diag.c */

/* Diagnostics: `path:line:col: error[E0301]: message`, the source line, a
 * caret underline of the primary span with an optional label, `note:` lines
 * with their own locations, `help:` lines.  Diagnostics are printed when
 * emitted (stderr), in plain text (with colour only on a TTY and never with
 * NO_COLOR), or as one JSON object per line with --diag-format=json.
 * Messages: lower-case first word, no final period, code in backticks. */
typedef enum { DIAG_ERROR, DIAG_WARNING } diag_level;
typedef enum { DIAG_FMT_HUMAN, DIAG_FMT_PLAIN, DIAG_FMT_JSON } diag_format;
typedef enum { DIAG_COLOR_AUTO, DIAG_COLOR_ALWAYS, DIAG_COLOR_NEVER } diag_color;

typedef struct diag diag;

/* Start a diagnostic; it is printed by diag_end() (or the next diag_error /
 * diag_warning / phase end, whichever comes first).  `code` is "E0301". */
diag *diag_error(ac_ctx *cx, span sp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
diag *diag_warning(ac_ctx *cx, span sp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Text printed after the caret underline of the primary span. */
void diag_label(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A secondary location ("value moved here"). */
void diag_note(diag *d, span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A note without a location. */
void diag_note_plain(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_help(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_end(diag *d);
/* Print any pending diagnostic. */
void diag_flush(ac_ctx *cx);
int diag_error_count(const ac_ctx *cx);

/* Internal compiler errors: never mixed with user diagnostics; exit code 3. */
_Noreturn void ac_ice(const char *file, int line, const char *fmt, ...);
#define AC_ICE(...) ac_ice(__FILE__, __LINE__, __VA_ARGS__)
#define AC_UNREACHABLE() ac_ice(__FILE__, __LINE__, "unreachable")

/* ================================================================ context */

typedef struct ac_options {
  diag_format diag_format;
  diag_color color;
  int dump_after;            /* PASS_* or -1 */
  int stop_after;            /* PASS_* or -1 */
  const char *stdlib_dir;    /* where `import std.x` looks; NULL = built-in default */
  int max_errors;            /* stop reporting after this many (0 = 50) */
  /* ring actors (runtime/RING.md section 1): --gpu= as AR_GPU_* (0 off,
   * 1 auto, 2 on, 3 emulate; `actorc build` defaults to auto), the PTX
   * target (NULL: sm_80), and where --gpu=emulate writes the kernels' host
   * object (NULL: nowhere) */
  int gpu_mode;
  const char *gpu_arch;
  const char *ring_host_obj;
} ac_options;

struct ac_ctx {
  ac_options opt;
  arena *perm;               /* AST, types, symbols: whole compilation */
  arena *scratch;            /* per phase / per function; reset freely */
  struct intern_table *strings;
  source_file **files;       /* by id */
  uint32_t nfiles, files_cap;
  struct diag_state *diags;
  FILE *diag_out;            /* stderr unless redirected (tests, fuzzer) */
  ast_program *prog;         /* parse */
  int current_pass;          /* for ICE messages */
  void *phase_data[8];       /* per-phase private state, indexed by pass */
};

ac_ctx *ac_ctx_new(const ac_options *opt);
void ac_ctx_free(ac_ctx *cx);

/* Library entry points (used by main.c, tests and the fuzzer):
 * run the front end (parse → resolve → types → own) on a file or an
 * in-memory buffer.  Returns true when no error was reported. */
bool ac_check_file(ac_ctx *cx, const char *path);
bool ac_check_buffer(ac_ctx *cx, const char *path, const char *text, size_t len);
/* Print the long explanation of an error code; false when unknown. */
bool ac_explain(const char *code, FILE *out);

/* ================================================================ lex.c */

/* A token: code from the Lemon-generated parser.h (TK_*), its span, and for
 * literals the decoded value. */
typedef struct lex_token {
  int code;
  span sp;
  const char *text;    /* interned identifier text; NULL for other tokens (see sp) */
  uint64_t ival;       /* TK_INT, TK_DURATION (ns) */
  double fval;         /* TK_FLOAT */
  bool overflow;       /* numeric literal out of range; TK_STR: malformed, already reported */
  const char *doc;     /* `///` lines just before this token, joined; or NULL */
} lex_token;

typedef struct lex_state lex_state;
lex_state *lex_new(ac_ctx *cx, uint32_t file);
lex_state *lex_new_range(ac_ctx *cx, uint32_t file, uint32_t off, uint32_t end);
lex_token lex_next(lex_state *ls);           /* code 0 at end of input */
const char *lex_token_name(int code);        /* for "expected ..." messages */

/* ================================================================ parse.c */

/* Parse phase: parse the root file and, transitively, every imported module
 * (std modules from the stdlib directory, relative imports from the importing
 * file's folder) into cx->prog.  Codes E01xx. */
bool parse_run(ac_ctx *cx, const char *root_path);

/* ================================================================ ast.c */

/* Dump the program as an indented tree, with the annotations available after
 * `pass` (sym links after resolve, types after types, verdicts after own). */
void ast_dump(ac_ctx *cx, FILE *out, int pass);
const char *ast_decl_kind_name(ast_decl_kind k);
const char *ast_stmt_kind_name(ast_stmt_kind k);
const char *ast_expr_kind_name(ast_expr_kind k);

/* ================================================================ resolve.c */

/* Resolve phase: scopes, shadowing, imports, undefined and duplicate names.
 * Fills `sym` links.  Codes E02xx. */
bool resolve_run(ac_ctx *cx);

/* ================================================================ types.c */

/* Type check: fills `ty` everywhere.  Codes E03xx. */
bool types_run(ac_ctx *cx);
/* Human-readable type text, e.g. `[f64]`, `WorkResponse?` (arena string). */
const char *types_name(ac_ctx *cx, const type *t);
/* Ownership classes used by own.c:
 *  copy  — scalars, str, bytes, uuid, time, duration, enums, actor refs,
 *          channels, val T, and records/tuples made only of those;
 *  owned — lists, maps, buf<T>, and records/tuples/options containing them. */
bool types_is_owned(const type *t);
/* The value of an integer constant expression (literals, `const` names,
 * arithmetic without overflow); false when `e` is not one. */
bool types_const_int(const ast_expr *e, int64_t *out);
/* GPU-sendable: fixed layout, buf<T> references only (ring messages).  On
 * failure, *out_field names the first offending field (may be NULL). */
bool types_is_gpu_sendable(const type *t, const ast_field **out_field);

/* ================================================================ own.c, own_protocol.c */

/* Ownership (moves, borrows, freeze, take, sendability) and protocol (reply
 * exactly once, ask cycles) checks.  Codes E04xx. */
bool own_run(ac_ctx *cx);
bool own_protocol_run(ac_ctx *cx);   /* called by own_run */
bool ring_check_run(ac_ctx *cx);     /* called by own_run: E0410-E0412 */

#endif
