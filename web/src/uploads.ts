// The files a message being written will carry: each is uploaded (tus, through the SDK) as
// soon as it is added, shows its progress, and goes on after a dropped connection (the SDK
// retries and resumes from the server's offset; meanwhile the file says "reconnecting").
// Removing a file aborts its upload and deletes what the server had received of it.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MediaConfig, MissiveClient, Upload } from '../../sdk/js/src/index.ts';
import { errorText } from './util.ts';

export type UploadState = 'uploading' | 'reconnecting' | 'done' | 'failed';

export interface PendingFile {
  key: number;
  file: File;
  sent: number;
  state: UploadState;
  upload?: Upload;
  error?: string;
}

export interface Uploads {
  files: PendingFile[];
  add(files: Iterable<File>): void;
  remove(key: number): void;
  retry(key: number): void;
  /** Ids of the finished uploads, in the order the files were added. */
  ids(): number[];
  /** Some file is still uploading (Send waits). */
  running: boolean;
  /** Some file failed (Send waits until it is removed or retried). */
  failed: boolean;
  clear(): void;
}

// Bytes per PATCH: smaller than the server's chunk size, so the progress bar moves (fetch has no
// upload progress events; each finished chunk is one step).
const CHUNK = 512 * 1024;

let config: Promise<MediaConfig> | null = null;

// The server's limits, asked once per tab (again after a failure).
export function mediaConfig(client: MissiveClient): Promise<MediaConfig> {
  if (!config) config = client.mediaConfig().catch((err) => { config = null; throw err; });
  return config;
}

let nextKey = 1;

export function useUploads(client: MissiveClient): Uploads {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const current = useRef(files);
  current.current = files;
  const controllers = useRef(new Map<number, { abort: AbortController; id?: number }>());
  const limits = useRef<MediaConfig | null>(null);

  useEffect(() => {
    mediaConfig(client).then((c) => { limits.current = c; }, () => {});
    const running = controllers.current;
    // Leaving the page stops what still runs (the server drops unsent uploads after their TTL).
    return () => { for (const c of running.values()) c.abort.abort(); };
  }, [client]);

  const update = (key: number, patch: Partial<PendingFile>) =>
    setFiles((list) => list.map((f) => (f.key === key ? { ...f, ...patch } : f)));

  const start = (item: PendingFile) => {
    const abort = new AbortController();
    const entry: { abort: AbortController; id?: number } = { abort };
    controllers.current.set(item.key, entry);
    update(item.key, { state: 'uploading', sent: 0, error: undefined });
    client.upload(item.file, {
      name: item.file.name,
      type: item.file.type,
      chunkSize: CHUNK,
      signal: abort.signal,
      onCreated: (id) => { entry.id = id; },
      onProgress: (sent) => update(item.key, { sent, state: 'uploading' }),
      onRetry: () => update(item.key, { state: 'reconnecting' }),
    }).then((upload) => {
      controllers.current.delete(item.key);
      update(item.key, { state: 'done', sent: upload.size, upload });
    }, (err) => {
      controllers.current.delete(item.key);
      if (abort.signal.aborted) return;
      update(item.key, { state: 'failed', error: errorText(err) });
    });
  };

  const add = (incoming: Iterable<File>) => {
    const c = limits.current;
    const max = c?.max_attachments ?? Infinity;
    let count = current.current.filter((f) => f.state !== 'failed').length;
    const added: PendingFile[] = [];
    for (const file of incoming) {
      const item: PendingFile = { key: nextKey++, file, sent: 0, state: 'uploading' };
      if (c && file.size > c.upload_limit) {
        item.state = 'failed';
        item.error = `The file is ${formatSize(file.size)}; the upload limit is ${formatSize(c.upload_limit)}.`;
      } else if (count >= max) {
        item.state = 'failed';
        item.error = `A message carries at most ${max} files.`;
      } else {
        count++;
      }
      added.push(item);
    }
    if (!added.length) return;
    current.current = [...current.current, ...added];
    setFiles((list) => [...list, ...added]);
    for (const item of added) if (item.state !== 'failed') start(item);
  };

  const remove = (key: number) => {
    const running = controllers.current.get(key);
    if (running) {
      running.abort.abort();
      controllers.current.delete(key);
      // tus termination: what the server received of it is deleted (best effort).
      if (running.id !== undefined) client.cancelUpload(running.id).catch(() => {});
    }
    setFiles((list) => list.filter((f) => f.key !== key));
  };

  const retry = (key: number) => {
    const item = files.find((f) => f.key === key);
    if (item && item.state === 'failed') start(item);
  };

  return {
    files,
    add,
    remove,
    retry,
    ids: () => files.flatMap((f) => (f.state === 'done' && f.upload ? [f.upload.id] : [])),
    running: files.some((f) => f.state === 'uploading' || f.state === 'reconnecting'),
    failed: files.some((f) => f.state === 'failed'),
    clear: () => setFiles([]),
  };
}

// 1536 -> "1.5 KB" (1024-based, like the server's messages).
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// 65000 -> "1:05".
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
