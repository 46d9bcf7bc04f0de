import shutil
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from imbalance_kit.calibration import expected_calibration_error, prior_shift_correction
from imbalance_kit.metrics import pr_auc
from imbalance_kit.plots import (
    plot_class_distribution,
    plot_confusion_matrix,
    plot_pr_curve,
    plot_reliability,
    plot_threshold_sweep,
)
from imbalance_kit.thresholds import choose_threshold

# Copies for humans to look at; the folder is git-ignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "plots"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.08).astype(int)
    scores = rng.normal(size=2000) + 1.8 * y
    # The exact posterior for N(0, 1) vs N(1.8, 1) scores at 8% prevalence: well calibrated.
    p = 1 / (1 + np.exp(-(1.8 * scores - 1.8**2 / 2 + np.log(0.08 / 0.92))))
    return y, scores, p


@pytest.fixture
def save(tmp_path):
    def _save(ax, name):
        path = tmp_path / f"{name}.png"
        ax.figure.savefig(path, dpi=80)
        plt.close(ax.figure)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, ARTIFACTS / path.name)
        assert path.stat().st_size > 5_000
        return path

    return _save


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_class_distribution(save):
    labels = ["billing"] * 600 + ["bug"] * 300 + ["refund"] * 80 + ["legal"] * 20
    ax = plot_class_distribution(labels)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["billing", "bug", "refund", "legal"]
    assert [b.get_height() for b in ax.patches] == [600, 300, 80, 20]
    assert "30.0:1" in ax.get_title()
    assert "20 (2.0%)" in [t.get_text() for t in ax.texts]
    save(ax, "class_distribution")


def test_pr_curve(save, data):
    y, scores, _ = data
    thr = choose_threshold(y, scores, min_recall=0.8).threshold
    ax = plot_pr_curve(y, scores, threshold=thr)
    legend = _legend(ax)
    assert legend[0] == f"model (AP = {pr_auc(y, scores):.3f})"
    assert legend[1] == f"chance (prevalence = {y.mean():.3f})"
    assert legend[2].startswith(f"threshold {thr:.3g}")
    marker = ax.lines[-1]
    assert marker.get_xdata()[0] >= 0.8  # the chosen point meets the recall floor
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("recall", "precision")
    save(ax, "pr_curve")


def test_threshold_sweep(save, data):
    y, scores, _ = data
    ax = plot_threshold_sweep(y, scores, targets={"recall": 0.8, "precision": 0.3})
    legend = _legend(ax)
    assert legend[:5] == ["precision", "recall", "F1", "target recall >= 0.8", "target precision >= 0.3"]
    chosen = choose_threshold(y, scores, min_recall=0.8, min_precision=0.3)
    assert ax.lines[-1].get_xdata()[0] == chosen.threshold
    save(ax, "threshold_sweep")
    with pytest.raises(ValueError, match="targets keys"):
        plot_threshold_sweep(y, scores, targets={"f1": 0.5})


@pytest.mark.parametrize("kind", ["positive", "top_label"])
def test_reliability(save, data, kind):
    y, _, p = data
    inflated = prior_shift_correction(p, train_prior=0.08, true_prior=0.5)  # like a balanced model
    ax = plot_reliability(y, inflated, kind=kind)
    ece = expected_calibration_error(y, inflated, kind=kind)
    assert f"ECE = {ece:.3f}" in ax.get_title()
    assert ax.collections[0].get_offsets().shape[1] == 2
    assert _legend(ax)[0] == "perfectly calibrated"
    save(ax, f"reliability_{kind}")


def test_confusion_matrix(save):
    y_true = ["ok"] * 90 + ["spam"] * 8 + ["fraud"] * 2
    y_pred = ["ok"] * 88 + ["spam"] * 2 + ["ok"] * 3 + ["spam"] * 5 + ["ok"] * 2
    ax = plot_confusion_matrix(y_true, y_pred, labels=["ok", "spam", "fraud"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ok", "spam", "fraud"]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9 and texts[0] == "88\n98%" and texts[-1] == "0\n0%"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    save(ax, "confusion_matrix")


def test_draws_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert plot_class_distribution([0, 0, 1], ax=axes[1]) is axes[1]
    plt.close(fig)
    assert matplotlib.get_backend().lower() == "agg"
