#include "cli/serve_notify.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "notify/smtp_mailer.h"
#include "notify/webhook.h"

namespace missive::cli {

NotifySetup::NotifySetup() = default;
NotifySetup::NotifySetup(NotifySetup&&) noexcept = default;
NotifySetup::~NotifySetup() = default;

void add_notify_flags(CLI::App* cmd, NotifyFlags& flags) {
  cmd->add_option("--smtp-url", flags.smtp_url,
                  "where email goes: smtp://HOST:PORT (STARTTLS per --smtp-starttls) or "
                  "smtps://HOST:PORT (TLS); none: no email is sent")
      ->envname("MISSIVE_SMTP_URL");
  cmd->add_option("--smtp-user", flags.smtp_user, "SMTP login (AUTH); the password comes from "
                  "MISSIVE_SMTP_PASSWORD or --smtp-password-file")
      ->envname("MISSIVE_SMTP_USER");
  cmd->add_option("--smtp-password-file", flags.smtp_password_file,
                  "a file holding the SMTP password (its first line)")
      ->envname("MISSIVE_SMTP_PASSWORD_FILE");
  cmd->add_option("--smtp-starttls", flags.smtp_starttls,
                  "for smtp://: require STARTTLS, try it, or never use it")
      ->envname("MISSIVE_SMTP_STARTTLS")
      ->check(CLI::IsMember({"required", "try", "off"}))
      ->capture_default_str();
  cmd->add_option("--mail-from", flags.mail_from,
                  "the sender of every email: \"Missive <missive@example.org>\" or an address")
      ->envname("MISSIVE_MAIL_FROM");
  cmd->add_option("--public-url", flags.public_url,
                  "the address users reach the web page at, for links in emails "
                  "(https://missive.example.org); default: http://<--listen>")
      ->envname("MISSIVE_PUBLIC_URL");
  cmd->add_flag("--allow-private-webhooks", flags.allow_private_webhooks,
                "let webhook endpoints be on loopback, link-local or private addresses")
      ->envname("MISSIVE_ALLOW_PRIVATE_WEBHOOKS");
  cmd->add_option("--digest-after", flags.digest_after_seconds,
                  "seconds a received message stays unfetched by every device of its recipient "
                  "before it goes into an email digest")
      ->envname("MISSIVE_DIGEST_AFTER")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{366} * 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--digest-interval", flags.digest_interval_seconds,
                  "seconds between two digests to one user")
      ->envname("MISSIVE_DIGEST_INTERVAL")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{366} * 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--notify-lease", flags.lease_seconds,
                  "seconds a node holds a notification it is delivering; after a crash, another "
                  "attempt waits this long (each delivery times out within a third of it)")
      ->envname("MISSIVE_NOTIFY_LEASE")
      ->check(CLI::Range(std::int64_t{3}, std::int64_t{3600}))
      ->capture_default_str();
  cmd->add_option("--notify-threads", flags.delivery_threads,
                  "emails and webhook deliveries in flight at once")
      ->envname("MISSIVE_NOTIFY_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
}

namespace {

// The host part of --mail-from (Message-IDs are made under it).
std::string mail_domain(const std::string& from) {
  const auto at = from.rfind('@');
  if (at == std::string::npos) return "missive.local";
  std::string domain = from.substr(at + 1);
  if (const auto end = domain.find('>'); end != std::string::npos) domain.resize(end);
  return domain.empty() ? "missive.local" : domain;
}

}  // namespace

Result<NotifySetup> open_notifications(const NotifyFlags& flags, Store& store, const Clock& clock,
                                       const std::string& link_key, const std::string& node) {
  NotificationOptions options;
  options.public_url = flags.public_url;
  if (!options.public_url.empty() && !options.public_url.starts_with("http://") &&
      !options.public_url.starts_with("https://")) {
    return fail(ErrorCode::invalid, "--public-url must start with http:// or https://");
  }
  options.link_key = link_key;
  options.node = node;
  options.allow_private_webhooks = flags.allow_private_webhooks;
  options.digest_after_ms = flags.digest_after_seconds * 1000;
  options.digest_interval_ms = flags.digest_interval_seconds * 1000;
  options.delivery_threads = flags.delivery_threads;
  options.claim_lease_ms = flags.lease_seconds * 1000;
  // A delivery must end well inside its claim, or a second attempt could start meanwhile.
  const long delivery_timeout_ms = static_cast<long>(options.claim_lease_ms / 3);

  NotifySetup setup;
  if (!flags.smtp_url.empty()) {
    if (flags.mail_from.empty()) {
      return fail(ErrorCode::invalid, "--smtp-url needs --mail-from (the sender of every email)");
    }
    notify::SmtpFlags smtp;
    smtp.url = flags.smtp_url;
    smtp.user = flags.smtp_user;
    smtp.password_file = flags.smtp_password_file;
    if (const char* env = std::getenv("MISSIVE_SMTP_PASSWORD")) smtp.password_env = env;
    smtp.mail_from = flags.mail_from;
    smtp.starttls = flags.smtp_starttls;
    MISSIVE_TRY(notify::SmtpConfig config, notify::parse_smtp_config(smtp));
    config.timeout_ms = std::min(config.timeout_ms, delivery_timeout_ms);
    MISSIVE_TRY(notify::SmtpMailer mailer, notify::SmtpMailer::create(std::move(config)));
    setup.mailer = std::make_unique<notify::SmtpMailer>(std::move(mailer));
    options.email_configured = true;
    options.message_id_host = mail_domain(flags.mail_from);
  }
  notify::WebhookConfig webhooks;
  webhooks.allow_private = flags.allow_private_webhooks;
  webhooks.user_agent = "Missive-Webhooks/1";
  webhooks.timeout_ms = std::min(webhooks.timeout_ms, delivery_timeout_ms);
  webhooks.connect_timeout_ms = std::min(webhooks.connect_timeout_ms, delivery_timeout_ms);
  setup.webhooks = std::make_unique<notify::WebhookSender>(webhooks);
  setup.service = std::make_unique<NotificationService>(store, clock, std::move(options),
                                                        setup.mailer.get(), *setup.webhooks);
  return setup;
}

}  // namespace missive::cli
