// TimelineModel: what one device knows about its user's conversations, built only from the
// timeline entries it applies (docs/protocol.md) plus the fetches the protocol prescribes
// (conversation holes, re-bootstrap after a reset). Applying is idempotent — a message entry
// sets its slot, a read entry raises a watermark — so entries that overlap a bootstrap
// snapshot do no harm. view() is the shape GET /v1/conversations and the conversation
// histories give, so tests and apps can compare a device with the server.

import type { MissiveClient } from './client.js';
import { slotMessage } from './slots.js';
import type { Message, MessageSlot, SyncEntry } from './types.js';

export interface ModelSlot {
  seq: number;
  /** Absent for placeholders (withdrawn, expired, sent before the user joined). */
  message?: Message;
  /** Reminders this user got for the message (reminder entries). */
  reminder_count: number;
  final_reminder: boolean;
}

export interface ModelConversation {
  id: number;
  max_seq: number;
  /** Watermark: everything at or below is read. */
  read_seq: number;
  slots: Map<number, ModelSlot>;
  /** Messages above the watermark read on their own (read entries with message_id). */
  read_alone: Set<number>;
}

/** One conversation as the server lists it, with its slots 1..max_seq (null: placeholder). */
export interface ConversationView {
  id: number;
  max_seq: number;
  read_seq: number;
  unread: number;
  /** Message id per conv_seq 1..max_seq; null for a placeholder; 'missing' if never learnt. */
  slots: Array<number | null | 'missing'>;
}

export interface TimelineModelOptions {
  /** The user the device belongs to: their own messages move their watermark. */
  userId: number;
  /** The slots of a conversation after `after`, ascending (hole fill); default: none fetched. */
  slotsAfter?: (conversation: number, after: number) => AsyncIterable<MessageSlot>;
  /**
   * A message by id, or null when the caller may not see it. Used for placeholder entries,
   * which carry no creator: the creator still sees their own withdrawn message, so its
   * watermark can move as for any own send.
   */
  fetchMessage?: (id: number) => Promise<Message | null>;
  /** Clock for expiry (ms since the epoch); default Date.now. */
  now?: () => number;
}

export class TimelineModel {
  readonly userId: number;
  readonly conversations = new Map<number, ModelConversation>();
  /** For the user's own messages: message id -> recipient id -> furthest status. */
  readonly statuses = new Map<number, Map<number, 'delivered' | 'read'>>();
  readonly #opts: TimelineModelOptions;

  constructor(options: TimelineModelOptions) {
    this.userId = options.userId;
    this.#opts = options;
  }

  /** A model that fills holes and resolves placeholders through `client` (the user's session). */
  static forClient(client: MissiveClient, userId: number): TimelineModel {
    return new TimelineModel({
      userId,
      slotsAfter: (conversation, after) => client.conversationSlots(conversation, { after }),
      fetchMessage: async (id) => {
        try {
          return await client.getMessage(id);
        } catch (error) {
          if ((error as { status?: number }).status === 404) return null;
          throw error;
        }
      },
    });
  }

  #conversation(id: number): ModelConversation {
    let c = this.conversations.get(id);
    if (!c) {
      c = { id, max_seq: 0, read_seq: 0, slots: new Map(), read_alone: new Set() };
      this.conversations.set(id, c);
    }
    return c;
  }

  /** Applies one entry; call in timeline order (a Device's onEntry). */
  async apply(entry: SyncEntry): Promise<void> {
    const c = this.#conversation(entry.conversation);
    switch (entry.kind) {
      case 'message': {
        await this.#fillHole(c, entry.conv_seq);
        const slot = this.#slot(c, entry.conv_seq);
        const shown = slotMessage(entry);
        if (shown) slot.message = shown;
        else delete slot.message;
        c.max_seq = Math.max(c.max_seq, entry.conv_seq);
        let creator = entry.message?.creator_id;
        if (creator === undefined && this.#opts.fetchMessage) {
          creator = (await this.#opts.fetchMessage(entry.message_id))?.creator_id;
        }
        // Sending moves the sender's watermark (no read entry is written for it).
        if (creator === this.userId) c.read_seq = Math.max(c.read_seq, entry.conv_seq);
        break;
      }
      case 'read':
        c.read_seq = Math.max(c.read_seq, entry.read_seq);
        if (entry.message_id !== undefined) c.read_alone.add(entry.message_id);
        break;
      case 'status': {
        let byUser = this.statuses.get(entry.message_id);
        if (!byUser) this.statuses.set(entry.message_id, (byUser = new Map()));
        if (byUser.get(entry.user) !== 'read') byUser.set(entry.user, entry.status);
        break;
      }
      case 'expiry': {
        const slot = c.slots.get(entry.conv_seq);
        if (slot?.message) {
          slot.message = { ...slot.message, expiry_date: entry.expiry_date, active: this.#activeAt(entry.expiry_date) };
        }
        break;
      }
      case 'reminder': {
        const slot = this.#slot(c, entry.conv_seq);
        slot.reminder_count = Math.max(slot.reminder_count, entry.number);
        slot.final_reminder = slot.final_reminder || entry.final;
        break;
      }
      default:
        break; // a kind this SDK does not know: the Device moved its cursor past it, nothing to model
    }
  }

  #slot(c: ModelConversation, seq: number): ModelSlot {
    let slot = c.slots.get(seq);
    if (!slot) {
      slot = { seq, reminder_count: 0, final_reminder: false };
      c.slots.set(seq, slot);
    }
    return slot;
  }

  // Protocol step 5: a conv_seq more than one above the last one held means slots were
  // missed (the user joined late, or history was loaded only in part): fetch them.
  async #fillHole(c: ModelConversation, convSeq: number): Promise<void> {
    if (!this.#opts.slotsAfter) return;
    let top = 0;
    for (const seq of c.slots.keys()) top = Math.max(top, seq);
    if (convSeq <= top + 1) return;
    for await (const s of this.#opts.slotsAfter(c.id, top)) {
      if (s.seq >= convSeq) break; // the entry itself (and later ones) come from the timeline
      this.#putSlot(c, s);
    }
  }

  #putSlot(c: ModelConversation, s: MessageSlot): void {
    if (c.slots.has(s.seq)) return;
    const slot = this.#slot(c, s.seq);
    const shown = slotMessage(s);
    if (shown) slot.message = shown;
    c.max_seq = Math.max(c.max_seq, s.seq);
  }

  #activeAt(expiry: string | null | undefined): boolean {
    if (!expiry) return true;
    return Date.parse(expiry) > (this.#opts.now ?? Date.now)();
  }

  /** Whether a slot shows a message now (not a placeholder, not withdrawn or expired). */
  visible(slot: ModelSlot | undefined): boolean {
    return !!slot?.message && this.#activeAt(slot.message.expiry_date);
  }

  /** Unread as the server counts it: above read_seq, visible, not own, not read on its own. */
  unread(conversation: number): number {
    const c = this.conversations.get(conversation);
    if (!c) return 0;
    let n = 0;
    for (const slot of c.slots.values()) {
      if (slot.seq <= c.read_seq || !this.visible(slot)) continue;
      const m = slot.message!;
      if (m.creator_id === this.userId || c.read_alone.has(m.id)) continue;
      n++;
    }
    return n;
  }

  /** Every conversation, ascending by id, in the shape of the server's view. */
  view(): ConversationView[] {
    return [...this.conversations.values()]
      .sort((a, b) => a.id - b.id)
      .map((c) => {
        const slots: ConversationView['slots'] = [];
        for (let seq = 1; seq <= c.max_seq; seq++) {
          const slot = c.slots.get(seq);
          slots.push(!slot ? 'missing' : this.visible(slot) ? slot.message!.id : null);
        }
        return { id: c.id, max_seq: c.max_seq, read_seq: c.read_seq, unread: this.unread(c.id), slots };
      });
  }

  /** Forgets everything (a Device's onReset, before bootstrap()). */
  clear(): void {
    this.conversations.clear();
    this.statuses.clear();
  }

  /**
   * Re-bootstraps from the server after a reset (protocol step 3): every conversation's
   * watermark and all of its history; messages read on their own above the watermark are
   * found by asking for the messages the history alone would count as unread.
   */
  async bootstrap(client: MissiveClient): Promise<void> {
    this.clear();
    const { conversations } = await client.conversations();
    for (const conv of conversations) {
      const c = this.#conversation(conv.id);
      c.read_seq = conv.read_seq;
      c.max_seq = conv.max_seq;
      for await (const s of client.conversationSlots(conv.id)) this.#putSlot(c, s);
      if (this.unread(conv.id) > conv.unread) {
        for (const slot of c.slots.values()) {
          const m = slot.message;
          if (!m || slot.seq <= c.read_seq || m.creator_id === this.userId) continue;
          const current = await client.getMessage(m.id).catch(() => null);
          if (current?.is_read) c.read_alone.add(m.id);
        }
      }
    }
  }
}
