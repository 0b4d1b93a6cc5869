"""Training throughput in one run and one JSON: the bare PyTorch loop, ``fit`` for SimVAE and for every
discriminative method, and the matmul peak, at 128 and 512 views per step.

    python benchmarks/throughput.py [--quick] [--device cuda] [--out build/bench/throughput.json]

The network is the authors' MLP (784-2000-500-500-d, d = 10; the VAE family adds the mirrored decoder,
the discriminative methods their default projection heads, EMA targets, queues or prototypes), on random
28×28 uint8 images with the authors' Fashion-MNIST augmentations, J = 2 views per image.

- ``bare``: the floor anyone can write: the same encoder and decoder on in-memory float tensors, no
  augmentation, a plain VAE loss, ``torch.optim.Adam``; a step reads nothing back either;
- ``fit``: the views/s that ``fit`` records itself (training loop only, best epoch after the first),
  augmentations included;
- ``matmul_gflops``: a large float32 matmul, re-measured in every round, best kept.

Everything runs interleaved, round after round, and every entry keeps its best round: the machine's speed
drifts by ±20 % over minutes, and interleaving exposes all loops to the same drift. Quote the ratios
(``*_vs_bare``, ``flop_fraction``), which are taken within the run, not the absolute rates. Run it with
nothing else on the machine (another process skews a 2-core CPU by up to 10×).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from simvae_core import repro
from simvae_core.data import Dataset, Split
from simvae_core.learning.methods import METHODS
from simvae_core.learning.nets import build_decoder, build_encoder, mlp_flops_per_view
from simvae_core.learning.train import fit

DISCRIMINATIVE = sorted(m for m, spec in METHODS.items() if spec.model is not None)
FIT_METHODS = ["simvae", *DISCRIMINATIVE]
AUTHORS_RUN = dict(epochs=400, images=60_000, views_per_image=2)  # the authors' Fashion-MNIST SimVAE run


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_gflops(device: torch.device, n: int = 2048, repeats: int = 10) -> float:
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    for _ in range(2):
        a @ b
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - t0) / 1e9


def bare_loop_views_per_s(views: int, steps: int, device: torch.device, latent_dim: int = 10) -> float:
    """The same MLP VAE on in-memory float tensors: no augmentation, no checks, no bookkeeping."""
    torch.manual_seed(0)
    enc = build_encoder((1, 28, 28), 2 * latent_dim, arch="mlp").to(device)
    dec = build_decoder(latent_dim, (1, 28, 28), arch="mlp").to(device)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=1e-4)
    x = torch.rand(views * 8, 1, 28, 28, device=device)

    def step(i: int) -> None:
        xb = x[(i % 8) * views : (i % 8 + 1) * views]
        mu, logvar = enc(xb).chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        rec = torch.nn.functional.binary_cross_entropy_with_logits(dec(z), xb, reduction="sum")
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
        opt.zero_grad(set_to_none=True)
        ((rec + kl) / views).backward()
        opt.step()

    for i in range(5):
        step(i)
    _sync(device)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    _sync(device)
    return steps * views / (time.perf_counter() - t0)


def random_images(n: int) -> Dataset:
    images = torch.randint(
        0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    split = Split(x=images, labels=torch.zeros(n, dtype=torch.int64), attributes={})
    return Dataset(
        name="bench", train=split, val=split, test=split, x_shape=(1, 28, 28), n_classes=None,
        class_names=None, source="random uint8 images",
    )  # fmt: skip


def fit_views_per_s(method: str, data: Dataset, views: int, epochs: int, device: torch.device) -> float:
    trained = fit(
        method, data, epochs=epochs, latent_dim=10, seed=0, batch_size=views // 2, n_views=2, arch="mlp",
        augment="authors_fashion", device=str(device), progress=False, lr=1e-4,
    )  # fmt: skip
    rates = trained.history["views_per_s"]
    return max(rates[1:]) if len(rates) > 1 else rates[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default=None)
    parser.add_argument(
        "--quick", action="store_true", help="fewer images and rounds (a smoke check, noisier)"
    )
    parser.add_argument("--methods", nargs="*", default=FIT_METHODS, help="methods through fit")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3, quick 1)")
    parser.add_argument("--out", default="build/bench/throughput.json")
    args = parser.parse_args()
    device = repro.default_device(args.device)
    rounds = args.rounds or (1 if args.quick else 3)
    epochs = 2
    data = random_images(1024 if args.quick else 4096)
    bare_steps = 20 if args.quick else 60
    flops = mlp_flops_per_view(784, 10)
    result: dict = {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "code_version": repro.code_version(),
        "protocol": (
            f"authors' MLP on {len(data.train)} random 28x28 images, authors_fashion augmentations, J = 2, "
            f"{epochs} epochs per fit (best epoch after the first), {rounds} interleaved round(s), best kept"
        ),
        "simvae_flops_per_view": flops,
        "matmul_gflops": 0.0,
    }
    for views in (128, 512):
        runs: dict[str, list[float]] = {"bare": [], **{m: [] for m in args.methods}}
        for r in range(rounds):
            result["matmul_gflops"] = max(result["matmul_gflops"], matmul_gflops(device))
            runs["bare"].append(bare_loop_views_per_s(views, bare_steps, device))
            for method in args.methods:
                runs[method].append(fit_views_per_s(method, data, views, epochs, device))
            line = ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items())
            print(f"{views} views/step, round {r + 1}/{rounds}: {line} views/s", flush=True)
        best = {k: max(v) for k, v in runs.items()}
        entry = {
            "views_per_s": best,
            "vs_bare": {k: v / best["bare"] for k, v in best.items() if k != "bare"},
            "all_rounds": runs,
        }
        if "simvae" in best:
            entry["simvae_gflops"] = best["simvae"] * flops / 1e9
            entry["bare_gflops"] = best["bare"] * flops / 1e9
        result[f"views_{views}"] = entry
    for views in (128, 512):
        entry = result[f"views_{views}"]
        if "simvae_gflops" in entry:
            entry["simvae_flop_fraction"] = entry["simvae_gflops"] / result["matmul_gflops"]
            entry["bare_flop_fraction"] = entry["bare_gflops"] / result["matmul_gflops"]
    if "simvae" in args.methods:
        total_views = AUTHORS_RUN["epochs"] * AUTHORS_RUN["images"] * AUTHORS_RUN["views_per_image"]
        rate = result["views_128"]["views_per_s"]["simvae"]
        result["authors_run_projection"] = {
            **AUTHORS_RUN,
            "views_per_step": 128,
            "minutes": total_views / rate / 60,
        }
    print(f"\nmatmul peak {result['matmul_gflops']:.0f} GFLOP/s on {device}")
    for views in (128, 512):
        entry = result[f"views_{views}"]
        print(f"{views} views per step: views/s and ratio to the bare loop")
        for k, v in sorted(entry["views_per_s"].items(), key=lambda kv: -kv[1]):
            ratio = entry["vs_bare"].get(k, 1.0)
            print(f"  {k:24s} {v:9.0f}  {ratio:5.2f}x")
        if "simvae_flop_fraction" in entry:
            print(f"  SimVAE reaches {entry['simvae_flop_fraction']:.0%} of the matmul peak")
    if "authors_run_projection" in result:
        print(f"authors' 400-epoch Fashion-MNIST run: {result['authors_run_projection']['minutes']:.0f} min")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
