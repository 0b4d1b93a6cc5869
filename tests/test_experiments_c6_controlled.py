"""The controlled C6 runners at tiny sizes, on cases whose answer is known."""

import subprocess
import sys

import pandas as pd
import pytest
import torch

from simvae_core.claims import NotebookSpec
from simvae_core.experiments import c6_controlled as c6c
from simvae_core.experiments.common import Clock
from simvae_core.specs import c6_controlled as spec


@pytest.fixture(scope="module")
def data():
    return c6c.grouped_views(2048, torch.Generator().manual_seed(0))


def test_grouped_views_shapes_and_factors(data):
    assert data.pool.shape == (2048, 4, c6c.OBS_DIM) and data.held.shape == (2048, 2, c6c.OBS_DIM)
    assert data.y.shape == (2048, spec.CONTENT_DIM) and data.per_view.shape == (2048, 6, spec.STYLE_DIM)
    # content shared by the views of a group, style not
    assert torch.equal(data.z[:, 0, :2], data.z[:, 5, :2])
    assert data.per_view.var().item() == pytest.approx(spec.STYLE_VAR, rel=0.05)


def test_references_reach_the_closed_forms(data):
    ref = c6c.references(data).set_index("method")
    theory = c6c.theory()
    assert ref.loc["true factors", "content"] == pytest.approx(1.0, abs=1e-6)
    assert ref.loc["true factors", "style"] == pytest.approx(1.0, abs=1e-6)
    # raw x reads c and ε through the noise: 1/(1 + σ_n²) and a²/(a² + σ_n²)
    assert ref.loc["raw x", "content"] == pytest.approx(theory["content"], abs=0.03)
    assert ref.loc["raw x", "style"] == pytest.approx(theory["style_all"], abs=0.01)


def test_scores_of_a_random_and_of_a_one_style_unit_representation(data):
    g = torch.Generator().manual_seed(1)
    noise = c6c.scores(torch.randn(2048, 2, 3, generator=g), data, seed=0)
    assert abs(noise["content"]) < 0.03 and abs(noise["style"]) < 0.03
    held_eps = data.per_view[:, 4:]  # (N, 2, 3)
    one_unit = torch.cat([data.y[:, None].expand(-1, 2, -1), held_eps[..., :1]], -1)  # c and one ε direction
    got = c6c.scores(one_unit, data, seed=0)
    assert got["content"] == pytest.approx(1.0, abs=1e-6)
    assert got["style"] == pytest.approx(1 / 3, abs=0.01)
    assert spec.STYLE_ONE_UNIT == pytest.approx(c6c.theory()["style_one_unit"])


def test_shuffle_groups_permutes_each_view_slot(data):
    shuffled = c6c.shuffle_groups(data.pool, torch.Generator().manual_seed(0))
    for k in range(4):  # each slot holds the same views, in another order
        a = data.pool[:, k].sum(1).sort().values
        assert torch.allclose(a, shuffled[:, k].sum(1).sort().values)
    assert not torch.equal(shuffled, data.pool)


def test_selection_seeds_are_disjoint_from_the_test_seeds():
    assert c6c.selection_seeds([0, 1, 2], 2) == [100, 101]
    with pytest.raises(ValueError, match="overlap"):
        c6c.selection_seeds(list(range(200)), 2)


def test_select_extends_an_edge_and_chooses_the_best_validation_value():
    small = c6c.grouped_views(96, torch.Generator().manual_seed(2))
    clock = Clock()
    table = c6c.select(
        small,
        seeds=[100],
        steps=3,
        clock=clock,
        methods=("simvae",),
        grids={"simvae": (0.01, 0.1, 1.0)},
        max_extend=1,
    )
    assert set(table.columns) >= {"method", "knob", "value", "seed", "content_val", "style_val", "added"}
    base = table[~table["added"]]
    assert sorted(base["value"]) == [0.01, 0.1, 1.0]
    best = float(base.groupby("value")["content_val"].mean().idxmax())
    if best in (0.01, 1.0):  # on an edge: one value beyond it, a decade further
        assert table["added"].sum() == 1
        assert float(table.loc[table["added"], "value"].iloc[0]) == pytest.approx(
            0.001 if best == 0.01 else 10.0
        )
    else:
        assert not table["added"].any()
    assert c6c.chosen(table)["simvae"] == float(table.groupby("value")["content_val"].mean().idxmax())
    assert clock.seconds["train"] > 0 and clock.seconds["eval"] > 0


def test_contest_records_curves_from_the_untrained_network(data):
    small = c6c.grouped_views(96, torch.Generator().manual_seed(3))
    clock = Clock()
    curves = c6c.contest(
        small, {"simvae": 0.01, "vae": 1.0}, seeds=[0, 1], steps=6, checkpoints=2, clock=clock
    )
    assert set(curves["method"]) == {"simvae", "vae"}
    assert sorted(curves["step"].unique())[0] == 0 and curves["step"].max() == 6
    assert len(curves) == 2 * 2 * 3
    shuffled = c6c.contest(
        small, {"simvae": 0.01}, seeds=[0], steps=3, checkpoints=1, clock=clock, shuffled=True
    )
    assert set(shuffled["method"]) == {"simvae_shuffled"}


def test_gaps_take_the_best_baseline_per_seed_and_step():
    rows = []
    for seed, (s, v, b, c) in enumerate(((0.9, 0.1, 0.2, 0.6), (0.8, 0.7, 0.1, 0.3))):
        for method, value in zip(("simvae", "vae", "beta_vae", "cr_vae"), (s, v, b, c), strict=True):
            rows.append({"method": method, "seed": seed, "step": 10, "content": value})
    rows.append({"method": "simvae_shuffled", "seed": 0, "step": 10, "content": 5.0})  # ignored
    g = c6c.gaps(pd.DataFrame(rows)).set_index("seed")
    assert g.loc[0, "best_method"] == "cr_vae" and g.loc[0, "gap"] == pytest.approx(0.3)
    assert g.loc[1, "best_method"] == "vae" and g.loc[1, "gap"] == pytest.approx(0.1)


def test_claims_form_a_valid_spec_and_the_spec_module_is_torch_free():
    book_spec = NotebookSpec("scratch", spec.CLAIMS)
    assert book_spec["C6.controlled.vs_best"].premise == "C6.controlled.plateau"
    assert all(c.seeds == spec.SEEDS for c in spec.CLAIMS)
    code = "import sys, simvae_core.specs.c6_controlled; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_early_stopping_reads_the_best_validation_checkpoint_of_the_second_half():
    rows = []
    for method, vals in (("simvae", (0.9, 0.1, 0.5, 0.3, 0.4)), ("vae", (0.0, 0.2, 0.1, 0.1, 0.3))):
        for k, v in enumerate(vals):  # step 0 has the best validation score but lies in the first half
            rows.append(
                {
                    "method": method,
                    "seed": 0,
                    "step": 10 * k,
                    "content_val": v,
                    "content": v + 0.01,
                    "style": k,
                }
            )
    stopped = c6c.early_stopped(pd.DataFrame(rows)).set_index("method")
    assert stopped.loc["simvae", "step"] == 20 and stopped.loc["simvae", "content"] == pytest.approx(0.51)
    assert stopped.loc["vae", "step"] == 40 and stopped.loc["vae", "style"] == 4


def test_best_baseline_takes_the_maximum_of_the_three_per_seed():
    rows = []
    for seed, values in enumerate(((0.9, 0.1, 0.2, 0.6), (0.8, 0.7, 0.1, 0.3))):
        for method, value in zip(c6c.METHODS, values, strict=True):
            rows.append({"method": method, "seed": seed, "content": value})
    versus = c6c.best_baseline(pd.DataFrame(rows)).set_index("seed")
    assert list(versus["best_method"]) == ["cr_vae", "vae"]
    assert versus["gap"].tolist() == pytest.approx([0.3, 0.1])


def test_stopping_rise_is_what_early_stopping_gained_over_the_last_fifth():
    steps = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    flat = [0.1, 0.2, 0.5, 0.6, 0.7, 0.7, 0.69, 0.7, 0.68, 0.7]  # best 0.7 reached by 4/5: no rise
    late = [0.1, 0.2, 0.5, 0.6, 0.7, 0.6, 0.65, 0.7, 0.9, 0.8]  # best rises 0.7 -> 0.9 after 4/5
    curves = pd.DataFrame(
        [
            {"method": "simvae", "seed": 0, "step": t, "content_val": v}
            for t, v in zip(steps, flat, strict=True)
        ]
        + [
            {"method": "vae", "seed": 0, "step": t, "content_val": v}
            for t, v in zip(steps, late, strict=True)
        ]
    )
    rise = c6c.stopping_rise(curves).set_index("method")["rise"]
    assert rise["simvae"] == pytest.approx(0.0)
    assert rise["vae"] == pytest.approx(0.2)
