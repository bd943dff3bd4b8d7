/* ring_layout.h — the byte layout of ring-kernel payloads (runtime/RING.md
 * section 4), shared by the C emitter (pack/unpack) and the PTX emitter
 * (field loads and reply stores), so that both sides agree by
 * construction.  Pure functions of the checked types. */
#ifndef AC_RING_LAYOUT_H
#define AC_RING_LAYOUT_H

#include "ac.h"

typedef struct ring_lay {
  uint32_t size;  /* bytes, a multiple of align */
  uint32_t align; /* 1, 2, 4 or 8 */
} ring_lay;

/* Size and alignment of a GPU-sendable type (types_is_gpu_sendable); a
 * type outside the table gives {0, 1}. */
ring_lay ring_layout_of(const type *t);
/* Offset of field `index` in a record (message or struct) type, or of
 * item `index` of a tuple type; of the value of an optional (index 0). */
uint32_t ring_layout_offset(const type *t, uint32_t index);
/* The payload size of a message, rounded up to 16 (0 stays 0). */
uint32_t ring_layout_payload(const type *msg);
/* The field type of field `index` of a record type. */
type *ring_layout_field_type(const type *rec, uint32_t index);
/* Number of fields / items of a record or tuple type. */
uint32_t ring_layout_nfields(const type *rec);

#endif
