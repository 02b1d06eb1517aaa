package dev.ctc4j.spark;

import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * What each task runs: its partition's rows, each with the transcript struct appended, in order,
 * through the executor's shared transcriber. Serialised with the task: settings and column
 * positions only.
 */
final class PartitionTranscription implements MapPartitionsFunction<Row, Row> {
  private final TranscriberSettings settings;
  private final int threadsPerTask;
  private final int audioColumn;
  private final int nameColumn;

  /** @param nameColumn the column naming a row's file in messages (the audio column itself for paths), or -1 */
  PartitionTranscription(TranscriberSettings settings, int threadsPerTask, int audioColumn, int nameColumn) {
    this.settings = settings;
    this.threadsPerTask = threadsPerTask;
    this.audioColumn = audioColumn;
    this.nameColumn = nameColumn;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    ExecutorThreads.fit(threadsPerTask);
    return new TranscribedRows(rows, ExecutorTranscribers.get(settings), settings.batchSize(),
        row -> AudioInput.decode(row.get(audioColumn), name(row)));
  }

  private String name(Row row) {
    Object name = nameColumn < 0 ? null : row.get(nameColumn);
    return name == null ? "row audio" : name.toString();
  }
}
