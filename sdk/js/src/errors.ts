// ApiError: a failed request, built from the server's {"error":{code,message,...}} body so
// callers branch on `code` (stable) rather than on the message (prose).

import type { ErrorBody } from './types.js';

export class ApiError extends Error {
  /** HTTP status (or the `status` of a WebSocket error answer). */
  readonly status: number;
  /** The error code: invalid, unauthenticated, forbidden, not_found, conflict, ... */
  readonly code: string;
  /** Where a bad group rule or search query went wrong (1-based), when the server says. */
  readonly position?: number;
  /** 429: seconds to wait before retrying. */
  readonly retryAfter?: number;

  constructor(status: number, code: string, message: string, extra: { position?: number; retryAfter?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    if (extra.position !== undefined) this.position = extra.position;
    if (extra.retryAfter !== undefined) this.retryAfter = extra.retryAfter;
  }

  /**
   * From a status and a parsed body. A body that is not the documented error shape (a proxy's
   * HTML page, say) still gives an ApiError, with code "http_<status>".
   */
  static from(status: number, body: unknown, fallbackMessage = ''): ApiError {
    const err = (body as Partial<ErrorBody> | null)?.error;
    if (err && typeof err.code === 'string') {
      let position = typeof err.position === 'number' ? err.position : undefined;
      // For errors whose position is only in the message text ("... at position 6").
      if (position === undefined && typeof err.message === 'string') {
        const m = / at position (\d+)/.exec(err.message);
        if (m) position = Number(m[1]);
      }
      const retryAfter = typeof err.retry_after === 'number' ? err.retry_after : undefined;
      const extra: { position?: number; retryAfter?: number } = {};
      if (position !== undefined) extra.position = position;
      if (retryAfter !== undefined) extra.retryAfter = retryAfter;
      return new ApiError(status, err.code, String(err.message ?? err.code), extra);
    }
    return new ApiError(status, `http_${status}`, fallbackMessage || `HTTP ${status}`);
  }
}
