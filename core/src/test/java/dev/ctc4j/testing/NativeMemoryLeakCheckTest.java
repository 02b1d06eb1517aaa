package dev.ctc4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** The suite-wide leak check fails a class that leaks, naming it, and passes one that frees what it allocates. */
class NativeMemoryLeakCheckTest {
  @Test
  void failsAClassThatLeaksAPointerNamingIt() {
    assumeTrue(NativeMemory.JAVACPP_COUNTS, "JavaCPP counts no pointers with nopointergc (the Maven suite's setting)");
    try {
      List<TestExecutionSummary.Failure> failures = run(LeakingFixtures.LeaksPointer.class);
      assertEquals(1, failures.size());
      String message = failures.get(0).getException().getMessage();
      assertTrue(message.startsWith(LeakingFixtures.LeaksPointer.class.getName() + " leaks native memory: 4,194,304 bytes"
          + " of JavaCPP pointers"), message);
    } finally {
      LeakingFixtures.LeaksPointer.leaked.close();
    }
  }

  @Test
  void failsAClassThatLeaksATensor() {
    try {
      List<TestExecutionSummary.Failure> failures = run(LeakingFixtures.LeaksTensor.class);
      assertEquals(1, failures.size());
      String message = failures.get(0).getException().getMessage();
      assertTrue(message.contains(LeakingFixtures.LeaksTensor.class.getName()) && message.contains("of ctc4j host blocks"),
          message);
    } finally {
      LeakingFixtures.LeaksTensor.leaked.close();
    }
  }

  @Test
  void passesAClassThatClosesWhatItAllocates() {
    assertEquals(List.of(), run(LeakingFixtures.Tidy.class));
  }

  @Test
  void hostLiveBytesCountTensorsUntilClosedAndLeaveOutCachedBlocks() {
    NativeMemory before = NativeMemory.now();
    try (Tensor small = Tensor.zeros(Device.CPU, DType.F32, 1000);
        Tensor large = Tensor.zeros(Device.CPU, DType.F32, 1 << 20)) {
      long held = NativeMemory.now().ctc4jHostBytes() - before.ctc4jHostBytes();
      // the allocator's usable sizes: a 2 MiB-aligned block carries up to twice its size in slack
      assertTrue(held >= 4000 + (4 << 20) && held <= 3 * (4000 + (4 << 20)), "held " + held);
    }
    // the 4 MiB block went to the host cache: idle, so not live
    assertEquals(before.ctc4jHostBytes(), NativeMemory.now().ctc4jHostBytes());
  }

  @Test
  void growthWithinTheToleranceIsNoLeak() {
    NativeMemory before = new NativeMemory(1000, 2000);
    assertTrue(new NativeMemory(1000 + 512, 2000 - 100).growthSince(before, 1024).isEmpty());
    assertTrue(new NativeMemory(1000, 2000 + 1025).growthSince(before, 1024).isPresent());
  }

  private static List<TestExecutionSummary.Failure> run(Class<?> fixture) {
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(fixture)).build(),
        listener);
    return listener.getSummary().getFailures();
  }
}
