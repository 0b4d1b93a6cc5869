"""Claims of notebook 05's controlled comparison (paper claim C6 where convergence is affordable), declared
before the run. The lead adds ``CLAIMS`` to notebook 05's spec (:mod:`simvae_core.specs.c6_vae_family`).

Data with known content and style (:mod:`simvae_core.experiments.c6_controlled`): per group a content
``c ∈ R²`` of variance 1, per view a style ``ε_j ∈ R³`` of variance ``STYLE_VAR`` = 4, mixed linearly into
``R¹²`` with noise ``NOISE_VAR``; a latent of ``LATENT_DIM`` = 3 units, too few for the 5 factors, so each
objective must choose. Linear encoder and decoder, so that training to a plateau fits in a CPU budget.

- ``C6.controlled.vs_best``: SimVAE's content R² exceeds that of the best of the VAE, β-VAE and CR-VAE (the
  maximum of the three at each seed, which favours the baselines) by more than ``M_CONTENT``, over
  ``SEEDS`` paired seeds, each method at the knob value chosen on the validation split at selection seeds
  ``seed + SELECT_OFFSET + i`` (never a test seed), and each run read at its checkpoint of best
  validation content in the second half of training (early stopping, the same rule for all: CR-VAE's
  content oscillates between checkpoints). Its premise ``C6.controlled.plateau``: SimVAE's early-stopped
  reading has converged, i.e. the best validation content of its second half rose by less than
  ``M_PLATEAU`` over the last fifth of training (``c6_controlled.stopping_rise``).
  The baselines' best checkpoints still rise late (their content swings between checkpoints); that rise is
  reported, not gated: a later best checkpoint is a maximum over more swings, which favours them.
- ``C6.controlled.style``: SimVAE spends its one spare unit on style, so its style R² is the closed form
  for one kept style direction, ``(1/3) a²/(a² + σ_n²)``, within ``M_STYLE`` (C6's "generative fits keep
  style"; 0 would mean the style was discarded, 0.98 that all of it was kept).
- ``C6.controlled.shuffled`` (negative control of ``vs_best``'s check): SimVAE trained on views whose
  groups were shuffled (nothing shared within a group) keeps more content than the VAE. Without groups
  SimVAE's prior cannot tell content from style, so it must fail, and near its margin: neither keeps
  the content in an active unit (what a probe reads, about 0.3, comes through units the ELBO switched off).

The margins were fixed before the committed run. Calibration (seeds 1000-1009, selection seeds 1100-1101,
the default sizes: 2 048 groups, 1 500 steps of Adam at 3e-3, about 250 s of CPU) chose σ² = 0.01, σ_x² =
10, β = 10 and γ = 10, all interior; CR-VAE was the best baseline at every seed. It gave ``vs_best`` +0.160
[0.098, 0.222] (paired sd 0.087, so 10 seeds resolve about 0.06 beyond the margin), ``style`` −0.019
[−0.027, −0.010] against the closed form, the negative control −0.084 [−0.186, 0.019] (2.7 margins short of
passing), and a premise on SimVAE's content at the end of training, −0.020 [−0.058, 0.018]: inconclusive,
because at one seed of ten SimVAE's content fell by 0.17 in the last fifth. That premise measured the end of
the curve while the claim reads early-stopped values, so the lead replaced it (before any committed run) by
the rise of the early-stopped reading; a second calibration (seeds 1000-1009, data drawn at seed 1007) gave
SimVAE rises of 0.000-0.004, the baselines' up to 0.34 (VAE, seed 1001), and ``vs_best`` +0.108 (paired sd
0.060). Adam at 1e-2 left the stiff settings (σ² = 0.001, γ ≥ 100) oscillating between checkpoints; at 1e-3
SimVAE had not converged in 2 400 steps. Hence the rate 3e-3 and early stopping on validation.
"""

from __future__ import annotations

from ..claims import ClaimSpec

SEEDS = 10  # paired test seeds (n_seeds of notebook 05's default profile)
SELECT_OFFSET = 100  # selection seeds seed + 100, seed + 101, …: disjoint from the test seeds

CONTENT_DIM, STYLE_DIM, LATENT_DIM = 2, 3, 3
STYLE_VAR, NOISE_VAR = 4.0, 0.1

# margins, frozen before the committed run
M_CONTENT = 0.05  # content R²: a twentieth of the variance of c
M_PLATEAU = 0.025  # rise of SimVAE's early-stopped content over the last fifth: half of M_CONTENT
M_STYLE = 0.05  # style R² around the one-unit closed form
STYLE_ONE_UNIT = STYLE_VAR / (STYLE_VAR + NOISE_VAR) / STYLE_DIM  # 0.325

_CONTENT = (
    "R² of the content c from held-out views (ridge probe, groups split 70/15/15, mean over c's 2 "
    "coordinates)"
)
_FIXED = "fixed before the run"


def _c(id: str, **kw: object) -> ClaimSpec:
    return ClaimSpec(id=id, paper_claim="C6", **{"kind": "empirical", "seeds": SEEDS, **kw})  # type: ignore[arg-type]


CLAIMS: tuple[ClaimSpec, ...] = (
    _c(
        "C6.controlled.plateau",
        statement="SimVAE's early-stopped reading has converged: the best validation content of its "
        "second half rose by less than 0.025 over the last fifth of training",
        statistic="best validation content R² of SimVAE in the second half of training minus the best up "
        "to four fifths of it (never negative)",
        reference="no rise",
        reference_kind="theory",
        direction="within",
        margin=M_PLATEAU,
        margin_source=f"{_FIXED}: half the primary's margin, so another fifth of training at the same "
        "pace could not carry the gap across it; calibration (seeds 1000-1009) set the training length",
    ),
    _c(
        "C6.controlled.vs_best",
        statement="with too few latent units for content and style, SimVAE keeps more of the content than "
        "the best of the VAE, β-VAE and CR-VAE, each at its validation-chosen setting",
        statistic=_CONTENT,
        reference="the best baseline at each seed (max of VAE, β-VAE, CR-VAE; same seeds); every run at "
        "its checkpoint of best validation content in the second half of training",
        reference_kind="control",
        direction="greater",
        margin=M_CONTENT,
        margin_source=f"{_FIXED}: a twentieth of the variance of c",
        premise="C6.controlled.plateau",
    ),
    _c(
        "C6.controlled.style",
        statement="SimVAE spends its spare latent unit on style: it keeps one style direction of three",
        statistic="R² of the per-view style ε from held-out views (ridge probe, mean over ε's 3 coordinates)",
        reference=f"closed form (1/3) a²/(a² + σ_n²) = {STYLE_ONE_UNIT:.3f}",
        reference_kind="theory",
        direction="within",
        margin=M_STYLE,
        margin_source=f"{_FIXED}: a sixth of the closed form; keeping none (0) or two directions (0.65) "
        "lies far outside",
    ),
    _c(
        "C6.controlled.shuffled",
        statement="negative control: SimVAE trained on shuffled groups (views of unrelated groups) keeps "
        "more of the content than the VAE",
        statistic=_CONTENT,
        reference="the VAE at its chosen setting (same seeds)",
        reference_kind="control",
        direction="greater",
        margin=M_CONTENT,
        margin_source="the check of C6.controlled.vs_best",
        kind="negative_control",
        checks="C6.controlled.vs_best",
    ),
)
