/* driver.c — the compiler as a library: context lifetime and the pass loop
 * (parse → resolve → types → own) behind ac_check_file / ac_check_buffer,
 * plus ac_explain.  Kept apart from main.c so tests and the fuzzer can link
 * libactorc.a without a main().  It stops between phases when errors were
 * reported (passes.h rules) and never inside one; it parses no options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "parse.h"

typedef struct { const char *code; const char *text; } ac_error_doc;
extern const ac_error_doc ac_error_docs[];

ac_ctx *ac_ctx_new(const ac_options *opt) {
  arena *perm = arena_new();
  ac_ctx *cx = arena_alloc(perm, sizeof *cx);
  cx->perm = perm;
  cx->scratch = arena_new();
  if (opt) cx->opt = *opt;
  else {
    cx->opt.dump_after = -1;
    cx->opt.stop_after = -1;
  }
  cx->diag_out = stderr;
  cx->current_pass = PASS_LEX;
  return cx;
}

void ac_ctx_free(ac_ctx *cx) {
  if (!cx) return;
  diag_flush(cx);
  intern_free(cx->strings);
  arena_free(cx->scratch);
  arena_free(cx->perm);  /* cx itself lives here */
}

/* After pass `p` ran: dump if asked; say whether to go on. */
static bool ac_after_pass(ac_ctx *cx, int p, bool ok) {
  diag_flush(cx);
  if (!ok && diag_error_count(cx) == 0) ok = true;  /* a phase may return false only with errors */
  if (cx->opt.dump_after == p) ast_dump(cx, stdout, p);
  if (diag_error_count(cx) > 0) return false;
  if (cx->opt.stop_after == p || cx->opt.dump_after == p) return false;
  return true;
}

static bool ac_run_passes(ac_ctx *cx, bool parsed_ok) {
  if (!ac_after_pass(cx, PASS_PARSE, parsed_ok)) return diag_error_count(cx) == 0;
  cx->current_pass = PASS_RESOLVE;
  diag_set_phase(PASS_RESOLVE);
  if (!ac_after_pass(cx, PASS_RESOLVE, resolve_run(cx))) return diag_error_count(cx) == 0;
  cx->current_pass = PASS_TYPES;
  diag_set_phase(PASS_TYPES);
  if (!ac_after_pass(cx, PASS_TYPES, types_run(cx))) return diag_error_count(cx) == 0;
  cx->current_pass = PASS_OWN;
  diag_set_phase(PASS_OWN);
  ac_after_pass(cx, PASS_OWN, own_run(cx));
  return diag_error_count(cx) == 0;
}

bool ac_check_file(ac_ctx *cx, const char *path) {
  cx->current_pass = PASS_PARSE;
  diag_set_phase(PASS_PARSE);
  bool ok = parse_run(cx, path);
  if (!cx->prog || cx->prog->modules.len == 0) {
    diag_flush(cx);
    return false;
  }
  return ac_run_passes(cx, ok);
}

bool ac_check_buffer(ac_ctx *cx, const char *path, const char *text, size_t len) {
  cx->current_pass = PASS_PARSE;
  diag_set_phase(PASS_PARSE);
  uint32_t file = source_add(cx, path, text, len);
  bool ok = parse_run_file(cx, file);
  return ac_run_passes(cx, ok);
}

bool ac_explain(const char *code, FILE *out) {
  for (const ac_error_doc *d = ac_error_docs; d->code; d++) {
    if (strcmp(d->code, code) == 0) {
      fputs(d->text, out);
      return true;
    }
  }
  return false;
}

/* Front end + lower + emit C (issue 4): the whole program as C on `out`.
 * Returns true when no error was reported (then `out` holds the C). */
bool ac_emit_c_file(ac_ctx *cx, const char *path, FILE *out) {
  if (!ac_check_file(cx, path))
    return false;
  if ((cx->opt.stop_after >= 0 && cx->opt.stop_after <= PASS_OWN) ||
      (cx->opt.dump_after >= 0 && cx->opt.dump_after <= PASS_OWN))
    return true;
  cx->current_pass = PASS_LOWER;
  diag_set_phase(PASS_LOWER);
  bool ok = lower_run(cx);
  diag_flush(cx);
  if (!ok || diag_error_count(cx) > 0)
    return false;
  if (cx->opt.dump_after == PASS_LOWER) {
    lower_dump(cx, stdout);
    return true;
  }
  if (cx->opt.stop_after == PASS_LOWER)
    return true;
  cx->current_pass = PASS_EMIT;
  diag_set_phase(PASS_EMIT);
  emit_c_opts eo = {path};
  ok = emit_c_run(cx, out, &eo);
  diag_flush(cx);
  return ok && diag_error_count(cx) == 0;
}
