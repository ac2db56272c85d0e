// Uploads and attachments (docs/attachments.md): limits, one-request and tus uploads, the
// upload's details, and downloads with ranges and signed URLs.
#include <fmt/format.h>

#include "engine/media_service.h"
#include "media/sniff.h"
#include "server/media_headers.h"
#include "server/routes.h"

namespace missive::server {
namespace {

constexpr const char* kTusVersion = "1.0.0";

Result<MediaService*> media_of(const HandlerContext& ctx) {
  if (ctx.media == nullptr) {
    return fail(ErrorCode::unavailable, "attachments are not enabled on this server");
  }
  return ctx.media;
}

// The upload as JSON, with URLs signed for the caller when they may fetch its content.
HttpResponse upload_response(const HandlerContext& ctx, MediaService& media, int status,
                             const Upload& upload) {
  UploadUrls urls;
  if (upload.state == UploadState::complete) {
    urls.file = media.signed_url(ctx.caller.id, upload.id, false);
    if (!upload.thumbnail_key.empty()) urls.thumbnail = media.signed_url(ctx.caller.id, upload.id, true);
  }
  return json_ok(status, [&](JsonWriter& w) { write_upload(w, upload, urls); });
}

void add_tus_headers(HttpResponse& response, const Upload& upload) {
  response.headers.emplace_back("Tus-Resumable", kTusVersion);
  response.headers.emplace_back("Upload-Offset", std::to_string(upload.offset));
  response.headers.emplace_back("Upload-Length", std::to_string(upload.size));
  response.headers.emplace_back("Cache-Control", "no-store");
}

Status require_tus_version(const HandlerContext& ctx) {
  const auto version = ctx.request.header("tus-resumable");
  if (version != kTusVersion) {
    return fail(ErrorCode::invalid,
                fmt::format("Tus-Resumable must be {} (this server speaks tus {})", kTusVersion,
                            kTusVersion));
  }
  return {};
}

Result<HttpResponse> media_config(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  MISSIVE_TRY(MediaConfig config, media->config(ctx.caller));
  return json_ok(200, [&](JsonWriter& w) {
    w.StartObject();
    put_int(w, "upload_limit", config.upload_limit);
    put_int(w, "quota_bytes", config.quota_bytes);
    put_int(w, "used_bytes", config.used_bytes);
    put_int(w, "uploads_per_minute", ctx.uploads_per_minute);
    put_int(w, "max_attachments", config.max_attachments);
    put_int(w, "upload_ttl_seconds", config.upload_ttl_ms / 1000);
    w.Key("tus");
    w.StartObject();
    put_string(w, "endpoint", "/v1/tus");
    put_string(w, "version", kTusVersion);
    w.Key("extensions");
    w.StartArray();
    w.String("creation");
    w.String("termination");
    w.EndArray();
    put_int(w, "chunk_size", config.chunk_size);
    w.EndObject();
    w.EndObject();
  });
}

// POST /v1/uploads?name=...&client_upload_id=...: the body is the whole file.
Result<HttpResponse> upload_whole(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  UploadStart start;
  const std::string* name = find_param(ctx.query, "name");
  if (name == nullptr || name->empty()) {
    return fail(ErrorCode::invalid, "name is required: POST /v1/uploads?name=photo.jpg");
  }
  start.name = *name;
  start.declared_type = std::string(ctx.request.header("content-type"));
  if (const auto* id = find_param(ctx.query, "client_upload_id")) start.client_upload_id = *id;
  MISSIVE_TRY(UploadCreated created, media->upload_whole(ctx.caller, start, ctx.request.body_file,
                                                         ctx.request.body_size));
  return upload_response(ctx, *media, created.existing ? 200 : 201, created.upload);
}

Result<HttpResponse> get_upload(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<UploadId>("id", "upload id"));
  MISSIVE_TRY(Upload upload, media->get(ctx.caller, id));
  return upload_response(ctx, *media, 200, upload);
}

Result<HttpResponse> tus_options(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  HttpResponse response = no_content();
  response.headers.emplace_back("Tus-Resumable", kTusVersion);
  response.headers.emplace_back("Tus-Version", kTusVersion);
  response.headers.emplace_back("Tus-Extension", "creation,termination");
  response.headers.emplace_back("Tus-Max-Size", std::to_string(media->options().upload_limit));
  return response;
}

Result<HttpResponse> tus_create(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  MISSIVE_TRY_STATUS(require_tus_version(ctx));
  if (ctx.request.header("upload-defer-length") == "1") {
    return fail(ErrorCode::invalid, "Upload-Defer-Length is not supported: send Upload-Length");
  }
  UploadStart start;
  MISSIVE_TRY(start.size, parse_tus_number(ctx.request.header("upload-length"), "Upload-Length"));
  MISSIVE_TRY(auto metadata, parse_upload_metadata(ctx.request.header("upload-metadata")));
  for (auto& [key, value] : metadata) {
    if (key == "filename" || key == "name") start.name = std::move(value);
    if (key == "filetype" || key == "type") start.declared_type = std::move(value);
    if (key == "client_upload_id") start.client_upload_id = std::move(value);
  }
  MISSIVE_TRY(UploadCreated created, media->create(ctx.caller, start));
  HttpResponse response = no_content();
  response.status = 201;
  response.headers.emplace_back("Location", fmt::format("/v1/tus/{}", created.upload.id.value));
  add_tus_headers(response, created.upload);
  return response;
}

Result<HttpResponse> tus_head(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  MISSIVE_TRY_STATUS(require_tus_version(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<UploadId>("id", "upload id"));
  MISSIVE_TRY(Upload upload, media->get(ctx.caller, id));
  if (upload.owner != ctx.caller.id) {
    return fail(ErrorCode::not_found, fmt::format("no upload {}", id.value));
  }
  HttpResponse response = no_content();
  response.status = 200;
  add_tus_headers(response, upload);
  return response;
}

Result<HttpResponse> tus_patch(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  MISSIVE_TRY_STATUS(require_tus_version(ctx));
  if (ctx.request.header("content-type") != "application/offset+octet-stream") {
    return fail(ErrorCode::invalid, "Content-Type must be application/offset+octet-stream");
  }
  MISSIVE_TRY(auto id, ctx.path_id<UploadId>("id", "upload id"));
  MISSIVE_TRY(std::int64_t offset,
              parse_tus_number(ctx.request.header("upload-offset"), "Upload-Offset"));
  MISSIVE_TRY(Upload upload, media->append(ctx.caller, id, offset, ctx.request.body_file,
                                           ctx.request.body_size));
  HttpResponse response = no_content();
  add_tus_headers(response, upload);
  return response;
}

Result<HttpResponse> tus_delete(const HandlerContext& ctx) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  MISSIVE_TRY_STATUS(require_tus_version(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<UploadId>("id", "upload id"));
  MISSIVE_TRY_STATUS(media->cancel(ctx.caller, id));
  HttpResponse response = no_content();
  response.headers.emplace_back("Tus-Resumable", kTusVersion);
  return response;
}

// Who is asking: a signed URL's user, or the request's credentials.
Result<UserId> viewer_of(const HandlerContext& ctx, MediaService& media, UploadId id,
                         bool thumbnail) {
  if (const auto* signature = find_param(ctx.query, "sig")) {
    SignedUrl url;
    url.signature = *signature;
    MISSIVE_TRY(auto user, query_id(ctx.query, "user"));
    MISSIVE_TRY(auto expires, query_count(ctx.query, "expires"));
    if (!user || !expires) {
      return fail(ErrorCode::unauthenticated, "a signed link needs user, expires and sig");
    }
    url.user = UserId(*user);
    url.expires = *expires;
    return media.check_signed(id, thumbnail, url);
  }
  if (ctx.token.empty()) {
    return fail(ErrorCode::unauthenticated,
                "missing credentials: send Authorization: Bearer <token> or use a signed link");
  }
  MISSIVE_TRY(Caller caller, ctx.engine.authenticate(std::string(ctx.token)));
  return caller.id;
}

Result<HttpResponse> download(const HandlerContext& ctx, bool thumbnail) {
  MISSIVE_TRY(MediaService * media, media_of(ctx));
  MISSIVE_TRY(auto id, ctx.path_id<UploadId>("id", "attachment id"));
  MISSIVE_TRY(UserId viewer, viewer_of(ctx, *media, id, thumbnail));
  MISSIVE_TRY(ServedFile file, media->open(viewer, id, thumbnail));
  HttpResponse response;
  response.user = viewer.value;
  const std::string etag = fmt::format("\"{}\"", file.etag);
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "private, max-age=300");
  response.headers.emplace_back("Accept-Ranges", "bytes");
  if (ctx.request.if_none_match == etag) {
    response.status = 304;
    return response;
  }
  const std::string type = file.type.empty() ? "application/octet-stream" : file.type;
  response.headers.emplace_back("Content-Type", type);
  response.headers.emplace_back("Content-Disposition",
                                content_disposition(media::is_inline_safe(type), file.name));
  // Even a file a browser is tricked into rendering runs nothing in the page's origin.
  response.headers.emplace_back("Content-Security-Policy", "sandbox");
  RangeRequest range;
  const auto if_range = ctx.request.header("if-range");
  if (if_range.empty() || if_range == etag) {
    range = parse_range(ctx.request.header("range"), file.size);
  }
  switch (range.kind) {
    case RangeRequest::Kind::unsatisfiable:
      response.status = 416;
      response.headers.emplace_back("Content-Range", fmt::format("bytes */{}", file.size));
      return response;
    case RangeRequest::Kind::partial:
      response.status = 206;
      response.headers.emplace_back(
          "Content-Range", fmt::format("bytes {}-{}/{}", range.offset,
                                       range.offset + range.length - 1, file.size));
      response.file_offset = range.offset;
      response.file_length = range.length;
      break;
    case RangeRequest::Kind::whole:
      response.file_offset = 0;
      response.file_length = file.size;
      break;
  }
  response.file_path = file.path.string();
  return response;
}

Result<HttpResponse> download_file(const HandlerContext& ctx) { return download(ctx, false); }
Result<HttpResponse> download_thumbnail(const HandlerContext& ctx) { return download(ctx, true); }

}  // namespace

std::vector<RouteDef> media_routes() {
  return {
      {"GET", "/v1/media/config", Auth::required, media_config},
      {"POST", "/v1/uploads", Auth::required, upload_whole, Quota::upload, Body::file},
      {"GET", "/v1/uploads/{id}", Auth::required, get_upload},
      {"OPTIONS", "/v1/tus", Auth::none, tus_options},
      {"POST", "/v1/tus", Auth::required, tus_create, Quota::upload},
      {"HEAD", "/v1/tus/{id}", Auth::required, tus_head},
      {"PATCH", "/v1/tus/{id}", Auth::required, tus_patch, Quota::none, Body::file},
      {"DELETE", "/v1/tus/{id}", Auth::required, tus_delete},
      // Credentials are checked by the handler: a signed URL stands for them.
      {"GET", "/v1/attachments/{id}", Auth::none, download_file},
      {"GET", "/v1/attachments/{id}/thumbnail", Auth::none, download_thumbnail},
  };
}

}  // namespace missive::server
