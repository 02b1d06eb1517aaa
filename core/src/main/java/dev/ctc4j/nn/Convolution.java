package dev.ctc4j.nn;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.bridge.QuantNative;
import dev.ctc4j.quant.Int8Matrix;
import dev.ctc4j.quant.Int8Weights;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.LongPointer;

/**
 * Conv1d over [batch, channels, length] and Conv2d over [batch, channels, height, width], as
 * torch.nn.Conv1d/Conv2d (zero padding, stride, dilation, groups), via im2col and sgemm. A Conv1d
 * is the 2-D case with height 1; its weight keeps PyTorch's [out, in / groups, k] shape. Quantized
 * ({@link Quantizable}; one group only), inference runs on int8 weights [out, in * kh * kw] with each
 * output position's receptive field quantized as one row.
 */
public final class Convolution extends Layer implements Quantizable {
  private final boolean twoD;
  private final int inChannels, outChannels, groups;
  private final int[] kernel, stride, padding, dilation; // (height, width)
  private final Parameter weight, bias;
  private final Int8Weights int8;

  private Convolution(Device device, boolean twoD, int inChannels, int outChannels, int[] kernel, int[] stride,
      int[] padding, int[] dilation, int groups, boolean bias, SplittableRandom rng) {
    if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
      throw new InvalidInputException("bad convolution channels " + inChannels + " -> " + outChannels + " in "
          + groups + " groups");
    }
    this.twoD = twoD;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    int fanIn = inChannels / groups * kernel[0] * kernel[1];
    double bound = 1 / Math.sqrt(fanIn);
    long[] shape = twoD
        ? new long[] {outChannels, inChannels / groups, kernel[0], kernel[1]}
        : new long[] {outChannels, inChannels / groups, kernel[1]};
    this.weight = parameter("weight", device, Init.uniform(rng, outChannels * fanIn, bound), shape);
    this.bias = bias ? parameter("bias", device, Init.uniform(rng, outChannels, bound), outChannels) : null;
    this.int8 = groups == 1
        ? new Int8Weights(Map.of("weight", Int8Weights.Layout.of(outChannels, fanIn)))
        : Int8Weights.none();
  }

  /** torch.nn.Conv2d; arrays are (height, width). */
  public static Convolution conv2d(Device device, int inChannels, int outChannels, int[] kernel, int[] stride,
      int[] padding, int[] dilation, int groups, boolean bias, SplittableRandom rng) {
    return new Convolution(device, true, inChannels, outChannels, kernel.clone(), stride.clone(), padding.clone(),
        dilation.clone(), groups, bias, rng);
  }

  /** torch.nn.Conv1d. */
  public static Convolution conv1d(Device device, int inChannels, int outChannels, int kernel, int stride,
      int padding, int dilation, int groups, boolean bias, SplittableRandom rng) {
    return new Convolution(device, false, inChannels, outChannels, new int[] {1, kernel}, new int[] {1, stride},
        new int[] {0, padding}, new int[] {1, dilation}, groups, bias, rng);
  }

  public Parameter weight() {
    return weight;
  }

  @Override
  public Int8Weights int8Weights() {
    return int8;
  }

  public Parameter bias() {
    return bias;
  }

  /** The output size along (height, width) for an input of that size. */
  public long[] outputSize(long height, long width) {
    try (NnNative.Conv2d g = geometry(1, height, width); LongPointer h = new LongPointer(1); LongPointer w = new LongPointer(1)) {
      Ops.check(NnNative.ctc4j_nn_conv2d_output(g, h, w), "convolution output size");
      return new long[] {h.get(), w.get()};
    }
  }

  public int[] stride() {
    return stride.clone();
  }

  public int[] kernel() {
    return kernel.clone();
  }

  public int[] padding() {
    return padding.clone();
  }

  public int[] dilation() {
    return dilation.clone();
  }

  /** The native description (ctc4j_nn_conv2d) of this layer over [batch, inChannels, height, width]; close it. */
  private NnNative.Conv2d geometry(long batch, long height, long width) {
    return NnNative.ctc4j_nn_default_conv2d().batch(Math.toIntExact(batch)).in_channels(inChannels)
        .height(Math.toIntExact(height)).width(Math.toIntExact(width)).out_channels(outChannels).kernel_h(kernel[0])
        .kernel_w(kernel[1]).stride_h(stride[0]).stride_w(stride[1]).pad_h(padding[0]).pad_w(padding[1])
        .dilation_h(dilation[0]).dilation_w(dilation[1]).groups(groups);
  }

  private long[] spatial(Tensor x) {
    Ops.requireFloat(x, "Convolution");
    if (twoD) {
      Ops.requireShape(x, "Conv2d", -1, inChannels, -1, -1);
      return new long[] {x.dim(2), x.dim(3)};
    }
    Ops.requireShape(x, "Conv1d", -1, inChannels, -1);
    return new long[] {1, x.dim(2)};
  }

  @Override
  public Tensor forward(Tensor x, Tape tape) {
    long[] hw = spatial(x);
    long[] out = outputSize(hw[0], hw[1]);
    Int8Matrix w8 = int8.forInference("weight", isTraining() || tape.recording(), x);
    Tensor y = twoD ? Ops.empty(x, x.dim(0), outChannels, out[0], out[1]) : Ops.empty(x, x.dim(0), outChannels, out[1]);
    try (NnNative.Conv2d g = geometry(x.dim(0), hw[0], hw[1]).bias(bias == null ? null : Ops.ptr(bias.value()))) {
      if (w8 != null) {
        Ops.check(QuantNative.ctc4j_int8_conv2d_forward(g, w8.handle(), Ops.ptr(x), Ops.ptr(y)),
            "int8 convolution forward");
      } else {
        Ops.check(NnNative.ctc4j_nn_conv2d_forward(Ops.dev(x), g.w(Ops.ptr(weight.value())), Ops.ptr(x), Ops.ptr(y)),
            "convolution forward");
      }
    } catch (RuntimeException e) {
      y.close();
      throw e;
    }
    tape.record(dy -> backward(x, dy));
    return y;
  }

  private Tensor backward(Tensor x, Tensor dy) {
    long[] hw = spatial(x);
    Tensor dx = Ops.empty(x, x.shape());
    try (NnNative.Conv2d g = geometry(x.dim(0), hw[0], hw[1]).w(Ops.ptr(weight.value())).dw(Ops.ptr(weight.grad()))
        .dbias(bias == null ? null : Ops.ptr(bias.grad()))) {
      Ops.check(NnNative.ctc4j_nn_conv2d_backward(Ops.dev(x), g, Ops.ptr(x), Ops.ptr(dy), Ops.ptr(dx)),
          "convolution backward");
    }
    return dx;
  }

  @Override
  public void close() {
    super.close();
    int8.close();
  }
}
