"""Throughput of ``fit`` on 1 and N processes (torchrun DDP): the authors' ResNet SimVAE on CIFAR10-shaped
data, the authors' preset (Adam, 2 views) and a global batch that grows with the processes.

    python benchmarks/ddp_throughput.py --worlds 1 2 4 8 [--per-rank-batch 128] [--epochs 3]

Each world size is one ``torchrun --standalone --nproc_per_node W`` job of this file (``--worker``), on
random uint8 images of shape (3, 32, 32) with the authors' CIFAR augmentations; it records the views/s
``fit`` measures itself (best epoch after the first) and writes ``build/bench/ddp_throughput.json`` with
the rate per world size and the scaling efficiency ``rate(W) / (W · rate(1))``. One process per GPU where
the machine has GPUs (NCCL), else CPU processes (gloo), which only shows that the machinery runs: on a
2-core machine two processes share the cores. It reports numbers, never pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import torch

OUT = Path("build/bench/ddp_throughput.json")


def _worker(args: argparse.Namespace) -> None:
    from simvae_core.data import Dataset, Split
    from simvae_core.learning.distributed import world
    from simvae_core.learning.train import fit

    if not torch.cuda.is_available():
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ.get("WORLD_SIZE", "1"))))
    size = int(os.environ.get("WORLD_SIZE", "1"))
    batch = args.per_rank_batch * size
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (batch * args.steps, 3, 32, 32), generator=g, dtype=torch.uint8)
    split = Split(x=x, labels=torch.zeros(len(x), dtype=torch.long))
    data = Dataset("cifar10_shaped", split, split, split, (3, 32, 32), 1, None, "random")
    started = time.perf_counter()
    trained = fit(
        "simvae",
        data,
        epochs=args.epochs,
        latent_dim=64,
        seed=0,
        preset="authors",
        batch_size=batch,
        augment="authors_cifar",
        progress=False,
    )
    if world()[0] == 0:
        rates = trained.history["views_per_s"]
        result = {
            "world_size": size,
            "global_batch": batch,
            "device": str(trained.device),
            "views_per_s": max(rates[1:] or rates),
            "seconds": time.perf_counter() - started,
        }
        Path(args.worker).write_text(json.dumps(result))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--worlds", type=int, nargs="+", default=None, help="process counts (default: 1 and all GPUs)"
    )
    parser.add_argument("--per-rank-batch", type=int, default=128, help="groups per process and step")
    parser.add_argument("--steps", type=int, default=20, help="steps per epoch")
    parser.add_argument("--epochs", type=int, default=3, help="epochs (the first is a warm-up)")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args)
    gpus = torch.cuda.device_count()
    worlds = args.worlds or sorted({1, max(1, gpus)})
    rows = []
    for size in worlds:
        result = Path(args.out).with_suffix(f".w{size}.tmp")
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(size),
               "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), __file__,
               "--worker", str(result), "--per-rank-batch", str(args.per_rank_batch),
               "--steps", str(args.steps), "--epochs", str(args.epochs)]  # fmt: skip
        subprocess.run(cmd, check=True)
        rows.append(json.loads(result.read_text()))
        result.unlink()
        print(
            f"{size} process(es): {rows[-1]['views_per_s']:.0f} views/s on {rows[-1]['device']}", flush=True
        )
    base = next((r["views_per_s"] for r in rows if r["world_size"] == 1), None)
    for r in rows:
        r["scaling_efficiency"] = None if base is None else r["views_per_s"] / (r["world_size"] * base)
    from simvae_core import repro
    from simvae_core.atomic import write_json_atomic

    payload = {
        "what": "fit('simvae') ResNet, authors' preset and CIFAR augmentations, random (3, 32, 32) uint8",
        "per_rank_batch": args.per_rank_batch,
        "steps_per_epoch": args.steps,
        "epochs": args.epochs,
        "gpus_visible": gpus,
        "machine": platform.platform(),
        "code_version": repro.code_version(),
        "packages": repro.package_versions(),
        "runs": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(Path(args.out), payload)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
