package dev.ctc4j.model;

import static dev.ctc4j.testing.Torch.opt;

import dev.ctc4j.nn.Parameter;
import dev.ctc4j.nn.TorchCheck;
import dev.ctc4j.testing.Torch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
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
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final boolean training;
  private final int[] lengths, outLengths;

  TorchModels(AcousticModel model, boolean training, int[] lengths) {
    Map<String, Parameter> learnable = model.namedParameters();
    model.stateDict().forEach((name, p) -> {
      float[] v = p.value().toFloatArray();
      if (learnable.containsKey(name)) parameters.put(name, TorchCheck.leaf(v, p.shape()));
      else buffers.put(name, Torch.doubles(TorchCheck.toDoubles(v), p.shape()));
    });
    this.training = training;
    this.lengths = lengths.clone();
    this.outLengths = model.outputLengths(lengths);
  }

  /** The leaf holding parameter {@code name} (its grad() after backward). */
  Tensor parameter(String name) {
    return parameters.get(name);
  }

  /** Running statistics after the forward pass (updated in place in training). */
  Tensor buffer(String name) {
    return buffers.get(name);
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
      x = torch.relu(torch.conv1d(x, p("conv.weight"), opt(p("conv.bias")), new long[] {c.convStride()},
          new long[] {c.convKernel() / 2}, new long[] {1}, 1));
      x = mask(x, outLengths);
    }
    x = x.permute(2, 0, 1);
    if (c.architecture().equals("dnn")) {
      for (int i = 0; i < c.layers(); i++) x = torch.relu(linear(x, "mlp." + 2 * i));
    } else {
      x = rnnPerUtterance(x, "rnn.", c.cell().equals("lstm"), c.layers(), c.bidirectional(), false);
    }
    return torch.log_softmax(linear(x, "output"), -1);
  }

  private Tensor deepSpeech2(ModelConfig c, Tensor features) {
    long n = features.size(0), bins = features.size(1), steps = features.size(2);
    Tensor x = mask(features.reshape(n, 1, bins, steps), lengths);
    x = conv2d(x, "conv.seq_module.0", 2, 2, 20, 5);
    x = mask(torch.hardtanh(batchNorm(x, "conv.seq_module.1"), new Scalar(0.0), new Scalar(20.0)), outLengths);
    x = conv2d(x, "conv.seq_module.3", 2, 1, 10, 5);
    x = mask(torch.hardtanh(batchNorm(x, "conv.seq_module.4"), new Scalar(0.0), new Scalar(20.0)), outLengths);
    x = x.reshape(n, x.size(1) * x.size(2), x.size(3)).permute(2, 0, 1);
    for (int i = 0; i < c.layers(); i++) {
      if (i > 0) x = sequenceWiseBatchNorm(x, "rnns." + i + ".batch_norm.module");
      x = rnnPerUtterance(x, "rnns." + i + ".rnn.", c.cell().equals("lstm"), 1, true, true);
    }
    x = sequenceWiseBatchNorm(x, "fc.0.module.0");
    return torch.log_softmax(torch.linear(x, p("fc.0.module.1.weight"), opt(null)), -1);
  }

  private Tensor resCnnBiGru(ModelConfig c, Tensor features) {
    long n = features.size(0), bins = features.size(1), steps = features.size(2);
    Tensor x = mask(features.reshape(n, 1, bins, steps), lengths);
    x = mask(conv2d(x, "cnn", 2, 2, 1, 1), outLengths);
    for (int i = 0; i < c.resBlocks(); i++) {
      String block = "rescnn_layers." + i + ".";
      Tensor h = torch.gelu(cnnLayerNorm(x, block + "layer_norm1.layer_norm"));
      h = mask(conv2d(h, block + "cnn1", 1, 1, 1, 1), outLengths);
      h = torch.gelu(cnnLayerNorm(h, block + "layer_norm2.layer_norm"));
      h = mask(conv2d(h, block + "cnn2", 1, 1, 1, 1), outLengths);
      x = h.add(x);
    }
    x = x.reshape(n, x.size(1) * x.size(2), x.size(3)).permute(2, 0, 1);
    x = linear(x, "fully_connected");
    for (int i = 0; i < c.layers(); i++) {
      String layer = "birnn_layers." + i + ".";
      x = torch.gelu(torch.layer_norm(x, new long[] {x.size(2)}, opt(p(layer + "layer_norm.weight")),
          opt(p(layer + "layer_norm.bias")), 1e-5, false));
      x = rnnPerUtterance(x, layer + "BiGRU.", false, 1, true, false);
    }
    x = linear(torch.gelu(linear(x, "classifier.0")), "classifier.3");
    return torch.log_softmax(x, -1);
  }

  private Tensor p(String name) {
    return Torch.required(parameters, name);
  }

  private Tensor linear(Tensor x, String name) {
    return Torch.linear(x, parameters, name);
  }

  private Tensor conv2d(Tensor x, String name, long strideH, long strideW, long padH, long padW) {
    return torch.conv2d(x, p(name + ".weight"), opt(p(name + ".bias")), new long[] {strideH, strideW},
        new long[] {padH, padW}, new long[] {1, 1}, 1);
  }

  private Tensor batchNorm(Tensor x, String name) {
    return torch.batch_norm(x, opt(p(name + ".weight")), opt(p(name + ".bias")),
        opt(buffers.get(name + ".running_mean")), opt(buffers.get(name + ".running_var")), training, 0.1, 1e-5,
        false);
  }

  /** deepspeech.pytorch's SequenceWise(BatchNorm1d): over all T x N frames of [T, N, C]. */
  private Tensor sequenceWiseBatchNorm(Tensor x, String name) {
    long steps = x.size(0), n = x.size(1), channels = x.size(2);
    return batchNorm(x.reshape(steps * n, channels), name).reshape(steps, n, channels);
  }

  /** AssemblyAI's CNNLayerNorm: layer norm over the feature axis of [N, C, F, T]. */
  private Tensor cnnLayerNorm(Tensor x, String name) {
    return torch.layer_norm(x.transpose(2, 3), new long[] {x.size(2)}, opt(p(name + ".weight")),
        opt(p(name + ".bias")), 1e-5, false).transpose(2, 3);
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
    parameters.forEach((name, t) -> {
      if (name.startsWith(prefix)) weights.add(t);
    });
    TensorVector flat = new TensorVector(weights.toArray(new Tensor[0]));
    long hidden = p(prefix + "weight_hh_l0").size(1), steps = x.size(0);
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
