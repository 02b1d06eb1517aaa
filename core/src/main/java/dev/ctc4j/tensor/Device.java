package dev.ctc4j.tensor;

import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.CoreNative;
import dev.ctc4j.bridge.NativeStatus;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/** Where tensors live and kernels run: the CPU or one CUDA device. Immutable. */
public record Device(Kind kind, int index) {
  public enum Kind {
    CPU,
    CUDA
  }

  public static final Device CPU = new Device(Kind.CPU, 0);

  public Device {
    if (kind == Kind.CPU && index != 0) {
      throw new InvalidInputException("the CPU device has no index, got " + index);
    }
    if (index < 0) {
      throw new InvalidInputException("negative CUDA device index " + index);
    }
  }

  public static Device cuda(int index) {
    return new Device(Kind.CUDA, index);
  }

  /** The first CUDA device when one is usable, else the CPU. */
  public static Device best() {
    return cudaDeviceCount() > 0 ? cuda(0) : CPU;
  }

  /** Parses "cpu", "cuda", "cuda:N" or "auto". */
  public static Device parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("cpu")) return CPU;
    if (t.equals("auto")) return best();
    if (t.equals("cuda") || t.equals("gpu")) return cuda(0);
    if (t.startsWith("cuda:")) {
      try {
        return cuda(Integer.parseInt(t.substring(5)));
      } catch (NumberFormatException e) {
        throw new InvalidInputException("bad CUDA device index in '" + text + "'");
      }
    }
    throw new InvalidInputException("unknown device '" + text + "' (expected cpu, cuda, cuda:N or auto)");
  }

  public boolean isCuda() {
    return kind == Kind.CUDA;
  }

  /** The device number of the native API: -1 for the CPU, the ordinal for CUDA. */
  public int nativeId() {
    return isCuda() ? index : CoreNative.CPU;
  }

  /** Throws {@link DeviceUnavailableException} naming the reason if this device cannot be used. */
  public Device requireAvailable() {
    if (isCuda() && index >= cudaDeviceCount()) {
      throw new DeviceUnavailableException(this + " is not available: " + cudaStatus());
    }
    return this;
  }

  /** Usable CUDA devices; 0 when none (see {@link #cudaStatus()}). Never throws. */
  public static int cudaDeviceCount() {
    try (IntPointer count = new IntPointer(1)) {
      NativeStatus.check(CoreNative.ctc4j_cuda_device_count(count), "CUDA discovery");
      return count.get();
    }
  }

  /** "ok", or why no CUDA device is usable ("no NVIDIA driver ...", "not built", "no CUDA device"). */
  public static String cudaStatus() {
    return CoreNative.ctc4j_cuda_status().getString();
  }

  /**
   * The cuBLAS and cuDNN the CUDA backend opened at run time (version, path), or for each missing one
   * every place it looked; "no CUDA backend: ..." where there is no usable device. Never throws.
   */
  public static String cudaLibraries() {
    return CoreNative.ctc4j_cuda_libraries().getString();
  }

  /** Names of the usable CUDA devices, e.g. "NVIDIA H100 80GB HBM3 (sm_90, 81008 MiB)". */
  public static List<String> cudaDeviceNames() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < cudaDeviceCount(); i++) {
      try (BytePointer name = new BytePointer(256)) {
        NativeStatus.check(CoreNative.ctc4j_cuda_device_name(i, name, 256), "CUDA device name");
        names.add(name.getString());
      }
    }
    return names;
  }

  @Override
  public String toString() {
    return isCuda() ? "cuda:" + index : "cpu";
  }
}
