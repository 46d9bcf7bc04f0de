"""Intent data: a seeded 30-intent support set (syllabus worked example 2) and the real,
highly imbalanced English dialog corpus that the ``chatterbot-corpus`` package ships."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import check_in_choices, check_int, check_seed
from ._text import Picker

# Slot fillers shared by all intents, so slots carry no label signal on their own.
INTENT_SLOTS: dict[str, tuple[str, ...]] = {
    "order_id": tuple(f"#{40000 + 7919 * k % 60000}" for k in range(1, 21)),
    "item": ("headphones", "laptop", "phone case", "running shoes", "coffee maker", "jacket",
             "desk lamp", "backpack", "smartwatch", "blender", "keyboard", "monitor"),
    "plan": ("premium plan", "family plan", "basic plan", "annual subscription", "monthly membership"),
    "payment": ("credit card", "debit card", "paypal account", "visa", "mastercard", "bank account"),
    "time": ("yesterday", "last week", "two days ago", "this morning", "on monday", "last month"),
    "city": ("berlin", "austin", "leeds", "toronto", "lyon", "osaka", "denver"),
    "amount": ("$20", "$45.99", "$120", "$9.99", "$300", "$64.50"),
    "store": ("downtown store", "mall location", "airport shop", "main street branch"),
    "quantity": ("50", "200", "500", "1000", "a few hundred"),
    "competitor": ("amazon", "best buy", "walmart", "target", "another shop"),
    "aid": ("screen reader", "voiceover", "large text mode", "keyboard navigation", "high contrast mode"),
}

# Shared phrasings make confusable pairs (a classifier cannot reach 100 %); each appears in two
# intents' template lists.
_WHERE_ORDER = "where is my order {order_id}"
_WRONG_ORDER = "something is wrong with my order {order_id}"
_CANT_LOGIN = "i cant log in to my account"
_SENT_BACK = "i sent the {item} back {time}, what now"
_CANCEL_IT = "please cancel it, i changed my mind"
_LAST_CHARGE = "i need the details of the {amount} charge from {time}"
_UNKNOWN_CHARGE = "there is a charge of {amount} on my {payment} i dont recognize"
_LOWER_PRICE = "can i get a lower price on the {item}"
_MY_DATA = "what data do you keep about me"
_HELP_SITE = "i need help using your website"
_IN_STOCK = "do you have {quantity} {item} in stock"
_CONTACT = "i need to update my contact details"

# Templates are listed from the most to the least common phrasing (see ``support_intents``).
INTENT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "track_order": ("track my order {order_id}", "when will my {item} arrive", _WHERE_ORDER,
                    "can i get a tracking link for {order_id}", "has my {item} shipped yet"),
    "cancel_order": ("cancel my order {order_id}", "i want to cancel the {item} i ordered",
                     _CANCEL_IT, "stop my order before it ships", "how do i cancel order {order_id}"),
    "return_item": ("i want to return the {item}", "how do i send back my {item}", _SENT_BACK,
                    "return label for order {order_id}", "the {item} does not fit, can i return it"),
    "refund_status": ("where is my refund for the {item}", "when do i get my money back",
                      _SENT_BACK, "refund for order {order_id} still missing",
                      "you promised a refund {time}"),
    "reset_password": ("reset my password", "i forgot my password", _CANT_LOGIN,
                       "the password reset email never arrived", "how do i change my password"),
    "delivery_delay": ("my {item} is late", "order {order_id} was due {time} and still nothing",
                       _WHERE_ORDER, "why is my delivery delayed", "the courier missed the date again"),
    "change_address": ("change my delivery address to {city}", "i moved to {city}, update my address",
                       _CONTACT, "ship order {order_id} to a different address", "wrong street on my order"),
    "update_payment": ("update my {payment}", "my {payment} expired, how do i change it",
                       "add a new {payment} to my account", "remove the old {payment}",
                       "payment method keeps failing"),
    "billing_question": ("why was i charged {amount}", "explain my bill please", _LAST_CHARGE,
                         _UNKNOWN_CHARGE, "i was billed twice {time}"),
    "cancel_subscription": ("cancel my {plan}", "stop my {plan} renewal", _CANCEL_IT,
                            "i dont want the {plan} anymore", "end my membership"),
    "product_availability": ("is the {item} back in stock", "when will you restock the {item}",
                             _IN_STOCK, "is the {item} available at the {store}", "sold out {item}, any news"),
    "damaged_item": ("my {item} arrived broken", "the {item} was damaged in shipping", _WRONG_ORDER,
                     "the box was crushed and the {item} is cracked", "{item} stopped working after a day"),
    "missing_item": ("my order {order_id} is missing the {item}", "only half my order arrived",
                     _WRONG_ORDER, "the {item} was not in the box", "package came without the {item}"),
    "change_order": ("add a {item} to order {order_id}", "can i change the size on my order",
                     "swap the {item} in my order for another color", "edit my order {order_id}",
                     "i ordered the wrong {item}, can i change it"),
    "apply_coupon": ("my coupon code does not work", "how do i use a discount code", _LOWER_PRICE,
                     "promo code rejected at checkout", "forgot to add my coupon to order {order_id}"),
    "account_locked": ("my account is locked", "locked out after too many tries", _CANT_LOGIN,
                       "unlock my account please", "account suspended for no reason"),
    "contact_agent": ("let me talk to a human", "connect me to an agent", _HELP_SITE,
                      "i want to speak to someone", "is there a phone number i can call"),
    "shipping_options": ("do you ship to {city}", "how much is express shipping",
                         "can i get next day delivery", "what shipping options do you have",
                         "free shipping over {amount}?"),
    "invoice_request": ("send me an invoice for order {order_id}", "i need a receipt for the {item}",
                        _LAST_CHARGE, "invoice with my company name please", "download my invoice"),
    "upgrade_subscription": ("upgrade to the {plan}", "what does the {plan} include",
                             "switch me to the {plan}", "how much more is the {plan}", "i want more features"),
    "warranty_claim": ("is my {item} still under warranty", "warranty claim for the {item}",
                       "my {item} broke after {time}, is it covered", "how long is the warranty",
                       "repair under warranty please"),
    "change_email": ("change my email address", "update the email on my account", _CONTACT,
                     "i no longer use my old email", "send emails to a new address"),
    "gift_card_balance": ("check my gift card balance", "how much is left on my gift card",
                          "gift card not accepted at checkout", "can i use two gift cards",
                          "my gift card shows {amount}, is that right"),
    "store_hours": ("when does the {store} open", "is the {store} open on sunday",
                    "opening hours for the {store}", "what time do you close today", "holiday hours?"),
    "delete_account": ("delete my account", "close my account for good", _MY_DATA,
                       "remove all my information", "how do i deactivate my profile"),
    # Rare intents (each < 1 % of rows).
    "report_fraud": ("someone used my {payment} without permission", "i think my account was hacked",
                     _UNKNOWN_CHARGE, "report a scam email pretending to be you", "fraudulent order {order_id}"),
    "data_export_request": ("send me a copy of my personal data", "export all my account data",
                            _MY_DATA, "gdpr request for my information", "download everything you store about me"),
    "accessibility_help": ("the site does not work with my {aid}", "checkout is not accessible with {aid}",
                           _HELP_SITE, "buttons are not labelled for my {aid}", "i cant read the small text"),
    "bulk_order_quote": ("quote for {quantity} {item}", "discount for buying {quantity} units",
                         _IN_STOCK, "wholesale price for the {item}", "our company needs {quantity} {item}"),
    "price_match": ("{competitor} sells the {item} for less", "do you price match {competitor}",
                    _LOWER_PRICE, "the {item} is {amount} cheaper at {competitor}", "match this price please"),
}

RARE_INTENTS: tuple[str, ...] = ("report_fraud", "data_export_request", "accessibility_help",
                                 "bulk_order_quote", "price_match")
# Rare shares (all < 1 %); the 25 common intents share the rest along a geometric long tail
# from about 8.7 % down to about 1.2 %.
_RARE_SHARES = (0.0085, 0.0075, 0.0065, 0.0055, 0.0045)
_TAIL_RATIO = 7.0  # most common / least common intent

_GREETINGS = ("hi", "hello", "hey there", "good morning", "hi team", "excuse me", "hey")
_CLOSINGS = ("thanks", "thank you", "please help", "asap please", "any update?", "cheers", "thx")
_FILLERS = ("please", "quickly", "again", "actually", "um", "just", "really")


def _intent_shares() -> dict[str, float]:
    common = [name for name in INTENT_TEMPLATES if name not in RARE_INTENTS]
    decay = _TAIL_RATIO ** (-np.arange(len(common)) / (len(common) - 1))
    common_shares = decay / decay.sum() * (1.0 - sum(_RARE_SHARES))
    shares = dict(zip(common, common_shares.tolist()))
    shares.update(zip(RARE_INTENTS, _RARE_SHARES))
    return shares


def _quota(n: int, shares: dict[str, float]) -> dict[str, int]:
    """Exact per-intent counts summing to n (largest remainder), so shares hold for every seed."""
    raw = {k: v * n for k, v in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    by_remainder = sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)
    for k in by_remainder[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def _utterance(intent: str, pick: Picker) -> str:
    templates = INTENT_TEMPLATES[intent]
    # Earlier templates are more common (weights 1, 1/2, 1/3, ...): rare intents see only a few
    # phrasings, which is what template paraphrasing later fixes.
    u = pick.random() * _HARMONIC[len(templates)]
    j = int(np.searchsorted(_CUM_WEIGHTS[len(templates)], u, side="right"))
    text = pick.fill(templates[j], INTENT_SLOTS)
    if pick.coin(0.25):
        words = text.split()
        words.insert(pick.between(0, len(words)), pick.pick(_FILLERS))
        text = " ".join(words)
    if pick.coin(0.4):
        text = f"{pick.pick(_GREETINGS)}{pick.pick((', ', ' ', '! '))}{text}"
    if pick.coin(0.3):
        text = f"{text}{pick.pick(('. ', ', ', ' '))}{pick.pick(_CLOSINGS)}"
    return text[0].upper() + text[1:] if pick.coin(0.5) else text


_MAX_T = max(len(t) for t in INTENT_TEMPLATES.values())
_CUM_WEIGHTS = {k: np.cumsum(1.0 / np.arange(1, k + 1)) for k in range(1, _MAX_T + 1)}
_HARMONIC = {k: float(c[-1]) for k, c in _CUM_WEIGHTS.items()}


def support_intents(n: int = 12_000, seed: int = 0) -> pd.DataFrame:
    """Synthetic customer-support utterances over 30 intents, 5 of them rare (< 1 % each).

    Each utterance fills a per-intent template (:data:`INTENT_TEMPLATES`) with slot values
    (:data:`INTENT_SLOTS`) and may add a greeting, closing or filler word. Some phrasings are
    shared by two intents (e.g. ``report_fraud`` / ``billing_question``), so no classifier
    gets 100 %. Class counts are exact quotas: the 25 common intents follow a long tail from
    about 8.7 % to about 1.2 %, the :data:`RARE_INTENTS` hold 0.45-0.85 % each.

    Parameters
    ----------
    n : int, at least 1,000
    seed : int
        Same seed, identical DataFrame; rows are shuffled.

    Returns
    -------
    DataFrame with columns ``text`` (str) and ``intent`` (str).

    Examples
    --------
    >>> df = support_intents(seed=0)
    >>> shares = df["intent"].value_counts(normalize=True)
    >>> df.shape, df["intent"].nunique()
    ((12000, 2), 30)
    >>> sorted(shares[shares < 0.01].index) == sorted(RARE_INTENTS)
    True
    >>> round(float(shares.max()), 3), round(float(shares.min()), 4)
    (0.087, 0.0045)
    """
    n = check_int(n, "n", minimum=1_000)
    rng = np.random.default_rng(check_seed(seed))
    quota = _quota(n, _intent_shares())
    intents = np.repeat(np.array(list(quota), dtype=object), list(quota.values()))
    intents = intents[rng.permutation(n)].tolist()
    pick = Picker(rng)
    return pd.DataFrame({"text": [_utterance(i, pick) for i in intents], "intent": intents})


def _chatterbot_dir(language: str) -> Path:
    try:
        import chatterbot_corpus
    except ImportError as exc:
        raise ImportError(
            "chatterbot_intents needs the 'chatterbot-corpus' package: pip install chatterbot-corpus"
        ) from exc
    root = Path(chatterbot_corpus.__file__).resolve().parent / "data"
    languages = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    check_in_choices(language, languages or ["english"], "language")
    folder = root / language
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise FileNotFoundError(f"no chatterbot-corpus YAML files in {folder}; is the package data installed?")
    return folder


def chatterbot_intents(language: str = "english") -> pd.DataFrame:
    """Utterances from the chatterbot-corpus YAML dialogs, labelled with their file's category.

    Every utterance of every conversation becomes a row; the category is the file's first
    ``categories`` entry (``ai.yml`` lists ``AI`` and ``artificial intelligence``: we use
    ``AI``). Blank and non-string utterances are dropped. English gives 21 categories with
    4,403 utterances, from ``tech support`` (2,100) down to ``health`` (9); repeated
    utterances are kept (the same question occurs in several dialogs).

    Parameters
    ----------
    language : str
        A folder of the package's ``data`` directory, e.g. ``"english"``.

    Returns
    -------
    DataFrame with columns ``text`` (str) and ``category`` (str), in file order.

    Examples
    --------
    >>> df = chatterbot_intents()
    >>> counts = df["category"].value_counts()
    >>> len(df), len(counts), counts.index[0], counts.index[-1]
    (4403, 21, 'tech support', 'health')
    >>> round(float(counts.iloc[0] / counts.iloc[-1]), 1)
    233.3
    """
    import yaml

    texts, categories = [], []
    for path in sorted(_chatterbot_dir(language).glob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        category = (doc.get("categories") or [path.stem])[0]
        for conversation in doc.get("conversations") or []:
            for utterance in conversation or []:
                if isinstance(utterance, str) and utterance.strip():
                    texts.append(utterance.strip())
                    categories.append(str(category))
    if not texts:
        raise ValueError(f"the chatterbot-corpus files for {language!r} hold no utterances")
    return pd.DataFrame({"text": texts, "category": categories})
