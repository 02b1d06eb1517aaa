package dev.ctc4j.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.testing.SharedData;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NgramLanguageModelTest {
  // The ARPA values have 1-2 decimals; floats hold them to ~1e-7.
  private static final float EXACT = 1e-6f;

  @TempDir Path dir;

  @Test
  void probabilitiesEqualHandComputedBackoffValues() {
    try (NgramLanguageModel lm = NgramLanguageModel.load(TestArpa.write(dir, "t.arpa", TestArpa.TEXT))) {
      assertEquals(3, lm.order());
      assertEquals(6, lm.vocabularySize());
      assertAll(lm);
    }
  }

  private static void assertAll(NgramLanguageModel lm) {
    assertEquals(-0.3f, lm.log10Prob("<s>", "a"), EXACT); // bigram listed
    assertEquals(-0.1f, lm.log10Prob("<s>", "a", "b"), EXACT); // trigram listed
    assertEquals(-0.25f, lm.log10Prob("a", "b", "</s>"), EXACT);
    assertEquals(-0.1f, lm.log10Prob("b", "<s>", "a", "b"), EXACT); // context truncated to 2 words
    // p(b | b): no bigram "b b" -> bo(b) + p(b) = -0.2 - 0.8
    assertEquals(-1.0f, lm.log10Prob("b", "b"), EXACT);
    // p(a | <s> b): no trigram, no context "<s> b" (bo 0); p(a | b) = bo(b) + p(a) = -0.2 - 0.6
    assertEquals(-0.8f, lm.log10Prob("<s>", "b", "a"), EXACT);
    // p(a | <s> a): bo(<s> a) + p(a | a) = -0.2 + (bo(a) + p(a)) = -0.2 - 0.3 - 0.6
    assertEquals(-1.1f, lm.log10Prob("<s>", "a", "a"), EXACT);
    // p(</s> | <s> a): bo(<s> a) + p(</s> | a) = -0.2 - 0.6
    assertEquals(-0.8f, lm.log10Prob("<s>", "a", "</s>"), EXACT);
    // p(</s> | b a): context "b a" absent (bo 0) -> p(</s> | a) = -0.6
    assertEquals(-0.6f, lm.log10Prob("b", "a", "</s>"), EXACT);
    // an unknown word is <unk>: p(<unk> | a) = bo(a) + p(<unk>) = -0.3 - 1.0
    assertEquals(-1.3f, lm.log10Prob("a", "zebra"), EXACT);
    assertEquals(-1.2f, lm.log10Prob("ab"), EXACT);
    assertEquals(-0.2f, lm.log10Prob("<s>", "ab"), EXACT);
  }

  @Test
  void readsGzipAndReloadsFromItsCache() throws IOException {
    Path gz = dir.resolve("t.arpa.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(TestArpa.TEXT.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Path cache = dir.resolve("t.arpa.gz.lmcache");
    try (NgramLanguageModel lm = NgramLanguageModel.load(gz, cache)) {
      assertAll(lm);
    }
    assertTrue(Files.exists(cache), "the cache is written");
    try (NgramLanguageModel lm = NgramLanguageModel.load(gz, cache)) {
      assertAll(lm);
    }
    Files.write(cache, new byte[] {1, 2, 3}); // a broken cache is ignored and rewritten
    try (NgramLanguageModel lm = NgramLanguageModel.load(gz, cache)) {
      assertAll(lm);
    }
    assertTrue(Files.size(cache) > 100);
  }

  @Test
  void malformedFilesNameTheLine() {
    assertMalformed(TestArpa.TEXT.replace("ngram 2=5", "ngram 2=6"), 22, "promises 6 2-grams");
    assertMalformed(TestArpa.TEXT.replace("ngram 2=5", "ngram 2=x"), 5, "non-numeric");
    assertMalformed(TestArpa.TEXT.replace("-0.5\ta b", "-0.5q\ta b"), 18, "not a number");
    assertMalformed(TestArpa.TEXT.replace("-0.4\tb </s>", "-0.4\tc </s>"), 19, "not a unigram");
    assertMalformed(TestArpa.TEXT.replace("\\3-grams:", "\\4-grams:"), 23, "expected \\3-grams:");
    assertMalformed(TestArpa.TEXT.replace("\\data\\", "\\dada\\"), 27, "no \\data\\");
    assertMalformed(TestArpa.TEXT.replace("\\end\\", ""), 27, "before \\end\\");
    assertMalformed(TestArpa.TEXT.replace("-0.8\tb\t-0.2", "-0.8\tb\t-0.2\t7"), 13, "too many fields");
    assertMalformed(TestArpa.TEXT.replace("-0.8\tb\t-0.2", "-0.8\ta\t-0.2"), 13, "duplicate unigram");
  }

  @Test
  void sectionsLongerThanTheFirstBufferGrowAndKeepEveryRow() {
    int n = 140_000; // the row buffers start at 65,536 rows: this doubles them twice
    StringBuilder arpa = new StringBuilder("\\data\\\nngram 1=" + n + "\nngram 2=" + (n - 1) + "\n\n\\1-grams:\n");
    for (int i = 0; i < n; i++) arpa.append("-").append(i % 7 + 1).append(" w").append(i).append(" -0.5\n");
    arpa.append("\n\\2-grams:\n");
    for (int i = 0; i + 1 < n; i++) arpa.append("-0.").append(i % 9 + 1).append(" w").append(i).append(" w").append(i + 1).append('\n');
    arpa.append("\n\\end\\\n");
    try (NgramLanguageModel lm = NgramLanguageModel.load(TestArpa.write(dir, "long.arpa", arpa.toString()))) {
      assertEquals(n, lm.vocabularySize());
      for (int i : new int[] {0, 65_535, 65_536, 131_072, n - 2}) {
        assertEquals(-(i + 1) % 7 - 1, lm.log10Prob("w" + (i + 1)), EXACT, "unigram w" + (i + 1));
        assertEquals(-(i % 9 + 1) / 10f, lm.log10Prob("w" + i, "w" + (i + 1)), EXACT, "bigram " + i);
      }
    }
  }

  @Test
  void aCountTheFileCannotHoldIsRefusedWithoutAllocatingIt() {
    assertMalformed("\\data\\\nngram 1=700000000\n\n\\1-grams:\n-1.0 a\n\n\\end\\\n", 6, "promises 700000000 1-grams");
  }

  private void assertMalformed(String text, long line, String problem) {
    Path p = TestArpa.write(dir, "bad.arpa", text);
    ArpaFormatException e = assertThrows(ArpaFormatException.class, () -> NgramLanguageModel.load(p).close());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    assertEquals(line, e.line(), e.getMessage());
  }

  /** The real 3-gram model: load time and memory (heap + native), printed for RESULTS.md. */
  @Test
  @Tag("slow")
  void realTrigramModelLoadsWithinBudget() {
    Path arpa = SharedData.require("lm/en-us-3gram.arpa.gz");
    System.gc();
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    long heapBefore = heapUsed();
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = System.nanoTime();
    long cpuStart = threads.getCurrentThreadCpuTime();
    try (NgramLanguageModel lm = NgramLanguageModel.load(arpa, dir.resolve("en-us.lmcache"))) {
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
      long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum() - heapBefore;
      System.out.printf("[lm] parse+build %.2f s (%.2f s CPU), peak heap +%d MB, native %d MB, vocabulary %d%n",
          seconds, cpu, peakHeap >> 20, lm.nativeBytes() >> 20, lm.vocabularySize());
      assertTrue(seconds < 10, "load took " + seconds + " s");
      assertTrue(peakHeap + lm.nativeBytes() < 400L << 20, "memory " + ((peakHeap + lm.nativeBytes()) >> 20) + " MB");
      assertEquals(-1.6510f, lm.log10Prob("a"), EXACT);
      assertEquals(72547, lm.vocabularySize());
    }
    long cached = System.nanoTime();
    try (NgramLanguageModel lm = NgramLanguageModel.load(arpa, dir.resolve("en-us.lmcache"))) {
      System.out.printf("[lm] from cache %.2f s%n", (System.nanoTime() - cached) / 1e9);
      assertEquals(-1.6510f, lm.log10Prob("a"), EXACT);
    }
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .mapToLong(p -> p.getUsage().getUsed()).sum();
  }
}
