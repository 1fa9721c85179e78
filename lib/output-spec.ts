/**
 * Output specs: one declaration per LLM step from which its grammar (GBNF for llama.cpp and vLLM, JSON schema
 * for structured outputs), its strict parser and its canonical rendering are all derived, so they cannot drift.
 *
 * Agent steps answer with one Python call, e.g. `Search(query="...")` or `Check_Answer(passed=True)`.
 */
import { z } from 'zod';
import { pyBool, pyIntList, pyStr, readPyStr, PyLiteralError } from './python-literal';

/** What a model adapter needs to constrain decoding. Plain data plus one pure function. */
export interface OutputGrammar {
  name: string;
  /** llama.cpp GBNF; the root rule ends with a newline. */
  gbnf: string;
  /** An object JSON schema for servers with JSON-schema structured outputs (OpenAI `response_format`). */
  jsonSchema: Record<string, unknown>;
  /** Turns a JSON reply that follows `jsonSchema` into the text the parser reads. */
  fromJson(value: unknown): string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface OutputSpec<T> {
  name: string;
  grammar: OutputGrammar;
  /** A short description of the expected output, used in repair hints. */
  formatHint: string;
  parse(text: string): ParseResult<T>;
  /** The canonical output text for a value (few-shot examples, fine-tuning targets). */
  render(value: T): string;
}

export type ArgType = 'str' | 'bool' | 'int_list';

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Upper bound on a string's length, enforced by the grammar. */
  maxChars?: number;
}

export interface CallSpec {
  name: string;
  args: ArgSpec[];
}

type ArgValue = string | boolean | number[];
type CallValue = { call: string } & Record<string, ArgValue>;

// ---------------------------------------------------------------------------------------------- parsing

class Cursor {
  constructor(readonly src: string, public pos = 0) {}
  skipSpaces(): void {
    while (this.pos < this.src.length && (this.src[this.pos] === ' ' || this.src[this.pos] === '\t')) this.pos++;
  }
  peek(): string | undefined {
    return this.src[this.pos];
  }
  expect(token: string): void {
    this.skipSpaces();
    if (!this.src.startsWith(token, this.pos)) {
      throw new PyLiteralError(`expected \`${token}\` at column ${this.pos + 1}, found \`${this.src.slice(this.pos, this.pos + 12) || 'end of line'}\``, this.pos);
    }
    this.pos += token.length;
  }
  identifier(): string {
    this.skipSpaces();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!m) throw new PyLiteralError(`expected a name at column ${this.pos + 1}`, this.pos);
    this.pos += m[0].length;
    return m[0];
  }
}

function readValue(cur: Cursor): ArgValue {
  cur.skipSpaces();
  const ch = cur.peek();
  if (ch === '"' || ch === "'") {
    const { value, end } = readPyStr(cur.src, cur.pos);
    cur.pos = end;
    return value;
  }
  if (ch === '[') {
    cur.pos++;
    const items: number[] = [];
    cur.skipSpaces();
    while (cur.peek() !== ']') {
      cur.skipSpaces();
      const m = /^-?\d+/.exec(cur.src.slice(cur.pos));
      if (!m) throw new PyLiteralError(`expected an integer at column ${cur.pos + 1}`, cur.pos);
      items.push(Number(m[0]));
      cur.pos += m[0].length;
      cur.skipSpaces();
      if (cur.peek() === ',') cur.pos++;
      else if (cur.peek() !== ']') throw new PyLiteralError(`expected \`,\` or \`]\` at column ${cur.pos + 1}`, cur.pos);
      cur.skipSpaces();
    }
    cur.pos++;
    return items;
  }
  const word = /^[A-Za-z_]+/.exec(cur.src.slice(cur.pos))?.[0];
  if (word === 'True' || word === 'False') {
    cur.pos += word.length;
    return word === 'True';
  }
  throw new PyLiteralError(`expected a string, True/False or a list of integers at column ${cur.pos + 1}`, cur.pos);
}

function typeOf(value: ArgValue): ArgType {
  return typeof value === 'string' ? 'str' : typeof value === 'boolean' ? 'bool' : 'int_list';
}

/** Reads exactly one call from a line, checking names, argument names and types against the specs. */
function parseCallLine(line: string, calls: CallSpec[]): CallValue {
  const cur = new Cursor(line);
  const name = cur.identifier();
  const spec = calls.find((c) => c.name === name);
  if (!spec) throw new PyLiteralError(`unknown call \`${name}\`; expected ${calls.map((c) => c.name).join(' or ')}`, 0);
  cur.expect('(');
  const out: CallValue = { call: name };
  let positional = 0;
  cur.skipSpaces();
  while (cur.peek() !== ')') {
    cur.skipSpaces();
    const save = cur.pos;
    let argName: string | undefined;
    const kw = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/.exec(line.slice(cur.pos));
    if (kw) {
      argName = kw[1];
      cur.pos += kw[0].length;
    } else {
      argName = spec.args[positional]?.name;
      positional++;
      if (!argName) throw new PyLiteralError(`${name}() takes ${spec.args.length} argument(s)`, save);
    }
    const arg = spec.args.find((a) => a.name === argName);
    if (!arg) throw new PyLiteralError(`${name}() has no argument \`${argName}\``, save);
    if (argName in out) throw new PyLiteralError(`${name}() got \`${argName}\` twice`, save);
    const value = readValue(cur);
    if (typeOf(value) !== arg.type) throw new PyLiteralError(`${name}(${argName}=...) must be ${describeType(arg.type)}`, save);
    out[argName] = value;
    cur.skipSpaces();
    if (cur.peek() === ',') cur.pos++;
    else if (cur.peek() !== ')') throw new PyLiteralError(`expected \`,\` or \`)\` at column ${cur.pos + 1}`, cur.pos);
    cur.skipSpaces();
  }
  cur.pos++;
  cur.skipSpaces();
  if (cur.pos < line.length) throw new PyLiteralError(`unexpected text after the call: \`${line.slice(cur.pos, cur.pos + 20)}\``, cur.pos);
  const missing = spec.args.filter((a) => !(a.name in out)).map((a) => a.name);
  if (missing.length) throw new PyLiteralError(`${name}() is missing ${missing.join(', ')}`, line.length);
  return out;
}

function describeType(type: ArgType): string {
  return type === 'str' ? 'a string' : type === 'bool' ? 'True or False' : 'a list of integers';
}

/** The line a model wrote: the first non-empty line, without a Markdown code fence or a repeated `name = `. */
export function firstCodeLine(text: string, variable?: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^```/.test(l));
  let line = lines[0] ?? '';
  if (variable && line.startsWith(variable)) line = line.replace(new RegExp(`^${variable}\\s*(?::[^=]*)?=\\s*`), '');
  return line;
}

// ---------------------------------------------------------------------------------------------- grammar

function gbnfLiteral(text: string): string {
  return '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function argRule(arg: ArgSpec): string {
  if (arg.type === 'bool') return 'bool';
  if (arg.type === 'int_list') return 'intlist';
  return `str${arg.maxChars ?? 200}`;
}

function buildGbnf(calls: CallSpec[]): string {
  const lines: string[] = [];
  lines.push(`root ::= (${calls.map((_, i) => `call${i}`).join(' | ')}) "\\n"`);
  const strLengths = new Set<number>();
  calls.forEach((call, i) => {
    const parts: string[] = [gbnfLiteral(`${call.name}(`)];
    call.args.forEach((arg, j) => {
      parts.push(gbnfLiteral(`${j ? ', ' : ''}${arg.name}=`), argRule(arg));
      if (arg.type === 'str') strLengths.add(arg.maxChars ?? 200);
    });
    parts.push(gbnfLiteral(')'));
    lines.push(`call${i} ::= ${parts.join(' ')}`);
  });
  for (const n of [...strLengths].sort((a, b) => a - b)) lines.push(`str${n} ::= "\\"" strchar{1,${n}} "\\""`);
  lines.push('strchar ::= [^"\\\\\\x00-\\x1F\\x7F] | "\\\\" ["\\\\nt]');
  lines.push('bool ::= "True" | "False"');
  lines.push('intlist ::= "[" (int (", " int){0,9})? "]"');
  lines.push('int ::= [1-9] [0-9]?');
  return lines.join('\n') + '\n';
}

function jsonArgSchema(arg: ArgSpec): Record<string, unknown> {
  if (arg.type === 'bool') return { type: 'boolean' };
  if (arg.type === 'int_list') return { type: 'array', items: { type: 'integer' } };
  return { type: 'string' };
}

function buildJsonSchema(calls: CallSpec[]): Record<string, unknown> {
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

/** Off-schema JSON (a missing or mistyped argument) must not be rendered as a valid call, e.g. `query="undefined"`. */
function checkJsonArgs(calls: CallSpec[], value: CallValue): void {
  const spec = calls.find((c) => c.name === value.call);
  if (!spec) throw new Error(`unknown call ${value.call}`);
  for (const a of spec.args) {
    const v: unknown = value[a.name];
    const ok =
      a.type === 'str' ? typeof v === 'string' : a.type === 'bool' ? typeof v === 'boolean' : Array.isArray(v) && v.every((n) => Number.isInteger(n));
    if (!ok) throw new Error(`structured output ${spec.name}(${a.name}=...) must be ${describeType(a.type)}`);
  }
}

function renderCallValue(calls: CallSpec[], value: CallValue): string {
  const spec = calls.find((c) => c.name === value.call);
  if (!spec) throw new Error(`unknown call ${value.call}`);
  const args = spec.args.map((a) => {
    const v = value[a.name];
    const text = a.type === 'str' ? pyStr(String(v)) : a.type === 'bool' ? pyBool(Boolean(v)) : pyIntList(v as number[]);
    return `${a.name}=${text}`;
  });
  return `${spec.name}(${args.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------- builder

/**
 * A step whose output is one Python call from `calls`. `schema` validates the parsed call (flattened as
 * `{ call, ...args }`), so semantic rules (non-empty query, valid result ids) live beside the syntax.
 */
export function pythonCallSpec<T extends { call: string }>(options: {
  name: string;
  /** The variable the prompt assigns, e.g. `action` for `action = Search(...)`. */
  variable: string;
  calls: CallSpec[];
  schema: z.ZodType<T>;
}): OutputSpec<T> {
  const { calls, schema, variable } = options;
  const example = calls
    .map((c) => `${c.name}(${c.args.map((a) => `${a.name}=${a.type === 'str' ? '"..."' : a.type === 'bool' ? 'True' : '[1, 2]'}`).join(', ')})`)
    .join(' or ');
  const render = (value: T): string => renderCallValue(calls, value as unknown as CallValue);
  return {
    name: options.name,
    formatHint: `exactly one line of Python: ${example}`,
    grammar: {
      name: options.name,
      gbnf: buildGbnf(calls),
      jsonSchema: buildJsonSchema(calls),
      fromJson(json: unknown): string {
        const action = (json as { action?: CallValue } | null)?.action;
        if (!action || typeof action.call !== 'string') throw new Error(`structured output for ${options.name} has no action.call`);
        checkJsonArgs(calls, action);
        return renderCallValue(calls, action);
      },
    },
    parse(text: string): ParseResult<T> {
      const line = firstCodeLine(text, variable);
      if (!line) return { ok: false, error: 'the output is empty' };
      let call: CallValue;
      try {
        call = parseCallLine(line, calls);
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
      const checked = schema.safeParse(call);
      if (!checked.success) {
        return { ok: false, error: checked.error.issues.map((i) => `${i.path.join('.') || call.call}: ${i.message}`).join('; ') };
      }
      return { ok: true, value: checked.data };
    },
    render,
  };
}
