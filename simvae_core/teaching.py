"""Live controls for teaching: move σ², s², τ, K and d and watch the closed forms change (notebooks 01, 03).

Two explorers, used by notebooks 01 and 03:

- :func:`posterior_explorer` — K groups with unit-norm centres ``y_i`` in d dimensions and a query
  ``z = y_0 + σ ε``. The Bayes posterior over the groups, ``softmax_i(−‖z − y_i‖²/2σ²)``, against the
  InfoNCE / instance-discrimination softmax ``softmax_i(zᵀy_i/τ)``: they coincide exactly when τ = σ²
  (equal-norm centres), and the mean total-variation distance over queries grows as τ leaves σ².
- :func:`mi_explorer` — the mutual information of two views, ``I(z_1; z_2) = −(d/2) log(1 − ρ²)`` with
  ``ρ = s²/(s² + σ²)``, and of content and a view, ``I(y; z_1)``, over σ², against InfoNCE's ceiling
  ``log K`` and the InfoNCE value of the analytic (Bayes) critic at that K: the bound saturates at log K
  long before the views become identical.

Each explorer has pure *state* functions (:func:`posterior_state`, :func:`mi_state`) that the tests drive
directly, *draw* functions that paint a state on matplotlib axes, and ``show()``: sliders (ipywidgets) in
JupyterLab, or, when no one is watching (``SIMVAE_BATCH_RUN=1``, set by the pipeline and the test suite),
one static drawing at the initial values, so papermill runs and executed notebooks stay deterministic.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import torch

from .notebook.figures import BATCH_ENV
from .objectives.mi_bounds import infonce
from .theory import known_mi, ssl_model

TAU_RATIOS = torch.logspace(-1.5, 1.5, 41, dtype=torch.float64)  # τ/σ² for the TV curve
SIGMA2_GRID = torch.logspace(-3, 1, 25, dtype=torch.float64)  # σ² for the MI curves


def interactive() -> bool:
    """Whether a person may be moving the sliders (False in batch runs: see the module docstring)."""
    return os.environ.get(BATCH_ENV) != "1"


def _check(name: str, value: Any, low: float, high: float, integer: bool = False) -> None:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not (low <= value <= high) or value != value:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{name} must be {kind} in [{low:g}, {high:g}], got {value!r}")


def _check_controls(sigma2: Any, K: Any, d: Any, d_min: int, **variances: Any) -> None:
    """The sliders' ranges, checked before any work: σ² and the other variances, K, d."""
    for name, value in {"sigma2": sigma2, **variances}.items():
        _check(name, value, 1e-4, 100)
    _check("K", K, 2, 4096, integer=True)
    _check("d", d, d_min, 512, integer=True)


# ------------------------------------------------------------------------------------------ posterior


@dataclass
class PosteriorState:
    sigma2: float
    tau: float
    K: int
    d: int
    bayes: torch.Tensor  # (K,) Bayes posterior of one query, groups sorted by it
    softmax: torch.Tensor  # (K,) the InfoNCE softmax at τ for the same query, same order
    tau_ratios: torch.Tensor  # τ/σ² grid
    tv_curve: torch.Tensor  # mean TV(Bayes, softmax at τ) over the queries, on the grid
    tv: float  # mean TV at this τ


def _centres_and_queries(sigma2: float, K: int, d: int, n_queries: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    centres = ssl_model.sample_uniform_sphere(K, d, generator=g, dtype=torch.float64)
    labels = torch.randint(0, K, (n_queries,), generator=g)
    z = centres[labels] + math.sqrt(sigma2) * torch.randn(n_queries, d, generator=g, dtype=torch.float64)
    return centres, z


def _tv(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return 0.5 * (p - q).abs().sum(dim=-1)


def posterior_state(
    sigma2: float = 0.1, tau: float = 0.1, K: int = 16, d: int = 8, *, seed: int = 0, n_queries: int = 512
) -> PosteriorState:
    """Bayes posterior over K unit-norm groups at σ² against the InfoNCE softmax at τ (module docstring)."""
    _check_controls(sigma2, K, d, d_min=2, tau=tau)  # unit-norm centres need a sphere of dimension ≥ 1
    centres, z = _centres_and_queries(sigma2, K, d, n_queries, seed)
    bayes = ssl_model.posterior_over_groups(z, centres, sigma2)  # (n, K)

    def softmax_at(t: float) -> torch.Tensor:
        return ssl_model.instance_discrimination_softmax(z, centres, temperature=t)

    tv_curve = torch.stack([_tv(bayes, softmax_at(float(r) * sigma2)).mean() for r in TAU_RATIOS])
    at_tau = softmax_at(tau)
    order = torch.argsort(bayes[0], descending=True)
    return PosteriorState(
        sigma2=float(sigma2),
        tau=float(tau),
        K=K,
        d=d,
        bayes=bayes[0, order],
        softmax=at_tau[0, order],
        tau_ratios=TAU_RATIOS.clone(),
        tv_curve=tv_curve,
        tv=float(_tv(bayes, at_tau).mean()),
    )


def draw_posterior(state: PosteriorState, axes: Any) -> None:
    """Two panels: one query's probabilities (Bayes vs softmax), and mean TV as τ/σ² varies."""
    ax_bar, ax_tv = axes
    for ax in axes:
        ax.clear()
    shown = min(state.K, 24)
    idx = torch.arange(shown).numpy()
    ax_bar.bar(
        idx - 0.2,
        state.bayes[:shown].numpy(),
        width=0.4,
        label=rf"Bayes posterior at $\sigma^2={state.sigma2:.3g}$",
    )
    ax_bar.bar(
        idx + 0.2,
        state.softmax[:shown].numpy(),
        width=0.4,
        label=rf"InfoNCE softmax at $\tau={state.tau:.3g}$",
    )
    ax_bar.set_xlabel(
        "group (sorted by the Bayes posterior)" + (f"; first {shown} of {state.K}" if shown < state.K else "")
    )
    ax_bar.set_ylabel(r"$p(y = y_i \mid z)$")
    ax_bar.set_ylim(0, 1)
    ax_bar.xaxis.get_major_locator().set_params(integer=True)
    ax_bar.legend(loc="upper right", fontsize="small")
    ax_bar.set_title(f"one query, K = {state.K}, d = {state.d}")
    ax_tv.semilogx(state.tau_ratios.numpy(), state.tv_curve.numpy(), color="C2")
    ax_tv.axvline(1.0, color="grey", ls=":", label=r"$\tau = \sigma^2$")
    ax_tv.plot([state.tau / state.sigma2], [state.tv], "o", color="C1", label=f"this τ: TV = {state.tv:.3f}")
    ax_tv.set_xlabel(r"$\tau / \sigma^2$")
    ax_tv.set_ylabel("mean total variation to Bayes")
    ax_tv.set_ylim(bottom=0)
    ax_tv.legend(loc="upper left", fontsize="small")
    ax_tv.set_title("the softmax is the Bayes posterior only at τ = σ²")


# ------------------------------------------------------------------------------------------------- MI


@dataclass
class MIState:
    sigma2: float
    s2: float
    K: int
    d: int
    sigma2_grid: torch.Tensor
    view_mi: torch.Tensor  # I(z_1; z_2) on the grid, nats
    content_mi: torch.Tensor  # I(y; z_1) on the grid, nats
    infonce_grid: torch.Tensor  # InfoNCE with the analytic critic at K, on the grid (Monte Carlo)
    log_k: float
    mi: float  # I(z_1; z_2) at σ²
    infonce_at: float  # analytic-critic InfoNCE at σ² (Monte Carlo)
    se_at: float  # its Monte Carlo standard error


def _infonce_analytic(sigma2: float, s2: float, K: int, d: int, n_batches: int, g: torch.Generator):
    """Mean and standard error of InfoNCE with the Bayes critic over ``n_batches`` batches of K pairs."""
    values = []
    for _ in range(n_batches):
        y = math.sqrt(s2) * torch.randn(K, d, generator=g, dtype=torch.float64)
        z1 = y + math.sqrt(sigma2) * torch.randn(K, d, generator=g, dtype=torch.float64)
        z2 = y + math.sqrt(sigma2) * torch.randn(K, d, generator=g, dtype=torch.float64)
        values.append(float(infonce(known_mi.ssl_log_critic(z1, z2, sigma2, s2))))
    v = torch.tensor(values, dtype=torch.float64)
    se = float(v.std() / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return float(v.mean()), se


def mi_state(
    sigma2: float = 0.1, s2: float = 1.0, K: int = 64, d: int = 8, *, seed: int = 0, n_batches: int = 4
) -> MIState:
    """The views' MI over σ² with InfoNCE's ceiling log K and its analytic-critic value (module docstring)."""
    _check_controls(sigma2, K, d, d_min=1, s2=s2)
    _check("n_batches", n_batches, 1, 10_000, integer=True)
    g = torch.Generator().manual_seed(seed)
    grid = SIGMA2_GRID.clone()
    view = torch.tensor(
        [ssl_model.view_mutual_information(d, float(v), s2) for v in grid], dtype=torch.float64
    )
    content = torch.tensor(
        [ssl_model.content_mutual_information(d, float(v), s2) for v in grid], dtype=torch.float64
    )
    per_point = max(1, min(n_batches, n_batches * 64 // K))  # a large K is one precise batch already
    nce = torch.tensor(
        [_infonce_analytic(float(v), s2, K, d, per_point, g)[0] for v in grid], dtype=torch.float64
    )
    at, se = _infonce_analytic(sigma2, s2, K, d, max(n_batches, 8), g)
    return MIState(
        sigma2=float(sigma2),
        s2=float(s2),
        K=K,
        d=d,
        sigma2_grid=grid,
        view_mi=view,
        content_mi=content,
        infonce_grid=nce,
        log_k=math.log(K),
        mi=ssl_model.view_mutual_information(d, sigma2, s2),
        infonce_at=at,
        se_at=se,
    )


def draw_mi(state: MIState, ax: Any) -> None:
    """MI of the views and of content, InfoNCE (Bayes critic) and its log K ceiling, against σ²."""
    ax.clear()
    ax.loglog(
        state.sigma2_grid.numpy(), state.view_mi.numpy(), color="C0", label=r"$I(z_1; z_2)$ (closed form)"
    )
    ax.loglog(state.sigma2_grid.numpy(), state.content_mi.numpy(), color="C0", ls="--", label=r"$I(y; z_1)$")
    ax.loglog(
        state.sigma2_grid, state.infonce_grid.clamp_min(1e-6), color="C1", label="InfoNCE, Bayes critic"
    )
    ax.axhline(state.log_k, color="C3", ls=":", label=f"log K = {state.log_k:.2f} (K = {state.K})")
    ax.axvline(state.sigma2, color="grey", lw=0.8)
    ax.plot([state.sigma2], [max(state.infonce_at, 1e-6)], "o", color="C1")
    ax.plot([state.sigma2], [state.mi], "o", color="C0")
    ax.set_xlabel(r"style variance $\sigma^2$")
    ax.set_ylabel("nats")
    ax.set_ylim(1e-3, max(50.0, 2 * state.log_k))
    ax.set_title(
        rf"$s^2 = {state.s2:.3g}$, d = {state.d}: at $\sigma^2 = {state.sigma2:.3g}$ "
        f"I = {state.mi:.2f}, InfoNCE = {state.infonce_at:.2f} ± {state.se_at:.2f}"
    )
    ax.legend(loc="lower left", fontsize="small")


# ------------------------------------------------------------------------------------------ explorers


@dataclass
class Explorer:
    """A state function, a drawing function and the values of the controls; ``update`` redraws."""

    compute: Callable[..., Any]
    draw: Callable[[Any, Any], None]
    values: dict[str, Any]
    controls: dict[str, dict[str, Any]]  # name -> slider description
    ncols: int = 1
    state: Any = None
    fig: Any = None
    axes: Any = None
    _out: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(self.controls)
        if unknown:
            raise ValueError(f"no control named {sorted(unknown)}; controls: {sorted(self.controls)}")
        self.fig, axes = plt.subplots(
            1, self.ncols, figsize=(5.2 * self.ncols, 3.8), squeeze=False, layout="constrained"
        )
        self.axes = list(axes[0]) if self.ncols > 1 else axes[0][0]
        plt.close(self.fig)  # drawn on demand, never by the inline backend behind our back
        self.update()

    def update(self, **values: Any) -> Any:
        """Recompute the state with ``values`` changed and redraw; return the state."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"no control named {sorted(unknown)}; controls: {sorted(self.controls)}")
        self.values.update(values)
        self.state = self.compute(**self.values)
        self.draw(self.state, self.axes)
        return self.state

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()

    def widget(self) -> Any:
        """Sliders and the figure they drive (ipywidgets); moving a slider calls :meth:`update`."""
        import ipywidgets as w
        from IPython.display import Image, display

        self._out = w.Output()
        sliders = {}
        for name, spec in self.controls.items():
            kind = spec["kind"]
            value = self.values[name]
            if kind == "log":
                s = w.FloatLogSlider(value=value, base=10, min=spec["min"], max=spec["max"], step=0.05)
            elif kind == "options":
                s = w.SelectionSlider(options=spec["options"], value=value)
            else:
                s = w.IntSlider(value=value, min=spec["min"], max=spec["max"])
            s.description = spec["label"]
            s.continuous_update = False
            sliders[name] = s

        def redraw(change: Any = None) -> None:
            self.update(**{n: s.value for n, s in sliders.items()})
            with self._out:
                self._out.clear_output(wait=True)
                display(Image(data=self.png(), format="png"))

        for s in sliders.values():
            s.observe(redraw, names="value")
        redraw()
        return w.VBox([w.HBox(list(sliders.values()), layout=w.Layout(flex_flow="row wrap")), self._out])

    def show(self) -> None:
        """Sliders in JupyterLab; in a batch run one static drawing at the current values."""
        from IPython.display import Image, display

        if interactive():
            try:
                display(self.widget())
                return
            except ImportError:  # ipywidgets missing: say so, then draw statically
                print("ipywidgets is not installed (pip install ipywidgets): showing a static drawing")
        display(Image(data=self.png(), format="png"))


_SIGMA2 = {"kind": "log", "min": -3, "max": 1, "label": "σ²"}
_K = {"kind": "options", "options": [2**k for k in range(1, 11)], "label": "K"}
_D = {"kind": "int", "min": 2, "max": 64, "label": "d"}


def posterior_explorer(sigma2: float = 0.1, tau: float = 0.1, K: int = 16, d: int = 8) -> Explorer:
    """Bayes posterior vs InfoNCE softmax with sliders for σ², τ, K and d (notebook 01)."""
    return Explorer(
        compute=posterior_state,
        draw=draw_posterior,
        values={"sigma2": sigma2, "tau": tau, "K": K, "d": d},
        controls={"sigma2": _SIGMA2, "tau": {**_SIGMA2, "label": "τ"}, "K": _K, "d": _D},
        ncols=2,
    )


def mi_explorer(sigma2: float = 0.1, s2: float = 1.0, K: int = 64, d: int = 8) -> Explorer:
    """The views' MI, InfoNCE's analytic value and its log K ceiling, with sliders for σ², s², K and d."""
    return Explorer(
        compute=mi_state,
        draw=lambda state, ax: draw_mi(state, ax),
        values={"sigma2": sigma2, "s2": s2, "K": K, "d": d},
        controls={"sigma2": _SIGMA2, "s2": {**_SIGMA2, "label": "s²"}, "K": _K, "d": _D},
    )


# ------------------------------------------------------------------------------------- linear head (04)

R_GRID = torch.linspace(0.02, 0.98, 49, dtype=torch.float64)  # style view-correlations for the ρ_w curves
CONTENT_R, CONTENT_S = 0.9, 1.0  # the content features: nearly shared by the views, unit variance


@dataclass
class HeadState:
    r: float  # view correlation of the style features
    s: float  # variance of the style features
    n_style: int
    n_content: int
    pre: dict[str, float]  # std of one content / style feature before the head, (r s)^¼
    post: dict[str, float]  # after the head, √r
    rho_x: float  # within-group spread ρ_w of the input, of h and of g(h) (views J → ∞)
    rho_h: float
    rho_g: float
    r_grid: torch.Tensor
    rho_x_grid: torch.Tensor
    rho_h_grid: torch.Tensor
    rho_g_grid: torch.Tensor


_VARIANCE = {  # a feature's variance in each representation, from its variance s and view correlation r
    "x": lambda r, s: s,
    "h": lambda r, s: (r * s) ** 0.5,  # std (r s)^¼ before the head
    "g(h)": lambda r, s: r,  # std √r after it
}


def _head_rho(r: Any, s: float, n_style: int, n_content: int, where: str) -> Any:
    """ρ_w = Σ_i v_i (1 − r_i) / Σ_i v_i over the content and style features (``r``: the style features'
    view correlation, a number or a tensor), ``v_i`` the feature's variance in ``where``."""
    vc = n_content * _VARIANCE[where](CONTENT_R, CONTENT_S)
    vs = n_style * _VARIANCE[where](r, s)
    return (vc * (1 - CONTENT_R) + vs * (1 - r)) / (vc + vs)


def head_state(r: float = 0.3, s: float = 1.0, n_style: int = 4, n_content: int = 4) -> HeadState:
    """The optimum of the two-layer linear head under the spectral contrastive loss (notebook 04, §1):
    a feature of variance s whose two views correlate r has std ``(r s)^¼`` before the head and ``√r``
    after it. With a feature's views written ``√r y + √(1 − r) ε`` its within-group share is ``1 − r``,
    so the spread of a representation is the variance-weighted mean ``ρ_w = Σ v_i (1 − r_i) / Σ v_i``:
    the input weighs features by s, h by √(r s), g(h) by r. Content features: r = 0.9, s = 1."""
    _check("r", r, 0.01, 0.99)
    _check("s", s, 1e-3, 100)
    _check("n_style", n_style, 1, 64, integer=True)
    _check("n_content", n_content, 1, 64, integer=True)
    rho = {w: _head_rho(R_GRID, s, n_style, n_content, w) for w in _VARIANCE}
    at = {w: float(_head_rho(r, s, n_style, n_content, w)) for w in _VARIANCE}
    return HeadState(
        r=float(r),
        s=float(s),
        n_style=n_style,
        n_content=n_content,
        pre={"content": (CONTENT_R * CONTENT_S) ** 0.25, "style": (r * s) ** 0.25},
        post={"content": math.sqrt(CONTENT_R), "style": math.sqrt(r)},
        rho_x=at["x"],
        rho_h=at["h"],
        rho_g=at["g(h)"],
        r_grid=R_GRID.clone(),
        rho_x_grid=rho["x"],
        rho_h_grid=rho["h"],
        rho_g_grid=rho["g(h)"],
    )


def draw_head(state: HeadState, axes: Any) -> None:
    """Left: a content and a style feature's std before and after the head. Right: ρ_w of x, h and g(h)
    against the style features' view correlation r, at the current r."""
    left, right = axes
    left.clear()
    right.clear()
    for k, (where, stds, colour) in enumerate(
        (("h (before)", state.pre, "C0"), ("g(h) (after)", state.post, "C3"))
    ):
        left.bar([k * 0.4, 1 + k * 0.4], [stds["content"], stds["style"]], 0.38, color=colour, label=where)
    left.set_xticks([0.2, 1.2], ["content (r = 0.9)", f"style (r = {state.r:.2f}, s = {state.s:.2g})"])
    left.set_ylabel("std of the feature")
    left.set_title(
        f"style / content: {state.pre['style'] / state.pre['content']:.2f} before, "
        f"{state.post['style'] / state.post['content']:.2f} after"
    )
    left.legend(fontsize="small")
    for grid, label, colour in (
        (state.rho_x_grid, "x (input)", "k"),
        (state.rho_h_grid, "h = W₁x", "C0"),
        (state.rho_g_grid, "g(h) = W₂W₁x", "C3"),
    ):
        right.plot(state.r_grid.numpy(), grid.numpy(), color=colour, label=label)
    right.axvline(state.r, color="grey", lw=0.8)
    right.set_xlabel("view correlation r of the style features")
    right.set_ylabel("within-group spread ρ_w")
    right.set_title(f"ρ_w: x {state.rho_x:.2f}, h {state.rho_h:.2f}, g(h) {state.rho_g:.2f}")
    right.legend(fontsize="small")


def head_explorer(r: float = 0.3, s: float = 1.0, n_style: int = 4) -> Explorer:
    """The linear head's closed form with sliders for the style features' r, s and number (notebook 04)."""
    return Explorer(
        compute=head_state,
        draw=draw_head,
        values={"r": r, "s": s, "n_style": n_style},
        controls={
            "r": {
                "kind": "options",
                "options": [round(v, 2) for v in torch.linspace(0.05, 0.95, 19).tolist()],
                "label": "r",
            },
            "s": {"kind": "log", "min": -1, "max": 1, "label": "s"},
            "n_style": {"kind": "int", "min": 1, "max": 16, "label": "# style"},
        },
        ncols=2,
    )


# ------------------------------------------------------------------------------------- decoder variance (05)

E14_SIGNAL = (4.0, 2.0, 1.0, 0.5, 0.25, 0.1)  # ℓ_i, the signal variances of VERIFICATION.md's E14
E14_NOISE = 0.05  # σ_n², isotropic observation noise
SIGMA_X2_GRID = torch.logspace(-3, 1, 161, dtype=torch.float64)  # σ_x² for the curves


@dataclass
class E14State:
    sigma_x2: float  # the decoder variance σ_x²
    eigenvalues: torch.Tensor  # (k,) λ_i = ℓ_i + σ_n², the data covariance along the signal directions
    active: torch.Tensor  # (k,) bool: λ_i > σ_x²
    active_units: int
    posterior_var: torch.Tensor  # (k,) σ_x²/λ_i where active, 1 (the prior) where not
    rate_per_dim: torch.Tensor  # (k,) KL(q ‖ p) per latent unit, ½ log(λ_i/σ_x²) where active, 0 where not
    rate: float  # their sum, nats per datum
    grid: torch.Tensor  # σ_x² grid
    active_grid: torch.Tensor  # active units on the grid
    rate_grid: torch.Tensor  # total rate on the grid


def _e14_closed_form(sigma_x2: Any, lam: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Active mask, posterior variance and per-unit rate at decoder variance(s) ``sigma_x2``."""
    s = torch.as_tensor(sigma_x2, dtype=torch.float64)[..., None]  # (..., 1)
    active = lam > s
    post = torch.where(active, s / lam, torch.ones_like(s * lam))
    rate = torch.where(active, 0.5 * torch.log(lam / s), torch.zeros_like(s * lam))
    return active, post, rate


def e14_state(
    sigma_x2: float = 0.2, signal: tuple[float, ...] = E14_SIGNAL, noise: float = E14_NOISE
) -> E14State:
    """What a linear VAE with fixed decoder variance σ_x² keeps of linear-Gaussian data (E14; Lucas et al.
    2019): data ``x = A diag(√ℓ) u + n`` in D dimensions (orthonormal A, u ~ N(0, I_k), n ~ N(0, σ_n² I)),
    a latent of k = len(signal) units. The ELBO's optimum is probabilistic PCA at noise σ_x²: the data
    covariance has eigenvalues ``λ_i = ℓ_i + σ_n²`` along the signal directions, and unit i is *active*
    iff ``λ_i > σ_x²``; its posterior ``q(z_i | x)`` then has variance ``σ_x²/λ_i`` and mean variance
    ``1 − σ_x²/λ_i``, so its rate is ``KL = ½ log(λ_i/σ_x²)``. An inactive unit's posterior is the prior
    (variance 1, rate 0). The decoder variance is the threshold below which a direction is noise."""
    _check("sigma_x2", sigma_x2, 1e-6, 1e3)
    _check("noise", noise, 0.0, 1e3)
    if not signal or len(signal) > 64:
        raise ValueError(f"signal must hold 1 to 64 variances, got {signal!r}")
    for v in signal:
        _check("each signal variance", v, 0.0, 1e3)
    lam = torch.tensor(signal, dtype=torch.float64) + noise
    active, post, rate = _e14_closed_form(sigma_x2, lam)
    active_grid, _, rate_grid = _e14_closed_form(SIGMA_X2_GRID, lam)
    return E14State(
        sigma_x2=float(sigma_x2),
        eigenvalues=lam,
        active=active,
        active_units=int(active.sum()),
        posterior_var=post,
        rate_per_dim=rate,
        rate=float(rate.sum()),
        grid=SIGMA_X2_GRID.clone(),
        active_grid=active_grid.sum(-1),
        rate_grid=rate_grid.sum(-1),
    )


def draw_e14(state: E14State, axes: Any) -> None:
    """Left: the eigenvalues λ_i against the threshold σ_x² (active units coloured, each with its rate).
    Right: active units over σ_x², at the current σ_x²."""
    left, right = axes
    left.clear()
    right.clear()
    k = len(state.eigenvalues)
    colours = ["C0" if a else "lightgrey" for a in state.active.tolist()]
    left.bar(range(1, k + 1), state.eigenvalues.numpy(), color=colours)
    left.axhline(state.sigma_x2, color="C3", ls="--", label=rf"$\sigma_x^2 = {state.sigma_x2:.3g}$")
    for i, (lam, r) in enumerate(zip(state.eigenvalues.tolist(), state.rate_per_dim.tolist(), strict=True)):
        text = f"{r:.2f}" if state.active[i] else "off"
        left.annotate(text, (i + 1, lam), ha="center", va="bottom", fontsize="small")
    left.set_yscale("log")
    left.set_xlabel("latent unit i (number above: its rate ½ log(λ_i/σ_x²), nats)")
    left.set_ylabel(r"$\lambda_i = \ell_i + \sigma_n^2$")
    left.set_title(f"{state.active_units} of {k} units active; rate {state.rate:.2f} nats")
    left.legend(fontsize="small")
    right.semilogx(state.grid.numpy(), state.active_grid.numpy(), color="C0", drawstyle="steps-post")
    for lam in state.eigenvalues.tolist():
        right.axvline(lam, color="lightgrey", lw=0.8, ls=":")
    right.axvline(state.sigma_x2, color="C3", ls="--", lw=0.8)
    right.plot([state.sigma_x2], [state.active_units], "o", color="C3")
    right.set_xlabel(r"decoder variance $\sigma_x^2$ (dotted: the eigenvalues $\lambda_i$)")
    right.set_ylabel("active units")
    right.set_ylim(-0.3, k + 0.3)
    right.set_title("a unit switches off where σ_x² passes its λ_i")


def e14_explorer(sigma_x2: float = 0.2) -> Explorer:
    """The E14 closed form with a slider over log σ_x² (notebook 05): which units a linear VAE keeps."""
    return Explorer(
        compute=e14_state,
        draw=draw_e14,
        values={"sigma_x2": sigma_x2},
        controls={"sigma_x2": {"kind": "log", "min": -3, "max": 1, "label": "σ_x²"}},
        ncols=2,
    )
