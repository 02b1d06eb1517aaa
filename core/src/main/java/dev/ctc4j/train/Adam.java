package dev.ctc4j.train;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Trainable;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.OptimNative;
import dev.ctc4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam (weight decay added to the gradient, torch.optim.Adam) or AdamW (decoupled weight decay,
 * torch.optim.AdamW).
 */
public final class Adam extends Optimizer {
  private final float beta1, beta2, eps, weightDecay;
  private final boolean decoupled;

  public Adam(List<? extends Trainable> params, double beta1, double beta2, double eps, double weightDecay,
      boolean decoupled) {
    super(params, List.of("exp_avg", "exp_avg_sq"));
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
      throw new InvalidInputException("Adam needs betas in [0, 1), eps > 0 and weight decay >= 0");
    }
    this.beta1 = (float) beta1;
    this.beta2 = (float) beta2;
    this.eps = (float) eps;
    this.weightDecay = (float) weightDecay;
    this.decoupled = decoupled;
  }

  public static Adam adamW(List<? extends Trainable> params, double weightDecay) {
    return new Adam(params, 0.9, 0.999, 1e-8, weightDecay, true);
  }

  @Override
  protected void update(Trainable p, Map<String, Tensor> buffers, float lr, long step) {
    Tensor value = p.value();
    try (OptimNative.AdamOptions options = OptimNative.ctc4j_optim_default_adam_options().lr(lr).beta1(beta1)
        .beta2(beta2).eps(eps).weight_decay(weightDecay).decoupled(decoupled ? 1 : 0)) {
      NativeStatus.check(OptimNative.ctc4j_optim_adam_step(value.device().nativeId(), options, f(value), f(p.grad()),
          f(buffers.get("exp_avg")), f(buffers.get("exp_avg_sq")), value.numel(), step),
          decoupled ? "AdamW step" : "Adam step");
    }
  }
}
