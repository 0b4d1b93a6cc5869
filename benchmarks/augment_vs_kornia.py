"""Time ``simvae_core.learning.augment`` against kornia's per-sample augmentations on the authors' pipelines.

Workloads (same for both): 256 uint8 images × J = 2 views, Fashion-MNIST-like (1×28×28, "authors_fashion":
random resized crop (0.4-1, ratio 0.75-1.3) + vertical flip) and CIFAR-like (3×32×32, "authors_cifar":
the same plus colour jitter (0.8, 0.8, 0.8, 0.2) always on, crop 0.6-1). Both sides start from the uint8
batch (conversion and view replication are timed) and draw parameters per view (kornia:
``same_on_batch=False``). kornia's crop runs in both its modes: ``"slice"`` (its default: crop, then resize)
and ``"resample"`` (one warp per image, like ours); the ratio is taken against the faster one. Calls are
interleaved after a warm-up, so every implementation sees the same machine state.
Ours is also timed at the authors' training batch (128 images × 2 views), to compare with a training step.

Run: ``.venv/bin/python benchmarks/augment_vs_kornia.py [--iters 30] [--device cpu]``; writes
``build/bench/augment_vs_kornia.json`` and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from simvae_core.learning.augment import PRESETS, Augmenter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "augment_vs_kornia.json"
WORKLOADS = {
    # name: (preset, image shape)
    "fashion": ("authors_fashion", (1, 28, 28)),
    "cifar": ("authors_cifar", (3, 32, 32)),
}
KORNIA_CROP_MODES = ("slice", "resample")


def kornia_pipeline(preset: str, size: tuple[int, int], cropping_mode: str) -> torch.nn.Module:
    """kornia modules with the preset's parameters, each drawing per sample."""
    import kornia.augmentation as K

    cfg = PRESETS[preset]
    steps: list[torch.nn.Module] = [
        K.RandomResizedCrop(
            size, scale=cfg.crop_scale, ratio=cfg.crop_ratio, same_on_batch=False, cropping_mode=cropping_mode
        ),
        K.RandomVerticalFlip(p=cfg.vflip, same_on_batch=False),
    ]
    if cfg.has_jitter:
        steps.append(
            K.ColorJitter(
                cfg.brightness, cfg.contrast, cfg.saturation, cfg.hue, p=cfg.jitter_p, same_on_batch=False
            )
        )
    return torch.nn.Sequential(*steps)


def cpu_name() -> str:
    """The CPU model (platform.processor() is empty on many Linux systems)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device: torch.device) -> float:
    sync(device)
    t = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t


def quantile(t: list[float], q: float) -> float:
    return statistics.quantiles(t, n=10, method="inclusive")[round(q * 10) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iters", type=int, default=30, help="timed calls per implementation (>= 20)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--views", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.iters < 20:
        ap.error("--iters must be >= 20")

    import kornia

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)  # kornia draws from the global generator
    gen = torch.Generator(device=device).manual_seed(0)
    b, j = args.batch, args.views
    results: dict[str, dict] = {}

    for name, (preset, shape) in WORKLOADS.items():
        x = torch.randint(0, 256, (b, *shape), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
        x = x.to(device)
        ours = Augmenter(preset)
        fns = {"ours": lambda x=x, ours=ours: ours(x, j, gen).views}
        for mode in KORNIA_CROP_MODES:
            pipe = kornia_pipeline(preset, shape[1:], mode).to(device)

            def run_kornia(x=x, pipe=pipe, shape=shape):
                # same input and output as ours: uint8 (B, C, H, W) -> float (B, J, C, H, W)
                flat = (x.float() / 255.0).repeat_interleave(j, dim=0)
                return pipe(flat).reshape(b, j, *shape)

            fns[f"kornia_{mode}"] = run_kornia

        times: dict[str, list[float]] = {k: [] for k in fns}
        with torch.no_grad():
            for _ in range(args.warmup):
                for fn in fns.values():
                    fn()
            for _ in range(args.iters):  # interleaved
                for k, fn in fns.items():
                    times[k].append(timed(fn, device))
            # the authors' training batch: 128 images × 2 views, ours only
            x_small = x[:128]
            for _ in range(args.warmup):
                ours(x_small, 2, gen)
            t_small = [timed(lambda xs=x_small, o=ours: o(xs, 2, gen), device) for _ in range(args.iters)]

        med = {k: statistics.median(t) for k, t in times.items()}
        best_kornia = min(KORNIA_CROP_MODES, key=lambda m: med[f"kornia_{m}"])
        r = {"preset": preset, "image_shape": list(shape), "batch": b, "views": j}
        for k, t in times.items():
            r[f"{k}_median_s"] = med[k]
            r[f"{k}_views_per_s"] = b * j / med[k]
            # spread of the per-call times: a wide one means the machine was busy during the run
            r[f"{k}_p10_p90_s"] = [quantile(t, 0.1), quantile(t, 0.9)]
        r["kornia_best_mode"] = best_kornia
        r["ratio_ours_over_kornia"] = med[f"kornia_{best_kornia}"] / med["ours"]  # views/s ratio
        r["ours_128x2_median_s"] = statistics.median(t_small)
        r["ours_128x2_views_per_s"] = 256 / r["ours_128x2_median_s"]
        r["times_s"] = times
        results[name] = r

    info = {
        "torch": torch.__version__,
        "kornia": kornia.__version__,
        "threads": torch.get_num_threads(),
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "iters": args.iters,
        "warmup": args.warmup,
        "statistic": "median seconds per call; views/s = B·J / median; ratio = ours views/s / best kornia's",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": info, "results": results}, indent=2) + "\n")

    print(f"torch {info['torch']}, kornia {info['kornia']}, {info['threads']} threads, {info['device']}")
    for name, r in results.items():
        ratio = r["ratio_ours_over_kornia"]
        print(
            f"{name} ({r['preset']}, {r['batch']}x{r['views']} views): "
            f"ours {r['ours_views_per_s']:.0f} views/s, "
            + ", ".join(f"kornia[{m}] {r[f'kornia_{m}_views_per_s']:.0f}" for m in KORNIA_CROP_MODES)
            + f"; ours / kornia[{r['kornia_best_mode']}] = {ratio:.2f} "
            f"({'ours' if ratio >= 1 else 'KORNIA'} faster); "
            f"ours at 128x2: {r['ours_128x2_median_s'] * 1e3:.2f} ms"
        )
    try:
        shown = args.out.relative_to(ROOT)
    except ValueError:
        shown = args.out
    print(f"wrote {shown}")


if __name__ == "__main__":
    main()
