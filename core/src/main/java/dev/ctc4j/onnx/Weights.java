package dev.ctc4j.onnx;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Parameter;
import java.util.Map;

/**
 * A model's parameters and buffers by state_dict name, seen from one module ({@link #at}). The
 * exporter reads weights by these names (the checkpoint format's, stable) rather than through the
 * layers' objects.
 */
final class Weights {
  private final Map<String, Parameter> state;
  private final String prefix;

  Weights(Module model) {
    this(model.stateDict(), "");
  }

  private Weights(Map<String, Parameter> state, String prefix) {
    this.state = state;
    this.prefix = prefix;
  }

  /** The weights of child module {@code name} (dots for deeper children). */
  Weights at(String name) {
    return new Weights(state, prefix + name + ".");
  }

  String name(String tensor) {
    return prefix + tensor;
  }

  boolean has(String tensor) {
    return state.containsKey(prefix + tensor);
  }

  float[] values(String tensor) {
    return get(tensor).value().toFloatArray();
  }

  long[] shape(String tensor) {
    return get(tensor).shape();
  }

  /** Adds the tensor to the graph as an initializer under its state_dict name; returns that name. */
  String add(Graph g, String tensor) {
    return g.floats(name(tensor), values(tensor), shape(tensor));
  }

  private Parameter get(String tensor) {
    Parameter p = state.get(prefix + tensor);
    if (p == null) throw new InvalidInputException("the model has no tensor " + prefix + tensor);
    return p;
  }
}
