/* test_types.c — the types phase's public surface (ac.h "types.c"):
 * hash-consing, types_name, types_is_owned, types_is_gpu_sendable, as own.c
 * and the back ends rely on them.  Builds one small program in memory and
 * reads the types the checker attached to fields and locals.
 */
#include <stdio.h>
#include <string.h>

#include "ac.h"
#include "check.h"

static const char program[] =
    "enum Color { Red, Green }\n"
    "struct P { x: f64; y: f64 = 0.0; }\n"
    "message Work { data: [f64]; name: str; }\n"
    "message Resp { r: f64; }\n"
    "message Gpu { n: i64; x: buf<f32>; v: (i32, f64); o: i64?; c: Color; }\n"
    "message Bad { n: i64; s: str; }\n"
    "message Nested { g: Gpu; }\n"
    "message NestedBad { n: i64; b: Bad; }\n"
    "message Holder { gpu: Gpu; bad: Bad; nested: Nested; nbad: NestedBad;\n"
    "                 work: Work; p: P; xs: [f64]; ch: chan<i64>;\n"
    "                 t: (i64, [str]); bufs: buf<Bad>; }\n"
    "actor A { on Work(w) -> Resp { reply Resp { r: 1.0 }; } }\n"
    "fn main() {\n"
    "    let a = spawn A;\n"
    "    let r = ask a, Work { data: [], name: \"\" } timeout 1s;\n"
    "    let m: {str: i64} = [:];\n"
    "    let o: Resp? = nil;\n"
    "    let f = freeze([1]);\n"
    "}\n";

static ac_ctx *cx;
static bool checked;

static ast_decl *decl_named(const char *name) {
  ast_module *m = AST_AT(cx->prog->modules, 0, ast_module);
  for (uint32_t i = 0; i < m->decls.len; i++) {
    ast_decl *d = AST_AT(m->decls, i, ast_decl);
    if (d->name.name && !strcmp(d->name.name, name))
      return d;
  }
  return NULL;
}

/* Type of field `f` of the Holder message. */
static type *holder(const char *f) {
  ast_decl *d = decl_named("Holder");
  for (uint32_t i = 0; d && i < d->u.record.fields.len; i++) {
    ast_field *fl = AST_AT(d->u.record.fields, i, ast_field);
    if (!strcmp(fl->name.name, f))
      return fl->type->ty;
  }
  return NULL;
}

/* Type of local `name` declared by a `let` in main. */
static type *local(const char *name) {
  ast_decl *d = decl_named("main");
  ast_list *l = &d->u.fn.body->u.block.stmts;
  for (uint32_t i = 0; i < l->len; i++) {
    ast_stmt *s = AST_AT(*l, i, ast_stmt);
    if (s->kind == STMT_LET && !strcmp(s->u.let.name.name, name))
      return s->u.let.sym ? s->u.let.sym->ty : NULL;
  }
  return NULL;
}

static void test_checks_cleanly(void) {
  CHECK(checked);
}

static void test_names(void) {
  REQUIRE(checked);
  CHECK(!strcmp(types_name(cx, holder("xs")), "[f64]"));
  CHECK(!strcmp(types_name(cx, local("m")), "{str: i64}"));
  CHECK(!strcmp(types_name(cx, local("o")), "Resp?"));
  CHECK(!strcmp(types_name(cx, local("r")), "ask<Resp>"));
  CHECK(!strcmp(types_name(cx, local("a")), "A"));
  CHECK(!strcmp(types_name(cx, local("f")), "val [i64]"));
  CHECK(!strcmp(types_name(cx, holder("ch")), "chan<i64>"));
  CHECK(!strcmp(types_name(cx, holder("t")), "(i64, [str])"));
  CHECK(!strcmp(types_name(cx, NULL), "{error}"));
}

static void test_hash_consing(void) {
  REQUIRE(checked);
  ast_decl *w = decl_named("Work");
  type *data = AST_AT(w->u.record.fields, 0, ast_field)->type->ty;
  CHECK(data == holder("xs")); /* two `[f64]` are one pointer */
  CHECK(data->elem->kind == TY_F64);
  CHECK(holder("work")->decl == w);
}

static void test_owned(void) {
  REQUIRE(checked);
  CHECK(types_is_owned(holder("xs")));
  CHECK(types_is_owned(holder("work"))); /* message with a list */
  CHECK(types_is_owned(holder("t")));    /* tuple with a list */
  CHECK(!types_is_owned(holder("p")));   /* struct of scalars */
  CHECK(!types_is_owned(holder("bad"))); /* str is a value */
  CHECK(!types_is_owned(holder("ch")));
  CHECK(!types_is_owned(local("a"))); /* actor reference */
  CHECK(!types_is_owned(local("f"))); /* frozen: shared */
  CHECK(!types_is_owned(NULL));
}

static void test_gpu_sendable(void) {
  REQUIRE(checked);
  const ast_field *bad = (const ast_field *)1;
  CHECK(types_is_gpu_sendable(holder("gpu"), &bad));
  CHECK(bad == NULL);
  CHECK(types_is_gpu_sendable(holder("nested"), &bad));
  CHECK(!types_is_gpu_sendable(holder("bad"), &bad));
  CHECK(bad && !strcmp(bad->name.name, "s"));
  CHECK(!types_is_gpu_sendable(holder("nbad"), &bad));
  CHECK(bad && !strcmp(bad->name.name, "b")); /* the outermost field */
  CHECK(!types_is_gpu_sendable(holder("work"), &bad));
  CHECK(bad && !strcmp(bad->name.name, "data"));
  CHECK(!types_is_gpu_sendable(holder("bufs"), NULL)); /* buf of a record */
  CHECK(types_is_gpu_sendable(holder("p"), NULL));
}

int main(void) {
  cx = ac_ctx_new(NULL);
  cx->diag_out = stderr;
  checked =
      ac_check_buffer(cx, "test_types.actor", program, sizeof program - 1);
  RUN(test_checks_cleanly);
  RUN(test_names);
  RUN(test_hash_consing);
  RUN(test_owned);
  RUN(test_gpu_sendable);
  ac_ctx_free(cx);
  return check_report();
}
