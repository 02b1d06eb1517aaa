package dev.ctc4j.data;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.features.Features;
import dev.ctc4j.features.LogMelSpectrogram;
import dev.ctc4j.features.SpecAugment;
import dev.ctc4j.tensor.Device;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Batches for training: utterances sorted by duration and cut into batches of similar length
 * (little padding), batch order shuffled per epoch (ascending in the first epoch with SortaGrad).
 * Background workers decode audio, optionally change its speed, extract log-mel features on the
 * configured device and apply SpecAugment; a bounded window of batches is prepared ahead.
 * Everything — batch contents, order, speeds, masks — depends only on the seed and the epoch,
 * never on thread timing. Unreadable files are reported through the log and skipped, counted in
 * {@link #skipped()}.
 */
public final class DataLoader {
  /**
   * Loader settings; {@code augment} may be null (no SpecAugment). {@code speedPerturbation} s plays
   * each utterance at a speed drawn uniformly from [1 - s, 1 + s] (tempo and pitch together, as
   * Kaldi's speed perturbation: the samples are resampled as if recorded at 16 kHz times the factor);
   * 0 leaves the audio as it is.
   */
  public record Config(int batchSize, int workers, int prefetch, boolean sortaGrad, SpecAugment augment,
      double speedPerturbation, long seed, Device device) {
    public Config {
      if (batchSize < 1 || workers < 1 || prefetch < 1) {
        throw new InvalidInputException("batch size, workers and prefetch must be >= 1");
      }
      if (!(speedPerturbation >= 0 && speedPerturbation <= 0.5)) {
        throw new InvalidInputException("speed perturbation must be in [0, 0.5], got " + speedPerturbation);
      }
    }
  }

  private final List<List<Utterance>> buckets;
  private final Labels labels;
  private final LogMelSpectrogram mel;
  private final Config config;
  private final Consumer<String> log;
  private final AtomicInteger skipped = new AtomicInteger();

  public DataLoader(List<Utterance> utterances, Labels labels, LogMelSpectrogram mel, Config config,
      Consumer<String> log) {
    this.labels = labels;
    this.mel = mel;
    this.config = config;
    this.log = log;
    List<Utterance> sorted = new ArrayList<>(utterances);
    sorted.sort(Comparator.comparingDouble(Utterance::duration));
    List<List<Utterance>> cut = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i += config.batchSize()) {
      cut.add(List.copyOf(sorted.subList(i, Math.min(sorted.size(), i + config.batchSize()))));
    }
    this.buckets = List.copyOf(cut);
  }

  public int batchesPerEpoch() {
    return buckets.size();
  }

  /** Files skipped so far because they could not be decoded or encoded. */
  public int skipped() {
    return skipped.get();
  }

  /** The batches of one epoch, prepared in the background; close it to stop early. */
  public Epoch epoch(int epoch) {
    return epoch(epoch, 0);
  }

  /** The epoch's batches after its first {@code skip} (to resume mid-epoch exactly). */
  public Epoch epoch(int epoch, int skip) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < buckets.size(); i++) order.add(i);
    if (!(config.sortaGrad() && epoch == 0)) Collections.shuffle(order, new java.util.Random(mix(config.seed(), epoch)));
    return new Epoch(epoch, order, Math.min(skip, order.size()));
  }

  /** Iterates one epoch's batches in order; each batch must be closed by the consumer. */
  public final class Epoch implements Iterable<Batch>, AutoCloseable {
    private final int epoch;
    private final List<Integer> order;
    private final ExecutorService workers;
    private final ArrayDeque<Future<Batch>> window = new ArrayDeque<>();
    private int submitted;

    private Epoch(int epoch, List<Integer> order, int skip) {
      this.epoch = epoch;
      this.order = order;
      this.submitted = skip;
      this.workers = Executors.newFixedThreadPool(config.workers(), r -> {
        Thread t = new Thread(r, "ctc4j-loader");
        t.setDaemon(true);
        return t;
      });
      while (submitted < order.size() && window.size() < config.prefetch()) submitNext();
    }

    private void submitNext() {
      int position = submitted++;
      int bucket = order.get(position);
      window.add(workers.submit(() -> load(epoch, position, buckets.get(bucket))));
    }

    @Override
    public Iterator<Batch> iterator() {
      return new Iterator<>() {
        private Batch next;

        @Override
        public boolean hasNext() {
          while (next == null && !window.isEmpty()) {
            Future<Batch> head = window.poll();
            if (submitted < order.size()) submitNext();
            next = await(head);
          }
          return next != null;
        }

        @Override
        public Batch next() {
          if (!hasNext()) throw new NoSuchElementException();
          Batch b = next;
          next = null;
          return b;
        }
      };
    }

    /** Stops the workers and frees batches prepared but not taken. */
    @Override
    public void close() {
      workers.shutdown();
      try {
        workers.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Future<Batch> f : window) {
        if (f.isDone() && !f.isCancelled()) {
          Batch b = await(f);
          if (b != null) b.close();
        }
      }
      window.clear();
      workers.shutdownNow();
    }
  }

  private static Batch await(Future<Batch> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Decodes, encodes and featurises one batch; null if every file in it was unreadable. */
  private Batch load(int epoch, int position, List<Utterance> bucket) {
    List<Utterance> kept = new ArrayList<>();
    List<float[]> audio = new ArrayList<>();
    List<int[]> transcripts = new ArrayList<>();
    long batchSeed = mix(mix(config.seed(), epoch), position);
    for (int i = 0; i < bucket.size(); i++) {
      Utterance u = bucket.get(i);
      try {
        int[] ids = labels.encode(u.text());
        audio.add(changeSpeed(Audio.read(u.audio()), mix(batchSeed, i)));
        transcripts.add(ids);
        kept.add(u);
      } catch (InvalidInputException e) {
        skipped.incrementAndGet();
        log.accept("skipped " + u.audio() + ": " + e.getMessage());
      }
    }
    if (kept.isEmpty()) return null;
    Features features = mel.compute(audio, config.device());
    if (config.augment() != null) config.augment().apply(features, batchSeed);
    int[] lengths = transcripts.stream().mapToInt(l -> l.length).toArray();
    int[] targets = transcripts.stream().flatMapToInt(java.util.Arrays::stream).toArray();
    return new Batch(position, List.copyOf(kept), features, targets, lengths);
  }

  /** The audio played at a random speed (see {@link Config}); as it is without speed perturbation. */
  private float[] changeSpeed(float[] samples, long seed) {
    double s = config.speedPerturbation();
    if (s == 0) return samples;
    double factor = 1 - s + 2 * s * new SplittableRandom(seed).nextDouble();
    int rate = (int) Math.round(Audio.SAMPLE_RATE * factor);
    return rate == Audio.SAMPLE_RATE ? samples : Audio.fromFloat(samples, rate, 1);
  }

  private static long mix(long a, long b) {
    return new SplittableRandom(a * 0x9E3779B97F4A7C15L + b).nextLong();
  }
}
