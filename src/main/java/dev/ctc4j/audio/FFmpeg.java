package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_QUIET;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;

/** Process-wide FFmpeg settings and error text. */
final class FFmpeg {
  /** AVERROR(EAGAIN) and AVERROR(ENOENT) on Linux (the presets export no errno constants). */
  static final int AVERROR_EAGAIN = -11;
  static final int AVERROR_ENOENT = -2;

  private FFmpeg() {}

  static {
    // Our exceptions carry FFmpeg's error text; its own log lines on stderr would only add noise.
    av_log_set_level(AV_LOG_QUIET);
  }

  /** Forces the static initialiser above; call before any other FFmpeg function. */
  static void init() {}

  /** FFmpeg's description of a negative AVERROR code. */
  static String errorText(int code) {
    byte[] text = new byte[256];
    if (av_strerror(code, text, text.length) < 0) return "FFmpeg error " + code;
    int end = 0;
    while (end < text.length && text[end] != 0) end++;
    return new String(text, 0, end, StandardCharsets.UTF_8);
  }
}
