/* bench_wire.c — `make bench-wire`: encode+decode throughput of the codecs
 * actorc generates for bench/wire/order.actor's `Order` against
 * hand-written msgpack-c calls for the same struct, in the same run.
 *
 * Both sides do the same work per operation: write the message (header +
 * fields) into a reused buffer, then read it back into a freshly allocated
 * `Order` (ar_msg payload with ar_str / ar_list of Item, exactly what a
 * handler receives) and free it.  The hand-written side is idiomatic
 * msgpack-c: msgpack_pack_* into an sbuffer, msgpack_unpack_next into a
 * zone, then a walk of msgpack_object with type checks on every field.
 * REPS rounds alternate the two (ours first in odd rounds); each round runs
 * OPS operations; the table reports medians and the ratio
 * (ours' throughput / hand-written throughput).
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ag_generated_main(int argc, char **argv);
#define main ag_generated_main
#include WIRE_GEN
#undef main

static double bw_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static ar_msg *bw_order(void) {
  static const char *const skus[] = {"SKU-000123", "SKU-004567", "SKU-089012",
                                     "SKU-345678"};
  ar_list *items = ar_list_new(&ag_vt_Item, 4);
  for (int i = 0; i < 4; i++) {
    ag_Item it = {ar_str_new(skus[i], strlen(skus[i])), 1 + i * 3,
                  9.99 * (i + 1)};
    ar_list_push(items, &it);
  }
  const char *c = "ACME Industrial Supplies Ltd.";
  ar_str *note = ar_str_new("leave at the loading dock", 25);
  ar_msg *m = ag_mk_Order(1234567890123, ar_str_new(c, strlen(c)), items,
                          219.78, true, note);
  (void)ar_msg_id(m);
  return m;
}

/* ------------------------------------------------------------ hand-written */

static void hw_encode(msgpack_packer *pk, ar_msg *m) {
  ag_msg_Order *p = AG_P_Order(m);
  msgpack_pack_map(pk, 9);
  msgpack_pack_str(pk, 2);
  msgpack_pack_str_body(pk, "id", 2);
  msgpack_pack_bin(pk, 16);
  msgpack_pack_bin_body(pk, ar_msg_id(m)->b, 16);
  msgpack_pack_str(pk, 8);
  msgpack_pack_str_body(pk, "priority", 8);
  msgpack_pack_uint8(pk, m->priority);
  msgpack_pack_str(pk, 11);
  msgpack_pack_str_body(pk, "correlation", 11);
  const ar_uuid *corr = ar_msg_correlation(m);
  if (corr) {
    msgpack_pack_bin(pk, 16);
    msgpack_pack_bin_body(pk, corr->b, 16);
  } else {
    msgpack_pack_nil(pk);
  }
  msgpack_pack_str(pk, 8);
  msgpack_pack_str_body(pk, "order_id", 8);
  msgpack_pack_int64(pk, p->order_id);
  msgpack_pack_str(pk, 8);
  msgpack_pack_str_body(pk, "customer", 8);
  msgpack_pack_str(pk, p->customer->len);
  msgpack_pack_str_body(pk, p->customer->ptr, p->customer->len);
  msgpack_pack_str(pk, 5);
  msgpack_pack_str_body(pk, "items", 5);
  msgpack_pack_array(pk, (size_t)p->items->len);
  for (int64_t i = 0; i < p->items->len; i++) {
    ag_Item *it = (ag_Item *)(void *)(p->items->data + i * (int64_t)sizeof(ag_Item));
    msgpack_pack_map(pk, 3);
    msgpack_pack_str(pk, 3);
    msgpack_pack_str_body(pk, "sku", 3);
    msgpack_pack_str(pk, it->sku->len);
    msgpack_pack_str_body(pk, it->sku->ptr, it->sku->len);
    msgpack_pack_str(pk, 3);
    msgpack_pack_str_body(pk, "qty", 3);
    msgpack_pack_int32(pk, it->qty);
    msgpack_pack_str(pk, 5);
    msgpack_pack_str_body(pk, "price", 5);
    msgpack_pack_double(pk, it->price);
  }
  msgpack_pack_str(pk, 5);
  msgpack_pack_str_body(pk, "total", 5);
  msgpack_pack_double(pk, p->total);
  msgpack_pack_str(pk, 7);
  msgpack_pack_str_body(pk, "express", 7);
  if (p->express)
    msgpack_pack_true(pk);
  else
    msgpack_pack_false(pk);
  msgpack_pack_str(pk, 4);
  msgpack_pack_str_body(pk, "note", 4);
  if (p->note) {
    msgpack_pack_str(pk, p->note->len);
    msgpack_pack_str_body(pk, p->note->ptr, p->note->len);
  } else {
    msgpack_pack_nil(pk);
  }
}

static bool hw_key(const msgpack_object *k, const char *s, size_t n) {
  return k->via.str.size == n && memcmp(k->via.str.ptr, s, n) == 0;
}

static bool hw_int(const msgpack_object *o, int64_t *out) {
  if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
    *out = (int64_t)o->via.u64;
    return true;
  }
  if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
    *out = o->via.i64;
    return true;
  }
  return false;
}

static bool hw_dbl(const msgpack_object *o, double *out) {
  if (o->type != MSGPACK_OBJECT_FLOAT64 && o->type != MSGPACK_OBJECT_FLOAT32)
    return false;
  *out = o->via.f64;
  return true;
}

static ar_msg *hw_decode(const char *buf, size_t len, msgpack_unpacked *u) {
  size_t off = 0;
  if (msgpack_unpack_next(u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS)
    return NULL;
  const msgpack_object *o = &u->data;
  if (o->type != MSGPACK_OBJECT_MAP)
    return NULL;
  ar_msg *m = ar_msg_alloc(AG_MSG_Order, sizeof(ag_msg_Order));
  ag_msg_Order *p = AG_P_Order(m);
  memset(p, 0, sizeof *p);
  for (uint32_t i = 0; i < o->via.map.size; i++) {
    const msgpack_object *k = &o->via.map.ptr[i].key;
    const msgpack_object *v = &o->via.map.ptr[i].val;
    if (k->type != MSGPACK_OBJECT_STR)
      goto fail;
    int64_t iv;
    if (hw_key(k, "id", 2)) {
      if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size != 16)
        goto fail;
      ar_uuid id;
      memcpy(id.b, v->via.bin.ptr, 16);
      ar_wire_msg_set_id(m, &id);
    } else if (hw_key(k, "priority", 8)) {
      if (!hw_int(v, &iv) || iv < 0 || iv > 255)
        goto fail;
      m->priority = (uint8_t)iv;
    } else if (hw_key(k, "correlation", 11)) {
      if (v->type == MSGPACK_OBJECT_BIN && v->via.bin.size == 16) {
        ar_uuid c;
        memcpy(c.b, v->via.bin.ptr, 16);
        ar_msg_set_correlation(m, &c);
      } else if (v->type != MSGPACK_OBJECT_NIL) {
        goto fail;
      }
    } else if (hw_key(k, "order_id", 8)) {
      if (!hw_int(v, &p->order_id))
        goto fail;
    } else if (hw_key(k, "customer", 8)) {
      if (v->type != MSGPACK_OBJECT_STR)
        goto fail;
      p->customer = ar_str_new(v->via.str.ptr, v->via.str.size);
    } else if (hw_key(k, "items", 5)) {
      if (v->type != MSGPACK_OBJECT_ARRAY)
        goto fail;
      p->items = ar_list_new(&ag_vt_Item, v->via.array.size);
      for (uint32_t j = 0; j < v->via.array.size; j++) {
        const msgpack_object *e = &v->via.array.ptr[j];
        if (e->type != MSGPACK_OBJECT_MAP)
          goto fail;
        ag_Item it = {NULL, 0, 0.0};
        for (uint32_t q = 0; q < e->via.map.size; q++) {
          const msgpack_object *ek = &e->via.map.ptr[q].key;
          const msgpack_object *ev = &e->via.map.ptr[q].val;
          if (ek->type != MSGPACK_OBJECT_STR)
            goto item_fail;
          if (hw_key(ek, "sku", 3)) {
            if (ev->type != MSGPACK_OBJECT_STR)
              goto item_fail;
            it.sku = ar_str_new(ev->via.str.ptr, ev->via.str.size);
          } else if (hw_key(ek, "qty", 3)) {
            if (!hw_int(ev, &iv) || iv < INT32_MIN || iv > INT32_MAX)
              goto item_fail;
            it.qty = (int32_t)iv;
          } else if (hw_key(ek, "price", 5)) {
            if (!hw_dbl(ev, &it.price))
              goto item_fail;
          }
        }
        ar_list_push(p->items, &it);
        continue;
      item_fail:
        ar_str_release(it.sku);
        goto fail;
      }
    } else if (hw_key(k, "total", 5)) {
      if (!hw_dbl(v, &p->total))
        goto fail;
    } else if (hw_key(k, "express", 7)) {
      if (v->type != MSGPACK_OBJECT_BOOLEAN)
        goto fail;
      p->express = v->via.boolean;
    } else if (hw_key(k, "note", 4)) {
      if (v->type == MSGPACK_OBJECT_STR)
        p->note = ar_str_new(v->via.str.ptr, v->via.str.size);
      else if (v->type != MSGPACK_OBJECT_NIL)
        goto fail;
    }
  }
  if (!p->customer || !p->items)
    goto fail;
  return m;
fail:
  ag_msg_drop(m);
  return NULL;
}

/* ------------------------------------------------------------ rounds */

static long bw_ops;
static int bw_reps;
static double *bw_ours, *bw_hand;
static size_t bw_bytes_ours, bw_bytes_hand;

static double round_ours(ar_msg *m) {
  ar_wire_wr w;
  ar_wire_wr_init(&w);
  long ok = 0;
  double t0 = bw_now();
  for (long i = 0; i < bw_ops; i++) {
    w.n = 0;
    ag_wenc_Order(&w, &m);
    ar_askres r = ag_wdecode_Order(w.p, w.n);
    if (r.kind == AR_EV_REPLY) {
      ok++;
      ag_msg_drop(r.reply);
    } else {
      ar_str_release(r.reason);
    }
  }
  double t = bw_now() - t0;
  bw_bytes_ours = w.n;
  ar_wire_wr_free(&w);
  if (ok != bw_ops) {
    fprintf(stderr, "bench_wire: generated decode failed\n");
    exit(1);
  }
  return t;
}

static double round_hand(ar_msg *m) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  msgpack_unpacked u;
  msgpack_unpacked_init(&u);
  long ok = 0;
  double t0 = bw_now();
  for (long i = 0; i < bw_ops; i++) {
    msgpack_sbuffer_clear(&sb);
    hw_encode(&pk, m);
    ar_msg *d = hw_decode(sb.data, sb.size, &u);
    if (d) {
      ok++;
      ag_msg_drop(d);
    }
  }
  double t = bw_now() - t0;
  bw_bytes_hand = sb.size;
  msgpack_unpacked_destroy(&u);
  msgpack_sbuffer_destroy(&sb);
  if (ok != bw_ops) {
    fprintf(stderr, "bench_wire: hand-written decode failed\n");
    exit(1);
  }
  return t;
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void bw_run(void *arg) {
  (void)arg;
  ar_msg *m = bw_order();
  /* both sides must write the same bytes */
  ar_wire_wr w;
  ar_wire_wr_init(&w);
  ag_wenc_Order(&w, &m);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  hw_encode(&pk, m);
  if (sb.size != w.n || memcmp(sb.data, w.p, w.n) != 0) {
    fprintf(stderr, "bench_wire: the two encoders disagree\n");
    exit(1);
  }
  msgpack_sbuffer_destroy(&sb);
  ar_wire_wr_free(&w);
  round_ours(m); /* warm up */
  round_hand(m);
  for (int r = 0; r < bw_reps; r++) {
    if (r % 2 == 0) {
      bw_ours[r] = round_ours(m);
      bw_hand[r] = round_hand(m);
    } else {
      bw_hand[r] = round_hand(m);
      bw_ours[r] = round_ours(m);
    }
  }
  ag_msg_drop(m);
}

int main(int argc, char **argv) {
  bw_reps = argc > 1 ? atoi(argv[1]) : 7;
  if (bw_reps < 1)
    bw_reps = 1;
  const char *ops = getenv("OPS");
  bw_ops = ops ? atol(ops) : 300000;
  bw_ours = calloc((size_t)bw_reps, sizeof(double));
  bw_hand = calloc((size_t)bw_reps, sizeof(double));
  setenv("ACTOR_THREADS", "1", 0);
  int rc = ar_run_fn(bw_run, NULL);
  if (rc)
    return rc;
  qsort(bw_ours, (size_t)bw_reps, sizeof(double), cmp_dbl);
  qsort(bw_hand, (size_t)bw_reps, sizeof(double), cmp_dbl);
  double mo = bw_ours[bw_reps / 2], mh = bw_hand[bw_reps / 2];
  printf("Order message, %zu bytes encoded (%zu hand-written), %ld encode+decode "
         "per round, %d rounds, medians:\n\n",
         bw_bytes_ours, bw_bytes_hand, bw_ops, bw_reps);
  printf("| codec | ns per encode+decode | messages/s | MB/s |\n");
  printf("| --- | ---: | ---: | ---: |\n");
  printf("| generated (actorc) | %.0f | %.0f | %.1f |\n", mo / (double)bw_ops * 1e9,
         (double)bw_ops / mo, (double)bw_ops * (double)bw_bytes_ours / mo / 1e6);
  printf("| hand-written msgpack-c | %.0f | %.0f | %.1f |\n",
         mh / (double)bw_ops * 1e9, (double)bw_ops / mh,
         (double)bw_ops * (double)bw_bytes_hand / mh / 1e6);
  printf("\nratio (generated throughput / hand-written): %.2fx (target >= 0.9x)\n",
         mh / mo);
  free(bw_ours);
  free(bw_hand);
  return 0;
}
