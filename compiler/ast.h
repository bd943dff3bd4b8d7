/* ast.h — the abstract syntax tree every phase shares.
 *
 * Built by the parser (parse phase) through the ast_new_* builders in ast.c;
 * later phases only annotate (they never re-parse or restructure):
 *   resolve  fills  `sym`            on EXPR_NAME / EXPR_TYPE_NAME / TE_NAME /
 *                                    PAT_BIND / STMT_LET / STMT_FOR / handlers
 *   types    fills  `ty`             on every ast_expr, ast_tyexpr, sym, field
 *   own      fills  `own`            verdicts on moves (ast_expr.own)
 * Every node carries a span; line/column are computed only when printed.
 * All nodes live in the compilation arena (cx->perm) and are never freed
 * one at a time.
 */
#ifndef AC_AST_H
#define AC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ spans */

/* A byte range in one source file (file id from source.c). */
typedef struct span {
  uint32_t file;
  uint32_t off;
  uint32_t len;
} span;

/* An identifier as written: interned text (pointer equality) + where. */
typedef struct ast_ident {
  const char *name; /* interned; NULL when absent */
  span sp;
} ast_ident;

/* Arena-owned growable array of pointers (ast_list_push in ast.c). */
typedef struct ast_list {
  void **items;
  uint32_t len;
  uint32_t cap;
} ast_list;

#define AST_AT(list, i, T) ((T *)(list).items[(i)])

/* ------------------------------------------------------------ kinds */

typedef enum {
#define AST_DECL_KIND(k, label) k,
#include "ast.def"
  DECL_KIND__COUNT
} ast_decl_kind;

typedef enum {
#define AST_STMT_KIND(k, label) k,
#include "ast.def"
  STMT_KIND__COUNT
} ast_stmt_kind;

typedef enum {
#define AST_EXPR_KIND(k, label) k,
#include "ast.def"
  EXPR_KIND__COUNT
} ast_expr_kind;

typedef enum {
#define AST_TE_KIND(k, label) k,
#include "ast.def"
  TE_KIND__COUNT
} ast_te_kind;

typedef enum {
#define AST_PAT_KIND(k, label) k,
#include "ast.def"
  PAT_KIND__COUNT
} ast_pat_kind;

/* Operators of EXPR_UNARY / EXPR_BINARY / STMT_ASSIGN. */
typedef enum {
  OP_NONE,   /* plain `=` in STMT_ASSIGN */
  OP_NEG,    /* -x */
  OP_NOT,    /* !x */
  OP_BITNOT, /* ~x */
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
  OP_BITAND, OP_BITOR, OP_BITXOR, OP_SHL, OP_SHR,
  OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
  OP_AND, OP_OR,
  OP_COALESCE /* a ?? b */
} ast_op;

/* Mailbox overflow policies (actor ... mailbox(cap, policy)). */
typedef enum {
  MB_UNBOUNDED, /* no mailbox clause */
  MB_BLOCK,
  MB_DROP_NEWEST,
  MB_DROP_OLDEST,
  MB_FAIL
} ast_mailbox_policy;

typedef struct ast_decl ast_decl;
typedef struct ast_stmt ast_stmt;
typedef struct ast_expr ast_expr;
typedef struct ast_tyexpr ast_tyexpr;
typedef struct ast_pat ast_pat;
typedef struct type type; /* semantic type, types.h */
typedef struct sym sym;   /* resolved symbol, below */

/* ------------------------------------------------------------ symbols */

/* What a name resolves to.  Created by resolve; `ty` filled by types. */
typedef enum {
  SYM_LOCAL,      /* let/var, for variable, pattern binding, if-let */
  SYM_PARAM,      /* fn parameter, handler binding, actor spawn parameter */
  SYM_STATE,      /* actor state field (var/let inside an actor) */
  SYM_CONST,      /* top-level const */
  SYM_FN,         /* top-level fn or actor-local fn */
  SYM_BUILTIN,    /* println, len, exit, close, thread_index, ... */
  SYM_PRIM,       /* i64, str, bool ... */
  SYM_MESSAGE,
  SYM_STRUCT,
  SYM_ENUM,
  SYM_VARIANT,    /* enum member */
  SYM_ACTOR,
  SYM_SUPERVISOR
} sym_kind;

struct sym {
  sym_kind kind;
  const char *name;   /* interned */
  span sp;            /* where it was declared (for notes) */
  ast_decl *decl;     /* declaring top-level decl (type/fn/const/actor) */
  ast_stmt *let;      /* SYM_LOCAL/SYM_STATE from let/var, else NULL */
  ast_decl *owner;    /* enclosing actor for SYM_STATE and actor fns */
  bool is_mutable;    /* declared with var */
  int index;          /* field/param/variant position, builtin id, prim id */
  uint32_t id;        /* dense per-function id of locals (ownership slots) */
  type *ty;           /* filled by types */
};

/* ------------------------------------------------------------ type syntax */

struct ast_tyexpr {
  ast_te_kind kind;
  span sp;
  ast_ident name;      /* TE_NAME */
  ast_tyexpr *elem;    /* LIST OPT BUF CHAN BORROW VAL; MAP value */
  ast_tyexpr *key;     /* MAP key */
  ast_list items;      /* TUPLE: ast_tyexpr* */
  sym *sym;            /* TE_NAME, resolve */
  type *ty;            /* types */
};

/* ------------------------------------------------------------ patterns */

struct ast_pat {
  ast_pat_kind kind;
  span sp;
  ast_ident name;      /* BIND: variable; CTOR: some/ok/failed/timeout;
                          VARIANT: variant name */
  ast_ident qual;      /* VARIANT: optional enum name (Color in Color.Red) */
  ast_pat *sub;        /* CTOR: payload pattern or NULL */
  ast_expr *lit;       /* LIT */
  sym *sym;            /* BIND: the new local; VARIANT: the variant */
  type *ty;            /* types: type of the value matched */
};

/* ------------------------------------------------------------ expressions */

/* One piece of a string literal: decoded text, or an interpolated expr. */
typedef struct ast_str_part {
  const char *text;    /* decoded (escapes applied); NULL when expr */
  size_t len;
  ast_expr *expr;      /* {expr} */
} ast_str_part;

/* `name: value` in a record literal, supervisor option or ring launch param. */
typedef struct ast_field_init {
  ast_ident name;
  ast_expr *value;
  int index;           /* types: field position in the record */
} ast_field_init;

/* `key: value` in a map literal. */
typedef struct ast_map_entry {
  ast_expr *key;
  ast_expr *value;
} ast_map_entry;

/* One arm of `match`: pattern [if guard] => body.  Body is an expression
   or a block statement (exactly one of the two is non-NULL). */
typedef struct ast_match_arm {
  span sp;
  ast_pat *pat;
  ast_expr *guard;
  ast_expr *expr;
  ast_stmt *block;
} ast_match_arm;

/* Ownership verdict on an expression that names a place (own phase). */
typedef enum {
  OWN_NONE,     /* not analysed / not a place */
  OWN_COPY,     /* value type: copied */
  OWN_MOVE,     /* ownership transferred here */
  OWN_BORROW,   /* lent for a call */
  OWN_SHARED    /* frozen (val) value: shared by reference */
} ast_own;

struct ast_expr {
  ast_expr_kind kind;
  span sp;
  type *ty;                 /* types: the expression's type (TY_ERROR on failure) */
  ast_own own;              /* own */
  union {
    struct { uint64_t value; bool overflow; } int_;      /* EXPR_INT */
    struct { double value; } float_;                      /* EXPR_FLOAT */
    struct { ast_list parts; } str;                       /* EXPR_STR: ast_str_part* */
    struct { bool value; } bool_;                         /* EXPR_BOOL */
    struct { int64_t ns; bool overflow; } duration;       /* EXPR_DURATION */
    struct { ast_ident id; sym *sym; } name;              /* EXPR_NAME, EXPR_TYPE_NAME */
    struct { ast_expr *obj; ast_ident field;
             int tuple_index;   /* t.0 → 0; -1 for named fields */
             int index;         /* types: field position, -1 if none */
             sym *sym;          /* types: SYM_VARIANT for Color.Red, SYM_STATE for self.f */
           } field;                                        /* EXPR_FIELD */
    struct { ast_expr *obj; ast_expr *index; } index;     /* EXPR_INDEX */
    struct { ast_expr *callee; ast_list args;             /* ast_expr* */
             int builtin;       /* types: builtin/method id, -1 for user fn */
           } call;                                         /* EXPR_CALL */
    struct { ast_op op; ast_expr *operand; } unary;       /* EXPR_UNARY */
    struct { ast_op op; ast_expr *lhs; ast_expr *rhs; } binary; /* EXPR_BINARY */
    struct { ast_expr *lo; ast_expr *hi; bool inclusive; } range; /* EXPR_RANGE */
    struct { ast_expr *expr; ast_tyexpr *to; } cast;      /* EXPR_CAST */
    struct { ast_ident type_name; sym *sym;
             ast_list fields;   /* ast_field_init* */
           } record;                                       /* EXPR_RECORD */
    struct { ast_list items; } list;                      /* EXPR_LIST, EXPR_TUPLE: ast_expr* */
    struct { ast_list entries; } map;                     /* EXPR_MAP: ast_map_entry* */
    struct { ast_ident type_name; sym *sym;
             ast_list args;     /* ast_expr* */
           } spawn;                                        /* EXPR_SPAWN */
    struct { ast_expr *target; ast_expr *msg;
             ast_expr *timeout; /* NULL: wait forever */
           } ask;                                          /* EXPR_ASK */
    struct { ast_expr *chan; } recv;                      /* EXPR_RECV */
    struct { ast_tyexpr *elem; ast_expr *capacity; } chan_new; /* EXPR_CHAN_NEW (capacity NULL: rendezvous) */
    struct { ast_expr *operand; } wrap;                   /* FREEZE COPY TAKE BORROW */
    struct { ast_expr *scrutinee; ast_list arms; } match; /* EXPR_MATCH: ast_match_arm* */
  } u;
};

/* ------------------------------------------------------------ statements */

typedef enum {
  SEL_RECV,     /* [x =] <-ch => */
  SEL_SEND,     /* ch <- v => */
  SEL_AFTER,    /* after d => */
  SEL_DEFAULT   /* default => */
} ast_select_kind;

typedef struct ast_select_arm {
  ast_select_kind kind;
  span sp;
  ast_ident bind;      /* SEL_RECV: variable, name NULL when discarded */
  sym *sym;            /* resolve: the bound local */
  ast_expr *chan;      /* RECV / SEND */
  ast_expr *value;     /* SEND: value; AFTER: duration */
  ast_stmt *body;      /* block */
} ast_select_arm;

struct ast_stmt {
  ast_stmt_kind kind;
  span sp;
  union {
    struct { bool is_var; ast_ident name; ast_tyexpr *type; /* may be NULL */
             ast_expr *init; /* may be NULL for actor state with a type */
             sym *sym; } let;                              /* STMT_LET */
    struct { ast_op op; ast_expr *lhs; ast_expr *rhs; } assign; /* STMT_ASSIGN */
    struct { ast_expr *expr; } expr;                      /* STMT_EXPR */
    struct { ast_list stmts; } block;                     /* STMT_BLOCK: ast_stmt* */
    struct { ast_ident let_name; /* `if let x = e`; name NULL otherwise */
             sym *let_sym;
             ast_expr *cond; ast_stmt *then_; ast_stmt *else_; /* else_: block, if, or NULL */
           } if_;                                          /* STMT_IF */
    struct { ast_expr *cond; ast_stmt *body; } while_;    /* STMT_WHILE */
    struct { ast_ident first; ast_ident second; /* `for k, v in m`; second.name NULL otherwise */
             sym *first_sym; sym *second_sym;
             ast_expr *iter; ast_stmt *body; } for_;       /* STMT_FOR */
    struct { ast_expr *value; /* may be NULL */ } ret;    /* STMT_RETURN */
    struct { ast_expr *target; ast_expr *msg;
             ast_stmt *else_; /* run when the mailbox refuses; may be NULL */
           } send;                                         /* STMT_SEND */
    struct { ast_expr *chan; ast_expr *value; } chan_send; /* STMT_CHAN_SEND */
    struct { ast_expr *value; } reply;                    /* STMT_REPLY */
    struct { ast_list arms; } select;                     /* STMT_SELECT: ast_select_arm* */
    struct { ast_expr *message; } fail;                   /* STMT_FAIL */
  } u;
};

/* ------------------------------------------------------------ declarations */

/* A field of a message or struct: `name: T [= default];` */
typedef struct ast_field {
  span sp;
  ast_ident name;
  ast_tyexpr *type;
  ast_expr *default_; /* NULL: required */
  const char *doc;    /* `///` comment text joined, or NULL */
  sym *sym;
} ast_field;

/* A parameter: `name: T` (fn, actor spawn parameters). */
typedef struct ast_param {
  span sp;
  ast_ident name;
  ast_tyexpr *type;
  sym *sym;
} ast_param;

/* `on Msg(m) -> Reply { }`  or  `on Name(m: Msg) -> Reply { }`. */
typedef struct ast_handler {
  span sp;
  ast_ident name;      /* handler name as written after `on` */
  ast_ident binding;   /* parameter name (may be NULL name: `on Ping { }`) */
  ast_tyexpr *msg_type;/* explicit type, or NULL: the message type is `name` */
  ast_tyexpr *reply;   /* NULL: no reply */
  ast_stmt *body;      /* block */
  sym *binding_sym;    /* resolve */
  sym *msg_sym;        /* resolve: the SYM_MESSAGE handled */
} ast_handler;

/* A supervised child: `child name = Type(args);` */
typedef struct ast_child {
  span sp;
  ast_ident name;      /* may be NULL name */
  ast_ident type_name;
  ast_list args;       /* ast_expr* */
  sym *sym;            /* resolve: SYM_ACTOR */
} ast_child;

typedef struct ast_import {
  bool is_std;          /* import std.pubsub; */
  ast_list path;        /* is_std: ast_ident* segments */
  const char *file;     /* relative: the string as written */
  uint32_t module;      /* parse: index into ac_program.modules */
} ast_import;

struct ast_decl {
  ast_decl_kind kind;
  span sp;
  ast_ident name;       /* all but IMPORT */
  const char *doc;      /* `///` comment, or NULL */
  uint32_t module;      /* index of the module that declares it */
  sym *sym;             /* resolve: the symbol this decl defines */
  union {
    ast_import import;                                     /* DECL_IMPORT */
    struct { ast_tyexpr *type; ast_expr *value; } const_;  /* DECL_CONST */
    struct { ast_list fields; } record;                    /* MESSAGE, STRUCT: ast_field* */
    struct { ast_list variants; } enum_;                   /* ENUM: ast_ident* */
    struct {
      bool is_ring;
      ast_list params;        /* ast_param*: spawn parameters (CPU actors) */
      ast_list launch;        /* ast_field_init*: ring launch params (threads: 256, blocks: 1) */
      ast_expr *mailbox_cap;  /* NULL: unbounded */
      ast_mailbox_policy mailbox_policy;
      span mailbox_sp;
      ast_list state;         /* ast_stmt* (STMT_LET) */
      ast_list handlers;      /* ast_handler* */
      ast_list fns;           /* ast_decl* (DECL_FN), actor-local helpers */
      ast_stmt *run;          /* run { } block, or NULL */
      ast_stmt *on_stop;      /* on stop { } block, or NULL */
    } actor;                                               /* DECL_ACTOR */
    struct {
      ast_list options;       /* ast_field_init*: strategy, intensity, period */
      ast_list children;      /* ast_child* */
    } sup;                                                 /* DECL_SUPERVISOR */
    struct {
      ast_list params;        /* ast_param* */
      ast_tyexpr *ret;        /* NULL: unit */
      ast_stmt *body;         /* block */
    } fn;                                                  /* DECL_FN */
  } u;
};

/* ------------------------------------------------------------ program */

/* One parsed source file. */
typedef struct ast_module {
  const char *path;     /* as opened */
  const char *name;     /* std module name ("pubsub") or file stem */
  uint32_t file;        /* source file id */
  bool is_std;
  ast_list decls;       /* ast_decl* in source order */
} ast_module;

/* The whole program: the root module and everything it imports. */
typedef struct ast_program {
  ast_list modules;     /* ast_module*; index 0 is the root */
} ast_program;

#endif
