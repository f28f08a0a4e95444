"""Batch names typed without quotes, found as municipality names are (pure).

`/relocation tildel Moria 2020 Trondheim 5` reads "Moria" as the batch (a name with a
space needs quotes), and no batch is called that. Before refusing, the words after the
command are read against the batches there are: when they start with one batch's whole
name (`Moria 2020`), that is the batch, and the command is answered as if quoted; when
they start with several, or only with something like one (`Moira 2020`, `Moria`), the
answer asks "did you mean «Moria 2020»?", with a button per batch that carries the
command on with the name quoted. Nothing is done until one is chosen.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from bot.blocks import (
    MAX_BUTTONS,
    REDO_ACTION,
    Message,
    actions_block,
    button,
    redo_value,
    refusal,
    section_block,
)
from bot.i18n import Texts
from capacity import errors

SIMILAR = 80  # rapidfuzz's ratio (0-100) from which a name is "like" what was typed
MAX_SUGGESTIONS = 5
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class Reading:
    """A batch the typed words may name, and the command with that name in quotes."""

    name: str
    text: str


@dataclass(frozen=True)
class Found:
    starting: tuple[Reading, ...]  # the words start with these batches' whole names
    similar: tuple[Reading, ...]  # the words start with something like these names

    @property
    def only(self) -> str | None:
        """The command to answer when exactly one batch's whole name starts the words."""
        return self.starting[0].text if len(self.starting) == 1 else None


def _fold(words: Sequence[str]) -> str:
    return " ".join(" ".join(words).casefold().split())


def read(text: str, names: Sequence[str]) -> Found:
    """The batches `text` (a `/relocation` command as typed) may name after its first
    word, longest name first; none when the text is not one to read this way."""
    try:
        tokens = shlex.split(text.translate(_QUOTES))
    except ValueError:
        return Found((), ())
    if len(tokens) < 2:
        return Found((), ())
    head, words = tokens[0], " ".join(tokens[1:]).split()
    starting, similar = [], []
    for name in sorted(set(names), key=lambda found: (-len(found), found)):
        size = len(name.split())
        if _fold(words[:size]) == _fold([name]) and len(words) >= size:
            starting.append(Reading(name, _again(head, name, words[size:])))
            continue
        score, taken = max(
            (_likeness(words[:k], name), k) for k in range(1, min(len(words), size + 1) + 1)
        )
        if score >= SIMILAR:
            similar.append((score, Reading(name, _again(head, name, words[taken:]))))
    similar.sort(key=lambda found: -found[0])
    return Found(tuple(starting), tuple(r for _, r in similar[:MAX_SUGGESTIONS]))


def _likeness(words: Sequence[str], name: str) -> float:
    """How like a name the words are: a name they begin (`Moria` of `Moria 2020`, three
    letters at least) is as like it as can be; else rapidfuzz's ratio, case folded."""
    from rapidfuzz import fuzz  # a batch not found by its name: not every start's cost

    typed, folded = _fold(words), _fold([name])
    if len(typed) >= 3 and folded.startswith(typed + " "):
        return 100.0
    return fuzz.ratio(typed, folded)


def _again(head: str, name: str, rest: Sequence[str]) -> str:
    quoted = '"' + name.replace('"', "'") + '"'
    return " ".join([head, quoted, *rest])


def suggestions(error: errors.CapacityError, found: Found, t: Texts) -> Message:
    """No batch by the name read: the batches the words may name as buttons that carry
    the command on ("did you mean «Moria 2020»?"), or the refusal when there are none."""
    readings = [*found.starting, *found.similar][:MAX_BUTTONS]
    buttons = [
        button(reading.name[:75], f"{REDO_ACTION}:batch{i}", value)
        for i, reading in enumerate(readings)
        if (value := redo_value("relocation", reading.text))
    ]
    if not buttons:
        return refusal(error, t)
    names = t.either([f"«{reading.name}»" for reading in readings[: len(buttons)]])
    typed = str(error.facts.get("name", ""))
    text = t.text("batch_names", "did_you_mean", {"typed": typed, "names": names})
    return Message(
        text=text.replace("*", ""),
        blocks=[section_block(text), actions_block(buttons, "batch_names")],
    ).check()
