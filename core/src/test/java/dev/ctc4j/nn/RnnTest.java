package dev.ctc4j.nn;

import static dev.ctc4j.nn.TorchCheck.assertClose;
import static dev.ctc4j.nn.TorchCheck.leaf;
import static dev.ctc4j.nn.TorchCheck.toDoubles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.CoreNative;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.NativeThreads;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * LSTM/GRU stacks against libtorch's torch.lstm/torch.gru in float64. Packed-sequence semantics are
 * checked by construction: the reference runs every utterance alone on its own frames, so any
 * influence of padding on outputs, final states or gradients shows up as a mismatch. The loss is
 * sum(y * g) + sum(h_n * gh) + sum(c_n * gc) with random g (padding frames included: their gradient
 * must be ignored). Tolerance 2e-4 relative to (1 + |reference|).
 */
class RnnTest {
  private static final double TOL = 2e-4;

  // Batches above 4 take the packed product for the recurrent step while more than 4 are active,
  // then the matrix-vector one; ties and unsorted lengths exercise the longest-first state order.
  // Threads: 1 runs the directions in turn, 2 side by side (Rnn.directionsSideBySide), 3 side by side
  // for batches up to 4 and in turn, each step split over the pool, above. With AVX-512 the packed
  // product serves every batch of a call of 32 steps or more (the rows of 33-40 frames: partial panels).
  // Each case also runs in inference, on weights packed once: every step's product packed from batch 1
  // with AVX-512, and the input projection where it has 64 gates and an input of 64 (the last two rows;
  // the others, of input 7, take sgemm there).
  @ParameterizedTest
  @CsvSource({
    "LSTM, 1, false, false, 9 3 6 1, 6, 2, 7", "LSTM, 2, true, false, 9 3 6 1, 6, 1, 7",
    "LSTM, 2, true, false, 9 3 6 1, 6, 2, 7", "LSTM, 1, true, true, 9 3 6 1, 6, 3, 7",
    "GRU, 1, false, false, 9 3 6 1, 6, 1, 7", "GRU, 2, true, false, 9 3 6 1, 6, 2, 7",
    "GRU, 1, true, true, 9 3 6 1, 6, 3, 7", "LSTM, 2, true, false, 5 9 3 9 6 1 7, 6, 1, 7",
    "LSTM, 2, true, false, 5 9 3 9 6 1 7, 6, 2, 7", "LSTM, 2, true, false, 5 9 3 9 6 1 7, 6, 3, 7",
    "GRU, 2, true, true, 5 9 3 9 6 1 7, 6, 2, 7", "GRU, 2, true, true, 5 9 3 9 6 1 7, 6, 3, 7",
    "GRU, 1, true, false, 40 33, 20, 1, 7", "LSTM, 2, false, false, 35 12 3, 20, 2, 7",
    "GRU, 1, false, false, 34 9 9 2 1 40, 20, 1, 7", "GRU, 1, true, false, 600, 20, 1, 7",
    "LSTM, 1, false, false, 600 450, 70, 2, 7", "GRU, 2, true, false, 9 3 6 1, 24, 1, 80",
    "LSTM, 1, true, false, 600 31, 24, 2, 96"
  })
  void matchesLibtorchPerUtterance(Rnn.Cell cell, int layers, boolean bidirectional, boolean sum, String lengthList,
      int hidden, int threads, int input) throws Exception {
    NativeThreads.with(threads, () -> compareWithLibtorch(cell, layers, bidirectional, sum, lengthList, hidden, input));
  }

  private static void compareWithLibtorch(Rnn.Cell cell, int layers, boolean bidirectional, boolean sum,
      String lengthList, int hidden, int input) {
    SplittableRandom rng = Seeds.random("RnnTest." + cell + layers + bidirectional + sum + lengthList + input);
    int[] lengths = java.util.Arrays.stream(lengthList.split(" ")).mapToInt(Integer::parseInt).toArray();
    int steps = Math.max(9, java.util.Arrays.stream(lengths).max().getAsInt()), batch = lengths.length;
    int dirs = bidirectional ? 2 : 1;
    long[] stateShape = {layers * dirs, batch, hidden};
    int stateSize = layers * dirs * batch * hidden;
    try (PointerScope scope = new PointerScope();
        Rnn rnn = new Rnn(Device.CPU, cell, input, hidden, layers, bidirectional, sum, true, rng)) {
      float[] xv = Seeds.gaussian(rng, steps * batch * input, 1);
      float[] h0 = Seeds.gaussian(rng, stateSize, 0.5), c0 = Seeds.gaussian(rng, stateSize, 0.5);
      boolean lstm = cell == Rnn.Cell.LSTM;
      int out = rnn.outputSize();
      float[] g = Seeds.gaussian(rng, steps * batch * out, 1);
      float[] gh = Seeds.gaussian(rng, stateSize, 1), gc = Seeds.gaussian(rng, stateSize, 1);

      // Reference: each utterance alone.
      org.bytedeco.pytorch.Tensor tx = leaf(xv, steps, batch, input);
      org.bytedeco.pytorch.Tensor th0 = leaf(h0, stateShape), tc0 = leaf(c0, stateShape);
      List<org.bytedeco.pytorch.Tensor> params = new ArrayList<>();
      rnn.namedParameters().forEach((n, p) -> params.add(leaf(p.value().toFloatArray(), p.shape())));
      TensorVector pv = new TensorVector(params.toArray(new org.bytedeco.pytorch.Tensor[0]));
      double[] y = new double[steps * batch * out], hN = new double[stateSize], cN = new double[stateSize];
      org.bytedeco.pytorch.Tensor loss = null;
      for (int b = 0; b < batch; b++) {
        org.bytedeco.pytorch.Tensor xb = tx.narrow(1, b, 1).narrow(0, 0, lengths[b]);
        org.bytedeco.pytorch.Tensor hb = th0.narrow(1, b, 1), cb = tc0.narrow(1, b, 1);
        org.bytedeco.pytorch.Tensor yb, hNb, cNb = null;
        if (lstm) {
          var r = torch.lstm(xb, new TensorVector(hb, cb), pv, true, layers, 0.0, true, bidirectional, false);
          yb = r.get0(); hNb = r.get1(); cNb = r.get2();
        } else {
          var r = torch.gru(xb, hb, pv, true, layers, 0.0, true, bidirectional, false);
          yb = r.get0(); hNb = r.get1();
        }
        if (sum) yb = yb.narrow(2, 0, hidden).add(yb.narrow(2, hidden, hidden));
        double[] ybv = Torch.toDoubles(yb), hv = Torch.toDoubles(hNb);
        for (int t = 0; t < lengths[b]; t++) System.arraycopy(ybv, t * out, y, (t * batch + b) * out, out);
        for (int k = 0; k < layers * dirs; k++) System.arraycopy(hv, k * hidden, hN, (k * batch + b) * hidden, hidden);
        org.bytedeco.pytorch.Tensor term = yb.mul(slice(g, steps, batch, out, b, lengths[b])).sum()
            .add(hNb.mul(stateSlice(gh, stateShape, b)).sum());
        if (lstm) {
          double[] cv = Torch.toDoubles(cNb);
          for (int k = 0; k < layers * dirs; k++) System.arraycopy(cv, k * hidden, cN, (k * batch + b) * hidden, hidden);
          term = term.add(cNb.mul(stateSlice(gc, stateShape, b)).sum());
        }
        loss = loss == null ? term : loss.add(term);
      }
      loss.backward();

      try (Tensor x = Tensor.of(Device.CPU, xv, steps, batch, input);
          Rnn.State initial = new Rnn.State(Tensor.of(Device.CPU, h0, stateShape),
              lstm ? Tensor.of(Device.CPU, c0, stateShape) : null);
          Rnn.Trace trace = rnn.trace(x, lengths, initial);
          Rnn.Output o = trace.output();
          Tensor dy = Tensor.of(Device.CPU, g, steps, batch, out);
          Rnn.State dFinal = new Rnn.State(Tensor.of(Device.CPU, gh, stateShape),
              lstm ? Tensor.of(Device.CPU, gc, stateShape) : null);
          Rnn.Gradients grads = trace.backward(dy, dFinal)) {
        assertClose(y, o.y().toFloatArray(), TOL, "output (zero on padding)");
        assertClose(hN, o.state().h().toFloatArray(), TOL, "h_n");
        if (lstm) assertClose(cN, o.state().c().toFloatArray(), TOL, "c_n");
        assertClose(Torch.toDoubles(tx.grad()), grads.dx().toFloatArray(), TOL, "input gradient");
        assertClose(Torch.toDoubles(th0.grad()), grads.initial().h().toFloatArray(), TOL, "h0 gradient");
        if (lstm) assertClose(Torch.toDoubles(tc0.grad()), grads.initial().c().toFloatArray(), TOL, "c0 gradient");
        int i = 0;
        for (var e : rnn.namedParameters().entrySet()) {
          assertClose(Torch.toDoubles(params.get(i++).grad()), e.getValue().grad().toFloatArray(), TOL,
              e.getKey() + " gradient");
        }
        rnn.train(false); // inference: the weights packed once (PackedWeights)
        try (Rnn.Output inference = rnn.forward(x, lengths, initial)) {
          assertClose(y, inference.y().toFloatArray(), TOL, "inference output");
          assertClose(hN, inference.state().h().toFloatArray(), TOL, "inference h_n");
          if (lstm) assertClose(cN, inference.state().c().toFloatArray(), TOL, "inference c_n");
        }
      }
    }
  }

  /** g's frames [0, length) of utterance b as [length, 1, out]. */
  private static org.bytedeco.pytorch.Tensor slice(float[] g, int steps, int batch, int out, int b, int length) {
    return Torch.doubles(toDoubles(g), steps, batch, out).narrow(1, b, 1).narrow(0, 0, length);
  }

  private static org.bytedeco.pytorch.Tensor stateSlice(float[] g, long[] shape, int b) {
    return Torch.doubles(toDoubles(g), shape).narrow(1, b, 1);
  }

  @Test
  void emptyUtteranceKeepsItsInitialStateAndOutputsZeros() {
    SplittableRandom rng = Seeds.random("RnnTest.empty");
    try (Rnn rnn = new Rnn(Device.CPU, Rnn.Cell.LSTM, 3, 4, 1, true, false, true, rng)) {
      rnn.train(false);
      float[] h0 = Seeds.gaussian(rng, 2 * 2 * 4, 1);
      try (Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, 5 * 2 * 3, 1), 5, 2, 3);
          Rnn.State init = new Rnn.State(Tensor.of(Device.CPU, h0, 2, 2, 4), Tensor.of(Device.CPU, h0, 2, 2, 4));
          Rnn.Output o = rnn.forward(x, new int[] {5, 0}, init)) {
        float[] y = o.y().toFloatArray(), h = o.state().h().toFloatArray(), c = o.state().c().toFloatArray();
        for (int t = 0; t < 5; t++) {
          for (int j = 0; j < 8; j++) org.junit.jupiter.api.Assertions.assertEquals(0f, y[(t * 2 + 1) * 8 + j]);
        }
        for (int k = 0; k < 2; k++) {
          for (int j = 0; j < 4; j++) {
            org.junit.jupiter.api.Assertions.assertEquals(h0[(k * 2 + 1) * 4 + j], h[(k * 2 + 1) * 4 + j]);
            org.junit.jupiter.api.Assertions.assertEquals(h0[(k * 2 + 1) * 4 + j], c[(k * 2 + 1) * 4 + j]);
          }
        }
      }
    }
  }

  /**
   * Dropout between layers: a 2-layer stack in training equals layer 0, the same seeded Dropout, then
   * layer 1 run as separate modules with the same weights (outputs, input and weight gradients,
   * exactly); in inference it equals the plain stack.
   */
  @ParameterizedTest
  @CsvSource({"LSTM", "GRU"})
  void dropoutBetweenLayersIsADropoutLayerBetweenTheTwoHalves(Rnn.Cell cell) {
    SplittableRandom rng = Seeds.random("RnnTest.dropout" + cell);
    long dropoutSeed = rng.nextLong();
    int steps = 6, input = 5, hidden = 4;
    int[] lengths = {6, 2, 4};
    try (Rnn stack = new Rnn(Device.CPU, cell, input, hidden, 2, true, false, true, rng)
            .dropoutBetweenLayers(0.5f, new SplittableRandom(dropoutSeed));
        Rnn first = new Rnn(Device.CPU, cell, input, hidden, 1, true, false, true, rng);
        Rnn second = new Rnn(Device.CPU, cell, 2 * hidden, hidden, 1, true, false, true, rng);
        Dropout between = new Dropout(0.5f, new SplittableRandom(dropoutSeed).nextLong());
        Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, steps * 3 * input, 1), steps, 3, input);
        Tensor dy = Tensor.of(Device.CPU, Seeds.gaussian(rng, steps * 3 * 2 * hidden, 1), steps, 3, 2 * hidden)) {
      stack.namedParameters().forEach((name, p) -> {
        Rnn half = name.contains("_l0") ? first : second;
        half.namedParameters().get(name.replace("_l1", "_l0")).set(p.value().toFloatArray());
      });
      try (Rnn.Trace t = stack.trace(x, lengths, null); Rnn.Output o = t.output(); Rnn.Gradients g = t.backward(dy, null);
          Rnn.Trace t1 = first.trace(x, lengths, null); Rnn.Output o1 = t1.output(); Tape betweenTape = new Tape();
          Tensor mid = between.forward(o1.y(), betweenTape); Rnn.Trace t2 = second.trace(mid, lengths, null);
          Rnn.Output o2 = t2.output(); Rnn.Gradients g2 = t2.backward(dy, null);
          Tensor dMid = betweenTape.backward(g2.dx()); Rnn.Gradients g1 = t1.backward(dMid, null)) {
        float[] mask = mid.toFloatArray(), plain = o1.y().toFloatArray();
        long dropped = java.util.stream.IntStream.range(0, mask.length).filter(i -> mask[i] == 0 && plain[i] != 0).count();
        org.junit.jupiter.api.Assertions.assertTrue(dropped > mask.length / 5, "about half dropped: " + dropped);
        assertArrayEquals(o2.y().toFloatArray(), o.y().toFloatArray(), "output");
        assertArrayEquals(g1.dx().toFloatArray(), g.dx().toFloatArray(), "input gradient");
        stack.namedParameters().forEach((name, p) -> {
          Rnn half = name.contains("_l0") ? first : second;
          assertArrayEquals(half.namedParameters().get(name.replace("_l1", "_l0")).grad().toFloatArray(),
              p.grad().toFloatArray(), name + " gradient");
        });
      }
      stack.train(false);
      first.train(false);
      second.train(false);
      try (Rnn.Output o = stack.forward(x, lengths, null); Rnn.Output o1 = first.forward(x, lengths, null);
          Rnn.Output o2 = second.forward(o1.y(), lengths, null)) {
        assertArrayEquals(o2.y().toFloatArray(), o.y().toFloatArray(), "inference ignores dropout");
      }
    }
  }

  /**
   * Inference passes from eight Java threads at once, with two native threads (so each pass offers its
   * reverse direction to a busy common pool), equal a pass run alone, bit for bit, at batches on both
   * sides of the matrix-vector threshold.
   */
  @Test
  void concurrentInferencePassesEqualOneAlone() throws Exception {
    SplittableRandom rng = Seeds.random("RnnTest.concurrent");
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
    try (Rnn rnn = new Rnn(Device.CPU, Rnn.Cell.LSTM, 5, 16, 2, true, false, true, rng)) {
      rnn.train(false);
      NativeThreads.with(2, () -> {
        for (int[] lengths : new int[][] {{12, 7}, {12, 3, 9, 12, 5, 1}}) {
          try (Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, 12 * lengths.length * 5, 1), 12, lengths.length, 5);
              Rnn.Output alone = rnn.forward(x, lengths, null)) {
            float[] expected = alone.y().toFloatArray();
            List<java.util.concurrent.Future<float[]>> outputs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
              outputs.add(callers.submit(() -> {
                try (Rnn.Output o = rnn.forward(x, lengths, null)) {
                  return o.y().toFloatArray();
                }
              }));
            }
            for (java.util.concurrent.Future<float[]> y : outputs) {
              assertArrayEquals(expected, y.get(), "batch " + lengths.length);
            }
          }
        }
      });
    } finally {
      callers.shutdown();
    }
  }

  /**
   * Inference runs on weights packed once; every way of changing them (Parameter.set, a write to the
   * value tensor, an optimiser step, a training interlude) must be seen by the next pass. Each pass is
   * compared with a twin that holds the same values and never packs (training mode, which packs
   * nothing it keeps); a stale packing would run on the old weights, far outside the tolerance.
   */
  @Test
  void inferenceSeesEveryChangeOfTheWeights() {
    SplittableRandom rng = Seeds.random("RnnTest.weightChanges");
    try (Rnn rnn = new Rnn(Device.CPU, Rnn.Cell.GRU, 70, 24, 2, true, false, true, rng);
        Rnn twin = new Rnn(Device.CPU, Rnn.Cell.GRU, 70, 24, 2, true, false, true, rng);
        Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, 12 * 70, 1), 12, 1, 70)) {
      int[] lengths = {12};
      rnn.train(false);
      Parameter ih = rnn.namedParameters().get("weight_ih_l0"), hh = rnn.namedParameters().get("weight_hh_l1_reverse");
      List<Runnable> changes = List.of(
          () -> ih.set(Seeds.gaussian(rng, (int) ih.numel(), 0.5)),
          () -> hh.value().write(Seeds.gaussian(rng, (int) hh.numel(), 0.5)),
          () -> {
            rnn.namedParameters().values().forEach(p -> p.grad().write(Seeds.gaussian(rng, (int) p.numel(), 1)));
            try (dev.ctc4j.train.Sgd sgd = new dev.ctc4j.train.Sgd(List.copyOf(rnn.namedParameters().values()), 0, 0, false)) {
              sgd.step(0.5);
            }
          },
          () -> {
            rnn.train(true);
            hh.set(Seeds.gaussian(rng, (int) hh.numel(), 0.5));
            rnn.train(false);
          });
      for (int i = 0; i <= changes.size(); i++) {
        if (i > 0) changes.get(i - 1).run();
        rnn.namedParameters().forEach((name, p) -> twin.namedParameters().get(name).set(p.value().toFloatArray()));
        try (Rnn.Output packed = rnn.forward(x, lengths, null); Rnn.Trace unpacked = twin.trace(x, lengths, null)) {
          assertClose(toDoubles(unpacked.output().y().toFloatArray()), packed.y().toFloatArray(), 1e-5,
              "after change " + i);
        }
      }
    }
  }

  /** The C API refuses weights it cannot pack and a packing of the wrong shape for the layer. */
  @Test
  void packedWeightsOfTheWrongShapeAreRefused() {
    float[] w = new float[3 * 4 * 5];
    try (FloatPointer wp = new FloatPointer(w); FloatPointer x = new FloatPointer(2 * 5);
        FloatPointer y = new FloatPointer(2 * 4); IntPointer len = new IntPointer(new int[] {2})) {
      NnNative.PackedWeightsHandle bad = new NnNative.PackedWeightsHandle();
      assertEquals(NativeStatus.INVALID_ARGUMENT, NnNative.ctc4j_nn_pack_weights(wp, 0, 5, 1, 1, bad), "zero rows");
      assertEquals(NativeStatus.INVALID_ARGUMENT, NnNative.ctc4j_nn_pack_weights(null, 12, 5, 1, 1, bad), "null weights");
      assertEquals(NativeStatus.INVALID_ARGUMENT, NnNative.ctc4j_nn_pack_weights(wp, 12, 5, 2, 1, bad), "kernel 2, 5 cols");
      assertEquals(NativeStatus.INVALID_ARGUMENT, NnNative.ctc4j_nn_pack_weights(wp, 12, 5, 1, 5, bad), "5 groups, 12 rows");
      NnNative.PackedWeightsHandle ih = new NnNative.PackedWeightsHandle();
      NativeStatus.check(NnNative.ctc4j_nn_pack_weights(wp, 12, 5, 1, 1, ih), "pack");
      try (NnNative.Rnn rnn = NnNative.ctc4j_nn_default_rnn().cell(NnNative.GRU).steps(2).batch(1).input(5).hidden(4)
          .lengths(len).w_ih(wp).w_hh(wp).y_stride(4)) {
        rnn.w_hh_packed(ih); // w_hh is [12, 4]: a [12, 5] packing does not fit
        assertEquals(NativeStatus.INVALID_ARGUMENT,
            NnNative.ctc4j_nn_rnn_forward(CoreNative.CPU, rnn, x, null, null, y, null, null));
        assertTrue(CoreNative.ctc4j_last_error().getString().contains("packed w_hh is 12 x 5"));
        rnn.w_hh_packed(null).w_ih_packed(ih);
        NativeStatus.check(NnNative.ctc4j_nn_rnn_forward(CoreNative.CPU, rnn, x, null, null, y, null, null), "fits");
      } finally {
        NativeStatus.check(NnNative.ctc4j_nn_packed_weights_destroy(ih), "free");
      }
    }
  }

  @Test
  void rejectsBadLengthsAndShapes() {
    SplittableRandom rng = Seeds.random("RnnTest.rejects");
    try (Rnn rnn = new Rnn(Device.CPU, Rnn.Cell.GRU, 3, 4, 1, false, false, true, rng);
        Tensor x = Tensor.of(Device.CPU, new float[2 * 2 * 3], 2, 2, 3);
        Tensor wrong = Tensor.of(Device.CPU, new float[2 * 2 * 5], 2, 2, 5)) {
      assertThrows(InvalidInputException.class, () -> rnn.forward(x, new int[] {3, 1}, null), "length beyond T");
      assertThrows(InvalidInputException.class, () -> rnn.forward(x, new int[] {-1, 1}, null), "negative length");
      assertThrows(InvalidInputException.class, () -> rnn.forward(x, new int[] {1}, null), "batch mismatch");
      assertThrows(InvalidInputException.class, () -> rnn.forward(wrong, new int[] {1, 1}, null), "input size");
      assertArrayEquals(new long[] {2, 2, 3}, x.shape());
    }
  }

  /**
   * The layer entry points a CUDA Rnn calls (ctc4j_nn_rnn_layer_forward/_backward, over the same struct
   * array) run on the CPU too, and equal the per-direction calls of the CPU Rnn: a 1-layer
   * bidirectional training pass over uneven lengths, outputs and every gradient within 1e-6.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Rnn.Cell.class)
  void layerEntryPointsEqualThePerDirectionOnes(Rnn.Cell cell) {
    SplittableRandom rng = Seeds.random("RnnTest.layer." + cell);
    int steps = 9, batch = 3, input = 5, hidden = 6;
    int[] lengths = {9, 1, 4};
    boolean lstm = cell == Rnn.Cell.LSTM;
    try (Rnn rnn = new Rnn(Device.CPU, cell, input, hidden, 1, true, false, true, rng);
        Tensor x = Tensor.of(Device.CPU, Seeds.gaussian(rng, steps * batch * input, 1), steps, batch, input);
        Tensor dy = Tensor.of(Device.CPU, Seeds.gaussian(rng, steps * batch * 2 * hidden, 1), steps, batch,
            2 * hidden);
        Rnn.Trace trace = rnn.trace(x, lengths, null);
        Rnn.Gradients want = trace.backward(dy, null);
        PointerScope scope = new PointerScope()) {
      List<Tensor> kept = new ArrayList<>();
      java.util.function.Function<long[], Tensor> zeros = shape -> {
        Tensor t = Tensor.zeros(Device.CPU, dev.ctc4j.tensor.DType.F32, shape);
        kept.add(t);
        return t;
      };
      var params = rnn.namedParameters();
      String[] kinds = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
      Tensor[][] grads = new Tensor[2][4];
      NnNative.Rnn layer = new NnNative.Rnn(2);
      IntPointer len = new IntPointer(lengths);
      for (int d = 0; d < 2; d++) {
        String suffix = "_l0" + (d == 1 ? "_reverse" : "");
        FloatPointer[] w = new FloatPointer[4];
        for (int k = 0; k < 4; k++) {
          w[k] = Ops.ptr(params.get(kinds[k] + suffix).value());
          grads[d][k] = zeros.apply(params.get(kinds[k] + suffix).shape());
        }
        layer.position(d).cell(cell.nativeId).reverse(d).steps(steps).batch(batch).input(input).hidden(hidden)
            .lengths(len).w_ih(w[0]).w_hh(w[1]).b_ih(w[2]).b_hh(w[3]).y_stride(2 * hidden).dy_stride(2 * hidden)
            .dw_ih(Ops.ptr(grads[d][0])).dw_hh(Ops.ptr(grads[d][1])).db_ih(Ops.ptr(grads[d][2]))
            .db_hh(Ops.ptr(grads[d][3]));
      }
      org.bytedeco.javacpp.LongPointer floats = new org.bytedeco.javacpp.LongPointer(1);
      NativeStatus.check(NnNative.ctc4j_nn_rnn_layer_workspace_size(Device.CPU.nativeId(), layer.position(0), 2,
          floats), "workspace");
      for (int d = 0; d < 2; d++) layer.position(d).workspace(Ops.ptr(zeros.apply(new long[] {floats.get()})));
      Tensor y = zeros.apply(new long[] {steps, batch, 2 * hidden}), hN = zeros.apply(new long[] {2, batch, hidden});
      Tensor cN = zeros.apply(new long[] {2, batch, hidden}), dx = zeros.apply(new long[] {steps, batch, input});
      Tensor dh0 = zeros.apply(new long[] {2, batch, hidden}), dc0 = zeros.apply(new long[] {2, batch, hidden});
      int cpu = Device.CPU.nativeId();
      NativeStatus.check(NnNative.ctc4j_nn_rnn_layer_forward(cpu, layer.position(0), 2, Ops.ptr(x), null, null,
          Ops.ptr(y), Ops.ptr(hN), lstm ? Ops.ptr(cN) : null), "layer forward");
      NativeStatus.check(NnNative.ctc4j_nn_rnn_layer_backward(cpu, layer.position(0), 2, Ops.ptr(x), null, null,
          Ops.ptr(y), Ops.ptr(dy), null, null, Ops.ptr(dx), Ops.ptr(dh0), lstm ? Ops.ptr(dc0) : null),
          "layer backward");
      Rnn.Output o = trace.output();
      assertClose(toDoubles(o.y().toFloatArray()), y.toFloatArray(), 1e-6, "y");
      assertClose(toDoubles(o.state().h().toFloatArray()), hN.toFloatArray(), 1e-6, "h_n");
      assertClose(toDoubles(want.dx().toFloatArray()), dx.toFloatArray(), 1e-6, "dx");
      assertClose(toDoubles(want.initial().h().toFloatArray()), dh0.toFloatArray(), 1e-6, "dh0");
      if (lstm) assertClose(toDoubles(want.initial().c().toFloatArray()), dc0.toFloatArray(), 1e-6, "dc0");
      for (int d = 0; d < 2; d++) {
        for (int k = 0; k < 4; k++) {
          String name = kinds[k] + "_l0" + (d == 1 ? "_reverse" : "");
          assertClose(toDoubles(params.get(name).grad().toFloatArray()), grads[d][k].toFloatArray(), 1e-6, name);
        }
      }
      o.close();
      kept.forEach(Tensor::close);
    }
  }
}
