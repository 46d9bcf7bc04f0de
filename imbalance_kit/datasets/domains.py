"""How the items of each labeling pool are written, and the weak rule that seeds each domain.

A :class:`PoolDomain` holds text templates for four kinds of item (minority with a keyword cue,
minority without one, majority with a keyword in a harmless context, plain majority), per-source
openers and closers, and the domain's keywords. :func:`~imbalance_kit.datasets.labeling_pool`
writes a pool from one domain and scores it with that domain's own rule, so seeding on the
abuse pool uses abuse keywords, never the fraud keywords of the support tickets.

>>> sorted(DOMAINS)
['abuse', 'tickets']
>>> [r.name for r in DOMAINS["abuse"].rules]
['abuse_keywords']
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..labeling.rules import KeywordRule


@dataclass(frozen=True)
class PoolDomain:
    """Templates and the weak keyword rule of one labeling domain.

    ``name`` says what the minority is ("fraud", "abuse") and names the rule. Templates may use ``{order}`` (a five-digit number) and ``{item}`` (drawn from ``items``);
    closers may use ``{name}``. Sources without openers or closers get none.
    """

    name: str
    keywords: tuple
    positive_cue: tuple
    positive_soft: tuple
    negative_cue: tuple
    negative: tuple
    items: tuple
    names: tuple
    openers: Mapping = field(default_factory=dict)
    closers: Mapping = field(default_factory=dict)
    dup_edits: tuple = ("{t}",)

    @property
    def rules(self) -> list:
        """The domain's weak rule, as :func:`imbalance_kit.labeling.seed_candidates` takes it."""
        return [KeywordRule(f"{self.name}_keywords", self.keywords)]

    def render(self, template: str, source: str, rng) -> str:
        # The order of draws is fixed: the same seed must give the same pool.
        core = template.format(order=rng.integers(10_000, 99_999), item=self.items[rng.integers(len(self.items))])
        opener = self.openers[source][rng.integers(len(self.openers[source]))] if source in self.openers else ""
        closer = self.closers[source][rng.integers(len(self.closers[source]))] if source in self.closers else ""
        closer = closer.format(name=self.names[rng.integers(len(self.names))])
        return " ".join(p for p in (opener, core, closer) if p)


_NAMES = ("Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jo")

# Lower-case; matched case-insensitively by the course's keyword rule.
FRAUD_KEYWORDS = ("refund", "chargeback", "gift card", "verify account", "wire transfer")

TICKETS = PoolDomain(
    name="fraud",
    keywords=FRAUD_KEYWORDS,
    # Fraud with a keyword cue (the rule fires).
    positive_cue=(
        "someone asked me to buy a gift card to unlock my order #{order}",
        "I got a text telling me to verify account details through a strange link",
        "there is a chargeback on order #{order} for a {item} I never bought",
        "a caller said I must send a wire transfer to release my refund",
        "your 'agent' wants a gift card code before shipping my {item}",
        "I was told to verify account ownership by paying a fee, is this real?",
        "a refund of $900 appeared and they want me to send the money back by wire transfer",
        "my bank shows a chargeback I did not request and a new card on file",
    ),
    # Fraud without a keyword (the rule misses it; a model can still learn the soft wording).
    positive_soft=(
        "there are unauthorized charges for a {item} on my card",
        "someone logged into my account from another country and changed the email",
        "my account was hacked and order #{order} was shipped to a stranger",
        "I received a suspicious call from someone pretending to be your staff",
        "a stolen card was used to buy {item}s with my account",
        "unknown purchases keep showing up, I never made order #{order}",
    ),
    # Ordinary tickets that happen to contain a keyword (false rule hits).
    negative_cue=(
        "I would like a refund for the damaged {item} from order #{order}",
        "can I pay for a bulk order of {item}s by wire transfer?",
        "do you sell a gift card I can give as a birthday present?",
        "how long does a refund take after I return the {item}?",
        "the app asks me to verify account email but the link expired",
    ),
    negative=(
        "where is my order #{order}? it says shipped a week ago",
        "the {item} arrived with a scratch on the side",
        "how do I reset my password on the app?",
        "can I change the delivery address for order #{order}?",
        "the app keeps crashing when I open my cart",
        "I want to cancel my subscription at the end of the month",
        "question about the invoice for my {item}",
        "my discount code does not work at checkout",
        "do you ship the {item} in other colours?",
        "love the new {item}, great quality",
        "the size of the {item} is smaller than listed",
        "is order #{order} eligible for express shipping?",
    ),
    items=("lamp", "jacket", "phone case", "blender", "headphones", "desk", "kettle", "backpack"),
    names=_NAMES,
    openers={
        "Email": ("Hello support team,", "Dear customer service,", "Hi,", "Good morning,"),
        "Chat": ("hi", "hey there", "hello?", "quick question:"),
        "Social": ("@ShopSupport", "@ShopHelp hey", "yo @ShopSupport", "@ShopSupport pls"),
    },
    closers={
        "Email": ("Kind regards, {name}", "Thanks, {name}", "Best, {name}", "Sincerely, {name}"),
        "Chat": ("thx", "thanks", "ok?", ""),
        "Social": ("#help", "#fail", "smh", "!!"),
    },
    # Near-duplicate edits: reposts, forwards, a changed closing.
    dup_edits=("Fwd: {t}", "{t} (sent again)", "{t}!!", "Re: {t}", "{t} any update?"),
)

ABUSE_KEYWORDS = ("idiot", "loser", "shut up", "pathetic", "hurt you")

ABUSE = PoolDomain(
    name="abuse",
    keywords=ABUSE_KEYWORDS,
    positive_cue=(
        "you are such an idiot, nobody wants your opinion on the {item}",
        "shut up and delete your account, loser",
        "only a pathetic loser would post this about the {item}",
        "keep posting about the {item} and someone will hurt you",
        "what an idiot, read post #{order} before you type",
        "you pathetic troll, go away and stay away",
        "shut up already, everyone here hates you",
        "I know people who would hurt you for a comment like #{order}",
    ),
    # Abuse without a keyword (the rule misses it).
    positive_soft=(
        "nobody wants your kind here, leave",
        "go back to where you came from and take your {item} with you",
        "do everyone a favor and disappear for good",
        "I found your address, think about that before you post again",
        "people like you should not be allowed near a keyboard",
        "crawl back under your rock, you ruin every {item} thread",
    ),
    # Harmless messages that happen to contain a keyword (false rule hits).
    negative_cue=(
        "I felt like an idiot for missing the {item} sale",
        "the loser of the {item} contest still gets a free sticker",
        "how do I shut up the notifications for post #{order}?",
        "calling people pathetic is against the rules here, please be kind",
        "the villain says he will hurt you in the {item} trailer, so good",
    ),
    negative=(
        "the {item} arrived on time and works fine",
        "great {item}, would buy again",
        "does anyone know when the next {item} is out?",
        "thanks for the tips about the {item}",
        "I disagree, the older {item} was better",
        "can a moderator pin post #{order}?",
        "the {item} is too expensive for what it is",
        "love this community, the {item} thread helped a lot",
        "is the {item} still on sale?",
        "my {item} stopped working after the update",
        "fair review, the {item} is decent but loud",
        "first time posting here, hi everyone",
    ),
    items=("game", "headset", "phone", "album", "movie", "keyboard", "camera", "laptop"),
    names=_NAMES,
    openers={
        "Comments": ("reply:", "lol", "honestly,", "ok so"),
        "Reviews": ("Review:", "1 star.", "Verified buyer:", "Update:"),
        "Chat": ("hi", "hey", "hello?", "msg:"),
        "UserReports": ("Reported message:", "User report:", "Flagged message:", "Report:"),
    },
    closers={
        "Comments": ("", "just saying", "@{name}", "smh"),
        "Reviews": ("- {name}", "Would not recommend.", "", "Just my opinion."),
        "Chat": ("", "ok?", "bye", "thx"),
        "UserReports": ("(reported by {name})", "(second report)", "", "(auto-forwarded)"),
    },
    dup_edits=("Fwd: {t}", "{t} (reposted)", "{t}!!", "Re: {t}", "{t} ^ this"),
)

#: name -> domain, for ``labeling_pool(..., domain=name)``.
DOMAINS = {"tickets": TICKETS, "abuse": ABUSE}
