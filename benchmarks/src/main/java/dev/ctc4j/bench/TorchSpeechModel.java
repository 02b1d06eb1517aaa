package dev.ctc4j.bench;

import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.testing.TorchTensors;
import dev.ctc4j.testing.TorchWeights;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.PackedSequence;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The libtorch peer of our DeepSpeech2 and ResCNN+BiGRU, in float32, written as a PyTorch user
 * writes these models (deepspeech.pytorch's MaskConv, SequenceWise batch norm and BatchRNN over
 * packed sequences; AssemblyAI's CNNLayerNorm and ResidualCNN): conv2d, batch_norm, hardtanh,
 * layer_norm, gelu, dropout, torch.gru on pack_padded_sequence data (what nn.GRU runs), linear,
 * log_softmax. It starts from one of our models' weights, looked up by state_dict name, as leaves
 * that collect gradients, so both sides compute the same function from the same point. Padded
 * frames are zeroed after each convolution block, as ours does. The layers are the test
 * references' ({@link TorchWeights}); unlike the float64 reference models (core's TorchModels, which
 * run each utterance's RNN alone), this is float32 over packed sequences, the fair speed peer.
 * Create and use it inside a PointerScope that outlives it.
 */
final class TorchSpeechModel {
  private final ModelConfig config;
  private final TorchWeights w;
  private boolean training;

  TorchSpeechModel(AcousticModel model) {
    config = model.config();
    w = TorchWeights.float32(model);
  }

  void train(boolean on) {
    training = on;
  }

  /** The learnable leaves, for an optimiser. */
  TensorVector parameters() {
    return new TensorVector(w.parameters().values().toArray(new Tensor[0]));
  }

  /**
   * Log-probabilities [T', N, classes] of features [N, F, T] whose utterance b has lengths[b]
   * frames and outLengths[b] output frames (the model's own arithmetic: both sides use ours).
   */
  Tensor forward(Tensor features, long[] lengths, long[] outLengths) {
    long n = features.size(0);
    Tensor image = features.reshape(n, 1, features.size(1), features.size(2))
        .masked_fill(paddingMask(lengths, features.size(2)), new Scalar(0.0));
    return switch (config.architecture()) {
      case "deepspeech2" -> deepSpeech2(image, outLengths);
      case "rescnn_bigru" -> resCnnBiGru(image, outLengths);
      default -> throw new IllegalArgumentException("no libtorch peer for " + config.architecture());
    };
  }

  private Tensor deepSpeech2(Tensor x, long[] outLengths) {
    x = w.conv2d(x, "conv.seq_module.0", 2, 2, 20, 5);
    Tensor mask = paddingMask(outLengths, x.size(3));
    x = TorchWeights.clippedRelu(w.batchNorm(x, "conv.seq_module.1", training)).masked_fill(mask, new Scalar(0.0));
    x = w.conv2d(x, "conv.seq_module.3", 2, 1, 10, 5);
    x = TorchWeights.clippedRelu(w.batchNorm(x, "conv.seq_module.4", training)).masked_fill(mask, new Scalar(0.0));
    x = timeMajor(x);
    Tensor lengths = TorchTensors.longs(outLengths, outLengths.length);
    for (int i = 0; i < config.layers(); i++) {
      if (i > 0) x = w.sequenceWiseBatchNorm(x, "rnns." + i + ".batch_norm.module", training);
      x = bidirectionalGru(x, lengths, "rnns." + i + ".rnn.", true);
    }
    x = w.sequenceWiseBatchNorm(x, "fc.0.module.0", training);
    return torch.log_softmax(w.linear(x, "fc.0.module.1"), -1);
  }

  private Tensor resCnnBiGru(Tensor x, long[] outLengths) {
    x = w.conv2d(x, "cnn", 2, 2, 1, 1);
    Tensor mask = paddingMask(outLengths, x.size(3));
    x = x.masked_fill(mask, new Scalar(0.0));
    for (int i = 0; i < config.resBlocks(); i++) {
      String block = "rescnn_layers." + i + ".";
      Tensor h = dropout(torch.gelu(w.cnnLayerNorm(x, block + "layer_norm1.layer_norm")));
      h = w.conv2d(h, block + "cnn1", 1, 1, 1, 1).masked_fill(mask, new Scalar(0.0));
      h = dropout(torch.gelu(w.cnnLayerNorm(h, block + "layer_norm2.layer_norm")));
      h = w.conv2d(h, block + "cnn2", 1, 1, 1, 1).masked_fill(mask, new Scalar(0.0));
      x = h.add(x);
    }
    x = w.linear(timeMajor(x), "fully_connected");
    Tensor lengths = TorchTensors.longs(outLengths, outLengths.length);
    for (int i = 0; i < config.layers(); i++) {
      String layer = "birnn_layers." + i + ".";
      x = torch.gelu(w.layerNorm(x, layer + "layer_norm"));
      x = dropout(bidirectionalGru(x, lengths, layer + "BiGRU.", false));
    }
    x = dropout(torch.gelu(w.linear(x, "classifier.0")));
    return torch.log_softmax(w.linear(x, "classifier.3"), -1);
  }

  /** [N, 1, 1, T] true at frames t >= lengths[b]: MaskConv's mask, broadcast over channels and bins. */
  private static Tensor paddingMask(long[] lengths, long steps) {
    Tensor frame = torch.arange(new Scalar(steps)).reshape(1, steps);
    return frame.ge(TorchTensors.longs(lengths, lengths.length, 1)).reshape(lengths.length, 1, 1, steps);
  }

  /** [N, C, F, T] to [T, N, C * F], the RNNs' input. */
  private static Tensor timeMajor(Tensor x) {
    return x.reshape(x.size(0), x.size(1) * x.size(2), x.size(3)).permute(2, 0, 1);
  }

  /**
   * One bidirectional GRU layer over x [T, N, C] packed by lengths, as nn.GRU runs a
   * PackedSequence; directions summed (deepspeech.pytorch) or concatenated.
   */
  private Tensor bidirectionalGru(Tensor x, Tensor lengths, String prefix, boolean sumDirections) {
    long hidden = w.p(prefix + "weight_hh_l0").size(1);
    TensorVector weights = new TensorVector(w.p(prefix + "weight_ih_l0"), w.p(prefix + "weight_hh_l0"),
        w.p(prefix + "bias_ih_l0"), w.p(prefix + "bias_hh_l0"), w.p(prefix + "weight_ih_l0_reverse"),
        w.p(prefix + "weight_hh_l0_reverse"), w.p(prefix + "bias_ih_l0_reverse"), w.p(prefix + "bias_hh_l0_reverse"));
    PackedSequence packed = torch.pack_padded_sequence(x, lengths, false, false);
    Tensor h0 = torch.zeros(new long[] {2, x.size(1), hidden}, new TensorOptions(torch.ScalarType.Float));
    Tensor data = torch.gru(packed.data(), packed.batch_sizes(), h0, weights, true, 1, 0.0, training, true).get0();
    PackedSequence out = new PackedSequence(data, packed.batch_sizes(), packed.sorted_indices(),
        packed.unsorted_indices());
    Tensor y = torch.pad_packed_sequence(out, false, 0.0, new LongOptional(x.size(0))).get0();
    return sumDirections ? y.narrow(2, 0, hidden).add(y.narrow(2, hidden, hidden)) : y;
  }

  private Tensor dropout(Tensor x) {
    return torch.dropout(x, config.dropout(), training);
  }
}
