"""The verdict mechanism: intervals against scipy's own t-tests, decisions, enforcement, the JSON file."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from simvae_core import claims
from simvae_core.claims import ClaimBook, control, estimate, literature, theory


def _book(profile="default", strict=True, tmp_path=None):
    return ClaimBook("nb", profile=profile, seed=3, code_version="git:test", strict=strict, out_dir=tmp_path)


def test_interval_matches_scipy_t_interval():
    v = [0.3, 0.5, 0.45, 0.38, 0.41]
    e = estimate(v)
    lo, hi = stats.t.interval(0.95, len(v) - 1, loc=np.mean(v), scale=stats.sem(v))
    assert e.mean == pytest.approx(np.mean(v), abs=1e-15)
    assert e.ci == pytest.approx((lo, hi), abs=1e-12)
    assert estimate(0.7).ci == (0.7, 0.7)  # one seed: the point, no interval


def test_paired_and_welch_differences_match_scipy():
    a, b = [0.81, 0.84, 0.80, 0.86], [0.70, 0.75, 0.71, 0.72]
    paired = claims.difference_interval(estimate(a), estimate(b), paired=True)
    ref = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert paired.ci == pytest.approx((ref.low, ref.high), abs=1e-12)
    welch = claims.difference_interval(estimate(a), estimate(b[:3]), paired=False)
    ref = stats.ttest_ind(a, b[:3], equal_var=False).confidence_interval(0.95)
    assert welch.ci == pytest.approx((ref.low, ref.high), abs=1e-10)
    with pytest.raises(ValueError, match="one control value per seed"):
        claims.difference_interval(estimate(a), estimate(b[:3]), paired=True)


@pytest.mark.parametrize(
    "values, ref, margin, direction, passed",
    [
        ([0.5, 0.52, 0.51], 0.3, 0.1, "greater", True),  # interval well above 0.3 + 0.1
        ([0.5, 0.52, 0.51], 0.3, 0.25, "greater", False),  # margin not cleared
        ([0.5, 0.9, 0.1], 0.3, 0.0, "greater", False),  # mean above, interval straddles: not shown
        ([0.05, 0.06, 0.04], 0.2, 0.1, "less", True),
        ([0.05, 0.06, 0.04], 0.2, 0.2, "less", False),
        ([1e-7, -2e-7], 0.0, 1e-5, "within", True),
        ([0.01, 0.012], 0.0, 1e-3, "within", False),
    ],
)
def test_decisions(values, ref, margin, direction, passed):
    book = _book()
    c = book.compare(
        "x",
        "c",
        "s",
        values,
        theory("t", ref),
        margin=margin,
        direction=direction,
        source="test",
        expect="pass" if passed else "fail",
    )
    assert c.passed is passed and c.as_expected


def test_enforced_claim_that_fails_raises_with_its_numbers():
    book = _book()
    with pytest.raises(AssertionError, match=r"claim does not hold.*\[gain\].*0\.1"):
        book.compare(
            "gain",
            "trained beats untrained",
            "acc",
            [0.1, 0.11, 0.12],
            control("untrained", [0.1, 0.1, 0.1]),
            margin=0.05,
            direction="greater",
            source="fixed before the run",
        )


def test_negative_control_that_passes_raises():
    book = _book()
    with pytest.raises(AssertionError, match="no teeth"):
        book.compare(
            "neg",
            "untrained encoder clusters",
            "acc",
            [0.9, 0.91, 0.92],
            theory("chance", 0.1),
            margin=0.1,
            direction="greater",
            source="same as the claim",
            expect="fail",
        )


def test_smoke_and_strict_false_report_but_always_enforces():
    for book in (_book("smoke"), _book(strict=False)):
        c = book.compare("a", "c", "s", [0.0], theory("t", 1.0), margin=0, direction="greater", source="x")
        assert not c.passed and not c.enforced
        with pytest.raises(AssertionError):
            book.compare(
                "b",
                "closed form",
                "err",
                [1.0],
                theory("0", 0.0),
                margin=1e-6,
                direction="within",
                source="x",
                always=True,
            )


def test_not_supported_claims_are_reported_failing_and_checked_for_typos(tmp_path):
    book = ClaimBook(
        "nb",
        profile="default",
        seed=0,
        code_version="git:test",
        out_dir=tmp_path,
        not_supported={"weak": "gain 0.01 at 600 steps", "typo": "never recorded"},
    )
    ok = dict(margin=0.1, direction="greater", source="s")
    weak = book.compare("weak", "c", "s", [0.0, 0.01, 0.02], control("u", [0.0, 0.0, 0.0]), **ok)
    assert not weak.passed and not weak.enforced and "not supported at this budget" in weak.note
    with pytest.raises(AssertionError):  # a claim not listed is still enforced
        book.compare("other", "c", "s", [0.0, 0.01, 0.02], control("u", [0.0, 0.0, 0.0]), **ok)
    with pytest.raises(ValueError, match="negative control"):
        book.compare("typo", "c", "s", [0.0], theory("t", 1.0), expect="fail", **ok)
    with pytest.raises(ValueError, match="never recorded.*typo"):
        book.write()
    assert "1 claims reported only" in book.summary()
    book.compare("typo", "c", "s", [2.0, 2.1, 2.2], control("u", [0.0, 0.0, 0.0]), **ok)
    assert "holding in this run: ['typo']" in book.summary()
    assert json.loads(book.write().read_text())["claims"][0]["enforced"] is False


def test_bad_input_is_refused_before_recording():
    book = _book()
    ok = dict(margin=0.1, direction="greater", source="s")
    with pytest.raises(ValueError, match="direction"):
        book.compare("a", "c", "s", [1.0], theory("t", 0), margin=0, direction="up", source="s")
    with pytest.raises(ValueError, match="non-finite"):
        book.compare("a", "c", "s", [float("nan")], theory("t", 0), **ok)
    with pytest.raises(ValueError, match="margin"):
        book.compare("a", "c", "s", [1.0], theory("t", 0), margin=-1, direction="less", source="s")
    with pytest.raises(TypeError, match="claims.control"):
        book.compare("a", "c", "s", [1.0], 0.5, **ok)
    with pytest.raises(ValueError, match="expect"):
        book.compare("a", "c", "s", [1.0], theory("t", 0), expect="maybe", **ok)
    book.compare("a", "c", "s", [1.0], theory("t", 0), **ok)
    with pytest.raises(ValueError, match="used twice"):
        book.compare("a", "c", "s", [1.0], theory("t", 0), **ok)
    assert len(book.claims) == 1


def test_verdicts_json_has_the_documented_fields(tmp_path):
    book = _book(tmp_path=tmp_path)
    book.compare(
        "gain",
        "trained beats untrained",
        "NCC",
        [0.8, 0.82, 0.85],
        control("untrained", [0.1, 0.12, 0.11]),
        margin=0.2,
        direction="greater",
        source="control",
    )
    book.compare(
        "lit",
        "matches the paper",
        "acc",
        [0.9],
        literature("Chen et al. 2020, Table 3", 0.9, (0.88, 0.92)),
        margin=0.05,
        direction="within",
        source="literature",
    )
    path = book.write()
    data = json.loads(path.read_text())
    assert path == tmp_path / "verdicts.json"
    assert {"notebook", "profile", "seed", "code_version", "claims"} <= data.keys()
    first = data["claims"][0]
    assert {
        "id",
        "claim",
        "statistic",
        "value",
        "reference",
        "margin",
        "direction",
        "threshold_source",
        "passed",
        "enforced",
        "expect",
    } <= first.keys()
    assert first["value"]["per_seed"] == [0.8, 0.82, 0.85] and first["reference"]["kind"] == "control"
    assert first["paired"] is True and data["claims"][1]["reference"]["ci"] == [0.88, 0.92]
    table = book.table()
    assert list(table.index) == ["gain", "lit"] and table["as expected"].all()
    assert "2 of 2 claims hold" in book.summary()


def test_module_example_runs():
    import doctest

    assert doctest.testmod(claims).failed == 0
