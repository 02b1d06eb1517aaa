package dev.ctc4j.model;

import static dev.ctc4j.model.StateDictSize.linear;
import static dev.ctc4j.model.StateDictSize.product;
import static dev.ctc4j.model.StateDictSize.sum;

import dev.ctc4j.nn.Activation;
import dev.ctc4j.nn.Convolution;
import dev.ctc4j.nn.Layer;
import dev.ctc4j.nn.Linear;
import dev.ctc4j.nn.LogSoftmax;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.nn.Rnn;
import dev.ctc4j.nn.Tape;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The comparison models of the CTC homework: an optional Conv1d front end ("conv", kernel k, time
 * stride s, padding k/2, ReLU), then either a per-frame MLP ("mlp.{2i}" Linear + ReLU) or an
 * LSTM/GRU stack ("rnn", uni- or bidirectional, directions concatenated, the config's dropout
 * between its layers in training), then "output" (Linear to the classes) and log-softmax.
 */
public final class CtcModel extends AcousticModel {
  private final Convolution conv;
  private final Activation convRelu;
  private final List<Layer> mlp = new ArrayList<>();
  private final Rnn rnn;
  private final Linear output;
  private final LogSoftmax logSoftmax;
  private final Device device;

  CtcModel(ModelConfig c, Device device, SplittableRandom rng) {
    super(c);
    this.device = device;
    int width = c.nFeatures();
    if (c.convChannels() > 0) {
      conv = child("conv", Convolution.conv1d(device, width, c.convChannels(), c.convKernel(), c.convStride(),
          c.convKernel() / 2, 1, 1, true, rng));
      convRelu = child("conv_relu", Activation.relu());
      width = c.convChannels();
    } else {
      conv = null;
      convRelu = null;
    }
    if (c.architecture().equals("dnn")) {
      rnn = null;
      for (int i = 0; i < c.layers(); i++) {
        mlp.add(child("mlp." + 2 * i, new Linear(device, width, c.hidden(), true, rng)));
        mlp.add(child("mlp." + (2 * i + 1), Activation.relu()));
        width = c.hidden();
      }
    } else {
      Rnn.Cell cell = "gru".equals(c.cell()) ? Rnn.Cell.GRU : Rnn.Cell.LSTM;
      rnn = child("rnn", new Rnn(device, cell, width, c.hidden(), c.layers(), c.bidirectional(), false, true, rng)
          .dropoutBetweenLayers(c.dropout(), rng));
      width = rnn.outputSize();
    }
    output = child("output", new Linear(device, width, c.classes(), true, rng));
    logSoftmax = child("log_softmax", new LogSoftmax());
  }

  /** The floats in the state dict of the model {@code c} builds (see {@link AcousticModel#stateSize}). */
  static long stateSizeFor(ModelConfig c) {
    long width = c.nFeatures(), conv = 0, body;
    if (c.convChannels() > 0) {
      conv = StateDictSize.convolution(width, c.convChannels(), c.convKernel(), 1, true);
      width = c.convChannels();
    }
    if (c.architecture().equals("dnn")) {
      body = sum(linear(width, c.hidden(), true), product(c.layers() - 1, linear(c.hidden(), c.hidden(), true)));
      width = c.hidden();
    } else {
      body = StateDictSize.rnn(c.cell(), width, c.hidden(), c.layers(), c.bidirectional(), true);
      width = product(c.hidden(), c.bidirectional() ? 2 : 1);
    }
    return sum(conv, body, linear(width, c.classes(), true));
  }

  @Override
  public int outputLength(int frames) {
    if (conv == null || frames == 0) return frames;
    return (int) conv.outputSize(1, frames)[1];
  }

  @Override
  public int inputFramesPerOutputFrame() {
    return conv == null ? 1 : conv.stride()[1];
  }

  @Override
  public boolean supportsStreaming() {
    return rnn == null || !rnn.bidirectional();
  }

  @Override
  public AcousticStream openStream() {
    if (!supportsStreaming()) return super.openStream();
    if (isTraining()) throw new IllegalStateException("streaming runs in inference mode: call train(false) first");
    return new CausalStream(device, conv, convRelu, mlp, rnn, output, logSoftmax, config().nFeatures());
  }

  @Override
  protected Tensor logProbs(Tensor features, int[] lengths, int[] outLengths, Tape tape) {
    Tensor x = Ops.reshape(features, features.shape());
    if (conv != null) {
      tape.maskFrames(x, lengths);
      x = tape.apply(convRelu, tape.apply(conv, x));
      tape.maskFrames(x, outLengths);
    }
    x = tape.permute(x, 2, 0, 1); // [T', N, width]
    for (Layer layer : mlp) x = tape.apply(layer, x);
    if (rnn != null) x = tape.rnn(rnn, x, outLengths);
    return tape.apply(logSoftmax, tape.apply(output, x));
  }
}
