package dev.ctc4j.nn;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of a model: named parameters, buffers (running statistics) and child modules, named as
 * PyTorch's state_dict names them ({@code child.0.weight}). Owns its native memory; close() frees it.
 *
 * <p>Threads: a forward pass writes no field of a module (what backward needs goes on the caller's
 * {@link Tape}), so one loaded model in inference mode ({@code train(false)}) serves many threads.
 * Training passes run one at a time: they add into the parameters' gradients, and training mode
 * updates running statistics and dropout's call count.
 */
public abstract class Module implements AutoCloseable {
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final Map<String, Parameter> buffers = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training = true;
  private final PackedWeights packed = new PackedWeights();

  protected final Parameter parameter(String name, Device device, float[] values, long... shape) {
    Parameter p = new Parameter(Tensor.of(device, values, shape));
    parameters.put(name, p);
    return p;
  }

  /** A non-learnable tensor saved with the weights (running mean and variance). */
  protected final Parameter buffer(String name, Device device, float[] values, long... shape) {
    Parameter p = new Parameter(Tensor.of(device, values, shape));
    buffers.put(name, p);
    return p;
  }

  protected final <M extends Module> M child(String name, M module) {
    children.put(name, module);
    return module;
  }

  /** Training mode (batch statistics, dropout) or inference mode (running statistics, no dropout). */
  public void train(boolean on) {
    training = on;
    if (on) packed.clear();
    children.values().forEach(c -> c.train(on));
  }

  /**
   * This module's weights packed once for its float32 inference passes on the CPU (as much memory
   * again as the weights packed; freed when it goes back to training).
   */
  protected final PackedWeights packedWeights() {
    return packed;
  }

  /** Whether a forward pass over x runs on {@link #packedWeights()}: in inference mode, on the CPU. */
  protected final boolean runsOnPackedWeights(Tensor x) {
    return !training && x.device().equals(Device.CPU);
  }

  public boolean isTraining() {
    return training;
  }

  /** Learnable parameters by state_dict name, in registration order. */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect("", out, false);
    return out;
  }

  /** Parameters and buffers: everything a checkpoint stores. */
  public Map<String, Parameter> stateDict() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect("", out, true);
    return out;
  }

  /**
   * This module and every descendant by state_dict prefix: "" for this one, then "rnn.",
   * "layers.0.attention.q_proj.", ... (a parameter's full name is its module's prefix + its own name).
   */
  public Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    collectModules("", out);
    return out;
  }

  private void collectModules(String prefix, Map<String, Module> out) {
    out.put(prefix, this);
    children.forEach((n, c) -> c.collectModules(prefix + n + ".", out));
  }

  private void collect(String prefix, Map<String, Parameter> out, boolean withBuffers) {
    parameters.forEach((n, p) -> out.put(prefix + n, p));
    if (withBuffers) buffers.forEach((n, p) -> out.put(prefix + n, p));
    children.forEach((n, c) -> c.collect(prefix + n + ".", out, withBuffers));
  }

  public long parameterCount() {
    return namedParameters().values().stream().mapToLong(Parameter::numel).sum();
  }

  public void zeroGrad() {
    namedParameters().values().forEach(Parameter::zeroGrad);
  }

  /**
   * Sets the training step number, which the trainer advances once per optimiser step (and restores
   * on resume): random choices such as dropout masks are a function of (the layer's seed, this step,
   * the call within the step), never of how many calls the process has made, so a resumed run
   * replays the masks of an uninterrupted one. Propagates to every child.
   */
  public void setStep(long step) {
    children.values().forEach(c -> c.setStep(step));
  }

  @Override
  public void close() {
    packed.close();
    List<AutoCloseable> all = new ArrayList<>(parameters.values());
    all.addAll(buffers.values());
    all.addAll(children.values());
    for (AutoCloseable c : all) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
