/* ari_gpu.h — internal header of libactor's GPU side (runtime/cuda.c,
 * runtime/buf.c, runtime/ring.c; bench/gpu links it too).  The CUDA driver
 * API is reached through dlopen("libcuda.so.1") and a table of function
 * pointers, so neither libactor nor generated programs need the CUDA
 * toolkit or libcuda at build time (TOOLCHAIN.md 3).  Never include this
 * together with <cuda.h>: the few types below reuse the driver's names.
 * Contract for the memory shared with kernels: runtime/RING.md.
 */
#ifndef ARI_GPU_H
#define ARI_GPU_H

#include "ar.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ driver types
 * Values copied from /usr/local/cuda/include/cuda.h (CUDA 13.0); they are
 * part of the driver ABI and do not change between releases. */
typedef int CUresult;                  /* enum cudaError_enum */
typedef int CUdevice;                  /* CUdevice_v1 */
typedef unsigned long long CUdeviceptr; /* CUdeviceptr_v2 (64-bit) */
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphNode_st *CUgraphNode;
typedef struct CUgraphExec_st *CUgraphExec;

enum {
  ARI_CUDA_SUCCESS = 0,
  ARI_CUDA_ERROR_STUB_LIBRARY = 34,       /* cuInit: the toolkit's stub */
  ARI_CUDA_ERROR_INSUFFICIENT_DRIVER = 35,/* cuInit: driver too old */
  ARI_CUDA_ERROR_NO_DEVICE = 100,         /* cuInit/cuDeviceGet */
  ARI_CUDA_ERROR_NOT_READY = 600          /* cuStreamQuery: still running */
};
enum {
  /* CUdevice_attribute */
  ARI_CU_ATTR_MULTIPROCESSOR_COUNT = 16,
  ARI_CU_ATTR_CAN_MAP_HOST_MEMORY = 19,
  ARI_CU_ATTR_CC_MAJOR = 75, /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */
  ARI_CU_ATTR_CC_MINOR = 76,
  /* CUjit_option */
  ARI_CU_JIT_INFO_LOG_BUFFER = 3,
  ARI_CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,
  ARI_CU_JIT_ERROR_LOG_BUFFER = 5,
  ARI_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
  /* cuMemHostAlloc flags */
  ARI_CU_MEMHOSTALLOC_PORTABLE = 0x01,
  ARI_CU_MEMHOSTALLOC_DEVICEMAP = 0x02,
  /* CUstream_flags */
  ARI_CU_STREAM_NON_BLOCKING = 0x1
};

/* CUDA_KERNEL_NODE_PARAMS_v2 (what cuGraphAddKernelNode_v2 takes). */
typedef struct ari_cu_kernel_node_params {
  CUfunction func;
  unsigned int gridDimX, gridDimY, gridDimZ;
  unsigned int blockDimX, blockDimY, blockDimZ;
  unsigned int sharedMemBytes;
  void **kernelParams;
  void **extra;
  void *kern;    /* CUkernel: used only when func is NULL */
  CUcontext ctx; /* ignored when func is set */
} ari_cu_kernel_node_params;

/* The driver entry points, resolved by exported symbol name (the comment
 * names the symbol where cuda.h's #define hides a suffix).  Filled by
 * ar_gpu_configure when it loads the driver; the graph entries are optional
 * (NULL when the driver lacks them) and used only by bench/gpu. */
typedef struct ari_cu_api {
  CUresult (*Init)(unsigned int flags);
  CUresult (*DriverGetVersion)(int *v);
  CUresult (*GetErrorString)(CUresult e, const char **s);
  CUresult (*GetErrorName)(CUresult e, const char **s);
  CUresult (*DeviceGet)(CUdevice *d, int ordinal);
  CUresult (*DeviceGetName)(char *name, int len, CUdevice d);
  CUresult (*DeviceGetAttribute)(int *v, int attr, CUdevice d);
  CUresult (*DevicePrimaryCtxRetain)(CUcontext *c, CUdevice d);
  CUresult (*DevicePrimaryCtxRelease)(CUdevice d); /* ..._v2 */
  CUresult (*CtxSetCurrent)(CUcontext c);
  CUresult (*CtxSynchronize)(void);
  CUresult (*ModuleLoadDataEx)(CUmodule *m, const void *image, unsigned int n,
                               int *opts, void **vals);
  CUresult (*ModuleGetFunction)(CUfunction *f, CUmodule m, const char *name);
  CUresult (*ModuleUnload)(CUmodule m);
  CUresult (*MemHostAlloc)(void **p, size_t n, unsigned int flags);
  CUresult (*MemHostGetDevicePointer)(CUdeviceptr *d, void *p,
                                      unsigned int flags); /* ..._v2 */
  CUresult (*MemFreeHost)(void *p);
  CUresult (*MemAlloc)(CUdeviceptr *d, size_t n);           /* ..._v2 */
  CUresult (*MemFree)(CUdeviceptr d);                       /* ..._v2 */
  CUresult (*MemsetD8)(CUdeviceptr d, unsigned char v, size_t n); /* _v2 */
  CUresult (*StreamCreate)(CUstream *s, unsigned int flags);
  CUresult (*StreamQuery)(CUstream s);
  CUresult (*StreamSynchronize)(CUstream s);
  CUresult (*StreamDestroy)(CUstream s);                    /* ..._v2 */
  CUresult (*LaunchKernel)(CUfunction f, unsigned int gx, unsigned int gy,
                           unsigned int gz, unsigned int bx, unsigned int by,
                           unsigned int bz, unsigned int shmem, CUstream s,
                           void **params, void **extra);
  CUresult (*OccupancyMaxActiveBlocksPerMultiprocessor)(int *n, CUfunction f,
                                                        int block_size,
                                                        size_t dyn_smem);
  /* optional */
  CUresult (*GraphCreate)(CUgraph *g, unsigned int flags);
  CUresult (*GraphAddKernelNode)(CUgraphNode *n, CUgraph g,
                                 const CUgraphNode *deps, size_t ndeps,
                                 const ari_cu_kernel_node_params *p); /* _v2 */
  CUresult (*GraphInstantiate)(CUgraphExec *e, CUgraph g,
                               unsigned long long flags); /* ...WithFlags */
  CUresult (*GraphLaunch)(CUgraphExec e, CUstream s);
  CUresult (*GraphExecDestroy)(CUgraphExec e);
  CUresult (*GraphDestroy)(CUgraph g);
} ari_cu_api;

/* Written by ar_gpu_configure (main thread, before ar_run); read-only
 * afterwards, so threads created later see it without synchronisation. */
extern ari_cu_api ari_cu;

/* Any thread, after ar_gpu_configure found a GPU: makes the primary
 * context current on the calling thread (once per thread; a thread-local
 * flag).  Every thread calls it before its first driver call. */
void ari_gpu_bind(void);
/* Any thread.  "CUDA_ERROR_X (n): text" into buf (n bytes); returns buf.
 * Works without a driver (then only the number and a built-in name). */
const char *ari_cu_err(CUresult r, char *buf, size_t n);
/* Any thread, GPU active.  Loads `ptx` (NUL-terminated) with the JIT error
 * log enabled and looks up `kernel`.  false: *err (n bytes) says why,
 * including the JIT log.  The module lives until the process ends. */
bool ari_gpu_load(const char *ptx, const char *kernel, CUfunction *out,
                  char *err, size_t n);
/* GPU active: multiprocessor count and the device name. */
int ari_gpu_sm_count(void);
const char *ari_gpu_device_name(void);
/* Any thread, GPU active.  `n` bytes of mapped pinned host memory
 * (DEVICEMAP|PORTABLE), zeroed; *dev = its device address.  Aborts with a
 * message when the driver refuses (allocation failure policy). */
void *ari_gpu_host_alloc(size_t n, uint64_t *dev);
void ari_gpu_host_free(void *p);

/* ring.c: an interned copy of a reason text built at run time (kept until
 * the process ends, as ar_fail requires).  Any thread; takes a mutex. */
const char *ari_ring_intern(const char *s);

#endif
