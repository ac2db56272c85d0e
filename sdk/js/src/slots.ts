// What a conversation slot shows. A slot (GET /v1/conversations/{id}/messages, a `history`
// answer) and a message entry of the timeline both carry an optional message and an optional
// placeholder flag; this is the one place that decides between the two.

import type { Message } from './types.js';

/** The message a slot or message entry shows, or null for a placeholder (withdrawn, expired,
 * or sent before the caller joined the conversation). */
export function slotMessage(slot: { message?: Message; placeholder?: boolean }): Message | null {
  return slot.placeholder || !slot.message ? null : slot.message;
}
