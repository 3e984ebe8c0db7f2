"""Fixtures of the index tests: a generated corpus per module and private copies of it with old mtimes.

A module sets CORPUS_SIZE and CORPUS_SEED to get another corpus than 30 briefs of seed 5.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import generate
from tests.index.corpus import private_copy


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder of generated briefs (the module's CORPUS_SIZE, CORPUS_SEED) and a people registry."""
    folder = tmp_path_factory.mktemp("corpus")
    generate(folder, getattr(request.module, "CORPUS_SIZE", 30), seed=getattr(request.module, "CORPUS_SEED", 5))
    return folder


@pytest.fixture
def folder(corpus: Path, tmp_path: Path) -> Path:
    """Return a private copy of the corpus with old mtimes (records are not racy, so a snapshot is saved)."""
    return private_copy(corpus, tmp_path)
