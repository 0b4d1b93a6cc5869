"""Training throughput: SimVAE and VAE through ``fit`` against a bare PyTorch loop and the matmul rate.

    python benchmarks/train_throughput.py [--quick] [--device cuda] [--out build/bench/train_throughput.json]

Measured in one process, one after another, with nothing else running (2-core CPU: any other load skews
the numbers by a lot). Reports views/s and the fractions the training issue asks for:

- ``fit_vs_bare``: SimVAE (J = 2, the authors' MLP, augmentations included) / the bare loop (same network,
  same batch of views, in-memory float tensors, no augmentation, a plain VAE loss) at 128 and 512 views;
- ``flop_fraction``: the FLOP rate SimVAE achieves (views/s × FLOPs per view) / the measured rate of a
  large float32 matmul, at 512 views per step;
- ``augment_fraction``: the time to draw the views of one step / the time of a whole step;
- ``simvae_vs_vae``: the SimVAE / VAE cost ratio through the same loop; conv nets on 32×32 too.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from simvae_core import repro
from simvae_core.learning.augment import Augmenter, get_augment_config
from simvae_core.learning.nets import build_decoder, build_encoder, mlp_flops_per_view
from simvae_core.learning.train import fit


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


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def bare_loop_views_per_s(
    views_per_step: int, steps: int, device: torch.device, latent_dim: int = 10
) -> float:
    """The floor everyone can write: the same MLP VAE on in-memory float tensors, no augmentation."""
    torch.manual_seed(0)
    enc = build_encoder((1, 28, 28), 2 * latent_dim, arch="mlp").to(device)
    dec = build_decoder(latent_dim, (1, 28, 28), arch="mlp").to(device)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=1e-4)
    x = torch.rand(views_per_step * 8, 1, 28, 28, device=device)

    def step(i: int) -> None:
        xb = x[(i % 8) * views_per_step : (i % 8 + 1) * views_per_step]
        mu, logvar = enc(xb).chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = dec(z)
        rec = torch.nn.functional.binary_cross_entropy_with_logits(logits, xb, reduction="sum")
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
        opt.zero_grad(set_to_none=True)
        ((rec + kl) / views_per_step).backward()
        opt.step()

    for i in range(5):
        step(i)
    _sync(device)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    _sync(device)
    return steps * views_per_step / (time.perf_counter() - t0)


def fit_views_per_s(
    method: str,
    data: torch.Tensor,
    views_per_step: int,
    epochs: int,
    device: torch.device,
    arch: str = "mlp",
    augment: str = "authors_fashion",
) -> float:
    """Views/s of ``fit``'s own timer (training loop only), best epoch after the first (warm-up)."""
    trained = fit(
        method,
        _as_dataset(data),
        epochs=epochs,
        latent_dim=10,
        seed=0,
        batch_size=views_per_step // 2,
        n_views=2,
        arch=arch,
        augment=augment,
        device=str(device),
        progress=False,
        lr=1e-4,
    )
    rates = trained.history["views_per_s"]
    return max(rates[1:]) if len(rates) > 1 else rates[0]


def _as_dataset(images: torch.Tensor):
    from simvae_core.data import Dataset, Split

    labels = torch.zeros(len(images), dtype=torch.int64)
    split = Split(x=images, labels=labels, attributes={})
    return Dataset(
        name="bench",
        train=split,
        val=split,
        test=split,
        x_shape=tuple(images.shape[1:]),
        n_classes=None,
        class_names=None,
        source="random uint8 images",
    )


def augment_seconds(
    images: torch.Tensor, preset: str, groups: int, repeats: int, device: torch.device
) -> float:
    aug = Augmenter(get_augment_config(preset))
    g = torch.Generator().manual_seed(0)
    x = images[:groups].to(device)
    for _ in range(3):
        aug(x, 2, g)
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(repeats):
        aug(x, 2, g)
    _sync(device)
    return (time.perf_counter() - t0) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default=None)
    parser.add_argument("--quick", action="store_true", help="fewer steps (a smoke check, noisier numbers)")
    parser.add_argument("--out", default="build/bench/train_throughput.json")
    args = parser.parse_args()
    device = repro.default_device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(max(1, torch.get_num_threads()))
    n_images = 2048 if args.quick else 8192
    epochs = 2 if args.quick else 3
    bare_steps = 20 if args.quick else 100
    gen = torch.Generator().manual_seed(0)
    mnist_like = torch.randint(0, 256, (n_images, 1, 28, 28), dtype=torch.uint8, generator=gen)
    cifar_like = torch.randint(0, 256, (n_images // 4, 3, 32, 32), dtype=torch.uint8, generator=gen)

    result: dict = {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
        "processor": platform.processor(),
        "code_version": repro.code_version(),
        "quick": args.quick,
    }
    # The matmul rate is re-measured inside every repetition below; the best of all measurements is kept.
    result["matmul_gflops"] = matmul_gflops(device)
    flops = mlp_flops_per_view(784, 10)
    result["mlp_flops_per_view"] = flops
    repeats = 2 if args.quick else 3
    for views in (128, 512):
        # Interleave the three loops and keep each one's best run: this machine's speed drifts by ±20 %
        # over minutes, and interleaving exposes all three to the same drift.
        runs: dict[str, list[float]] = {"bare": [], "simvae": [], "vae": []}
        for _ in range(repeats):
            result["matmul_gflops"] = max(result["matmul_gflops"], matmul_gflops(device))
            runs["bare"].append(bare_loop_views_per_s(views, bare_steps, device))
            runs["simvae"].append(fit_views_per_s("simvae", mnist_like, views, epochs, device))
            runs["vae"].append(fit_views_per_s("vae", mnist_like, views, epochs, device))
        bare, simvae, vae = (max(runs[k]) for k in ("bare", "simvae", "vae"))
        step_seconds = views / simvae
        aug = augment_seconds(mnist_like, "authors_fashion", views // 2, 20, device)
        result[f"mlp_{views}"] = {
            "bare_views_per_s": bare,
            "simvae_views_per_s": simvae,
            "vae_views_per_s": vae,
            "all_runs": runs,
            "fit_vs_bare": simvae / bare,
            "simvae_vs_vae_cost": vae / simvae,
            "simvae_gflops": simvae * flops / 1e9,
            "augment_seconds_per_step": aug,
            "augment_fraction": aug / step_seconds,
        }
        print(
            f"MLP, {views} views/step (best of {repeats}): bare {bare:.0f}, SimVAE {simvae:.0f} "
            f"({simvae / bare:.0%} of bare), VAE {vae:.0f} views/s; "
            f"augmentation {aug / step_seconds:.0%} of a step",
            flush=True,
        )
    simvae_conv = fit_views_per_s(
        "simvae", cifar_like, 128, epochs, device, arch="resnet", augment="authors_cifar"
    )
    vae_conv = fit_views_per_s("vae", cifar_like, 128, epochs, device, arch="resnet", augment="authors_cifar")
    result["resnet_32x32_128"] = {
        "simvae_views_per_s": simvae_conv,
        "vae_views_per_s": vae_conv,
        "simvae_vs_vae_cost": vae_conv / simvae_conv,
        "augment_seconds_per_step": augment_seconds(cifar_like, "authors_cifar", 64, 10, device),
    }
    print(f"ResNet 32×32, 128 views/step: SimVAE {simvae_conv:.0f}, VAE {vae_conv:.0f} views/s")
    for views in (128, 512):  # against the best matmul rate seen during the whole run
        entry = result[f"mlp_{views}"]
        entry["flop_fraction"] = entry["simvae_gflops"] / result["matmul_gflops"]
    fm = result["mlp_512"]["simvae_views_per_s"]
    result["fashion_mnist_400_epochs_hours"] = (
        400 * 60_000 * 2 / result["mlp_128"]["simvae_views_per_s"] / 3600
    )
    result["authors_pipeline_views_per_s_reference"] = 1600
    result["ratio_to_authors_pipeline_at_128"] = result["mlp_128"]["simvae_views_per_s"] / 1600
    print(
        f"matmul {result['matmul_gflops']:.0f} GFLOP/s; SimVAE at 512 views reaches "
        f"{fm * flops / 1e9:.0f} GFLOP/s = {result['mlp_512']['flop_fraction']:.0%} of it"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
