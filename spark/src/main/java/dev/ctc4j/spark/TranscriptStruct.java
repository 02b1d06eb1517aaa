package dev.ctc4j.spark;

import dev.ctc4j.infer.Transcript;
import dev.ctc4j.infer.Word;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The column the transcriber adds: {@code text}, {@code words} (word, start and end in seconds,
 * confidence; as the CLI's and the service's JSON), {@code audio_seconds} and {@code error}. A row
 * that failed has the error and a null text, no words and null seconds; a good row a null error.
 */
final class TranscriptStruct {
  static final StructType WORD = new StructType()
      .add("word", DataTypes.StringType, false)
      .add("start", DataTypes.DoubleType, false)
      .add("end", DataTypes.DoubleType, false)
      .add("confidence", DataTypes.FloatType, false);

  static final StructType TYPE = new StructType()
      .add("text", DataTypes.StringType, true)
      .add("words", DataTypes.createArrayType(WORD, false), false)
      .add("audio_seconds", DataTypes.DoubleType, true)
      .add("error", DataTypes.StringType, true);

  private TranscriptStruct() {}

  static Row of(Transcript t) {
    Row[] words = new Row[t.words().size()];
    for (int i = 0; i < words.length; i++) {
      Word w = t.words().get(i);
      words[i] = RowFactory.create(w.text(), w.start(), w.end(), w.confidence());
    }
    return RowFactory.create(t.text(), words, t.audioSeconds(), null);
  }

  static Row failed(String error) {
    return RowFactory.create(null, new Row[0], null, error);
  }
}
