"""fit(): the registry, option checking, exact resume, checkpoints and the returned model."""

from __future__ import annotations

import pytest
import torch

from simvae_core.data import Dataset, Split
from simvae_core.learning import methods
from simvae_core.learning.checkpoint import load_checkpoint
from simvae_core.learning.train import fit

from .conftest import FAST, group_views


def _image_dataset(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 3, (n,), generator=g)
    split = Split(x=x, labels=labels, attributes={})
    return Dataset(
        name="tiny",
        train=split,
        val=split,
        test=split,
        x_shape=(1, 28, 28),
        n_classes=3,
        class_names=None,
        source="test",
    )


def test_simvae_on_view_tensor_trains_and_records_every_term():
    trained = fit("simvae", group_views(), epochs=2, latent_dim=3, seed=0, **FAST)
    assert trained.config.n_views == 2 and trained.config.augment == "none"
    assert trained.config.likelihood == "gaussian" and trained.config.decoder_var == "learned"
    for key, values in trained.history.items():
        assert len(values) == 2 and all(torch.isfinite(torch.tensor(values))), key
    assert {"seconds", "views_per_s"} <= trained.history.keys()
    assert trained.encode(group_views()[:, 0]).shape == (64, 3)
    assert trained.reconstruct(group_views()[:5, 0]).shape == (5, 6)
    assert trained.sample(4, torch.Generator().manual_seed(0)).shape == (4, 6)


def test_same_seed_same_model_and_different_seed_different_model():
    a = fit("vae", group_views(), epochs=1, latent_dim=2, seed=3, **FAST).model.state_dict()
    b = fit("vae", group_views(), epochs=1, latent_dim=2, seed=3, **FAST).model.state_dict()
    c = fit("vae", group_views(), epochs=1, latent_dim=2, seed=4, **FAST).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_interrupted_run_resumes_exactly(tmp_path):
    straight = fit(
        "simvae", group_views(), epochs=3, latent_dim=2, seed=1, checkpoint_dir=tmp_path / "a", **FAST
    )
    fit("simvae", group_views(), epochs=1, latent_dim=2, seed=1, checkpoint_dir=tmp_path / "b", **FAST)
    assert load_checkpoint(tmp_path / "b" / "last.pt")["epoch"] == 1
    resumed = fit(
        "simvae", group_views(), epochs=3, latent_dim=2, seed=1, checkpoint_dir=tmp_path / "b", **FAST
    )
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa), "resumed training must equal uninterrupted training"
    assert len(resumed.history["loss"]) == 3
    assert resumed.history["loss"] == straight.history["loss"]


def test_resume_with_a_different_configuration_is_refused(tmp_path):
    fit("simvae", group_views(), epochs=1, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    with pytest.raises(ValueError, match="cannot resume.*latent_dim: saved 2 vs now 3"):
        fit("simvae", group_views(), epochs=2, latent_dim=3, seed=1, checkpoint_dir=tmp_path, **FAST)
    fresh = fit(
        "simvae", group_views(), epochs=1, latent_dim=3, seed=1, checkpoint_dir=tmp_path, resume=False, **FAST
    )
    assert fresh.config.latent_dim == 3


def test_image_dataset_uses_augmentations_and_cr_vae_gets_the_original_view():
    trained = fit("cr_vae", _image_dataset(), epochs=1, latent_dim=4, seed=0, arch="mlp", **FAST)
    assert trained.config.augment == "authors_fashion" and trained.config.likelihood == "bernoulli"
    assert trained.encode(_image_dataset().test.x[:7]).shape == (7, 4)


def _views_seen(monkeypatch, method, **options):
    """Train one epoch and return the view groups the model's loss received at its first step."""
    from simvae_core.learning.models import VAEModel

    seen = []
    original = VAEModel.training_loss

    def recording(self, views, *args, **kwargs):
        seen.append(views.detach().clone())
        return original(self, views, *args, **kwargs)

    monkeypatch.setattr(VAEModel, "training_loss", recording)
    trained = fit(method, _image_dataset(), epochs=1, latent_dim=2, seed=0, arch="mlp", **FAST, **options)
    return trained, seen[0]


def _is_clean(group_views, data):
    """Each view 0 equals some training image exactly (an augmented crop or flip almost never does)."""
    images = data.train.x.float().flatten(1) / 255
    first = group_views[:, 0].flatten(1)
    gap = (first[:, None] - images[None]).abs().amax(dim=-1).min(dim=1).values  # to the nearest image
    return gap.max().item() < 1e-6


@pytest.mark.parametrize(
    ("method", "options", "clean"),
    [
        ("cr_vae", {}, True),  # CR-VAE's definition: x and t(x)
        ("cr_vae", dict(clean_view=False), False),  # the ablation: two augmented views
        ("simvae", {}, False),
        ("simvae", dict(clean_view=True), True),  # the ablation: SimVAE with one clean view per group
    ],
)
def test_clean_view_follows_the_method_unless_overridden(monkeypatch, method, options, clean):
    trained, views = _views_seen(monkeypatch, method, **options)
    assert trained.config.clean_view is clean
    assert _is_clean(views, _image_dataset()) is clean
    assert not _is_clean(views[:, 1:], _image_dataset())  # the other view is always augmented


def test_clean_view_is_checked_before_training():
    with pytest.raises(ValueError, match="clean_view must be True, False or 'auto'"):
        fit("simvae", _image_dataset(), epochs=1, latent_dim=2, arch="mlp", clean_view="yes", **FAST)
    with pytest.raises(ValueError, match="tensor of ready-made views"):
        fit("simvae", group_views(), epochs=1, latent_dim=2, clean_view=True, **FAST)


def test_reference_objective_and_authors_preset_pass_through():
    trained = fit(
        "simvae",
        group_views(),
        epochs=1,
        latent_dim=2,
        seed=0,
        reference=True,
        preset="authors",
        progress=False,
    )
    assert trained.config.lr == 8e-5 and trained.config.eps == 1e-4 and trained.config.batch_size == 64
    assert trained.config.loss_options["reference"] is True


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(method="simcrl"), ValueError, "unknown method 'simcrl'.*available:"),
        (dict(sigma=0.1), ValueError, r"unknown option 'sigma'.*did you mean 'sigma2'"),
        (dict(n_views=1, data=group_views(j=1)), ValueError, "needs n_views >= 2.*use 'vae'"),
        (dict(epochs=0), ValueError, "epochs must be >= 1, got 0"),
        (dict(batch_size=2.5), TypeError, "batch_size must be an int, got float 2.5"),
        (dict(log_every=True), TypeError, "log_every must be an int, got bool"),
        (dict(lr=-1.0), ValueError, "lr must be a positive finite number"),
        (dict(data=torch.full((8, 2, 3), float("nan"))), ValueError, "NaN or inf"),
        (dict(data=torch.zeros(8, 3)), ValueError, r"view groups \(N, J, \*x_shape\)"),
        (dict(data=[1, 2, 3]), TypeError, "data must be a dataset name"),
        (dict(preset="fast"), ValueError, "preset must be 'authors'"),
    ],
)
def test_bad_input_is_rejected_clearly(kwargs, error, match):
    args = dict(method="simvae", data=group_views(), epochs=1, latent_dim=2, **FAST)
    args.update(kwargs)
    method, data = args.pop("method"), args.pop("data")
    with pytest.raises(error, match=match):
        fit(method, data, **args)


def test_flat_prior_model_refuses_to_sample():
    trained = fit("simvae", group_views(), epochs=1, latent_dim=2, prior="flat", **FAST)
    with pytest.raises(ValueError, match="flat.*cannot be sampled"):
        trained.sample(3)


def test_registry_accepts_new_methods():
    methods.get_method("vae")  # populates the VAE family
    assert {"simvae", "vae", "beta_vae", "cr_vae"} <= set(methods.METHODS)
    vae = methods.METHODS["vae"]
    methods.register_method(methods.Method("vae_copy", vae.loss, description="test"))
    try:
        trained = fit("vae_copy", group_views(), epochs=1, latent_dim=2, **FAST)
        assert trained.config.method == "vae_copy"
    finally:
        methods.METHODS.pop("vae_copy")


def test_every_method_has_a_display_label_and_a_new_one_defaults_to_its_name():
    import simvae_core as sc

    expected = {
        "simclr": "SimCLR",
        "moco": "MoCo v2",
        "instance_discrimination": "InstDisc",
        "vicreg": "VICReg",
        "barlow_twins": "Barlow Twins",
        "byol": "BYOL",
        "simsiam": "SimSiam",
        "dino": "DINO",
        "swav": "SwAV",
        "clip": "CLIP",
        "simvae": "SimVAE",
        "vae": "VAE",
        "beta_vae": "β-VAE",
        "cr_vae": "CR-VAE",
    }
    assert {name: methods.label(name) for name in expected} == expected
    assert sc.label is methods.label
    vae = methods.METHODS["vae"]
    assert methods.Method("vae_copy", vae.loss).label == "vae_copy"
    assert methods.Method("vae_copy", vae.loss, label="VAE (copy)").label == "VAE (copy)"
    with pytest.raises(ValueError, match="unknown method 'simcrl'.*did you mean 'simclr'"):
        methods.label("simcrl")


def test_a_run_killed_mid_epoch_resumes_without_losing_completed_epochs(tmp_path, monkeypatch):
    straight = fit(
        "simvae", group_views(), epochs=3, latent_dim=2, seed=5, checkpoint_dir=tmp_path / "a", **FAST
    )
    steps_per_epoch = 64 // 16
    calls = {"n": 0}
    real_step = torch.optim.Adam.step

    def dying_step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == steps_per_epoch + 2:  # in the middle of the second epoch
            raise KeyboardInterrupt
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        fit("simvae", group_views(), epochs=3, latent_dim=2, seed=5, checkpoint_dir=tmp_path / "b", **FAST)
    monkeypatch.setattr(torch.optim.Adam, "step", real_step)
    assert load_checkpoint(tmp_path / "b" / "last.pt")["epoch"] == 1
    resumed = fit(
        "simvae", group_views(), epochs=3, latent_dim=2, seed=5, checkpoint_dir=tmp_path / "b", **FAST
    )
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


def test_initial_model_is_the_trained_networks_initialisation():
    """The untrained control: same seed, same weights as fit's first step; training moved them."""
    from simvae_core.learning.train import build_model, initial_model

    views = torch.randn(64, 2, 6)
    trained = fit("simclr", views, epochs=1, latent_dim=3, seed=4, batch_size=32, progress=False)
    start = initial_model(trained, views)
    again = build_model(trained.config, (6,), torch.Generator().manual_seed(4), n_train=64)
    for a, b in zip(start.model.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert not torch.allclose(start.encode(views[:, 0]), trained.encode(views[:, 0]))
    with pytest.raises(TypeError, match="what fit returned"):
        initial_model(start.model, views)


# ------------------------------------------------------------------------------------------ fit(steps=)
def _adam_steps(monkeypatch):
    """Count the optimiser steps every later fit takes."""
    calls = {"n": 0}
    real_step = torch.optim.Adam.step

    def counting_step(self, *args, **kwargs):
        calls["n"] += 1
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", counting_step)
    return calls


def test_steps_takes_exactly_that_many_steps_and_truncates_the_last_epoch(monkeypatch):
    calls = _adam_steps(monkeypatch)
    trained = fit("simvae", group_views(), steps=10, latent_dim=2, seed=0, **FAST)  # 64 // 16 = 4 per epoch
    assert calls["n"] == 10
    assert trained.config.steps == 10 and trained.config.epochs == 3  # 4 + 4 + 2
    assert len(trained.history["loss"]) == 3
    assert all(torch.isfinite(torch.tensor(trained.history["loss"])))


def test_the_last_epochs_averages_divide_by_the_steps_it_took(monkeypatch):
    from simvae_core.learning.models import VAEModel

    losses = []
    original = VAEModel.training_loss

    def recording(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        losses.append(float(out.loss.detach()))
        return out

    monkeypatch.setattr(VAEModel, "training_loss", recording)
    trained = fit("vae", group_views(), steps=6, latent_dim=2, seed=0, **FAST)
    assert len(losses) == 6
    assert trained.history["loss"] == pytest.approx([sum(losses[:4]) / 4, sum(losses[4:]) / 2], rel=1e-6)


@pytest.mark.parametrize("method", ["simvae", "simclr"])
def test_whole_epochs_of_steps_train_what_epochs_train(method):
    by_epochs = fit(method, group_views(), epochs=2, latent_dim=2, seed=2, **FAST)
    by_steps = fit(method, group_views(), steps=2 * (64 // 16), latent_dim=2, seed=2, **FAST)
    sa, sb = by_epochs.model.state_dict(), by_steps.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert by_steps.history["loss"] == by_epochs.history["loss"]


def test_steps_and_epochs_together_are_refused():
    with pytest.raises(ValueError, match="epochs or as steps, not both"):
        fit("simvae", group_views(), epochs=2, steps=8, latent_dim=2, **FAST)


@pytest.mark.parametrize(
    ("steps", "error"), [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_steps_must_be_a_positive_int(steps, error):
    with pytest.raises(error, match="steps must be"):
        fit("simvae", group_views(), steps=steps, latent_dim=2, **FAST)


def test_a_steps_run_resumed_from_its_checkpoint_equals_the_uninterrupted_one(tmp_path, monkeypatch):
    straight = fit(
        "simvae", group_views(), steps=10, latent_dim=2, seed=1, checkpoint_dir=tmp_path / "a", **FAST
    )
    real_step = torch.optim.Adam.step
    calls = {"n": 0}

    def dying_step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 9:  # in the third, truncated epoch
            raise KeyboardInterrupt
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        fit("simvae", group_views(), steps=10, latent_dim=2, seed=1, checkpoint_dir=tmp_path / "b", **FAST)
    monkeypatch.setattr(torch.optim.Adam, "step", real_step)
    saved = load_checkpoint(tmp_path / "b" / "last.pt")
    assert (saved["epoch"], saved["steps_done"]) == (2, 8)
    resumed = fit(
        "simvae", group_views(), steps=10, latent_dim=2, seed=1, checkpoint_dir=tmp_path / "b", **FAST
    )
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa), "resumed training must equal uninterrupted training"
    assert resumed.history["loss"] == straight.history["loss"]
    assert load_checkpoint(tmp_path / "b" / "last.pt")["steps_done"] == 10


def test_a_checkpoint_cut_short_by_steps_is_not_trained_on(tmp_path):
    fit("simvae", group_views(), steps=6, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    with pytest.raises(ValueError, match="stopped after 6 steps, in the middle of epoch 2.*steps=6"):
        fit("simvae", group_views(), steps=8, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    with pytest.raises(ValueError, match="stopped after 6 steps"):
        fit("simvae", group_views(), epochs=2, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    with pytest.raises(ValueError, match="already holds 6 steps but steps=5"):
        fit("simvae", group_views(), steps=5, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    same = fit("simvae", group_views(), steps=6, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    assert len(same.history["loss"]) == 2  # asking for exactly what it holds returns it as it is


def test_the_model_cache_tells_steps_apart(model_cache_dir, monkeypatch):
    calls = _adam_steps(monkeypatch)
    kw = dict(latent_dim=2, seed=0, cache=True, **FAST)
    fit("vae", group_views(), steps=5, **kw)
    fit("vae", group_views(), steps=6, **kw)  # another length: trained, not taken from the cache
    assert calls["n"] == 11
    again = fit("vae", group_views(), steps=6, **kw)
    assert again.from_cache and calls["n"] == 11


# ------------------------------------------------------------------------------- typed per-method options
def test_sigma2_has_one_default_read_from_the_loss_signature():
    import inspect

    from simvae_core.objectives import elbo

    spec = methods.get_method("simvae")
    assert spec.defaults == {}  # no second copy of the default in the registry
    assert (
        spec.options()["sigma2"].default == inspect.signature(elbo.simvae_elbo).parameters["sigma2"].default
    )
    trained = fit("simvae", group_views(), epochs=1, latent_dim=2, **FAST)
    assert trained.config.loss_options["sigma2"] == spec.options()["sigma2"].default == 0.15
    assert trained.model.prior_var == pytest.approx(1.0 + 0.15)  # s² + σ², both from the signature
    assert methods.get_method("beta_vae").option_defaults() == {"beta": 4.0, "capacity": None}


@pytest.mark.parametrize(
    ("method", "options", "match"),
    [
        ("simvae", dict(sigma2="abc"), "method 'simvae': option 'sigma2' must be float | Sequence"),
        ("simvae", dict(sigma2=[0.1, "a"]), "option 'sigma2'"),
        ("simvae", dict(prior=3), "method 'simvae': option 'prior' must be str, got int 3"),
        ("simvae", dict(reference=1), "option 'reference' must be bool"),
        ("beta_vae", dict(beta="4"), "method 'beta_vae': option 'beta' must be float"),
        ("simclr", dict(temperature="hot"), "method 'simclr': option 'temperature' must be float"),
        ("moco", dict(queue_size=8.5), "method 'moco': option 'queue_size' must be int"),
    ],
)
def test_a_wrong_option_type_is_a_type_error_before_any_step(monkeypatch, method, options, match):
    calls = _adam_steps(monkeypatch)
    with pytest.raises(TypeError, match=match):
        fit(method, group_views(), epochs=1, latent_dim=2, **FAST, **options)
    assert calls["n"] == 0


@pytest.mark.parametrize(
    ("sigma2", "match"),
    [
        ([0.1, 0.2, 0.3], "sigma2 has 3 entries but latent_dim=2"),
        (torch.tensor([0.1]), "sigma2 has 1 entries but latent_dim=2"),
        ([0.1, 0.0], "sigma2 must be > 0 and finite in every coordinate"),
        (torch.tensor([0.1, float("nan")]), "sigma2 must be > 0 and finite"),
        (-0.5, "sigma2 must be > 0"),
        (torch.ones(2, 2), "1-D tensor of length latent_dim=2"),
    ],
)
def test_a_per_coordinate_sigma2_of_the_wrong_length_or_sign_is_refused(sigma2, match):
    with pytest.raises(ValueError, match=match):
        fit("simvae", group_views(), epochs=1, latent_dim=2, sigma2=sigma2, **FAST)


def test_a_per_coordinate_sigma2_repeating_one_value_trains_the_scalar_run():
    scalar = fit("simvae", group_views(), epochs=2, latent_dim=2, seed=3, sigma2=0.2, **FAST)
    for repeated in ([0.2, 0.2], (0.2, 0.2), torch.tensor([0.2, 0.2], dtype=torch.float64)):
        per = fit("simvae", group_views(), epochs=2, latent_dim=2, seed=3, sigma2=repeated, **FAST)
        assert per.config.loss_options["sigma2"] == [0.2, 0.2]  # a list of floats: JSON, like the config
        sa, sb = scalar.model.state_dict(), per.model.state_dict()
        assert all(torch.allclose(sa[k], sb[k], rtol=1e-5, atol=1e-6) for k in sa)
        assert per.history["loss"] == pytest.approx(scalar.history["loss"], rel=1e-5)


def test_a_per_coordinate_sigma2_reaches_the_loss_and_the_sampler(monkeypatch):
    import functools
    import json
    from dataclasses import replace

    from simvae_core.learning.models import VAEModel
    from simvae_core.objectives import elbo

    spec = methods.get_method("simvae")
    seen = []

    @functools.wraps(elbo.simvae_elbo)  # the registry reads the options from the loss's signature
    def spy(*args, **kwargs):
        seen.append(kwargs["sigma2"])
        return elbo.simvae_elbo(*args, **kwargs)

    monkeypatch.setitem(methods.METHODS, "simvae", replace(spec, loss=spy))
    trained = fit(
        "simvae",
        group_views(),
        epochs=1,
        latent_dim=2,
        sigma2=torch.tensor([0.1, 0.4]),
        prior_var=[1.0, 2.0],
        **FAST,
    )
    json.dumps(trained.config.as_dict())  # checkpoints and cache keys hold it as plain data
    assert trained.config.loss_options["sigma2"] == pytest.approx([0.1, 0.4])
    steps = [s for s in seen if isinstance(s, torch.Tensor)]
    assert len(steps) == 64 // 16  # every training step got the per-coordinate tensor
    assert all(torch.allclose(s, torch.tensor([0.1, 0.4])) for s in steps)
    assert trained.model.prior_var == pytest.approx([1.1, 2.4])  # the marginal p(z): s² + σ² per coordinate
    monkeypatch.setattr(VAEModel, "decode_mean", lambda self, z: z)  # sample() then returns z itself
    z = trained.sample(40_000, torch.Generator().manual_seed(0))
    assert z.var(dim=0) == pytest.approx(torch.tensor([1.1, 2.4]), rel=0.03)


def test_a_per_coordinate_sigma2_run_resumes_and_has_its_own_cache_entry(tmp_path, model_cache_dir):
    kw = dict(latent_dim=2, seed=1, **FAST)
    straight = fit("simvae", group_views(), epochs=2, sigma2=[0.1, 0.3], **kw)
    fit("simvae", group_views(), epochs=1, sigma2=[0.1, 0.3], checkpoint_dir=tmp_path / "b", **kw)
    resumed = fit("simvae", group_views(), epochs=2, sigma2=[0.1, 0.3], checkpoint_dir=tmp_path / "b", **kw)
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    with pytest.raises(ValueError, match="loss_options"):
        fit("simvae", group_views(), epochs=3, sigma2=[0.1, 0.4], checkpoint_dir=tmp_path / "b", **kw)
    first = fit("simvae", group_views(), epochs=1, sigma2=[0.1, 0.3], cache=True, **kw)
    other = fit("simvae", group_views(), epochs=1, sigma2=[0.1, 0.4], cache=True, **kw)
    again = fit("simvae", group_views(), epochs=1, sigma2=[0.1, 0.3], cache=True, **kw)
    assert not first.from_cache and not other.from_cache and again.from_cache
    assert again.model.prior_var == pytest.approx([1.1, 1.3])


def test_a_checkpoint_holding_only_the_given_options_still_resumes(tmp_path):
    """Checkpoints written before the defaults were stored in the configuration hold only what was given."""
    from simvae_core.learning.checkpoint import save_checkpoint

    straight = fit("simvae", group_views(), epochs=2, latent_dim=2, seed=1, **FAST)
    fit("simvae", group_views(), epochs=1, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    state = load_checkpoint(tmp_path / "last.pt")
    state["config"]["loss_options"] = {"sigma2": 0.15}  # what the registry's defaults used to give
    save_checkpoint(tmp_path / "last.pt", state)
    resumed = fit("simvae", group_views(), epochs=2, latent_dim=2, seed=1, checkpoint_dir=tmp_path, **FAST)
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
