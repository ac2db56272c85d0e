// `missive`: runs the server (`missive serve`) and acts as a command line client of it.

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/context.h"

int main(int argc, char** argv) {
  using namespace missive::cli;
  CLI::App app{"Missive: a message system database. Runs the server and talks to it."};
  app.name("missive");
  // Global options may follow the subcommand: `missive inbox --json`.
  app.fallthrough();
  app.require_subcommand(1);

  Context context;
  app.add_option(
         "--server", context.server,
         fmt::format("server URL (default {}, or the one you logged in to)", kDefaultServer))
      ->envname("MISSIVE_SERVER");
  app.add_option("--token", context.token, "bearer token (default: the one saved by login)")
      ->envname("MISSIVE_TOKEN");
  app.add_option("--ca-file", context.ca_file,
                 "PEM file of the CA (or the self-signed certificate) to trust for an https:// "
                 "server instead of the system's CAs; login saves it")
      ->envname("MISSIVE_CA_FILE");
  app.add_flag("--json", context.json, "print the raw JSON responses");

  register_serve(app, context);
  register_backup_command(app, context);
  register_migrate(app, context);
  register_session_commands(app, context);
  register_user_commands(app, context);
  register_group_commands(app, context);
  register_send_commands(app, context);
  register_reading_commands(app, context);
  register_search_command(app, context);
  register_dashboard_command(app, context);
  register_reminder_commands(app, context);
  register_sync_commands(app, context);
  register_policy_commands(app, context);
  register_media_commands(app, context);
  register_notify_commands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!context.action) return 0;
  const missive::Status status = context.action();
  if (!status) {
    fmt::print(stderr, "error: {} ({})\n", status.error().message,
               missive::error_code_name(status.error().code));
    return 1;
  }
  return 0;
}
