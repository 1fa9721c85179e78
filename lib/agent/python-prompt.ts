/**
 * Building blocks for prompts written as Python programs: the task docstring, dataclass declarations,
 * typed global assignments, and the final partial line the model completes. All untrusted text goes
 * through `pyStr`, so it can never change the program's structure.
 */
import { pyStr } from '../python-literal';

export const END_MARKER = '# [END]';

export interface DataclassField {
  name: string;
  type: string;
}

export interface Dataclass {
  name: string;
  doc: string;
  fields: DataclassField[];
}

export function renderDataclass(cls: Dataclass): string {
  const body = [`  """${cls.doc}"""`, ...cls.fields.map((f) => `  ${f.name}: ${f.type}`)];
  return ['@dataclasses.dataclass', `class ${cls.name}:`, ...body].join('\n');
}

export type PyValue = string | number | boolean | PyCall | PyValue[];

/** A constructor call such as `PastAction(query="...", knowledge="...")`. */
export interface PyCall {
  call: string;
  args: Array<[string, PyValue]>;
}

export function renderValue(value: PyValue, indent = ''): string {
  if (typeof value === 'string') return pyStr(value);
  if (typeof value === 'number') return String(Math.trunc(value));
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return '[\n' + value.map((v) => inner + renderValue(v, inner) + ',').join('\n') + '\n' + indent + ']';
  }
  return `${value.call}(${value.args.map(([k, v]) => `${k}=${renderValue(v, indent)}`).join(', ')})`;
}

export interface Assignment {
  name: string;
  type: string;
  value: PyValue;
}

export function renderAssignments(assignments: Assignment[]): string {
  return assignments.map((a) => `${a.name}: ${a.type} = ${renderValue(a.value)}`).join('\n');
}

export interface ProgramParts {
  /** What the program does; the first thing the model reads. */
  doc: string;
  classes: Dataclass[];
  /** Worked examples: the state, then the completed output line, then the end marker. */
  examples: Array<{ state: Assignment[]; output: string }>;
  /** The state of the task at hand. */
  state: Assignment[];
  /** The variable the model's line assigns, e.g. `action`. */
  outputVariable: string;
  /** Extra comment lines just before the final line (repair hints). */
  notes?: string[];
}

/**
 * The whole prompt. The stable part (doc, classes, examples) comes first so a model server can cache it;
 * the task's state and the open line `<outputVariable> =` come last.
 */
export function renderProgram(parts: ProgramParts): string {
  const header = [
    `"""${parts.doc}"""`,
    'import dataclasses',
    'from typing import List',
    '',
    ...parts.classes.flatMap((c) => ['', renderDataclass(c), '']),
  ].join('\n');
  const examples = parts.examples.map(
    (ex, i) => [`# Task ${i + 1}`, renderAssignments(ex.state), `${parts.outputVariable} = ${ex.output}`, END_MARKER].join('\n'),
  );
  const current = [
    `# Task ${parts.examples.length + 1}`,
    renderAssignments(parts.state),
    // A note quotes model output: control characters (NUL is a syntax error anywhere in Python source) and
    // line breaks become spaces, so each note stays one comment line.
    ...(parts.notes ?? []).map((n) => `# ${n.replace(/[\x00-\x1f\x7f\u0085\u2028\u2029]+/g, ' ')}`),
    // No space after "=": the model writes it (COMPLETION_LEAD in lib/call-grammar.ts) as part of its first token.
    `${parts.outputVariable} =`,
  ].join('\n');
  return [header, ...examples, current].join('\n\n');
}
