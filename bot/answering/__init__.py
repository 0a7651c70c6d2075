"""The answering pipeline: a question and a searcher in, an `Answer` (quoted sentences, each cited, or an
abstention) out. One stage a module, in the order `pipeline.answer` runs them: retrieve.py (the question
cleaned, the hits, as of a day: timeframe.py), scoring.py (every sentence scored), confidence.py (P(the
answer is right), the abstention), cite.py (the sentences chosen and cited), naming.py (the short answer:
asked.py says what kind is asked for, entities.py and spans.py find it). followup.py answers a follow-up
in the context of the previous answer; sentences.py, imports.py are the text helpers the stages share.
readers/ holds the optional readers.

May import: embeddings, corpus, and bot.models, bot.errors, bot.escapes. Never bot.cli, bot.telegram or
bot.answerer (the edges call in, the pipeline never calls out). Nothing is imported here, so that
`bot.answering.readers` can be imported without loading the pipeline.
"""
