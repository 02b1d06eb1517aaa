package dev.ctc4j.nn;

import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What one training forward pass keeps for its backward, returned to the caller instead of cached in
 * the modules: each step's adjoint (the map from the gradient of its output to the gradient of its
 * input) and what that adjoint reads. A forward pass given a tape records on it; given {@link #NONE}
 * it records and keeps nothing. So no module field holds a pass's state: in inference mode a forward
 * pass writes no field at all and one loaded model serves any number of threads, and each training
 * pass has its own tape (training passes still run one at a time: they add into the gradients).
 *
 * <p>This is not autograd: a forward pass is written once as steps, and each step knows its adjoint.
 * The step helpers ({@link #apply}, {@link #reshape}, ...) take the tensor they are given (a model's
 * intermediate) and return a new one; without recording the input is freed at once, while recording
 * when the adjoints that read it have run. One tape, one pass, one thread.
 */
public final class Tape implements AutoCloseable {
  /**
   * Maps a step's output gradient to its input gradient: a new tensor, or dy itself updated in place.
   * The tape frees dy afterwards unless it is returned.
   */
  @FunctionalInterface
  public interface Adjoint {
    Tensor apply(Tensor dy);
  }

  /** Records nothing: inference. Stateless, so every thread shares it. */
  public static final Tape NONE = new Tape(false);

  private record Step(Adjoint adjoint, AutoCloseable[] kept) {} // adjoint null: the gradient passes through

  private final boolean recording;
  private final List<Step> steps = new ArrayList<>();
  private boolean ran;

  /** A tape that records: for one training forward pass and its backward. */
  public Tape() {
    this(true);
  }

  private Tape(boolean recording) {
    this.recording = recording;
  }

  /** Whether forward passes record on this tape (false for {@link #NONE}). */
  public boolean recording() {
    return recording;
  }

  /**
   * Records a step's adjoint and takes what it reads ({@code kept}), freed once it has run or when
   * the tape closes. Not recording, frees {@code kept} now.
   */
  public void record(Adjoint adjoint, AutoCloseable... kept) {
    if (!recording) {
      closeAll(kept);
      return;
    }
    if (ran) throw new IllegalStateException("this tape's backward has run; a new pass needs a new tape");
    steps.add(new Step(adjoint, kept));
  }

  /** Takes x, to free it once every step recorded after this call has gone back (not recording: now). */
  public void keep(AutoCloseable x) {
    record(null, x);
  }

  /**
   * Back-propagates dy (the caller keeps it) through the recorded steps in reverse, adding parameter
   * gradients, and frees what each step kept as soon as it has run. Returns the gradient of the first
   * step's input (the caller's). Once per tape.
   */
  public Tensor backward(Tensor dy) {
    if (!recording) throw new IllegalStateException("Tape.NONE records nothing to go back through");
    if (ran) throw new IllegalStateException("this tape's backward has already run");
    ran = true;
    Tensor g = Ops.reshape(dy, dy.shape());
    try {
      for (int i = steps.size() - 1; i >= 0; i--) {
        Step s = steps.remove(i);
        try {
          if (s.adjoint() != null) g = replacing(g, s.adjoint().apply(g));
        } finally {
          closeAll(s.kept());
        }
      }
      return g;
    } catch (RuntimeException e) {
      g.close();
      close();
      throw e;
    }
  }

  // --- step helpers: a model's forward pass written once, recording when the tape does ----------

  /**
   * Runs step on x (taken) and returns its output: step may record adjoints that read x, so while
   * recording x is freed once they have run (kept before them), and otherwise as soon as step returns.
   */
  public Tensor reading(Tensor x, UnaryOperator<Tensor> step) {
    if (!recording) {
      try (x) {
        return step.apply(x);
      }
    }
    keep(x);
    return step.apply(x);
  }

  /** Runs a layer on x (taken: see {@link #reading}); not recording, an identity layer passes x itself on. */
  public Tensor apply(Layer layer, Tensor x) {
    if (!recording && layer.isIdentity()) return x;
    return reading(x, in -> layer.forward(in, this));
  }

  /** x (taken, freed now: no adjoint reads it) reshaped, the same values in the same order. */
  public Tensor reshape(Tensor x, long... shape) {
    long[] before = x.shape();
    try (x) {
      Tensor y = x.takeReshaped(shape);
      record(dy -> dy.takeReshaped(before)); // an adjoint's dy is the tape's own, freed once it returns
      return y;
    }
  }

  /** x (taken, freed now) with its axes permuted: the output's axis i is x's axis perm[i]. */
  public Tensor permute(Tensor x, int... perm) {
    int[] inverse = Ops.inverse(perm);
    try (x) {
      Tensor y = Ops.permute(x, perm);
      record(dy -> Ops.permute(dy, inverse));
      return y;
    }
  }

  /** Zeroes x [N, ..., T] in place past each utterance's length; the adjoint zeroes those gradients. */
  public void maskFrames(Tensor x, int[] lengths) {
    Ops.maskFrames(x, lengths);
    if (!recording) return;
    int[] kept = lengths.clone();
    record(dy -> {
      Ops.maskFrames(dy, kept);
      return dy;
    });
  }

  /** Runs an RNN stack from zero states over x [T, N, input] (taken); the final states are dropped. */
  public Tensor rnn(Rnn rnn, Tensor x, int[] lengths) {
    return reading(x, in -> {
      if (!recording) return outputOnly(rnn.forward(in, lengths, null));
      Rnn.Trace trace = rnn.trace(in, lengths, null);
      record(dy -> {
        Rnn.Gradients g = trace.backward(dy, null);
        g.initial().close();
        return g.dx();
      }, trace);
      return outputOnly(trace.output());
    });
  }

  private static Tensor outputOnly(Rnn.Output o) {
    o.state().close();
    return o.y();
  }

  /** Frees what the steps not yet gone back through kept; the tape records nothing more after. */
  @Override
  public void close() {
    if (!recording) return; // NONE is shared: never written
    ran = true;
    for (int i = steps.size() - 1; i >= 0; i--) closeAll(steps.remove(i).kept());
  }

  /** next, after freeing g unless next is g. */
  private static Tensor replacing(Tensor g, Tensor next) {
    if (next != g) g.close();
    return next;
  }

  private static void closeAll(AutoCloseable[] kept) {
    for (AutoCloseable k : kept) {
      try {
        if (k != null) k.close();
      } catch (Exception e) {
        throw new IllegalStateException("freeing a training pass's state", e);
      }
    }
  }
}
