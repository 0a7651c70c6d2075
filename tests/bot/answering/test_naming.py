"""Naming the kind asked for: among the names of the answer's first sentence, the one nearest the kind
the question names leads ("Which country ...?" gets the country, not the person)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.answering.asked import asked_for
from bot.answering.naming import candidates, name_the_kind, pick
from bot.answering.pipeline import answer, compose
from bot.answering.spans import named_kind, spans_of
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import Encoder
from embeddings.models import ArticleMeta, Chunk, Hit
from embeddings.search import Searcher

SENTENCE = "Odile Brackenridge, a former ferry captain, was named Vandermark’s new harbour minister."
SENTENCE_PT = (
    "Odile Brackenridge, a former ferry captain, was named Portugal's new harbour minister on Monday."
)
CHIEF = "Vandermark Ferries named Odile Brackenridge, a former ferry captain, as its new chief on Monday."
FERRY = "The new ferry cost 18 million euros and carries 300 passengers."
BRIDGE = "Building the 2.4-kilometre bridge took three years."


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which country named a new harbour minister?", "country"),
        ("Which small coastal nation named a minister?", "small coastal nation"),
        ("What major shipping company went bankrupt?", "major shipping company"),
        ("Where did the minister flee to?", "place"),
        ("Who was named harbour minister?", "person"),
        ("Whom did Vandermark name?", "person"),
        ("How much did the ferry cost?", None),
    ],
)
def test_named_kind_reads_the_wording(question: str, kind: str | None) -> None:
    assert named_kind(question) == kind


def test_names_lose_their_possessive_and_come_in_order() -> None:
    assert spans_of("name", SENTENCE, "Which country named a new harbour minister?") == [
        "Odile Brackenridge",
        "Vandermark",
    ]


def hit(text: str) -> Hit:
    meta = ArticleMeta(
        id="a1",
        source="/news/a1.txt",
        title="Minister named",
        publisher="The Gazette of Exampleton",
        published=datetime(2031, 5, 1),
        url=None,
    )
    return Hit(Chunk("a1:0", "a1", 0, 0, len(text), text), meta, 1, 1.0, dense_score=0.6, keyword_score=None)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who was named harbour minister?", "person"),
        ("Where will the summit be held?", "place"),
        ("Which coastal country named a minister?", "place"),
        ("Which ferry company went bankrupt?", "organisation"),
        ("Which team won the Harbour Cup?", "organisation"),
        ("Which head of state visited Vandermark?", "person"),
        ("Which band closed the festival?", "name"),
        ("How much did the ferry cost?", "money"),
        ("How many passengers can the ferry carry?", "number"),
        ("How long is the new bridge?", "length"),
        ("How long will the Harbour Line tram be?", "length"),
        ("How long did the strike last?", "duration"),
        ("For how long will the bridge close?", "duration"),
        ("When will the bridge open?", "date"),
        ("What year did the bridge open?", "year"),
        ("What percentage of voters turned out?", "percent"),
    ],
)
def test_asked_for_reads_the_kind_from_the_wording(question: str, kind: str) -> None:
    asked = asked_for(question)
    assert asked is not None and asked.kind == kind


def test_a_question_asking_for_no_kind_gets_none() -> None:
    assert asked_for("What did the council decide about the tram?") is None


# The real tagger (spaCy's small English pipeline) on fictional sentences.
@pytest.mark.parametrize(
    ("question", "sentence", "short"),
    [
        ("Who was named harbour minister?", SENTENCE_PT, "Odile Brackenridge"),
        ("Which country named a ferry captain as harbour minister?", SENTENCE_PT, "Portugal"),
        (
            "Which company named a new chief?",
            "Vandermark Ferries named a former ferry captain as its new chief on Monday.",
            "Vandermark Ferries",
        ),
        (
            "Where will the ferry summit be held?",
            "The ferry summit will be held in Lisbon next spring.",
            "Lisbon",
        ),
        ("How much did the ferry cost?", FERRY, "18 million euros"),
        ("How many passengers can the ferry carry?", FERRY, "300 passengers"),
        ("How long is the new bridge?", BRIDGE, "2.4-kilometre"),
        ("How long did building the bridge take?", BRIDGE, "three years"),
        (
            "When will the bridge open?",
            "The council said on Monday that the bridge would open in March 2031.",
            "March 2031",
        ),
        (
            "What year did the bridge open?",
            "The bridge opened on 4 March 2031 after a decade of delays.",
            "2031",
        ),
    ],
)
def test_the_short_answer_is_the_kind_asked_for(question: str, sentence: str, short: str) -> None:
    asked = asked_for(question)
    assert asked is not None
    assert pick(asked, sentence, question) == short


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # The recogniser calls "Turnout" a person; the tagger calls it a common noun.
        (
            "Who announced the turnout?",
            "Turnout was 67 percent, the election office in Exampleton announced.",
        ),
        ("Who said the bridge would reopen?", "Engineers said on Tuesday that the bridge would reopen soon."),
        ("Who found the bones?", "Researchers at the University of Exampleton found the bones in 2030."),
        # A weekday in a sentence about what is to come is when it was said, not when it will happen.
        ("When will the bridge open?", "The council said on Monday that work on the bridge would resume."),
        # "two years" is no length.
        ("How long is the tram line?", "The council argued about the tram line for two years."),
    ],
)
def test_no_short_answer_when_the_sentence_holds_nothing_of_the_kind(question: str, sentence: str) -> None:
    asked = asked_for(question)
    assert asked is not None
    assert pick(asked, sentence, question) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Exampleton United beat Portlow City 3-1 on Saturday to win the Harbour Cup.",
        "Portlow City lost to Exampleton United 3-1 in the Harbour Cup final on Saturday.",
    ],
)
def test_which_team_won_gets_the_winner(sentence: str) -> None:
    question = "Which team won the Harbour Cup?"
    asked = asked_for(question)
    assert asked is not None
    assert len(candidates(asked, sentence, question)) == 2  # both teams are of the kind asked
    assert pick(asked, sentence, question) == "Exampleton United"


def test_the_answer_keeps_its_sentences_and_loses_a_short_answer_of_the_wrong_kind() -> None:
    question = "Who announced the turnout?"
    composed = compose(
        question, [hit("Turnout was 67 percent, the election office in Exampleton announced.")], 0.0
    )
    named = name_the_kind(composed, question)
    assert named.short is None and named.short_n is None
    assert named.sentences == composed.sentences and named.citations == composed.citations


def _indexed(tmp_path: Path, encoder: Encoder, text: str, title: str) -> Searcher:
    """A searcher over one fictional article holding `text`, built with `encoder`."""
    article = Article(
        id="a1",
        source="fixtures/a1.txt",
        text=text,
        title=title,
        publisher="The Gazette of Exampleton",
        published=datetime(2031, 5, 1),
        url="https://gazette.exampleton.invalid/a1",
    )
    build_index_from_articles([article], tmp_path, encoder)
    return Searcher.open(tmp_path, encoder)


def test_the_real_model_tells_a_country_from_a_person(tmp_path: Path, real_encoder: Encoder) -> None:
    text = (
        "Odile Brackenridge, a former ferry captain, was named Portugal’s new harbour minister on Monday. "
        "She promised cheaper crossings to the islands."
    )
    with _indexed(tmp_path, real_encoder, text, "A ferry captain becomes harbour minister") as searcher:
        country = answer("Which country named a ferry captain as harbour minister?", searcher, threshold=0.0)
        person = answer("Who was named harbour minister?", searcher, threshold=0.0)
    assert country.short == "Portugal"
    assert person.short == "Odile Brackenridge"


def test_the_real_model_answers_who_with_the_person(tmp_path: Path, real_encoder: Encoder) -> None:
    text = (
        "Vandermark Ferries named Odile Brackenridge, a former ferry captain, as its new chief on Monday. "
        "She promised cheaper crossings to the islands."
    )
    with _indexed(tmp_path, real_encoder, text, "A ferry captain takes the helm") as searcher:
        person = answer("Who was named the new chief of the ferry company?", searcher, threshold=0.0)
    # The capitals alone would give the first name, the company's.
    assert spans_of("name", text.split(". ")[0], "Who was named the new chief?")[0] == "Vandermark Ferries"
    assert person.short == "Odile Brackenridge"


def test_several_places_of_the_kind_asked_give_no_short_answer_and_the_sentence_answers(
    tmp_path: Path, real_encoder: Encoder
) -> None:
    # Which of Brazil, Japan and Lisbon is the Asian country is for the reader of the quoted sentence: a
    # short answer chosen among them would be a guess (bot/answering/naming.py).
    text = "Delegates from Brazil and Japan signed the fishing treaty in Lisbon on Friday. It starts in May."
    with _indexed(tmp_path, real_encoder, text, "A fishing treaty is signed") as searcher:
        result = answer("Which Asian country signed the fishing treaty?", searcher, threshold=0.0)
    assert result.short is None and result.short_n is None
    assert result.sentences[0].text.startswith("Delegates from Brazil and Japan")


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        (
            "Which other country agreed a ferry deal with Vandermark?",
            "Portugal's minister announced the ferry deal between Vandermark and Norway.",
        ),
        ("Who opened the bridge?", "Odile Brackenridge and Tomasz Reyes opened the bridge on Monday."),
        # The small model calls "Harbour Yards" a person, so an organisation beside another name of any
        # kind is not told from it.
        ("Which company built the ferry?", "Harbour Yards built the ferry for Vandermark Ferries."),
        ("Which company named a new chief?", CHIEF),
        # A "which X" of no kind the tagger knows: it cannot tell the festival's band from another name.
        ("Which band closed the festival?", "The Gullwings closed the festival in Exampleton."),
    ],
)
def test_no_short_answer_when_the_sentence_does_not_settle_which_name(question: str, sentence: str) -> None:
    asked = asked_for(question)
    assert asked is not None
    assert pick(asked, sentence, question) is None


@pytest.mark.parametrize(
    ("sentence", "short"),
    [
        ("The city of Bergen, Norway, agreed to host the ferry summit in May.", "Bergen, Norway"),
        # Two towns are two answers to choose from, and no short answer guesses between them.
        ("The ferry summit moves from Bergen to Exampleton next year.", None),
    ],
)
def test_a_town_and_its_country_comma_between_are_one_place(sentence: str, short: str | None) -> None:
    question = "Which city will host the ferry summit?"
    asked = asked_for(question)
    assert asked is not None
    assert pick(asked, sentence, question) == short


def test_one_name_of_the_kind_asked_among_names_of_other_kinds_is_shown() -> None:
    question = "Which country named a ferry captain as harbour minister?"
    asked = asked_for(question)
    assert asked is not None
    assert len(candidates(asked, SENTENCE_PT, question)) == 1
    assert pick(asked, SENTENCE_PT, question) == "Portugal"
