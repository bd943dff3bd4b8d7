/* ring_layout.c — ring-kernel payload layout (runtime/RING.md section 4). */
#include "ring_layout.h"

#include "ast.h"
#include "types.h"

uint32_t ring_layout_nfields(const type *t) {
  if (!t)
    return 0;
  if (t->kind == TY_TUPLE)
    return t->nitems;
  if ((t->kind == TY_MESSAGE || t->kind == TY_STRUCT) && t->decl)
    return t->decl->u.record.fields.len;
  return 0;
}

type *ring_layout_field_type(const type *t, uint32_t i) {
  if (!t || i >= ring_layout_nfields(t))
    return NULL;
  if (t->kind == TY_TUPLE)
    return t->items[i];
  const ast_field *f = AST_AT(t->decl->u.record.fields, i, ast_field);
  return f && f->type ? f->type->ty : NULL;
}

static uint32_t align_up(uint32_t n, uint32_t a) {
  return (n + a - 1) / a * a;
}

static ring_lay lay_rec(const type *t, uint32_t upto, uint32_t *off_out,
                        int depth);

static ring_lay lay(const type *t, int depth) {
  ring_lay r = {0, 1};
  if (!t || depth > 32)
    return r;
  switch (t->kind) {
  case TY_BOOL:
  case TY_I8:
  case TY_U8: return (ring_lay){1, 1};
  case TY_I16:
  case TY_U16: return (ring_lay){2, 2};
  case TY_I32:
  case TY_U32:
  case TY_F32:
  case TY_ENUM: return (ring_lay){4, 4};
  case TY_I64:
  case TY_U64:
  case TY_F64:
  case TY_DURATION:
  case TY_TIME: return (ring_lay){8, 8};
  case TY_UUID:
  case TY_BUF: return (ring_lay){16, 8};
  case TY_OPT: {
    ring_lay v = lay(t->elem, depth + 1);
    if (!v.size)
      return r;
    return (ring_lay){align_up(align_up(1, v.align) + v.size, v.align),
                      v.align};
  }
  case TY_TUPLE:
  case TY_MESSAGE:
  case TY_STRUCT: return lay_rec(t, UINT32_MAX, NULL, depth);
  default: return r;
  }
}

/* Lays out fields [0, n) of a record; *off_out gets the offset of field
 * `upto` when it is < n. */
static ring_lay lay_rec(const type *t, uint32_t upto, uint32_t *off_out,
                        int depth) {
  uint32_t n = ring_layout_nfields(t), off = 0, al = 1;
  for (uint32_t i = 0; i < n; i++) {
    ring_lay f = lay(ring_layout_field_type(t, i), depth + 1);
    off = align_up(off, f.align);
    if (i == upto && off_out)
      *off_out = off;
    off += f.size;
    if (f.align > al)
      al = f.align;
  }
  return (ring_lay){align_up(off, al), al};
}

ring_lay ring_layout_of(const type *t) { return lay(t, 0); }

uint32_t ring_layout_offset(const type *t, uint32_t index) {
  if (!t)
    return 0;
  if (t->kind == TY_OPT)
    return align_up(1, lay(t->elem, 0).align);
  uint32_t off = 0;
  lay_rec(t, index, &off, 0);
  return off;
}

uint32_t ring_layout_payload(const type *msg) {
  return align_up(lay(msg, 0).size, 16);
}
