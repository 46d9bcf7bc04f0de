"""ex03: a three-wave labeling plan (lesson 07)."""

_MIX = ("quotas = source_quotas(source_shares, wave_size, min_share=0.1, tilt=SOURCE_LIFT, "
        "strength=0.5)\n"
        "def wave(seeded, uncertainty):\n"
        "    s, u = int(seeded * wave_size), int(uncertainty * wave_size)\n"
        "    return {'quotas': quotas, 'seeded': s, 'uncertainty': u, 'random': wave_size - s - u}\n")
_METRICS = "a_success_metrics"

FULL = {
    "reference": ({}, None, "the solution"),
    "lesson 07's checks after every wave": (
        {_METRICS: "success_metrics = ['positives_found', 'per_source_counts', 'duplicates_drawn']"},
        None, "lesson 07: per-class counts, per-source counts, duplicates drawn (should stay 0)"),
    "every check lesson 07 lists": (
        {_METRICS: ("success_metrics = ['cumulative_positives', 'yield_vs_random', "
                    "'per_source_positives', 'source_entropy', 'duplicates_drawn', 'labels_used']")},
        None, "lesson 07 section 6 and its summary: compare with random, watch the budget"),
    "rates and the thinnest source": (
        {_METRICS: "success_metrics = ['positive_rate_per_wave', 'min_source_share']"}, None,
        "a yield and a diversity measure in other forms"),
    "shift from seeded to uncertainty": (
        {"a_waves": _MIX + "waves = [wave(0.4, 0), wave(0.3, 0.5), wave(0.1, 0.7)][:n_waves]"}, None,
        "lesson 07: when the rules are exhausted, shift the mix from seeded to uncertainty"),
    "plan_wave objects": (
        {"a_waves": ("quotas = source_quotas(source_shares, wave_size, min_share=0.1, "
                     "tilt=SOURCE_LIFT, strength=0.5)\nhalf, fifth = wave_size // 2, wave_size // 5\n"
                     "waves = [plan_wave(quotas, seeded=half)] + [plan_wave(quotas, seeded=fifth, "
                     "uncertainty=half) for _ in range(n_waves - 1)]")}, None,
        "lesson 07 records waves with plan_wave"),
}

PARTIAL = {
    "a misleading model metric": (
        {_METRICS: "success_metrics = ['cumulative_positives', 'source_entropy', 'accuracy']"},
        {"q5_success_metrics": 1}, "lesson 02: accuracy hides the rare class"),
}
