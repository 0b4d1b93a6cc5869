"""One notebook run: its resolved profile, its seed, and figure output that records both.

Every notebook starts with

    run = start_run("02_discriminative_ssl_correspondence", profile, seed, overrides, sizes=c2.SIZES)

where ``profile``, ``seed`` and ``overrides`` come from its papermill ``parameters`` cell and ``sizes`` is
its claim family's :class:`~simvae_core.notebook.sizes.SizeTable`. ``run.sizes`` holds the typed sizes
of the profile, ``run.seeds`` the seeds of every repeated measurement, ``run.generator(k)`` the k-th
independent, reproducible random stream; ``run.savefig(fig, name)`` writes a figure with its provenance,
and ``run.finish(book)`` closes the notebook (answers, claims table, ``verdicts.json``, runtime).
(Notebooks not yet on the experiments layer pass their sizes as keywords and read ``run.profile``.)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import repro
from . import figures
from .profiles import Profile, resolve_profile
from .sizes import RunSizes, SizeTable

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from matplotlib.figure import Figure

    from ..claims import ClaimBook, NotebookSpec


@dataclass
class ExperimentRun:
    notebook: str
    profile: Profile
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    figures_dir: Path | None = None
    user_overrides: dict[str, Any] = field(default_factory=dict)
    sizes: RunSizes | None = None
    started: float = field(default_factory=time.perf_counter)

    @property
    def seeds(self) -> list[int]:
        """The seeds of every repeated measurement: ``seed, …, seed + n_seeds − 1`` (0…n−1 in the committed
        default run; calibration runs use seeds ≥ 1000, which the committed run never sees)."""
        n = self.sizes.n_seeds if self.sizes is not None else self.profile.n_seeds
        return [self.seed + k for k in range(n)]

    @property
    def parameters(self) -> dict[str, Any]:
        """What reproduces this run: profile name, resolved sizes, the notebook's and the user's
        overrides, and the seed."""
        out = {
            "profile": self.profile.name,
            "sizes": self.sizes.as_dict() if self.sizes is not None else self.profile.as_dict(),
            "overrides": self.overrides,
            "seed": self.seed,
        }
        if self.user_overrides:
            out["user_overrides"] = self.user_overrides
        return out

    @property
    def figures_label(self) -> str:
        """The profile name, or ``<profile>-custom`` when the user changed its sizes: only the unchanged
        default profile writes the committed figures."""
        return f"{self.profile.name}-custom" if self.user_overrides else self.profile.name

    def generator(self, stream: int = 0) -> torch.Generator:
        """A CPU ``torch.Generator`` for independent stream ``stream`` of this run's seed.

        Streams are derived with NumPy's ``SeedSequence``, so stream 3 of seed 0 is unrelated to stream 0
        of seed 3 and adding an experiment to a notebook never shifts another one's random numbers.
        """
        import numpy as np
        import torch

        state = np.random.SeedSequence([self.seed, stream]).generate_state(1, dtype=np.uint64)[0]
        return torch.Generator().manual_seed(int(state) & (2**63 - 1))

    def savefig(self, fig: Figure, name: str, **kwargs: Any) -> None:
        """Save, record, display and close ``fig`` (see :func:`simvae_core.notebook.figures.savefig`).

        Returns None so that a notebook cell ending in ``run.savefig(...)`` prints nothing extra.
        """
        figures.savefig(
            fig,
            name,
            notebook=self.notebook,
            parameters=self.parameters,
            seed=self.seed,
            figures_dir=self.figures_dir,
            profile=self.figures_label,
            **kwargs,
        )

    @property
    def figures_root(self) -> Path:
        """The folder this run's figures go to (``figures/`` only for the default profile)."""
        return figures.figures_root(self.figures_dir, self.figures_label)

    def claims(self, spec: NotebookSpec) -> ClaimBook:
        """The run's :class:`simvae_core.claims.ClaimBook` over the notebook's declared ``spec``
        (``simvae_core.specs``), written to ``<figures root>/<notebook>/verdicts.json`` by
        ``book.write()`` with this run's parameters."""
        from ..claims import ClaimBook

        if spec.notebook != self.notebook:
            raise ValueError(
                f"the spec is declared for {spec.notebook!r}, not for this notebook {self.notebook!r}"
            )
        return ClaimBook(
            spec,
            profile=self.figures_label,
            seed=self.seed,
            code_version=repro.code_version(),
            out_dir=self.figures_root / self.notebook,
            run={"parameters": self.parameters},
        )

    def finish(self, book: ClaimBook) -> Path:
        """The closing cell: the answers and counts, the table of every claim, ``verdicts.json`` written
        beside the figures, the runtime and the run's identity. Returns the verdicts' path."""
        import pandas as pd
        from IPython.display import display

        print(book.summary())
        with pd.option_context("display.max_colwidth", 90, "display.max_rows", 300):
            display(book.table())
        path = book.write()
        print("verdicts written to", path)
        print(f"runtime {time.perf_counter() - self.started:.0f} s; {self.describe()}")
        return path

    def describe(self) -> str:
        if self.sizes is not None:
            sizes = " ".join(f"{k}={v}" for k, v in self.sizes.as_dict().items())
            return (
                f"{self.notebook}: profile={self.profile.name} seed={self.seed} {sizes} "
                f"code={repro.code_version()}; figures -> {self.figures_root}"
            )
        p = self.profile
        return (
            f"{self.notebook}: profile={p.name} seed={self.seed} n_samples={p.n_samples} steps={p.steps} "
            f"epochs={p.epochs} n_seeds={p.n_seeds} code={repro.code_version()}; "
            f"figures -> {self.figures_root}"
        )


def start_run(
    notebook: str,
    profile: str | Profile = "default",
    seed: int = 0,
    figures_dir: str | os.PathLike | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    sizes: SizeTable | None = None,
    **legacy_sizes: Any,
) -> ExperimentRun:
    """Resolve the profile (typed, see :func:`simvae_core.notebook.profiles.resolve_profile`), seed
    everything, set the plotting style, and print one line that identifies the run.

    ``sizes`` is the notebook's claim family's :class:`~simvae_core.notebook.sizes.SizeTable`: the run
    reads ``run.sizes`` (typed) and ``run.seeds``. (``legacy_sizes``: sizes given as keywords over the
    generic profile, for the notebooks not yet on the experiments layer.) ``overrides`` are the user's
    changes (the pipeline's ``--param n_seeds=5``), applied last. A run with
    user overrides writes its figures under ``build/figures/<profile>-custom/``, never ``figures/``.
    """
    if not isinstance(overrides, (dict, type(None))):
        raise TypeError(f"overrides must be a dict of profile fields, got {type(overrides).__name__}")
    user = dict(overrides or {})
    typed = None
    if sizes is not None:
        if legacy_sizes:
            raise TypeError("pass the sizes as a SizeTable (sizes=...) or as keywords, not both")
        name = profile.name if isinstance(profile, Profile) else profile
        typed = sizes.resolve(name, user)  # an unknown or mistyped size fails here, before any work
        resolved = resolve_profile(name)
    else:
        resolved = resolve_profile(profile, {**legacy_sizes, **user})
    repro.seed_everything(seed)
    figures.set_style()
    run = ExperimentRun(
        notebook=notebook,
        profile=resolved,
        seed=seed,
        overrides=dict(legacy_sizes),
        figures_dir=Path(figures_dir) if figures_dir is not None else None,
        user_overrides=user,
        sizes=typed,
    )
    print(run.describe())
    return run
