package dev.ctc4j.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves native memory behind: the snapshot after the class (after its
 * {@code @AfterAll} methods) must not exceed the one before it by more than
 * {@link NativeMemory#TOLERANCE_BYTES}. Registered for the whole suite by autodetection
 * (META-INF/services and junit-platform.properties). The host block cache needs no allowance: its
 * idle blocks are not counted as live.
 */
public final class NativeMemoryLeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NativeMemoryLeakCheck.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    if (checked(context)) context.getStore(NAMESPACE).put("before", NativeMemory.now());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    NativeMemory before = context.getStore(NAMESPACE).remove("before", NativeMemory.class);
    if (before == null) return;
    NativeMemory.now().growthSince(before, NativeMemory.TOLERANCE_BYTES).ifPresent(growth -> {
      throw new AssertionError(context.getRequiredTestClass().getName() + " leaks native memory: " + growth);
    });
  }

  // @Nested classes run inside their outer class's snapshot: only classes directly under the engine are checked.
  private static boolean checked(ExtensionContext context) {
    return context.getParent().flatMap(ExtensionContext::getTestClass).isEmpty();
  }
}
