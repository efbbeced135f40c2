#!/usr/bin/env python3
"""PyTorch CPU peer of `npm run bench` (train.samples). Run with Debian's interpreter: /usr/bin/python3.

The same curator MLP as src/train/model.ts ([F -> 64 -> 64 -> 4], ReLU, Glorot-uniform kernels, zero biases),
the same masked log-softmax cross-entropy against soft targets as the `bc` algorithm, the same Adam
(lr 2e-3, betas 0.9/0.999, eps 1e-7 as tf.train.adam), the same batch size, and the same per-batch work as
src/train/loop.ts: gather a shuffled minibatch of rows, forward, backward, step, read the loss back as a
number. One "run" is one epoch over --rows rows.

Modes:
  default   warm up, then --runs epochs; prints one JSON line {"samplesPerSec": [...], ...}.
  --serve   warm up, print {"ready": true, ...}; then one epoch per "run" line on stdin, printing
            {"samplesPerSec": x, "cpuSamplesPerSec": y} for each (so the bench can interleave with ours).
"""
import argparse
import json
import sys
import time

import torch


def loaded_blas() -> str:
    """Which BLAS library this process mapped: Debian's torch calls whatever libblas.so.3 points at."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    if "openblas" in maps:
        return "openblas"
    if "libblis" in maps:
        return "blis"
    if "libmkl" in maps:
        return "mkl"
    if "blas/libblas.so" in maps or "libblas.so" in maps:
        return "reference"
    return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=22)
    ap.add_argument("--hidden", type=str, default="64,64")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--rows", type=int, default=32768, help="rows in the synthetic training set (one run = one epoch)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed epochs before the first run")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads (ours trains on one core)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--serve", action="store_true")
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
    mask = (torch.rand(a.rows, 4) < 0.9).float()
    mask[:, 0] = 1.0
    target = torch.softmax(torch.randn(a.rows, 4), dim=1) * mask
    target = target / target.sum(dim=1, keepdim=True)
    g = torch.Generator().manual_seed(a.seed)

    def epoch() -> tuple[float, float]:
        order = torch.randperm(a.rows, generator=g)
        t0, c0 = time.perf_counter(), time.process_time()
        for b in range(0, a.rows, a.batch):
            idx = order[b : b + a.batch]
            xb, mb, tb = x[idx], mask[idx], target[idx]
            logits = model(xb) + (1.0 - mb) * -1e9
            loss = -(tb * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss.item()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return a.rows / wall, a.rows / max(cpu, 1e-9)

    for _ in range(a.warmup):
        epoch()
    meta = {"threads": torch.get_num_threads(), "torch": torch.__version__, "blas": loaded_blas()}
    if a.serve:
        print(json.dumps({"ready": True, **meta}), flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                continue
            wall, cpu = epoch()
            print(json.dumps({"samplesPerSec": wall, "cpuSamplesPerSec": cpu}), flush=True)
        return
    runs = [epoch() for _ in range(a.runs)]
    print(json.dumps({"samplesPerSec": [r[0] for r in runs], "cpuSamplesPerSec": [r[1] for r in runs], **meta}))


if __name__ == "__main__":
    main()
