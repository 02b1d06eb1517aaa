package dev.ctc4j.cli;

import dev.ctc4j.data.CorpusPreparer;
import dev.ctc4j.data.Utterance;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctc4j prepare an4|librispeech|table SRC -o DIR}: manifests from corpora in their standard layouts. */
@Command(name = "prepare", description = "Write JSON-lines manifests (audio, text, duration) for a corpus.",
    subcommands = {PrepareCommand.An4.class, PrepareCommand.LibriSpeech.class, PrepareCommand.Table.class})
final class PrepareCommand {
  abstract static class Base implements Callable<Integer> {
    @Parameters(paramLabel = "SRC") Path source;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Where the manifests go.")
    Path output;

    final CorpusPreparer preparer = new CorpusPreparer(System.err::println);

    void report(String name, List<Utterance> utterances) {
      double hours = utterances.stream().mapToDouble(Utterance::duration).sum() / 3600;
      System.out.printf("%s: %d utterances, %.2f h -> %s%n", name, utterances.size(), hours, output.resolve(name + ".jsonl"));
    }

    Integer done() {
      if (preparer.skipped() > 0) System.out.println("skipped " + preparer.skipped() + " files (listed above)");
      return 0;
    }
  }

  @Command(name = "an4", description = "AN4: SRC holds etc/an4_{train,test}.transcription and the audio (.sph/.flac/.wav).")
  static final class An4 extends Base {
    @Override
    public Integer call() throws Exception {
      for (Map.Entry<String, List<Utterance>> split : preparer.prepareAn4(source, output).entrySet()) {
        report(split.getKey(), split.getValue());
      }
      return done();
    }
  }

  @Command(name = "librispeech", description = "LibriSpeech: every *.trans.txt below SRC; writes DIR/<SRC name>.jsonl.")
  static final class LibriSpeech extends Base {
    @Override
    public Integer call() throws Exception {
      String name = source.toAbsolutePath().normalize().getFileName().toString();
      report(name, preparer.prepareLibriSpeech(source, output.resolve(name + ".jsonl")));
      return done();
    }
  }

  @Command(name = "table", description = "A CSV/TSV file with a header naming 'audio' and 'text' columns.")
  static final class Table extends Base {
    @Override
    public Integer call() throws Exception {
      String name = source.getFileName().toString().replaceAll("\\.(csv|tsv)$", "");
      report(name, preparer.prepareTable(source, output.resolve(name + ".jsonl")));
      return done();
    }
  }
}
