package dev.ctc4j.spark;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.infer.Decoder;
import dev.ctc4j.infer.DecodingConfig;
import dev.ctc4j.infer.TranscriberConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType$;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Speech to text as a Spark ML {@link Transformer}: reads audio from the input column, either
 * encoded bytes (binary; {@code spark.read.format("binaryFile")}'s {@code content}) or a local path
 * (string), and appends a struct column {@code text, words[word, start, end, confidence],
 * audio_seconds, error}. A row whose audio is bad gets the error string, a null text and no words;
 * the other rows are unaffected.
 *
 * <pre>{@code
 * Dataset<Row> audio = spark.read().format("binaryFile").load("/data/clips/*.flac");
 * Dataset<Row> out = new AudioTranscriber().setModel("/models/an4").transform(audio);
 * out.select("path", "transcript.text").show();
 * }</pre>
 *
 * <p>Each executor loads the model (and LM) once and shares it across its tasks; rows go through
 * it in batches of {@link #batchSize}. See spark/README.md for threads and cluster settings.
 */
public final class AudioTranscriber extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> model;
  private final Param<String> decoder;
  private final IntParam beamWidth;
  private final Param<String> lm;
  private final DoubleParam alpha;
  private final DoubleParam beta;
  private final Param<String> lexicon;
  private final StringArrayParam hotwords;
  private final IntParam batchSize;
  private final IntParam threads;
  private final Param<String> inputCol;
  private final Param<String> outputCol;

  public AudioTranscriber() {
    this(Identifiable$.MODULE$.randomUID("ctc4jTranscriber"));
  }

  /** Spark's reader and {@link #copy} construct by uid; params are made here, after the uid they name. */
  public AudioTranscriber(String uid) {
    this.uid = uid;
    model = new Param<>(this, "model", "model directory or pulled model id, as ctc4j --model (resolved on each executor)");
    decoder = new Param<>(this, "decoder", "greedy or beam", ParamValidators.inArray(List.of("greedy", "beam")));
    beamWidth = new IntParam(this, "beamWidth", "beam search: prefixes kept per frame", ParamValidators.gtEq(1));
    lm = new Param<>(this, "lm", "word n-gram LM for beam search (ARPA, optionally .gz)");
    alpha = new DoubleParam(this, "alpha", "LM weight");
    beta = new DoubleParam(this, "beta", "word insertion bonus");
    lexicon = new Param<>(this, "lexicon", "beam search: file of allowed words, one per line");
    hotwords = new StringArrayParam(this, "hotwords", "beam search: PHRASE=BONUS entries");
    batchSize = new IntParam(this, "batchSize", "utterances per batched forward pass", ParamValidators.gtEq(1));
    threads = new IntParam(this, "threads",
        "native CPU threads per task (0: spark.task.cpus); the executor's pool is tasks x threads, at most its cores",
        ParamValidators.gtEq(0));
    inputCol = new Param<>(this, "inputCol", "audio column: binary (encoded audio) or string (local path)");
    outputCol = new Param<>(this, "outputCol", "the struct column added");
    // The library's defaults, written once there.
    DecodingConfig decoding = DecodingConfig.GREEDY;
    setDefault(decoder, decoding.decoder().name().toLowerCase(Locale.ROOT));
    setDefault(beamWidth, decoding.beamWidth());
    setDefault(alpha, decoding.alpha());
    setDefault(beta, decoding.beta());
    setDefault(hotwords, new String[0]);
    setDefault(batchSize, TranscriberConfig.DEFAULTS.maxBatch());
    setDefault(threads, 0);
    setDefault(inputCol, "content");
    setDefault(outputCol, "transcript");
  }

  @Override
  public String uid() {
    return uid;
  }

  // Spark finds params by their public no-argument accessors.
  public Param<String> model() { return model; }
  public Param<String> decoder() { return decoder; }
  public IntParam beamWidth() { return beamWidth; }
  public Param<String> lm() { return lm; }
  public DoubleParam alpha() { return alpha; }
  public DoubleParam beta() { return beta; }
  public Param<String> lexicon() { return lexicon; }
  public StringArrayParam hotwords() { return hotwords; }
  public IntParam batchSize() { return batchSize; }
  public IntParam threads() { return threads; }
  public Param<String> inputCol() { return inputCol; }
  public Param<String> outputCol() { return outputCol; }

  public String getModel() { return isDefined(model) ? $(model) : null; }
  public String getDecoder() { return $(decoder); }
  public int getBeamWidth() { return (Integer) $(beamWidth); }
  public String getLm() { return isDefined(lm) ? $(lm) : null; }
  public double getAlpha() { return (Double) $(alpha); }
  public double getBeta() { return (Double) $(beta); }
  public String getLexicon() { return isDefined(lexicon) ? $(lexicon) : null; }
  public String[] getHotwords() { return $(hotwords); }
  public int getBatchSize() { return (Integer) $(batchSize); }
  public int getThreads() { return (Integer) $(threads); }
  public String getInputCol() { return $(inputCol); }
  public String getOutputCol() { return $(outputCol); }

  public AudioTranscriber setModel(String v) { set(model, v); return this; }
  public AudioTranscriber setDecoder(String v) { set(decoder, v); return this; }
  public AudioTranscriber setBeamWidth(int v) { set(beamWidth, v); return this; }
  public AudioTranscriber setLm(String v) { set(lm, v); return this; }
  public AudioTranscriber setAlpha(double v) { set(alpha, v); return this; }
  public AudioTranscriber setBeta(double v) { set(beta, v); return this; }
  public AudioTranscriber setLexicon(String v) { set(lexicon, v); return this; }
  public AudioTranscriber setHotwords(String[] v) { set(hotwords, v); return this; }
  public AudioTranscriber setBatchSize(int v) { set(batchSize, v); return this; }
  public AudioTranscriber setThreads(int v) { set(threads, v); return this; }
  public AudioTranscriber setInputCol(String v) { set(inputCol, v); return this; }
  public AudioTranscriber setOutputCol(String v) { set(outputCol, v); return this; }

  /** Hotwords and their bonuses (natural log, >= 0), as {@code PHRASE=BONUS} entries. */
  public AudioTranscriber setHotwords(Map<String, Double> bonuses) {
    return setHotwords(bonuses.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (getModel() == null) throw new InvalidInputException("AudioTranscriber: set the model (a directory or a pulled model id)");
    TranscriberSettings.bonuses(Arrays.asList(getHotwords())); // a malformed entry fails here, not on the executors
    DataType input = field(schema, getInputCol()).dataType();
    if (!(input instanceof StringType) && !input.equals(BinaryType$.MODULE$)) {
      throw new InvalidInputException("AudioTranscriber: input column " + getInputCol()
          + " must be binary (encoded audio) or string (a path), not " + input.simpleString());
    }
    if (Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
      throw new InvalidInputException("AudioTranscriber: output column " + getOutputCol() + " already exists");
    }
    return schema.add(getOutputCol(), TranscriptStruct.TYPE, false);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    StructType output = transformSchema(schema);
    int audio = schema.fieldIndex(getInputCol());
    // A binaryFile frame names its rows by the path column; a path column names them itself.
    boolean binary = schema.fields()[audio].dataType().equals(BinaryType$.MODULE$);
    int name = !binary ? audio : Arrays.asList(schema.fieldNames()).contains("path") ? schema.fieldIndex("path") : -1;
    return dataset.toDF().mapPartitions(new PartitionTranscription(settings(), getThreads(), audio, name),
        Encoders.row(output));
  }

  /** The transcriber these params describe (the cache key on the executors). */
  TranscriberSettings settings() {
    return new TranscriberSettings(getModel(), Decoder.valueOf(getDecoder().toUpperCase(Locale.ROOT)), getBeamWidth(),
        getLm(), getAlpha(), getBeta(), getLexicon(), List.of(getHotwords()), getBatchSize());
  }

  @Override
  public AudioTranscriber copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<AudioTranscriber> read() {
    return new DefaultParamsReader<>();
  }

  public static AudioTranscriber load(String path) {
    return read().load(path);
  }

  private static StructField field(StructType schema, String name) {
    if (!Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new InvalidInputException("AudioTranscriber: no input column " + name + " in " + schema.simpleString());
    }
    return schema.apply(name);
  }
}
