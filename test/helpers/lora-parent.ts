/**
 * One local LoRA fine-tune run in this process the way a worker's activity runs it, printing each progress report
 * as a JSON line; for tests that kill this process (its trainer must not outlive it):
 *   node --import tsx test/helpers/lora-parent.ts TRAIN.jsonl OUTPUT_DIR
 */
import path from 'node:path';
import { LocalLoraFineTuner } from '../../adapters/finetune/local-lora';

async function main(): Promise<void> {
  const [trainFile, outputDir] = process.argv.slice(2);
  const tuner = new LocalLoraFineTuner({ baseGguf: path.join(__dirname, '../../models/SmolLM2-135M-Instruct.Q4_1.gguf'), threads: 1 });
  const hyperparameters = { epochs: 1, learningRate: 1e-4, batchSize: 1, loraRank: 4, loraAlpha: 8, maxSteps: 2 };
  await tuner.fineTune(
    { jobKey: 'orphan', baseModel: 'base', trainFile, outputDir, hyperparameters },
    { onProgress: (p) => process.stdout.write(JSON.stringify(p) + '\n'), signal: new AbortController().signal },
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
