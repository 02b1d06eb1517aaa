package dev.ctc4j.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.Ctc4jException;
import dev.ctc4j.eval.Evaluation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark/run.sh} and spark-submit's main class: transcribes a manifest, writes the JSON lines
 * and prints WER/CER as {@code ctc4j eval} does. Without {@code --master} it runs where spark-submit
 * says, else on {@code local[*]}.
 */
public final class ManifestEvaluationJob {
  private static final String USAGE = """
      usage: ManifestEvaluationJob --manifest FILE --model DIR|ID [--output DIR] [--master URL]
          [--decoder greedy|beam] [--beam-width N] [--lm ARPA] [--alpha A] [--beta B] [--lexicon FILE]
          [--hotword PHRASE=BONUS]... [--batch-size N] [--threads N] [--partitions N]
          [--conf KEY=VALUE]... [--json]""";

  private ManifestEvaluationJob() {}

  public static void main(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    List<String> hotwords = new ArrayList<>(), conf = new ArrayList<>();
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--json")) json = true;
      else if (name.equals("--help") || !name.startsWith("--") || i + 1 == args.length) exit(name.equals("--help") ? 0 : 2);
      else if (name.equals("--hotword")) hotwords.add(args[++i]);
      else if (name.equals("--conf")) conf.add(args[++i]);
      else options.put(name.substring(2), args[++i]);
    }
    if (!options.containsKey("manifest") || !options.containsKey("model")) exit(2);
    try {
      AudioTranscriber transcriber = transcriber(options, hotwords);
      SparkSession spark = session(options.get("master"), conf);
      try {
        int partitions = Integer.parseInt(options.getOrDefault("partitions",
            String.valueOf(spark.sparkContext().defaultParallelism())));
        Evaluation r = ManifestEvaluation.run(spark, transcriber, Path.of(options.get("manifest")), options.get("output"),
            partitions, System.err::println);
        System.out.println(json ? toJson(r) : line(r));
      } finally {
        spark.stop();
      }
    } catch (Ctc4jException | IllegalArgumentException e) { // bad settings or input: the message says which
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    } catch (IOException e) { // the manifest
      System.err.println("error: " + e);
      System.exit(1);
    }
  }

  /** The options that are the transcriber's params; the job's own (manifest, output, master, partitions) aside. */
  private static AudioTranscriber transcriber(Map<String, String> options, List<String> hotwords) {
    AudioTranscriber t = new AudioTranscriber().setModel(options.get("model")).setHotwords(hotwords.toArray(String[]::new));
    options.forEach((name, v) -> {
      switch (name) {
        case "model", "manifest", "output", "master", "partitions" -> { }
        case "decoder" -> t.setDecoder(v);
        case "beam-width" -> t.setBeamWidth(Integer.parseInt(v));
        case "lm" -> t.setLm(v);
        case "alpha" -> t.setAlpha(Double.parseDouble(v));
        case "beta" -> t.setBeta(Double.parseDouble(v));
        case "lexicon" -> t.setLexicon(v);
        case "batch-size" -> t.setBatchSize(Integer.parseInt(v));
        case "threads" -> t.setThreads(Integer.parseInt(v));
        default -> throw new IllegalArgumentException("unknown option --" + name + "\n" + USAGE);
      }
    });
    return t;
  }

  /** The master given, else spark-submit's, else local[*]; {@code --conf} settings on top. */
  private static SparkSession session(String master, List<String> conf) {
    SparkSession.Builder builder = SparkSession.builder().appName("ctc4j eval");
    if (master != null) builder.master(master);
    else if (!new SparkConf().contains("spark.master")) builder.master("local[*]");
    for (String entry : conf) {
      int at = entry.indexOf('=');
      if (at <= 0) throw new IllegalArgumentException("--conf " + entry + ": expected KEY=VALUE");
      builder.config(entry.substring(0, at), entry.substring(at + 1));
    }
    return builder.getOrCreate();
  }

  /** The line {@code ctc4j eval} prints. */
  private static String line(Evaluation r) {
    return String.format("WER %.2f%%  CER %.2f%%  %d utterances  %.1f s audio  %.1f s wall  RTF %.4f%s", 100 * r.wer(),
        100 * r.cer(), r.utterances(), r.audioSeconds(), r.wallSeconds(), r.realTimeFactor(),
        r.skipped() > 0 ? "  (" + r.skipped() + " unreadable files skipped)" : "");
  }

  private static String toJson(Evaluation r) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    return mapper.writeValueAsString(mapper.createObjectNode().put("wer", r.wer()).put("cer", r.cer())
        .put("utterances", r.utterances()).put("audio_seconds", r.audioSeconds()).put("wall_seconds", r.wallSeconds())
        .put("skipped", r.skipped()));
  }

  private static void exit(int status) {
    (status == 0 ? System.out : System.err).println(USAGE);
    System.exit(status);
  }
}
