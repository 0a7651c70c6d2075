"""English stop words: the one list that keyword search (`embeddings.search`) and answer composition
(`bot.answering.sentences`, `bot.answering.spans`, `bot.answering.readers.base`) leave out, with the few
words each use adds to it.

Each use's set is the same as it was when each kept its own list, so no figure moved: keyword queries
also drop reflexive pronouns and contraction pieces (`QUERY_STOP_WORDS`), answers also ignore words that
carry no answer in a question such as "how many" or "whose" (`ANSWER_STOP_WORDS`). Merging the two into
one set would change what either does, and so the retrieval and answer figures: measure it first.

Not handled: languages other than English (the text-dump reader's per-language lists are jusText's, in
`corpus.boilerplate`, for telling running text from boilerplate, not for search).
"""

from __future__ import annotations

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be been before being below between
    both but by can could did do does doing down during each few for from further had has have having he
    her here him his how i if in into is it its just may me might more most must my no nor not of off on
    once only or other our out over own s same shall she should so some such t than that the their them
    then there these they this those through to too under up very was we were what when where which who
    whom why will with would you your
    """.split()  # noqa: SIM905
)

# Keyword search: also pronouns' -self forms and the pieces a tokenizer leaves of contractions.
QUERY_STOP_WORDS = STOP_WORDS | frozenset(
    """
    aren't because d hers herself himself itself let ll m myself ought ours ourselves re theirs themselves
    until ve while yours yourself yourselves
    """.split()  # noqa: SIM905
)

# Answers: also words that ask rather than tell ("how many", "whose") and bare "one".
ANSWER_STOP_WORDS = STOP_WORDS | frozenset("don many much now one ones what's whose".split())  # noqa: SIM905
