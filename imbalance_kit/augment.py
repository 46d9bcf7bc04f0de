"""Offline text augmentation for rare classes: EDA edits, templates, pluggable back-translation.

Everything here runs without a model or a download. Augment the training split only, and have
a human read a sample (:func:`review_sample`): an edit that drops "not" or "refund" can change
the label. Texts are split on whitespace; punctuation stays attached to its word.
"""
from __future__ import annotations

import itertools
import math
import string
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._validation import check_dataframe, check_fraction, check_in_choices, check_int, check_seed

_SYNONYM_TABLE = """
problem: issue, trouble, difficulty | issue: problem, matter | error: fault, mistake, glitch
bug: defect, glitch, fault | crash: failure, breakdown | failure: breakdown, malfunction
refund: reimbursement, repayment, money back | reimbursement: refund, repayment
payment: charge, transaction | fee: charge, cost | price: cost, rate
bill: invoice, statement | invoice: bill, statement
account: profile, login | password: passcode, login code | login: sign-in | email: e-mail, mail
order: purchase | purchase: order, buy | delivery: shipment, shipping | shipment: delivery, parcel
package: parcel, box | parcel: package | item: product, article | product: item, article
customer: client, user | client: customer | user: customer, client | agent: representative, rep
representative: agent, rep | staff: employees, team | team: staff, crew | manager: supervisor
support: help, assistance | help: support, assistance | assistance: help, support
service: support, assistance | request: ask, petition | question: query, inquiry
query: question, inquiry | answer: reply, response | reply: response, answer
response: reply, answer | message: note, text | complaint: grievance, objection
feedback: comments, input | comment: remark, note | review: evaluation, assessment
app: application, program | application: app, program | program: application, software
software: program, application | website: site, web page | site: website | page: screen
screen: display, page | phone: mobile, cell | computer: PC, machine | device: gadget, unit
update: upgrade, patch | upgrade: update | setting: option, preference | option: choice, setting
feature: function, capability | function: feature | data: information, details
information: info, details | details: information, specifics | file: document
document: file, paper | subscription: membership, plan
plan: subscription, package | membership: subscription | bank: lender
week: seven days | minute: moment | hour: sixty minutes
delay: holdup, wait | company: business, firm | business: company
store: shop | shop: store | friend: pal, buddy | people: folks, persons | person: individual
guy: man, fellow | kid: child | children: kids | house: home | home: house | car: vehicle
money: cash, funds | cash: money | gift: present
want: would like | need: require | require: need
receive: get, obtain | obtain: get, acquire | buy: purchase | send: mail, forward
ship: dispatch, send | return: send back | cancel: call off, terminate | stop: halt, end
start: begin | begin: start | end: finish | finish: complete, end | complete: finish
fix: repair, resolve | repair: fix, mend | resolve: fix, settle | solve: resolve, fix
change: modify, alter | modify: change, alter | replace: swap, exchange | exchange: swap, replace
check: verify, inspect | verify: confirm, check | confirm: verify | contact: reach, get in touch with
call: phone, ring | ask: request, inquire | tell: inform | inform: tell, notify | notify: inform
explain: clarify, describe | show: display | see: view | find: locate
lose: misplace | try: attempt | attempt: try | use: utilize
delete: remove, erase | remove: delete, take out | add: include | install: set up
download: get | upload: send | pay: settle | charged: billed | billed: charged
broken: damaged, faulty | damaged: broken, harmed | faulty: defective, broken
defective: faulty | wrong: incorrect, mistaken | incorrect: wrong, inaccurate
missing: absent, lost | late: delayed, overdue | delayed: late, held up | slow: sluggish
fast: quick, rapid | quick: fast, rapid | quickly: fast, rapidly | soon: shortly
easy: simple | simple: easy, basic | hard: difficult, tough | difficult: hard, tough
big: large, huge | large: big | small: little, tiny | little: small | huge: enormous, massive
new: recent | previous: prior, earlier | recent: latest, new
good: fine, decent | great: excellent, terrific | excellent: great, outstanding
nice: pleasant, kind | happy: glad, pleased | glad: happy, pleased | pleased: happy, satisfied
satisfied: pleased, content | bad: poor, awful | poor: bad | awful: terrible, dreadful
terrible: awful, horrible | horrible: terrible, awful | angry: mad, furious | upset: annoyed
annoyed: irritated, bothered | frustrated: annoyed, exasperated | sad: unhappy
stupid: dumb, foolish | dumb: stupid | idiot: fool, moron | fool: idiot | ugly: unattractive
rude: impolite, disrespectful | nasty: vile | hate: despise, loathe
love: adore | enjoy: like | thanks: thank you | please: kindly
important: essential, crucial | urgent: pressing, critical | serious: grave, severe
real: genuine, actual | true: correct, accurate | correct: right, accurate
clear: plain, obvious | sure: certain | certain: sure | possible: feasible
available: accessible, on hand | expensive: costly, pricey
cheap: inexpensive, low-cost | full: complete | entire: whole, complete | whole: entire
many: numerous, lots of | several: a few, some | often: frequently | always: constantly
again: once more | also: additionally, as well | maybe: perhaps | really: truly, very | very: really, extremely
almost: nearly | already: previously | immediately: right away, at once
article: piece, story | video: clip | photo: picture, image | picture: image, photo
story: article, report | news: reports | opinion: view | idea: thought, notion | reason: cause
fact: truth | example: instance | result: outcome | mistake: error
method: approach, way | rule: policy, regulation | policy: rule, guideline
law: legislation | government: administration, state | country: nation | city: town
world: globe | place: location, spot | location: place, site | area: region, zone
""".strip()

#: Built-in synonym lexicon: common words in support tickets and comments, each mapped only
#: to replacements that keep the meaning (no antonyms, no negation). Extend with ``lexicon=``.
SYNONYMS = {
    word.strip(): [s.strip() for s in syns.split(",")]
    for line in _SYNONYM_TABLE.splitlines()
    for entry in line.split("|")
    for word, syns in [entry.split(":")]
}

# Words whose loss changes meaning; review_sample flags augmented texts that drop one.
NEGATIONS = frozenset({"not", "no", "never", "none", "nothing", "nobody", "nor", "without",
                       "cannot", "can't", "don't", "doesn't", "didn't", "won't", "isn't", "wasn't"})
METHODS = ("eda", "swap", "deletion", "insertion", "synonym")
_PUNCT = string.punctuation + "“”‘’"


def _tokens(text, name: str = "text") -> list:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    tokens = text.split()
    if not tokens:
        raise ValueError(f"{name} is empty (no words)")
    return tokens


def _rng(rng) -> np.random.Generator:
    """``None``, an int seed or a ``numpy.random.Generator`` (used as is, so calls chain)."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    return np.random.default_rng(check_seed(rng, "rng"))


def random_swap(text: str, n: int = 1, rng=None) -> str:
    """Swap two random words, ``n`` times. The multiset of words is unchanged.

    >>> random_swap("my refund never arrived", n=1, rng=0)
    'my refund arrived never'
    """
    tokens, n, rng = _tokens(text), check_int(n, "n", minimum=0), _rng(rng)
    if len(tokens) < 2:
        return text
    for _ in range(n):
        i, j = rng.choice(len(tokens), size=2, replace=False)
        tokens[i], tokens[j] = tokens[j], tokens[i]
    return " ".join(tokens)


def random_deletion(text: str, p: float = 0.1, rng=None) -> str:
    """Drop each word with probability ``p``; never returns an empty string.

    If every word would go, one random word is kept. With nothing deleted (e.g. ``p=0``) the
    text is returned unchanged.

    >>> random_deletion("the app keeps crashing on start", p=0.3, rng=1)
    'the app crashing on start'
    """
    tokens, rng = _tokens(text), _rng(rng)
    p = check_fraction(p, "p")
    keep = rng.random(len(tokens)) >= p
    if keep.all():
        return text
    if not keep.any():
        keep[rng.integers(len(tokens))] = True
    return " ".join(t for t, k in zip(tokens, keep) if k)


def random_insertion(text: str, n: int = 1, vocab=None, rng=None) -> str:
    """Insert ``n`` words at random positions, each drawn from ``vocab`` (default: the text's
    own words), so no out-of-vocabulary word is ever introduced.

    >>> random_insertion("card declined twice", n=1, vocab=["payment", "again"], rng=0)
    'card declined twice again'
    """
    tokens, n, rng = _tokens(text), check_int(n, "n", minimum=0), _rng(rng)
    if vocab is None:
        words = tokens
    else:
        if isinstance(vocab, (str, bytes)):
            raise TypeError("vocab must be a collection of words, not a single string")
        words = [str(w) for w in vocab if str(w).strip()]
        if not words:
            raise ValueError("vocab is empty")
    for _ in range(n):
        tokens.insert(int(rng.integers(len(tokens) + 1)), words[rng.integers(len(words))])
    return " ".join(tokens)


def _split_punct(token: str) -> tuple[str, str, str]:
    core = token.strip(_PUNCT)
    if not core:
        return token, "", ""
    start = token.index(core)
    return token[:start], core, token[start + len(core):]


def synonym_replacement(text: str, n: int = 1, lexicon=None, rng=None) -> str:
    """Replace up to ``n`` distinct words that ``lexicon`` knows (default :data:`SYNONYMS`)
    with a random synonym. Lookup ignores case and surrounding punctuation; a capitalised word
    gets a capitalised synonym. Text with no known word comes back unchanged.

    >>> synonym_replacement("My refund is late.", n=2, rng=0)
    'My repayment is overdue.'
    """
    tokens, n, rng = _tokens(text), check_int(n, "n", minimum=0), _rng(rng)
    lex = SYNONYMS if lexicon is None else lexicon
    if not isinstance(lex, Mapping):
        raise TypeError(f"lexicon must be a mapping word -> list of synonyms, got {type(lex).__name__}")
    lex = {str(k).lower(): [s for s in v if s] for k, v in lex.items()} if lexicon is not None else lex
    known = sorted({_split_punct(t)[1].lower() for t in tokens} & {k for k, v in lex.items() if v})
    for word in rng.permutation(known)[:n] if known else []:
        synonym = lex[word][rng.integers(len(lex[word]))]
        for k, token in enumerate(tokens):
            pre, core, post = _split_punct(token)
            if core.lower() == word:
                new = synonym[0].upper() + synonym[1:] if core[0].isupper() else synonym
                tokens[k] = pre + new + post
    return " ".join(tokens)


def eda(text: str, n_aug: int = 4, alpha: float = 0.1, seed: int = 0) -> list:
    """EDA (Wei & Zou, 2019): ``n_aug`` variants, each made by one operation chosen in turn from
    synonym replacement, random insertion, random swap and random deletion.

    Each operation edits ``max(1, round(alpha * n_words))`` words (deletion: probability
    ``alpha``). Unlike the reference code, case, digits and punctuation are kept, synonyms come
    from :data:`SYNONYMS` (no WordNet), insertion reuses the text's own words, and the original
    is *not* included in the result.

    >>> eda("the refund for my order never arrived", n_aug=4, seed=0)  # doctest: +NORMALIZE_WHITESPACE
    ['the refund for my purchase never arrived', 'the refund for my order my never arrived',
     'the for refund my order never arrived', 'refund for my order never arrived']
    """
    tokens = _tokens(text)
    n_aug = check_int(n_aug, "n_aug", minimum=1)
    alpha = check_fraction(alpha, "alpha")
    rng = _rng(seed)
    k = max(1, round(alpha * len(tokens)))
    ops = [
        lambda: synonym_replacement(text, k, rng=rng),
        lambda: random_insertion(text, k, rng=rng),
        lambda: random_swap(text, k, rng=rng),
        lambda: random_deletion(text, alpha, rng=rng),
    ]
    return [ops[i % len(ops)]() for i in range(n_aug)]


def template_paraphrases(templates, slots, n: int, seed: int = 0) -> list:
    """``n`` distinct sentences from ``templates`` with ``{slot}`` fields filled from ``slots``.

    For rare intents with a handful of real examples: write a few templates, list fillers per
    slot, and sample distinct combinations. Raises if fewer than ``n`` distinct sentences exist.

    >>> template_paraphrases(["I want to {verb} my {thing}", "How do I {verb} my {thing}?"],
    ...                      {"verb": ["cancel", "close"], "thing": ["account", "plan"]}, n=3, seed=0)
    ['How do I cancel my account?', 'How do I close my plan?', 'How do I close my account?']
    """
    if isinstance(templates, str) or not isinstance(templates, (list, tuple)) or not templates:
        raise TypeError("templates must be a non-empty list of strings")
    if not isinstance(slots, Mapping):
        raise TypeError(f"slots must be a mapping slot -> list of fillers, got {type(slots).__name__}")
    n = check_int(n, "n", minimum=1)
    fields = []
    for t in templates:
        if not isinstance(t, str):
            raise TypeError(f"templates must hold strings, got {type(t).__name__}")
        names = sorted({f for _, f, _, _ in string.Formatter().parse(t) if f is not None})
        for f in names:
            if f not in slots:
                raise ValueError(f"template {t!r} uses slot {{{f}}} that slots does not define")
            if isinstance(slots[f], str) or len(slots[f]) == 0:
                raise ValueError(f"slots[{f!r}] must be a non-empty list of fillers")
        fields.append(names)
    total = sum(math.prod(len(slots[f]) for f in names) for names in fields)
    rng = _rng(seed)
    if total <= 100_000:
        # small space: enumerate, de-duplicate, then sample without replacement
        pool = list(dict.fromkeys(
            t.format(**dict(zip(names, combo)))
            for t, names in zip(templates, fields)
            for combo in itertools.product(*(slots[f] for f in names))
        ))
        if len(pool) < n:
            raise ValueError(f"only {len(pool)} distinct sentences can be made, n={n} asked")
        return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]
    out: dict = {}
    for _ in range(50 * n):
        k = int(rng.integers(len(templates)))
        out.setdefault(templates[k].format(**{f: slots[f][rng.integers(len(slots[f]))] for f in fields[k]}), None)
        if len(out) == n:
            return list(out)
    raise ValueError(f"could not draw {n} distinct sentences; add fillers or templates")


def back_translate(texts, translate, pivot: str = "de", source: str = "en") -> list:
    """Paraphrase by translating ``source -> pivot -> source`` with a translator you supply.

    ``translate(texts, src, tgt)`` takes a list of strings and two language codes and returns
    a list of the same length. **No model ships with this course**: plug in e.g. a MarianMT
    pipeline or an API client. The output is aligned with ``texts``; identical round trips are
    kept, so filter them if you only want changed texts.

    >>> toy = {("en", "de"): {"my order is late": "meine Bestellung ist spät"},
    ...        ("de", "en"): {"meine Bestellung ist spät": "my order is delayed"}}
    >>> back_translate(["my order is late"], lambda xs, s, t: [toy[s, t][x] for x in xs])
    ['my order is delayed']
    """
    if not callable(translate):
        raise TypeError("translate must be a callable (texts, src, tgt) -> texts")
    if isinstance(texts, str) or not isinstance(texts, (list, tuple, pd.Series, np.ndarray)):
        raise TypeError("texts must be a list of strings, not a single string")
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty")
    for lang, name in ((pivot, "pivot"), (source, "source")):
        if not isinstance(lang, str) or not lang:
            raise ValueError(f"{name} must be a language code such as 'de', got {lang!r}")
    if pivot == source:
        raise ValueError(f"pivot and source are both {pivot!r}; a round trip needs two languages")
    middle = list(translate(texts, source, pivot))
    back = list(translate(middle, pivot, source))
    for step, out in (("source -> pivot", middle), ("pivot -> source", back)):
        if len(out) != len(texts) or not all(isinstance(x, str) for x in out):
            raise ValueError(f"translate ({step}) must return {len(texts)} strings, got {len(out)} items")
    return back


def _one_edit(method: str, text: str, rng: np.random.Generator) -> str:
    k = max(1, round(0.1 * len(text.split())))
    if method == "swap":
        return random_swap(text, k, rng=rng)
    if method == "deletion":
        return random_deletion(text, 0.1, rng=rng)
    if method == "insertion":
        return random_insertion(text, k, rng=rng)
    return synonym_replacement(text, k, rng=rng)


def augment_dataframe(df: pd.DataFrame, text: str, label: str, classes, n_per_item: int, method="eda",
                      split: str = "train", seed: int = 0) -> pd.DataFrame:
    """Add ``n_per_item`` augmented copies of every row whose label is in ``classes``.

    Only the training split may be augmented: ``split`` must be ``"train"``. Validation and test
    data must stay real, or scores measure the augmenter instead of the model.

    ``method`` is one of ``"eda"``, ``"swap"``, ``"deletion"``, ``"insertion"``, ``"synonym"``
    (each editing about 10 % of the words) or a callable ``(text, rng) -> str``. Returns the
    original rows (``augmented=False``) followed by the new ones (``augmented=True``), with
    ``source_id`` holding the index label of the row each text came from; the index is reset.

    >>> df = pd.DataFrame({"text": ["where is my refund", "love it"], "label": ["refund", "other"]})
    >>> out = augment_dataframe(df, "text", "label", classes=["refund"], n_per_item=2)
    >>> out[["text", "augmented", "source_id"]]
                         text  augmented  source_id
    0      where is my refund      False          0
    1                 love it      False          1
    2  where is my money back       True          0
    3   where is my is refund       True          0
    """
    if split != "train":
        raise ValueError(f"split={split!r}: augmentation is for the training split only; validation and test "
                         "data must stay real, or the scores measure the augmenter instead of the model")
    check_dataframe(df, "df", [text, label])
    if "augmented" in df.columns or "source_id" in df.columns:
        raise ValueError("df already has 'augmented'/'source_id' columns; augment the original data once")
    if not df.index.is_unique:
        raise ValueError("df index must be unique: it becomes source_id")
    if isinstance(classes, str) or not isinstance(classes, (list, tuple, set, np.ndarray, pd.Index)):
        raise TypeError("classes must be a list of labels to augment")
    unknown = set(classes) - set(df[label])
    if not classes or unknown:
        raise ValueError(f"classes must be non-empty labels present in df[{label!r}]; unknown: {sorted(unknown, key=str)}")
    n_per_item = check_int(n_per_item, "n_per_item", minimum=1)
    if not callable(method):
        check_in_choices(method, METHODS, "method")
    rng = np.random.default_rng(seed)
    new_rows = []
    for idx, row in df[df[label].isin(list(classes))].iterrows():
        if method == "eda":
            texts = eda(row[text], n_aug=n_per_item, seed=int(rng.integers(2**32)))
        elif callable(method):
            texts = [method(row[text], rng) for _ in range(n_per_item)]
        else:
            texts = [_one_edit(method, row[text], rng) for _ in range(n_per_item)]
        for t in texts:
            if not isinstance(t, str) or not t.strip():
                raise ValueError(f"method returned {t!r} for row {idx!r}; it must return a non-empty str")
            new_rows.append({**row.to_dict(), text: t, "augmented": True, "source_id": idx})
    original = df.assign(augmented=False, source_id=df.index)
    return pd.concat([original, pd.DataFrame(new_rows, columns=original.columns)], ignore_index=True)


def _words(text: str) -> set:
    return {w for w in (t.strip(_PUNCT).lower() for t in str(text).split()) if w}


def review_sample(original: pd.DataFrame, augmented: pd.DataFrame, n: int = 20, seed: int = 0,
                  text: str = "text", label: str = "label", cues=NEGATIONS, min_overlap: float = 0.5) -> pd.DataFrame:
    """Random (original, augmented, label) pairs for a human label-drift review.

    ``augmented`` is the output of :func:`augment_dataframe` (rows with ``augmented=True`` are
    paired with ``original`` through ``source_id``). Columns: ``source_id``, ``label``,
    ``original``, ``augmented``, ``overlap`` (share of the original's words still present),
    ``lost_cues`` (words of ``cues`` — negations by default — that the edit removed) and
    ``drift_hint`` (overlap below ``min_overlap`` or a lost cue).

    ``drift_hint`` is a cheap pointer to rows worth reading first, **not a verdict**: a
    synonym can flip meaning with full overlap, and a harmless edit can lose "not" from a
    sentence that had two. Read the sample.

    >>> df = pd.DataFrame({"text": ["the app does not work"], "label": ["bug"]})
    >>> aug = pd.DataFrame({"text": ["the app does work"], "label": ["bug"],
    ...                     "augmented": [True], "source_id": [0]})
    >>> review_sample(df, aug)[["overlap", "lost_cues", "drift_hint"]]
       overlap lost_cues  drift_hint
    0      0.8       not        True
    """
    check_dataframe(original, "original", [text, label], allow_empty=True)
    check_dataframe(augmented, "augmented (the output of augment_dataframe)",
                    [text, label, "augmented", "source_id"], allow_empty=True)
    n = check_int(n, "n", minimum=1)
    check_fraction(min_overlap, "min_overlap")
    cue_set = {str(c).lower() for c in cues}
    new = augmented[augmented["augmented"].astype(bool)]
    if new.empty:
        raise ValueError("augmented has no rows with augmented=True")
    missing = set(new["source_id"]) - set(original.index)
    if missing:
        raise ValueError(f"source_id values not in original's index: {sorted(missing, key=str)[:5]}")
    rng = np.random.default_rng(seed)
    picked = new.iloc[np.sort(rng.choice(len(new), size=min(n, len(new)), replace=False))]
    rows = []
    for _, row in picked.iterrows():
        before = original.at[row["source_id"], text]
        orig_words, aug_words = _words(before), _words(row[text])
        overlap = len(orig_words & aug_words) / len(orig_words) if orig_words else 1.0
        lost = sorted((orig_words - aug_words) & cue_set)
        rows.append({"source_id": row["source_id"], "label": row[label], "original": before,
                     "augmented": row[text], "overlap": overlap, "lost_cues": ", ".join(lost),
                     "drift_hint": overlap < min_overlap or bool(lost)})
    return pd.DataFrame(rows, columns=["source_id", "label", "original", "augmented", "overlap",
                                       "lost_cues", "drift_hint"])
