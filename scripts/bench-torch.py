#!/usr/bin/env python3
"""PyTorch CPU peer of `npm run bench` (train.samples).

The same curator MLP as src/train/model.ts ([F -> 64 -> 64 -> 4], ReLU, Glorot-uniform kernels, zero biases),
the same masked log-softmax cross-entropy against soft targets as the `bc` algorithm, the same Adam
(lr 2e-3, betas 0.9/0.999, eps 1e-7 as tf.train.adam), the same batch size and the same per-batch work as our
loop: gather a shuffled minibatch of rows, forward, backward, step, read the loss back as a number.

Prints one JSON line: {"samplesPerSec": [wall-clock rate per run], "cpuSamplesPerSec": [the same per CPU
second], "threads": N, "torch": version}.
"""
import argparse
import json
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=22)
    ap.add_argument("--hidden", type=str, default="64,64")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--rows", type=int, default=16384, help="rows in the synthetic training set")
    ap.add_argument("--steps", type=int, default=400, help="optimizer steps per timed run")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=50, help="untimed steps before the first run")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads (ours runs on one core)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    hidden = [int(h) for h in a.hidden.split(",") if h]
    layers: list[torch.nn.Module] = []
    width = a.features
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, 4))
    model = torch.nn.Sequential(*layers)
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-7)

    x = torch.randn(a.rows, a.features)
    mask = torch.ones(a.rows, 4)
    target = torch.softmax(torch.randn(a.rows, 4), dim=1)
    g = torch.Generator().manual_seed(a.seed)

    def batches():
        while True:
            order = torch.randperm(a.rows, generator=g)
            for b in range(0, a.rows - a.batch + 1, a.batch):
                yield order[b : b + a.batch]

    it = batches()

    def step() -> float:
        idx = next(it)
        xb, mb, tb = x[idx], mask[idx], target[idx]
        logits = model(xb) + (1.0 - mb) * -1e9
        loss = -(tb * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    rates, cpu_rates = [], []
    for _ in range(a.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(a.steps):
            step()
        rates.append(a.steps * a.batch / (time.perf_counter() - t0))
        cpu_rates.append(a.steps * a.batch / max(1e-9, time.process_time() - c0))
    print(json.dumps({"samplesPerSec": rates, "cpuSamplesPerSec": cpu_rates, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
