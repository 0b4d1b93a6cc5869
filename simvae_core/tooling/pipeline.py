"""Execute the notebooks with papermill: the engine behind ``make figures`` and the notebook tests.

    python -m simvae_core.tooling.pipeline run --profile default          # every notebook -> figures/
    python -m simvae_core.tooling.pipeline run --jobs 2 --if-changed      # what make figures runs
    python -m simvae_core.tooling.pipeline run --profile smoke --only 01  # -> build/figures/smoke/
    python -m simvae_core.tooling.pipeline run --only 04 --param n_seeds=5
    python -m simvae_core.tooling.pipeline prepare --profile smoke --out build/nbval/smoke   # for nbval
    python -m simvae_core.tooling.pipeline check-figures                  # manifest <-> files
    python -m simvae_core.tooling.pipeline results [--check]              # figures/README.md, README table

Parameters are checked before anything runs. ``--param key=value`` (value in JSON, or a bare word) must
name a parameter of a selected notebook's ``parameters`` cell, with a value of the type of its default,
or one of its sizes, which reaches the notebook through its ``overrides`` parameter: the typed sizes of
its claim family (``simvae_core.experiments.<family>.SIZES``, e.g. ``n_seeds``, ``steps``), or for a
notebook not on the experiments layer the fields of the run profile (``simvae_core.notebook.profiles``).
A size goes to the selected notebooks that have it; one that none has is an error. ``profile`` and
``seed`` are set with ``--profile`` and ``--seed`` only. Only the default profile writes the committed
``figures/``; other profiles write ``build/figures/<profile>/`` unless ``--figures`` names a folder;
the run says where.

``--jobs N`` executes N notebooks at once, each kernel with one torch/OpenMP thread, the longest first
(by the last run's times): most networks are small, so one thread per notebook uses every core without
the spin-waiting of oversubscribed threads. A notebook whose parameters cell says ``threads = 0`` (all
cores: its large matmuls do scale) runs first, alone, with the environment's threads.
``--if-changed`` skips a notebook whose inputs (its source, its parameters, the package's source, the
package versions) are those of its last complete run and whose figures are still the files it wrote;
the record lives next to the executed notebooks in ``build/``. The notebooks share trained models
through the model cache (``simvae_core.learning.cache``).

Papermill always gets an explicit kernel name (``python3``, installed by ``make setup``), so a kernelspec
stored in a notebook can never break a run. Executed notebooks go to ``build/``; a copy with its outputs
(relative links re-based, execution timestamps dropped) goes to ``<figures>/executed/``, recorded in the
manifest, so the committed figures come with the notebook that made them. After the run the results page
``<figures>/README.md`` (and, for the committed figures, the README's notebook table) is regenerated from
the verdicts (:mod:`simvae_core.tooling.results`).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import hashlib
import importlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .. import repro
from ..atomic import atomic_path, write_json_atomic
from ..checks import check_int, did_you_mean
from ..experiments import FAMILIES
from ..notebook import figures
from ..notebook.profiles import PROFILE_FIELDS, PROFILE_NAMES, check_profile_value
from . import results

KERNEL_NAME = "python3"
RESERVED = ("profile", "seed")  # set by --profile / --seed, never by --param
OVERRIDES = "overrides"  # the notebook parameter that carries profile-field overrides


def project_root() -> Path:
    """The directory holding ``notebooks/``: the checkout, or the current directory."""
    root = repro.repo_root()
    return root if root is not None else Path.cwd()


def discover(notebooks_dir: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """Numbered notebooks (``NN_name.ipynb``) in order; ``only`` keeps names starting with a prefix."""
    notebooks_dir = notebooks_dir or project_root() / "notebooks"
    found = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebooks (NN_name.ipynb) in {notebooks_dir}")
    if only:
        selected = [p for p in found if any(p.stem.startswith(prefix) for prefix in only)]
        unmatched = [prefix for prefix in only if not any(p.stem.startswith(prefix) for p in found)]
        if unmatched:
            raise ValueError(
                f"no notebook matches {', '.join(unmatched)}; available: {', '.join(p.stem for p in found)}"
            )
        found = selected
    return found


# --------------------------------------------------------------------------------------------- parameters


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The names and default values of a notebook's ``parameters`` cell (read, never executed)."""
    nb = json.loads(Path(path).read_text())
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            params = {}
            for node in ast.parse(source).body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    params[node.targets[0].id] = ast.literal_eval(node.value)
            return params
    raise ValueError(f"{path.name} has no cell tagged 'parameters'; papermill cannot parameterise it")


def _type_name(value: Any) -> str:
    return type(value).__name__


def _check_value(key: str, value: Any, default: Any, where: str) -> Any:
    """``value`` if it has the type of ``default`` (an int is accepted for a float)."""
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(default, bool) and isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float))
        value = float(value) if ok else value
    elif default is None:
        ok = True
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise ValueError(
            f"--param {key}={json.dumps(value)}: {where} expects {_type_name(default)} (default "
            f"{default!r}), got {_type_name(value)}"
        )
    return value


def size_table(notebook: Path) -> Any:
    """The typed size table of ``notebook``'s claim family, or None for a notebook sized by the generic
    run profile (imports the family module, hence torch: only when a size is overridden)."""
    family = FAMILIES.get(notebook.stem)
    if family is None:
        return None
    return importlib.import_module(f"simvae_core.experiments.{family}").SIZES


def _check_size(nb: Path, profile: str, key: str, value: Any) -> tuple[bool, Any]:
    """(whether ``nb`` has the size ``key``, the value checked against its type)."""
    table = size_table(nb)
    if table is None:
        return (True, check_profile_value(key, value)) if key in PROFILE_FIELDS else (False, value)
    if key not in table.fields:
        return False, value
    try:
        checked = table.check_overrides({key: value})[key]
        table.resolve(profile, {key: checked})
    except (TypeError, ValueError) as error:
        raise ValueError(f"--param {key}={value!r} for {nb.stem}: {error}") from None
    return True, checked


def resolve_parameters(
    notebooks: list[Path], profile: str, seed: int, extra: Mapping[str, Any] | None
) -> dict[Path, dict[str, Any]]:
    """The papermill parameters of every notebook, with ``extra`` checked against what each declares.

    Raises ``ValueError`` before anything runs for: ``profile``/``seed`` given as a ``--param``, a key that
    no selected notebook declares and none has as a size, a value of the wrong type.
    """
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    extra = dict(extra or {})
    for key, value in (("profile", profile), ("seed", seed)):
        if key in extra:
            raise ValueError(f"--param {key}=... is not allowed: set it with --{key} (now {value!r})")
    declared = {nb: notebook_parameters(nb) for nb in notebooks}
    sizes: dict[Path, dict[str, Any]] = {nb: {} for nb in notebooks}
    for key, value in extra.items():
        known_by = [nb for nb, params in declared.items() if key in params]
        if known_by:
            for nb in known_by:
                extra[key] = _check_value(key, value, declared[nb][key], f"{nb.stem}")
            continue
        for nb in notebooks:
            has, checked = _check_size(nb, profile, key, value)
            if has:
                sizes[nb][key] = checked
        if not any(key in s for s in sizes.values()):
            names = {k for params in declared.values() for k in params}
            for nb in notebooks:
                table = size_table(nb)
                names |= set(table.fields if table is not None else PROFILE_FIELDS)
            names = sorted(n for n in names if n not in RESERVED and n != OVERRIDES)
            raise ValueError(
                f"--param {key}: no selected notebook declares it or has it as a size"
                f"{did_you_mean(key, names)}; known: {', '.join(names)}"
            )
    lacking = [nb.stem for nb, params in declared.items() if sizes[nb] and OVERRIDES not in params]
    if lacking:
        raise ValueError(
            f"size overrides need an '{OVERRIDES}' parameter, which {', '.join(lacking)} lack(s)"
        )
    out = {}
    for nb, params in declared.items():
        values = {"profile": profile, "seed": seed}
        values.update({k: v for k, v in extra.items() if k in params})
        if sizes[nb]:
            values[OVERRIDES] = dict(sizes[nb])
        out[nb] = values
    return out


# The kernel listens on 127.0.0.1 only; its start-up warning about unencrypted TCP (one per notebook in
# every run) is noise there. Errors still show.
QUIET_KERNEL = "--IPKernelApp.log_level=ERROR"


def install_kernel(prefix: str | os.PathLike | None = None) -> Path:
    """Register the notebooks' kernel (``python3``, "Python 3 (simvae)") in this environment, quiet at
    start-up (:data:`QUIET_KERNEL`); return its folder. ``make setup`` calls it."""
    from ipykernel.kernelspec import install  # a notebook-extra dependency, needed only here

    folder = Path(
        install(kernel_name=KERNEL_NAME, display_name="Python 3 (simvae)", prefix=str(prefix or sys.prefix))
    )
    spec = json.loads((folder / "kernel.json").read_text())
    if QUIET_KERNEL not in spec["argv"]:
        spec["argv"].append(QUIET_KERNEL)
    write_json_atomic(folder / "kernel.json", spec)
    return folder


def _set_kernelspec(path: Path) -> None:
    """Point a prepared notebook at our kernel, so nbval or JupyterLab opening it needs no stored kernel."""
    import nbformat  # a notebook-extra dependency, needed only here

    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3 (simvae)",
        "language": "python",
    }
    nbformat.write(nb, path)


def prepare(
    profile: str,
    out: Path,
    seed: int = 0,
    only: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    notebooks_dir: Path | None = None,
) -> list[Path]:
    """Write parameterised, unexecuted copies of the notebooks (for nbval to execute)."""
    import papermill as pm  # a notebook-extra dependency, needed only to execute

    notebooks = discover(notebooks_dir, only)
    parameters = resolve_parameters(notebooks, profile, seed, extra)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for nb in notebooks:
        dst = out / nb.name
        pm.execute_notebook(
            str(nb),
            str(dst),
            parameters=parameters[nb],
            prepare_only=True,
            kernel_name=KERNEL_NAME,
            language="python",
            progress_bar=False,
        )
        _set_kernelspec(dst)
        written.append(dst)
    return written


def _code_digest() -> str:
    """SHA-256 of every source file of the package: a notebook's result can depend on any of them."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def inputs_digest(notebook: Path, parameters: Mapping[str, Any], figures_dir: Path, code: str) -> str:
    """What decides a notebook's outputs: its source, its parameters, the package code and versions."""
    facts = {
        "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest(),
        "parameters": parameters,
        "figures": str(figures_dir),
        "code": code,
        "packages": repro.package_versions(),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=repr).encode()).hexdigest()


def _state_path(out: Path) -> Path:
    return out / "pipeline-state.json"


def _read_state(out: Path) -> dict[str, Any]:
    path = _state_path(out)
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except json.JSONDecodeError:
        return {}  # a broken record only costs a re-run


def _up_to_date(record: Mapping[str, Any] | None, digest: str, dst: Path, root: Path) -> bool:
    """True when the notebook ran to completion with these inputs and its figures are still as it wrote
    them (every file it recorded exists with the recorded SHA-256)."""
    if not record or record.get("inputs") != digest or not dst.exists():
        return False
    if not (root / results.EXECUTED / dst.name).is_file():
        return False
    manifest = figures.read_manifest(root)["figures"]
    for key, sha in record.get("figures", {}).items():
        entry = manifest.get(key)
        if entry is None or entry.get("sha256") != sha or not (root / key).is_file():
            return False
        if hashlib.sha256((root / key).read_bytes()).hexdigest() != sha:
            return False
    return True


def _execute(nb: Path, dst: Path, parameters: Mapping[str, Any]) -> float:
    """Execute one notebook in a fresh kernel; return its wall time in seconds."""
    import papermill as pm  # a notebook-extra dependency, needed only to execute

    start = time.perf_counter()
    pm.execute_notebook(
        str(nb),
        str(dst),
        parameters=dict(parameters),
        kernel_name=KERNEL_NAME,
        language="python",
        cwd=str(nb.parent),
        progress_bar=False,
    )
    return round(time.perf_counter() - start, 1)


EXECUTED_BUDGET = 3_000_000  # bytes: the most a committed executed notebook may weigh
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")


def _rebase_links(text: str, source_dir: Path, target_dir: Path) -> str:
    """Markdown links relative to ``source_dir`` rewritten to point at the same files from ``target_dir``."""

    def fix(match: re.Match[str]) -> str:
        link = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", link) or link.startswith(("#", "/")):
            return match.group(0)  # a URL, an anchor on the same page, or an absolute path
        path, sep, anchor = link.partition("#")
        moved = os.path.relpath(os.path.normpath(source_dir / path), target_dir)
        return f"{match.group(1)}{Path(moved).as_posix()}{sep}{anchor}{match.group(3)}"

    return _LINK.sub(fix, text)


def publish_executed(executed: Path, figures_root: Path, source_dir: Path) -> Path:
    """Copy an executed notebook to ``<figures>/executed/`` for readers: outputs kept, links re-based to
    the new folder, execution timestamps and widget state dropped (they change on every run). Atomic."""
    import nbformat  # a notebook-extra dependency, needed only here

    nb = nbformat.read(executed, as_version=4)
    target_dir = figures_root / results.EXECUTED
    nb.metadata.pop("widgets", None)
    nb.metadata.get("papermill", {}).pop("start_time", None)
    nb.metadata.get("papermill", {}).pop("end_time", None)
    nb.metadata.get("papermill", {}).pop("input_path", None)
    nb.metadata.get("papermill", {}).pop("output_path", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.get("papermill", {}).pop("start_time", None)
        cell.metadata.get("papermill", {}).pop("end_time", None)
        if cell.cell_type == "markdown":
            cell.source = _rebase_links(cell.source, source_dir.resolve(), target_dir.resolve())
    path = target_dir / executed.name
    with atomic_path(path) as tmp:
        nbformat.write(nb, tmp)
    return path


HEARTBEAT_S = 60.0  # how often a long run says which cell each running notebook is in


def running_cell(executing: Path) -> str | None:
    """Which cell of a notebook papermill is executing, read from the copy it autosaves as it goes:
    ``"cell 23 of 61 (`first line`)"``, or None when that cannot be told (yet)."""
    try:
        nb = json.loads(executing.read_text())
    except (OSError, ValueError):
        return None  # not written yet, or caught mid-write
    cells = nb.get("cells", [])
    for i, cell in enumerate(cells):
        if cell.get("metadata", {}).get("papermill", {}).get("status") == "running":
            source = "".join(cell.get("source", []))
            first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
            return f"cell {i + 1} of {len(cells)} (`{first[:60]}`)"
    return None


class _Heartbeat:
    """Every ``interval`` seconds, one line per running notebook: how long it has run and its cell."""

    def __init__(self, interval: float = HEARTBEAT_S) -> None:
        self.interval = interval
        self.active: dict[str, tuple[Path, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            for name, (path, start) in list(self.active.items()):
                where = running_cell(path) or "starting"
                print(f"[pipeline] {name}: {(time.perf_counter() - start) / 60:.0f} min, {where}", flush=True)


# read by torch (and numpy's BLAS) when a kernel starts; the kernels inherit our environment
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block (and every kernel started in it), then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(
    profile: str,
    out: Path,
    seed: int = 0,
    only: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    figures_dir: Path | None = None,
    notebooks_dir: Path | None = None,
    jobs: int = 1,
    force: bool = True,
) -> dict[str, float]:
    """Execute the notebooks; return each one's wall time in seconds (0 for one skipped as up to date).

    ``jobs > 1`` runs that many notebooks at once, each kernel with one thread (the networks are small:
    one thread per notebook keeps every core busy with no oversubscription), the longest first by the
    last run's times; a notebook declaring ``threads = 0`` runs first, alone, with every core.
    ``force=False`` skips a notebook whose inputs (:func:`inputs_digest`) are those of its last complete
    run and whose figures are unchanged. Stops at the first failure. Figures go to ``figures_dir`` when
    given, else where :func:`figures.figures_root` puts ``profile``.
    """
    notebooks = discover(notebooks_dir, only)
    parameters = resolve_parameters(notebooks, profile, seed, extra)
    check_int(jobs, "jobs")
    out.mkdir(parents=True, exist_ok=True)
    # The kernel inherits our environment: that is how a named figures dir reaches the notebook's savefig,
    # and how each of several notebooks run at once gets one thread.
    env = {"SIMVAE_FIGURES_DIR": str(Path(figures_dir).resolve())} if figures_dir is not None else {}
    env[figures.BATCH_ENV] = "1"  # no one watches a papermill kernel: live controls draw once
    with _environment(env):
        return _run(profile, out, seed, notebooks, parameters, jobs, force)


def _run(
    profile: str,
    out: Path,
    seed: int,
    notebooks: list[Path],
    parameters: Mapping[Path, dict[str, Any]],
    jobs: int,
    force: bool,
) -> dict[str, float]:
    root = figures.figures_root(None, profile)
    print(f"[pipeline] profile={profile}, seed={seed}, jobs={jobs}: figures -> {root}", flush=True)
    state = _read_state(out)
    code = _code_digest()
    timings: dict[str, float] = {}
    todo = []
    for nb in notebooks:
        digest = inputs_digest(nb, parameters[nb], root, code)
        if not force and _up_to_date(state.get(nb.stem), digest, out / nb.name, root):
            print(f"[pipeline] {nb.name}: up to date (same inputs and figures as its last run)", flush=True)
            timings[nb.stem] = 0.0
        else:
            todo.append((nb, digest))
    if jobs > 1:  # longest first (by this checkout's last run, else the committed manifest's record)
        recorded = figures.read_manifest(root).get("notebooks", {})

        def expected(nb: Path) -> float:
            mine = state.get(nb.stem, {}).get("seconds")
            return float(mine if mine is not None else recorded.get(nb.stem, {}).get("seconds", 0.0))

        todo.sort(key=lambda item: -expected(item[0]))
    lock = threading.Lock()
    heartbeat = _Heartbeat()

    def one(nb: Path, digest: str) -> None:
        dst = out / nb.name
        verdicts = root / nb.stem / "verdicts.json"
        previous = read_outcomes(verdicts)
        print(f"[pipeline] {nb.name} -> {dst}", flush=True)
        heartbeat.active[nb.stem] = (dst, time.perf_counter())
        started = figures.now()
        try:
            seconds = _execute(nb, dst, parameters[nb])
        finally:
            heartbeat.active.pop(nb.stem, None)
        for key in figures.prune_stale(root, nb.stem, started):  # what this complete run did not write
            print(f"[pipeline] {nb.stem}: removed {key}, a figure this run no longer writes", flush=True)
        if verdicts.exists():
            for line in annotate_verdicts(verdicts, parameters[nb], notebook_parameters(nb), previous):
                print(f"[pipeline] {nb.stem}: {line}", flush=True)
        executed = publish_executed(dst, root, nb.parent)
        size = executed.stat().st_size
        print(f"[pipeline] {nb.name}: {seconds} s; executed copy {size / 1e6:.2f} MB", flush=True)
        if size > EXECUTED_BUDGET:
            print(
                f"[pipeline] warning: {executed.name} is {size / 1e6:.1f} MB, over the "
                f"{EXECUTED_BUDGET / 1e6:.0f} MB budget of a committed executed notebook (fewer or "
                "smaller figures, or less printed output)",
                file=sys.stderr,
                flush=True,
            )
        manifest = figures.read_manifest(root)["figures"]
        written = {k: v["sha256"] for k, v in manifest.items() if v.get("notebook") == nb.stem}
        with lock:
            timings[nb.stem] = seconds
            state[nb.stem] = {"inputs": digest, "seconds": seconds, "figures": written}
            write_json_atomic(_state_path(out), state)
        figures.record_notebook_run(
            root,
            nb.stem,
            seconds=seconds,
            jobs=jobs,
            executed={"path": executed.relative_to(root).as_posix(), "sha256": figures.sha256_of(executed)},
            parameters=dict(parameters[nb]),
            machine=_machine(verdicts),
        )

    with heartbeat:
        _schedule(todo, jobs, one)
    return {nb.stem: timings[nb.stem] for nb in notebooks if nb.stem in timings}


MACHINE = ("torch_threads", "torch", "torch_blas", "torch_cpu_capability", "numpy_blas", "cpu", "cpu_count")


def _machine(verdicts: Path) -> dict[str, Any]:
    """What the notebook's kernel recorded of the machine (threads, builds, CPU) in its verdicts.json,
    else this process's record (a notebook without claims)."""
    try:
        run = json.loads(verdicts.read_text()).get("run", {})
    except (OSError, ValueError):
        run = {}
    if "torch_threads" not in run:
        run = repro.run_record()
    return {k: run.get(k) for k in MACHINE}


def read_outcomes(verdicts: Path) -> dict[str, Any] | None:
    """The outcomes a ``verdicts.json`` records (None when there is none, or it predates outcomes)."""
    try:
        data = json.loads(verdicts.read_text())
    except (OSError, ValueError):
        return None
    claims = data.get("claims", [])
    if not claims or "outcome" not in claims[0]:
        return None
    return {"code_version": data.get("code_version"), "outcomes": {c["id"]: c["outcome"] for c in claims}}


def annotate_verdicts(
    verdicts: Path,
    injected: Mapping[str, Any],
    defaults: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
) -> list[str]:
    """Add what only the pipeline knows to a notebook's fresh ``verdicts.json``: the parameters it
    injected (and which differ from the notebook's defaults), and every outcome that changed since the
    previous run's file. Returns one line per flip, for the log."""
    data = json.loads(verdicts.read_text())
    non_default = {k: v for k, v in injected.items() if k not in defaults or defaults[k] != v}
    data.setdefault("run", {}).update(injected=dict(injected), non_default=non_default)
    lines = []
    if previous is not None:
        now = {c["id"]: c["outcome"] for c in data.get("claims", [])}
        before = previous["outcomes"]
        changes = [
            {"id": i, "from": before[i], "to": now[i]} for i in now if i in before and before[i] != now[i]
        ]
        data["flips"] = {
            "since": previous.get("code_version"),
            "changes": changes,
            "added": sorted(set(now) - set(before)),
            "removed": sorted(set(before) - set(now)),
        }
        lines = [f"{f['id']}: {f['from']} → {f['to']}" for f in changes]
        if not changes:
            lines = [f"no outcome changed since {previous.get('code_version')}"]
    if non_default:
        lines.append(f"run with non-default parameters {non_default}: the results page flags it")
    write_json_atomic(verdicts, data)
    return lines


def _schedule(todo: list[tuple[Path, str]], jobs: int, one: Any) -> None:
    """Run ``one(nb, digest)`` for every notebook: in order with ``jobs == 1``, else as described above."""
    if jobs == 1:
        for nb, digest in todo:
            one(nb, digest)
        return
    # A notebook that declares `threads = 0` (all cores: its large matmuls scale with them) runs first and
    # alone, so the models it trains are in the cache before the others start; the rest run `jobs` at a
    # time with one thread each.
    alone = [(nb, d) for nb, d in todo if notebook_parameters(nb).get("threads") == 0]
    for nb, digest in alone:
        one(nb, digest)
    with _environment({name: "1" for name in _THREAD_VARS}):
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(one, nb, d) for nb, d in todo if (nb, d) not in alone]
            for future in concurrent.futures.as_completed(futures):
                if future.exception() is not None:  # start nothing more after the first failure
                    for f in futures:
                        f.cancel()
                    raise future.exception()


def _parse_extra(pairs: list[str]) -> dict[str, Any]:
    extra = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(
                f"--param expects key=value (value in JSON, e.g. n_seeds=3 or dataset=mnist), got {pair!r}"
            )
        try:
            extra[key] = json.loads(value)
        except json.JSONDecodeError:
            extra[key] = value  # a bare word is a string
    return extra


def _parser() -> argparse.ArgumentParser:
    class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
        pass

    parser = argparse.ArgumentParser(
        prog="python -m simvae_core.tooling.pipeline", description=__doc__, formatter_class=Formatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "prepare"):
        p = sub.add_parser(name, formatter_class=Formatter)
        p.add_argument("--profile", default="default", choices=PROFILE_NAMES, help="run profile")
        p.add_argument("--seed", type=int, default=0, help="the notebooks' seed")
        p.add_argument("--only", nargs="*", default=None, help="notebook name prefixes, e.g. 01 03")
        p.add_argument(
            "--param", action="append", default=[], help="notebook parameter or profile field key=value"
        )
        p.add_argument("--out", type=Path, default=None, help="folder for the notebooks (default build/...)")
        if name == "run":
            p.add_argument(
                "--figures", type=Path, default=None, help="figures folder (default: by profile, see above)"
            )
            p.add_argument(
                "--jobs", type=int, default=1, help="notebooks run at once (each then with one thread)"
            )
            p.add_argument(
                "--if-changed",
                action="store_true",
                help="skip a notebook whose inputs and figures are those of its last complete run",
            )
    check = sub.add_parser("check-figures", formatter_class=Formatter)
    check.add_argument("--figures", type=Path, default=None, help="figures folder (default figures/)")
    kernel = sub.add_parser("install-kernel", formatter_class=Formatter, help="register the quiet kernel")
    kernel.add_argument("--prefix", default=None, help="environment prefix (default: this Python's)")
    page = sub.add_parser("results", formatter_class=Formatter, help="regenerate the results pages")
    page.add_argument("--figures", type=Path, default=None, help="figures folder (default figures/)")
    page.add_argument("--check", action="store_true", help="only check; exit 1 if a page is out of date")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _main(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _main(args: argparse.Namespace) -> int:
    if args.command == "install-kernel":
        print(f"kernel {KERNEL_NAME} (quiet start-up) -> {install_kernel(args.prefix)}")
        return 0
    if args.command == "results":
        root = project_root()
        if args.check:
            problems = results.check(root, args.figures)
            for problem in problems:
                print(problem)
            print("results pages agree with the verdicts" if not problems else f"{len(problems)} problem(s)")
            return 1 if problems else 0
        for path in results.write(root, args.figures):
            print(f"rewrote {path}")
        return 0
    if args.command == "check-figures":
        problems = figures.check_manifest(args.figures)
        for problem in problems:
            print(problem)
        print("figures and manifest agree" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0

    extra = _parse_extra(args.param)
    out = (
        args.out
        or project_root() / "build" / ("notebooks" if args.command == "run" else "nbval") / args.profile
    )
    if args.command == "prepare":
        for path in prepare(args.profile, out, args.seed, args.only, extra):
            print(path)
        return 0
    timings = run(
        args.profile,
        out,
        args.seed,
        args.only,
        extra,
        args.figures,
        jobs=args.jobs,
        force=not args.if_changed,
    )
    written_to = args.figures or figures.figures_root(None, args.profile)
    for path in results.write(project_root(), Path(written_to)):
        print(f"[pipeline] results: rewrote {path}", flush=True)
    problems = figures.check_manifest(written_to)
    for problem in problems:
        print(f"[pipeline] figures: {problem}", file=sys.stderr)
    print(
        json.dumps(
            {"profile": args.profile, "seed": args.seed, "figures": str(written_to), "seconds": timings},
            indent=2,
        )
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
