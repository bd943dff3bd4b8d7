/* builtins.h — ids of builtin functions and methods (builtins.def).
 * sym.index of a SYM_BUILTIN and ast_expr.u.call.builtin hold one of these
 * (call.builtin is -1 for calls of user fns).  Names and arities are in
 * builtins.def; signatures are checked in types_expr.c.
 */
#ifndef AC_BUILTINS_H
#define AC_BUILTINS_H

typedef enum {
#define BUILTIN_FN(id, name, n)           id,
#define BUILTIN_METHOD(id, recv, name, n) id,
#include "builtins.def"
  BI__COUNT
} ac_builtin;

/* The wire-format and descriptor builtins (encode .. close_fd), typed in
 * types_wire.c and emitted by emit_c_codec.c; they stand together in
 * builtins.def. */
static inline int builtin_is_wire(int id) {
  return id >= BI_ENCODE && id <= BI_CLOSE_FD;
}

/* The header fields every message carries (DESIGN.md "Messages"), in the
 * order the wire format writes them, with their types as written.  A
 * message may not declare a field of these names (E0220, resolve.c). */
enum { AC_NHEADER = 3 };
static const char *const ac_header_names[AC_NHEADER] = {"id", "priority",
                                                        "correlation"};
static const char *const ac_header_types[AC_NHEADER] = {"uuid", "u8 = 128",
                                                        "uuid?"};

/* Index of a header field name (0..AC_NHEADER-1), or -1. */
static inline int ac_header_index(const char *name) {
  for (int i = 0; name && i < AC_NHEADER; i++)
    if (__builtin_strcmp(name, ac_header_names[i]) == 0)
      return i;
  return -1;
}

#endif
