"""The answering pipeline: extractive answers that quote the retrieved sentences that answer the question,
cite each, or abstain. `answer` reads as its stages: retrieve (bot/answering/retrieve.py, as of a day:
timeframe.py), score the sentences (scoring.py), assess the confidence (confidence.py), choose and cite
(cite.py), name the short answer (naming.py); an optional reader (bot/answering/readers/) picks or writes.

No text is generated: every answer sentence is a sentence of an indexed article, quoted as it stands.
Not handled: questions that need reasoning across sentences (the answer quotes, it does not combine), and
languages whose words are not separated by spaces (the term matching is word-based).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.answering.cite import MAX_SENTENCES, cite, closest, near_duplicate, select
from bot.answering.confidence import ABSTAIN_BELOW, CONFIDENCE_MODEL, assess
from bot.answering.naming import name_the_kind
from bot.answering.readers.base import READER_SENTENCES, Evidence, Reader, Writer, read
from bot.answering.retrieve import ArticleSearch, Retrieved, retrieve
from bot.answering.scoring import Candidate
from bot.models import Answer
from embeddings.models import Hit


def answer(
    question: str,
    searcher: ArticleSearch,
    k: int = 8,
    since: date | None = None,
    until: date | None = None,
    threshold: float = ABSTAIN_BELOW,
    reader: Reader | Writer | None = None,
    as_of: date | None = None,
) -> Answer:
    """Answer `question` from the index behind `searcher`, citing every sentence, or abstain when the
    confidence is under `threshold` (0 never abstains while a sentence shares a question term). With a
    `reader` (bot/answering/readers/base.py), its short answer, when it stands word for word in a scored
    sentence, leads; a `Writer` (bot/answering/readers/llm.py) rewrites the answer from its passages,
    checked. With `as_of`, the question is asked as of that day: nothing published after it is used,
    recent articles are preferred and a relative date ("last week") narrows the search
    (bot/answering/timeframe.py). The confidence reads the cosines on the scale of the model the index
    was built with."""
    found = retrieve(question, searcher, k, since, until, as_of)
    model = searcher.model
    composed = compose(found.scored, found.hits, threshold, reader, model=model)
    return finish(composed, found, reader, as_of)


def finish(
    composed: Answer,
    found: Retrieved,
    reader: Reader | Writer | None,
    as_of: date | None,
) -> Answer:
    """A composed answer as `answer` returns it: the kind asked for named, the question as asked, the
    as-of day and the timeframe recorded."""
    if composed.short is None and not isinstance(reader, Writer):
        # A picking reader's short answer is its own. Without one, or when the reader gave none (it failed,
        # or proposed no span of the sentences), the tagger names the kind asked for
        # (bot/answering/naming.py), so a failing reader answers as no reader would. A writer's answer was
        # named before it was written (compose).
        composed = name_the_kind(composed, found.scored)
    return replace(composed, question=found.question, as_of=as_of, timeframe=found.timeframe)


def compose(
    question: str,
    hits: Sequence[Hit],
    threshold: float = ABSTAIN_BELOW,
    reader: Reader | Writer | None = None,
    *,
    model: str = CONFIDENCE_MODEL,
    said: frozenset[str] = frozenset(),
) -> Answer:
    """The answer to an already cleaned `question` from retrieved `hits` (best first), their cosines
    given by `model` (the name the index records); sentences in `said` were quoted just before."""
    assessment = assess(question, hits, model=model, said=said)
    if not assessment.candidates or assessment.confidence < threshold:
        return Answer(
            question=question,
            sentences=(),
            citations=(),
            passages=tuple(hits),
            abstained=True,
            closest=closest(assessment.candidates, hits),
            confidence=assessment.confidence,
        )
    chosen = select(assessment.candidates)
    short = None  # a picking reader's; else `finish` names the kind asked for (bot/answering/naming.py)
    if reader is not None and not isinstance(reader, Writer):
        # The reader only picks: what it proposes is used when it is a span of one of the sentences it
        # was shown, and that sentence then leads so the short answer is quoted and cited right after it.
        # The abstention stays the confidence's: a reader never makes newsbot answer what it would not.
        reading = read(reader, question, evidence(assessment.candidates))
        if reading is not None:
            source = assessment.candidates[reading.index]
            rest = [c for c in chosen if c is not source and not near_duplicate(c, source)]
            chosen = [source, *rest][:MAX_SENTENCES]
            short = reading.text
    sentences, citations = cite(chosen)
    result = Answer(
        question=question,
        sentences=sentences,
        citations=citations,
        passages=tuple(hits),
        abstained=False,
        short=short,
        short_n=sentences[0].n if short else None,
        confidence=assessment.confidence,
    )
    # A writer rewrites only what newsbot answers (the abstention above stays the confidence's), and gives
    # the extractive answer back when nothing it wrote passes its checker.
    return reader.write(name_the_kind(result, question)) if isinstance(reader, Writer) else result


def evidence(candidates: Sequence[Candidate], limit: int = READER_SENTENCES) -> tuple[Evidence, ...]:
    """The first `limit` scored candidates as the reader sees them, in the same order (so a Reading's
    index is a candidate's index)."""
    shown: list[Evidence] = []
    for candidate in candidates[:limit]:
        meta = candidate.hit.article
        parts = [
            meta.publisher or meta.title or "",
            meta.published.date().isoformat() if meta.published else "",
        ]
        shown.append(Evidence(candidate.text, ", ".join(p for p in parts if p)))
    return tuple(shown)
