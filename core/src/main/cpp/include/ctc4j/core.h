/* ctc4j native API: status codes, errors, threads, CPU features and CUDA discovery.
 * Every function returns a status (0 = OK); on failure ctc4j_last_error() holds the message for
 * the calling thread. No C++ exception or CUDA error ever leaves this API.
 *
 * Conventions of every header: functions are named ctc4j_<area>_<verb> (this header's library-wide
 * ones ctc4j_<verb>). What would take more than eight arguments travels in structs: a batch or a
 * layer's description, options, outputs. Each struct ctc4j_<area>_<name> has a defaults function
 * ctc4j_<area>_default_<name>() returning it filled in; set the fields you need and pass its address.
 * Structs stay on the caller's side: the library reads them during the call and keeps nothing. */
#ifndef CTC4J_CORE_H
#define CTC4J_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CTC4J_API __attribute__((visibility("default")))

enum ctc4j_status {
  CTC4J_OK = 0,
  CTC4J_INVALID_ARGUMENT = 1,
  CTC4J_OUT_OF_MEMORY = 2,
  CTC4J_UNAVAILABLE = 3, /* a device or backend that is not present */
  CTC4J_CUDA_ERROR = 4,
  CTC4J_INTERNAL = 5
};

/* Devices are plain ints: CTC4J_CPU, or a CUDA device ordinal >= 0. */
#define CTC4J_CPU (-1)

CTC4J_API const char* ctc4j_version(void);
/* Fingerprint of the structs libctc4j_cpu hands to libctc4j_cuda; the CUDA library exports its own
 * and is refused at load (ctc4j_cuda_status says so) when the two differ. */
CTC4J_API uint64_t ctc4j_abi_fingerprint(void);
CTC4J_API const char* ctc4j_last_error(void);

/* Space-separated SIMD features the kernels use on this CPU, e.g. "avx2 fma". */
CTC4J_API const char* ctc4j_cpu_features(void);
CTC4J_API int ctc4j_set_num_threads(int threads);
CTC4J_API int ctc4j_num_threads(void);

/* CUDA discovery never fails: count is 0 and ctc4j_cuda_status() says why when none is usable
 * ("not built", "no driver: ...", "no device", ...). The CUDA library is loaded on first call. */
CTC4J_API int ctc4j_cuda_device_count(int* count);
CTC4J_API const char* ctc4j_cuda_status(void);
/* The run-time libraries the CUDA backend opens (it never links them): the cuBLAS and cuDNN found, with
 * version and path, or for each missing one every place looked (CTC4J_CUBLAS_PATH / CTC4J_CUDNN_PATH,
 * LD_LIBRARY_PATH and the system, pip nvidia-* folders); "no CUDA backend: <why>" without a usable device. */
CTC4J_API const char* ctc4j_cuda_libraries(void);
CTC4J_API int ctc4j_cuda_device_name(int device, char* name, int capacity);

/* Memory on a device (64-byte aligned on the CPU). Freeing NULL is a no-op. */
CTC4J_API int ctc4j_alloc(int device, size_t bytes, void** out);
CTC4J_API int ctc4j_free(int device, void* ptr);
CTC4J_API int ctc4j_copy(void* dst, int dst_device, const void* src, int src_device, size_t bytes);
CTC4J_API int ctc4j_zero(int device, void* ptr, size_t bytes);

/* Freed host blocks of 2 MiB or more are kept for reuse, up to a limit of idle bytes (default 512 MiB;
 * 0 keeps none). Setting the limit frees idle blocks beyond it. */
CTC4J_API int ctc4j_set_host_cache_limit(size_t bytes);
CTC4J_API size_t ctc4j_host_cache_idle_bytes(void);
/* Host bytes allocated by ctc4j_alloc and not yet freed (idle cached blocks are not counted): a leak
 * check's baseline. Counted in the allocator's usable size, so a little above the bytes asked for. */
CTC4J_API int64_t ctc4j_host_live_bytes(void);

/* The kernels' temporaries come from per-thread scratch arenas, taken and given back within each call.
 * When a thread's call ends its arena keeps at most the scratch limit (default 64 MiB) for the next
 * call and releases the rest. ctc4j_scratch_bytes: what every thread's arena holds now, in use or
 * kept (not part of ctc4j_host_live_bytes). */
CTC4J_API int64_t ctc4j_scratch_bytes(void);
CTC4J_API int ctc4j_set_scratch_limit(size_t bytes);
CTC4J_API size_t ctc4j_scratch_limit(void);

#ifdef __cplusplus
}
#endif
#endif
