#pragma once
// The notification flags of `missive serve` (SMTP, links, digests, webhooks) and what they
// open: the mailer, the webhook sender and the notification service (docs/notifications.md).

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "core/clock.h"
#include "engine/notification_service.h"
#include "store/store.h"

namespace missive::notify {
class SmtpMailer;
class WebhookSender;
}  // namespace missive::notify

namespace missive::cli {

struct NotifyFlags {
  std::string smtp_url;            // smtp://HOST:PORT or smtps://HOST:PORT; empty: no email
  std::string smtp_user;
  std::string smtp_password_file;  // else MISSIVE_SMTP_PASSWORD
  std::string smtp_starttls = "try";
  std::string mail_from;
  std::string public_url;          // empty: http://<listen address>
  bool allow_private_webhooks = false;
  std::int64_t digest_after_seconds = NotificationOptions{}.digest_after_ms / 1000;
  std::int64_t digest_interval_seconds = NotificationOptions{}.digest_interval_ms / 1000;
  int delivery_threads = NotificationOptions{}.delivery_threads;
  std::int64_t lease_seconds = NotificationOptions{}.claim_lease_ms / 1000;
};

void add_notify_flags(CLI::App* cmd, NotifyFlags& flags);

struct NotifySetup {
  std::unique_ptr<notify::SmtpMailer> mailer;  // null without --smtp-url
  std::unique_ptr<notify::WebhookSender> webhooks;
  std::unique_ptr<NotificationService> service;
  NotifySetup();
  NotifySetup(NotifySetup&&) noexcept;
  ~NotifySetup();
};

// invalid for a bad --smtp-url, --mail-from or --public-url, or an unreadable password file.
// `link_key` signs unsubscribe links; `node` names this node's claims. Without --public-url,
// links point at the server's own address: set it once the server listens
// (NotificationService::set_public_url).
Result<NotifySetup> open_notifications(const NotifyFlags& flags, Store& store, const Clock& clock,
                                       const std::string& link_key, const std::string& node);

}  // namespace missive::cli
