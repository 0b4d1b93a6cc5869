import json

import nbformat
import pytest

from simvae_core.notebook import figures, pipeline


def _write_notebook(folder, name="01_tiny.ipynb", body=None):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = "default"\nseed = 0')
    params.metadata["tags"] = ["parameters"]
    body = body or (
        "import matplotlib.pyplot as plt\n"
        "import simvae_core as sc\n"
        "run = sc.start_run('01_tiny', profile=profile, seed=seed)\n"
        "fig, ax = plt.subplots()\n"
        "ax.plot([0, run.profile.steps])\n"
        "run.savefig(fig, 'tiny')\n"
        "assert profile == 'smoke' and seed == 5\n"
    )
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def test_discover_orders_and_filters(tmp_path):
    for name in ("02_b.ipynb", "01_a.ipynb", "notes.ipynb"):
        _write_notebook(tmp_path, name)
    assert [p.name for p in pipeline.discover(tmp_path)] == ["01_a.ipynb", "02_b.ipynb"]
    assert [p.name for p in pipeline.discover(tmp_path, ["02"])] == ["02_b.ipynb"]
    with pytest.raises(ValueError, match="no notebook matches"):
        pipeline.discover(tmp_path, ["07"])
    with pytest.raises(FileNotFoundError, match="no notebooks"):
        pipeline.discover(tmp_path / "empty")


def test_prepare_injects_parameters_without_executing(tmp_path):
    _write_notebook(tmp_path / "nbs")
    (dst,) = pipeline.prepare("smoke", tmp_path / "out", seed=5, notebooks_dir=tmp_path / "nbs")
    nb = nbformat.read(dst, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert (
        len(injected) == 1 and 'profile = "smoke"' in injected[0].source and "seed = 5" in injected[0].source
    )
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert nb.metadata.kernelspec.name == pipeline.KERNEL_NAME


def test_unknown_profile_is_rejected_before_any_work(tmp_path):
    _write_notebook(tmp_path / "nbs")
    with pytest.raises(ValueError, match="unknown profile 'tiny'"):
        pipeline.prepare("tiny", tmp_path / "out", notebooks_dir=tmp_path / "nbs")


def test_run_executes_with_the_named_kernel_and_writes_figures(tmp_path, monkeypatch):
    """The same path `make figures` takes: papermill, kernel python3, figures with a manifest."""
    monkeypatch.delenv("SIMVAE_FIGURES_DIR", raising=False)
    nbs = tmp_path / "nbs"
    src = _write_notebook(nbs)
    # a stored kernelspec that does not exist must not matter: papermill is told the kernel name
    nb = nbformat.read(src, as_version=4)
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "gone", "language": "python"}
    nbformat.write(nb, src)
    timings = pipeline.run(
        "smoke", tmp_path / "out", seed=5, notebooks_dir=nbs, figures_dir=tmp_path / "figs"
    )
    assert set(timings) == {"01_tiny"}
    executed = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    images = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) == 1, "savefig must display the figure even under a headless backend"
    assert (tmp_path / "figs" / "01_tiny" / "tiny.png").exists()
    assert figures.check_manifest(tmp_path / "figs") == []
    assert "SIMVAE_FIGURES_DIR" not in __import__("os").environ, "run() must restore the environment"


def test_a_failing_notebook_fails_the_run(tmp_path):
    nbs = tmp_path / "nbs"
    _write_notebook(nbs, body="raise RuntimeError('claim broken')")
    import papermill

    with pytest.raises(papermill.PapermillExecutionError, match="claim broken"):
        pipeline.run("smoke", tmp_path / "out", notebooks_dir=nbs, figures_dir=tmp_path / "figs")


def test_cli_param_parsing_and_check_figures(tmp_path, capsys):
    assert pipeline._parse_extra(["n=3", "name=mnist", "flag=true"]) == {
        "n": 3,
        "name": "mnist",
        "flag": True,
    }
    with pytest.raises(ValueError, match="key=value"):
        pipeline._parse_extra(["oops"])
    assert pipeline.main(["check-figures", "--figures", str(tmp_path)]) == 0
    (tmp_path / "x.png").write_bytes(b"stray")
    assert pipeline.main(["check-figures", "--figures", str(tmp_path)]) == 1
    assert "x.png: on disk but not in manifest.json" in capsys.readouterr().out
    notebooks = pipeline.discover()
    json.dumps([list(p.values()) for p in pipeline.resolve_parameters(notebooks, "smoke", 0, None).values()])
