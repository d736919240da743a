"""``python -m numeric.demo``: train 64-64-10 on scikit-learn's bundled digits."""

from __future__ import annotations

import numpy as np


def main() -> None:
    from sklearn.datasets import load_digits

    from numeric import SGD, CategoricalCrossEntropy, Dense, Model, ReLU, Softmax

    data = load_digits()
    X, y = data.data / 16.0, data.target
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1400], order[1400:]
    model = Model(
        [Dense(64, 64, rng=0), ReLU(), Dense(64, 10, rng=1), Softmax()],
        loss=CategoricalCrossEntropy(),
    )
    history = model.fit(X[train], y[train], epochs=30, batch_size=32, optimizer=SGD(0.1), seed=0)
    print(f"train loss {history['loss'][0]:.4f} -> {history['loss'][-1]:.4f}")
    print(f"test accuracy: {model.evaluate(X[test], y[test])['accuracy']:.4f}")


if __name__ == "__main__":
    main()
