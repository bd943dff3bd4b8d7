/* cuda.c — the CUDA driver API through dlopen (TOOLCHAIN.md 3) and the
 * execution mode of ring actors (RING.md 1): ar_gpu_configure, ar_gpu_mode,
 * ar_gpu_active, ar_gpu_describe, plus the internal helpers of ari_gpu.h
 * (context binding, PTX loading, mapped pinned memory).  Never includes
 * cuda.h and never links libcuda: machines without the toolkit or a GPU
 * must build and run every program (on the CPU fallback).
 */
#include "ari.h"
#include "ari_gpu.h"

#include <dlfcn.h>
#include <string.h>

ari_cu_api ari_cu;

/* Global GPU state.  Written only by ar_gpu_configure, which runs on the
 * main thread before ar_run (ar.h); every other thread that reads it is
 * created afterwards (pthread_create orders the writes before it), so the
 * fields are plain. */
static struct {
  int mode;       /* effective AR_GPU_* */
  bool active;    /* a GPU is in use (mode == AR_GPU_ON) */
  void *lib;      /* dlopen handle (kept open once a GPU is in use) */
  CUdevice dev;
  CUcontext ctx;  /* the device's primary context (retained) */
  int sms, cc_major, cc_minor, driver;
  unsigned gen;   /* bumped per successful initialisation (ari_gpu_bind) */
  char name[256];
  char desc[1024];
} ari_gpu_ = {.desc = "GPU not configured (ar_gpu_configure was not called)"};

/* the generation whose context this thread made current */
static _Thread_local unsigned ari_gpu_bound_;

static const char *ari_mode_name(int m) {
  switch (m) {
  case AR_GPU_OFF: return "off";
  case AR_GPU_AUTO: return "auto";
  case AR_GPU_ON: return "on";
  case AR_GPU_EMULATE: return "emulate";
  default: return "?";
  }
}

/* ------------------------------------------------------------ errors */

static const char *ari_cu_builtin_name(CUresult r) {
  switch (r) {
  case 0: return "CUDA_SUCCESS";
  case 1: return "CUDA_ERROR_INVALID_VALUE";
  case 2: return "CUDA_ERROR_OUT_OF_MEMORY";
  case 3: return "CUDA_ERROR_NOT_INITIALIZED";
  case 34: return "CUDA_ERROR_STUB_LIBRARY";
  case 35: return "CUDA_ERROR_INSUFFICIENT_DRIVER";
  case 46: return "CUDA_ERROR_DEVICE_UNAVAILABLE";
  case 100: return "CUDA_ERROR_NO_DEVICE";
  case 200: return "CUDA_ERROR_INVALID_IMAGE";
  case 209: return "CUDA_ERROR_NO_BINARY_FOR_GPU";
  case 218: return "CUDA_ERROR_INVALID_PTX";
  case 222: return "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
  case 500: return "CUDA_ERROR_NOT_FOUND";
  case 600: return "CUDA_ERROR_NOT_READY";
  case 700: return "CUDA_ERROR_ILLEGAL_ADDRESS";
  case 701: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
  case 702: return "CUDA_ERROR_LAUNCH_TIMEOUT";
  case 719: return "CUDA_ERROR_LAUNCH_FAILED";
  case 803: return "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH";
  case 804: return "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE";
  default: return "CUDA_ERROR";
  }
}

const char *ari_cu_err(CUresult r, char *buf, size_t n) {
  const char *name = NULL, *text = NULL;
  /* the stub library answers these with an error and no string */
  if (ari_cu.GetErrorName == NULL || ari_cu.GetErrorName(r, &name) != 0)
    name = NULL;
  if (ari_cu.GetErrorString == NULL || ari_cu.GetErrorString(r, &text) != 0)
    text = NULL;
  if (name == NULL)
    name = ari_cu_builtin_name(r);
  if (text != NULL)
    snprintf(buf, n, "%s (%d): %s", name, r, text);
  else
    snprintf(buf, n, "%s (%d)", name, r);
  return buf;
}

/* ------------------------------------------------------------ loading */

/* Resolve every entry point; false + *why when a required one is missing. */
static bool ari_cu_resolve(void *lib, const char *path, char *why, size_t n) {
  static const struct {
    const char *sym;
    size_t off;
    bool optional;
  } tab[] = {
#define ARI_SYM(field, sym, opt) {sym, offsetof(ari_cu_api, field), opt}
      ARI_SYM(Init, "cuInit", false),
      ARI_SYM(DriverGetVersion, "cuDriverGetVersion", false),
      ARI_SYM(GetErrorString, "cuGetErrorString", false),
      ARI_SYM(GetErrorName, "cuGetErrorName", false),
      ARI_SYM(DeviceGet, "cuDeviceGet", false),
      ARI_SYM(DeviceGetName, "cuDeviceGetName", false),
      ARI_SYM(DeviceGetAttribute, "cuDeviceGetAttribute", false),
      ARI_SYM(DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", false),
      ARI_SYM(DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", false),
      ARI_SYM(CtxSetCurrent, "cuCtxSetCurrent", false),
      ARI_SYM(CtxSynchronize, "cuCtxSynchronize", false),
      ARI_SYM(ModuleLoadDataEx, "cuModuleLoadDataEx", false),
      ARI_SYM(ModuleGetFunction, "cuModuleGetFunction", false),
      ARI_SYM(ModuleUnload, "cuModuleUnload", false),
      ARI_SYM(MemHostAlloc, "cuMemHostAlloc", false),
      ARI_SYM(MemHostGetDevicePointer, "cuMemHostGetDevicePointer_v2", false),
      ARI_SYM(MemFreeHost, "cuMemFreeHost", false),
      ARI_SYM(MemAlloc, "cuMemAlloc_v2", false),
      ARI_SYM(MemFree, "cuMemFree_v2", false),
      ARI_SYM(MemsetD8, "cuMemsetD8_v2", false),
      ARI_SYM(StreamCreate, "cuStreamCreate", false),
      ARI_SYM(StreamQuery, "cuStreamQuery", false),
      ARI_SYM(StreamSynchronize, "cuStreamSynchronize", false),
      ARI_SYM(StreamDestroy, "cuStreamDestroy_v2", false),
      ARI_SYM(LaunchKernel, "cuLaunchKernel", false),
      ARI_SYM(OccupancyMaxActiveBlocksPerMultiprocessor,
              "cuOccupancyMaxActiveBlocksPerMultiprocessor", false),
      ARI_SYM(GraphCreate, "cuGraphCreate", true),
      ARI_SYM(GraphAddKernelNode, "cuGraphAddKernelNode_v2", true),
      ARI_SYM(GraphInstantiate, "cuGraphInstantiateWithFlags", true),
      ARI_SYM(GraphLaunch, "cuGraphLaunch", true),
      ARI_SYM(GraphExecDestroy, "cuGraphExecDestroy", true),
      ARI_SYM(GraphDestroy, "cuGraphDestroy", true),
#undef ARI_SYM
  };
  ari_cu_api api;
  memset(&api, 0, sizeof api);
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    void *f = dlsym(lib, tab[i].sym);
    if (f == NULL && !tab[i].optional) {
      snprintf(why, n, "CUDA driver %s lacks %s", path, tab[i].sym);
      return false;
    }
    /* a data pointer converted to a function pointer: what dlsym is for
     * (POSIX guarantees the representation) */
    memcpy((char *)&api + tab[i].off, &f, sizeof f);
  }
  ari_cu = api;
  return true;
}

/* Load the driver, initialise it, open device 0's primary context.
 * false + *why (one line) when no GPU is usable. */
static bool ari_gpu_init(char *why, size_t n) {
  if (ari_gpu_.active)
    return true;
  const char *env = getenv("ACTOR_LIBCUDA");
  const char *path = env && *env ? env : "libcuda.so.1";
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    const char *e = dlerror();
    snprintf(why, n, "no CUDA driver: %s", e ? e : path);
    return false;
  }
  if (!ari_cu_resolve(lib, path, why, n)) {
    dlclose(lib);
    return false;
  }
  char eb[256];
  CUresult r = ari_cu.Init(0);
  if (r != ARI_CUDA_SUCCESS) {
    /* 34 stub, 35 driver too old, 100 no device: the usual "skip" cases */
    snprintf(why, n, "cuInit failed: %s", ari_cu_err(r, eb, sizeof eb));
    goto fail;
  }
  if ((r = ari_cu.DriverGetVersion(&ari_gpu_.driver)) != 0)
    ari_gpu_.driver = 0;
  if ((r = ari_cu.DeviceGet(&ari_gpu_.dev, 0)) != 0) {
    snprintf(why, n, "no CUDA device: %s", ari_cu_err(r, eb, sizeof eb));
    goto fail;
  }
  if (ari_cu.DeviceGetName(ari_gpu_.name, (int)sizeof ari_gpu_.name,
                           ari_gpu_.dev) != 0)
    snprintf(ari_gpu_.name, sizeof ari_gpu_.name, "CUDA device 0");
  int map = 0;
  if (ari_cu.DeviceGetAttribute(&ari_gpu_.cc_major, ARI_CU_ATTR_CC_MAJOR,
                                ari_gpu_.dev) != 0 ||
      ari_cu.DeviceGetAttribute(&ari_gpu_.cc_minor, ARI_CU_ATTR_CC_MINOR,
                                ari_gpu_.dev) != 0 ||
      ari_cu.DeviceGetAttribute(&ari_gpu_.sms,
                                ARI_CU_ATTR_MULTIPROCESSOR_COUNT,
                                ari_gpu_.dev) != 0 ||
      ari_cu.DeviceGetAttribute(&map, ARI_CU_ATTR_CAN_MAP_HOST_MEMORY,
                                ari_gpu_.dev) != 0) {
    snprintf(why, n, "%s: cannot read device attributes", ari_gpu_.name);
    goto fail;
  }
  if (ari_gpu_.cc_major * 10 + ari_gpu_.cc_minor < 75) {
    /* the PTX targets sm_75 and up (RING.md 5) */
    snprintf(why, n, "%s is sm_%d%d; ring kernels need sm_75 or newer",
             ari_gpu_.name, ari_gpu_.cc_major, ari_gpu_.cc_minor);
    goto fail;
  }
  if (!map) {
    snprintf(why, n, "%s cannot map host memory", ari_gpu_.name);
    goto fail;
  }
  if ((r = ari_cu.DevicePrimaryCtxRetain(&ari_gpu_.ctx, ari_gpu_.dev)) != 0) {
    snprintf(why, n, "cuDevicePrimaryCtxRetain failed: %s",
             ari_cu_err(r, eb, sizeof eb));
    goto fail;
  }
  ari_gpu_.lib = lib;
  ari_gpu_.active = true;
  ari_gpu_.gen++;
  ari_gpu_bind();
  /* The primary context stays retained for the life of the process: pinned
   * buffers may outlive ar_run, and the driver tears the context down at
   * exit.  The library stays loaded for the same reason. */
  return true;
fail:
  memset(&ari_cu, 0, sizeof ari_cu);
  dlclose(lib);
  return false;
}

/* ------------------------------------------------------------ mode */

/* RING.md 1: ACTOR_GPU may only narrow the build's mode.  Returns the
 * mode to use; prints one line when the variable is ignored. */
static int ari_gpu_narrow(int build) {
  const char *e = getenv("ACTOR_GPU");
  if (e == NULL || *e == '\0')
    return build;
  int want;
  if (strcmp(e, "off") == 0)
    want = AR_GPU_OFF;
  else if (strcmp(e, "auto") == 0)
    want = AR_GPU_AUTO;
  else if (strcmp(e, "on") == 0)
    want = AR_GPU_ON;
  else if (strcmp(e, "emulate") == 0)
    want = AR_GPU_EMULATE;
  else {
    fprintf(stderr,
            "actor: ACTOR_GPU=%s ignored: expected off, auto, on or "
            "emulate\n", e);
    return build;
  }
  /* allowed: anything -> off; auto -> on; X -> X */
  if (want == build || want == AR_GPU_OFF ||
      (build == AR_GPU_AUTO && want == AR_GPU_ON))
    return want;
  fprintf(stderr,
          "actor: ACTOR_GPU=%s ignored: the program was built with "
          "--gpu=%s, which it can only narrow\n",
          e, ari_mode_name(build));
  return build;
}

static bool ari_gpu_verbose(void) {
  const char *v = getenv("ACTOR_GPU_VERBOSE");
  return v != NULL && *v != '\0' && *v != '0';
}

void ar_gpu_configure(int mode) {
  if (mode < AR_GPU_OFF || mode > AR_GPU_EMULATE)
    ari_panic("ar_gpu_configure: bad mode %d", mode);
  int m = ari_gpu_narrow(mode);
  ari_gpu_.mode = m;
  if (m == AR_GPU_OFF) {
    snprintf(ari_gpu_.desc, sizeof ari_gpu_.desc,
             "GPU off: ring actors run on the CPU");
    return;
  }
  if (m == AR_GPU_EMULATE) {
    snprintf(ari_gpu_.desc, sizeof ari_gpu_.desc,
             "GPU emulated: ring kernels run on host threads");
    return;
  }
  char why[768];
  if (ari_gpu_init(why, sizeof why)) {
    ari_gpu_.mode = AR_GPU_ON;
    snprintf(ari_gpu_.desc, sizeof ari_gpu_.desc,
             "%s, sm_%d%d, %d SMs, driver %d.%d", ari_gpu_.name,
             ari_gpu_.cc_major, ari_gpu_.cc_minor, ari_gpu_.sms,
             ari_gpu_.driver / 1000, ari_gpu_.driver % 1000 / 10);
    if (ari_gpu_verbose())
      fprintf(stderr, "actor: GPU: %s\n", ari_gpu_.desc);
    return;
  }
  snprintf(ari_gpu_.desc, sizeof ari_gpu_.desc, "%s", why);
  if (m == AR_GPU_ON) {
    fprintf(stderr, "actor: GPU required (--gpu=on) but none is usable: %s\n",
            why);
    exit(70);
  }
  ari_gpu_.mode = AR_GPU_OFF;
  if (ari_gpu_verbose())
    fprintf(stderr, "actor: no usable GPU, ring actors run on the CPU: %s\n",
            why);
}

int ar_gpu_mode(void) { return ari_gpu_.mode; }
bool ar_gpu_active(void) { return ari_gpu_.active && ari_gpu_.mode == AR_GPU_ON; }
const char *ar_gpu_describe(void) { return ari_gpu_.desc; }

/* ------------------------------------------------------------ helpers */

void ari_gpu_bind(void) {
  if (ari_gpu_bound_ == ari_gpu_.gen)
    return;
  char eb[256];
  CUresult r = ari_cu.CtxSetCurrent(ari_gpu_.ctx);
  if (r != 0)
    ari_panic("cuCtxSetCurrent failed: %s", ari_cu_err(r, eb, sizeof eb));
  ari_gpu_bound_ = ari_gpu_.gen;
}

int ari_gpu_sm_count(void) { return ari_gpu_.sms; }
const char *ari_gpu_device_name(void) { return ari_gpu_.name; }

bool ari_gpu_load(const char *ptx, const char *kernel, CUfunction *out,
                  char *err, size_t n) {
  ari_gpu_bind();
  static char log[8192]; /* the JIT writes its log here; under the caller's
                            lock (ring.c loads modules under a mutex) */
  log[0] = '\0';
  int opts[2] = {ARI_CU_JIT_ERROR_LOG_BUFFER,
                 ARI_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *vals[2] = {log, (void *)(uintptr_t)sizeof log};
  CUmodule mod;
  char eb[256];
  CUresult r = ari_cu.ModuleLoadDataEx(&mod, ptx, 2, opts, vals);
  if (r != 0) {
    snprintf(err, n, "loading the PTX of %s failed: %s%s%s", kernel,
             ari_cu_err(r, eb, sizeof eb), log[0] ? "\nJIT log:\n" : "",
             log);
    return false;
  }
  r = ari_cu.ModuleGetFunction(out, mod, kernel);
  if (r != 0) {
    snprintf(err, n, "kernel %s not found in its PTX: %s", kernel,
             ari_cu_err(r, eb, sizeof eb));
    ari_cu.ModuleUnload(mod);
    return false;
  }
  return true;
}

void *ari_gpu_host_alloc(size_t n, uint64_t *dev) {
  ari_gpu_bind();
  void *p = NULL;
  char eb[256];
  CUresult r = ari_cu.MemHostAlloc(&p, n ? n : 1,
                                   ARI_CU_MEMHOSTALLOC_DEVICEMAP |
                                       ARI_CU_MEMHOSTALLOC_PORTABLE);
  if (r != 0)
    ari_panic("cuMemHostAlloc(%zu bytes) failed: %s", n,
              ari_cu_err(r, eb, sizeof eb));
  memset(p, 0, n);
  CUdeviceptr d = 0;
  r = ari_cu.MemHostGetDevicePointer(&d, p, 0);
  if (r != 0)
    ari_panic("cuMemHostGetDevicePointer failed: %s",
              ari_cu_err(r, eb, sizeof eb));
  *dev = (uint64_t)d;
  return p;
}

void ari_gpu_host_free(void *p) {
  if (p == NULL)
    return;
  ari_gpu_bind();
  char eb[256];
  CUresult r = ari_cu.MemFreeHost(p);
  if (r != 0)
    fprintf(stderr, "actor: cuMemFreeHost failed: %s\n",
            ari_cu_err(r, eb, sizeof eb));
}
