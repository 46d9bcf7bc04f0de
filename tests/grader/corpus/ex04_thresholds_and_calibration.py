"""ex04: a threshold for a recall target, chosen on validation; calibration (lesson 07)."""

_KIT_THRESHOLD = (
    "from imbalance_kit.thresholds import choose_threshold\n\n"
    "def threshold_for_recall(y_true, scores, min_recall):\n"
    "    return choose_threshold(y_true, scores, min_recall=min_recall).threshold")

FULL = {
    "the kit's choose_threshold (lesson 07)": ({"a1_threshold_for_recall": _KIT_THRESHOLD}, None,
                                               "lesson 07 chooses every threshold with choose_threshold"),
    "the lesson's threshold_sweep table": (
        {"a1_threshold_for_recall": (
            "from imbalance_kit.thresholds import threshold_sweep\n\n"
            "def threshold_for_recall(y_true, scores, min_recall):\n"
            "    sweep = threshold_sweep(y_true, scores)\n"
            "    ok = sweep[sweep['recall'] >= min_recall]\n"
            "    best = ok.sort_values(['precision', 'threshold'], ascending=[False, True]).iloc[0]\n"
            "    return float(best['threshold'])")}, None,
        "lesson 07 reads precision and recall at every threshold off threshold_sweep"),
    "test numbers from the kit's per_class_report": (
        {"a2_threshold_on_test": (
            "from imbalance_kit.metrics import per_class_report\n"
            "threshold = threshold_for_recall(y_val, p_val, target_recall)\n"
            "row = per_class_report(y_test, (p_test >= threshold).astype(int), labels=[0, 1]).loc[1]\n"
            "test_precision, test_recall = float(row['precision']), float(row['recall'])")}, None,
        "lesson 07's test_precision_recall reads class 1's row of per_class_report"),
    "test numbers counted with numpy": (
        {"a2_threshold_on_test": (
            "threshold = threshold_for_recall(y_val, p_val, target_recall)\n"
            "flagged = p_test >= threshold\n"
            "hits = np.sum(flagged & (y_test == 1))\n"
            "test_precision = hits / flagged.sum()\n"
            "test_recall = hits / np.sum(y_test == 1)")}, None,
        "precision and recall by their definitions"),
    "a threshold with the lesson's safety margin (recall_aim)": (
        {"a2_threshold_on_test": (
            "from imbalance_kit.thresholds import recall_aim\n"
            "threshold = threshold_for_recall(y_val, p_val, recall_aim(target_recall, int(y_val.sum())))\n"
            "flagged = p_test >= threshold\n"
            "test_precision = np.sum(flagged & (y_test == 1)) / flagged.sum()\n"
            "test_recall = np.sum(flagged & (y_test == 1)) / np.sum(y_test == 1)")}, None,
        "lesson 07 chooses thresholds with a margin from section 3 on"),
    "prior-shift correction (lesson 07)": (
        {"a4_calibrate": (
            "def calibrate(fit_scores, fit_labels, scores):\n"
            "    return prior_shift_correction(scores, train_prior=0.5, true_prior=np.mean(fit_labels))")},
        None, "lesson 07: balanced weights imitate a 0.5 prior; the correction undoes it"),
    "Platt scaling by hand with scikit-learn": (
        {"a4_calibrate": (
            "from sklearn.linear_model import LogisticRegression\n\n"
            "def calibrate(fit_scores, fit_labels, scores):\n"
            "    logit = lambda p: np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))\n"
            "    x = logit(np.asarray(fit_scores, dtype=float)).reshape(-1, 1)\n"
            "    model = LogisticRegression(C=1e6).fit(x, fit_labels)\n"
            "    return model.predict_proba(logit(np.asarray(scores, dtype=float)).reshape(-1, 1))[:, 1]")},
        None, "Platt scaling is a one-feature logistic regression on the logit"),
    "scikit-learn's IsotonicRegression": (
        {"a4_calibrate": (
            "from sklearn.isotonic import IsotonicRegression\n\n"
            "def calibrate(fit_scores, fit_labels, scores):\n"
            "    iso = IsotonicRegression(out_of_bounds='clip', y_min=0, y_max=1)\n"
            "    return iso.fit(fit_scores, fit_labels).predict(scores)")},
        None, "lesson 07 compares isotonic regression with Platt scaling"),
}

PARTIAL = {
    "temperature scaling": (
        {"a4_calibrate": (
            "def calibrate(fit_scores, fit_labels, scores):\n"
            "    return TemperatureCalibrator().fit(fit_scores, fit_labels).transform(scores)")},
        {"q4_calibrate": 0.0},
        "lesson 07: no intercept, so it cannot undo the prior shift of class weights"),
}
