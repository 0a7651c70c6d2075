"""Naming the kind of thing asked for: "Which country ...?" answered with the sentence "Hassan Diab, a
former professor, was named Lebanon's new prime minister." should lead with "Lebanon", not with the first
name in it.

`bot.spans` finds names by their capitals and cannot tell a country from a person; the embedding model can.
Among the names of the answer's first sentence, the one whose embedding is nearest the kind the question
names ("European country", "major entertainment company"; "person" for "who", "place" for "where")
becomes the short answer: "Who was named chief?" of "Vandermark Ferries named Odile Brackenridge …" gets
the person, not the company the capitals find first (news quiz closest option 0.651 -> 0.653, no half
worse; benchmarks/results/answers.md). The sentence, its
citation and the abstention are untouched: only which of its names leads changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from bot.models import Answer
from bot.spans import answer_type, lower_case_words, named_kind, spans_of

Encode = Callable[[list[str]], npt.NDArray[np.float32]]


def name_the_kind(answer: Answer, question: str, encode: Encode) -> Answer:
    """`answer` with the name of its first sentence nearest the kind `question` asks for as its short
    answer; unchanged when the question names no kind, the answer has no short name, or the sentence
    holds only one name. `encode` gives unit vectors (an `Encoder.encode_queries`)."""
    kind = named_kind(question)
    if answer.abstained or not answer.short or kind is None or answer_type(question) not in ("name", "place"):
        return answer
    common = lower_case_words(" ".join(hit.chunk.text for hit in answer.passages))
    names = spans_of("name", answer.sentences[0].text, question, common)
    if len(names) < 2:
        return answer
    return replace(answer, short=nearest(kind, names, encode))


def nearest(kind: str, names: Sequence[str], encode: Encode) -> str:
    """The name whose embedding has the highest cosine with `kind`'s (the first on a tie)."""
    vectors = np.asarray(encode([kind, *names]), dtype=np.float32)
    cosines = vectors[1:] @ vectors[0]
    return names[int(np.argmax(cosines))]
