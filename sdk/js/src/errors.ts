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
  static from(status: number, body: unknown, fallbackMessage = '', retryAfterHeader?: number): ApiError {
    const err = (body as Partial<ErrorBody> | null)?.error;
    if (err && typeof err.code === 'string') {
      let position = typeof err.position === 'number' ? err.position : undefined;
      // For errors whose position is only in the message text ("... at position 6").
      if (position === undefined && typeof err.message === 'string') {
        const m = / at position (\d+)/.exec(err.message);
        if (m) position = Number(m[1]);
      }
      const retryAfter = typeof err.retry_after === 'number' ? err.retry_after : retryAfterHeader;
      const extra: { position?: number; retryAfter?: number } = {};
      if (position !== undefined) extra.position = position;
      if (retryAfter !== undefined) extra.retryAfter = retryAfter;
      return new ApiError(status, err.code, String(err.message ?? err.code), extra);
    }
    // {"error": "too_large", "message": "..."}: the flat form some answers use.
    if (typeof err === 'string') {
      const message = (body as { message?: unknown }).message;
      const extra = retryAfterHeader === undefined ? {} : { retryAfter: retryAfterHeader };
      return new ApiError(status, err, typeof message === 'string' ? message : err, extra);
    }
    const extra = retryAfterHeader === undefined ? {} : { retryAfter: retryAfterHeader };
    return new ApiError(status, `http_${status}`, fallbackMessage || `HTTP ${status}`, extra);
  }
}

// The parsed JSON body of a response (undefined when empty), or ApiError for a failure.
export async function parseAnswer<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (!response.ok) throw ApiError.from(response.status, null, text.slice(0, 200));
      throw new ApiError(response.status, 'bad_response', `${what}: the answer is not JSON`);
    }
  }
  if (!response.ok) throw ApiError.from(response.status, body, response.statusText, retryAfterHeader(response));
  return body as T;
}

function retryAfterHeader(response: Response): number | undefined {
  const value = Number(response.headers.get('Retry-After'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
