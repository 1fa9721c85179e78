/** A tiny GBNF matcher for tests of the output grammars. */

/**
 * Compiles the GBNF subset the specs emit (literals, character classes, rule references, groups, `|`, `?`,
 * `{m,n}`; no recursion) to a RegExp, so tests can check what the grammar admits.
 */
export function gbnfToRegExp(gbnf: string): RegExp {
  const rules = new Map<string, string>();
  for (const line of gbnf.split('\n').filter(Boolean)) {
    const m = /^([a-z0-9-]+) ::= (.*)$/.exec(line);
    if (!m) throw new Error(`bad GBNF line: ${line}`);
    rules.set(m[1], m[2]);
  }
  const token = /\s*("(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|[a-z][a-z0-9-]*|\{\d+(?:,\d*)?\}|[()|?*+])/gy;
  const compile = (name: string): string => {
    const body = rules.get(name);
    if (body === undefined) throw new Error(`undefined rule ${name}`);
    let out = '';
    token.lastIndex = 0;
    const tokens: string[] = [];
    for (let m = token.exec(body); m; m = token.exec(body)) tokens.push(m[1]);
    for (const t of tokens) {
      if (t.startsWith('"')) {
        const text = t.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        // Escape what a u-mode RegExp treats as syntax (a `-` outside a class must stay bare there).
        out += '(?:' + text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + ')';
      } else if (/^[a-z]/.test(t)) out += '(?:' + compile(t) + ')';
      else out += t;
    }
    return out;
  };
  return new RegExp('^(?:' + compile('root') + ')$', 'u');
}
