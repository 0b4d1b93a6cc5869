"""The live controls of notebooks 01 and 03, driven directly: their states against independent closed
forms and Monte Carlo limits, the redraw on an update, and the sliders' wiring."""

import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("agg")

from simvae_core import teaching as live  # noqa: E402


def test_posterior_softmax_is_bayes_exactly_at_tau_equal_sigma2():
    state = live.posterior_state(sigma2=0.2, tau=0.2, K=32, d=6)
    assert state.tv < 1e-12
    np.testing.assert_allclose(state.bayes.numpy(), state.softmax.numpy(), atol=1e-12)
    assert abs(float(state.bayes.sum()) - 1) < 1e-12
    # the TV curve over τ/σ² has its minimum at the grid point nearest 1, and is clearly positive away
    i_one = int(np.argmin(np.abs(np.log(state.tau_ratios.numpy()))))
    assert int(np.argmin(state.tv_curve.numpy())) == i_one
    assert float(state.tv_curve[0]) > 0.05 and float(state.tv_curve[-1]) > 0.05


def test_posterior_state_against_a_direct_computation():
    """Bayes over K unit-norm centres recomputed here from squared distances, with numpy."""
    sigma2, tau, K, d = 0.3, 0.1, 10, 4
    state = live.posterior_state(sigma2=sigma2, tau=tau, K=K, d=d, seed=3)
    centres, z = live._centres_and_queries(sigma2, K, d, 512, 3)
    c, q = centres.numpy(), z[0].numpy()
    logits = -((q - c) ** 2).sum(1) / (2 * sigma2)
    bayes = np.exp(logits - logits.max())
    bayes /= bayes.sum()
    soft = np.exp(c @ q / tau - (c @ q / tau).max())
    soft /= soft.sum()
    order = np.argsort(-bayes)
    np.testing.assert_allclose(state.bayes.numpy(), bayes[order], rtol=1e-10)
    np.testing.assert_allclose(state.softmax.numpy(), soft[order], rtol=1e-10)
    assert state.tv > 0.05  # τ = σ²/3 is a different distribution


def test_mi_state_closed_forms():
    state = live.mi_state(sigma2=0.5, s2=2.0, K=16, d=3)
    grid = state.sigma2_grid.numpy()
    rho = 2.0 / (2.0 + grid)
    np.testing.assert_allclose(state.view_mi.numpy(), -1.5 * np.log(1 - rho**2), rtol=1e-10)
    np.testing.assert_allclose(state.content_mi.numpy(), 1.5 * np.log1p(2.0 / grid), rtol=1e-10)
    assert state.mi == pytest.approx(-1.5 * math.log(1 - (2 / 2.5) ** 2), rel=1e-12)
    assert state.log_k == pytest.approx(math.log(16))


def test_analytic_infonce_tracks_the_mi_below_log_k_and_saturates_above():
    """The teaching point of the MI explorer, as limits that could fail: with I ≪ log K the Bayes-critic
    InfoNCE estimates I; with I ≫ log K it sits just under log K."""
    small = live.mi_state(sigma2=10.0, s2=1.0, K=512, d=4, n_batches=16)
    assert small.mi < 0.05
    assert abs(small.infonce_at - small.mi) < 5 * small.se_at + 0.01
    large = live.mi_state(sigma2=1e-3, s2=1.0, K=64, d=16, n_batches=8)
    assert large.mi > 10 * large.log_k  # the premise: I ≫ log K
    assert large.log_k - 0.05 < large.infonce_at <= large.log_k + 1e-9


def test_explorer_update_redraws_with_the_new_values():
    explorer = live.mi_explorer(K=64)
    hline = [line for line in explorer.axes.get_lines() if line.get_linestyle() == ":"]
    assert hline and hline[0].get_ydata()[0] == pytest.approx(math.log(64))
    state = explorer.update(K=256, sigma2=0.01)
    assert state.K == 256 and state.sigma2 == 0.01
    hline = [line for line in explorer.axes.get_lines() if line.get_linestyle() == ":"]
    assert hline[0].get_ydata()[0] == pytest.approx(math.log(256))
    assert explorer.png()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no control named"):
        explorer.update(tau=0.1)


def test_posterior_explorer_panels_follow_tau():
    explorer = live.posterior_explorer(sigma2=0.1, tau=0.1)
    assert explorer.state.tv < 1e-12
    state = explorer.update(tau=1.0)
    assert state.tv > 0.1
    marker = [line for line in explorer.axes[1].get_lines() if line.get_marker() == "o"][0]
    assert marker.get_xdata()[0] == pytest.approx(10.0)  # τ/σ²


def test_widget_sliders_drive_the_update():
    pytest.importorskip("ipywidgets")
    explorer = live.posterior_explorer()
    box = explorer.widget()
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["σ²", "τ", "K", "d"]
    sliders[1].value = 0.5  # τ
    assert explorer.values["tau"] == pytest.approx(0.5, rel=1e-6)
    assert explorer.state.tv > 0.1


def test_batch_runs_draw_once_statically(monkeypatch, capsys):
    monkeypatch.setenv(live.BATCH_ENV, "1")
    assert not live.interactive()
    live.mi_explorer().show()  # outside IPython, display prints the image's repr
    assert "Image" in capsys.readouterr().out
    monkeypatch.delenv(live.BATCH_ENV)
    assert live.interactive()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"sigma2": 0.0}, "sigma2 must be"), ({"K": 1}, "K must be an integer"), ({"d": 2.5}, "d must be")],
)
def test_bad_values_are_refused_before_any_work(kwargs, message):
    with pytest.raises(ValueError, match=message):
        live.posterior_state(**kwargs)
