// `missive serve`: the server process; `missive migrate`: its database schema.

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>

#include "bus/bus.h"
#include "bus/redis_bus.h"
#include "cli/commands.h"
#include "cli/serve_media.h"
#include "cli/serve_notify.h"
#include "cli/store_choice.h"
#include "core/clock.h"
#include "core/reminder_schedule.h"
#include "engine/delivery_marker.h"
#include "engine/engine.h"
#include "engine/reminder_scheduler.h"
#include "engine/sync_worker.h"
#include "server/server.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace missive::cli {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string bus = "local";  // or redis://HOST:PORT
  std::string data = "./data";
  std::string store;  // empty: SQLite in data; else a PostgreSQL URL
  int store_connections = 16;
  bool no_migrate = false;
  std::string admin_password;
  std::string password_cost = "interactive";
  std::string log_level = "info";
  std::string reminder_time = "09:00";  // UTC time of day reminders go out
  int reminder_poll_seconds = 60;
  int diffusion_limit = 500;
  std::int64_t sync_retention_seconds = 30LL * 24 * 3600;
  std::size_t ws_frame_limit = 64 << 10;
  std::size_t ws_queue_bytes = 1 << 20;
  std::size_t ws_queue_frames = 1000;
  int ws_idle_seconds = 60;
  int ws_message_seconds = server::ServerOptions{}.ws_message_seconds;
  // Limits (docs/security.md); the defaults are the option structs' own.
  std::size_t request_body_limit = server::ServerOptions{}.body_limit;
  std::size_t subject_limit = EngineOptions{}.subject_limit;
  std::size_t message_body_limit = EngineOptions{}.body_limit;
  std::int64_t recipients_limit = EngineOptions{}.recipients_limit;
  int ws_connections_per_user = server::ServerOptions{}.ws_connections_per_user;
  int request_threads = server::ServerOptions{}.worker_threads;
  server::OutputLimits output;
  double send_rate = server::SendLimitOptions{}.per_second;
  double send_burst = server::SendLimitOptions{}.burst;
  int login_failures_per_account = server::LoginThrottleOptions{}.account_failures;
  int login_failures_per_address = server::LoginThrottleOptions{}.address_failures;
  std::int64_t login_window_seconds = server::LoginThrottleOptions{}.window_ms / 1000;
  std::int64_t session_ttl_seconds = EngineOptions{}.session_ttl_ms / 1000;
  std::string tls_cert;  // both or neither: HTTPS and WSS instead of HTTP and WS
  std::string tls_key;
  std::string web_dir;  // empty: the page embedded in the binary
  MediaFlags media;
  NotifyFlags notify;
};

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

// "HOST:PORT" or "[IPV6]:PORT"; port 0 picks a free port.
Result<ListenAddress> parse_listen(std::string_view text) {
  const auto bad = [&] {
    return fail(ErrorCode::invalid,
                fmt::format("--listen \"{}\": expected HOST:PORT, e.g. 127.0.0.1:8080", text));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad();
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

// A name no other node has: the host, the process and a random part (node leases).
std::string node_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device random;
  return fmt::format("{}/{}/{:08x}", host, ::getpid(), random());
}

// The store serve runs on: PostgreSQL for --store, else SQLite in the data directory.
Result<std::unique_ptr<Store>> open_store(const ServeOptions& options) {
  if (!options.store.empty()) {
    PostgresOptions pg{.url = options.store,
                       .connections = options.store_connections,
                       .migrate = !options.no_migrate};
    auto store = open_postgres_store(pg);
    if (!store) {
      return fail(store.error().code, fmt::format("cannot open {}: {}", redacted_url(options.store),
                                                  store.error().message));
    }
    return store;
  }
  SqliteOptions store_options;
  store_options.path = sqlite_path(options.data);
  auto store = open_sqlite_store(store_options);
  if (!store) {
    return fail(store.error().code,
                fmt::format("cannot open {}: {}", store_options.path, store.error().message));
  }
  return store;
}

// "local", or a Redis bus for "redis://HOST[:PORT]" (it connects in the background).
Result<std::unique_ptr<Bus>> make_bus(const std::string& spec) {
  if (spec == "local") return std::make_unique<LocalBus>();
  auto address = parse_redis_url(spec);
  if (!address) return fail(ErrorCode::invalid, "--bus " + address.error().message + " or local");
  const std::string where = spec;
  return std::make_unique<RedisBus>(RedisBusOptions{
      .address = *address,
      .on_state = [where](bool connected, const std::string& detail) {
        if (connected) {
          spdlog::info("bus: connected to {}", where);
        } else {
          spdlog::warn("bus: {} unreachable ({}); until it is back, notices reach only this "
                       "node's devices (the others catch up then); retrying with backoff",
                       where, detail);
        }
      }});
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("missive");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

Status serve(const ServeOptions& options) {
  MISSIVE_TRY(const ListenAddress listen, parse_listen(options.listen));
  MISSIVE_TRY_STATUS(check_store_url(options.store));
  EngineOptions engine_options;
  if (options.password_cost == "minimal") {
    engine_options.password_cost = PasswordCost::minimal;
  } else if (options.password_cost != "interactive") {
    return fail(ErrorCode::invalid, fmt::format("--password-cost \"{}\": expected interactive or "
                                                "minimal",
                                                options.password_cost));
  }
  auto reminder_minutes = parse_time_of_day(options.reminder_time);
  if (!reminder_minutes) {
    return fail(ErrorCode::invalid, "--reminder-time: " + reminder_minutes.error().message);
  }
  engine_options.reminder_minutes = *reminder_minutes;
  engine_options.diffusion_limit = options.diffusion_limit;
  engine_options.sync_retention_ms = options.sync_retention_seconds * 1000;
  engine_options.session_ttl_ms = options.session_ttl_seconds * 1000;
  engine_options.subject_limit = options.subject_limit;
  engine_options.body_limit = options.message_body_limit;
  engine_options.recipients_limit = options.recipients_limit;
  // Checked before anything starts: a mistyped --bus must not leave a half-started server.
  if (options.bus != "local" && !parse_redis_url(options.bus)) {
    return fail(ErrorCode::invalid, "--bus " + parse_redis_url(options.bus).error().message +
                                        " or local");
  }
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return fail(ErrorCode::invalid, "--tls-cert and --tls-key must be given together");
  }
  // Checked before the database is touched: a bad certificate stops the start at once.
  if (tls) MISSIVE_TRY_STATUS(server::check_tls_files(options.tls_cert, options.tls_key));
  setup_logging(options.log_level);

  std::error_code ec;
  std::filesystem::create_directories(options.data, ec);
  if (ec) {
    return fail(ErrorCode::unavailable,
                fmt::format("cannot create the data directory {}: {}", options.data, ec.message()));
  }

  // Blocked before any thread starts, so every thread inherits the mask and the signals are
  // taken only by sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  // Nor may a file size limit (ulimit -f): writes past it then fail with EFBIG, which the
  // store reports as "disk full" while reads carry on.
  std::signal(SIGXFSZ, SIG_IGN);

  auto store = open_store(options);
  if (!store) return std::unexpected(store.error());
  // Every commit that adds timeline entries tells the bus, and the server's WebSocket
  // connections of those users push them. The listener runs on the store's writer thread:
  // LocalBus calls the server's handler, which only posts work to the worker pool; RedisBus
  // only records the users for its own thread.
  MISSIVE_TRY(const std::unique_ptr<Bus> bus_owner, make_bus(options.bus));
  Bus& bus = *bus_owner;
  (*store)->set_timeline_listener([&bus](const std::vector<UserId>& users) { bus.publish(users); });
  SystemClock clock;
  engine_options.max_attachments = options.media.max_attachments;
  Engine engine(**store, clock, engine_options);
  MISSIVE_TRY(MediaSetup media, open_media(options.media, **store, clock, options.data));
  // One name per process: its reminder lease, its outbox claims.
  const std::string node = node_name();
  MISSIVE_TRY(NotifySetup notifications,
              open_notifications(options.notify, **store, clock, media.service->options().url_key,
                                 node));

  MISSIVE_TRY(const auto admin, engine.bootstrap_admin(options.admin_password));
  if (admin && options.admin_password.empty()) {
    fmt::print("missive: created admin account \"admin\" with password {} (shown once)\n", *admin);
  } else if (admin) {
    fmt::print("missive: created admin account \"admin\" with the given admin password\n");
  }

  server::ServerOptions server_options;
  server_options.host = listen.host;
  server_options.port = listen.port;
  server_options.ws_frame_limit = options.ws_frame_limit;
  server_options.ws_queue_bytes = options.ws_queue_bytes;
  server_options.ws_queue_frames = options.ws_queue_frames;
  server_options.ws_idle_seconds = options.ws_idle_seconds;
  server_options.ws_message_seconds = options.ws_message_seconds;
  server_options.ws_connections_per_user = options.ws_connections_per_user;
  server_options.worker_threads = options.request_threads;
  server_options.body_limit = options.request_body_limit;
  server_options.output = options.output;
  server_options.limits.send = {.per_second = options.send_rate, .burst = options.send_burst};
  server_options.limits.upload = {.per_second = options.media.uploads_per_minute / 60,
                                  .burst = std::max(1.0, options.media.uploads_per_minute / 3)};
  server_options.media = media.service.get();
  server_options.notifications = notifications.service.get();
  server_options.limits.login = {.account_failures = options.login_failures_per_account,
                                 .address_failures = options.login_failures_per_address,
                                 .window_ms = options.login_window_seconds * 1000};
  server_options.tls_cert_file = options.tls_cert;
  server_options.tls_key_file = options.tls_key;
  server_options.web = options.web_dir.empty()
                           ? server::embedded_web_assets(server::embedded_web_files())
                           : server::directory_web_assets(options.web_dir);
  // Set before the server starts: the engine's signals are read by request threads.
  // Deferred fan-outs (audiences over --diffusion-limit) are written as soon as their send
  // commits; old timeline entries are pruned; the search index is merged in small steps.
  const std::int64_t prune_every_ms =
      std::min<std::int64_t>(engine_options.sync_retention_ms, 3'600'000);
  SyncWorker sync_worker(engine, SyncWorkerOptions{
                                     .poll_ms = std::min<std::int64_t>(prune_every_ms, 10'000),
                                     .prune_every_ms = prune_every_ms,
                                     .on_error = [](const std::string& what, const Error& error) {
                                       spdlog::warn("sync worker: {}: {}", what, error.message);
                                     }});
  engine.set_fanout_signal([&sync_worker] { sync_worker.wake(); });
  sync_worker.start();
  // Pulls answer at once; their delivery marks are written together, a moment later.
  DeliveryMarker delivery_marker(engine, [](const Error& error) {
    spdlog::warn("delivery marks: {}", error.message);
  });
  engine.set_delivery_sink(
      [&delivery_marker](UserId user, SyncSeq up_to) { delivery_marker.note(user, up_to); });
  delivery_marker.start();
  server::Server server(engine, bus, server_options);
  auto port = server.start();
  if (!port) {
    return fail(port.error().code,
                fmt::format("cannot listen on {}: {}", options.listen, port.error().message));
  }
  // Started after the server so a slow first pass (reminders missed while down) never delays
  // answering requests.
  ReminderScheduler reminders(
      engine, ReminderSchedulerOptions{
                  .poll_ms = options.reminder_poll_seconds * 1000LL,
                  .on_pass = [](const Result<ReminderRunReport>& report) {
                    if (!report) {
                      spdlog::warn("reminder pass failed: {}", report.error().message);
                    } else if (report->messages > 0) {
                      spdlog::info("reminders: {} messages, {} sent, {} deactivated",
                                   report->messages, report->reminders, report->deactivated);
                    }
                  },
                  // On a shared PostgreSQL database one node at a time sends reminders.
                  .lease_holder = options.store.empty() ? std::string() : node});
  reminders.start();
  media.service->start(options.media.sweep_interval_seconds * 1000LL);
  const bool v6 = listen.host.find(':') != std::string::npos;
  const std::string url = fmt::format("{}://{}{}{}:{}", tls ? "https" : "http", v6 ? "[" : "",
                                      listen.host, v6 ? "]" : "", *port);
  // Links in emails point at this address unless --public-url says where users reach it.
  if (options.notify.public_url.empty()) notifications.service->set_public_url(url);
  notifications.service->start();
  fmt::print("missive: listening on {}\nmissive: the web page is {}/ (log in as admin)\n", url,
             url);
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, stopping", received == SIGINT ? "SIGINT" : "SIGTERM");
  // No request runs once the server has stopped; then the background workers.
  server.stop();
  media.service->stop();
  notifications.service->stop();
  delivery_marker.stop();
  sync_worker.stop();
  reminders.stop();
  spdlog::info("stopped");
  return {};
}

Status migrate(const std::string& store, const std::string& data) {
  MISSIVE_TRY_STATUS(check_store_url(store));
  const std::string where = store.empty() ? sqlite_path(data) : redacted_url(store);
  auto done = store.empty() ? migrate_sqlite_database(sqlite_path(data))
                            : migrate_postgres_schema(store);
  if (!done) {
    return fail(done.error().code, fmt::format("cannot migrate {}: {}", where, done.error().message));
  }
  if (done->from == done->to) {
    fmt::print("missive: {}: schema version {} (up to date)\n", where, done->to);
  } else {
    fmt::print("missive: {}: schema version {} (was {})\n", where, done->to, done->from);
  }
  return {};
}

}  // namespace

void register_migrate(CLI::App& app, Context& context) {
  struct MigrateOptions {
    std::string store;
    std::string data = "./data";
  };
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "migrate", "create or upgrade the database schema, then print its version");
  cmd->add_option("--store", options->store, "PostgreSQL URL; default: SQLite in --data")
      ->envname("MISSIVE_STORE");
  cmd->add_option("--data", options->data, "data directory (holds missive.db)")
      ->envname("MISSIVE_DATA")
      ->capture_default_str();
  cmd->callback([&context, options] {
    context.action = [options] { return migrate(options->store, options->data); };
  });
}

void register_serve(CLI::App& app, Context& context) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "run the Missive server");
  cmd->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->envname("MISSIVE_LISTEN")
      ->capture_default_str();
  cmd->add_option("--bus", options->bus,
                  "how notices reach the nodes: local (one node), or redis://HOST:PORT (several "
                  "nodes; pushes go through Redis)")
      ->envname("MISSIVE_BUS")
      ->capture_default_str();
  cmd->add_option("--data", options->data, "data directory (holds missive.db)")
      ->envname("MISSIVE_DATA")
      ->capture_default_str();
  cmd->add_option("--store", options->store,
                  "PostgreSQL URL (postgres://USER[:PASSWORD]@HOST:PORT/DB) to keep the data in; "
                  "default: SQLite in --data")
      ->envname("MISSIVE_STORE");
  cmd->add_option("--store-connections", options->store_connections,
                  "most connections this node opens to PostgreSQL")
      ->envname("MISSIVE_STORE_CONNECTIONS")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--request-threads", options->request_threads,
                  "threads that run requests; a write holds one until its commit, so this bounds "
                  "the writes one group commit takes")
      ->envname("MISSIVE_REQUEST_THREADS")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_flag("--no-migrate", options->no_migrate,
                "PostgreSQL: refuse to start unless the schema is this version (run `missive "
                "migrate` first) instead of creating or upgrading it")
      ->envname("MISSIVE_NO_MIGRATE");
  cmd->add_option("--admin-password", options->admin_password,
                  "password of the admin account created on first start (default: generated)")
      ->envname("MISSIVE_ADMIN_PASSWORD");
  cmd->add_option("--password-cost", options->password_cost,
                  "Argon2id cost: interactive, or minimal (tests only)")
      ->envname("MISSIVE_PASSWORD_COST")
      ->check(CLI::IsMember({"interactive", "minimal"}))
      ->capture_default_str();
  cmd->add_option("--log-level", options->log_level, "trace, debug, info, warn, error or off")
      ->envname("MISSIVE_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  cmd->add_option("--reminder-time", options->reminder_time,
                  "UTC time of day (HH:MM) reminders are sent")
      ->envname("MISSIVE_REMINDER_TIME")
      ->capture_default_str();
  cmd->add_option("--reminder-poll", options->reminder_poll_seconds,
                  "longest pause in seconds between two reminder passes")
      ->envname("MISSIVE_REMINDER_POLL")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--diffusion-limit", options->diffusion_limit,
                  "audiences larger than this are fanned out after the send commits")
      ->envname("MISSIVE_DIFFUSION_LIMIT")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--sync-retention", options->sync_retention_seconds,
                  "seconds timeline entries are kept (pruned hourly, or at this interval when "
                  "shorter); devices further behind get a reset")
      ->envname("MISSIVE_SYNC_RETENTION")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3650} * 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--ws-frame-limit", options->ws_frame_limit,
                  "largest WebSocket message a client may send, in bytes (larger: close 1009)")
      ->envname("MISSIVE_WS_FRAME_LIMIT")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  cmd->add_option("--ws-queue-bytes", options->ws_queue_bytes,
                  "bytes queued for one WebSocket before it is closed as a slow consumer (4000)")
      ->envname("MISSIVE_WS_QUEUE_BYTES")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--ws-queue-frames", options->ws_queue_frames,
                  "frames queued for one WebSocket before it is closed as a slow consumer (4000)")
      ->envname("MISSIVE_WS_QUEUE_FRAMES")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  cmd->add_option("--ws-idle", options->ws_idle_seconds,
                  "seconds without any frame from a WebSocket client before it is dropped (0: "
                  "never); the server pings at half of it")
      ->envname("MISSIVE_WS_IDLE")
      ->check(CLI::Range(0, 86'400))
      ->capture_default_str();
  cmd->add_option("--ws-message-time", options->ws_message_seconds,
                  "seconds a WebSocket client's message may take from its first frame to its "
                  "last; longer: closed with 1008 (0: no bound)")
      ->envname("MISSIVE_WS_MESSAGE_TIME")
      ->check(CLI::Range(0, 86'400))
      ->capture_default_str();
  cmd->add_option("--ws-connections-per-user", options->ws_connections_per_user,
                  "WebSocket connections one user may hold at once; more are refused with 429 "
                  "(0: no limit)")
      ->envname("MISSIVE_WS_CONNECTIONS_PER_USER")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  cmd->add_option("--output-bytes", options->output.total_bytes,
                  "bytes of answers the server holds for clients that have not read them yet, "
                  "all connections together; over it: 503 (0: no limit)")
      ->envname("MISSIVE_OUTPUT_BYTES")
      ->capture_default_str();
  cmd->add_option("--output-bytes-per-user", options->output.user_bytes,
                  "the same for one user's connections; over it: 429 (0: no limit)")
      ->envname("MISSIVE_OUTPUT_BYTES_PER_USER")
      ->capture_default_str();
  cmd->add_option("--answers-per-user", options->output.user_answers,
                  "HTTP answers of one user being written at once; more: 429 (0: no limit)")
      ->envname("MISSIVE_ANSWERS_PER_USER")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--request-body-limit", options->request_body_limit,
                  "largest HTTP request body, in bytes (larger: 413)")
      ->envname("MISSIVE_REQUEST_BODY_LIMIT")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--subject-limit", options->subject_limit,
                  "largest message subject, in bytes (larger: 422)")
      ->envname("MISSIVE_SUBJECT_LIMIT")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--message-body-limit", options->message_body_limit,
                  "largest message body, in bytes (larger: 422)")
      ->envname("MISSIVE_MESSAGE_BODY_LIMIT")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--recipients-limit", options->recipients_limit,
                  "most distinct recipients one message may reach, group members included "
                  "(more: 422)")
      ->envname("MISSIVE_RECIPIENTS_LIMIT")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}))
      ->capture_default_str();
  cmd->add_option("--send-rate", options->send_rate,
                  "sends and replies per user per second, on average (more: 429); 0: no limit")
      ->envname("MISSIVE_SEND_RATE")
      ->check(CLI::Range(0.0, 1'000'000.0))
      ->capture_default_str();
  cmd->add_option("--send-burst", options->send_burst,
                  "sends and replies one user may make at once after a pause")
      ->envname("MISSIVE_SEND_BURST")
      ->check(CLI::Range(1.0, 1'000'000.0))
      ->capture_default_str();
  cmd->add_option("--login-failures-per-account", options->login_failures_per_account,
                  "failed logins for one handle within --login-window before further attempts "
                  "get 429 (0: no limit)")
      ->envname("MISSIVE_LOGIN_FAILURES_PER_ACCOUNT")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--login-failures-per-address", options->login_failures_per_address,
                  "failed logins from one client address within --login-window before further "
                  "attempts get 429 (0: no limit)")
      ->envname("MISSIVE_LOGIN_FAILURES_PER_ADDRESS")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--login-window", options->login_window_seconds,
                  "seconds over which failed logins are counted, from the first failure")
      ->envname("MISSIVE_LOGIN_WINDOW")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{7} * 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--session-ttl", options->session_ttl_seconds,
                  "seconds a login token stays valid")
      ->envname("MISSIVE_SESSION_TTL")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3650} * 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--tls-cert", options->tls_cert,
                  "PEM certificate chain: serve HTTPS and WSS (TLS 1.2+) on the --listen port; "
                  "needs --tls-key")
      ->envname("MISSIVE_TLS_CERT");
  cmd->add_option("--tls-key", options->tls_key,
                  "PEM private key (unencrypted) of --tls-cert")
      ->envname("MISSIVE_TLS_KEY");
  cmd->add_option("--web-dir", options->web_dir,
                  "serve the web page from this directory (a `node web/build.mjs --outdir` "
                  "output) instead of the copy embedded in the binary; for developing the page")
      ->envname("MISSIVE_WEB_DIR")
      ->check(CLI::ExistingDirectory);
  add_media_flags(cmd, options->media);
  add_notify_flags(cmd, options->notify);
  cmd->callback([&context, options] { context.action = [options] { return serve(*options); }; });
}

}  // namespace missive::cli
