// Host memory behind ctc4j_alloc: 64-byte aligned blocks, large ones 2 MiB aligned on huge pages and
// kept for reuse when freed (up to a limit of idle bytes), and a count of the bytes in use.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ctc4j::host {

void* take(size_t bytes);        // throws Error(CTC4J_OUT_OF_MEMORY)
void give_back(void* p);         // p from take()
// The same blocks without the live count, for memory the library holds itself (support/scratch.h).
void* block(size_t bytes);
void release_block(void* p);     // p from block()
void set_cache_limit(size_t bytes);
size_t cache_idle_bytes();
int64_t live_bytes();            // taken and not given back, in the allocator's usable size

}  // namespace ctc4j::host
