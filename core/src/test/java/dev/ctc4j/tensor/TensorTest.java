package dev.ctc4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.testing.Seeds;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void roundTripsValuesOfEveryType() {
    SplittableRandom rng = Seeds.random("TensorTest.roundTripsValuesOfEveryType");
    float[] f = Seeds.gaussian(rng, 1000, 1);
    int[] i = rng.ints(24).toArray();
    long[] l = rng.longs(7).toArray();
    try (Tensor a = Tensor.of(Device.CPU, f, 10, 100);
        Tensor b = Tensor.of(Device.CPU, i, 2, 3, 4);
        Tensor c = Tensor.of(Device.CPU, l, 7);
        Tensor d = a.to(Device.CPU)) {
      assertArrayEquals(f, a.toFloatArray());
      assertArrayEquals(i, b.toIntArray());
      assertArrayEquals(l, c.toLongArray());
      assertArrayEquals(f, d.toFloatArray());
      assertArrayEquals(new long[] {2, 3, 4}, b.shape());
      assertEquals(96, b.byteSize());
    }
    try (Tensor z = Tensor.zeros(Device.CPU, DType.F32, 3, 0, 5); Tensor y = Tensor.zeros(Device.CPU, DType.F32, 64)) {
      assertEquals(0, z.numel());
      for (float v : y.toFloatArray()) assertEquals(0f, v);
    }
  }

  /**
   * Large host blocks are reused after close: threads that keep several large tensors of random
   * sizes alive at once each find their own values intact (no block handed to two owners), and a
   * zeros tensor on a reused block holding ones reads zero.
   */
  @Test
  void reusedLargeBlocksBelongToOneTensorAtATime() throws Exception {
    SplittableRandom seeds = Seeds.random("TensorTest.reusedLargeBlocks");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<?>[] done = new Future<?>[4];
      for (int w = 0; w < done.length; w++) {
        SplittableRandom rng = seeds.split();
        float mark = w + 1;
        done[w] = pool.submit(() -> {
          Deque<Filled> live = new ArrayDeque<>();
          try {
            for (int i = 0; i < 24; i++) {
              float value = mark * 1000 + i;
              int n = rng.nextInt(1 << 19, 3 << 20);  // 2 to 12 MiB
              live.addLast(new Filled(Tensor.of(Device.CPU, filled(n, value), n), value));
              if (live.size() > 3) live.removeFirst().checkAndClose();
            }
            while (!live.isEmpty()) live.removeFirst().checkAndClose();
          } finally {
            live.forEach(f -> f.tensor.close());
          }
          return null;
        });
      }
      for (Future<?> f : done) f.get();
    } finally {
      pool.shutdownNow();
    }
    int n = 5 << 20;
    try (Tensor ones = Tensor.of(Device.CPU, filled(n, 1f), n)) {
      assertEquals(1f, ones.toFloatArray()[n - 1]);
    }
    try (Tensor z = Tensor.zeros(Device.CPU, DType.F32, n)) {
      assertArrayEquals(new float[n], z.toFloatArray());
    }
  }

  @Test
  void theHostCacheKeepsClosedLargeBlocksUpToItsLimit() {
    long mib = 1 << 20;
    try {
      Ctc4j.setHostCacheLimit(64 * mib);
      assertTrue(Ctc4j.hostCacheIdleBytes() <= 64 * mib, "lowering the limit frees idle blocks beyond it");
      Tensor.zeros(Device.CPU, DType.F32, 4 << 20).close();  // 16 MiB
      long idle = Ctc4j.hostCacheIdleBytes();
      assertTrue(idle >= 16 * mib && idle <= 64 * mib, "idle bytes " + idle);
      Tensor.zeros(Device.CPU, DType.F32, 20 << 20).close();  // 80 MiB: over the limit, freed
      assertTrue(Ctc4j.hostCacheIdleBytes() <= 64 * mib);
      Ctc4j.setHostCacheLimit(0);
      assertEquals(0, Ctc4j.hostCacheIdleBytes());
      Tensor.zeros(Device.CPU, DType.F32, 4 << 20).close();
      assertEquals(0, Ctc4j.hostCacheIdleBytes(), "a limit of 0 keeps nothing");
      assertThrows(InvalidInputException.class, () -> Ctc4j.setHostCacheLimit(-1));
    } finally {
      Ctc4j.setHostCacheLimit(512 * mib);
    }
  }

  private record Filled(Tensor tensor, float value) {
    void checkAndClose() {
      try (tensor) {
        for (float x : tensor.toFloatArray()) assertEquals(value, x, "a value of another tensor");
      }
    }
  }

  private static float[] filled(int n, float value) {
    float[] v = new float[n];
    Arrays.fill(v, value);
    return v;
  }

  @Test
  void rejectsBadShapesAndUseAfterClose() {
    assertThrows(InvalidInputException.class, () -> Tensor.of(Device.CPU, new float[5], 2, 2));
    assertThrows(InvalidInputException.class, () -> Tensor.empty(Device.CPU, DType.F32, 2, -1));
    assertThrows(ArithmeticException.class, () -> Tensor.empty(Device.CPU, DType.F32, Long.MAX_VALUE, 4));
    InvalidInputException absurd =
        assertThrows(InvalidInputException.class, () -> Tensor.empty(Device.CPU, DType.F32, 1L << 50));
    assertTrue(absurd.getMessage().contains("absurd"), absurd.getMessage());
    Tensor t = Tensor.of(Device.CPU, new float[] {1, 2}, 2);
    t.close();
    t.close();
    assertThrows(IllegalStateException.class, t::toFloatArray);
    try (Tensor f = Tensor.of(Device.CPU, new float[] {1}, 1)) {
      assertThrows(InvalidInputException.class, f::toIntArray);
    }
  }

  @Test
  void takeReshapedMovesTheMemoryWithoutCopying() {
    float[] v = {1, 2, 3, 4, 5, 6};
    Tensor t = Tensor.of(Device.CPU, v, 2, 3);
    long address = t.data().address();
    try (Tensor r = t.takeReshaped(3, 2)) {
      assertArrayEquals(new long[] {3, 2}, r.shape());
      assertEquals(address, r.data().address(), "the same memory");
      assertArrayEquals(v, r.toFloatArray());
      assertThrows(IllegalStateException.class, t::toFloatArray, "the source is left closed");
      t.close(); // a no-op: r owns the memory now
      assertArrayEquals(v, r.toFloatArray());
      assertThrows(InvalidInputException.class, () -> r.takeReshaped(4, 2));
      assertArrayEquals(v, r.toFloatArray(), "a refused reshape keeps the tensor");
    }
    assertThrows(IllegalStateException.class, () -> t.takeReshaped(6));
  }

  @Test
  void cudaIsReportedNotCrashedWhereAbsent() {
    String status = Device.cudaStatus();
    assertTrue(!status.isBlank());
    if (Device.cudaDeviceCount() == 0) {
      DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
          () -> Tensor.zeros(Device.cuda(0), DType.F32, 4));
      assertTrue(e.getMessage().contains(status), e.getMessage());
      assertEquals(Device.CPU, Device.best());
    }
    assertEquals(Device.cuda(3), Device.parse("cuda:3"));
    assertEquals(Device.CPU, Device.parse(" CPU "));
    assertThrows(InvalidInputException.class, () -> Device.parse("tpu"));
    assertThrows(InvalidInputException.class, () -> Device.parse("cuda:x"));
  }
}
