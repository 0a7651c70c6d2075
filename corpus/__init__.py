"""Articles in: read scraped files, strip boilerplate, extract metadata, dedupe, chunk.

Importing this package is cheap: no torch, no trafilatura until an HTML file is actually read.
"""

from corpus.models import Article, Chunk, CorpusBatch, DuplicateNote, SkippedFile

__all__ = ["Article", "Chunk", "CorpusBatch", "DuplicateNote", "SkippedFile"]
