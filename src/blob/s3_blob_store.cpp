#include "blob/s3_blob_store.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "blob/posix_io.h"
#include "blob/s3_xml.h"
#include "blob/sigv4.h"
#include "net/curl_handle.h"

namespace missive::blob {

struct S3BlobStore::Call {
  const char* method = "GET";
  const char* what = "";     // for errors: "put", "get", ...
  std::string object;        // object name; empty for a bucket-level call
  std::vector<std::pair<std::string, std::string>> query;
  std::string payload_hash = sigv4::sha256_hex("");
  int upload_fd = -1;        // PUT body, read from its current offset
  std::int64_t upload_size = 0;
  int download_fd = -1;      // a 2xx body goes here; other bodies into Response::body
  const std::filesystem::path* download_name = nullptr;  // names download_fd in errors
};

struct S3BlobStore::Response {
  long status = 0;
  std::string body;  // the body when it did not go to download_fd
};

namespace {

constexpr std::size_t kMaxBodyBytes = 16 << 20;  // list pages and error documents
constexpr int kMaxIdleHandles = 8;

struct Transfer {
  CURL* handle = nullptr;
  int upload_fd = -1;
  int download_fd = -1;
  const std::filesystem::path* download_name = nullptr;
  bool decided = false;  // whether the body goes to download_fd, known at its first byte
  bool to_fd = false;
  std::string body;
  Status failure;        // why a callback stopped the transfer
};

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (!transfer.decided) {
    // Headers are in by the first body byte: only a success's body is the blob.
    long status = 0;
    curl_easy_getinfo(transfer.handle, CURLINFO_RESPONSE_CODE, &status);
    transfer.to_fd = transfer.download_fd >= 0 && status / 100 == 2;
    transfer.decided = true;
  }
  if (transfer.to_fd) {
    Status written = write_all(transfer.download_fd, data, bytes,
                               transfer.download_name ? *transfer.download_name : "(output)");
    if (!written) {
      transfer.failure = std::move(written);
      return 0;
    }
    return bytes;
  }
  if (transfer.body.size() + bytes > kMaxBodyBytes) {
    transfer.failure = fail(ErrorCode::unavailable, "S3 response body too large");
    return 0;
  }
  transfer.body.append(data, bytes);
  return bytes;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  for (;;) {
    const ssize_t n = ::read(transfer.upload_fd, buffer, size * count);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    transfer.failure = io_error("read", "(upload)");
    return CURL_READFUNC_ABORT;
  }
}

// The file's SHA-256 (hex), read in 1 MiB chunks; S3 checks the body against it.
Result<std::string> sha256_of(int fd, const std::filesystem::path& path) {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    return fail(ErrorCode::unavailable, "cannot initialise SHA-256");
  }
  constexpr std::size_t kChunk = 1 << 20;
  auto buffer = std::make_unique_for_overwrite<char[]>(kChunk);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.get(), kChunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path);
    }
    EVP_DigestUpdate(context.get(), buffer.get(), static_cast<std::size_t>(n));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context.get(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// "http://host:port" -> "host:port"; empty when not an http(s) URL without a path.
std::string endpoint_host(std::string_view endpoint) {
  std::string_view rest;
  if (endpoint.starts_with("http://")) {
    rest = endpoint.substr(7);
  } else if (endpoint.starts_with("https://")) {
    rest = endpoint.substr(8);
  } else {
    return "";
  }
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) return "";
  return std::string(rest);
}

}  // namespace

Result<S3Config> parse_s3_spec(std::string_view spec) {
  if (!spec.starts_with("s3://")) {
    return fail(ErrorCode::invalid, fmt::format("blob store spec '{}' is not s3://BUCKET[/PREFIX]?...", spec));
  }
  std::string_view rest = spec.substr(5);
  std::string_view query;
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  S3Config config;
  const std::size_t slash = rest.find('/');
  config.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    config.prefix = std::string(prefix);
  }
  const bool bucket_ok = !config.bucket.empty() && config.bucket.size() <= 63 &&
                         std::all_of(config.bucket.begin(), config.bucket.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
                         });
  if (!bucket_ok) return fail(ErrorCode::invalid, fmt::format("blob store spec '{}': bad bucket name", spec));
  if (!config.prefix.empty() && !check_key(config.prefix)) {
    return fail(ErrorCode::invalid, fmt::format("blob store spec '{}': bad prefix '{}'", spec, config.prefix));
  }
  std::string endpoint;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    if (name == "endpoint") {
      endpoint = value;
    } else if (name == "region") {
      config.region = value;
    } else {
      return fail(ErrorCode::invalid,
                  fmt::format("blob store spec '{}': unknown parameter '{}' (known: endpoint, region)", spec, name));
    }
  }
  if (config.region.empty()) return fail(ErrorCode::invalid, fmt::format("blob store spec '{}': empty region", spec));
  config.endpoint = endpoint.empty() ? fmt::format("https://s3.{}.amazonaws.com", config.region) : endpoint;
  while (config.endpoint.ends_with('/')) config.endpoint.pop_back();
  if (endpoint_host(config.endpoint).empty()) {
    return fail(ErrorCode::invalid,
                fmt::format("blob store spec '{}': endpoint '{}' is not http(s)://HOST[:PORT]", spec, config.endpoint));
  }
  return config;
}

Result<std::unique_ptr<S3BlobStore>> S3BlobStore::open(S3Config config) {
  while (config.endpoint.ends_with('/')) config.endpoint.pop_back();
  std::string host = endpoint_host(config.endpoint);
  if (host.empty()) {
    return fail(ErrorCode::invalid, fmt::format("S3 endpoint '{}' is not http(s)://HOST[:PORT]", config.endpoint));
  }
  if (config.bucket.empty()) return fail(ErrorCode::invalid, "S3 bucket is empty");
  if (config.access_key.empty() || config.secret_key.empty()) {
    return fail(ErrorCode::invalid, "S3 access key or secret key is empty");
  }
  if (config.list_page_size < 1) return fail(ErrorCode::invalid, "S3 list page size must be positive");
  std::error_code ec;
  std::filesystem::create_directories(config.temp_dir, ec);
  if (ec) {
    return fail(ErrorCode::unavailable,
                fmt::format("cannot create directory {}: {}", config.temp_dir.string(), ec.message()));
  }
  MISSIVE_TRY(auto cache, BlobCache::open(config.cache_dir, config.cache_bytes));
  net::init_curl();
  return std::unique_ptr<S3BlobStore>(new S3BlobStore(std::move(config), std::move(host), std::move(cache)));
}

S3BlobStore::~S3BlobStore() {
  for (void* handle : idle_handles_) curl_easy_cleanup(handle);
}

void* S3BlobStore::take_handle() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      // reset clears the options but keeps the connection cache.
      curl_easy_reset(handle);
      return handle;
    }
  }
  return curl_easy_init();
}

void S3BlobStore::give_handle(void* handle) {
  {
    std::lock_guard lock(pool_mutex_);
    if (idle_handles_.size() < kMaxIdleHandles) {
      idle_handles_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(handle);
}

std::string S3BlobStore::object_name(const std::string& key) const {
  return config_.prefix.empty() ? key : config_.prefix + '/' + key;
}

namespace {

bool transient_status(long status) { return status == 500 || status == 502 || status == 503 || status == 504; }

// Failures of the connection rather than of the request: another try may well succeed.
bool transient_transport(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR ||
         code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE;
}

}  // namespace

Result<S3BlobStore::Response> S3BlobStore::perform(const Call& call) {
  // An upload is read from the descriptor's offset: each try starts from the same one.
  const off_t upload_start = call.upload_fd >= 0 ? ::lseek(call.upload_fd, 0, SEEK_CUR) : 0;
  if (upload_start < 0) return io_error("seek", "(upload)");
  thread_local std::minstd_rand random{std::random_device{}()};
  long pause_ms = 100;
  for (int attempt = 1;; ++attempt) {
    bool retryable = false;
    auto response = perform_once(call, retryable);
    if (!retryable || attempt >= config_.max_attempts) return response;
    if (call.upload_fd >= 0 && ::lseek(call.upload_fd, upload_start, SEEK_SET) != upload_start) {
      return io_error("seek", "(upload)");
    }
    // About 100 ms, 400 ms, 1.6 s, ..., each ±50 % so that calls that failed together spread out.
    std::uniform_int_distribution<long> jittered(pause_ms / 2, pause_ms * 3 / 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(jittered(random)));
    pause_ms *= 4;
  }
}

Result<S3BlobStore::Response> S3BlobStore::perform_once(const Call& call, bool& retryable) {
  retryable = false;
  sigv4::Request request;
  request.method = call.method;
  request.canonical_uri = "/" + sigv4::uri_encode(config_.bucket, false);
  if (!call.object.empty()) request.canonical_uri += "/" + sigv4::uri_encode(call.object, true);
  request.query = call.query;
  request.payload_hash = call.payload_hash;
  const std::string date = sigv4::amz_date(std::chrono::system_clock::now());
  request.headers = {{"host", host_}, {"x-amz-content-sha256", call.payload_hash}, {"x-amz-date", date}};
  const sigv4::Signature signature = sigv4::sign(
      request, {config_.access_key, config_.secret_key, config_.region, "s3"}, date);

  // The URL's query is encoded exactly as the signed one, or the server computes another
  // signature.
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : call.query) {
    query.emplace_back(sigv4::uri_encode(name, false), sigv4::uri_encode(value, false));
  }
  std::sort(query.begin(), query.end());
  std::string url = config_.endpoint + request.canonical_uri;
  for (std::size_t i = 0; i < query.size(); ++i) {
    url += (i == 0 ? '?' : '&') + query[i].first + '=' + query[i].second;
  }

  net::Slist headers;
  for (const std::string& header :
       {"Host: " + host_, "x-amz-content-sha256: " + call.payload_hash, "x-amz-date: " + date,
        "Authorization: " + signature.authorization, std::string("Expect:")}) {
    if (!net::append(headers, header)) return fail(ErrorCode::unavailable, "out of memory for S3 request headers");
  }

  CURL* handle = take_handle();
  if (handle == nullptr) return fail(ErrorCode::unavailable, "cannot create a curl handle");
  Transfer transfer;
  transfer.handle = handle;
  transfer.upload_fd = call.upload_fd;
  transfer.download_fd = call.download_fd;
  transfer.download_name = call.download_name;
  char curl_error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout_ms));
  // Blob transfers may take long; they only fail when they stall. Other calls are bounded.
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, static_cast<long>(config_.stall_seconds));
  if (call.upload_fd < 0 && call.download_fd < 0) {
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.request_timeout_ms));
  }
  const std::string_view method = call.method;
  if (method == "PUT") {
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(handle, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(call.upload_size));
  } else if (method != "GET") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, call.method);
  }

  const CURLcode code = curl_easy_perform(handle);
  Response response;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  give_handle(handle);
  if (!transfer.failure) return std::unexpected(transfer.failure.error());
  if (code != CURLE_OK) {
    retryable = transient_transport(code) && !transfer.to_fd;
    return fail(ErrorCode::unavailable,
                fmt::format("S3 {} {}: {}", call.what, url, net::error_text(code, curl_error)));
  }
  response.body = std::move(transfer.body);
  retryable = transient_status(response.status);
  return response;
}

namespace {

// not_found for 404; unavailable naming the status and S3's error Code otherwise.
std::unexpected<Error> http_failure(std::string_view what, std::string_view key, long status,
                                    std::string_view body) {
  const s3::ErrorBody error = s3::parse_error(body);
  if (status == 404 && error.code != "NoSuchBucket") {
    return fail(ErrorCode::not_found, fmt::format("blob {} does not exist", key));
  }
  return fail(ErrorCode::unavailable,
              fmt::format("S3 {} {}: HTTP {}{}{}{}{}", what, key, status, error.code.empty() ? "" : " ",
                          error.code, error.message.empty() ? "" : ": ", error.message));
}

}  // namespace

Status S3BlobStore::put_file(const std::string& key, const std::filesystem::path& file) {
  MISSIVE_TRY_STATUS(check_key(key));
  MISSIVE_TRY(UniqueFd fd, open_read(file));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return io_error("stat", file);
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::invalid, fmt::format("{} is not a regular file", file.string()));
  // Signing the real hash (not UNSIGNED-PAYLOAD) lets the server refuse a corrupted upload.
  MISSIVE_TRY(std::string hash, sha256_of(fd.get(), file));
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return io_error("seek", file);
  Call call;
  call.method = "PUT";
  call.what = "put";
  call.object = object_name(key);
  call.payload_hash = std::move(hash);
  call.upload_fd = fd.get();
  call.upload_size = st.st_size;
  auto response = perform(call);
  // Whatever happened, a cached copy may now be stale.
  cache_->drop(key);
  if (!response) return std::unexpected(std::move(response).error());
  if (response->status / 100 != 2) return http_failure("put", key, response->status, response->body);
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) return io_error("unlink", file);
  return {};
}

Status S3BlobStore::get_into(const std::string& key, int fd) {
  Call call;
  call.what = "get";
  call.object = object_name(key);
  call.download_fd = fd;
  MISSIVE_TRY(Response response, perform(call));
  if (response.status / 100 != 2) return http_failure("get", key, response.status, response.body);
  return {};
}

Status S3BlobStore::append_to(const std::string& key, int fd) {
  MISSIVE_TRY_STATUS(check_key(key));
  if (auto cached = cache_->find(key)) {
    // Served from the cached copy; if eviction beat us to it, ask S3.
    if (auto in = open_read(*cached)) return copy_all(in->get(), fd, *cached);
  }
  return get_into(key, fd);
}

Result<std::filesystem::path> S3BlobStore::local_path(const std::string& key) {
  MISSIVE_TRY_STATUS(check_key(key));
  if (auto cached = cache_->find(key)) return *cached;
  MISSIVE_TRY(BlobCache::Download download, cache_->begin(key));
  if (Status got = get_into(key, download.fd.get()); !got) {
    cache_->abandon(std::move(download));
    return std::unexpected(std::move(got).error());
  }
  return cache_->finish(std::move(download));
}

Status S3BlobStore::remove(const std::string& key) {
  MISSIVE_TRY_STATUS(check_key(key));
  Call call;
  call.method = "DELETE";
  call.what = "delete";
  call.object = object_name(key);
  auto response = perform(call);
  cache_->drop(key);
  if (!response) return std::unexpected(std::move(response).error());
  // S3 answers 204 for an absent key too; some servers say 404.
  if (response->status / 100 != 2 && response->status != 404) {
    return http_failure("delete", key, response->status, response->body);
  }
  return {};
}

Result<std::vector<BlobInfo>> S3BlobStore::list(const std::string& prefix) {
  MISSIVE_TRY_STATUS(check_prefix(prefix));
  const std::string object_prefix = config_.prefix.empty() ? prefix : config_.prefix + '/' + prefix;
  std::vector<BlobInfo> out;
  std::string token;
  for (;;) {
    Call call;
    call.what = "list";
    call.query = {{"list-type", "2"},
                  {"prefix", object_prefix},
                  {"max-keys", std::to_string(config_.list_page_size)}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    MISSIVE_TRY(Response response, perform(call));
    if (response.status / 100 != 2) return http_failure("list", object_prefix, response.status, response.body);
    MISSIVE_TRY(s3::ListPage page, s3::parse_list_page(response.body));
    const std::size_t strip = config_.prefix.empty() ? 0 : config_.prefix.size() + 1;
    for (BlobInfo& info : page.objects) {
      // Objects this store did not write (bad names) are not blobs.
      if (info.key.size() <= strip || !info.key.starts_with(object_prefix)) continue;
      info.key.erase(0, strip);
      if (check_key(info.key)) out.push_back(std::move(info));
    }
    if (!page.truncated) break;
    token = std::move(page.next_token);
  }
  std::sort(out.begin(), out.end(), [](const BlobInfo& a, const BlobInfo& b) { return a.key < b.key; });
  return out;
}

}  // namespace missive::blob
