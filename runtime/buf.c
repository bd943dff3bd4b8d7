/* buf.c — `buf<T>` memory (ar.h "buffers"): flat arrays a ring kernel can
 * read and write in place.  With a GPU in use the elements live in mapped
 * pinned host memory (cuMemHostAlloc DEVICEMAP|PORTABLE) and `dev` is their
 * device address; otherwise (CPU fallback, emulate) ordinary zeroed memory
 * with dev == (uint64_t)data.  Must not block beyond the allocator.
 */
#include "ari.h"
#include "ari_gpu.h"

#include <string.h>

enum { ARI_BUF_HEAP = 0, ARI_BUF_PINNED = 1 };

ar_buf *ar_buf_new(uint32_t elem_size, int64_t n) {
  if (n < 0)
    ar_fault("negative buffer length");
  if (elem_size == 0)
    elem_size = 1; /* a buf of zero-sized records still has distinct slots */
  if ((uint64_t)n > SIZE_MAX / elem_size)
    ar_fault("buffer too large");
  ar_buf *b = ari_xcalloc(1, sizeof *b);
  /* relaxed: nobody else has the pointer yet */
  atomic_store_explicit(&b->rc, 1, memory_order_relaxed);
  b->elem_size = elem_size;
  b->len = n;
  b->flags = ARI_BUF_HEAP;
  if (n == 0)
    return b; /* data NULL, dev 0 */
  size_t bytes = (size_t)n * elem_size;
  if (ar_gpu_active()) {
    b->data = ari_gpu_host_alloc(bytes, &b->dev); /* zeroed */
    b->flags = ARI_BUF_PINNED;
  } else {
    b->data = ari_xcalloc(1, bytes);
    b->dev = (uint64_t)(uintptr_t)b->data;
  }
  return b;
}

ar_buf *ar_buf_empty(uint32_t elem_size) { return ar_buf_new(elem_size, 0); }

ar_buf *ar_buf_retain(ar_buf *b) {
  if (b != NULL)
    /* relaxed: the caller already holds a count (as ar_list_retain) */
    atomic_fetch_add_explicit(&b->rc, 1, memory_order_relaxed);
  return b;
}

void ar_buf_release(ar_buf *b) {
  if (b == NULL)
    return;
  /* acq_rel: pairs with the other holders' decrements, so the last one
   * sees every write made through their counts (kernel writes included:
   * the ring bridge releases a request's buffers only after the reply's
   * acquire of out_head, RING.md 7) before it frees the memory */
  if (atomic_fetch_sub_explicit(&b->rc, 1, memory_order_acq_rel) != 1)
    return;
  if (b->flags == ARI_BUF_PINNED)
    ari_gpu_host_free(b->data);
  else
    free(b->data);
  free(b);
}
