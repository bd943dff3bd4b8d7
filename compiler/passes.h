/* passes.h — the map of the compiler: every phase in pipeline order.
 *
 * | # | phase   | file(s)                          | input → output                      | writes            | codes |
 * |---|---------|----------------------------------|-------------------------------------|-------------------|-------|
 * | 1 | lex     | grammar/lexer.re, compiler/lex.c | bytes → tokens with spans           | —                 | E00xx |
 * | 2 | parse   | grammar/parser.y, compiler/parse.c, ast.c | tokens → AST (+ imported modules) | cx->prog    | E01xx |
 * | 3 | resolve | compiler/resolve.c               | AST → AST + sym links, scopes       | `sym` fields      | E02xx |
 * | 4 | types   | compiler/types.c, types_*.c      | AST → AST + type on every expr      | `ty` fields       | E03xx |
 * | 5 | own     | compiler/own.c, own_protocol.c   | typed AST → move/borrow verdicts;   | `own` fields      | E04xx |
 * |   |         |                                  | reply-once and ask-cycle protocol   |                   |       |
 * | 6 | lower   | compiler/lower.c, ir.h           | typed AST → lowering tables:        | ir tables         | E05xx |
 * |   |         |                                  | reachability, type ids, C names,    | (cx->phase_data)  |       |
 * |   |         |                                  | frames, suspension points           |                   |       |
 * | 7a| emit C  | codegen/emit_c_check.c (unsupported constructs first), emit_c.c (decls,     | E06xx |
 * |   |         | messages, actors), emit_c_expr.c, emit_c_stmt.c (bodies, state machines);   |       |
 * |   |         | typed AST + ir tables → .c (docs/backend.md: why emit reads the AST);       |       |
 * |   |         | emit_c_codec.c: msgpack codecs for encode/decode/read_msg (docs/wire.md)    |       |
 * | 7b| emit PTX| codegen/emit_ptx.c (RING.md)     | typed AST (ring actors) → LLVM → PTX   | —              | E0602 |
 * |   |         |                                  | (or the --gpu=emulate x86-64 object)  |                |       |
 * | — | driver  | compiler/main.c, driver.c        | options, files, toolchain           | —                 | E09xx |
 * | — | schema  | compiler/schema.c (after types)  | typed AST → schema JSON; two        | —                 | S00xx |
 * |   |         |                                  | programs → compatibility findings   |                   |       |
 * |   |         |                                  | (docs/schema.md; a tool, not a pass)|                   |       |
 *
 * Rules: each phase has one entry point `bool <phase>_run(ac_ctx *cx)` in
 * ac.h, returning false if it reported an error; the driver stops between
 * phases when diag_error_count(cx) > 0, never inside one.  A phase never
 * calls back into an earlier one.  `--dump-after=<name>` prints the AST with
 * the annotations of that phase; `--stop-after=<name>` stops there.
 *
 * Adding a phase: add it to the enum and the name table below, to this
 * catalogue, to the driver's pass loop (main.c / ac_check_*), to ast_dump if it
 * writes annotations, and give it a tests/diag/<phase>/ folder and a code range.
 */
#ifndef AC_PASSES_H
#define AC_PASSES_H

typedef enum {
  PASS_LEX,
  PASS_PARSE,
  PASS_RESOLVE,
  PASS_TYPES,
  PASS_OWN,
  PASS_LOWER,
  PASS_EMIT,
  PASS__COUNT
} ac_pass;

/* Names accepted by --dump-after / --stop-after, indexed by ac_pass. */
#define AC_PASS_NAMES { "lex", "parse", "resolve", "types", "own", "lower", "emit" }

#endif
