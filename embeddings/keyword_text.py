"""Text as the keyword index sees it: runs of Chinese, Japanese and Korean characters cut into overlapping
two-character pieces ("한국은행이" → "한국 국은 은행 행이"), everything else left as it is.

SQLite's unicode61 tokenizer splits words at spaces and punctuation only. Chinese and Japanese put no
spaces between words, so a whole clause became one token and no search word ever matched it; Korean puts
particles on its words ("한국은행이", "the Bank of Korea" + subject marker), so "한국은행" did not match
either. Overlapping bigrams are what Lucene's CJKAnalyzer and Elasticsearch's `cjk_bigram` do: no
dictionary, any CJK language, and a query word becomes a phrase of its bigrams, which matches it inside a
longer run. The same function runs on what is indexed and on each query part, so the two always agree.
"""

from __future__ import annotations

import re

# Hangul jamo and syllables, CJK radicals and punctuation-free symbols, hiragana, katakana, bopomofo,
# CJK ideographs (extension A, the unified block, compatibility ideographs), half-width katakana.
_CJK_RUN = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3041-\u309f\u30a0-\u30ff\u3100-\u312f\u3131-\u318f"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]+"
)


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return run
    return " ".join(run[i : i + 2] for i in range(len(run) - 1))


def keyword_text(text: str) -> str:
    """`text` with each CJK run replaced by its overlapping bigrams, set off by spaces; other text as is."""
    if not _CJK_RUN.search(text):
        return text
    return _CJK_RUN.sub(lambda m: f" {_bigrams(m.group())} ", text)
