package dev.ctc4j.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** WAV bytes written by hand, so tests control every header field. */
final class WavFile {
  static final int PCM = 1;
  static final int IEEE_FLOAT = 3;
  static final int HEADER_BYTES = 44;

  private WavFile() {}

  /** A canonical 44-byte RIFF/WAVE header. */
  static byte[] header(int formatTag, int bitsPerSample, int channels, int sampleRate, long dataBytes) {
    int blockAlign = channels * bitsPerSample / 8;
    return ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
        .put("RIFF".getBytes()).putInt((int) (36 + dataBytes)).put("WAVE".getBytes())
        .put("fmt ".getBytes()).putInt(16).putShort((short) formatTag).putShort((short) channels)
        .putInt(sampleRate).putInt(sampleRate * blockAlign).putShort((short) blockAlign)
        .putShort((short) bitsPerSample)
        .put("data".getBytes()).putInt((int) dataBytes).array();
  }

  static byte[] pcm16(short[] interleaved, int sampleRate, int channels) {
    ByteBuffer b = withHeader(PCM, 16, channels, sampleRate, interleaved.length);
    for (short s : interleaved) b.putShort(s);
    return b.array();
  }

  static byte[] pcm24(int[] interleaved, int sampleRate, int channels) {
    ByteBuffer b = withHeader(PCM, 24, channels, sampleRate, interleaved.length);
    for (int s : interleaved) b.put((byte) s).put((byte) (s >> 8)).put((byte) (s >> 16));
    return b.array();
  }

  static byte[] pcm32(int[] interleaved, int sampleRate, int channels) {
    ByteBuffer b = withHeader(PCM, 32, channels, sampleRate, interleaved.length);
    for (int s : interleaved) b.putInt(s);
    return b.array();
  }

  static byte[] float32(float[] interleaved, int sampleRate, int channels) {
    ByteBuffer b = withHeader(IEEE_FLOAT, 32, channels, sampleRate, interleaved.length);
    for (float s : interleaved) b.putFloat(s);
    return b.array();
  }

  private static ByteBuffer withHeader(int formatTag, int bits, int channels, int sampleRate, int values) {
    long dataBytes = (long) values * bits / 8;
    return ByteBuffer.allocate(HEADER_BYTES + (int) dataBytes).order(ByteOrder.LITTLE_ENDIAN)
        .put(header(formatTag, bits, channels, sampleRate, dataBytes));
  }
}
