"""simvae_core.theory.linear.two_layer_linear_sgd: E12 trained by minibatch SGD on sampled views."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from simvae_core.theory.linear import (
    E12_R,
    E12_S,
    _spectral_sample_gradient,
    spectral_contrastive_loss,
    two_layer_linear_gd,
    two_layer_linear_sgd,
)


def test_sample_gradient_matches_autograd():
    rng = np.random.default_rng(0)
    x1, x2, w = rng.standard_normal((13, 5)), rng.standard_normal((13, 5)), rng.standard_normal((3, 5))
    wt = torch.tensor(w, requires_grad=True)
    loss = spectral_contrastive_loss(torch.tensor(x1) @ wt.T, torch.tensor(x2) @ wt.T)
    (grad,) = torch.autograd.grad(loss, wt)
    np.testing.assert_allclose(_spectral_sample_gradient(w, x1, x2), grad.numpy(), rtol=1e-10, atol=1e-12)


def test_sgd_reaches_the_post_head_prediction_and_roughly_the_pre_head_one():
    res = two_layer_linear_sgd(hidden_dim=16, out_dim=16, steps=6_000, lr=2e-2, init=0.05, seed=0)
    # every feature but the slowest (r s = 0.1) has escaped the saddle within 6 000 steps
    fast = np.arange(8) != 6
    np.testing.assert_allclose(res.post_ratio[fast], 1.0, atol=0.05)
    np.testing.assert_allclose(res.pre_ratio[fast], 1.0, atol=0.35)  # gradient noise breaks balancedness
    assert res.loss[-1] < res.loss[0] and res.loss[-1] >= res.optimal_loss - 0.05
    assert res.post_trace.shape == res.pre_trace.shape == (len(res.record_steps), 8)
    assert res.settings["batch_size"] == 512 and res.settings["hidden_dim"] == 16


def test_sgd_agrees_with_population_gradient_descent_at_the_optimum():
    gd = two_layer_linear_gd(hidden_dim=16, out_dim=16, lr=2e-2, steps=6_000, init=0.05)
    sgd = two_layer_linear_sgd(hidden_dim=16, out_dim=16, lr=2e-2, steps=6_000, init=0.05, batch_size=2048)
    np.testing.assert_allclose(sgd.post_std, gd.post_std, rtol=0.05)


def test_sgd_is_reproducible_and_validates():
    a = two_layer_linear_sgd(steps=20, seed=1)
    np.testing.assert_array_equal(a.W1, two_layer_linear_sgd(steps=20, seed=1).W1)
    assert not np.allclose(a.W1, two_layer_linear_sgd(steps=20, seed=2).W1)
    np.testing.assert_array_equal(a.s, E12_S)
    np.testing.assert_array_equal(a.r, E12_R)
    with pytest.raises(ValueError, match="r \\(view correlations\\)"):
        two_layer_linear_sgd(r=(1.5,) * 8)
    with pytest.raises(ValueError, match="batch_size"):
        two_layer_linear_sgd(batch_size=1)
    with pytest.raises(ValueError, match="equal length"):
        two_layer_linear_sgd(s=(1.0, 2.0), r=(0.5,))
