"""numeric/optimizer_file.py: an optimizer's state in a model file.

Each test names the behaviour it protects; messages are compared whole where the
message is the behaviour. Run by ``python benchmarks/mutation.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric import SGD, Adagrad, Adam, Dense, Model, ReLU, Softmax
from numeric.losses import CategoricalCrossEntropy
from numeric.optimizer_file import (
    HYPERPARAMETERS,
    BadOptimizer,
    build,
    check,
    describe,
    kind_of,
    members,
)


def test_only_the_package_own_optimizer_classes_are_saved_not_a_subclass():
    class Tuned(Adam):  # may hold state the file does not keep
        pass

    assert [kind_of(SGD()), kind_of(Adam())] == ["sgd", "adam"]
    with pytest.raises(TypeError) as refused:
        kind_of(Tuned())
    assert str(refused.value) == (
        "cannot save the state of a Tuned: the model file keeps SGD, Adam, RMSprop, Adagrad"
    )


# ----- describe: the JSON field and one array per layer, parameter and slot -----


def stepped(optimizer, layers):
    """``optimizer`` after one step on each layer, every gradient 1."""
    optimizer.pre_update_params()
    for layer in layers:
        layer.dweights, layer.dbiases = np.ones_like(layer.weights), np.ones_like(layer.biases)
        optimizer.update_params(layer)
    optimizer.post_update_params()
    return optimizer


def network():
    return Model(
        [Dense(2, 3, rng=0), ReLU(), Dense(3, 2, rng=1), Softmax()], CategoricalCrossEntropy()
    )


def test_the_field_names_kind_hyperparameters_steps_and_layers_holding_state():
    model = network()
    sgd = stepped(SGD(0.5, decay=0.25, momentum=0.75), [model.layers[0], model.layers[2]])
    spec, arrays = describe(sgd, model)
    assert spec == {
        "kind": "sgd",
        "hyperparameters": {"learning_rate": 0.5, "decay": 0.25, "momentum": 0.75},
        "iterations": 1,
        "layers": [0, 2],
    }
    assert list(arrays) == [
        "optimizer.layer0.weights.velocity",
        "optimizer.layer0.biases.velocity",
        "optimizer.layer2.weights.velocity",
        "optimizer.layer2.biases.velocity",
    ]
    assert arrays["optimizer.layer2.biases.velocity"] is sgd.state[id(model.layers[2])][1]["biases"]
    assert arrays["optimizer.layer0.weights.velocity"].tolist() == [[-0.5] * 3] * 2


def test_adam_keeps_two_moments_per_parameter_and_only_of_the_layers_it_stepped():
    model = network()
    adam = stepped(Adam(learning_rate=0.125), [model.layers[2]])
    spec, arrays = describe(adam, model)
    assert spec["hyperparameters"] == {
        "learning_rate": 0.125,
        "decay": 0.0,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
    }
    assert (spec["kind"], spec["layers"]) == ("adam", [2])
    m, v = adam.state[id(model.layers[2])][1]["weights"]
    assert list(arrays) == [
        "optimizer.layer2.weights.m",
        "optimizer.layer2.weights.v",
        "optimizer.layer2.biases.m",
        "optimizer.layer2.biases.v",
    ]
    assert arrays["optimizer.layer2.weights.m"] is m and arrays["optimizer.layer2.weights.v"] is v


def test_sgd_without_momentum_and_state_of_another_object_keep_no_arrays():
    model = network()
    plain = stepped(SGD(0.5), [model.layers[0]])  # only its step buffers
    assert describe(plain, model) == (
        {
            "kind": "sgd",
            "hyperparameters": {"learning_rate": 0.5, "decay": 0.0, "momentum": 0.0},
            "iterations": 1,
            "layers": [],
        },
        {},
    )
    adam = stepped(Adam(), [model.layers[0], model.layers[2]])
    stranger = Dense(2, 3, rng=2)
    # the state under layer 0's id belongs to another layer (an id reused after a free)
    adam.state[id(model.layers[0])] = (stranger, adam.state[id(model.layers[0])][1])
    assert describe(adam, model)[0]["layers"] == [2]


# ----- check: the field read from a file, refused by name -----

DENSE = {0: (2, 3), 2: (3, 2)}
ADAM = {
    "kind": "adam",
    "hyperparameters": {
        "learning_rate": 0.125,
        "decay": 0.5,
        "beta_1": 0.75,
        "beta_2": 0.875,
        "epsilon": 0.25,
    },
    "iterations": 3,
    "layers": [2, 0],
}


def refusal(spec, dense=DENSE):
    with pytest.raises(BadOptimizer) as refused:
        check(spec, dense)
    assert isinstance(refused.value, ValueError)
    return str(refused.value)


def test_a_checked_field_is_a_copy_of_what_the_file_says():
    checked = check(ADAM, DENSE)
    assert checked == ADAM
    assert checked["hyperparameters"] is not ADAM["hyperparameters"]
    sgd = {
        **ADAM,
        "kind": "sgd",
        "hyperparameters": {"learning_rate": 1, "decay": 0, "momentum": 0},
    }
    assert check(sgd, DENSE)["hyperparameters"] == {"learning_rate": 1, "decay": 0, "momentum": 0}


@pytest.mark.parametrize(
    "spec",
    [[], {**ADAM, "extra": 1}, {k: v for k, v in ADAM.items() if k != "layers"}],
    ids=["a list", "a key more", "a key less"],
)
def test_a_field_without_exactly_its_four_keys_is_refused(spec):
    assert refusal(spec) == "optimizer must have exactly kind, hyperparameters, iterations, layers"


def test_an_unknown_kind_is_refused_naming_the_known_ones_in_bounded_length():
    assert refusal({**ADAM, "kind": "lbfgs"}) == (
        "optimizer kind 'lbfgs' is not one of sgd, adam, rmsprop, adagrad"
    )
    long = refusal({**ADAM, "kind": "x" * 1000})
    assert len(long) == 300 and long.startswith("optimizer kind 'xxx")


def test_hyperparameters_must_be_exactly_the_kinds_own():
    says = "adam needs exactly the hyperparameters " + repr(HYPERPARAMETERS["adam"])
    given = dict(ADAM["hyperparameters"])
    del given["epsilon"]
    assert refusal({**ADAM, "hyperparameters": given}) == says
    assert refusal({**ADAM, "hyperparameters": [1, 2, 3, 4, 5]}) == says
    assert refusal({**ADAM, "hyperparameters": {**given, "epsilon": 1e-7, "rho": 0.9}}) == says


def test_a_hyperparameter_out_of_range_is_refused_by_the_constructor_words():
    bad = {**ADAM["hyperparameters"], "beta_1": 1.0}
    assert refusal({**ADAM, "hyperparameters": bad}) == "Adam: beta_1 must be in [0, 1), got 1.0"
    long = {**ADAM["hyperparameters"], "decay": "x" * 1000}
    said = refusal({**ADAM, "hyperparameters": long})
    assert len(said) == 300 and said.startswith("Adam: decay must be >= 0 and finite, got 'xxx")


@pytest.mark.parametrize("iterations", [-1, 2**53 + 1, True, 3.0, "3", None])
def test_iterations_must_be_an_integer_a_float64_holds_exactly(iterations):
    assert refusal({**ADAM, "iterations": iterations}) == (
        f"optimizer iterations must be an integer >= 0, got {iterations!r}"
    )


def test_iterations_from_0_to_2_to_the_53_are_accepted():
    assert check({**ADAM, "iterations": 0}, DENSE)["iterations"] == 0
    assert check({**ADAM, "iterations": 2**53}, DENSE)["iterations"] == 2**53
    long = refusal({**ADAM, "iterations": "9" * 1000})
    assert len(long) == 300


@pytest.mark.parametrize("layers", ["0", (0,), [1], [0, 0], [True], [0.0], [0, 2, 7]], ids=repr)
def test_layers_must_be_distinct_indices_of_layers_with_parameters(layers):
    assert refusal({**ADAM, "layers": layers}) == (
        f"optimizer layers must be distinct indices of layers with parameters: {layers!r}"
    )


def test_no_layers_is_a_field_of_an_optimizer_before_its_first_step():
    assert check({**ADAM, "layers": []}, DENSE)["layers"] == []
    long = refusal({**ADAM, "layers": list(range(10, 1000))})
    assert len(long) == 300


# ----- members and build: what the file declares, and the optimizer rebuilt -----


def test_each_layer_declares_one_member_per_parameter_and_slot_shaped_like_it():
    assert members(ADAM, DENSE) == {
        "optimizer.layer2.weights.m.npy": (3, 2),
        "optimizer.layer2.weights.v.npy": (3, 2),
        "optimizer.layer2.biases.m.npy": (1, 2),
        "optimizer.layer2.biases.v.npy": (1, 2),
        "optimizer.layer0.weights.m.npy": (2, 3),
        "optimizer.layer0.weights.v.npy": (2, 3),
        "optimizer.layer0.biases.m.npy": (1, 3),
        "optimizer.layer0.biases.v.npy": (1, 3),
    }
    rmsprop = {**ADAM, "kind": "rmsprop", "layers": [0]}
    assert list(members(rmsprop, DENSE)) == [
        "optimizer.layer0.weights.cache.npy",
        "optimizer.layer0.biases.cache.npy",
    ]


def test_the_rebuilt_optimizer_takes_the_saved_rate_and_holds_the_arrays_on_the_loaded_layers():
    model = network()
    arrays = {
        name[: -len(".npy")]: np.full(shape, float(n))
        for n, (name, shape) in enumerate(members(ADAM, DENSE).items())
    }
    adam = build(ADAM, arrays, model.layers)
    assert type(adam) is Adam and adam.iterations == 3
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.decay) == (0.75, 0.875, 0.25, 0.5)
    assert adam.current_learning_rate == 0.125 / (1 + 0.5 * 3)  # the next step's rate
    assert list(adam.state) == [id(model.layers[2]), id(model.layers[0])]
    layer, state = adam.state[id(model.layers[0])]
    assert layer is model.layers[0] and list(state) == ["weights", "biases"]
    m, v = state["biases"]
    assert m is arrays["optimizer.layer0.biases.m"] and v is arrays["optimizer.layer0.biases.v"]
    sgd = {
        **ADAM,
        "kind": "sgd",
        "hyperparameters": {"learning_rate": 1, "decay": 0, "momentum": 0.5},
    }
    sgd["layers"] = [0]
    velocity = {
        "optimizer.layer0.weights.velocity": np.ones((2, 3)),
        "optimizer.layer0.biases.velocity": np.ones((1, 3)),
    }
    built = build(sgd, velocity, model.layers)
    held = built.state[id(model.layers[0])][1]
    assert held["weights"] is velocity["optimizer.layer0.weights.velocity"]  # not a tuple
    assert held["biases"] is velocity["optimizer.layer0.biases.velocity"]


def test_a_described_optimizer_resumes_as_the_same_steps():
    model = network()
    adagrad = stepped(Adagrad(learning_rate=0.5, decay=0.125), [model.layers[0], model.layers[2]])
    spec, arrays = describe(adagrad, model)
    resumed = build(check(spec, DENSE), arrays, model.layers)
    assert type(resumed) is Adagrad and resumed.iterations == 1
    assert resumed.current_learning_rate == 0.5 / 1.125
    for k in (0, 2):
        (cache,) = resumed.state[id(model.layers[k])][1]["weights"]
        assert cache.tolist() == [[1.0] * DENSE[k][1]] * DENSE[k][0]


def test_a_layer_stepped_before_momentum_was_on_is_skipped_and_later_layers_are_kept():
    # a hand-written loop: plain SGD on every layer, then momentum on the last one only
    model = network()
    sgd = stepped(SGD(0.5), [model.layers[0], model.layers[2]])
    sgd.momentum = 0.5
    stepped(sgd, [model.layers[2]])
    spec, arrays = describe(sgd, model)
    assert spec["layers"] == [2]
    assert list(arrays) == ["optimizer.layer2.weights.velocity", "optimizer.layer2.biases.velocity"]
