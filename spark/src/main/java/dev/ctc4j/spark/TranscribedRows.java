package dev.ctc4j.spark;

import dev.ctc4j.Ctc4jException;
import dev.ctc4j.audio.Audio;
import dev.ctc4j.infer.Transcriber;
import dev.ctc4j.infer.Transcript;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A partition's rows with their transcripts appended, in order. Rows are read a group (the batch
 * size) at a time: the group's audio is decoded first and then submitted together, so the
 * transcriber's batcher sees a full batch; the next group is decoded while the current one is in
 * the model. A row whose audio cannot be read or transcribed gets the error in its struct; any
 * other failure (a bug, a closed transcriber) fails the task.
 */
final class TranscribedRows implements Iterator<Row> {
  private record Pending(Row row, CompletableFuture<Transcript> transcript) {}

  private final Iterator<Row> rows;
  private final Transcriber transcriber;
  private final int group;
  private final Function<Row, float[]> audio;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();

  /** @param audio decodes a row's audio to 16 kHz mono samples, or throws a {@link Ctc4jException} */
  TranscribedRows(Iterator<Row> rows, Transcriber transcriber, int group, Function<Row, float[]> audio) {
    this.rows = rows;
    this.transcriber = transcriber;
    this.group = group;
    this.audio = audio;
  }

  @Override
  public boolean hasNext() {
    refill();
    return !pending.isEmpty();
  }

  @Override
  public Row next() {
    refill();
    Pending p = pending.poll();
    if (p == null) throw new NoSuchElementException();
    return append(p.row(), struct(p.transcript()));
  }

  /** Keeps one group queued beyond the one being consumed. */
  private void refill() {
    while (pending.size() <= group && rows.hasNext()) submitGroup();
  }

  private void submitGroup() {
    List<Row> read = new ArrayList<>(group);
    List<CompletableFuture<float[]>> samples = new ArrayList<>(group);
    while (read.size() < group && rows.hasNext()) {
      Row row = rows.next();
      read.add(row);
      try {
        samples.add(CompletableFuture.completedFuture(audio.apply(row)));
      } catch (Ctc4jException e) {
        samples.add(CompletableFuture.failedFuture(e));
      }
    }
    for (int i = 0; i < read.size(); i++) {
      pending.add(new Pending(read.get(i), samples.get(i).thenCompose(s -> transcriber.submit(s, Audio.SAMPLE_RATE))));
    }
  }

  private static Row struct(CompletableFuture<Transcript> transcript) {
    try {
      return TranscriptStruct.of(transcript.join());
    } catch (CompletionException e) {
      if (e.getCause() instanceof Ctc4jException failure) return TranscriptStruct.failed(failure.getMessage());
      throw e;
    }
  }

  private static Row append(Row row, Row struct) {
    Object[] values = new Object[row.size() + 1];
    for (int i = 0; i < row.size(); i++) values[i] = row.get(i);
    values[row.size()] = struct;
    return RowFactory.create(values);
  }
}
