// Marks math shared by the CPU and CUDA backends.
#pragma once
#if defined(__CUDACC__)
#define CTC4J_HD __host__ __device__ __forceinline__
#else
#define CTC4J_HD inline
#endif
