"""The model cache: the same training twice is one training, and a stale or damaged entry is never used."""

from __future__ import annotations

import pytest
import torch

from simvae_core.cli import main
from simvae_core.learning import cache, train
from simvae_core.learning.train import fit

from .conftest import group_views

RUN = dict(epochs=2, latent_dim=3, batch_size=16, progress=False, arch="mlp")


def _trainings(monkeypatch):
    """Count the trainings that really run (a cache hit returns before the loop builds its augmenter)."""
    calls = []
    original = train.Augmenter

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(train, "Augmenter", counted)
    return calls


def _same_params(a, b):
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("method", ["simvae", "simclr", "moco"])
def test_second_identical_fit_is_a_cache_hit_with_the_same_model(model_cache_dir, monkeypatch, method):
    first = fit(method, group_views(), seed=3, cache=True, **RUN)
    calls = _trainings(monkeypatch)
    second = fit(method, group_views(), seed=3, cache=True, **RUN)
    assert calls == [] and not first.from_cache and second.from_cache  # rebuilt, not trained
    assert _same_params(first, second) and second.history == first.history
    assert not second.model.training
    x = group_views()[:, 0]
    assert torch.equal(first.encode(x), second.encode(x))
    assert len(cache.list_entries()) == 1


def test_every_ingredient_of_the_key_matters(model_cache_dir, monkeypatch):
    fit("simvae", group_views(), seed=0, cache=True, **RUN)
    calls = _trainings(monkeypatch)
    fit("simvae", group_views(), seed=1, cache=True, **RUN)  # another seed
    fit("simvae", group_views(), seed=0, cache=True, sigma2=0.3, **RUN)  # another loss option
    fit("simvae", group_views(seed=1), seed=0, cache=True, **RUN)  # other data, same shape
    fit("simvae", group_views(), seed=0, cache=True, **{**RUN, "epochs": 3})  # another budget
    assert len(calls) == 4 and len(cache.list_entries()) == 5
    fit("simvae", group_views(), seed=0, cache=True, **RUN)
    assert len(calls) == 4  # and the first one is still there


def test_an_entry_from_other_training_code_is_never_used(model_cache_dir, monkeypatch):
    fit("simvae", group_views(), seed=0, cache=True, **RUN)
    monkeypatch.setattr(cache, "training_code_version", lambda: "changed-training-code")
    calls = _trainings(monkeypatch)
    fit("simvae", group_views(), seed=0, cache=True, **RUN)
    assert calls == [1]


def test_the_code_version_covers_the_loss_and_the_loop_but_not_the_notebook_helpers():
    version = cache.training_code_version()
    assert len(version) == 64
    root = cache.Path(cache.__file__).resolve().parent.parent
    covered = [root / part for part in cache._TRAINING_CODE]
    assert all(p.exists() for p in covered)
    for module in ("objectives/elbo.py", "learning/train.py", "learning/augment.py", "data/loaders.py"):
        assert any((root / module).is_relative_to(p) or root / module == p for p in covered), module
    for module in ("notebook/figures.py", "analysis/probes.py"):
        assert not any((root / module).is_relative_to(p) for p in covered), module


def test_bypass_clear_and_a_named_folder(model_cache_dir, tmp_path, monkeypatch):
    fit("simvae", group_views(), seed=0, cache=True, **RUN)
    calls = _trainings(monkeypatch)
    fit("simvae", group_views(), seed=0, cache=False, **RUN)  # bypass for one call
    monkeypatch.setenv(cache.CACHE_SWITCH_ENV, "off")  # bypass for a whole run
    assert not fit("simvae", group_views(), seed=0, cache=True, **RUN).from_cache
    assert len(calls) == 2 and len(cache.list_entries()) == 1  # off stores nothing either
    monkeypatch.delenv(cache.CACHE_SWITCH_ENV)
    other = tmp_path / "elsewhere"
    fit("simvae", group_views(), seed=0, cache=str(other), **RUN)
    assert len(calls) == 3 and len(cache.list_entries(other)) == 1
    assert cache.clear_cache() == 1 and cache.list_entries() == []
    assert main(["cache", "info", "--dir", str(other)]) == 0
    assert main(["cache", "clear", "--dir", str(other)]) == 0 and cache.list_entries(other) == []


def test_a_damaged_entry_is_deleted_and_the_model_trained_again(model_cache_dir, monkeypatch, capsys):
    fit("simvae", group_views(), seed=0, cache=True, **RUN)
    (entry,) = cache.list_entries()
    data = bytearray(entry.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    entry.write_bytes(bytes(data))
    calls = _trainings(monkeypatch)
    trained = fit("simvae", group_views(), seed=0, cache=True, **RUN)
    assert calls == [1] and not trained.from_cache
    assert "damaged entry" in capsys.readouterr().out
    assert len(cache.list_entries()) == 1  # the fresh model replaced it


def test_cache_options_are_checked_before_any_work(model_cache_dir):
    with pytest.raises(TypeError, match="cache must be True, False or a folder"):
        fit("simvae", group_views(), cache=1, **RUN)
    with pytest.raises(ValueError, match="callback watches the training"):
        fit("simvae", group_views(), cache=True, callback=lambda e, t: None, **RUN)
