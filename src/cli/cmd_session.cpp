// `missive login`, `logout`, `whoami`.

#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/credentials.h"
#include "cli/json_util.h"
#include "cli/output.h"
#include "cli/prompt.h"

namespace missive::cli {
namespace {

struct LoginOptions {
  std::string handle;
  std::string password;
};

Status login(const Context& context, const LoginOptions& options) {
  MISSIVE_TRY(auto api, Api::connect(context, /*need_token=*/false));
  std::string password = options.password;
  if (password.empty()) {
    MISSIVE_TRY(password, read_password(fmt::format("Password for {}: ", options.handle)));
  }
  rapidjson::StringBuffer body;
  JsonWriter w(body);
  w.StartObject();
  write_key(w, "handle");
  write_string(w, options.handle);
  write_key(w, "password");
  write_string(w, password);
  w.EndObject();
  MISSIVE_TRY(const auto response, api->post("/v1/sessions", body.GetString()));
  const std::string token = get_string(response.json, "token");
  if (token.empty()) return fail(ErrorCode::internal, "the server answered without a token");
  // The CA file is saved as an absolute path: later commands may run from elsewhere.
  std::string ca_file = api->tls().ca_file;
  if (!ca_file.empty()) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(ca_file, ec);
    if (!ec) ca_file = absolute.string();
  }
  MISSIVE_TRY_STATUS(save_credentials({api->server_url(), token, ca_file}));
  if (print_raw(context, response)) return {};
  const JsonValue* user = member(response.json, "user");
  MISSIVE_TRY(const std::string path, credentials_path());
  fmt::print("logged in to {} as {} ({}); token saved in {}\n", api->server_url(),
             user ? get_string(*user, "handle") : options.handle,
             user ? get_string(*user, "full_name") : "", path);
  return {};
}

Status logout(const Context& context) {
  auto api = Api::connect(context);
  if (api) {
    auto response = (*api)->request("DELETE", "/v1/sessions/current");
    // An expired or revoked token is as good as logged out; anything else is reported.
    if (!response && response.error().code != ErrorCode::unauthenticated) {
      return std::unexpected(response.error());
    }
  }
  MISSIVE_TRY_STATUS(remove_credentials());
  if (!context.json) fmt::print("logged out\n");
  return {};
}

Status whoami(const Context& context) {
  MISSIVE_TRY(auto api, Api::connect(context));
  MISSIVE_TRY(const auto response, api->get("/v1/me"));
  if (print_raw(context, response)) return {};
  fmt::print("server:     {}\n", api->server_url());
  print_user(response.json);
  return {};
}

}  // namespace

void register_session_commands(CLI::App& app, Context& context) {
  auto options = std::make_shared<LoginOptions>();
  CLI::App* login_cmd = app.add_subcommand("login", "log in and save the token");
  login_cmd->add_option("handle", options->handle, "your handle")->required();
  login_cmd->add_option("--password", options->password, "password (default: asked)")
      ->envname("MISSIVE_PASSWORD");
  login_cmd->callback([&context, options] {
    context.action = [&context, options] { return login(context, *options); };
  });

  app.add_subcommand("logout", "end the session and forget the saved token")->callback([&context] {
    context.action = [&context] { return logout(context); };
  });
  app.add_subcommand("whoami", "show the logged-in user")->callback([&context] {
    context.action = [&context] { return whoami(context); };
  });
}

}  // namespace missive::cli
