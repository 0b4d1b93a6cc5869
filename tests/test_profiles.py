import pytest

from simvae_core.notebook.profiles import PROFILE_NAMES, Profile, resolve_profile


def test_every_preset_resolves_and_grows_from_smoke_to_full():
    profiles = [resolve_profile(name) for name in PROFILE_NAMES]
    assert [p.name for p in profiles] == list(PROFILE_NAMES)
    smoke, default, full = profiles
    for key in ("n_samples", "steps", "epochs"):
        assert getattr(smoke, key) <= getattr(default, key) <= getattr(full, key)
    assert smoke.n_seeds == 1 and default.n_seeds >= 3


def test_overrides_by_keyword_and_mapping_keywords_last():
    p = resolve_profile("smoke", {"n_samples": 10, "steps": 5}, steps=7)
    assert (p.n_samples, p.steps, p.name) == (10, 7, "smoke")
    assert isinstance(p, Profile)


def test_int_accepted_for_float_field():
    p = resolve_profile("default", dataset_fraction=1)
    assert p.dataset_fraction == 1.0 and isinstance(p.dataset_fraction, float)


def test_profile_object_can_be_refined():
    base = resolve_profile("smoke")
    assert resolve_profile(base, n_seeds=2).n_seeds == 2


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"n_sample": 3}, ValueError, r"unknown profile key 'n_sample' \(did you mean 'n_samples'\?\)"),
        ({"learning_rate": 3}, ValueError, "valid keys: n_samples, epochs"),
        ({"n_samples": "100"}, TypeError, "'n_samples' must be int, got str '100'"),
        ({"n_samples": 1.5}, TypeError, "'n_samples' must be int, got float"),
        ({"steps": True}, TypeError, "'steps' must be int, got bool"),
        ({"dataset_fraction": "all"}, TypeError, "'dataset_fraction' must be float"),
        ({"n_seeds": 0}, ValueError, "'n_seeds' must be >= 1"),
        ({"dataset_fraction": 1.5}, ValueError, r"must be in \(0, 1\]"),
        ({"name": "x"}, ValueError, "unknown profile key 'name'"),
    ],
)
def test_bad_overrides_are_rejected_clearly(overrides, error, match):
    with pytest.raises(error, match=match):
        resolve_profile("smoke", overrides)


def test_unknown_profile_names_the_choices():
    with pytest.raises(ValueError, match="unknown profile 'fast'; choose one of smoke, default, full"):
        resolve_profile("fast")
    with pytest.raises(TypeError, match="profile must be a name"):
        resolve_profile(3)
