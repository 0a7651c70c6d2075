"""Countries and their peoples from countryinfo's data, and the short answer to "which country" that a
nationality gives (fictional sentences about real countries)."""

from __future__ import annotations

import pytest

from bot.answering.asked import asked_for
from bot.answering.countries import asks_for_a_country, country_named, country_of_people
from bot.answering.naming import pick


@pytest.mark.parametrize(
    ("word", "country"),
    [
        ("German", "Germany"),
        ("Canadians", "Canada"),
        ("Swiss", "Switzerland"),
        ("British", "United Kingdom"),
        ("Exampletonian", None),  # no such people
        ("Democrats", None),  # a people, but of no country
    ],
)
def test_a_people_names_its_country(word: str, country: str | None) -> None:
    assert country_of_people(word) == country


def test_a_country_is_known_by_its_other_spellings() -> None:
    assert country_named("US") == "United States"
    assert country_named("Holland") == "Netherlands"
    assert country_named("Exampleton") is None


@pytest.mark.parametrize(
    ("kind", "asks"),
    [("country", True), ("European country", True), ("two nations", True), ("city", False), (None, False)],
)
def test_which_kinds_ask_for_a_country(kind: str | None, asks: bool) -> None:
    assert asks_for_a_country(kind) is asks


@pytest.mark.parametrize(
    ("question", "sentence", "short"),
    [
        (
            "Which country will double its subsidies for electric ferries?",
            "The German government will double its subsidies for electric ferries from May.",
            "Germany",
        ),
        # Named by its people and by its name: one country.
        (
            "Which country ordered the new ferries?",
            "Norwegian officials said Norway ordered the ferries last year.",
            "Norway",
        ),
        # The question's own people are not the answer.
        (
            "Which country did Russian officials visit?",
            "Russian officials visited Norway on Monday.",
            "Norway",
        ),
        # Two countries: the sentence answers, no short answer guesses.
        (
            "Which country signed the ferry treaty?",
            "Norwegian and Swedish ministers signed the ferry treaty.",
            None,
        ),
    ],
)
def test_which_country_is_answered_by_a_nationality(question: str, sentence: str, short: str | None) -> None:
    asked = asked_for(question)
    assert asked is not None
    assert pick(asked, sentence, question) == short


def test_a_nationality_is_no_answer_to_which_city() -> None:
    question = "Which city ordered the new ferries?"
    asked = asked_for(question)
    assert asked is not None
    assert pick(asked, "Norwegian officials ordered the ferries on Monday.", question) is None
