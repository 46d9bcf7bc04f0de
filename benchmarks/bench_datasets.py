"""Time the seeded data set generators (target: toxic_comments(50,000) in < 3 s).

Run: python benchmarks/bench_datasets.py
"""
import time

from imbalance_kit.datasets import chatterbot_intents, support_intents, toxic_comments


def main() -> None:
    for name, make in (("toxic_comments(n=50_000)", toxic_comments),
                       ("support_intents(n=12_000)", support_intents),
                       ("chatterbot_intents()", chatterbot_intents)):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            df = make()
            best = min(best, time.perf_counter() - start)
        print(f"{name:28s} {len(df):>7,} rows  best of 3: {best:.2f} s")


if __name__ == "__main__":
    main()
