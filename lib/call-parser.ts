/**
 * Reads and writes the one-line Python call a step answers with, e.g. `Search(query="...")`, checking call names,
 * argument names, types and enums against the step's `CallSpec`s. Pure.
 */
import type { ArgType, CallSpec } from './call-spec';
import { pyBool, pyIntList, pyStr, readPyStr, PyLiteralError } from './python-literal';

export type ArgValue = string | boolean | number[];
/** A parsed call, flattened: `{ call: 'Search', query: '...' }`. */
export type CallValue = { call: string } & Record<string, ArgValue>;

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
export function parseCallLine(line: string, calls: CallSpec[]): CallValue {
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
  checkAllowedValues(calls.filter((c) => c.name === name), out);
  return out;
}

/** What `variant` does not allow of `value`: one message per argument, with the argument's position. */
function disallowed(variant: CallSpec, value: CallValue): Array<{ at: number; message: string }> {
  const problems: Array<{ at: number; message: string }> = [];
  variant.args.forEach((arg, at) => {
    const v = value[arg.name];
    if (arg.enum && !arg.enum.includes(v as string)) problems.push({ at, message: `${variant.name}(${arg.name}=...) must be one of ${listEnum(arg.enum)}` });
    if (arg.lists && !arg.lists.some((l) => l.length === (v as number[]).length && l.every((n, i) => n === (v as number[])[i]))) {
      problems.push({ at, message: `${variant.name}(${arg.name}=...) must be ${arg.lists.map((l) => pyIntList([...l])).join(' or ')}` });
    }
  });
  return problems;
}

/**
 * Enums and allowed lists: some variant of the call must admit every argument (a summary's sentence and the
 * result it comes from go together). The error names what the closest variant does not admit: the one with the
 * fewest problems, then the one that admits the most leading arguments (the sentence before its result).
 */
function checkAllowedValues(variants: CallSpec[], value: CallValue): void {
  let closest: Array<{ at: number; message: string }> | undefined;
  for (const variant of variants) {
    const problems = disallowed(variant, value);
    if (problems.length === 0) return;
    if (!closest || problems.length < closest.length || (problems.length === closest.length && problems[0].at > closest[0].at)) closest = problems;
  }
  if (closest) throw new PyLiteralError(closest[0].message, 0);
}

/** An enum's values for an error message: the first few, as Python literals. */
function listEnum(values: readonly string[]): string {
  const shown = values.slice(0, 5).map(pyStr).join(', ');
  return values.length > 5 ? `${shown}, ... (${values.length} values)` : shown;
}

export function describeType(type: ArgType): string {
  return type === 'str' ? 'a string' : type === 'bool' ? 'True or False' : 'a list of integers';
}

/**
 * Off-schema JSON (a missing or mistyped argument) must not be rendered as a valid call, e.g. `query="undefined"`.
 * Variants share argument names and types, so the first of a name stands for all.
 */
export function checkJsonArgs(calls: CallSpec[], value: CallValue): void {
  const spec = calls.find((c) => c.name === value.call);
  if (!spec) throw new Error(`unknown call ${value.call}`);
  for (const a of spec.args) {
    const v: unknown = value[a.name];
    const ok =
      a.type === 'str' ? typeof v === 'string' : a.type === 'bool' ? typeof v === 'boolean' : Array.isArray(v) && v.every((n) => Number.isInteger(n));
    if (!ok) throw new Error(`structured output ${spec.name}(${a.name}=...) must be ${describeType(a.type)}`);
  }
}

export function renderCallValue(calls: CallSpec[], value: CallValue): string {
  const spec = calls.find((c) => c.name === value.call);
  if (!spec) throw new Error(`unknown call ${value.call}`);
  const args = spec.args.map((a) => {
    const v = value[a.name];
    const text = a.type === 'str' ? pyStr(String(v)) : a.type === 'bool' ? pyBool(Boolean(v)) : pyIntList(v as number[]);
    return `${a.name}=${text}`;
  });
  return `${spec.name}(${args.join(', ')})`;
}

