/* types.h — semantic types, built and interned by the types phase (types.c).
 *
 * Types are hash-consed: two equal types are the same pointer, so type
 * equality is `a == b`.  TY_ERROR marks a construct that failed to check;
 * every check that meets it stays silent (no cascades, STYLE.md B5).
 */
#ifndef AC_TYPES_H
#define AC_TYPES_H

#include "ast.h"

typedef enum {
  TY_ERROR,
  TY_UNIT,      /* no value (statements, fns without -> T) */
  TY_BOOL,
  TY_I8, TY_I16, TY_I32, TY_I64,
  TY_U8, TY_U16, TY_U32, TY_U64,
  TY_F32, TY_F64,
  TY_STR, TY_BYTES, TY_UUID, TY_TIME, TY_DURATION,
  TY_NIL,       /* the type of the literal `nil` before context gives it T? */
  TY_LIST,      /* [elem] */
  TY_MAP,       /* {key: elem} */
  TY_TUPLE,     /* (items...) */
  TY_OPT,       /* elem? */
  TY_BUF,       /* buf<elem> */
  TY_CHAN,      /* chan<elem> */
  TY_BORROW,    /* &elem: a loan for the duration of a call */
  TY_VAL,       /* val elem: frozen, shared immutable */
  TY_RANGE,     /* a..b over an integer elem */
  TY_MESSAGE,   /* decl: the DECL_MESSAGE */
  TY_STRUCT,    /* decl: the DECL_STRUCT */
  TY_ENUM,      /* decl: the DECL_ENUM */
  TY_ACTOR,     /* decl: the DECL_ACTOR (a typed actor reference) */
  TY_SUPERVISOR,/* decl: the DECL_SUPERVISOR */
  TY_ASK,       /* result of `ask`: elem = reply type; matched by ok/timeout/failed */
  TY_FN,        /* a function value (only as callee) */
  TY__COUNT
} type_kind;

struct type {
  type_kind kind;
  type *elem;          /* LIST MAP(value) OPT BUF CHAN BORROW VAL RANGE ASK */
  type *key;           /* MAP */
  type **items;        /* TUPLE items, FN params */
  uint32_t nitems;
  type *ret;           /* FN */
  ast_decl *decl;      /* MESSAGE STRUCT ENUM ACTOR SUPERVISOR */
  uint32_t id;         /* dense id, stable within one compilation */
};

#endif
