package dev.ctc4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusPreparerTest {
  @TempDir Path dir;

  @Test
  void preparesAn4LikeTheReferenceManifests() throws Exception {
    Path an4 = SharedData.require("an4");
    List<String> log = new ArrayList<>();
    CorpusPreparer preparer = new CorpusPreparer(log::add);
    Map<String, List<Utterance>> splits = preparer.prepareAn4(an4, dir);
    assertEquals(0, preparer.skipped(), String.join("\n", log));
    for (String split : List.of("train", "test")) {
      Map<Path, Utterance> expected = new HashMap<>();
      for (Utterance u : Manifest.read(an4.resolve(split + ".jsonl"))) expected.put(u.audio(), u);
      List<Utterance> ours = Manifest.read(dir.resolve(split + ".jsonl"));
      assertEquals(expected.size(), ours.size(), split);
      assertEquals(splits.get(split).size(), ours.size());
      for (Utterance u : ours) {
        Utterance e = expected.get(u.audio());
        assertEquals(e.text(), u.text(), u.audio().toString());
        assertEquals(e.duration(), u.duration(), 0.06, "duration of " + u.audio());
      }
    }
  }

  @Test
  void preparesLibriSpeechAndTablesAndSkipsUnreadableFiles() throws Exception {
    List<Utterance> samples = Manifest.read(SharedData.require("librispeech-samples/samples.jsonl"));
    Path root = dir.resolve("LibriSpeech/test-other");
    Map<Path, Utterance> expected = new HashMap<>();
    for (Utterance u : samples.subList(0, 12)) {  // the standard layout: SPEAKER/CHAPTER/ID.flac + ID-prefix.trans.txt
      String id = u.audio().getFileName().toString().replace(".flac", "");
      String[] parts = id.split("-");
      Path chapter = Files.createDirectories(root.resolve(parts[0]).resolve(parts[1]));
      Files.copy(u.audio(), chapter.resolve(id + ".flac"));
      Files.writeString(chapter.resolve(parts[0] + "-" + parts[1] + ".trans.txt"), id + " " + u.text().toUpperCase() + "\n",
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      expected.put(chapter.resolve(id + ".flac").toAbsolutePath(), u);
    }
    List<String> log = new ArrayList<>();
    CorpusPreparer preparer = new CorpusPreparer(log::add);
    List<Utterance> libri = preparer.prepareLibriSpeech(root, dir.resolve("libri.jsonl"));
    assertEquals(12, libri.size());
    for (Utterance u : libri) {
      assertEquals(expected.get(u.audio()).text(), u.text());
      assertEquals(expected.get(u.audio()).duration(), u.duration(), 0.06);
    }

    Path good = libri.get(0).audio();
    Files.copy(good, dir.resolve("good.flac"));
    Files.writeString(dir.resolve("broken.flac"), "definitely not flac");
    Path table = Files.writeString(dir.resolve("list.tsv"),
        "audio\ttext\ngood.flac\tHello, World\nbroken.flac\tbroken\nmissing.flac\tgone\nextra\tfields\there\n");
    List<Utterance> rows = preparer.prepareTable(table, dir.resolve("table.jsonl"));
    assertEquals(1, rows.size());
    assertEquals("hello world", rows.get(0).text());
    assertEquals(3, preparer.skipped(), String.join("\n", log));
    assertTrue(log.stream().anyMatch(l -> l.contains("broken.flac")), String.join("\n", log));
  }
}
