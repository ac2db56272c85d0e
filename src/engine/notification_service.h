#pragma once
// Notifications that leave the server (docs/notifications.md): users' email addresses and
// preferences, webhook endpoints, and the outbox worker that delivers what the store queued.
//
// The store writes each notification row in the transaction of the event that causes it (a
// reminder round, a send, a read, a confirmation request); this service only delivers rows.
// A delivery is claimed for a lease, attempted, and its outcome written back, so a crash or
// an outage loses nothing: an unfinished claim runs out and the row is attempted again. A
// receiver sees a repeat only when we crashed between its accepting and our commit; the id it
// gets (Message-ID, webhook-id) stays the same, so it can drop the repeat.
//
// Thread-safety: every method may be called from any thread concurrently.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/notification.h"
#include "engine/engine.h"
#include "store/store.h"

namespace missive {

namespace notify {
class SmtpMailer;
class WebhookSender;
class DestinationLimiter;
}  // namespace notify

struct NotificationOptions {
  // Where the web page is, for links in emails ("https://missive.example.org"). Empty: the
  // server's own address.
  std::string public_url;
  std::string link_key;        // signs unsubscribe links (HMAC-SHA256), like attachment URLs
  std::string message_id_host = "missive.local";  // the right side of Message-IDs
  bool email_configured = false;  // an SMTP server was given (--smtp-url)
  bool allow_private_webhooks = false;  // endpoints on loopback/private addresses (tests)
  std::string node = "missive";   // holds this node's claims
  // A digest goes to a user whose received messages no device has fetched for this long, at
  // most once per interval.
  Timestamp digest_after_ms = 24LL * 3600 * 1000;
  Timestamp digest_interval_ms = 24LL * 3600 * 1000;
  Timestamp confirm_ttl_ms = 48LL * 3600 * 1000;  // how long a confirmation link works
  Timestamp poll_ms = 1000;           // how often the worker looks for due rows
  Timestamp claim_lease_ms = 60'000;  // longer than any one delivery's timeout
  int delivery_threads = 4;
};

struct WebhookRequest {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> events;  // wire names ("message.sent", ...)
  std::optional<std::string> description;
  std::optional<bool> enabled;
  bool new_secret = false;  // update: replace the secret with a fresh one
};

class NotificationService {
 public:
  // mailer: null when no SMTP server is configured (email rows then fail with that reason).
  NotificationService(Store& store, const Clock& clock, NotificationOptions options,
                      notify::SmtpMailer* mailer, notify::WebhookSender& webhooks);
  ~NotificationService();
  NotificationService(const NotificationService&) = delete;
  NotificationService& operator=(const NotificationService&) = delete;

  // --- a user's email (the user, or an admin) ---
  Result<EmailSettings> email_settings(const Caller& caller, UserId user);
  // Asks for a new address: it is used once confirmed through the link emailed to it.
  // unprocessable for a malformed address or when this server sends no email.
  Result<EmailSettings> change_email(const Caller& caller, UserId user, const std::string& address);
  Result<EmailSettings> remove_email(const Caller& caller, UserId user);
  Result<EmailSettings> set_email_preferences(const Caller& caller, UserId user,
                                              const EmailPreferences& preferences);
  // Anyone holding the link's token. not_found for an unknown, used or expired token.
  Result<UserId> confirm_email(const std::string& token);
  // One-click unsubscribe (RFC 8058) from an email's link: turns that kind off for its user.
  // not_found for a token that does not verify.
  Result<EmailKind> unsubscribe(const std::string& token);
  // The unsubscribe link for `user` and `kind` (tests and the email renderer).
  std::string unsubscribe_url(UserId user, EmailKind kind) const;

  // --- webhooks (admins) ---
  // unprocessable for a URL the policy refuses (scheme, private address) or unknown events.
  Result<WebhookEndpoint> create_webhook(const Caller& caller, const WebhookRequest& request);
  Result<std::vector<WebhookEndpoint>> list_webhooks(const Caller& caller);
  Result<WebhookEndpoint> get_webhook(const Caller& caller, WebhookId id);
  Result<WebhookEndpoint> update_webhook(const Caller& caller, WebhookId id,
                                         const WebhookRequest& request);
  Status delete_webhook(const Caller& caller, WebhookId id);

  // --- the outbox (admins) ---
  Result<std::vector<Notification>> notifications(const Caller& caller,
                                                  const NotificationQuery& query);
  Result<Notification> notification(const Caller& caller, NotificationId id);
  Result<Notification> replay(const Caller& caller, NotificationId id);
  Result<OutboxCounts> outbox_counts(const Caller& caller);

  // Where links in emails point, when it is only known once the server listens (the default
  // of --public-url: the bound address). Call before start().
  void set_public_url(std::string url) { options_.public_url = std::move(url); }

  // --- the worker ---
  // Starts the delivery threads and the pass that claims due rows and queues digests.
  void start();
  // Stops claiming, lets deliveries in flight finish (each is bounded by its timeout), joins.
  void stop();
  // One pass now, on the calling thread: queue due digests, then claim and deliver every due
  // row. Returns how many rows were attempted. For tests and `missive` tools.
  Result<std::int64_t> run_once();

 private:
  void poke();
  Status deliver(const Notification& row);
  Status deliver_email(const Notification& row);
  Status deliver_webhook(const Notification& row);
  Status finish(const Notification& row, NotificationState state, std::optional<std::string> error,
                std::optional<std::string> disable_endpoint = std::nullopt);
  Status retry_or_fail(const Notification& row, const std::string& error,
                       std::optional<std::string> disable_endpoint = std::nullopt);
  std::string sign(const std::string& message) const;
  std::string link(const std::string& path) const;
  Result<std::int64_t> queue_digests();
  void claim_loop();
  void delivery_loop();

  Store& store_;
  const Clock& clock_;
  NotificationOptions options_;
  notify::SmtpMailer* mailer_;
  notify::WebhookSender& webhooks_;
  std::unique_ptr<notify::DestinationLimiter> limiter_;

  std::mutex mutex_;
  std::condition_variable wake_;      // the claim loop: stop, or rows done
  std::condition_variable has_work_;  // delivery threads: rows queued, or stop
  std::deque<Notification> queue_;    // claimed, waiting for a delivery thread
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  bool poked_ = false;  // the claim loop should look again now (rows queued or a thread freed)
  std::thread claimer_;
  std::vector<std::thread> deliverers_;
};

}  // namespace missive
