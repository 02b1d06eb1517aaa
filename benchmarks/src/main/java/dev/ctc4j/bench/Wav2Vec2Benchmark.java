package dev.ctc4j.bench;

import dev.ctc4j.quant.Int8Quantizer;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.wav2vec2.Wav2Vec2Config;
import dev.ctc4j.wav2vec2.Wav2Vec2Model;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.annotations.TearDown;

/**
 * wav2vec2 base (WAV2VEC2_ASR_BASE_960H's architecture, random weights, 32 classes) on 10 s of
 * 16 kHz audio, waveform to CTC logits: ours vs the same network in libtorch float32 (conv1d,
 * group_norm, layer_norm, linear, gelu and scaled_dot_product_attention under NoGradGuard, the
 * way torchaudio's modules call them), same weights, at 1 thread and all threads. The real-time
 * factor is the score divided by 10 000 ms. Also int8 (ctc4jInt8Logits); each iteration prints the
 * calls' CPU time ({@link ThreadCpuTime}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class Wav2Vec2Benchmark {
  @Param({"1", "0"}) // 0 = all cores
  public int threads;

  private static final int SAMPLES = 160_000;
  private Wav2Vec2Model model, int8;
  private Wav2Vec2Config config;
  private float[] waveform;
  private PointerScope scope;
  private final Map<String, org.bytedeco.pytorch.Tensor> weights = new HashMap<>();
  private org.bytedeco.pytorch.Tensor input;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams trial) {
    Threads.useEverywhere(threads, trial);
    List<String> labels = new ArrayList<>(List.of("<pad>", " "));
    for (int i = 2; i < 32; i++) labels.add("c" + i);
    config = Wav2Vec2Config.base(labels, 0);
    model = Wav2Vec2Model.create(config, Device.CPU, 7);
    int8 = Int8Quantizer.quantize(Wav2Vec2Model.create(config, Device.CPU, 7));
    SplittableRandom rng = new SplittableRandom(11);
    waveform = new float[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) waveform[i] = (float) ((rng.nextDouble() * 2 - 1) * 0.3);
    scope = new PointerScope();
    model.stateDict().forEach((name, p) -> weights.put(name, floats(p.value().toFloatArray(), p.shape())));
    input = floats(waveform, 1, 1, SAMPLES);
    checkPeerAgrees();
  }

  /** The peer is the same network: its logits equal ours within float32 rounding. */
  private void checkPeerAgrees() {
    float[] ours;
    try (Tensor logits = model.logits(waveform)) {
      ours = logits.toFloatArray();
    }
    float[] theirs = new float[ours.length];
    try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
      torchForward().contiguous().data_ptr_float().get(theirs);
    }
    double worst = 0;
    for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / (1 + Math.abs(theirs[i])));
    if (worst > 1e-3) throw new IllegalStateException("libtorch peer disagrees with ctc4j by " + worst);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
    int8.close();
    scope.close();
  }

  private static org.bytedeco.pytorch.Tensor floats(float[] v, long... shape) {
    org.bytedeco.pytorch.Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
    new FloatPointer(t.data_ptr_float()).put(v);
    return t;
  }

  @Benchmark
  public long ctc4jLogits(ThreadCpuTime cpu) {
    return cpu.time(() -> logits(model));
  }

  /**
   * The same weights quantized (Int8Quantizer: the feature extractor's convolutions, the feature
   * projection, the transformer's projections and feed-forward layers, the CTC head).
   */
  @Benchmark
  public long ctc4jInt8Logits(ThreadCpuTime cpu) {
    return cpu.time(() -> logits(int8));
  }

  private long logits(Wav2Vec2Model m) {
    try (Tensor logits = m.logits(waveform)) {
      return logits.numel();
    }
  }

  @Benchmark
  public long torchLogits(ThreadCpuTime cpu) {
    return cpu.time(() -> {
      try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
        return torchForward().numel();
      }
    });
  }

  private org.bytedeco.pytorch.Tensor torchForward() {
    org.bytedeco.pytorch.Tensor x = input;
    for (int i = 0; i < config.convLayers().size(); i++) {
      String name = "feature_extractor.conv_layers." + i + ".";
      x = torch.conv1d(x, w(name + "conv.weight"), new TensorOptional(), new long[] {config.convLayers().get(i).get(2)},
          new long[] {0}, new long[] {1}, 1);
      if (i == 0) {
        x = torch.group_norm(x, 512, opt(name + "layer_norm.weight"), opt(name + "layer_norm.bias"), 1e-5, false);
      }
      x = torch.gelu(x);
    }
    x = x.transpose(1, 2);
    long frames = x.size(1);
    x = linear(norm(x, "encoder.feature_projection.layer_norm"), "encoder.feature_projection.projection");
    String pos = "encoder.transformer.pos_conv_embed.conv.";
    org.bytedeco.pytorch.Tensor p = torch.conv1d(x.transpose(1, 2), w(pos + "weight"), opt(pos + "bias"),
        new long[] {1}, new long[] {64}, new long[] {1}, 16);
    x = norm(x.add(torch.gelu(p.narrow(2, 0, frames)).transpose(1, 2)), "encoder.transformer.layer_norm");
    long heads = config.heads(), dim = config.embedDim() / heads;
    for (int i = 0; i < config.layers(); i++) {
      String l = "encoder.transformer.layers." + i + ".";
      org.bytedeco.pytorch.Tensor q = linear(x, l + "attention.q_proj").view(1, frames, heads, dim).transpose(1, 2);
      org.bytedeco.pytorch.Tensor k = linear(x, l + "attention.k_proj").view(1, frames, heads, dim).transpose(1, 2);
      org.bytedeco.pytorch.Tensor v = linear(x, l + "attention.v_proj").view(1, frames, heads, dim).transpose(1, 2);
      org.bytedeco.pytorch.Tensor a = torch.scaled_dot_product_attention(q, k, v).transpose(1, 2)
          .reshape(1, frames, config.embedDim());
      x = norm(x.add(linear(a, l + "attention.out_proj")), l + "layer_norm");
      org.bytedeco.pytorch.Tensor f = linear(torch.gelu(linear(x, l + "feed_forward.intermediate_dense")),
          l + "feed_forward.output_dense");
      x = norm(x.add(f), l + "final_layer_norm");
    }
    return linear(x, "aux");
  }

  private org.bytedeco.pytorch.Tensor w(String name) {
    return weights.get(name);
  }

  private TensorOptional opt(String name) {
    return new TensorOptional(weights.get(name));
  }

  private org.bytedeco.pytorch.Tensor linear(org.bytedeco.pytorch.Tensor x, String name) {
    return torch.linear(x, w(name + ".weight"), opt(name + ".bias"));
  }

  private org.bytedeco.pytorch.Tensor norm(org.bytedeco.pytorch.Tensor x, String name) {
    return torch.layer_norm(x, new long[] {x.size(2)}, opt(name + ".weight"), opt(name + ".bias"), 1e-5, false);
  }
}
