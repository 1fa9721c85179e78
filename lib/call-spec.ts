/**
 * The declaration of a step's output: the Python calls it may write and their arguments. lib/call-grammar.ts
 * renders it as GBNF and JSON schema, lib/call-parser.ts reads and writes the call line, lib/output-spec.ts builds
 * a step's spec from it. Types only.
 */

export type ArgType = 'str' | 'bool' | 'int_list';

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Upper bound on a string's length, enforced by the grammars (GBNF and JSON schema). */
  maxChars?: number;
  /** The only values a string may take: enforced by the grammars and the parser. */
  enum?: readonly string[];
}

export interface CallSpec {
  name: string;
  args: ArgSpec[];
}
