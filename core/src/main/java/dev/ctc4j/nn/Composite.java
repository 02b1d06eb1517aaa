package dev.ctc4j.nn;

import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A module whose forward pass is a short, fixed sequence of steps: child layers, reshapes,
 * permutations, frame masks, RNN stacks. In training mode each step records its adjoint (the map
 * from the gradient of its output to the gradient of its input) and the tensor it must keep alive
 * for it; {@link #backwardSteps} runs the adjoints in reverse and frees each step's tensors as soon
 * as it has run. This is not autograd: the forward pass is written once as these steps, and each
 * step knows its own adjoint.
 *
 * <p>Ownership: the step helpers take the tensor they are given (the composite's intermediate) and
 * return a new one; in inference the input is freed at once, in training when its adjoint has run.
 */
public abstract class Composite extends Module {
  /** Maps a step's output gradient to its input gradient. Takes ownership of dy (may update and return it). */
  @FunctionalInterface
  public interface Adjoint {
    Tensor apply(Tensor dy);
  }

  private record Step(Tensor kept, Adjoint adjoint) {}

  private final List<Step> steps = new ArrayList<>();

  /**
   * In training, remembers the adjoint and keeps {@code kept} (may be null) until it has run; in
   * inference frees {@code kept} now. Returns {@code next}, the step's output.
   */
  protected final Tensor step(Tensor kept, Tensor next, Adjoint adjoint) {
    if (isTraining()) steps.add(new Step(kept, adjoint));
    else if (kept != null) kept.close();
    return next;
  }

  /** Runs a child layer on x (which the layer's backward reads, so it is kept in training). */
  protected final Tensor apply(Layer layer, Tensor x) {
    return step(x, layer.forward(x), adjointOf(layer));
  }

  /** The layer's backward as an adjoint that also frees the layer's cache. */
  protected static Adjoint adjointOf(Layer layer) {
    return dy -> {
      try (dy) {
        return layer.backward(dy);
      } finally {
        layer.clearCache();
      }
    };
  }

  /** x (freed now: no backward reads it) reshaped, the same values in the same order. */
  protected final Tensor reshape(Tensor x, long... shape) {
    long[] before = x.shape();
    try (x) {
      return step(null, Ops.reshape(x, shape), dy -> {
        try (dy) {
          return Ops.reshape(dy, before);
        }
      });
    }
  }

  /** x (freed now) with its axes permuted: the output's axis i is x's axis perm[i]. */
  protected final Tensor permute(Tensor x, int... perm) {
    int[] inverse = Ops.inverse(perm);
    try (x) {
      return step(null, Ops.permute(x, perm), dy -> {
        try (dy) {
          return Ops.permute(dy, inverse);
        }
      });
    }
  }

  /** Zeroes x [N, ..., T] in place past each utterance's length; the adjoint zeroes those gradients. */
  protected final void maskFrames(Tensor x, int[] lengths) {
    Ops.maskFrames(x, lengths);
    int[] kept = lengths.clone();
    step(null, null, dy -> {
      Ops.maskFrames(dy, kept);
      return dy;
    });
  }

  /** Runs an RNN stack from zero states over x [T, N, input]; the final states are dropped. */
  protected final Tensor rnn(Rnn rnn, Tensor x, int[] lengths) {
    Rnn.Output o = rnn.forward(x, lengths, null);
    o.state().close();
    return step(x, o.y(), dy -> {
      try (dy) {
        Rnn.Gradients g = rnn.backward(dy, null);
        g.initial().close();
        return g.dx();
      } finally {
        rnn.clearCache();
      }
    });
  }

  /**
   * Back-propagates dy (taken: this method frees it) through the steps of the last training
   * forward pass in reverse, adding parameter gradients, and frees everything that pass cached.
   * Returns the gradient of the first step's input.
   */
  protected final Tensor backwardSteps(Tensor dy) {
    if (steps.isEmpty()) {
      dy.close();
      throw new IllegalStateException(getClass().getSimpleName()
          + ".backward needs a forward pass in training mode first");
    }
    Tensor g = dy;
    try {
      for (int i = steps.size() - 1; i >= 0; i--) {
        Step s = steps.remove(i);
        try {
          g = s.adjoint().apply(g);
        } finally {
          if (s.kept() != null) s.kept().close();
        }
      }
      return g;
    } catch (RuntimeException e) {
      clearCache();
      throw e;
    }
  }

  /** Whether a training forward pass is waiting for its backward. */
  protected final boolean hasSteps() {
    return !steps.isEmpty();
  }

  /** Writes nothing when nothing is cached, so concurrent inference passes never touch shared lists. */
  @Override
  protected void clearCache() {
    if (!steps.isEmpty()) {
      steps.forEach(s -> {
        if (s.kept() != null) s.kept().close();
      });
      steps.clear();
    }
    super.clearCache();
  }
}
