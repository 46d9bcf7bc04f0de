"""Matplotlib figures for the lessons. Each function draws on ``ax`` (or a new figure) and returns it.

pyplot is imported only when a new figure is needed, so importing this module is cheap.
"""
from __future__ import annotations

import numpy as np

from .calibration import expected_calibration_error, reliability_table
from .counts import class_counts
from .metrics import confusion_table, pr_auc
from .thresholds import choose_threshold, threshold_sweep


def _axes(ax, figsize=(6, 4.5)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


def plot_class_distribution(labels, ax=None):
    """Bar chart of class counts, most frequent first, each bar annotated with count and share.

    >>> ax = plot_class_distribution(["ok"] * 92 + ["toxic"] * 8)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['ok', 'toxic']
    """
    counts = class_counts(labels)
    ax = _axes(ax)
    names = [str(c) for c in counts.index]
    bars = ax.bar(names, counts.to_numpy(), color="tab:blue")
    shares = counts / counts.sum()
    ax.bar_label(bars, labels=[f"{n:,} ({s:.1%})" for n, s in zip(counts, shares)], padding=2)
    ax.set_ylim(0, counts.max() * 1.15)
    ax.set_xlabel("class")
    ax.set_ylabel("count")
    ratio = counts.iloc[0] / counts.iloc[-1]
    ax.set_title(f"Class distribution (imbalance ratio {ratio:.1f}:1)")
    if len(names) > 6:
        ax.tick_params(axis="x", labelrotation=45)
    return ax


def plot_pr_curve(y_true, scores, threshold=None, ax=None):
    """Precision-recall curve with its AP, the chance line (prevalence) and an optional threshold.

    The curve is drawn as steps, matching how average precision sums it.

    >>> ax = plot_pr_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], threshold=0.35)
    >>> ax.get_legend().get_texts()[0].get_text()
    'model (AP = 0.833)'
    """
    sweep = threshold_sweep(y_true, scores)
    y = np.asarray(y_true).astype(int)
    ax = _axes(ax)
    # Prepend the (recall 0, precision 1) end point, as precision_recall_curve does.
    recall = np.r_[0.0, sweep["recall"].to_numpy()[::-1]]
    precision = np.r_[1.0, sweep["precision"].to_numpy()[::-1]]
    ax.plot(recall, precision, drawstyle="steps-pre", color="tab:blue",
            label=f"model (AP = {pr_auc(y_true, scores):.3f})")
    prevalence = y.mean()
    ax.axhline(prevalence, color="grey", linestyle="--", label=f"chance (prevalence = {prevalence:.3f})")
    if threshold is not None:
        pred = np.asarray(scores, dtype=float) >= threshold
        tp = np.sum(pred & (y == 1))
        p = tp / pred.sum() if pred.any() else 1.0
        r = tp / y.sum()
        ax.plot([r], [p], "o", color="tab:red", markersize=8,
                label=f"threshold {threshold:.3g}: P = {p:.2f}, R = {r:.2f}")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision-recall curve")
    ax.legend(loc="lower left")
    return ax


def plot_threshold_sweep(y_true, scores, targets=None, ax=None):
    """Precision, recall and F1 against the threshold, with optional target lines.

    Parameters
    ----------
    targets : mapping with keys ``"recall"`` and/or ``"precision"`` (floors in [0, 1]).
        Each is drawn as a dotted line, and the threshold :func:`choose_threshold`
        picks for them as a vertical line.

    >>> ax = plot_threshold_sweep([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], targets={"recall": 1.0})
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:3]
    ['precision', 'recall', 'F1']
    """
    targets = dict(targets or {})
    unknown = set(targets) - {"recall", "precision"}
    if unknown:
        raise ValueError(f"targets keys must be 'recall' and/or 'precision', got {sorted(unknown)}")
    sweep = threshold_sweep(y_true, scores)
    ax = _axes(ax, figsize=(6, 5.5))
    t = sweep["threshold"]
    colors = {"precision": "tab:blue", "recall": "tab:orange", "f1": "tab:green"}
    for col, label in (("precision", "precision"), ("recall", "recall"), ("f1", "F1")):
        ax.plot(t, sweep[col], drawstyle="steps-post", color=colors[col], label=label)
    for name, value in targets.items():
        ax.axhline(value, color=colors[name], linestyle=":", label=f"target {name} >= {value:g}")
    if targets:
        choice = choose_threshold(y_true, scores, min_recall=targets.get("recall"),
                                  min_precision=targets.get("precision"))
        status = "meets targets" if choice.met else "targets not met"
        ax.axvline(choice.threshold, color="tab:red", linestyle="--",
                   label=f"chosen threshold {choice.threshold:.3g} ({status})")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("threshold (positive if score >= threshold)")
    ax.set_ylabel("value")
    ax.set_title("Precision, recall and F1 by threshold")
    # Below the axes: inside, it would hide the crossing curves it explains.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=2, fontsize="small")
    return ax


def plot_reliability(y_true, p, n_bins: int = 10, strategy: str = "uniform", kind: str = "positive", ax=None):
    """Reliability diagram: observed rate against mean predicted probability per bin.

    Marker area grows with the bin's count; the title gives the ECE of the same ``kind``
    (see :func:`imbalance_kit.calibration.reliability_table`).

    >>> ax = plot_reliability([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
    >>> ax.get_title()
    'Reliability diagram (positive-class ECE = 0.175)'
    """
    table = reliability_table(y_true, p, n_bins=n_bins, strategy=strategy, kind=kind)
    ece = expected_calibration_error(y_true, p, n_bins=n_bins, strategy=strategy, kind=kind)
    used = table[table["count"] > 0]
    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly calibrated")
    sizes = 20 + 200 * used["count"] / used["count"].max()
    ax.plot(used["mean_predicted"], used["observed"], color="tab:blue")
    ax.scatter(used["mean_predicted"], used["observed"], s=sizes, color="tab:blue", zorder=3,
               label=f"model ({n_bins} {strategy} bins; marker area ~ count)")
    kind_text = "positive-class" if kind == "positive" else "top-label"
    ax.set_xlim(-0.02, 1.02)  # margins keep markers at 0 and 1 whole
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("mean predicted probability" if kind == "positive" else "mean confidence")
    ax.set_ylabel("fraction of positives" if kind == "positive" else "accuracy")
    ax.set_title(f"Reliability diagram ({kind_text} ECE = {ece:.3f})")
    ax.legend(loc="upper left")
    return ax


def plot_confusion_matrix(y_true, y_pred, labels=None, ax=None):
    """Confusion matrix heat map: cells show counts and the share of their true class (row).

    Colours follow the row shares, so a rare class's mistakes are as visible as a
    common class's.

    >>> ax = plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1])
    >>> sorted(t.get_text() for t in ax.texts)
    ['0\\n0%', '1\\n50%', '1\\n50%', '2\\n100%']
    """
    table = confusion_table(y_true, y_pred, labels)
    counts = table.to_numpy()
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    k = len(table)
    ax = _axes(ax, figsize=(1.2 * k + 3, 1.0 * k + 2.5))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.grid(False)  # grid lines would cut through the cells
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{counts[i, j]:,}\n{shares[i, j]:.0%}", ha="center", va="center",
                    color="white" if shares[i, j] > 0.6 else "black")
    names = [str(c) for c in table.index]
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix (colour = share of true class)")
    ax.figure.colorbar(image, ax=ax, label="share of true class (row)")
    return ax
