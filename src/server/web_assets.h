#pragma once
// The web page's files (index.html, assets/app.js, assets/app.css, ...), served by the server
// itself from the same port as the API: embedded in the binary at build time, or read from a
// directory during development (`missive serve --web-dir`). docs/web.md.
//
// Thread-safety: a WebAssets is immutable after construction; find() may run on any thread.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/http_types.h"

namespace missive::server {

struct WebFile {
  std::string body;
  std::string gzip;  // the body gzip-compressed; empty when there is no compressed copy
  std::string etag;  // a quoted strong validator of the body
};

class WebAssets {
 public:
  virtual ~WebAssets() = default;
  // The file at `path` ("index.html", "assets/app.js"); nullopt when there is none.
  virtual std::optional<WebFile> find(std::string_view path) const = 0;
};

// A file compiled into the binary (see scripts/embed_web_assets.mjs).
struct EmbeddedWebFile {
  std::string_view path;
  std::string_view body;
  std::string_view gzip;
  std::string_view etag;
};

// The page built with the binary: defined in the file scripts/embed_web_assets.mjs generates
// (the missive_web_assets library, which only the missive executable links).
std::span<const EmbeddedWebFile> embedded_web_files();

// Serves `files`, which must outlive the result (static storage).
std::shared_ptr<const WebAssets> embedded_web_assets(std::span<const EmbeddedWebFile> files);
// Reads the files under `dir` at every request, so a rebuilt page shows on reload.
std::shared_ptr<const WebAssets> directory_web_assets(std::string dir);

// The page's answer to GET `path`: "/" is index.html, "/assets/NAME" a bundled file; 304 when
// If-None-Match names its ETag. Every answer carries the page's Content-Security-Policy.
// nullopt when `path` is not a page path or names no file.
std::optional<HttpResponse> serve_web_file(const WebAssets& assets, const HttpRequest& request,
                                           std::string_view path);

// The Content-Security-Policy of the page: scripts, styles and connections from this server
// only, nothing inline, no framing.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

}  // namespace missive::server
