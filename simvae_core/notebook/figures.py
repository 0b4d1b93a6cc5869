"""One plotting style and one ``savefig`` for every notebook, with a manifest that traces each file.

Every figure is written as PNG and PDF under ``<figures dir>/<notebook>/<name>.{png,pdf}`` and recorded
in ``<figures dir>/manifest.json`` with the notebook, its parameters, the seed, the code version, the
package versions and the file's SHA-256. ``savefig`` also *displays* the figure explicitly, so an
executed notebook holds its images even under a headless backend (where ``plt.show`` draws nothing).

The figures dir is, in order: the ``figures_dir`` argument, ``$SIMVAE_FIGURES_DIR``, then by profile:
the ``default`` profile writes ``figures/`` of the checkout the package is imported from (``./figures``
outside a checkout): the committed figures. Every other profile (``smoke``, ``full``) writes
``build/figures/<profile>/`` there instead, so a quick run can never overwrite a committed figure, and a
notebook opened in JupyterLab follows the same rule.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import repro
from ..atomic import atomic_path, write_json_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

MANIFEST = "manifest.json"
# "1" in the environment of a batch run (the pipeline's papermill kernels, the test suite's nbval kernels):
# no one is watching, so live controls draw once, statically (see simvae_core.teaching)
BATCH_ENV = "SIMVAE_BATCH_RUN"
FORMATS = ("png", "pdf")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def set_style() -> None:
    """The project's look: seaborn's white grid, colour-blind palette, 150 dpi, tight bounding boxes."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "figure.constrained_layout.use": True,
            "axes.titlesize": "medium",
            "pdf.fonttype": 42,  # embed TrueType so PDFs stay editable and searchable
        }
    )


def show_image(ax: Any, image: Any) -> None:
    """Draw one image ``(C, H, W)`` (uint8, or floats in [0, 1]) on ``ax``: grey for C = 1, RGB for C = 3."""
    import torch

    image = torch.as_tensor(image).detach().cpu()
    if image.ndim != 3 or image.shape[0] not in (1, 3):
        raise ValueError(
            f"show_image expects one image of shape (C, H, W) with C in (1, 3), got {tuple(image.shape)}"
        )
    image = image.float() / 255 if image.dtype == torch.uint8 else image.float()
    if image.shape[0] == 1:
        ax.imshow(image[0], cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(image.permute(1, 2, 0).clamp(0, 1))
    ax.set_xticks([])
    ax.set_yticks([])


COMMITTED_PROFILE = "default"


def figures_root(figures_dir: str | os.PathLike | None = None, profile: str | None = None) -> Path:
    """Where figures go (see the module docstring for the order of precedence).

    ``profile`` is the run's profile name; ``None`` means the committed folder (used by the tools that
    read figures back, such as :func:`check_manifest`).
    """
    if figures_dir is not None:
        return Path(figures_dir)
    if os.environ.get("SIMVAE_FIGURES_DIR"):
        return Path(os.environ["SIMVAE_FIGURES_DIR"])
    root = repro.repo_root() or Path.cwd()
    if profile is None or profile == COMMITTED_PROFILE:
        return root / "figures"
    return root / "build" / "figures" / profile


def _check_name(kind: str, value: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(
            f"{kind} name {value!r} must be a plain file name (letters, digits, '_', '-', '.'), "
            "e.g. 'posterior_softmax'"
        )


@contextlib.contextmanager
def _manifest_lock(directory: Path) -> Iterator[None]:
    """Serialise read-modify-write of the manifest between concurrent notebook runs (POSIX only)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: runs are sequential there
        yield
        return
    with open(directory / ".manifest.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(figures_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    path = figures_root(figures_dir) / MANIFEST
    if not path.exists():
        return {"figures": {}}
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err}); delete it and regenerate the figures") from err
    manifest.setdefault("figures", {})
    return manifest


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _display(fig: Figure) -> None:
    """Show ``fig`` in a notebook as PNG bytes, independent of the matplotlib backend.

    ``display(fig)`` relies on the inline backend's formatter; under ``MPLBACKEND=agg`` (CI, papermill on a
    server) it would show only ``<Figure ...>`` text. Sending the rendered bytes always works.
    """
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover - IPython absent: a plain script
        return
    if get_ipython() is None:
        return
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    display(Image(data=buffer.getvalue(), format="png"))


def savefig(
    fig: Figure,
    name: str,
    *,
    notebook: str,
    parameters: Mapping[str, Any] | None = None,
    seed: int | None = None,
    figures_dir: str | os.PathLike | None = None,
    display: bool = True,
    close: bool = True,
    profile: str | None = None,
) -> list[Path]:
    """Write ``fig`` as PNG and PDF, record both in the manifest, show it once, and close it.

    Returns the written paths. ``notebook`` names the producing notebook (its file stem), ``parameters``
    are the run's parameters (profile, overrides), ``seed`` its seed; ``profile`` decides the folder
    (default: ``parameters["profile"]``; see :func:`figures_root`). Writes are atomic.
    """
    import matplotlib.pyplot as plt

    _check_name("figure", name)
    _check_name("notebook", notebook)
    if profile is None:
        named = (parameters or {}).get("profile")
        profile = named if isinstance(named, str) else None
    root = figures_root(figures_dir, profile)
    out_dir = root / notebook
    out_dir.mkdir(parents=True, exist_ok=True)
    created = now()
    record = {
        "notebook": notebook,
        "figure": name,
        "parameters": dict(parameters or {}),
        "seed": seed,
        "code_version": repro.code_version(),
        "packages": repro.package_versions(),
        "created": created,
    }
    written: list[Path] = []
    for fmt in FORMATS:
        path = out_dir / f"{name}.{fmt}"
        # No timestamps inside the files: the same inputs give byte-identical PNGs and PDFs.
        metadata = {"CreationDate": None} if fmt == "pdf" else {"Software": None}
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=metadata)
        written.append(path)

    with _manifest_lock(root):
        manifest = read_manifest(root)
        for path in written:
            key = path.relative_to(root).as_posix()
            manifest["figures"][key] = {**record, "format": path.suffix[1:], "sha256": sha256_of(path)}
        write_json_atomic(root / MANIFEST, manifest)

    if display:
        _display(fig)
    if close:
        plt.close(fig)
    return written


def record_notebook_run(figures_dir: str | os.PathLike, notebook: str, **facts: Any) -> None:
    """Record how a notebook's last complete run went (wall seconds, jobs) under ``notebooks`` in the
    manifest: what a reader sees the figures cost, and what the pipeline schedules the longest first by."""
    _check_name("notebook", notebook)
    root = figures_root(figures_dir)
    with _manifest_lock(root):
        manifest = read_manifest(root)
        manifest.setdefault("notebooks", {})[notebook] = {**facts, "code_version": repro.code_version()}
        write_json_atomic(root / MANIFEST, manifest)


def record_derived(
    figures_dir: str | os.PathLike, key: str, *, notebook: str, drawn_from: Mapping[str, str], **facts: Any
) -> None:
    """Record a figure drawn from a run's output file rather than by the run (the forest plot of a
    ``verdicts.json``): ``drawn_from`` names that file and its SHA-256, so a stale drawing is detectable."""
    _check_name("notebook", notebook)
    root = figures_root(figures_dir)
    path = root / key
    with _manifest_lock(root):
        manifest = read_manifest(root)
        manifest["figures"][key] = {
            "notebook": notebook,
            "figure": path.stem,
            "format": path.suffix[1:],
            "drawn_from": dict(drawn_from),
            **facts,
            "sha256": sha256_of(path),
        }
        write_json_atomic(root / MANIFEST, manifest)


def now() -> str:
    """The manifest's timestamp: UTC, to the second (what ``savefig`` records as ``created``)."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def prune_stale(figures_dir: str | os.PathLike, notebook: str, since: str) -> list[str]:
    """Delete the figures of ``notebook`` that its complete run started at ``since`` (:func:`now`) did not
    write, with their manifest entries: the sections a rebuilt notebook no longer has. Figures drawn from
    a run's output (``drawn_from``: forest plots) are the results page's; they are left alone. Returns
    the removed keys."""
    _check_name("notebook", notebook)
    root = figures_root(figures_dir)
    with _manifest_lock(root):
        manifest = read_manifest(root)
        stale = [
            key
            for key, entry in manifest["figures"].items()
            if entry.get("notebook") == notebook
            and "drawn_from" not in entry
            and str(entry.get("created", "")) < since
        ]
        for key in stale:
            (root / key).unlink(missing_ok=True)
            del manifest["figures"][key]
        if stale:
            write_json_atomic(root / MANIFEST, manifest)
    return stale


def check_manifest(figures_dir: str | os.PathLike | None = None) -> list[str]:
    """Problems between the figure files (and executed notebooks) and the manifest: unlisted files, missing
    files, stale hashes."""
    root = figures_root(figures_dir)
    manifest = read_manifest(root)["figures"]
    problems = []
    on_disk = {
        p.relative_to(root).as_posix()
        for fmt in FORMATS
        for p in root.rglob(f"*.{fmt}")
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
    }
    for key in sorted(on_disk - manifest.keys()):
        problems.append(f"{key}: on disk but not in {MANIFEST}")
    for key in sorted(manifest.keys() - on_disk):
        problems.append(f"{key}: listed in {MANIFEST} but missing on disk")
    for key in sorted(on_disk & manifest.keys()):
        if sha256_of(root / key) != manifest[key].get("sha256"):
            problems.append(f"{key}: file changed since it was recorded (sha256 mismatch)")
    # executed notebooks (``executed/<notebook>.ipynb``): each recorded by its notebook's run, unchanged
    runs = read_manifest(root).get("notebooks", {})
    recorded = {r["executed"]["path"]: r["executed"]["sha256"] for r in runs.values() if "executed" in r}
    executed = {p.relative_to(root).as_posix() for p in (root / "executed").glob("*.ipynb")}
    for key in sorted(executed - recorded.keys()):
        problems.append(f"{key}: on disk but no notebook run in {MANIFEST} records it")
    for key in sorted(recorded.keys() - executed):
        problems.append(f"{key}: recorded in {MANIFEST} but missing on disk")
    for key in sorted(executed & recorded.keys()):
        if sha256_of(root / key) != recorded[key]:
            problems.append(f"{key}: file changed since its run recorded it (sha256 mismatch)")
    return problems
