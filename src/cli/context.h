#pragma once
// What every client command shares: the global options, the connection to the server, and
// the way a command reports its outcome.
//
// Thread-safety: the CLI is single-threaded; none of this is shared between threads.

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/http_client.h"
#include "core/error.h"

namespace missive::cli {

inline constexpr std::string_view kDefaultServer = "http://127.0.0.1:8080";

// Filled by CLI11 from the global options; the chosen command runs once parsing is done.
struct Context {
  std::string server;  // --server / MISSIVE_SERVER; empty when not given
  std::string token;   // --token / MISSIVE_TOKEN; empty when not given
  std::string ca_file; // --ca-file / MISSIVE_CA_FILE: CA or certificate to trust for https://
  bool json = false;   // --json: print the raw response bodies
  std::function<Status()> action;
};

// One API answer: the raw body (for --json) and its parsed form (null for an empty body).
struct Response {
  int status = 0;
  std::string raw;
  rapidjson::Document json;
};

// The connection a client command uses. API errors become Error{code, message} as the server
// sent them; transport failures are unavailable.
class Api {
 public:
  // Resolves the server, the token and the CA file (flag, environment, then the credentials
  // file).
  // unauthenticated when `need_token` and there is none.
  static Result<std::unique_ptr<Api>> connect(const Context& context, bool need_token = true);

  const std::string& server_url() const { return server_url_; }
  // Where the server is and the token sent to it (for a WebSocket next to the HTTP client).
  const client::ServerAddress& address() const { return address_; }
  const std::string& token() const { return token_; }
  // How to reach the server over TLS (enabled for https://).
  const client::TlsOptions& tls() const { return tls_; }

  Result<Response> request(std::string_view method, std::string_view target,
                           std::string_view body = {});
  Result<Response> get(std::string_view target) { return request("GET", target); }
  Result<Response> post(std::string_view target, std::string_view body = "{}") {
    return request("POST", target, body);
  }
  Result<Response> patch(std::string_view target, std::string_view body) {
    return request("PATCH", target, body);
  }
  // Sends a request as it is (a file's bytes, tus, a download streamed to `sink`). Any HTTP
  // status is a success here (error_of turns one into an Error); transport failures are
  // unavailable, as for request().
  Result<client::HttpResponse> send(const client::HttpRequest& request,
                                    const client::BodySink* sink = nullptr);
  // The Error an answer of status >= 400 stands for: the server's code and message.
  static Error error_of(std::string_view method, std::string_view target,
                        const client::HttpResponse& response);

  // USER as an id ("42") or a handle; not_found when there is no such user.
  Result<std::int64_t> user_id(std::string_view user);
  // GROUP as an id or a name (an active group first); not_found, or conflict when two
  // groups share the name.
  Result<std::int64_t> group_id(std::string_view group);
  // "ada" for a user id, "#42" when the caller may not see the user. Cached.
  std::string user_handle(std::int64_t id);

 private:
  Api(std::string server_url, client::ServerAddress address, client::TlsOptions tls);

  std::string server_url_;
  client::ServerAddress address_;
  client::TlsOptions tls_;
  std::string token_;
  client::HttpClient http_;
  std::map<std::int64_t, std::string> handles_;
};

// Registers subcommand `name` of `parent`; when chosen, its action is run(context, *options).
template <class Options, class Run>
CLI::App* command(CLI::App& parent, Context& context, std::shared_ptr<Options> options,
                  const std::string& name, const std::string& help, Run run) {
  CLI::App* cmd = parent.add_subcommand(name, help);
  cmd->callback([&context, options, run] {
    context.action = [&context, options, run] { return run(context, *options); };
  });
  return cmd;
}

// Percent-encodes one path segment or query value.
std::string url_encode(std::string_view text);

// Prints `response.raw` (with a newline) when --json was given; true when it did.
bool print_raw(const Context& context, const Response& response);

}  // namespace missive::cli
