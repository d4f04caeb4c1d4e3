// ansi.js -- a line of terminal output with ANSI SGR escape sequences
// (ESC [ ... m: colours, bold, reverse) as DOM nodes, spans with classes
// the stylesheet colours for light and dark schemes.  Other escape
// sequences (cursor moves, clears) are dropped: a console log is read,
// not replayed.  Hand-written because a kernel console uses little of a
// terminal (syzkaller/kselftest colour their verdicts, busybox ls its
// names): 16 colours, 256 colours and truecolor, bold, dim, italic,
// underline, reverse; no library is needed for that.

// The SGR state carried from line to line (a colour may span lines).
export function newState() {
  return { fg: null, bg: null, bold: false, dim: false, italic: false, under: false, rev: false };
}

const CSI = /\x1b\[([0-9;:?]*)([@-~])|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

function apply(st, params) {
  const p = params === '' ? [0] : params.split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
  for (let i = 0; i < p.length; i++) {
    const n = p[i];
    if (n === 0) Object.assign(st, newState());
    else if (n === 1) st.bold = true;
    else if (n === 2) st.dim = true;
    else if (n === 3) st.italic = true;
    else if (n === 4) st.under = true;
    else if (n === 7) st.rev = true;
    else if (n === 22) { st.bold = false; st.dim = false; }
    else if (n === 23) st.italic = false;
    else if (n === 24) st.under = false;
    else if (n === 27) st.rev = false;
    else if (n >= 30 && n <= 37) st.fg = n - 30;
    else if (n >= 90 && n <= 97) st.fg = n - 90 + 8;
    else if (n === 39) st.fg = null;
    else if (n >= 40 && n <= 47) st.bg = n - 40;
    else if (n >= 100 && n <= 107) st.bg = n - 100 + 8;
    else if (n === 49) st.bg = null;
    else if (n === 38 || n === 48) {
      // 38;5;N (256 colours) or 38;2;R;G;B (truecolor).
      let c = null;
      if (p[i + 1] === 5) { c = p[i + 2]; i += 2; }
      else if (p[i + 1] === 2) { c = `rgb(${p[i + 2] | 0},${p[i + 3] | 0},${p[i + 4] | 0})`; i += 4; }
      if (n === 38) st.fg = c; else st.bg = c;
    }
  }
}

function colour(c) {
  if (typeof c === 'string') return c;
  if (c < 16) return null; // a class
  if (c < 232) {
    const v = [0, 95, 135, 175, 215, 255];
    const k = c - 16;
    return `rgb(${v[Math.floor(k / 36)]},${v[Math.floor(k / 6) % 6]},${v[k % 6]})`;
  }
  const g = 8 + (c - 232) * 10;
  return `rgb(${g},${g},${g})`;
}

function span(st, text) {
  const plain = st.fg === null && st.bg === null && !st.bold && !st.dim && !st.italic &&
    !st.under && !st.rev;
  if (plain) return document.createTextNode(text);
  const s = document.createElement('span');
  const cls = [];
  let fg = st.fg, bg = st.bg;
  if (st.rev) { [fg, bg] = [bg === null ? 'rev-fg' : bg, fg === null ? 'rev-bg' : fg]; }
  if (typeof fg === 'number' && fg < 16) cls.push(`f${fg}`);
  else if (fg === 'rev-fg') cls.push('frev');
  else if (fg !== null) s.style.color = colour(fg);
  if (typeof bg === 'number' && bg < 16) cls.push(`g${bg}`);
  else if (bg === 'rev-bg') cls.push('grev');
  else if (bg !== null) s.style.backgroundColor = colour(bg);
  if (st.bold) cls.push('sb');
  if (st.dim) cls.push('sd');
  if (st.italic) cls.push('si');
  if (st.under) cls.push('su');
  if (cls.length) s.className = cls.join(' ');
  s.textContent = text;
  return s;
}

// The nodes of LINE (no newline) under state ST (updated), and its plain
// text (what search looks in).
export function render(line, st) {
  const frag = document.createDocumentFragment();
  let plain = '';
  let at = 0;
  let m;
  CSI.lastIndex = 0;
  while ((m = CSI.exec(line)) !== null) {
    if (m.index > at) {
      const t = line.slice(at, m.index);
      frag.append(span(st, t));
      plain += t;
    }
    if (m[2] === 'm' && m[0].startsWith('\x1b[')) apply(st, m[1]);
    else if (m[0] === '\t') { frag.append(span(st, '\t')); plain += '\t'; }
    at = CSI.lastIndex;
  }
  if (at < line.length) {
    const t = line.slice(at);
    frag.append(span(st, t));
    plain += t;
  }
  return { frag, plain };
}
