package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.ModelLoadException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.audio.AudioReader;
import dev.ctc4j.tensor.Device;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Speech to text with any {@link SpeechModel} (a trained CTC model or an imported wav2vec2/HuBERT one): files, encoded byte streams and PCM arrays, one at a time or
 * many concurrently, of any length; and live streams through {@link #newStream}.
 *
 * <pre>{@code
 * try (Transcriber t = Transcriber.builder(Path.of("models/an4")).decoding(DecodingConfig.BEAM).build()) {
 *   Transcript r = t.transcribe(Path.of("clip.flac"));
 *   System.out.println(r.text() + " " + r.words());
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Thread-safe and meant to be shared: one instance serves a whole application.
 * Concurrent requests are batched dynamically: one dispatcher thread takes the oldest waiting
 * request, gathers others for up to the gather window or until the batch is full, and runs one
 * batched forward pass; decoding then runs on a small worker pool (or the calling thread for the
 * blocking methods). Audio longer than the chunk length is cut at its pauses (or, where it has none,
 * into overlapping chunks); the pieces go through the same batching and are stitched (see
 * {@link LongAudio}), so memory stays bounded whatever the length.
 *
 * <p><b>Errors.</b> Bad input raises an {@link InvalidInputException} naming the problem (an
 * {@link dev.ctc4j.audio.AudioException} for audio that cannot be decoded or a bad sample rate);
 * {@link #submit} checks its input before returning.
 *
 * <p>Close it to stop the dispatcher (queued requests are finished first) and free the model, the
 * LM and the decoder (a model passed to {@link #builder(SpeechModel)} is borrowed and stays open).
 */
public final class Transcriber implements AutoCloseable {
  private final TranscriberConfig config;
  private final SpeechModel model;
  private final boolean ownsModel;
  private final TranscriptDecoder decoder;
  private final BatchDispatcher dispatcher;
  private final LongAudio longAudio;
  /** Long-audio chunks queued at once: enough to batch, few enough that a batched forward stays small. */
  private static final int CHUNKS_IN_FLIGHT = 4;

  private final int chunksInFlight;
  private final ForcedAligner aligner;
  private final ExecutorService workers;

  private Transcriber(TranscriberConfig c, SpeechModel model, boolean ownsModel) {
    this.config = c;
    this.model = model;
    this.ownsModel = ownsModel;
    this.decoder = new TranscriptDecoder(model, c.decoding());
    this.dispatcher = new BatchDispatcher(model, c.maxBatch(), c.gatherWindow());
    try {
      this.longAudio = new LongAudio(dispatcher, model.labels(), c.chunkSeconds(), c.overlapSeconds(),
          c.pauseSeconds(), model.input().samplesPerFrame());
    } catch (RuntimeException e) {
      dispatcher.close();
      decoder.close();
      throw e;
    }
    this.chunksInFlight = Math.min(c.maxBatch(), CHUNKS_IN_FLIGHT);
    this.aligner = new ForcedAligner(model.labels(), model.textNormalizer(), model.frameSeconds());
    this.workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
      Thread t = new Thread(r, "ctc4j-transcriber");
      t.setDaemon(true);
      return t;
    });
  }

  /** A transcriber for a model directory of any family (see {@link SpeechModel#load}). */
  public static Builder builder(Path modelDir) {
    return new Builder(Objects.requireNonNull(modelDir, "modelDir"), null);
  }

  /** A transcriber over an already loaded model, which it borrows: closing the transcriber leaves it open. */
  public static Builder builder(SpeechModel model) {
    return new Builder(null, Objects.requireNonNull(model, "model"));
  }

  /** Decodes an audio file in any format FFmpeg reads, streaming it chunk by chunk. */
  public Transcript transcribe(Path file) {
    try (AudioReader reader = AudioReader.open(file)) {
      return transcribe(reader);
    }
  }

  /** Decodes the bytes of an audio file (e.g. an uploaded WebM/Opus recording); the caller closes the stream. */
  public Transcript transcribe(InputStream encoded) {
    try (AudioReader reader = AudioReader.open(Objects.requireNonNull(encoded, "encoded"), "audio stream")) {
      return transcribe(reader);
    }
  }

  /** Mono PCM in [-1, 1] at any sample rate. */
  public Transcript transcribe(float[] pcm, int sampleRate) {
    return transcribeModelRate(Pcm.toModelRate(pcm, sampleRate));
  }

  /** Mono 16-bit PCM at any sample rate. */
  public Transcript transcribe(short[] pcm, int sampleRate) {
    return transcribeModelRate(Pcm.toModelRate(pcm, sampleRate));
  }

  /**
   * Queues mono PCM for transcription and returns at once (after checking the input); the future
   * completes with the transcript, or exceptionally with what went wrong. This is the method for
   * concurrent callers: their requests share batched forward passes.
   */
  public CompletableFuture<Transcript> submit(float[] pcm, int sampleRate) {
    return submitModelRate(Pcm.toModelRate(pcm, sampleRate));
  }

  public CompletableFuture<Transcript> submit(short[] pcm, int sampleRate) {
    return submitModelRate(Pcm.toModelRate(pcm, sampleRate));
  }

  /**
   * Word start/end times for a known transcript of an audio file, by forced alignment (see the
   * returned words' confidence in {@link Word}). The text is normalised by the model's labels
   * ({@link SpeechModel#textNormalizer}); audio too short for it is an {@link InvalidInputException}.
   * Alignment holds the whole file's frames and a Viterbi path table: meant for utterances and
   * minutes, not hours.
   */
  public Transcript align(Path file, String text) {
    try (AudioReader reader = AudioReader.open(file)) {
      LongAudio.Stitched s = longAudio.run(chunksInFlight, source(reader));
      return aligner.align(s.frames(), text, s.seconds());
    }
  }

  /** Forced alignment of mono PCM at any sample rate. */
  public Transcript align(float[] pcm, int sampleRate, String text) {
    LongAudio.Stitched s = longAudio.run(chunksInFlight, arraySource(Pcm.toModelRate(pcm, sampleRate)));
    return aligner.align(s.frames(), text, s.seconds());
  }

  /** Forward requests waiting for a batch (utterances, long-audio chunks, streaming windows). */
  public int queueDepth() {
    return dispatcher.queueDepth();
  }

  /** What dynamic batching has done so far. */
  public BatchStats batchStats() {
    return dispatcher.stats();
  }

  /** A live stream recognizer using this transcriber's model and decoder; close it when the stream ends. */
  public StreamingRecognizer newStream(StreamingOptions options) {
    return new StreamingRecognizer(this, Objects.requireNonNull(options, "options"));
  }

  public SpeechModel model() {
    return model;
  }

  /** The settings this transcriber was built with. */
  public TranscriberConfig config() {
    return config;
  }

  TranscriptDecoder decoder() {
    return decoder;
  }

  BatchDispatcher dispatcher() {
    return dispatcher;
  }

  private Transcript transcribe(AudioReader reader) {
    return decode(longAudio.run(chunksInFlight, source(reader)));
  }

  private static LongAudio.SampleSource source(AudioReader reader) {
    return (buffer, offset, length) -> {
      float[] part = new float[length];
      int n = reader.read(part);
      if (n > 0) System.arraycopy(part, 0, buffer, offset, n);
      return n;
    };
  }

  private Transcript transcribeModelRate(float[] audio) {
    return decode(longAudio.run(chunksInFlight, arraySource(audio)));
  }

  private CompletableFuture<Transcript> submitModelRate(float[] audio) {
    double seconds = audio.length / (double) Audio.SAMPLE_RATE;
    if (audio.length <= longAudio.chunkSamples()) {
      return dispatcher.submit(audio).thenApplyAsync(frames -> decoder.decode(frames, 0, seconds), workers);
    }
    return CompletableFuture.supplyAsync(() -> transcribeModelRate(audio), workers);
  }

  private Transcript decode(LongAudio.Stitched s) {
    return decoder.decode(s.frames(), 0, s.seconds());
  }

  private static LongAudio.SampleSource arraySource(float[] audio) {
    int[] at = {0};
    return (buffer, offset, length) -> {
      if (at[0] == audio.length) return -1;
      int n = Math.min(length, audio.length - at[0]);
      System.arraycopy(audio, at[0], buffer, offset, n);
      at[0] += n;
      return n;
    };
  }

  /** Finishes queued requests, then frees the decoder and (unless borrowed) the model. */
  @Override
  public void close() {
    dispatcher.close();
    workers.shutdown();
    try {
      workers.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    decoder.close();
    if (ownsModel) model.close();
  }

  /** Collects a {@link TranscriberConfig} (defaults: {@link TranscriberConfig#DEFAULTS}) and builds the transcriber. */
  public static final class Builder {
    private final Path modelDir;
    private final SpeechModel model;
    private final TranscriberConfig defaults = TranscriberConfig.DEFAULTS;
    private Device device = defaults.device();
    private DecodingConfig decoding = defaults.decoding();
    private int maxBatch = defaults.maxBatch();
    private Duration gatherWindow = defaults.gatherWindow();
    private double chunkSeconds = defaults.chunkSeconds();
    private double overlapSeconds = defaults.overlapSeconds();
    private double pauseSeconds = defaults.pauseSeconds();

    private Builder(Path modelDir, SpeechModel model) {
      this.modelDir = modelDir;
      this.model = model;
    }

    /** All settings at once. */
    public Builder config(TranscriberConfig v) {
      return device(v.device()).decoding(v.decoding()).maxBatch(v.maxBatch()).gatherWindow(v.gatherWindow())
          .chunkSeconds(v.chunkSeconds()).overlapSeconds(v.overlapSeconds()).pauseSeconds(v.pauseSeconds());
    }
    /** Where the model runs (when loaded from a directory; a borrowed model stays where it is). */
    public Builder device(Device v) { device = Objects.requireNonNull(v, "device"); return this; }
    /** How transcripts are decoded (greedy, or beam search with an LM, lexicon, hotwords). */
    public Builder decoding(DecodingConfig v) { decoding = Objects.requireNonNull(v, "decoding"); return this; }
    /** Most requests per batched forward pass. */
    public Builder maxBatch(int v) { maxBatch = v; return this; }
    /** How long the dispatcher waits for more requests after the first of a batch. */
    public Builder gatherWindow(Duration v) { gatherWindow = Objects.requireNonNull(v, "gatherWindow"); return this; }
    /** Long audio is cut into chunks of this length ... */
    public Builder chunkSeconds(double v) { chunkSeconds = v; return this; }
    /** ... overlapping by this much (under half a chunk). */
    public Builder overlapSeconds(double v) { overlapSeconds = v; return this; }
    /** ... and cut wherever it pauses this long (0: never), each stretch between pauses a pass of its own. */
    public Builder pauseSeconds(double v) { pauseSeconds = v; return this; }

    /**
     * Loads the model (when given a directory) and the LM, and starts the dispatcher. A model that
     * cannot be read raises a {@link ModelLoadException}; bad settings or files an {@link InvalidInputException}.
     */
    public Transcriber build() {
      TranscriberConfig config = new TranscriberConfig(device, decoding, maxBatch, gatherWindow, chunkSeconds,
          overlapSeconds, pauseSeconds);
      if (model != null) return new Transcriber(config, model, false);
      SpeechModel loaded;
      try {
        loaded = SpeechModel.load(modelDir, config.device().requireAvailable());
      } catch (IOException e) {
        throw new ModelLoadException(modelDir, e);
      }
      try {
        return new Transcriber(config, loaded, true);
      } catch (RuntimeException e) {
        loaded.close();
        throw e;
      }
    }
  }
}
