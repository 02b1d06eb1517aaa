// A stand-in for cuBLAS/cuDNN in the library-search checks: a shared library with one probe symbol.
#include <cstddef>

extern "C" __attribute__((visibility("default"))) size_t ctc4j_standin_version() { return 10203; }
