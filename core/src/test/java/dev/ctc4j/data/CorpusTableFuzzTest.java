package dev.ctc4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ctc4j.testing.ParserContract;

/** CSV/TSV corpus tables (prepare table): the same bytes read as both, each written out as a manifest. */
class CorpusTableFuzzTest {
  @FuzzTest(maxDuration = "2s")
  void prepare(byte[] input) throws Exception {
    for (String name : new String[] {"table.csv", "table.tsv"}) {
      var table = ParserContract.file(name, input);
      var manifest = ParserContract.folder().resolve("prepared.jsonl");
      ParserContract.parse(() -> new CorpusPreparer(line -> {}).prepareTable(table, manifest));
    }
  }
}
