"""datasets.tiny_shakespeare: the shipped copy, its checksum, nanoGPT's split (checked through
the unigram and bigram baselines it must reproduce), encode / decode."""
import gzip

import numpy as np
import pytest

import chainrule
from chainrule import datasets, text_datasets


@pytest.fixture(scope="module")
def corpus():
    return datasets.tiny_shakespeare()


def test_corpus_and_split(corpus):
    assert len(corpus.text) == 1_115_394 and corpus.vocab_size == 65
    assert corpus.text.startswith("First Citizen:\nBefore we proceed")
    n = int(len(corpus.text) * 0.9)
    assert len(corpus.train_data) == n and len(corpus.val_data) == len(corpus.text) - n
    assert corpus.train_data.dtype == np.int64
    assert corpus.decode(corpus.val_data) == corpus.text[n:]          # last 10%, in order


def test_split_reproduces_the_reference_baselines(corpus):
    train, val, V = corpus.train_data._data, corpus.val_data._data, corpus.vocab_size
    p = np.bincount(train, minlength=V) / len(train)
    assert abs(-np.log(p[val]).mean() - corpus.baselines["unigram"]) < 1e-3
    counts = np.ones((V, V))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    bigram = counts / counts.sum(1, keepdims=True)
    assert abs(-np.log(bigram[val[:-1], val[1:]]).mean() - corpus.baselines["bigram"]) < 1e-3


def test_encode_decode(corpus):
    ids = corpus.encode("To be, or not to be")
    assert isinstance(ids, chainrule.Tensor) and ids.dtype == np.int64
    assert ids.tolist()[:2] == [corpus.stoi["T"], corpus.stoi["o"]]
    assert corpus.decode(ids) == "To be, or not to be"
    assert corpus.decode(ids.tolist()) == corpus.decode(ids._data)
    assert corpus.decode([]) == ""
    with pytest.raises(ValueError, match=r"\['#', 'é'\]"):
        corpus.encode("é#")
    with pytest.raises(ValueError, match="ids must lie in"):
        corpus.decode([65])


def test_checksum_is_verified(monkeypatch, tmp_path):
    bad = tmp_path / "tiny.txt.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"not shakespeare")
    monkeypatch.setattr(text_datasets, "_FILE", str(bad))
    with pytest.raises(RuntimeError, match="damaged"):
        datasets.tiny_shakespeare()


def test_small_corpus_and_errors():
    c = text_datasets.CharCorpus("abcabcabca", train_fraction=0.8)
    assert c.chars == ["a", "b", "c"] and c.decode(c.train_data) == "abcabcab"
    with pytest.raises(ValueError, match="train_fraction"):
        text_datasets.CharCorpus("abc", train_fraction=1.0)
