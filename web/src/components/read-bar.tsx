// The read-% bar of the Sent page and the dashboard. The fill's width is a style property:
// Preact sets it through CSSOM (element.style.width), which the page's CSP allows; only style
// attributes and <style> elements need 'unsafe-inline'. Decorative unless `label` is given
// (the pages write the figure next to it).
export function ReadBar({ percent, label }: { percent: number; label?: string }) {
  const width = `${Math.min(Math.max(percent, 0), 100)}%`;
  return (
    <span class="read-bar" role={label ? 'img' : undefined} aria-label={label} aria-hidden={label ? undefined : true}>
      <span class="read-bar-fill" style={{ width }} />
    </span>
  );
}
