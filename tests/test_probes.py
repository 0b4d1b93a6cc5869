"""analysis: probes, metrics, clustering and the evaluation protocol on data with known answers,
and against scikit-learn / brute force."""

from __future__ import annotations

import itertools
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from simvae_core.analysis.clustering import gmm_clustering, hungarian_accuracy
from simvae_core.analysis.evaluate import evaluate_representation, evaluate_trained, features
from simvae_core.analysis.metrics import active_units, expected_calibration_error, r2_score
from simvae_core.analysis.probes import ProbeResult, _fit_logistic, knn_probe, linear_probe, mlp_probe


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def blobs(
    n: int, centres: torch.Tensor, scale: float, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """n points around the rows of ``centres`` (K, d), labels uniform over K."""
    y = torch.randint(0, centres.shape[0], (n,), generator=g)
    return centres[y] + scale * torch.randn(n, centres.shape[1], generator=g), y


def xor(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.rand(n, 2, generator=g) * 2 - 1
    return x, ((x[:, 0] > 0) == (x[:, 1] > 0)).long()


def splits(make, sizes=(600, 200, 300), seed=0):
    g = gen(seed)
    return tuple(make(n, g) for n in sizes)


CENTRES = 6.0 * torch.eye(4)[:3]  # 3 classes in 4-D, 6 standard deviations apart


# --------------------------------------------------------------------------------------------- linear probe


def test_linear_probe_separable_blobs_accuracy_one():
    tr, va, te = splits(lambda n, g: blobs(n, CENTRES, 1.0, g))
    r = linear_probe(tr, va, te)
    assert isinstance(r, ProbeResult) and r.metric == "accuracy"
    assert r.test >= 0.99 and r.val >= 0.99
    assert str(r).startswith(f"{r.test:.3f} accuracy (linear probe")


def test_xor_defeats_the_linear_probe_but_not_the_mlp():
    tr, va, te = splits(xor, sizes=(3000, 1000, 1000))
    lin = linear_probe(tr, va, te)
    mlp = mlp_probe(tr, va, te)  # default settings
    # the logistic loss is symmetric under x -> -x, so its (unique) optimum is w = 0: chance level
    assert lin.test <= 0.6
    assert mlp.test >= 0.9 and mlp.val >= 0.9


def test_logistic_fit_matches_sklearn_objective():
    """Same optimum as sklearn's LogisticRegression(C) (C Σ CE + ½‖W‖², intercept unpenalised)."""
    from sklearn.linear_model import LogisticRegression

    g = gen(1)
    centres = torch.randn(4, 6, generator=g)
    x, y = blobs(400, centres, 1.5, g)
    for c in (0.01, 1.0):
        theta, _ = _fit_logistic(x, y, c, torch.zeros(7, 4), 1000)
        ours = torch.softmax(x @ theta[:6] + theta[6], dim=1).numpy()
        ref = LogisticRegression(C=c, tol=1e-10, max_iter=10_000).fit(x.double().numpy(), y.numpy())
        np.testing.assert_allclose(ours, ref.predict_proba(x.double().numpy()), atol=2e-3)


def test_ridge_path_matches_sklearn_ridge_and_analytic_r2():
    """y = A x + noise: population R² of output j is |a_j|² / (|a_j|² + σ²); the val scores of the whole
    alpha path equal sklearn's Ridge on the same standardised features."""
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score as sk_r2

    g = gen(2)
    d, m, noise = 5, 3, 0.5
    a = torch.randn(d, m, generator=g, dtype=torch.float64)

    def make(n, g):
        x = torch.randn(n, d, generator=g, dtype=torch.float64)
        return x.float(), x @ a + noise * torch.randn(n, m, generator=g, dtype=torch.float64)

    tr, va, te = splits(make, sizes=(4000, 1000, 20_000), seed=3)
    r = linear_probe(tr, va, te, task="regression")
    signal = a.pow(2).sum(0)
    expected = signal / (signal + noise**2)
    assert r.metric == "r2"
    assert r.test == pytest.approx(float(expected.mean()), abs=0.01)
    np.testing.assert_allclose(r.params["r2_per_output"], expected.numpy(), atol=0.01)

    x_tr = tr[0].double().numpy()
    mean, std = x_tr.mean(0), x_tr.std(0)
    # our standardiser works in float32, hence the 1e-6 tolerance
    for alpha, score in r.params["val_scores"].items():
        model = Ridge(alpha=float(alpha)).fit((x_tr - mean) / std, tr[1].numpy())
        pred = model.predict((va[0].double().numpy() - mean) / std)
        assert score == pytest.approx(sk_r2(va[1].numpy(), pred), abs=1e-6)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_test_labels_never_influence_the_selection(task):
    """Permuting or corrupting the test targets leaves the chosen settings and the val score unchanged."""
    g = gen(4)
    centres = torch.randn(3, 8, generator=g)
    if task == "classification":
        tr, va, te = splits(lambda n, g: blobs(n, centres, 2.0, g), seed=5)
        bad = torch.randint(0, 3, te[1].shape, generator=g)
    else:
        w = torch.randn(8, 2, generator=g)

        def linear_map(n, g):
            x = torch.randn(n, 8, generator=g)
            return x, x @ w + torch.randn(n, 2, generator=g)

        tr, va, te = splits(linear_map, seed=5)
        bad = 100 * torch.randn(te[1].shape, generator=g)
    corrupted = [(te[0], te[1][torch.randperm(te[1].shape[0], generator=g)]), (te[0], bad)]
    probes = [
        lambda t: linear_probe(tr, va, t, task=task),
        lambda t: mlp_probe(tr, va, t, task=task, hidden=32, grid=[0.0, 1e-3], max_epochs=15, patience=3),
    ]
    for probe in probes:
        ref = probe(te)
        for te_bad in corrupted:
            other = probe(te_bad)
            assert chosen(other.params) == chosen(ref.params) and other.val == ref.val
        assert other.test != ref.test


def chosen(params: dict) -> dict:
    """The settings and val scores; r2_per_output is the test split's score per output."""
    return {k: v for k, v in params.items() if k != "r2_per_output"}


def test_protocol_states_choice_and_split_sizes():
    tr, va, te = splits(lambda n, g: blobs(n, CENTRES, 1.0, g), sizes=(611, 203, 157))
    lin = linear_probe(tr, va, te, grid=[0.1, 1.0])
    assert f"C={lin.params['C']:g}" in lin.protocol and "{0.1, 1}" in lin.protocol
    mlp = mlp_probe(tr, va, te, hidden=[16, 32], grid=[1e-3], max_epochs=5)
    assert f"width={mlp.params['hidden']}" in mlp.protocol and "weight decay=0.001" in mlp.protocol
    assert f"epoch {mlp.params['epoch']}" in mlp.protocol
    for r in (lin, mlp):
        for n in ("611 train", "203 samples", "157 test"):
            assert n in r.protocol
        assert "no refit on train+val" in r.protocol and "tested once" in r.protocol
        assert (r.params["n_train"], r.params["n_val"], r.params["n_test"]) == (611, 203, 157)


def test_mlp_probe_regression_recovers_a_linear_map_and_is_reproducible():
    g = gen(6)
    w = torch.randn(4, 2, generator=g)

    def make(n, g):
        x = torch.randn(n, 4, generator=g)
        return x, x @ w + 0.3 * torch.randn(n, 2, generator=g)

    tr, va, te = splits(make, sizes=(2000, 500, 2000))
    kw = dict(task="regression", hidden=64, grid=[0.0], max_epochs=40, patience=5, lr=3e-3)
    a, b = mlp_probe(tr, va, te, **kw), mlp_probe(tr, va, te, **kw)
    expected = float((w.pow(2).sum(0) / (w.pow(2).sum(0) + 0.09)).mean())
    assert a.test == pytest.approx(expected, abs=0.03)
    assert len(a.params["r2_per_output"]) == 2
    assert (a.test, a.val, a.params) == (b.test, b.val, b.params)
    assert a.as_dict()["metric"] == "r2"


# --------------------------------------------------------------------------------------------- r2, kNN


def test_r2_score_matches_sklearn():
    from sklearn.metrics import r2_score as sk_r2

    rng = np.random.default_rng(0)
    for shape in [(50,), (50, 3)]:
        y = rng.normal(size=shape)
        pred = y + rng.normal(scale=0.7, size=shape)
        assert r2_score(torch.from_numpy(y), torch.from_numpy(pred)) == pytest.approx(
            sk_r2(y, pred), rel=1e-12
        )
    y = np.c_[rng.normal(size=20), np.ones(20)]  # a constant column: sklearn scores it 1 if exact, else 0
    for pred in (y.copy(), y + 0.1):
        assert r2_score(y, pred) == pytest.approx(sk_r2(y, pred), rel=1e-12)


def brute_force_knn(xtr, ytr, xte, k, t, n_classes):
    """The DINO rule with plain loops: cosine similarity, k largest, votes exp(sim / T)."""
    preds = []
    for q in xte.double().numpy():
        sims = []
        for p in xtr.double().numpy():
            sims.append(q @ p / (np.linalg.norm(q) * np.linalg.norm(p)))
        top = np.argsort(sims)[::-1][:k]
        votes = np.zeros(n_classes)
        for i in top:
            votes[int(ytr[i])] += math.exp(sims[i] / t)
        preds.append(int(np.argmax(votes)))
    return np.array(preds)


def test_knn_probe_matches_brute_force_point_by_point():
    g = gen(7)
    xtr, xte = torch.randn(80, 5, generator=g), torch.randn(25, 5, generator=g)
    ytr = torch.randint(0, 3, (80,), generator=g)
    yte = torch.randint(0, 3, (25,), generator=g)
    k, t = 7, 0.2
    expected = brute_force_knn(xtr, ytr, xte, k, t, 3)
    for i in range(25):
        one = knn_probe((xtr, ytr), (xte[i : i + 1], yte[i : i + 1]), k=k, temperature=t)
        assert one.test == float(expected[i] == int(yte[i]))
    # batching over test points changes nothing
    full = knn_probe((xtr, ytr), (xte, yte), k=k, temperature=t)
    tiny = knn_probe((xtr, ytr), (xte, yte), k=k, temperature=t, batch_size=3)
    assert full.test == tiny.test == pytest.approx(float((expected == yte.numpy()).mean()))
    assert "k=7" in full.protocol and "T=0.2" in full.protocol and "no validation split" in full.protocol
    assert math.isnan(full.val) and full.as_dict()["val"] is None


def test_knn_probe_small_temperature_does_not_overflow():
    tr, _, te = splits(lambda n, g: blobs(n, CENTRES, 1.0, g))
    assert knn_probe(tr, te, temperature=1e-3).test >= 0.99


# --------------------------------------------------------------------------------------------- clustering


def test_gmm_clustering_recovers_permuted_blobs():
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    x, y = blobs(600, 2 * CENTRES, 1.0, gen(8))  # 17 standard deviations apart: no point strays
    permuted = torch.tensor([2, 0, 1])[y]  # class names are arbitrary: matching must undo this
    for cov in ("full", "diag"):
        out = gmm_clustering(x, permuted, 3, covariance_type=cov)
        assert out["accuracy"] == out["nmi"] == out["ari"] == pytest.approx(1.0)
        assert "Hungarian" in out["protocol"] and f"{cov} covariance" in out["protocol"]
    noisy = gmm_clustering(torch.randn(300, 3, generator=gen(9)), y[:300], 3)
    c = noisy["clusters"].numpy()
    assert noisy["nmi"] == pytest.approx(normalized_mutual_info_score(y[:300].numpy(), c))
    assert noisy["ari"] == pytest.approx(adjusted_rand_score(y[:300].numpy(), c))
    again = gmm_clustering(torch.randn(300, 3, generator=gen(9)), y[:300], 3)
    assert torch.equal(again["clusters"], noisy["clusters"])


def test_hungarian_accuracy_against_all_permutations():
    g = gen(10)
    labels = torch.randint(0, 4, (200,), generator=g)
    assert hungarian_accuracy(labels, torch.tensor([3, 1, 0, 2])[labels]) == 1.0
    clusters = torch.where(
        torch.rand(200, generator=g) < 0.6, labels, torch.randint(0, 4, (200,), generator=g)
    )
    best = max(
        float((torch.tensor(perm)[clusters] == labels).float().mean())
        for perm in itertools.permutations(range(4))
    )
    assert hungarian_accuracy(labels, clusters) == pytest.approx(best)


# --------------------------------------------------------------------------------------------- encoding


def test_features_batches_without_grad_and_restores_train_mode():
    enc = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.Dropout(0.5))
    enc.train()
    x = torch.randn(50, 6, generator=gen(11))
    z = features(enc, x, batch_size=7)
    assert z.shape == (50, 4) and z.dtype == torch.float32 and not z.requires_grad
    torch.testing.assert_close(z, enc[0](x).detach())  # dropout off: eval mode during encoding
    assert enc.training
    with pytest.raises(TypeError, match="lambda x: enc"):
        features(lambda b: (b, b), x)
    with pytest.raises(ValueError, match="diverged"):
        features(lambda b: b * float("nan"), x)


def test_evaluate_representation_content_and_style():
    g = gen(12)

    def split(n):
        x, y = blobs(n, CENTRES, 1.0, g)
        flip = (torch.rand(n, generator=g) < 0.5).float()
        scale = torch.rand(n, 2, generator=g)
        # the inputs carry the style too: the flip as a sign on one coordinate, the scale additively
        inputs = torch.cat([x, (2 * flip - 1)[:, None], scale], dim=1)
        return SimpleNamespace(x=inputs, labels=y), flip, scale

    parts = [split(n) for n in (300, 100, 150)]
    data = SimpleNamespace(**{s: p[0] for s, p in zip(("train", "val", "test"), parts, strict=True)})
    style = {"flip": tuple(p[1] for p in parts), "crop_scale": tuple(p[2] for p in parts)}
    out = evaluate_representation(lambda b: b * 2.0, data, style_targets=style, probes=("linear", "knn"))
    assert set(out) == {
        "content/linear",
        "content/knn",
        "style/flip/linear",
        "style/flip/knn",
        "style/crop_scale/linear",
    }
    assert out["content/linear"].test >= 0.99
    assert out["style/flip/linear"].metric == "accuracy" and out["style/flip/linear"].test >= 0.99
    assert "binary" in out["style/flip/linear"].protocol
    assert out["style/crop_scale/linear"].metric == "r2" and out["style/crop_scale/linear"].test >= 0.99
    assert "continuous" in out["style/crop_scale/linear"].protocol
    json.dumps({k: r.as_dict() for k, r in out.items()}, allow_nan=False)
    # the style inputs may be given separately (the held-out views); a mapping of (x,) pairs works too
    views = {s: (p[0].x,) for s, p in zip(("train", "val", "test"), parts, strict=True)}
    alone = evaluate_representation(
        lambda b: b * 2.0, data, content=False, style_targets=style, style_data=views, probes=("linear",)
    )
    assert set(alone) == {"style/flip/linear", "style/crop_scale/linear"}
    assert alone["style/crop_scale/linear"].test == out["style/crop_scale/linear"].test


# --------------------------------------------------------------------------------------------- errors


def test_invalid_inputs_raise_clear_errors():
    tr, va, te = splits(lambda n, g: blobs(n, CENTRES, 1.0, g), sizes=(60, 20, 20))
    nan = tr[0].clone()
    nan[3, 1] = float("nan")
    with pytest.raises(ValueError, match="encoder has probably diverged"):
        linear_probe((nan, tr[1]), va, te)
    with pytest.raises(ValueError, match="2-D"):
        linear_probe((tr[0][:, None], tr[1]), va, te)
    with pytest.raises(ValueError, match="must match"):
        mlp_probe((tr[0], tr[1][:-1]), va, te)
    with pytest.raises(TypeError, match="integer class ids"):
        linear_probe((tr[0], tr[1].float()), va, te)
    with pytest.raises(ValueError, match="at least 2 classes"):
        linear_probe((tr[0], torch.zeros_like(tr[1])), va, te)
    with pytest.raises(ValueError, match="unknown task"):
        linear_probe(tr, va, te, task="ranking")
    with pytest.raises(ValueError, match="1-D"):
        linear_probe(tr, va, (te[0], torch.zeros(20, 2, 2)), task="regression")
    with pytest.raises(ValueError, match="class id 7"):
        linear_probe(tr, va, (te[0], torch.full((20,), 7)))
    with pytest.raises(ValueError, match="constant"):
        linear_probe((tr[0], torch.ones(60)), va, te, task="regression")
    with pytest.raises(ValueError, match="exceeds"):
        knn_probe(tr, te, k=61)
    with pytest.raises(ValueError, match="probes must be distinct"):
        evaluate_representation(lambda b: b, {"train": tr, "val": va, "test": te}, probes=("linear", "svm"))
    with pytest.raises(ValueError, match="labels"):
        gmm_clustering(tr[0], -torch.ones(60, dtype=torch.long), 3)


def test_active_units_counts_dimensions_whose_mean_varies():

    g = torch.Generator().manual_seed(0)
    means = torch.randn(5000, 4, generator=g) * torch.tensor(
        [1.0, 0.5, 0.05, 0.0]
    )  # variances 1, .25, .0025, 0
    assert active_units(means) == 2
    assert active_units(means, threshold=0.001) == 3
    with pytest.raises(ValueError, match="NaN|finite"):
        active_units(torch.full((3, 2), float("nan")))


def test_evaluate_trained_probes_attributes_and_skips_unlabelled_entries():
    from types import SimpleNamespace

    from simvae_core.data import Dataset, Split

    g = torch.Generator().manual_seed(0)

    def split(n):
        hair = torch.randint(0, 3, (n,), generator=g)
        x = (hair[:, None, None, None].float() * 60 + 20 * torch.rand(n, 1, 2, 2, generator=g)).to(
            torch.uint8
        )
        hair[::5] = -1  # unlabelled entries must be skipped, not treated as a class
        labels = torch.randint(0, 2, (n,), generator=g)
        return Split(x=x, labels=labels, attributes={"hair_colour": hair})

    data = Dataset(
        name="toy",
        train=split(300),
        val=split(100),
        test=split(100),
        x_shape=(1, 2, 2),
        n_classes=2,
        class_names=None,
        source="test",
    )
    model = SimpleNamespace(encode=lambda x: x.float().flatten(1), config=SimpleNamespace(augment="none"))
    results = evaluate_trained(model, data, probes=("linear",), style_probes=("linear",), clustering=False)
    hair = results["attribute/hair_colour/linear"]
    assert hair.test > 0.95 and "attribute 'hair_colour'" in hair.protocol
    assert "on 80 test samples" in hair.protocol, hair.protocol  # the 20 entries marked -1 were skipped
    with pytest.raises(ValueError, match="no attribute 'eyes'"):
        evaluate_trained(model, data, probes=("linear",), attributes=("eyes",), clustering=False)


def test_expected_calibration_error_against_a_hand_computed_case():

    # confidences 0.9 (correct), 0.9 (wrong), 0.6 (correct), 0.55 (wrong) in 10 bins:
    # bin (0.8, 0.9]: conf 0.9, acc 0.5 -> 2/4 · 0.4; bin (0.5, 0.6]: conf 0.575, acc 0.5 -> 2/4 · 0.075
    probs = torch.tensor([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.55, 0.45]], dtype=torch.float64)
    targets = torch.tensor([0, 1, 1, 1])
    assert abs(expected_calibration_error(probs, targets) - (0.5 * 0.4 + 0.5 * 0.075)) < 1e-12
    # a Bayes posterior sampled from its own predictions is calibrated
    g = torch.Generator().manual_seed(0)
    p = torch.softmax(2 * torch.randn(50_000, 5, generator=g, dtype=torch.float64), dim=1)
    y = torch.multinomial(p, 1, generator=g).squeeze(1)
    assert expected_calibration_error(p, y) < 0.01
    with pytest.raises(ValueError, match="probability rows"):
        expected_calibration_error(torch.ones(3, 2), torch.zeros(3, dtype=torch.long))


# ---------------------------------------------------------------------------------------------------------
# match_rate: the β of a rate-matched β-VAE


def test_match_rate_recovers_the_beta_of_a_power_law():
    from simvae_core.analysis.metrics import match_rate

    # rate = 20 β^(-0.4): log-log linear, so the interpolation is exact; check against the inverse
    betas = [0.25, 0.5, 1.0, 2.0, 4.0]
    rates = [20 * b**-0.4 for b in betas]
    for target in (21.0, 26.0, 30.0, 12.0):
        beta, inside = match_rate(betas, rates, target)
        assert inside
        assert beta == pytest.approx((target / 20) ** (-1 / 0.4), rel=1e-12)
    # order of the inputs does not matter
    assert match_rate(betas[::-1], rates[::-1], 26.0) == match_rate(betas, rates, 26.0)


def test_match_rate_does_not_extrapolate():
    from simvae_core.analysis.metrics import match_rate

    betas, rates = [0.5, 1.0, 4.0], [30.0, 20.0, 10.0]
    assert match_rate(betas, rates, 50.0) == (0.5, False)
    assert match_rate(betas, rates, 5.0) == (4.0, False)
    assert match_rate(betas, rates, 30.0) == (0.5, True)  # on the grid's end point: matched exactly
    beta, inside = match_rate(betas, rates, 25.0)  # between 0.5 and 1, by log-log interpolation
    expected = math.exp(
        math.log(0.5) + (math.log(25) - math.log(30)) / (math.log(20) - math.log(30)) * math.log(2)
    )
    assert inside and beta == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "betas, rates, target, match",
    [
        ([1.0], [20.0], 10.0, "distinct"),
        ([1.0, 1.0], [20.0, 19.0], 10.0, "distinct"),
        ([0.0, 1.0], [30.0, 20.0], 25.0, "positive"),
        ([0.5, 1.0], [30.0, float("nan")], 25.0, "positive"),
        ([0.5, 1.0], [30.0, 20.0], -1.0, "target"),
    ],
)
def test_match_rate_rejects_bad_input(betas, rates, target, match):
    from simvae_core.analysis.metrics import match_rate

    with pytest.raises(ValueError, match=match):
        match_rate(betas, rates, target)
