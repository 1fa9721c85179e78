#!/usr/bin/env python3
"""How train_lora.py runs on a device: the dtype of the base weights and the tokens per micro-batch.

Pure (no torch import), so the choice is unit-tested without a GPU:
  python trainer/plan.py --device cuda --memory-gb 80 [--no-bf16] [--micro-batch-tokens N]
prints the plan as JSON.

Measured with train_lora.py on an H200 (1,024 agent steps, mean 1,217 tokens): fp32 with micro-batches of 2,048
tokens ran at 25k tok/s, fp32 with 65,536 at 55k, bf16 base weights with 65,536 at 156k. On a CPU, fp32 and small
micro-batches stay: bf16 matmuls are slow there and memory is shared with the worker.
"""
import argparse, json

CPU_MICRO_BATCH_TOKENS = 2048
GPU_MAX_MICRO_BATCH_TOKENS = 65536
# Activation + gradient memory per padded token for this 135M model (30 layers, width 576), with headroom; the
# H200 run above held 65,536 fp32 tokens per micro-batch.
BYTES_PER_TOKEN = {"bfloat16": 1 << 20, "float32": 2 << 20}
# Share of the device's memory the micro-batch may take (weights, optimizer state and the allocator need the rest).
MEMORY_SHARE = 0.5


def plan(device, total_memory_bytes=None, bf16_supported=True, micro_batch_tokens=None):
    """{dtype, micro_batch_tokens, lora_dtype}: bf16 base weights on CUDA when supported (LoRA weights stay fp32),
    micro-batches sized to the device's memory; fp32 with the small default on a CPU. An explicit
    micro_batch_tokens wins."""
    if device != "cuda":
        return {"device": device, "dtype": "float32", "lora_dtype": "float32",
                "micro_batch_tokens": micro_batch_tokens or CPU_MICRO_BATCH_TOKENS}
    dtype = "bfloat16" if bf16_supported else "float32"
    if micro_batch_tokens is None:
        fit = int((total_memory_bytes or 0) * MEMORY_SHARE) // BYTES_PER_TOKEN[dtype]
        micro_batch_tokens = CPU_MICRO_BATCH_TOKENS
        while micro_batch_tokens * 2 <= min(fit, GPU_MAX_MICRO_BATCH_TOKENS):
            micro_batch_tokens *= 2
    return {"device": device, "dtype": dtype, "lora_dtype": "float32", "micro_batch_tokens": micro_batch_tokens}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", choices=["cpu", "cuda"], required=True)
    p.add_argument("--memory-gb", type=float)
    p.add_argument("--no-bf16", action="store_true")
    p.add_argument("--micro-batch-tokens", type=int)
    a = p.parse_args()
    memory = int(a.memory_gb * (1 << 30)) if a.memory_gb else None
    print(json.dumps(plan(a.device, memory, not a.no_bf16, a.micro_batch_tokens)))
