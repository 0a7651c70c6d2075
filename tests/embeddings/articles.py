"""Fictional articles for index tests: The Gazette of Exampleton and The Borough Courier of Sampleford."""

from __future__ import annotations

from datetime import datetime

from corpus.ids import article_id
from corpus.models import Article

_RAW = [
    (
        "https://gazette.exampleton.invalid/2031/04/02/footbridge",
        "Council approves Glimmer River footbridge",
        "The Gazette of Exampleton",
        datetime(2031, 4, 2, 9, 0),
        "The Exampleton Town Council voted on Tuesday to build a footbridge over the Glimmer River. "
        "Mayor Odile Brackenridge said the bridge would cost 4.2 million crowns and open next spring. "
        "Town engineer Pim Alder warned that the riverbank clay could delay the works.",
    ),
    (
        "https://gazette.exampleton.invalid/2031/04/05/marmalade",
        "Marmalade festival draws record crowds",
        "The Gazette of Exampleton",
        datetime(2031, 4, 5, 18, 30),
        "The annual Exampleton marmalade festival drew eleven thousand visitors this weekend. "
        "The bitter orange category was won by retired postman Fennick Holloway for the third year running. "
        "Organisers said the queues for the jam tent stretched past the old mill.",
    ),
    (
        "https://courier.sampleford.invalid/2031/05/10/tram",
        "Sampleford tram line reopens after storm repairs",
        "The Borough Courier of Sampleford",
        datetime(2031, 5, 10, 7, 15),
        "Trams are running again between Sampleford station and the harbour after three weeks of repairs. "
        "The spring storm had torn down overhead wires along Quill Street. "
        "The borough transport office apologised to commuters for the replacement buses.",
    ),
    (
        "https://courier.sampleford.invalid/2031/06/01/library",
        "Sampleford library lends out telescopes",
        "The Borough Courier of Sampleford",
        datetime(2031, 6, 1, 12, 0),
        "Sampleford public library has started lending telescopes to members for two weeks at a time. "
        "Head librarian Marisol Venn said the stargazing kits were booked out within a day. "
        "The astronomy club will run free evening lessons on the library roof.",
    ),
    (
        "https://courier.sampleford.invalid/2031/06/03/cheese",
        "Sampleford cheese wins borough prize",
        "The Borough Courier of Sampleford",
        datetime(2031, 6, 3, 16, 45),
        "A smoked goat cheese from the Tallow Hill dairy won the borough's prize for regional food. "
        "Dairy owner Jory Pennant credited the clover in the hill pastures for its flavour. "
        "The cheese will be sold at the Saturday market on Quill Street.",
    ),
]


def make_article(url: str, title: str, publisher: str, published: datetime, text: str) -> Article:
    return Article(
        id=article_id(url, text),
        source=f"fixtures/{url.rsplit('/', 1)[-1]}.txt",
        text=text,
        title=title,
        publisher=publisher,
        published=published,
        url=url,
    )


def fictional_articles() -> list[Article]:
    return [make_article(*raw) for raw in _RAW]


def long_article(paragraphs: int = 40) -> Article:
    """One long article whose many chunks all mention the harbour."""
    text = "\n\n".join(
        f"Part {i} of the Exampleton harbour report describes berth {i} and its harbour cranes in detail, "
        f"with notes on tides, moorings and the harbour master's log for week {i}."
        for i in range(paragraphs)
    )
    return make_article(
        "https://gazette.exampleton.invalid/2031/07/01/harbour-report",
        "The long harbour report",
        "The Gazette of Exampleton",
        datetime(2031, 7, 1),
        text,
    )
