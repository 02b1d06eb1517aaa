package dev.ctc4j.examples;

import dev.ctc4j.Ctc4jException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.audio.AudioReader;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.StreamingOptions;
import dev.ctc4j.infer.StreamingRecognizer;
import dev.ctc4j.infer.StreamingResult;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.infer.Word;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Live recognition: feeds audio to a {@link StreamingRecognizer} in 100 ms chunks, the way a
 * microphone or a network stream delivers it, and prints partial results as the text grows and a
 * final result when a segment ends.
 *
 * <pre>
 * StreamPcm [--model DIR|ID] AUDIO                  an audio file, fed as if it were arriving live
 * StreamPcm [--model DIR|ID] [--rate HZ] -          raw mono 16-bit little-endian PCM on stdin
 * </pre>
 *
 * For example, from a microphone: {@code arecord -q -f S16_LE -r 16000 -c 1 | ... StreamPcm -}.
 */
public final class StreamPcm {
  private static final Duration CHUNK = Duration.ofMillis(100);

  public static void main(String[] args) {
    String model = null;
    String input = null;
    int rate = Audio.SAMPLE_RATE;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--model" -> model = value(args, ++i);
        case "--rate" -> rate = Integer.parseInt(value(args, ++i));
        default -> {
          if (args[i].startsWith("--") || input != null) usage("unexpected argument " + args[i]);
          input = args[i];
        }
      }
    }
    if (input == null) usage("no input given");

    // The defaults suit most uses: results every 320 ms of audio, a segment ends after 800 ms of
    // silence. A bidirectional model (like the bundled one) also waits for `lookahead` of future
    // audio before it commits to a chunk; a unidirectional one carries its state from chunk to chunk.
    StreamingOptions options = StreamingOptions.defaults();

    try (Transcriber transcriber = Transcriber.builder(ModelStore.open().resolveOrDefault(model)).build();
        // One recognizer per live stream (it holds the stream's state); the Transcriber behind it is
        // shared, so a server opens many streams over one loaded model.
        StreamingRecognizer stream = transcriber.newStream(options)) {
      Feed feed = new Feed(stream);
      if (input.equals("-")) {
        feedRawPcm(System.in, rate, feed);
      } else {
        feedFile(Path.of(input), feed);
      }
      // End of input: whatever the current segment holds becomes its final result.
      print(stream.finish(), feed.secondsFed);
    } catch (Ctc4jException | UncheckedIOException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    }
  }

  /** Feeds chunks to the recognizer and prints what each chunk produced. */
  private static final class Feed {
    private final StreamingRecognizer stream;
    private double secondsFed;

    Feed(StreamingRecognizer stream) {
      this.stream = stream;
    }

    void accept(short[] pcm, int sampleRate) {
      secondsFed += pcm.length / (double) sampleRate;
      printAll(stream.accept(pcm, sampleRate));
    }

    void accept(float[] pcm, int sampleRate) {
      secondsFed += pcm.length / (double) sampleRate;
      printAll(stream.accept(pcm, sampleRate));
    }

    // Most chunks produce nothing; some a changed partial, a final, or both, oldest first.
    private void printAll(List<StreamingResult> results) {
      for (StreamingResult r : results) print(r, secondsFed);
    }
  }

  /** Raw PCM at any sample rate: the recognizer resamples it to what the model needs. */
  private static void feedRawPcm(InputStream in, int sampleRate, Feed feed) {
    byte[] bytes = new byte[2 * (int) (sampleRate * CHUNK.toMillis() / 1000)];
    try {
      int n;
      while ((n = in.readNBytes(bytes, 0, bytes.length)) > 1) {  // (a lone last byte is no sample)
        short[] samples = new short[n / 2];
        ByteBuffer.wrap(bytes, 0, n).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        feed.accept(samples, sampleRate);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file in any format FFmpeg decodes, read chunk by chunk as 16 kHz mono floats. */
  private static void feedFile(Path file, Feed feed) {
    float[] chunk = new float[(int) (Audio.SAMPLE_RATE * CHUNK.toMillis() / 1000)];
    try (AudioReader reader = AudioReader.open(file)) {
      int n;
      while ((n = reader.read(chunk)) > 0) feed.accept(Arrays.copyOf(chunk, n), Audio.SAMPLE_RATE);
    }
  }

  private static void print(StreamingResult r, double secondsFed) {
    // start/end: the span of the stream the segment covers; "at": how much audio had been fed when
    // the result came out (the difference is the latency a listener would see).
    System.out.printf("at %5.2f s  %-7s segment %d [%5.2f-%5.2f]: %s%n", secondsFed, r.isFinal() ? "FINAL" : "partial",
        r.segment(), r.start(), r.end(), r.text());
    if (r.isFinal()) {
      for (Word w : r.words()) System.out.printf("    %6.2f %6.2f  %s%n", w.start(), w.end(), w.text());
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) usage(args[i - 1] + " needs a value");
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: StreamPcm [--model DIR|ID] AUDIO\n       StreamPcm [--model DIR|ID] [--rate HZ] -    (s16le mono PCM on stdin)");
    System.exit(2);
  }
}
