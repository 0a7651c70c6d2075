"""Follow-up questions: the rules that read a question in the previous one's context, the per-key store
with its ten-minute expiry (an injected clock), and `newsbot chat` end to end with the real model over a
small fictional corpus."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.answer
from bot.cli import main
from bot.followup import Conversations, Resolved, Turn, answer_resolved, is_followup, resolve
from bot.models import Answer, AnswerSentence, Citation
from corpus.ids import article_id
from corpus.models import Article
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.search import Searcher

DAM = Turn(question="How much did the Vellmar Dam cost?", topic="Vellmar Dam", article_ids=("dam",))


def cited_answer(question: str, article: str = "dam", short: str | None = None) -> Answer:
    citation = Citation(1, article, f"{article}:0", "Dam opens", "Gazette", None, None, "/x", "It opened.")
    return Answer(question, (AnswerSentence("It opened.", 1),), (citation,), (), False, short=short)


@pytest.mark.parametrize(
    "question",
    [
        "And when?",
        "Who else?",
        "How much did it cost?",
        "What about the tunnel?",
        "When did they start?",
        "Why?",
    ],
)
def test_questions_that_lean_on_the_last_one_are_follow_ups(question: str) -> None:
    assert is_followup(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who won the Exampleton Marathon?",
        "How many turbines will the Gull Bank wind farm have?",
        "When did the Vellmar Dam open?",
        "",
    ],
)
def test_questions_that_name_their_subject_stand_alone(question: str) -> None:
    assert not is_followup(question)


def test_a_follow_up_keeps_its_own_wording_and_carries_the_topic() -> None:
    resolved = resolve("and when will it open?", DAM)
    assert resolved.question == "When will it open? (Vellmar Dam)"
    assert resolved.rewritten and resolved.prefer == ("dam",)


def test_what_about_asks_the_last_question_word_of_the_new_subject() -> None:
    resolved = resolve("What about the tunnel?", DAM)
    assert resolved.question == "How much the tunnel? (Vellmar Dam)"


def test_a_standalone_question_is_not_rewritten_even_after_another() -> None:
    resolved = resolve("Who won the Exampleton cheese festival?", DAM)
    assert resolved == Resolved(
        "Who won the Exampleton cheese festival?",
        "Who won the Exampleton cheese festival?",
        topic="Exampleton cheese festival",
    )


def test_she_is_the_name_a_who_question_was_answered_with_and_nothing_else() -> None:
    who = Turn(
        question="Who led the building of the Vellmar Dam?",
        topic="led building Vellmar Dam",
        short="Saskia Dunmore",
    )
    assert resolve("How old is she?", who).question.startswith("How old is Saskia Dunmore?")
    when = Turn(question="When did the Vellmar Dam open?", topic="Vellmar Dam", short="Tuesday")
    assert "Tuesday" not in resolve("What did she say?", when).question


def test_a_turn_expires_after_ten_minutes_on_the_injected_clock() -> None:
    now = [1000.0]
    conversations = Conversations(clock=lambda: now[0])
    conversations.remember(
        "alice", Resolved("q", "How much did the Vellmar Dam cost?", topic="Vellmar Dam"), cited_answer("q")
    )
    now[0] += 599
    assert conversations.resolve("alice", "And when?").question == "When? (Vellmar Dam)"
    now[0] += 2  # 601 s after the answer: forgotten, and the follow-up is taken as typed
    assert conversations.resolve("alice", "And when?") == Resolved("And when?", "And when?", topic="")
    assert len(conversations) == 0


def test_keys_are_separate_forget_says_whether_there_was_anything_and_the_oldest_key_goes_first() -> None:
    conversations = Conversations(max_size=2, clock=lambda: 0.0)
    for key in ("a", "b"):
        conversations.remember(key, Resolved("q", "q", topic=f"topic {key}"), cited_answer("q"))
    assert conversations.previous("a") is not None  # "a" used: "b" is now the least recently used
    conversations.remember("c", Resolved("q", "q", topic="topic c"), cited_answer("q"))
    assert conversations.previous("b") is None and conversations.previous("a") is not None
    assert conversations.forget("a") is True and conversations.forget("a") is False
    assert conversations.previous("a") is None and conversations.previous("c") is not None


def test_an_abstention_keeps_the_topic_but_no_article_to_prefer() -> None:
    conversations = Conversations(clock=lambda: 0.0)
    turn = conversations.remember("k", Resolved("q", "q", topic="Vellmar Dam"), Answer("q", (), (), (), True))
    assert turn.article_ids == () and turn.topic == "Vellmar Dam"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="ttl"):
        Conversations(ttl=0)
    with pytest.raises(ValueError, match="max_size"):
        Conversations(max_size=0)


# --- newsbot chat, end to end with the real model --------------------------------------------------


def _article(url: str, title: str, text: str) -> Article:
    return Article(
        id=article_id(url=url, text=text),
        source=f"/fixtures/{url.rsplit('/', 1)[-1]}.html",
        text=text,
        title=title,
        publisher="The Gazette of Exampleton",
        published=datetime(2024, 6, 4, 9, 0),
        url=url,
    )


# Fictional: the Vellmar Dam, Exampleton and its people do not exist.
ARTICLES = [
    _article(
        "https://gazette.example/2024/06/vellmar-dam",
        "Vellmar Dam starts producing power",
        "The Vellmar Dam hydroelectric plant north of Exampleton started producing power on Tuesday.\n\n"
        "The dam cost 210 million crowns, the regional energy board said.\n\n"
        "Construction took four years and was led by the engineer Saskia Dunmore.\n\n"
        "Work on the dam began in March 2020.",
    ),
    _article(
        "https://gazette.example/2024/06/cheese-festival",
        "Cheese festival draws record crowds",
        "The annual Exampleton cheese festival drew a record 15,000 visitors over the weekend.\n\n"
        "A goat cheese from the Ostrand valley farm won the festival's gold medal for the third year "
        "running.",
    ),
]


@pytest.fixture(scope="module")
def fictional_index(
    tmp_path_factory: pytest.TempPathFactory, real_encoder: SentenceTransformerEncoder
) -> Path:
    directory = tmp_path_factory.mktemp("followup-real") / "index"
    build_index_from_articles(ARTICLES, directory, real_encoder)
    return directory


def test_chat_reads_a_follow_up_in_context_shows_it_and_forgets_it_on_new(
    fictional_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    lines = [
        "How much did the Vellmar Dam cost?",
        "Who led the construction?",
        "/new",
        "Who led the construction?",
    ]
    stdin = "\n".join([*lines, "exit"]) + "\n"
    result = CliRunner().invoke(main, ["chat", "--index", str(fictional_index)], input=stdin)
    assert result.exit_code == 0, result.stderr
    turns = result.stdout.split("newsbot> ")[1:]
    assert len(turns) == 5  # three answers, the /new line, the exit line
    first, follow_up, _new, alone, _exit = turns
    assert "210 million crowns" in first and "taken as" not in first
    assert follow_up.startswith("(taken as: Who led the construction? (Vellmar Dam))")
    assert "Saskia Dunmore" in follow_up and "Vellmar Dam starts producing power" in follow_up
    assert "new conversation" in result.stderr
    assert "taken as" not in alone  # after /new the same words are read on their own


def test_a_follow_up_leads_with_what_the_last_answer_did_not_say(
    fictional_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Searcher.open(fictional_index) as searcher:
        conversations = Conversations(clock=lambda: 0.0)
        first = conversations.resolve("k", "When did the Vellmar Dam start producing power?")
        said = answer_resolved(first, searcher)
        conversations.remember("k", first, said)
        second = conversations.resolve("k", "And when did the work begin?")
        followed = answer_resolved(second, searcher)
        monkeypatch.setattr(bot.answer, "SAID_PENALTY", 0.0)
        repeated = answer_resolved(second, searcher)
    assert said.short == "Tuesday" and second.said == tuple(s.text for s in said.sentences)
    assert (
        followed.short == "March 2020"
        and followed.sentences[0].text == "Work on the dam began in March 2020."
    )
    # Without the rule, the topic's words carried by the follow-up lead it back to what was just said.
    assert repeated.sentences[0].text == said.sentences[0].text
