"""``python -m numeric.demo``: train 64-64-10 on scikit-learn's bundled digits."""

from __future__ import annotations


def main() -> None:
    from numeric import Adam, CategoricalCrossEntropy, Dense, Model, ReLU, Softmax, data

    X, y, X_test, y_test = data.load("digits", seed=0)  # 1438 train, 359 test
    model = Model(
        [Dense(64, 64, rng=0), ReLU(), Dense(64, 10, rng=1), Softmax()],
        loss=CategoricalCrossEntropy(),
    )
    history = model.fit(X, y, epochs=20, batch_size=32, optimizer=Adam(0.002), seed=0)
    print(f"train loss {history['loss'][0]:.4f} -> {history['loss'][-1]:.4f}")
    print(f"test accuracy: {model.evaluate(X_test, y_test)['accuracy']:.4f}")


if __name__ == "__main__":
    main()
