package dev.ctc4j.nn;

import dev.ctc4j.bridge.NnNative;
import dev.ctc4j.bridge.NnNative.PackedWeightsHandle;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A module's float32 weights packed once for its CPU inference passes ({@code ctc4j_nn_pack_weights}),
 * where a BLAS would pack them again on every call, by the tensor they copy: a packing is made again
 * when its tensor's {@link Tensor#version()} has moved on (a write, an optimiser step). Thread-safe:
 * concurrent passes share one packing, and one that a change left stale is freed when the last pass
 * holding it ends. The module frees them all when it goes back to training, and when it closes.
 */
public final class PackedWeights implements AutoCloseable {
  /** A packing held by one pass; close hands it back. */
  public final class Lease implements AutoCloseable {
    private final Packing packing;
    private boolean closed;

    private Lease(Packing packing) {
      this.packing = packing;
    }

    public PackedWeightsHandle handle() {
      return packing.handle;
    }

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      release(packing);
    }
  }

  private static final class Packing {
    final PackedWeightsHandle handle;
    final long version;
    int users;
    boolean stale; // replaced or cleared: freed when no pass holds it

    Packing(PackedWeightsHandle handle, long version) {
      this.handle = handle;
      this.version = version;
    }
  }

  private final Map<Tensor, Packing> current = new IdentityHashMap<>();

  PackedWeights() {}

  /** The packing of a weight matrix w [rows, ...] (CPU, float32) as it is now; the caller closes the lease. */
  public Lease acquire(Tensor w) {
    return acquire(w, 1, 1);
  }

  /**
   * The packing of conv1d weights w [rows, channels / groups, kernel] (kernel and groups 1: a
   * matrix), kernel-major so that patches of time-major input are read in place.
   */
  public synchronized Lease acquire(Tensor w, long kernel, long groups) {
    Packing p = current.get(w);
    if (p == null || p.version != w.version()) {
      if (p != null) retire(p);
      p = pack(w, kernel, groups);
      current.put(w, p);
    }
    p.users++;
    return new Lease(p);
  }

  /** Leases on the packings of each of weights (in order); on a failure none is left held. */
  public List<Lease> acquireAll(List<Tensor> weights) {
    List<Lease> leases = new ArrayList<>(weights.size());
    try {
      for (Tensor w : weights) leases.add(acquire(w));
      return leases;
    } catch (RuntimeException e) {
      leases.forEach(Lease::close);
      throw e;
    }
  }

  /** Frees every packing no pass holds; held ones go when their passes end. */
  synchronized void clear() {
    current.values().forEach(this::retire);
    current.clear();
  }

  @Override
  public void close() {
    clear();
  }

  private static Packing pack(Tensor w, long kernel, long groups) {
    long version = w.version(); // before reading: a write during packing leaves this packing stale
    PackedWeightsHandle handle = new PackedWeightsHandle();
    Ops.check(NnNative.ctc4j_nn_pack_weights(Ops.ptr(w), w.dim(0), w.numel() / w.dim(0), kernel, groups, handle),
        "pack weights " + w);
    return new Packing(handle, version);
  }

  private synchronized void release(Packing p) {
    p.users--;
    if (p.stale && p.users == 0) destroy(p);
  }

  private void retire(Packing p) {
    p.stale = true;
    if (p.users == 0) destroy(p);
  }

  private static void destroy(Packing p) {
    Ops.check(NnNative.ctc4j_nn_packed_weights_destroy(p.handle), "free packed weights");
  }
}
