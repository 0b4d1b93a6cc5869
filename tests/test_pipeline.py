import json
import os
import subprocess
import sys

import nbformat
import pytest

from simvae_core.notebook import figures
from simvae_core.tooling import pipeline


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
    assert "SIMVAE_FIGURES_DIR" not in os.environ, "run() must restore the environment"


def test_the_run_records_what_it_injected_and_what_flipped(tmp_path, capsys):
    """The pipeline adds to a notebook's verdicts.json the parameters it injected, which of them differ
    from the notebook's defaults, and every outcome that changed since the file it replaced."""
    nbs, figs = tmp_path / "nbs", tmp_path / "figs"
    body = (
        "import json\n"
        "import simvae_core as sc\n"
        "run = sc.start_run('01_tiny', profile=profile, seed=seed)\n"
        "out = run.figures_root / '01_tiny'\n"
        "out.mkdir(parents=True, exist_ok=True)\n"
        "claims = [{'id': 'a', 'outcome': 'supported'}, {'id': 'b', 'outcome': 'inconclusive'}]\n"
        "(out / 'verdicts.json').write_text(json.dumps({'code_version': 'new', 'claims': claims}))\n"
    )
    _write_notebook(nbs, body=body)
    (figs / "01_tiny").mkdir(parents=True)
    previous = [{"id": "a", "outcome": "inconclusive"}, {"id": "b", "outcome": "inconclusive"}]
    (figs / "01_tiny" / "verdicts.json").write_text(json.dumps({"code_version": "old", "claims": previous}))
    pipeline.run("smoke", tmp_path / "out", seed=5, notebooks_dir=nbs, figures_dir=figs)
    data = json.loads((figs / "01_tiny" / "verdicts.json").read_text())
    assert data["run"]["injected"] == {"profile": "smoke", "seed": 5}
    assert data["run"]["non_default"] == {"profile": "smoke", "seed": 5}
    assert data["flips"]["since"] == "old"
    assert data["flips"]["changes"] == [{"id": "a", "from": "inconclusive", "to": "supported"}]
    assert "01_tiny: a: inconclusive → supported" in capsys.readouterr().out
    recorded = figures.read_manifest(figs)["notebooks"]["01_tiny"]
    assert recorded["parameters"] == {"profile": "smoke", "seed": 5}
    assert {"torch_threads", "torch_blas", "numpy_blas", "cpu"} <= recorded["machine"].keys()


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


# --------------------------------------------------------------------------------------------- parameters


def _with_params(folder, name, source):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(source)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("pass")]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


@pytest.fixture
def two_notebooks(tmp_path):
    a = _with_params(tmp_path, "01_a.ipynb", 'profile = "default"\nseed = 0\noverrides = {}\nstrict = True')
    b = _with_params(tmp_path, "02_b.ipynb", 'profile = "default"\nseed = 0\noverrides = {}\nthreads = 1')
    return [a, b]


def test_parameters_are_read_from_the_cell_without_running_it(two_notebooks):
    assert pipeline.notebook_parameters(two_notebooks[1]) == {
        "profile": "default",
        "seed": 0,
        "overrides": {},
        "threads": 1,
    }


def test_each_notebook_gets_only_the_parameters_it_declares(two_notebooks):
    resolved = pipeline.resolve_parameters(two_notebooks, "smoke", 3, {"strict": False, "threads": 2})
    a, b = (resolved[p] for p in two_notebooks)
    assert a == {"profile": "smoke", "seed": 3, "strict": False}
    assert b == {"profile": "smoke", "seed": 3, "threads": 2}


def test_profile_fields_reach_every_notebook_through_overrides(two_notebooks):
    resolved = pipeline.resolve_parameters(two_notebooks, "default", 0, {"n_seeds": 5, "steps": 100})
    assert all(p["overrides"] == {"n_seeds": 5, "steps": 100} for p in resolved.values())


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"strcit": False}, r"--param strcit: no selected notebook declares it.*did you mean 'strict'"),
        ({"threads": "two"}, r"--param threads=\"two\": 02_b expects int \(default 1\), got str"),
        ({"strict": 1}, r"01_a expects bool"),
        ({"n_seeds": 0}, r"'n_seeds' must be >= 1"),
        ({"n_seeds": 2.5}, r"'n_seeds' must be int"),
        ({"seed": 1}, r"--param seed=\.\.\. is not allowed: set it with --seed \(now 0\)"),
        ({"profile": "full"}, r"set it with --profile \(now 'smoke'\)"),
    ],
)
def test_unknown_keys_wrong_types_and_contradictions_are_refused(two_notebooks, extra, match):
    with pytest.raises((ValueError, TypeError), match=match):
        pipeline.resolve_parameters(two_notebooks, "smoke", 0, extra)


def test_the_real_notebooks_declare_overrides_and_accept_their_parameters():
    notebooks = pipeline.discover()
    resolved = pipeline.resolve_parameters(notebooks, "smoke", 0, {"n_seeds": 2})
    assert all(p["overrides"] == {"n_seeds": 2} for p in resolved.values())  # every notebook has n_seeds
    with pytest.raises(ValueError, match="threads: no selected notebook declares it"):
        pipeline.resolve_parameters(notebooks, "smoke", 0, {"threads": 1})  # every notebook runs one thread
    with pytest.raises(ValueError, match="strict: no selected notebook declares it"):
        pipeline.resolve_parameters(notebooks, "smoke", 0, {"strict": False})  # calibration runs are gone


def test_the_command_line_fails_in_one_line_before_running_anything(capsys):
    assert pipeline.main(["run", "--only", "07"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no notebook matches 07; available: 01_") and "\n" not in err
    assert pipeline.main(["run", "--only", "01", "--param", "sede=1"]) == 2
    assert "--param sede: no selected notebook declares it" in capsys.readouterr().err
    assert pipeline.main(["prepare", "--only", "01", "--param", "seed=1"]) == 2
    assert "set it with --seed" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------- figures


def test_only_the_default_profile_writes_the_committed_figures(monkeypatch):
    monkeypatch.delenv("SIMVAE_FIGURES_DIR", raising=False)
    root = pipeline.project_root()
    assert figures.figures_root(None, "default") == root / "figures"
    assert figures.figures_root(None, "smoke") == root / "build" / "figures" / "smoke"
    assert figures.figures_root(None, "full") == root / "build" / "figures" / "full"
    assert figures.figures_root("elsewhere", "smoke") == __import__("pathlib").Path("elsewhere")


def test_a_default_run_with_user_overrides_does_not_write_the_committed_figures(monkeypatch):
    monkeypatch.delenv("SIMVAE_FIGURES_DIR", raising=False)
    from simvae_core.notebook.experiment import start_run

    plain = start_run("01_x", profile="default", seed=0, steps=7)  # the notebook's own sizes
    custom = start_run("01_x", profile="default", seed=0, overrides={"n_seeds": 1}, steps=7)
    assert plain.figures_root == pipeline.project_root() / "figures"
    assert custom.figures_root == pipeline.project_root() / "build" / "figures" / "default-custom"
    assert custom.profile.n_seeds == 1 and custom.parameters["user_overrides"] == {"n_seeds": 1}


def test_a_smoke_notebook_run_in_a_clone_leaves_the_committed_figures_untouched(tmp_path):
    """The user's trial: `make figures PROFILE=smoke` once replaced 45 committed figures with 1-epoch ones."""
    import os
    import shutil
    import subprocess
    import sys

    root = pipeline.project_root()
    clone = tmp_path / "clone"
    # a clone of the working tree as it is (committed or not): the files git knows, then a fresh repo
    files = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-co", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (root / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, clone / name)
    git = ["git", "-C", str(clone), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "clone"], check=True)
    env = {k: v for k, v in os.environ.items() if k != "SIMVAE_FIGURES_DIR"}
    env.update(PYTHONPATH=str(clone), MPLBACKEND="agg")
    done = subprocess.run(
        [sys.executable, "-m", "simvae_core.tooling.pipeline", "run", "--profile", "smoke", "--only", "01"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"figures -> {clone / 'build' / 'figures' / 'smoke'}" in done.stdout, "the run says where"
    assert "without encryption" not in done.stderr, "the kernel's start-up warning is back (make setup)"
    status = subprocess.run([*git, "status", "--porcelain", "--", "figures"], capture_output=True, text=True)
    assert status.stdout == "", f"a smoke run changed the committed figures:\n{status.stdout}"
    written = list((clone / "build" / "figures" / "smoke" / "01_ssl_generative_model").glob("*.png"))
    assert written, "the smoke figures went to build/figures/smoke/"


def _threads_notebook(folder, name, alone=False):
    """A notebook that records the torch threads its kernel got and writes one figure (``alone``: it
    declares ``threads = 0``, all cores)."""
    stem = name.removesuffix(".ipynb")
    body = (
        "import json, os, pathlib, torch\n"
        "import matplotlib.pyplot as plt\n"
        "import simvae_core as sc\n"
        f"run = sc.start_run('{stem}', profile=profile, seed=seed)\n"
        "fig, ax = plt.subplots()\n"
        "run.savefig(fig, 'tiny')\n"
        f"pathlib.Path(os.environ['PROBE_DIR'], '{stem}.json').write_text(\n"
        "    json.dumps({'threads': torch.get_num_threads()}))\n"
    )
    path = _write_notebook(folder, name, body)
    if alone:
        nb = nbformat.read(path, as_version=4)
        nb.cells[0].source += "\nthreads = 0"
        nbformat.write(nb, path)
    return path


def test_parallel_notebooks_get_one_thread_each_and_unchanged_ones_are_skipped(tmp_path, monkeypatch):
    monkeypatch.delenv("SIMVAE_FIGURES_DIR", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("PROBE_DIR", str(tmp_path))
    nbs, out, figs = tmp_path / "nbs", tmp_path / "out", tmp_path / "figs"
    for name in ("01_a.ipynb", "02_b.ipynb"):
        _threads_notebook(nbs, name)
    run = dict(notebooks_dir=nbs, figures_dir=figs, jobs=2)
    timings = pipeline.run("smoke", out, force=False, **run)
    assert set(timings) == {"01_a", "02_b"} and all(t > 0 for t in timings.values())
    for stem in ("01_a", "02_b"):
        assert json.loads((tmp_path / f"{stem}.json").read_text()) == {"threads": 1}
    # a notebook declaring threads = 0 runs alone, with the environment's (here: torch's default) threads
    _threads_notebook(tmp_path / "alone", "03_c.ipynb", alone=True)
    alone = dict(notebooks_dir=tmp_path / "alone", figures_dir=tmp_path / "figs-alone", jobs=2)
    pipeline.run("smoke", tmp_path / "out-alone", **alone)
    # torch's count in a fresh process with this environment (OMP_NUM_THREADS removed above): this
    # process's own count depends on the environment it started in and on what earlier tests set
    probe = [sys.executable, "-c", "import torch; print(torch.get_num_threads())"]
    default_threads = int(subprocess.run(probe, capture_output=True, text=True, check=True).stdout)
    assert json.loads((tmp_path / "03_c.json").read_text()) == {"threads": default_threads}
    assert "OMP_NUM_THREADS" not in os.environ, "run() must restore the environment"
    assert figures.check_manifest(figs) == []
    record = figures.read_manifest(figs)["notebooks"]
    assert {k: (v["seconds"], v["jobs"]) for k, v in record.items()} == {
        k: (t, 2) for k, t in timings.items()
    }
    # nothing changed: both are up to date and nothing runs
    assert pipeline.run("smoke", out, force=False, **run) == {"01_a": 0.0, "02_b": 0.0}
    # a changed notebook, a changed parameter or a changed figure runs again; the others are skipped
    src = nbs / "02_b.ipynb"
    nb = nbformat.read(src, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("a new sentence"))
    nbformat.write(nb, src)
    again = pipeline.run("smoke", out, force=False, **run)
    assert again["01_a"] == 0.0 and again["02_b"] > 0
    (figs / "01_a" / "tiny.png").write_bytes(b"edited by hand")
    again = pipeline.run("smoke", out, force=False, **run)
    assert again["01_a"] > 0 and again["02_b"] == 0.0
    assert figures.check_manifest(figs) == []
    again = pipeline.run("smoke", out, seed=1, force=False, **run)
    assert all(t > 0 for t in again.values())
    # force (the default of run, and make figures FORCE=1) runs everything
    assert all(t > 0 for t in pipeline.run("smoke", out, seed=1, **run).values())


def test_executed_copy_keeps_outputs_rebases_links_and_is_recorded(tmp_path, monkeypatch):
    """What a reader opens in figures/executed/: the outputs, links that still resolve from there, no
    timestamps (they would change every run), and a manifest record that check_manifest verifies."""
    monkeypatch.delenv("SIMVAE_FIGURES_DIR", raising=False)
    nbs, figs = tmp_path / "repo" / "notebooks", tmp_path / "repo" / "figures"
    src = _write_notebook(nbs)
    nb = nbformat.read(src, as_version=4)
    nb.cells.insert(
        0,
        nbformat.v4.new_markdown_cell(
            "See [the model](../docs/theory.md#the-model), [a paper](https://arxiv.org/abs/2402.01399) "
            "and [below](#verdicts)."
        ),
    )
    nbformat.write(nb, src)
    pipeline.run("smoke", tmp_path / "out", seed=5, notebooks_dir=nbs, figures_dir=figs)
    copy = figs / "executed" / "01_tiny.ipynb"
    executed = nbformat.read(copy, as_version=4)
    assert "[the model](../../docs/theory.md#the-model)" in executed.cells[0].source
    assert (
        "(https://arxiv.org/abs/2402.01399)" in executed.cells[0].source
        and "(#verdicts)" in executed.cells[0].source
    )
    assert any(
        "image/png" in o.get("data", {}) for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    text = copy.read_text()
    assert "start_time" not in text and "end_time" not in text
    record = figures.read_manifest(figs)["notebooks"]["01_tiny"]["executed"]
    assert record["path"] == "executed/01_tiny.ipynb"
    assert figures.check_manifest(figs) == []
    copy.write_text(text.replace("tiny", "edited"))
    assert any("executed/01_tiny.ipynb: file changed" in p for p in figures.check_manifest(figs))
    (figs / "executed" / "99_stray.ipynb").write_text("{}")
    assert any("99_stray.ipynb: on disk but no notebook run" in p for p in figures.check_manifest(figs))


def test_rebase_links_moves_only_relative_paths(tmp_path):
    src, dst = tmp_path / "notebooks", tmp_path / "figures" / "executed"
    text = "[a](../docs/x.md#s) [b](http://x.org/y) [c](#here) [d](other.ipynb) [e](mailto:a@b.c)"
    assert pipeline._rebase_links(text, src, dst) == (
        "[a](../../docs/x.md#s) [b](http://x.org/y) [c](#here) [d](../../notebooks/other.ipynb) "
        "[e](mailto:a@b.c)"
    )


def test_heartbeat_names_the_running_cell(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("\ntrain_everything(epochs=400)"),
    ]
    nb.cells[1].metadata["papermill"] = {"status": "running"}
    path = tmp_path / "05_x.ipynb"
    nbformat.write(nb, path)
    assert pipeline.running_cell(path) == "cell 2 of 2 (`train_everything(epochs=400)`)"
    assert pipeline.running_cell(tmp_path / "missing.ipynb") is None
    import time

    beat = pipeline._Heartbeat(interval=0.05)
    beat.active["05_x"] = (path, time.perf_counter())
    with beat:
        time.sleep(0.3)
    out = capsys.readouterr().out
    assert "[pipeline] 05_x: 0 min, cell 2 of 2 (`train_everything(epochs=400)`)" in out


def test_install_kernel_registers_a_quiet_kernel_once(tmp_path):
    folder = pipeline.install_kernel(tmp_path)
    pipeline.install_kernel(tmp_path)
    spec = json.loads((folder / "kernel.json").read_text())
    assert folder.name == pipeline.KERNEL_NAME and spec["display_name"] == "Python 3 (simvae)"
    assert spec["argv"].count(pipeline.QUIET_KERNEL) == 1


def test_nbval_says_which_long_cell_is_running(tmp_path):
    """make test's notebooks are not silent for minutes: the plugin prints a line while a cell runs."""
    import os
    import subprocess
    import sys

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(2.5)")]
    nb.metadata["kernelspec"] = {"name": pipeline.KERNEL_NAME, "display_name": "k", "language": "python"}
    nbformat.write(nb, tmp_path / "slow.ipynb")
    env = {**os.environ, "SIMVAE_HEARTBEAT_S": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.nbval_checks",
            "--nbval-lax",
            f"--nbval-kernel-name={pipeline.KERNEL_NAME}",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "slow.ipynb"),
        ],
        cwd=pipeline.project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "[nbval] slow.ipynb Cell 0: running for 0 min (`import time`)" in done.stdout, done.stdout[-2000:]


def test_a_complete_run_removes_the_figures_it_no_longer_writes(tmp_path, monkeypatch):
    monkeypatch.delenv("SIMVAE_FIGURES_DIR", raising=False)
    figs = tmp_path / "figs"

    def notebook(names):
        saves = "".join(f"fig, ax = plt.subplots()\nrun.savefig(fig, {n!r})\n" for n in names)
        body = (
            "import matplotlib.pyplot as plt\nimport simvae_core as sc\n"
            "run = sc.start_run('01_tiny', profile=profile, seed=seed)\n" + saves
        )
        return _write_notebook(tmp_path / "nbs", "01_tiny.ipynb", body)

    notebook(["old", "kept"])
    pipeline.run("smoke", tmp_path / "out", notebooks_dir=tmp_path / "nbs", figures_dir=figs, force=True)
    assert (figs / "01_tiny" / "old.png").exists()
    notebook(["kept", "new"])
    pipeline.run("smoke", tmp_path / "out", notebooks_dir=tmp_path / "nbs", figures_dir=figs, force=True)
    listed = set(figures.read_manifest(figs)["figures"])
    assert {"01_tiny/kept.png", "01_tiny/new.pdf"} <= listed and not any("old" in k for k in listed)
    assert not (figs / "01_tiny" / "old.png").exists() and figures.check_manifest(figs) == []
