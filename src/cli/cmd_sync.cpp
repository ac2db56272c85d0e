// `missive sync` (pull the timeline over HTTP) and `missive watch` (follow it live over the
// WebSocket, as a device does: docs/protocol.md).

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "client/sync_client.h"
#include "client/sync_timeline.h"

namespace missive::cli {
namespace {

struct SyncOptions {
  std::optional<std::int64_t> since;
  int limit = 100;
};

// "#12 message  conv 3 seq 7  from alice: "Subject"": one line per entry.
std::string entry_line(Api& api, const client::Entry& e) {
  const std::string head = fmt::format("#{} {:<8} ", e.seq, e.kind);
  const auto message = e.message_id.value_or(0);
  if (e.kind == "message") {
    const std::string where = fmt::format("conv {} seq {}  message {}", e.conversation, e.conv_seq,
                                          message);
    if (e.placeholder) return head + where + "  (withdrawn or expired)";
    return head + fmt::format("{}  from {}: \"{}\"", where, api.user_handle(e.creator_id),
                              e.subject);
  }
  if (e.kind == "read") return head + fmt::format("conv {} up to {}", e.conversation, e.read_seq);
  if (e.kind == "status") {
    return head + fmt::format("message {} {} {}", message,
                              e.user ? api.user_handle(*e.user) : std::string("?"), e.status);
  }
  if (e.kind == "expiry") {
    return head + fmt::format("message {} {}", message,
                              e.expiry_date ? "expires " + *e.expiry_date : "never expires");
  }
  if (e.kind == "reminder") {
    return head + fmt::format("message {} reminder {}{}", message, e.number,
                              e.is_final ? " (final)" : "");
  }
  return head + e.json;
}

void print_entry(const Context& context, Api& api, const client::Entry& e) {
  if (context.json) {
    fmt::print("{}\n", e.json);
  } else {
    fmt::print("{}\n", entry_line(api, e));
  }
  std::fflush(stdout);
}

Status sync(const Context& context, const SyncOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  std::int64_t cursor = o.since.value_or(0);
  if (cursor < 0) return fail(ErrorCode::invalid, "--since must be 0 or more");
  for (;;) {
    MISSIVE_TRY(const auto response,
                api->get(fmt::format("/v1/sync?since={}&limit={}", cursor, o.limit)));
    MISSIVE_TRY(const auto page, client::parse_sync_page(response.raw));
    if (page.reset) {
      if (context.json) {
        fmt::print("{{\"reset\":true,\"cursor\":{}}}\n", page.next);
      } else {
        fmt::print(
            "reset: the server no longer keeps the entries after {}; re-read your conversations "
            "(missive conversations) and continue with --since {}\ncursor {}\n",
            cursor, page.next, page.next);
      }
      return {};
    }
    for (const auto& e : page.entries) print_entry(context, *api, e);
    if (page.next < cursor || (page.next == cursor && page.has_more)) {
      return fail(ErrorCode::internal,
                  fmt::format("sync since {} answered next {}: not moving forward", cursor,
                              page.next));
    }
    cursor = page.next;
    if (!page.has_more) break;
  }
  if (context.json) {
    fmt::print("{{\"cursor\":{}}}\n", cursor);
  } else {
    fmt::print("cursor {}\n", cursor);
  }
  return {};
}

// Set by SIGINT / SIGTERM: `watch` closes the connection and stops.
volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int) { stop_requested = 1; }

// Sleeps `delay`, waking early when a stop is requested.
void sleep_unless_stopped(std::chrono::milliseconds delay) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  while (!stop_requested && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Errors after which reconnecting cannot help.
bool fatal(const Error& error) {
  return error.code == ErrorCode::unauthenticated || error.code == ErrorCode::forbidden ||
         error.code == ErrorCode::not_found || error.code == ErrorCode::internal ||
         error.code == ErrorCode::invalid;
}

Status watch(const Context& context, const SyncOptions& o) {
  MISSIVE_TRY(auto api, Api::connect(context));
  if (o.since && *o.since < 0) return fail(ErrorCode::invalid, "--since must be 0 or more");

  client::SyncClientOptions options;
  options.host = api->address().host;
  options.port = api->address().port;
  options.token = api->token();
  options.ws.tls = api->tls();
  options.cursor = o.since;  // none: from now
  options.keep_entries = false;
  options.on_entry = [&](const client::Entry& e) { print_entry(context, *api, e); };
  options.on_reset = [&](SyncSeq next) {
    fmt::print(stderr, "reset: the server no longer keeps the entries after the cursor; "
                       "re-read the conversations, continuing from {}\n", next);
  };
  client::SyncClient device(std::move(options));

  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  const std::chrono::milliseconds first_delay(500), max_delay(30'000);
  auto delay = first_delay;
  bool announced = false;
  while (!stop_requested) {
    Status connected = device.connect();
    if (!connected && fatal(connected.error())) return connected;
    if (connected) {
      delay = first_delay;
      if (!announced) {
        if (device.has_cursor()) {
          fmt::print(stderr, "watching {} from cursor {} (Ctrl-C to stop)\n", api->server_url(),
                     device.cursor());
        } else {
          fmt::print(stderr, "watching {} from now (Ctrl-C to stop)\n", api->server_url());
        }
        announced = true;
      }
      while (!stop_requested && connected) connected = device.pump(std::chrono::milliseconds(500));
      if (stop_requested) break;
      if (fatal(connected.error())) return connected;
    }
    if (device.ws().close_code() == client::kClosePolicy) {
      return fail(ErrorCode::unauthenticated,
                  "the server ended the session (logged out or deactivated): log in again");
    }
    fmt::print(stderr, "connection lost ({}); reconnecting in {:.1f} s from cursor {}\n",
               connected.error().message, static_cast<double>(delay.count()) / 1000.0,
               device.has_cursor() ? std::to_string(device.cursor()) : std::string("now"));
    sleep_unless_stopped(delay);
    delay = std::min(delay * 2, max_delay);
  }
  (void)device.close(client::kCloseNormal, "bye");
  if (device.has_cursor()) fmt::print(stderr, "stopped at cursor {}\n", device.cursor());
  return {};
}

}  // namespace

void register_sync_commands(CLI::App& app, Context& context) {
  auto o = std::make_shared<SyncOptions>();

  CLI::App* sync_cmd = command(app, context, o, "sync",
                               "print your timeline (what every device of yours must learn) "
                               "from a cursor, then the cursor to continue from",
                               sync);
  sync_cmd->add_option("--since", o->since, "start after this entry (default 0: everything kept)");
  sync_cmd->add_option("--limit", o->limit, "entries per request (1-100)")
      ->check(CLI::Range(1, 100));

  CLI::App* watch_cmd =
      command(app, context, o, "watch",
              "follow your timeline live over a WebSocket, acknowledging what arrives, until "
              "Ctrl-C; reconnects when the connection drops",
              watch);
  watch_cmd->add_option("--since", o->since,
                        "first catch up from this cursor (default: only what happens from now)");
}

}  // namespace missive::cli
