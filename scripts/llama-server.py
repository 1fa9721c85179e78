#!/usr/bin/env python3
"""A llama.cpp HTTP server (OpenAI-compatible: /v1/models, /v1/completions, /v1/chat/completions) for a GGUF model,
from the PyPI wheel xllamacpp (pinned in requirements/llama-server.txt, installed into .venv by `npm run setup`).

    .venv/bin/python scripts/llama-server.py                      # the embedded model on http://127.0.0.1:8080/v1
    .venv/bin/python scripts/llama-server.py --port 0 --exit-on-stdin-eof   # what the tests run

Prints `listening http://HOST:PORT` on stdout once the model is loaded and the server answers, then serves until
SIGINT/SIGTERM (or, with --exit-on-stdin-eof, until its parent closes stdin, so it never outlives a test run).
"""
import argparse
import os
import signal
import sys
import threading

# OpenMP's default spin-wait starves a busy machine (1 token/s instead of 45 on 2 shared cores); it must be set
# before the library loads.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import xllamacpp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    parser.add_argument("--alias", default="smollm2", help="the model name clients send (llm.model)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--ctx", type=int, default=8192, help="tokens of context, shared by the slots")
    parser.add_argument("--parallel", type=int, default=2, help="requests served at once (slots)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    args = parser.parse_args()
    if not os.path.isfile(args.model):
        sys.exit(f"model file not found: {args.model} (run `npm run setup`, or pass --model)")

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.kv_unified = True  # one KV cache for all slots, so a long prompt fits whichever slot takes it
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    server = xllamacpp.Server(params)  # returns once the model is loaded and the server listens
    print(f"listening {server.listening_address}", flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    if args.exit_on_stdin_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    while not done.wait(1):
        pass
    # The server's threads are not daemons; leave without waiting for them.
    os._exit(0)


if __name__ == "__main__":
    main()
