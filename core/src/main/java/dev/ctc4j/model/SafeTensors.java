package dev.ctc4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (8-byte little-endian header size, JSON header, raw little-endian data),
 * float32 tensors, and int8 ones for quantized models. Reading checks everything before trusting it: header size against the
 * file, JSON shape, dtype, shape x element size == the byte range, ranges inside the data and neither
 * overlapping nor leaving gaps. Writing is atomic: a temporary file, fsync, rename, fsync of the folder.
 */
public final class SafeTensors {
  private static final long MAX_HEADER = 100L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafeTensors() {}

  /** A named float32 array with its shape. */
  public record Entry(long[] shape, float[] values) {}

  /** A named int8 array with its shape. */
  public record Int8Entry(long[] shape, byte[] values) {}

  /** A file's F32 and I8 tensors, each in file order. */
  public record Contents(Map<String, Entry> floats, Map<String, Int8Entry> int8) {}

  /** A tensor as the header describes it. */
  public record Description(String name, String dtype, long[] shape) {}

  private static final String F32 = "F32", I8 = "I8";

  /** Reads every F32 tensor; entries of other dtypes are rejected unless {@code skip} names them. */
  public static Map<String, Entry> read(Path file, java.util.function.Predicate<String> skip) throws IOException {
    return read(file, skip, false).floats();
  }

  /** Reads every F32 and I8 tensor; entries of other dtypes are rejected unless {@code skip} names them. */
  public static Contents readWithInt8(Path file, java.util.function.Predicate<String> skip) throws IOException {
    return read(file, skip, true);
  }

  private static Contents read(Path file, java.util.function.Predicate<String> skip, boolean int8) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header header = header(ch, file, skip, int8);
      Map<String, Entry> floats = new LinkedHashMap<>();
      Map<String, Int8Entry> bytes = new LinkedHashMap<>();
      for (Slot t : header.tensors()) {
        long at = header.dataStart() + t.begin();
        if (t.dtype().equals(I8)) bytes.put(t.name(), new Int8Entry(t.shape(), int8Values(ch, at, t.bytes())));
        else floats.put(t.name(), new Entry(t.shape(), values(ch, at, t.bytes())));
      }
      return new Contents(floats, bytes);
    }
  }

  /** The F32 and I8 tensors of a file as its header describes them, checked as {@link #readWithInt8} checks them. */
  public static List<Description> describeWithInt8(Path file, java.util.function.Predicate<String> skip)
      throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return header(ch, file, skip, true).tensors().stream().map(t -> new Description(t.name(), t.dtype(), t.shape()))
          .toList();
    }
  }

  private static byte[] int8Values(FileChannel ch, long position, long bytes) throws IOException {
    ByteBuffer data = ByteBuffer.allocate((int) bytes);
    readFully(ch, data, position);
    return data.array();
  }

  /** {@code bytes} of little-endian floats at {@code position}, read a MiB at a time (a tensor may pass 2 GiB). */
  private static float[] values(FileChannel ch, long position, long bytes) throws IOException {
    float[] values = new float[(int) (bytes / 4)];
    ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(bytes, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
    for (long done = 0; done < bytes; done += chunk.limit()) {
      chunk.clear().limit((int) Math.min(chunk.capacity(), bytes - done));
      readFully(ch, chunk, position + done);
      chunk.flip().asFloatBuffer().get(values, (int) (done / 4), chunk.limit() / 4);
    }
    return values;
  }

  /**
   * The number of floats {@link #read} would return, from the header alone (checked as {@code read}
   * checks it): what a loader compares with the model a config describes before allocating it.
   */
  public static long floatCount(Path file, java.util.function.Predicate<String> skip) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return header(ch, file, skip, false).tensors().stream().mapToLong(t -> t.bytes() / 4).sum();
    }
  }

  /** A tensor the header describes: its dtype, its shape and its byte range in the data section. */
  private record Slot(String name, String dtype, long[] shape, long begin, long end) {
    long bytes() {
      return end - begin;
    }
  }

  /** The F32 (and with int8, I8) tensors not skipped, in header order, and where the data section starts. */
  private record Header(List<Slot> tensors, long dataStart) {}

  private static Header header(FileChannel ch, Path file, java.util.function.Predicate<String> skip, boolean int8)
      throws IOException {
    long size = ch.size();
    if (size < 8) throw bad(file, "shorter than the 8-byte header size");
    ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, head, 0);
    long headerSize = head.flip().getLong();
    if (headerSize < 2 || headerSize > MAX_HEADER || headerSize > size - 8) {
      throw bad(file, "header size " + headerSize + " does not fit a file of " + size + " bytes");
    }
    ByteBuffer header = ByteBuffer.allocate((int) headerSize);
    readFully(ch, header, 8);
    JsonNode root;
    try {
      root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw bad(file, "header is not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) throw bad(file, "header is not a JSON object");
    long dataStart = 8 + headerSize, dataSize = size - dataStart;
    List<long[]> ranges = new ArrayList<>();
    List<Slot> tensors = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) continue;
      String name = e.getKey();
      JsonNode t = e.getValue();
      JsonNode offsets = t.get("data_offsets"), shapeNode = t.get("shape"), dtype = t.get("dtype");
      if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
          || !offsets.get(1).canConvertToLong() || shapeNode == null || !shapeNode.isArray() || dtype == null) {
        throw bad(file, "tensor '" + name + "' lacks a valid dtype, shape or data_offsets");
      }
      long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
      if (begin < 0 || end < begin || end > dataSize) {
        throw bad(file, "tensor '" + name + "' bytes [" + begin + ", " + end + ") outside the " + dataSize
            + "-byte data section");
      }
      ranges.add(new long[] {begin, end});
      if (skip.test(name)) continue;
      String type = dtype.asText();
      if (!type.equals(F32) && !(int8 && type.equals(I8))) {
        throw bad(file, "tensor '" + name + "' is " + type + ", not F32" + (int8 ? " or I8" : ""));
      }
      tensors.add(new Slot(name, type, shape(file, name, shapeNode, type.equals(I8) ? 1 : 4, end - begin), begin, end));
    }
    checkRanges(file, ranges, dataSize);
    return new Header(tensors, dataStart);
  }

  /** A tensor's shape, checked against the bytes its range holds. */
  private static long[] shape(Path file, String name, JsonNode shapeNode, int elementSize, long rangeBytes) {
    long[] shape = new long[shapeNode.size()];
    long bytes = elementSize;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.canConvertToLong() || d.asLong() < 0) throw bad(file, "tensor '" + name + "' has a bad shape " + shapeNode);
      shape[i] = d.asLong();
      try {
        bytes = Math.multiplyExact(bytes, shape[i]);
      } catch (ArithmeticException overflow) {
        throw bad(file, "tensor '" + name + "' shape " + shapeNode + " overflows");
      }
    }
    if (bytes != rangeBytes) {
      throw bad(file, "tensor '" + name + "' shape " + shapeNode + " needs " + bytes + " bytes, its range holds "
          + rangeBytes);
    }
    if (bytes / elementSize > Integer.MAX_VALUE - 8) throw bad(file, "tensor '" + name + "' is too large");
    return shape;
  }

  private static void checkRanges(Path file, List<long[]> ranges, long dataSize) {
    ranges.sort((a, b) -> Long.compare(a[0], b[0]));
    long at = 0;
    for (long[] r : ranges) {
      if (r[0] != at) {
        throw bad(file, r[0] < at ? "tensor byte ranges overlap at " + r[0] : "gap in the data at " + at);
      }
      at = r[1];
    }
    if (at != dataSize) throw bad(file, "data section has " + (dataSize - at) + " trailing bytes");
  }

  /** Writes the tensors in order, atomically. */
  public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
    write(file, tensors, Map.of(), metadata);
  }

  /** Writes the F32 tensors in order, then the I8 ones in order, atomically. */
  public static void write(Path file, Map<String, Entry> floats, Map<String, Int8Entry> int8,
      Map<String, String> metadata) throws IOException {
    for (String name : int8.keySet()) {
      if (floats.containsKey(name)) throw new InvalidInputException("tensor '" + name + "' given as both F32 and I8");
    }
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) header.set("__metadata__", JSON.valueToTree(metadata));
    long offset = 0;
    for (Map.Entry<String, Entry> e : floats.entrySet()) {
      offset = describe(header, e.getKey(), F32, e.getValue().shape(), 4L * e.getValue().values().length, offset);
    }
    for (Map.Entry<String, Int8Entry> e : int8.entrySet()) {
      offset = describe(header, e.getKey(), I8, e.getValue().shape(), e.getValue().values().length, offset);
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // the spec allows trailing spaces; keeps data 8-byte aligned
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) head.put((byte) ' ');
    AtomicFiles.write(file, out -> {
      WritableByteChannel ch = Channels.newChannel(out);
      writeFully(ch, head.flip());
      for (Entry e : floats.values()) {
        ByteBuffer data = ByteBuffer.allocate(4 * e.values().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(e.values());
        writeFully(ch, data);
      }
      for (Int8Entry e : int8.values()) writeFully(ch, ByteBuffer.wrap(e.values()));
    });
  }

  /** Adds a tensor's header entry at offset; returns the offset after it. */
  private static long describe(ObjectNode header, String name, String dtype, long[] shape, long bytes, long offset) {
    ObjectNode t = header.putObject(name);
    t.put("dtype", dtype);
    var dims = t.putArray("shape");
    for (long d : shape) dims.add(d);
    t.putArray("data_offsets").add(offset).add(offset + bytes);
    return offset + bytes;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, position + buf.position());
      if (n < 0) throw new IOException("unexpected end of file");
    }
  }

  private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) ch.write(buf);
  }

  private static InvalidInputException bad(Path file, String why) {
    return new InvalidInputException(file + ": not a valid safetensors file: " + why);
  }
}
