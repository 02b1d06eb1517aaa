package dev.ctc4j.wav2vec2;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.TransformerNative;
import dev.ctc4j.nn.Init;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.LongPointer;

/**
 * torch.nn.Conv1d (stride, zero padding, groups) over time-major x [steps, in_channels], with
 * PyTorch's parameters {@code weight} [out, in / groups, kernel] and optional {@code bias} [out].
 */
final class Conv1d extends Module {
  private final int in, out, kernel, stride, padding, groups;
  private final Parameter weight, bias;

  Conv1d(Device device, int in, int out, int kernel, int stride, int padding, int groups, boolean bias,
      SplittableRandom rng) {
    if (in % groups != 0 || out % groups != 0) {
      throw new InvalidInputException(groups + " groups do not divide conv1d channels " + in + " -> " + out);
    }
    this.in = in;
    this.out = out;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.groups = groups;
    int fanIn = in / groups * kernel;
    double bound = 1 / Math.sqrt(fanIn);
    this.weight = parameter("weight", device, Init.uniform(rng, out * fanIn, bound), out, in / groups, kernel);
    this.bias = bias ? parameter("bias", device, Init.uniform(rng, out, bound), out) : null;
  }

  /** Output frames for {@code steps} input frames; throws naming the sizes when the input is too short. */
  long outputSteps(long steps) {
    try (LongPointer outSteps = new LongPointer(1)) {
      NativeStatus.check(TransformerNative.ctc4j_transformer_conv1d_steps(steps, kernel, stride, padding, outSteps), "conv1d size");
      return outSteps.get();
    }
  }

  /** The first {@code outSteps} output frames [outSteps, out] of x [steps, in]. */
  Tensor forward(Tensor x, long outSteps) {
    Ops.requireShape(x, "Conv1d", -1, in);
    Tensor y = TimeMajor.empty(x, outSteps, out);
    try (TransformerNative.Conv1d conv = TransformerNative.ctc4j_transformer_default_conv1d().steps(x.dim(0))
        .in_channels(in).out_channels(out).kernel(kernel).stride(stride).padding(padding).groups(groups)
        .out_steps(outSteps).w(TimeMajor.ptr(weight.value())).bias(bias == null ? null : TimeMajor.ptr(bias.value()))) {
      NativeStatus.check(TransformerNative.ctc4j_transformer_conv1d_forward(TimeMajor.device(x), conv, TimeMajor.ptr(x),
          TimeMajor.ptr(y)), "conv1d");
      return y;
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
  }

  Tensor forward(Tensor x) {
    return forward(x, outputSteps(x.dim(0)));
  }
}
