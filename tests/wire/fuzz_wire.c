/* fuzz_wire.c — libFuzzer target for the generated msgpack decoders (make
 * check-wire runs it briefly under ASan+UBSan; make fuzz-wire for longer).
 *
 * Input: one selector byte (which message of tests/wire/types.actor), then
 * the bytes to decode.  Properties: decoding never crashes, leaks or reads
 * out of bounds; a message that decodes re-encodes to bytes that decode
 * again, and that second encoding is stable (encode(decode(b2)) == b2).
 * The runtime runs in a helper thread for the whole session (messages come
 * from its pools); the fuzzing thread joins it as a foreign thread.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

int ag_generated_main(int argc, char **argv);
#define main ag_generated_main
#include WIRE_GEN
#undef main

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sem_t fw_ready, fw_forever;

static void fw_start(void *arg) {
  (void)arg;
  sem_post(&fw_ready);
  sem_wait(&fw_forever); /* keep ar_run_fn (the runtime) running */
}

static void *fw_thread(void *arg) {
  (void)arg;
  ar_run_fn(fw_start, NULL);
  return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  setenv("ACTOR_THREADS", "1", 1);
  sem_init(&fw_ready, 0, 0);
  sem_init(&fw_forever, 0, 0);
  pthread_t t;
  pthread_create(&t, NULL, fw_thread, NULL);
  pthread_detach(t);
  sem_wait(&fw_ready);
  return 0;
}

static ar_askres fw_decode(int which, const void *p, size_t n) {
  switch (which) {
  case 0: return ag_wdecode_All(p, n);
  case 1: return ag_wdecode_Golden(p, n);
  case 2: return ag_wdecode_Tree(p, n);
  case 3: return ag_wdecode_Empty(p, n);
  default: return ag_wdecode_Point(p, n);
  }
}

static ar_list *fw_encode(int which, ar_msg *m) {
  switch (which) {
  case 0: return ag_wencode_All(m);
  case 1: return ag_wencode_Golden(m);
  case 2: return ag_wencode_Tree(m);
  case 3: return ag_wencode_Empty(m);
  default: return ag_wencode_Point(m);
  }
}

static void fw_drop(ar_askres *r) {
  if (r->reply)
    ag_msg_drop(r->reply);
  ar_str_release(r->reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  int which = data[0] % 5;
  /* an exact-size copy, so ASan catches any read past the end */
  uint8_t *p = malloc(size - 1 ? size - 1 : 1);
  memcpy(p, data + 1, size - 1);
  ar_askres r = fw_decode(which, p, size - 1);
  free(p);
  if (r.kind == AR_EV_REPLY) {
    ar_list *b = fw_encode(which, r.reply);
    ar_askres r2 = fw_decode(which, b->data, (size_t)b->len);
    if (r2.kind != AR_EV_REPLY)
      __builtin_trap(); /* our own encoding must decode */
    ar_list *b2 = fw_encode(which, r2.reply);
    ar_askres r3 = fw_decode(which, b2->data, (size_t)b2->len);
    if (r3.kind != AR_EV_REPLY)
      __builtin_trap();
    ar_list *b3 = fw_encode(which, r3.reply);
    if (b2->len != b3->len || memcmp(b2->data, b3->data, (size_t)b2->len))
      __builtin_trap(); /* encoding is a fixed point after one round */
    ar_list_release(b);
    ar_list_release(b2);
    ar_list_release(b3);
    fw_drop(&r2);
    fw_drop(&r3);
  } else if (r.kind != AR_EV_FAILED || !r.reason) {
    __builtin_trap(); /* every failure has a reason */
  }
  fw_drop(&r);
  return 0;
}
