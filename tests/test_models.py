"""The discriminative family through fit(): heads, EMA targets, queues, memory banks, exact resume."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from simvae_core.learning import methods, models, train
from simvae_core.learning.checkpoint import load_checkpoint
from simvae_core.learning.train import fit, model_from_checkpoint
from simvae_core.objectives import discriminative as D

from .conftest import FAST, group_views

DISCRIMINATIVE = [
    "simclr",
    "clip",
    "moco",
    "instance_discrimination",
    "vicreg",
    "barlow_twins",
    "byol",
    "simsiam",
    "dino",
    "swav",
]


def test_every_discriminative_method_is_registered_with_its_loss():
    for name in DISCRIMINATIVE:
        spec = methods.get_method(name)
        assert spec.model is models.EMBEDDING_MODELS[name]
        assert spec.loss is D.LOSS_FUNCTIONS[name]
        assert {"head_layers", "head_width", "embed_dim"} <= set(spec.loss_options())
        assert "n_train" not in spec.loss_options()


@pytest.mark.parametrize("method", DISCRIMINATIVE)
def test_each_method_trains_and_encodes_before_and_after_the_head(method):
    trained = fit(method, group_views(), epochs=2, latent_dim=4, seed=0, **FAST)
    loss = torch.tensor(trained.history["loss"])
    assert loss.shape == (2,) and torch.isfinite(loss).all()
    x = group_views()[:10, 0]
    h = trained.encode(x)
    e = trained.encode(x, after_head=True)
    assert h.shape == (10, 4) and torch.isfinite(h).all()
    assert e.shape[0] == 10 and torch.isfinite(e).all()
    assert e.shape[1] == trained.model.embed_dim
    with pytest.raises(ValueError, match="discriminative model: it has no decoder"):
        trained.reconstruct(x)


@pytest.mark.parametrize(
    ("layers", "expect"),
    [(0, torch.nn.Identity), (1, torch.nn.Linear), (2, torch.nn.Sequential), (3, torch.nn.Sequential)],
)
def test_head_depth_is_configurable(layers, expect):
    trained = fit("simclr", group_views(), epochs=1, latent_dim=4, head_layers=layers, head_width=8, **FAST)
    head = trained.model.head
    linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == layers
    if layers == 1:
        assert isinstance(head[0], expect)
    else:
        assert isinstance(head, expect)
    x = group_views()[:5, 0]
    if layers == 0:  # no head: the embedding is the representation
        assert torch.equal(trained.encode(x), trained.encode(x, after_head=True))
    else:
        assert trained.encode(x, after_head=True).shape == (5, 4)


def test_head_width_and_embedding_dimension():
    trained = fit("vicreg", group_views(), epochs=1, latent_dim=4, head_width=24, **FAST)
    assert trained.model.embed_dim == 24  # VICReg's expander is as wide as its hidden layers
    trained = fit("simclr", group_views(), epochs=1, latent_dim=4, head_width=24, embed_dim=3, **FAST)
    assert trained.encode(group_views()[:5, 0], after_head=True).shape == (5, 3)
    with pytest.raises(ValueError, match="head_layers=0.*embed_dim"):
        fit("simclr", group_views(), epochs=1, latent_dim=4, head_layers=0, embed_dim=3, **FAST)


def test_build_head_shapes_follow_the_official_recipes():
    simsiam = models.build_head(8, 8, 3, 16, norm="bn", last_norm=True)
    assert [type(m).__name__ for m in simsiam] == [
        "Linear",
        "BatchNorm1d",
        "ReLU",
        "Linear",
        "BatchNorm1d",
        "ReLU",
        "Linear",
        "BatchNorm1d",
    ]
    assert not simsiam[-1].affine and simsiam[0].bias is None  # bias is redundant before BatchNorm
    dino = models.build_head(8, 4, 3, 16, norm=None, activation="gelu")
    assert [type(m).__name__ for m in dino] == ["Linear", "GELU", "Linear", "GELU", "Linear"]
    with pytest.raises(ValueError, match="activation"):
        models.build_head(8, 4, 2, 16, activation="tanh")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(method="simclr", temprature=0.1), r"unknown option 'temprature'.*did you mean 'temperature'"),
        (dict(method="simclr", temperature=0.0), "temperature must be a finite number > 0"),
        (dict(method="moco", momentum=1.0), r"momentum must be a finite number in \[0, 1\)"),
        (dict(method="simclr", head_layers=-1), "head_layers"),
        (dict(method="clip", n_views=3, data=group_views(j=3)), "at most 2 views"),
        (dict(method="simclr", n_views=1, data=group_views(j=1)), "needs n_views >= 2"),
        (dict(method="dino", n_prototypes=1), "n_prototypes"),
    ],
)
def test_bad_options_are_rejected_clearly(kwargs, match):
    args = dict(data=group_views(), epochs=1, latent_dim=4, **FAST)
    args.update(kwargs)
    method, data = args.pop("method"), args.pop("data")
    with pytest.raises(ValueError, match=match):
        fit(method, data, **args)


def test_ema_update_is_the_momentum_average():
    online, target = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = [p.clone() for p in target.parameters()]
    models._ema_update(target, online, 0.9)
    for t, b, o in zip(target.parameters(), before, online.parameters(), strict=True):
        torch.testing.assert_close(t, 0.9 * b + 0.1 * o)


@pytest.mark.parametrize("method", ["moco", "byol", "dino"])
def test_targets_get_no_gradient_and_follow_the_online_network(method):
    model = train.build_model(
        train.TrainConfig(method=method, latent_dim=4, loss_options={"momentum": 0.5}),
        (6,),
        torch.Generator().manual_seed(0),
    )
    target = model.teacher if method == "dino" else model.target
    assert all(not p.requires_grad for p in target.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    out = model.training_loss(group_views(n=16), torch.arange(16), generator=torch.Generator(), amp=False)
    out.loss.backward()
    assert all(p.grad is None for p in target.parameters())
    online_before = [p.detach().clone() for p in model.encoder.parameters()]
    target_before = [p.detach().clone() for p in target.encoder.parameters()]
    opt.step()
    model.after_step()
    for t, tb, o in zip(target.encoder.parameters(), target_before, model.encoder.parameters(), strict=True):
        torch.testing.assert_close(t, 0.5 * tb + 0.5 * o)
    assert any(not torch.equal(a, b) for a, b in zip(online_before, model.encoder.parameters(), strict=True))


def test_moco_queue_is_a_fifo_of_normalised_keys():
    config = train.TrainConfig(method="moco", latent_dim=4, loss_options={"queue_size": 40, "head_layers": 0})
    model = train.build_model(config, (6,), torch.Generator().manual_seed(0))
    views = group_views(n=16)
    model.training_loss(views, torch.arange(16), generator=torch.Generator(), amp=False)
    with torch.no_grad():
        _, keys = model.target(views[:, 1])
    model.after_step()
    torch.testing.assert_close(model.queue[:16], F.normalize(keys, dim=1))
    assert int(model.queue_ptr) == 16
    for _ in range(2):  # 16 + 32 = 48 > 40: the pointer wraps around
        model.training_loss(views, torch.arange(16), generator=torch.Generator(), amp=False)
        model.after_step()
    assert int(model.queue_ptr) == 8
    torch.testing.assert_close(model.queue.norm(dim=1), torch.ones(40))


def test_memory_bank_rows_of_the_batch_move_and_stay_unit_norm():
    config = train.TrainConfig(method="instance_discrimination", latent_dim=4)
    model = train.build_model(config, (6,), torch.Generator().manual_seed(0), n_train=64)
    assert model.memory.shape == (64, 4)
    before = model.memory.clone()
    index = torch.tensor([3, 10, 42])
    model.training_loss(group_views(n=3), index, generator=torch.Generator(), amp=False)
    model.after_step()
    changed = (model.memory != before).any(dim=1)
    assert changed.nonzero().flatten().tolist() == [3, 10, 42]
    torch.testing.assert_close(model.memory.norm(dim=1), torch.ones(64))


def test_parametric_instance_discrimination_learns_its_prototypes():
    """A held-out view of instance i lands nearest to prototype i after training, and not before.

    Margins fixed from one pilot (trained 0.62, untrained 0.016 = chance 1/64): trained >= 0.3 (about half
    the pilot, 19x chance), untrained <= 0.1.
    """
    pool = group_views(j=6)
    trained = fit(
        "instance_discrimination",
        pool[:, :4],
        n_views=2,
        epochs=60,
        latent_dim=4,
        parametric=True,
        temperature=0.1,
        lr=1e-2,
        batch_size=64,
        progress=False,
    )
    untrained = train.build_model(trained.config, (6,), torch.Generator().manual_seed(0), n_train=64)
    held_out = pool[:, 5]  # a view never trained on

    def accuracy(model):
        e = F.normalize(model.encode(held_out, after_head=True), dim=1)
        w = F.normalize(model.prototypes.detach(), dim=1)
        return float(((e @ w.T).argmax(1) == torch.arange(64)).float().mean())

    assert isinstance(trained.model.prototypes, torch.nn.Parameter)
    assert accuracy(trained.model) >= 0.3
    assert accuracy(untrained) <= 0.1


@pytest.mark.parametrize("method", DISCRIMINATIVE)
def test_training_calls_the_registered_tested_loss(monkeypatch, method):
    """The loss the tests check against brute force (``LOSS_FUNCTIONS``) is the one ``fit`` trains with."""
    registered = D.LOSS_FUNCTIONS[method]
    assert methods.get_method(method).loss is registered
    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return registered(*args, **kwargs)

    monkeypatch.setattr(D, registered.__name__, spy)
    options = {"symmetric": True} if method == "moco" else {}  # the registry's (B, J, d) form of MoCo
    fit(method, group_views(), epochs=1, latent_dim=4, seed=0, **options, **FAST)
    assert calls, f"{method} trained without calling {registered.__name__}"


def test_moco_trains_with_the_official_asymmetric_loss_by_default(monkeypatch):
    calls = []
    official = D.moco
    monkeypatch.setattr(D, "moco", lambda *a, **k: calls.append(1) or official(*a, **k))
    fit("moco", group_views(), epochs=1, latent_dim=4, seed=0, **FAST)
    assert calls


@pytest.mark.parametrize("method", ["moco", "dino", "instance_discrimination", "byol"])
def test_stateful_methods_resume_exactly(tmp_path, method):
    opts = dict(latent_dim=3, seed=2, **FAST)
    straight = fit(method, group_views(), epochs=3, checkpoint_dir=tmp_path / "a", **opts)
    fit(method, group_views(), epochs=1, checkpoint_dir=tmp_path / "b", **opts)
    resumed = fit(method, group_views(), epochs=3, checkpoint_dir=tmp_path / "b", **opts)
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert sa.keys() == sb.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa), "queues, banks, centres and EMA weights resume exactly"
    assert load_checkpoint(tmp_path / "b" / "last.pt")["n_train"] == 64
    rebuilt = model_from_checkpoint(tmp_path / "b" / "last.pt")
    x = group_views()[:7, 0]
    torch.testing.assert_close(rebuilt.encode(x), resumed.encode(x))


def test_clip_uses_one_encoder_per_modality():
    g = torch.Generator().manual_seed(0)
    content = torch.randn(64, 5, generator=g)
    mix_a, mix_b = torch.randn(5, 6, generator=g), torch.randn(5, 6, generator=g)
    pairs = torch.stack([content @ mix_a, content @ mix_b], dim=1)  # (N, 2, 6): two modalities
    trained = fit("clip", pairs, epochs=3, latent_dim=4, **FAST)
    assert "temperature" in trained.history
    a = trained.encode(pairs[:, 0])
    b = trained.encode(pairs[:, 1], modality=1)
    assert a.shape == b.shape == (64, 4) and not torch.allclose(a, b)
    with pytest.raises(ValueError, match="modality must be 0 or 1"):
        trained.encode(pairs[:, 0], modality=2)
    temperature = trained.history["temperature"][-1]
    assert 0.01 <= temperature <= 1.0 and not math.isclose(temperature, 0.07)


def test_simclr_learns_the_groups_of_the_ssl_model():
    """After a short run, views of one group are nearer each other than views of different groups."""
    data = group_views(n=256, d=8, noise=0.1)
    trained = fit("simclr", data, epochs=15, latent_dim=8, head_layers=0, temperature=0.1, seed=0, **FAST)
    assert trained.history["loss"][-1] < 0.8 * trained.history["loss"][0]
    z = F.normalize(trained.encode(data.reshape(-1, 8)).reshape(256, 2, 8), dim=-1)
    positive = (z[:, 0] * z[:, 1]).sum(-1).mean()
    negative = (z[:, 0] @ z[:, 1].T).fill_diagonal_(0).sum() / (256 * 255)
    assert positive > negative + 0.5


def test_images_get_augmented_views_for_discriminative_methods():
    from simvae_core.data import Dataset, Split

    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (48, 1, 28, 28), dtype=torch.uint8, generator=g)
    split = Split(x=x, labels=torch.zeros(48, dtype=torch.long))
    data = Dataset("tiny", split, split, split, (1, 28, 28), 1, None, "test")
    trained = fit("vicreg", data, epochs=1, latent_dim=4, arch="mlp", **FAST)
    assert trained.config.augment == "authors_fashion"
    assert trained.encode(split.x[:3]).shape == (3, 4)


def test_a_view_pool_gives_fresh_pairs_and_the_callback_sees_every_epoch():
    seen = []
    pool = group_views(n=32, j=6)
    trained = fit(
        "simclr", pool, epochs=3, latent_dim=4, n_views=2, callback=lambda e, t: seen.append(e), **FAST
    )
    assert seen == [1, 2, 3] and trained.config.n_views == 2
    with pytest.raises(ValueError, match="reads view j as modality j"):
        fit("clip", pool, epochs=1, latent_dim=4, n_views=2, **FAST)
    with pytest.raises(ValueError, match="J = 6 views but n_views = 7"):
        fit("simclr", pool, epochs=1, latent_dim=4, n_views=7, **FAST)
