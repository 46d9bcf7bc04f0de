import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import precision_recall_curve

from imbalance_kit.thresholds import ThresholdChoice, choose_threshold, per_class_thresholds, threshold_sweep

SEEDS = range(150)


def _random_case(rng):
    n = int(rng.integers(2, 80))
    y = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(int)
    y[:2] = [1, 0]
    scores = np.round(rng.normal(size=n) + y * rng.uniform(0, 2), int(rng.integers(0, 3)))
    return y, scores


def _brute_force(y, s, min_recall, min_precision):
    """The documented rule, written as a slow loop over every distinct threshold."""
    points = []
    for t in np.unique(s):
        pred = s >= t
        tp = np.sum(pred & (y == 1))
        p, r = tp / pred.sum(), tp / y.sum()
        f1 = 2 * p * r / (p + r) if tp else 0.0
        points.append((t, p, r, f1))
    if min_recall is None and min_precision is None:
        return max(points, key=lambda q: (q[3], q[1])), True
    ok = [q for q in points
          if (min_recall is None or q[2] >= min_recall) and (min_precision is None or q[1] >= min_precision)]
    if ok:
        key = (lambda q: (q[2], q[1])) if min_recall is None else (lambda q: (q[1], q[2]))
        return max(ok, key=key), True

    def shortfall(q):
        return max(0.0 if min_recall is None else min_recall - q[2],
                   0.0 if min_precision is None else min_precision - q[1])

    return min(points, key=lambda q: (shortfall(q), -q[1], -q[2])), False


@pytest.mark.parametrize("seed", SEEDS)
def test_sweep_matches_precision_recall_curve(seed):
    y, s = _random_case(np.random.default_rng(seed))
    sweep = threshold_sweep(y, s)
    p, r, t = precision_recall_curve(y, s)
    np.testing.assert_array_equal(sweep["threshold"], t)
    np.testing.assert_allclose(sweep["precision"], p[:-1], atol=1e-12)
    np.testing.assert_allclose(sweep["recall"], r[:-1], atol=1e-12)
    assert (sweep["tp"] + sweep["fn"] == y.sum()).all()
    for row in sweep.sample(min(3, len(sweep)), random_state=seed).itertuples():
        pred = s >= row.threshold
        assert (row.tp, row.fp, row.fn) == (np.sum(pred & (y == 1)), np.sum(pred & (y == 0)), np.sum(~pred & (y == 1)))
        assert row.f1 == pytest.approx(2 * row.tp / (2 * row.tp + row.fp + row.fn))


@pytest.mark.parametrize("seed", SEEDS)
def test_choose_threshold_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    y, s = _random_case(rng)
    grid = [None, 0.3, 0.5, 0.8, 0.95, 1.0]
    min_recall, min_precision = rng.choice(grid), rng.choice(grid)
    got = choose_threshold(y, s, min_recall=min_recall, min_precision=min_precision)
    (t, p, r, f1), met = _brute_force(y, s, min_recall, min_precision)
    assert isinstance(got, ThresholdChoice)
    assert (got.threshold, got.met) == (t, met)
    assert got.precision == pytest.approx(p) and got.recall == pytest.approx(r) and got.f1 == pytest.approx(f1)
    if not met:
        assert got.message.startswith("no threshold meets")


def test_unmet_targets_do_not_raise():
    y = [0, 1, 0, 1, 0, 0]
    s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]  # the top score is a negative: precision 1 is impossible
    c = choose_threshold(y, s, min_precision=1.0)
    assert not c.met and "precision >= 1" in c.message
    assert c.precision == pytest.approx(0.5)  # best precision available
    assert choose_threshold(y, s, min_recall=1.0).met  # a recall floor can always be met


def test_per_class_thresholds_targets_forms():
    rng = np.random.default_rng(0)
    Y = (rng.random((200, 3)) < [0.05, 0.2, 0.5]).astype(int)
    S = Y * rng.uniform(0, 1, (200, 3)) + rng.normal(size=(200, 3))
    df = pd.DataFrame(Y, columns=["rare", "mid", "common"])
    for rec in (0.8, {"rare": 0.8, "mid": 0.8, "common": 0.8}, [0.8, 0.8, 0.8]):
        out = per_class_thresholds(df, S, min_recall=rec, min_precision=None)
        assert out.index.tolist() == ["rare", "mid", "common"]
        for j, cls in enumerate(out.index):
            one = choose_threshold(Y[:, j], S[:, j], min_recall=0.8)
            assert out.loc[cls, "threshold"] == one.threshold and out.loc[cls, "met"] == one.met
    mixed = per_class_thresholds(Y, S, min_recall={0: 0.9}, min_precision=[None, 0.6, 0.7])
    assert mixed.index.tolist() == [0, 1, 2]
    assert mixed.loc[0, "recall"] >= 0.9
    assert mixed.loc[2, "threshold"] == choose_threshold(Y[:, 2], S[:, 2], min_precision=0.7).threshold


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: threshold_sweep([1, 1], [0.2, 0.3]), "only one class"),
        (lambda: threshold_sweep([0, 1], [0.2]), "mismatched lengths"),
        (lambda: threshold_sweep([0, 1], [0.2, np.inf]), "NaN or infinite"),
        (lambda: choose_threshold([0, 1], [0.2, 0.3], min_recall=1.5), r"min_recall must be in \[0, 1\]"),
        (lambda: choose_threshold([0, 1], [0.2, 0.3], min_precision="high"), "min_precision must be a number"),
        (lambda: per_class_thresholds([0, 1], [0.2, 0.3]), "must be 2-D"),
        (lambda: per_class_thresholds([[0, 1]], [[0.2, 0.3], [0.1, 0.1]]), "one shape"),
        (lambda: per_class_thresholds([[0, 1], [1, 1]], [[0.2, 0.3], [0.1, 0.1]]), "class 1: y_true holds only one class"),
        (lambda: per_class_thresholds([[0, 1], [1, 0]], [[0.2, 0.3], [0.1, 0.1]], min_recall={5: 0.5}), "unknown classes"),
        (lambda: per_class_thresholds([[0, 1], [1, 0]], [[0.2, 0.3], [0.1, 0.1]], min_recall=[0.5]), "1 entries for 2"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_recall_aim_keeps_test_misses_near_the_miss_rate():
    """recall_aim: a threshold chosen at the aim on one split misses the target on an independent
    split of the same size in about miss_rate of cases; one chosen at the target, about half."""
    from imbalance_kit.thresholds import recall_aim

    rng = np.random.default_rng(0)
    target, n = 0.85, 200
    aim = recall_aim(target, n)
    assert aim == pytest.approx(0.85 + 1.2816 * np.sqrt(2 * 0.85 * 0.15 / 200), abs=1e-4)
    # Scores of the positives only matter for recall: uniform scores make the true recall at
    # threshold t equal to 1 - t. Choose on "validation" positives, count misses on "test".
    misses = {}
    for name, floor in (("at the target", target), ("at the aim", aim)):
        val, test = rng.random((2, 4000, n))
        k = np.ceil(floor * n).astype(int)  # the k-th highest positive score just reaches the floor
        threshold = -np.sort(-val, axis=1)[:, k - 1]
        test_recall = (test >= threshold[:, None]).mean(axis=1)
        misses[name] = (test_recall < target).mean()
    assert 0.4 < misses["at the target"] < 0.6
    assert 0.06 < misses["at the aim"] < 0.14


@pytest.mark.parametrize("kwargs, message", [
    ({"target": 1.0, "n_positives": 10}, "target"),
    ({"target": 0.8, "n_positives": 0}, "n_positives"),
    ({"target": 0.8, "n_positives": 10.0}, "n_positives"),
    ({"target": 0.8, "n_positives": 10, "miss_rate": 0.0}, "miss_rate"),
    ({"target": 0.8, "n_positives": 10, "miss_rate": 0.7}, "miss_rate"),
])
def test_recall_aim_rejects_bad_input(kwargs, message):
    from imbalance_kit.thresholds import recall_aim

    with pytest.raises((ValueError, TypeError), match=message):
        recall_aim(**kwargs)


def test_recall_aim_is_capped_at_one():
    from imbalance_kit.thresholds import recall_aim

    assert recall_aim(0.99, 3) == 1.0
