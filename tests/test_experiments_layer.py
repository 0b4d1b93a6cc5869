"""The experiments layer's shared pieces: typed size tables through start_run, the closing cell, the
figure recipes against the claims' own intervals, the group-split probe, the training/evaluation clock."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from scipy import stats  # noqa: E402

from simvae_core.analysis.probes import group_split_probe, group_splits  # noqa: E402
from simvae_core.claims import ClaimSpec, NotebookSpec  # noqa: E402
from simvae_core.experiments import plots  # noqa: E402
from simvae_core.experiments.common import Clock  # noqa: E402
from simvae_core.notebook import start_run  # noqa: E402
from simvae_core.notebook.sizes import RunSizes, SizeTable  # noqa: E402


@dataclass(frozen=True)
class Sizes(RunSizes):
    n_groups: int
    lr: float
    grid: tuple[float, ...] = (0.1, 1.0)


TABLE = SizeTable(
    smoke=Sizes(n_seeds=2, n_groups=64, lr=1e-3),
    default=Sizes(n_seeds=10, n_groups=1024, lr=1e-3),
    full=Sizes(n_seeds=10, n_groups=8192, lr=1e-3),
)


# ------------------------------------------------------------------------------------------- sizes


def test_size_table_resolves_typed_overrides():
    s = TABLE.resolve("default", {"n_groups": 512, "lr": 1, "grid": [0.5, 2]})
    assert (s.n_groups, s.lr, s.grid, s.n_seeds) == (512, 1.0, (0.5, 2.0), 10)
    assert isinstance(s.lr, float) and TABLE.resolve("smoke") == TABLE.by_profile["smoke"]


@pytest.mark.parametrize(
    "overrides, error, words",
    [
        ({"n_group": 3}, KeyError, "did you mean 'n_groups'"),
        ({"n_groups": True}, TypeError, "must be int, got bool"),
        ({"n_groups": 2.5}, TypeError, "must be int, got float"),
        ({"n_seeds": 0}, ValueError, "must be positive"),
        ({"grid": ["a"]}, TypeError, "must be float"),
    ],
)
def test_size_table_refuses_bad_overrides_with_a_message(overrides, error, words):
    with pytest.raises(error, match=words):
        TABLE.resolve("default", overrides)


def test_size_table_refuses_unknown_profile_and_mixed_types():
    with pytest.raises(ValueError, match="did you mean 'smoke'"):
        TABLE.resolve("smok")

    @dataclass(frozen=True)
    class Other(RunSizes):
        k: int

    with pytest.raises(TypeError, match="one RunSizes dataclass"):
        SizeTable(
            smoke=Other(n_seeds=1, k=1), default=TABLE.by_profile["default"], full=Other(n_seeds=1, k=1)
        )


def test_start_run_reads_typed_sizes_and_seeds(tmp_path):
    run = start_run("nb", "default", 1000, overrides={"n_seeds": 3}, sizes=TABLE, figures_dir=tmp_path)
    assert run.sizes == dataclasses.replace(TABLE.by_profile["default"], n_seeds=3)
    assert run.seeds == [1000, 1001, 1002]
    assert run.parameters["sizes"]["n_groups"] == 1024 and run.figures_label == "default-custom"
    assert start_run("nb", "default", 0, sizes=TABLE, figures_dir=tmp_path).seeds == list(range(10))
    with pytest.raises(KeyError, match="this notebook's sizes are n_seeds, n_groups, lr, grid"):
        start_run("nb", "default", 0, overrides={"steps": 3}, sizes=TABLE, figures_dir=tmp_path)
    with pytest.raises(TypeError, match="not both"):
        start_run("nb", "default", 0, sizes=TABLE, n_seeds=3)


def test_finish_writes_the_verdicts_and_says_the_runtime(tmp_path, capsys):
    spec = ClaimSpec(
        id="a",
        statement="trained beats untrained",
        statistic="accuracy",
        reference="untrained",
        reference_kind="control",
        direction="greater",
        margin=0.1,
        margin_source="fixed before the run",
        kind="empirical",
        paper_claim="C2",
        seeds=2,
    )
    run = start_run("nb", "smoke", 0, sizes=TABLE, figures_dir=tmp_path)
    book = run.claims(NotebookSpec("nb", (spec,)))
    book.check("a", [0.9, 0.95, 0.93], [0.5, 0.52, 0.49])
    path = run.finish(book)
    out = capsys.readouterr().out
    assert path == tmp_path / "nb" / "verdicts.json" and "runtime" in out and "n_groups=64" in out
    assert json.loads(path.read_text())["claims"][0]["outcome"] == "supported"


# ------------------------------------------------------------------------------------------- plots


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {"method": m, "steps": t, "seed": s, "r2": 0.1 * t + (m == "b") + rng.normal(0, 0.1)}
        for m in ("a", "b")
        for t in (1, 2, 3)
        for s in range(5)
    ]
    return pd.DataFrame(rows)


def test_summarise_uses_the_t_interval_of_the_claims():
    t = _table()
    s = plots.summarise(t, ["method", "steps"], "r2")
    part = t[(t.method == "b") & (t.steps == 2)].r2
    lo, hi = stats.t.interval(0.95, len(part) - 1, loc=part.mean(), scale=stats.sem(part))
    row = s[(s.method == "b") & (s.steps == 2)].iloc[0]
    assert (row["mean"], row["lo"], row["hi"], row["n"]) == pytest.approx((part.mean(), lo, hi, 5))
    one = plots.summarise(t[(t.seed == 0) & (t.steps == 1)], "method", "r2")
    assert (one["lo"] == one["mean"]).all()  # one seed: no interval, a point


def test_recipes_draw_the_numbers_they_are_given():
    t = _table()
    fig, (a1, a2) = plt.subplots(1, 2)
    s = plots.mean_ci(a1, t, "steps", "r2", "method")
    assert [list(line.get_ydata()) for line in a1.lines] == [
        list(s[s.method == m]["mean"]) for m in ("a", "b")
    ]
    b = plots.bars(a2, t[t.steps == 3], "method", "r2")
    heights = [p.get_height() for p in a2.patches]
    assert heights == pytest.approx(list(b["mean"]))
    plots.margin(a2, 0.5, 0.2, "less")
    assert [line.get_ydata()[0] for line in a2.lines[-2:]] == pytest.approx([0.5, 0.3])
    with pytest.raises(ValueError, match="direction"):
        plots.margin(a2, 0.5, 0.2, "up")
    plt.close(fig)


def test_spectrum_and_image_grid():
    fig, (a1, a2) = plt.subplots(1, 2)
    plots.spectrum(a1, [[1.0, 0.1, 0.01], [2.0, 0.2, 0.02]])
    assert list(a1.lines[0].get_ydata()) == pytest.approx([1.5, 0.15, 0.015]) and a1.get_yscale() == "log"
    plots.image_grid(a2, np.zeros((5, 1, 4, 4)), nrow=3)
    assert a2.images[0].get_array().shape == (2 * 5 + 1, 3 * 5 + 1)
    plt.close(fig)


# ------------------------------------------------------------------------------ group-split probe


def test_group_splits_partition_the_groups():
    tr, va, te = group_splits(100, generator=torch.Generator().manual_seed(0))
    assert (len(tr), len(va), len(te)) == (70, 15, 15)
    assert sorted(torch.cat([tr, va, te]).tolist()) == list(range(100))
    with pytest.raises(ValueError, match="summing to 1"):
        group_splits(100, (0.5, 0.2, 0.2))


def test_group_split_probe_reads_content_and_not_noise():
    g = torch.Generator().manual_seed(0)
    y = torch.randn(400, 2, generator=g)
    views = y[:, None, :] + 0.05 * torch.randn(400, 3, 2, generator=g)
    noise = torch.randn(400, 3, 2, generator=g)
    assert group_split_probe(views, y, generator=g).test > 0.98
    assert group_split_probe(noise, y, generator=g).test < 0.05
    # a target per view: each view's own noise is readable from that view only
    assert group_split_probe(noise, noise, generator=g).test > 0.99
    labels = (y[:, 0] > 0).long()
    r = group_split_probe(views, labels, task="classification", generator=g)
    assert r.test > 0.95 and "no group on two sides" in r.protocol


def test_group_split_probe_never_lets_a_group_straddle_two_splits():
    # each group has its own random target; with views of a group on both sides, a 1-NN-like linear
    # read-out of the group's id features would leak it. Features = one-hot group id: only a straddling
    # split could predict the target above chance.
    n = 60
    onehot = torch.eye(n)[:, None, :].repeat(1, 2, 1)
    target = torch.randn(n, generator=torch.Generator().manual_seed(1))
    r = group_split_probe(onehot, target, generator=torch.Generator().manual_seed(2))
    assert r.test < 0.1


def test_group_split_probe_says_what_is_wrong():
    with pytest.raises(ValueError, match="one entry per group"):
        group_split_probe(torch.zeros(10, 2, 3), torch.zeros(9))
    with pytest.raises(ValueError, match="'linear' or 'mlp'"):
        group_split_probe(torch.zeros(10, 3), torch.zeros(10), probe="knn")


def test_clock_compares_evaluation_with_training():
    clock = Clock()
    with clock("train"):
        sum(range(200_000))
    with clock("eval"):
        pass
    assert 0 <= clock.ratio() < 1 and list(clock.table().part) == ["train", "eval"]


def test_clock_counts_a_nested_part_once():
    clock = Clock()
    with clock("train"):
        sum(range(100_000))
        with clock("eval"):
            sum(range(300_000))
    outer, inner = clock.seconds["train"], clock.seconds["eval"]
    total = outer + inner
    assert inner > outer > 0 and clock.cpu_seconds["eval"] > clock.cpu_seconds["train"]
    with clock("train"):
        pass
    assert clock.seconds["train"] + clock.seconds["eval"] == pytest.approx(total, rel=0.5)
