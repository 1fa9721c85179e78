import { LlamaChatModelProvider } from './adapters/llm/llama-chat';
import { STEPS } from './lib/agent/steps';
(async () => {
  const [seqs, ctx, th] = (process.env.V ?? '2,2048,1').split(',').map(Number);
  const p = new LlamaChatModelProvider({ modelPath: 'models/SmolLM2-135M-Instruct.Q4_1.gguf', loraAdapters: [], sequences: seqs, contextSize: ctx, threads: th });
  const m = await p.get();
  const input = { question: 'Were Scott Derrickson and Ed Wood of the same nationality?', query: 'Scott Derrickson', results: [{ title: 'Scott Derrickson', snippet: 'Scott Derrickson (born July 16, 1966) is an American director, screenwriter and producer. He lives in Los Angeles, California.' }, { title: 'Ed Wood', snippet: 'Edward Davis Wood Jr. (October 10, 1924 – December 10, 1978) was an American filmmaker, actor, writer, producer, and director.' }] };
  const out: string[] = [];
  for (const q of ['Were Scott Derrickson and Ed Wood of the same nationality?', 'Were Scott Derrickson and Ed Wood of the same nationality?', 'Who is older, Scott Derrickson or Ed Wood?']) {
    const prompt = STEPS.summary.render({ ...input, question: q });
    const t = Date.now();
    const r = await m.generate({ messages: [{ role: 'user', content: prompt }], grammar: STEPS.summary.spec.grammar, temperature: 0, maxTokens: 128, stop: ['\n'] });
    out.push(`${Date.now() - t}ms p=${r.promptTokens} c=${r.completionTokens}`);
  }
  console.log(process.env.V, out.join(' | '));
  await p.close();
})();
