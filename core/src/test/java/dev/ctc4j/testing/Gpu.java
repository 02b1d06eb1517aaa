package dev.ctc4j.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ctc4j.tensor.Device;

/** For tests tagged "gpu": skip with the reason where no CUDA device is usable. */
public final class Gpu {
  private Gpu() {}

  public static Device require() {
    assumeTrue(Device.cudaDeviceCount() > 0, "no CUDA device: " + Device.cudaStatus());
    return Device.cuda(0);
  }
}
