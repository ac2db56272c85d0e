// The JSON bodies of the Missive HTTP API (docs/api.md, docs/openapi.yaml) and of the sync
// protocol (docs/protocol.md), exactly as the server sends them. test/openapi.test.mjs checks
// the property names of these interfaces against components/schemas of docs/openapi.yaml, so
// keep one interface per schema and name members as the wire does (snake_case).

/** RFC 3339 UTC time with milliseconds, e.g. "2026-11-21T13:39:52.123Z". */
export type Time = string;

/** A user attribute value, as used by group rules. */
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface User {
  id: number;
  handle: string;
  first_name: string;
  last_name: string;
  full_name: string;
  /** Absent when the policy hides other users' attributes from the caller. */
  attributes?: Attributes;
  is_admin: boolean;
  is_active: boolean;
  created_at: Time;
  /** Shown to admins and to the user only. */
  permissions?: Permission[];
}

/** What an admin grants a user (docs/security.md, "Permissions"); admins hold every one. */
export type Permission = 'create_groups' | 'create_rule_groups' | 'send_to_large_audiences' | 'see_attributes';

/** Who may send to a group besides its owner and admins. */
export type GroupSenders = 'members' | 'everyone' | 'named';

/** GET and PUT /v1/policy (admins): the organisation's policy. */
export interface Policy {
  create_groups: 'everyone' | 'granted';
  create_rule_groups: 'everyone' | 'granted';
  /** Sends and replies reaching more distinct recipients need send_to_large_audiences. */
  large_audience: number;
  see_attributes: 'admins' | 'granted' | 'everyone';
}

/** POST /v1/sessions. `token` is absent when the session lives in the HttpOnly cookie. */
export interface Session {
  token?: string;
  expires_at: Time;
  user: User;
}

export interface Health {
  status: 'ok';
}

export interface Group {
  id: number;
  name: string;
  /** null: explicit members; otherwise the rule over user attributes. */
  rule: string | null;
  owner_id: number;
  is_active: boolean;
  created_at: Time;
  /** Active explicit members (0 for rule groups). */
  member_count: number;
  senders: GroupSenders;
  /** With senders 'named': who may send (empty otherwise). */
  sender_ids: number[];
}

export type ReminderFrequency = 'daily' | 'weekly' | 'every_days';

/** Asking for reminders on a send or reply (expiry_date is then required). */
export interface ReminderSettings {
  frequency?: ReminderFrequency;
  /** 1..366; implies frequency "every_days". */
  every_days?: number;
  deactivate_non_responders?: boolean;
}

/** A message's reminder schedule (creator's view). */
export interface ReminderSchedule {
  frequency: ReminderFrequency;
  period_days: number;
  /** YYYY-MM-DD, the UTC day of the final reminder. */
  expiry_day: string;
  deactivate_non_responders: boolean;
  next_remind_date: Time | null;
  last_remind_date: Time | null;
  reminders_sent: number;
  final_sent: boolean;
  status: 'active' | 'stopped' | 'expired';
}

/**
 * A message as the caller sees it. The last five members exist in the creator's view only
 * (sends, replies, the creator's own messages anywhere).
 */
export interface Message {
  id: number;
  conversation_id: number;
  /** Place in its conversation (the `conv_seq` of timeline entries). */
  seq: number;
  creator_id: number;
  client_msg_id: string | null;
  subject: string;
  body: string;
  parent_id: number | null;
  root_id: number;
  create_date: Time;
  expiry_date: Time | null;
  /** False once expired or withdrawn. */
  active: boolean;
  metadata: Record<string, unknown>;
  flags: string[];
  /** Frozen at send time: group names and users' full names. */
  sent_to: string;
  /** Always true for the creator; always false in timeline entries (read state comes from `read` entries). */
  is_read: boolean;
  read_at: Time | null;
  /** Groups through which the caller received it (empty if direct). */
  via_groups: number[];
  reminder_count: number;
  last_reminded_at: Time | null;
  final_reminder: boolean;
  recipient_count?: number;
  delivered_count?: number;
  read_count?: number;
  read_percent?: number;
  reminders?: ReminderSchedule | null;
  /** The files the message carries, as they were when it was sent (docs/attachments.md). */
  attachments: Attachment[];
}

/** An item of GET /v1/inbox: a message in the recipient's view. */
export type InboxItem = Message;

/** Recipients of a send: user ids or handles, group ids or names. */
export interface Recipients {
  users?: Array<number | string>;
  groups?: Array<number | string>;
}

export interface SendRequest {
  to: Recipients;
  subject: string;
  body: string;
  /** RFC 3339 instant or a date; null or absent: never expires. */
  expiry_date?: string | null;
  metadata?: Record<string, unknown>;
  flags?: string[];
  /** Idempotency key, unique per sender: reuse it on every retry of the same message. */
  client_msg_id?: string;
  reminders?: ReminderSettings | null;
  /** Upload ids (the sender's own, complete), at most max_attachments of GET /v1/media/config. */
  attachments?: number[];
}

export interface ReplyRequest {
  body: string;
  /** false (default): to the parent's creator only; true: to its creator and recipients. */
  reply_all?: boolean;
  subject?: string;
  expiry_date?: string | null;
  metadata?: Record<string, unknown>;
  flags?: string[];
  client_msg_id?: string;
  reminders?: ReminderSettings | null;
  /** Upload ids (the sender's own, complete), at most max_attachments of GET /v1/media/config. */
  attachments?: number[];
}

export interface ThreadNode {
  message: Message;
  replies: ThreadNode[];
}

export interface Thread {
  root: ThreadNode;
}

/** POST /v1/messages/{id}/read and POST /v1/conversations/{id}/read. */
export interface ReadOutcome {
  messages_marked: number;
  /** The caller's watermark in the conversation. */
  read_seq: number;
}

export interface Conversation {
  id: number;
  kind: 'direct' | 'group' | 'multi';
  group_id: number | null;
  max_seq: number;
  read_seq: number;
  /** Messages above read_seq still unread: not own, not read on their own, not withdrawn or expired. */
  unread: number;
  last_message_id: number | null;
  last_activity: Time;
}

/** One slot of GET /v1/conversations/{id}/messages: a message, or a placeholder. */
export interface MessageSlot {
  seq: number;
  message?: Message;
  /** Withdrawn, expired, or sent while the caller was not a member. */
  placeholder?: boolean;
}

interface EntryBase {
  /** Per-user timeline position, 1, 2, 3, ... without gaps. */
  seq: number;
  conversation: number;
  at: Time;
}

/** A message (or reply) sent to the user or by the user, on any device. */
export interface MessageEntry extends EntryBase {
  kind: 'message';
  conv_seq: number;
  message_id: number;
  message?: Message;
  placeholder?: boolean;
}

/** The user read in the conversation: everything up to read_seq, and message_id if given. */
export interface ReadEntry extends EntryBase {
  kind: 'read';
  read_seq: number;
  message_id?: number;
}

/** Recipient `user` of a message the user sent received it on a device, or read it. */
export interface StatusEntry extends EntryBase {
  kind: 'status';
  conv_seq: number;
  message_id: number;
  user: number;
  status: 'delivered' | 'read';
}

/** The message's expiry changed (a withdrawal sets it to the moment of withdrawal). */
export interface ExpiryEntry extends EntryBase {
  kind: 'expiry';
  conv_seq: number;
  message_id: number;
  expiry_date: Time | null;
}

/** The user was sent reminder `number` for the message. */
export interface ReminderEntry extends EntryBase {
  kind: 'reminder';
  conv_seq: number;
  message_id: number;
  number: number;
  final: boolean;
}

/**
 * A preview of an attachment of a message the user sees was made (or failed): read the
 * upload again (GET /v1/uploads/{attachment}) for its media details.
 */
export interface AttachmentEntry extends EntryBase {
  kind: 'attachment';
  /** The message that carries it. */
  conv_seq: number;
  message_id: number;
  /** The upload id. */
  attachment: number;
}

/**
 * One timeline entry, discriminated on `kind`. A newer server may send kinds not listed here:
 * a Device still moves its cursor past them and hands them to onEntry unchanged.
 */
export type SyncEntry = MessageEntry | ReadEntry | StatusEntry | ExpiryEntry | ReminderEntry | AttachmentEntry;
export type SyncEntryKind = SyncEntry['kind'];

/** GET /v1/sync and the WebSocket `sync` answer. */
export interface SyncPage {
  /** true (entries empty): the cursor cannot be continued; re-bootstrap, continue from next. */
  reset: boolean;
  entries: SyncEntry[];
  next: number;
  has_more: boolean;
}

export interface SlotPage {
  slots: MessageSlot[];
  /** Pass as `after` (range pull) or `before` (history) for the next page; null at the end. */
  next: number | null;
}

export interface SearchHitThread {
  root_id: number;
  /** null when the caller may not see the root. */
  root_subject: string | null;
  parent_id: number | null;
}

export interface SearchResult {
  message: Message;
  /** Text around the first match, matches between « and ». */
  snippet: string;
  thread: SearchHitThread;
  /** Lower is better; 0 when sorted by date. Compare within one response only. */
  score: number;
}

export interface SearchPage {
  results: SearchResult[];
  /** Opaque cursor of the next page, passed back as `cursor`; null at the end. */
  next: string | null;
}

export interface DashboardRow {
  id: number;
  subject: string;
  sent_to: string;
  create_date: Time;
  expiry_date: Time | null;
  active: boolean;
  recipients: number;
  delivered_count: number;
  read_count: number;
  read_percent: number;
  reminders: ReminderSchedule | null;
}

export interface GroupReadRow {
  /** null: recipients addressed directly. */
  group_id: number | null;
  /** '' for recipients addressed directly. */
  group_name: string;
  recipients: number;
  reads: number;
  read_percent: number;
}

export interface RecipientReadRow {
  user_id: number;
  handle: string;
  full_name: string;
  group_id: number | null;
  /** '' when addressed directly. */
  group_name: string;
  delivered_at: Time | null;
  is_read: boolean;
  read_at: Time | null;
  /** Messages with reminders only. */
  reminders?: number;
  last_reminded_at?: Time | null;
  deactivated?: boolean;
  deactivated_at?: Time | null;
}

/** GET /v1/dashboard/{message_id}. */
export interface ReadReport {
  message: DashboardRow;
  groups: GroupReadRow[];
  recipients: RecipientReadRow[];
}

/** GET /v1/dashboard/{message_id}/history: reads over time and reminder rounds. */
export interface ReadHistory {
  message_id: number;
  recipients: number;
  create_date: Time;
  /** read_count is cumulative at `at`. */
  reads: Array<{ at: Time; read_count: number }>;
  rounds: Array<{ number: number; at: Time; final: boolean; reminded: number }>;
}

/** A reminder the caller received (GET /v1/reminders). */
export interface Reminder {
  id: number;
  message_id: number;
  subject: string;
  creator_id: number;
  /** The message's reminder round. */
  number: number;
  is_final: boolean;
  sent_at: Time;
  expiry_date: Time | null;
}
export type ReceivedReminder = Reminder;

export interface DueReminder {
  message_id: number;
  subject: string;
  creator_id: number;
  action: 'remind' | 'final' | 'expire' | 'reschedule';
  due_at: Time;
  /** Recipients who have not read the message. */
  unread: number;
  reminders: ReminderSchedule | null;
}

export interface DueReminders {
  until: Time;
  due: DueReminder[];
}

/** PATCH /v1/messages/{id}/reminders: a change, or {stop: true}. */
export interface UpdateRemindersRequest {
  frequency?: ReminderFrequency;
  every_days?: number;
  /** A date or date-time: its UTC day is the new final day. */
  expiry_date?: string;
  stop?: boolean;
}

/** POST /v1/reminders/plan. */
export interface PlanRemindersRequest {
  expiry_date: string;
  reminders: ReminderSettings;
}

export interface ReminderPlan {
  expiry_day: string;
  /** At most 60 regular dates, then the final one. */
  dates: Array<{ at: Time; final: boolean }>;
  /** Regular dates past the first 60, not listed. */
  omitted: number;
}

export interface CreateUserRequest {
  handle: string;
  first_name: string;
  last_name: string;
  /** 8+ characters. */
  password: string;
  attributes?: Attributes;
  is_admin?: boolean;
  permissions?: Permission[];
}

export interface UpdateUserRequest {
  first_name?: string;
  last_name?: string;
  password?: string;
  is_admin?: boolean;
  /** Admins only; replaces the whole set. */
  permissions?: Permission[];
  /** Merged into the current attributes; null removes a key. */
  attributes?: Record<string, AttributeValue | null>;
}

export interface CreateGroupRequest {
  name: string;
  rule?: string | null;
  senders?: GroupSenders;
  sender_ids?: number[];
}

export interface UpdateGroupRequest {
  name?: string;
  /** null: back to explicit members; absent: unchanged. */
  rule?: string | null;
  senders?: GroupSenders;
  /** Replaces the list; only with senders 'named' (leaving 'named' clears it). */
  sender_ids?: number[];
}

/** POST /v1/groups/preview: who a rule matches now (at most 50 users listed). */
export interface RulePreview {
  count: number;
  users: User[];
}

export interface UserPage {
  users: User[];
  /** Pass as `after`; null on the last page. */
  next: number | null;
}

export interface GroupList {
  groups: Group[];
}

export interface GroupMembers {
  members: User[];
}

export interface InboxPage {
  messages: InboxItem[];
  /** Pass as `before`; null on the last page. */
  next: number | null;
}

export interface ConversationList {
  conversations: Conversation[];
}

export interface DashboardPage {
  messages: DashboardRow[];
  next: number | null;
}

export interface ReminderPage {
  reminders: Reminder[];
  next: number | null;
}

// --- attachments (docs/attachments.md) ---

/** How far the server got in decoding a file: none (not media), pending, ready, too_large, failed. */
export type PreviewState = 'none' | 'pending' | 'ready' | 'too_large' | 'failed';

/** What the server learnt by decoding a file (never taken from the client). */
export interface MediaInfo {
  preview: PreviewState;
  /** Images and videos, orientation applied. */
  width?: number;
  height?: number;
  /** Videos and audio. */
  duration_ms?: number;
  /** Audio: 64 peaks, 0..255. */
  waveform?: number[];
  /** "image/webp" when a thumbnail (or a video's poster) exists. */
  thumbnail_type?: string;
}

/** A file as a message carries it: a snapshot of its upload, made when the message was sent. */
export interface Attachment extends MediaInfo {
  id: number;
  name: string;
  /** Sniffed from the content, never the declared type. */
  type: string;
  size: number;
  /** Lowercase hex. */
  sha256: string;
}

/** GET /v1/uploads/{id}: an upload, as its owner or anyone who may fetch it sees it. */
export interface Upload extends MediaInfo {
  id: number;
  name: string;
  declared_type: string;
  /** Sniffed; once complete. */
  type?: string;
  size: number;
  /** Bytes durably stored. */
  offset: number;
  state: 'receiving' | 'complete';
  sha256?: string;
  /** When the creation gave one. */
  client_upload_id?: string;
  created_at: Time;
  /** Removed after this unless a message carries it by then; absent once one does. */
  expires_at?: Time;
  /** Signed for the caller, valid for 10 minutes, usable without credentials. */
  url?: string;
  thumbnail_url?: string;
}

/** GET /v1/media/config: the limits a client needs before it uploads. */
export interface MediaConfig {
  /** Bytes per file. */
  upload_limit: number;
  /** Bytes a user's uploads may hold. */
  quota_bytes: number;
  /** What the caller's uploads hold now. */
  used_bytes: number;
  uploads_per_minute: number;
  /** Per message. */
  max_attachments: number;
  /** An upload no message carries is removed after this. */
  upload_ttl_seconds: number;
  tus: {
    endpoint: string;
    version: string;
    extensions: string[];
    /** The largest PATCH body the server takes. */
    chunk_size: number;
  };
}

// --- notifications: email and webhooks (docs/notifications.md) ---

/** GET/PUT/PATCH/DELETE /v1/users/{id}/email: a user's address and email preferences. */
export interface EmailSettings {
  /** The confirmed address email goes to; null: none. */
  address: string | null;
  /** An address waiting for someone to open its confirmation link (48 hours). */
  pending: string | null;
  /** Reminder rounds by email. */
  reminders: boolean;
  /** A digest of messages left unfetched while offline. */
  digest: boolean;
}

/** PATCH /v1/users/{id}/email: fields left out keep their value. */
export interface EmailPreferences {
  reminders?: boolean;
  digest?: boolean;
}

/** POST /v1/email/confirm: whose address the token confirmed. */
export interface EmailConfirmation {
  user_id: number;
}

/** What a webhook endpoint may subscribe to (its deliveries' `type`). */
export type WebhookEvent = 'message.sent' | 'message.read' | 'reminder.sent' | 'reminder.final' | 'user.deactivated';

/** POST /v1/webhooks and PATCH /v1/webhooks/{id} (admins); fields left out keep their value. */
export interface WebhookRequest {
  url?: string;
  events?: WebhookEvent[];
  description?: string;
  /** true turns a disabled endpoint back on. */
  enabled?: boolean;
  /** true replaces the signing secret. */
  new_secret?: boolean;
}

/** A webhook endpoint (admins). */
export interface Webhook {
  id: number;
  url: string;
  /** "whsec_" + base64 key: what the receiver verifies signatures with (verifyWebhook). */
  secret: string;
  events: WebhookEvent[];
  description: string;
  enabled: boolean;
  /** Why the server turned it off (a day of failures), or null. */
  disabled_reason: string | null;
  /** Since when its deliveries fail without a success, or null. */
  failing_since: Time | null;
  created_at: Time;
}

export interface WebhookList {
  webhooks: Webhook[];
}

export type NotificationChannel = 'email' | 'webhook';
export type NotificationState = 'queued' | 'sent' | 'failed' | 'cancelled';
/** The webhook events, and the emails that have no webhook twin. */
export type NotificationEvent = WebhookEvent | 'digest' | 'email.confirmation';

/** A row of the outbox: one email or one webhook delivery (admins). */
export interface Notification {
  /** Also the email's Message-ID (<notification-ID@host>) or the webhook-id (ntf_ID). */
  id: number;
  channel: NotificationChannel;
  event: NotificationEvent;
  state: NotificationState;
  user_id: number | null;
  message_id: number | null;
  webhook_id: number | null;
  /** Reminders only: the round. */
  round?: number;
  /** The address or URL it goes to. */
  destination: string | null;
  attempts: number;
  created_at: Time;
  /** Queued rows only. */
  next_attempt_at: Time | null;
  sent_at: Time | null;
  last_error: string | null;
}

/** GET /v1/notifications and /v1/webhooks/{id}/deliveries: newest first. */
export interface NotificationPage {
  notifications: Notification[];
  /** Pass as `before`; null on the last page. */
  next_before: number | null;
}

/** GET /v1/notifications/summary: rows per state. */
export interface OutboxSummary {
  queued: number;
  sent: number;
  failed: number;
  cancelled: number;
  oldest_queued_at: Time | null;
}

/** The error body of every failed request. */
export interface ErrorBody {
  error: {
    code: ErrorCode | string;
    message: string;
    /** 422 of a bad group rule: 1-based position in the rule. */
    position?: number;
    /** 429: seconds to wait. */
    retry_after?: number;
  };
}

export type ErrorCode =
  | 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'method_not_allowed'
  | 'conflict' | 'too_large' | 'unprocessable' | 'rate_limited' | 'unavailable' | 'internal';
