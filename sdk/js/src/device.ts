// Device: one device of a user following docs/protocol.md. It catches up by pulling the
// timeline from its cursor, then applies pushes from GET /ws strictly in order, pulls whenever
// it sees a hole, acknowledges what it applied from pushes (that is what marks messages
// delivered), and reconnects with exponential backoff plus jitter, always resuming from the
// cursor. Everything that changes the cursor runs on one serial queue, so an entry is handed
// to onEntry exactly once and only right after the entry before it.

import { ApiError } from './errors.js';
import type { MissiveClient } from './client.js';
import type { SlotPage, SyncEntry, SyncPage } from './types.js';

export type DeviceState = 'connecting' | 'live' | 'offline';

/** The part of the WebSocket interface a Device uses (the browser's, or the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface DeviceOptions {
  /** The seq of the last entry this device applied (persist it with the data it describes). Default 0. */
  cursor?: number;
  /** ws:// or wss:// URL of /ws; default derived from the client's baseUrl, or the page's location. */
  url?: string;
  /** WebSocket constructor; default globalThis.WebSocket (in Node < 22 pass the `ws` package's). */
  WebSocket?: WebSocketConstructor;
  /**
   * Called for each entry, in timeline order, exactly once per entry (unknown kinds included).
   * `device.cursor` is already `entry.seq` during the call (persist it with the entry's
   * effects). A returned promise is awaited before the next entry; if it throws or rejects,
   * the cursor goes back before that entry and the device reconnects and retries it.
   */
  onEntry?: (entry: SyncEntry) => void | Promise<void>;
  /**
   * The cursor could not be continued (pruned, or the server restored from an older backup):
   * drop local timeline state and re-bootstrap (GET /v1/conversations, histories). Awaited;
   * `device.cursor` is already the newest entry's seq, from which the device then continues.
   */
  onReset?: () => void | Promise<void>;
  onState?: (state: DeviceState) => void;
  /** Errors that do not stop the device (a failed connection, a rejected onEntry), for logs. */
  onError?: (error: unknown) => void;
  /** First reconnect delay (default 1000 ms), doubled per failure up to maxBackoffMs (default 30000). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Pull page size, 1..100 (default 100). */
  pageSize?: number;
}

interface Pending {
  resolve: (answer: any) => void;
  reject: (error: unknown) => void;
}

const OPEN = 1;

export class Device {
  readonly client: MissiveClient;
  readonly #opts: DeviceOptions;
  #cursor: number;
  #state: DeviceState = 'offline';
  #running = false;
  #ws: WebSocketLike | null = null;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #queue: Promise<unknown> = Promise.resolve();
  #failures = 0;
  #wakeUp: (() => void) | null = null;
  #sleepTimer: ReturnType<typeof setTimeout> | null = null;
  #firstLive: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  #loop: Promise<void> | null = null;
  // Bumped by every start(): a loop left over from before a stop() sees it and exits.
  #generation = 0;
  // Set by reconnect(): the next reconnection skips the backoff.
  #immediate = false;

  constructor(client: MissiveClient, options: DeviceOptions = {}) {
    this.client = client;
    this.#opts = options;
    this.#cursor = options.cursor ?? 0;
  }

  /** The seq of the last entry applied. */
  get cursor(): number {
    return this.#cursor;
  }

  get state(): DeviceState {
    return this.#state;
  }

  /**
   * Connects and keeps the device in sync until stop(). Resolves once the device has caught up
   * and is live the first time (or when stopped first); rejects with ApiError 401 when the
   * session is no longer valid (close 1008), which needs a new login.
   */
  start(): Promise<void> {
    if (this.#running) throw new Error('Device already started');
    this.#running = true;
    const generation = ++this.#generation;
    const firstLive = new Promise<void>((resolve, reject) => {
      this.#firstLive = { resolve, reject };
    });
    this.#loop = (this.#loop ?? Promise.resolve()).then(() => this.#run(generation));
    return firstLive;
  }

  /** Closes the connection and stops reconnecting. The cursor stays; start() again resumes. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#wake();
    this.#ws?.close(1000, 'stop');
    this.#firstLive?.resolve();
    this.#firstLive = null;
  }

  /** Resolves when the loop has ended after stop() (the last entry being applied included). */
  async stopped(): Promise<void> {
    await this.#loop;
    await this.#queue.catch(() => undefined);
  }

  /**
   * Drops the current connection and reconnects at once (without backoff): after the network
   * changed (a browser's "online" event), or in tests.
   */
  reconnect(): void {
    this.#failures = 0;
    this.#immediate = true;
    this.#wake();
    this.#ws?.close(4001, 'reconnect');
  }

  /**
   * A `history` request over the socket: slots of a conversation, as
   * client.conversationMessages() gives them. Rejects while the socket is not open.
   */
  async history(conversation: number, params: { after?: number; before?: number; limit?: number } = {}): Promise<SlotPage> {
    // The answer frame also carries its `id` and `type`: keep what a SlotPage has.
    const { slots, next } = await this.#request<SlotPage>({ type: 'history', conversation, ...params });
    return { slots, next };
  }

  // --- connection loop ---

  async #run(generation: number): Promise<void> {
    const current = () => this.#running && generation === this.#generation;
    while (current()) {
      this.#setState('connecting');
      let ws: WebSocketLike | null = null;
      try {
        ws = await this.#open();
        const closed = this.#closedPromise(ws);
        await this.#serial(() => this.#pull());
        if (ws.readyState === OPEN && current()) {
          this.#failures = 0;
          this.#setState('live');
          this.#firstLive?.resolve();
          this.#firstLive = null;
        }
        const code = await closed;
        if (code === 1008) {
          // The session ended (logout, expiry, deactivation): reconnecting cannot help.
          const error = new ApiError(401, 'unauthenticated', 'the session is no longer valid (WebSocket closed with 1008): log in again');
          this.#running = false;
          this.#firstLive?.reject(error);
          this.#firstLive = null;
          this.#opts.onError?.(error);
          break;
        }
      } catch (error) {
        if (this.#running) this.#opts.onError?.(error);
        ws?.close(1000);
      } finally {
        this.#rejectPending(new Error('WebSocket closed'));
        if (this.#ws === ws) this.#ws = null;
      }
      if (!current()) break;
      this.#setState('offline');
      if (this.#immediate) this.#immediate = false;
      else await this.#sleep(this.#backoff());
    }
    if (generation === this.#generation) this.#setState('offline');
  }

  // Exponential backoff plus up to 50 % random jitter, so many devices that lost the same
  // server do not all come back in the same millisecond.
  #backoff(): number {
    const min = this.#opts.minBackoffMs ?? 1000;
    const max = this.#opts.maxBackoffMs ?? 30000;
    const base = Math.min(max, min * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return Math.min(max, base + Math.random() * base * 0.5);
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wakeUp = () => resolve();
      this.#sleepTimer = setTimeout(() => resolve(), ms);
    });
    if (this.#sleepTimer) clearTimeout(this.#sleepTimer);
    this.#sleepTimer = null;
    this.#wakeUp = null;
  }

  #wake(): void {
    this.#wakeUp?.();
  }

  #url(): string {
    if (this.#opts.url) return this.#withToken(this.#opts.url);
    let base = this.client.baseUrl;
    if (!base) {
      const loc = (globalThis as { location?: { protocol: string; host: string } }).location;
      if (!loc) throw new TypeError('Device needs options.url, a client baseUrl, or a page location');
      base = `${loc.protocol}//${loc.host}`;
    }
    return this.#withToken(base.replace(/^http/, 'ws') + '/ws');
  }

  // Browsers cannot set headers on a WebSocket: the token goes in the query (the server
  // accepts ?token=); without a token the session cookie authenticates the upgrade.
  #withToken(url: string): string {
    const token = this.client.token;
    if (!token) return url;
    return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  }

  #open(): Promise<WebSocketLike> {
    const Ctor = this.#opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new TypeError('no WebSocket: pass options.WebSocket (e.g. the ws package)');
    return new Promise((resolve, reject) => {
      const ws = new Ctor(this.#url());
      this.#ws = ws;
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error('WebSocket failed to connect'));
      ws.onclose = (ev) => reject(new Error(`WebSocket closed before opening (${ev.code})`));
      ws.onmessage = (ev) => this.#onFrame(ev.data);
    });
  }

  #closedPromise(ws: WebSocketLike): Promise<number> {
    return new Promise((resolve) => {
      ws.onerror = () => undefined; // a close event follows
      ws.onclose = (ev) => {
        this.#rejectPending(new Error(`WebSocket closed (${ev.code})`));
        resolve(ev.code);
      };
    });
  }

  // --- frames ---

  #onFrame(data: unknown): void {
    let frame: any;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      return;
    }
    if (frame === null || typeof frame !== 'object') return;
    if (frame.type === 'push') {
      const entries: SyncEntry[] = Array.isArray(frame.entries) ? frame.entries : [];
      this.#serial(() => this.#onPush(entries)).catch((error) => this.#failConnection(error));
      return;
    }
    if (typeof frame.id === 'number') {
      const pending = this.#pending.get(frame.id);
      if (!pending) return;
      this.#pending.delete(frame.id);
      if (frame.type === 'error') {
        pending.reject(ApiError.from(typeof frame.status === 'number' ? frame.status : 500, frame));
      } else {
        pending.resolve(frame);
      }
    }
  }

  #request<T>(frame: Record<string, unknown>): Promise<T> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== OPEN) return Promise.reject(new Error('WebSocket not open'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      try {
        ws.send(JSON.stringify({ id, ...frame }));
      } catch (error) {
        this.#pending.delete(id);
        reject(error);
      }
    });
  }

  #rejectPending(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }

  // A failure while applying (onEntry threw, a pull failed): drop the connection; the loop
  // reconnects and pulls from the cursor, which stayed before the entry that failed.
  #failConnection(error: unknown): void {
    if (this.#running) this.#opts.onError?.(error);
    this.#ws?.close(4002, 'apply failed');
  }

  // --- the in-order rule ---

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #onPush(entries: SyncEntry[]): Promise<void> {
    if (entries.length === 0 || !this.#running) return;
    if (entries[0]!.seq > this.#cursor + 1) {
      // A hole: something was missed (or pruned); the pull brings it (or a reset).
      await this.#pull();
      return;
    }
    const before = this.#cursor;
    for (const entry of entries) {
      if (entry.seq <= this.#cursor) continue; // already pulled
      if (entry.seq !== this.#cursor + 1) {
        await this.#pull(); // a gap inside a push: not expected, but never skip an entry
        return;
      }
      await this.#apply(entry);
    }
    if (this.#cursor > before) {
      // Pushes alone do not mark anything delivered: the ack does. Not awaited: a lost ack
      // only delays delivery until the next ack or pull, and must not stall the queue.
      this.#request({ type: 'ack', up_to: this.#cursor }).catch((error) => {
        if (this.#running) this.#opts.onError?.(error);
      });
    }
  }

  async #pull(): Promise<void> {
    const limit = this.#opts.pageSize ?? 100;
    for (;;) {
      const page = await this.#request<SyncPage>({ type: 'sync', since: this.#cursor, limit });
      if (page.reset) {
        // As for entries: inside onReset the cursor is already the one to continue from.
        const before = this.#cursor;
        this.#cursor = page.next;
        try {
          await this.#opts.onReset?.();
        } catch (error) {
          this.#cursor = before;
          throw error;
        }
        continue;
      }
      for (const entry of page.entries) {
        if (entry.seq <= this.#cursor) continue;
        if (entry.seq !== this.#cursor + 1) {
          throw new Error(`sync page skips from ${this.#cursor} to ${entry.seq}`);
        }
        await this.#apply(entry);
      }
      if (!page.has_more || page.entries.length === 0) return;
    }
  }

  // The cursor moves before onEntry runs, so an app that persists `device.cursor` inside
  // onEntry stores it together with that entry's effects; if onEntry fails it moves back.
  async #apply(entry: SyncEntry): Promise<void> {
    const before = this.#cursor;
    this.#cursor = entry.seq;
    try {
      await this.#opts.onEntry?.(entry);
    } catch (error) {
      this.#cursor = before;
      throw error;
    }
  }

  #setState(state: DeviceState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#opts.onState?.(state);
  }
}
