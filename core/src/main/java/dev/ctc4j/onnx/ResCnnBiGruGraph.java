package dev.ctc4j.onnx;

import dev.ctc4j.model.ModelConfig;

/**
 * ResCNN + BiGRU (AssemblyAI's model as ctc4j runs it): Conv2d 3x3 stride 2 over the masked
 * [N, 1, F, T] image, residual blocks (layer norm over the mel axis, GELU, Conv2d 3x3, twice, plus
 * the skip; padded frames zeroed after each convolution), the fully connected layer, BiGRU layers
 * (layer norm, GELU, BiGRU), then the classifier (Linear, GELU, Linear) and log-softmax.
 */
final class ResCnnBiGruGraph {
  private static final long[] ONE = {1, 1}, SAME = Convolutions.symmetric(1, 1);

  private ResCnnBiGruGraph() {}

  static Outputs build(Graph g, ModelConfig c, Weights w, String features, String lengths) {
    String x = g.node("Unsqueeze", features, g.ints(1));
    x = Frames.zeroPadding(g, x, Frames.valid(g, lengths, x, 3), 4);
    x = Convolutions.conv(g, w.at("cnn"), x, new long[] {2, 2}, SAME, 1);
    String outLengths = Frames.convLengths(g, lengths, 3, 2, 1);
    String valid = Frames.valid(g, outLengths, x, 3);
    x = Frames.zeroPadding(g, x, valid, 4);
    for (int i = 0; i < c.resBlocks(); i++) x = residualBlock(g, w.at("rescnn_layers." + i), x, valid);
    x = Frames.timeMajor(g, x, w.shape("fully_connected.weight")[1]);
    x = Linears.linear(g, w.at("fully_connected"), x);
    String sequenceLengths = Recurrent.sequenceLengths(g, outLengths);
    for (int i = 0; i < c.layers(); i++) {
      Weights layer = w.at("birnn_layers." + i);
      x = Activations.gelu(g, Norms.layerNorm(g, layer.at("layer_norm"), x));
      x = Recurrent.rnn(g, layer.at("BiGRU"), x, sequenceLengths, false);
    }
    x = Activations.gelu(g, Linears.linear(g, w.at("classifier.0"), x));
    return Outputs.ofTimeMajor(g, Linears.linear(g, w.at("classifier.3"), x), outLengths);
  }

  private static String residualBlock(Graph g, Weights w, String x, String valid) {
    String h = Activations.gelu(g, Norms.layerNormAxis(g, w.at("layer_norm1.layer_norm"), x, 2));
    h = Frames.zeroPadding(g, Convolutions.conv(g, w.at("cnn1"), h, ONE, SAME, 1), valid, 4);
    h = Activations.gelu(g, Norms.layerNormAxis(g, w.at("layer_norm2.layer_norm"), h, 2));
    h = Frames.zeroPadding(g, Convolutions.conv(g, w.at("cnn2"), h, ONE, SAME, 1), valid, 4);
    return g.node("Add", h, x);
  }
}
