#include "server/web_assets.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace missive::server {
namespace {

std::string_view content_type(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// The file a page path names: "/" is index.html; "/assets/x.js" is assets/x.js. Anything
// else, and any path with an empty, "." or ".." segment or a backslash, names none.
std::optional<std::string> file_of(std::string_view path) {
  if (path == "/" || path == "/index.html") return "index.html";
  constexpr std::string_view kAssets = "/assets/";
  if (!path.starts_with(kAssets) || path.size() == kAssets.size()) return std::nullopt;
  const auto rest = path.substr(1);
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto end = std::min(rest.find('/', start), rest.size());
    const auto segment = rest.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == ".." ||
        segment.find('\\') != std::string_view::npos) {
      return std::nullopt;
    }
    start = end + 1;
  }
  return std::string(rest);
}

bool accepts_gzip(std::string_view accept_encoding) {
  return accept_encoding.find("gzip") != std::string_view::npos;
}

class EmbeddedAssets final : public WebAssets {
 public:
  explicit EmbeddedAssets(std::span<const EmbeddedWebFile> files) : files_(files) {}
  std::optional<WebFile> find(std::string_view path) const override {
    for (const auto& file : files_) {
      if (file.path == path) {
        return WebFile{std::string(file.body), std::string(file.gzip), std::string(file.etag)};
      }
    }
    return std::nullopt;
  }

 private:
  std::span<const EmbeddedWebFile> files_;
};

// FNV-1a: a validator that changes when the file does; not a security boundary.
std::string fnv_etag(std::string_view body) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("\"{:016x}\"", hash);
}

class DirectoryAssets final : public WebAssets {
 public:
  explicit DirectoryAssets(std::string dir) : dir_(std::move(dir)) {}
  std::optional<WebFile> find(std::string_view path) const override {
    std::ifstream in(dir_ + "/" + std::string(path), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream body;
    body << in.rdbuf();
    if (in.bad()) return std::nullopt;
    WebFile file{body.str(), {}, {}};
    file.etag = fnv_etag(file.body);
    return file;
  }

 private:
  const std::string dir_;
};

}  // namespace

std::shared_ptr<const WebAssets> embedded_web_assets(std::span<const EmbeddedWebFile> files) {
  return std::make_shared<EmbeddedAssets>(files);
}

std::shared_ptr<const WebAssets> directory_web_assets(std::string dir) {
  return std::make_shared<DirectoryAssets>(std::move(dir));
}

std::optional<HttpResponse> serve_web_file(const WebAssets& assets, const HttpRequest& request,
                                           std::string_view path) {
  const auto name = file_of(path);
  if (!name) return std::nullopt;
  auto file = assets.find(*name);
  if (!file) return std::nullopt;
  HttpResponse response;
  response.headers = {
      {"Content-Type", std::string(content_type(*name))},
      {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "same-origin"},
      // Names are not content-hashed: the browser revalidates every load, a 304 when unchanged.
      {"Cache-Control", "no-cache"},
      {"ETag", file->etag},
      {"Vary", "Accept-Encoding"},
  };
  if (!request.if_none_match.empty() && request.if_none_match == file->etag) {
    response.status = 304;
    return response;
  }
  if (!file->gzip.empty() && accepts_gzip(request.accept_encoding)) {
    response.headers.emplace_back("Content-Encoding", "gzip");
    response.body = std::move(file->gzip);
  } else {
    response.body = std::move(file->body);
  }
  return response;
}

}  // namespace missive::server
