package dev.ctc4j.lm;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.DecodeNative;
import dev.ctc4j.bridge.DecodeNative.LmTable;
import dev.ctc4j.bridge.NativeStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * A backoff n-gram language model in native memory, as read from an ARPA file: log10
 * probabilities and backoffs in open-addressing hash tables keyed by 64-bit hashes of the word
 * ids, queryable from the native decoders (and copyable to a GPU).
 *
 * <p>Immutable and thread-safe: share one instance between decoders and threads. It owns native
 * memory; close it once no decoder uses it.
 */
public final class NgramLanguageModel implements AutoCloseable {
  private LmTable table;
  private final int order;
  private final int vocabularySize;
  private final long nativeBytes;

  private NgramLanguageModel(LmTable table) {
    this.table = table;
    try (IntPointer o = new IntPointer(1); IntPointer v = new IntPointer(1); LongPointer bytes = new LongPointer(1)) {
      NativeStatus.check(DecodeNative.ctc4j_lm_info(table, o, v, bytes), "LM info");
      this.order = o.get();
      this.vocabularySize = v.get();
      this.nativeBytes = bytes.get();
    }
  }

  /** Reads an ARPA file (plain or gzip); a file that cannot be read is an {@link InvalidInputException}. */
  public static NgramLanguageModel load(Path arpa) {
    try (ArpaReader rows = ArpaReader.read(arpa)) {
      return new NgramLanguageModel(build(rows));
    } catch (IOException e) {
      throw unreadable(arpa, e);
    }
  }

  private static InvalidInputException unreadable(Path arpa, IOException e) {
    return new InvalidInputException("cannot read the language model " + arpa + ": " + e, e);
  }

  /**
   * Reads an ARPA file through a binary cache of the compact form: loads {@code cache} when it
   * was built from this very file (same size and modification time), else parses the ARPA file
   * and writes the cache atomically (a failure to write it is not an error).
   */
  public static NgramLanguageModel load(Path arpa, Path cache) {
    long fingerprint = fingerprint(arpa);
    LmTable table = new LmTable();
    try (BytePointer path = new BytePointer(cache.toString(), StandardCharsets.UTF_8)) {
      if (DecodeNative.ctc4j_lm_load(path, fingerprint, table) == NativeStatus.OK) {
        return new NgramLanguageModel(table);
      }
      NgramLanguageModel lm = load(arpa);
      DecodeNative.ctc4j_lm_save(lm.table(), path, fingerprint);
      return lm;
    }
  }

  /** What a cache records of its source file (size and modification time); package-private for the cache's fuzz target. */
  static long fingerprint(Path arpa) {
    try {
      BasicFileAttributes a = Files.readAttributes(arpa, BasicFileAttributes.class);
      return a.size() * 0x9E3779B97F4A7C15L ^ a.lastModifiedTime().toMillis();
    } catch (IOException e) {
      throw unreadable(arpa, e);
    }
  }

  private static LmTable build(ArpaReader rows) {
    int order = rows.order();
    try (LongPointer counts = new LongPointer(rows.counts.stream().mapToLong(Long::longValue).toArray());
        BytePointer words = new BytePointer(rows.vocabulary.packed());
        PointerPointer<?> ids = new PointerPointer<>(rows.ids.toArray(new IntPointer[0]));
        PointerPointer<?> probs = new PointerPointer<>(rows.probs.toArray(new FloatPointer[0]));
        PointerPointer<?> backoffs = new PointerPointer<>(rows.backoffs.toArray(new FloatPointer[0]))) {
      LmTable table = new LmTable();
      NativeStatus.check(
          DecodeNative.ctc4j_lm_create(order, counts, words, rows.vocabulary.size(), ids, probs, backoffs, table),
          "language model " + rows.source);
      return table;
    }
  }

  public int order() {
    return order;
  }

  public int vocabularySize() {
    return vocabularySize;
  }

  /** Native memory held by the tables and the vocabulary. */
  public long nativeBytes() {
    return nativeBytes;
  }

  /** The id of a word, or -1 when it is not in the vocabulary. */
  public int wordId(String word) {
    try (BytePointer w = new BytePointer(word, StandardCharsets.UTF_8); IntPointer id = new IntPointer(1)) {
      NativeStatus.check(DecodeNative.ctc4j_lm_word_id(table(), w, id), "word id");
      return id.get();
    }
  }

  /**
   * log10 P(last word | the words before it), with backoff; the context is truncated to order-1
   * words. Words outside the vocabulary are &lt;unk&gt; (or, without it, end the context).
   */
  public float log10Prob(String... words) {
    if (words.length == 0) throw new InvalidInputException("log10Prob needs at least one word");
    int[] ids = new int[words.length];
    for (int i = 0; i < words.length; i++) ids[i] = wordId(words[i]);
    if (ids[ids.length - 1] < 0 && wordId("<unk>") < 0) {
      throw new InvalidInputException("'" + words[words.length - 1] + "' is not in the vocabulary and there is no <unk>");
    }
    try (IntPointer w = new IntPointer(ids); FloatPointer out = new FloatPointer(1)) {
      NativeStatus.check(DecodeNative.ctc4j_lm_log10_prob(table(), w, ids.length, out), "LM query");
      return out.get();
    }
  }

  /** The native table, for the decoders' bindings. */
  public LmTable table() {
    if (table == null) throw new IllegalStateException("the language model is closed");
    return table;
  }

  @Override
  public void close() {
    if (table != null) {
      NativeStatus.check(DecodeNative.ctc4j_lm_destroy(table), "destroy language model");
      table = null;
    }
  }
}
