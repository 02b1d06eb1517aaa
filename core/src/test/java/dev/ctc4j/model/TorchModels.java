package dev.ctc4j.model;

import static dev.ctc4j.testing.TorchTensors.opt;

import dev.ctc4j.testing.Torch;
import dev.ctc4j.testing.TorchWeights;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The model families re-built from libtorch functional ops in float64, with a snapshot of one of
 * our models' parameters (leaves that collect gradients) and running statistics, looked up by
 * state_dict name. Written from the papers' and original code's structure, not from our classes:
 * MaskConv-style masks after each convolution, batch norm over all T x N frames, and every RNN run
 * on each utterance alone over its own frames (so padding cannot leak), zero-padded back to T'.
 * Call inside a PointerScope.
 */
final class TorchModels {
  private final TorchWeights w;
  private final boolean training;
  private final int[] lengths, outLengths;

  TorchModels(AcousticModel model, boolean training, int[] lengths) {
    this.w = TorchWeights.float64(model);
    this.training = training;
    this.lengths = lengths.clone();
    this.outLengths = model.outputLengths(lengths);
  }

  /** The leaf holding parameter {@code name} (its grad() after backward). */
  Tensor parameter(String name) {
    return w.parameters().get(name);
  }

  /** Running statistics after the forward pass (updated in place in training). */
  Tensor buffer(String name) {
    return w.buffer(name);
  }

  /** Log-probabilities [T', N, classes] of features [N, F, T]. */
  Tensor forward(ModelConfig c, Tensor features) {
    return switch (c.architecture()) {
      case "deepspeech2" -> deepSpeech2(c, features);
      case "rescnn_bigru" -> resCnnBiGru(c, features);
      default -> ctc(c, features);
    };
  }

  private Tensor ctc(ModelConfig c, Tensor x) {
    if (c.convChannels() > 0) {
      x = mask(x, lengths);
      x = torch.relu(torch.conv1d(x, w.p("conv.weight"), opt(w.p("conv.bias")), new long[] {c.convStride()},
          new long[] {c.convKernel() / 2}, new long[] {1}, 1));
      x = mask(x, outLengths);
    }
    x = x.permute(2, 0, 1);
    if (c.architecture().equals("dnn")) {
      for (int i = 0; i < c.layers(); i++) x = torch.relu(w.linear(x, "mlp." + 2 * i));
    } else {
      x = rnnPerUtterance(x, "rnn.", c.cell().equals("lstm"), c.layers(), c.bidirectional(), false);
    }
    return torch.log_softmax(w.linear(x, "output"), -1);
  }

  private Tensor deepSpeech2(ModelConfig c, Tensor features) {
    long n = features.size(0), bins = features.size(1), steps = features.size(2);
    Tensor x = mask(features.reshape(n, 1, bins, steps), lengths);
    x = w.conv2d(x, "conv.seq_module.0", 2, 2, 20, 5);
    x = mask(TorchWeights.clippedRelu(w.batchNorm(x, "conv.seq_module.1", training)), outLengths);
    x = w.conv2d(x, "conv.seq_module.3", 2, 1, 10, 5);
    x = mask(TorchWeights.clippedRelu(w.batchNorm(x, "conv.seq_module.4", training)), outLengths);
    x = x.reshape(n, x.size(1) * x.size(2), x.size(3)).permute(2, 0, 1);
    for (int i = 0; i < c.layers(); i++) {
      if (i > 0) x = w.sequenceWiseBatchNorm(x, "rnns." + i + ".batch_norm.module", training);
      x = rnnPerUtterance(x, "rnns." + i + ".rnn.", c.cell().equals("lstm"), 1, true, true);
    }
    x = w.sequenceWiseBatchNorm(x, "fc.0.module.0", training);
    return torch.log_softmax(w.linear(x, "fc.0.module.1"), -1);
  }

  private Tensor resCnnBiGru(ModelConfig c, Tensor features) {
    long n = features.size(0), bins = features.size(1), steps = features.size(2);
    Tensor x = mask(features.reshape(n, 1, bins, steps), lengths);
    x = mask(w.conv2d(x, "cnn", 2, 2, 1, 1), outLengths);
    for (int i = 0; i < c.resBlocks(); i++) {
      String block = "rescnn_layers." + i + ".";
      Tensor h = torch.gelu(w.cnnLayerNorm(x, block + "layer_norm1.layer_norm"));
      h = mask(w.conv2d(h, block + "cnn1", 1, 1, 1, 1), outLengths);
      h = torch.gelu(w.cnnLayerNorm(h, block + "layer_norm2.layer_norm"));
      h = mask(w.conv2d(h, block + "cnn2", 1, 1, 1, 1), outLengths);
      x = h.add(x);
    }
    x = x.reshape(n, x.size(1) * x.size(2), x.size(3)).permute(2, 0, 1);
    x = w.linear(x, "fully_connected");
    for (int i = 0; i < c.layers(); i++) {
      String layer = "birnn_layers." + i + ".";
      x = torch.gelu(w.layerNorm(x, layer + "layer_norm"));
      x = rnnPerUtterance(x, layer + "BiGRU.", false, 1, true, false);
    }
    x = w.linear(torch.gelu(w.linear(x, "classifier.0")), "classifier.3");
    return torch.log_softmax(x, -1);
  }

  /** x [N, ..., T] with frames t >= lengths[b] zeroed. */
  private static Tensor mask(Tensor x, int[] lengths) {
    long n = x.size(0), steps = x.size(x.dim() - 1);
    double[] m = new double[(int) (n * steps)];
    for (int b = 0; b < n; b++) {
      for (int t = 0; t < lengths[b]; t++) m[(int) (b * steps + t)] = 1;
    }
    long[] shape = new long[(int) x.dim()];
    java.util.Arrays.fill(shape, 1);
    shape[0] = n;
    shape[shape.length - 1] = steps;
    return x.mul(Torch.doubles(m, shape));
  }

  /**
   * torch.lstm/gru on each utterance's own frames of x [T', N, C] from zero states, zero-padded back
   * to T' (pad_packed_sequence); directions concatenated, or summed as deepspeech.pytorch does.
   */
  private Tensor rnnPerUtterance(Tensor x, String prefix, boolean lstm, int layers, boolean bidirectional,
      boolean sum) {
    List<Tensor> weights = new ArrayList<>();
    w.parameters().forEach((name, t) -> {
      if (name.startsWith(prefix)) weights.add(t);
    });
    TensorVector flat = new TensorVector(weights.toArray(new Tensor[0]));
    long hidden = w.p(prefix + "weight_hh_l0").size(1), steps = x.size(0);
    int directions = bidirectional ? 2 : 1;
    double[] zeros = new double[(int) (layers * directions * hidden)];
    Tensor h0 = Torch.doubles(zeros, layers * directions, 1, hidden);
    List<Tensor> outputs = new ArrayList<>();
    for (int b = 0; b < outLengths.length; b++) {
      Tensor xb = x.narrow(1, b, 1).narrow(0, 0, outLengths[b]);
      Tensor y = lstm
          ? torch.lstm(xb, new TensorVector(h0, h0), flat, true, layers, 0.0, false, bidirectional, false).get0()
          : torch.gru(xb, h0, flat, true, layers, 0.0, false, bidirectional, false).get0();
      if (sum) y = y.narrow(2, 0, hidden).add(y.narrow(2, hidden, hidden));
      outputs.add(torch.constant_pad_nd(y, 0, 0, 0, 0, 0, steps - outLengths[b]));
    }
    return torch.cat(new TensorVector(outputs.toArray(new Tensor[0])), 1);
  }
}
