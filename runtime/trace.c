/* trace.c — ACTOR_TRACE=file.json: Chrome/Perfetto trace-event JSON of
 * handler runs ("X" complete events, one track per thread) and sends ("i"
 * instant events naming the target).  Events are buffered per thread
 * (owner-only, no atomics) and written once at teardown.  Capped at
 * ARI_TRACE_MAX events per thread; the rest are counted as lost.
 */
#include "ari.h"

#include <string.h>

#define ARI_TRACE_MAX (1u << 20)

static char *ari_trace_path_;
static int64_t ari_trace_t0_;
static uint64_t ari_trace_lost_;

void ari_trace_init(void) {
  const char *p = getenv("ACTOR_TRACE");
  free(ari_trace_path_);
  ari_trace_path_ = NULL;
  ari_rt_.trace_on = p && *p;
  if (ari_rt_.trace_on) {
    ari_trace_path_ = ari_xmalloc(strlen(p) + 1);
    strcpy(ari_trace_path_, p);
  }
  ari_trace_t0_ = ar_now_ns();
  ari_trace_lost_ = 0;
}

void ari_trace_event(ari_thread *t, int kind, const void *actor,
                     const char *name, uint32_t type, int64_t ts,
                     int64_t dur) {
  if (t->ntev == t->captev) {
    if (t->captev >= ARI_TRACE_MAX)
      return;
    t->captev = t->captev ? t->captev * 2 : 4096;
    t->tev = ari_xrealloc(t->tev, t->captev * sizeof(ari_tev));
  }
  ari_tev *e = &t->tev[t->ntev++];
  e->ts = ts;
  e->dur = dur;
  e->actor = actor;
  e->name = name ? name : "actor";
  e->type = type;
  e->kind = (uint8_t)kind;
}

static void ari_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    if ((unsigned char)*s >= 0x20)
      fputc(*s, f);
  }
  fputc('"', f);
}

void ari_trace_write_quiescent(void) {
  if (!ari_rt_.trace_on || !ari_trace_path_)
    return;
  FILE *f = fopen(ari_trace_path_, "w");
  if (!f) {
    fprintf(stderr, "actor runtime: cannot write trace %s\n", ari_trace_path_);
    return;
  }
  fputs("{\"traceEvents\":[\n", f);
  bool first = true;
  int nt = atomic_load(&ari_rt_.nthreads);
  for (int i = 0; i < nt; i++) {
    ari_thread *t = ari_rt_.threads[i];
    fprintf(f, "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
               "\"args\":{\"name\":\"%s %d\"}}",
            first ? "" : ",\n", t->tid, t->w ? "worker" : "thread", t->tid);
    first = false;
    for (size_t k = 0; k < t->ntev; k++) {
      ari_tev *e = &t->tev[k];
      double ts = (double)(e->ts - ari_trace_t0_) / 1000.0;
      fputs(",\n{\"name\":", f);
      ari_json_str(f, e->name);
      if (e->kind == 0)
        fprintf(f,
                ",\"cat\":\"handler\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,"
                "\"pid\":1,\"tid\":%d,\"args\":{\"actor\":\"%p\","
                "\"msg_type\":%u}}",
                ts, (double)e->dur / 1000.0, t->tid, e->actor, e->type);
      else
        fprintf(f,
                ",\"cat\":\"send\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%.3f,"
                "\"pid\":1,\"tid\":%d,\"args\":{\"to\":\"%p\","
                "\"msg_type\":%u}}",
                ts, t->tid, e->actor, e->type);
    }
  }
  fputs("\n]}\n", f);
  fclose(f);
  free(ari_trace_path_);
  ari_trace_path_ = NULL;
}
