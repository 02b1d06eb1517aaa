package dev.ctc4j.tensor;

/** Element types of tensors. */
public enum DType {
  F32(4),
  I32(4),
  I64(8);

  private final int bytes;

  DType(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }
}
