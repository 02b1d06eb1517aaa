package dev.ctc4j.tensor;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.io.AtomicFiles;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** NumPy .npy files of little-endian float32 arrays in C order, for exchange with other tools. */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
  /** NumPy itself writes headers of a few hundred bytes; a longer one is corrupt. */
  private static final int MAX_HEADER = 1 << 20;

  private Npy() {}

  /** A float32 array and its shape. */
  public record FloatArray(float[] data, long[] shape) {}

  /** Writes atomically: a temporary file beside {@code file}, then a rename. */
  public static void write(Path file, float[] data, long... shape) throws IOException {
    long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    if (count != data.length) {
      throw new InvalidInputException(data.length + " values do not fill shape " + Arrays.toString(shape));
    }
    AtomicFiles.write(file, out -> {
      out.write(header(shape));
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : data) {
        if (!buf.hasRemaining()) {
          out.write(buf.array(), 0, buf.position());
          buf.clear();
        }
        buf.putFloat(v);
      }
      out.write(buf.array(), 0, buf.position());
    });
  }

  public static FloatArray read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file); DataInputStream data = new DataInputStream(in)) {
      byte[] magic = data.readNBytes(8);
      if (magic.length < 8 || !Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
        throw new InvalidInputException(file + " is not a .npy file");
      }
      String header = readHeader(file, data, magic[6]);
      if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
        throw new InvalidInputException(file + ": only little-endian float32 in C order is supported: " + header.trim());
      }
      long[] shape = shape(file, header);
      int count = count(file, shape);
      byte[] bytes = data.readNBytes(count * 4);
      if (bytes.length != count * 4) throw new InvalidInputException(file + " is truncated");
      float[] values = new float[count];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      return new FloatArray(values, shape);
    }
  }

  // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4; both little-endian.
  private static String readHeader(Path file, DataInputStream data, byte version) throws IOException {
    long length;
    try {
      length = version == 1 ? Short.toUnsignedInt(Short.reverseBytes(data.readShort()))
          : Integer.toUnsignedLong(Integer.reverseBytes(data.readInt()));
    } catch (java.io.EOFException e) {
      throw new InvalidInputException(file + " is truncated in its header length");
    }
    if (length > MAX_HEADER) throw new InvalidInputException(file + ": header of " + length + " bytes is too long");
    byte[] header = data.readNBytes((int) length);
    if (header.length != length) throw new InvalidInputException(file + " is truncated in its header");
    return new String(header, StandardCharsets.ISO_8859_1);
  }

  private static long[] shape(Path file, String header) {
    Matcher m = SHAPE.matcher(header);
    if (!m.find()) throw new InvalidInputException(file + ": no shape in header " + header.trim());
    try {
      long[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
          .mapToLong(Long::parseLong).toArray();
      if (Arrays.stream(shape).anyMatch(d -> d < 0)) throw new NumberFormatException("negative");
      return shape;
    } catch (NumberFormatException e) {
      throw new InvalidInputException(file + ": shape (" + m.group(1) + ") is not a tuple of sizes");
    }
  }

  private static int count(Path file, long[] shape) {
    try {
      long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
      if (count > (Integer.MAX_VALUE - 8) / 4) throw new ArithmeticException();
      return (int) count;
    } catch (ArithmeticException e) {
      throw new InvalidInputException(file + ": shape " + Arrays.toString(shape) + " is too large for one array");
    }
  }

  private static byte[] header(long[] shape) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) dims.append(d).append(shape.length == 1 ? "," : ", ");
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': ("
        + dims.toString().replaceAll(", $", "") + "), }";
    int total = 10 + dict.length() + 1;
    int padded = (total + 63) / 64 * 64;
    String text = dict + " ".repeat(padded - total) + "\n";
    ByteBuffer buf = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length());
    buf.put(text.getBytes(StandardCharsets.ISO_8859_1));
    return buf.array();
  }
}
