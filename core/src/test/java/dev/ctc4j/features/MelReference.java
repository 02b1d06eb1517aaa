package dev.ctc4j.features;

import dev.ctc4j.testing.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The reference mel power spectrogram, in float64: libtorch's stft with a periodic Hann window,
 * then a filterbank computed here from torchaudio's melscale_fbanks formula (independently of ours).
 */
final class MelReference {
  private MelReference() {}

  /** torchaudio.functional.melscale_fbanks in double: [n_fft/2+1][n_mels]. */
  static double[][] filterbank(MelConfig c) {
    int bins = c.nFft() / 2 + 1;
    double mMin = hzToMel(c.fMin(), c.melScale()), mMax = hzToMel(c.fMax(), c.melScale());
    double[] fPts = new double[c.nMels() + 2];
    for (int i = 0; i < fPts.length; i++) fPts[i] = melToHz(mMin + (mMax - mMin) * i / (c.nMels() + 1), c.melScale());
    double[][] fb = new double[bins][c.nMels()];
    for (int k = 0; k < bins; k++) {
      double f = (double) (c.sampleRate() / 2) * k / (bins - 1);
      for (int m = 0; m < c.nMels(); m++) {
        double down = (f - fPts[m]) / (fPts[m + 1] - fPts[m]);
        double up = (fPts[m + 2] - f) / (fPts[m + 2] - fPts[m + 1]);
        double w = Math.max(0, Math.min(down, up));
        if (c.filterNorm() == FilterNorm.SLANEY) w *= 2.0 / (fPts[m + 2] - fPts[m]);
        fb[k][m] = w;
      }
    }
    return fb;
  }

  /** Mel power [n_mels][frames] of one utterance. */
  static double[][] melPower(MelConfig c, float[] audio) {
    double[][] fb = filterbank(c);
    int bins = fb.length;
    try (PointerScope scope = new PointerScope()) {
      double[] x = new double[audio.length];
      for (int i = 0; i < x.length; i++) x[i] = audio[i];
      Tensor window = torch.hann_window(c.winLength(), true).to(torch.ScalarType.Double);
      Tensor spec = torch.stft(Torch.doubles(x, x.length), c.nFft(), new LongOptional(c.hopLength()),
          new LongOptional(c.winLength()), new TensorOptional(window), c.center(), "reflect", false,
          new BoolOptional(true), new BoolOptional(true), new BoolOptional());
      Tensor power = torch.abs(spec).pow(new org.bytedeco.pytorch.Scalar(2.0));
      int frames = (int) power.size(1);
      double[] p = Torch.toDoubles(power);  // [bins, frames]
      double[][] mel = new double[c.nMels()][frames];
      for (int k = 0; k < bins; k++) {
        for (int m = 0; m < c.nMels(); m++) {
          double w = fb[k][m];
          if (w == 0) continue;
          for (int t = 0; t < frames; t++) mel[m][t] += w * p[k * frames + t];
        }
      }
      return mel;
    }
  }

  static double hzToMel(double hz, MelScale scale) {
    if (scale == MelScale.HTK) return 2595.0 * Math.log10(1.0 + hz / 700.0);
    double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logstep = Math.log(6.4) / 27.0;
    return hz < minLogHz ? hz / fSp : minLogMel + Math.log(hz / minLogHz) / logstep;
  }

  static double melToHz(double mel, MelScale scale) {
    if (scale == MelScale.HTK) return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
    double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp, logstep = Math.log(6.4) / 27.0;
    return mel < minLogMel ? mel * fSp : minLogHz * Math.exp(logstep * (mel - minLogMel));
  }
}
