package dev.ctc4j.model;

import static dev.ctc4j.model.StateDictSize.convolution;
import static dev.ctc4j.model.StateDictSize.linear;
import static dev.ctc4j.model.StateDictSize.norm;
import static dev.ctc4j.model.StateDictSize.product;
import static dev.ctc4j.model.StateDictSize.sum;

import dev.ctc4j.nn.Activation;
import dev.ctc4j.nn.Convolution;
import dev.ctc4j.nn.Dropout;
import dev.ctc4j.nn.LayerNorm;
import dev.ctc4j.nn.Linear;
import dev.ctc4j.nn.LogSoftmax;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Ops;
import dev.ctc4j.nn.Rnn;
import dev.ctc4j.nn.Tape;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * AssemblyAI's SpeechRecognitionModel (ResCNN + BiGRU) with its state_dict names: cnn (Conv2d 1->32,
 * 3x3, stride 2, pad 1); rescnn_layers.{i}: layer_norm1.layer_norm, GELU, dropout, cnn1, then
 * layer_norm2.layer_norm, GELU, dropout, cnn2, plus the skip; fully_connected (32 * n_mels/2 ->
 * rnn_dim); birnn_layers.{i}: layer_norm, GELU, BiGRU (concatenated), dropout; classifier.{0,3}:
 * Linear, GELU, dropout, Linear. Two deliberate differences from the original: every BiGRU runs
 * over time (the original's batch_first=(i == 0) makes later layers recur over the batch axis), and
 * padded frames are zeroed after each convolution (as deepspeech.pytorch's MaskConv), so a padded
 * batch gives each utterance what it gets alone.
 */
public final class ResCnnBiGru extends AcousticModel {
  private final Convolution cnn;
  private final ResidualBlock[] blocks;
  private final Linear fullyConnected, hiddenLayer, output;
  private final LayerNorm[] rnnNorms;
  private final Rnn[] grus;
  private final Activation[] rnnGelus;
  private final Dropout[] rnnDropouts;
  private final Activation classifierGelu;
  private final Dropout classifierDropout;
  private final LogSoftmax logSoftmax;

  ResCnnBiGru(ModelConfig c, Device device, SplittableRandom rng) {
    super(c);
    int features = c.nFeatures() / 2, dim = c.hidden();
    cnn = child("cnn", Convolution.conv2d(device, 1, 32, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1},
        new int[] {1, 1}, 1, true, rng));
    blocks = new ResidualBlock[c.resBlocks()];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = child("rescnn_layers." + i, new ResidualBlock(device, features, c.dropout(), rng));
    }
    fullyConnected = child("fully_connected", new Linear(device, features * 32, dim, true, rng));
    rnnNorms = new LayerNorm[c.layers()];
    grus = new Rnn[c.layers()];
    rnnGelus = new Activation[c.layers()];
    rnnDropouts = new Dropout[c.layers()];
    for (int i = 0; i < c.layers(); i++) {
      int in = i == 0 ? dim : 2 * dim;
      grus[i] = child("birnn_layers." + i + ".BiGRU", new Rnn(device, Rnn.Cell.GRU, in, dim, 1, true, false, true, rng));
      rnnNorms[i] = child("birnn_layers." + i + ".layer_norm", LayerNorm.lastAxis(device, in));
      rnnGelus[i] = child("birnn_layers." + i + ".gelu", Activation.gelu());
      rnnDropouts[i] = child("birnn_layers." + i + ".dropout", new Dropout(c.dropout(), rng.nextLong()));
    }
    hiddenLayer = child("classifier.0", new Linear(device, 2 * dim, dim, true, rng));
    classifierGelu = child("classifier.1", Activation.gelu());
    classifierDropout = child("classifier.2", new Dropout(c.dropout(), rng.nextLong()));
    output = child("classifier.3", new Linear(device, dim, c.classes(), true, rng));
    logSoftmax = child("log_softmax", new LogSoftmax());
  }

  /** The floats in the state dict of the model {@code c} builds (see {@link AcousticModel#stateSize}). */
  static long stateSizeFor(ModelConfig c) {
    long features = c.nFeatures() / 2, dim = c.hidden();
    long block = sum(product(2, convolution(32, 32, 9, 1, true)), product(2, norm(features)));
    long firstGru = sum(norm(dim), StateDictSize.rnn("gru", dim, dim, 1, true, true));
    long nextGru = sum(norm(2 * dim), StateDictSize.rnn("gru", 2 * dim, dim, 1, true, true));
    return sum(convolution(1, 32, 9, 1, true), product(c.resBlocks(), block), linear(product(features, 32), dim, true),
        firstGru, product(c.layers() - 1, nextGru), linear(2 * dim, dim, true), linear(dim, c.classes(), true));
  }

  @Override
  public int outputLength(int frames) {
    return (frames + 1) / 2;
  }

  @Override
  public int inputFramesPerOutputFrame() {
    return 2;
  }

  @Override
  protected Tensor logProbs(Tensor features, int[] lengths, int[] outLengths, Tape tape) {
    long n = features.dim(0);
    Tensor x = maskedImage(features, lengths, tape);
    x = tape.apply(cnn, x);
    tape.maskFrames(x, outLengths);
    for (ResidualBlock block : blocks) x = block.forward(x, outLengths, tape);
    x = tape.reshape(x, n, x.dim(1) * x.dim(2), x.dim(3));
    x = tape.permute(x, 2, 0, 1); // [T', N, 32 * n_mels / 2]
    x = tape.apply(fullyConnected, x);
    for (int i = 0; i < grus.length; i++) {
      x = tape.apply(rnnGelus[i], tape.apply(rnnNorms[i], x));
      x = tape.apply(rnnDropouts[i], tape.rnn(grus[i], x, outLengths));
    }
    x = tape.apply(classifierDropout, tape.apply(classifierGelu, tape.apply(hiddenLayer, x)));
    return tape.apply(logSoftmax, tape.apply(output, x));
  }

  /** CNN layer norm, GELU, dropout, conv, twice, plus the input. */
  static final class ResidualBlock extends Module {
    private final LayerNorm norm1, norm2;
    private final Convolution cnn1, cnn2;
    private final Activation gelu1, gelu2;
    private final Dropout dropout1, dropout2;

    ResidualBlock(Device device, int features, float dropout, SplittableRandom rng) {
      cnn1 = child("cnn1", conv(device, rng));
      cnn2 = child("cnn2", conv(device, rng));
      norm1 = child("layer_norm1.layer_norm", LayerNorm.featureAxis(device, features));
      norm2 = child("layer_norm2.layer_norm", LayerNorm.featureAxis(device, features));
      gelu1 = child("gelu1", Activation.gelu());
      gelu2 = child("gelu2", Activation.gelu());
      dropout1 = child("dropout1", new Dropout(dropout, rng.nextLong()));
      dropout2 = child("dropout2", new Dropout(dropout, rng.nextLong()));
    }

    private static Convolution conv(Device device, SplittableRandom rng) {
      return Convolution.conv2d(device, 32, 32, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1},
          new int[] {1, 1}, 1, true, rng);
    }

    /**
     * The block over x (taken: see {@link Tape#reading}). The branch has a tape of its
     * own, so the adjoint can add the skip's gradient (dy) to the branch's.
     */
    Tensor forward(Tensor x, int[] lengths, Tape tape) {
      return tape.reading(x, in -> {
        if (!tape.recording()) return branchPlusInput(in, lengths, Tape.NONE);
        Tape branch = new Tape();
        try {
          Tensor y = branchPlusInput(in, lengths, branch);
          tape.record(dy -> Ops.addInPlace(branch.backward(dy), dy), branch);
          return y;
        } catch (RuntimeException e) {
          branch.close();
          throw e;
        }
      });
    }

    private Tensor branchPlusInput(Tensor x, int[] lengths, Tape branch) {
      Tensor h = norm1.forward(x, branch); // x stays the caller's: the skip adds it below
      h = branch.apply(cnn1, branch.apply(dropout1, branch.apply(gelu1, h)));
      branch.maskFrames(h, lengths);
      h = branch.apply(cnn2, branch.apply(dropout2, branch.apply(gelu2, branch.apply(norm2, h))));
      branch.maskFrames(h, lengths);
      return Ops.addInPlace(h, x);
    }
  }
}
