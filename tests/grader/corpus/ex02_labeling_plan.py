"""ex02: a first labeling wave under a budget (lesson 07)."""

_TILT = ("wave1_quotas = source_quotas(source_shares, wave_size, min_share=MIN_SHARE, "
         "tilt=FRAUD_LIFT, pool_counts=pool_counts{})")

FULL = {
    "reference": ({}, None, "the solution"),
    "a smaller seeded share": ({"a2_seeded_share": "seeded_share = 0.2"}, None,
                               "lesson 07: seed part of each quota with rules, keep the rest random"),
    "a larger seeded share": ({"a2_seeded_share": "seeded_share = 0.6"}, None,
                              "rules with good recall; 40 % of the wave stays random"),
    "a tenth seeded": ({"a2_seeded_share": "seeded_share = 0.1"}, None,
                       "a cautious practitioner; still clearly above random"),
    "nine tenths seeded": ({"a2_seeded_share": "seeded_share = 0.9"}, None,
                           "keeps the 10 % random slice"),
    "a half-strength tilt": ({"a1_wave1_quotas": _TILT.format(", strength=0.5")}, None,
                             "lesson 07: strength between 0 and 1 when the rate estimates are shaky"),
    "keep a random evaluation set": (
        {"a4_uncertainty_labels": "uncertainty_labels = label_budget - wave_size - 200"}, None,
        "lesson 07: keep an evaluation set drawn at random, never the actively labeled one"),
    "half the rest for uncertainty": (
        {"a4_uncertainty_labels": "uncertainty_labels = (label_budget - wave_size) // 2"}, None,
        "uncertainty rounds plus a second seeded wave later"),
    "one round of lesson 07's size": ({"a4_uncertainty_labels": "uncertainty_labels = 100"}, None,
                                      "lesson 07's active-learning loop labels 100 per round"),
}

PARTIAL = {
    "a token seeded share": ({"a2_seeded_share": "seeded_share = 0.02"},
                             {"q2_seeded_share": 0.5},
                             "20 rule picks find no more fraud than random's spread; with the "
                             "tilted quotas the wave still reaches 2x random (q5)"),
    "a starved random slice": ({"a2_seeded_share": "seeded_share = 0.95"}, {"q2_seeded_share": 0.5},
                               "lesson 07: keep a random slice for what the rules miss"),
    "a token uncertainty budget": ({"a4_uncertainty_labels": "uncertainty_labels = 1"},
                                   {"q4_uncertainty_labels": 0.5}, "no real round fits in 1 label"),
}
