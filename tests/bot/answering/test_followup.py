"""Follow-up questions: the rules that read a question in the previous one's context, the per-key store
with its ten-minute expiry (an injected clock), and `newsbot chat` end to end with the real model over a
small fictional corpus."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.answering.scoring
from bot.answering.followup import (
    Conversations,
    Resolved,
    Turn,
    answer_resolved,
    is_command,
    is_followup,
    points_back,
    resolve,
    story_of,
    word_key,
)
from bot.cli import main
from bot.cli.ask import CHAT_HELP
from bot.models import Answer, AnswerSentence, Citation
from corpus.ids import article_id
from corpus.models import Article, Chunk
from embeddings.build import build_index_from_articles
from embeddings.encoder import SentenceTransformerEncoder
from embeddings.models import ArticleMeta, Hit
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


def test_what_about_asks_the_last_question_of_the_new_subject() -> None:
    resolved = resolve("What about the tunnel?", DAM)
    assert resolved.question == "How much did the tunnel cost? (Vellmar Dam)"
    assert resolved.topic == "tunnel"  # the conversation has moved on to it
    # the whole name goes, though "Old" is no topic word of its own
    bridge = Turn(question="Why will the Old Stone Bridge close?", topic="Stone Bridge")
    assert resolve("What about buses?", bridge).question == "Why will buses close? (Stone Bridge)"
    # a topic that is not one stretch of the question: its question word and the subject
    odd = Turn(question="Who won?", topic="Exampleton cheese festival")
    assert resolve("what about the bakery?", odd).question == "Who the bakery? (Exampleton cheese festival)"


# The previous turn as `Conversations.remember` keeps it: the words of the story its answer quoted from.
TRAM_STORY = (
    "The line will run from Quay Square with eleven stops and cost 412 million crowns; opponents called "
    "the ridership wishful thinking, and shops will be compensated"
)
TRAM = Turn(
    question="How much will the Harbour Line tram cost?",
    topic="Harbour Line tram",
    article_ids=("tram",),
    story=frozenset(word_key(w) for w in TRAM_STORY.split()),
)


@pytest.mark.parametrize(
    "question",
    ["Who won the marathon?", "What pay rise did the dockworkers get?", "Which cheese won?"],
)
def test_a_question_of_its_own_words_after_an_unrelated_one_stands_alone(question: str) -> None:
    assert not is_followup(question, TRAM)
    assert resolve(question, TRAM) == Resolved(question, question, topic=resolve(question, None).topic)


@pytest.mark.parametrize(
    "question",
    ["How many stops?", "Will shops be compensated?", "What did the opponents call the ridership?"],
)
def test_a_question_of_common_words_from_the_same_story_is_a_follow_up(question: str) -> None:
    assert is_followup(question, TRAM)
    assert resolve(question, TRAM).question.endswith("(Harbour Line tram)")


def test_without_a_story_only_a_bare_question_is_a_follow_up() -> None:
    assert is_followup("What was the turnout?", DAM)
    assert not is_followup("How many runners finished the city marathon?", DAM)


@pytest.mark.parametrize(
    ("question", "back"),
    [
        ("What did she do before that?", True),
        ("Where was that measured?", True),
        ("Who was there?", True),
        ("Were there any arrests?", False),
        ("Who led the team that found the beetle?", False),
        ("Who won the race this year?", False),
        ("Who else ran?", True),
    ],
)
def test_points_back(question: str, back: bool) -> None:
    assert points_back(question) is back


def test_word_keys_meet_across_forms() -> None:
    assert word_key("repairs") == word_key("repair")
    assert word_key("compensated") == word_key("compensation")
    assert word_key("Exampleton's") == word_key("Exampleton")
    assert word_key("class") != word_key("clas")  # "ss" is not a plural


@pytest.mark.parametrize("command", ["/help", "/quit", "/new", "/weather", "/help@newsbot", "/ask and when?"])
def test_commands_are_never_follow_ups(command: str) -> None:
    assert is_command(command)
    assert not is_followup(command, TRAM) and not resolve(command, TRAM).rewritten


@pytest.mark.parametrize("text", ["and/or?", "1/2 of what?", "/ 3", "What does /help do?"])
def test_a_slash_inside_a_question_is_no_command(text: str) -> None:
    assert not is_command(text)


def test_the_context_is_the_previous_topic_and_never_grows() -> None:
    conversations = Conversations(clock=lambda: 0.0)
    taken = []
    for question in (
        "How much will the Harbour Line tram cost?",
        "And when will it open?",
        "What about the bakery?",
        "And who owns it?",
        "Since when?",
    ):
        resolved = conversations.resolve("k", question)
        conversations.remember("k", resolved, cited_answer(question, article="tram"))
        taken.append(resolved.question)
    assert taken[1:3] == [
        "When will it open? (Harbour Line tram)",
        "When will the bakery open? (Harbour Line tram)",  # "it" was the tram: the bakery takes its place
    ]
    assert taken[3:] == ["Who owns it? (bakery)", "Since when? (bakery)"]  # the tram is behind us


def test_the_story_is_what_the_cited_articles_said_or_the_closest_one() -> None:
    def hit(article: str, text: str, rank: int) -> Hit:
        meta = ArticleMeta(article, f"/{article}", f"{article.title()} news", None, None, None)
        return Hit(Chunk(f"{article}:0", article, 0, 0, len(text), text), meta, rank, 1.0 / rank)

    passages = (hit("dam", "Turbines spin", 1), hit("cheese", "Goat cheese wins", 2))
    cited = replace(cited_answer("q"), passages=passages)
    assert {word_key("turbines"), word_key("dam")} <= story_of(cited)
    assert word_key("goat") not in story_of(cited)
    abstained = Answer("q", (), (), passages[::-1], True)
    assert word_key("goat") in story_of(abstained) and word_key("turbines") not in story_of(abstained)


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


def test_chat_commands_are_not_context_and_a_new_question_stands_alone(
    fictional_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    lines = [
        "How much did the Vellmar Dam cost?",
        "/help",
        "Who led the construction?",  # still the dam: /help was not a question
        "/weather",
        "Which cheese won?",  # a new story in two words, right after the dam
        "/quit",
        "Which cheese won?",  # never read: /quit left
    ]
    result = CliRunner().invoke(
        main, ["chat", "--index", str(fictional_index)], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.stderr
    turns = result.stdout.split("newsbot> ")[1:]
    answers = [t for t in turns if t.strip()]
    assert len(answers) == 3, turns  # the commands printed nothing on stdout and asked nothing
    _cost, follow_up, cheese = answers
    assert follow_up.startswith("(taken as: Who led the construction? (Vellmar Dam))")
    assert "Saskia Dunmore" in follow_up
    assert "taken as" not in cheese and "goat cheese" in cheese
    assert CHAT_HELP in result.stderr
    assert "(unknown command /weather: /help, /new or /quit; anything else is a question)" in result.stderr
    assert len(turns) == 6  # the prompt after /quit was never shown


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
        monkeypatch.setattr(bot.answering.scoring, "SAID_PENALTY", 0.0)
        repeated = answer_resolved(second, searcher)
    assert said.short == "Tuesday" and second.said == tuple(s.text for s in said.sentences)
    assert (
        followed.short == "March 2020"
        and followed.sentences[0].text == "Work on the dam began in March 2020."
    )
    # Without the rule, the topic's words carried by the follow-up lead it back to what was just said.
    assert repeated.sentences[0].text == said.sentences[0].text
