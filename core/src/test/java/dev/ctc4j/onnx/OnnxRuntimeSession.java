package dev.ctc4j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ctc4j.onnx.proto.Onnx.ModelProto;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/** An exported model in ONNX Runtime (CPU, all graph optimisations, one intra-op thread): the peer the tests compare with. */
final class OnnxRuntimeSession implements AutoCloseable {
  /** log_probs [batch][out_frames][classes] and log_prob_lengths. */
  record Result(float[][][] logProbs, long[] lengths) {}

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  OnnxRuntimeSession(ModelProto model) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = ENV.createSession(model.toByteArray(), options);
    }
  }

  /** Runs the graph on {@code values} of {@code shape} (features or waveforms) and per-utterance lengths. */
  Result run(String input, float[] values, long[] shape, String lengthsInput, long[] lengths) throws OrtException {
    try (OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(values), shape);
        OnnxTensor l = OnnxTensor.createTensor(ENV, LongBuffer.wrap(lengths), new long[] {lengths.length});
        OrtSession.Result r = session.run(Map.of(input, x, lengthsInput, l))) {
      return new Result((float[][][]) r.get(OnnxExport.LOG_PROBS).orElseThrow().getValue(),
          (long[]) r.get(OnnxExport.LOG_PROB_LENGTHS).orElseThrow().getValue());
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
