/**
 * The declaration of a step's output: the Python calls it may write and their arguments. lib/call-grammar.ts
 * renders it as GBNF and JSON schema, lib/call-parser.ts reads and writes the call line, lib/output-spec.ts builds
 * a step's spec from it. Types only.
 *
 * Several CallSpecs may share a name: they are variants of one call whose arguments go together (a summary's
 * sentence and the result it comes from); an output is valid when some variant admits all of its arguments.
 */

export type ArgType = 'str' | 'bool' | 'int_list';

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Upper bound on a string's length, enforced by the grammars (GBNF and JSON schema). */
  maxChars?: number;
  /** The only values a string may take: enforced by the grammars and the parser. */
  enum?: readonly string[];
  /** The only values an integer list may take (e.g. `[[2]]`): enforced by the grammars and the parser. */
  lists?: readonly (readonly number[])[];
}

export interface CallSpec {
  name: string;
  args: ArgSpec[];
}
