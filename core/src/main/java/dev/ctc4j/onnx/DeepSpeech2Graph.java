package dev.ctc4j.onnx;

import dev.ctc4j.model.ModelConfig;

/**
 * DeepSpeech2 (deepspeech.pytorch): two Conv2d + BatchNorm2d + Hardtanh(0, 20) blocks over the
 * masked [N, 1, F, T] image (41x11 stride 2x2 pad 20x5, then 21x11 stride 2x1 pad 10x5; padded
 * frames zeroed after each), then bidirectional RNNs with directions summed, sequence-wise batch
 * norms before all but the first and before the bias-free output layer, then log-softmax.
 */
final class DeepSpeech2Graph {
  private DeepSpeech2Graph() {}

  static Outputs build(Graph g, ModelConfig c, Weights w, String features, String lengths) {
    String x = g.node("Unsqueeze", features, g.ints(1));
    x = Frames.zeroPadding(g, x, Frames.valid(g, lengths, x, 3), 4);
    x = block(g, w, 0, x, new long[] {2, 2}, Convolutions.symmetric(20, 5));
    String outLengths = Frames.convLengths(g, lengths, 11, 2, 5);
    String valid = Frames.valid(g, outLengths, x, 3);
    x = Frames.zeroPadding(g, x, valid, 4);
    x = Frames.zeroPadding(g, block(g, w, 3, x, new long[] {2, 1}, Convolutions.symmetric(10, 5)), valid, 4);
    x = Frames.timeMajor(g, x, w.shape("rnns.0.rnn.weight_ih_l0")[1]);
    String sequenceLengths = Recurrent.sequenceLengths(g, outLengths);
    for (int i = 0; i < c.layers(); i++) {
      if (i > 0) x = Norms.batchNormLastAxis(g, w.at("rnns." + i + ".batch_norm.module"), x);
      x = Recurrent.rnn(g, w.at("rnns." + i + ".rnn"), x, sequenceLengths, true);
    }
    x = Norms.batchNormLastAxis(g, w.at("fc.0.module.0"), x);
    return Outputs.ofTimeMajor(g, Linears.linear(g, w.at("fc.0.module.1"), x), outLengths);
  }

  /** conv.seq_module.{i, i+1, i+2}: Conv2d, BatchNorm2d, Hardtanh(0, 20). */
  private static String block(Graph g, Weights w, int i, String x, long[] stride, long[] pads) {
    String y = Convolutions.conv(g, w.at("conv.seq_module." + i), x, stride, pads, 1);
    return Activations.hardtanh(g, Norms.batchNorm(g, w.at("conv.seq_module." + (i + 1)), y), 0, 20);
  }
}
