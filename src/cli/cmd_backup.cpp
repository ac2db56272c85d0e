// `missive backup`: an online copy of a data directory's database (docs/operations.md).

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "store/sqlite/sqlite_store.h"

namespace missive::cli {

void register_backup_command(CLI::App& app, Context& context) {
  struct Options {
    std::string data = "./data";
    std::string to;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "backup", "copy the database of a data directory to FILE, also while the server runs");
  cmd->add_option("--data", options->data, "data directory (holds missive.db)")
      ->envname("MISSIVE_DATA")
      ->capture_default_str();
  cmd->add_option("--to", options->to, "the backup file to create (must not exist)")->required();
  cmd->callback([&context, options] {
    context.action = [options]() -> Status {
      const auto database = (std::filesystem::path(options->data) / "missive.db").string();
      MISSIVE_TRY(const auto bytes, backup_sqlite_database(database, options->to));
      fmt::print("missive: backed up {} to {} ({} bytes)\n", database, options->to, bytes);
      return {};
    };
  });
}

}  // namespace missive::cli
