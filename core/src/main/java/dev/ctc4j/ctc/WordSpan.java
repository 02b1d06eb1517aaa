package dev.ctc4j.ctc;

/** Targets [firstToken, endToken) form one word, spoken over frames [startFrame, endFrame). */
public record WordSpan(int firstToken, int endToken, int startFrame, int endFrame) {
  public double startSeconds(double frameRate) {
    return startFrame / frameRate;
  }

  public double endSeconds(double frameRate) {
    return endFrame / frameRate;
  }
}
