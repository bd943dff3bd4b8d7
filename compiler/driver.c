/* driver.c — the compiler as a library: context lifetime and the pass loop
 * (parse → resolve → types → own) behind ac_check_file / ac_check_buffer,
 * plus ac_explain.  Kept apart from main.c so tests and the fuzzer can link
 * libactorc.a without a main().  It stops between phases when errors were
 * reported (passes.h rules) and never inside one; it parses no options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_ptx.h"
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

/* The ring kernels of a checked program for the C emitter (RING.md section
 * 1): with --gpu other than off, the PTX (*ptx, malloc'd; NULL when the
 * program has no ring actor) and, with --gpu=emulate, the host object
 * written to opt.ring_host_obj.  False after an E0602 or an I/O error. */
static bool ac_emit_rings(ac_ctx *cx, char **ptx) {
  *ptx = NULL;
  if (cx->opt.gpu_mode == 0 /* AR_GPU_OFF */ || !emit_ptx_has_ring(cx))
    return true;
  size_t n = 0;
  bool ok = emit_ptx_run(cx, EMIT_PTX_ASM, cx->opt.gpu_arch, ptx, &n);
  if (ok && cx->opt.gpu_mode == 3 /* AR_GPU_EMULATE */ &&
      cx->opt.ring_host_obj) {
    char *obj = NULL;
    ok = emit_ptx_run(cx, EMIT_PTX_HOST_OBJ, NULL, &obj, &n);
    FILE *f = ok ? fopen(cx->opt.ring_host_obj, "wb") : NULL;
    if (ok && (!f || fwrite(obj, 1, n, f) != n || fclose(f) != 0)) {
      fprintf(stderr, "actorc: cannot write `%s`\n", cx->opt.ring_host_obj);
      ok = false;
    }
    free(obj);
  }
  diag_flush(cx);
  if (!ok) {
    free(*ptx);
    *ptx = NULL;
  }
  return ok && diag_error_count(cx) == 0;
}

bool ac_emit_ptx_file(ac_ctx *cx, const char *path, emit_ptx_kind kind,
                      char **out, size_t *out_len, bool *no_ring) {
  *out = NULL;
  *out_len = 0;
  *no_ring = false;
  if (!ac_check_file(cx, path))
    return false;
  if (!emit_ptx_has_ring(cx)) {
    *no_ring = true;
    return false;
  }
  cx->current_pass = PASS_EMIT;
  diag_set_phase(PASS_EMIT);
  bool ok = emit_ptx_run(cx, kind, cx->opt.gpu_arch, out, out_len);
  diag_flush(cx);
  return ok && diag_error_count(cx) == 0;
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
  char *ptx = NULL;
  if (!ac_emit_rings(cx, &ptx))
    return false;
  emit_c_opts eo = {path, cx->opt.gpu_mode, ptx};
  ok = emit_c_run(cx, out, &eo);
  free(ptx);
  diag_flush(cx);
  return ok && diag_error_count(cx) == 0;
}
