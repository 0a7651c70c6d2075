"""Vectors out: encode chunks, keep the index (FAISS vectors + SQLite chunk store with FTS5), search it.

Importing this package never imports sentence-transformers or torch: the real encoder loads lazily.
"""
