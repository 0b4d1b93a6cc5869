"""C5, the projection head (notebook 04): where the within-group collapse happens, measured against a
random head of the same shape.

A discriminative network is an encoder ``f`` (representation ``h = f(x)``) and a head ``g``; the loss sees
only ``g(h)``. The primary statistic is the within-group spread

    ρ_w(z) = E tr Cov(z | group) / tr Cov(z)        (geometry.within_group_variance_ratio)

of ``h``, of the trained head's output ``g(h)`` and of a random frozen head's output ``g_rand(h)`` (the
network's own head at its initialisation, applied to the same trained ``h``: data processing alone makes
any head change ρ_w, only the excess of the trained head over this control is evidence).

Runners (explicit arguments, tidy pandas tables, one row per seed × condition):

- :func:`linear_head`         the closed form of the two-layer linear head and population gradient descent
- :func:`content_style_views` the synthetic data: shared content, per-view style, through a fixed MLP
- :func:`head_spread`         train with a head per seed; ρ_w along training (the plateau) and at the end,
  with content / style probes and RankMe (reported only) for h, g(h) and two random heads
- :func:`weight_share`        E13, Jing et al.'s linear toy: the share of ‖W‖² on the augmented inputs
- :func:`rotated_images`      Fashion-MNIST groups whose views differ by a recorded 90° rotation
- :func:`image_head`          the head test on those images (rotation read from h, g(h), g_rand(h))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..analysis import collapse, geometry, heads
from ..analysis.probes import group_split_probe
from ..notebook.sizes import RunSizes, SizeTable
from ..specs.c5_projection_head import M_CONTENT, SPEC
from ..theory import linear as linear_theory
from ..theory.generators import make_decoder
from .common import Clock, encode_views, train_on_groups

__all__ = [
    "HEAD",
    "M_CONTENT",
    "METHOD_OPTIONS",
    "SIZES",
    "SPEC",
    "Sizes",
    "Views",
    "budget",
    "by_where",
    "content_style_views",
    "head_spread",
    "image_head",
    "linear_head",
    "plateau",
    "rotated_images",
    "weight_share",
]

HEAD = {"head_layers": 2, "head_width": 64, "embed_dim": 32}  # 32 → 64 → 32: g(h) has h's dimension
METHOD_OPTIONS = {"simclr": {"temperature": 0.1}, "vicreg": {}}
D_H = 32  # dimension of h
IMAGE_PROBE = {"grid": (0.01, 0.1, 1.0), "max_iter": 300}  # logistic probes: C on val from three values
WHERE = ("h", "g(h)", "g_rand(h)", "g_rand2(h)")  # g_rand2: a second random head (the negative control)


@dataclass(frozen=True)
class Sizes(RunSizes):
    """n_seeds: seeds of every synthetic claim; n_groups: synthetic groups (4 training + 2 held-out views
    each); steps / batch_size: optimisation steps of groups × 2 views per network; n_curve: points of the
    training curve; gd_steps: population gradient-descent steps of the linear head; toy_steps: SGD steps of
    the E13 toy; image_seeds / n_images / image_steps: the Fashion-MNIST head test."""

    n_groups: int
    steps: int
    batch_size: int
    n_curve: int
    gd_steps: int
    toy_steps: int
    image_seeds: int
    n_images: int
    image_steps: int


SIZES = SizeTable(
    smoke=Sizes(
        n_seeds=2,
        n_groups=512,
        steps=60,
        batch_size=64,
        n_curve=5,
        gd_steps=20_000,
        toy_steps=1000,
        image_seeds=2,
        n_images=256,
        image_steps=40,
    ),
    default=Sizes(
        n_seeds=10,
        n_groups=16384,
        steps=2000,
        batch_size=128,
        n_curve=20,
        gd_steps=20_000,
        toy_steps=2000,
        image_seeds=5,
        n_images=8192,
        image_steps=800,
    ),
    full=Sizes(
        n_seeds=20,
        n_groups=65536,
        steps=6000,
        batch_size=256,
        n_curve=30,
        gd_steps=20_000,
        toy_steps=10_000,
        image_seeds=10,
        n_images=54000,
        image_steps=3000,
    ),
)


def budget(sizes: Sizes) -> str:
    """The run's budget in one line (shown beside every answer)."""
    return (
        f"synthetic: {sizes.steps} steps of {sizes.batch_size} groups × 2 views on {sizes.n_groups} groups, "
        f"{sizes.n_seeds} seeds; E13 toy: {sizes.toy_steps} SGD steps, {sizes.n_seeds} seeds; Fashion-MNIST "
        f"(14 × 14, rotated views): {sizes.image_steps} steps on {sizes.n_images} images, "
        f"{sizes.image_seeds} seeds"
    )


def by_where(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """``column`` of a runner's final table as seeds × where (h, g(h), g_rand(h), g_rand2(h))."""
    return table.pivot(index="seed", columns="where", values=column)[list(WHERE)]


# --------------------------------------------------------------------------------------- linear head


def linear_head(steps: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """The two-layer linear head of Xue et al.'s spectral contrastive model (``theory.linear``), one row per
    feature: variance ``s``, view correlation ``r``, the closed-form pre-head std ``(r s)^¼`` and post-head
    std ``√r``, and what population gradient descent (16 hidden, 16 output units, float64) reaches."""
    s, r = np.array(linear_theory.E12_S), np.array(linear_theory.E12_R)
    gd = linear_theory.two_layer_linear_gd(
        hidden_dim=16, out_dim=16, init=0.03, lr=2e-2, steps=steps, seed=seed
    )
    return pd.DataFrame(
        {
            "feature": np.arange(len(s)),
            "s": s,
            "r": r,
            "pre_theory": (r * s) ** 0.25,
            "post_theory": np.sqrt(r),
            "pre_gd": gd.pre_std,
            "post_gd": gd.post_std,
        }
    )


# ------------------------------------------------------------------------------------ synthetic data


@dataclass(frozen=True)
class Views:
    """Grouped views ``x`` (N, J, D) with what generated them: ``content`` (N, J, ·), shared by a group's
    views, and ``style`` (N, J, ·) or ``transform`` (N, J), drawn per view."""

    x: torch.Tensor
    content: torch.Tensor
    style: torch.Tensor


def content_style_views(n_groups: int, n_views: int = 6, *, seed: int, dim: int = 5) -> Views:
    """Per group content ``c ~ N(0, I_dim)``, per view style ``s_j ~ N(0, I_dim)``, ``x_j = mix(c, s_j)``
    through a fixed random MLP (``make_decoder("mlp")``, drawn from ``seed``), standardised. The true
    latents ``(c, s_j)`` have ρ_w = ½: half of their variance is style, inside the groups."""
    g = torch.Generator().manual_seed(seed)
    mix = make_decoder("mlp", 2 * dim, generator=g)
    content = torch.randn(n_groups, 1, dim, generator=g).expand(n_groups, n_views, dim).contiguous()
    style = torch.randn(n_groups, n_views, dim, generator=g)
    with torch.no_grad():
        x = mix(torch.cat([content, style], -1))  # (N, J, 2 dim)
    x = (x - x.mean((0, 1))) / x.std((0, 1))
    return Views(x, content, style)


def _through_heads(trained: Any, pool: torch.Tensor, held: torch.Tensor, seed: int) -> dict:
    """{where: (N, J, ·)} for the held-out views: h, the trained head, and two random heads."""
    h = encode_views(trained, held)
    return {
        "h": h,
        "g(h)": heads.embed(heads.head_of(trained), h),
        "g_rand(h)": heads.embed(heads.random_head(trained, pool), h),
        "g_rand2(h)": heads.embed(heads.random_head(trained, pool, seed=seed + 100_000), h),
    }


def plateau(curve: pd.DataFrame, statistic: str = "spread_excess", last: float = 0.2) -> pd.DataFrame:
    """Per seed (and method), the change of ``statistic`` over the last ``last`` of training: its value at
    the end minus its value at the recorded step nearest ``(1 − last) · steps``."""
    rows = []
    keys = [k for k in ("method", "seed") if k in curve]
    for key, part in curve.groupby(keys, sort=False):
        part = part.sort_values("step")
        end = part.iloc[-1]
        target = (1 - last) * end["step"]
        start = part.iloc[int(np.argmin(np.abs(part["step"].to_numpy() - target)))]
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key, strict=True)), "change": end[statistic] - start[statistic]})
    return pd.DataFrame(rows)


def head_spread(
    method: str,
    views: Views,
    *,
    seeds: list[int],
    steps: int,
    batch_size: int,
    n_curve: int,
    clock: Clock | None = None,
    n_train_views: int = 4,
    n_eval: int = 2048,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train ``method`` with a 2-layer head (:data:`HEAD`) on the first ``n_train_views`` views of every
    group, once per seed; evaluate on the remaining (held-out) views of the first ``n_eval`` groups.

    Returns ``(final, curve)``. ``final``: one row per seed × where (h, g(h), g_rand(h), g_rand2(h)) with
    ``rho_w``, ``rankme`` (RankMe per dimension, reported only), ``content_r2`` and ``style_r2`` (linear
    probes, groups split 70/15/15). ``curve``: per seed and recorded step, ρ_w of h, g(h), g_rand(h) and
    ``spread_excess = ρ_w(g_rand(h)) − ρ_w(g(h))``. Training is timed as "train", everything else as
    "eval" on ``clock``."""
    clock = clock or Clock()
    n_eval = min(n_eval, views.x.shape[0])
    pool, held = views.x[:, :n_train_views], views.x[:n_eval, n_train_views:]
    per_epoch = max(1, pool.shape[0] // min(batch_size, pool.shape[0]))
    epochs = max(1, math.ceil(steps / per_epoch))
    record = set(np.unique(np.linspace(1, epochs, n_curve).round().astype(int)).tolist())
    final, curve = [], []
    for seed in seeds:
        random = {}

        def watch(epoch: int, trained: Any, seed: int = seed, random: dict = random) -> None:
            if epoch not in record:
                return
            with clock("eval"), torch.no_grad():
                if not random:
                    random["g"] = heads.random_head(trained, pool)
                h = encode_views(trained, held)
                rho = {
                    "h": geometry.within_group_variance_ratio(h),
                    "g(h)": geometry.within_group_variance_ratio(heads.embed(heads.head_of(trained), h)),
                    "g_rand(h)": geometry.within_group_variance_ratio(heads.embed(random["g"], h)),
                }
            curve.append(
                {
                    "method": method,
                    "seed": seed,
                    "step": min(epoch * per_epoch, steps),
                    **{f"rho_w {k}": v for k, v in rho.items()},
                    "spread_excess": rho["g_rand(h)"] - rho["g(h)"],
                }
            )

        with clock("train"):  # the curve's evaluations nest inside and count as evaluation
            trained = train_on_groups(
                method,
                pool,
                steps=steps,
                batch_size=batch_size,
                latent_dim=D_H,
                seed=seed,
                cache=False,
                callback=watch,
                **METHOD_OPTIONS[method],
                **HEAD,
            )
        with clock("eval"):
            g = torch.Generator().manual_seed(seed)
            for where, z in _through_heads(trained, pool, held, seed).items():
                probe = {
                    f"{k}_r2": group_split_probe(
                        z, getattr(views, k)[:n_eval, n_train_views:], generator=g
                    ).test
                    for k in ("content", "style")
                }
                final.append(
                    {
                        "method": method,
                        "seed": seed,
                        "where": where,
                        "rho_w": geometry.within_group_variance_ratio(z),
                        "rankme": geometry.effective_rank(z[:, 0], center=True) / z.shape[-1],
                        **probe,
                    }
                )
    return pd.DataFrame(final), pd.DataFrame(curve)


# ------------------------------------------------------------------------------------------------ E13


def weight_share(
    seeds: list[int], *, steps: int, noises: tuple[float, ...] = (0.01, 1.5), clock: Clock | None = None
) -> pd.DataFrame:
    """Jing et al.'s case 1 (``collapse.augmentation_collapse``): a linear embedding ``z = W x + b``
    trained by InfoNCE, Gaussian view noise of std ``noise`` on the last 8 of 16 input coordinates. One row
    per seed × noise: the share of ``‖W‖²_F`` on the noisy inputs at initialisation (≈ ½) and after
    training, and RankMe of the trained embedding (reported). The learning rate keeps the gradient-flow
    time of the authors' 10 000 steps at 1e-3, up to 1e-2 (larger rates diverge): ≥ 1 000 steps."""
    clock = clock or Clock()
    if steps < 1000:
        raise ValueError(f"weight_share needs at least 1000 steps (lr ≤ 1e-2), got {steps}")
    lr = 1e-3 * 10_000 / steps
    rows = []
    for seed in seeds:
        with clock("train"):
            res = collapse.augmentation_collapse(noises, steps=steps, lr=lr, seed=seed)
        with clock("eval"):
            init = _init_share(res)
            for k, noise in enumerate(noises):  # as given: res.noise holds them in float32
                rows.append(
                    {
                        "seed": seed,
                        "noise": float(noise),
                        "share_init": float(init),
                        "share_trained": float(res.noisy_weight_share[k]),
                        "rankme": float(res.effective_rank()[k]),
                    }
                )
    return pd.DataFrame(rows)


def _init_share(res: collapse.AugmentationCollapseResult) -> float:
    """The noisy-input share of ‖W‖² at initialisation (the same draw for every noise level): the first
    draw of ``augmentation_collapse``'s generator after its data, recomputed from the seed."""
    s = res.settings
    g = torch.Generator().manual_seed(s["seed"])
    torch.randn(s["n_data"], s["dim"], generator=g)
    torch.randn(s["n_eval"], s["dim"], generator=g)
    w = (torch.rand(s["dim"], s["dim"], generator=g) * 2 - 1) / math.sqrt(s["dim"])
    w2 = w.double() ** 2
    return float(w2[:, res.noisy].sum() / w2.sum())


# --------------------------------------------------------------------------------------------- images


def rotated_images(
    images: torch.Tensor, labels: torch.Tensor, n_views: int = 6, *, seed: int, noise: float = 0.1
) -> Views:
    """Groups of views of each image (N, 1, 28, 28), pooled to 14 × 14: every view is the image turned by
    a recorded multiple of 90° (``style``: 0–3, chance ¼), shifted by up to one pixel and with Gaussian
    pixel noise of std ``noise``. ``content`` is the class label (N, J)."""
    g = torch.Generator().manual_seed(seed)
    x = F.avg_pool2d(images.float() / 255.0, 2)  # (N, 1, 14, 14)
    n = x.shape[0]
    turns = torch.randint(0, 4, (n, n_views), generator=g)  # (N, J)
    shifts = torch.randint(-1, 2, (n, n_views, 2), generator=g)
    out = torch.empty(n, n_views, 14 * 14)
    for j in range(n_views):
        v = torch.stack(
            [
                torch.roll(torch.rot90(x[i, 0], int(turns[i, j])), tuple(shifts[i, j].tolist()), (0, 1))
                for i in range(n)
            ]
        )
        out[:, j] = (v + noise * torch.randn(v.shape, generator=g)).reshape(n, -1)
    content = labels.long()[:, None].expand(n, n_views).contiguous()
    return Views(out, content, turns)


def image_head(
    views: Views,
    *,
    seeds: list[int],
    steps: int,
    batch_size: int = 128,
    clock: Clock | None = None,
    n_train_views: int = 4,
    n_eval: int = 2048,
) -> pd.DataFrame:
    """SimCLR with a 2-layer head on the rotated images, once per seed. One row per seed × where (h, g(h),
    g_rand(h), g_rand2(h)): ρ_w of the held-out views, rotation accuracy (linear probe, chance ¼) and class
    accuracy (linear probe, chance 0.1) of the first ``n_eval`` groups, split 70/15/15."""
    clock = clock or Clock()
    n_eval = min(n_eval, views.x.shape[0])
    pool, held = views.x[:, :n_train_views], views.x[:n_eval, n_train_views:]
    rows = []
    for seed in seeds:
        with clock("train"):
            trained = train_on_groups(
                "simclr",
                pool,
                steps=steps,
                batch_size=batch_size,
                latent_dim=D_H,
                seed=seed,
                **METHOD_OPTIONS["simclr"],
                **HEAD,
            )
        with clock("eval"):
            g = torch.Generator().manual_seed(seed)
            for where, z in _through_heads(trained, pool, held, seed).items():
                acc = {
                    name: group_split_probe(
                        z, target[:n_eval, n_train_views:], task="classification", generator=g, **IMAGE_PROBE
                    ).test
                    for name, target in (("rotation_acc", views.style), ("class_acc", views.content))
                }
                rows.append(
                    {"seed": seed, "where": where, "rho_w": geometry.within_group_variance_ratio(z), **acc}
                )
    return pd.DataFrame(rows)
