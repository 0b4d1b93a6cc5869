"""Checkpoints: never unpickled, versioned, damage detected, foreign files named, inexact resumes refused."""

from __future__ import annotations

import json
import os
import pickle
import zipfile

import pytest
import torch

from simvae_core.learning import checkpoint
from simvae_core.learning.checkpoint import (
    FORMAT_VERSION,
    CheckpointError,
    check_resumable,
    load_checkpoint,
    save_checkpoint,
)
from simvae_core.learning.train import fit, model_from_checkpoint

from .conftest import FAST, group_views


@pytest.fixture
def trained_run(tmp_path):
    """A real checkpoint written by fit: (folder, path, the model fit returned)."""
    folder = tmp_path / "run"
    model = fit("simvae", group_views(), epochs=1, latent_dim=3, seed=0, checkpoint_dir=folder, **FAST)
    return folder, folder / "last.pt", model


# --------------------------------------------------------------------------------------------- safety


class _WritesAFile:
    """Unpickling this object calls ``open(target, "w")``: it creates a file (it "runs code")."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_a_checkpoint_whose_unpickling_would_run_code_is_refused_and_runs_nothing(tmp_path):
    victim = tmp_path / "pwned.txt"
    crafted = tmp_path / "last.pt"
    torch.save({"format": checkpoint.FORMAT, "model": _WritesAFile(victim)}, crafted)
    assert not victim.exists()
    # the attack is real: a plain unpickling of this file does create the victim file ...
    with zipfile.ZipFile(crafted) as archive:
        pkl = next(n for n in archive.namelist() if n.endswith("data.pkl"))
        pickle.loads(archive.read(pkl))["model"].close()
    assert victim.exists()
    victim.unlink()
    # ... and loading it as a checkpoint refuses it before anything runs
    with pytest.raises(CheckpointError, match="refused to load.*could run code"):
        load_checkpoint(crafted)
    assert not victim.exists()
    with pytest.raises(CheckpointError, match="could run code"):
        fit("simvae", group_views(), epochs=1, latent_dim=3, checkpoint_dir=tmp_path, **FAST)
    assert not victim.exists()


def test_a_raw_pickle_is_never_unpickled(tmp_path):
    victim = tmp_path / "pwned.txt"
    path = tmp_path / "last.pt"
    path.write_bytes(pickle.dumps(_WritesAFile(victim)))
    with pytest.raises(CheckpointError, match="raw Python pickle.*not loaded"):
        load_checkpoint(path)
    assert not victim.exists()


def test_checkpoints_hold_plain_data_only():
    with pytest.raises(TypeError, match="only tensors, numbers, strings"):
        save_checkpoint("never-written.pt", {"model": object()})
    assert not os.path.exists("never-written.pt")


# --------------------------------------------------------------------------------------------- format


def test_the_checkpoint_names_its_format_and_is_device_free(trained_run):
    _, path, _ = trained_run
    state = load_checkpoint(path)
    assert state["format"] == checkpoint.FORMAT and state["format_version"] == FORMAT_VERSION
    assert state["data"]["shape"] == [64, 2, 6] and len(state["data"]["sha256"]) == 64
    assert state["amp"] is False and state["preset"] is None
    assert "noise_gen" not in state, "no device generator state: the device noise is re-seeded per epoch"
    tensors = []

    def walk(obj):
        if isinstance(obj, torch.Tensor):
            tensors.append(obj)
        elif isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v)

    walk(state)
    assert tensors and all(t.device.type == "cpu" for t in tensors)
    assert state["order_gen"].dtype == torch.uint8  # a CPU generator's state


@pytest.mark.parametrize(("version", "advice"), [(1, "retrain it"), (3, "upgrade simvae-core")])
def test_an_older_or_newer_format_names_both_versions(tmp_path, trained_run, version, advice):
    _, path, _ = trained_run
    state = load_checkpoint(path)
    state["format_version"] = version
    state["sha256"] = checkpoint.state_digest(state)
    other = tmp_path / "other.pt"
    torch.save(state, other)
    with pytest.raises(
        CheckpointError, match=rf"format {version}; .*reads format {FORMAT_VERSION}: {advice}"
    ):
        load_checkpoint(other)


def test_a_format_1_checkpoint_of_simvae_core_0_1_is_recognised(tmp_path, trained_run):
    _, path, _ = trained_run
    state = load_checkpoint(path)
    old = {k: v for k, v in state.items() if k not in ("format", "format_version", "sha256")}
    torch.save(old, tmp_path / "old.pt")
    with pytest.raises(CheckpointError, match="format 1 \\(simvae-core 0.1.0\\).*reads format 2"):
        load_checkpoint(tmp_path / "old.pt")


# --------------------------------------------------------------------------------------------- damage


def _largest_record(path):
    with zipfile.ZipFile(path) as archive:
        info = max(archive.infolist(), key=lambda i: i.file_size)
    with open(path, "rb") as handle:  # the local header: 30 bytes + name + extra field, then the data
        handle.seek(info.header_offset + 26)
        name_len, extra_len = (int.from_bytes(handle.read(2), "little") for _ in range(2))
    return info.header_offset + 30 + name_len + extra_len, info.file_size


def test_damaged_weights_are_refused_instead_of_silently_used(trained_run):
    _, path, _ = trained_run
    start, size = _largest_record(path)
    assert size > 8_000, "the encoder's weight record"
    raw = bytearray(path.read_bytes())
    for offset in range(start + 100, start + 100 + 3000):  # flip 3 000 bytes inside the weights
        raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="is damaged.*delete it to start over"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="is damaged"):
        model_from_checkpoint(path)


def test_a_truncated_checkpoint_is_damaged(trained_run):
    _, path, _ = trained_run
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="is damaged.*delete it"):
        load_checkpoint(path)


def test_foreign_files_get_their_own_message_and_no_delete_advice(tmp_path, trained_run):
    folder, path, _ = trained_run
    with pytest.raises(CheckpointError, match=r"is a folder.*the checkpoint of a run is .*last.pt") as err:
        load_checkpoint(folder)
    (tmp_path / "metrics.json").write_text(json.dumps({"history": {}}))
    with pytest.raises(CheckpointError, match="is a JSON file.*not a checkpoint"):
        load_checkpoint(tmp_path / "metrics.json")
    (tmp_path / "notes.txt").write_text("definitely not a checkpoint")
    with pytest.raises(CheckpointError, match="not a simvae_core checkpoint.*nothing was loaded"):
        load_checkpoint(tmp_path / "notes.txt")
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match="zip archive but not a PyTorch checkpoint"):
        load_checkpoint(tmp_path / "data.zip")
    torch.save({"something": 1}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="PyTorch file but not a simvae_core checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    for message in (str(err.value),):
        assert "delete" not in message


# --------------------------------------------------------------------------------------------- resume


def test_resume_refuses_different_training_data(tmp_path, trained_run):
    folder, _, _ = trained_run
    with pytest.raises(ValueError, match=r"cannot resume.*training data: saved tensor float32 \(64×2×6\)"):
        fit("simvae", group_views(seed=1), epochs=2, latent_dim=3, seed=0, checkpoint_dir=folder, **FAST)


def test_resume_refuses_fewer_epochs_than_it_holds(tmp_path):
    folder = tmp_path / "run"
    fit("simvae", group_views(), epochs=3, latent_dim=3, seed=0, checkpoint_dir=folder, **FAST)
    with pytest.raises(ValueError, match="already holds 3 epochs but epochs=2 was asked.*epochs=3"):
        fit("simvae", group_views(), epochs=2, latent_dim=3, seed=0, checkpoint_dir=folder, **FAST)
    same = fit("simvae", group_views(), epochs=3, latent_dim=3, seed=0, checkpoint_dir=folder, **FAST)
    assert len(same.history["loss"]) == 3  # asking for exactly what it holds returns it as it is


def test_resume_refuses_a_different_amp_and_follows_the_checkpoint_when_amp_is_automatic(tmp_path):
    folder = tmp_path / "run"
    fit("simvae", group_views(), epochs=1, latent_dim=3, seed=0, checkpoint_dir=folder, amp=True, **FAST)
    with pytest.raises(ValueError, match="amp: saved True vs now False"):
        fit("simvae", group_views(), epochs=2, latent_dim=3, seed=0, checkpoint_dir=folder, amp=False, **FAST)
    resumed = fit("simvae", group_views(), epochs=2, latent_dim=3, seed=0, checkpoint_dir=folder, **FAST)
    assert load_checkpoint(folder / "last.pt")["amp"] is True and len(resumed.history["loss"]) == 2


def test_resume_refuses_n_views_chosen_through_the_preset(tmp_path):
    pool = group_views(j=4)
    folder = tmp_path / "run"
    authors = fit("simvae", pool, epochs=1, latent_dim=3, seed=0, checkpoint_dir=folder, preset="authors")
    assert authors.config.n_views == 2, "the preset's n_views holds for a view pool too"
    with pytest.raises(ValueError, match=r"n_views: saved 2 vs now 4.*preset: saved 'authors' vs now None"):
        fit("simvae", pool, epochs=2, latent_dim=3, seed=0, checkpoint_dir=folder, progress=False)


def test_check_resumable_lists_every_difference():
    state = {"config": {"method": "vae", "lr": 1e-3, "epochs": 1}, "epoch": 1, "amp": False, "preset": None}
    config = {"method": "vae", "lr": 1e-4, "epochs": 5}
    with pytest.raises(ValueError, match=r"lr: saved 0.001 vs now 0.0001"):
        check_resumable(state, "x.pt", config=config, data=None, amp=False, preset=None)
    check_resumable(state, "x.pt", config={**config, "lr": 1e-3}, data=None, amp=False, preset=None)


def test_a_checkpoint_written_on_one_device_resumes_on_another(tmp_path):
    """The state is device-free by construction (see above); here the device noise generator, the only
    device-bound randomness, is shown to be re-created from (seed, epoch) rather than restored."""
    folder = tmp_path / "run"
    straight = fit("simvae", group_views(), epochs=2, latent_dim=3, seed=4, **FAST)
    fit("simvae", group_views(), epochs=1, latent_dim=3, seed=4, checkpoint_dir=folder, **FAST)
    state = load_checkpoint(folder / "last.pt")
    state["device"] = "cuda:0"  # as written by a CUDA run
    state["sha256"] = checkpoint.state_digest(state)
    torch.save(state, folder / "last.pt")
    resumed = fit(
        "simvae", group_views(), epochs=2, latent_dim=3, seed=4, checkpoint_dir=folder, device="cpu", **FAST
    )
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_checkpoint_resumes_on_the_cpu(tmp_path):  # pragma: no cover - GPU machines only
    folder = tmp_path / "run"
    fit("simvae", group_views(), epochs=1, latent_dim=3, seed=0, checkpoint_dir=folder, device="cuda", **FAST)
    resumed = fit(
        "simvae", group_views(), epochs=2, latent_dim=3, seed=0, checkpoint_dir=folder, device="cpu", **FAST
    )
    assert len(resumed.history["loss"]) == 2 and resumed.device.type == "cpu"


def test_an_unwritable_or_misnamed_checkpoint_dir_fails_before_any_work(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    calls = []
    monkeypatch.setattr("simvae_core.learning.train._training_tensor", lambda d: calls.append(d))
    with pytest.raises(ValueError, match="exists and is a file, not a folder"):
        fit("simvae", group_views(), epochs=1, latent_dim=3, checkpoint_dir=tmp_path / "file", **FAST)
    if os.geteuid() != 0:
        unwritable = tmp_path / "locked"
        unwritable.mkdir(mode=0o500)
    else:  # root writes anywhere on a normal file system; /sys refuses even root
        unwritable = "/sys"
    with pytest.raises(ValueError, match="cannot write to the checkpoint_dir"):
        fit("simvae", group_views(), epochs=1, latent_dim=3, checkpoint_dir=f"{unwritable}/run", **FAST)
    assert calls == [], "no data was loaded"
