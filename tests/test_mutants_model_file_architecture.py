"""numeric/model_file.py, the architecture side: the JSON written for each layer kind,
every malformed field refused with its exact message, user-defined ops saved as
formulas and defined again (or refused) on loading.

Each test names the behaviour it protects; the JSON and the messages are written out
here, from the format and the rules, not computed by the package. Run by
``python benchmarks/mutation.py`` for numeric/model_file.py.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from numeric import (
    Activation,
    BatchNorm,
    CategoricalCrossEntropy,
    Dense,
    Dropout,
    LayerNorm,
    Model,
    ModelFileError,
    Softmax,
    losses,
    model_file,
)
from symbolic import define, limits
from symbolic.ops import OPS, Rowwise, s, z

FORMAT = "backprop-derived Model"


@pytest.fixture(autouse=True)
def fresh_op_table(monkeypatch):
    """The ops a test defines are removed after it (the op table is one per process).

    Defining an op has a wall-clock budget (tests/test_define.py tests it); mutation runs
    share two cores with other runs, where the 5 s can pass: not the behaviour tested here.
    """
    monkeypatch.setattr(limits, "DERIVE_SECONDS", 60.0)
    before = set(OPS)
    yield
    for name in set(OPS) - before:
        OPS.pop(name)


# ----- architectures written by hand -----


def arch(layers: list, **fields: object) -> dict:
    return {
        "format": FORMAT,
        "version": 2,
        "dtype": "float64",
        "loss": "cross_entropy",
        "loss_class": "CategoricalCrossEntropy",
        "layers": layers,
        "definitions": {},
        **fields,
    }


def dense(inputs: object, outputs: object, **fields: object) -> dict:
    return {"kind": "dense", "inputs": inputs, "outputs": outputs, **fields}


def act(name: str, **params: object) -> dict:
    return {"kind": "activation", "name": name, "params": params}


def norm(kind: str, features: int) -> dict:
    spec = {"kind": kind, "features": features, "eps": 1e-05}
    return {**spec, "momentum": 0.1} if kind == "batch_norm" else spec


def refusal(architecture: object) -> str:
    """The message ``check_architecture`` refuses ``architecture`` with."""
    with pytest.raises(model_file._Bad) as error:
        model_file.check_architecture(architecture)
    return str(error.value)


ACTIVATION_DEFINITION = {"kind": "activation", "formula": "x", "h0": "0"}


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write(path: Path, architecture: dict, arrays: dict | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("architecture.npy", npy(np.array(json.dumps(architecture))))
        for name, value in (arrays or {}).items():
            archive.writestr(name + ".npy", npy(value))
    return path


def rewrite(path: Path, change: dict) -> Path:
    """The model file at ``path`` with fields of its architecture replaced."""
    with zipfile.ZipFile(path) as archive:
        arrays = {
            name.removesuffix(".npy"): np.load(io.BytesIO(archive.read(name)))
            for name in archive.namelist()
        }
    architecture = {**json.loads(str(arrays.pop("architecture"))), **change}
    return write(path, architecture, arrays)


def relu_file(path: Path, change: dict) -> Path:
    """A saved 2-2 relu model, with fields of its architecture replaced."""
    Model([Dense(2, 2, rng=0), Activation("relu")]).save(path)
    return rewrite(path, change)


def load_refused(path: Path) -> str:
    """The message of the ``ModelFileError`` loading ``path`` gives, without the path."""
    with pytest.raises(ModelFileError) as error:
        Model.load(path)
    text = str(error.value)
    assert text.startswith(f"{path}: "), text  # names the file
    return text.removeprefix(f"{path}: ")


# ----- what is written for each layer kind -----

# PCG64's state after np.random.default_rng(1) (NumPy's SeedSequence seeding, stable),
# written flat: the two 128-bit integers, then the buffered draw.
GENERATOR_1 = {
    "state": 207833532711051698738587646355624148094,
    "inc": 194290289479364712180083596243593368443,
    "has_uint32": 0,
    "uinteger": 0,
}


def every_kind() -> Model:
    return Model(
        [
            Dense(2, 3, rng=0, weight_regularizer_l2=5e-4, bias_regularizer_l1=0.25),
            Activation("leaky_relu", alpha=0.1),
            BatchNorm(3),
            Dropout(0.2, rng=1),
            Dense(3, 3, rng=1),
            LayerNorm(3),
            Softmax(),
        ],
        loss=CategoricalCrossEntropy(),
    )


EVERY_KIND_LAYERS = [
    dense(2, 3, regularizers={"weight_regularizer_l2": 0.0005, "bias_regularizer_l1": 0.25}),
    act("leaky_relu", alpha=0.1),
    norm("batch_norm", 3),
    {"kind": "dropout", "rate": 0.2, "generator": GENERATOR_1},
    dense(3, 3),
    norm("layer_norm", 3),
    act("softmax"),
]


def test_each_layer_kind_is_written_with_its_sizes_parameters_and_regularizers():
    assert model_file.architecture(every_kind()) == arch(EVERY_KIND_LAYERS)


def test_a_model_without_a_loss_is_written_with_no_loss_and_no_loss_class():
    written = model_file.architecture(Model([Dense(2, 2, rng=0)]))
    assert written["loss"] is None and written["loss_class"] is None
    assert written["layers"] == [dense(2, 2)] and written["definitions"] == {}


def test_a_layer_of_no_saved_kind_is_refused_by_its_class_name():
    class Reverse:
        def forward(self, inputs: np.ndarray) -> np.ndarray:
            return inputs[:, ::-1]

    with pytest.raises(TypeError, match=r"^cannot save a Reverse layer$"):
        model_file.architecture(Model([Dense(2, 2, rng=0), Reverse()]))


def test_every_layer_kind_comes_back_from_its_file(tmp_path):
    model = every_kind()
    model.save(tmp_path / "every.npz")
    loaded = Model.load(tmp_path / "every.npz")
    # the generator goes on from where the saved one was: here, untouched since seeding
    assert model_file.architecture(loaded) == arch(EVERY_KIND_LAYERS)
    assert (loaded.layers[0].weight_regularizer_l2, loaded.layers[0].bias_regularizer_l1) == (
        0.0005,
        0.25,
    )
    assert loaded.layers[0].weight_regularizer_l1 == 0.0
    X = np.random.default_rng(3).standard_normal((5, 2))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_loaded_dense_layer_holds_the_files_weights_and_says_they_came_from_it(tmp_path):
    model = Model([Dense(2, 3, rng=0, dtype=np.float32)])
    model.save(tmp_path / "d.npz")
    layer = Model.load(tmp_path / "d.npz").layers[0]
    assert layer.init == "file"  # so Model.add re-draws it for no activation
    assert (layer.n_inputs, layer.n_neurons) == (2, 3) and layer.weights.dtype == np.float32
    np.testing.assert_array_equal(layer.weights, model.layers[0].weights)


def test_re_initialising_a_loaded_dense_layer_draws_the_same_weights_in_every_process(tmp_path):
    Model([Dense(2, 3, rng=5)]).save(tmp_path / "d.npz")
    layer = Model.load(tmp_path / "d.npz").layers[0]
    layer.initialize("he")
    # Its generator is np.random.default_rng(0), past the one draw of its 1 x 1 placeholder.
    rng = np.random.default_rng(0)
    rng.standard_normal((1, 1))
    np.testing.assert_array_equal(layer.weights, rng.standard_normal((2, 3)) * np.sqrt(2 / 2))


# ----- describe: how a mismatch names the two architectures -----


def test_layers_are_described_as_one_line_of_layer_names():
    assert model_file.describe(EVERY_KIND_LAYERS) == (
        "Dense(2, 3, weight_regularizer_l2=0.0005, bias_regularizer_l1=0.25) "
        "leaky_relu(alpha=0.1) BatchNorm(3, eps=1e-05, momentum=0.1) Dropout(0.2) "
        "Dense(3, 3) LayerNorm(3, eps=1e-05) softmax"
    )
    assert model_file.describe([act("softsign_two", a=1.0, b=2.5)]) == "softsign_two(a=1.0, b=2.5)"
    assert model_file.describe([]) == ""


def test_anything_but_a_list_of_layers_is_described_by_its_repr():
    assert model_file.describe("float32") == "'float32'"
    assert model_file.describe(None) == "None"
    assert model_file.describe({"u": ACTIVATION_DEFINITION}) == (
        "{'u': {'kind': 'activation', 'formula': 'x', 'h0': '0'}}"
    )


# ----- check_architecture: what a good file gives back -----


def test_a_checked_architecture_is_the_normalised_copy_of_the_file():
    layers = [
        dense(2, 3, regularizers={"weight_regularizer_l1": 1, "bias_regularizer_l2": 0.5}),
        {"kind": "activation", "name": "relu"},  # params may be left out
        norm("batch_norm", 3),
        dense(3, 2),
    ]
    checked = model_file.check_architecture(arch(layers))
    assert checked == arch(
        [
            dense(2, 3, regularizers={"weight_regularizer_l1": 1.0, "bias_regularizer_l2": 0.5}),
            act("relu"),
            norm("batch_norm", 3),
            dense(3, 2),
        ]
    )
    assert type(checked["layers"][0]["regularizers"]["weight_regularizer_l1"]) is float


def test_a_normalisation_layer_may_come_first_and_must_be_as_wide_as_the_layer_before():
    first = model_file.check_architecture(arch([norm("layer_norm", 4), dense(4, 2)]))
    assert first["layers"] == [norm("layer_norm", 4), dense(4, 2)]
    assert model_file.check_architecture(arch([dense(2, 3), norm("batch_norm", 3)]))["layers"][1]
    assert refusal(arch([dense(2, 3), act("relu"), norm("batch_norm", 4)])) == (
        "layer 2 has 4 features but the one before gives 3"
    )


def test_a_normalisation_layers_gamma_and_beta_count_towards_the_parameter_bound():
    # 20,000 + 2 * 10,000 + 49,994,999 = 50,034,999: over by the BatchNorm's 20,000 alone
    layers = [dense(1, 10000), norm("batch_norm", 10000), dense(10000, 4999)]
    assert refusal(arch(layers)) == (
        "Dense(10000, 4999) at layer 2 brings the parameters to 50,034,999; a model file "
        "holds at most 50,000,000 (numeric.model_file.MAX_PARAMETERS)"
    )


def test_exactly_50_million_parameters_are_accepted():
    assert model_file.check_architecture(arch([dense(49, 1_000_000)]))["layers"] == [
        dense(49, 1_000_000)
    ]


def test_64_distinct_activations_are_accepted_and_65_refused():
    alphas = [act("leaky_relu", alpha=k / 100) for k in range(1, 66)]
    assert len(model_file.check_architecture(arch(alphas[:64]))["layers"]) == 64
    assert refusal(arch(alphas)) == (
        "the layers use 65 distinct activations (op and parameters); a model file holds at most 64"
    )


def test_16_activation_parameters_are_accepted_and_17_refused():
    sixteen = {f"a{k}": float(k) for k in range(16)}
    checked = model_file.check_architecture(arch([act("leaky_relu", **sixteen)]))
    assert checked["layers"] == [act("leaky_relu", **sixteen)]
    seventeen = {**sixteen, "a16": 16.0}
    assert refusal(arch([act("leaky_relu", **seventeen)])) == (
        f"layer 0 params must be an object of at most 16 numbers, got {seventeen!r}"
    )


def test_64_op_definitions_are_accepted_and_65_refused():
    names = [f"user{k}" for k in range(65)]
    layers = [act(name) for name in names[:64]]
    definitions = {name: ACTIVATION_DEFINITION for name in names[:64]}
    checked = model_file.check_architecture(arch(layers, definitions=definitions))
    assert checked["definitions"] == definitions
    loss = {"kind": "loss", "formula": "(p - t)**2", "clip": False, "targets": "real"}
    many = arch(layers, loss=names[64], definitions={**definitions, names[64]: loss})
    assert refusal(many) == "definitions must be an object of at most 64 op definitions"


# ----- check_architecture: each malformed field, with its message -----


DENSE_FIELDS = "layer 0 (dense) must have exactly kind, inputs and outputs: "
ACTIVATION_FIELDS = "layer 0 (activation) must have kind, name and params: "


@pytest.mark.parametrize(
    "layer, message",
    [
        (dense(2, 3, bias=True), DENSE_FIELDS + str(dense(2, 3, bias=True))),
        ({"kind": "dense", "inputs": 2}, DENSE_FIELDS + "{'kind': 'dense', 'inputs': 2}"),
        (
            {"kind": "activation", "name": "relu", "params": {}, "bias": 1},
            ACTIVATION_FIELDS + "{'kind': 'activation', 'name': 'relu', 'params': {}, 'bias': 1}",
        ),
        (
            {"kind": "activation", "params": {}},
            ACTIVATION_FIELDS + "{'kind': 'activation', 'params': {}}",
        ),
        (act(""), "layer 0 name must be a name (a string of 1 to 200 characters), got ''"),
        (
            {"kind": "activation", "name": "relu", "params": [1]},
            "layer 0 params must be an object of at most 16 numbers, got [1]",
        ),
        (
            {"kind": "batch_norm", "features": 3, "eps": 0, "momentum": 0.1},
            "layer 0 (batch_norm) eps must be a number in (0, 1), got 0",
        ),
    ],
)
def test_a_malformed_layer_is_refused_with_its_message(layer, message):
    assert refusal(arch([layer])) == message


def test_a_malformed_layer_is_named_by_its_index():
    bad = {"kind": "layer_norm", "features": 2, "eps": 2.0}
    assert (
        refusal(arch([dense(2, 2), bad]))
        == "layer 1 (layer_norm) eps must be a number in (0, 1), got 2.0"
    )
    regularized = dense(2, 2, regularizers={"weight_regularizer_l1": -1})
    assert refusal(arch([norm("layer_norm", 2), regularized])) == (
        "layer 1 weight_regularizer_l1 must be a finite number > 0, got -1"
    )


ALL_FOUR = {
    "weight_regularizer_l1": 1e-3,
    "weight_regularizer_l2": 2,
    "bias_regularizer_l1": 0.5,
    "bias_regularizer_l2": 1e300,
}
KEYWORDS = "weight_regularizer_l1, weight_regularizer_l2, bias_regularizer_l1, bias_regularizer_l2"


def test_regularizer_strengths_are_positive_finite_numbers_of_the_four_keywords():
    checked = model_file._regularizers(ALL_FOUR, 0)
    assert checked == {
        "weight_regularizer_l1": 0.001,
        "weight_regularizer_l2": 2.0,
        "bias_regularizer_l1": 0.5,
        "bias_regularizer_l2": 1e300,
    }
    assert [type(lam) for lam in checked.values()] == [float] * 4
    assert model_file._regularizers({}, 0) == {}


@pytest.mark.parametrize(
    "value, message",
    [
        ("l2", f"layer 3 regularizers must map {KEYWORDS} to numbers"),
        ({"l2": 0.1}, f"layer 3 regularizers must map {KEYWORDS} to numbers"),
        (
            {"weight_regularizer_l2": 0},
            "layer 3 weight_regularizer_l2 must be a finite number > 0, got 0",
        ),
        ({"weight_regularizer_l2": -0.5}, "must be a finite number > 0, got -0.5"),
        (
            {"bias_regularizer_l1": float("inf")},
            "layer 3 bias_regularizer_l1 must be a finite number > 0, got inf",
        ),
        (
            {"bias_regularizer_l1": float("nan")},
            "bias_regularizer_l1 must be a finite number > 0, got nan",
        ),
        (
            {"bias_regularizer_l2": "0.1"},
            "bias_regularizer_l2 must be a finite number > 0, got '0.1'",
        ),
        (
            {"bias_regularizer_l2": True},
            "bias_regularizer_l2 must be a finite number > 0, got True",
        ),
        (
            {"weight_regularizer_l1": None},
            "weight_regularizer_l1 must be a finite number > 0, got None",
        ),
    ],
)
def test_a_bad_regularizer_is_refused_naming_the_layer_and_keyword(value, message):
    layers = [dense(1, 1), act("relu"), dense(1, 1), dense(1, 1, regularizers=value)]
    assert refusal(arch(layers)).endswith(message)
    assert refusal(arch(layers)).startswith("layer 3 ")


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"dtype": "float16"}, "dtype must be float32 or float64, got 'float16'"),
        ({"version": True}, "format version True is not one this package reads (1 or 2)"),
        ({"definitions": ["x"]}, "definitions must be an object of at most 64 op definitions"),
        (
            {"definitions": {"": ACTIVATION_DEFINITION}},
            "a defined op's name must be a name (a string of 1 to 200 characters), got ''",
        ),
    ],
)
def test_a_malformed_top_level_field_is_refused_with_its_message(fields, message):
    assert refusal(arch([dense(2, 2)], **fields)) == message


LONG = "x" * 400
CONTROL = "\x01" * 200  # a name of 200 characters whose repr is 802


@pytest.mark.parametrize(
    "architecture, message",
    [
        ({**arch([]), "format": LONG}, "format is '" + LONG),
        ({**arch([]), LONG: 1}, "unknown field '" + LONG),
        (arch([], dtype=LONG), "dtype must be float32 or float64, got '" + LONG),
        (arch([LONG]), "layer 0 must be an object, got '" + LONG),
        (arch([{"kind": LONG}]), "layer 0 has kind '" + LONG),
        (
            arch([{"kind": "activation", "name": "relu", LONG: 1}]),
            "layer 0 (activation) must have kind, name and params: {'kind': 'activation', "
            "'name': 'relu', '" + LONG,
        ),
        (arch([act(CONTROL)]), "layer 0 has the op name " + repr(CONTROL)),
        (
            arch([dense(1, 1, regularizers={"bias_regularizer_l1": -(10**300)})]),
            "layer 0 bias_regularizer_l1 must be a finite number > 0, got -1" + "0" * 300,
        ),
        (
            arch([], definitions={CONTROL: ACTIVATION_DEFINITION}),
            "the definition of " + repr(CONTROL),
        ),
        (arch([], definitions={CONTROL: {}}), "the definition of " + repr(CONTROL)),
    ],
)
def test_a_message_quoting_the_file_is_cut_at_300_characters(architecture, message):
    assert refusal(architecture) == message[:300]


# ----- version 1: op parameters written in the name -----


def v1(*layers: dict, **fields: object) -> dict:
    architecture = arch(list(layers), version=1, loss=None, loss_class=None, **fields)
    del architecture["definitions"]
    return architecture


def test_a_version_1_name_gives_each_of_its_comma_separated_parameters():
    layer = {"kind": "activation", "name": "leaky_relu(alpha=0.25, beta = 2)"}
    checked = model_file.check_architecture(v1(layer))
    assert checked["layers"] == [act("leaky_relu", alpha=0.25, beta=2.0)]
    assert checked["version"] == 1 and checked["definitions"] == {}


def test_a_version_1_parameter_with_two_equals_signs_is_refused():
    layer = {"kind": "activation", "name": "leaky_relu(alpha=1=2)"}
    assert refusal(v1(layer)) == ("layer 0 has parameter 'alpha=1=2'; parameters are key=number")


# ----- the definitions of user-defined ops, as the file gives them -----

LOSS_DEFINITION = {"kind": "loss", "formula": "(p - t)**2", "clip": True, "targets": "onehot"}


NOT_ONE = "the definition of 'u' is not one of an activation or a loss"
FORMULA = "the formula of 'u' must be a name (a string of 1 to 2000 characters), got "
WRONG_KIND = "the definition of 'u' has clip or targets of the wrong kind"


@pytest.mark.parametrize(
    "saved, message",
    [
        ("x", NOT_ONE),
        ({"kind": "activation", "formula": "x"}, NOT_ONE),
        ({**ACTIVATION_DEFINITION, "clip": False}, NOT_ONE),
        ({"kind": "relu", "formula": "x"}, NOT_ONE),
        ({**ACTIVATION_DEFINITION, "formula": ""}, FORMULA + "''"),
        ({**ACTIVATION_DEFINITION, "formula": "x" * 2001}, FORMULA + repr("x" * 2001)),
        ({**ACTIVATION_DEFINITION, "h0": "2"}, "the definition of 'u' has h0 '2'; expected 0 or 1"),
        ({**ACTIVATION_DEFINITION, "h0": 0}, "the definition of 'u' has h0 0; expected 0 or 1"),
        ({**LOSS_DEFINITION, "clip": "yes"}, WRONG_KIND),
        ({**LOSS_DEFINITION, "clip": 1}, WRONG_KIND),
        ({**LOSS_DEFINITION, "targets": "labels"}, WRONG_KIND),
    ],
)
def test_a_malformed_definition_is_refused_naming_the_op(saved, message):
    assert refusal(arch([act("u")], definitions={"u": saved})) == message


@pytest.mark.parametrize(
    "saved",
    [
        {**ACTIVATION_DEFINITION, "h0": "1"},
        {**ACTIVATION_DEFINITION, "formula": "x" * 2000},
        LOSS_DEFINITION,
        {**LOSS_DEFINITION, "clip": False, "targets": "binary"},
        {**LOSS_DEFINITION, "targets": "real"},
    ],
)
def test_each_well_formed_definition_is_kept_as_written(saved):
    name = "u"
    layers, loss = ([act(name)], None) if saved["kind"] == "activation" else ([], name)
    checked = model_file.check_architecture(arch(layers, loss=loss, definitions={name: saved}))
    assert checked["definitions"] == {name: saved}


# ----- the optimizer field: checked against the layers that hold parameters -----

ADAM = {
    "kind": "adam",
    "hyperparameters": {
        "learning_rate": 0.01,
        "decay": 0.0,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-07,
    },
    "iterations": 3,
    "layers": [0, 2, 3],
}


def test_the_optimizer_field_is_checked_against_the_layers_holding_parameters():
    layers = [dense(2, 3), act("relu"), norm("batch_norm", 3), dense(3, 2)]
    checked = model_file.check_architecture(arch(layers, optimizer=ADAM))
    assert checked["optimizer"] == ADAM
    assert refusal(arch(layers, optimizer={**ADAM, "layers": [1]})) == (
        "optimizer layers must be distinct indices of layers with parameters: [1]"
    )
    assert refusal(arch(layers, optimizer={**ADAM, "kind": "lbfgs"})) == (
        "optimizer kind 'lbfgs' is not one of sgd, adam, rmsprop, adagrad"
    )


def test_the_layers_holding_parameters_are_dense_and_normalisation_layers_in_order():
    layers = [dense(2, 3), act("relu"), norm("batch_norm", 3), dense(3, 4), norm("layer_norm", 4)]
    shapes = model_file._dense_shapes(layers)
    assert list(shapes.items()) == [(0, (2, 3)), (2, (1, 3)), (3, (3, 4)), (4, (1, 4))]
    assert model_file._dense_shapes([act("relu")]) == {}


# ----- user-defined ops: saved as formulas, defined again on loading -----


def user_model() -> Model:
    """A model using a user activation (a float kept to 16 digits, h0 = 1) and a user loss."""
    define.define_activation("soft_m2", "x/(1 + 0.1234567891234567*Abs(x))", h0=1)
    define.define_loss("hinge_m2", "Max(0, 1 - p*t)", clip=True, targets="binary")
    return Model(
        [Dense(3, 2, rng=0), Activation("soft_m2"), Activation("soft_m2")],
        loss=losses.Loss("hinge_m2"),
    )


USER_DEFINITIONS = {
    "soft_m2": {"kind": "activation", "formula": "x/(0.1234567891234567*Abs(x) + 1)", "h0": "1"},
    "hinge_m2": {"kind": "loss", "formula": "Max(0, -p*t + 1)", "clip": True, "targets": "binary"},
}


def test_a_user_defined_op_is_written_with_its_exact_formula_and_options():
    written = model_file.architecture(user_model())
    assert written["definitions"] == USER_DEFINITIONS
    assert written["loss"] == "hinge_m2" and written["loss_class"] == "Loss"


def test_a_user_defined_op_is_defined_from_its_file_in_a_fresh_op_table(tmp_path):
    model = user_model()
    model.save(tmp_path / "user.npz")
    X = np.linspace(-3, 3, 12).reshape(4, 3)
    expected = model.predict(X)
    define.undefine("soft_m2")
    define.undefine("hinge_m2")
    loaded = Model.load(tmp_path / "user.npz")
    np.testing.assert_array_equal(loaded.predict(X), expected)
    assert OPS["soft_m2"].h0 == 1
    assert (OPS["hinge_m2"].clip, OPS["hinge_m2"].targets) == (True, "binary")
    assert model_file.architecture(loaded)["definitions"] == USER_DEFINITIONS
    Model.load(tmp_path / "user.npz")  # defined the same: loaded again


def test_an_op_undefined_after_its_layer_was_built_is_saved_as_the_layer_computes_it(tmp_path):
    # Was: the activation's formula silently left out, and the file refused on loading.
    model = user_model()
    define.undefine("soft_m2")
    assert model_file.architecture(model)["definitions"] == USER_DEFINITIONS
    # A Loss keeps no entry: with its op gone there is no formula to write, so no file.
    define.undefine("hinge_m2")
    with pytest.raises(
        TypeError,
        match=r"^cannot save the user-defined op 'hinge_m2': it is no longer defined; define it "
        r"again \(symbolic.define\) before saving, or the file could not be loaded$",
    ):
        model.save(tmp_path / "user.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_file_defining_an_op_otherwise_than_the_process_is_refused_showing_both(tmp_path):
    user_model().save(tmp_path / "user.npz")
    define.undefine("soft_m2")
    define.define_activation("soft_m2", "x/(1 + Abs(x))", h0=1)
    assert load_refused(tmp_path / "user.npz") == (
        "the file defines 'soft_m2' as 'x/(0.1234567891234567*Abs(x) + 1)' (h0=1), but it is "
        "now defined as 'x/(Abs(x) + 1)' (h0=1); undefine it (symbolic.define.undefine) or load "
        "the file in a fresh process"
    )
    define.undefine("soft_m2")
    define.define_activation("soft_m2", "x/(1 + 0.1234567891234567*Abs(x))", h0=1)
    define.undefine("hinge_m2")
    define.define_loss("hinge_m2", "Max(0, 1 - p*t)", clip=False, targets="binary")
    assert load_refused(tmp_path / "user.npz") == (
        "the file defines 'hinge_m2' as 'Max(0, -p*t + 1)' (clip=True, targets=binary), but it "
        "is now defined as 'Max(0, -p*t + 1)' (clip=False, targets=binary); undefine it "
        "(symbolic.define.undefine) or load the file in a fresh process"
    )


def test_a_formula_that_reads_back_otherwise_is_refused_and_not_left_defined(tmp_path):
    saved = {"kind": "activation", "formula": "x + x", "h0": "0"}
    relu_file(
        tmp_path / "f.npz",
        {"layers": [dense(2, 2), act("twice_m2")], "definitions": {"twice_m2": saved}},
    )
    assert load_refused(tmp_path / "f.npz") == (
        "'twice_m2' defined from the file reads '2*x' (h0=0), not 'x + x' (h0=0)"
    )
    assert "twice_m2" not in OPS


def test_a_formula_the_parser_refuses_is_refused_naming_the_op(tmp_path):
    saved = {"kind": "loss", "formula": "p + y", "clip": False, "targets": "real"}
    relu_file(
        tmp_path / "f.npz",
        {"loss": "stray_m2", "loss_class": None, "definitions": {"stray_m2": saved}},
    )
    assert load_refused(tmp_path / "f.npz").startswith(
        "cannot define 'stray_m2' as the file says: 'y' is not allowed in a formula: use p, t "
    )
    assert "stray_m2" not in OPS


def test_an_unstable_user_op_loads_without_its_definition_warning(tmp_path):
    saved = {"kind": "activation", "formula": "exp(x)", "h0": "0"}
    relu_file(
        tmp_path / "e.npz",
        {"layers": [dense(2, 2), act("exp_m2")], "definitions": {"exp_m2": saved}},
    )
    with pytest.warns(define.UnstableKernelWarning):  # what defining it warns, directly
        define.define_activation("exp_probe_m2", "exp(x)")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = Model.load(tmp_path / "e.npz")
    assert repr(loaded.layers[1]) == "Activation('exp_m2')"


def test_a_user_op_of_a_kind_no_file_defines_is_refused_when_saving():
    OPS["rowmax_m2"] = Rowwise("rowmax_m2", s[0] * 0 + z[0], "hand-made")
    with pytest.raises(
        TypeError, match=r"^cannot save the user-defined op 'rowmax_m2': a Rowwise$"
    ):
        model_file._define_entry({}, "rowmax_m2")


# ----- version 1 files: ops named without their formula -----


def test_a_version_1_file_naming_a_user_op_warns_at_the_line_that_loads_it(tmp_path):
    define.define_activation("cube_m2", "x**3")
    path = write(tmp_path / "v1.npz", v1({"kind": "activation", "name": "cube_m2"}, act("relu")))
    with pytest.warns(UserWarning) as record:
        model = Model.load(path)
    assert [str(w.message) for w in record] == [
        f"{path}: a version 1 file names the user-defined op 'cube_m2' without its formula; it "
        "is loaded with the current definition, unchecked"
    ]
    if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut's trampolines add a frame per call
        assert record[0].filename == __file__
    assert [repr(layer) for layer in model.layers] == [
        "Activation('cube_m2')",
        "Activation('relu')",
    ]


def test_a_version_1_file_naming_an_unknown_activation_or_loss_is_refused(tmp_path):
    path = write(tmp_path / "a.npz", v1({"kind": "activation", "name": "nowhere_m2"}))
    with pytest.warns(UserWarning, match="'nowhere_m2' without its formula"):
        assert load_refused(path) == (
            "activation 'nowhere_m2' is not in the op table; define it "
            "(symbolic.define.define_activation) before loading"
        )
    path = write(tmp_path / "l.npz", {**v1(act("relu")), "loss": "nothing_m2"})
    with pytest.warns(UserWarning, match="'nothing_m2' without its formula"):
        assert load_refused(path) == "loss 'nothing_m2' is not in the op table"


def test_a_loss_whose_class_does_not_match_is_loaded_as_the_table_loss(tmp_path):
    layers = [act("sigmoid")]
    for loss_class in ("CategoricalCrossEntropy", "Nonesuch", None):
        path = write(
            tmp_path / "c.npz", arch(layers, loss="mean_squared_error", loss_class=loss_class)
        )
        loss = Model.load(path).loss
        assert type(loss) is losses.Loss and loss.name == "mean_squared_error"
