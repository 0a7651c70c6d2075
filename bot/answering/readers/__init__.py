"""The optional readers, behind one small base: base.py (the Reader and Writer protocols, Evidence, Reading,
`read` and `locate`, which accept a proposal only when it stands in a shown sentence; `open_reader`),
gemma.py with gemma_worker.py (Gemma 3 270M through llama.cpp in a child process, `--reader gemma`) and
llm.py (an OpenAI-compatible endpoint rewrites the answer, checked, `--reader llm`).

May import: bot.models, bot.errors, corpus, and bot.answering.sentences (text helpers, no stage). Never the
pipeline's stages (pipeline, retrieve, scoring, confidence, cite, naming): the pipeline hands a reader plain
Evidence and an Answer, and takes back text; nothing here imports it back.
"""
