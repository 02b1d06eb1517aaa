package dev.ctc4j.model;

import dev.ctc4j.nn.Convolution;
import dev.ctc4j.nn.Layer;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.nn.Rnn;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * {@link AcousticStream} for {@link CtcModel}s with a unidirectional RNN or an MLP, optionally
 * behind a Conv1d (kernel k, stride s, padding p = k / 2). Output frame j of the convolution reads
 * input frames [j s - p, j s - p + k); it is computed once those have arrived (or at the end,
 * with zeros past it, as offline). Each call runs the convolution on a window starting at a
 * multiple of s at or before j s - p, whose outputs left of j (which saw the window's padding
 * instead of real frames) are dropped.
 */
final class CausalStream implements AcousticStream {
  private final Device device;
  private final Convolution conv;
  private final Layer convRelu;
  private final List<Layer> mlp;
  private final Rnn rnn;
  private final Layer output;
  private final Layer logSoftmax;
  private final int features;
  private final int kernel, stride, padding;
  private float[] pending = new float[0]; // frame-major input frames from global frame pendingStart on
  private long pendingStart;
  private long received; // input frames so far
  private long emitted; // output frames so far
  private Rnn.State state;

  CausalStream(Device device, Convolution conv, Layer convRelu, List<Layer> mlp, Rnn rnn, Layer output,
      Layer logSoftmax, int features) {
    this.device = device;
    this.conv = conv;
    this.convRelu = convRelu;
    this.mlp = mlp;
    this.rnn = rnn;
    this.output = output;
    this.logSoftmax = logSoftmax;
    this.features = features;
    this.kernel = conv == null ? 1 : conv.kernel()[1];
    this.stride = conv == null ? 1 : conv.stride()[1];
    this.padding = conv == null ? 0 : conv.padding()[1];
  }

  @Override
  public float[] accept(float[] frames, int count) {
    if (count < 0 || frames.length < (long) count * features) {
      throw new dev.ctc4j.InvalidInputException(count + " frames of " + features + " features need "
          + (long) count * features + " values, got " + frames.length);
    }
    int kept = (int) (received - pendingStart);
    pending = Arrays.copyOf(pending, (kept + count) * features);
    System.arraycopy(frames, 0, pending, kept * features, count * features);
    received += count;
    // Output j is complete once input frame j s - p + k - 1 has arrived.
    long ready = Math.max(0, Math.floorDiv(received - kernel + padding, stride) + 1);
    return run(ready, false);
  }

  @Override
  public float[] finish() {
    long total = received == 0 ? 0 : (conv == null ? received : conv.outputSize(1, received)[1]);
    return run(total, true);
  }

  /** Output frames [emitted, until). */
  private float[] run(long until, boolean last) {
    if (until <= emitted) return new float[0];
    long windowStart = Math.max(0, Math.floorDiv(emitted * stride - padding, stride) * stride);
    long windowEnd = last ? received : Math.min(received, (until - 1) * stride - padding + kernel);
    int first = (int) (emitted - windowStart / stride); // window outputs before this saw padding, not frames
    int count = (int) (until - emitted);
    float[] result;
    try (Tensor x = window(windowStart, windowEnd)) {
      result = forward(x, first, count);
    }
    emitted = until;
    dropBefore(Math.max(0, Math.floorDiv(emitted * stride - padding, stride) * stride));
    return result;
  }

  /** Input frames [from, to) as [1, features, to - from]. */
  private Tensor window(long from, long to) {
    int length = (int) (to - from);
    int offset = (int) (from - pendingStart);
    float[] x = new float[features * length];
    for (int t = 0; t < length; t++) {
      for (int f = 0; f < features; f++) x[f * length + t] = pending[(offset + t) * features + f];
    }
    return Tensor.of(device, x, 1, features, length);
  }

  /** Layers over the window; keeps window outputs [first, first + count) for the recurrent part. */
  private float[] forward(Tensor window, int first, int count) {
    Tensor x;
    if (conv != null) {
      try (Tensor y = conv.forward(window); Tensor r = convRelu.forward(y); Tensor t = Ops.permute(r, 2, 0, 1)) {
        float[] all = t.toFloatArray(); // [outputs, 1, channels]
        int channels = (int) t.dim(2);
        x = Tensor.of(device, Arrays.copyOfRange(all, first * channels, (first + count) * channels), count, 1, channels);
      }
    } else {
      x = Ops.permute(window, 2, 0, 1);
    }
    for (Layer layer : mlp) {
      try (Tensor in = x) {
        x = layer.forward(in);
      }
    }
    if (rnn != null) {
      try (Tensor in = x) {
        Rnn.Output o = rnn.forward(in, new int[] {count}, state);
        if (state != null) state.close();
        state = o.state();
        x = o.y();
      }
    }
    try (Tensor in = x; Tensor logits = output.forward(in); Tensor logProbs = logSoftmax.forward(logits)) {
      return logProbs.toFloatArray(); // [count, 1, classes]
    }
  }

  private void dropBefore(long frame) {
    int drop = (int) (frame - pendingStart);
    if (drop <= 0) return;
    pending = Arrays.copyOfRange(pending, drop * features, pending.length);
    pendingStart = frame;
  }

  @Override
  public void close() {
    if (state != null) state.close();
    state = null;
  }
}
