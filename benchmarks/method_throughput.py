"""Training throughput of every method through ``fit``, relative to SimVAE on the same network.

    python benchmarks/method_throughput.py [--quick] [--device cuda] [--views 128]
        [--out build/bench/method_throughput.json]

The authors' MLP encoder (784-2000-500-500-·, d = 10) on random 28×28 uint8 images with the authors'
Fashion-MNIST augmentations, J = 2 views per image, the same batch for every method. The VAE family adds the
mirrored decoder; discriminative methods add their default projection heads (and EMA targets, predictors,
queues, prototypes). Methods run interleaved (round-robin, ``--repeats`` rounds) and each keeps its best
epoch rate, so the machine's speed drift (±20 % over minutes on a shared 2-core CPU) hits all of them alike;
the ratios are the numbers to quote, not the absolute rates. Run it with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import torch

from simvae_core import repro
from simvae_core.learning.train import fit

METHODS = [
    "simvae",
    "vae",
    "cr_vae",
    "simclr",
    "moco",
    "instance_discrimination",
    "vicreg",
    "barlow_twins",
    "byol",
    "simsiam",
    "dino",
    "swav",
]


def views_per_s(method: str, data, views: int, epochs: int, device: torch.device) -> float:
    """Best epoch rate after the first (warm-up) from ``fit``'s own timer (training loop only)."""
    trained = fit(
        method,
        data,
        epochs=epochs,
        latent_dim=10,
        seed=0,
        batch_size=views // 2,
        n_views=2,
        arch="mlp",
        augment="authors_fashion",
        device=str(device),
        progress=False,
    )
    rates = trained.history["views_per_s"]
    return max(rates[1:]) if len(rates) > 1 else rates[0]


def main() -> None:
    from train_throughput import _as_dataset  # same random-image dataset as the training benchmark

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default=None)
    parser.add_argument("--quick", action="store_true", help="fewer images and rounds (noisier)")
    parser.add_argument("--views", type=int, default=128, help="views per step (2 per image)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--methods", nargs="*", default=METHODS)
    parser.add_argument("--out", default="build/bench/method_throughput.json")
    args = parser.parse_args()
    device = repro.default_device(args.device)
    n_images = 1024 if args.quick else 4096
    repeats = args.repeats or (1 if args.quick else 3)
    images = torch.randint(
        0, 256, (n_images, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    data = _as_dataset(images)
    runs: dict[str, list[float]] = {m: [] for m in args.methods}
    for r in range(repeats):
        for method in args.methods:
            runs[method].append(views_per_s(method, data, args.views, 2, device))
            print(f"round {r + 1}/{repeats} {method:24s} {runs[method][-1]:8.0f} views/s", flush=True)
    best = {m: max(v) for m, v in runs.items()}
    ref = best.get("simvae")
    result = {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "code_version": repro.code_version(),
        "views_per_step": args.views,
        "images": n_images,
        "repeats": repeats,
        "best_views_per_s": best,
        "relative_to_simvae": {m: v / ref for m, v in best.items()} if ref else None,
        "all_runs": runs,
    }
    print(f"\nviews/s (best of {repeats}) and ratio to SimVAE, {args.views} views per step, {device}:")
    for m, v in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {m:24s} {v:8.0f}  {v / ref if ref else float('nan'):5.2f}×")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
