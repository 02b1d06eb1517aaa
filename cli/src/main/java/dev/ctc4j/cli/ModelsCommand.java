package dev.ctc4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.hub.DownloadProgress;
import dev.ctc4j.hub.HubClient;
import dev.ctc4j.hub.ModelStore;
import dev.ctc4j.hub.ModelStore.StoredModel;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctc4j models pull|list|rm}: the local store of models from a Hugging Face hub. */
@Command(name = "models", mixinStandardHelpOptions = true,
    description = "Pull CTC models from a Hugging Face hub into the local store ($CTC4J_HOME/models, default "
        + "~/.cache/ctc4j), list and remove them. --model of other commands takes their ids.",
    subcommands = {ModelsCommand.Pull.class, ModelsCommand.ListModels.class, ModelsCommand.Remove.class})
final class ModelsCommand {

  @Command(name = "pull", mixinStandardHelpOptions = true,
      description = "Download a Wav2Vec2ForCTC repository from $HF_ENDPOINT (default https://huggingface.co; "
          + "$HF_TOKEN for private or gated ones) and import it; or store an .arpa(.gz) from an http(s) URL in "
          + "$CTC4J_HOME/lm. Interrupted downloads resume on the next pull; a commit already stored is not fetched again.")
  static final class Pull implements Callable<Integer> {
    @Parameters(paramLabel = "REPO[@REVISION]|URL") String what;

    @Option(names = "--progress", negatable = true,
        description = "Draw a progress bar on stderr (default: when stderr is a terminal).")
    Boolean progress;

    @Override
    public Integer call() throws Exception {
      ModelStore store = ModelStore.open();
      HubClient hub = HubClient.fromEnvironment();
      DownloadProgress bar = (progress != null ? progress : DownloadProgress.stderrIsTerminal())
          ? DownloadProgress.bar(System.err) : DownloadProgress.NONE;
      if (what.startsWith("http://") || what.startsWith("https://")) {
        System.out.println("stored " + store.pullLanguageModel(hub, url(what), bar));
        return 0;
      }
      int at = what.indexOf('@');
      String revision = at < 0 ? null : what.substring(at + 1);
      if (revision != null && revision.isBlank()) throw new InvalidInputException("no revision after '@' in " + what);
      StoredModel m = store.pull(hub, at < 0 ? what : what.substring(0, at), revision, bar);
      System.out.printf("%s@%s%s is in %s (%s)%n", m.id(), m.revision(),
          m.commit() != null && !m.commit().equals(m.revision()) ? " (commit " + m.commit() + ")" : "", m.path(),
          DownloadProgress.humanSize(m.bytes()));
      return 0;
    }

    private static URI url(String text) {
      try {
        return new URI(text);
      } catch (URISyntaxException e) {
        throw new InvalidInputException("not a URL: " + text + " (" + e.getReason() + ")");
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The stored models: id, revision, size, folder.")
  static final class ListModels implements Callable<Integer> {
    @Option(names = "--json", description = "One JSON array of {id, revision, commit, bytes, path}.") boolean json;

    @Override
    public Integer call() throws Exception {
      List<StoredModel> models = ModelStore.open().list();
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode out = mapper.createArrayNode();
        for (StoredModel m : models) {
          out.addObject().put("id", m.id()).put("revision", m.revision()).put("commit", m.commit())
              .put("bytes", m.bytes()).put("path", m.path().toString());
        }
        System.out.println(mapper.writeValueAsString(out));
      } else {
        for (StoredModel m : models) {
          System.out.printf("%-40s %-12s %10s  %s%n", m.id(), m.revision() != null ? m.revision() : "?",
              DownloadProgress.humanSize(m.bytes()), m.path());
        }
      }
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a stored model.")
  static final class Remove implements Callable<Integer> {
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() throws Exception {
      Path removed = ModelStore.open().remove(id).path();
      System.out.println("removed " + id + " (" + removed + ")");
      return 0;
    }
  }
}
