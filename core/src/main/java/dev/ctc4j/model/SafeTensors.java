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
 * float32 tensors only. Reading checks everything before trusting it: header size against the
 * file, JSON shape, dtype, shape x 4 bytes == the byte range, ranges inside the data and neither
 * overlapping nor leaving gaps. Writing is atomic: a temporary file, fsync, rename, fsync of the folder.
 */
public final class SafeTensors {
  private static final long MAX_HEADER = 100L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafeTensors() {}

  /** A named float32 array with its shape. */
  public record Entry(long[] shape, float[] values) {}

  /** Reads every F32 tensor; entries of other dtypes are rejected unless {@code skip} names them. */
  public static Map<String, Entry> read(Path file, java.util.function.Predicate<String> skip) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header header = header(ch, file, skip);
      Map<String, Entry> out = new LinkedHashMap<>();
      for (Slot t : header.tensors()) {
        out.put(t.name(), new Entry(t.shape(), values(ch, header.dataStart() + t.begin(), t.bytes())));
      }
      return out;
    }
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
      return header(ch, file, skip).tensors().stream().mapToLong(t -> t.bytes() / 4).sum();
    }
  }

  /** A tensor the header describes: its shape and its byte range in the data section. */
  private record Slot(String name, long[] shape, long begin, long end) {
    long bytes() {
      return end - begin;
    }
  }

  /** The F32 tensors not skipped, in header order, and where the data section starts. */
  private record Header(List<Slot> tensors, long dataStart) {}

  private static Header header(FileChannel ch, Path file, java.util.function.Predicate<String> skip) throws IOException {
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
      if (!dtype.asText().equals("F32")) throw bad(file, "tensor '" + name + "' is " + dtype.asText() + ", not F32");
      tensors.add(new Slot(name, shape(file, name, shapeNode, end - begin), begin, end));
    }
    checkRanges(file, ranges, dataSize);
    return new Header(tensors, dataStart);
  }

  /** A tensor's shape, checked against the bytes its range holds. */
  private static long[] shape(Path file, String name, JsonNode shapeNode, long rangeBytes) {
    long[] shape = new long[shapeNode.size()];
    long bytes = 4;
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
    if (bytes / 4 > Integer.MAX_VALUE - 8) throw bad(file, "tensor '" + name + "' is too large");
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
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) header.set("__metadata__", JSON.valueToTree(metadata));
    long offset = 0;
    for (Map.Entry<String, Entry> e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      var shape = t.putArray("shape");
      for (long d : e.getValue().shape()) shape.add(d);
      long bytes = 4L * e.getValue().values().length;
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // the spec allows trailing spaces; keeps data 8-byte aligned
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) head.put((byte) ' ');
    AtomicFiles.write(file, out -> {
      WritableByteChannel ch = Channels.newChannel(out);
      writeFully(ch, head.flip());
      for (Entry e : tensors.values()) {
        ByteBuffer data = ByteBuffer.allocate(4 * e.values().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(e.values());
        writeFully(ch, data);
      }
    });
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
