#pragma once
// Each file adds its subcommands to the `missive` app. A subcommand's callback stores the
// work in Context::action; main runs it once parsing succeeded.

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "cli/json_util.h"

namespace missive::cli {

void register_serve(CLI::App& app, Context& context);              // serve.cpp
void register_backup_command(CLI::App& app, Context& context);     // cmd_backup.cpp
void register_migrate(CLI::App& app, Context& context);            // serve.cpp
void register_session_commands(CLI::App& app, Context& context);   // cmd_session.cpp
void register_user_commands(CLI::App& app, Context& context);      // cmd_users.cpp
void register_group_commands(CLI::App& app, Context& context);     // cmd_groups.cpp
void register_send_commands(CLI::App& app, Context& context);      // cmd_send.cpp
void register_reading_commands(CLI::App& app, Context& context);   // cmd_reading.cpp
void register_search_command(CLI::App& app, Context& context);     // cmd_search.cpp
void register_dashboard_command(CLI::App& app, Context& context);  // cmd_dashboard.cpp
void register_reminder_commands(CLI::App& app, Context& context);  // cmd_reminders.cpp
void register_sync_commands(CLI::App& app, Context& context);      // cmd_sync.cpp
void register_policy_commands(CLI::App& app, Context& context);    // cmd_policy.cpp
void register_media_commands(CLI::App& app, Context& context);     // cmd_media.cpp
void register_notify_commands(CLI::App& app, Context& context);    // cmd_notify.cpp

// Writes "frequency" (or "every_days") for "daily", "weekly" or "every:N"; `option` names the
// command line option in errors (cmd_reminders.cpp).
Status write_frequency(JsonWriter& w, std::string_view text, std::string_view option);

}  // namespace missive::cli
