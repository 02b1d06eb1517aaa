package dev.ctc4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.testing.Seeds;
import java.util.SplittableRandom;
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
