"""ex01: class weights and two metrics (lessons 02 and 04)."""

_METRICS = "a3_metrics"

FULL = {
    "syllabus pair": ({_METRICS: 'metrics = ["pr_auc", "macro_f1"]'}, None,
                      "the syllabus's expected pair"),
    "PR-AUC + per-class recall": ({_METRICS: 'metrics = ["pr_auc", "per_class_recall"]'}, None,
                                  "lesson 02: the per-class report is 'the table to read first'"),
    "PR-AUC + per-class precision": ({_METRICS: 'metrics = ["PR-AUC", "per-class precision"]'},
                                     None, "lesson 02 reports per-class precision and recall"),
    "average precision + balanced accuracy": (
        {_METRICS: 'metrics = ["average_precision", "balanced_accuracy"]'}, None,
        "decisions: balanced accuracy (mean per-class recall) counts as a macro view"),
    "scikit-learn function names": (
        {_METRICS: 'metrics = ("average_precision_score", "balanced_accuracy_score")'}, None,
        "the names a practitioner types in scikit-learn"),
    "the kit's class_weights (lesson 04)": (
        {"a1_inverse_frequency_weights": (
            "from imbalance_kit import class_weights\n\n"
            "def inverse_frequency_weights(counts):\n"
            "    return class_weights(counts)")}, None,
        "lesson 04 computes the weights with imbalance_kit.class_weights"),
    "scikit-learn's compute_class_weight('balanced')": (
        {"a1_inverse_frequency_weights": (
            "import numpy as np\n"
            "from sklearn.utils.class_weight import compute_class_weight\n\n"
            "def inverse_frequency_weights(counts):\n"
            "    classes = np.array(list(counts))\n"
            "    y = np.repeat(classes, list(counts.values()))\n"
            "    w = compute_class_weight('balanced', classes=classes, y=y)\n"
            "    return {c: float(x) for c, x in zip(counts, w)}")}, None,
        "'balanced' class weights in scikit-learn are N / (K * n_c)"),
}

PARTIAL = {
    "two views, no threshold-free metric": (
        {_METRICS: 'metrics = ["macro_f1", "per_class_recall"]'}, {"q3_metrics": 1.5},
        "decisions: most but not all, with feedback"),
    "balanced accuracy + macro F1": (
        {_METRICS: 'metrics = ["balanced_accuracy", "macro_f1"]'}, {"q3_metrics": 1.5},
        "two views read at one threshold"),
    "PR-AUC + ROC-AUC": ({_METRICS: 'metrics = ["pr_auc", "roc_auc"]'}, {"q3_metrics": 1},
                         "lesson 02: ROC-AUC can look high while the rare class is served poorly"),
}
