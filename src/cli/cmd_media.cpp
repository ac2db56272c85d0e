// `missive upload` and `missive download`, and the tus upload `send --attach` uses.

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cli/commands.h"
#include "cli/media.h"

namespace missive::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kDefaultChunk = 8 << 20;
// Waits before each retry of a failed request; one more failure in a row gives up.
constexpr std::array kBackoffMs = {500, 1000, 2000, 4000, 8000};

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63],
            kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const auto n = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::string random_id() {
  std::random_device device;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", device());
  return out;
}

// The declared type by extension; the server sniffs the real one from the content anyway.
std::string guess_type(const std::string& name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kTypes = {{
      {".jpg", "image/jpeg"},       {".jpeg", "image/jpeg"},     {".png", "image/png"},
      {".gif", "image/gif"},        {".webp", "image/webp"},     {".mp4", "video/mp4"},
      {".webm", "video/webm"},      {".mov", "video/quicktime"}, {".mp3", "audio/mpeg"},
      {".ogg", "audio/ogg"},        {".opus", "audio/ogg"},      {".m4a", "audio/mp4"},
      {".wav", "audio/wav"},        {".pdf", "application/pdf"}, {".txt", "text/plain"},
      {".html", "text/html"},       {".json", "application/json"},
      {".zip", "application/zip"},  {".csv", "text/csv"},       {".svg", "image/svg+xml"},
  }};
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [suffix, type] : kTypes) {
    if (ext == suffix) return std::string(type);
  }
  return "application/octet-stream";
}

// 1536 -> "1.5 KB" (1024-based, as file sizes usually are on a desktop).
std::string format_bytes(std::int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  constexpr std::array kUnits = {"KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

// Progress of one transfer on stderr: a bar redrawn in place on a terminal, a line per whole
// 10 % otherwise (logs, CI), nothing with --quiet.
class Progress {
 public:
  Progress(std::string name, std::int64_t total, bool quiet)
      : name_(std::move(name)), total_(total), quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::int64_t done) {
    if (quiet_) return;
    const int percent = total_ > 0 ? static_cast<int>(done * 100 / total_) : 100;
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = percent * kWidth / 100;
      fmt::print(stderr, "\r{:.30} [{}{}] {:3}% {} of {}\x1b[K", name_, std::string(filled, '#'),
                 std::string(kWidth - filled, '.'), percent, format_bytes(done),
                 format_bytes(total_));
      drawn_ = true;
    } else if (percent / 10 != last_ / 10 || (percent == 100 && last_ != 100)) {
      fmt::print(stderr, "{}: {}%\n", name_, percent);
    }
    last_ = percent;
    std::fflush(stderr);
  }

  void note(std::string_view what) {
    if (quiet_) return;
    if (tty_ && drawn_) fmt::print(stderr, "\n");
    drawn_ = false;
    fmt::print(stderr, "{}: {}\n", name_, what);
  }

  void finish() {
    if (!quiet_ && tty_ && drawn_) fmt::print(stderr, "\n");
    drawn_ = false;
  }

 private:
  std::string name_;
  std::int64_t total_;
  bool quiet_;
  bool tty_;
  bool drawn_ = false;
  int last_ = -1;
};

std::optional<std::int64_t> header_int(const client::HttpResponse& response, std::string_view name) {
  const std::string text = response.header(name);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

// A failed tus exchange: worth another try (no answer, 409 another offset, 423, 429, 5xx)?
bool retryable(const Result<client::HttpResponse>& answer) {
  if (!answer) return answer.error().code == ErrorCode::unavailable;
  const int s = answer->status;
  return s == 409 || s == 423 || s == 429 || s >= 500;
}

Error error_from(const Result<client::HttpResponse>& answer, std::string_view method,
                 std::string_view target) {
  return answer ? Api::error_of(method, target, *answer) : answer.error();
}

}  // namespace

Result<Response> upload_file(Api& api, const std::string& path, const TransferOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return fail(ErrorCode::invalid, fmt::format("{}: not a readable file", path));
  }
  const auto size = static_cast<std::int64_t>(fs::file_size(path, ec));
  if (ec) return fail(ErrorCode::invalid, fmt::format("{}: {}", path, ec.message()));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::invalid, fmt::format("{}: {}", path, std::strerror(errno)));
  const std::string name = fs::path(path).filename().string();

  MISSIVE_TRY(const auto config, api.get("/v1/media/config"));
  std::int64_t chunk = kDefaultChunk;
  std::string endpoint = "/v1/tus";
  if (const JsonValue* tus = member(config.json, "tus"); tus != nullptr) {
    chunk = get_int(*tus, "chunk_size", kDefaultChunk);
    endpoint = get_string(*tus, "endpoint", endpoint);
  }
  if (chunk <= 0) chunk = kDefaultChunk;

  Progress progress(name, size, options.quiet);
  std::size_t failures = 0;
  // Waits before the next try of a failed exchange, or gives up with its error.
  const auto again_or_fail = [&](const Result<client::HttpResponse>& answer,
                                 std::string_view method, std::string_view target) -> Status {
    if (!retryable(answer) || failures >= kBackoffMs.size()) {
      Error error = error_from(answer, method, target);
      error.message = fmt::format("uploading {}: {}", path, error.message);
      return std::unexpected(std::move(error));
    }
    progress.note(fmt::format("reconnecting ({})", error_from(answer, method, target).message));
    std::this_thread::sleep_for(std::chrono::milliseconds(kBackoffMs[failures++]));
    return {};
  };
  const std::pair<std::string, std::string> tus_version{"Tus-Resumable", "1.0.0"};

  // The same client_upload_id makes a retried creation answer the same upload.
  const std::string metadata =
      fmt::format("filename {},filetype {},client_upload_id {}", base64(name),
                  base64(guess_type(name)), base64(random_id()));
  std::string location;
  for (;;) {
    auto created = api.send({.method = "POST",
                             .target = endpoint,
                             .headers = {tus_version,
                                         {"Upload-Length", std::to_string(size)},
                                         {"Upload-Metadata", metadata}},
                             .body = {}});
    if (created && (created->status == 201 || created->status == 200)) {
      location = created->header("Location");
      break;
    }
    MISSIVE_TRY_STATUS(again_or_fail(created, "POST", endpoint));
  }
  // "/v1/tus/17" or "http://host/v1/tus/17": the path, and the id at its end.
  if (const auto scheme = location.find("://"); scheme != std::string::npos) {
    const auto slash = location.find('/', scheme + 3);
    location = slash == std::string::npos ? "" : location.substr(slash);
  }
  const auto last = location.find_last_of('/');
  const auto id = last == std::string::npos ? std::nullopt : parse_id(location.substr(last + 1));
  if (!id) {
    return fail(ErrorCode::internal,
                fmt::format("the server's tus creation answered no usable Location (\"{}\")",
                            location));
  }

  std::int64_t offset = 0;
  bool sent_once = false;  // a zero-length upload still takes one (empty) PATCH
  bool ask_offset = false;
  std::string buffer;
  progress.update(0);
  while (offset < size || !sent_once) {
    if (ask_offset) {
      auto head = api.send({.method = "HEAD", .target = location, .headers = {tus_version},
                            .body = {}});
      const auto stored = head && head->status == 200 ? header_int(*head, "Upload-Offset")
                                                      : std::nullopt;
      if (!stored) {
        MISSIVE_TRY_STATUS(again_or_fail(head, "HEAD", location));
        continue;
      }
      offset = *stored;
      ask_offset = false;
      progress.update(offset);
      if (offset >= size && sent_once) break;
    }
    const auto n = std::min(chunk, size - offset);
    buffer.resize(static_cast<std::size_t>(n));
    in.clear();
    in.seekg(offset);
    if (!in.read(buffer.data(), n)) {
      return fail(ErrorCode::invalid, fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    }
    auto patched = api.send(
        {.method = "PATCH",
         .target = location,
         .headers = {tus_version,
                     {"Content-Type", "application/offset+octet-stream"},
                     {"Upload-Offset", std::to_string(offset)}},
         .body = buffer});
    const auto stored = patched && (patched->status == 204 || patched->status == 200)
                            ? header_int(*patched, "Upload-Offset")
                            : std::nullopt;
    if (stored) {
      offset = *stored;
      sent_once = true;
      failures = 0;
      progress.update(offset);
      continue;
    }
    MISSIVE_TRY_STATUS(again_or_fail(patched, "PATCH", location));
    // The server may have stored part or all of the chunk: go on from where it says.
    ask_offset = true;
  }
  progress.finish();
  return api.get(fmt::format("/v1/uploads/{}", *id));
}

std::optional<std::string> download_file_name(std::string_view header) {
  // filename*=UTF-8''percent%20encoded wins over filename="quoted".
  std::string name;
  const auto value_after = [&](std::string_view key) -> std::optional<std::string_view> {
    for (std::size_t at = header.find(key); at != std::string_view::npos;
         at = header.find(key, at + 1)) {
      if (at > 0 && header[at - 1] != ' ' && header[at - 1] != ';') continue;
      return header.substr(at + key.size());
    }
    return std::nullopt;
  };
  if (auto extended = value_after("filename*=")) {
    auto text = extended->substr(0, extended->find(';'));
    if (const auto quote = text.find("''"); quote != std::string_view::npos) {
      text.remove_prefix(quote + 2);
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
        if (ec == std::errc() && end == text.data() + i + 3) {
          name.push_back(static_cast<char>(value));
          i += 2;
          continue;
        }
      }
      name.push_back(text[i]);
    }
  } else if (auto plain = value_after("filename=")) {
    if (!plain->empty() && plain->front() == '"') {
      for (std::size_t i = 1; i < plain->size() && (*plain)[i] != '"'; ++i) {
        if ((*plain)[i] == '\\' && i + 1 < plain->size()) ++i;
        name.push_back((*plain)[i]);
      }
    } else {
      name = std::string(plain->substr(0, plain->find(';')));
    }
  }
  // Only the last path component, without control characters, and never hidden or a
  // directory name: the file lands in the current directory and nowhere else.
  if (const auto slash = name.find_last_of("/\\"); slash != std::string::npos) {
    name.erase(0, slash + 1);
  }
  std::erase_if(name, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
  while (!name.empty() && (name.front() == '.' || name.front() == ' ')) name.erase(0, 1);
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name.empty()) return std::nullopt;
  return name;
}

namespace {

struct MediaOptions {
  std::vector<std::string> files;
  std::int64_t id = 0;
  std::string output;
  bool force = false;
  bool quiet = false;
};

void print_upload(const JsonValue& upload) {
  fmt::print("upload {}: {} ({}, {}) sha256 {}\n", get_int(upload, "id"),
             get_string(upload, "name"), format_bytes(get_int(upload, "size")),
             get_string(upload, "type"), get_string(upload, "sha256"));
}

Status upload(const Context& context, const MediaOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  for (const auto& file : o.files) {
    MISSIVE_TRY(const auto response, upload_file(*api, file, {.quiet = o.quiet}));
    if (!print_raw(context, response)) print_upload(response.json);
  }
  return {};
}

// Streams the attachment to OUTPUT.part, then renames it: an interrupted download never
// leaves a partial file under the real name.
Status download(const Context& context, const MediaOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  const std::string target = fmt::format("/v1/attachments/{}", o.id);
  const bool to_stdout = o.output == "-";
  std::string path, part;
  std::FILE* out = nullptr;
  std::int64_t written = 0;
  std::optional<Progress> progress;
  const auto close_part = [&] {
    if (out != nullptr && !to_stdout) std::fclose(out);
    out = nullptr;
    if (!part.empty()) std::remove(part.c_str());
  };
  client::BodySink sink{
      .on_head = [&](const client::HttpResponse& head) -> Status {
        if (to_stdout) {
          out = stdout;
        } else {
          path = o.output;
          if (path.empty()) {
            path = download_file_name(head.header("Content-Disposition"))
                       .value_or(fmt::format("attachment-{}", o.id));
          }
          std::error_code ec;
          if (!o.force && fs::exists(path, ec)) {
            return fail(ErrorCode::conflict,
                        fmt::format("{} exists: give --force to overwrite it, or -o another name",
                                    path));
          }
          part = path + ".part";
          out = std::fopen(part.c_str(), "wb");
          if (out == nullptr) {
            return fail(ErrorCode::invalid,
                        fmt::format("cannot write {}: {}", part, std::strerror(errno)));
          }
        }
        progress.emplace(to_stdout ? "download" : path,
                         std::max<std::int64_t>(1, header_int(head, "Content-Length").value_or(0)),
                         o.quiet || to_stdout);
        return {};
      },
      .on_data = [&](std::string_view data) -> Status {
        if (std::fwrite(data.data(), 1, data.size(), out) != data.size()) {
          return fail(ErrorCode::invalid, fmt::format("cannot write {}: {}",
                                                      to_stdout ? "stdout" : part,
                                                      std::strerror(errno)));
        }
        written += static_cast<std::int64_t>(data.size());
        progress->update(written);
        return {};
      }};
  auto answer = api->send({.method = "GET", .target = target, .headers = {}, .body = {}}, &sink);
  if (!answer) {
    close_part();
    return std::unexpected(answer.error());
  }
  if (answer->status >= 400) {
    close_part();
    Error error = Api::error_of("GET", target, *answer);
    if (answer->status == 404) {
      error.message = fmt::format("attachment {} not found, or you may not see it", o.id);
    }
    return std::unexpected(std::move(error));
  }
  if (progress) progress->finish();
  if (to_stdout) return {};
  const bool flushed = std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
  const bool closed = std::fclose(out) == 0;
  out = nullptr;
  if (!flushed || !closed) {
    std::remove(part.c_str());
    return fail(ErrorCode::invalid, fmt::format("cannot write {}: {}", part, std::strerror(errno)));
  }
  std::error_code ec;
  fs::rename(part, path, ec);
  if (ec) {
    std::remove(part.c_str());
    return fail(ErrorCode::invalid, fmt::format("cannot create {}: {}", path, ec.message()));
  }
  if (context.json) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    write_key(w, "id");
    w.Int64(o.id);
    write_key(w, "path");
    write_string(w, path);
    write_key(w, "size");
    w.Int64(written);
    w.EndObject();
    fmt::print("{}\n", buffer.GetString());
  } else {
    fmt::print("saved attachment {} to {} ({})\n", o.id, path, format_bytes(written));
  }
  return {};
}

}  // namespace

void register_media_commands(CLI::App& app, Context& context) {
  auto o = std::make_shared<MediaOptions>();
  CLI::App* up = command(app, context, o, "upload",
                         "upload files (resumable); prints each upload's id for send --attach",
                         upload);
  up->add_option("files", o->files, "the files")->required()->check(CLI::ExistingFile);
  up->add_flag("--quiet,-q", o->quiet, "no progress on stderr");

  CLI::App* down = command(app, context, o, "download",
                           "save an attachment of a message you sent or received", download);
  down->add_option("id", o->id, "the attachment (upload) id")->required();
  down->add_option("-o,--output", o->output,
                   "where to save it (default: its name, in the current directory; - for stdout)");
  down->add_flag("--force", o->force, "overwrite an existing file");
  down->add_flag("--quiet,-q", o->quiet, "no progress on stderr");
}

}  // namespace missive::cli
