package dev.ctc4j.bench;

import static dev.ctc4j.testing.TorchTensors.opt;

import dev.ctc4j.model.AcousticModel;
import dev.ctc4j.model.ModelConfig;
import dev.ctc4j.testing.TorchTensors;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensorDoubleLong_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The libtorch peer of our CtcModel "rnn" architecture (the embedded AN4 model: Conv1d + ReLU, a
 * bidirectional GRU stack, Linear, log-softmax) for utterances of equal length, in float32 (conv1d,
 * torch.gru over the whole stack, linear) or with libtorch's dynamic int8 quantization as this preset
 * exposes it: fbgemm's int8 linear (fbgemm_linear_int8_weight_fp32_activation, weights quantized per
 * tensor once, the input per call) for the output layer, and quantized_gru_cell (the same products)
 * stepped over the frames for each GRU direction; the convolution stays float32 (PyTorch's dynamic
 * quantization has no convolutions). The fused quantized GRU over a sequence (quantized::gru and its
 * packed parameters) is not in the preset. Create and use it inside a PointerScope that outlives it.
 */
final class TorchCtcModel {
  /** A weight quantized by fbgemm: values, packed form, column offsets, scale and zero point. */
  private record QuantizedWeight(Tensor values, Tensor packed, Tensor colOffsets, Scalar scale, Scalar zeroPoint) {
    static QuantizedWeight of(Tensor weight) {
      T_TensorTensorDoubleLong_T q = torch.fbgemm_linear_quantize_weight(weight);
      return new QuantizedWeight(q.get0(), torch.fbgemm_pack_quantized_matrix(q.get0()), q.get1(),
          new Scalar(q.get2()), new Scalar(q.get3()));
    }
  }

  private final ModelConfig config;
  private final boolean int8;
  private final Map<String, Tensor> p = new HashMap<>();
  private final Map<String, QuantizedWeight> q = new HashMap<>();

  TorchCtcModel(AcousticModel model, boolean int8) {
    config = model.config();
    if (!"rnn".equals(config.architecture()) || !"gru".equals(config.cell()) || !config.bidirectional()
        || config.convChannels() == 0) {
      throw new IllegalArgumentException("the peer covers Conv1d + BiGRU CTC models, not " + config);
    }
    this.int8 = int8;
    model.stateDict().forEach((name, t) -> p.put(name, TorchTensors.floats(t.value().toFloatArray(), t.shape())));
    if (int8) {
      p.forEach((name, t) -> {
        if (name.startsWith("rnn.weight_") || name.equals("output.weight")) q.put(name, QuantizedWeight.of(t));
      });
    }
  }

  /** Log-probabilities [T', N, classes] of features [N, F, T] (every utterance T frames). */
  Tensor forward(Tensor features) {
    Tensor x = torch.relu(torch.conv1d(features, p.get("conv.weight"), opt(p.get("conv.bias")),
        new long[] {config.convStride()}, new long[] {config.convKernel() / 2}, new long[] {1}, 1));
    x = x.permute(2, 0, 1).contiguous(); // [T', N, C]
    x = int8 ? quantizedGru(x) : floatGru(x);
    Tensor logits = int8
        ? linearInt8(x, "output")
        : torch.linear(x, p.get("output.weight"), opt(p.get("output.bias")));
    return torch.log_softmax(logits, -1);
  }

  private Tensor floatGru(Tensor x) {
    TensorVector weights = new TensorVector();
    for (int l = 0; l < config.layers(); l++) {
      for (String suffix : new String[] {"_l" + l, "_l" + l + "_reverse"}) {
        for (String kind : new String[] {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
          weights.push_back(p.get("rnn." + kind + suffix));
        }
      }
    }
    Tensor h0 = torch.zeros(new long[] {2L * config.layers(), x.size(1), config.hidden()},
        new TensorOptions(torch.ScalarType.Float));
    return torch.gru(x, h0, weights, true, config.layers(), 0.0, false, true, false).get0();
  }

  private Tensor quantizedGru(Tensor x) {
    for (int l = 0; l < config.layers(); l++) {
      x = torch.cat(new TensorVector(direction(x, "_l" + l, false), direction(x, "_l" + l + "_reverse", true)), 2);
    }
    return x;
  }

  /** One GRU direction over x [T, N, C] by quantized_gru_cell, step by step: [T, N, hidden]. */
  private Tensor direction(Tensor x, String suffix, boolean reverse) {
    QuantizedWeight ih = q.get("rnn.weight_ih" + suffix), hh = q.get("rnn.weight_hh" + suffix);
    Tensor bIh = p.get("rnn.bias_ih" + suffix), bHh = p.get("rnn.bias_hh" + suffix);
    long steps = x.size(0);
    Tensor h = torch.zeros(new long[] {x.size(1), config.hidden()}, new TensorOptions(torch.ScalarType.Float));
    Tensor[] out = new Tensor[(int) steps];
    for (long s = 0; s < steps; s++) {
      long t = reverse ? steps - 1 - s : s;
      h = torch.quantized_gru_cell(x.select(0, t), h, ih.values(), hh.values(), bIh, bHh, ih.packed(), hh.packed(),
          ih.colOffsets(), hh.colOffsets(), ih.scale(), hh.scale(), ih.zeroPoint(), hh.zeroPoint());
      out[(int) t] = h;
    }
    return torch.stack(new TensorVector(out));
  }

  private Tensor linearInt8(Tensor x, String name) {
    QuantizedWeight w = q.get(name + ".weight");
    return torch.fbgemm_linear_int8_weight_fp32_activation(x, w.values(), w.packed(), w.colOffsets(), w.scale(),
        w.zeroPoint(), p.get(name + ".bias"));
  }
}
