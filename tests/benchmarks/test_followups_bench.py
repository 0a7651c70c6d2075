"""The follow-up benchmark's pairs and plumbing, so it cannot rot: every pair is well formed and its
expected words are in the demo article it names; a small run over the demo corpus (the fake encoder:
the figures themselves are the benchmark's, with the real model) gives one outcome per pair, and the
SAID_PENALTY sweep leaves the shipped value in place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bot.answering.scoring
from benchmarks.followups import Pair, evaluate, load_pairs, render, said_sweep, searcher_asker, summary
from bot.answering.followup import is_command
from bot.settings import demo_corpus_dir
from embeddings.build import build_index
from embeddings.encoder import HashingEncoder
from embeddings.search import Searcher


def _demo_text(article: str) -> str:
    """The demo file a pair names (a dated file, or a line of the JSONL feed), as raw text."""
    demo = demo_corpus_dir()
    files = [p for p in demo.iterdir() if p.stem == article]
    return files[0].read_text(encoding="utf-8") if files else ""


def test_every_pair_is_well_formed_and_its_answer_is_in_its_article() -> None:
    pairs = load_pairs()
    assert len({p.id for p in pairs}) == len(pairs)
    counts = {
        (s, k): sum(p.set == s and p.kind == k for p in pairs)
        for s in ("dev", "heldout")
        for k in ("followup", "standalone", "command")
    }
    assert counts == {
        ("dev", "followup"): 40,
        ("dev", "standalone"): 10 + 20,
        ("heldout", "followup"): 45,
        ("heldout", "standalone"): 8 + 20,
        ("dev", "command"): 2,
        ("heldout", "command"): 2,
    }
    assert all(is_command(p.second) and not is_command(p.third) for p in pairs if p.kind == "command")
    for pair in pairs:
        text = re.sub(r"\s+", " ", _demo_text(pair.article)).casefold()
        assert text, f"{pair.id}: no demo file {pair.article}"
        for word in pair.expect:
            assert word.casefold() in text, f"{pair.id}: {word!r} is not in {pair.article}"


def test_bad_lines_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "pairs.jsonl"
    data.write_text('{"id": "x", "kind": "followup", "first": "a", "second": "b", "expect": []}\n')
    with pytest.raises(ValueError, match=r"pairs\.jsonl:1"):
        load_pairs(data)
    data.write_text('{"id": "x", "kind": "command", "first": "a", "second": "/help", "expect": ["b"]}\n')
    with pytest.raises(ValueError, match="third question"):
        load_pairs(data)


def test_a_small_run_scores_every_pair_and_the_sweep_restores_the_penalty(tmp_path: Path) -> None:
    index = tmp_path / "demo"
    encoder = HashingEncoder()
    build_index([demo_corpus_dir()], index, encoder)
    pairs: list[Pair] = [p for p in load_pairs() if p.id in {"f01", "f02", "f14", "s01", "h01", "c01"}]
    with Searcher.open(index, encoder) as searcher:
        outcomes = evaluate(pairs, searcher_asker(searcher, 8))
        table = said_sweep(
            pairs, searcher_asker(searcher, 8), penalties=(0.0, bot.answering.scoring.SAID_PENALTY)
        )
    assert [o.pair.id for o in outcomes] == [p.id for p in pairs]
    assert all(
        set(o.right) == {"context", "context_no_prefer", "alone", "alone_no_abstain"} for o in outcomes
    )
    assert {o.pair.id: o.rewritten for o in outcomes}["f01"]  # "And when will it open?" leans on the tram
    command = next(o for o in outcomes if o.pair.id == "c01")  # /help between the tram and "and when?"
    assert not command.rewritten and command.taken_as == "When will it open? (Harbour Line tram)"
    rows = summary(outcomes)
    assert sum(int(row["n"]) for row in rows.values()) == len(pairs)
    assert render(outcomes).splitlines()[0].split()[:3] == ["set", "n", "context"]
    assert bot.answering.scoring.SAID_PENALTY == 0.5
    assert table.splitlines()[0].startswith("| said penalty |") and "(shipped)" in table
    assert len(table.splitlines()) == 4  # header, rule, two penalties
