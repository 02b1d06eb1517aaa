package dev.ctc4j.spark;

import dev.ctc4j.data.TextNormalizer;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Appends a row's reference and transcript as the model's {@link TextNormalizer} normalises them
 * before scoring. Runs in the same task as the transcription, so the executor's transcriber (whose
 * model owns the normaliser) is already loaded.
 */
final class NormalizedTexts implements MapPartitionsFunction<Row, Row> {
  private final TranscriberSettings settings;
  private final int referenceColumn;
  private final int transcriptColumn;

  NormalizedTexts(TranscriberSettings settings, int referenceColumn, int transcriptColumn) {
    this.settings = settings;
    this.referenceColumn = referenceColumn;
    this.transcriptColumn = transcriptColumn;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    TextNormalizer normalizer = ExecutorTranscribers.get(settings).model().textNormalizer();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        Row row = rows.next();
        String text = row.getStruct(transcriptColumn).getString(0);
        Object[] values = new Object[row.size() + 2];
        for (int i = 0; i < row.size(); i++) values[i] = row.get(i);
        values[row.size()] = normalizer.apply(row.getString(referenceColumn));
        values[row.size() + 1] = text == null ? null : normalizer.apply(text);
        return RowFactory.create(values);
      }
    };
  }
}
