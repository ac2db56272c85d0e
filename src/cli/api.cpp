#include <fmt/format.h>

#include <vector>

#include "cli/context.h"
#include "cli/credentials.h"
#include "cli/json_util.h"

namespace missive::cli {
namespace {

ErrorCode code_from_name(std::string_view name) {
  for (ErrorCode code : {ErrorCode::invalid, ErrorCode::unauthenticated, ErrorCode::forbidden,
                         ErrorCode::not_found, ErrorCode::conflict, ErrorCode::too_large,
                         ErrorCode::unprocessable, ErrorCode::rate_limited,
                         ErrorCode::unavailable}) {
    if (error_code_name(code) == name) return code;
  }
  return ErrorCode::internal;
}

// The form a server URL is compared and saved in: "http://host:port" or "https://host:port".
std::string canonical_url(const client::ServerAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", address.tls ? "https" : "http", v6 ? "[" : "",
                     address.host, v6 ? "]" : "", address.port);
}

}  // namespace

Api::Api(std::string server_url, client::ServerAddress address, client::TlsOptions tls)
    : server_url_(std::move(server_url)),
      address_(address),
      tls_(tls),
      http_(address.host, address.port, std::move(tls)) {}

Result<std::unique_ptr<Api>> Api::connect(const Context& context, bool need_token) {
  auto loaded = load_credentials();
  // A damaged credentials file must not stop `missive login` from replacing it.
  if (!loaded && need_token) return std::unexpected(loaded.error());
  const std::optional<SavedCredentials> saved = loaded ? *loaded : std::nullopt;
  std::string server = context.server;
  if (server.empty()) server = saved ? saved->server : std::string(kDefaultServer);
  if (server.empty()) server = std::string(kDefaultServer);
  MISSIVE_TRY(const auto address, client::parse_server_address(server));
  const std::string url = canonical_url(address);

  // A saved token (and CA file) is only used for the server it was saved with.
  bool saved_server = false;
  if (saved) {
    auto saved_address = client::parse_server_address(saved->server);
    saved_server = saved_address && canonical_url(*saved_address) == url;
  }
  std::string token = context.token;
  if (token.empty() && saved_server) token = saved->token;
  client::TlsOptions tls{.enabled = address.tls, .ca_file = context.ca_file};
  if (tls.ca_file.empty() && saved_server) tls.ca_file = saved->ca_file;
  if (need_token && token.empty()) {
    return fail(
        ErrorCode::unauthenticated,
        fmt::format("not logged in to {}: run `missive login HANDLE` or set MISSIVE_TOKEN", url));
  }
  auto api = std::unique_ptr<Api>(new Api(url, address, std::move(tls)));
  api->token_ = token;
  api->http_.set_token(token);
  return api;
}

Result<client::HttpResponse> Api::send(const client::HttpRequest& request,
                                       const client::BodySink* sink) {
  // The client's messages name the server already; a sink's error (a full disk) is its own.
  return http_.send(request, sink);
}

Error Api::error_of(std::string_view method, std::string_view target,
                    const client::HttpResponse& response) {
  auto parsed = parse_json(response.body);
  const JsonValue* error = parsed ? member(*parsed, "error") : nullptr;
  if (error != nullptr && error->IsObject()) {
    return Error{code_from_name(get_string(*error, "code")), get_string(*error, "message")};
  }
  // {"error": "too_large", "message": "..."}: the flat form.
  if (error != nullptr && error->IsString()) {
    return Error{code_from_name(error->GetString()), get_string(*parsed, "message")};
  }
  return Error{response.status >= 500 ? ErrorCode::internal : ErrorCode::invalid,
               fmt::format("{} {} answered HTTP {}", method, target, response.status)};
}

Result<Response> Api::request(std::string_view method, std::string_view target,
                              std::string_view body) {
  auto answer = http_.request(method, target, body);
  if (!answer) {
    // Keeps the client's code: an untrusted certificate (unauthenticated) is no outage.
    return fail(answer.error().code,
                fmt::format("cannot reach {}: {}", server_url_, answer.error().message));
  }
  Response response;
  response.status = answer->status;
  response.raw = std::move(answer->body);
  if (!response.raw.empty()) {
    auto parsed = parse_json(response.raw);
    if (parsed) {
      response.json = std::move(*parsed);
    } else if (response.status < 400) {
      return fail(ErrorCode::internal,
                  fmt::format("{} {} answered {} with a body that is {}", method, target,
                              response.status, parsed.error().message));
    }
  }
  if (response.status >= 400) {
    const JsonValue* error = member(response.json, "error");
    if (error == nullptr) {
      return fail(response.status >= 500 ? ErrorCode::internal : ErrorCode::invalid,
                  fmt::format("{} {} answered HTTP {}", method, target, response.status));
    }
    return fail(code_from_name(get_string(*error, "code")), get_string(*error, "message"));
  }
  return response;
}

Result<std::int64_t> Api::user_id(std::string_view user) {
  if (auto id = parse_id(user)) return *id;
  MISSIVE_TRY(const auto response, get("/v1/users/by-handle/" + url_encode(user)));
  const auto id = get_int(response.json, "id");
  handles_[id] = std::string(user);
  return id;
}

Result<std::int64_t> Api::group_id(std::string_view group) {
  if (auto id = parse_id(group)) return *id;
  MISSIVE_TRY(const auto response, get("/v1/groups?include_inactive=true"));
  // An active group of that name wins over deactivated ones, so names can be reused.
  std::vector<std::int64_t> active, inactive;
  if (const JsonValue* groups = member(response.json, "groups"); groups && groups->IsArray()) {
    for (const auto& g : groups->GetArray()) {
      if (get_string(g, "name") != group) continue;
      (get_bool(g, "is_active", true) ? active : inactive).push_back(get_int(g, "id"));
    }
  }
  const auto& found = active.empty() ? inactive : active;
  if (found.empty()) return fail(ErrorCode::not_found, fmt::format("no group named \"{}\"", group));
  if (found.size() > 1) {
    return fail(ErrorCode::conflict,
                fmt::format("more than one group is named \"{}\": use its id", group));
  }
  return found.front();
}

std::string Api::user_handle(std::int64_t id) {
  if (auto it = handles_.find(id); it != handles_.end()) return it->second;
  auto response = get(fmt::format("/v1/users/{}", id));
  std::string handle = response ? get_string(response->json, "handle") : std::string();
  if (handle.empty()) handle = fmt::format("#{}", id);
  handles_[id] = handle;
  return handle;
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

bool print_raw(const Context& context, const Response& response) {
  if (!context.json) return false;
  if (!response.raw.empty()) fmt::print("{}\n", response.raw);
  return true;
}

}  // namespace missive::cli
