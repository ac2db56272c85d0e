// The files a message carries, as its card shows them: an image's thumbnail (a click opens the
// full image), a video player with its poster, a voice message or other audio as a player with
// its waveform and duration, anything else as a download link with its name and size. The
// page's session cookie authenticates these same-origin <img>, <video> and <audio> requests.
//
// A message carries the media details known when it was sent; a preview made later arrives as
// an `attachment` timeline entry, and the card then reads the upload again (and once when it
// is shown, if the details it carries predate the preview).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Attachment, MissiveClient } from '../../../sdk/js/src/index.ts';
import type { Live } from '../live.ts';
import { formatDuration, formatSize } from '../uploads.ts';

// The attachment with the newest media details: those the message carried, then the upload's
// when a preview was still pending or a live entry says it changed.
function useDetails(client: MissiveClient, live: Live | undefined, initial: Attachment): Attachment {
  const [a, setA] = useState(initial);
  useEffect(() => {
    let alive = true;
    const refresh = () => client.getUpload(initial.id).then((u) => {
      if (!alive) return;
      setA({
        id: u.id, name: u.name, type: u.type || initial.type, size: u.size, sha256: u.sha256 ?? initial.sha256,
        preview: u.preview,
        ...(u.width !== undefined ? { width: u.width } : {}),
        ...(u.height !== undefined ? { height: u.height } : {}),
        ...(u.duration_ms !== undefined ? { duration_ms: u.duration_ms } : {}),
        ...(u.waveform ? { waveform: u.waveform } : {}),
        ...(u.thumbnail_type ? { thumbnail_type: u.thumbnail_type } : {}),
      });
    }, () => {});
    // A snapshot taken before the preview was made says "pending" (or, from a server that
    // queues previews only once a message carries the file, "none"): ask once for the newest.
    const media = /^(image|video|audio)\//.test(initial.type);
    if (initial.preview === 'pending' || (media && initial.preview === 'none')) refresh();
    const off = live?.subscribe((entry) => {
      if (entry.kind === 'attachment' && entry.attachment === initial.id) refresh();
    });
    return () => { alive = false; off?.(); };
  }, [client, live, initial.id]);
  return a;
}

// 64 peaks (0..255) as bars, centred on a line.
export function Waveform({ peaks, label }: { peaks: number[]; label: string }) {
  const height = 32;
  return (
    <svg class="waveform" viewBox={`0 0 ${peaks.length * 2} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
      {peaks.map((p, i) => {
        const h = Math.max(1, (Math.min(255, Math.max(0, p)) / 255) * height);
        return <rect key={i} x={i * 2} y={(height - h) / 2} width={1.4} height={h} />;
      })}
    </svg>
  );
}

function FileLink({ a, url }: { a: Attachment; url: string }) {
  return (
    <a class="file-link" href={url} download={a.name}>
      <span class="file-name">{a.name}</span> <span class="muted">({formatSize(a.size)})</span>
    </a>
  );
}

function ImageAttachment({ a, url, thumb }: { a: Attachment; url: string; thumb: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  return (
    <figure class="attachment-image">
      <button type="button" class="thumb-button" onClick={() => { setOpen(true); dialog.current?.showModal(); }}
        aria-label={`Open image ${a.name}`}>
        <img src={thumb} alt={a.name} loading="lazy" />
      </button>
      <figcaption class="muted">{a.name} · {formatSize(a.size)}{a.width && a.height ? ` · ${a.width}×${a.height}` : ''}</figcaption>
      <dialog ref={dialog} class="lightbox" aria-label={a.name} onClose={() => setOpen(false)}>
        {open && <img src={url} alt={a.name} />}
        <div class="actions">
          <a href={url} download={a.name}>Download</a>
          <button type="button" onClick={() => dialog.current?.close()}>Close</button>
        </div>
      </dialog>
    </figure>
  );
}

function AudioAttachment({ a, url }: { a: Attachment; url: string }) {
  const voice = /^voice-/.test(a.name);
  const duration = a.duration_ms !== undefined ? formatDuration(a.duration_ms) : '';
  const label = `${voice ? 'Voice message' : a.name}${duration ? `, ${duration}` : ''}`;
  return (
    <figure class="attachment-audio">
      {a.waveform && a.waveform.length > 0 && <Waveform peaks={a.waveform} label={`Waveform of ${a.name}`} />}
      <audio controls preload="metadata" src={url} aria-label={label} />
      <figcaption class="muted">
        {voice ? 'Voice message' : a.name}{duration && <> · <span class="duration">{duration}</span></>} · <a href={url} download={a.name}>Download</a>
      </figcaption>
    </figure>
  );
}

function AttachmentItem({ client, live, attachment }: { client: MissiveClient; live: Live | undefined; attachment: Attachment }) {
  const a = useDetails(client, live, attachment);
  const url = client.attachmentUrl(a.id);
  const thumb = client.attachmentUrl(a.id, { thumbnail: true });
  const kind = a.type.split('/')[0];
  let view;
  if (kind === 'image' && a.thumbnail_type) view = <ImageAttachment a={a} url={url} thumb={thumb} />;
  else if (kind === 'video') {
    view = (
      <figure class="attachment-video">
        <video controls preload="metadata" src={url} poster={a.thumbnail_type ? thumb : undefined} aria-label={a.name} />
        <figcaption class="muted">{a.name} · {formatSize(a.size)}{a.duration_ms !== undefined ? ` · ${formatDuration(a.duration_ms)}` : ''} · <a href={url} download={a.name}>Download</a></figcaption>
      </figure>
    );
  } else if (kind === 'audio') view = <AudioAttachment a={a} url={url} />;
  else view = <FileLink a={a} url={url} />;
  return (
    <li data-attachment={a.id} data-preview={a.preview}>
      {view}
      {a.preview === 'pending' && (kind === 'image' || kind === 'video' || kind === 'audio') && (
        <span class="muted pending-preview"> Preparing the preview…</span>
      )}
    </li>
  );
}

export function Attachments({ client, live, attachments }: { client: MissiveClient; live?: Live; attachments: Attachment[] }) {
  if (!attachments.length) return null;
  return (
    <ul class="attachments" aria-label="Attachments">
      {attachments.map((a) => <AttachmentItem key={a.id} client={client} live={live} attachment={a} />)}
    </ul>
  );
}
