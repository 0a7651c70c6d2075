"""Which new articles of an update are edits of stored ones whose id changed with the edit.

An article without a url that identifies it takes its id from its text (corpus/ids.py), so editing a
text dump gives it a new id: by ids alone an update would report the old article removed and a new one
added. Pairing by the file it was read from tells the update it is the same article, changed.

Not handled: a file that holds several articles and both gains and loses one with the same source (a
JSONL line replaced by another at the same line number) is paired as one article changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from corpus.models import Article
from embeddings.store import StoredArticle


def edited_in_place(articles: Sequence[Article], stored: Mapping[str, StoredArticle]) -> dict[str, str]:
    """New article id -> the id of the stored article it replaces: the one article that is gone and the
    one that arrived, both read from the same source."""
    current = {article.id for article in articles}
    gone: defaultdict[str, list[str]] = defaultdict(list)
    for old in stored.values():
        if old.id not in current and old.source:
            gone[old.source].append(old.id)
    arrived: defaultdict[str, list[str]] = defaultdict(list)
    for article in articles:
        if article.id not in stored:
            arrived[article.source].append(article.id)
    return {
        new[0]: gone[source][0]
        for source, new in arrived.items()
        if len(new) == 1 and len(gone.get(source, ())) == 1
    }
