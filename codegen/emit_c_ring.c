/* emit_c_ring.c — the C side of a ring actor (runtime/RING.md):
 *   - the CPU fallback: each message runs the handler once per (block,
 *     thread), block-major, the leader (0, 0) last; the others run on a
 *     shared copy of the message (its bufs retained) and their replies are
 *     dropped, so `take(m.y)` in the leader's reply still finds y; the
 *     request's payload waits in a holder the actor owns meanwhile, so a
 *     fault in a non-leader thread leaks nothing;
 *   - the bridge functions of ar_ring_desc: pack a message into an in
 *     slot, unpack a reply from an out slot (mapping buf device addresses
 *     back to the request's ar_bufs), and the descriptor itself, with the
 *     PTX the driver handed over (emit_c_opts.ptx).
 * Offsets come from codegen/ring_layout.c, the same function the PTX
 * emitter uses, and the launch geometry from emit_ptx_ring_geometry.
 */
#include <string.h>

#include "emit_c.h"
#include "emit_ptx.h"
#include "ring_layout.h"

/* The message type a ring handler receives. */
static type *handler_msg_type(ast_handler *h) {
  if (h->msg_type && h->msg_type->ty)
    return h->msg_type->ty;
  if (h->binding_sym && h->binding_sym->ty)
    return h->binding_sym->ty;
  return h->msg_sym ? h->msg_sym->ty : NULL;
}

static const char *msg_name(type *t) { return t->decl->name.name; }

/* ------------------------------------------------------------ fallback */

void ec_ring_fields(ec *E, ast_decl *d, FILE *ty) {
  (void)E;
  if (!d || !d->u.actor.is_ring)
    return;
  fprintf(ty, "  int64_t ag_tid, ag_bid; /* thread_index(), block_index() */\n"
              "  bool ag_lead;           /* thread 0 of block 0: replies */\n"
              "  ar_msg *ag_ring_copy;   /* a non-leader's message copy */\n"
              "  ar_msg *ag_ring_hold;   /* the request's payload meanwhile */\n");
}

/* `reply` inside a ring handler: only the leader's reply is sent. */
bool ec_ring_reply(ec *E, const char *value) {
  ir_body *b = E->body;
  if (!b || b->kind != IR_HANDLER || !b->actor || !b->actor->decl ||
      !b->actor->decl->u.actor.is_ring)
    return false;
  ec_line(E, "{ ar_msg *ag_r = %s;", value);
  ec_line(E, "  if (self->ag_lead) (void)ar_reply(F->ag_req, ag_r);");
  ec_line(E, "  else ag_msg_drop(ag_r); }");
  return true;
}

/* The dispatch case of handler h of ring actor a. */
const char *ec_ring_dispatch(ec *E, ir_actor *a, ir_body *b) {
  return ec_printf(E, "%s__ring_%s", a->cname, b->handler->msg_sym->name);
}

/* dispatch-side stop hook: after a fault in a non-leader thread, its copy
 * and the held request payload are still owned here (the runtime frees
 * only the faulting message's storage) */
void ec_ring_on_stop(ec *E, ast_decl *d, FILE *cd) {
  (void)E;
  if (!d || !d->u.actor.is_ring)
    return;
  fprintf(cd, "  if (self->ag_ring_copy) {\n    ag_msg_drop(self->ag_ring_copy);\n"
              "    self->ag_ring_copy = NULL;\n  }\n"
              "  if (self->ag_ring_hold) {\n    ag_msg_drop(self->ag_ring_hold);\n"
              "    self->ag_ring_hold = NULL;\n  }\n");
}

static void ring_loops(ec *E, ir_actor *a, const ring_geometry *g) {
  FILE *pr = E->protos.f, *cd = E->code.f;
  for (uint32_t i = 0; i < a->bodies.len; i++) {
    ir_body *b = a->bodies.items[i];
    if (b->kind != IR_HANDLER || !b->handler->msg_sym)
      continue;
    ast_handler *h = b->handler;
    type *mt = handler_msg_type(h);
    const char *fn = ec_ring_dispatch(E, a, b);
    const char *mn = msg_name(mt);
    fprintf(pr, "static void %s(%s *self, ar_msg *m);\n", fn, a->cname);
    fprintf(cd, "/* ring handler %s of %s: %u block(s) x %u thread(s) */\n"
                "static void %s(%s *self, ar_msg *m) {\n"
                "  /* the payload waits in a holder the actor owns, so that a\n"
                "     fault in a non-leader thread loses nothing */\n"
                "  ar_msg *h = ar_msg_alloc(AG_MSG_%s, sizeof(ag_msg_%s));\n"
                "  *AG_P_%s(h) = *AG_P_%s(m);\n"
                "  memset(AG_P_%s(m), 0, sizeof(ag_msg_%s));\n"
                "  self->ag_ring_hold = h;\n"
                "  for (int64_t b = 0; b < %u; b++)\n"
                "    for (int64_t t = 0; t < %u; t++) {\n"
                "      if (b == 0 && t == 0) continue;\n"
                "      ar_msg *c = ar_msg_alloc(AG_MSG_%s, sizeof(ag_msg_%s));\n"
                "      *AG_P_%s(c) = *AG_P_%s(h);\n",
            mn, a->name, g->blocks, g->threads, fn, a->cname, mn, mn, mn, mn,
            mn, mn, g->blocks, g->threads, mn, mn, mn, mn);
    if (h->binding_sym) {
      /* the copy owns a count of every buf; the handler drops it */
      for (uint32_t k = 0; k < ring_layout_nfields(mt); k++) {
        type *ft = ring_layout_field_type(mt, k);
        ast_field *f = AST_AT(mt->decl->u.record.fields, k, ast_field);
        if (ft && ec_needs_drop(ft))
          fprintf(cd, "      AG_P_%s(c)->%s = %s;\n", mn, ec_id(E, f->name.name),
                  ec_share(E, ft, ec_printf(E, "AG_P_%s(h)->%s", mn,
                                            ec_id(E, f->name.name))));
      }
    }
    fprintf(cd, "      self->ag_bid = b;\n      self->ag_tid = t;\n"
                "      self->ag_lead = false;\n      self->ag_ring_copy = c;\n"
                "      %s(self, c);\n      self->ag_ring_copy = NULL;\n"
                "    }\n"
                "  *AG_P_%s(m) = *AG_P_%s(h);\n"
                "  self->ag_ring_hold = NULL;\n  ar_msg_free(h);\n"
                "  self->ag_bid = 0;\n  self->ag_tid = 0;\n"
                "  self->ag_lead = true;\n  %s(self, m);\n}\n\n",
            b->cname, mn, mn, b->cname);
  }
}

/* The C place of field (or tuple item) i of a value `src` of record type
 * t: messages are pointers, structs and tuples values. */
static const char *field_place(ec *E, type *t, const char *src, uint32_t i) {
  const char *fname =
      t->kind == TY_TUPLE
          ? ec_printf(E, "f%u", i)
          : ec_id(E, AST_AT(t->decl->u.record.fields, i, ast_field)->name.name);
  if (t->kind == TY_MESSAGE)
    return ec_printf(E, "AG_P_%s(%s)->%s", msg_name(t), src, fname);
  return ec_printf(E, "(%s).%s", src, fname);
}

/* ------------------------------------------------------------ pack */

static const char *scalar_ctype(ec *E, type *t) { return ec_ctype(E, t); }

/* Emit code storing value `src` of type t at P + off. */
static void pack_value(ec *E, FILE *o, type *t, const char *src, uint32_t off,
                       int depth) {
  t = ec_strip(t);
  if (!t || depth > 32)
    return;
  switch (t->kind) {
  case TY_BOOL: fprintf(o, "  P[%u] = (%s) ? 1 : 0;\n", off, src); return;
  case TY_BUF:
    fprintf(o, "  { ar_buf *b_ = %s;\n    uint64_t d_ = b_ ? b_->dev : 0;\n"
               "    int64_t n_ = b_ ? b_->len : 0;\n"
               "    memcpy(P + %u, &d_, 8);\n    memcpy(P + %u, &n_, 8); }\n",
            src, off, off + 8);
    return;
  case TY_OPT: {
    uint32_t voff = off + ring_layout_offset(t, 0);
    if (ec_is_ptr(t->elem)) {
      fprintf(o, "  P[%u] = (%s) != NULL;\n", off, src);
      pack_value(E, o, t->elem, src, voff, depth + 1);
    } else {
      fprintf(o, "  P[%u] = (%s).has ? 1 : 0;\n", off, src);
      pack_value(E, o, t->elem, ec_printf(E, "(%s).v", src), voff, depth + 1);
    }
    return;
  }
  case TY_STRUCT:
  case TY_TUPLE:
  case TY_MESSAGE:
    for (uint32_t i = 0; i < ring_layout_nfields(t); i++)
      pack_value(E, o, ring_layout_field_type(t, i), field_place(E, t, src, i),
                 off + ring_layout_offset(t, i), depth + 1);
    return;
  default: {
    ring_lay l = ring_layout_of(t);
    if (!l.size)
      return;
    fprintf(o, "  { %s v_ = %s;\n    memcpy(P + %u, &v_, %u); }\n",
            scalar_ctype(E, t), src, off, l.size);
    return;
  }
  }
}

/* Emit code reading a value of type t at P + off into lvalue dst.  Bufs
 * are looked up among the request's with ag_find (retained). */
static void unpack_value(ec *E, FILE *o, type *t, const char *dst,
                         uint32_t off, const char *find, int depth) {
  t = ec_strip(t);
  if (!t || depth > 32)
    return;
  switch (t->kind) {
  case TY_BOOL: fprintf(o, "  %s = P[%u] != 0;\n", dst, off); return;
  case TY_BUF:
    fprintf(o, "  { uint64_t d_; int64_t n_;\n    memcpy(&d_, P + %u, 8);\n"
               "    memcpy(&n_, P + %u, 8);\n"
               "    %s = (d_ || n_) ? %s(req, d_, n_) : NULL;\n"
               "    if ((d_ || n_) && !%s) bad = true; }\n",
            off, off + 8, dst, find, dst);
    return;
  case TY_OPT: {
    uint32_t voff = off + ring_layout_offset(t, 0);
    if (ec_is_ptr(t->elem)) {
      fprintf(o, "  if (P[%u]) {\n", off);
      unpack_value(E, o, t->elem, dst, voff, find, depth + 1);
      fprintf(o, "  }\n");
    } else {
      fprintf(o, "  (%s).has = P[%u] != 0;\n  if ((%s).has) {\n", dst, off, dst);
      unpack_value(E, o, t->elem, ec_printf(E, "(%s).v", dst), voff, find,
                   depth + 1);
      fprintf(o, "  }\n");
    }
    return;
  }
  case TY_MESSAGE:
    fprintf(o, "  %s = ar_msg_alloc(AG_MSG_%s, sizeof(ag_msg_%s));\n"
               "  memset(AG_P_%s(%s), 0, sizeof(ag_msg_%s));\n",
            dst, msg_name(t), msg_name(t), msg_name(t), dst, msg_name(t));
    __attribute__((fallthrough)); /* then the fields */
  case TY_STRUCT:
  case TY_TUPLE:
    for (uint32_t i = 0; i < ring_layout_nfields(t); i++)
      unpack_value(E, o, ring_layout_field_type(t, i),
                   field_place(E, t, dst, i), off + ring_layout_offset(t, i),
                   find, depth + 1);
    return;
  default: {
    ring_lay l = ring_layout_of(t);
    if (l.size)
      fprintf(o, "  memcpy(&%s, P + %u, %u);\n", dst, off, l.size);
    return;
  }
  }
}

/* Emit checks returning the request's buf whose (dev, len) matches. */
static void find_bufs(ec *E, FILE *o, type *t, const char *src, int depth) {
  t = ec_strip(t);
  if (!t || depth > 32)
    return;
  switch (t->kind) {
  case TY_BUF:
    fprintf(o, "  { ar_buf *b_ = %s;\n    if (b_ && b_->dev == dev && "
               "b_->len == len) return ar_buf_retain(b_); }\n",
            src);
    return;
  case TY_OPT:
    find_bufs(E, o, t->elem,
              ec_is_ptr(t->elem) ? src : ec_printf(E, "(%s).v", src),
              depth + 1);
    return;
  case TY_STRUCT:
  case TY_TUPLE:
  case TY_MESSAGE:
    for (uint32_t i = 0; i < ring_layout_nfields(t); i++)
      find_bufs(E, o, ring_layout_field_type(t, i), field_place(E, t, src, i),
                depth + 1);
    return;
  default: return;
  }
}

static void ring_bridge(ec *E, ir_actor *a, const ring_geometry *g) {
  FILE *cd = E->code.f;
  ast_decl *d = a->decl;
  const char *an = a->cname;
  /* pack */
  fprintf(cd, "static bool %s__pack(ar_msg *m, void *payload, uint32_t *h) {\n"
              "  uint8_t *P = payload;\n  switch (m->type) {\n",
          an);
  for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
    type *mt = h ? handler_msg_type(h) : NULL;
    if (!mt || mt->kind != TY_MESSAGE)
      continue;
    fprintf(cd, "  case AG_MSG_%s:\n    *h = %u;\n", msg_name(mt), i);
    pack_value(E, cd, mt, "m", 0, 0);
    fprintf(cd, "    return true;\n");
  }
  fprintf(cd, "  default: (void)P; return false;\n  }\n}\n\n");
  /* find + unpack, per handler with a reply */
  fprintf(cd, "static ar_msg *%s__unpack(uint32_t h, const void *payload, "
              "ar_msg *req) {\n  const uint8_t *P = payload;\n"
              "  bool bad = false;\n  ar_msg *r = NULL;\n  switch (h) {\n",
          an);
  for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
    if (!h || !h->reply || !h->reply->ty)
      continue;
    type *rt = ec_strip(h->reply->ty);
    if (rt->kind != TY_MESSAGE)
      continue;
    fprintf(cd, "  case %u: {\n", i);
    unpack_value(E, cd, rt, "r", 0, ec_printf(E, "%s__find%u", an, i), 0);
    fprintf(cd, "    break;\n  }\n");
  }
  fprintf(cd, "  default: break;\n  }\n  (void)P;\n  (void)req;\n"
              "  if (bad && r) {\n    ag_msg_drop(r);\n    return NULL;\n  }\n"
              "  return r;\n}\n\n");
  /* the buf lookups go before unpack: emit them into defs */
  FILE *df = E->defs.f;
  for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
    if (!h || !h->reply || !h->reply->ty)
      continue;
    type *mt = handler_msg_type(h);
    fprintf(df, "static ar_buf *%s__find%u(ar_msg *req, uint64_t dev, "
                "int64_t len) {\n",
            an, i);
    if (mt && mt->kind == TY_MESSAGE)
      find_bufs(E, df, mt, "req", 0);
    fprintf(df, "  (void)req;\n  (void)dev;\n  (void)len;\n  return NULL;\n}\n\n");
  }
  /* the descriptor */
  bool ptx = E->opts && E->opts->ptx;
  bool emu = E->opts && E->opts->gpu_mode == 3 /* AR_GPU_EMULATE */;
  if (emu)
    fprintf(E->protos.f, "void ag_ring_%s_host(void *ring, void *scratch);\n",
            a->name);
  fprintf(cd, "static const ar_ring_desc %s_ring = {\n  \"%s\", %s, "
              "\"ag_ring_%s\", %s,\n  %u, %u, %u, %u, %u, %u,\n"
              "  &%s_type, %s__pack, %s__unpack, ag_msg_drop\n};\n\n",
          an, a->name, ptx ? "ag_ptx" : "NULL", a->name,
          emu ? ec_printf(E, "ag_ring_%s_host", a->name) : "NULL", g->threads,
          g->blocks, g->cap, g->in_slot, g->out_slot, g->scratch_size, an, an,
          an);
}

/* Everything of ring actor a after its ordinary actor type. */
void ec_ring_actor(ec *E, ir_actor *a) {
  ast_decl *d = a->decl;
  if (!d || !d->u.actor.is_ring)
    return;
  ring_geometry g;
  if (!emit_ptx_ring_geometry(d, &g)) {
    ec_unsupported(E, d->name.sp, "this ring actor's launch parameters");
    return;
  }
  ring_loops(E, a, &g);
  ring_bridge(E, a, &g);
}

/* The PTX as one C string literal (before anything uses it). */
void ec_ring_embed(ec *E, FILE *out) {
  if (!E->opts || !E->opts->ptx)
    return;
  fputs("/* the ring kernels' PTX (actorc --emit=ptx shows it alone) */\n"
        "#pragma GCC diagnostic ignored \"-Woverlength-strings\"\n"
        "static const char ag_ptx[] =\n  \"",
        out);
  for (const char *p = E->opts->ptx; *p; p++) {
    if (*p == '\n') {
      fputs("\\n\"\n  \"", out);
      continue;
    }
    if (*p == '"' || *p == '\\')
      fputc('\\', out);
    if (*p == '\t') {
      fputs("\\t", out);
      continue;
    }
    fputc(*p, out);
  }
  fputs("\";\n\n", out);
}
