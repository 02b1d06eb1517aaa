package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import java.nio.charset.StandardCharsets;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;

/**
 * Process-wide FFmpeg settings and error text. FFmpeg's error log lines are captured per thread
 * instead of printed, so exceptions can quote the reason FFmpeg gave (e.g. "Invalid sample rate: 0").
 * This replaces FFmpeg's log callback for the whole process.
 */
final class FFmpeg {
  /** AVERROR(EAGAIN) and AVERROR(ENOENT) on Linux (the presets export no errno constants). */
  static final int AVERROR_EAGAIN = -11;
  static final int AVERROR_ENOENT = -2;

  private static final ThreadLocal<String> LAST_ERROR = new ThreadLocal<>();
  private static final LogCallback CAPTURE = new LogCallback() {
    @Override
    public void call(int level, BytePointer message) {
      // Drop the "[flac @ 0x7f...] " context prefix: the address means nothing to a reader.
      LAST_ERROR.set(message.getString(StandardCharsets.UTF_8)
          .replaceFirst("^\\[[^]]* @ 0x\\p{XDigit}+] ", "").strip());
    }
  };

  static {
    av_log_set_level(AV_LOG_ERROR);
    setLogCallback(CAPTURE);
  }

  private FFmpeg() {}

  /** Forces the static initialiser above; call before any other FFmpeg function. */
  static void init() {}

  /** The last error FFmpeg logged on this thread since the previous call, or null. */
  static String takeLoggedError() {
    String message = LAST_ERROR.get();
    LAST_ERROR.remove();
    return message;
  }

  /** FFmpeg's description of a negative AVERROR code, with the error it logged, if any. */
  static String errorText(int code) {
    byte[] text = new byte[256];
    String description = "FFmpeg error " + code;
    if (av_strerror(code, text, text.length) >= 0) {
      int end = 0;
      while (end < text.length && text[end] != 0) end++;
      description = new String(text, 0, end, StandardCharsets.UTF_8);
    }
    String logged = takeLoggedError();
    return logged == null ? description : description + ": " + logged;
  }
}
