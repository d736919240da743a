"""numeric/check/styles/objects.py, object_runner.py, object_names.py: objects with
``forward`` and ``backward`` methods however their author named things. Each test names
the behaviour it protects; the layers are small ones written here (nnfs's and the "Deep
Learning from Scratch" book's ways), their mistakes planted by hand. Run by
``python benchmarks/mutation.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric.check import check_gradients
from numeric.check.errors import CheckError
from numeric.check.styles import object_names as names_
from numeric.check.styles import objects
from numeric.check.styles.object_runner import RATE, Runner
from numeric.check.subject import Layout, Options

RETURNED, UPDATE = names_.RETURNED, names_.UPDATE


class Dense:
    """The nnfs book's Layer_Dense."""

    def __init__(self, n_in=4, n_out=3):
        rng = np.random.default_rng(0)
        self.weights = 0.5 * rng.standard_normal((n_in, n_out))
        self.biases = 0.1 * rng.standard_normal((1, n_out))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class Affine:
    """The book's Affine: backward returns dx and sets dW, db."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        dx = dout @ self.W.T
        return dx


def options(**given) -> Options:
    return Options(rng=np.random.default_rng(0), **given)


def one(obj, *args, **given):
    with objects.subjects(obj, args, options(**given)) as found:
        (subject,) = found
        return subject


# ----- object_names: where the gradients are, and their authors' names -----


def test_a_parameters_gradient_names_follow_the_usual_patterns_and_aliases():
    assert names_.gradient_names("W") == [
        "dW", "d_W", "grad_W", "gradW", "W_grad", "W_gradient", "dL_dW",
        "dweights", "d_weights", "grad_weights", "gradweights", "weights_grad",
        "weights_gradient", "dL_dweights",
        "dweight", "d_weight", "grad_weight", "gradweight", "weight_grad", "weight_gradient",
        "dL_dweight",
        "dw", "d_w", "grad_w", "gradw", "w_grad", "w_gradient", "dL_dw",
    ]  # fmt: skip
    assert names_.gradient_names("kernel")[:3] == ["dkernel", "d_kernel", "grad_kernel"]
    assert len(names_.gradient_names("kernel")) == 7
    assert names_.gradient_names("gamma")[0] == "dgamma"
    assert names_.gradient_names("bias")[7] == "dbiases"


def test_the_returned_gradient_is_named_as_the_return_statement_names_it():
    def plain(self, dout):
        dx = dout * 2
        return dx

    def reshaped(self, dout):
        dx = dout * 2
        return dx.reshape(dout.shape)

    def transposed(self, dout):
        d_in = dout.T
        return d_in.T

    def copied(self, dout):
        dX = dout
        return dX.copy()

    def several(self, dout):
        dx, dy = dout, dout
        return dx, dy

    def computed(self, dout):
        return dout * 2

    def summed(self, dout):
        dx = dout
        return dx.sum(axis=0)

    def branches(self, dout):
        dx, dz = dout, dout
        if dout.any():
            return dx
        return dz

    def agree(self, dout):
        dx = dout
        if dout.any():
            return dx
        return dx.copy()

    def nothing(self, dout):
        return

    assert names_.returned_names(plain, 1) == ["dx"]
    assert names_.returned_names(reshaped, 1) == ["dx"]
    assert names_.returned_names(transposed, 1) == ["d_in"]
    assert names_.returned_names(copied, 1) == ["dX"]
    assert names_.returned_names(several, 2) == ["dx", "dy"]
    assert names_.returned_names(several, 1) is None  # not one per input
    assert names_.returned_names(computed, 1) is None
    assert names_.returned_names(summed, 1) is None  # a sum is another array
    assert names_.returned_names(branches, 1) is None  # two names: neither is sure
    assert names_.returned_names(agree, 1) == ["dx"]
    assert names_.returned_names(nothing, 1) is None
    assert names_.returned_names(len, 1) is None  # no source


def test_found_gradients_are_arrays_lists_or_floats_first_by_name_order():
    found = {"dx": None, "dX": 3, "dinputs": [1.0], "d_x": np.ones(2)}
    assert names_.find(found, ["dx", "dX", "dinputs", "d_x"]) == ("dinputs", [1.0])
    assert names_.find({"dx": 2.5}, ["dx"]) == ("dx", 2.5)
    assert names_.find({"dx": np.float32(2.5)}, ["dx"]) == ("dx", np.float32(2.5))
    assert names_.find({"dx": "dx"}, ["dx"]) == (None, None)
    assert names_.returned_in_dict({f"{RETURNED}['W']": 1}, ["weights", "W"]) == "<returned>['W']"
    assert names_.returned_in_dict({f"{RETURNED}['W']": 1}, ["weights"]) is None


def test_keys_find_each_arrays_gradient_or_name_it_missing():
    g = np.ones((2, 2))
    # nnfs: attributes; an unknown float array with no gradient is state, dropped
    params = {"weights": g, "biases": g, "scale_state": g}
    found = {"dinputs": g, "dweights": g, "dbiases": g}
    assert names_.keys(["inputs"], params, found) == {
        "inputs": "dinputs", "weights": "dweights", "biases": "dbiases",
    }  # fmt: skip
    assert list(params) == ["weights", "biases"]
    # the book: dx returned, dW and db set
    found = {RETURNED: g, "dW": g, "db": g}
    assert names_.keys(["x"], {"W": g, "b": g}, found) == {"x": RETURNED, "W": "dW", "b": "db"}
    # a dict returned, keyed by what each gradient belongs to
    found = {RETURNED: {}, f"{RETURNED}['x']": g, f"{RETURNED}['weights']": g}
    assert names_.keys(["x"], {"W": g}, found) == {
        "x": "<returned>['x']", "W": "<returned>['weights']",
    }  # fmt: skip
    # nothing found: missing under nnfs's name for "inputs", the book's otherwise
    assert names_.keys(["inputs"], {"weights": g}, {RETURNED: None}) == {
        "inputs": "dinputs", "weights": "dweights",
    }  # fmt: skip
    assert names_.keys(["x"], {}, {RETURNED: None}) == {"x": "dx"}
    # two inputs: a tuple returned, one per input; an SGD step read off for W
    found = {RETURNED: (g, g), f"{RETURNED}0": g, f"{RETURNED}1": g, f"{UPDATE}W": g}
    assert names_.keys(["x", "y"], {"W": g}, found) == {
        "x": "<returned>0", "y": "<returned>1", "W": "<update>W",
    }  # fmt: skip


# ----- object_runner: running and restoring -----


def test_the_runner_takes_float_arrays_as_parameters_and_leaves_state_and_gradients():
    class Layer:
        def __init__(self):
            self.weights = np.ones((2, 2))
            self.gamma = np.ones(2)
            self.dweights = np.zeros((2, 2))  # a gradient kept from before
            self.dinputs = np.zeros((2, 2))
            self.inputs = np.ones((2, 2))  # a cache of the last forward
            self.weight_momentums = np.zeros((2, 2))  # optimizer state
            self.running_mean = np.zeros(2)
            self._private = np.ones(2)
            self.count = np.arange(3)  # not floats
            self.scalar = np.float64(1.0) * np.ones(())  # 0-d

        def forward(self, inputs, training=True, *, y=None):
            self.output = inputs
            return None

        def backward(self, dvalues):
            pass

    runner = Runner(Layer(), loss=False)
    assert list(runner.params) == ["weights", "gamma"]
    assert {"dweights", "dW", "dinputs", "dgamma", "dx"} <= runner.stale
    assert runner.training == {"training": True}
    assert runner.inputs == ["inputs"]
    assert runner.label == "Layer"


def test_a_forward_of_two_inputs_takes_both_and_a_loss_with_targets_first_is_flipped():
    class Mul:
        def forward(self, x, y):
            return x * y

        def backward(self, dout):
            return dout, dout

    class LossFirst:
        def forward(self, y_true, y_pred):
            return np.mean((y_pred - y_true) ** 2, axis=-1)

        def backward(self, y_true, dvalues):
            self.dinputs = dvalues - y_true

    assert Runner(Mul(), loss=False).inputs == ["x", "y"]
    assert Runner(Mul(), loss=True).inputs == ["x"]  # a loss: the second is its targets
    runner = Runner(LossFirst(), loss=True)
    assert runner.labels_first and runner.inputs == ["y_pred"]
    out = runner.forward((np.array([[1.0, 3.0]]),), np.array([[0.0, 1.0]]), {})
    assert out.tolist() == [2.5]
    found = runner.backward((np.array([[1.0, 3.0]]),), np.array([[0.0, 1.0]]), np.ones(1))
    assert found["dinputs"].tolist() == [[1.0, 2.0]]


def test_a_forward_returning_nothing_is_read_off_output_or_refused_naming_what_it_set():
    class Silent:
        def forward(self, inputs):
            self.result = inputs * 2

        def backward(self, dvalues):
            pass

    class Nothing:
        def forward(self, inputs):
            pass

        def backward(self, dvalues):
            pass

    with pytest.raises(CheckError) as refused:
        Runner(Silent(), False).forward((np.ones(2),), None, {})
    assert (
        str(refused.value) == "Silent.forward returned nothing and set no .output (it set .result)"
    )
    with pytest.raises(CheckError) as refused:
        Runner(Nothing(), False).forward((np.ones(2),), None, {})
    assert str(refused.value) == "Nothing.forward returned nothing and set no .output"
    out = Runner(Dense(), False).forward((np.ones((2, 4)),), None, {})
    assert out.dtype == np.float64 and out.shape == (2, 3)


def test_a_stale_gradient_never_passes_for_a_fresh_one():
    class Forgets(Dense):
        def backward(self, dvalues):
            self.dinputs = dvalues @ self.weights.T  # dweights, dbiases not set this time

    layer = Forgets()
    layer.dweights = np.ones((4, 3))  # from an earlier run
    layer.extra = "set after construction"
    runner = Runner(layer, False)
    del layer.extra
    layer.late = np.ones(3)  # set since: removed before the check's backward
    found = runner.backward((np.ones((2, 4)),), None, np.ones((2, 3)))
    assert "dweights" not in found and "dinputs" in found and "late" not in found
    assert "dbiases" not in found


def test_an_sgd_step_inside_backward_gives_the_gradient_and_is_undone():
    class Steps(Dense):
        def backward(self, dvalues, learning_rate=0.1):
            self.weights -= learning_rate * (self.inputs.T @ dvalues)
            self.biases -= learning_rate * np.sum(dvalues, axis=0, keepdims=True)
            return dvalues @ self.weights.T

    layer = Steps()
    weights = layer.weights.copy()
    runner = Runner(layer, False)
    x, g = np.ones((2, 4)), np.ones((2, 3))
    found = runner.backward((x,), None, g)
    assert np.allclose(found[f"{UPDATE}weights"], x.T @ g, rtol=1e-12, atol=1e-12)
    assert np.allclose(found[f"{UPDATE}biases"], [[2.0, 2.0, 2.0]], rtol=1e-12, atol=1e-12)
    assert runner.changed == ["weights", "biases"]
    runner.backward((x,), None, g)
    assert runner.changed == ["weights", "biases"]  # each named once
    assert RATE == 0.01
    runner.restore()
    assert np.array_equal(layer.weights, weights)


def test_restore_puts_back_every_attribute_and_arrays_changed_in_place():
    layer = Dense()
    weights, original = layer.weights, layer.weights.copy()
    runner = Runner(layer, False)
    layer.weights[0, 0] = 99.0
    layer.weights = np.zeros((4, 3))
    layer.extra = 1
    runner.restore()
    assert layer.weights is weights and np.array_equal(weights, original)
    assert not hasattr(layer, "extra")

    class Slotted:
        __slots__ = ()

        def forward(self, x):
            return x

        def backward(self, d):
            return d

    Runner(Slotted(), False).restore()  # no __dict__: nothing to restore, no error


def test_a_returned_tuple_or_dict_is_found_by_position_or_key():
    class Tuple:
        def forward(self, x, y):
            return x * y

        def backward(self, dout):
            return dout * 2, dout * 3

    class Dict:
        def forward(self, x):
            return 2 * x

        def backward(self, dout):
            return {"x": dout * 2}

    found = Runner(Tuple(), False).backward((np.ones(2), np.ones(2)), None, np.ones(2))
    assert found[f"{RETURNED}0"].tolist() == [2.0, 2.0]
    assert found[f"{RETURNED}1"].tolist() == [3.0, 3.0]
    found = Runner(Dict(), False).backward((np.ones(2),), None, np.ones(2))
    assert found[f"{RETURNED}['x']"].tolist() == [2.0, 2.0]


def test_a_loss_backward_gets_the_predictions_and_the_targets_by_name():
    seen = {}

    class Loss:
        def forward(self, y_pred, y_true):
            self.output = y_pred * 1.0
            return np.mean((y_pred - y_true) ** 2, axis=-1)

        def backward(self, dvalues, y_true, scale=2.0):
            seen.update(dvalues=dvalues.copy(), y_true=y_true)
            self.dinputs = scale * (dvalues - y_true) / dvalues.size

    pred, true = np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])
    found = Runner(Loss(), True).backward((pred,), true, np.ones(1))
    assert seen["dvalues"].tolist() == [[1.0, 2.0]] and seen["y_true"] is true
    assert found["dinputs"].tolist() == [[1.0, 2.0]]


# ----- objects: the subject -----


def test_only_instances_with_a_forward_are_this_styles():
    assert objects.accepts(Dense())
    assert not objects.accepts(Dense)  # the class
    assert not objects.accepts(np.ones(2))


def test_a_dense_layer_is_one_subject_with_its_authors_names():
    s = one(Dense())
    assert s.name == "Dense" and list(s.arrays) == ["inputs", "weights", "biases"]
    assert s.arrays["inputs"].shape == (5, 4)  # batch 5, the weights' rows
    assert s.gradient_names == {"inputs": "dinputs", "weights": "dweights", "biases": "dbiases"}
    assert s.hints == ("dense",) and s.parameters == ("weights", "biases")
    assert s.layouts == (
        Layout("inputs", "weights", "biases"),
        Layout("inputs", "weights", "biases", False, True),
    )
    assert s.blocking == {"inputs": 0, "weights": 1, "biases": 1}
    assert s.setup == (
        "float64, inputs (5, 4), weights (4, 3), biases (1, 3); cotangent g ~ N(0, 1)"
    )
    assert not s.loss and s.notes == [] and s.changed() == []
    assert check_gradients(Dense())


def test_the_books_affine_names_dx_after_its_return_statement():
    rng = np.random.default_rng(1)
    s = one(Affine(rng.standard_normal((4, 3)), rng.standard_normal(3)))
    assert s.gradient_names == {"x": "dx", "W": "dW", "b": "db"}
    assert s.hints == ("dense",)

    class Unnamed(Affine):
        def backward(self, dout):
            self.dW = self.x.T @ dout
            self.db = np.sum(dout, axis=0)
            return dout @ self.W.T

    s = one(Unnamed(rng.standard_normal((4, 3)), rng.standard_normal(3)))
    assert s.gradient_names["x"] == "dx (returned)"


def test_inputs_stored_features_by_batch_are_found_from_the_weights_shape():
    class Columns:
        def __init__(self):
            self.W = np.random.default_rng(2).standard_normal((3, 4))  # (out, in)
            self.b = np.zeros((3, 1))

        def forward(self, X):
            self.X = X
            return self.W @ X + self.b

        def backward(self, dZ):
            self.dW = dZ @ self.X.T
            self.db = dZ.sum(axis=1, keepdims=True)
            return self.W.T @ dZ

    s = one(Columns())
    assert s.arrays["X"].shape == (4, 5)  # (in, batch): the fourth candidate shape
    assert s.blocking["X"] == 1
    assert s.layouts == (Layout("X", "W", "b", True, True), Layout("X", "W", "b", True, False))
    assert check_gradients(Columns())


def test_candidate_shapes_try_rows_then_columns_then_features_by_batch():
    class Holder:
        def __init__(self, **arrays):
            vars(self).update(arrays)

        def forward(self, x):
            return x

        def backward(self, d):
            return d

    runner = Runner(Holder(W=np.ones((4, 3))), False)
    assert objects._candidate_shapes(runner) == [(5, 4), (5, 3), (3, 5), (4, 5)]
    runner = Runner(Holder(W=np.ones((4, 4))), False)
    assert objects._candidate_shapes(runner) == [(5, 4), (4, 5)]
    runner = Runner(Holder(gamma=np.ones(7), beta=np.ones(7)), False)
    assert objects._candidate_shapes(runner) == [(5, 7), (5, 3)]
    assert objects._candidate_shapes(Runner(Holder(), False)) == [(5, 3)]


def test_a_layer_whose_forward_takes_no_shape_is_refused_with_the_likeliest_error():
    class Picky(Dense):
        def forward(self, inputs):
            raise ValueError(f"no shape {inputs.shape}")

    with pytest.raises(CheckError) as refused:
        one(Picky())
    assert str(refused.value) == "Picky.forward raised ValueError: no shape (5, 4)"


def test_inputs_given_must_be_floats_and_are_moved_off_kinks():
    with pytest.raises(CheckError) as refused:
        one(Dense(), np.ones((2, 4), dtype=int))
    assert str(refused.value) == "inputs must be a float array, got int64 (2, 4)"
    s = one(Dense(), np.zeros((2, 4)))
    assert s.arrays["inputs"].shape == (2, 4)
    s = one(Dense(), (6, 4))
    assert s.arrays["inputs"].shape == (6, 4)


def test_an_object_without_backward_is_refused():
    class ForwardOnly:
        def forward(self, x):
            return x

    with pytest.raises(CheckError) as refused:
        one(ForwardOnly())
    assert str(refused.value) == "ForwardOnly has a forward but no backward to check"


def test_a_loss_is_told_by_its_name_its_targets_parameter_or_the_op():
    class Loss_Any:
        def forward(self, y_pred, y_true):
            return np.mean((y_pred - y_true) ** 2, axis=-1)

        def backward(self, dvalues, y_true):
            self.dinputs = 2 * (dvalues - y_true) / dvalues.size

    class Squares:
        def forward(self, y_pred, target):
            return np.mean((y_pred - target) ** 2, axis=-1)

        def backward(self, dvalues, target):
            self.dinputs = 2 * (dvalues - target) / dvalues.size

    class Act:
        def forward(self, inputs, other=None):
            return inputs

        def backward(self, dvalues):
            self.dinputs = dvalues

    assert objects._is_loss(Loss_Any(), None, None)
    assert objects._is_loss(Squares(), None, None)
    assert objects._is_loss(Act(), np.ones(2), None)
    assert objects._is_loss(Act(), None, "mean_squared_error")
    assert not objects._is_loss(Act(), None, "relu")
    assert not objects._is_loss(Act(), None, "no_such_op")
    assert not objects._is_loss(Act(), None, None)
    s = one(Squares(), op="mean_squared_error")
    assert s.loss and s.hints == ("mean_squared_error",)
    assert s.setup.startswith("float64, y_pred (5, 3), targets (5, 3); the mean loss")


def test_a_loss_with_class_indices_says_so_in_its_setup():
    class Loss_CategoricalCrossentropy:
        def forward(self, y_pred, y_true):
            return -np.log(y_pred[range(len(y_pred)), y_true])

        def backward(self, dvalues, y_true):
            self.dinputs = -np.eye(dvalues.shape[1])[y_true] / dvalues / len(dvalues)

    s = one(Loss_CategoricalCrossentropy())
    assert s.setup == "float64, y_pred (5, 3), class indices (5,); the mean loss"
    assert s.labels.dtype.kind == "i" and s.hints == ("cross_entropy",)
    assert check_gradients(Loss_CategoricalCrossentropy())


def test_the_packages_own_activation_is_hinted_by_its_name_attribute():
    class Named:
        name = "tanh"

        def forward(self, x):
            self.output = np.tanh(x)

        def backward(self, d):
            self.dinputs = d * (1 - self.output**2)

    class Unknown(Named):
        name = "no_such_op"

    assert objects._hints(Named(), None) == ("tanh",)
    assert objects._hints(Unknown(), None) == ()
    assert objects._hints(Named(), "relu") == ("relu",)


def test_a_float_array_with_no_gradient_is_noted_and_left_out_of_the_check():
    class Scaled(Dense):
        def __init__(self):
            super().__init__()
            self.temperature = np.array([2.0])

    s = one(Scaled())
    assert s.notes == ["arrays with no gradient, not checked as parameters: temperature"]
    assert list(s.arrays) == ["inputs", "weights", "biases"]
    assert s.parameters == ("weights", "biases") and "temperature" not in s.setup
    # noted, and not then reported missing: the verdict is on the gradients it has
    report = check_gradients(Scaled())
    assert report and [g.name for g in report.gradients] == ["dinputs", "dweights", "dbiases"]


def test_an_object_that_steps_its_weights_in_backward_is_noted():
    class Steps(Dense):
        def backward(self, dvalues):
            super().backward(dvalues)
            self.weights -= 0.1 * self.dweights

    s = one(Steps())
    s.backward(np.ones((5, 3)))
    assert s.changed() == [
        "backward changed `weights` in place (an optimizer step inside backward?); the check "
        "used the values before it, and they are restored"
    ]


def test_a_float32_layer_is_run_in_float32():
    layer = Dense()
    layer.weights = layer.weights.astype(np.float32)
    layer.biases = layer.biases.astype(np.float32)
    s = one(layer)
    assert s.dtype == np.float32 and s.setup.startswith("float32, inputs (5, 4)")
    assert all(a.dtype == np.float64 for a in s.arrays.values())


# ----- found by mutation testing: losses, dtypes, two inputs, state -----


class Loss_CategoricalCrossentropy:  # noqa: N801 - the nnfs book's naming
    def forward(self, y_pred, y_true):
        y = np.eye(y_pred.shape[1])[y_true] if np.ndim(y_true) == 1 else y_true
        return -np.log(np.sum(y_pred * y, axis=1))

    def backward(self, dvalues, y_true):
        y = np.eye(dvalues.shape[1])[y_true] if np.ndim(y_true) == 1 else y_true
        self.dinputs = -y / dvalues / len(dvalues)


def test_a_class_named_loss_is_a_loss_whatever_its_targets_are_called():
    class HingeLoss:
        def forward(self, scores, y):  # "y" is no target name
            return np.maximum(0, 1 - scores[range(len(y)), y])

        def backward(self, dvalues, y):
            self.dinputs = dvalues

    assert objects._is_loss(HingeLoss(), None, None)


def test_a_losss_targets_are_the_given_ones_else_sampled_as_its_op_expects():
    p = np.full((4, 3), 1 / 3)
    given = np.array([0, 2, 1, 1])
    assert one(Loss_CategoricalCrossentropy(), p, y_true=given).labels is given
    assert one(Loss_CategoricalCrossentropy(), p).labels.shape == (
        4,
    )  # cross_entropy: class indices
    onehot = one(Loss_CategoricalCrossentropy(), p, labels="onehot").labels
    assert onehot.shape == (4, 3) and onehot.sum(axis=1).tolist() == [1.0] * 4
    assert one(Loss_CategoricalCrossentropy(), labels="onehot").labels.shape == (
        5,
        3,
    )  # sampled predictions too
    assert one(Loss_CategoricalCrossentropy()).labels.shape == (5,)
    given = np.array([0, 2, 1, 1, 0])  # targets given, predictions sampled
    assert one(Loss_CategoricalCrossentropy(), y_true=given).labels is given


def test_float_targets_are_float64_for_the_differences_and_the_layers_dtype_for_backward():
    seen = []

    class Loss_MSE(Loss_CategoricalCrossentropy):  # noqa: N801
        def forward(self, y_pred, y_true):
            return np.mean((y_pred - y_true) ** 2, axis=-1)

        def backward(self, dvalues, y_true):
            seen.append((dvalues.dtype, y_true.dtype))
            self.dinputs = 2 * (dvalues - y_true) / dvalues.size

    p32 = np.full((4, 3), 0.25, dtype=np.float32)
    t32 = np.ones((4, 3), dtype=np.float32)
    s = one(Loss_MSE(), p32, y_true=t32)
    assert s.labels.dtype == np.float64 and s.dtype == np.float32
    s.backward(np.ones(4))
    assert seen[-1] == (np.float32, np.float32)
    s = one(Loss_MSE(), p32, y_true=np.ones((4, 3)))  # float64 targets, a float32 loss
    s.backward(np.ones(4))
    assert seen[-1] == (np.float32, np.float32)


def test_the_check_runs_in_the_widest_float_of_inputs_and_parameters_never_in_float16():
    s = one(Dense(), np.ones((2, 4), dtype=np.float32))  # float64 weights
    assert s.dtype == np.float64
    layer = Dense()
    layer.weights = layer.weights.astype(np.float16)
    layer.biases = layer.biases.astype(np.float16)
    assert one(layer).dtype == np.float64


def test_the_first_backward_probe_runs_in_the_layers_dtype_with_a_fixed_cotangent():
    probes = []

    class Recording(Dense):
        def backward(self, dvalues):
            probes.append(dvalues.copy())
            super().backward(dvalues)

    layer = Recording()
    layer.weights = layer.weights.astype(np.float32)
    layer.biases = layer.biases.astype(np.float32)
    one(layer)
    one(layer)
    assert len(probes) == 2 and probes[0].dtype == np.float32
    assert np.array_equal(probes[0], probes[1])
    assert probes[0][0].tolist() == pytest.approx([0.12573022, -0.13210486, 0.64042265])


class ReluGate:
    """Two inputs (the book's MulLayer shape), a name that suggests an op."""

    def forward(self, x, y):
        return x * y

    def backward(self, dout):
        return dout * 2, dout * 3


def test_a_second_input_is_drawn_on_its_own_and_no_table_op_is_tried_on_two_inputs():
    s = one(ReluGate())
    assert list(s.arrays) == ["x", "y"] and s.hints == () and s.layouts == ()
    assert not np.array_equal(s.arrays["x"], s.arrays["y"])
    assert s.arrays["y"][0].tolist() == pytest.approx([-1.07246109, -1.90588102, 0.37390326])
    assert s.gradient_names == {"x": "dx (returned)", "y": "dy (returned)"}


def test_a_dropout_layer_is_marked_random_and_checked_with_its_mask_frozen():
    class Layer_Dropout:  # noqa: N801
        def __init__(self, rate=0.25):
            self.rate = 1 - rate

        def forward(self, inputs):
            self.mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
            self.output = inputs * self.mask

        def backward(self, dvalues):
            self.dinputs = dvalues * self.mask

    assert one(Layer_Dropout()).random is True
    assert one(Dense()).random is False
    assert check_gradients(Layer_Dropout())


def test_a_square_layer_is_read_batch_first_and_a_single_sample_is_taken():
    s = one(Dense(4, 4), (4, 4))
    assert s.blocking["inputs"] == 0 and s.layouts[0] == Layout("inputs", "weights", "biases")
    # one sample, no batch axis: not read as features by batch
    assert objects._transposed(Runner(Dense(), False), np.ones(4)) is False


def test_only_float_arrays_with_axes_and_no_gradient_role_are_noted_as_unchecked():
    class Leftovers(Dense):
        def __init__(self):
            super().__init__()
            self.dW = np.zeros((4, 3))  # an alias of dweights, left from older code
            self.counts = np.arange(3)  # integers
            self.temperature = np.array(2.0)  # 0-d

    assert one(Leftovers()).notes == []

    class Two(Dense):
        def __init__(self):
            super().__init__()
            self.temperature = np.array([2.0])
            self.offset = np.array([0.5])

    assert one(Two()).notes == [
        "arrays with no gradient, not checked as parameters: temperature, offset"
    ]


def test_a_gradient_returned_in_a_dict_is_found_under_the_usual_input_and_parameter_keys():
    g = np.ones(2)
    for key in ("inputs", "input", "x", "X", "dinputs", "dx"):
        found = {RETURNED: {}, f"{RETURNED}[{key!r}]": g}
        assert names_.keys(["a"], {}, found) == {"a": f"<returned>[{key!r}]"}, key
    found = {RETURNED: {}, f"{RETURNED}['dW']": g}
    assert names_.keys(["x"], {"W": g}, found)["W"] == "<returned>['dW']"


def test_a_parameters_gradient_is_found_under_an_alias_and_an_unknown_one_under_its_own_name():
    g = np.ones(2)
    assert names_.keys(["inputs"], {"weights": g}, {"dW": g})["weights"] == "dW"
    params = {"kernel": g}
    assert names_.keys(["x"], params, {"dkernel": g})["kernel"] == "dkernel"
    assert list(params) == ["kernel"]  # kept: it has a gradient


def test_an_object_whose_forward_has_no_signature_takes_inputs():
    class Builtin:
        forward = staticmethod(max)  # a builtin with no signature to read

        def backward(self, dvalues):
            return dvalues

    assert Runner(Builtin(), False).inputs == ["inputs"]

    class TargetsOnly:
        def forward(self, t):  # one parameter, named like targets
            return t

        def backward(self, dvalues):
            return dvalues

    runner = Runner(TargetsOnly(), True)
    assert runner.inputs == ["t"] and not runner.labels_first


def test_a_layer_drawing_from_its_own_generator_is_checked_with_it_frozen():
    class OwnRng:
        def __init__(self):
            self.rng = np.random.default_rng(3)

        def forward(self, inputs):
            self.mask = (self.rng.random(inputs.shape) < 0.5) / 0.5
            self.output = inputs * self.mask

        def backward(self, dvalues):
            self.dinputs = dvalues * self.mask

    assert one(OwnRng()).random is True
    assert check_gradients(OwnRng())


def test_a_gradient_accumulated_in_place_into_a_kept_array_is_found():
    class Accumulates(Dense):
        def __init__(self):
            super().__init__()
            self.dweights = np.full((4, 3), 7.0)  # left from an earlier step

        def backward(self, dvalues):
            self.dweights += self.inputs.T @ dvalues  # zeroed first by the check
            self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
            self.dinputs = dvalues @ self.weights.T

    layer = Accumulates()
    x, g = np.ones((2, 4)), np.ones((2, 3))
    found = Runner(layer, False).backward((x,), None, g)
    assert found["dweights"].tolist() == (x.T @ g).tolist()
    assert check_gradients(Accumulates())


def test_a_loss_backward_is_named_when_it_raises_and_given_two_arguments_at_most():
    class Loss_Broken:  # noqa: N801
        def forward(self, y_pred, y_true):
            return np.mean((y_pred - y_true) ** 2, axis=-1)

        def backward(self, dvalues, y_true, extra):
            self.dinputs = dvalues

    runner = Runner(Loss_Broken(), True)
    with pytest.raises(CheckError) as refused:
        runner.backward((np.ones((2, 2)),), np.ones((2, 2)), np.ones(2))
    said = str(refused.value)
    assert said.startswith("Loss_Broken.backward raised TypeError: ")
    assert said.endswith("Loss_Broken.backward() missing 1 required positional argument: 'extra'")


def test_a_forward_setting_no_output_names_every_array_it_set_and_ints_become_floats():
    class TwoArrays:
        def forward(self, inputs):
            self.a, self.b = inputs, inputs

        def backward(self, dvalues):
            pass

    with pytest.raises(CheckError) as refused:
        Runner(TwoArrays(), False).forward((np.ones(2),), None, {})
    assert str(refused.value) == (
        "TwoArrays.forward returned nothing and set no .output (it set .a, .b)"
    )

    class Counts:
        def forward(self, inputs):
            return np.arange(3)

        def backward(self, dvalues):
            pass

    assert Runner(Counts(), False).forward((np.ones(2),), None, {}).dtype == np.float64


def test_a_loss_holding_float32_class_weights_gets_float32_predictions():
    class Loss_WeightedCategoricalCrossentropy:  # noqa: N801
        def __init__(self):
            self.class_weights = np.array([1.0, 2.0, 0.5], dtype=np.float32)

        def forward(self, y_pred, y_true):
            picked = y_pred[range(len(y_pred)), y_true]
            return -np.log(picked) * self.class_weights[y_true]

        def backward(self, dvalues, y_true):
            self.dinputs = np.zeros_like(dvalues)

    s = one(Loss_WeightedCategoricalCrossentropy())
    assert s.dtype == np.float32 and s.setup.startswith("float32, y_pred (5, 3)")
