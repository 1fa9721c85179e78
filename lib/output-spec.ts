/**
 * Output specs: one declaration per LLM step from which its grammar (GBNF for llama.cpp and vLLM, JSON schema
 * for structured outputs), its strict parser and its canonical rendering are all derived, so they cannot drift.
 * The grammars are rendered in lib/call-grammar.ts, the call line is read and written in lib/call-parser.ts.
 *
 * Agent steps answer with one Python call, e.g. `Search(query="...")` or `Check_Answer(passed=True)`. A spec's
 * parser reads that line as a completion wrote it, as a chat model wrote it (inside a code fence, after
 * `action = `), or as JSON from JSON-schema decoding; all three give the same typed value.
 */
import { z } from 'zod';
import type { ArgSpec, CallSpec } from './call-spec';
export type { ArgSpec, ArgType, CallSpec } from './call-spec';
import { buildGbnf, buildJsonSchema, finiteLines } from './call-grammar';
import { CallValue, checkJsonArgs, parseCallLine, renderCallValue } from './call-parser';
import { pyIntList, pyStr } from './python-literal';

/** What a model adapter needs to constrain decoding. Plain data plus one pure function. */
export interface OutputGrammar {
  name: string;
  /** llama.cpp GBNF; the root rule ends with a newline. */
  gbnf: string;
  /** An object JSON schema for servers with JSON-schema structured outputs (OpenAI `response_format`). */
  jsonSchema: Record<string, unknown>;
  /** Turns a JSON reply that follows `jsonSchema` into the text the parser reads. */
  fromJson(value: unknown): string;
  /** Every line `gbnf` admits (without its newline), when they are few: a model may score them instead (ChatModel.score). */
  choices?: string[];
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface OutputSpec<T> {
  name: string;
  grammar: OutputGrammar;
  /** A short description of the expected output, used in repair hints. */
  formatHint: string;
  /** Reads the output text, or a JSON reply that follows `grammar.jsonSchema`, into the typed value. */
  parse(text: string): ParseResult<T>;
  /** The canonical output text for a value (few-shot examples, fine-tuning targets). */
  render(value: T): string;
}

// ---------------------------------------------------------------------------------------------- reading model text

/** A model's output quoted for an error message: JSON-escaped, at most `max` characters. */
export function quoteOutput(text: string, max = 200): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}... (${text.length} characters)`;
}

const FENCE = /^```/;

/**
 * The line a model wrote: the first non-empty line inside the first Markdown code fence that holds one, else
 * the first non-empty line that is not a fence; without inline backticks or a repeated `name = `.
 */
export function firstCodeLine(text: string, variable?: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const open = lines.findIndex((l) => FENCE.test(l));
  let line = '';
  if (open >= 0) {
    const close = lines.findIndex((l, i) => i > open && FENCE.test(l));
    line = lines.slice(open + 1, close < 0 ? undefined : close).find((l) => l) ?? '';
  }
  if (!line) line = lines.find((l) => l && !FENCE.test(l)) ?? '';
  const inline = /^`([^`]+)`$/.exec(line);
  if (inline) line = inline[1].trim();
  if (variable && line.startsWith(variable)) line = line.replace(new RegExp(`^${variable}\\s*(?::[^=]*)?=\\s*`), '');
  return line;
}

/** Why no code line was found: nothing at all, or something that is not code (shown, truncated). */
export function noCodeLine(text: string): string {
  return text.trim() ? `the output has no line of code: ${quoteOutput(text)}` : 'the output is empty';
}

/** The JSON text of a structured output, unwrapped from an optional code fence; undefined when it is not JSON. */
function jsonText(text: string): string | undefined {
  let t = text.trim();
  const fenced = /^```[A-Za-z]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/.exec(t);
  if (fenced) t = fenced[1].trim();
  return t.startsWith('{') ? t : undefined;
}

/**
 * The spec, with a parser that also reads JSON replies (JSON-schema decoding) through `grammar.fromJson`, so both
 * decoding paths give the same typed value. Unambiguous: no text form of an output starts with `{`.
 */
export function acceptingJson<T>(spec: OutputSpec<T>): OutputSpec<T> {
  return {
    ...spec,
    parse(text: string): ParseResult<T> {
      const json = jsonText(text);
      if (json === undefined) return spec.parse(text);
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch (err) {
        return { ok: false, error: `the output is not valid JSON (${(err as Error).message}): ${quoteOutput(json)}` };
      }
      let canonical: string;
      try {
        canonical = spec.grammar.fromJson(value);
      } catch (err) {
        return { ok: false, error: `${(err as Error).message}: ${quoteOutput(json)}` };
      }
      return spec.parse(canonical);
    },
  };
}

// ---------------------------------------------------------------------------------------------- builder

function exampleArg(a: ArgSpec): string {
  if (a.type === 'bool') return 'True';
  if (a.type === 'int_list') return a.lists?.length ? pyIntList([...a.lists[0]]) : '[1, 2]';
  return a.enum?.length ? pyStr(a.enum[0]) : '"..."';
}

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
  // One example per call name: variants of a call differ only in their allowed values.
  const firsts = calls.filter((c, i) => calls.findIndex((d) => d.name === c.name) === i);
  const example = firsts.map((c) => `${c.name}(${c.args.map((a) => `${a.name}=${exampleArg(a)}`).join(', ')})`).join(' or ');
  const render = (value: T): string => renderCallValue(calls, value as unknown as CallValue);
  return acceptingJson({
    name: options.name,
    formatHint: `exactly one line of Python: ${example}`,
    grammar: {
      name: options.name,
      gbnf: buildGbnf(calls),
      jsonSchema: buildJsonSchema(calls),
      choices: finiteLines(calls),
      fromJson(json: unknown): string {
        const action = (json as { action?: CallValue } | null)?.action;
        if (!action || typeof action.call !== 'string') throw new Error(`structured output for ${options.name} has no action.call`);
        checkJsonArgs(calls, action);
        return renderCallValue(calls, action);
      },
    },
    parse(text: string): ParseResult<T> {
      const line = firstCodeLine(text, variable);
      if (!line) return { ok: false, error: noCodeLine(text) };
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
  });
}
