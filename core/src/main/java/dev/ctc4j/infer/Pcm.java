package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.audio.Audio;

/** Checks caller PCM (mono, any rate) and converts it to the 16 kHz float samples the model takes. */
final class Pcm {
  private Pcm() {}

  static float[] toModelRate(float[] pcm, int sampleRate) {
    requireAudio(pcm == null ? -1 : pcm.length);
    requireFinite(pcm);
    return sampleRate == Audio.SAMPLE_RATE ? pcm.clone() : Audio.fromFloat(pcm, sampleRate, 1);
  }

  static float[] toModelRate(short[] pcm, int sampleRate) {
    requireAudio(pcm == null ? -1 : pcm.length);
    return Audio.fromPcm16(pcm, sampleRate, 1);
  }

  /** NaN or infinite samples are named by position. */
  static void requireFinite(float[] pcm) {
    for (int i = 0; i < pcm.length; i++) {
      if (!Float.isFinite(pcm[i])) throw new InvalidInputException("PCM sample " + i + " is " + pcm[i]);
    }
  }

  private static void requireAudio(int length) {
    if (length < 0) throw new InvalidInputException("no PCM array given");
    if (length == 0) throw new InvalidInputException("empty audio: 0 PCM samples");
  }
}
