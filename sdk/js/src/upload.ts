// A small tus 1.0 client over fetch (docs/attachments.md, "Resumable"): create with POST,
// send chunks with PATCH at the stored offset, and after a failure ask HEAD where the server
// got to and go on from there. It uses the client's own fetch and credentials (bearer token or
// the page's cookie), so it works the same in Node and in browsers with no dependency.

import { ApiError } from './errors.js';
import type { MissiveClient } from './client.js';
import type { Upload } from './types.js';

/** What upload() sends: a File or Blob (Node: `fs.openAsBlob(path)` reads a file piecewise), or bytes. */
export type UploadData = Blob | Uint8Array | ArrayBuffer;

export interface UploadOptions {
  /** The file name (default: a File's name, else "upload"). */
  name?: string;
  /** The declared type (default: the Blob's type, else application/octet-stream). */
  type?: string;
  /**
   * Idempotency key of the creation: a retried POST with the same key answers the same
   * upload. Default: a random one, so the client's own retries never create two.
   */
  clientUploadId?: string;
  /** Called with the bytes the server has stored and the total, after each chunk. */
  onProgress?: (sent: number, total: number) => void;
  /**
   * Called when a request failed and the upload will try again after `delayMs` (the page
   * shows "reconnecting"); `error` is what failed.
   */
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
  /** Aborts the upload; upload() rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal;
  /** Bytes per PATCH (at most the server's tus chunk_size, which is the default). */
  chunkSize?: number;
  /**
   * Waits before each retry of a failed request; more failures in a row than entries give up
   * (the last error is thrown). Progress resets the count. Default 0.5, 1, 2, 4, 8 and 15 s.
   */
  retryDelays?: number[];
  /** Continue an upload created earlier (its id, from an earlier onCreated). */
  resumeId?: number;
  /** Called once the server has created the upload, with its id (for resumeId later). */
  onCreated?: (id: number) => void;
}

const DEFAULT_DELAYS = [500, 1000, 2000, 4000, 8000, 15000];

/** Runs one resumable upload for `client`; see MissiveClient.upload. */
export async function tusUpload(client: MissiveClient, data: UploadData, opts: UploadOptions): Promise<Upload> {
  const blob = data instanceof Blob ? data : new Blob([data as ArrayBuffer]);
  const size = blob.size;
  const name = opts.name ?? (typeof (data as File).name === 'string' && (data as File).name ? (data as File).name : 'upload');
  const type = opts.type || blob.type || 'application/octet-stream';
  const signal = opts.signal;
  const delays = opts.retryDelays ?? DEFAULT_DELAYS;
  const clientUploadId = opts.clientUploadId ?? randomId();

  let chunkSize = opts.chunkSize ?? 0;
  const serverChunk = await retrying(() => client.mediaConfig(), delays, opts).then((c) => c.tus.chunk_size);
  if (!(chunkSize > 0) || chunkSize > serverChunk) chunkSize = serverChunk;

  let id = opts.resumeId;
  if (id === undefined) {
    const metadata = { filename: name, filetype: type, client_upload_id: clientUploadId };
    id = await retrying(() => client.tusCreate({ length: size, metadata, ...(signal ? { signal } : {}) }), delays, opts);
    opts.onCreated?.(id);
  }
  const uploadId = id;
  const head = () => client.tusOffset(uploadId, signal ? { signal } : {});

  let offset = opts.resumeId !== undefined ? await retrying(head, delays, opts) : 0;
  opts.onProgress?.(offset, size);
  let failures = 0;
  let patched = false;
  // A zero-length upload still takes one PATCH (of nothing) to complete.
  while (offset < size || (size === 0 && !patched)) {
    signal?.throwIfAborted();
    try {
      offset = await client.tusAppend(uploadId, offset, blob.slice(offset, Math.min(size, offset + chunkSize)), signal ? { signal } : {});
      patched = true;
      failures = 0;
      opts.onProgress?.(offset, size);
    } catch (error) {
      if (!retryable(error, signal) || failures >= delays.length) throw error;
      const delay = delays[failures++];
      opts.onRetry?.(failures, delay, error);
      await sleep(delay, signal);
      // The server may have stored part (or all) of the chunk that failed: go on from its offset.
      offset = await retrying(head, delays, opts);
      opts.onProgress?.(offset, size);
    }
  }
  return retrying(() => client.getUpload(uploadId), delays, opts);
}

// Runs `task`, retrying with the given delays while it fails in a way worth retrying.
async function retrying<T>(task: () => Promise<T>, delays: number[], opts: UploadOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!retryable(error, opts.signal) || attempt >= delays.length) throw error;
      opts.onRetry?.(attempt + 1, delays[attempt], error);
      await sleep(delays[attempt], opts.signal);
    }
  }
}

// Network failures (fetch rejects with a TypeError), 409 (another offset: HEAD tells the
// right one), 423 (locked), 429 and 5xx are worth another try; other answers are final.
function retryable(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return false;
  if (error instanceof ApiError) return error.status === 409 || error.status === 423 || error.status === 429 || error.status >= 500;
  return error instanceof TypeError;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const onAbort = () => { clearTimeout(timer); reject(signal!.reason); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
