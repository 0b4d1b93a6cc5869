"""The linear-head explorer of notebook 04: its closed form against samples of the linear model."""

import math

import matplotlib
import pytest
import torch

matplotlib.use("agg")

from simvae_core import teaching as live  # noqa: E402
from simvae_core.analysis.geometry import within_group_variance_ratio  # noqa: E402


def _sampled_rho(state, gains, n=20_000, views=8, seed=0):
    """ρ_w of features √r y + √(1 − r) ε (per group y, per view ε), scaled by each feature's gain."""
    g = torch.Generator().manual_seed(seed)
    r = torch.tensor([live.CONTENT_R] * state.n_content + [state.r] * state.n_style, dtype=torch.float64)
    y = torch.randn(n, 1, len(r), generator=g, dtype=torch.float64)
    e = torch.randn(n, views, len(r), generator=g, dtype=torch.float64)
    return within_group_variance_ratio((r.sqrt() * y + (1 - r).sqrt() * e) * gains)


def test_head_state_closed_form_matches_samples_of_the_linear_model():
    state = live.head_state(r=0.4, s=2.0, n_style=3, n_content=5)
    assert state.pre["style"] == pytest.approx((0.4 * 2.0) ** 0.25)
    assert state.post["style"] == pytest.approx(math.sqrt(0.4))
    ones = [1.0] * 5
    for rho, gains in (
        (state.rho_x, ones + [math.sqrt(2.0)] * 3),  # the input: std √s
        (state.rho_h, [state.pre["content"]] * 5 + [state.pre["style"]] * 3),
        (state.rho_g, [state.post["content"]] * 5 + [state.post["style"]] * 3),
    ):
        assert _sampled_rho(state, torch.tensor(gains, dtype=torch.float64)) == pytest.approx(rho, abs=0.01)


def test_the_head_lowers_the_spread_when_style_changes_more_than_content():
    for r in (0.1, 0.5, 0.85):
        state = live.head_state(r=r, s=1.0)
        assert state.rho_g < state.rho_h < state.rho_x
    # equal view correlations: every representation has the same spread
    same = live.head_state(r=live.CONTENT_R, s=3.0)
    assert same.rho_g == pytest.approx(same.rho_h) == pytest.approx(same.rho_x) == pytest.approx(0.1)


def test_head_explorer_redraws_and_refuses_bad_controls():
    explorer = live.head_explorer(r=0.3, s=1.0, n_style=4)
    assert explorer.update(r=0.7).r == 0.7
    assert explorer.png()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="r must be"):
        live.head_state(r=1.5)
