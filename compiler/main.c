/* main.c — the `actorc` command line: argv → ac_options → library calls.
 *
 * Subcommands: check (the front end on each FILE), explain (embedded
 * compiler/errors/E*.md), build / run (driver.c, docs/backend.md) and
 * schema export / check (schema.c, docs/schema.md).  Exit
 * codes: 0 ok, 1 errors in the source, 2 usage, 3 internal error (AC_ICE).
 * No compilation logic lives here: see driver.c and passes.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ac.h"
#include "emit_ptx.h"
#include "ir.h"
#include "schema.h"

/* Compiled-in locations of the runtime headers and libactor.a (the source
 * tree actorc was built from; mk/backend.mk), overridable at run time by
 * $ACTORC_RUNTIME_DIR and $ACTORC_LIBACTOR. */
#ifndef AC_RUNTIME_DIR
#define AC_RUNTIME_DIR "runtime"
#endif
#ifndef AC_LIBACTOR
#define AC_LIBACTOR "build/libactor.a"
#endif
#define AC_MSGPACK_LIB "/usr/lib/x86_64-linux-gnu/libmsgpackc.a"

#ifndef AC_VERSION
#define AC_VERSION "0.1.0"
#endif

static void main_usage(FILE *out) {
  fputs("usage: actorc <command> [options] [files]\n"
        "\n"
        "commands:\n"
        "  check FILE...        parse, name-, type- and ownership-check; write nothing\n"
        "  explain CODE         print the long explanation of an error code (e.g. E0101)\n"
        "  build FILE [-o OUT] [-O0..3] [--emit=c|ptx|ll] [--dump-after=lower]\n"
        "                       compile to a native executable (or C with --emit=c,\n"
        "                       the ring kernels' PTX / LLVM IR with --emit=ptx / ll;\n"
        "                       --dump-after=lower prints the lowering tables)\n"
        "      --gpu=MODE       ring actors: auto (default), on, off or emulate\n"
        "      --gpu-arch=SM    PTX target, sm_75 .. sm_90a (default sm_80)\n"
        "  run FILE [-- ARGS]   build into a cache ($XDG_CACHE_HOME/actorc) and run\n"
        "  schema export PATH   JSON description of every message (docs/schema.md)\n"
        "  schema check --against OLD NEW [--format=text|json|github]\n"
        "                       message compatibility; exit 0 ok, 1 breaking, 2 usage\n"
        "  fmt                  not available yet\n"
        "\n"
        "options (check):\n"
        "  --dump-after=PHASE   print the AST after PHASE (parse, resolve, types, own)\n"
        "  --stop-after=PHASE   stop after PHASE\n"
        "  --diag-format=FMT    human (default), plain (never coloured) or json\n"
        "  --color=WHEN         auto (default: only on a terminal, not with NO_COLOR),\n"
        "                       always or never\n"
        "  --max-errors=N       report at most N errors (default 50)\n"
        "  --stdlib=DIR         where `import std.x` looks (default: $ACTORC_STDLIB or\n"
        "                       the stdlib/ folder of the source tree)\n"
        "  --version, --help\n"
        "\n"
        "exit status: 0 ok, 1 errors in the source, 2 usage error, 3 internal error\n",
        out);
}

static int main_usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "actorc: ");
  fprintf(stderr, fmt, arg);
  fputs("\nrun `actorc --help` for usage\n", stderr);
  return 2;
}

static int main_pass_index(const char *name) {
  static const char *names[] = AC_PASS_NAMES;
  for (int i = PASS_PARSE; i <= PASS_OWN; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

static int main_check(int argc, char **argv) {
  ac_options opt;
  memset(&opt, 0, sizeof opt);
  opt.dump_after = -1;
  opt.stop_after = -1;
  const char *files[256];
  int nfiles = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--dump-after=", 13) == 0) {
      opt.dump_after = main_pass_index(a + 13);
      if (opt.dump_after < 0) return main_usage_error("unknown phase in `%s` (parse, resolve, types, own)", a);
    } else if (strncmp(a, "--stop-after=", 13) == 0) {
      opt.stop_after = main_pass_index(a + 13);
      if (opt.stop_after < 0) return main_usage_error("unknown phase in `%s` (parse, resolve, types, own)", a);
    } else if (strncmp(a, "--diag-format=", 14) == 0) {
      const char *f = a + 14;
      if (strcmp(f, "human") == 0) opt.diag_format = DIAG_FMT_HUMAN;
      else if (strcmp(f, "plain") == 0) opt.diag_format = DIAG_FMT_PLAIN;
      else if (strcmp(f, "json") == 0) opt.diag_format = DIAG_FMT_JSON;
      else return main_usage_error("unknown diagnostic format in `%s` (human, plain, json)", a);
    } else if (strncmp(a, "--color=", 8) == 0) {
      const char *c = a + 8;
      if (strcmp(c, "auto") == 0) opt.color = DIAG_COLOR_AUTO;
      else if (strcmp(c, "always") == 0) opt.color = DIAG_COLOR_ALWAYS;
      else if (strcmp(c, "never") == 0) opt.color = DIAG_COLOR_NEVER;
      else return main_usage_error("unknown colour mode in `%s` (auto, always, never)", a);
    } else if (strncmp(a, "--max-errors=", 13) == 0) {
      char *end;
      long n = strtol(a + 13, &end, 10);
      if (*end || n <= 0 || n > 1000000) return main_usage_error("invalid number in `%s`", a);
      opt.max_errors = (int)n;
    } else if (strncmp(a, "--stdlib=", 9) == 0) {
      opt.stdlib_dir = a + 9;
    } else if (strcmp(a, "--") == 0) {
      for (i++; i < argc && nfiles < 256; i++) files[nfiles++] = argv[i];
    } else if (a[0] == '-' && a[1]) {
      return main_usage_error("unknown option `%s`", a);
    } else {
      if (nfiles == 256) return main_usage_error("too many files (at most 256)%s", "");
      files[nfiles++] = a;
    }
  }
  if (nfiles == 0) return main_usage_error("`check` needs at least one file%s", "");
  bool ok = true;
  for (int i = 0; i < nfiles; i++) {
    ac_ctx *cx = ac_ctx_new(&opt);
    if (!ac_check_file(cx, files[i])) ok = false;
    ac_ctx_free(cx);
  }
  fflush(stdout);
  return ok ? 0 : 1;
}

/* ------------------------------------------------------------ build / run */

typedef struct main_build {
  ac_options opt;
  const char *file;
  const char *out;
  const char *olevel;
  bool emit_c;
  int emit_ptx;  /* 0, or 1 + emit_ptx_kind (--emit=ptx / --emit=ll) */
  char **run_args;
  int run_nargs;
} main_build;

static int main_parse_build(int argc, char **argv, main_build *b, bool is_run) {
  memset(b, 0, sizeof *b);
  b->opt.dump_after = -1;
  b->opt.stop_after = -1;
  b->olevel = "-O2";
  b->opt.gpu_mode = 1; /* AR_GPU_AUTO */
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      if (!is_run)
        return main_usage_error("`--` is only for `actorc run`%s", "");
      b->run_args = argv + i + 1;
      b->run_nargs = argc - i - 1;
      break;
    } else if (strcmp(a, "-o") == 0 && !is_run) {
      if (i + 1 >= argc) return main_usage_error("`-o` needs a file name%s", "");
      b->out = argv[++i];
    } else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
      b->olevel = a;
    } else if (strcmp(a, "--emit=c") == 0 && !is_run) {
      b->emit_c = true;
    } else if (strcmp(a, "--emit=ptx") == 0 && !is_run) {
      b->emit_ptx = 1 + EMIT_PTX_ASM;
    } else if (strcmp(a, "--emit=ll") == 0 && !is_run) {
      b->emit_ptx = 1 + EMIT_PTX_LL;
    } else if (strcmp(a, "--emit=host-obj") == 0 && !is_run) {
      b->emit_ptx = 1 + EMIT_PTX_HOST_OBJ; /* the --gpu=emulate object */
    } else if (strcmp(a, "--emit=host-ll") == 0 && !is_run) {
      b->emit_ptx = 1 + EMIT_PTX_HOST_LL;
    } else if (strncmp(a, "--emit=", 7) == 0) {
      return main_usage_error("unsupported output `%s` (--emit=c, ptx, ll, host-obj or host-ll)", a);
    } else if (strncmp(a, "--gpu=", 6) == 0) {
      static const char *modes[] = {"off", "auto", "on", "emulate"};
      int m = -1;
      for (int k = 0; k < 4; k++)
        if (strcmp(a + 6, modes[k]) == 0) m = k;
      if (m < 0) return main_usage_error("unknown GPU mode in `%s` (auto, on, off, emulate)", a);
      b->opt.gpu_mode = m; /* AR_GPU_* */
    } else if (strncmp(a, "--gpu-arch=", 11) == 0) {
      if (!emit_ptx_arch_ok(a + 11))
        return main_usage_error("unsupported GPU architecture in `%s` (sm_75, sm_80, "
                                "sm_86, sm_87, sm_89, sm_90, sm_90a)", a);
      b->opt.gpu_arch = a + 11;
    } else if (strncmp(a, "--stdlib=", 9) == 0) {
      b->opt.stdlib_dir = a + 9;
    } else if (strcmp(a, "--dump-after=lower") == 0 && !is_run) {
      b->opt.dump_after = PASS_LOWER;
      b->emit_c = true;
    } else if (strncmp(a, "--diag-format=", 14) == 0) {
      const char *f = a + 14;
      if (strcmp(f, "human") == 0) b->opt.diag_format = DIAG_FMT_HUMAN;
      else if (strcmp(f, "plain") == 0) b->opt.diag_format = DIAG_FMT_PLAIN;
      else if (strcmp(f, "json") == 0) b->opt.diag_format = DIAG_FMT_JSON;
      else return main_usage_error("unknown diagnostic format in `%s`", a);
    } else if (strncmp(a, "--color=", 8) == 0) {
      const char *c = a + 8;
      if (strcmp(c, "never") == 0) b->opt.color = DIAG_COLOR_NEVER;
      else if (strcmp(c, "always") == 0) b->opt.color = DIAG_COLOR_ALWAYS;
      else b->opt.color = DIAG_COLOR_AUTO;
    } else if (a[0] == '-' && a[1]) {
      return main_usage_error("unknown option `%s`", a);
    } else if (!b->file) {
      b->file = a;
    } else if (is_run) {
      /* arguments after the file belong to the program */
      b->run_args = argv + i;
      b->run_nargs = argc - i;
      break;
    } else {
      return main_usage_error("`build` takes one file (extra `%s`)", a);
    }
  }
  if (!b->file) return main_usage_error("a source file is needed%s", "");
  return 0;
}

/* Runs argv (NULL-terminated), waits; returns its exit status or -1. */
static int main_spawn(char **argv) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "actorc: cannot run `%s`: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *main_env(const char *name, const char *dflt) {
  const char *v = getenv(name);
  return v && *v ? v : dflt;
}

/* The C for b->file into c_path; 0 ok, else an exit code. */
/* The C for b->file, written to c_path only when compilation succeeded
 * (nothing is created or truncated on error); 0 ok, else an exit code. */
static int main_gen_c(main_build *b, const char *c_path, ac_ctx **out_cx) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) {
    fprintf(stderr, "actorc: out of memory\n");
    return 3;
  }
  ac_ctx *cx = ac_ctx_new(&b->opt);
  bool ok = ac_emit_c_file(cx, b->file, mem);
  fclose(mem);
  if (!ok) {
    free(text);
    ac_ctx_free(cx);
    return 1;
  }
  FILE *f = strcmp(c_path, "-") == 0 ? stdout : fopen(c_path, "w");
  if (!f || fwrite(text, 1, len, f) != len || (f != stdout && fclose(f) != 0)) {
    fprintf(stderr, "actorc: cannot write `%s`: %s\n", c_path, strerror(errno));
    free(text);
    ac_ctx_free(cx);
    return 2;
  }
  fflush(stdout);
  free(text);
  if (out_cx) *out_cx = cx;
  else ac_ctx_free(cx);
  return 0;
}

static int main_cc(main_build *b, const char *c_path, const char *exe) {
  char inc[4096];
  snprintf(inc, sizeof inc, "-I%s", main_env("ACTORC_RUNTIME_DIR", AC_RUNTIME_DIR));
  const char *lib = main_env("ACTORC_LIBACTOR", AC_LIBACTOR);
  char *argv[64];
  int n = 0;
  argv[n++] = (char *)main_env("CC", "cc");
  /* $ACTORC_CFLAGS: extra words for the C compiler (sanitizer test runs) */
  static char extra[1024];
  snprintf(extra, sizeof extra, "%s", main_env("ACTORC_CFLAGS", ""));
  for (char *tok = strtok(extra, " "); tok && n < 40; tok = strtok(NULL, " "))
    argv[n++] = tok;
  argv[n++] = "-std=c11";
  argv[n++] = (char *)b->olevel;
  argv[n++] = "-D_GNU_SOURCE";
  argv[n++] = inc;
  argv[n++] = (char *)c_path;
  /* --gpu=emulate: the ring kernels' host object (driver.c wrote it) */
  if (b->opt.ring_host_obj && access(b->opt.ring_host_obj, R_OK) == 0)
    argv[n++] = (char *)b->opt.ring_host_obj;
  argv[n++] = (char *)lib;
  if (access(AC_MSGPACK_LIB, R_OK) == 0) argv[n++] = AC_MSGPACK_LIB;
  argv[n++] = "-pthread";
  argv[n++] = "-lm";
  argv[n++] = "-o";
  argv[n++] = (char *)exe;
  argv[n] = NULL;
  int rc = main_spawn(argv);
  if (rc != 0) {
    fprintf(stderr, "actorc: internal error: the C compiler failed on the "
                    "generated code (%s); this is a bug in actorc\n", c_path);
    return 3;
  }
  return 0;
}

/* --emit=ptx / --emit=ll: the ring kernels alone (emit_ptx.c). */
static int main_emit_ptx(main_build *b) {
  ac_ctx *cx = ac_ctx_new(&b->opt);
  char *text = NULL;
  size_t len = 0;
  bool no_ring = false;
  bool ok = ac_emit_ptx_file(cx, b->file, (emit_ptx_kind)(b->emit_ptx - 1),
                             &text, &len, &no_ring);
  ac_ctx_free(cx);
  if (no_ring) {
    free(text);
    return main_usage_error("`%s` has no `ring actor`: there is no kernel to emit "
                            "(--emit=ptx and --emit=ll are for ring actors)", b->file);
  }
  if (!ok) {
    free(text);
    return 1;
  }
  const char *out = b->out ? b->out : "-";
  if (strcmp(out, "-") == 0 && b->emit_ptx - 1 == EMIT_PTX_HOST_OBJ) {
    free(text);
    return main_usage_error("--emit=host-obj needs `-o FILE`%s", "");
  }
  FILE *f = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
  if (!f || fwrite(text, 1, len, f) != len || (f != stdout && fclose(f) != 0)) {
    fprintf(stderr, "actorc: cannot write `%s`: %s\n", out, strerror(errno));
    free(text);
    return 2;
  }
  fflush(stdout);
  free(text);
  return 0;
}

static int main_build_cmd(int argc, char **argv) {
  main_build b;
  int rc = main_parse_build(argc, argv, &b, false);
  if (rc) return rc;
  if (b.emit_ptx) return main_emit_ptx(&b);
  if (b.emit_c) {
    const char *out = b.out ? b.out : "-";
    return main_gen_c(&b, out, NULL);
  }
  char dir[] = "/tmp/actorc-XXXXXX";
  if (!mkdtemp(dir)) {
    fprintf(stderr, "actorc: cannot create a temporary folder: %s\n", strerror(errno));
    return 2;
  }
  char c_path[64], host_obj[64];
  snprintf(c_path, sizeof c_path, "%s/main.c", dir);
  snprintf(host_obj, sizeof host_obj, "%s/rings_host.o", dir);
  b.opt.ring_host_obj = host_obj;
  rc = main_gen_c(&b, c_path, NULL);
  if (rc == 0) {
    const char *exe = b.out;
    char dflt[4096];
    if (!exe) {
      /* app.actor -> app */
      const char *base = strrchr(b.file, '/');
      base = base ? base + 1 : b.file;
      snprintf(dflt, sizeof dflt, "%s", base);
      char *dot = strrchr(dflt, '.');
      if (dot && dot != dflt) *dot = 0;
      exe = dflt;
    }
    rc = main_cc(&b, c_path, exe);
  }
  if (rc != 3) unlink(c_path);
  if (rc != 3) unlink(host_obj);
  if (rc != 3) rmdir(dir);
  return rc;
}

static uint64_t main_fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static int main_mkdirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
  return 0;
}

static int main_run_cmd(int argc, char **argv) {
  main_build b;
  int rc = main_parse_build(argc, argv, &b, true);
  if (rc) return rc;
  char cache[4096];
  const char *xdg = getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) snprintf(cache, sizeof cache, "%s/actorc", xdg);
  else snprintf(cache, sizeof cache, "%s/.cache/actorc", main_env("HOME", "/tmp"));
  if (main_mkdirs(cache) != 0) {
    fprintf(stderr, "actorc: cannot create `%s`: %s\n", cache, strerror(errno));
    return 2;
  }
  /* generate C first (it also loads every imported file), then key the
   * cache by the content of every input, the compiler and the runtime */
  char c_path[4200];
  snprintf(c_path, sizeof c_path, "%s/tmp-%ld.c", cache, (long)getpid());
  static char host_obj[4200];
  snprintf(host_obj, sizeof host_obj, "%s/tmp-%ld-rings.o", cache, (long)getpid());
  b.opt.ring_host_obj = host_obj;
  ac_ctx *cx = NULL;
  rc = main_gen_c(&b, c_path, &cx);
  if (rc) return rc;
  uint64_t h = 1469598103934665603ull;
  h = main_fnv(h, AC_VERSION, strlen(AC_VERSION));
  h = main_fnv(h, b.olevel, strlen(b.olevel));
  h = main_fnv(h, &b.opt.gpu_mode, sizeof b.opt.gpu_mode);
  if (b.opt.gpu_arch) h = main_fnv(h, b.opt.gpu_arch, strlen(b.opt.gpu_arch));
  const char *cc = main_env("CC", "cc"), *cfl = main_env("ACTORC_CFLAGS", "");
  h = main_fnv(h, cc, strlen(cc) + 1);
  h = main_fnv(h, cfl, strlen(cfl) + 1);
  for (uint32_t i = 0; i < cx->nfiles; i++) {
    const source_file *sf = source_get(cx, i);
    h = main_fnv(h, sf->path, strlen(sf->path));
    h = main_fnv(h, sf->text, sf->len);
  }
  ac_ctx_free(cx);
  struct stat lst;
  if (stat(main_env("ACTORC_LIBACTOR", AC_LIBACTOR), &lst) == 0) {
    h = main_fnv(h, &lst.st_mtime, sizeof lst.st_mtime);
    h = main_fnv(h, &lst.st_size, sizeof lst.st_size);
  }
  struct stat self;
  if (stat("/proc/self/exe", &self) == 0) {
    h = main_fnv(h, &self.st_mtime, sizeof self.st_mtime);
    h = main_fnv(h, &self.st_size, sizeof self.st_size);
  }
  char exe[4300];
  snprintf(exe, sizeof exe, "%s/%016llx", cache, (unsigned long long)h);
  if (access(exe, X_OK) != 0) {
    char tmp_exe[4400];
    snprintf(tmp_exe, sizeof tmp_exe, "%s.tmp%ld", exe, (long)getpid());
    rc = main_cc(&b, c_path, tmp_exe);
    if (rc) return rc;
    if (rename(tmp_exe, exe) != 0) {
      fprintf(stderr, "actorc: cannot write `%s`: %s\n", exe, strerror(errno));
      return 2;
    }
  }
  unlink(c_path);
  unlink(host_obj);
  char **av = calloc((size_t)b.run_nargs + 2, sizeof *av);
  av[0] = exe;
  for (int i = 0; i < b.run_nargs; i++) av[i + 1] = b.run_args[i];
  fflush(stdout);
  execv(exe, av);
  fprintf(stderr, "actorc: cannot run `%s`: %s\n", exe, strerror(errno));
  return 2;
}

/* ------------------------------------------------------------ schema */

/* `actorc schema export|check ...`: everything lives in schema.c. */
static int main_schema_cmd(int argc, char **argv) {
  return ac_schema_main(argc, argv);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    main_usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    main_usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("actorc %s\n", AC_VERSION);
    return 0;
  }
  if (strcmp(cmd, "check") == 0) return main_check(argc - 2, argv + 2);
  if (strcmp(cmd, "explain") == 0) {
    if (argc != 3) return main_usage_error("`explain` takes one error code, e.g. `actorc explain E0101`%s", "");
    if (!ac_explain(argv[2], stdout)) {
      fprintf(stderr, "actorc: unknown error code `%s`\n", argv[2]);
      return 2;
    }
    return 0;
  }
  if (strcmp(cmd, "build") == 0) return main_build_cmd(argc - 2, argv + 2);
  if (strcmp(cmd, "run") == 0) return main_run_cmd(argc - 2, argv + 2);
  if (strcmp(cmd, "schema") == 0) return main_schema_cmd(argc - 2, argv + 2);
  if (strcmp(cmd, "fmt") == 0) {
    fprintf(stderr, "actorc: '%s' is not available yet\n", cmd);
    return 2;
  }
  return main_usage_error("unknown command `%s`", cmd);
}
