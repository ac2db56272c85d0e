#include "engine/media_service.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "blob/blob_store.h"
#include "core/validate.h"
#include "engine/password.h"
#include "media/preview.h"
#include "media/sniff.h"

namespace missive {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxTypeBytes = 255;
constexpr std::size_t kSniffBytes = 4096;
constexpr int kSweepBatch = 1000;

std::string human_bytes(std::int64_t bytes) {
  constexpr std::array kUnits = {"bytes", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1000 && unit + 1 < kUnits.size()) {
    value /= 1000;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} bytes", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();  // the terminating NUL
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  randombytes_buf(buffer.data(), buffer.size());
  return to_hex(buffer.data(), buffer.size());
}

// The SHA-256 of a file and its first bytes (for sniffing), read once.
struct Digest {
  std::string sha256;
  std::string head;
};

// OpenSSL's SHA-256, not libsodium's: it uses the CPU's SHA extensions where there are some
// (about 10 times faster on the benchmark machine, docs/performance.md "Attachments"), and
// every upload's bytes pass through here once.
Result<Digest> digest_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::unavailable, fmt::format("cannot read {}", path.string()));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> state(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!state || EVP_DigestInit_ex(state.get(), EVP_sha256(), nullptr) != 1) {
    ::close(fd);
    return fail(ErrorCode::unavailable, "cannot start a SHA-256 digest");
  }
  std::vector<unsigned char> buffer(1 << 20);
  Digest out;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return fail(ErrorCode::unavailable, fmt::format("cannot read {}", path.string()));
    }
    if (n == 0) break;
    if (out.head.size() < kSniffBytes) {
      const auto take = std::min<std::size_t>(kSniffBytes - out.head.size(), n);
      out.head.append(reinterpret_cast<const char*>(buffer.data()), take);
    }
    EVP_DigestUpdate(state.get(), buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::array<unsigned char, 32> hash{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(state.get(), hash.data(), &length) != 1 || length != hash.size()) {
    return fail(ErrorCode::unavailable, "cannot finish a SHA-256 digest");
  }
  out.sha256 = to_hex(hash.data(), hash.size());
  return out;
}

// Parts are named by where they start and how long they are, so a completion can chain them.
std::string part_prefix(UploadId id) { return fmt::format("staging/{}/", id.value); }
std::string part_key(UploadId id, std::int64_t offset, std::int64_t length) {
  return fmt::format("staging/{}/{:020}-{:020}", id.value, offset, length);
}

// A fresh key for content that has none: blob rows never reuse a key the sweeper may be
// deleting.
std::string blob_key(const std::string& sha256) {
  return fmt::format("blobs/{}/{}-{}", sha256.substr(0, 2), sha256, random_hex(4));
}
std::string thumbnail_key(const std::string& sha256, std::string_view type) {
  return fmt::format("thumbs/{}/{}-{}.{}", sha256.substr(0, 2), sha256, random_hex(4),
                     type == "image/jpeg" ? "jpg" : "webp");
}

// A file name as given, minus what could make it a path or break a header.
std::string clean_name(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, kMaxNameBytes)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f || c == '/' || c == '\\') ? '_' : c;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  if (out.empty() || !is_valid_utf8(out)) return "file";
  return out;
}

PreviewState state_of(media::PreviewStatus status) {
  switch (status) {
    case media::PreviewStatus::ready: return PreviewState::ready;
    case media::PreviewStatus::too_large: return PreviewState::too_large;
    case media::PreviewStatus::failed: return PreviewState::failed;
    case media::PreviewStatus::none: return PreviewState::none;
  }
  return PreviewState::failed;
}

// Removes a local temporary file, whatever happened to it.
struct TempFile {
  fs::path path;
  ~TempFile() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

}  // namespace

MediaService::MediaService(Store& store, const Clock& clock, blob::BlobStore& blobs,
                           MediaOptions options)
    : store_(store), clock_(clock), blobs_(blobs), options_(std::move(options)) {}

MediaService::~MediaService() { stop(); }

const fs::path& MediaService::temp_dir() const { return blobs_.temp_dir(); }

Result<MediaConfig> MediaService::config(const Caller& caller) {
  MISSIVE_TRY(std::int64_t used, store_.storage_used(caller.id));
  return MediaConfig{options_.upload_limit, options_.quota_bytes, used,
                     options_.max_attachments, options_.chunk_size, options_.upload_ttl_ms};
}

Status MediaService::admit(const Caller& caller, std::int64_t size) {
  if (size > options_.upload_limit) {
    return fail(ErrorCode::too_large,
                fmt::format("the file is {}; the upload limit is {}", human_bytes(size),
                            human_bytes(options_.upload_limit)));
  }
  MISSIVE_TRY(std::int64_t used, store_.storage_used(caller.id));
  if (used + size > options_.quota_bytes) {
    return fail(ErrorCode::too_large,
                fmt::format("the file is {} and {} of your {} quota is used: remove "
                            "attachments or ask an admin for more",
                            human_bytes(size), human_bytes(used), human_bytes(options_.quota_bytes)));
  }
  return {};
}

Result<UploadCreated> MediaService::create(const Caller& caller, const UploadStart& start) {
  if (start.size < 0) return fail(ErrorCode::invalid, "the upload's length must be 0 or more");
  if (start.declared_type.size() > kMaxTypeBytes) {
    return fail(ErrorCode::invalid, fmt::format("the type is over {} bytes", kMaxTypeBytes));
  }
  if (start.client_upload_id && (start.client_upload_id->empty() ||
                                 start.client_upload_id->size() > 255 ||
                                 !is_valid_utf8(*start.client_upload_id))) {
    return fail(ErrorCode::invalid, "client_upload_id must be 1 to 255 bytes of UTF-8");
  }
  NewUpload n;
  n.owner = caller.id;
  n.client_upload_id = start.client_upload_id;
  n.name = clean_name(start.name);
  n.declared_type = start.declared_type.empty() ? "application/octet-stream" : start.declared_type;
  n.size = start.size;
  n.created_at = clock_.now();
  n.expires_at = n.created_at + options_.upload_ttl_ms;
  auto admitted = admit(caller, start.size);
  if (!admitted && !n.client_upload_id) return std::unexpected(admitted.error());
  MISSIVE_TRY(UploadCreated created, store_.create_upload(n));
  // A retry answers the first upload even when that upload now fills the quota.
  if (!admitted && !created.existing) {
    (void)store_.delete_upload(created.upload.id, caller.id);
    return std::unexpected(admitted.error());
  }
  return created;
}

Result<Upload> MediaService::owned_receiving(const Caller& caller, UploadId id) {
  auto upload = store_.get_upload(id);
  if (!upload || upload->owner != caller.id) {
    if (upload || upload.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::not_found, fmt::format("no upload {}", id.value));
    }
    return std::unexpected(upload.error());
  }
  return upload;
}

Result<Upload> MediaService::append(const Caller& caller, UploadId id, std::int64_t offset,
                                    const fs::path& part, std::int64_t length) {
  TempFile consumed{part};
  // One writer per upload in this process; across nodes the offset check in the store
  // refuses the second of two writers at the same offset.
  {
    std::lock_guard lock(mutex_);
    if (!appending_.insert(id.value).second) {
      return fail(ErrorCode::conflict,
                  fmt::format("another request is writing to upload {}", id.value));
    }
  }
  struct Release {
    MediaService& self;
    UploadId id;
    ~Release() {
      std::lock_guard lock(self.mutex_);
      self.appending_.erase(id.value);
    }
  } release{*this, id};
  MISSIVE_TRY(Upload u, owned_receiving(caller, id));
  if (u.state == UploadState::complete) {
    return fail(ErrorCode::conflict, fmt::format("upload {} is already complete", id.value));
  }
  if (offset == 0 && length == u.size && u.size > 0 && u.offset == u.size) {
    // The whole content again, for an upload whose offset says it is all there but which
    // never completed: a one-request upload records its offset before it completes, so a
    // crash in between left it so, and its retry (the same client_upload_id) lands here.
    // Found by CrashMediaTest; without this the retry was refused (409) for good.
    return complete(u, part);
  }
  if (offset != u.offset) {
    return fail(ErrorCode::conflict, fmt::format("upload {} is at offset {}, not {}: resume "
                                                 "from there",
                                                 id.value, u.offset, offset));
  }
  if (offset + length > u.size) {
    return fail(ErrorCode::too_large,
                fmt::format("upload {} is {} bytes long; {} bytes at offset {} pass its end",
                            id.value, u.size, length, offset));
  }
  if (length == 0 && u.offset < u.size) return u;
  if (offset == 0 && length == u.size) {
    // The whole content in one part: it becomes the blob without being staged.
    MISSIVE_TRY(u, store_.advance_upload(id, 0, length));
    return complete(u, part);
  }
  // Stored durably before the offset says so: a crash in between only means the client
  // sends this part again.
  MISSIVE_TRY_STATUS(blobs_.put_file(part_key(id, offset, length), part));
  consumed.path.clear();
  MISSIVE_TRY(u, store_.advance_upload(id, offset, offset + length));
  if (u.offset < u.size) return u;
  return join_and_complete(u);
}

// Joins the staged parts of an upload whose offset is its size into one local file, and
// completes it with that.
Result<Upload> MediaService::join_and_complete(const Upload& u) {
  const UploadId id = u.id;
  // Join the parts into one local file.
  TempFile joined{blobs_.temp_dir() / fmt::format("join-{}-{}", id.value, random_hex(4))};
  {
    MISSIVE_TRY(auto parts, blobs_.list(part_prefix(id)));
    const int fd = ::open(joined.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::unavailable, "cannot create a temporary file");
    std::map<std::int64_t, std::vector<std::pair<std::int64_t, std::string>>> by_offset;
    for (const auto& info : parts) {
      const std::string name = info.key.substr(part_prefix(id).size());
      std::int64_t at = 0, len = 0;
      if (name.size() != 41) continue;
      std::from_chars(name.data(), name.data() + 20, at);
      std::from_chars(name.data() + 21, name.data() + 41, len);
      by_offset[at].emplace_back(len, info.key);
    }
    std::int64_t at = 0;
    Status copied;
    while (copied && at < u.size) {
      auto found = by_offset.find(at);
      if (found == by_offset.end()) {
        copied = fail(ErrorCode::unavailable,
                      fmt::format("upload {}: the part at offset {} is missing", id.value, at));
        break;
      }
      const auto& [len, key] = found->second.front();
      copied = blobs_.append_to(key, fd);
      at += len;
    }
    ::close(fd);
    MISSIVE_TRY_STATUS(copied);
  }
  return complete(u, joined.path);
}

Result<Upload> MediaService::complete(const Upload& u, const fs::path& content) {
  TempFile consumed{content};
  MISSIVE_TRY(Digest digest, digest_file(content));
  const std::string type = media::sniff_type(digest.head);
  UploadCompletion completion{u.id, digest.sha256, type, "", clock_.now()};
  MISSIVE_TRY(auto done, store_.complete_upload(completion));
  if (!done) {
    // New content: stored under a fresh key before the row names it.
    completion.new_key = blob_key(digest.sha256);
    MISSIVE_TRY_STATUS(blobs_.put_file(completion.new_key, content));
    consumed.path.clear();
    MISSIVE_TRY(done, store_.complete_upload(completion));
    if (!done) return fail(ErrorCode::internal, "upload completion did not take its blob");
  }
  if (auto removed = delete_parts(u.id); !removed) {
    spdlog::warn("upload {}: its parts stay until the sweep: {}", u.id.value,
                 removed.error().message);
  }
  if (done->media.preview == PreviewState::none && media::is_previewable(done->type)) {
    // Recorded, so clients know one is coming (and a restart finds it again: get()).
    MediaInfo pending;
    pending.preview = PreviewState::pending;
    MISSIVE_TRY(done, store_.set_upload_media(u.id, pending, "", clock_.now()));
    queue_preview(u.id);
  }
  return *done;
}

Result<UploadCreated> MediaService::upload_whole(const Caller& caller, const UploadStart& start,
                                                 const fs::path& file, std::int64_t length) {
  TempFile consumed{file};
  UploadStart whole = start;
  whole.size = length;
  MISSIVE_TRY(UploadCreated created, create(caller, whole));
  if (created.existing && created.upload.state == UploadState::complete) return created;
  if (created.upload.size != length) {
    return fail(ErrorCode::conflict,
                fmt::format("client_upload_id names upload {} of {} bytes, not {}",
                            created.upload.id.value, created.upload.size, length));
  }
  consumed.path.clear();
  MISSIVE_TRY(created.upload, append(caller, created.upload.id, 0, file, length));
  return created;
}

Result<Upload> MediaService::get(const Caller& caller, UploadId id) {
  auto upload = store_.get_upload(id);
  if (upload && upload->owner == caller.id) {
    if (upload->state == UploadState::receiving && upload->size > 0 &&
        upload->offset == upload->size) {
      // Every byte is stored but the upload never completed: the server stopped between the
      // last PATCH's offset and its completion. A tus client that asks HEAD now sees the full
      // offset and considers the upload done, so it is completed here. Found by
      // CrashMediaTest.
      {
        std::lock_guard lock(mutex_);
        if (!appending_.insert(id.value).second) return upload;  // a request is on it
      }
      auto done = join_and_complete(*upload);
      {
        std::lock_guard lock(mutex_);
        appending_.erase(id.value);
      }
      if (done) return done;
      // A one-request upload stores no parts: its retry brings the content again (append).
      spdlog::debug("upload {}: not completed on read: {}", id.value, done.error().message);
    }
  }
  if (!upload && upload.error().code != ErrorCode::not_found) return upload;
  if (!upload || upload->owner != caller.id) {
    upload = store_.visible_upload(id, caller.id, clock_.now());
  }
  // A preview pending since before a restart is made again when someone asks for it.
  if (upload && upload->media.preview == PreviewState::pending) queue_preview(id);
  return upload;
}

Status MediaService::cancel(const Caller& caller, UploadId id) {
  MISSIVE_TRY_STATUS(store_.delete_upload(id, caller.id));
  return delete_parts(id);
}

Status MediaService::delete_parts(UploadId id) {
  MISSIVE_TRY(auto parts, blobs_.list(part_prefix(id)));
  for (const auto& part : parts) MISSIVE_TRY_STATUS(blobs_.remove(part.key));
  return {};
}

Result<ServedFile> MediaService::open(UserId viewer, UploadId id, bool thumbnail) {
  MISSIVE_TRY(Upload u, store_.visible_upload(id, viewer, clock_.now()));
  if (u.state != UploadState::complete || (thumbnail && u.thumbnail_key.empty())) {
    return fail(ErrorCode::not_found,
                fmt::format("attachment {} has no {}", id.value,
                            thumbnail ? "thumbnail" : "content yet"));
  }
  const std::string& key = thumbnail ? u.thumbnail_key : u.blob_key;
  MISSIVE_TRY(fs::path path, blobs_.local_path(key));
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return fail(ErrorCode::unavailable, fmt::format("attachment {} cannot be read", id.value));
  ServedFile file;
  file.path = std::move(path);
  file.size = static_cast<std::int64_t>(size);
  file.type = thumbnail ? u.media.thumbnail_type : u.type;
  file.name = thumbnail ? fmt::format("{}.thumbnail", u.name) : u.name;
  file.etag = thumbnail ? key.substr(key.rfind('/') + 1) : u.sha256;
  return file;
}

std::string MediaService::sign(UserId viewer, UploadId id, bool thumbnail,
                               Timestamp expires) const {
  const std::string message =
      fmt::format("attachment:{}:{}:{}:{}", id.value, thumbnail ? "thumbnail" : "file",
                  viewer.value, expires);
  return hmac_sha256_hex(options_.url_key, message);
}

std::string MediaService::signed_url(UserId viewer, UploadId id, bool thumbnail) const {
  const Timestamp expires = clock_.now() + options_.url_ttl_ms;
  return fmt::format("/v1/attachments/{}{}?user={}&expires={}&sig={}", id.value,
                     thumbnail ? "/thumbnail" : "", viewer.value, expires,
                     sign(viewer, id, thumbnail, expires));
}

Result<UserId> MediaService::check_signed(UploadId id, bool thumbnail, const SignedUrl& url) {
  const std::string expected = sign(url.user, id, thumbnail, url.expires);
  if (!equal_in_constant_time(url.signature, expected)) return fail(ErrorCode::unauthenticated, "the link's signature is not valid");
  if (url.expires <= clock_.now()) {
    return fail(ErrorCode::unauthenticated, "the link has expired: ask for a new one");
  }
  auto user = store_.get_user(url.user);
  if (!user || !user->is_active) {
    if (user || user.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::unauthenticated, "the link's user is no longer active");
    }
    return std::unexpected(user.error());
  }
  return url.user;
}

Status MediaService::make_preview(UploadId id) {
  MISSIVE_TRY(Upload u, store_.get_upload(id));
  if (u.state != UploadState::complete ||
      (u.media.preview != PreviewState::none && u.media.preview != PreviewState::pending)) {
    return {};
  }
  MISSIVE_TRY(fs::path content, blobs_.local_path(u.blob_key));
  TempFile out{blobs_.temp_dir() / fmt::format("preview-{}-{}", id.value, random_hex(4))};
  std::error_code ec;
  fs::create_directories(out.path, ec);
  if (ec) return fail(ErrorCode::unavailable, "cannot create a preview directory");
  media::PreviewLimits limits;
  limits.max_pixels = options_.max_pixels;
  limits.thumbnail_px = options_.thumbnail_px;
  limits.memory_bytes = options_.preview_memory_bytes;
  limits.cpu_seconds = options_.preview_seconds;
  limits.wall_seconds = options_.preview_seconds * 2;
  const media::Preview preview =
      media::make_preview(options_.preview_worker, content, u.type, out.path, limits);
  MediaInfo info;
  info.preview = state_of(preview.status);
  info.width = preview.width;
  info.height = preview.height;
  info.duration_ms = preview.duration_ms;
  info.waveform = preview.waveform;
  std::string thumb_key;
  if (preview.thumbnail && info.preview == PreviewState::ready) {
    thumb_key = thumbnail_key(u.sha256, preview.thumbnail_type);
    info.thumbnail_type = preview.thumbnail_type;
    MISSIVE_TRY_STATUS(blobs_.put_file(thumb_key, *preview.thumbnail));
  }
  if (info.preview == PreviewState::failed) {
    spdlog::info("upload {} ({}): no preview: {}", id.value, u.type, preview.error);
  }
  MISSIVE_TRY_STATUS(store_.set_upload_media(id, info, thumb_key, clock_.now()));
  return {};
}

void MediaService::queue_preview(UploadId id) {
  std::lock_guard lock(mutex_);
  if (threads_.empty()) return;  // not started (embedded without background work)
  if (!queued_.insert(id.value).second) return;  // already waiting or being made
  previews_.push_back(id);
  wake_.notify_all();
}

void MediaService::start(Timestamp sweep_interval_ms) {
  std::lock_guard lock(mutex_);
  if (!threads_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.preview_threads); ++i) {
    threads_.emplace_back([this] { preview_loop(); });
  }
  threads_.emplace_back([this, sweep_interval_ms] { sweep_loop(sweep_interval_ms); });
}

void MediaService::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
    wake_.notify_all();
  }
  for (auto& t : threads) t.join();
}

void MediaService::preview_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !previews_.empty(); });
    if (stopping_) return;
    const UploadId id = previews_.front();
    previews_.pop_front();
    lock.unlock();
    if (auto made = make_preview(id); !made) {
      spdlog::warn("upload {}: preview not made: {}", id.value, made.error().message);
    }
    lock.lock();
    queued_.erase(id.value);
  }
}

void MediaService::sweep_loop(Timestamp interval_ms) {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::milliseconds(interval_ms), [&] { return stopping_; });
    if (stopping_) return;
    lock.unlock();
    if (auto swept = sweep(); !swept) {
      spdlog::warn("attachment sweep failed: {}", swept.error().message);
    }
    lock.lock();
  }
}

Result<std::int64_t> MediaService::sweep() {
  const Timestamp now = clock_.now();
  std::int64_t deleted = 0;
  for (;;) {
    MISSIVE_TRY(UploadSweep swept,
                store_.sweep_uploads(now, now - options_.upload_ttl_ms, kSweepBatch));
    for (UploadId id : swept.removed_receiving) MISSIVE_TRY_STATUS(delete_parts(id));
    // The rows stopped naming these keys (deleting) before their storage goes.
    for (const std::string& key : swept.dead_blobs) {
      MISSIVE_TRY_STATUS(blobs_.remove(key));
      ++deleted;
    }
    if (!swept.dead_blobs.empty()) MISSIVE_TRY_STATUS(store_.forget_blobs(swept.dead_blobs));
    if (swept.removed_uploads < kSweepBatch &&
        static_cast<int>(swept.dead_blobs.size()) < kSweepBatch) {
      break;
    }
  }
  // Storage no row names, older than the upload TTL: what a crash left between storing
  // bytes and committing the row that names them (or between a row's removal and the
  // deletion of its storage).
  const Timestamp old = now - options_.upload_ttl_ms;
  MISSIVE_TRY(auto named, store_.blob_keys());
  const std::set<std::string> keep(named.begin(), named.end());
  for (const char* prefix : {"blobs/", "thumbs/"}) {
    MISSIVE_TRY(auto stored, blobs_.list(prefix));
    for (const auto& info : stored) {
      if (info.modified < old && !keep.contains(info.key)) {
        MISSIVE_TRY_STATUS(blobs_.remove(info.key));
        ++deleted;
      }
    }
  }
  MISSIVE_TRY(auto staged, blobs_.list("staging/"));
  for (const auto& info : staged) {
    if (info.modified >= old) continue;
    std::int64_t id = 0;
    const std::string_view rest = std::string_view(info.key).substr(8);
    std::from_chars(rest.data(), rest.data() + rest.size(), id);
    auto upload = store_.get_upload(UploadId(id));
    if (upload && upload->state == UploadState::receiving) continue;
    if (!upload && upload.error().code != ErrorCode::not_found) continue;
    MISSIVE_TRY_STATUS(blobs_.remove(info.key));
    ++deleted;
  }
  return deleted;
}

}  // namespace missive
