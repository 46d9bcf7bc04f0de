"""Word pools and small text helpers shared by the synthetic text generators.

Generators draw words with :class:`Picker`, which uses only ``random.Random.random()``: Python
guarantees that method's sequence for a given seed, so the same seed yields the same text on
every supported Python version (unlike ``choice``/``sample``, whose algorithms may change).
"""
from __future__ import annotations

import random

import numpy as np


class Picker:
    """Seeded, fast uniform draws from Python sequences.

    >>> p = Picker(np.random.default_rng(0))
    >>> p.pick(["a", "b", "c"]) in {"a", "b", "c"}
    True
    >>> Picker(np.random.default_rng(1)).fill("{x} {x}", {"x": ["hi"]})
    'hi hi'
    """

    def __init__(self, rng: np.random.Generator):
        self._random = random.Random(int(rng.integers(2**63))).random

    def random(self) -> float:
        return self._random()

    def pick(self, seq):
        return seq[int(self._random() * len(seq))]

    def coin(self, p: float) -> bool:
        return self._random() < p

    def between(self, low: int, high: int) -> int:
        """A whole number in ``[low, high]``."""
        return low + int(self._random() * (high - low + 1))

    def fill(self, template: str, slots) -> str:
        """Replace every ``{slot}`` in ``template`` with an independent draw from ``slots[slot]``."""
        parts = template.split("{")
        out = [parts[0]]
        for part in parts[1:]:
            name, rest = part.split("}", 1)
            out.append(self.pick(slots[name]))
            out.append(rest)
        return "".join(out)


# --- comment vocabulary (toxic_comments) ----------------------------------------------------
# Topic words per source, so each platform reads differently; they carry no label signal of
# their own beyond the sources' different toxic rates.
TOPICS = {
    "forum": ("thread", "post", "patch", "driver", "update", "build", "mod", "install", "version",
              "setup", "firmware", "guide", "config", "bug report", "server", "plugin"),
    "news": ("article", "policy", "election", "council", "budget", "tax plan", "reporter",
             "minister", "economy", "headline", "mayor", "vote", "bill", "interview", "poll"),
    "video": ("video", "channel", "stream", "edit", "soundtrack", "tutorial", "upload", "intro",
              "thumbnail", "camera work", "episode", "review", "livestream", "collab"),
    "social": ("photo", "story", "caption", "weekend", "party", "trip", "selfie", "birthday",
               "playlist", "outfit", "recipe", "meme", "giveaway", "concert"),
}
FILLER = ("honestly", "i think", "tbh", "lol", "to be fair", "imo", "well", "ok so", "anyway",
          "seriously", "not gonna lie", "i mean", "for real", "just saying", "again", "yeah")
POSITIVE = ("great", "interesting", "helpful", "nice", "useful", "solid", "clear", "fun",
            "impressive", "decent", "lovely", "fair", "smart", "good", "funny", "calm")
# Mild negative words occur in both classes: complaints are not toxic, sarcasm can be either.
NEGATIVE = ("terrible", "awful", "boring", "ridiculous", "annoying", "useless", "bad", "lame",
            "disappointing", "broken", "wrong", "pointless", "lazy", "cringe", "messy", "dull",
            "nonsense", "weak", "sloppy", "overrated", "embarrassing", "clumsy")
INSULT_NOUNS = ("idiot", "moron", "loser", "clown", "scum", "imbecile", "fool", "dimwit",
                "halfwit", "creep", "jerk", "degenerate", "lowlife", "parasite", "pig", "freak",
                "waste of space", "troll")
INSULT_ADJS = ("stupid", "pathetic", "dumb", "brainless", "worthless", "ignorant", "disgusting",
               "useless", "spineless", "clueless")
THREATS = ("hurt you", "find where you live", "come for you", "make you pay", "shut you up for good",
           "make you regret it", "break your face", "end you", "wreck your life", "hunt you down")
# Subtle toxicity: dismissive or othering phrasing built from everyday words only.
SUBTLE = ("people like you should just leave", "do everyone a favor and stop talking",
          "nobody wants your kind here", "go back to where you came from", "you people never learn",
          "maybe try thinking for once", "who let you near a keyboard", "crawl back under your rock",
          "nobody asked for your opinion", "you should be ashamed of yourself",
          "get lost and stay gone", "your mother must be so proud", "keep talking so everyone sees",
          "you are the reason nobody comes here", "sit down and let the adults talk")
# Civil replies share those everyday words ("you", "people", "should", "leave", "stop", "back").
CIVIL = ("i think you are wrong about the {topic}", "you should read the {topic} again",
         "people like you and me should just wait for the next {topic}",
         "can you stop posting the same {topic} twice", "go back to the first {topic}, it explains it",
         "nobody asked me but the {topic} was {pos}", "you make a fair point about the {topic}",
         "maybe try the older {topic} first", "let the {topic} speak for itself",
         "i would leave the {topic} as it is", "you could be right, the {topic} is {neg}")
# Non-toxic comments that quote insults: moderation talk, reported speech, self-deprecation.
QUOTING = ("calling someone {a_insult} is not ok", "please stop using words like {insult} here",
           "reported the guy who called me {a_insult}", "{insult} is a harsh word for a {topic}",
           "calling people {insult_adj} never helps", "i was {insult_adj} to skip the {topic}",
           "i felt like {a_insult} after missing the {topic}", "the mods removed a comment calling her {a_insult}",
           "no need to call anyone {a_insult} over a {topic}", "my brother called me {a_insult} as a joke, love him")
INSULT_TEMPLATES = ("you are {a_insult}", "what {a_insult}", "shut up you {insult}",
                    "only {a_insult} would post this", "you {insult}, the {topic} is {neg}",
                    "{insult_adj} take from {a_insult}", "typical {insult}", "listen here you {insult}",
                    "stop being so {insult_adj}", "you absolute {insult}", "you are so {insult_adj}",
                    "how {insult_adj} can one {insult} be")
THREAT_TEMPLATES = ("i will {threat}", "someone should {threat}", "keep it up and i will {threat}",
                    "watch out, we will {threat}", "say that again and i {threat}")
NEUTRAL_TEMPLATES = ("the {topic} was {pos}", "thanks for the {topic}", "{filler} the {topic} is {pos}",
                     "anyone else waiting for the {topic}", "i liked the {topic} more than the last one",
                     "where can i find the {topic}", "saw the {topic} this morning", "the {topic} looks {pos} to me",
                     "does anyone know when the next {topic} is out", "my friend sent me this {topic}",
                     "first time here, the {topic} seems {pos}", "the {topic} and the {topic} are both {pos}",
                     "can someone explain the {topic}", "bookmarking this {topic} for later",
                     "same here, the {topic} made my day", "the new {topic} is {pos} but a bit long")
COMPLAINT_TEMPLATES = ("the {topic} is {neg}", "this {topic} is {neg}, honestly", "what {neg} {topic}",
                       "worst {topic} in years, so {neg}", "{filler} the {topic} was {neg}",
                       "why is every {topic} this {neg}", "the {topic} keeps getting more {neg}")
SARCASM_TEMPLATES = ("wow, such {pos} {topic}, genius", "oh great, another {neg} {topic}",
                     "sure, because the {topic} is so {pos}", "brilliant {topic}, truly {pos}")
