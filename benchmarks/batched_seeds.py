"""Several seeds of one small network at once: are they faster as one batched model (``torch.func``)?

    python benchmarks/batched_seeds.py [--quick] [--seeds 3] [--out build/bench/batched_seeds.json]

The synthetic experiments' network: SimVAE with the vector MLP (10 → 256 ×3 → 2d encoder, d → 256 ×3 → 10
decoder, d = 4), Gaussian likelihood, 512 groups × 2 views per step, Adam. Three ways to train S seeds:

- ``separate``: S runs one after the other, each a plain loop (what a notebook cell does today);
- ``separate_1_thread``: the same with one torch thread (what each notebook gets under ``--jobs 2``);
- ``batched``: the S models' parameters stacked (``torch.func.stack_module_state``), the step ``vmap``-ed
  over seeds, one Adam over the stacked tensors (Adam is elementwise, so each seed's update is its own).

Each seed draws its own initial weights, batch order and noise from its own generator in every variant,
so the batched run is the separate runs to float tolerance: the JSON reports the largest parameter
difference after the timed steps. Times are interleaved over rounds, best kept; quote the ratios.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from pathlib import Path

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from simvae_core import repro
from simvae_core.learning.nets import build_decoder, build_encoder

D_X, D_Z, BATCH, J, SIGMA2 = 10, 4, 512, 2, 0.15


class SimVAE(nn.Module):
    """Encoder + decoder with the SimVAE group objective written out (Gaussian prior on y, p(z|y) of
    variance σ², unit-variance Gaussian likelihood): the closed form the package tests elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = build_encoder((D_X,), 2 * D_Z, arch="vector_mlp")
        self.dec = build_decoder(D_Z, (D_X,), arch="vector_mlp")

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:  # x (B, J, D), eps (B, J, d)
        mu, logvar = self.enc(x.reshape(-1, D_X)).chunk(2, dim=-1)
        mu, logvar = mu.reshape(x.shape[0], J, D_Z), logvar.clamp(-30, 20).reshape(x.shape[0], J, D_Z)
        z = mu + eps * torch.exp(0.5 * logvar)
        recon = -0.5 * (x - self.dec(z.reshape(-1, D_Z)).reshape(x.shape)).pow(2).sum(dim=-1)  # (B, J)
        # log p(z_1..J) with y ~ N(0, I) integrated out: E_q, exactly, from the two moments of z
        var = logvar.exp()
        zbar = mu.mean(dim=1, keepdim=True)
        within = ((mu - zbar).pow(2).sum(1) + (1 - 1 / J) * var.sum(1)) / SIGMA2  # (B, d)
        between = (zbar.squeeze(1).pow(2) + var.sum(1) / J**2) / (SIGMA2 / J + 1)
        prior = -0.5 * (within + between).sum(-1)
        entropy = 0.5 * logvar.sum(dim=(1, 2))
        return -(recon.sum(1) + prior + entropy).mean()


def seed_streams(seed: int, n: int, steps: int):
    """One seed's initial model, data and per-step (batch, noise): drawn from its own generators."""
    torch.manual_seed(seed)
    model = SimVAE()
    g = torch.Generator().manual_seed(10_000 + seed)
    y = torch.randn(n, 1, D_X, generator=g)
    data = y + 0.4 * torch.randn(n, J, D_X, generator=g)
    order = torch.cat([torch.randperm(n, generator=g) for _ in range(steps * BATCH // n + 1)])
    batches = [data[order[s * BATCH : (s + 1) * BATCH]] for s in range(steps)]
    noise = [torch.randn(BATCH, J, D_Z, generator=g) for _ in range(steps)]
    return model, batches, noise


def run_separate(streams, steps: int) -> tuple[float, list[dict]]:
    models = [copy.deepcopy(m) for m, _, _ in streams]
    t0 = time.perf_counter()
    for model, (_, batches, noise) in zip(models, streams, strict=True):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for s in range(steps):
            loss = model(batches[s], noise[s])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - t0, [m.state_dict() for m in models]


def run_batched(streams, steps: int) -> tuple[float, list[dict]]:
    models = [copy.deepcopy(m) for m, _, _ in streams]
    params, buffers = stack_module_state(models)  # each (S, ...), leaf tensors
    base = copy.deepcopy(models[0]).to("meta")
    opt = torch.optim.Adam(params.values(), lr=1e-3)
    batches = [torch.stack([b[s] for _, b, _ in streams]) for s in range(steps)]  # (S, B, J, D)
    noise = [torch.stack([e[s] for _, _, e in streams]) for s in range(steps)]

    def one(p, b, x, eps):
        return functional_call(base, (p, b), (x, eps))

    losses = vmap(one)
    t0 = time.perf_counter()
    for s in range(steps):
        loss = losses(params, buffers, batches[s], noise[s]).sum()  # seeds' losses: separate gradients
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    return seconds, [{k: v[i].detach() for k, v in params.items()} for i in range(len(models))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=None, help="steps per seed (default 300, quick 40)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3, quick 1)")
    parser.add_argument("--out", default="build/bench/batched_seeds.json")
    args = parser.parse_args()
    steps = args.steps or (40 if args.quick else 300)
    rounds = args.rounds or (1 if args.quick else 3)
    threads = torch.get_num_threads()
    streams = [seed_streams(s, 4096, steps) for s in range(args.seeds)]
    times: dict[str, list[float]] = {
        "separate": [],
        "separate_1_thread": [],
        "batched": [],
        "batched_1_thread": [],
    }
    diff = 0.0
    for r in range(rounds):
        for name in times:
            torch.set_num_threads(1 if name.endswith("1_thread") else threads)
            runner = run_batched if name.startswith("batched") else run_separate
            seconds, states = runner(streams, steps)
            times[name].append(seconds)
            if name == "separate":
                reference = states
            if name == "batched":
                diff = max(
                    float((ref[k] - got[k]).abs().max())
                    for ref, got in zip(reference, states, strict=True)
                    for k in got
                )
        torch.set_num_threads(threads)
        print(
            f"round {r + 1}/{rounds}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
            flush=True,
        )
    best = {k: min(v) for k, v in times.items()}
    result = {
        "machine": platform.machine(),
        "processor": platform.processor(),
        "threads": threads,
        "torch": torch.__version__,
        "code_version": repro.code_version(),
        "protocol": f"{args.seeds} seeds x {steps} steps of SimVAE, vector MLP 10-256x3-2d, d={D_Z}, "
        f"batch {BATCH} x {J} views; best of {rounds} interleaved round(s)",
        "seconds": best,
        "all_rounds": times,
        "speedup_batched_vs_separate": best["separate"] / best["batched"],
        "speedup_best_vs_separate": best["separate"] / min(best.values()),
        # two notebooks at once, one thread each: S separate one-thread runs take this share of the machine
        "two_jobs_effective_seconds": best["separate_1_thread"] / 2,
        "max_abs_param_difference_batched_vs_separate": diff,
    }
    for k, v in best.items():
        print(f"  {k:20s} {v:7.2f} s  ({best['separate'] / v:4.2f}x of separate)")
    print(f"largest parameter difference, batched vs separate: {diff:.2e}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
