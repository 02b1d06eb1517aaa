package dev.ctc4j.nn;

import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A stacked bidirectional Rnn on CUDA (cuDNN, a layer per call), its directions concatenated or summed
 * (DeepSpeech2), equals the same Rnn on the CPU (itself checked against libtorch in RnnTest) over
 * uneven lengths with random initial states, in
 * training: outputs, final states, input and initial-state gradients and every parameter gradient,
 * within 2e-4 relative to (1 + |CPU value|) (cuDNN's float gates and sums in another order).
 */
@Tag("gpu")
class RnnGpuTest {
  private static final int STEPS = 19, BATCH = 5, INPUT = 11, HIDDEN = 13, LAYERS = 2;

  @ParameterizedTest
  @CsvSource({"LSTM, false", "GRU, false", "LSTM, true", "GRU, true"})
  void trainingPassMatchesTheCpu(Rnn.Cell cell, boolean sum) {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("RnnGpuTest." + cell + sum);
    int width = sum ? HIDDEN : 2 * HIDDEN;
    int[] lengths = {STEPS, 1, 7, STEPS - 3, 12};
    long[] state = {2 * LAYERS, BATCH, HIDDEN};
    int stateSize = 2 * LAYERS * BATCH * HIDDEN;
    float[] x = Seeds.gaussian(rng, STEPS * BATCH * INPUT, 1), dy = Seeds.gaussian(rng, STEPS * BATCH * width, 1);
    float[][] states = {Seeds.gaussian(rng, stateSize, 1), Seeds.gaussian(rng, stateSize, 1),
        Seeds.gaussian(rng, stateSize, 1), Seeds.gaussian(rng, stateSize, 1)}; // h0, c0, dh_n, dc_n
    try (Rnn cpu = new Rnn(Device.CPU, cell, INPUT, HIDDEN, LAYERS, true, sum, true, rng);
        Rnn cuda = new Rnn(gpu, cell, INPUT, HIDDEN, LAYERS, true, sum, true, rng)) {
      cpu.namedParameters().forEach((name, p) -> cuda.namedParameters().get(name).set(p.value().toFloatArray()));
      List<float[]> want = pass(cpu, Device.CPU, x, lengths, states, dy, state);
      List<float[]> got = pass(cuda, gpu, x, lengths, states, dy, state);
      String[] names = {"y", "h_n", "c_n", "dx", "dh0", "dc0"};
      for (int i = 0; i < names.length; i++) {
        if (want.get(i) != null) TorchCheck.assertClose(TorchCheck.toDoubles(want.get(i)), got.get(i), 2e-4, names[i]);
      }
      List<String> params = new ArrayList<>(cpu.namedParameters().keySet());
      for (int i = 0; i < params.size(); i++) {
        TorchCheck.assertClose(TorchCheck.toDoubles(want.get(names.length + i)), got.get(names.length + i), 2e-4,
            params.get(i) + " gradient");
      }
    }
  }

  /** y, h_n, c_n, dx, dh0, dc0 (c's null for the GRU), then each parameter's gradient. */
  private static List<float[]> pass(Rnn rnn, Device device, float[] xv, int[] lengths, float[][] states, float[] dyv,
      long[] state) {
    boolean lstm = rnn.cell() == Rnn.Cell.LSTM;
    List<float[]> out = new ArrayList<>();
    try (Tensor x = Tensor.of(device, xv, STEPS, BATCH, INPUT);
        Rnn.State initial = new Rnn.State(Tensor.of(device, states[0], state),
            lstm ? Tensor.of(device, states[1], state) : null);
        Rnn.State dFinal = new Rnn.State(Tensor.of(device, states[2], state),
            lstm ? Tensor.of(device, states[3], state) : null);
        Tensor dy = Tensor.of(device, dyv, STEPS, BATCH, rnn.outputSize());
        Rnn.Trace trace = rnn.trace(x, lengths, initial);
        Rnn.Gradients g = trace.backward(dy, dFinal)) {
      Rnn.Output o = trace.output();
      out.add(o.y().toFloatArray());
      out.add(o.state().h().toFloatArray());
      out.add(lstm ? o.state().c().toFloatArray() : null);
      out.add(g.dx().toFloatArray());
      out.add(g.initial().h().toFloatArray());
      out.add(lstm ? g.initial().c().toFloatArray() : null);
      o.close();
    }
    rnn.namedParameters().values().forEach(p -> out.add(p.grad().toFloatArray()));
    return out;
  }
}
