"""The training step never waits on the host: no value is read back from a tensor inside the loop.

A read (``bool(t)``, ``t.item()``, ``t.tolist()``, ``float(t)``, ...) forces a GPU to finish every queued
kernel before the next step can be launched. We count such reads during whole ``fit`` runs of S and 2S
steps: whatever the steps cost must then show up as a difference, and we require that difference to be
zero for every method, on view tensors, on view pools and on augmented images. On a CUDA machine the same
check also runs under ``torch.cuda.set_sync_debug_mode("error")``, which catches any synchronisation.
"""

from __future__ import annotations

import collections
import contextlib
import traceback
import warnings

import pytest
import torch

from simvae_core.checks import trusted_inputs, values_checked
from simvae_core.data import Dataset, Split
from simvae_core.learning import methods
from simvae_core.learning.models import VAEModel
from simvae_core.learning.train import fit
from simvae_core.objectives import elbo

# every way a Python value leaves a tensor
HOST_READS = ("__bool__", "item", "tolist", "__float__", "__int__", "__index__", "numpy", "cpu")


@contextlib.contextmanager
def count_host_reads():
    """Count host reads by (kind, calling file, line). Adam's ``step`` counter is excluded: PyTorch keeps it
    as a CPU tensor on every device (unless ``capturable``), so reading it never waits for a kernel."""
    counts: collections.Counter = collections.Counter()
    saved = {name: getattr(torch.Tensor, name) for name in HOST_READS}

    def wrap(name, original):
        def counted(self, *args, **kwargs):
            caller = traceback.extract_stack(limit=3)[-2]
            if f"torch{'/'}optim" not in caller.filename.replace("\\", "/"):
                counts[(name, caller.filename.rsplit("simvae_core", 1)[-1], caller.lineno)] += 1
            return original(self, *args, **kwargs)

        return counted

    for name, original in saved.items():
        setattr(torch.Tensor, name, wrap(name, original))
    try:
        yield counts
    finally:
        for name, original in saved.items():
            setattr(torch.Tensor, name, original)


def _images(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    split = Split(
        x=torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=g),
        labels=torch.zeros(n, dtype=torch.long),
        attributes={},
    )
    return Dataset(
        name="tiny", train=split, val=split, test=split, x_shape=(1, 28, 28), n_classes=1,
        class_names=None, source="test",
    )  # fmt: skip


def _per_step_reads(method, make_data, **options):
    """Host reads of a run of 2S steps minus those of a run of S steps (S = 4): the reads the steps make."""
    runs = []
    for n in (32, 64):
        with count_host_reads() as counts:
            fit(method, make_data(n), epochs=1, latent_dim=3, batch_size=8, progress=False, **options)
        runs.append(counts)
    keys = set(runs[0]) | set(runs[1])
    return {key: runs[1][key] - runs[0][key] for key in keys if runs[1][key] != runs[0][key]}


def _views(n, j=2):
    return torch.rand(n, j, 12, generator=torch.Generator().manual_seed(n))


@pytest.mark.parametrize("method", sorted(methods.METHODS))
def test_no_host_read_inside_the_training_step(method):
    assert _per_step_reads(method, _views, arch="mlp") == {}


@pytest.mark.parametrize("method", ["simvae", "simclr"])
def test_no_host_read_with_a_view_pool_or_augmented_images(method):
    assert _per_step_reads(method, lambda n: _views(n, j=4), n_views=2, arch="mlp") == {}
    assert _per_step_reads(method, _images, arch="mlp", augment="authors_fashion") == {}


def test_the_counter_sees_a_read_in_the_step(monkeypatch):
    """Negative control: put back one read per step (today's `if not isfinite(loss)`) and it is counted."""
    original = VAEModel.training_loss

    def reading(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        bool(torch.isfinite(out.loss))
        return out

    monkeypatch.setattr(VAEModel, "training_loss", reading)
    diff = _per_step_reads("simvae", _views, arch="mlp")
    assert sum(diff.values()) == 4 and all(kind == "__bool__" for kind, _, _ in diff)


def test_value_checks_are_skipped_only_inside_trusted_inputs():
    bad = torch.full((2, 2, 3), float("nan"))
    ok = torch.zeros(2, 2, 3)
    assert values_checked()
    with pytest.raises(ValueError, match="mu contains NaN"):
        elbo.simvae_elbo(ok, ok, bad, ok, ok, likelihood="gaussian")
    with trusted_inputs():
        assert not values_checked()
        elbo.simvae_elbo(ok, ok, bad, ok, ok, likelihood="gaussian")  # no read, no error
        with pytest.raises(ValueError, match="shape"):  # shape checks cost nothing and stay on
            elbo.simvae_elbo(ok, ok[:, :1], bad, ok, ok, likelihood="gaussian")
    assert values_checked()


def test_nonfinite_loss_still_stops_with_the_step_that_broke():
    with pytest.raises(FloatingPointError, match=r"loss became (nan|inf) at epoch 1, step 1; lower lr"):
        fit("simvae", _views(32) * 1e30, epochs=1, latent_dim=3, batch_size=8, progress=False)


def test_data_values_are_checked_once_before_training():
    with pytest.raises(ValueError, match="NaN or inf"):
        fit("simclr", _views(32).index_fill(0, torch.tensor([3]), float("nan")), epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"Bernoulli likelihood needs x in \[0, 1\]"):
        fit("vae", _views(32) * 3, likelihood="bernoulli", epochs=1, progress=False)
    images = _images(32)
    images.train.x = images.train.x.float() / 100  # floats above 1
    with pytest.raises(ValueError, match=r"float images must lie in \[0, 1\]"):
        fit("simvae", images, epochs=1, progress=False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_no_synchronisation_in_a_cuda_training_step():
    """Every synchronisation PyTorch reports (reads, blocking copies) happens per run, none per step."""
    data = _images(64)
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit("simvae", data, epochs=1, batch_size=8, device="cuda", progress=False)
        per_run_32 = len(caught)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit("simvae", _images(128), epochs=1, batch_size=8, device="cuda", progress=False)
        assert len(caught) == per_run_32, [str(w.message) for w in caught][:5]
    finally:
        torch.cuda.set_sync_debug_mode("default")
