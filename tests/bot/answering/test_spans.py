"""What a question asks for, and the short span of a sentence that gives it."""

from __future__ import annotations

import pytest

from bot.answering.spans import answer_type, find_span, lower_case_words


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much will the Harbour Line tram cost?", "money"),
        ("How much did Kestrel Rail pay for the depot?", "money"),
        ("How many stops will the line have?", "number"),
        ("When does construction begin?", "date"),
        ("In what year did the library open?", "date"),
        ("Who won the Exampleton Marathon?", "name"),
        ("Which company will build the tram?", "name"),
        ("This singer topped the Riverbend charts for a tenth week.", "name"),
        ("Where will the ferry dock?", "place"),
        ("Why did the council approve the tram?", None),
    ],
)
def test_answer_type_reads_the_wording(question: str, kind: str | None) -> None:
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("kind", "sentence", "question", "span"),
    [
        (
            "money",
            "It will run 7.4 km and cost 412 million crowns.",
            "How much will it cost?",
            "412 million crowns",
        ),
        (
            "money",
            "Kestrel paid $25.5 billion, or 9 crowns a share.",
            "How much did Kestrel pay?",
            "$25.5 billion",
        ),
        ("money", "The line runs 7.4 kilometres with eleven stops.", "How much will it cost?", None),
        ("number", "The farm, 30 km out, will have 64 turbines.", "How many turbines?", "64 turbines"),
        ("number", "In 2024, 14,500 runners started.", "How many runners started in 2024?", "14,500 runners"),
        (
            "number",
            "The beetle is about nine millimetres long.",
            "How long is the beetle?",
            "nine millimetres",
        ),
        (
            "number",
            "It runs 7.4 kilometres with eleven stops.",
            "How many stops will it have?",
            "eleven stops",
        ),
        ("number", "He won in two hours, 11 minutes.", "How long did the race take him?", "two hours"),
        ("date", "Opened on Monday, it closes on 3 March 2025.", "When does it close?", "3 March 2025"),
        ("date", "The 2019 plan was approved in May 2024.", "When was the 2019 plan approved?", "May 2024"),
        (
            "name",
            "Tomasz Reyes won the Exampleton Marathon.",
            "Who won the Exampleton Marathon?",
            "Tomasz Reyes",
        ),
        (
            "name",
            "The Exampleton Marathon was won by Aiko Fernsby.",
            "Who won the Exampleton Marathon?",
            "Aiko Fernsby",
        ),
        ("name", "Kestrel CEO Ilse Marrow signed the deal.", "Which company signed the deal?", "Kestrel"),
        ("name", "The deal went to Crumb & Co on Friday.", "Which company got the deal?", "Crumb & Co"),
        ("name", "The Exampleton Marathon ended at noon.", "Who won the Exampleton Marathon?", None),
    ],
)
def test_find_span_gives_what_is_asked_not_what_the_question_holds(
    kind: str, sentence: str, question: str, span: str | None
) -> None:
    assert find_span(kind, sentence, question) == span


def test_a_word_written_in_lower_case_nearby_opens_a_sentence_without_being_a_name() -> None:
    text = "Researchers found the bones near Lake Pinna. Two researchers named it."
    sentence = "Researchers found the bones near Lake Pinna."
    assert find_span("name", sentence, "Who found the bones?", lower_case_words(text)) == "Lake Pinna"
    assert find_span("name", "It’s the work of Ilse Marrow.", "Who made it?") == "Ilse Marrow"


@pytest.mark.parametrize(
    ("kind", "sentence", "question", "span"),
    [
        # "How long is" wants a length, "how long did" a time: the scoring span follows the wording.
        ("number", "The council argued about the line for two years.", "How long is the tram line?", None),
        (
            "number",
            "The line runs 7.4 kilometres and took two years.",
            "How long is the line?",
            "7.4 kilometres",
        ),
        ("number", "The line runs 7.4 kilometres and took two years.", "How long did it take?", "two years"),
        # A bare weekday is when something was said, not when what is to come will happen.
        ("date", "The council said on Monday that the line would open.", "When will the line open?", None),
        ("date", "The council approved the line on Monday.", "When did the council approve it?", "Monday"),
    ],
)
def test_the_scoring_span_reads_lengths_times_and_the_future(
    kind: str, sentence: str, question: str, span: str | None
) -> None:
    assert find_span(kind, sentence, question) == span
