/**
 * Python string literals: how untrusted text (questions, search snippets, model outputs) enters a prompt
 * written as Python code, and how the parser reads literals back. Pure; used by prompts and parsers.
 *
 * `pyStr` always writes a single-line, double-quoted literal, so no input can end the literal early, open a
 * triple-quoted string, or start a new line that looks like code or a `# [END]` marker.
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

export function pyStr(text: string): string {
  let out = '"';
  for (const ch of text) {
    const simple = SIMPLE_ESCAPES[ch];
    if (simple) {
      out += simple;
      continue;
    }
    const code = ch.codePointAt(0)!;
    // Control characters and Unicode line/paragraph separators would break the one-line invariant.
    if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    // Line/paragraph separators, and lone surrogates (which have no UTF-8 encoding), are written as \u escapes.
    else if (code === 0x85 || code === 0x2028 || code === 0x2029 || (code >= 0xd800 && code <= 0xdfff)) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

export function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}

export function pyIntList(values: number[]): string {
  return '[' + values.map((v) => String(Math.trunc(v))).join(', ') + ']';
}

export class PyLiteralError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

const READ_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/**
 * Reads a Python string literal (single- or double-quoted, one line, with escapes) starting at `pos`.
 * Returns the decoded value and the position after the closing quote.
 */
export function readPyStr(src: string, pos: number): { value: string; end: number } {
  const quote = src[pos];
  if (quote !== '"' && quote !== "'") throw new PyLiteralError(`expected a string literal at ${pos}`, pos);
  if (src.startsWith(quote.repeat(3), pos)) throw new PyLiteralError('triple-quoted strings are not allowed here', pos);
  let value = '';
  let i = pos + 1;
  while (i < src.length) {
    const ch = src[i];
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\n' || ch === '\r') throw new PyLiteralError('string literal is not closed before the end of the line', i);
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const esc = src[i + 1];
    if (esc === undefined) break;
    if (esc === '\n' || esc === '\r') throw new PyLiteralError('string literal is not closed before the end of the line', i + 1);
    if (esc === 'N') throw new PyLiteralError('\\N{...} escapes are not supported; write the character itself', i);
    if (esc in READ_ESCAPES) {
      value += READ_ESCAPES[esc];
      i += 2;
    } else if (esc >= '0' && esc <= '7') {
      // Octal escape: one to three octal digits, as in Python (`\0` is NUL, `\012` is a newline).
      const oct = /^[0-7]{1,3}/.exec(src.slice(i + 1))![0];
      value += String.fromCodePoint(parseInt(oct, 8));
      i += 1 + oct.length;
    } else if (esc === 'x' || esc === 'u' || esc === 'U') {
      const len = esc === 'x' ? 2 : esc === 'u' ? 4 : 8;
      const hex = src.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new PyLiteralError(`bad \\${esc} escape`, i);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new PyLiteralError(`bad \\${esc} escape: no such code point`, i);
      value += String.fromCodePoint(code);
      i += 2 + len;
    } else {
      // Python keeps unknown escapes verbatim.
      value += '\\' + esc;
      i += 2;
    }
  }
  throw new PyLiteralError('string literal is not closed', src.length);
}
