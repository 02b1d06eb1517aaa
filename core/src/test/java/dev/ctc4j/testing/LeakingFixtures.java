package dev.ctc4j.testing;

import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/**
 * Test classes that leak on purpose, run only by {@link NativeMemoryLeakCheckTest} (the suite skips
 * nested classes); it frees what they leave behind.
 */
final class LeakingFixtures {
  private LeakingFixtures() {}

  static class LeaksPointer {
    static FloatPointer leaked;

    @Test
    void allocatesAndForgets() {
      leaked = new FloatPointer(1 << 20);
    }
  }

  static class LeaksTensor {
    static Tensor leaked;

    @Test
    void allocatesAndForgets() {
      leaked = Tensor.zeros(Device.CPU, DType.F32, 1 << 16);
    }
  }

  static class Tidy {
    @Test
    void closesWhatItAllocates() {
      try (FloatPointer p = new FloatPointer(1 << 20); Tensor t = Tensor.zeros(Device.CPU, DType.F32, 1 << 16)) {
        p.put(0, 1f);
      }
    }
  }
}
