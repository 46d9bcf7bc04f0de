"""imbalance_kit.splits: stratified splits vs scikit-learn, group safety, and leakage checks."""
import string

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from imbalance_kit.dedup import near_duplicate_clusters, normalize_text
from imbalance_kit.splits import _fold_counts, assert_no_leakage, leakage_report, stratified_split


def random_frame(rng, n, n_classes):
    shares = rng.dirichlet(np.ones(n_classes) * 0.7)
    y = rng.choice(n_classes, n, p=shares)
    y[: 10 * n_classes] = np.repeat(np.arange(n_classes), 10)   # every class can reach every split
    index = rng.permutation(n) + 1000                            # a non-default index must survive
    return pd.DataFrame({"x": rng.normal(size=n), "label": y}, index=index)


@pytest.mark.parametrize("seed", range(60))
def test_plain_split_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    df = random_frame(rng, int(rng.integers(40, 1500)), int(rng.integers(2, 5)))
    sizes = [(0.8, 0.1, 0.1), (0.6, 0.2, 0.2), (0.7, 0.1, 0.2), (0.75, 0.25), (0.5, 0.5)][seed % 5]
    got = stratified_split(df, "label", sizes=sizes, seed=seed)
    if len(sizes) == 2:
        expected = train_test_split(df, test_size=sizes[1], stratify=df["label"], random_state=seed)
    else:
        train, hold = train_test_split(df, test_size=sizes[1] + sizes[2], stratify=df["label"], random_state=seed)
        val, test = train_test_split(hold, test_size=sizes[2] / (sizes[1] + sizes[2]), stratify=hold["label"],
                                     random_state=seed)
        expected = (train, val, test)
    assert len(got) == len(sizes)
    for g, e in zip(got, expected):
        pd.testing.assert_frame_equal(g, e)
    assert sum(len(g) for g in got) == len(df)
    assert set(np.concatenate([g.index for g in got])) == set(df.index)


def test_plain_split_reproduces_course_numbers():
    df = pd.DataFrame({"label": [0] * 18_400 + [1] * 1_600})
    train, val, test = stratified_split(df, "label")
    assert [len(train), len(val), len(test)] == [16_000, 2_000, 2_000]
    assert train["label"].sum() == 1_280 and val["label"].sum() == 160 and test["label"].sum() == 160


def random_groups(rng, n_groups):
    sizes = rng.integers(1, int(rng.integers(2, 12)), n_groups)
    group = np.repeat(np.arange(n_groups), sizes)
    rate = rng.uniform(0.05, 0.3)
    y = (rng.random(n_groups) < rate).astype(int)[group]          # label mostly constant per group
    flip = rng.random(len(group)) < 0.05
    y[flip] = 1 - y[flip]
    perm = rng.permutation(len(group))
    return pd.DataFrame({"label": y[perm], "g": rng.permutation(n_groups)[group[perm]]})


@pytest.mark.parametrize("seed", range(24))
def test_group_split_keeps_groups_whole_and_stratifies(seed):
    rng = np.random.default_rng(seed)
    df = random_groups(rng, int(rng.integers(150, 400)))
    sizes = [(0.8, 0.1, 0.1), (0.7, 0.15, 0.15), (0.8, 0.2)][seed % 3]
    parts = stratified_split(df, "label", sizes=sizes, groups="g", seed=seed)
    assert len(parts) == len(sizes)
    seen = [set(p["g"]) for p in parts]
    for a in range(len(seen)):
        for b in range(a + 1, len(seen)):
            assert not seen[a] & seen[b]
    index = np.concatenate([p.index for p in parts])
    assert len(index) == len(df) and set(index) == set(df.index)
    prevalence = df["label"].mean()
    for part, size in zip(parts, sizes):
        assert abs(len(part) / len(df) - size) < 0.06
        assert abs(part["label"].mean() - prevalence) < 0.06
    if seed % 4:
        return
    # a column name and the array itself give the same split
    again = stratified_split(df, "label", sizes=sizes, groups=df["g"].to_numpy(), seed=seed)
    for p, q in zip(parts, again):
        pd.testing.assert_frame_equal(p, q)


@pytest.mark.parametrize("seed", range(40))
def test_singleton_groups_are_stratified_like_rows(seed):
    # All groups singletons: every split holds floor or ceil of its share of every class.
    rng = np.random.default_rng(seed)
    df = random_frame(rng, int(rng.integers(60, 3000)), int(rng.integers(2, 5)))
    sizes = [(0.8, 0.1, 0.1), (0.7, 0.15, 0.15), (0.75, 0.25)][seed % 3]
    parts = stratified_split(df, "label", sizes=sizes, groups=rng.permutation(len(df)), seed=seed)
    totals = df["label"].value_counts()
    for part, size in zip(parts, sizes):
        got = part["label"].value_counts().reindex(totals.index, fill_value=0)
        assert (np.abs(got - size * totals) < 1).all()
        assert part.index.equals(df.index[df.index.isin(part.index)])   # rows keep the order of df


@pytest.mark.parametrize("seed", range(30))
def test_mostly_singleton_groups_like_near_duplicate_clusters(seed):
    rng = np.random.default_rng(seed)
    n_clusters = int(rng.integers(500, 3000))
    cluster_size = np.where(rng.random(n_clusters) < 0.95, 1, rng.integers(2, 30, n_clusters))
    group = np.repeat(rng.permutation(n_clusters), cluster_size)
    y = rng.choice(3, n_clusters, p=[0.85, 0.1, 0.05])[np.repeat(np.arange(n_clusters), cluster_size)]
    df = pd.DataFrame({"label": y, "g": group}).sample(frac=1, random_state=seed)
    parts = stratified_split(df, "label", groups="g", seed=seed)
    seen = [set(p["g"]) for p in parts]
    assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])
    shares = df["label"].value_counts(normalize=True)
    for part, size in zip(parts, (0.8, 0.1, 0.1)):
        assert abs(len(part) / len(df) - size) < 0.005
        got = part["label"].value_counts(normalize=True).reindex(shares.index, fill_value=0)
        assert (np.abs(got - shares) < 0.01).all()
    # the seed decides the split, reproducibly
    again = stratified_split(df, "label", groups="g", seed=seed)
    other = stratified_split(df, "label", groups="g", seed=seed + 1)
    assert all(p.index.equals(q.index) for p, q in zip(parts, again))
    assert not parts[2].index.equals(other[2].index)


@pytest.mark.parametrize("sizes, n, per_split", [
    ((0.8, 0.1, 0.1), 10, [8, 1, 1]),
    ((0.7, 0.15, 0.15), 20, [14, 3, 3]),
    ((0.6, 0.2, 0.2), 5, [3, 1, 1]),
    ((0.5, 0.5), 2, [1, 1]),
    ((0.9, 0.1), 10, [9, 1]),
])
def test_fold_counts(sizes, n, per_split):
    assert _fold_counts(sizes) == (n, per_split)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"sizes": (0.8, 0.1)}, ValueError, "sum to 1"),
    ({"sizes": (0.5, 0.2, 0.2, 0.1)}, ValueError, "2 .* or 3"),
    ({"sizes": (1.0, 0.0, 0.0)}, ValueError, r"sizes\[0\]"),
    ({"sizes": (0.8, -0.1, 0.3)}, ValueError, r"sizes\[1\]"),
    ({"sizes": "0.8"}, ValueError, "sizes"),
    ({"label": "missing"}, ValueError, "df has no column 'missing'"),
    ({"groups": "nope"}, ValueError, "df has no column 'nope'"),
    ({"groups": np.arange(5)}, ValueError, "groups has 5 values"),
    ({"groups": np.zeros(100)}, ValueError, "distinct values"),
    ({"seed": 0.5}, TypeError, "seed"),
])
def test_bad_arguments(kwargs, exc, match):
    rng = np.random.default_rng(0)
    df = random_frame(rng, 100, 2)
    call = {"label": "label", **kwargs}
    with pytest.raises(exc, match=match):
        stratified_split(df, **call)


def test_bad_data():
    with pytest.raises(TypeError, match="DataFrame"):
        stratified_split({"label": [0, 1]}, "label")
    with pytest.raises(ValueError, match="df is empty"):
        stratified_split(pd.DataFrame({"label": []}), "label")
    with pytest.raises(ValueError, match="only one class"):
        stratified_split(pd.DataFrame({"label": [1] * 10}), "label")
    with pytest.raises(ValueError, match="class 1 .* has 2 row"):
        stratified_split(pd.DataFrame({"label": [0] * 50 + [1] * 2}), "label")
    with pytest.raises(ValueError, match="missing values"):
        stratified_split(pd.DataFrame({"label": [0, 1, None] * 10}), "label")
    # enough rows overall but not enough for the second, val/test cut
    with pytest.raises(ValueError, match="cannot stratify"):
        stratified_split(pd.DataFrame({"label": [0] * 10 + [1] * 3}), "label", sizes=(0.8, 0.1, 0.1))


# --- leakage -----------------------------------------------------------------------------------

def comments_with_copies(seed, n_base=250, n_copies=150):
    rng = np.random.default_rng(seed)
    vocab = ["".join(rng.choice(list(string.ascii_lowercase), rng.integers(3, 9))) for _ in range(500)]
    base = [" ".join(rng.choice(vocab, rng.integers(8, 16))) for _ in range(n_base)]
    labels = (rng.random(n_base) < 0.2).astype(int)
    texts, y = list(base), list(labels)
    for _ in range(n_copies):
        i = rng.integers(n_base)
        copy = base[i].upper() + "!!" if rng.random() < 0.5 else base[i][:-1]   # exact or near copy
        texts.append(copy)
        y.append(labels[i])
    return pd.DataFrame({"text": texts, "label": y})


@pytest.mark.parametrize("seed", range(8))
def test_leakage_found_after_random_split_and_gone_after_group_split(seed):
    df = comments_with_copies(seed)
    parts = stratified_split(df, "label", seed=seed)
    report = leakage_report(parts)
    assert list(report["pairs"][["a", "b"]].itertuples(index=False, name=None)) == [
        ("train", "val"), ("train", "test"), ("val", "test")]
    # exact counts against a direct comparison of normalised texts
    norm = [set(map(normalize_text, p["text"])) for p in parts]
    for row in report["pairs"].itertuples():
        a, b = ["train", "val", "test"].index(row.a), ["train", "val", "test"].index(row.b)
        assert row.exact == sum(normalize_text(t) in norm[a] for t in parts[b]["text"])
        assert row.near >= row.exact
    assert report["test_leaked"] > 0 and report["n_test"] == len(parts[2])
    assert report["test_leak_share"] == pytest.approx(report["test_leaked"] / len(parts[2]))
    with pytest.raises(AssertionError, match="duplicate texts cross splits"):
        assert_no_leakage(parts)

    groups = near_duplicate_clusters(df["text"])
    safe = stratified_split(df, "label", groups=groups, seed=seed)
    report = assert_no_leakage(safe)
    assert report["test_leaked"] == 0 and report["pairs"][["exact", "near"]].to_numpy().sum() == 0


def test_leakage_report_inputs():
    a = pd.DataFrame({"text": ["one text here", "two"]})
    b = pd.DataFrame({"text": ["One text here!", "three"]})
    c = pd.DataFrame({"text": ["two", "four"]})
    report = leakage_report({"first": a, "second": b, "third": c})
    assert report["pairs"].to_dict("records") == [
        {"a": "first", "b": "second", "exact": 1, "near": 1},
        {"a": "first", "b": "third", "exact": 1, "near": 1},
        {"a": "second", "b": "third", "exact": 0, "near": 0},
    ]
    assert report["test_leaked"] == 1 and report["n_test"] == 2
    assert leakage_report([a, b], names=["x", "y"])["pairs"]["a"].tolist() == ["x"]
    with pytest.raises(ValueError, match="text column 'body'"):
        leakage_report([a, b], text="body")
    with pytest.raises(ValueError, match="at least two"):
        leakage_report([a])
    with pytest.raises(TypeError, match="sequence or a mapping"):
        leakage_report(a)
    with pytest.raises(TypeError, match="split 'test' must be a pandas DataFrame, got list"):
        leakage_report([a, ["text"]])
    with pytest.raises(ValueError, match="names has 1"):
        leakage_report([a, b], names=["x"])
    with pytest.raises(ValueError, match="threshold"):
        leakage_report([a, b], threshold=0)
