// Search snippets mark matches between « and ». They become <mark> elements built as nodes
// (Preact escapes every text part), never HTML parsed from server text. An unclosed « marks
// to the end; a stray » is kept as text.
import type { ComponentChildren } from 'preact';

export function highlight(snippet: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let rest = snippet;
  let n = 0;
  while (rest.length) {
    const open = rest.indexOf('«');
    if (open < 0) { out.push(rest); break; }
    if (open > 0) out.push(rest.slice(0, open));
    const close = rest.indexOf('»', open + 1);
    const inner = close < 0 ? rest.slice(open + 1) : rest.slice(open + 1, close);
    out.push(<mark key={n++}>{inner}</mark>);
    rest = close < 0 ? '' : rest.slice(close + 1);
  }
  return out;
}
