// MissiveClient: the HTTP API over fetch. Each method returns the parsed JSON body exactly as
// docs/api.md documents it (no unwrapping), or throws ApiError. Requests are built from ROUTES
// only, so the route table the tests check against docs/openapi.yaml is the one in use.

import { ApiError, parseAnswer } from './errors.js';
import { ROUTES, fillPath, type RouteName } from './routes.js';
import { tusUpload, type UploadData, type UploadOptions } from './upload.js';
import type {
  ConversationList, CreateGroupRequest, CreateUserRequest, DashboardPage, DueReminders, EmailConfirmation,
  EmailPreferences, EmailSettings, Group, GroupList, GroupMembers, Health, InboxPage, MediaConfig, Message,
  MessageSlot, Notification, NotificationChannel, NotificationPage, NotificationState, OutboxSummary,
  PlanRemindersRequest, ReadHistory, Policy, ReadOutcome, ReadReport, ReminderPage, ReminderPlan, ReplyRequest,
  RulePreview, SearchPage, SendRequest, Session, SlotPage, SyncPage, Thread, UpdateGroupRequest,
  UpdateRemindersRequest, UpdateUserRequest, Upload, User, UserPage, Webhook, WebhookList, WebhookRequest,
} from './types.js';

export interface MissiveClientOptions {
  /** The server, e.g. "http://127.0.0.1:8080". '' (default): same origin, for a page the server serves. */
  baseUrl?: string;
  /** A session token (from login, or saved); sent as Authorization: Bearer. */
  token?: string;
  /** The fetch to use (default globalThis.fetch): for tests, proxies, or old runtimes. */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | null | undefined>;

interface CallOptions {
  params?: Record<string, string | number>;
  query?: Query;
  body?: unknown;
}

export interface SearchParams {
  q: string;
  sender?: number;
  group?: number;
  conversation?: number;
  /** Sent at or after (RFC 3339 or YYYY-MM-DD). */
  from?: string;
  /** Sent before (RFC 3339 or YYYY-MM-DD). */
  to?: string;
  unread?: boolean;
  /** This message and every reply under it. */
  thread?: number;
  has_reminder?: boolean;
  /** Only messages that carry attachments. */
  has_attachment?: boolean;
  sort?: 'relevance' | 'date';
  /** The `next` of the previous page of the same search. */
  cursor?: string;
  limit?: number;
  include_expired?: boolean;
}

/** Filters of the outbox (GET /v1/notifications); a webhook's deliveries take the same but `webhook`. */
export interface OutboxParams {
  /** The previous page's `next_before`. */
  before?: number;
  limit?: number;
  state?: NotificationState;
  channel?: NotificationChannel;
  user?: number;
  webhook?: number;
}

export class MissiveClient {
  readonly baseUrl: string;
  #token: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: MissiveClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#token = options.token;
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('MissiveClient needs fetch: pass options.fetch');
    // Bound: calling a detached window.fetch throws "Illegal invocation" in browsers.
    this.#fetch = f === globalThis.fetch ? f.bind(globalThis) : f;
  }

  /** The session token in use (undefined: none, or the session is in the HttpOnly cookie). */
  get token(): string | undefined {
    return this.#token;
  }

  set token(token: string | undefined) {
    this.#token = token;
  }

  /**
   * Sends a request with the client's credentials (the bearer token, else the same-origin
   * cookie) and resolves to the raw Response, whatever its status. `path` starts with '/'.
   * For what the JSON calls cannot express: file bodies, tus, downloads.
   */
  request(method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit | null; signal?: AbortSignal | null } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.#token) headers.Authorization = `Bearer ${this.#token}`;
    const request: RequestInit = { method, headers };
    // Without a token the session cookie is the credential: same-origin only (the cookie is
    // SameSite=Strict and the server checks Origin on writes anyway).
    if (!this.#token) request.credentials = 'same-origin';
    if (init.body !== undefined && init.body !== null) request.body = init.body;
    if (init.signal) request.signal = init.signal;
    return this.#fetch(this.baseUrl + path, request);
  }

  /** Sends one request of ROUTES; resolves to the parsed body (undefined for 204). */
  async call<T>(name: RouteName, options: CallOptions = {}): Promise<T> {
    const route = ROUTES[name];
    let path = fillPath(route.path, options.params);
    const qs = encodeQuery(options.query);
    if (qs) path += `?${qs}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await this.request(route.method, path, { headers, body });
    return parseAnswer<T>(response, `${route.method} ${route.path}`);
  }

  // --- sessions ---

  health(): Promise<Health> {
    return this.call('health');
  }

  /**
   * Logs in. By default the answer's token is kept and sent with every later request. With
   * `{cookie: true}` (browsers) the server sets the HttpOnly session cookie instead and the
   * body has no token: later requests from the same origin are authenticated by the cookie.
   */
  async login(handle: string, password: string, opts: { cookie?: boolean } = {}): Promise<Session> {
    const body: Record<string, unknown> = { handle, password };
    if (opts.cookie) body.cookie = true;
    const session = await this.call<Session>('login', { body });
    if (!opts.cookie && session.token) this.#token = session.token;
    return session;
  }

  /** Ends the session (the token's, or the cookie's) and forgets the token. */
  async logout(): Promise<void> {
    await this.call('logout');
    this.#token = undefined;
  }

  me(): Promise<User> {
    return this.call('me');
  }

  // --- users ---

  createUser(req: CreateUserRequest): Promise<User> {
    return this.call('createUser', { body: req });
  }

  /** Users by id, `after` the previous page's `next`; `q`: handle or name starts with (case-insensitive). */
  listUsers(params: { after?: number; limit?: number; include_inactive?: boolean; q?: string } = {}): Promise<UserPage> {
    return this.call('listUsers', { query: params });
  }

  getUser(id: number): Promise<User> {
    return this.call('getUser', { params: { id } });
  }

  getUserByHandle(handle: string): Promise<User> {
    return this.call('getUserByHandle', { params: { handle } });
  }

  updateUser(id: number, patch: UpdateUserRequest): Promise<User> {
    return this.call('updateUser', { params: { id }, body: patch });
  }

  deactivateUser(id: number): Promise<User> {
    return this.call('deactivateUser', { params: { id } });
  }

  activateUser(id: number): Promise<User> {
    return this.call('activateUser', { params: { id } });
  }

  // --- groups ---

  createGroup(req: CreateGroupRequest): Promise<Group> {
    return this.call('createGroup', { body: req });
  }

  listGroups(params: { include_inactive?: boolean } = {}): Promise<GroupList> {
    return this.call('listGroups', { query: params });
  }

  getGroup(id: number): Promise<Group> {
    return this.call('getGroup', { params: { id } });
  }

  updateGroup(id: number, patch: UpdateGroupRequest): Promise<Group> {
    return this.call('updateGroup', { params: { id }, body: patch });
  }

  deactivateGroup(id: number): Promise<Group> {
    return this.call('deactivateGroup', { params: { id } });
  }

  activateGroup(id: number): Promise<Group> {
    return this.call('activateGroup', { params: { id } });
  }

  groupMembers(id: number): Promise<GroupMembers> {
    return this.call('groupMembers', { params: { id } });
  }

  async addMember(groupId: number, userId: number): Promise<void> {
    await this.call('addMember', { params: { id: groupId, user_id: userId } });
  }

  async removeMember(groupId: number, userId: number): Promise<void> {
    await this.call('removeMember', { params: { id: groupId, user_id: userId } });
  }

  /** Who a rule matches now; a bad rule throws ApiError 422 with `position`. */
  previewRule(rule: string): Promise<RulePreview> {
    return this.call('previewRule', { body: { rule } });
  }

  // --- the organisation's policy (admins) ---

  policy(): Promise<Policy> {
    return this.call('policy');
  }

  /** Fields left out keep their value. */
  setPolicy(patch: Partial<Policy>): Promise<Policy> {
    return this.call('setPolicy', { body: patch });
  }

  // --- messages ---

  /** Sends (201), or returns the original (200) when `client_msg_id` was already used. */
  send(req: SendRequest): Promise<Message> {
    return this.call('send', { body: req });
  }

  getMessage(id: number): Promise<Message> {
    return this.call('getMessage', { params: { id } });
  }

  /** Sets the expiry (creator only); null: never expires. */
  setExpiry(id: number, expiry_date: string | null): Promise<Message> {
    return this.call('setExpiry', { params: { id }, body: { expiry_date } });
  }

  withdraw(id: number): Promise<Message> {
    return this.call('withdraw', { params: { id } });
  }

  reply(id: number, req: ReplyRequest): Promise<Message> {
    return this.call('reply', { params: { id }, body: req });
  }

  thread(id: number): Promise<Thread> {
    return this.call('thread', { params: { id } });
  }

  markRead(id: number): Promise<ReadOutcome> {
    return this.call('markRead', { params: { id } });
  }

  // --- reading ---

  inbox(params: { before?: number; limit?: number; unread?: boolean; sender?: number; group?: number } = {}): Promise<InboxPage> {
    return this.call('inbox', { query: params });
  }

  conversations(): Promise<ConversationList> {
    return this.call('conversations');
  }

  /** Raises the watermark to `up_to` (never lowers it); without it marks everything visible read. */
  markConversationRead(id: number, up_to?: number): Promise<ReadOutcome> {
    return this.call('markConversationRead', { params: { id }, body: up_to === undefined ? {} : { up_to_seq: up_to } });
  }

  /** With `after`: slots ascending from after+1 (hole fill); without: history, newest first below `before`. */
  conversationMessages(id: number, params: { after?: number; before?: number; limit?: number } = {}): Promise<SlotPage> {
    return this.call('conversationMessages', { params: { id }, query: params });
  }

  /**
   * Every slot of a conversation, fetched a page at a time as the loop asks for more. With
   * `after`: ascending from after+1 up to the newest (a range pull, to fill a hole); without:
   * the history, newest first, below `before` if given. Stop early with `break`.
   */
  async *conversationSlots(id: number, params: { after?: number; before?: number; pageSize?: number } = {}):
      AsyncGenerator<MessageSlot> {
    const limit = params.pageSize ?? 200;
    const ascending = params.after !== undefined;
    let cursor = ascending ? params.after : params.before;
    for (;;) {
      const page = await this.conversationMessages(id, ascending ? { after: cursor, limit } : { before: cursor, limit });
      yield* page.slots;
      if (page.next === null || page.slots.length === 0) return;
      cursor = page.next;
    }
  }

  search(params: SearchParams): Promise<SearchPage> {
    return this.call('search', { query: { ...params } });
  }

  // --- dashboard ---

  dashboard(params: { before?: number; limit?: number } = {}): Promise<DashboardPage> {
    return this.call('dashboard', { query: params });
  }

  readReport(id: number): Promise<ReadReport> {
    return this.call('readReport', { params: { message_id: id } });
  }

  readHistory(id: number): Promise<ReadHistory> {
    return this.call('readHistory', { params: { message_id: id } });
  }

  // --- reminders ---

  updateReminders(id: number, req: UpdateRemindersRequest): Promise<Message> {
    return this.call('updateReminders', { params: { id }, body: req });
  }

  reminders(params: { before?: number; limit?: number } = {}): Promise<ReminderPage> {
    return this.call('reminders', { query: params });
  }

  /** Admins: what the reminder scheduler has to do at `until` (default now). */
  dueReminders(params: { until?: string; limit?: number } = {}): Promise<DueReminders> {
    return this.call('dueReminders', { query: params });
  }

  /** When reminders would go out for a message sent now with these settings. */
  planReminders(req: PlanRemindersRequest): Promise<ReminderPlan> {
    return this.call('planReminders', { body: req });
  }

  // --- attachments (docs/attachments.md) ---

  /** The upload limits, quota and tus chunk size. */
  mediaConfig(): Promise<MediaConfig> {
    return this.call('mediaConfig');
  }

  /**
   * Uploads a file in one request (POST /v1/uploads): fine for small files; upload() resumes
   * after a dropped connection. A retry with the same `clientUploadId` answers the first upload.
   */
  async createUpload(data: Blob | Uint8Array, opts: { name: string; type?: string; clientUploadId?: string; signal?: AbortSignal }): Promise<Upload> {
    const query = encodeQuery({ name: opts.name, client_upload_id: opts.clientUploadId });
    const blob = data instanceof Uint8Array ? new Blob([data as Uint8Array<ArrayBuffer>]) : data;
    const type = opts.type || blob.type || 'application/octet-stream';
    const response = await this.request('POST', `${ROUTES.createUpload.path}?${query}`, {
      headers: { Accept: 'application/json', 'Content-Type': type }, body: blob, signal: opts.signal ?? null,
    });
    return parseAnswer<Upload>(response, 'POST /v1/uploads');
  }

  /**
   * Uploads a file resumably with tus 1.0 (/v1/tus) and resolves to the complete upload, whose
   * `id` goes into a send's `attachments`. A failed chunk (dropped connection, server restart)
   * is retried with backoff from the offset the server reports (HEAD). See UploadOptions.
   */
  upload(data: UploadData, opts: UploadOptions = {}): Promise<Upload> {
    return tusUpload(this, data, opts);
  }

  // The tus 1.0 steps upload() is made of (docs/attachments.md, "Resumable"), for a client that
  // drives them itself. Each throws ApiError for an answer it does not expect.

  /** tus creation: an upload of `length` bytes; resolves to its id (from Location). */
  async tusCreate(opts: { length: number; metadata: Record<string, string>; signal?: AbortSignal }): Promise<number> {
    const metadata = Object.entries(opts.metadata).map(([k, v]) => `${k} ${base64(v)}`).join(',');
    const response = await this.request(ROUTES.tusCreate.method, ROUTES.tusCreate.path, {
      headers: { 'Tus-Resumable': TUS_VERSION, 'Upload-Length': String(opts.length), 'Upload-Metadata': metadata },
      signal: opts.signal ?? null,
    });
    if (response.status !== 201 && response.status !== 200) await unexpected(response, 'POST /v1/tus');
    const location = response.headers.get('Location');
    const m = location ? /\/(\d+)\/?$/.exec(location.split('?')[0]) : null;
    if (!m) throw new ApiError(response.status, 'bad_response', `the tus creation answered no usable Location (${location ?? 'none'})`);
    return Number(m[1]);
  }

  /** The offset the server has durably stored (tus HEAD). */
  async tusOffset(id: number, opts: { signal?: AbortSignal } = {}): Promise<number> {
    const path = fillPath(ROUTES.tusAppend.path, { id });
    const response = await this.request('HEAD', path, { headers: { 'Tus-Resumable': TUS_VERSION }, signal: opts.signal ?? null });
    if (!response.ok) await unexpected(response, `HEAD ${path}`);
    return uploadOffset(response);
  }

  /** Sends `chunk` at `offset` (tus PATCH); resolves to the new offset. 409: another offset is stored. */
  async tusAppend(id: number, offset: number, chunk: Blob, opts: { signal?: AbortSignal } = {}): Promise<number> {
    const path = fillPath(ROUTES.tusAppend.path, { id });
    const response = await this.request(ROUTES.tusAppend.method, path, {
      headers: { 'Tus-Resumable': TUS_VERSION, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) },
      body: chunk, signal: opts.signal ?? null,
    });
    if (response.status !== 204 && response.status !== 200) await unexpected(response, `PATCH ${path}`);
    return uploadOffset(response);
  }

  /** Deletes an upload that has not completed (tus termination). */
  async cancelUpload(id: number): Promise<void> {
    const path = fillPath(ROUTES.cancelUpload.path, { id });
    const response = await this.request(ROUTES.cancelUpload.method, path, { headers: { 'Tus-Resumable': TUS_VERSION } });
    if (!response.ok) await unexpected(response, `DELETE ${path}`);
  }

  /** An upload: its state while receiving, then its type, sha256, media details and signed URLs. */
  getUpload(id: number): Promise<Upload> {
    return this.call('getUpload', { params: { id } });
  }

  /**
   * The URL of an attachment's file (or thumbnail). It needs the caller's credentials: in the
   * page the session cookie (same origin, so <img>/<video> work); elsewhere use attachment(),
   * or the signed `url` of getUpload(), which works without credentials for 10 minutes.
   */
  attachmentUrl(id: number, opts: { thumbnail?: boolean } = {}): string {
    const route = opts.thumbnail ? ROUTES.attachmentThumbnail : ROUTES.attachment;
    return this.baseUrl + fillPath(route.path, { id });
  }

  /**
   * Downloads an attachment: the Response, to read or stream (`response.body`). `range`:
   * a Range header value ("bytes=0-99"). Throws ApiError (404 for anyone who may not see it).
   */
  async attachment(id: number, opts: { range?: string; signal?: AbortSignal } = {}): Promise<Response> {
    return this.#download(fillPath(ROUTES.attachment.path, { id }), opts);
  }

  /** An attachment's thumbnail (image/webp): an image's, or a video's poster. */
  async attachmentThumbnail(id: number, opts: { signal?: AbortSignal } = {}): Promise<Response> {
    return this.#download(fillPath(ROUTES.attachmentThumbnail.path, { id }), opts);
  }

  async #download(path: string, opts: { range?: string; signal?: AbortSignal }): Promise<Response> {
    const headers: Record<string, string> = {};
    if (opts.range) headers.Range = opts.range;
    const response = await this.request('GET', path, { headers, signal: opts.signal ?? null });
    if (!response.ok) await parseAnswer(response, `GET ${path}`);
    return response;
  }

  // --- email (docs/notifications.md; the user, or an admin for anyone) ---

  emailSettings(userId: number): Promise<EmailSettings> {
    return this.call('emailSettings', { params: { id: userId } });
  }

  /**
   * Asks for a new address: it stays `pending` until someone opens the link emailed to it,
   * which replaces any pending one. 422 when the server sends no email (no --smtp-url).
   */
  setEmail(userId: number, address: string): Promise<EmailSettings> {
    return this.call('setEmail', { params: { id: userId }, body: { address } });
  }

  /** Turns reminder or digest emails on or off; fields left out keep their value. */
  setEmailPreferences(userId: number, preferences: EmailPreferences): Promise<EmailSettings> {
    return this.call('setEmailPreferences', { params: { id: userId }, body: preferences });
  }

  /** Removes the address and any pending one; what was queued for it is cancelled. */
  removeEmail(userId: number): Promise<EmailSettings> {
    return this.call('removeEmail', { params: { id: userId } });
  }

  /** The token of a confirmation link; needs no login. 404: unknown, used or expired. */
  confirmEmail(token: string): Promise<EmailConfirmation> {
    return this.call('confirmEmail', { body: { token } });
  }

  /** The HTML page an email's unsubscribe link opens (a button; following it changes nothing). */
  unsubscribePage(token: string): Promise<string> {
    return this.#html('unsubscribePage', token);
  }

  /** RFC 8058 one-click unsubscribe with an email's link token; resolves to the server's HTML answer. */
  unsubscribe(token: string): Promise<string> {
    return this.#html('unsubscribe', token);
  }

  async #html(name: 'unsubscribePage' | 'unsubscribe', token: string): Promise<string> {
    const route = ROUTES[name];
    const response = await this.request(route.method, `${route.path}?${encodeQuery({ token })}`, { headers: { Accept: 'text/html' } });
    if (!response.ok) await unexpected(response, `${route.method} ${route.path}`);
    return response.text();
  }

  // --- webhooks and the outbox (admins) ---

  listWebhooks(): Promise<WebhookList> {
    return this.call('listWebhooks');
  }

  /** Registers an endpoint (`url` and `events` needed); the answer carries its secret. 422: URL refused. */
  createWebhook(req: WebhookRequest): Promise<Webhook> {
    return this.call('createWebhook', { body: req });
  }

  getWebhook(id: number): Promise<Webhook> {
    return this.call('getWebhook', { params: { id } });
  }

  /** `{enabled: true}` turns a disabled endpoint back on; `{new_secret: true}` rotates its secret. */
  updateWebhook(id: number, patch: WebhookRequest): Promise<Webhook> {
    return this.call('updateWebhook', { params: { id }, body: patch });
  }

  /** Removes an endpoint; its queued deliveries are cancelled, its log kept. */
  async deleteWebhook(id: number): Promise<void> {
    await this.call('deleteWebhook', { params: { id } });
  }

  /** An endpoint's delivery log, newest first. */
  webhookDeliveries(id: number, params: Omit<OutboxParams, 'webhook' | 'channel' | 'user'> = {}): Promise<NotificationPage> {
    return this.call('webhookDeliveries', { params: { id }, query: { ...params } });
  }

  /** The outbox, newest first. */
  notifications(params: OutboxParams = {}): Promise<NotificationPage> {
    return this.call('notifications', { query: { ...params } });
  }

  outboxSummary(): Promise<OutboxSummary> {
    return this.call('outboxSummary');
  }

  getNotification(id: number): Promise<Notification> {
    return this.call('getNotification', { params: { id } });
  }

  /** Queues a row again now, with the same id (receivers drop repeats) and a new day of retries. */
  replayNotification(id: number): Promise<Notification> {
    return this.call('replayNotification', { params: { id } });
  }

  // --- sync (docs/protocol.md; a Device does this for you) ---

  /** Timeline entries after `since`; pulled message entries become delivered. */
  sync(params: { since?: number; limit?: number } = {}): Promise<SyncPage> {
    return this.call('sync', { query: params });
  }

  /**
   * The seq of the caller's newest timeline entry (0: none), without pulling any entry (so
   * nothing becomes delivered): a cursor past the end is answered with a reset whose `next`
   * is the newest entry (docs/protocol.md, GET /v1/sync).
   */
  async newestSeq(): Promise<number> {
    const page = await this.sync({ since: Number.MAX_SAFE_INTEGER, limit: 1 });
    return page.next;
  }

  /** Every entry up to `up_to` was received by push: their messages become delivered. */
  async ack(up_to: number): Promise<void> {
    await this.call('ack', { body: { up_to } });
  }
}

const TUS_VERSION = '1.0.0';

async function unexpected(response: Response, what: string): Promise<never> {
  await parseAnswer(response, what);
  throw new ApiError(response.status, 'bad_response', `${what}: unexpected status ${response.status}`);
}

function uploadOffset(response: Response): number {
  const offset = Number(response.headers.get('Upload-Offset'));
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ApiError(response.status, 'bad_response', 'the tus answer has no Upload-Offset');
  return offset;
}

// tus metadata values are base64 of UTF-8.
function base64(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.join('&');
}
