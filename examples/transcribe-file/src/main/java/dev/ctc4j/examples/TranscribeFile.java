package dev.ctc4j.examples;

import dev.ctc4j.Ctc4jException;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.infer.DecodingConfig;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.infer.Transcript;
import dev.ctc4j.infer.Word;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Transcribes audio files offline and prints each one's text and word timings.
 *
 * <pre>
 * TranscribeFile [--model DIR|ID] [--lm LM.arpa [--alpha A] [--beta B]] AUDIO...
 * </pre>
 *
 * Without {@code --lm} the model's output is decoded greedily (the most probable character per
 * frame). With a word n-gram language model it runs CTC prefix beam search instead, where the LM
 * can overrule spellings that the acoustic model alone gets wrong.
 */
public final class TranscribeFile {
  public static void main(String[] args) {
    String model = null;
    Path lm = null;
    Double alpha = null, beta = null;
    List<Path> audio = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--model" -> model = value(args, ++i);
        case "--lm" -> lm = Path.of(value(args, ++i));
        case "--alpha" -> alpha = Double.parseDouble(value(args, ++i));
        case "--beta" -> beta = Double.parseDouble(value(args, ++i));
        default -> {
          if (args[i].startsWith("--")) usage("unknown option " + args[i]);
          audio.add(Path.of(args[i]));
        }
      }
    }
    if (audio.isEmpty()) usage("no audio file given");

    try {
      // A model directory, or the id of one pulled with `ctc4j models pull`; when none is given,
      // what CTC4J_MODEL names, else models/an4 of the ctc4j checkout the library jar was built in.
      Path modelDir = ModelStore.open().resolveOrDefault(model);

      // How to decode is one immutable value; GREEDY and BEAM hold the library's defaults.
      DecodingConfig decoding = DecodingConfig.GREEDY;
      if (lm != null) {
        // The LM weight (alpha) and the bonus per word (beta) are worth tuning for each model and LM
        // (`ctc4j lm tune`); the library's defaults are a reasonable start.
        decoding = DecodingConfig.BEAM.withLanguageModel(lm).withLmWeights(
            alpha != null ? alpha : decoding.alpha(), beta != null ? beta : decoding.beta());
      }

      // Loading the model (and the LM) is the expensive part, so an application builds one
      // Transcriber and shares it: it is thread-safe and batches concurrent requests together.
      try (Transcriber transcriber = Transcriber.builder(modelDir).decoding(decoding).build()) {
        for (Path file : audio) {
          long started = System.nanoTime();
          Transcript t = transcriber.transcribe(file);  // any format FFmpeg decodes, any length
          double seconds = (System.nanoTime() - started) / 1e9;
          System.out.printf("%s: %.2f s of audio, %s, transcribed in %.2f s%n", file, t.audioSeconds(),
              lm == null ? "greedy" : "beam search with " + lm.getFileName(), seconds);
          System.out.println("text: " + t.text());
          for (Word w : t.words()) {
            // Times are seconds from the start of the file; confidence is in [0, 1].
            System.out.printf("  %6.2f %6.2f  %-14s %.2f%n", w.start(), w.end(), w.text(), w.confidence());
          }
        }
      }
    } catch (Ctc4jException e) {
      // ctc4j's exceptions say what was wrong (a missing file, undecodable audio, a bad model folder).
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) usage(args[i - 1] + " needs a value");
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: TranscribeFile [--model DIR|ID] [--lm LM.arpa [--alpha A] [--beta B]] AUDIO...");
    System.exit(2);
  }
}
