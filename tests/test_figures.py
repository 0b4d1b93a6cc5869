import json
import subprocess

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from simvae_core import repro  # noqa: E402
from simvae_core.notebook import figures  # noqa: E402
from simvae_core.notebook.experiment import start_run  # noqa: E402


def _figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    return fig


def test_savefig_writes_png_and_pdf_and_records_provenance(tmp_path):
    paths = figures.savefig(
        _figure(), "line", notebook="99_test", parameters={"profile": "smoke"}, seed=7, figures_dir=tmp_path
    )
    assert sorted(p.name for p in paths) == ["line.pdf", "line.png"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[1].read_bytes()[:4] == b"%PDF"
    manifest = json.loads((tmp_path / "manifest.json").read_text())["figures"]
    entry = manifest["99_test/line.png"]
    assert entry["notebook"] == "99_test" and entry["seed"] == 7
    assert entry["parameters"] == {"profile": "smoke"}
    assert entry["code_version"] == repro.code_version()
    assert {"python", "torch", "numpy", "matplotlib"} <= entry["packages"].keys()
    assert figures.check_manifest(tmp_path) == []
    assert not list(tmp_path.rglob("*.tmp")), "atomic writes must leave no temporary files"


def test_figures_are_byte_identical_across_runs(tmp_path):
    a = figures.savefig(_figure(), "same", notebook="99_test", figures_dir=tmp_path / "a")
    b = figures.savefig(_figure(), "same", notebook="99_test", figures_dir=tmp_path / "b")
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.suffix


def test_check_manifest_finds_unlisted_missing_and_changed_files(tmp_path):
    figures.savefig(_figure(), "kept", notebook="99_test", figures_dir=tmp_path)
    figures.savefig(_figure(), "deleted", notebook="99_test", figures_dir=tmp_path)
    (tmp_path / "99_test" / "deleted.pdf").unlink()
    (tmp_path / "99_test" / "stray.png").write_bytes(b"not recorded")
    (tmp_path / "99_test" / "kept.png").write_bytes(b"edited by hand")
    problems = "\n".join(figures.check_manifest(tmp_path))
    assert "99_test/stray.png: on disk but not in manifest.json" in problems
    assert "99_test/deleted.pdf: listed in manifest.json but missing on disk" in problems
    assert "99_test/kept.png: file changed since it was recorded" in problems


def test_corrupt_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON.*delete it and regenerate"):
        figures.read_manifest(tmp_path)


@pytest.mark.parametrize("name", ["", "../escape", "a b", "x/y"])
def test_figure_names_must_be_plain_file_names(tmp_path, name):
    with pytest.raises(ValueError, match="must be a plain file name"):
        figures.savefig(_figure(), name, notebook="99_test", figures_dir=tmp_path)


def test_figures_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMVAE_FIGURES_DIR", str(tmp_path / "env"))
    assert figures.figures_root() == tmp_path / "env"
    assert figures.figures_root(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("SIMVAE_FIGURES_DIR")
    root = repro.repo_root()
    assert figures.figures_root() == (root / "figures" if root else figures.figures_root())


def test_start_run_resolves_profile_seeds_and_saves_with_parameters(tmp_path, capsys):
    run = start_run("99_test", profile="smoke", seed=3, figures_dir=tmp_path, n_samples=123)
    assert run.profile.n_samples == 123 and run.seed == 3
    assert "99_test: profile=smoke seed=3 n_samples=123" in capsys.readouterr().out
    g1, g2, g1_again = run.generator(1), run.generator(2), run.generator(1)
    import torch

    a, b, c = (torch.rand(4, generator=g) for g in (g1, g2, g1_again))
    assert torch.equal(a, c) and not torch.equal(a, b)
    assert run.savefig(_figure(), "fig") is None
    entry = figures.read_manifest(tmp_path)["figures"]["99_test/fig.png"]
    assert entry["parameters"]["overrides"] == {"n_samples": 123}
    assert entry["parameters"]["sizes"]["n_samples"] == 123 and entry["seed"] == 3


def test_start_run_rejects_bad_profile_and_seed():
    with pytest.raises(ValueError, match="unknown profile key"):
        start_run("99_test", profile="smoke", n_smaples=3)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        start_run("99_test", profile="smoke", seed=-1)


def test_show_image_draws_grey_and_colour_and_rejects_batches():
    import torch

    fig, (a, b) = plt.subplots(1, 2)
    figures.show_image(a, torch.zeros(1, 4, 4, dtype=torch.uint8))
    figures.show_image(b, torch.rand(3, 4, 4))
    assert a.images[0].get_array().shape == (4, 4) and b.images[0].get_array().shape == (4, 4, 3)
    with pytest.raises(ValueError, match=r"one image of shape \(C, H, W\)"):
        figures.show_image(a, torch.zeros(2, 1, 4, 4))
    plt.close(fig)


def test_written_figures_do_not_make_the_code_version_dirty(tmp_path, monkeypatch):
    """`make figures` rewrites figures/ notebook after notebook: later notebooks must still record the
    clean commit (the manifest of the first wave said `-dirty` for every notebook after the first)."""
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a.png").write_bytes(b"old")
    (tmp_path / "code.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    monkeypatch.setattr(repro, "repo_root", lambda: tmp_path)

    def version():
        repro.code_version.cache_clear()
        return repro.code_version()

    try:
        clean = version()
        assert clean.startswith("git:") and not clean.endswith("-dirty")
        (tmp_path / "figures" / "a.png").write_bytes(b"new")  # a run's output
        (tmp_path / "notes.txt").write_text("untracked")
        assert version() == clean
        (tmp_path / "code.py").write_text("x = 2\n")  # the code itself
        assert version() == clean + "-dirty"
    finally:
        repro.code_version.cache_clear()
