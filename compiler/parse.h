/* parse.h — the front end's private interface (lex + parse phases only).
 *
 * Shared by grammar/lexer.re ↔ compiler/lex.c (the raw scanner), and by
 * grammar/parser.y ↔ compiler/parse.c ↔ compiler/ast.c (parse context and
 * the ast_new_* builders every grammar action calls).  Later phases never
 * include this header: they see only ac.h / ast.h.
 */
#ifndef AC_PARSE_H
#define AC_PARSE_H

#include "ac.h"

/* ---------------------------------------------------------- infrastructure */

/* Release the intern table (ac_ctx_free only). */
void intern_free(struct intern_table *t);
/* Name the phase that AC_ICE reports (driver, between phases). */
void diag_set_phase(int pass);

/* ---------------------------------------------------------- raw scanner */

/* Pseudo-codes returned by lexer_scan besides the TK_* codes (0 = end). */
enum {
  LEX_SKIP = -1,          /* whitespace or comment */
  LEX_DOC = -2,           /* `///` doc comment line */
  LEX_NUL = -3,           /* a NUL byte inside the file (E0003) */
  LEX_UNTERM_COMMENT = -4,/* end of file inside a block comment */
  LEX_BADSTR = -5,        /* string not closed properly */
  LEX_BADNUM = -6,        /* numeric literal with a bad suffix */
  LEX_BADCHAR = -7        /* unexpected character (reported, then TK_ILLEGAL) */
};

/* Scanner conditions kept between calls (block / line comments). */
enum { LEXC_INIT, LEXC_BLOCK, LEXC_LINE };

/* Scan one token starting at `s` (the buffer ends with a NUL sentinel at
 * `lim`).  Sets *out_end past the token and returns its code.  `cond` is the
 * scanner condition, preserved across calls (generated: build/gen/lexer.c). */
int lexer_scan(const unsigned char *s, const unsigned char *lim,
               const unsigned char **out_end, int *cond);

/* ---------------------------------------------------------- parse context */

typedef struct parse_bracket {
  int code;  /* TK_LPAREN / TK_LBRACKET / TK_LBRACE */
  span sp;
} parse_bracket;

#define PARSE_MAX_BRACKETS 512

typedef struct parse_ctx {
  ac_ctx *cx;
  uint32_t file;
  ast_module *mod;          /* decls are appended here */
  uint32_t module_index;    /* index of mod in cx->prog->modules */
  ast_expr *hole;           /* result of an `EXPR_START expr` parse */
  bool overflow;            /* %stack_overflow hit: stop feeding tokens */
  bool in_hole;             /* parsing a `{...}` string interpolation */
  int quiet;                /* tokens left during which syntax errors are
                               not reported (just after a lexical error) */
  lex_token last;           /* last token fed (for end-of-file positions) */
  parse_bracket brackets[PARSE_MAX_BRACKETS];
  uint32_t nbrackets;       /* may exceed PARSE_MAX_BRACKETS (not stored) */
} parse_ctx;

/* Lemon entry points (%name parse_lemon). */
void *parse_lemonAlloc(void *(*alloc)(size_t), parse_ctx *pc);
void parse_lemon(void *p, int code, lex_token tok);
void parse_lemonFree(void *p, void (*dealloc)(void *));

/* parse.c: called from %syntax_error / %stack_overflow. */
void parse_syntax_error(parse_ctx *pc, int code, const lex_token *tok,
                        const int *expected, int nexpected);
void parse_stack_overflow(parse_ctx *pc);
void parse_add_decl(parse_ctx *pc, ast_decl *d);
void parse_set_hole(parse_ctx *pc, ast_expr *e);
/* Parse one already-registered source file as the root module, plus its
 * imports (the body of parse_run; ac_check_buffer uses it directly). */
bool parse_run_file(ac_ctx *cx, uint32_t file);
/* Split a TK_STR token into text parts and parsed {holes}. */
ast_list parse_string_parts(parse_ctx *pc, const lex_token *tok);
/* Text of a token as written (arena copy). */
const char *parse_token_text(parse_ctx *pc, const lex_token *tok);
/* A keyword token used as a plain word (import path segments): a TK_ID
 * copy whose text is the interned spelling. */
lex_token parse_word_token(parse_ctx *pc, const lex_token *tok);

/* ---------------------------------------------------------- builders (ast.c) */

static inline ast_list ast_list_empty(void) {
  ast_list l = {0};
  return l;
}
void ast_push(parse_ctx *pc, ast_list *l, void *item);
void ast_push_ident(parse_ctx *pc, ast_list *l, const lex_token *tok);
ast_list ast_list_one(parse_ctx *pc, void *item);
ast_list ast_list_ident(parse_ctx *pc, const lex_token *tok);

/* declarations */
ast_decl *ast_new_import_std(parse_ctx *pc, const lex_token *kw, ast_list path,
                             const lex_token *semi);
ast_decl *ast_new_import_file(parse_ctx *pc, const lex_token *kw,
                              const lex_token *str, const lex_token *semi);
ast_decl *ast_new_const(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                        ast_tyexpr *ty, ast_expr *value, const lex_token *semi);
ast_decl *ast_new_record_decl(parse_ctx *pc, const lex_token *kw,
                              const lex_token *name, ast_list fields,
                              ast_field *last, const lex_token *rbrace);
ast_field *ast_new_field(parse_ctx *pc, const lex_token *name, ast_tyexpr *ty,
                         ast_expr *def);
ast_decl *ast_new_enum(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                       ast_list variants, const lex_token *rbrace);
ast_decl *ast_new_fn(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                     ast_list params, ast_tyexpr *ret, ast_stmt *body);
ast_param *ast_new_param(parse_ctx *pc, const lex_token *name, ast_tyexpr *ty);
ast_field_init *ast_new_field_init(parse_ctx *pc, const lex_token *name,
                                   ast_expr *value);

/* actors */
ast_decl *ast_new_actor(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                        ast_list params);
ast_decl *ast_new_ring_actor(parse_ctx *pc, const lex_token *kw,
                             const lex_token *name, ast_list launch);
void ast_actor_set_mailbox(parse_ctx *pc, ast_decl *a, const lex_token *kw,
                           ast_expr *cap, const lex_token *policy,
                           const lex_token *rparen);
void ast_actor_add_state(parse_ctx *pc, ast_decl *a, ast_stmt *let);
void ast_actor_add_handler(parse_ctx *pc, ast_decl *a, ast_handler *h);
void ast_actor_add_fn(parse_ctx *pc, ast_decl *a, ast_decl *fn);
void ast_actor_add_run(parse_ctx *pc, ast_decl *a, const lex_token *name,
                       ast_stmt *body);
void ast_actor_add_stop(parse_ctx *pc, ast_decl *a, const lex_token *on,
                        const lex_token *name, ast_stmt *body);
ast_decl *ast_actor_finish(parse_ctx *pc, ast_decl *a, const lex_token *rbrace);
ast_handler *ast_new_handler(parse_ctx *pc, const lex_token *on,
                             const lex_token *name, const lex_token *binding,
                             ast_tyexpr *msg_type, ast_tyexpr *reply,
                             ast_stmt *body);
ast_decl *ast_new_supervisor(parse_ctx *pc, const lex_token *kw,
                             const lex_token *name, ast_list options);
void ast_sup_add_child(parse_ctx *pc, ast_decl *s, const lex_token *kw,
                       const lex_token *name, const lex_token *type_name,
                       ast_list args, const lex_token *semi);

/* statements */
ast_stmt *ast_new_block(parse_ctx *pc, const lex_token *lb, ast_list stmts,
                        const lex_token *rb);
ast_stmt *ast_new_let(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                      ast_tyexpr *ty, ast_expr *init, const lex_token *semi);
ast_stmt *ast_new_assign(parse_ctx *pc, ast_expr *lhs, const lex_token *op,
                         ast_expr *rhs, const lex_token *semi);
ast_stmt *ast_new_expr_stmt(parse_ctx *pc, ast_expr *e, const lex_token *semi);
ast_stmt *ast_new_if(parse_ctx *pc, const lex_token *kw, const lex_token *let_name,
                     ast_expr *cond, ast_stmt *then_, ast_stmt *else_);
ast_stmt *ast_new_while(parse_ctx *pc, const lex_token *kw, ast_expr *cond,
                        ast_stmt *body);
ast_stmt *ast_new_for(parse_ctx *pc, const lex_token *kw, const lex_token *first,
                      const lex_token *second, ast_expr *iter, ast_stmt *body);
ast_stmt *ast_new_jump(parse_ctx *pc, const lex_token *kw, const lex_token *semi);
ast_stmt *ast_new_return(parse_ctx *pc, const lex_token *kw, ast_expr *value,
                         const lex_token *semi);
ast_stmt *ast_new_send(parse_ctx *pc, const lex_token *kw, ast_expr *target,
                       ast_expr *msg, ast_stmt *else_, const lex_token *semi);
ast_stmt *ast_new_chan_send(parse_ctx *pc, ast_expr *chan, ast_expr *value,
                            const lex_token *semi);
ast_stmt *ast_new_reply(parse_ctx *pc, const lex_token *kw, ast_expr *value,
                        const lex_token *semi);
ast_stmt *ast_new_fail(parse_ctx *pc, const lex_token *kw, ast_expr *msg,
                       const lex_token *semi);
ast_stmt *ast_new_select(parse_ctx *pc, const lex_token *kw, ast_list arms,
                         const lex_token *rb);
ast_select_arm *ast_new_sel_recv(parse_ctx *pc, const lex_token *bind,
                                 const lex_token *arrow, ast_expr *chan,
                                 ast_stmt *body);
ast_select_arm *ast_new_sel_send(parse_ctx *pc, ast_expr *chan, ast_expr *value,
                                 ast_stmt *body);
ast_select_arm *ast_new_sel_after(parse_ctx *pc, const lex_token *kw,
                                  ast_expr *d, ast_stmt *body);
ast_select_arm *ast_new_sel_default(parse_ctx *pc, const lex_token *kw,
                                    ast_stmt *body);

/* expressions */
ast_expr *ast_new_int(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_float(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_duration(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_str(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_bool(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_nil(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_self(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_name(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_type_name(parse_ctx *pc, const lex_token *t);
ast_expr *ast_new_paren(parse_ctx *pc, const lex_token *lp, ast_expr *e,
                        const lex_token *rp);
ast_expr *ast_new_tuple(parse_ctx *pc, const lex_token *lp, ast_expr *first,
                        ast_list rest, const lex_token *rp);
ast_expr *ast_new_list(parse_ctx *pc, const lex_token *lb, ast_list items,
                       const lex_token *rb);
ast_expr *ast_new_map(parse_ctx *pc, const lex_token *lb, ast_list entries,
                      const lex_token *rb);
ast_map_entry *ast_new_map_entry(parse_ctx *pc, ast_expr *k, ast_expr *v);
ast_expr *ast_new_record(parse_ctx *pc, const lex_token *name, ast_list fields,
                         const lex_token *rb);
ast_expr *ast_new_spawn(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                        ast_list args, const lex_token *end);
ast_expr *ast_new_chan_new(parse_ctx *pc, const lex_token *kw, ast_tyexpr *elem,
                           ast_expr *cap, const lex_token *rp);
ast_expr *ast_new_wrap(parse_ctx *pc, const lex_token *kw, ast_expr *operand,
                       const lex_token *rp);
ast_expr *ast_new_unary(parse_ctx *pc, const lex_token *op, ast_expr *operand);
ast_expr *ast_new_binary(parse_ctx *pc, ast_expr *lhs, const lex_token *op,
                         ast_expr *rhs);
ast_expr *ast_new_range(parse_ctx *pc, ast_expr *lo, const lex_token *op,
                        ast_expr *hi);
ast_expr *ast_new_cast(parse_ctx *pc, ast_expr *e, ast_tyexpr *to);
ast_expr *ast_new_field_expr(parse_ctx *pc, ast_expr *obj, const lex_token *name);
ast_expr *ast_new_tuple_field(parse_ctx *pc, ast_expr *obj, const lex_token *num);
ast_expr *ast_new_index(parse_ctx *pc, ast_expr *obj, ast_expr *index,
                        const lex_token *rb);
ast_expr *ast_new_call(parse_ctx *pc, ast_expr *callee, ast_list args,
                       const lex_token *rp);
ast_expr *ast_new_ask(parse_ctx *pc, const lex_token *kw, ast_expr *target,
                      ast_expr *msg, ast_expr *timeout);
ast_expr *ast_new_match(parse_ctx *pc, const lex_token *kw, ast_expr *scrutinee,
                        ast_list arms, ast_match_arm *last, const lex_token *rb);
/* A statement arm `pat => stmt` (no `;`): the arm of `pat => { stmt; }`. */
ast_match_arm *ast_new_stmt_arm(parse_ctx *pc, ast_pat *pat, ast_expr *guard,
                                ast_stmt *stmt);
/* A token spanning e (the end of a statement written without `;`). */
const lex_token *ast_end_of(const ast_expr *e);
ast_match_arm *ast_new_arm(parse_ctx *pc, ast_pat *pat, ast_expr *guard,
                           ast_expr *expr, ast_stmt *block);

/* types */
ast_tyexpr *ast_new_te_name(parse_ctx *pc, const lex_token *t);
ast_tyexpr *ast_new_te_wrap(parse_ctx *pc, ast_te_kind kind, const lex_token *start,
                            ast_tyexpr *elem, const lex_token *end);
ast_tyexpr *ast_new_te_generic(parse_ctx *pc, const lex_token *name,
                               ast_tyexpr *elem, const lex_token *end);
ast_tyexpr *ast_new_te_map(parse_ctx *pc, const lex_token *lb, ast_tyexpr *key,
                           ast_tyexpr *val, const lex_token *rb);
ast_tyexpr *ast_new_te_tuple(parse_ctx *pc, const lex_token *lp, ast_tyexpr *first,
                             ast_list rest, const lex_token *rp);
ast_tyexpr *ast_new_te_opt(parse_ctx *pc, ast_tyexpr *elem, const lex_token *q);

/* patterns */
ast_pat *ast_new_pat_name(parse_ctx *pc, const lex_token *t);
ast_pat *ast_new_pat_ctor(parse_ctx *pc, const lex_token *name, ast_pat *sub,
                          const lex_token *rp);
ast_pat *ast_new_pat_variant(parse_ctx *pc, const lex_token *qual,
                             const lex_token *name);
ast_pat *ast_new_pat_nil(parse_ctx *pc, const lex_token *t);
ast_pat *ast_new_pat_lit(parse_ctx *pc, ast_expr *lit);

#endif
