"""numeric/layer_specs.py: the model file's specs of Dropout, BatchNorm and LayerNorm.

Each test names the behaviour it protects; messages are compared whole where the
message is the behaviour. Run by ``python benchmarks/mutation.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric import BatchNorm, Dense, Dropout, LayerNorm
from numeric.layer_specs import (
    BadSpec,
    architecture_only,
    build,
    check,
    describe,
    generator_state,
    members,
    restore,
    spec_of,
)


def test_a_layer_is_described_as_its_constructor_call_with_exact_floats():
    specs = [spec_of(Dropout(0.2, rng=0)), spec_of(BatchNorm(64)), spec_of(LayerNorm(3, eps=1e-4))]
    assert [describe(spec) for spec in specs] == [
        "Dropout(0.2)",
        "BatchNorm(64, eps=1e-05, momentum=0.1)",
        "LayerNorm(3, eps=0.0001)",
    ]


# ----- the generator: PCG64's state as JSON integers -----

GENERATOR = {"state": 2**128 - 1, "inc": 12345, "has_uint32": 1, "uinteger": 2**32 - 1}
FIELDS = "['has_uint32', 'inc', 'state', 'uinteger']"


def test_a_generator_state_is_pcg64_four_integers_and_another_generator_is_refused():
    rng = np.random.default_rng(7)
    rng.random(dtype=np.float32)  # leaves a buffered 32-bit draw
    state = generator_state(rng)
    assert list(state) == ["state", "inc", "has_uint32", "uinteger"]
    pcg = rng.bit_generator.state
    assert state == {**pcg["state"], "has_uint32": pcg["has_uint32"], "uinteger": pcg["uinteger"]}
    with pytest.raises(ValueError) as refused:
        generator_state(np.random.Generator(np.random.MT19937(0)))
    assert str(refused.value) == (
        "a Dropout layer's generator is MT19937; a model file keeps PCG64 state only: "
        "make it with np.random.default_rng(seed)"
    )


def dropout(**generator):
    return {"kind": "dropout", "rate": 0.25, "generator": {**GENERATOR, **generator}}


def test_a_checked_dropout_spec_holds_the_generator_as_numpy_sets_it():
    assert check(dropout(), 3, 100) == {
        "kind": "dropout",
        "rate": 0.25,
        "generator": {
            "state": {"state": 2**128 - 1, "inc": 12345},
            "has_uint32": 1,
            "uinteger": 2**32 - 1,
        },
    }
    low = check(dropout(state=0, inc=0, has_uint32=0, uinteger=0), 3, 100)["generator"]
    assert low == {"state": {"state": 0, "inc": 0}, "has_uint32": 0, "uinteger": 0}


@pytest.mark.parametrize(
    "generator",
    [
        {"state": 2**128},
        {"inc": 2**128},
        {"has_uint32": 2},
        {"uinteger": 2**32},
        {"state": -1},
        {"has_uint32": True},
        {"inc": 1.0},
        {"uinteger": "7"},
    ],
    ids=repr,
)
def test_a_generator_field_out_of_range_is_refused_naming_the_layer(generator):
    with pytest.raises(BadSpec) as refused:
        check(dropout(**generator), 3, 100)
    assert str(refused.value) == (
        f"layer 3 (dropout) generator must be PCG64's state: integers {FIELDS} in range"
    )


@pytest.mark.parametrize(
    "generator",
    [[1, 2, 3, 4], {k: v for k, v in GENERATOR.items() if k != "inc"}, {**GENERATOR, "seed": 1}],
    ids=["a list", "a key less", "a key more"],
)
def test_a_generator_without_exactly_its_four_fields_is_refused(generator):
    with pytest.raises(BadSpec, match=r"^layer 0 \(dropout\) generator must be PCG64's state"):
        check({"kind": "dropout", "rate": 0.25, "generator": generator}, 0, 100)


# ----- spec_of and check: what is written, and what is accepted back -----


def test_the_spec_of_each_layer_kind_and_none_for_other_layers():
    rng = np.random.default_rng(3)
    assert spec_of(Dropout(0.5, rng=rng)) == {
        "kind": "dropout",
        "rate": 0.5,
        "generator": generator_state(rng),
    }
    assert spec_of(BatchNorm(4, momentum=0.25, eps=1e-3)) == {
        "kind": "batch_norm",
        "features": 4,
        "eps": 1e-3,
        "momentum": 0.25,
    }
    assert spec_of(LayerNorm(5, eps=1e-4)) == {"kind": "layer_norm", "features": 5, "eps": 1e-4}
    assert spec_of(Dense(2, 3)) is None


def test_a_checked_normalisation_spec_is_exactly_its_fields_with_floats():
    batch = {"kind": "batch_norm", "features": 100, "eps": 1e-5, "momentum": 1}
    checked = check(batch, 2, 100)
    assert checked == {"kind": "batch_norm", "features": 100, "eps": 1e-5, "momentum": 1.0}
    assert type(checked["momentum"]) is float
    layer = {"kind": "layer_norm", "features": 1, "eps": 0.5}
    assert check(layer, 2, 100) == {"kind": "layer_norm", "features": 1, "eps": 0.5}


@pytest.mark.parametrize(
    "spec, says",
    [
        (
            {"kind": "layer_norm", "features": 3, "eps": 1e-5, "momentum": 0.1},
            "layer 4 (layer_norm) must have exactly ['eps', 'features', 'kind']: "
            "{'kind': 'layer_norm', 'features': 3, 'eps': 1e-05, 'momentum': 0.1}",
        ),
        (
            {"kind": "batch_norm", "features": 3, "eps": 1e-5},
            "layer 4 (batch_norm) must have exactly ['eps', 'features', 'kind', 'momentum']: "
            "{'kind': 'batch_norm', 'features': 3, 'eps': 1e-05}",
        ),
        (
            {"kind": "dropout", "rate": 0.1},
            "layer 4 (dropout) must have exactly ['generator', 'kind', 'rate']: "
            "{'kind': 'dropout', 'rate': 0.1}",
        ),
        (
            {"kind": "layer_norm", "features": 0, "eps": 0.1},
            "layer 4 features must be an integer in [1, 1,000]",
        ),
        (
            {"kind": "layer_norm", "features": 1001, "eps": 0.1},
            "layer 4 features must be an integer in [1, 1,000]",
        ),
        (
            {"kind": "layer_norm", "features": True, "eps": 0.1},
            "layer 4 features must be an integer in [1, 1,000]",
        ),
        (
            {"kind": "layer_norm", "features": 3.0, "eps": 0.1},
            "layer 4 features must be an integer in [1, 1,000]",
        ),
        (
            {"kind": "layer_norm", "features": 3, "eps": 0},
            "layer 4 (layer_norm) eps must be a number in (0, 1), got 0",
        ),
        (
            {"kind": "layer_norm", "features": 3, "eps": 1},
            "layer 4 (layer_norm) eps must be a number in (0, 1), got 1",
        ),
        (
            {"kind": "layer_norm", "features": 3, "eps": float("nan")},
            "layer 4 (layer_norm) eps must be a number in (0, 1), got nan",
        ),
        (
            {"kind": "layer_norm", "features": 3, "eps": True},
            "layer 4 (layer_norm) eps must be a number in (0, 1), got True",
        ),
        (
            {"kind": "batch_norm", "features": 3, "eps": 0.1, "momentum": 0},
            "layer 4 (batch_norm) momentum must be a number in (0, 1], got 0",
        ),
        (
            {"kind": "batch_norm", "features": 3, "eps": 0.1, "momentum": 1.5},
            "layer 4 (batch_norm) momentum must be a number in (0, 1], got 1.5",
        ),
        ({**dropout(), "rate": 1}, "layer 4 (dropout) rate must be a number in [0, 1), got 1"),
        (
            {**dropout(), "rate": -0.5},
            "layer 4 (dropout) rate must be a number in [0, 1), got -0.5",
        ),
        (
            {**dropout(), "rate": float("inf")},
            "layer 4 (dropout) rate must be a number in [0, 1), got inf",
        ),
        (
            {**dropout(), "rate": "0.5"},
            "layer 4 (dropout) rate must be a number in [0, 1), got '0.5'",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_spec_out_of_range_is_refused_by_name(spec, says):
    with pytest.raises(BadSpec) as refused:
        check(spec, 4, 1000)
    assert str(refused.value) == says and isinstance(refused.value, ValueError)


def test_the_bounds_themselves_are_accepted_and_a_long_refusal_is_cut_at_300():
    assert check({**dropout(), "rate": 0}, 0, 10)["rate"] == 0.0
    assert check({"kind": "layer_norm", "features": 10, "eps": 0.999}, 0, 10)["features"] == 10
    with pytest.raises(BadSpec) as refused:
        check({**dropout(), "rate": "x" * 1000}, 0, 10)
    assert len(str(refused.value)) == 300
    with pytest.raises(BadSpec) as refused:
        check({"kind": "layer_norm", "features": 1, "eps": 0.1, "x" * 1000: 0}, 0, 10)
    assert len(str(refused.value)) == 300


# ----- members, build, restore: the arrays a spec declares, and the layer rebuilt -----


def test_a_spec_declares_its_arrays_one_row_wide():
    assert members({"kind": "batch_norm", "features": 4}, 2) == {
        "layer2.weights.npy": (1, 4),
        "layer2.biases.npy": (1, 4),
        "layer2.running_mean.npy": (1, 4),
        "layer2.running_var.npy": (1, 4),
    }
    assert members({"kind": "layer_norm", "features": 3}, 0) == {
        "layer0.weights.npy": (1, 3),
        "layer0.biases.npy": (1, 3),
    }
    assert members(dropout(), 1) == {}


def test_only_the_generator_is_left_out_of_the_architecture():
    batch = {"kind": "batch_norm", "features": 4, "eps": 1e-5, "momentum": 0.1}
    assert architecture_only([dropout(), batch]) == [{"kind": "dropout", "rate": 0.25}, batch]


def test_a_built_dropout_draws_from_the_saved_generator_state():
    rng = np.random.default_rng(11)
    rng.random()
    layer = build(check({**dropout(), "generator": generator_state(rng)}, 1, 10), {}, 1)
    assert type(layer) is Dropout and layer.rate == 0.25
    assert layer.rng.bit_generator.state == rng.bit_generator.state
    assert layer.rng.random() == rng.random()


def arrays_of(k, features, dtype, names):
    return {
        f"layer{k}.{name}": np.full((1, features), n + 1.5, dtype=dtype)
        for n, name in enumerate(names)
    }


def test_a_built_batch_norm_holds_copies_of_the_file_arrays_in_their_dtype():
    names = ("weights", "biases", "running_mean", "running_var")
    arrays = arrays_of(2, 3, np.float32, names)
    spec = {"kind": "batch_norm", "features": 3, "eps": 1e-3, "momentum": 0.25}
    layer = build(spec, arrays, 2)
    assert type(layer) is BatchNorm
    assert (layer.n_features, layer.eps, layer.momentum) == (3, 1e-3, 0.25)
    for n, name in enumerate(names):
        got = getattr(layer, name)
        assert got.dtype == np.float32 and got.tolist() == [[n + 1.5] * 3], name
        assert got is not arrays[f"layer2.{name}"], name
    arrays["layer2.running_mean"][0, 0] = 99.0  # the file's array, not the layer's
    assert layer.running_mean[0, 0] == 3.5


def test_a_built_layer_norm_holds_gamma_and_beta():
    arrays = arrays_of(0, 2, np.float64, ("weights", "biases"))
    layer = build({"kind": "layer_norm", "features": 2, "eps": 1e-4}, arrays, 0)
    assert type(layer) is LayerNorm and (layer.n_features, layer.eps) == (2, 1e-4)
    assert layer.weights.tolist() == [[1.5, 1.5]] and layer.biases.tolist() == [[2.5, 2.5]]


def test_restore_copies_the_arrays_into_an_existing_layer():
    layer = LayerNorm(2)
    arrays = arrays_of(5, 2, np.float64, ("weights", "biases"))
    restore(layer, arrays, 5)
    assert layer.weights.tolist() == [[1.5, 1.5]] and layer.biases.tolist() == [[2.5, 2.5]]
    assert layer.weights is not arrays["layer5.weights"]
    restore(Dropout(0.5), {}, 5)  # nothing to copy
