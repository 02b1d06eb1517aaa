// Unit tests of the scratch arenas (core/src/main/cpp/support/scratch.h): frames never share memory,
// taking below an open frame is refused, and what a thread keeps after a call stays within the
// limit. Built with the native libraries (CMake target ctc4j_native_tests) and run by the Java
// suite's NativeScratchTest; prints one line per test and exits 1 on the first failure.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/error.h"
#include "support/scratch.h"

using ctc4j::ScratchFrame;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

bool disjoint(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
  const auto x = reinterpret_cast<uintptr_t>(a), y = reinterpret_cast<uintptr_t>(b);
  return x + a_bytes <= y || y + b_bytes <= x;
}

// Two kernels on one thread, the second called while the first still uses its buffer (as the fused
// log-softmax of the CTC loss calls the CTC kernel): the second's buffers lie apart from the first's,
// and the first's contents survive; a buffer taken after the second ended does not reach the first's.
void nested_frames_do_not_collide() {
  const size_t n = 100000;
  ScratchFrame outer;
  float* a = outer.take<float>(n);
  for (size_t i = 0; i < n; ++i) a[i] = 1.0f;
  const float* inner_buffer;
  {
    ScratchFrame inner;
    float* b = inner.take<float>(n);
    double* c = inner.take<double>(n);
    for (size_t i = 0; i < n; ++i) b[i] = 2.0f, c[i] = 3.0;
    expect(disjoint(a, n * 4, b, n * 4) && disjoint(a, n * 4, c, n * 8) && disjoint(b, n * 4, c, n * 8),
           "a nested frame's buffers lie apart from each other and from the outer frame's");
    inner_buffer = b;
  }
  bool intact = true;
  for (size_t i = 0; i < n; ++i) intact &= a[i] == 1.0f;
  expect(intact, "the outer frame's buffer keeps its contents through the nested frame");
  ScratchFrame again;
  float* d = again.take<float>(n);
  expect(disjoint(a, n * 4, d, n * 4), "a later frame's buffer does not reach the outer frame's");
  expect(d == inner_buffer, "a later frame reuses the memory an ended frame gave back");
  for (size_t i = 0; i < n; ++i) d[i] = 4.0f;
  intact = true;
  for (size_t i = 0; i < n; ++i) intact &= a[i] == 1.0f;
  expect(intact, "and writing it leaves the outer frame's contents alone");
}

// Taking from a frame below the innermost would hand out memory that the inner frame gives back.
void taking_below_an_open_frame_is_refused() {
  ScratchFrame outer;
  ScratchFrame inner;
  inner.take<float>(16);
  try {
    outer.take<float>(16);
    expect(false, "taking from an outer frame while an inner one is open throws");
  } catch (const ctc4j::Error& e) {
    expect(e.status() == CTC4J_INTERNAL, std::string("taking from an outer frame while an inner one is open throws: ") +
                                             e.what());
  }
}

// After a call much larger than the limit, the thread keeps at most the limit; after a call within
// it, one block that fits the whole call (so the next such call allocates nothing).
void held_scratch_is_bounded() {
  const size_t limit = size_t{1} << 20;
  const size_t before_limit = ctc4j::scratch_limit();
  ctc4j::set_scratch_limit(limit);
  const int64_t base = ctc4j::scratch_bytes();  // other threads' (none here) and this one's before
  {
    ScratchFrame call;
    float* big = call.take<float>(size_t{8} << 20);  // 32 MiB
    big[0] = big[(size_t{8} << 20) - 1] = 1.0f;
    expect(ctc4j::scratch_bytes() - base >= (int64_t{32} << 20), "a 32 MiB call holds 32 MiB while it runs");
  }
  expect(ctc4j::scratch_bytes() <= static_cast<int64_t>(limit), "after it, the thread holds at most the 1 MiB limit (" +
                                                                      std::to_string(ctc4j::scratch_bytes()) + " bytes)");
  for (int call = 0; call < 2; ++call) {
    ScratchFrame frame;
    for (int i = 0; i < 8; ++i) frame.take<char>(size_t{100} << 10);  // 800 KiB in pieces: more than one block
  }
  const int64_t kept = ctc4j::scratch_bytes();
  expect(kept > 0 && kept <= static_cast<int64_t>(limit),
         "calls within the limit leave one block for the next (" + std::to_string(kept) + " bytes)");
  {
    ScratchFrame frame;
    for (int i = 0; i < 8; ++i) frame.take<char>(size_t{100} << 10);
    expect(ctc4j::scratch_bytes() == kept, "and the next such call allocates nothing");
  }
  ctc4j::set_scratch_limit(before_limit);
}

// Each thread has its own arena: concurrent frames never share memory, and a thread's arena is
// released when the thread ends.
void threads_have_their_own_arenas() {
  const int64_t before = ctc4j::scratch_bytes();
  const size_t n = 1 << 16;
  std::vector<float*> seen(4);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 1);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      ScratchFrame frame;
      float* p = frame.take<float>(n);
      for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>(t);
      seen[t] = p;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the others fill theirs meanwhile
      for (size_t i = 0; i < n; ++i) ok[t] &= p[i] == static_cast<float>(t);
    });
  }
  for (auto& th : threads) th.join();
  bool apart = true;
  for (int i = 0; i < 4; ++i)
    for (int j = i + 1; j < 4; ++j) apart &= disjoint(seen[i], n * 4, seen[j], n * 4);
  expect(apart && ok == std::vector<int>(4, 1), "four threads' concurrent frames are apart and keep their contents");
  expect(ctc4j::scratch_bytes() == before, "ended threads hold no scratch");
}

}  // namespace

int main() {
  nested_frames_do_not_collide();
  taking_below_an_open_frame_is_refused();
  held_scratch_is_bounded();
  threads_have_their_own_arenas();
  std::printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
