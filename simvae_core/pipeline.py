"""Execute the notebooks with papermill: the engine behind ``make figures`` and the notebook tests.

    python -m simvae_core.pipeline run --profile default          # every notebook -> figures/
    python -m simvae_core.pipeline run --profile smoke --only 01  # one notebook, quickly
    python -m simvae_core.pipeline prepare --profile smoke --out build/smoke   # parameterise for nbval
    python -m simvae_core.pipeline check-figures                  # manifest <-> files

Papermill always gets an explicit kernel name (``python3``, installed by ``make setup``), so a kernelspec
stored in a notebook can never break a run. Executed notebooks go to ``build/`` (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import figures
from .config import PROFILE_NAMES

KERNEL_NAME = "python3"


def project_root() -> Path:
    """The directory holding ``notebooks/``: the checkout, or the current directory."""
    from .repro import repo_root

    root = repo_root()
    return root if root is not None else Path.cwd()


def discover(notebooks_dir: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """Numbered notebooks (``NN_name.ipynb``) in order; ``only`` keeps names starting with a prefix."""
    notebooks_dir = notebooks_dir or project_root() / "notebooks"
    found = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebooks (NN_name.ipynb) in {notebooks_dir}")
    if only:
        found = [p for p in found if any(p.stem.startswith(prefix) for prefix in only)]
        if not found:
            available = [p.stem for p in discover(notebooks_dir)]
            raise ValueError(f"no notebook matches {only}; available: {available}")
    return found


def _parameters(profile: str, seed: int, extra: dict[str, Any] | None) -> dict[str, Any]:
    if profile not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
    return {"profile": profile, "seed": seed, **(extra or {})}


def _set_kernelspec(path: Path) -> None:
    """Point a prepared notebook at our kernel, so nbval or JupyterLab opening it needs no stored kernel."""
    import nbformat

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
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for nb in discover(notebooks_dir, only):
        dst = out / nb.name
        pm.execute_notebook(
            str(nb),
            str(dst),
            parameters=_parameters(profile, seed, extra),
            prepare_only=True,
            kernel_name=KERNEL_NAME,
            language="python",
            progress_bar=False,
        )
        _set_kernelspec(dst)
        written.append(dst)
    return written


def run(
    profile: str,
    out: Path,
    seed: int = 0,
    only: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    figures_dir: Path | None = None,
    notebooks_dir: Path | None = None,
) -> dict[str, float]:
    """Execute the notebooks in order; return each one's wall time in seconds. Stops at the first failure."""
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    # The kernel inherits our environment: that is how the figures dir reaches the notebook's savefig.
    previous = os.environ.get("SIMVAE_FIGURES_DIR")
    if figures_dir is not None:
        os.environ["SIMVAE_FIGURES_DIR"] = str(Path(figures_dir).resolve())
    timings: dict[str, float] = {}
    try:
        for nb in discover(notebooks_dir, only):
            dst = out / nb.name
            print(f"[pipeline] {nb.name} (profile={profile}, seed={seed}) -> {dst}", flush=True)
            start = time.perf_counter()
            pm.execute_notebook(
                str(nb),
                str(dst),
                parameters=_parameters(profile, seed, extra),
                kernel_name=KERNEL_NAME,
                language="python",
                cwd=str(nb.parent),
                progress_bar=False,
            )
            timings[nb.stem] = round(time.perf_counter() - start, 1)
            print(f"[pipeline] {nb.name}: {timings[nb.stem]} s", flush=True)
    finally:
        if figures_dir is not None:
            if previous is None:
                os.environ.pop("SIMVAE_FIGURES_DIR", None)
            else:
                os.environ["SIMVAE_FIGURES_DIR"] = previous
    return timings


def _parse_extra(pairs: list[str]) -> dict[str, Any]:
    extra = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(
                f"--param expects key=value (value in JSON, e.g. n=3 or name='\"x\"'), got {pair!r}"
            )
        try:
            extra[key] = json.loads(value)
        except json.JSONDecodeError:
            extra[key] = value  # a bare word is a string
    return extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simvae_core.pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "prepare"):
        p = sub.add_parser(name)
        p.add_argument("--profile", default="default", choices=PROFILE_NAMES)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--only", nargs="*", default=None, help="notebook name prefixes, e.g. 01 03")
        p.add_argument("--param", action="append", default=[], help="extra papermill parameter key=value")
        p.add_argument("--out", type=Path, default=None, help="folder for the notebooks (default build/...)")
        if name == "run":
            p.add_argument("--figures", type=Path, default=None, help="figures folder (default figures/)")
    check = sub.add_parser("check-figures")
    check.add_argument("--figures", type=Path, default=None)
    args = parser.parse_args(argv)

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
    timings = run(args.profile, out, args.seed, args.only, extra, args.figures)
    problems = figures.check_manifest(args.figures)
    for problem in problems:
        print(f"[pipeline] figures: {problem}", file=sys.stderr)
    print(json.dumps({"profile": args.profile, "seed": args.seed, "seconds": timings}, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
