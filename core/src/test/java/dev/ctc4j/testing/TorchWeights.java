package dev.ctc4j.testing;

import static dev.ctc4j.testing.TorchTensors.opt;

import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.TorchCheck;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A snapshot of one of our modules' state dict as libtorch tensors, by state_dict name (learnable
 * parameters as leaves that collect gradients, running statistics as plain tensors), in float64 for
 * the test references or float32 for the benchmark peers; and the layers both build from it, in
 * torch's functional forms. What differs between a reference and a peer (how each runs its RNNs)
 * stays in them. Call inside a PointerScope.
 */
public final class TorchWeights {
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();

  private TorchWeights(Module module, boolean doubles) {
    Set<String> learnable = module.namedParameters().keySet();
    module.stateDict().forEach((name, p) -> {
      float[] v = p.value().toFloatArray();
      Tensor t = doubles ? TorchTensors.doubles(TorchCheck.toDoubles(v), p.shape()) : TorchTensors.floats(v, p.shape());
      if (learnable.contains(name)) parameters.put(name, t.requires_grad_(true));
      else buffers.put(name, t);
    });
  }

  /** The module's state in float64 (test references). */
  public static TorchWeights float64(Module module) {
    return new TorchWeights(module, true);
  }

  /** The module's state in float32 (benchmark peers, as a PyTorch user runs the model). */
  public static TorchWeights float32(Module module) {
    return new TorchWeights(module, false);
  }

  /** The learnable leaves in state_dict order (their grad() after backward). */
  public Map<String, Tensor> parameters() {
    return parameters;
  }

  /** The leaf of parameter {@code name}; fails naming the ones there are. */
  public Tensor p(String name) {
    Tensor t = parameters.get(name);
    if (t == null) throw new IllegalArgumentException("no parameter " + name + " in " + parameters.keySet());
    return t;
  }

  /** Running statistics {@code name}, or null (updated in place by a training batch norm). */
  public Tensor buffer(String name) {
    return buffers.get(name);
  }

  /** torch.nn.Linear from {@code name.weight} and, when present, {@code name.bias}. */
  public Tensor linear(Tensor x, String name) {
    return torch.linear(x, p(name + ".weight"), opt(parameters.get(name + ".bias")));
  }

  public Tensor conv2d(Tensor x, String name, long strideH, long strideW, long padH, long padW) {
    return torch.conv2d(x, p(name + ".weight"), opt(p(name + ".bias")), new long[] {strideH, strideW},
        new long[] {padH, padW}, new long[] {1, 1}, 1);
  }

  /** torch.nn.BatchNorm over axis 1: batch statistics and running ones updated in training. */
  public Tensor batchNorm(Tensor x, String name, boolean training) {
    return torch.batch_norm(x, opt(p(name + ".weight")), opt(p(name + ".bias")),
        opt(buffers.get(name + ".running_mean")), opt(buffers.get(name + ".running_var")), training, 0.1, 1e-5,
        false);
  }

  /** deepspeech.pytorch's SequenceWise(BatchNorm1d): over all T x N frames of [T, N, C]. */
  public Tensor sequenceWiseBatchNorm(Tensor x, String name, boolean training) {
    long steps = x.size(0), n = x.size(1), channels = x.size(2);
    return batchNorm(x.reshape(steps * n, channels), name, training).reshape(steps, n, channels);
  }

  /** torch.nn.LayerNorm over the last axis. */
  public Tensor layerNorm(Tensor x, String name) {
    return torch.layer_norm(x, new long[] {x.size(x.dim() - 1)}, opt(p(name + ".weight")), opt(p(name + ".bias")),
        1e-5, false);
  }

  /** AssemblyAI's CNNLayerNorm: layer norm over the feature axis of [N, C, F, T]. */
  public Tensor cnnLayerNorm(Tensor x, String name) {
    return torch.layer_norm(x.transpose(2, 3), new long[] {x.size(2)}, opt(p(name + ".weight")),
        opt(p(name + ".bias")), 1e-5, false).transpose(2, 3);
  }

  /** Hardtanh(0, 20), DeepSpeech's clipped ReLU. */
  public static Tensor clippedRelu(Tensor x) {
    return torch.hardtanh(x, new Scalar(0.0), new Scalar(20.0));
  }
}
