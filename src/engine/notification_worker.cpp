// The outbox worker of NotificationService: claims due rows, renders and delivers each, and
// writes the outcome back (docs/notifications.md, "Delivery").
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/json_values.h"
#include "core/time_format.h"
#include "engine/notification_render.h"
#include "engine/notification_service.h"
#include "notify/backoff.h"
#include "notify/destination_limiter.h"
#include "notify/email.h"
#include "notify/smtp_mailer.h"
#include "notify/webhook.h"

namespace missive {
namespace {

constexpr Timestamp kDay = 24LL * 3600 * 1000;

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_user(JsonWriter& w, const User& user) {
  w.StartObject();
  w.Key("id");
  w.Int64(user.id.value);
  w.Key("handle");
  w.String(user.handle.c_str(), static_cast<rapidjson::SizeType>(user.handle.size()));
  w.Key("first_name");
  w.String(user.first_name.c_str(), static_cast<rapidjson::SizeType>(user.first_name.size()));
  w.Key("last_name");
  w.String(user.last_name.c_str(), static_cast<rapidjson::SizeType>(user.last_name.size()));
  // An SMS gateway finds the phone number here: endpoints are the organisation's own.
  const std::string attributes = attributes_to_json(user.attributes);
  w.Key("attributes");
  w.RawValue(attributes.c_str(), attributes.size(), rapidjson::kObjectType);
  w.EndObject();
}

void write_string(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// What per-destination limits count: a mail domain, or a webhook host.
std::string destination_key(const Notification& row) {
  const std::string& destination = row.destination.value_or("");
  return row.channel == NotificationChannel::email ? "mail:" + notify::email_destination(destination)
                                                   : "web:" + notify::webhook_destination(destination);
}

// Digest payload: {"messages": [ids], "count": n}.
struct DigestPayload {
  std::vector<MessageId> messages;
  std::int64_t count = 0;
};

Result<DigestPayload> parse_digest(const std::string& payload) {
  rapidjson::Document doc;
  doc.Parse(payload.c_str(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("messages") ||
      !doc["messages"].IsArray()) {
    return fail(ErrorCode::internal, "a digest row without its message list");
  }
  DigestPayload out;
  for (const auto& id : doc["messages"].GetArray()) {
    if (id.IsInt64()) out.messages.emplace_back(id.GetInt64());
  }
  out.count = doc.HasMember("count") && doc["count"].IsInt64() ? doc["count"].GetInt64()
                                                               : static_cast<std::int64_t>(out.messages.size());
  return out;
}

Result<std::pair<std::string, std::string>> parse_confirmation(const std::string& payload) {
  rapidjson::Document doc;
  doc.Parse(payload.c_str(), payload.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("address") ||
      !doc["address"].IsString() || !doc.HasMember("token") || !doc["token"].IsString()) {
    return fail(ErrorCode::internal, "a confirmation row without its address and token");
  }
  return std::pair{std::string(doc["address"].GetString()), std::string(doc["token"].GetString())};
}

}  // namespace

// --- outcomes ---

Status NotificationService::finish(const Notification& row, NotificationState state,
                                   std::optional<std::string> error,
                                   std::optional<std::string> disable_endpoint) {
  NotificationResult result;
  result.id = row.id;
  result.holder = options_.node;
  result.now = clock_.now();
  result.state = state;
  result.next_attempt_at = result.now;
  result.error = std::move(error);
  result.disable_endpoint = std::move(disable_endpoint);
  auto finished = store_.finish_notification(result);
  if (!finished && finished.error().code == ErrorCode::conflict) {
    // Our claim ran out and another attempt took the row: that attempt writes the outcome.
    spdlog::warn("notification {}: claim lost before its outcome was written", row.id.value);
    return {};
  }
  return finished;
}

Status NotificationService::retry_or_fail(const Notification& row, const std::string& error,
                                          std::optional<std::string> disable_endpoint) {
  const Timestamp now = clock_.now();
  const Timestamp deadline = row.deadline > 0 ? row.deadline : row.created_at + kDay;
  if (disable_endpoint || now >= deadline) {
    return finish(row, NotificationState::failed,
                  now >= deadline ? fmt::format("gave up after a day: {}", error) : error,
                  std::move(disable_endpoint));
  }
  NotificationResult result;
  result.id = row.id;
  result.holder = options_.node;
  result.now = now;
  result.state = NotificationState::queued;
  result.next_attempt_at = notify::next_attempt(row.attempts + 1, now);
  result.error = error;
  auto finished = store_.finish_notification(result);
  if (!finished && finished.error().code == ErrorCode::conflict) return {};
  return finished;
}

// --- delivery ---

Status NotificationService::deliver(const Notification& row) {
  return row.channel == NotificationChannel::email ? deliver_email(row) : deliver_webhook(row);
}

Status NotificationService::deliver_email(const Notification& row) {
  if (mailer_ == nullptr) {
    return finish(row, NotificationState::failed, "no SMTP server is configured (--smtp-url)");
  }
  const Timestamp now = clock_.now();
  auto to = store_.get_user(row.user);
  if (!to) {
    if (to.error().code != ErrorCode::not_found) return retry_or_fail(row, to.error().message);
    return finish(row, NotificationState::failed, "the user no longer exists");
  }
  if (!to->is_active) return finish(row, NotificationState::cancelled, "the user is deactivated");
  MISSIVE_TRY(const EmailSettings settings, store_.email_settings(row.user));

  notify::Email email;
  email.to_name = to->full_name();
  email.message_id = fmt::format("<notification-{}@{}>", row.id.value, options_.message_id_host);
  RenderedEmail rendered;
  std::optional<EmailKind> kind;
  const auto cite = [&](MessageId id) -> Result<CitedMessage> {
    MISSIVE_TRY(Message message, store_.get_message(id));
    MISSIVE_TRY(User sender, store_.get_user(message.creator));
    return CitedMessage{std::move(message), std::move(sender),
                        link(fmt::format("/#/m/{}", id.value))};
  };

  switch (row.event) {
    case NotificationEvent::email_confirmation: {
      MISSIVE_TRY(const auto confirmation, parse_confirmation(row.payload));
      if (settings.pending != confirmation.first) {
        return finish(row, NotificationState::cancelled, "a newer address was asked for since");
      }
      email.to = confirmation.first;
      rendered = render_confirmation(*to, confirmation.first,
                                     link("/#/confirm-email/" + confirmation.second),
                                     row.created_at + options_.confirm_ttl_ms);
      break;
    }
    case NotificationEvent::reminder:
    case NotificationEvent::final_reminder: {
      if (!settings.address) return finish(row, NotificationState::cancelled, "no confirmed address");
      if (!settings.reminders) return finish(row, NotificationState::cancelled, "reminder emails are off");
      auto item = store_.get_inbox_item(row.message, row.user);
      if (!item) return finish(row, NotificationState::cancelled, "the user no longer receives the message");
      if (item->is_read) return finish(row, NotificationState::cancelled, "read before the email went out");
      if (!item->message.is_active(now)) return finish(row, NotificationState::cancelled, "the message expired");
      MISSIVE_TRY(const CitedMessage cited, cite(row.message));
      kind = EmailKind::reminders;
      email.to = *settings.address;
      rendered = render_reminder(*to, cited, row.number, row.event == NotificationEvent::final_reminder,
                                 unsubscribe_url(row.user, *kind));
      break;
    }
    case NotificationEvent::digest: {
      if (!settings.address) return finish(row, NotificationState::cancelled, "no confirmed address");
      if (!settings.digest) return finish(row, NotificationState::cancelled, "digest emails are off");
      MISSIVE_TRY(const DigestPayload digest, parse_digest(row.payload));
      std::vector<CitedMessage> shown;
      for (MessageId id : digest.messages) {
        auto item = store_.get_inbox_item(id, row.user);
        if (!item || item->is_read || !item->message.is_active(now)) continue;
        MISSIVE_TRY(CitedMessage cited, cite(id));
        shown.push_back(std::move(cited));
      }
      if (shown.empty()) return finish(row, NotificationState::cancelled, "read before the email went out");
      kind = EmailKind::digest;
      email.to = *settings.address;
      rendered = render_digest(*to, shown, std::max<std::int64_t>(digest.count, static_cast<std::int64_t>(shown.size())),
                               link("/#/inbox"), unsubscribe_url(row.user, *kind));
      break;
    }
    default:
      return finish(row, NotificationState::failed,
                    fmt::format("{} is not an email event", event_name(row.event)));
  }
  email.subject = std::move(rendered.subject);
  email.text = std::move(rendered.text);
  email.html = std::move(rendered.html);
  if (kind) {
    // RFC 8058: a mail client offers one-click unsubscribe, POSTing to this URL.
    email.headers.emplace_back("List-Unsubscribe", "<" + unsubscribe_url(row.user, *kind) + ">");
    email.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  }
  const Status sent = mailer_->send(email);
  if (sent) return finish(row, NotificationState::sent, std::nullopt);
  if (sent.error().code == ErrorCode::unavailable) return retry_or_fail(row, sent.error().message);
  return finish(row, NotificationState::failed, sent.error().message);
}

Status NotificationService::deliver_webhook(const Notification& row) {
  auto endpoint = store_.get_webhook(row.endpoint);
  if (!endpoint) {
    if (endpoint.error().code != ErrorCode::not_found) return retry_or_fail(row, endpoint.error().message);
    return finish(row, NotificationState::cancelled, "the endpoint was deleted");
  }
  if (!endpoint->enabled) {
    return finish(row, NotificationState::failed,
                  "the endpoint is disabled" +
                      (endpoint->disabled_reason ? ": " + *endpoint->disabled_reason : std::string()));
  }

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (row.message.valid()) {
    auto message = store_.get_message(row.message);
    if (!message) return retry_or_fail(row, message.error().message);
    w.Key("message_id");
    w.Int64(row.message.value);
    write_string(w, "subject", message->subject);
    w.Key("conversation_id");
    w.Int64(message->conversation.value);
    auto creator = store_.get_user(message->creator);
    if (!creator) return retry_or_fail(row, creator.error().message);
    w.Key("sender");
    write_user(w, *creator);
  }
  if (row.user.valid() && row.event != NotificationEvent::message_sent) {
    auto user = store_.get_user(row.user);
    if (!user) return retry_or_fail(row, user.error().message);
    w.Key(row.event == NotificationEvent::message_read ? "reader" : "user");
    write_user(w, *user);
  }
  if (row.event == NotificationEvent::reminder || row.event == NotificationEvent::final_reminder) {
    w.Key("round");
    w.Int64(row.number);
    w.Key("final");
    w.Bool(row.event == NotificationEvent::final_reminder);
  }
  w.EndObject();
  const std::string body = webhook_body(row.event, row.created_at,
                                        std::string(buffer.GetString(), buffer.GetSize()));
  const auto response = webhooks_.post(endpoint->url, endpoint->secret,
                                       fmt::format("ntf_{}", row.id.value), clock_.now(), body);
  if (response.ok) return finish(row, NotificationState::sent, std::nullopt);

  const std::string error =
      !response.error.empty() ? response.error
                              : fmt::format("HTTP {}: {}", response.status, response.body_excerpt);
  // An endpoint that has failed for a day is disabled, with the reason shown to admins.
  const Timestamp now = clock_.now();
  std::optional<std::string> disable;
  if (endpoint->failing_since && now - *endpoint->failing_since >= kDay) {
    disable = fmt::format("failing for a day since {}; last error: {}",
                          format_time(*endpoint->failing_since), error);
  }
  return retry_or_fail(row, error, std::move(disable));
}

// --- the loops ---

Result<std::int64_t> NotificationService::queue_digests() {
  if (!options_.email_configured) return 0;
  const Timestamp now = clock_.now();
  // Several nodes: one of them queues digests at a time.
  MISSIVE_TRY(bool holder, store_.acquire_lease("digests", options_.node, now,
                                                3 * options_.poll_ms + 10'000));
  if (!holder) return 0;
  DigestPass pass;
  pass.now = now;
  pass.unseen_before = now - options_.digest_after_ms;
  pass.interval_ms = options_.digest_interval_ms;
  return store_.queue_digests(pass);
}

Result<std::int64_t> NotificationService::run_once() {
  MISSIVE_TRY_STATUS(queue_digests());
  std::int64_t attempted = 0;
  for (;;) {
    NotificationClaim claim;
    claim.holder = options_.node;
    claim.now = clock_.now();
    claim.lease_ms = options_.claim_lease_ms;
    claim.limit = 100;
    MISSIVE_TRY(auto rows, store_.claim_notifications(claim));
    if (rows.empty()) return attempted;
    for (const auto& row : rows) {
      MISSIVE_TRY_STATUS(deliver(row));
      ++attempted;
    }
  }
}

void NotificationService::start() {
  std::lock_guard lock(mutex_);
  if (claimer_.joinable()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.delivery_threads); ++i) {
    deliverers_.emplace_back([this] { delivery_loop(); });
  }
  claimer_ = std::thread([this] { claim_loop(); });
}

void NotificationService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  has_work_.notify_all();
  if (claimer_.joinable()) claimer_.join();
  for (auto& thread : deliverers_) thread.join();
  deliverers_.clear();
  // Rows claimed but not started stay claimed until their lease runs out, then are attempted
  // again (by this node after a restart, or by another).
  queue_.clear();
}

void NotificationService::claim_loop() {
  const std::size_t threads = deliverers_.size();
  // Digests are due after hours, so a pass a minute is plenty (each reads the inboxes of the
  // users with an address); sooner only when --digest-after itself is short.
  const Timestamp digest_every = std::min<Timestamp>(60'000, options_.digest_after_ms / 2);
  Timestamp last_digest_pass = 0;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const std::size_t free = threads - std::min(threads, queue_.size() + in_flight_);
    lock.unlock();
    if (clock_.now() - last_digest_pass >= digest_every) {
      last_digest_pass = clock_.now();
      if (auto digests = queue_digests(); !digests) {
        spdlog::warn("digest pass failed: {}", digests.error().message);
      }
    }
    std::vector<Notification> rows;
    if (free > 0) {
      // Only as many as there are free threads: a claimed row starts at once, well within
      // its lease, so no claim runs out while the row waits here.
      NotificationClaim claim;
      claim.holder = options_.node;
      claim.now = clock_.now();
      claim.lease_ms = options_.claim_lease_ms;
      claim.limit = static_cast<int>(free);
      if (auto claimed = store_.claim_notifications(claim)) {
        rows = std::move(*claimed);
      } else {
        spdlog::warn("cannot claim notifications: {}", claimed.error().message);
      }
    }
    lock.lock();
    for (auto& row : rows) queue_.push_back(std::move(row));
    if (!rows.empty()) has_work_.notify_all();
    // A full batch means more may be due: look again soon, or as soon as a thread is free.
    const auto pause = std::chrono::milliseconds(rows.size() == free && free > 0 ? 50 : options_.poll_ms);
    wake_.wait_for(lock, pause, [&] { return stopping_ || poked_; });
    poked_ = false;
  }
}

void NotificationService::delivery_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    has_work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Notification row = std::move(queue_.front());
    queue_.pop_front();
    ++in_flight_;
    lock.unlock();
    // A destination already busy (a slow endpoint, a mail host) gets its row back for later,
    // so it cannot hold every delivery thread.
    const std::string key = destination_key(row);
    if (limiter_->try_acquire(key, clock_.now())) {
      if (auto delivered = deliver(row); !delivered) {
        spdlog::warn("notification {}: {}", row.id.value, delivered.error().message);
      }
      limiter_->release(key);
    } else {
      NotificationResult later;
      later.id = row.id;
      later.holder = options_.node;
      later.now = clock_.now();
      later.state = NotificationState::queued;
      later.next_attempt_at = later.now + 1000;
      later.attempted = false;
      (void)store_.finish_notification(later);
    }
    lock.lock();
    --in_flight_;
    poked_ = true;
    wake_.notify_all();
  }
}

}  // namespace missive
