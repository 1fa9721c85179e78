#!/usr/bin/env python3
"""LoRA fine-tuning of the embedded GGUF model for restact's local FineTuner (adapters/finetune/local-lora.ts).

Reads chat JSONL (`{"messages": [...]}` per line, the OpenAI fine-tuning format) and trains a PEFT LoRA on
q_proj/v_proj of the model that transformers dequantizes from the GGUF. The embedded ChatModel is a raw
completion of the last user message, so an example is trained exactly as it is used: input = that message's
content, target = the assistant content + "\\n" (the model writes one line, then the newline that stops it),
loss on the target tokens only.

stdout carries one JSON object per line (start, step, checkpoint, validation, converting, done) for the
supervising process; everything libraries print goes to stderr.

Outputs in --out DIR:
  checkpoint/state.pt  LoRA weights + optimizer + step + losses, every --checkpoint-every steps and at the end; a
                       rerun with the same arguments resumes from it (a retried activity continues, not restarts)
  peft/                the final PEFT adapter folder (what vLLM loads), also usable as --init-adapter
  adapter.gguf         the same LoRA as a llama.cpp adapter (what node-llama-cpp loads)
  done.json            written last: the result, the arguments and the data hashes it was made from
"""
import argparse, hashlib, json, math, os, sys, time

# Keep stdout for the JSON protocol: anything a library prints goes to stderr.
_PROTOCOL = sys.stdout
sys.stdout = sys.stderr


def emit(event, **fields):
    _PROTOCOL.write(json.dumps({"event": event, **fields}) + "\n")
    _PROTOCOL.flush()


class DataError(Exception):
    """Bad input (data, arguments): a retry cannot fix it, so the process exits with status 2."""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-gguf", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--validation")
    p.add_argument("--out", required=True)
    p.add_argument("--init-adapter", help="a PEFT adapter folder to continue training (a previous round's peft/); its rank and alpha win")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16)
    p.add_argument("--max-steps", type=int)
    p.add_argument("--max-length", type=int, default=1024, help="tokens per example; longer prompts lose their start")
    p.add_argument("--micro-batch-tokens", type=int,
                   help="padded tokens per forward pass; bounds memory, not the result (gradients accumulate); "
                        "default: sized to the device (trainer/plan.py)")
    p.add_argument("--checkpoint-every", type=int, default=10)
    p.add_argument("--threads", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--exit-on-stdin-eof", action="store_true",
                   help="exit when stdin ends: the supervising worker holds it open, so its death (kill -9 included) ends the run")
    return p.parse_args()


def exit_when_stdin_ends():
    """An orphaned trainer (its worker killed) must not train on beside the retry's: it exits once stdin ends."""
    import threading

    def watch():
        # os.read on the descriptor, not sys.stdin.buffer: a daemon thread blocked inside the buffered reader holds
        # its lock, and the interpreter's shutdown then aborts (SIGABRT) a trainer that finished its work.
        fd = sys.stdin.fileno()
        try:
            while os.read(fd, 1 << 16):
                pass
        finally:
            os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def hold_run_lock(out):
    """One trainer per output folder at a time: another one waits here until the first has exited, however it ended
    (the OS releases the lock with the process). Returns the open lock file, to keep for the run's lifetime."""
    try:
        import fcntl
    except ImportError:  # no advisory locks (Windows): exit_when_stdin_ends still ends orphans
        return None
    f = open(os.path.join(out, "trainer.lock"), "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        emit("waiting", reason="another trainer is still running in this output folder")
        fcntl.flock(f, fcntl.LOCK_EX)
    return f


def sha256(path):
    if not path:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def identity(args):
    """What a checkpoint or a finished run was made from: only a run with the same identity may reuse it.
    Thread count and memory knobs change speed, not the result, so they are left out; so is the dtype, which
    follows the device (a run killed on a GPU may finish on a CPU and stays a valid continuation)."""
    keys = ["base_gguf", "train", "validation", "init_adapter", "epochs", "lr", "batch_size", "rank", "alpha",
            "max_steps", "max_length", "seed"]
    ident = {k: getattr(args, k) for k in keys}
    ident["train_sha256"] = sha256(args.train)
    ident["validation_sha256"] = sha256(args.validation)
    return ident


def read_examples(path):
    """(prompt, target) texts per line: the last user message, and the last assistant message + "\\n". Read
    before torch loads, so bad data fails in a second, not after the model has loaded."""
    examples = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                messages = json.loads(line)["messages"]
                user = [m["content"] for m in messages if m["role"] == "user"]
                assistant = [m["content"] for m in messages if m["role"] == "assistant"]
            except (ValueError, KeyError, TypeError) as e:
                raise DataError(f"{path}:{n}: not a chat example ({e!r})")
            if not user or not assistant:
                raise DataError(f"{path}:{n}: an example needs a user and an assistant message")
            examples.append((user[-1], assistant[-1] + "\n"))
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples


def tokenize(examples, tokenizer, max_length):
    """Token ids (prompt, target), tokenized apart as at inference: llama.cpp tokenizes the prompt alone (no BOS
    for this model, special-token text kept as plain text) and then generates the target."""
    enc = lambda s: tokenizer(s, add_special_tokens=False, split_special_tokens=True)["input_ids"]
    out = []
    for prompt_text, target_text in examples:
        prompt, target = enc(prompt_text), enc(target_text)[:max_length]
        # Over-long: drop the start of the prompt. Its end (the step being decided) matters most.
        keep = max_length - len(target)
        out.append((prompt[len(prompt) - keep:] if keep > 0 else [], target))
    return out


def target_token_loss(lm, examples, device, micro_batch_tokens, on_micro_batch=None):
    """Summed cross-entropy over target tokens, and their count. The LM head runs only on the positions that
    predict a target token: with long prompts and one-line targets that skips nearly all of the 49k-wide logits.
    `on_micro_batch(examples_done)` is called after each micro-batch (progress for long validations)."""
    import torch
    import torch.nn.functional as F
    total, count, done = 0.0, 0, 0
    for micro in micro_batches(examples, micro_batch_tokens):
        width = max(len(p) + len(t) for p, t in micro)
        ids = torch.full((len(micro), width), 0, dtype=torch.long)
        mask = torch.zeros((len(micro), width), dtype=torch.long)
        labels = torch.full((len(micro), width), -100, dtype=torch.long)
        for i, (p, t) in enumerate(micro):
            seq = p + t
            ids[i, :len(seq)] = torch.tensor(seq)
            mask[i, :len(seq)] = 1
            labels[i, len(p):len(seq)] = torch.tensor(t)
        ids, mask, labels = ids.to(device), mask.to(device), labels.to(device)
        hidden = lm.model(input_ids=ids, attention_mask=mask).last_hidden_state
        # Position j predicts token j+1.
        next_labels = labels[:, 1:]
        select = next_labels != -100
        logits = lm.lm_head(hidden[:, :-1][select]).float()
        loss = F.cross_entropy(logits, next_labels[select], reduction="sum")
        total = total + loss
        count += int(select.sum())
        done += len(micro)
        if on_micro_batch:
            on_micro_batch(done)
    return total, count


def micro_batches(examples, budget):
    """Consecutive groups whose padded size stays within `budget` tokens (at least one example each)."""
    group, width = [], 0
    for ex in examples:
        w = max(width, len(ex[0]) + len(ex[1]))
        if group and w * (len(group) + 1) > budget:
            yield group
            group, w = [], len(ex[0]) + len(ex[1])
        group.append(ex)
        width = w
    if group:
        yield group


def permute_rows(w, n_head):
    """llama.cpp stores q/k projections with rows permuted for its RoPE layout (convert_hf_to_gguf's permute);
    transformers undoes it when reading the GGUF. A LoRA delta B·A lives in transformers' layout, so B's rows
    (the output dimension) get the same permutation again for llama.cpp."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf_adapter(peft_model, config, alpha, path):
    import gguf
    from peft import get_peft_model_state_dict
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    writer = gguf.GGUFWriter(path + ".tmp", "llama")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    for key, tensor in get_peft_model_state_dict(peft_model).items():
        # base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight -> model.layers.0.self_attn.q_proj.weight
        module, kind = key.removeprefix("base_model.model.").rsplit(".lora_", 1)
        name = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if name is None:
            raise ValueError(f"no llama.cpp tensor for {key}")
        w = tensor.detach().float().cpu().numpy()
        if kind.startswith("B") and ".q_proj" in module:
            w = permute_rows(w, config.num_attention_heads)
        elif kind.startswith("B") and ".k_proj" in module:
            w = permute_rows(w, config.num_key_value_heads)
        writer.add_tensor(name + ".lora_" + kind[0].lower(), w)  # e.g. blk.0.attn_q.weight.lora_a
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(path + ".tmp", path)


def _cuda_info():
    """{memory, bf16} of the first CUDA device, or None. Imports torch (the caller loads it next anyway)."""
    import torch
    if not torch.cuda.is_available():
        return None
    return {"memory": torch.cuda.get_device_properties(0).total_memory, "bf16": torch.cuda.is_bf16_supported()}


def main():
    args = parse_args()
    args.base_gguf, args.train, args.out = map(os.path.abspath, (args.base_gguf, args.train, args.out))
    args.validation = args.validation and os.path.abspath(args.validation)
    args.init_adapter = args.init_adapter and os.path.abspath(args.init_adapter)
    os.makedirs(args.out, exist_ok=True)
    if args.exit_on_stdin_eof:
        exit_when_stdin_ends()
    lock = hold_run_lock(args.out)  # noqa: F841 (held until the process exits)
    for label, p in [("base GGUF", args.base_gguf), ("training file", args.train), ("validation file", args.validation),
                     ("init adapter config", args.init_adapter and os.path.join(args.init_adapter, "adapter_config.json"))]:
        if p and not os.path.exists(p):
            raise FileNotFoundError(f"{label} not found: {p}")
    ident = identity(args)
    train_text = read_examples(args.train)
    validation_text = read_examples(args.validation) if args.validation else None
    done_path = os.path.join(args.out, "done.json")
    if os.path.exists(done_path):
        with open(done_path) as f:
            done = json.load(f)
        if done.get("identity") == ident and os.path.exists(done["gguf_adapter"]):
            emit("done", cached=True, **{k: v for k, v in done.items() if k != "identity"})
            return

    # Idle OpenMP threads sleep instead of spinning. With spinning, one other busy process on a small machine
    # stalls every parallel op on a descheduled thread: measured 9 s instead of 0.7 s per forward on 2 cores.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging
    from peft import LoraConfig, PeftModel, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    hf_logging.disable_progress_bar()  # progress bars would crowd out the stderr tail kept for error reports

    if args.threads:
        torch.set_num_threads(args.threads)
    import plan as device_plan
    cuda = _cuda_info()
    chosen = device_plan.plan("cuda" if cuda else "cpu", cuda and cuda["memory"], bool(cuda and cuda["bf16"]),
                              args.micro_batch_tokens)
    args.dtype, args.micro_batch_tokens = chosen["dtype"], chosen["micro_batch_tokens"]
    torch.manual_seed(args.seed)  # the LoRA A init
    device = chosen["device"]
    emit("loading", device=device, dtype=args.dtype, micro_batch_tokens=args.micro_batch_tokens)
    folder, file = os.path.split(args.base_gguf)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=file)
    # The GGUF is dequantized anyway: fp32 on a CPU; bf16 base weights on a GPU (about 3x the throughput), with
    # the LoRA weights, their gradients and the optimizer state in fp32.
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=file, dtype=getattr(torch, args.dtype))
    model.config.use_cache = False
    if args.init_adapter:
        model = PeftModel.from_pretrained(model, args.init_adapter, is_trainable=True)
    else:
        lora = LoraConfig(r=args.rank, lora_alpha=args.alpha, target_modules=["q_proj", "v_proj"],
                          lora_dropout=0.0, bias="none", task_type="CAUSAL_LM")  # no dropout: steps replay exactly
        model = get_peft_model(model, lora)
    for p in model.parameters():
        if p.requires_grad:
            p.data = p.data.float()
    model.to(device)
    lm = model.get_base_model()  # LoRA layers are injected in place, so this runs with them

    train = tokenize(train_text, tokenizer, args.max_length)
    validation = tokenize(validation_text, tokenizer, args.max_length) if validation_text else None
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)

    params = [p for p in model.parameters() if p.requires_grad]
    # Constant learning rate, no weight decay: short runs, and a resumed run needs no schedule state.
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    step, train_loss, validation_loss = 0, [], None
    ckpt_dir = os.path.join(args.out, "checkpoint")
    ckpt_path = os.path.join(ckpt_dir, "state.pt")
    if os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location=device, weights_only=False)
        if state["identity"] == ident:
            set_peft_model_state_dict(model, state["adapter"])
            optimizer.load_state_dict(state["optimizer"])
            step, train_loss = state["step"], state["train_loss"]
            validation_loss = state.get("validation_loss")
        else:
            emit("checkpoint_ignored", reason="made from other arguments or data")
    emit("start", total_steps=total_steps, resumed_from_step=step, examples=len(train), device=device)

    def save_checkpoint():
        os.makedirs(ckpt_dir, exist_ok=True)
        state = {"identity": ident, "step": step, "train_loss": train_loss, "validation_loss": validation_loss,
                 "adapter": get_peft_model_state_dict(model), "optimizer": optimizer.state_dict()}
        torch.save(state, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)  # a kill mid-write leaves the previous checkpoint intact
        emit("checkpoint", step=step, path=ckpt_path)

    model.train()
    order, order_epoch = None, -1
    while step < total_steps:
        epoch, index = divmod(step, steps_per_epoch)
        if epoch != order_epoch:
            # The order of an epoch depends only on (seed, epoch), so a resumed run sees the same batches.
            g = torch.Generator().manual_seed(args.seed * 100003 + epoch)
            order, order_epoch = torch.randperm(len(train), generator=g).tolist(), epoch
        batch = [train[i] for i in order[index * args.batch_size:(index + 1) * args.batch_size]]
        started = time.time()
        optimizer.zero_grad(set_to_none=True)
        n_target = sum(len(t) for _, t in batch)
        total = 0.0
        for micro in micro_batches(batch, args.micro_batch_tokens):
            loss_sum, _ = target_token_loss(lm, micro, device, args.micro_batch_tokens)
            (loss_sum / n_target).backward()  # mean over the whole batch's target tokens
            total += float(loss_sum.detach())
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        step += 1
        train_loss.append(total / n_target)
        emit("step", step=step, total_steps=total_steps, loss=train_loss[-1], seconds=round(time.time() - started, 3))
        if step % args.checkpoint_every == 0 or step == total_steps:
            save_checkpoint()  # the last one too: a kill during validation or conversion need not retrain

    if validation and validation_loss is None:
        # Progress per micro-batch, so a long validation cannot outlast the activity's heartbeat timeout; the
        # result is checkpointed, so a retry (say after a kill during conversion) does not validate again.
        model.eval()
        with torch.no_grad():
            loss_sum, count = target_token_loss(
                lm, validation, device, args.micro_batch_tokens,
                lambda done: emit("validating", done=done, total=len(validation)))
        validation_loss = float(loss_sum) / count
        save_checkpoint()
    if validation_loss is not None:
        emit("validation", loss=validation_loss)

    emit("converting", stage="peft")
    peft_dir = os.path.join(args.out, "peft")
    model.save_pretrained(peft_dir)
    emit("converting", stage="gguf")
    gguf_path = os.path.join(args.out, "adapter.gguf")
    write_gguf_adapter(model, lm.config, model.peft_config["default"].lora_alpha, gguf_path)
    result = {"train_loss": train_loss, "validation_loss": validation_loss, "peft_dir": peft_dir,
              "gguf_adapter": gguf_path, "steps": step}
    with open(done_path + ".tmp", "w") as f:
        json.dump({**result, "identity": ident}, f, indent=2)
    os.replace(done_path + ".tmp", done_path)
    emit("done", cached=False, **result)


if __name__ == "__main__":
    try:
        main()
    except (DataError, FileNotFoundError) as e:
        print(f"train_lora: {e}", file=sys.stderr)
        emit("error", message=str(e))
        sys.exit(2)
