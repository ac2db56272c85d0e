// Attaching files while writing (compose and reply): a file button, files dropped on the form
// or pasted into it, a voice recorder, and the list of files with their upload progress and a
// remove button. The uploads themselves are uploads.ts's.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { PendingFile, Uploads } from '../uploads.ts';
import { formatDuration, formatSize } from '../uploads.ts';

// Handlers for the form: files dragged onto it or pasted into any of its fields are attached.
// `dragging` is true while files are held over it (the form shows where they would go).
export function useFileDrop(uploads: Uploads) {
  const [dragging, setDragging] = useState(false);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const props = {
    onDragOver: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    },
    onDragLeave: (e: DragEvent) => {
      // Leaving for a child of the form is not leaving the form.
      const to = e.relatedTarget as Node | null;
      if (!to || !(e.currentTarget as Node).contains(to)) setDragging(false);
    },
    onDrop: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setDragging(false);
      uploads.add(Array.from(e.dataTransfer?.files ?? []));
    },
    onPaste: (e: ClipboardEvent) => {
      const files = Array.from(e.clipboardData?.files ?? []);
      if (!files.length) return;  // text pastes as usual
      e.preventDefault();
      uploads.add(files);
    },
  };
  return { dragging, props };
}

function FileRow({ item, uploads }: { item: PendingFile; uploads: Uploads }) {
  const { file, state } = item;
  const percent = file.size ? Math.floor((item.sent / file.size) * 100) : 100;
  const status = state === 'done' ? 'Uploaded'
    : state === 'reconnecting' ? 'Reconnecting…'
    : state === 'failed' ? `Failed: ${item.error ?? ''}`
    : `${percent}%`;
  return (
    <li class={`pending-file is-${state}`} data-state={state}>
      <span class="pending-name">{file.name}</span>
      <span class="muted pending-size">{formatSize(file.size)}</span>
      {(state === 'uploading' || state === 'reconnecting') && (
        <progress max={file.size || 1} value={item.sent} aria-label={`Uploading ${file.name}`} />
      )}
      <span class={`pending-status${state === 'failed' ? ' error' : ''}`}>{status}</span>
      <span class="pending-tools">
        {state === 'failed' && item.error && !/at most|upload limit/.test(item.error) && (
          <button type="button" onClick={() => uploads.retry(item.key)} aria-label={`Retry ${file.name}`}>Retry</button>
        )}
        <button type="button" class="danger" onClick={() => uploads.remove(item.key)} aria-label={`Remove ${file.name}`}>Remove</button>
      </span>
    </li>
  );
}

// The file button, the recorder and the list. `id` makes the field's ids unique on the page.
export function AttachField({ uploads, id }: { uploads: Uploads; id: string }) {
  const input = useRef<HTMLInputElement>(null);
  const running = uploads.files.filter((f) => f.state === 'uploading' || f.state === 'reconnecting').length;
  return (
    <div class="attach">
      <div class="attach-tools">
        <input ref={input} id={`${id}-files`} type="file" multiple hidden aria-label="Files to attach"
          onChange={(e) => { const el = e.currentTarget; uploads.add(Array.from(el.files ?? [])); el.value = ''; }} />
        <button type="button" onClick={() => input.current?.click()} aria-describedby={`${id}-attach-hint`}>Attach files</button>
        <VoiceRecorder onRecorded={(file) => uploads.add([file])} />
      </div>
      <p class="hint" id={`${id}-attach-hint`}>Or drop files here, or paste them.</p>
      {uploads.files.length > 0 && (
        <ul class="pending-files" aria-label="Attachments">
          {uploads.files.map((f) => <FileRow key={f.key} item={f} uploads={uploads} />)}
        </ul>
      )}
      <p class="sr-only" aria-live="polite">
        {running ? `Uploading ${running} ${running === 1 ? 'file' : 'files'}` : ''}
      </p>
    </div>
  );
}

// The recording's type: Opus in WebM (Chromium, Firefox) or Ogg, whichever the browser records.
function recordingType(): string {
  for (const type of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/ogg']) {
    if (MediaRecorder.isTypeSupported(type)) return type;
  }
  return '';
}

// "voice-2026-12-07T10-00.webm", in local time.
function voiceName(type: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}-${p(d.getMinutes())}`;
  return `voice-${stamp}.${type.startsWith('audio/ogg') ? 'ogg' : 'webm'}`;
}

type Recording = { state: 'idle' } | { state: 'recording'; started: number } | { state: 'recorded'; file: File; url: string; ms: number };

// Record, stop, listen, then attach (or discard). Shown only where the browser can record.
export function VoiceRecorder({ onRecorded }: { onRecorded: (file: File) => void }) {
  const [rec, setRec] = useState<Recording>({ state: 'idle' });
  const [error, setError] = useState('');
  const [now, setNow] = useState(0);
  const recorder = useRef<MediaRecorder | null>(null);

  const supported = typeof MediaRecorder !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;
  useEffect(() => {
    if (rec.state !== 'recording') return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [rec.state]);
  // Leaving the page stops the microphone and frees the preview.
  useEffect(() => () => { recorder.current?.stream.getTracks().forEach((t) => t.stop()); }, []);
  useEffect(() => () => { if (rec.state === 'recorded') URL.revokeObjectURL(rec.url); }, [rec]);
  if (!supported) return null;

  const start = async () => {
    setError('');
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const type = recordingType();
      const r = new MediaRecorder(stream, type ? { mimeType: type } : {});
      const chunks: Blob[] = [];
      const started = Date.now();
      r.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
      r.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        const mime = (r.mimeType || type || 'audio/webm').split(';')[0];
        const file = new File(chunks, voiceName(mime), { type: mime });
        setRec({ state: 'recorded', file, url: URL.createObjectURL(file), ms: Date.now() - started });
      };
      recorder.current = r;
      r.start(250);
      setNow(started);
      setRec({ state: 'recording', started });
    } catch (err) {
      setError(err instanceof DOMException && err.name === 'NotAllowedError'
        ? 'The browser did not allow the microphone.' : 'The microphone could not be started.');
    }
  };
  const stop = () => recorder.current?.stop();

  let body: JSX.Element;
  if (rec.state === 'recording') {
    body = (
      <>
        <span class="recording" role="status">Recording {formatDuration(Math.max(0, now - rec.started))}</span>
        <button type="button" onClick={stop}>Stop recording</button>
      </>
    );
  } else if (rec.state === 'recorded') {
    body = (
      <>
        <audio controls src={rec.url} aria-label={`Your recording, ${formatDuration(rec.ms)}`} />
        <button type="button" onClick={() => { onRecorded(rec.file); setRec({ state: 'idle' }); }}>Attach recording</button>
        <button type="button" onClick={() => setRec({ state: 'idle' })}>Discard recording</button>
      </>
    );
  } else {
    body = <button type="button" onClick={start}>Record voice</button>;
  }
  return (
    <span class="voice">
      {body}
      {error && <span class="error" role="alert">{error}</span>}
    </span>
  );
}
