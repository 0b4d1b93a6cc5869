"""C2/C3: discriminative SSL against the SSL model, on data drawn from the model itself (notebook 02).

Three synthetic worlds, each with its ground truth known:

- :func:`sphere_groups`   the SSL model on the sphere, ``y ~ U(S^{d−1})``, ``z_j | y ~ vMF(y, κ)``,
  ``x_j = g(z_j)`` through a fixed injective MLP (C2: do the views cluster by group?)
- :func:`anchor_pairs`    Zimmermann et al.'s pairs, anchor ``x = g(y)`` and positive ``x̃ = g(z̃)``: the
  Bayes posterior over candidate anchors is ``softmax_i(κ z̃ᵀ y_i)``, the InfoNCE softmax at τ = 1/κ (C2)
- :func:`content_style_groups`  von Kügelgen et al.'s block model, content ``c`` shared by the views of a
  group, style ``s + ε_j`` with a shared part ``s`` and a per-view part ``ε_j`` (C3: what is kept?)

Runners (tidy tables, one row per method × seed × checkpoint; they read no notebook globals):

- :func:`cluster_curves`    group identification (NCC), R²(y) and ρ_w of held-out views while training
- :func:`posterior_curves`  total variation between SimCLR's softmax and the Bayes posterior while training
- :func:`style_curves`      R² of content, shared style and per-view style while training
- :func:`references`        the same scores for the true latents and the raw observations
- :func:`linear_optima_error`  the linear-Gaussian closed forms (spectral contrastive vs probabilistic PCA)

``SIZES`` holds the typed sizes per profile and ``SPEC`` the claims (declared in
:mod:`simvae_core.specs.c2_c3_correspondence`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd
import torch
import torch.nn.functional as F

from ..analysis import geometry, metrics
from ..analysis.probes import group_split_probe
from ..notebook.sizes import RunSizes, SizeTable
from ..specs.c2_c3_correspondence import M_PLATEAU_R2 as PLATEAU_FALL
from ..specs.c2_c3_correspondence import SPEC
from ..theory import linear as linear_theory
from ..theory import ssl_model as ssl
from ..theory.generators import make_decoder
from .common import Clock, encode_views, last_fifth, watched_fit

__all__ = [
    "last_fifth",  # re-exported from .common: notebook 02 reads its plateaus with it
    "OPTIONS",
    "PLATEAU_FALL",
    "PRIMARY",
    "SECONDARY",
    "SIZES",
    "SPEC",
    "Groups",
    "Pairs",
    "Sizes",
    "anchor_pairs",
    "at_end",
    "budget",
    "cluster_curves",
    "cluster_scores",
    "content_style_groups",
    "linear_optima_error",
    "per_seed",
    "posterior_curves",
    "posterior_scores",
    "references",
    "sphere_groups",
    "style_gap",
    "style_curves",
    "style_scores",
]

SPHERE_DIM, SPHERE_KAPPA = 8, 50.0  # groups tight compared with their spread on S⁷
POST_DIM, POST_KAPPA, POST_K = 5, 10.0, 64  # Zimmermann et al.'s setting; K candidates per softmax
N_CONTENT = N_STYLE = 5
N_POOL, N_HELD = 4, 2  # views 0-3 train, views 4-5 are held out
PRIMARY = ("simclr", "vicreg", "simvae")
SECONDARY = ("moco", "instance_discrimination", "barlow_twins", "byol", "simsiam", "dino", "swav")
# SimCLR at τ = 1/κ (the matched temperature), SimVAE at σ² = 1/κ on the sphere; every other method at
# its registered defaults
OPTIONS: dict[str, dict[str, Any]] = {
    "simclr": {"temperature": 1 / SPHERE_KAPPA},
    "simvae": {"sigma2": 1 / SPHERE_KAPPA},
}
STYLE_OPTIONS: dict[str, dict[str, Any]] = {"simclr": {"temperature": 0.1}, "simvae": {"sigma2": 0.15}}


@dataclass(frozen=True)
class Sizes(RunSizes):
    """``n_groups`` per grouped data set and ``n_pairs`` anchor/positive pairs (fresh enough that SimCLR
    does not overfit them); ``steps`` of ``batch_size`` groups × 2 views for the cluster runs,
    ``style_steps`` for the style runs and ``posterior_steps`` for the posterior runs (the last two to
    their declared plateau); ``checkpoints`` evenly spaced evaluations along every run (the last at its
    end, one at four fifths). The secondary methods get ``secondary_steps`` and ``secondary_seeds``
    (reported, no claim)."""

    n_groups: int
    n_pairs: int
    batch_size: int
    steps: int
    style_steps: int
    posterior_steps: int
    checkpoints: int
    secondary_steps: int
    secondary_seeds: int


SIZES = SizeTable(
    smoke=Sizes(
        n_seeds=2,
        n_groups=256,
        n_pairs=1024,
        batch_size=128,
        steps=20,
        style_steps=20,
        posterior_steps=40,
        checkpoints=5,
        secondary_steps=4,
        secondary_seeds=1,
    ),
    default=Sizes(
        n_seeds=10,
        n_groups=1024,
        n_pairs=32768,
        batch_size=128,
        steps=400,
        style_steps=1000,
        posterior_steps=2560,
        checkpoints=10,
        secondary_steps=200,
        secondary_seeds=2,
    ),
    full=Sizes(
        n_seeds=20,
        n_groups=4096,
        n_pairs=262144,
        batch_size=256,
        steps=4000,
        style_steps=4000,
        posterior_steps=20000,
        checkpoints=10,
        secondary_steps=4000,
        secondary_seeds=10,
    ),
)


# ------------------------------------------------------------------------------------------------ data


class Groups(NamedTuple):
    """Views of N groups: ``pool`` (N, 4, D) to train on, ``held`` (N, 2, D) held out, their latents
    ``z`` (N, 6, d), and the per-group factors (``y`` (N, d); for the block model content, shared style
    and the per-view style part (N, 6, 5))."""

    pool: torch.Tensor
    held: torch.Tensor
    z: torch.Tensor
    y: torch.Tensor
    style: torch.Tensor | None = None
    per_view: torch.Tensor | None = None


class Pairs(NamedTuple):
    """Anchor/positive pairs: ``train`` (N, 2, D); ``test`` (M, 2, D) with latents ``z_test`` (M, 2, d)."""

    train: torch.Tensor
    test: torch.Tensor
    z_test: torch.Tensor


def _standardise(x: torch.Tensor, n: int | None = None) -> torch.Tensor:
    ref = x if n is None else x[:n]
    return (x - ref.mean((0, 1))) / ref.std((0, 1))


def _split(x: torch.Tensor, z: torch.Tensor, y: torch.Tensor, **factors: Any) -> Groups:
    return Groups(x[:, :N_POOL], x[:, N_POOL:], z, y, **factors)


def sphere_groups(n_groups: int, generator: torch.Generator) -> Groups:
    """The SSL model on S⁷ (κ = 50) through a fixed random injective MLP; x standardised. (N, 6, 8)."""
    mix = make_decoder("mlp", SPHERE_DIM, generator=generator)
    with torch.no_grad():
        s = ssl.sample_spherical_groups(n_groups, N_POOL + N_HELD, SPHERE_DIM, SPHERE_KAPPA, mix, generator)
    return _split(_standardise(s.x.float()), s.z.float(), s.y.float())


def anchor_pairs(n_train: int, generator: torch.Generator, n_test: int = 4096) -> Pairs:
    """Zimmermann et al.'s pairs on S⁴ (κ = 10): view 0 is ``g(y)``, view 1 ``g(z̃)``, z̃ ~ vMF(y, κ)."""
    mix = make_decoder("mlp", POST_DIM, generator=generator)
    with torch.no_grad():
        s = ssl.sample_spherical_groups(
            n_train + n_test, 2, POST_DIM, POST_KAPPA, mix, generator, anchor_view=True
        )
    x = _standardise(s.x.float(), n_train)
    return Pairs(x[:n_train], x[n_train:], s.z[n_train:].float())


def content_style_groups(n_groups: int, generator: torch.Generator) -> Groups:
    """The content/style block model: ``c, s ~ N(0, I₅)`` per group, ``ε_j ~ N(0, I₅)`` per view,
    ``x_j = g(c, s + ε_j)`` through a fixed injective MLP in R¹⁰; x standardised. ``y`` holds the content c,
    ``style`` the shared style s, ``per_view`` the ε_j (N, 6, 5)."""
    j = N_POOL + N_HELD
    c = torch.randn(n_groups, N_CONTENT, generator=generator)
    s = torch.randn(n_groups, N_STYLE, generator=generator)
    eps = torch.randn(n_groups, j, N_STYLE, generator=generator)
    z = torch.cat([c[:, None].expand(-1, j, -1), s[:, None] + eps], -1)  # (N, J, 10)
    mix = make_decoder("mlp", N_CONTENT + N_STYLE, generator=generator)
    with torch.no_grad():
        x = mix(z.reshape(-1, z.shape[-1])).reshape(n_groups, j, -1)
    return _split(_standardise(x), z, c, style=s, per_view=eps)


# ------------------------------------------------------------------------------------------------ scores


def _probe_r2(h: torch.Tensor, target: torch.Tensor, seed: int) -> list[float]:
    """Per-output test R² of a ridge probe of ``target`` (N, m) from ``h`` (N, d), groups split 70/15/15."""
    gen = torch.Generator().manual_seed(seed)
    result = group_split_probe(h.double(), target.double(), task="regression", generator=gen)
    return list(result.params.get("r2_per_output", [result.test]))


def cluster_scores(
    pool: torch.Tensor, held: torch.Tensor, y: torch.Tensor, seed: int = 0
) -> dict[str, float]:
    """Group identification, content and spread of representations of the pool views (N, 4, d) and the
    held-out views (N, 2, d): ``NCC``, nearest-centroid accuracy of each held-out view among all N groups
    (centroids from the pool, cosine; chance 1/N); ``R2_y``, ridge R² of y from held-out view 4 (mean over
    coordinates); ``rho_w``, the within-group share of the held-out views' variance."""
    n = pool.shape[0]
    ncc = geometry.nearest_centroid_accuracy(
        pool.reshape(n * pool.shape[1], -1),
        torch.arange(n).repeat_interleave(pool.shape[1]),
        held.reshape(n * held.shape[1], -1),
        torch.arange(n).repeat_interleave(held.shape[1]),
    )
    r2 = _probe_r2(held[:, 0], y, seed)
    return {"NCC": ncc, "R2_y": sum(r2) / len(r2), "rho_w": geometry.within_group_variance_ratio(held)}


def style_scores(held: torch.Tensor, data: Groups, seed: int = 0) -> dict[str, float]:
    """What the representations of the two held-out views (N, 2, d) keep of the block model's factors,
    each the mean ridge R² over 5 coordinates (groups split 70/15/15):

    - ``content``: c from view 4;
    - ``shared``: the shared style s from the mean of the two views' representations (the between-group
      part; the true latents reach 2/3 there, since their mean still carries the mean of two ε's);
    - ``per_view``: ε₄ − ε₅ from the difference of the two views' representations (the within-group part:
      1 for the true latents, 0 for a representation that is constant within a group);

    and ``rho_w``, the within-group share of the held-out views' variance. From a single view the shared
    and per-view parts cannot be told apart (it carries only their sum), hence the pair."""
    assert data.style is not None and data.per_view is not None
    k = N_CONTENT
    content = _probe_r2(held[:, 0], data.y, seed)
    shared = _probe_r2(held.mean(1), data.style, seed)
    eps = data.per_view[:, N_POOL:]  # (N, 2, 5)
    per_view = _probe_r2(held[:, 0] - held[:, 1], eps[:, 0] - eps[:, 1], seed)
    return {
        "content": sum(content) / k,
        "shared": sum(shared) / k,
        "per_view": sum(per_view) / k,
        "rho_w": geometry.within_group_variance_ratio(held),
    }


def posterior_scores(model: Any, pairs: Pairs, tau: float) -> dict[str, float]:
    """SimCLR's softmax over K = 64 candidate anchors against the Bayes posterior ``softmax(κ z̃ᵀ y_i)``, on
    the test pairs: ``TV`` (mean total variation), ``TV_2tau`` (the same softmax read at 2τ), ``ECE``
    (expected calibration error) and ``top1`` (the positive's anchor ranked first)."""
    emb = F.normalize(encode_views(model, pairs.test), dim=-1)  # (M, 2, d)
    m = (emb.shape[0] // POST_K) * POST_K
    d = emb.shape[-1]
    a, pos = emb[:m, 0].reshape(-1, POST_K, d), emb[:m, 1].reshape(-1, POST_K, d)  # (B, K, d)
    za, zp = (pairs.z_test[:m, v].reshape(-1, POST_K, POST_DIM) for v in (0, 1))
    sim = pos @ a.mT  # (B, K, K): row = positive, column = candidate anchor
    bayes = torch.softmax(POST_KAPPA * zp @ za.mT, dim=-1)
    target = torch.arange(POST_K).repeat(sim.shape[0])
    out = {}
    for name, t in (("TV", tau), ("TV_2tau", 2 * tau)):
        learned = torch.softmax(sim / t, dim=-1)
        out[name] = 0.5 * float((learned - bayes).abs().sum(-1).mean())
        if name == "TV":
            flat = learned.reshape(-1, POST_K)
            out["ECE"] = metrics.expected_calibration_error(flat, target)
            out["top1"] = float((flat.argmax(1) == target).float().mean())
    return out


def references(data: Groups, seed: int = 0) -> pd.DataFrame:
    """The scores of the true latents and of the raw observations x, one row each (``method``):
    :func:`style_scores` for the block model (``data.style`` set), :func:`cluster_scores` otherwise."""
    rows = []
    for name, pool, held in (
        ("true latents", data.z[:, :N_POOL], data.z[:, N_POOL:]),
        ("raw x", data.pool, data.held),
    ):
        if data.style is not None:
            scores = style_scores(held, data, seed)
        else:
            scores = cluster_scores(pool, held, data.y, seed)
        rows.append({"method": name, **scores})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ runners


def cluster_curves(
    data: Groups,
    methods: Iterable[str],
    *,
    seeds: Sequence[int],
    steps: int,
    batch_size: int,
    checkpoints: int,
    clock: Clock,
) -> pd.DataFrame:
    """Each method on the sphere groups (d = 8; ``OPTIONS``): NCC, R²(y) and ρ_w of held-out views at step
    0 (the untrained network) and at ``checkpoints`` points of ``steps``. Columns: method, seed, step,
    NCC, R2_y, rho_w."""
    rows = []
    for method in methods:
        for seed in seeds:

            def evaluate(model: Any, seed: int = seed) -> dict[str, float]:
                h = encode_views(model, torch.cat([data.pool, data.held], 1))
                return cluster_scores(h[:, :N_POOL], h[:, N_POOL:], data.y, seed)

            got, _ = watched_fit(
                method,
                data.pool,
                steps=steps,
                batch_size=batch_size,
                latent_dim=SPHERE_DIM,
                seed=seed,
                checkpoints=checkpoints,
                evaluate=evaluate,
                clock=clock,
                **OPTIONS.get(method, {}),
            )
            rows += [{"method": method, "seed": seed, **r} for r in got]
    return pd.DataFrame(rows)


def posterior_curves(
    pairs: Pairs, *, seeds: Sequence[int], steps: int, batch_size: int, checkpoints: int, clock: Clock
) -> pd.DataFrame:
    """SimCLR (no head, τ = 1/κ) on the anchor pairs: :func:`posterior_scores` at step 0 (untrained) and at
    ``checkpoints`` points. Columns: seed, step, TV, TV_2tau, ECE, top1."""
    tau = 1 / POST_KAPPA
    rows = []
    for seed in seeds:
        got, _ = watched_fit(
            "simclr",
            pairs.train,
            steps=steps,
            batch_size=batch_size,
            latent_dim=POST_DIM,
            seed=seed,
            checkpoints=checkpoints,
            evaluate=lambda model: posterior_scores(model, pairs, tau),
            clock=clock,
            temperature=tau,
        )
        rows += [{"seed": seed, **r} for r in got]
    return pd.DataFrame(rows)


def style_curves(
    data: Groups,
    runs: Iterable[tuple[str, int]],
    *,
    seeds: Sequence[int],
    steps: int,
    batch_size: int,
    checkpoints: int,
    clock: Clock,
) -> pd.DataFrame:
    """Each (method, d) on the content/style groups: :func:`style_scores` of held-out views at step 0 and
    at ``checkpoints`` points. Columns: method, d, seed, step, content, shared, per_view, rho_w."""
    rows = []
    for method, d in runs:
        for seed in seeds:
            got, _ = watched_fit(
                method,
                data.pool,
                steps=steps,
                batch_size=batch_size,
                latent_dim=d,
                seed=seed,
                checkpoints=checkpoints,
                evaluate=lambda model, seed=seed: style_scores(encode_views(model, data.held), data, seed),
                clock=clock,
                **STYLE_OPTIONS.get(method, {}),
            )
            rows += [{"method": method, "d": d, "seed": seed, **r} for r in got]
    return pd.DataFrame(rows)


def per_seed(curves: pd.DataFrame, value: str, step: str | int = "end", **where: Any) -> list[float]:
    """``value`` of the rows matching ``where`` (column = value), one per seed in seed order: at the last
    step of each seed's run (``step="end"``) or at ``step`` (0: the untrained network)."""
    part = curves
    for column, wanted in where.items():
        part = part[part[column] == wanted]
    if step == "end":
        part = part[part["step"] == part.groupby("seed")["step"].transform("max")]
    else:
        part = part[part["step"] == step]
    return [float(v) for v in part.sort_values("seed")[value]]


def at_end(curves: pd.DataFrame, by: Sequence[str] = ("method",)) -> pd.DataFrame:
    """The rows of each run's last checkpoint (one per ``by`` × seed)."""
    last = curves.groupby([*by, "seed"])["step"].transform("max")
    return curves[curves["step"] == last]


def style_gap(curves: pd.DataFrame, value: str = "per_view", d: int = N_CONTENT) -> pd.DataFrame:
    """SimVAE − SimCLR on ``value`` at dimension ``d``, per seed and step (columns seed, step, gap)."""
    wide = curves[curves["d"] == d].pivot_table(value, ["seed", "step"], "method").reset_index()
    return wide.assign(gap=wide["simvae"] - wide["simclr"])[["seed", "step", "gap"]]


def budget(sizes: Sizes) -> str:
    """What a run of these sizes spends, for ``book.describe_budget``."""
    s = sizes
    return (
        f"{s.n_seeds} seeds; clusters: {s.steps} steps, style: {s.style_steps} steps, of {s.batch_size} "
        f"groups × 2 views on {s.n_groups} groups; posterior: {s.posterior_steps} steps on {s.n_pairs} "
        f"pairs; other methods: {s.secondary_steps} steps, {s.secondary_seeds} seed(s), reported"
    )


def linear_optima_error(seed: int = 0) -> tuple[float, pd.DataFrame]:
    """Linear encoders on Gaussian content/style views (D = 20, content in R³, shared style a², per-view
    style b² = 1, noise 0.1): population R² of content and style at the spectral contrastive optimum (top-k
    CCA directions) and at probabilistic PCA's, and the largest deviation from their closed forms over 7
    cells (content's canonical correlation 1/1.1, style's a²/(a² + b² + 0.1))."""
    table = {}
    for a2, k in ((0.5, 3), (0.5, 6), (0.0, 6)):
        cov = linear_theory.content_style_views_covariance(a2=a2, b2=1.0, noise_var=0.1, seed=seed)
        spec = linear_theory.population_r2(
            linear_theory.spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, k).W, cov
        )
        pca = linear_theory.population_r2(linear_theory.ppca_optimum(cov.sigma, k).W, cov) if a2 else None
        table[f"a²={a2}, k={k}"] = {
            "spectral content": spec.content,
            "spectral style": spec.style,
            "PCA content": pca.content if pca else float("nan"),
            "PCA style": pca.style if pca else float("nan"),
        }
    frame = pd.DataFrame(table).T
    theory = {
        ("a²=0.5, k=3", "spectral content"): 1 / 1.1,
        ("a²=0.5, k=3", "spectral style"): 0.0,
        ("a²=0.5, k=3", "PCA content"): 0.0,
        ("a²=0.5, k=3", "PCA style"): 1.5 / 1.6,
        ("a²=0.5, k=6", "spectral style"): 1.5 / 1.6,
        ("a²=0.0, k=6", "spectral content"): 1 / 1.1,
        ("a²=0.0, k=6", "spectral style"): 0.0,
    }
    return max(abs(float(frame.loc[r, c]) - v) for (r, c), v in theory.items()), frame
