package dev.ctc4j.ctc;

import dev.ctc4j.testing.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** The reference: libtorch's ctc_loss in float64, with its gradient from autograd. */
final class TorchCtc {
  /** reduced: libtorch's output (one value per utterance for NONE); gradient in the case's layout. */
  record Result(double[] losses, double[] reduced, double[] gradient) {}

  private TorchCtc() {}

  static Result compute(CtcCase c, Reduction reduction, boolean zeroInfinity, boolean activations) {
    try (PointerScope scope = new PointerScope()) {
      double[] values = new double[c.scores.length];
      for (int i = 0; i < values.length; i++) values[i] = c.scores[i];
      Tensor leaf = Torch.doubles(values, c.shape());
      leaf.set_requires_grad(true);
      Tensor timeMajor = c.layout == CtcLayout.TIME_MAJOR ? leaf : leaf.transpose(0, 1);
      Tensor logProbs = activations ? torch.log_softmax(timeMajor, 2) : timeMajor;
      long[] flat = c.flatTargets();
      long[] shape = c.padded ? new long[] {c.batch, c.maxTarget()} : new long[] {flat.length};
      Tensor targets = flat.length == 0 ? torch.empty(shape, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional())
          : Torch.longs(flat, shape);
      Tensor out = torch.ctc_loss(logProbs, targets, c.inputLengths, c.targetLengths(), c.blank, code(reduction),
          zeroInfinity);
      Tensor perUtterance = torch.ctc_loss(logProbs.detach(), targets, c.inputLengths, c.targetLengths(), c.blank, 0,
          zeroInfinity);
      out.sum().backward();
      return new Result(Torch.toDoubles(perUtterance), Torch.toDoubles(out), Torch.toDoubles(leaf.grad()));
    }
  }

  /** at::Reduction: None 0, Mean 1, Sum 2. */
  private static long code(Reduction r) {
    return switch (r) {
      case NONE -> 0;
      case MEAN -> 1;
      case SUM -> 2;
    };
  }
}
