package dev.ctc4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.infer.Transcriber;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer's params and schema, and rows with bad audio beside good ones. */
class AudioTranscriberTest {
  private static final String MODEL = "models/an4";
  private static final Path SAMPLE = Path.of("samples/an4-an406-fcaw-b.flac");
  private static String sampleText;

  @TempDir Path dir;

  @BeforeAll
  static void plainTranscript() {
    try (Transcriber t = Transcriber.builder(Path.of(MODEL)).build()) {
      sampleText = t.transcribe(SAMPLE).text();
    }
    assertNotEquals("", sampleText);
  }

  @AfterAll
  static void closeTranscribers() {
    ExecutorTranscribers.closeAll();
  }

  @Test
  void binaryFilesWithBadAudioGetAnErrorAndTheOthersTheirTranscript() throws IOException {
    Files.copy(SAMPLE, dir.resolve("good.flac"));
    byte[] garbage = new byte[4096];
    new Random(17).nextBytes(garbage);
    Files.write(dir.resolve("garbage.flac"), garbage);
    Dataset<Row> files = SharedSpark.session().read().format("binaryFile").load(dir.toString());

    Map<String, Row> byFile = transcripts(new AudioTranscriber().setModel(MODEL).transform(files), "path");
    assertEquals(2, byFile.size());
    assertTranscribed(byFile.get("good.flac"));
    assertFailed(byFile.get("garbage.flac"), "garbage.flac");
  }

  /** Spark's file sources skip empty files, so empty and null content come from a frame built here. */
  @Test
  void emptyAndNullContent() throws IOException {
    List<Row> rows = List.of(RowFactory.create("empty.wav", new byte[0]), RowFactory.create("null.wav", null),
        RowFactory.create("good.flac", Files.readAllBytes(SAMPLE)));
    StructType schema = new StructType().add("path", DataTypes.StringType).add("content", DataTypes.BinaryType);

    Map<String, Row> byFile = transcripts(new AudioTranscriber().setModel(MODEL)
        .transform(SharedSpark.session().createDataFrame(rows, schema)), "path");
    assertFailed(byFile.get("empty.wav"), "empty.wav");
    assertFailed(byFile.get("null.wav"), "null.wav");
    assertTranscribed(byFile.get("good.flac"));
  }

  @Test
  void pathColumnWithMissingAndBadFiles() throws IOException {
    Path garbage = Files.write(dir.resolve("garbage.wav"), "RIFF not really a wave file".getBytes());
    Path spaced = Files.copy(SAMPLE, dir.resolve("a sample.flac")); // as binaryFile's paths: "file:/...", not %-escaped
    List<Row> rows = List.of(RowFactory.create(SAMPLE.toString()), RowFactory.create(dir.resolve("missing.flac").toString()),
        RowFactory.create(garbage.toString()), RowFactory.create("file:" + spaced.toAbsolutePath()),
        RowFactory.create((Object) null));
    StructType schema = new StructType().add("audio", DataTypes.StringType, true);
    Dataset<Row> paths = SharedSpark.session().createDataFrame(rows, schema).repartition(1);

    List<Row> out = new AudioTranscriber().setModel(MODEL).setInputCol("audio").setOutputCol("t").setBatchSize(2)
        .transform(paths).collectAsList();
    assertEquals(5, out.size());
    assertTranscribed(out.get(0).getStruct(1));
    assertFailed(out.get(1).getStruct(1), "missing.flac");
    assertFailed(out.get(2).getStruct(1), "garbage.wav");
    assertTranscribed(out.get(3).getStruct(1));
    assertFailed(out.get(4).getStruct(1), "null");
  }

  @Test
  void schemaGainsTheTranscriptStruct() {
    StructType in = new StructType().add("path", DataTypes.StringType).add("content", DataTypes.BinaryType);
    StructType out = new AudioTranscriber().setModel(MODEL).transformSchema(in);
    assertArrayEquals(new String[] {"path", "content", "transcript"}, out.fieldNames());
    assertEquals(TranscriptStruct.TYPE, out.apply("transcript").dataType());

    AudioTranscriber t = new AudioTranscriber();
    assertThrows(InvalidInputException.class, () -> t.transformSchema(in)); // no model
    t.setModel(MODEL);
    assertThrows(InvalidInputException.class, () -> t.setInputCol("nope").transformSchema(in));
    StructType numbers = new StructType().add("content", DataTypes.IntegerType);
    assertThrows(InvalidInputException.class, () -> t.setInputCol("content").transformSchema(numbers));
    assertThrows(InvalidInputException.class, () -> t.setOutputCol("path").transformSchema(in));
    t.setOutputCol("transcript").setHotwords(new String[] {"no bonus"});
    assertThrows(InvalidInputException.class, () -> t.transformSchema(in));
    assertThrows(IllegalArgumentException.class, () -> t.setDecoder("viterbi"));
    assertThrows(IllegalArgumentException.class, () -> t.setBatchSize(0));
  }

  @Test
  void paramsCopyAndSurviveSaveAndLoadAloneAndInAPipeline() throws IOException {
    AudioTranscriber t = new AudioTranscriber().setModel(MODEL).setDecoder("beam").setBeamWidth(8)
        .setLm("models/an4/lm-3gram.arpa").setAlpha(0.7).setBeta(2).setHotwords(Map.of("erase", 1.5))
        .setBatchSize(4).setThreads(1).setInputCol("audio").setOutputCol("asr");
    assertTrue(t.uid().startsWith("ctc4jTranscriber_"), t.uid());
    assertEquals(12, t.params().length);

    AudioTranscriber copy = t.copy(new ParamMap().put(t.beamWidth(), 16));
    assertEquals(t.uid(), copy.uid());
    assertEquals(16, copy.getBeamWidth());
    assertEquals(8, t.getBeamWidth());
    assertEquals(t.getLm(), copy.getLm());
    assertArrayEquals(t.getHotwords(), copy.getHotwords());

    Path saved = dir.resolve("transcriber");
    t.write().save(saved.toString());
    AudioTranscriber loaded = AudioTranscriber.load(saved.toString());
    assertEquals(t.uid(), loaded.uid());
    assertEquals(t.settings(), loaded.settings());
    assertEquals("audio", loaded.getInputCol());
    assertEquals("asr", loaded.getOutputCol());
    assertEquals(1, loaded.getThreads());

    Path pipeline = dir.resolve("pipeline"); // a saved Pipeline finds the class's static read()
    new Pipeline().setStages(new PipelineStage[] {t}).write().save(pipeline.toString());
    assertEquals(t.settings(), ((AudioTranscriber) Pipeline.load(pipeline.toString()).getStages()[0]).settings());
  }

  private static Map<String, Row> transcripts(Dataset<Row> out, String nameColumn) {
    Map<String, Row> byFile = new TreeMap<>();
    for (Row r : out.select(nameColumn, "transcript").collectAsList()) {
      byFile.put(Path.of(r.getString(0)).getFileName().toString(), r.getStruct(1));
    }
    return byFile;
  }

  private static void assertTranscribed(Row t) {
    assertNull(t.getAs("error"));
    assertEquals(sampleText, t.getAs("text"));
    assertEquals(sampleText.split(" ").length, t.getList(t.fieldIndex("words")).size());
    assertTrue((Double) t.getAs("audio_seconds") > 1);
  }

  private static void assertFailed(Row t, String named) {
    String error = t.getAs("error");
    assertTrue(error != null && error.contains(named), error);
    assertNull(t.getAs("text"));
    assertTrue(t.getList(t.fieldIndex("words")).isEmpty());
  }
}
