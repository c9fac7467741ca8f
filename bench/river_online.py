"""River's side of bench/online.bench.ts: learn_one / predict_one rates on the same data.

Usage: python bench/river_online.py DATA.json
DATA.json: {"dense": {"X": [[...32 floats]], "y": [0|1]}, "sparse": {"X": [{name: value}], "y": [...]},
            "lr": float, "n_features": int}
Prints one JSON object: {"river": version, "dense_learn": per_s, "dense_predict": per_s,
"sparse_learn": per_s}.
"""

import json
import sys
import time

import river
from river import linear_model, optim, preprocessing


def rate(fn, n):
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    lr = data["lr"]
    names = [f"f{k}" for k in range(len(data["dense"]["X"][0]))]
    dense_x = [dict(zip(names, row)) for row in data["dense"]["X"]]
    dense_y = [bool(v) for v in data["dense"]["y"]]
    sparse_x = data["sparse"]["X"]
    sparse_y = [bool(v) for v in data["sparse"]["y"]]

    model = linear_model.LogisticRegression(optimizer=optim.SGD(lr))

    def learn_dense():
        for x, y in zip(dense_x, dense_y):
            model.learn_one(x, y)

    def predict_dense():
        for x in dense_x:
            model.predict_proba_one(x)

    hashed = preprocessing.FeatureHasher(n_features=data["n_features"], seed=0) | linear_model.LogisticRegression(
        optimizer=optim.SGD(lr)
    )

    def learn_sparse():
        for x, y in zip(sparse_x, sparse_y):
            hashed.learn_one(x, y)

    out = {
        "river": river.__version__,
        "dense_learn": rate(learn_dense, len(dense_x)),
        "dense_predict": rate(predict_dense, len(dense_x)),
        "sparse_learn": rate(learn_sparse, len(sparse_x)),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
