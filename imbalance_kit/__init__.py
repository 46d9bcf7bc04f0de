"""imbalance_kit: reference functions for Imbalance Lab (lessons, exercises and the grader use them).

Import what you need explicitly, either from the top level (``from imbalance_kit import
class_weights``) or from the module that holds it (``from imbalance_kit.metrics import pr_auc``).
Modules load on first use, so ``import imbalance_kit`` stays fast.

| module | what it holds |
|---|---|
| counts, weights | class counts, imbalance ratio, class weights |
| losses, focal | focal / weighted / smoothed losses and gradients, FocalLogisticRegression |
| metrics, thresholds, calibration, plots | evaluation, threshold choice, calibration, figures |
| agreement | annotator agreement per class (one-vs-rest Cohen's kappa) |
| splits, dedup, sampling | leakage-free splits, near-duplicates, training-only resampling |
| labeling, active, augment, ner | labeling waves, active learning, text augmentation, rare entities |
| rounding | whole-number allocations that keep their total (largest remainder) |
| datasets | seeded data sets shared by lessons, exercises and the grader |
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "counts": ["class_counts", "imbalance_report"],
    "weights": ["class_weights"],
    "losses": ["focal_loss", "focal_loss_from_logits", "focal_loss_grad", "weighted_cross_entropy",
               "weighted_cross_entropy_grad", "label_smoothing", "smoothed_cross_entropy"],
    "focal": ["FocalLogisticRegression", "FocalSoftmaxRegression"],
    "metrics": ["pr_auc", "macro_f1", "per_class_report", "confusion_table", "expected_cost"],
    "agreement": ["agreement_table", "per_class_kappa"],
    "thresholds": ["threshold_sweep", "choose_threshold", "per_class_thresholds", "ThresholdChoice",
                   "recall_aim"],
    "calibration": ["PlattCalibrator", "TemperatureCalibrator", "IsotonicCalibrator",
                    "expected_calibration_error", "reliability_table", "prior_shift_correction"],
    "splits": ["stratified_split", "leakage_report", "assert_no_leakage"],
    "dedup": ["normalize_text", "exact_duplicates", "near_duplicate_clusters"],
    "sampling": ["oversample", "undersample", "undersample_ensemble", "multiply_minority",
                 "assert_not_resampled"],
    "labeling": ["KeywordRule", "RegexRule", "seed_candidates", "source_quotas", "source_entropy",
                 "minority_aware_batches", "plan_wave", "simulate_waves", "random_baseline"],
    "rounding": ["largest_remainder"],
    "active": ["least_confidence", "margin", "entropy", "diversity_pick", "query",
               "ActiveLearningLoop"],
    "augment": ["eda", "template_paraphrases", "back_translate", "augment_dataframe",
                "review_sample"],
    "ner": ["bio_to_spans", "spans_to_bio", "entity_scores", "token_weights", "mine_candidates",
            "document_split"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
