/**
 * Greedy completions of one prompt by the embedded ChatModel, without and with a LoRA adapter. Run as its own
 * process (`node_modules/.bin/tsx test/helpers/generate-with-adapter.ts <json>`) because node-llama-cpp is
 * ESM-only and cannot be loaded inside jest. Argument: `{"modelPath","adapter","prompt","maxTokens"?}`.
 * Prints `{"base": text, "adapted": text}` on stdout.
 */
import { LlamaChatModelProvider } from '../../adapters/llm/llama-chat';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as { modelPath: string; adapter: string; prompt: string; maxTokens?: number };
  const provider = new LlamaChatModelProvider({ modelPath: args.modelPath, loraAdapters: [], threads: 1, sequences: 1, contextSize: 512 });
  try {
    const request = { messages: [{ role: 'user' as const, content: args.prompt }], temperature: 0, maxTokens: args.maxTokens ?? 24, stop: ['\n'] };
    const base = await (await provider.get('base')).generate(request);
    const adapted = await (await provider.get(args.adapter)).generate(request);
    process.stdout.write(JSON.stringify({ base: base.text, adapted: adapted.text }) + '\n');
  } finally {
    await provider.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
