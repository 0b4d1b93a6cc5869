"""Reproducibility: one seed for everything, the device, and the code and package versions behind a result.

torch is imported inside the functions that need it: the command line and the notebook pipeline read
versions from here before (or without) training, and importing torch costs about 1.3 s.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import random
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

PACKAGES = ("simvae-core", "torch", "numpy", "scipy", "sympy", "matplotlib", "seaborn", "scikit-learn")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices) from one integer; return a fresh CPU ``torch.Generator``.

    Library code never draws from the global generators: it takes the returned generator (or one made
    from the same seed) explicitly. Seeding the globals as well makes third-party code (e.g. a
    scikit-learn probe that falls back to NumPy's global state) repeatable too.
    """
    import numpy as np
    import torch

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - the legacy global state is what third-party code reads
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def default_device(prefer: str | None = None) -> torch.device:
    """CUDA when present, then Apple MPS, then CPU; ``prefer`` (e.g. ``"cpu"``) overrides the choice.

    A device that this machine lacks (``"cuda"`` without a GPU or without a CUDA build of torch) is a
    ``ValueError`` that says what is available, raised here rather than at the first tensor moved there.
    """
    import torch

    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"unknown device {prefer!r}; use 'cpu', 'cuda', 'cuda:1' or 'mps'") from err
    available = available_devices()
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {prefer!r} is not available: this torch ({torch.__version__}) sees no CUDA GPU; "
                f"available: {', '.join(available)}"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {prefer!r} is not available: {torch.cuda.device_count()} CUDA GPU(s) are visible"
            )
    elif device.type == "mps" and "mps" not in available:
        raise ValueError(f"device {prefer!r} is not available here; available: {', '.join(available)}")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unsupported device {prefer!r}; available: {', '.join(available)}")
    return device


def available_devices() -> list[str]:
    """The device names this machine can use, best first (e.g. ``['cuda', 'cpu']``)."""
    import torch

    names = []
    if torch.cuda.is_available():
        names.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return [*names, "cpu"]


def repo_root() -> Path | None:
    """The checkout this package is imported from, if it is one (editable install); else None."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / ".git").exists() else None


# What a run writes into the checkout: changing these does not change the code that produced a result.
OUTPUT_PATHS = ("figures",)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``git:<commit>``, with ``-dirty`` when tracked files outside :data:`OUTPUT_PATHS` have uncommitted
    changes; outside a checkout, the installed package version.

    The figures a run writes are its output, not its code: ``make figures`` rewrites ``figures/`` notebook
    after notebook, and the later notebooks must still record the clean commit that produced them.
    """
    root = repo_root()
    if root is not None:
        git = ["git", "-C", str(root)]
        try:
            head = subprocess.run(
                [*git, "rev-parse", "--short=12", "HEAD"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
            excluded = [f":(exclude){path}" for path in OUTPUT_PATHS]
            status = subprocess.run(
                [*git, "status", "--porcelain", "--untracked-files=no", "--", ".", *excluded],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
            return f"git:{head}{'-dirty' if status else ''}"
        except (OSError, subprocess.SubprocessError):
            pass
    return f"simvae-core=={_version('simvae-core') or 'unknown'}"


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that decide a result (absent packages are left out)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        v = _version(name)
        if v is not None:
            versions[name] = v
    return versions


def environment_flags() -> dict[str, str]:
    """Environment variables that change numerics or outputs, recorded next to results."""
    keys = ("CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "SIMVAE_FIGURES_DIR")
    return {k: os.environ[k] for k in keys if k in os.environ}


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else what ``platform`` says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def run_record() -> dict[str, object]:
    """What a numeric result depends on beyond code and seed: threads, the torch and BLAS builds, the CPU.

    Recorded in every ``verdicts.json``: float results of the same code and seed differ between thread
    counts and between BLAS builds (Intel's MKL and OpenBLAS reduce in different orders)."""
    import numpy as np
    import torch

    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=([^,\s]+)", config)
    capability = re.search(r"CPU capability usage: (\S+)", config)
    try:
        numpy_blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        numpy_blas = f"{numpy_blas.get('name', '?')} {numpy_blas.get('version', '')}".strip()
    except (TypeError, KeyError, ValueError):  # numpy < 1.25 has no dict form
        numpy_blas = "unknown"
    return {
        "torch_threads": torch.get_num_threads(),
        "thread_environment": {k: os.environ[k] for k in _THREAD_ENV if k in os.environ},
        "torch": torch.__version__,
        "torch_blas": blas.group(1) if blas else "unknown",
        "torch_cpu_capability": capability.group(1) if capability else "unknown",
        "cuda": torch.version.cuda,
        "numpy_blas": numpy_blas,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }


_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
