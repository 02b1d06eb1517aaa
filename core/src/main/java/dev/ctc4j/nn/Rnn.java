package dev.ctc4j.nn;

import dev.ctc4j.Ctc4j;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.bridge.QuantNative;
import dev.ctc4j.quant.Int8Matrix;
import dev.ctc4j.quant.Int8Weights;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * A stacked LSTM or GRU as torch.nn.LSTM/GRU (time-major input [T, N, input], PyTorch gate order and
 * parameter names weight_ih_l0, weight_hh_l0_reverse, ...), over variable-length batches with
 * packed-sequence semantics: frames past lengths[b] never touch utterance b's state, its outputs
 * there are zero, and the final state is the one after its last frame. Between layers the two
 * directions are concatenated (as PyTorch); the output can sum them instead (DeepSpeech2).
 * Initial and final states [layers * directions, N, hidden] are exposed for streaming. Optional
 * dropout between layers in training, as torch.nn.LSTM/GRU's dropout argument. Quantized
 * ({@link Quantizable}), a direction whose weight_ih and weight_hh both have int8 matrices runs its
 * input projection (per frame) and each step's recurrent product (per utterance) in int8. On a CUDA
 * device each layer is one cuDNN call over both directions (float32 only, every utterance at least
 * one frame long).
 */
public final class Rnn extends Module implements Quantizable {
  public enum Cell {
    LSTM(NnNative.LSTM, 4),
    GRU(NnNative.GRU, 3);

    final int nativeId, gates;

    Cell(int nativeId, int gates) {
      this.nativeId = nativeId;
      this.gates = gates;
    }
  }

  /** Hidden (and for the LSTM cell) states [layers * directions, N, hidden]; c is null for the GRU. */
  public record State(Tensor h, Tensor c) implements AutoCloseable {
    @Override
    public void close() {
      h.close();
      if (c != null) c.close();
    }
  }

  /** y: [T, N, hidden * directions], or [T, N, hidden] when the directions are summed. */
  public record Output(Tensor y, State state) implements AutoCloseable {
    @Override
    public void close() {
      y.close();
      state.close();
    }
  }

  /** dx: [T, N, input]; initial: the gradient of the initial state. */
  public record Gradients(Tensor dx, State initial) implements AutoCloseable {
    @Override
    public void close() {
      dx.close();
      initial.close();
    }
  }

  /** Up to this batch a native step is a matrix-vector pass (cpu/nn_rnn.cpp kMatvecBatch). */
  private static final int SMALL_BATCH = 4;

  private final Device device;
  private final Cell cell;
  private final int inputSize, hidden, layers, directions;
  private final boolean sumDirections;
  private final Parameter[][] wIh, wHh, bIh, bHh; // [layer][direction]
  private final Int8Weights int8;

  // Workspaces of finished training passes, reused by the next: fresh ones are ~100 MB each (16 x
  // 500 frames, hidden 512) of pages the kernel must zero, 7% of an LSTM training step at one thread.
  private final List<Tensor> spareWorkspaces = new ArrayList<>();
  private Dropout[] betweenLayers = {}; // [layers - 1] when dropout is on

  public Rnn(Device device, Cell cell, int inputSize, int hidden, int layers, boolean bidirectional,
      boolean sumDirections, boolean bias, SplittableRandom rng) {
    if (inputSize <= 0 || hidden <= 0 || layers <= 0) {
      throw new InvalidInputException("bad RNN sizes: input " + inputSize + ", hidden " + hidden + ", layers " + layers);
    }
    if (sumDirections && !bidirectional) throw new InvalidInputException("summing directions needs two of them");
    this.device = device;
    this.cell = cell;
    this.inputSize = inputSize;
    this.hidden = hidden;
    this.layers = layers;
    this.directions = bidirectional ? 2 : 1;
    this.sumDirections = sumDirections;
    wIh = new Parameter[layers][directions];
    wHh = new Parameter[layers][directions];
    bIh = new Parameter[layers][directions];
    bHh = new Parameter[layers][directions];
    double bound = 1 / Math.sqrt(hidden);
    int g = cell.gates * hidden;
    Map<String, Int8Weights.Layout> int8Layouts = new LinkedHashMap<>();
    for (int l = 0; l < layers; l++) {
      int in = l == 0 ? inputSize : hidden * directions;
      for (int d = 0; d < directions; d++) {
        wIh[l][d] = parameter(weightName("ih", l, d), device, Init.uniform(rng, g * in, bound), g, in);
        wHh[l][d] = parameter(weightName("hh", l, d), device, Init.uniform(rng, g * hidden, bound), g, hidden);
        int8Layouts.put(weightName("ih", l, d), Int8Weights.Layout.of(g, in));
        int8Layouts.put(weightName("hh", l, d), Int8Weights.Layout.of(g, hidden));
        String suffix = "_l" + l + (d == 1 ? "_reverse" : "");
        if (bias) {
          bIh[l][d] = parameter("bias_ih" + suffix, device, Init.uniform(rng, g, bound), g);
          bHh[l][d] = parameter("bias_hh" + suffix, device, Init.uniform(rng, g, bound), g);
        }
      }
    }
    int8 = new Int8Weights(int8Layouts);
  }

  /** PyTorch's name of a weight: weight_ih_l0, weight_hh_l2_reverse, ... */
  private static String weightName(String kind, int layer, int direction) {
    return "weight_" + kind + "_l" + layer + (direction == 1 ? "_reverse" : "");
  }

  @Override
  public Int8Weights int8Weights() {
    return int8;
  }

  /**
   * Drops each layer's output but the last's with probability p in training (seeded from rng, so a
   * resumed run replays the masks); no effect in inference. Call once, right after construction.
   */
  public Rnn dropoutBetweenLayers(float p, SplittableRandom rng) {
    if (betweenLayers.length > 0) throw new IllegalStateException("dropout between layers is already set");
    if (p == 0) return this;
    betweenLayers = new Dropout[layers - 1];
    for (int l = 0; l < layers - 1; l++) betweenLayers[l] = child("dropout_l" + l, new Dropout(p, rng.nextLong()));
    return this;
  }

  public Cell cell() {
    return cell;
  }

  public int hidden() {
    return hidden;
  }

  public boolean bidirectional() {
    return directions == 2;
  }

  public int outputSize() {
    return sumDirections ? hidden : hidden * directions;
  }

  /** Runs the stack over x [T, N, input]; initial may be null (zeros). Records nothing: inference. */
  public Output forward(Tensor x, int[] lengths, State initial) {
    return run(x, lengths, initial, null);
  }

  /**
   * A training forward pass over x (which must stay open until its backward has run): its output and
   * what backward reads. Training passes of one Rnn run one at a time (they add into its gradients).
   */
  public Trace trace(Tensor x, int[] lengths, State initial) {
    Trace trace = new Trace(x, lengths.clone());
    try {
      trace.output = run(x, lengths, initial, trace);
      return trace;
    } catch (RuntimeException e) {
      trace.close();
      throw e;
    }
  }

  /**
   * One training pass: the output (the caller's, as {@link #forward}'s) and each layer's input and
   * workspace, which {@link #backward} reads. Closing frees them (the workspaces are kept for reuse).
   */
  public final class Trace implements AutoCloseable {
    private final List<Tensor> layerInputs = new ArrayList<>(); // layer 0's is the caller's x
    private final List<Tensor> workspaces = new ArrayList<>();  // CPU [layer * directions + direction]; CUDA [layer]
    private final List<Tape> dropouts = new ArrayList<>();      // [layer]: the dropout after it
    // CUDA (cuDNN's backward reads them): [layer] its output, or null where it is layer + 1's input;
    // and a copy of the initial state, or null for zeros.
    private final List<Tensor> layerOutputs = new ArrayList<>();
    private State initial;
    private final int[] lengths;
    private Output output;
    private boolean ran;

    private Trace(Tensor x, int[] lengths) {
      layerInputs.add(x);
      this.lengths = lengths;
    }

    public Output output() {
      return output;
    }

    /**
     * Back-propagates dy (shaped as the output; the caller keeps it) and optionally the final-state
     * gradient; adds parameter gradients. Once per trace.
     */
    public Gradients backward(Tensor dy, State dFinal) {
      if (ran) throw new IllegalStateException("this Rnn pass's backward has already run");
      ran = true;
      return Rnn.this.backward(this, dy, dFinal);
    }

    @Override
    public void close() {
      ran = true;
      for (int i = 1; i < layerInputs.size(); i++) layerInputs.get(i).close();
      layerInputs.subList(1, layerInputs.size()).clear();
      dropouts.forEach(Tape::close);
      dropouts.clear();
      layerOutputs.stream().filter(t -> t != null).forEach(Tensor::close);
      layerOutputs.clear();
      if (initial != null) initial.close();
      initial = null;
      giveBackWorkspaces(workspaces);
      workspaces.clear();
    }
  }

  /** The stack's forward pass; with a trace, it keeps in it what backward reads. */
  private Output run(Tensor x, int[] lengths, State initial, Trace trace) {
    Ops.requireFloat(x, "Rnn");
    Ops.requireShape(x, "Rnn", -1, -1, inputSize);
    long steps = x.dim(0), batch = x.dim(1);
    if (lengths.length != batch) {
      throw new InvalidInputException("Rnn got " + lengths.length + " lengths for a batch of " + batch);
    }
    long[] stateShape = {(long) layers * directions, batch, hidden};
    if (initial != null) {
      Ops.requireShape(initial.h(), "Rnn initial h", stateShape);
      if (cell == Cell.LSTM) Ops.requireShape(initial.c(), "Rnn initial c", stateShape);
    }
    boolean train = trace != null;
    Int8Matrix[][][] int8ByDirection = int8Matrices(train || isTraining(), x);
    boolean dropout = isTraining() && betweenLayers.length > 0;
    if (x.device().isCuda()) return runOnDevice(x, lengths, initial, trace, stateShape, dropout);
    Tensor hN = Ops.empty(x, stateShape);
    Tensor cN = cell == Cell.LSTM ? Ops.empty(x, stateShape) : null;
    Tensor layerInput = x;
    try (IntPointer len = new IntPointer(lengths)) {
      for (int l = 0; l < layers; l++) {
        Tensor out = Ops.empty(x, steps, batch, (long) hidden * directions);
        Tensor[] ws = new Tensor[directions];
        for (int d = 0; d < directions; d++) ws[d] = train ? cpuWorkspace(steps, batch) : null;
        if (train) trace.workspaces.addAll(Arrays.asList(ws));
        int layer = l;
        Tensor in = layerInput;
        boolean concurrent = directionsSideBySide(batch);
        List<PackedWeights.Lease> packings = packings(layer, !train, int8ByDirection[layer], x);
        try {
          forEachDirection(concurrent, d -> {
            long at = (long) (layer * directions + d) * batch * hidden;
            Int8Matrix[] w8 = int8ByDirection[layer][d];
            try (NnNative.Rnn rnn = NnNative.ctc4j_nn_default_rnn().cell(cell.nativeId).reverse(d)
                .one_thread(concurrent ? 1 : 0).steps(steps).batch(batch).input(in.dim(2)).hidden(hidden).lengths(len)
                .w_ih(Ops.ptr(wIh[layer][d].value())).w_hh(Ops.ptr(wHh[layer][d].value())).b_ih(bias(bIh[layer][d]))
                .b_hh(bias(bHh[layer][d])).y_stride((long) hidden * directions).workspace(Ops.ptr(ws[d]))) {
              if (!packings.isEmpty()) {
                rnn.w_ih_packed(packings.get(2 * d).handle()).w_hh_packed(packings.get(2 * d + 1).handle());
              }
              FloatPointer h0 = slice(initial == null ? null : initial.h(), at);
              FloatPointer c0 = slice(initial == null ? null : initial.c(), at);
              FloatPointer yd = Ops.ptr(out).position((long) d * hidden);
              Ops.check(w8 == null
                  ? NnNative.ctc4j_nn_rnn_forward(Ops.dev(x), rnn, Ops.ptr(in), h0, c0, yd, slice(hN, at), slice(cN, at))
                  : QuantNative.ctc4j_int8_rnn_forward(rnn, w8[0].handle(), w8[1].handle(), Ops.ptr(in), h0, c0, yd,
                      slice(hN, at), slice(cN, at)), w8 == null ? "Rnn forward" : "int8 Rnn forward");
            }
          });
        } finally {
          packings.forEach(PackedWeights.Lease::close);
        }
        if (train && l > 0) trace.layerInputs.add(layerInput);
        else if (l > 0) layerInput.close();
        layerInput = out;
        if (dropout && l < betweenLayers.length) {
          Tape tape = train ? new Tape() : Tape.NONE;
          if (train) trace.dropouts.add(tape);
          layerInput = replacing(out, betweenLayers[l].forward(out, tape));
        }
      }
    }
    Tensor y = layerInput;
    if (sumDirections) {
      y = Ops.empty(x, steps, batch, hidden);
      Ops.check(NnNative.ctc4j_nn_sum_halves(Ops.dev(x), Ops.ptr(layerInput), steps * batch, hidden, Ops.ptr(y)),
          "sum directions");
      layerInput.close();
    }
    return new Output(y, new State(hN, cN));
  }

  private Gradients backward(Trace trace, Tensor dy, State dFinal) {
    Tensor x = trace.layerInputs.get(0);
    if (x.device().isCuda()) return backwardOnDevice(trace, dy, dFinal);
    long steps = x.dim(0), batch = x.dim(1);
    Ops.requireShape(dy, "Rnn output gradient", steps, batch, outputSize());
    long[] stateShape = {(long) layers * directions, batch, hidden};
    Tensor dh0 = Ops.zeros(device, stateShape);
    Tensor dc0 = cell == Cell.LSTM ? Ops.zeros(device, stateShape) : null;
    Tensor dOut = dy;
    long dyStride = sumDirections ? hidden : (long) hidden * directions;
    try (IntPointer len = new IntPointer(trace.lengths)) {
      for (int l = layers - 1; l >= 0; l--) {
        Tensor in = trace.layerInputs.get(l);
        boolean concurrent = directionsSideBySide(batch);
        Tensor dx = Ops.zeros(device, in.shape());
        // Side by side, each direction accumulates its own input gradient; they are summed after.
        Tensor dxReverse = concurrent ? Ops.zeros(device, in.shape()) : dx;
        int layer = l;
        Tensor layerDy = dOut;
        forEachDirection(concurrent, d -> {
          long at = (long) (layer * directions + d) * batch * hidden;
          FloatPointer dyAt = Ops.ptr(layerDy).position(sumDirections && layer == layers - 1 ? 0 : (long) d * hidden);
          try (NnNative.Rnn rnn = NnNative.ctc4j_nn_default_rnn().cell(cell.nativeId).reverse(d)
              .one_thread(concurrent ? 1 : 0).steps(steps).batch(batch).input(in.dim(2)).hidden(hidden).lengths(len)
              .w_ih(Ops.ptr(wIh[layer][d].value())).w_hh(Ops.ptr(wHh[layer][d].value()))
              .workspace(Ops.ptr(trace.workspaces.get(layer * directions + d)))
              .dy_stride(layer == layers - 1 ? dyStride : (long) hidden * directions)
              .dw_ih(Ops.ptr(wIh[layer][d].grad())).dw_hh(Ops.ptr(wHh[layer][d].grad())).db_ih(grad(bIh[layer][d]))
              .db_hh(grad(bHh[layer][d]))) {
            Ops.check(NnNative.ctc4j_nn_rnn_backward(Ops.dev(in), rnn, Ops.ptr(in), dyAt,
                slice(dFinal == null ? null : dFinal.h(), at), slice(dFinal == null ? null : dFinal.c(), at),
                Ops.ptr(d == 1 ? dxReverse : dx), slice(dh0, at), slice(dc0, at)), "Rnn backward");
          }
        });
        if (dxReverse != dx) {
          Ops.addInPlace(dx, dxReverse);
          dxReverse.close();
        }
        if (dOut != dy) dOut.close();
        dOut = l > 0 && l <= trace.dropouts.size() ? replacing(dx, trace.dropouts.get(l - 1).backward(dx)) : dx;
      }
    }
    return new Gradients(dOut, new State(dh0, dc0));
  }

  /**
   * The stack on a CUDA device, a layer per native call (ctc4j_nn_rnn_layer_forward: cuDNN over both
   * directions). A trace keeps what cuDNN's backward reads: each layer's reserve space (its
   * workspace), output, and the initial state.
   */
  private Output runOnDevice(Tensor x, int[] lengths, State initial, Trace trace, long[] stateShape,
      boolean dropout) {
    if (!x.device().equals(device)) throw new InvalidInputException("Rnn on " + device + " got input on " + x.device());
    boolean train = trace != null;
    long steps = x.dim(0), batch = x.dim(1), layerState = (long) directions * batch * hidden;
    if (train && initial != null) {
      trace.initial = new State(initial.h().to(device), initial.c() == null ? null : initial.c().to(device));
    }
    Tensor hN = Ops.empty(x, stateShape);
    Tensor cN = cell == Cell.LSTM ? Ops.empty(x, stateShape) : null;
    Tensor layerInput = x;
    try (IntPointer len = new IntPointer(lengths)) {
      for (int l = 0; l < layers; l++) {
        Tensor out = Ops.empty(x, steps, batch, (long) hidden * directions);
        try (NnNative.Rnn layer = layerDirections(l, layerInput, len, false)) {
          if (train) {
            Tensor ws = deviceWorkspace(layer);
            trace.workspaces.add(ws);
            layer.workspace(Ops.ptr(ws));
          }
          long at = l * layerState;
          Ops.check(NnNative.ctc4j_nn_rnn_layer_forward(Ops.dev(x), layer, directions, Ops.ptr(layerInput),
              slice(initial == null ? null : initial.h(), at), slice(initial == null ? null : initial.c(), at),
              Ops.ptr(out), slice(hN, at), slice(cN, at)), "Rnn forward");
        } catch (RuntimeException e) {
          out.close();
          throw e;
        }
        if (train && l > 0) trace.layerInputs.add(layerInput);
        else if (l > 0) layerInput.close();
        layerInput = out;
        if (dropout && l < betweenLayers.length) {
          Tape tape = train ? new Tape() : Tape.NONE;
          if (train) trace.dropouts.add(tape);
          layerInput = betweenLayers[l].forward(out, tape);
          if (train) trace.layerOutputs.add(out);
          else out.close();
        } else if (train) {  // the last output: the caller's (a copy kept), or summed below (kept itself)
          trace.layerOutputs.add(l < layers - 1 || sumDirections ? null : out.to(device));
        }
      }
      Tensor y = layerInput;
      if (sumDirections) {
        y = Ops.empty(x, steps, batch, hidden);
        Ops.check(NnNative.ctc4j_nn_sum_halves(Ops.dev(x), Ops.ptr(layerInput), steps * batch, hidden, Ops.ptr(y)),
            "sum directions");
        if (train) trace.layerOutputs.set(layers - 1, layerInput);
        else layerInput.close();
      }
      return new Output(y, new State(hN, cN));
    } catch (RuntimeException e) {
      hN.close();
      if (cN != null) cN.close();
      if (layerInput != x && (trace == null || !trace.layerInputs.contains(layerInput)
          && !trace.layerOutputs.contains(layerInput))) {
        layerInput.close();
      }
      throw e;
    }
  }

  private Gradients backwardOnDevice(Trace trace, Tensor dy, State dFinal) {
    Tensor x = trace.layerInputs.get(0);
    long steps = x.dim(0), batch = x.dim(1), layerState = (long) directions * batch * hidden;
    Ops.requireShape(dy, "Rnn output gradient", steps, batch, outputSize());
    long[] stateShape = {(long) layers * directions, batch, hidden};
    Tensor dh0 = Ops.zeros(device, stateShape);
    Tensor dc0 = cell == Cell.LSTM ? Ops.zeros(device, stateShape) : null;
    State initial = trace.initial;
    Tensor dOut = dy;
    try (IntPointer len = new IntPointer(trace.lengths)) {
      if (sumDirections) {  // both halves of the last layer's output got dy
        dOut = Ops.empty(dy, steps, batch, 2L * hidden);
        Ops.check(NnNative.ctc4j_nn_repeat_halves(Ops.dev(dy), Ops.ptr(dy), steps * batch, hidden, Ops.ptr(dOut)),
            "Rnn backward");
      }
      for (int l = layers - 1; l >= 0; l--) {
        Tensor in = trace.layerInputs.get(l);
        Tensor y = trace.layerOutputs.get(l) != null ? trace.layerOutputs.get(l) : trace.layerInputs.get(l + 1);
        Tensor dx = Ops.zeros(device, in.shape());
        long at = l * layerState;
        try (NnNative.Rnn layer = layerDirections(l, in, len, true)) {
          layer.workspace(Ops.ptr(trace.workspaces.get(l)));
          Ops.check(NnNative.ctc4j_nn_rnn_layer_backward(Ops.dev(in), layer, directions, Ops.ptr(in),
              slice(initial == null ? null : initial.h(), at), slice(initial == null ? null : initial.c(), at),
              Ops.ptr(y), Ops.ptr(dOut), slice(dFinal == null ? null : dFinal.h(), at),
              slice(dFinal == null ? null : dFinal.c(), at), Ops.ptr(dx), slice(dh0, at), slice(dc0, at)),
              "Rnn backward");
        } catch (RuntimeException e) {
          dx.close();
          throw e;
        }
        if (dOut != dy) dOut.close();
        dOut = l > 0 && l <= trace.dropouts.size() ? replacing(dx, trace.dropouts.get(l - 1).backward(dx)) : dx;
      }
    } catch (RuntimeException e) {
      if (dOut != dy) dOut.close();
      dh0.close();
      if (dc0 != null) dc0.close();
      throw e;
    }
    return new Gradients(dOut, new State(dh0, dc0));
  }

  /**
   * Layer l's directions as the native array the layer calls read, at position 0 (the caller closes
   * it); with gradients, each direction's parameter gradients to accumulate into.
   */
  private NnNative.Rnn layerDirections(int l, Tensor in, IntPointer len, boolean gradients) {
    NnNative.Rnn layer = new NnNative.Rnn(directions);
    for (int d = 0; d < directions; d++) {
      layer.position(d).cell(cell.nativeId).reverse(d).steps(in.dim(0)).batch(in.dim(1)).input(in.dim(2))
          .hidden(hidden).lengths(len).w_ih(Ops.ptr(wIh[l][d].value())).w_hh(Ops.ptr(wHh[l][d].value()))
          .b_ih(bias(bIh[l][d])).b_hh(bias(bHh[l][d])).y_stride((long) hidden * directions)
          .dy_stride((long) hidden * directions);
      if (gradients) {
        layer.dw_ih(Ops.ptr(wIh[l][d].grad())).dw_hh(Ops.ptr(wHh[l][d].grad())).db_ih(grad(bIh[l][d]))
            .db_hh(grad(bHh[l][d]));
      }
    }
    return layer.position(0);
  }

  /**
   * [layer][direction]: the int8 {w_ih, w_hh} a direction runs on, or null for float32 (both weights
   * or neither are int8).
   */
  private Int8Matrix[][][] int8Matrices(boolean training, Tensor x) {
    Int8Matrix[][][] out = new Int8Matrix[layers][directions][];
    for (int l = 0; l < layers; l++) {
      for (int d = 0; d < directions; d++) {
        Int8Matrix ih = int8.forInference(weightName("ih", l, d), training, x);
        Int8Matrix hh = int8.forInference(weightName("hh", l, d), training, x);
        if ((ih == null) != (hh == null)) {
          throw new IllegalStateException("Rnn layer " + l + " direction " + d
              + ": int8 needs both weight_ih and weight_hh quantized");
        }
        out[l][d] = ih == null ? null : new Int8Matrix[] {ih, hh};
      }
    }
    return out;
  }

  /**
   * Leases on the packed w_ih, w_hh of each direction of a layer (at 2d, 2d + 1) for a float32
   * inference pass on the CPU (untraced: no backward to follow); none for training, a traced pass, the
   * GPU, or a layer with int8 directions. (At batch
   * 1 over 16 frames a GRU direction of hidden 256 took 144 us on them, 248 us on sgemm and the
   * matrix-vector pass.)
   */
  private List<PackedWeights.Lease> packings(int layer, boolean untraced, Int8Matrix[][] int8, Tensor x) {
    if (!untraced || !runsOnPackedWeights(x) || Arrays.stream(int8).anyMatch(w8 -> w8 != null)) return List.of();
    List<Tensor> weights = new ArrayList<>();
    for (int d = 0; d < directions; d++) {
      weights.add(wIh[layer][d].value());
      weights.add(wHh[layer][d].value());
    }
    return packedWeights().acquireAll(weights);
  }

  /**
   * Whether the two directions run side by side on one thread each: for small batches (each step is a
   * matrix-vector pass on one core anyway) whenever there are threads to spare, and for larger ones
   * when there are exactly two threads (a core per direction beats splitting every step between them:
   * no per-step hand-over, and each core streams only its own recurrent weights).
   */
  private boolean directionsSideBySide(long batch) {
    int threads = Ctc4j.threads();
    return directions == 2 && threads >= 2 && (batch <= SMALL_BATCH || threads == 2);
  }

  /**
   * Runs body(d) for each direction; when concurrent, the reverse one is offered to the common pool,
   * and if no thread has taken it by the time the forward one is done (a pool busy with other
   * requests' directions), the caller runs it rather than wait for it in the queue.
   */
  private void forEachDirection(boolean concurrent, IntConsumer body) {
    if (!concurrent) {
      for (int d = 0; d < directions; d++) body.accept(d);
      return;
    }
    AtomicBoolean taken = new AtomicBoolean();
    Runnable reverse = () -> {
      if (taken.compareAndSet(false, true)) body.accept(1);
    };
    ForkJoinTask<?> offered = ForkJoinPool.commonPool().submit(reverse);
    try {
      body.accept(0);
      reverse.run();
    } finally {
      taken.set(true); // after a failure, a reverse pass not yet started never starts
      offered.join(); // never return while the reverse direction still writes our buffers
    }
  }

  private Tensor cpuWorkspace(long steps, long batch) {
    try (LongPointer n = new LongPointer(1)) {
      Ops.check(NnNative.ctc4j_nn_rnn_workspace_size(cell.nativeId, steps, batch, hidden, n), "Rnn workspace");
      return workspace(Math.max(1, n.get()));
    }
  }

  /** A CUDA layer's workspace: cuDNN's reserve space for its shape and lengths. */
  private Tensor deviceWorkspace(NnNative.Rnn layer) {
    try (LongPointer n = new LongPointer(1)) {
      Ops.check(NnNative.ctc4j_nn_rnn_layer_workspace_size(device.nativeId(), layer, directions, n), "Rnn workspace");
      return workspace(Math.max(1, n.get()));
    }
  }

  /** A spare workspace of at least this many floats, or a fresh one. */
  private synchronized Tensor workspace(long floats) {
    for (Iterator<Tensor> it = spareWorkspaces.iterator(); it.hasNext(); ) {
      Tensor spare = it.next();
      if (spare.numel() >= floats) {
        it.remove();
        return spare;
      }
    }
    closeSpareWorkspaces(); // all of one pass's size, so all too small for this one
    return Tensor.empty(device, DType.F32, floats);
  }

  /** Keeps a finished pass's workspaces for the next, in place of the older spares. */
  private synchronized void giveBackWorkspaces(List<Tensor> used) {
    closeSpareWorkspaces();
    spareWorkspaces.addAll(used);
  }

  private synchronized void closeSpareWorkspaces() {
    spareWorkspaces.forEach(Tensor::close);
    spareWorkspaces.clear();
  }

  /** Frees a tensor and returns what was computed from it. */
  private static Tensor replacing(Tensor old, Tensor derived) {
    old.close();
    return derived;
  }

  private static FloatPointer slice(Tensor t, long offset) {
    return t == null ? null : Ops.ptr(t).position(offset);
  }

  private static FloatPointer bias(Parameter p) {
    return p == null ? null : Ops.ptr(p.value());
  }

  private static FloatPointer grad(Parameter p) {
    return p == null ? null : Ops.ptr(p.grad());
  }

  @Override
  public void close() {
    super.close();
    closeSpareWorkspaces();
    int8.close();
  }
}
