/* test_gpu_stub.c — the execution-mode rules of ring actors without a GPU
 * (runtime/cuda.c, RING.md 1): ACTOR_GPU may only narrow the build's mode;
 * `auto` falls back to the CPU with the reason in ar_gpu_describe() (no
 * driver; the CUDA toolkit's stub driver, whose cuInit returns 34); `on`
 * without a usable GPU prints the documented line and exits 70 (checked in
 * a child process).  ACTOR_LIBCUDA points the loader at the stub. */
#include "ar.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STUB "/usr/local/cuda/lib/stubs/libcuda.so"
#define NODRV "/nonexistent/libcuda.so.1"

static bool have_stub(void) { return access(STUB, R_OK) == 0; }

static void set_env(const char *gpu, const char *lib) {
  if (gpu)
    setenv("ACTOR_GPU", gpu, 1);
  else
    unsetenv("ACTOR_GPU");
  if (lib)
    setenv("ACTOR_LIBCUDA", lib, 1);
  else
    unsetenv("ACTOR_LIBCUDA");
}

static void test_no_driver_auto(void) {
  set_env(NULL, NODRV);
  ar_gpu_configure(AR_GPU_AUTO);
  CHECK_EQ_INT(ar_gpu_mode(), AR_GPU_OFF);
  CHECK(!ar_gpu_active());
  CHECK(strncmp(ar_gpu_describe(), "no CUDA driver: ", 16) == 0);
  CHECK(strstr(ar_gpu_describe(), "nonexistent") != NULL);
}

static void test_stub_auto(void) {
  if (!have_stub()) {
    printf("    SKIP: %s not present\n", STUB);
    return;
  }
  set_env(NULL, STUB);
  ar_gpu_configure(AR_GPU_AUTO);
  CHECK_EQ_INT(ar_gpu_mode(), AR_GPU_OFF);
  CHECK(!ar_gpu_active());
  const char *d = ar_gpu_describe();
  printf("    stub: %s\n", d);
  CHECK(strncmp(d, "cuInit failed: ", 15) == 0);
  CHECK(strstr(d, "CUDA_ERROR_STUB_LIBRARY (34)") != NULL);
}

/* Runs ar_gpu_configure(build) in a child with the given environment;
 * returns its exit status (0 when configure returned) and its stderr. */
static int child_configure(int build, const char *gpu, const char *lib,
                           char *err, size_t n) {
  int fd[2];
  if (pipe(fd) != 0)
    return -1;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 2);
    close(fd[0]);
    close(fd[1]);
    set_env(gpu, lib);
    ar_gpu_configure(build);
    _exit(0);
  }
  close(fd[1]);
  size_t got = 0;
  ssize_t k;
  while (got + 1 < n && (k = read(fd[0], err + got, n - 1 - got)) > 0)
    got += (size_t)k;
  err[got] = '\0';
  close(fd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define ON_MSG "actor: GPU required (--gpu=on) but none is usable: "

static void test_on_exits_70(void) {
  char err[2048];
  CHECK_EQ_INT(child_configure(AR_GPU_ON, NULL, NODRV, err, sizeof err), 70);
  CHECK(strncmp(err, ON_MSG "no CUDA driver: ", strlen(ON_MSG) + 16) == 0);
  /* auto narrowed to on by the environment */
  CHECK_EQ_INT(child_configure(AR_GPU_AUTO, "on", NODRV, err, sizeof err),
               70);
  CHECK(strstr(err, ON_MSG) != NULL);
  /* on cannot be widened to auto: still fatal */
  CHECK_EQ_INT(child_configure(AR_GPU_ON, "auto", NODRV, err, sizeof err),
               70);
  CHECK(strstr(err, "ACTOR_GPU=auto ignored") != NULL);
  /* off is always allowed */
  CHECK_EQ_INT(child_configure(AR_GPU_ON, "off", NODRV, err, sizeof err), 0);
  if (!have_stub()) {
    printf("    SKIP: %s not present\n", STUB);
    return;
  }
  CHECK_EQ_INT(child_configure(AR_GPU_ON, NULL, STUB, err, sizeof err), 70);
  CHECK(strncmp(err, ON_MSG "cuInit failed: CUDA_ERROR_STUB_LIBRARY (34)",
                strlen(ON_MSG) + 43) == 0);
}

static void test_narrowing_rules(void) {
  static const struct {
    int build;
    const char *env;
    int want;
  } tab[] = {
      {AR_GPU_OFF, NULL, AR_GPU_OFF},
      {AR_GPU_OFF, "on", AR_GPU_OFF},          /* ignored: no PTX */
      {AR_GPU_OFF, "emulate", AR_GPU_OFF},     /* ignored: no host kernel */
      {AR_GPU_OFF, "auto", AR_GPU_OFF},
      {AR_GPU_AUTO, NULL, AR_GPU_OFF},         /* no driver: fallback */
      {AR_GPU_AUTO, "off", AR_GPU_OFF},
      {AR_GPU_AUTO, "emulate", AR_GPU_OFF},    /* ignored, then fallback */
      {AR_GPU_AUTO, "bogus", AR_GPU_OFF},      /* ignored, then fallback */
      {AR_GPU_ON, "off", AR_GPU_OFF},
      {AR_GPU_ON, "emulate", -1},              /* ignored: stays on: 70 */
      {AR_GPU_EMULATE, NULL, AR_GPU_EMULATE},
      {AR_GPU_EMULATE, "", AR_GPU_EMULATE},
      {AR_GPU_EMULATE, "emulate", AR_GPU_EMULATE},
      {AR_GPU_EMULATE, "off", AR_GPU_OFF},
      {AR_GPU_EMULATE, "auto", AR_GPU_EMULATE}, /* ignored */
      {AR_GPU_EMULATE, "on", AR_GPU_EMULATE},   /* ignored */
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    if (tab[i].want < 0) {
      char err[1024];
      CHECK_EQ_INT(child_configure(tab[i].build, tab[i].env, NODRV, err,
                                   sizeof err), 70);
      continue;
    }
    set_env(tab[i].env, NODRV);
    ar_gpu_configure(tab[i].build);
    if (ar_gpu_mode() != tab[i].want)
      fprintf(stderr, "row %zu: build %d env %s: mode %d, want %d\n", i,
              tab[i].build, tab[i].env ? tab[i].env : "(unset)",
              ar_gpu_mode(), tab[i].want);
    CHECK_EQ_INT(ar_gpu_mode(), tab[i].want);
    CHECK(!ar_gpu_active());
  }
  set_env(NULL, NULL);
}

int main(void) {
  RUN(test_no_driver_auto);
  RUN(test_stub_auto);
  RUN(test_on_exits_70);
  RUN(test_narrowing_rules);
  return check_report();
}
