import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from imbalance_kit.metrics import confusion_table, expected_cost, macro_f1, per_class_report, pr_auc

SEEDS = range(100)
# sklearn warns (the reference side) when a tiny random sample holds a single label.
pytestmark = pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")


def _random_labels(rng):
    """Random multiclass labels; some classes are often never predicted or absent."""
    k = rng.integers(2, 6)
    n = rng.integers(1, 60)
    shares = rng.dirichlet(np.full(k, 0.5))
    y_true = rng.choice(k, size=n, p=shares)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.choice(k, size=n, p=shares))
    return k, y_true, y_pred


@pytest.mark.parametrize("seed", SEEDS)
def test_pr_auc_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = rng.integers(2, 300)
    y = rng.random(n) < rng.uniform(0.02, 0.5)
    y[:2] = [True, False]
    # Rounded scores create many ties, which is where step-wise AP definitions differ.
    scores = np.round(rng.normal(size=n) + y * rng.uniform(0, 2), rng.integers(0, 3))
    assert pr_auc(y, scores) == pytest.approx(average_precision_score(y, scores), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_label_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    k, y_true, y_pred = _random_labels(rng)
    labels = list(range(k))  # includes classes absent from both inputs
    for lab in (None, labels):
        expect_lab = np.union1d(y_true, y_pred) if lab is None else labels
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=expect_lab, zero_division=0)
        rep = per_class_report(y_true, y_pred, labels=lab)
        assert rep.index.tolist() == list(expect_lab)
        np.testing.assert_allclose(rep[["precision", "recall", "f1"]].to_numpy(), np.c_[p, r, f], atol=1e-12)
        np.testing.assert_array_equal(rep["support"], s)
        assert macro_f1(y_true, y_pred, labels=lab) == pytest.approx(
            f1_score(y_true, y_pred, labels=expect_lab, average="macro", zero_division=0), abs=1e-12
        )
        cm = confusion_table(y_true, y_pred, labels=lab)
        np.testing.assert_array_equal(cm.to_numpy(), confusion_matrix(y_true, y_pred, labels=expect_lab))


@pytest.mark.parametrize("seed", range(50))
def test_expected_cost_matches_confusion_matrix_formula(seed):
    rng = np.random.default_rng(seed)
    k, y_true, y_pred = _random_labels(rng)
    cost = rng.uniform(0, 10, size=(k, k))
    expect = (confusion_matrix(y_true, y_pred, labels=range(k)) * cost).sum() / len(y_true)
    assert expected_cost(y_true, y_pred, cost, labels=range(k)) == pytest.approx(expect)


def test_macro_f1_is_not_f1_of_macro_precision_recall():
    y_true = [0] * 90 + [1] * 8 + [2] * 2
    y_pred = [0] * 88 + [1] * 2 + [0] * 3 + [1] * 5 + [0, 2]
    rep = per_class_report(y_true, y_pred)
    np.testing.assert_allclose(rep["f1"], [176 / 182, 10 / 15, 2 / 3])
    p, r = rep["precision"].mean(), rep["recall"].mean()
    assert macro_f1(y_true, y_pred) == pytest.approx(rep["f1"].mean())
    assert macro_f1(y_true, y_pred) < 2 * p * r / (p + r)


def test_string_labels_and_unpredicted_class_kept():
    y_true = pd.Series(["ok", "ok", "toxic", "spam"])
    y_pred = ["ok", "ok", "ok", "ok"]
    rep = per_class_report(y_true, y_pred)
    assert rep.index.tolist() == ["ok", "spam", "toxic"]
    assert rep.loc["toxic"].tolist() == [0.0, 0.0, 0.0, 1]
    assert not rep.isna().any().any()
    cm = confusion_table(y_true, y_pred, labels=["toxic", "spam", "ok"])
    assert cm.index.name == "true" and cm.columns.name == "predicted"
    assert cm.loc["toxic", "ok"] == 1 and cm.loc["ok", "ok"] == 2
    assert cm.columns.tolist() == ["toxic", "spam", "ok"]


def test_expected_cost_example():
    # 1 false alarm (cost 1) + 1 miss (cost 10) over 4 items
    assert expected_cost([0, 0, 1, 1], [0, 1, 0, 1], [[0, 1], [10, 0]]) == 2.75
    assert expected_cost([0, 0, 1, 1], [0, 1, 0, 1], pd.DataFrame([[0, 1], [10, 0]])) == 2.75


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pr_auc([0, 0, 0], [0.1, 0.2, 0.3]), "only one class"),
        (lambda: pr_auc([0, 1, 2], [0.1, 0.2, 0.3]), "only 0 and 1"),
        (lambda: pr_auc([0, 1], [0.1, np.nan]), "NaN"),
        (lambda: pr_auc([0, 1, 1], [0.1, 0.2]), "mismatched lengths"),
        (lambda: pr_auc([], []), "empty"),
        (lambda: macro_f1([0, 1], [0, 1, 1]), "mismatched lengths"),
        (lambda: macro_f1([0, 1, 2], [0, 1, 1], labels=[0, 1]), "y_true holds values missing from labels"),
        (lambda: macro_f1([0, 1], [0, 1], labels=[0, 1, 1]), "duplicates"),
        (lambda: per_class_report([], []), "y_true is empty"),
        (lambda: confusion_table("abc", "abc"), "single string"),
        (lambda: expected_cost([0, 1], [0, 1], [[0, 1]]), r"shape \(2, 2\)"),
        (lambda: expected_cost([0, 1], [0, 1], [[0, -1], [1, 0]]), "non-negative"),
        (lambda: expected_cost([0, 1], [0, 1], [[0, np.nan], [1, 0]]), "non-negative"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
