"""Reading what `GET /metrics` answers, with prometheus_client's own parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample: (its name, its labels) → its value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name` with exactly these labels; None when absent."""
    return samples(text).get((name, frozenset(labels.items())))


def by_label(text: str, name: str, label: str, **labels: str) -> dict[str, float]:
    """The samples `name` with `labels` (and one more, `label`), by that label's value."""
    found: dict[str, float] = {}
    for (sample, have), number in samples(text).items():
        have = dict(have)
        if sample == name and label in have:
            rest = {k: v for k, v in have.items() if k != label}
            if rest == labels:
                found[have[label]] = number
    return found
