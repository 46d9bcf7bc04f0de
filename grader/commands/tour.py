"""``course tour``: a short tour of the helper package on the built-in data."""
from __future__ import annotations


def register(sub):
    p = sub.add_parser("tour", help="print a short tour of imbalance_kit on the built-in data")
    p.set_defaults(func=run)


def run(args) -> int:
    from imbalance_kit.counts import imbalance_report
    from imbalance_kit.weights import class_weights

    labels = [0] * 18_400 + [1] * 1_600
    report = imbalance_report(labels)
    print(f"18,400 non-toxic / 1,600 toxic: minority share {report['minority_share']:.3f}, "
          f"imbalance ratio {report['imbalance_ratio']:.1f}")
    w = class_weights(report["counts"])
    print(f"inverse-frequency weights: w0={w[0]:.4f} w1={w[1]:.4f}")
    return 0
