/** The trainer's device plan (trainer/plan.py): bf16 and memory-sized micro-batches on CUDA, fp32 on a CPU. */
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const ROOT = path.join(__dirname, '../..');
const PYTHON = path.join(ROOT, '.venv/bin/python');

function plan(...args: string[]): { device: string; dtype: string; lora_dtype: string; micro_batch_tokens: number } {
  return JSON.parse(execFileSync(PYTHON, [path.join(ROOT, 'trainer/plan.py'), ...args], { encoding: 'utf8' }));
}

test('on a CPU: fp32 and 2,048-token micro-batches', () => {
  expect(plan('--device', 'cpu')).toEqual({ device: 'cpu', dtype: 'float32', lora_dtype: 'float32', micro_batch_tokens: 2048 });
});

test('on CUDA: bf16 base weights, fp32 LoRA, micro-batches sized to the device memory (capped at 65,536 tokens)', () => {
  expect(plan('--device', 'cuda', '--memory-gb', '80')).toEqual({ device: 'cuda', dtype: 'bfloat16', lora_dtype: 'float32', micro_batch_tokens: 32768 });
  expect(plan('--device', 'cuda', '--memory-gb', '139')).toMatchObject({ dtype: 'bfloat16', micro_batch_tokens: 65536 });
  expect(plan('--device', 'cuda', '--memory-gb', '16')).toMatchObject({ micro_batch_tokens: 8192 });
  expect(plan('--device', 'cuda', '--memory-gb', '1')).toMatchObject({ micro_batch_tokens: 2048 });
});

test('on CUDA without bf16: fp32 with half the tokens per micro-batch; an explicit size wins', () => {
  expect(plan('--device', 'cuda', '--memory-gb', '80', '--no-bf16')).toMatchObject({ dtype: 'float32', micro_batch_tokens: 16384 });
  expect(plan('--device', 'cuda', '--memory-gb', '80', '--micro-batch-tokens', '4096')).toMatchObject({ dtype: 'bfloat16', micro_batch_tokens: 4096 });
});
