/**
 * One greedy step by the embedded ChatModel (node-llama-cpp), with the step's grammar, token budget and stop string
 * as the activity sends them. Run as its own process (`node_modules/.bin/tsx test/helpers/embedded-step-output.ts <json>`)
 * because node-llama-cpp is ESM-only and cannot be loaded inside jest. Argument: `{"modelPath","kind","prompt"}`,
 * and the step's `input` (with `grounding`, default "evidence") for the grammar built from it.
 * Prints `{"text": ...}` on stdout.
 */
import { LlamaChatModelProvider } from '../../adapters/llm/llama-chat';
import { specFor, stepDefinition, SYSTEM_PROMPT } from '../../lib/agent/steps';
import type { Grounding, StepKind } from '../../lib/agent/types';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as { modelPath: string; kind: StepKind; prompt: string; input?: unknown; grounding?: Grounding };
  const def = stepDefinition(args.kind);
  // With the step's input, the grammar the activity builds for it (per call under "evidence" grounding).
  const grammar = args.input === undefined ? def.spec.grammar : specFor(args.kind, args.input as never, args.grounding ?? 'evidence').grammar;
  const provider = new LlamaChatModelProvider({ modelPath: args.modelPath, loraAdapters: [], threads: 1, sequences: 1, contextSize: 4096 });
  try {
    const result = await (await provider.get()).generate({
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: args.prompt },
      ],
      grammar,
      temperature: 0,
      maxTokens: def.maxTokens,
      stop: ['\n'],
    });
    process.stdout.write(JSON.stringify({ text: result.text }) + '\n');
  } finally {
    await provider.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
