/**
 * The two constrained-decoding forms of one output declaration (a list of `CallSpec`s): a llama.cpp GBNF grammar
 * for the Python call line, and a JSON schema for servers with JSON-schema structured outputs. Every bound is
 * written once here and rendered into both, so a constraint added to a CallSpec (a length, an enum) reaches
 * every server mode.
 *
 * The JSON schema keeps to what OpenAI's strict structured outputs accept (no `maxLength`): string bounds are
 * `pattern`s, which llama.cpp and vLLM honour as well.
 */
import type { ArgSpec, CallSpec } from './call-spec';
import { pyIntList, pyStr } from './python-literal';

/** A string argument's length bound when its CallSpec names none. */
export const DEFAULT_MAX_CHARS = 200;
/** Integer lists hold at most this many ids, each in 1..INT_MAX (result and candidate numbers). */
export const INT_LIST_MAX_ITEMS = 10;
export const INT_MAX = 99;

// ---------------------------------------------------------------------------------------------- GBNF

function gbnfLiteral(text: string): string {
  return '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/**
 * Alternatives of literal texts as a prefix tree: `"Chief" (" of Protocol" | "tain")`, so a grammar engine keeps one
 * partial match per shared prefix instead of one per value (answers chosen from 150 spans of the evidence).
 */
export function gbnfChoice(values: readonly string[]): string {
  type Node = Map<string, Node | null>; // char -> child (null marks the end of a value)
  const root: Node = new Map();
  for (const v of new Set(values)) {
    let node = root;
    for (const ch of v) {
      let next = node.get(ch);
      if (!next) node.set(ch, (next = new Map()));
      node = next;
    }
    node.set('', null);
  }
  /** The alternatives after `node`; a value that may end there makes them optional. */
  const render = (node: Node): string => {
    const alts: string[] = [];
    for (const [ch, child] of node) {
      if (child === null) continue;
      // Follow a chain of single children into one literal.
      let text = ch;
      let cur = child;
      while (cur.size === 1 && !cur.has('')) {
        const [[c, n]] = [...cur];
        text += c;
        cur = n!;
      }
      const rest = cur.size === 1 && cur.has('') ? '' : ` ${render(cur)}`;
      alts.push(gbnfLiteral(text) + rest);
    }
    const group = alts.length === 1 ? alts[0] : `(${alts.join(' | ')})`;
    return node.has('') ? `(${group})?` : group;
  };
  return render(root);
}

/**
 * What the model writes after a program's open line (`action =`, lib/agent/python-prompt.ts): a space, then the
 * call. The prompt stops before the space so that the model's first token is the usual " Search", not a bare
 * "Search" after a lone space token, which a BPE model rarely sees.
 */
export const COMPLETION_LEAD = ' ';

/**
 * The call line. The rules are named for what they admit (`str120`, `enum0`), so specs that share a bound share
 * a rule; the line starts with COMPLETION_LEAD and ends with a newline, where the model's line ends.
 */
export function buildGbnf(calls: CallSpec[]): string {
  const lines: string[] = [];
  lines.push(`root ::= ${gbnfLiteral(COMPLETION_LEAD)} (${calls.map((_, i) => `call${i}`).join(' | ')}) "\\n"`);
  const strLengths = new Set<number>();
  const enums: string[] = [];
  const argRule = (arg: ArgSpec): string => {
    if (arg.type === 'bool') return 'bool';
    if (arg.type === 'int_list' && arg.lists) {
      enums.push(gbnfChoice(arg.lists.map((l) => pyIntList([...l]))));
      return `enum${enums.length - 1}`;
    }
    if (arg.type === 'int_list') return 'intlist';
    if (arg.enum) {
      enums.push(gbnfChoice(arg.enum.map((v) => pyStr(v))));
      return `enum${enums.length - 1}`;
    }
    strLengths.add(arg.maxChars ?? DEFAULT_MAX_CHARS);
    return `str${arg.maxChars ?? DEFAULT_MAX_CHARS}`;
  };
  calls.forEach((call, i) => {
    const parts: string[] = [gbnfLiteral(`${call.name}(`)];
    call.args.forEach((arg, j) => parts.push(gbnfLiteral(`${j ? ', ' : ''}${arg.name}=`), argRule(arg)));
    parts.push(gbnfLiteral(')'));
    lines.push(`call${i} ::= ${parts.join(' ')}`);
  });
  enums.forEach((alternatives, k) => lines.push(`enum${k} ::= ${alternatives}`));
  for (const n of [...strLengths].sort((a, b) => a - b)) lines.push(`str${n} ::= "\\"" strchar{1,${n}} "\\""`);
  // One character of a double-quoted literal: anything printable, or the escapes \" \\ \n \t.
  lines.push('strchar ::= [^"\\\\\\x00-\\x1F\\x7F] | "\\\\" ["\\\\nt]');
  lines.push('bool ::= "True" | "False"');
  lines.push(`intlist ::= "[" (int (", " int){0,${INT_LIST_MAX_ITEMS - 1}})? "]"`);
  lines.push(`int ::= [1-9] [0-9]?`); // 1..INT_MAX
  return lines.join('\n') + '\n';
}

/** Above this many lines a grammar's lines are not listed (OutputGrammar.choices): scoring them all would cost too much. */
export const MAX_LISTED_LINES = 400;

/**
 * Every line the GBNF admits, COMPLETION_LEAD first and without the newline, when every argument is finite (an
 * enum, fixed lists, a bool) and there are at most MAX_LISTED_LINES of them; otherwise undefined.
 */
export function finiteLines(calls: CallSpec[]): string[] | undefined {
  const values = (arg: ArgSpec): string[] | undefined => {
    if (arg.type === 'bool') return ['True', 'False'];
    if (arg.type === 'int_list') return arg.lists?.map((l) => pyIntList([...l]));
    return arg.enum?.map((v) => pyStr(v));
  };
  const lines: string[] = [];
  for (const call of calls) {
    let partial = [`${COMPLETION_LEAD}${call.name}(`];
    for (const [j, arg] of call.args.entries()) {
      const vs = values(arg);
      if (!vs) return undefined;
      partial = partial.flatMap((p) => vs.map((v) => `${p}${j ? ', ' : ''}${arg.name}=${v}`));
      if (partial.length + lines.length > MAX_LISTED_LINES) return undefined;
    }
    lines.push(...partial.map((p) => `${p})`));
    if (lines.length > MAX_LISTED_LINES) return undefined;
  }
  return [...new Set(lines)];
}

// ---------------------------------------------------------------------------------------------- JSON schema

/** One character of a JSON string that needs no escape, as a regex class. */
export const JSON_PLAIN_CHAR = '[^"\\\\\\x00-\\x1F\\x7F]';

/**
 * A JSON string of 1 to n of the GBNF's plain characters (`strchar` without its escapes: no quote, backslash or
 * control character). Without the escapes the pattern means the same whether a server applies it to the decoded
 * value (OpenAI, llguidance) or to the raw JSON text (llama.cpp's own schema converter, which its chat endpoint
 * uses: a pattern that admits `"` there lets the model break out of the string).
 */
export function jsonStringPattern(maxChars: number): string {
  return `^${JSON_PLAIN_CHAR}{1,${maxChars}}$`;
}

function jsonArgSchema(arg: ArgSpec): Record<string, unknown> {
  if (arg.type === 'bool') return { type: 'boolean' };
  if (arg.type === 'int_list' && arg.lists) return { type: 'array', items: { type: 'integer', minimum: 1, maximum: INT_MAX }, enum: arg.lists.map((l) => [...l]) };
  if (arg.type === 'int_list') return { type: 'array', items: { type: 'integer', minimum: 1, maximum: INT_MAX }, maxItems: INT_LIST_MAX_ITEMS };
  if (arg.enum) return { type: 'string', enum: [...arg.enum] };
  return { type: 'string', pattern: jsonStringPattern(arg.maxChars ?? DEFAULT_MAX_CHARS) };
}

/** `{ "action": { "call": "<name>", ...arguments } }`, one variant per call; the parser maps it back to the call line. */
export function buildJsonSchema(calls: CallSpec[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      action: {
        anyOf: calls.map((call) => ({
          type: 'object',
          properties: {
            call: { type: 'string', enum: [call.name] },
            ...Object.fromEntries(call.args.map((a) => [a.name, jsonArgSchema(a)])),
          },
          required: ['call', ...call.args.map((a) => a.name)],
          additionalProperties: false,
        })),
      },
    },
    required: ['action'],
    additionalProperties: false,
  };
}
