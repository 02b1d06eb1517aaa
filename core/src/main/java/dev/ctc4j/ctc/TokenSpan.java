package dev.ctc4j.ctc;

/** Target {@code index} (class {@code label}) occupies frames [startFrame, endFrame) of the best path. */
public record TokenSpan(int index, int label, int startFrame, int endFrame) {
  public double startSeconds(double frameRate) {
    return startFrame / frameRate;
  }

  public double endSeconds(double frameRate) {
    return endFrame / frameRate;
  }
}
