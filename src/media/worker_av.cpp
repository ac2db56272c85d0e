extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "media/protocol.h"
#include "media/worker.h"

namespace missive::media {
namespace {

// Demuxers we accept, whatever libav would otherwise probe: a file sniffed as video/mp4 must
// not reach, say, the HLS demuxer (which follows URLs) or some rarely used one.
constexpr const char* kFormats = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,ogg,avi,mp3,wav,flac,aac";
// Poster frames from about this far in, when the video is longer than twice that: the first
// frame is often black.
constexpr std::int64_t kPosterOffsetMs = 1000;
// How many frames to decode looking for the poster after the seek (it lands on the keyframe
// before the offset).
constexpr int kPosterFrameBudget = 600;

struct FormatCloser {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct CodecFree {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct FrameFree {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketFree {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct SwsFree {
  void operator()(SwsContext* ctx) const { sws_freeContext(ctx); }
};
struct SwrFree {
  void operator()(SwrContext* ctx) const { swr_free(&ctx); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;

std::string av_message(std::string_view what, int code) {
  char buffer[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buffer, sizeof buffer);
  return std::string(what) + ": " + buffer;
}

Result<FormatPtr> open_input(const std::filesystem::path& path) {
  AVDictionary* options = nullptr;
  av_dict_set(&options, "format_whitelist", kFormats, 0);
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  AVFormatContext* raw = nullptr;
  const int rc = avformat_open_input(&raw, path.c_str(), nullptr, &options);
  av_dict_free(&options);
  if (rc < 0) return fail(ErrorCode::unprocessable, av_message("cannot open the media", rc));
  FormatPtr format(raw);
  if (const int info = avformat_find_stream_info(format.get(), nullptr); info < 0) {
    return fail(ErrorCode::unprocessable, av_message("cannot read the streams", info));
  }
  return format;
}

// The decoder for the best stream of `type`, single-threaded (one thread fewer to sandbox and
// no frame-threading delay), or not_found when there is no such stream.
Result<std::pair<int, CodecPtr>> open_decoder(AVFormatContext* format, AVMediaType type) {
  const AVCodec* codec = nullptr;
  const int index = av_find_best_stream(format, type, -1, -1, &codec, 0);
  if (index == AVERROR_STREAM_NOT_FOUND) return fail(ErrorCode::not_found, "no such stream");
  if (index < 0 || codec == nullptr) {
    return fail(ErrorCode::unprocessable, av_message("no decoder for the stream", index));
  }
  CodecPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return fail(ErrorCode::internal, "out of memory");
  int rc = avcodec_parameters_to_context(ctx.get(), format->streams[index]->codecpar);
  if (rc < 0) return fail(ErrorCode::unprocessable, av_message("bad codec parameters", rc));
  ctx->thread_count = 1;
  if ((rc = avcodec_open2(ctx.get(), codec, nullptr)) < 0) {
    return fail(ErrorCode::unprocessable, av_message("cannot open the decoder", rc));
  }
  return std::pair<int, CodecPtr>{index, std::move(ctx)};
}

// Feeds every packet of `stream` to `decoder`, then drains it, calling on_frame(frame) for each
// decoded frame until it returns false. Fails on a demuxing or decoding error, except that
// damage after at least one good frame ends the stream quietly (a truncated upload still has
// a poster and a waveform of what is there).
template <class OnFrame>
Status decode_stream(AVFormatContext* format, int stream, AVCodecContext* decoder,
                     OnFrame&& on_frame) {
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!packet || !frame) return fail(ErrorCode::internal, "out of memory");
  bool any = false, more = true, flushing = false;
  auto receive = [&]() -> Result<bool> {  // false: stop
    for (;;) {
      const int rc = avcodec_receive_frame(decoder, frame.get());
      if (rc == AVERROR(EAGAIN)) return true;
      if (rc == AVERROR_EOF) return false;
      if (rc < 0) {
        if (any) return false;
        return fail(ErrorCode::unprocessable, av_message("cannot decode", rc));
      }
      any = true;
      const bool go_on = on_frame(frame.get());
      av_frame_unref(frame.get());
      if (!go_on) return false;
    }
  };
  while (more && !flushing) {
    const int rc = av_read_frame(format, packet.get());
    if (rc == AVERROR_EOF || (rc < 0 && any)) {
      flushing = true;
      avcodec_send_packet(decoder, nullptr);
    } else if (rc < 0) {
      return fail(ErrorCode::unprocessable, av_message("cannot read the media", rc));
    } else {
      if (packet->stream_index == stream) {
        const int sent = avcodec_send_packet(decoder, packet.get());
        if (sent < 0 && sent != AVERROR(EAGAIN) && !any) {
          av_packet_unref(packet.get());
          return fail(ErrorCode::unprocessable, av_message("cannot decode", sent));
        }
      }
      av_packet_unref(packet.get());
    }
    MISSIVE_TRY(more, receive());
  }
  if (more && flushing) {
    MISSIVE_TRY(more, receive());
  }
  if (!any) return fail(ErrorCode::unprocessable, "the stream has no decodable frames");
  return {};
}

std::int64_t container_duration_ms(const AVFormatContext* format, int stream) {
  if (format->duration > 0) return av_rescale(format->duration, 1000, AV_TIME_BASE);
  const AVStream* s = format->streams[stream];
  if (s->duration > 0) return av_rescale_q(s->duration, s->time_base, AVRational{1, 1000});
  return 0;
}

Preview av_failed(MediaKind kind, std::string error) {
  Preview preview;
  preview.kind = kind;
  preview.status = PreviewStatus::failed;
  preview.error = std::move(error);
  return preview;
}

// Peaks of |sample| (the loudest channel) over blocks of samples. The stream's length is only
// known at its end (metadata is not trusted), so blocks start at one sample and double, by
// merging neighbours, whenever kMaxBlocks are full: memory stays bounded and there are always
// at least kMaxBlocks / 2 blocks, many per waveform slice.
class PeakAccumulator {
 public:
  void add(float peak) {
    current_ = std::max(current_, peak);
    if (++in_current_ == block_) {
      blocks_.push_back(current_);
      current_ = 0;
      in_current_ = 0;
      if (blocks_.size() == kMaxBlocks) merge();
    }
    ++total_;
  }
  std::int64_t total() const { return total_; }

  std::vector<int> waveform() const {
    std::vector<float> slices(kWaveformSize, 0.0f);
    if (total_ == 0) return std::vector<int>(kWaveformSize, 0);
    auto put = [&](std::int64_t first_sample, float peak) {
      const auto slice = static_cast<std::size_t>(
          std::min<std::int64_t>(kWaveformSize - 1, first_sample * kWaveformSize / total_));
      slices[slice] = std::max(slices[slice], peak);
    };
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
      put(static_cast<std::int64_t>(i) * block_, blocks_[i]);
    }
    if (in_current_ > 0) put(static_cast<std::int64_t>(blocks_.size()) * block_, current_);
    const float loudest = *std::max_element(slices.begin(), slices.end());
    std::vector<int> values;
    for (float peak : slices) {
      values.push_back(loudest > 0 ? static_cast<int>(std::lround(255.0f * peak / loudest)) : 0);
    }
    return values;
  }

 private:
  static constexpr std::size_t kMaxBlocks = 1 << 16;
  void merge() {
    for (std::size_t i = 0; i < blocks_.size() / 2; ++i) {
      blocks_[i] = std::max(blocks_[2 * i], blocks_[2 * i + 1]);
    }
    blocks_.resize(blocks_.size() / 2);
    block_ *= 2;
  }
  std::vector<float> blocks_;
  std::int64_t block_ = 1;
  std::int64_t in_current_ = 0;
  float current_ = 0;
  std::int64_t total_ = 0;
};

// Duration and waveform of the best audio stream of an open input, into `preview`.
Status fill_audio(AVFormatContext* format, Preview& preview) {
  MISSIVE_TRY(auto decoder, open_decoder(format, AVMEDIA_TYPE_AUDIO));
  auto& [stream, codec] = decoder;
  std::unique_ptr<SwrContext, SwrFree> resampler;
  std::vector<float> samples;
  PeakAccumulator peaks;
  int channels = 0, rate = 0;
  std::string error;
  auto on_frame = [&](AVFrame* frame) {
    if (!resampler) {
      // Whatever the decoder's sample format, interleaved float at the same rate and layout.
      SwrContext* raw = nullptr;
      if (swr_alloc_set_opts2(&raw, &frame->ch_layout, AV_SAMPLE_FMT_FLT, frame->sample_rate,
                              &frame->ch_layout, static_cast<AVSampleFormat>(frame->format),
                              frame->sample_rate, 0, nullptr) < 0 ||
          swr_init(raw) < 0) {
        swr_free(&raw);
        error = "cannot convert the samples";
        return false;
      }
      resampler.reset(raw);
      channels = frame->ch_layout.nb_channels;
      rate = frame->sample_rate;
    }
    if (channels <= 0 || frame->ch_layout.nb_channels != channels || frame->sample_rate != rate) {
      error = "the audio format changes mid-stream";
      return false;
    }
    const int capacity = swr_get_out_samples(resampler.get(), frame->nb_samples);
    if (capacity <= 0) return true;
    samples.resize(static_cast<std::size_t>(capacity) * channels);
    auto* out = reinterpret_cast<std::uint8_t*>(samples.data());
    const int got = swr_convert(resampler.get(), &out, capacity,
                                const_cast<const std::uint8_t**>(frame->extended_data),
                                frame->nb_samples);
    if (got < 0) {
      error = "cannot convert the samples";
      return false;
    }
    for (int i = 0; i < got; ++i) {
      float peak = 0;
      for (int c = 0; c < channels; ++c) {
        const float v = samples[static_cast<std::size_t>(i) * channels + c];
        if (std::isfinite(v)) peak = std::max(peak, std::fabs(v));
      }
      peaks.add(std::min(peak, 1.0f));
    }
    return true;
  };
  MISSIVE_TRY_STATUS(decode_stream(format, stream, codec.get(), on_frame));
  if (!error.empty()) return fail(ErrorCode::unprocessable, error);
  if (peaks.total() == 0 || rate <= 0) return fail(ErrorCode::unprocessable, "no audio decoded");
  preview.duration_ms = peaks.total() * 1000 / rate;
  preview.waveform = peaks.waveform();
  return {};
}

// The poster frame of stream `stream`, scaled to fit size x size, as JPEG at `path`.
Status write_poster(AVFormatContext* format, int stream, AVCodecContext* codec,
                    std::int64_t duration_ms, int size, const std::filesystem::path& path) {
  const AVStream* s = format->streams[stream];
  std::int64_t target = AV_NOPTS_VALUE;
  if (duration_ms > 2 * kPosterOffsetMs) {
    target = av_rescale_q(kPosterOffsetMs, AVRational{1, 1000}, s->time_base);
    if (s->start_time != AV_NOPTS_VALUE) target += s->start_time;
    // A failed seek is no failure: the poster then comes from the start.
    if (av_seek_frame(format, stream, target, AVSEEK_FLAG_BACKWARD) < 0) target = AV_NOPTS_VALUE;
    avcodec_flush_buffers(codec);
  }
  FramePtr poster(av_frame_alloc());
  if (!poster) return fail(ErrorCode::internal, "out of memory");
  int frames = 0;
  MISSIVE_TRY_STATUS(decode_stream(format, stream, codec, [&](AVFrame* frame) {
    av_frame_unref(poster.get());
    av_frame_ref(poster.get(), frame);
    const std::int64_t ts = frame->best_effort_timestamp;
    if (target == AV_NOPTS_VALUE || ts == AV_NOPTS_VALUE || ts >= target) return false;
    return ++frames < kPosterFrameBudget;
  }));
  if (poster->width <= 0 || poster->height <= 0) {
    return fail(ErrorCode::unprocessable, "the poster frame is empty");
  }
  const double scale =
      std::min(1.0, static_cast<double>(size) / std::max(poster->width, poster->height));
  const int width = std::max(1, static_cast<int>(std::lround(poster->width * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(poster->height * scale)));
  std::unique_ptr<SwsContext, SwsFree> scaler(
      sws_getContext(poster->width, poster->height, static_cast<AVPixelFormat>(poster->format),
                     width, height, AV_PIX_FMT_RGB24, SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (!scaler) return fail(ErrorCode::unprocessable, "cannot scale the poster frame");
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
  std::uint8_t* planes[4] = {rgb.data(), nullptr, nullptr, nullptr};
  int strides[4] = {width * 3, 0, 0, 0};
  if (sws_scale(scaler.get(), poster->data, poster->linesize, 0, poster->height, planes,
                strides) != height) {
    return fail(ErrorCode::unprocessable, "cannot scale the poster frame");
  }
  return write_rgb_jpeg(rgb.data(), width, height, width * 3, path);
}

}  // namespace

void init_av_decoder() { av_log_set_level(AV_LOG_ERROR); }

Preview preview_video(const WorkerRequest& request) {
  Preview preview;
  preview.kind = MediaKind::video;
  auto format = open_input(request.input);
  if (!format) return av_failed(MediaKind::video, format.error().message);
  auto decoder = open_decoder(format->get(), AVMEDIA_TYPE_VIDEO);
  if (!decoder && decoder.error().code == ErrorCode::not_found) {
    // Sound only, in a video container (a WebM or MP4 of a voice note): its audio preview.
    if (auto audio = fill_audio(format->get(), preview); !audio) {
      return av_failed(MediaKind::video, audio.error().message);
    }
    preview.status = PreviewStatus::ready;
    return preview;
  }
  if (!decoder) return av_failed(MediaKind::video, decoder.error().message);
  auto& [stream, codec] = *decoder;
  const AVCodecParameters* params = (*format)->streams[stream]->codecpar;
  if (params->width <= 0 || params->height <= 0) {
    return av_failed(MediaKind::video, "the video has no dimensions");
  }
  preview.width = params->width;
  preview.height = params->height;
  preview.duration_ms = container_duration_ms(format->get(), stream);
  const std::int64_t pixels = std::int64_t{params->width} * params->height;
  if (pixels > request.max_pixels) {
    preview.status = PreviewStatus::too_large;
    return preview;
  }
  const std::filesystem::path out = request.out_dir / kThumbnailJpeg;
  if (auto poster = write_poster(format->get(), stream, codec.get(), *preview.duration_ms,
                                 request.size, out);
      !poster) {
    return av_failed(MediaKind::video, poster.error().message);
  }
  preview.status = PreviewStatus::ready;
  preview.thumbnail = out;
  preview.thumbnail_type = "image/jpeg";
  return preview;
}

Preview preview_audio(const WorkerRequest& request) {
  Preview preview;
  preview.kind = MediaKind::audio;
  auto format = open_input(request.input);
  if (!format) return av_failed(MediaKind::audio, format.error().message);
  if (auto audio = fill_audio(format->get(), preview); !audio) {
    return av_failed(MediaKind::audio, audio.error().code == ErrorCode::not_found
                                           ? "no audio stream"
                                           : audio.error().message);
  }
  preview.status = PreviewStatus::ready;
  return preview;
}

}  // namespace missive::media
