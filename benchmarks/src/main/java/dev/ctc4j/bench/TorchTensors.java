package dev.ctc4j.bench;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** libtorch tensors from Java arrays, for the benchmark peers. Call inside a PointerScope. */
final class TorchTensors {
  private TorchTensors() {}

  static Tensor floats(float[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
    new FloatPointer(t.data_ptr_float()).put(values);
    return t;
  }

  static Tensor longs(long[] values, long... shape) {
    Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional());
    new LongPointer(t.data_ptr_long()).put(values);
    return t;
  }

  static TensorOptional optional(Tensor t) {
    return t == null ? new TensorOptional() : new TensorOptional(t);
  }
}
