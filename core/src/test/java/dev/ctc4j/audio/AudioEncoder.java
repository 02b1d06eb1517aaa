package dev.ctc4j.audio;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CAP_SMALL_LAST_FRAME;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CAP_VARIABLE_FRAME_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_QSCALE;
import static org.bytedeco.ffmpeg.global.avutil.FF_QP2LAMBDA;
import static org.bytedeco.ffmpeg.global.avcodec.FF_COMPLIANCE_EXPERIMENTAL;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;

import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * Test-time encoder: writes generated PCM to compressed formats through FFmpeg's encoders and
 * muxers (libavcodec/libavformat from the presets). The presets' {@code ffmpeg} program cannot be
 * used: it links libavdevice, which needs libpulse.so.0, absent on CI and developer machines.
 * Public for the service's tests, which upload and stream every format.
 */
public final class AudioEncoder {
  private AudioEncoder() {}

  /** A codec in a container, with the sample format we feed its encoder. */
  public enum Format {
    FLAC("flac", "flac", AV_SAMPLE_FMT_S16, 0),
    MP3("libmp3lame", "mp3", AV_SAMPLE_FMT_FLTP, 128_000),
    VORBIS_OGG("vorbis", "ogg", AV_SAMPLE_FMT_FLTP, 0),
    OPUS_OGG("libopus", "ogg", AV_SAMPLE_FMT_FLT, 96_000),
    OPUS_WEBM("libopus", "webm", AV_SAMPLE_FMT_FLT, 96_000);

    final String encoder;
    final String muxer;
    final int sampleFormat;
    final long bitRate;

    Format(String encoder, String muxer, int sampleFormat, long bitRate) {
      this.encoder = encoder;
      this.muxer = muxer;
      this.sampleFormat = sampleFormat;
      this.bitRate = bitRate;
    }

    public String extension() {
      return muxer;
    }
  }

  /** Encodes interleaved samples in [-1, 1] (16-bit formats round to the nearest step). */
  public static void encode(Path file, float[] interleaved, int sampleRate, int channels, Format format) {
    AVFormatContext muxer = new AVFormatContext(null);
    AVCodecContext encoder = null;
    AVFrame frame = null;
    AVPacket packet = null;
    try {
      check(avformat_alloc_output_context2(muxer, null, format.muxer, file.toString()), "muxer " + format.muxer);
      AVCodec codec = avcodec_find_encoder_by_name(format.encoder);
      if (codec == null) throw new IllegalStateException("encoder " + format.encoder + " is not in this FFmpeg build");
      AVStream stream = avformat_new_stream(muxer, null);
      encoder = avcodec_alloc_context3(codec);
      encoder.sample_rate(sampleRate);
      encoder.sample_fmt(format.sampleFormat);
      av_channel_layout_default(encoder.ch_layout(), channels);
      encoder.time_base(new AVRational().num(1).den(sampleRate));
      if (format.bitRate > 0) encoder.bit_rate(format.bitRate * channels);
      if (format == Format.VORBIS_OGG) { // quality 10 (ffmpeg -q:a 10): its default quality is poor
        encoder.flags(encoder.flags() | AV_CODEC_FLAG_QSCALE);
        encoder.global_quality(10 * FF_QP2LAMBDA);
      }
      encoder.strict_std_compliance(FF_COMPLIANCE_EXPERIMENTAL); // the native vorbis encoder
      if ((muxer.oformat().flags() & AVFMT_GLOBALHEADER) != 0) {
        encoder.flags(encoder.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
      }
      check(avcodec_open2(encoder, codec, (AVDictionary) null), "encoder " + format.encoder);
      check(avcodec_parameters_from_context(stream.codecpar(), encoder), "stream parameters");
      stream.time_base(encoder.time_base());
      AVIOContext io = new AVIOContext(null);
      check(avio_open(io, file.toString(), AVIO_FLAG_WRITE), "open " + file);
      muxer.pb(io);
      check(avformat_write_header(muxer, (AVDictionary) null), "header");

      boolean anyFrameSize = (codec.capabilities() & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
      boolean smallLast = anyFrameSize || (codec.capabilities() & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
      int frameSize = encoder.frame_size() > 0 && !anyFrameSize ? encoder.frame_size() : 4096;
      frame = av_frame_alloc();
      packet = av_packet_alloc();
      int total = interleaved.length / channels;
      for (int start = 0; start < total; start += frameSize) {
        int n = Math.min(frameSize, total - start);
        int allocated = smallLast ? n : frameSize; // zero padding where the last frame must be full
        frame.nb_samples(allocated).format(format.sampleFormat).sample_rate(sampleRate).pts(start);
        av_channel_layout_copy(frame.ch_layout(), encoder.ch_layout());
        check(av_frame_get_buffer(frame, 0), "frame buffer");
        check(av_frame_make_writable(frame), "frame");
        fill(frame, interleaved, start, n, allocated, channels, format.sampleFormat);
        check(avcodec_send_frame(encoder, frame), "encode");
        writePackets(muxer, encoder, stream, packet);
        av_frame_unref(frame);
      }
      check(avcodec_send_frame(encoder, null), "flush");
      writePackets(muxer, encoder, stream, packet);
      check(av_write_trailer(muxer), "trailer");
    } finally {
      if (packet != null) av_packet_free(packet);
      if (frame != null) av_frame_free(frame);
      if (encoder != null) avcodec_free_context(encoder);
      if (!muxer.isNull()) {
        if (muxer.pb() != null && !muxer.pb().isNull()) avio_closep(muxer.pb());
        avformat_free_context(muxer);
      }
    }
  }

  private static void fill(AVFrame frame, float[] interleaved, int start, int n, int allocated, int channels,
      int sampleFormat) {
    if (sampleFormat == AV_SAMPLE_FMT_FLTP) {
      for (int c = 0; c < channels; c++) {
        float[] plane = new float[allocated];
        for (int i = 0; i < n; i++) plane[i] = interleaved[(start + i) * channels + c];
        new FloatPointer(frame.data(c)).put(plane);
      }
    } else if (sampleFormat == AV_SAMPLE_FMT_FLT) {
      float[] packed = new float[allocated * channels];
      System.arraycopy(interleaved, start * channels, packed, 0, n * channels);
      new FloatPointer(frame.data(0)).put(packed);
    } else if (sampleFormat == AV_SAMPLE_FMT_S16) {
      short[] packed = new short[allocated * channels];
      for (int i = 0; i < n * channels; i++) packed[i] = toPcm16(interleaved[start * channels + i]);
      new ShortPointer(frame.data(0)).put(packed);
    } else {
      throw new IllegalArgumentException("sample format " + sampleFormat);
    }
  }

  static short toPcm16(float x) {
    return (short) Math.max(-32768, Math.min(32767, Math.round(x * 32768.0)));
  }

  private static void writePackets(AVFormatContext muxer, AVCodecContext encoder, AVStream stream, AVPacket packet) {
    while (true) {
      int status = avcodec_receive_packet(encoder, packet);
      if (status == AVERROR_EOF || status == FFmpeg.AVERROR_EAGAIN) return;
      check(status, "receive packet");
      av_packet_rescale_ts(packet, encoder.time_base(), stream.time_base());
      packet.stream_index(stream.index());
      check(av_interleaved_write_frame(muxer, packet), "write packet");
    }
  }

  private static void check(int status, String what) {
    if (status < 0) throw new IllegalStateException(what + ": " + FFmpeg.errorText(status));
  }
}
