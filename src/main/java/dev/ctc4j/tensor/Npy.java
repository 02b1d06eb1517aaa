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
      int headerLength = magic[6] == 1
          ? Short.toUnsignedInt(Short.reverseBytes(data.readShort()))
          : Integer.reverseBytes(data.readInt());
      String header = new String(data.readNBytes(headerLength), StandardCharsets.ISO_8859_1);
      if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
        throw new InvalidInputException(file + ": only little-endian float32 in C order is supported: " + header.trim());
      }
      Matcher m = SHAPE.matcher(header);
      if (!m.find()) throw new InvalidInputException(file + ": no shape in header " + header.trim());
      long[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
          .mapToLong(Long::parseLong).toArray();
      int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
      byte[] bytes = data.readNBytes(count * 4);
      if (bytes.length != count * 4) throw new InvalidInputException(file + " is truncated");
      float[] values = new float[count];
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      return new FloatArray(values, shape);
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
