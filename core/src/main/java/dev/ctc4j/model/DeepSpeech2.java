package dev.ctc4j.model;

import static dev.ctc4j.model.StateDictSize.batchNorm;
import static dev.ctc4j.model.StateDictSize.convolution;
import static dev.ctc4j.model.StateDictSize.product;
import static dev.ctc4j.model.StateDictSize.sum;

import dev.ctc4j.nn.Activation;
import dev.ctc4j.nn.BatchNorm;
import dev.ctc4j.nn.Convolution;
import dev.ctc4j.nn.Linear;
import dev.ctc4j.nn.LogSoftmax;
import dev.ctc4j.nn.Rnn;
import dev.ctc4j.nn.Tape;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * DeepSpeech2 as deepspeech.pytorch builds it, with its state_dict names, so its checkpoints
 * import name for name: conv.seq_module.{0,3} Conv2d 41x11 stride 2x2 pad 20x5 and 21x11 stride
 * 2x1 pad 10x5, each followed by BatchNorm2d ({1,4}) and Hardtanh(0, 20) with padded frames zeroed
 * (MaskConv); rnns.{i}: bidirectional LSTM/GRU with directions summed, rnns.{i>0}.batch_norm.module
 * a sequence-wise BatchNorm1d before it; fc.0.module.{0,1}: sequence-wise BatchNorm1d and a
 * bias-free Linear. Output: log-softmax.
 */
public final class DeepSpeech2 extends AcousticModel {
  private final Convolution conv1, conv2;
  private final BatchNorm bn1, bn2, fcNorm;
  private final Activation clamp, clamp2;
  private final BatchNorm[] rnnNorms;
  private final Rnn[] rnns;
  private final Linear fc;
  private final LogSoftmax logSoftmax;
  private final int rnnInput;

  DeepSpeech2(ModelConfig c, Device device, SplittableRandom rng) {
    super(c);
    conv1 = child("conv.seq_module.0", Convolution.conv2d(device, 1, 32, new int[] {41, 11}, new int[] {2, 2},
        new int[] {20, 5}, new int[] {1, 1}, 1, true, rng));
    bn1 = child("conv.seq_module.1", BatchNorm.channelsSecond(device, 32));
    clamp = child("conv.seq_module.2", Activation.hardtanh(0, 20));
    conv2 = child("conv.seq_module.3", Convolution.conv2d(device, 32, 32, new int[] {21, 11}, new int[] {2, 1},
        new int[] {10, 5}, new int[] {1, 1}, 1, true, rng));
    bn2 = child("conv.seq_module.4", BatchNorm.channelsSecond(device, 32));
    clamp2 = child("conv.seq_module.5", Activation.hardtanh(0, 20));
    long freq = conv2.outputSize(conv1.outputSize(c.nFeatures(), 11)[0], 11)[0];
    rnnInput = Math.toIntExact(32 * freq);
    Rnn.Cell cell = "gru".equals(c.cell()) ? Rnn.Cell.GRU : Rnn.Cell.LSTM;
    rnns = new Rnn[c.layers()];
    rnnNorms = new BatchNorm[c.layers()];
    for (int i = 0; i < c.layers(); i++) {
      int in = i == 0 ? rnnInput : c.hidden();
      if (i > 0) rnnNorms[i] = child("rnns." + i + ".batch_norm.module", BatchNorm.sequenceWise(device, in));
      rnns[i] = child("rnns." + i + ".rnn", new Rnn(device, cell, in, c.hidden(), 1, true, true, true, rng));
    }
    fcNorm = child("fc.0.module.0", BatchNorm.sequenceWise(device, c.hidden()));
    fc = child("fc.0.module.1", new Linear(device, c.hidden(), c.classes(), false, rng));
    logSoftmax = child("log_softmax", new LogSoftmax());
  }

  /** The floats in the state dict of the model {@code c} builds (see {@link AcousticModel#stateSize}). */
  static long stateSizeFor(ModelConfig c) {
    long freq = convolved(convolved(c.nFeatures(), 41, 2, 20), 21, 2, 10); // frequency rows after the convolutions
    long convs = sum(convolution(1, 32, 41 * 11, 1, true), batchNorm(32), convolution(32, 32, 21 * 11, 1, true),
        batchNorm(32));
    long firstRnn = StateDictSize.rnn(c.cell(), product(32, freq), c.hidden(), 1, true, true);
    long nextRnn = sum(batchNorm(c.hidden()), StateDictSize.rnn(c.cell(), c.hidden(), c.hidden(), 1, true, true));
    return sum(convs, firstRnn, product(c.layers() - 1, nextRnn), batchNorm(c.hidden()),
        StateDictSize.linear(c.hidden(), c.classes(), false));
  }

  private static long convolved(long size, int kernel, int stride, int padding) {
    return (size + 2 * padding - kernel) / stride + 1;
  }

  @Override
  public int outputLength(int frames) {
    return frames == 0 ? 0 : (int) conv1.outputSize(41, frames)[1];
  }

  @Override
  public int inputFramesPerOutputFrame() {
    return 2;
  }

  @Override
  protected Tensor logProbs(Tensor features, int[] lengths, int[] outLengths, Tape tape) {
    long n = features.dim(0);
    Tensor x = maskedImage(features, lengths, tape);
    x = tape.apply(clamp, tape.apply(bn1, tape.apply(conv1, x)));
    tape.maskFrames(x, outLengths);
    x = tape.apply(clamp2, tape.apply(bn2, tape.apply(conv2, x)));
    tape.maskFrames(x, outLengths);
    x = tape.reshape(x, n, rnnInput, x.dim(3));
    x = tape.permute(x, 2, 0, 1); // [T', N, 32 * freq]
    for (int i = 0; i < rnns.length; i++) {
      if (rnnNorms[i] != null) x = tape.apply(rnnNorms[i], x);
      x = tape.rnn(rnns[i], x, outLengths);
    }
    return tape.apply(logSoftmax, tape.apply(fc, tape.apply(fcNorm, x)));
  }
}
