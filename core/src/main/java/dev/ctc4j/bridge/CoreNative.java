package dev.ctc4j.bridge;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * Binding of {@code ctc4j/core.h}. Every {@code dev.ctc4j.bridge} class inherits this one's
 * platform settings, so they all live in one JNI library linked to {@code libctc4j_cpu}, which
 * loads {@code libctc4j_cuda} itself only when a driver is present.
 */
@Properties(value = @Platform(include = "ctc4j/core.h", link = "ctc4j_cpu", library = "jnictc4j"))
public final class CoreNative {
  static {
    JavaCppSettings.apply(); // before JavaCPP's Pointer class reads them
    Loader.load();
    extractCudaBackend();
  }

  private CoreNative() {}

  /**
   * JavaCPP extracts from a jar only the libraries it links; libctc4j_cuda is opened by
   * libctc4j_cpu at run time, so put it beside that one in the cache. Cheap once cached; loading it
   * is still left to libctc4j_cpu, which does so only where a CUDA driver exists.
   */
  private static void extractCudaBackend() {
    try {
      Loader.cacheResource(CoreNative.class, Loader.getPlatform() + "/libctc4j_cuda.so");
    } catch (java.io.IOException | RuntimeException e) {
      // Not built (-Dctc4j.cuda=OFF or no nvcc): ctc4j_cuda_status() then says so.
    }
  }

  // Constants of ctc4j/core.h, read from the header so they cannot drift.
  @MemberGetter public static native int CTC4J_CPU();
  @MemberGetter public static native int CTC4J_OK();
  @MemberGetter public static native int CTC4J_INVALID_ARGUMENT();
  @MemberGetter public static native int CTC4J_OUT_OF_MEMORY();
  @MemberGetter public static native int CTC4J_UNAVAILABLE();
  @MemberGetter public static native int CTC4J_CUDA_ERROR();
  @MemberGetter public static native int CTC4J_INTERNAL();

  /** The device id of the CPU (CTC4J_CPU). */
  public static final int CPU = CTC4J_CPU();

  public static native @Cast("const char*") BytePointer ctc4j_version();

  public static native @Cast("const char*") BytePointer ctc4j_last_error();

  public static native @Cast("const char*") BytePointer ctc4j_cpu_features();

  public static native int ctc4j_set_num_threads(int threads);

  public static native int ctc4j_num_threads();

  public static native int ctc4j_set_host_cache_limit(@Cast("size_t") long bytes);

  public static native @Cast("size_t") long ctc4j_host_cache_idle_bytes();

  public static native @Cast("int64_t") long ctc4j_host_live_bytes();

  public static native @Cast("int64_t") long ctc4j_scratch_bytes();

  public static native int ctc4j_set_scratch_limit(@Cast("size_t") long bytes);

  public static native @Cast("size_t") long ctc4j_scratch_limit();

  public static native int ctc4j_cuda_device_count(IntPointer count);

  public static native @Cast("const char*") BytePointer ctc4j_cuda_status();
  public static native @Cast("const char*") BytePointer ctc4j_cuda_libraries();

  public static native int ctc4j_cuda_device_name(int device, @Cast("char*") BytePointer name, int capacity);

  public static native int ctc4j_alloc(int device, @Cast("size_t") long bytes, @Cast("void**") PointerPointer<?> out);

  public static native int ctc4j_free(int device, Pointer ptr);

  public static native int ctc4j_copy(
      Pointer dst, int dstDevice, @Cast("const void*") Pointer src, int srcDevice, @Cast("size_t") long bytes);

  public static native int ctc4j_zero(int device, Pointer ptr, @Cast("size_t") long bytes);
}
