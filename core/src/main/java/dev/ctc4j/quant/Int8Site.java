package dev.ctc4j.quant;

import dev.ctc4j.nn.Module;
import dev.ctc4j.nn.Parameter;
import dev.ctc4j.nn.Quantizable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A weight of a model that can run in int8: its state_dict name, its layer's int8 slots, its float parameter. */
record Int8Site(String name, Int8Weights weights, String local, Parameter parameter) {
  /** Every int8-capable weight of the model, in state_dict order. */
  static List<Int8Site> of(Module model) {
    List<Int8Site> out = new ArrayList<>();
    model.namedModules().forEach((prefix, module) -> {
      if (!(module instanceof Quantizable q)) return;
      Map<String, Parameter> own = module.stateDict();
      for (String local : q.int8Weights().names()) {
        out.add(new Int8Site(prefix + local, q.int8Weights(), local, own.get(local)));
      }
    });
    return out;
  }
}
