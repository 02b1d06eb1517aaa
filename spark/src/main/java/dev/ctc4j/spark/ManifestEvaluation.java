package dev.ctc4j.spark;

import static org.apache.spark.sql.functions.col;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.data.Manifest;
import dev.ctc4j.data.Utterance;
import dev.ctc4j.eval.ErrorRates;
import dev.ctc4j.eval.Evaluation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * WER and CER of a model over a manifest as a Spark job, scored as {@code ctc4j eval} scores:
 * references and transcripts normalised by the model's {@link dev.ctc4j.data.TextNormalizer} (on
 * the executors, which hold the model), edit counts summed over the corpus by {@link ErrorRates}
 * (on the driver, streaming the texts), and rows whose audio cannot be read skipped and counted.
 * Utterances are sorted by duration and dealt round-robin to the partitions, so each task batches
 * utterances of similar length (less padding, as the CLI's evaluator) and the tasks get equal work.
 */
public final class ManifestEvaluation {
  private static final StructType UTTERANCES = new StructType()
      .add("audio", DataTypes.StringType, false)
      .add("reference", DataTypes.StringType, false);

  private ManifestEvaluation() {}

  /**
   * Transcribes every utterance of {@code manifest} with {@code transcriber}'s model and decoder,
   * writes JSON lines {@code audio, text, words, audio_seconds, error} under {@code output} (null:
   * none) and scores the transcripts; {@code log} hears about each skipped file.
   */
  public static Evaluation run(SparkSession spark, AudioTranscriber transcriber, Path manifest, String output,
      int partitions, Consumer<String> log) throws IOException {
    if (partitions < 1) throw new InvalidInputException("partitions must be at least 1, got " + partitions);
    long start = System.nanoTime();
    AudioTranscriber paths = transcriber.copy(new ParamMap()).setInputCol("audio").setOutputCol("transcript");
    Dataset<Row> utterances = spark.createDataFrame(
        JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows(Manifest.read(manifest), partitions), partitions),
        UTTERANCES);
    Dataset<Row> transcribed = normalized(paths.transform(utterances), paths.settings())
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // Transcribes all partitions in parallel into the cache (scoring then reads them one by one).
      if (output != null) write(transcribed, output);
      else transcribed.count();
      ErrorRates rates = new ErrorRates(); // both sides are normalised already
      double seconds = 0;
      int skipped = 0;
      Iterator<Row> scored = transcribed.select(col("audio"), col("reference_normalized"), col("text_normalized"),
          col("transcript.error"), col("transcript.audio_seconds")).toLocalIterator();
      while (scored.hasNext()) {
        Row r = scored.next();
        if (!r.isNullAt(3)) {
          skipped++;
          log.accept("skipped " + r.getString(0) + ": " + r.getString(3));
          continue;
        }
        rates.add(r.getString(1), r.getString(2));
        seconds += r.getDouble(4);
      }
      return new Evaluation(rates.wer(), rates.cer(), rates.utterances(), seconds, (System.nanoTime() - start) / 1e9,
          skipped);
    } finally {
      transcribed.unpersist();
    }
  }

  private static void write(Dataset<Row> transcribed, String output) {
    transcribed.select(col("audio"), col("transcript.text").as("text"), col("transcript.words").as("words"),
            col("transcript.audio_seconds").as("audio_seconds"), col("transcript.error").as("error"))
        .write().option("ignoreNullFields", "false").json(output);
  }

  /** Sorted by duration, then dealt round-robin: partition p (a contiguous slice) holds every p-th utterance. */
  private static List<Row> rows(List<Utterance> utterances, int partitions) {
    List<Utterance> sorted = new ArrayList<>(utterances);
    sorted.sort(Comparator.comparingDouble(Utterance::duration));
    List<Row> rows = new ArrayList<>(sorted.size());
    for (int p = 0; p < partitions; p++) {
      for (int i = p; i < sorted.size(); i += partitions) {
        rows.add(RowFactory.create(sorted.get(i).audio().toString(), sorted.get(i).text()));
      }
    }
    return rows;
  }

  /** Appends reference_normalized and text_normalized (null for a failed row), by the model's labels. */
  private static Dataset<Row> normalized(Dataset<Row> transcribed, TranscriberSettings settings) {
    StructType schema = transcribed.schema()
        .add("reference_normalized", DataTypes.StringType, false)
        .add("text_normalized", DataTypes.StringType, true);
    int reference = transcribed.schema().fieldIndex("reference"), transcript = transcribed.schema().fieldIndex("transcript");
    return transcribed.mapPartitions(new NormalizedTexts(settings, reference, transcript),
        Encoders.row(schema));
  }
}
