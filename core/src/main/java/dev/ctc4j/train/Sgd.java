package dev.ctc4j.train;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Trainable;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.OptimNative;
import dev.ctc4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** SGD with (Nesterov) momentum and L2 weight decay, as torch.optim.SGD with dampening 0. */
public final class Sgd extends Optimizer {
  private final float momentum, weightDecay;
  private final boolean nesterov;

  public Sgd(List<? extends Trainable> params, double momentum, double weightDecay, boolean nesterov) {
    super(params, momentum == 0 ? List.of() : List.of("momentum_buffer"));
    if (momentum < 0 || weightDecay < 0 || (nesterov && momentum == 0)) {
      throw new InvalidInputException("SGD needs momentum >= 0 (> 0 for Nesterov) and weight decay >= 0");
    }
    this.momentum = (float) momentum;
    this.weightDecay = (float) weightDecay;
    this.nesterov = nesterov;
  }

  @Override
  protected void update(Trainable p, Map<String, Tensor> buffers, float lr, long step) {
    Tensor value = p.value(), grad = p.grad(), buffer = buffers.get("momentum_buffer");
    try (OptimNative.SgdOptions options = OptimNative.ctc4j_optim_default_sgd_options().lr(lr).momentum(momentum)
        .weight_decay(weightDecay).nesterov(nesterov ? 1 : 0)) {
      NativeStatus.check(OptimNative.ctc4j_optim_sgd_step(value.device().nativeId(), options, f(value), f(grad),
          buffer == null ? null : f(buffer), value.numel(), step == 1 ? 1 : 0), "SGD step");
    }
  }
}
