package dev.ctc4j.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.IntSupplier;

/**
 * The service's Prometheus metrics, in a registry of its own (several servers can share a JVM):
 * HTTP requests by endpoint and status, request latency, real-time factor of transcriptions, audio
 * seconds processed, and gauges for queue depth, jobs in flight and live streams.
 */
final class ServiceMetrics {
  static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter requests = Counter.builder()
      .name("ctc4j_http_requests").help("HTTP requests answered, by endpoint and status")
      .labelNames("endpoint", "status").register(registry);
  private final Histogram latency = Histogram.builder()
      .name("ctc4j_http_request_duration_seconds").help("Time to answer an HTTP request")
      .labelNames("endpoint").classicOnly()
      .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
      .register(registry);
  private final Histogram realTimeFactor = Histogram.builder()
      .name("ctc4j_real_time_factor")
      .help("Seconds spent per second of audio: wall time per upload, compute time per stream")
      .labelNames("mode").classicOnly()
      .classicUpperBounds(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5)
      .register(registry);
  private final Counter audioSeconds = Counter.builder()
      .name("ctc4j_audio_seconds").help("Seconds of audio transcribed").labelNames("mode").register(registry);

  /**
   * Registers the gauges, read at each scrape.
   *
   * @param queueDepth requests waiting in the transcriber's batching queue
   * @param jobsInFlight transcriptions admitted and not yet finished
   * @param liveStreams open WebSocket streams
   */
  void watch(IntSupplier queueDepth, IntSupplier jobsInFlight, IntSupplier liveStreams) {
    gauge("ctc4j_queue_depth", "Requests waiting in the transcriber's batching queue", queueDepth);
    gauge("ctc4j_jobs_in_flight", "Transcriptions admitted and not yet finished", jobsInFlight);
    gauge("ctc4j_live_streams", "Open WebSocket streams", liveStreams);
  }

  private void gauge(String name, String help, IntSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsInt())).register(registry);
  }

  void request(String endpoint, int status, double seconds) {
    requests.labelValues(endpoint, Integer.toString(status)).inc();
    latency.labelValues(endpoint).observe(seconds);
  }

  /**
   * One finished upload ({@code mode} "batch": {@code seconds} is its wall time) or stream
   * ("stream": {@code seconds} is the compute time its chunks took).
   */
  void transcribed(String mode, double audio, double seconds) {
    audioSeconds.labelValues(mode).inc(audio);
    if (audio > 0) realTimeFactor.labelValues(mode).observe(seconds / audio);
  }

  void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }
}
