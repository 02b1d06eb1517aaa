package dev.ctc4j.model;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.model.TorchPickle.DType;
import dev.ctc4j.model.TorchPickle.Storage;
import dev.ctc4j.model.TorchPickle.View;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a state dict saved by {@code torch.save} (torch 1.6 and later: a zip archive holding
 * {@code <prefix>/data.pkl}, raw storages {@code <prefix>/data/<key>} and optionally
 * {@code <prefix>/byteorder}), such as a Hugging Face {@code pytorch_model.bin}, a torchaudio
 * model's saved {@code state_dict()}, or a dict written by libtorch's {@code torch::pickle_save}.
 * It is a data parser: the pickle is read by a restricted unpickler ({@code TorchPickle}) that
 * resolves only the handful of names a state dict uses and calls nothing.
 *
 * <p>Kept: float32 tensors, and float16, bfloat16 and float64 ones converted to float32, each
 * materialised from its storage through its offset, size and strides (views, transposes and
 * storages shared by several tensors read correctly). Skipped: integer and bool tensors (such as
 * BatchNorm's {@code num_batches_tracked}). Storage locations ({@code cpu}, {@code cuda:0}) are
 * ignored, as with {@code map_location='cpu'}.
 *
 * <p>Refused with {@link InvalidInputException} naming the file and the problem: the legacy
 * non-zip format, TorchScript archives, big-endian archives, entry names that are absolute or
 * contain {@code ..}, entries whose sizes do not fit the file (or compress beyond deflate's limit),
 * any global outside the allow-list ({@code os.system}, {@code builtins.eval}, ...), unknown
 * opcodes, truncated or malformed pickles, tensors reaching past their storage, storages whose
 * entry size differs from their declared size, storages over 2 GiB, and state dicts that would
 * expand to more than {@value #MAX_EXPANSION} times the file's size in float32 (only repeated
 * views of one storage can). Sizes are checked against the archive before anything is allocated.
 *
 * <p>Stateless and thread-safe.
 */
public final class TorchStateDict {
  static final int MAX_PICKLE_BYTES = 16 << 20; // a state dict of thousands of tensors pickles to well under 1 MiB
  static final int MAX_ENTRIES = 1 << 20;
  static final long MAX_EXPANSION = 8;
  /** The most deflate can compress: about 1032 to 1. */
  private static final long MAX_DEFLATE_RATIO = 1032;
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private TorchStateDict() {}

  /** The float tensors of the state dict in {@code file}, in the pickle's order. */
  public static Map<String, SafeTensors.Entry> read(Path file) throws IOException {
    checkMagic(file);
    long fileSize = Files.size(file);
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String prefix = checkEntries(file, zip, fileSize);
      checkByteOrder(file, zip, prefix);
      byte[] pickle = entryBytes(file, zip, prefix + "data.pkl", MAX_PICKLE_BYTES);
      Map<String, View> views = TorchPickle.stateDict(pickle, file + ": data.pkl");
      return materialise(file, zip, prefix, views, fileSize);
    } catch (ZipException | EOFException e) {
      throw bad(file, "not a readable zip archive (" + e.getMessage() + ")");
    }
  }

  private static void checkMagic(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(4);
    }
    if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return;
    if (head.length >= 3 && (head[0] & 0xff) == 0x80 && (head[2] & 0xff) == 0x8a) {
      throw bad(file, "the legacy (pre-1.6, non-zip) torch.save format is not read: re-save it with torch 1.6 or later"
          + " (torch.save(torch.load(f), f))");
    }
    throw bad(file, "not a zip archive");
  }

  /**
   * Checks every entry's name and sizes and returns the archive's one top folder ("name/"). The
   * compressed sizes together must fit in the file (overlapping entries would not), each stored
   * entry's size must equal its compressed size, and no deflated entry may claim more than
   * deflate can expand to.
   */
  private static String checkEntries(Path file, ZipFile zip, long fileSize) {
    if (zip.size() > MAX_ENTRIES) throw bad(file, zip.size() + " zip entries (at most " + MAX_ENTRIES + ")");
    String prefix = null;
    long compressed = 0;
    Set<String> names = new HashSet<>();
    for (Enumeration<? extends ZipEntry> it = zip.entries(); it.hasMoreElements(); ) {
      ZipEntry e;
      try {
        e = it.nextElement();
      } catch (IllegalArgumentException malformed) { // ZipFile's way of saying a name is not UTF-8
        throw bad(file, "a zip entry's name or comment is not UTF-8");
      }
      String name = e.getName();
      checkName(file, name);
      if (!names.add(name)) throw bad(file, "zip entry " + TorchPickle.printable(name) + " appears twice");
      String top = name.substring(0, name.indexOf('/') + 1);
      if (prefix == null) prefix = top;
      if (top.isEmpty() || !top.equals(prefix)) throw bad(file, "zip entries are not all under one folder");
      long size = e.getSize(), packed = e.getCompressedSize();
      boolean fits = size >= 0 && packed >= 0 && (e.getMethod() == ZipEntry.STORED ? size == packed
          : size <= packed * MAX_DEFLATE_RATIO + 1024);
      compressed += Math.max(packed, 0);
      if (!fits || compressed > fileSize) {
        throw bad(file, "zip entry " + TorchPickle.printable(name) + " claims " + size + " bytes from " + packed
            + ", which the " + fileSize + "-byte file cannot hold");
      }
    }
    if (prefix == null) throw bad(file, "empty zip archive");
    if (names.contains(prefix + "constants.pkl")) {
      throw bad(file, "a TorchScript archive (torch.jit.save), not a torch.save state dict");
    }
    return prefix;
  }

  /** Relative names of plain segments only: no "/" at the start, no "..", ".", "\" or NUL. */
  private static void checkName(Path file, String name) {
    String path = name.endsWith("/") ? name.substring(0, name.length() - 1) : name; // a folder entry
    boolean ok = !path.isEmpty() && !path.startsWith("/") && path.indexOf('\\') < 0 && path.indexOf('\0') < 0;
    for (String segment : path.split("/", -1)) {
      ok &= !segment.isEmpty() && !segment.equals("..") && !segment.equals(".");
    }
    if (!ok) throw bad(file, "zip entry name " + TorchPickle.printable(name) + " is not a plain relative path");
  }

  private static void checkByteOrder(Path file, ZipFile zip, String prefix) throws IOException {
    if (zip.getEntry(prefix + "byteorder") == null) return; // before torch 1.13: always little-endian
    String order = new String(entryBytes(file, zip, prefix + "byteorder", 16), StandardCharsets.US_ASCII).trim();
    if (order.equals("little")) return;
    throw bad(file, order.equals("big") ? "big-endian archives are not supported"
        : "byteorder is " + TorchPickle.printable(order) + ", not little or big");
  }

  /** The whole entry, at most {@code max} bytes, checked against its size and CRC. */
  private static byte[] entryBytes(Path file, ZipFile zip, String name, int max) throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) throw bad(file, "no " + TorchPickle.printable(name) + " in the archive");
    if (e.getSize() > max) throw bad(file, name + " has " + e.getSize() + " bytes (at most " + max + ")");
    byte[] bytes;
    try (InputStream in = zip.getInputStream(e)) {
      bytes = in.readNBytes((int) e.getSize());
      if (bytes.length != e.getSize() || in.read() >= 0) throw bad(file, name + " differs from its declared size");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes);
    if (crc.getValue() != e.getCrc()) throw bad(file, name + " fails its CRC check");
    return bytes;
  }

  // ---- tensors ------------------------------------------------------------------------------------

  /**
   * Checks every view against its storage entry, bounds the float32 output by the file size, then
   * reads each storage once (released after its last tensor) and gathers its views.
   */
  private static Map<String, SafeTensors.Entry> materialise(Path file, ZipFile zip, String prefix,
      Map<String, View> views, long fileSize) throws IOException {
    Map<String, Integer> uses = new HashMap<>();
    long floats = 0;
    for (Map.Entry<String, View> e : views.entrySet()) {
      long numel = checkView(file, zip, prefix, e.getKey(), e.getValue());
      if (!e.getValue().storage().dtype().floating) continue;
      uses.merge(e.getValue().storage().key(), 1, Integer::sum);
      floats += numel;
      if (floats > MAX_EXPANSION * fileSize / 4) {
        throw bad(file, "the tensors would take more than " + MAX_EXPANSION + " times the file's size");
      }
    }
    Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
    Map<String, ByteBuffer> open = new HashMap<>();
    long storageBytes = 0; // what the storages read inflate to, bounded like the output: a deflated entry may claim 1032x
    for (Map.Entry<String, View> e : views.entrySet()) {
      View view = e.getValue();
      String key = view.storage().key();
      if (!view.storage().dtype().floating) continue;
      ByteBuffer storage = open.get(key);
      if (storage == null) {
        storageBytes += zip.getEntry(prefix + "data/" + key).getSize();
        if (storageBytes > MAX_EXPANSION * fileSize) {
          throw bad(file, "the storages would take more than " + MAX_EXPANSION + " times the file's size");
        }
        byte[] bytes = entryBytes(file, zip, prefix + "data/" + key, MAX_ARRAY);
        storage = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        open.put(key, storage);
      }
      out.put(e.getKey(), new SafeTensors.Entry(view.size().clone(), gather(view, storage)));
      if (uses.merge(key, -1, Integer::sum) == 0) open.remove(key);
    }
    return out;
  }

  /** The view's element count, after checking that it lies inside its storage and that fits its entry. */
  private static long checkView(Path file, ZipFile zip, String prefix, String name, View view) {
    Storage s = view.storage();
    String tensor = "tensor '" + TorchPickle.printable(name) + "'";
    if (!s.key().matches("[0-9A-Za-z_]{1,64}")) throw bad(file, tensor + "'s storage key is not a plain name");
    ZipEntry entry = zip.getEntry(prefix + "data/" + s.key());
    if (entry == null) throw bad(file, tensor + " refers to storage " + s.key() + ", which the archive lacks");
    try {
      long bytes = Math.multiplyExact(s.numel(), s.dtype().bytes);
      if (bytes != entry.getSize()) {
        throw bad(file, "storage " + s.key() + " declares " + s.numel() + " elements (" + bytes
            + " bytes), its entry has " + entry.getSize() + " bytes");
      }
      if (bytes > MAX_ARRAY) throw bad(file, "storage " + s.key() + " is over 2 GiB, which is not supported");
      long numel = 1, last = view.offset();
      for (int d = 0; d < view.size().length; d++) {
        numel = Math.multiplyExact(numel, view.size()[d]);
        if (view.size()[d] > 0) last = Math.addExact(last, Math.multiplyExact(view.size()[d] - 1, view.stride()[d]));
      }
      if (numel > 0 ? last >= s.numel() : view.offset() > s.numel()) {
        throw bad(file, tensor + " reaches element " + last + " of storage " + s.key() + ", which has " + s.numel());
      }
      if (numel > MAX_ARRAY) throw bad(file, tensor + " has " + numel + " elements, too many for one array");
      return numel;
    } catch (ArithmeticException overflow) {
      throw bad(file, tensor + " has sizes or strides that overflow");
    }
  }

  /** The view's elements in row-major order, converted to float32. */
  private static float[] gather(View view, ByteBuffer storage) {
    long[] size = view.size(), stride = view.stride();
    long n = 1;
    for (long d : size) n *= d; // at most MAX_ARRAY: checked by checkView
    float[] out = new float[(int) n];
    long[] index = new long[size.length];
    long at = view.offset();
    DType dtype = view.storage().dtype();
    for (int i = 0; i < n; i++) {
      out[i] = element(storage, dtype, (int) at);
      for (int d = size.length - 1; d >= 0; d--) { // odometer: step the last axis, carry leftwards
        if (++index[d] < size[d]) {
          at += stride[d];
          break;
        }
        at -= stride[d] * (size[d] - 1);
        index[d] = 0;
      }
    }
    return out;
  }

  private static float element(ByteBuffer storage, DType dtype, int i) {
    return switch (dtype) {
      case FLOAT32 -> storage.getFloat(4 * i);
      case FLOAT16 -> halfToFloat(storage.getShort(2 * i));
      case BFLOAT16 -> Float.intBitsToFloat((storage.getShort(2 * i) & 0xffff) << 16);
      case FLOAT64 -> (float) storage.getDouble(8 * i);
      default -> throw new IllegalStateException(dtype + " is not a floating type");
    };
  }

  /** IEEE binary16 to binary32, exactly (Float.float16ToFloat arrived in Java 20). */
  static float halfToFloat(short half) {
    int bits = half & 0xffff, sign = (bits & 0x8000) << 16, exponent = (bits >>> 10) & 0x1f, mantissa = bits & 0x3ff;
    if (exponent == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13)); // inf, NaN
    if (exponent != 0) return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
    float subnormal = mantissa * 0x1p-24f;
    return sign != 0 ? -subnormal : subnormal;
  }

  private static InvalidInputException bad(Path file, String why) {
    return new InvalidInputException(file + ": not a valid torch.save state dict: " + why);
  }
}
