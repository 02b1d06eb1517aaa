package dev.ctc4j.wav2vec2;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.QuantNative;
import dev.ctc4j.bridge.TransformerNative;
import dev.ctc4j.nn.Init;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.nn.PackedWeights;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.nn.Quantizable;
import dev.ctc4j.quant.Int8Matrix;
import dev.ctc4j.quant.Int8Weights;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.LongPointer;

/**
 * torch.nn.Conv1d (stride, zero padding, groups) over time-major x [steps, in_channels], with
 * PyTorch's parameters {@code weight} [out, in / groups, kernel] and optional {@code bias} [out].
 * Quantized ({@link Quantizable}; one group, no padding: the feature extractor's), inference runs on
 * int8 weights: output step t is the int8 product of its receptive field x[t * stride, t * stride +
 * kernel) read in place as one quantized row of kernel * in values, so the matrix holds the weights
 * kernel-major ([out, kernel, in]) where the parameter is channel-major.
 */
final class Conv1d extends Module implements Quantizable {
  private final int in, out, kernel, stride, padding, groups;
  private final Parameter weight, bias;
  private final Int8Weights int8;

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
    this.int8 = groups == 1 && padding == 0
        ? new Int8Weights(Map.of("weight", new Int8Weights.Layout(out, (long) in * kernel, kernelMajor(in, kernel))))
        : Int8Weights.none();
  }

  /** Column j * in + c of a kernel-major row reads column c * kernel + j of the parameter's [in, kernel] row. */
  private static int[] kernelMajor(int in, int kernel) {
    int[] columns = new int[in * kernel];
    for (int j = 0; j < kernel; j++) {
      for (int c = 0; c < in; c++) columns[j * in + c] = c * kernel + j;
    }
    return columns;
  }

  @Override
  public Int8Weights int8Weights() {
    return int8;
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
    Int8Matrix w8 = int8.forInference("weight", isTraining(), x);
    Tensor y = TimeMajor.empty(x, outSteps, out);
    try {
      if (w8 != null) forwardInt8(w8, x, outSteps, y);
      else forwardFloat(x, outSteps, y);
      return y;
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
  }

  /** Inference on the CPU reads its patches in place (or from a padded copy), against weights packed once. */
  private void forwardFloat(Tensor x, long outSteps, Tensor y) {
    try (PackedWeights.Lease packed = runsOnPackedWeights(x) ? packedWeights().acquire(weight.value(), kernel, groups)
            : null;
        TransformerNative.Conv1d conv = TransformerNative.ctc4j_transformer_default_conv1d().steps(x.dim(0))
            .in_channels(in).out_channels(out).kernel(kernel).stride(stride).padding(padding).groups(groups)
            .out_steps(outSteps).w(TimeMajor.ptr(weight.value())).bias(bias == null ? null : TimeMajor.ptr(bias.value()))
            .w_packed(packed == null ? null : packed.handle())) {
      NativeStatus.check(TransformerNative.ctc4j_transformer_conv1d_forward(TimeMajor.device(x), conv, TimeMajor.ptr(x),
          TimeMajor.ptr(y)), "conv1d");
    }
  }

  Tensor forward(Tensor x) {
    return forward(x, outputSteps(x.dim(0)));
  }

  /** y's rows: the int8 products of receptive fields read in place, a row of x every stride steps. */
  private void forwardInt8(Int8Matrix w8, Tensor x, long outSteps, Tensor y) {
    long steps = outputSteps(x.dim(0));
    if (outSteps > steps) {
      throw new InvalidInputException("conv1d: " + outSteps + " output frames asked of " + x.dim(0) + " input frames, "
          + "which give " + steps);
    }
    NativeStatus.check(QuantNative.ctc4j_int8_linear_forward(w8.handle(), bias == null ? null : TimeMajor.ptr(bias.value()),
        TimeMajor.ptr(x), outSteps, (long) stride * in, TimeMajor.ptr(y)), "int8 conv1d");
  }

  @Override
  public void close() {
    super.close();
    int8.close();
  }
}
