package dev.ctc4j.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ctc4j.model.SafeTensors;
import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;

/**
 * A tiny random-weight Hugging Face Wav2Vec2ForCTC folder, as a hub repository serves it
 * (config.json, vocab.json, tokenizer_config.json, preprocessor_config.json, model.safetensors
 * under HF names, written as {@link Wav2Vec2ImportTest} writes them), and checks of a model
 * imported from it against its source tensors and libtorch.
 */
public final class TinyHubModel {
  private static final String POS = "encoder.transformer.pos_conv_embed.conv.";
  private final Wav2Vec2Config config;
  private final Wav2Vec2ImportTest.Source source;

  private TinyHubModel(Wav2Vec2Config config, Wav2Vec2ImportTest.Source source) {
    this.config = config;
    this.source = source;
  }

  /** Writes the repository's files into {@code folder} (a few hundred KB), the weights as model.safetensors. */
  public static TinyHubModel write(Path folder, SplittableRandom rng) throws IOException {
    return write(folder, rng, false);
  }

  /** The same, the weights as model.safetensors or, with {@code pytorchBin}, as libtorch-written pytorch_model.bin. */
  public static TinyHubModel write(Path folder, SplittableRandom rng, boolean pytorchBin) throws IOException {
    List<String> vocab = Wav2Vec2ImportTest.vocab(12);
    Wav2Vec2Config config = Wav2Vec2ImportTest.withHuggingFaceVocab(TinyModels.base(), vocab);
    Wav2Vec2ImportTest.Source source = Wav2Vec2ImportTest.Source.random(config, rng, "weight_g", "weight_v");
    Files.createDirectories(folder);
    if (pytorchBin) source.writeTorch(folder.resolve("pytorch_model.bin"), Wav2Vec2ImportTest::huggingFaceName);
    else source.write(folder.resolve("model.safetensors"), Wav2Vec2ImportTest::huggingFaceName, Map.of());
    Wav2Vec2ImportTest.writeHuggingFaceConfig(folder, config, vocab);
    return new TinyHubModel(config, source);
  }

  /**
   * The imported checkpoint in {@code folder} holds the served tensors (by torchaudio name; the
   * positional weight is folded from its weight-norm pair, so only logits check it), and its
   * logits equal libtorch's on the served tensors (1e-4 relative to 1 + |reference|).
   */
  public void assertImported(Path folder, SplittableRandom rng) throws IOException {
    Map<String, SafeTensors.Entry> stored = SafeTensors.read(folder.resolve("model.safetensors"), name -> false);
    source.values().forEach((name, values) -> {
      if (!name.startsWith(POS + "weight_")) assertArrayEquals(values, stored.get(name).values(), name);
    });
    float[] waveform = TinyModels.waveform(rng, 1999);
    try (Wav2Vec2Model model = Wav2Vec2Model.load(folder, Device.CPU); PointerScope scope = new PointerScope();
        Tensor logits = model.logits(waveform)) {
      assertEquals(config, model.config());
      TorchCheck.assertClose(source.referenceLogits(config, waveform), logits.toFloatArray(), 1e-4, "pulled " + folder);
    }
  }
}
