"""The command line: it works end to end, and it fails early, in one line, saying what to do."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from simvae_core import cli
from simvae_core.cli import main

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--data", "digits", "--epochs", "1", "--latent-dim", "4", "--no-progress"]
SMALL = ["--set", "max_train=256", "--set", "batch_size=32"]


def test_train_then_evaluate_writes_metrics_with_provenance_and_shows_progress(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--method", "simvae", *TINY, "--out", str(out), *SMALL]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["method"] == "simvae" and metrics["config"]["max_train"] == 256
    assert metrics["code_version"] and "torch" in metrics["packages"] and metrics["seed"] == 0
    assert metrics["command"].startswith("simvae train")
    assert (out / "last.pt").exists()
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(out / "last.pt"), "--probes", "linear", "knn"]) == 0
    captured = capsys.readouterr()
    evaluation = json.loads((out / "eval.json").read_text())
    assert "content/linear" in evaluation["results"]
    assert all("protocol" in r for r in evaluation["results"].values())
    for stage in ("loading", "probing the content", "clustering", "probing their style"):
        assert stage in captured.err, f"evaluate shows its progress ({stage!r})"


def test_resuming_says_how_many_epochs_are_done(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--method", "vae", *TINY, "--out", str(out), *SMALL]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv[: argv.index("--epochs") + 1], "3", *argv[argv.index("--epochs") + 2 :]]) == 0
    assert "1 of 3 epochs done" in capsys.readouterr().out


def _fails_in_one_line(capsys, argv, *needles):
    assert main(argv) == 2
    everything = capsys.readouterr().err.strip()
    err = everything.splitlines()[-1]  # progress lines ([simvae] ...) may come first
    assert err.startswith("error: ") and "Traceback" not in everything, everything
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def test_an_unwritable_out_fails_before_any_work(tmp_path, capsys, monkeypatch):
    started = []
    monkeypatch.setattr("simvae_core.learning.train.fit", lambda *a, **k: started.append(1))
    (tmp_path / "file").write_text("x")
    _fails_in_one_line(
        capsys, ["train", "--method", "simvae", *TINY, "--out", str(tmp_path / "file")], "not a folder"
    )
    _fails_in_one_line(
        capsys, ["train", "--method", "simvae", *TINY, "--out", "/sys/simvae-run"], "cannot write"
    )
    _fails_in_one_line(
        capsys, ["evaluate", "--checkpoint", "x.pt", "--out", "/sys/x/eval.json"], "cannot write"
    )
    assert started == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine without CUDA")
def test_an_unavailable_device_is_one_line(tmp_path, capsys):
    _fails_in_one_line(
        capsys,
        ["train", "--method", "simvae", *TINY, "--out", str(tmp_path), "--device", "cuda"],
        "device 'cuda' is not available",
        "available: cpu",
    )
    _fails_in_one_line(
        capsys, ["train", "--method", "simvae", *TINY, "--out", str(tmp_path), "--device", "tpu"], "tpu"
    )
    assert not (tmp_path / "last.pt").exists()


@pytest.mark.parametrize(
    ("setting", "needle"),
    [
        ("sigma2=abc", "sigma2"),
        ("batch_size=abc", "batch_size"),
        ("lr=abc", "lr"),
        ("sigam2=0.1", "did you mean 'sigma2'"),
        ("prior=gauss", "prior"),
        ("nokey", "key=value"),
    ],
)
def test_a_bad_set_names_the_key(tmp_path, capsys, setting, needle):
    _fails_in_one_line(
        capsys, ["train", "--method", "simvae", *TINY, "--out", str(tmp_path), "--set", setting], needle
    )
    assert not (tmp_path / "last.pt").exists(), "refused before training"


def test_evaluate_of_a_foreign_file_says_what_it_is(tmp_path, capsys):
    (tmp_path / "metrics.json").write_text("{}")
    _fails_in_one_line(capsys, ["evaluate", "--checkpoint", str(tmp_path / "metrics.json")], "JSON file")
    _fails_in_one_line(capsys, ["evaluate", "--checkpoint", str(tmp_path / "none.pt")], "no checkpoint at")


def test_an_interrupted_train_says_where_the_last_epoch_is(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["train", "--method", "vae", *TINY, "--out", str(out), *SMALL]) == 0

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("simvae_core.learning.train.fit", interrupted)
    assert main(["train", "--method", "vae", *TINY, "--out", str(out), *SMALL]) == 130
    err = capsys.readouterr().err
    assert f"last completed epoch is saved in {out / 'last.pt'}" in err and "run the same command" in err
    assert main(["train", "--method", "vae", *TINY, "--out", str(tmp_path / "fresh")]) == 130
    assert "no epoch was completed" in capsys.readouterr().err


def test_help_shows_the_defaults(capsys):
    for command in ("train", "evaluate"):
        with pytest.raises(SystemExit):
            cli._parser().parse_args([command, "--help"])
        text = capsys.readouterr().out
        assert "(default: 0)" in text, f"{command} --help shows defaults"
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["train", "--help"])
    assert "(default: 10)" in capsys.readouterr().out  # --epochs


def test_the_simvae_console_script_is_installed_and_fast():
    script = shutil.which("simvae", path=str(Path(sys.executable).parent))
    assert script is not None, (
        "pyproject.toml's [project.scripts] simvae entry point (make setup installs it)"
    )
    start = time.perf_counter()
    out = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    assert "simvae train" in out and time.perf_counter() - start < 10
    same = subprocess.run([sys.executable, "-m", "simvae_core", "--version"], capture_output=True, text=True)
    assert same.returncode == 0 and same.stdout.strip().startswith("simvae ")


def test_train_takes_a_length_in_steps_or_epochs_not_both(tmp_path, capsys):
    argv = ["train", "--method", "simvae", "--data", "digits", "--latent-dim", "4", "--no-progress"]
    assert main([*argv, "--steps", "3", "--out", str(tmp_path / "a")]) == 0
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert metrics["config"]["steps"] == 3 and metrics["config"]["epochs"] == 1
    with pytest.raises(SystemExit):
        main([*argv, "--steps", "3", "--epochs", "2", "--out", str(tmp_path / "b")])
    assert "not allowed with argument" in capsys.readouterr().err
