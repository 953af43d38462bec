// A small SQL tokenizer for reading pg_dumpall's and pg_dump's output as DATA. It knows exactly
// enough of PostgreSQL's lexical rules (quoted identifiers, standard and E'' strings, dollar quotes,
// comments) to split statements where the server would, so that text inside a string or comment
// can never be mistaken for a statement. Nothing it reads is ever sent to a server as it stands.

export type SqlToken =
  | { kind: 'word'; text: string }
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'punct'; text: string };

/** Larger than any real globals file or ACL entry; more is refused rather than tokenized. */
export const MAX_SQL_CHARS = 64 * 1024 * 1024;

/** Splits SQL text into statements of tokens; a statement that cannot be lexed (an unclosed quote) ends the text. */
export function sqlStatements(text: string): SqlToken[][] {
  if (text.length > MAX_SQL_CHARS) throw new RangeError(`SQL text longer than ${MAX_SQL_CHARS} characters`);
  const statements: SqlToken[][] = [];
  let current: SqlToken[] = [];
  let i = 0;
  const n = text.length;
  const end = (): void => {
    if (current.length > 0) statements.push(current);
    current = [];
  };
  while (i < n) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      for (; i < n; i++) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i++;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i++;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
    } else if (c === ';') {
      end();
      i++;
    } else if (c === '"') {
      const r = readQuoted(text, i, '"');
      if (!r) return statements;
      current.push({ kind: 'ident', text: r.value });
      i = r.end;
    } else if (c === "'") {
      const r = readQuoted(text, i, "'");
      if (!r) return statements;
      current.push({ kind: 'string', text: r.value });
      i = r.end;
    } else if ((c === 'E' || c === 'e') && text[i + 1] === "'") {
      const r = readEscapeString(text, i + 1);
      if (!r) return statements;
      current.push({ kind: 'string', text: r.value });
      i = r.end;
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(text.slice(i, i + 65))) {
      const tag = (/^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 65)) as RegExpExecArray)[0];
      const close = text.indexOf(tag, i + tag.length);
      if (close < 0) return statements;
      current.push({ kind: 'string', text: text.slice(i + tag.length, close) });
      i = close + tag.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(text[j] as string)) j++;
      current.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9]/.test(text[j] as string)) j++;
      current.push({ kind: 'number', text: text.slice(i, j) });
      i = j;
    } else {
      current.push({ kind: 'punct', text: c });
      i++;
    }
  }
  end();
  return statements;
}

function readQuoted(text: string, start: number, q: string): { value: string; end: number } | null {
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = text.indexOf(q, i);
    if (close < 0) return null;
    value += text.slice(i, close);
    if (text[close + 1] === q) {
      value += q;
      i = close + 2;
    } else {
      return { value, end: close + 1 };
    }
  }
}

/** E'…' strings: backslash escapes a character (only the quote and backslash matter to where it ends). */
function readEscapeString(text: string, start: number): { value: string; end: number } | null {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      value += text[i + 1] ?? '';
      i++;
    } else if (c === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i++;
      } else return { value, end: i + 1 };
    } else value += c;
  }
  return null;
}

/** A word equal to this keyword (SQL keywords are case-insensitive). */
export function isKeyword(t: SqlToken | undefined, word: string): boolean {
  return t?.kind === 'word' && t.text.toUpperCase() === word;
}

/**
 * A role or tablespace name as the server would read it: a quoted identifier exactly, an unquoted
 * one folded to lower case. Only plain unquoted names are accepted (what pg_dump and pg_dumpall
 * leave unquoted); `PUBLIC` and other keywords are not names.
 */
export function nameOf(t: SqlToken | undefined): string | null {
  if (!t) return null;
  if (t.kind === 'ident') return t.text.length > 0 && !hasControl(t.text) ? t.text : null;
  if (t.kind === 'word' && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(t.text) && t.text.toUpperCase() !== 'PUBLIC') return t.text.toLowerCase();
  return null;
}

function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  return /[\u0000-\u001f\u007f]/.test(s);
}
