package dev.ctc4j.cli;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.bridge.JavaCppSettings;
import dev.ctc4j.nn.Blas;
import dev.ctc4j.tensor.Device;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code ctc4j info}: version, CPU features and threads, and the CUDA devices or why there are none. */
@Command(name = "info", description = "Print the version, CPU features and the CUDA devices found.")
final class InfoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.println("ctc4j " + Ctc4j.version());
    System.out.println("java: " + System.getProperty("java.version") + " (" + System.getProperty("os.arch") + ")");
    System.out.println("cpu features used: " + Ctc4j.cpuFeatures());
    System.out.println("cpu threads: " + Ctc4j.threads());
    System.out.println("blas: " + Blas.describe());
    System.out.println("javacpp memory check: " + JavaCppSettings.physicalMemoryCheck());
    List<String> gpus = Device.cudaDeviceNames();
    if (gpus.isEmpty()) {
      System.out.println("cuda: none (" + Device.cudaStatus() + ")");
    } else {
      for (int i = 0; i < gpus.size(); i++) System.out.println("cuda:" + i + ": " + gpus.get(i));
      System.out.println("cuda libraries: " + Device.cudaLibraries());
    }
    return 0;
  }

  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ctc4j " + Ctc4j.version()};
    }
  }
}
