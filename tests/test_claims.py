"""The verdict mechanism: intervals against scipy's t-tests, the six outcomes, Holm against its textbook
definition, resolution, the spec's checks, what raises and what never does, answers, readings, the file."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from simvae_core.claims import (
    Answer,
    ClaimBook,
    ClaimSpec,
    NotebookSpec,
    Qualification,
    SpecError,
    difference,
    estimate,
    holm_levels,
    outcome,
    resolution,
)
from simvae_core.claims.outcomes import p_value
from simvae_core.claims.readings import render
from simvae_core.claims.stats import t_quantile


def spec_of(id, kind="empirical", direction="greater", margin=0.1, seeds=3, **kw) -> ClaimSpec:
    defaults = dict(
        statement=f"claim {id}",
        statistic="accuracy",
        reference="control",
        reference_kind="control",
        margin_source="fixed before the run",
        paper_claim=None if kind != "empirical" else "C2",
    )
    return ClaimSpec(id=id, kind=kind, direction=direction, margin=margin, seeds=seeds, **{**defaults, **kw})


def book_of(*claims, answers=(), profile="default", tmp_path=None) -> ClaimBook:
    spec = NotebookSpec("nb", tuple(claims), tuple(answers))
    return ClaimBook(spec, profile=profile, seed=3, code_version="git:test", out_dir=tmp_path)


# ------------------------------------------------------------------------------------------ statistics


def test_interval_matches_scipy_t_interval():
    v = [0.3, 0.5, 0.45, 0.38, 0.41]
    e = estimate(v)
    lo, hi = stats.t.interval(0.95, len(v) - 1, loc=np.mean(v), scale=stats.sem(v))
    assert e.mean == pytest.approx(np.mean(v), abs=1e-15)
    assert e.ci == pytest.approx((lo, hi), abs=1e-12)
    assert e.interval(0.99) == pytest.approx(stats.t.interval(0.99, 4, loc=np.mean(v), scale=stats.sem(v)))
    assert estimate(0.7).ci == (0.7, 0.7) and estimate(0.7).se is None  # one seed: no interval


def test_paired_and_welch_differences_match_scipy():
    a, b = [0.81, 0.84, 0.80, 0.86], [0.70, 0.75, 0.71, 0.72]
    paired = difference(estimate(a), estimate(b), paired=True)
    ref = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert paired.ci == pytest.approx((ref.low, ref.high), abs=1e-12)
    welch = difference(estimate(a), estimate(b[:3]), paired=False)
    ref = stats.ttest_ind(a, b[:3], equal_var=False).confidence_interval(0.95)
    assert welch.ci == pytest.approx((ref.low, ref.high), abs=1e-10)
    assert welch.n == 4 and welch.per_seed == ()
    with pytest.raises(ValueError, match="one reference value per seed"):
        difference(estimate(a), estimate(b[:3]), paired=True)


# ------------------------------------------------------------------------------------------ outcomes


@pytest.mark.parametrize(
    "lo, hi, direction, expected",
    [
        (0.12, 0.3, "greater", "supported"),  # lo > m
        (-0.3, -0.01, "greater", "contradicted"),  # hi < 0
        (0.01, 0.3, "greater", "direction_only"),  # 0 < lo ≤ m
        (0.1, 0.3, "greater", "direction_only"),  # lo = m is not beyond m
        (-0.05, 0.08, "greater", "no_effect"),  # lo ≤ 0, hi < m
        (-0.05, 0.1, "greater", "inconclusive"),  # lo ≤ 0, hi ≥ m
        (-0.3, -0.12, "less", "supported"),  # the mirror of greater
        (0.01, 0.3, "less", "contradicted"),
        (-0.3, -0.01, "less", "direction_only"),
        (-0.08, 0.05, "less", "no_effect"),
        (-0.2, 0.05, "less", "inconclusive"),
        (-0.05, 0.1, "within", "supported"),
        (0.11, 0.3, "within", "contradicted"),
        (-0.3, -0.11, "within", "contradicted"),
        (0.05, 0.2, "within", "inconclusive"),
    ],
)
def test_the_six_outcomes_follow_the_table(lo, hi, direction, expected):
    assert outcome(lo, hi, 0.1, direction) == expected


def test_every_interval_gets_exactly_one_outcome_and_less_mirrors_greater():
    rng = np.random.default_rng(0)
    for lo, hi in np.sort(rng.normal(0, 0.2, (500, 2)), axis=1):
        assert outcome(lo, hi, 0.1, "less") == outcome(-hi, -lo, 0.1, "greater")


def _holm_adjusted_p(p):
    """Holm's adjusted p-values, from the textbook definition: max over j ≤ i of (M − j + 1) p_(j)."""
    order = np.argsort(p, kind="stable")
    m, out, running = len(p), np.empty(len(p)), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


@pytest.mark.parametrize("seed", range(20))
def test_holm_intervals_clear_the_margin_exactly_when_holm_rejects(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 12))
    diffs = [
        estimate(rng.normal(rng.uniform(-0.1, 0.4), 0.1, size=int(rng.integers(3, 9)))) for _ in range(m)
    ]
    margin = 0.1
    p = np.array([stats.ttest_1samp(d.per_seed, margin, alternative="greater").pvalue for d in diffs])
    assert p == pytest.approx([p_value(d, margin, "greater") for d in diffs], abs=1e-12)
    rejected = _holm_adjusted_p(p) <= 0.025  # one-sided, as the 95 % two-sided interval decides
    levels = holm_levels(list(p))
    cleared = [d.interval(a.level)[0] > margin for d, a in zip(diffs, levels, strict=True)]
    assert cleared == list(rejected)
    assert all(a.level >= 0.95 and a.family_size == m for a in levels)
    assert max(a.level for a in levels) == pytest.approx(1 - 0.05 / m)  # the smallest p: Bonferroni's level


def test_a_family_of_one_is_not_adjusted():
    assert holm_levels([0.01])[0].level == pytest.approx(0.95)


def test_resolution_is_the_margin_plus_the_half_width_and_projects_seeds():
    d = estimate([0.02, 0.15, 0.04])  # mean 0.07: inconclusive against 0.1
    r = resolution(d, 3, 0.1, "greater")
    assert r.mde == pytest.approx(0.1 + d.half_width)
    distance = min(abs(d.mean), abs(d.mean - 0.1))
    k = r.seeds_to_settle
    assert t_quantile(k - 1) * d.sd / math.sqrt(k) < distance <= t_quantile(k - 2) * d.sd / math.sqrt(k - 1)
    assert resolution(estimate(0.3), 1, 0.1, "greater").seeds_to_settle is None  # no spread: no projection


# ------------------------------------------------------------------------------------------ the book


def test_empirical_claims_never_raise_whatever_their_outcome(tmp_path):
    book = book_of(*(spec_of(f"c{i}") for i in range(4)), tmp_path=tmp_path)
    got = [
        book.check("c0", [0.5, 0.52, 0.51], [0.3, 0.31, 0.3]).outcome,
        book.check("c1", [0.2, 0.21, 0.2], [0.5, 0.52, 0.5]).outcome,
        book.check("c2", [0.5, 0.9, 0.1], [0.4, 0.4, 0.4]).outcome,
        book.check("c3", [0.35, 0.36, 0.34], [0.3, 0.31, 0.3]).outcome,
    ]
    assert got == ["supported", "contradicted", "inconclusive", "direction_only"]
    book.write()


def test_a_failed_derivation_and_a_passing_negative_control_raise():
    book = book_of(
        spec_of("d", kind="derivation", direction="within", margin=None, seeds=1),
        spec_of("c", seeds=3),
        spec_of("nc", kind="negative_control", checks="c", seeds=3),
        profile="smoke",
    )
    assert book.check("d", 1e-12, 0.0, margin=1e-9).outcome == "supported"
    with pytest.raises(AssertionError, match=r"derivation failed.*\[d\]"):
        book_of(spec_of("d", kind="derivation", direction="within", margin=1e-9, seeds=1)).check(
            "d", 0.1, 0.0
        )
    with pytest.raises(AssertionError, match="negative control passed"):
        book.check("nc", [0.9, 0.91, 0.92], [0.1, 0.1, 0.11])


def test_too_few_seeds_a_failed_premise_and_a_declared_budget_limit_are_not_decidable():
    book = book_of(
        spec_of("one", seeds=1),
        spec_of("premise"),
        spec_of("needs", premise="premise"),
        spec_of("far", out_of_reach="their 300 000 steps, our 600"),
    )
    assert book.check("one", 0.9, 0.1).outcome == "not_decidable"  # one seed of a trained network
    book.check("premise", [0.1, 0.4, -0.2], [0.0, 0.0, 0.0])  # inconclusive
    book.check("needs", [0.9, 0.91, 0.92], [0.1, 0.1, 0.1])
    book.check("far", [0.9, 0.91, 0.92], [0.1, 0.1, 0.1])
    book.finalize()
    assert book["needs"].outcome == "not_decidable" and "premise premise is" in book["needs"].reason
    assert book["far"].outcome == "not_decidable" and "300 000" in book["far"].reason
    assert book["one"].reason.startswith("n = 1 < 3")


def test_a_run_that_does_not_match_its_spec_is_refused():
    book = book_of(spec_of("c"), spec_of("d", kind="derivation", margin=None, direction="within", seeds=1))
    with pytest.raises(SpecError, match="not declared"):
        book.check("typo", [1, 2, 3], 0)
    with pytest.raises(SpecError, match="fixes the margin"):
        book.check("c", [1, 2, 3], 0, margin=0.5)
    with pytest.raises(SpecError, match="pass margin="):
        book.check("d", 0.0, 0.0)
    with pytest.raises(SpecError, match="declares 3 seed"):
        book.check("c", [1, 2], 0)
    book.check("c", [1, 2, 3], 0)
    with pytest.raises(SpecError, match="recorded twice"):
        book.check("c", [1, 2, 3], 0)
    with pytest.raises(SpecError, match="never recorded"):
        book.write("/dev/null")  # 'd' was declared and not run in a default run
    smoke = book_of(spec_of("c"), spec_of("e"), profile="smoke")
    smoke.check("c", [0.5], 0.1)  # any seed count outside the default profile
    assert smoke.unrecorded() == ["e"]


def test_a_negative_control_that_mirrors_a_claim_or_is_zero_is_refused():
    book = book_of(spec_of("c"), spec_of("nc", kind="negative_control", checks="c"))
    book.check("c", [0.51, 0.55, 0.6], [0.3, 0.31, 0.3])
    book.check("nc", [0.3, 0.31, 0.3], [0.51, 0.55, 0.6])  # the same pairs, roles swapped
    with pytest.raises(SpecError, match="mirrors c"):
        book.finalize()
    zero = book_of(spec_of("c"), spec_of("nc", kind="negative_control", checks="c"))
    zero.check("nc", [0.3, 0.3, 0.3], [0.3, 0.3, 0.3])
    with pytest.raises(SpecError, match="identically zero"):
        zero.finalize()


def test_a_negative_control_records_how_far_it_misses_its_margin():
    book = book_of(spec_of("c"), spec_of("nc", kind="negative_control", checks="c"), profile="smoke")
    book.check("nc", [0.33, 0.35, 0.31], [0.3, 0.31, 0.3])  # +0.027: misses 0.1 by 0.73 margins
    book.finalize()
    info = book["nc"].negative_control
    assert info["miss_in_margins"] == pytest.approx((0.1 - (0.33 - 0.3 + 0.35 - 0.31 + 0.31 - 0.3) / 3) / 0.1)
    assert info["informative"]


def test_secondaries_are_holm_adjusted_primaries_and_controls_are_not(tmp_path):
    claims = [spec_of("p", primary=True), *(spec_of(f"s{i}") for i in range(3))]
    claims.append(spec_of("nc", kind="negative_control", checks="p"))
    book = book_of(*claims, answers=[Answer("C2", "a claim", "p")], tmp_path=tmp_path)
    rng = np.random.default_rng(1)
    for id in ("p", "s0", "s1", "s2"):
        book.check(id, list(rng.normal(0.2, 0.05, 3)), [0.0, 0.0, 0.0])
    book.check("nc", list(rng.normal(0.0, 0.05, 3)), [0.0, 0.0, 0.0])
    data = json.loads(book.write().read_text())
    adjusted = {c["id"]: c["adjusted"] for c in data["claims"]}
    assert adjusted["p"] is None and adjusted["nc"] is None
    assert all(
        adjusted[f"s{i}"]["family_size"] == 3 and adjusted[f"s{i}"]["method"] == "holm" for i in range(3)
    )
    for c in data["claims"]:
        if c["adjusted"]:
            lo, hi = c["adjusted"]["ci"]
            assert lo <= c["difference"]["ci"][0] and hi >= c["difference"]["ci"][1]
            assert c["outcome"] == outcome(lo, hi, c["margin"], c["direction"])


@pytest.mark.parametrize(
    "primary, qualifier, expected",
    [
        ([0.5, 0.52, 0.51], [0.5, 0.52, 0.51], "supported"),
        ([0.5, 0.52, 0.51], [-0.5, -0.52, -0.51], "qualified"),  # a declared limit was found
        ([0.05, 0.06, 0.07], [0.5, 0.52, 0.51], "qualified"),  # direction only
        ([0.0, 0.01, 0.02], [0.5, 0.52, 0.51], "contradicted"),  # no effect of the claimed size
        ([-0.5, -0.52, -0.51], [0.5, 0.52, 0.51], "contradicted"),
        ([-0.1, 0.3, 0.6], [0.5, 0.52, 0.51], "inconclusive"),
    ],
)
def test_the_answer_is_the_primary_outcome_read_for_a_reader(primary, qualifier, expected):
    answer = Answer("C2", "a claim", "p", (Qualification("q", ("contradicted",), "a limit"),), "more seeds")
    book = book_of(spec_of("p", primary=True), spec_of("q"), answers=[answer])
    book.check("p", primary, [0, 0, 0])
    book.check("q", qualifier, [0, 0, 0])
    (a,) = book.answers()
    assert a["answer"] == expected and a["primary_claim"]["id"] == "p"
    found = [q["claim"] for q in a["qualifications_found"]]
    # a declared limit found by the secondary, or the primary's own size when only its direction is shown
    assert found == (["p"] if a["primary_claim"]["outcome"] == "direction_only" else []) + (
        ["q"] if qualifier[0] < 0 else []
    )


def test_a_modelling_claim_is_answered_by_its_derivations():
    book = book_of(
        spec_of("d", kind="derivation", direction="within", margin=0.1, seeds=1),
        answers=[Answer("C1", "the model", None)],
    )
    book.check("d", 0.01, 0.0)
    (a,) = book.answers()
    assert a["answer"] == "model" and a["derivations"] == {"verified": 1, "declared": 1}


def test_verdicts_json_records_kinds_outcomes_resolution_spec_and_run(tmp_path):
    book = book_of(spec_of("p", primary=True), answers=[Answer("C2", "a claim", "p")], tmp_path=tmp_path)
    book.describe_budget("600 steps, 3 seeds")
    book.check("p", [0.5, 0.52, 0.51], [0.3, 0.31, 0.3], detail="over 4096 groups")
    data = json.loads(book.write().read_text())
    assert data["schema"] == 2 and data["budget"] == "600 steps, 3 seeds"
    assert data["spec"]["sha256"] == book.spec.sha256
    assert {"torch_threads", "torch", "torch_blas", "numpy_blas", "cpu"} <= data["run"].keys()
    (c,) = data["claims"]
    assert {"kind", "primary", "outcome", "adjusted", "resolution", "margin_source", "detail"} <= c.keys()
    assert c["resolution"]["n"] == 3 and c["resolution"]["mde"] > c["margin"]
    assert data["answers"][0]["answer"] == "supported"
    assert data["counts"]["empirical"]["supported"] == 1


# ------------------------------------------------------------------------------------------ the spec


def test_the_spec_checks_itself():
    with pytest.raises(SpecError, match="declared twice"):
        NotebookSpec("nb", (spec_of("a"), spec_of("a")))
    with pytest.raises(SpecError, match="answer no paper claim"):
        NotebookSpec("nb", (spec_of("a", primary=True),))
    with pytest.raises(SpecError, match="primary=True"):
        NotebookSpec("nb", (spec_of("a"),), (Answer("C2", "x", "a"),))
    with pytest.raises(SpecError, match="only a derivation"):
        spec_of("a", margin=None)
    with pytest.raises(SpecError, match="names the claim"):
        spec_of("a", kind="negative_control")
    with pytest.raises(SpecError, match="a primary test is an empirical"):
        spec_of("a", kind="derivation", primary=True)
    with pytest.raises(SpecError, match="premise 'b'"):
        NotebookSpec("nb", (spec_of("a", premise="b"),))
    with pytest.raises(SpecError, match="direction"):
        spec_of("a", direction="bigger")


def test_the_spec_hash_changes_with_any_declaration():
    a = NotebookSpec("nb", (spec_of("a"),))
    assert a.sha256 == NotebookSpec("nb", (spec_of("a"),)).sha256
    assert a.sha256 != NotebookSpec("nb", (spec_of("a", margin=0.11),)).sha256


# ------------------------------------------------------------------------------------------ readings


def test_readings_render_recorded_numbers_and_refuse_unknown_ones(capsys):
    book = book_of(
        spec_of("p", primary=True), spec_of("s"), answers=[Answer("C2", "a", "p")], profile="smoke"
    )
    book.check("p", [0.5, 0.52, 0.51], [0.3, 0.31, 0.3])
    book.check("s", [0.5, 0.52, 0.51], [0.3, 0.31, 0.3])
    book.reading("gain {c[p]}; {c[s].outcome}; rate {rate:.1f} nats; value {c[p].value}", rate=30.41)
    text = capsys.readouterr().out
    assert "+0.207 [" in text and "(n = 3; supported)" in text and "rate 30.4 nats" in text
    assert "before the Holm adjustment" in text and "value 0.51 [" in text
    with pytest.raises(KeyError, match="neither a recorded claim"):
        book.reading("{c[nope]}")
    with pytest.raises(AttributeError, match="a claim offers"):
        book.reading("{c[p].mean}")


def test_a_premise_gates_its_claim_outside_the_holm_family(capsys):
    book = book_of(
        spec_of("p", margin=0.1),
        spec_of("a", margin=0.1, premise="p"),
        *(spec_of(f"s{k}", margin=0.1) for k in range(4)),
    )
    book.check("p", [0.30, 0.31, 0.33], [0.1, 0.1, 0.1])
    book.check("a", [0.5, 0.52, 0.51], [0.1, 0.1, 0.1])
    pending = render("{c[a].outcome}", book.__getitem__)
    assert pending == "supported if its premise p holds"
    assert render("{c[p].outcome}", book.__getitem__) == "supported"  # no Holm caveat: not in the family
    for k in range(4):
        book.check(f"s{k}", [0.30, 0.31, 0.33], [0.1, 0.1, 0.1])
    book.finalize()
    assert book["p"].adjusted is None and book["p"].outcome == "supported"
    assert book["a"].outcome == "supported"
    # the family: the gated claim a and the four others, not the premise p
    assert all(book[i].adjusted["family_size"] == 5 for i in ("a", "s0", "s1", "s2", "s3"))


def test_empirical_constructor_fills_an_empirical_claim_and_passes_the_rest_through():
    from simvae_core.claims import empirical

    c = empirical("X.a", "s", "stat", "ref", "greater", 0.1, "pilot", "C2", seeds=10, primary=True)
    assert (c.kind, c.seeds, c.reference_kind, c.primary, c.direction) == (
        "empirical",
        10,
        "control",
        True,
        "greater",
    )
    nc = empirical(
        "X.nc",
        "s",
        "stat",
        "ref",
        "greater",
        0.1,
        "pilot",
        None,
        seeds=10,
        kind="negative_control",
        checks="X.a",
    )
    assert nc.kind == "negative_control"
    with pytest.raises(TypeError):
        empirical("X.b", "s", "stat", "ref", "greater", 0.1, "pilot", "C2")  # seeds is required
