"""Text questions answer exactly as recorded: the same hits, in the same order, on the same pages.

The record (text_answers.json) was made by the code before the AND shortcut and the row-id layout of this
session, from a generated corpus; every answer of search, session, positions and dialogue list over it is compared
by a digest of the whole answer. A change that alters any hit, its order or its wording fails here.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import pytest

from bot.index.catalog import Catalog
from bot.index.store import BriefStore
from bot.query import ask

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.gen_corpus import NOUNS, TOPICS, generate

RECORD = Path(__file__).with_name("text_answers.json")


def questions() -> list[str]:
    """Return the recorded questions: 1-4 common words for search, topics for session and positions (some by an
    institute or country), 2-3 words for dialogue list."""
    rng = random.Random(11)
    words = [*NOUNS, *(w for t in TOPICS for w in t.split())]
    out = [f"search {' '.join(rng.sample(words, rng.randint(1, 4)))}" for _ in range(260)]
    out += [f"session {' '.join(rng.sample(words, rng.randint(1, 3)))}" for _ in range(80)]
    out += [f"session {rng.choice(TOPICS)}" for _ in range(40)]
    by = ["Iran", "Pakistan", "ISSI", "China", "Russia"]
    for _ in range(160):
        topic = rng.choice(TOPICS) if rng.random() < 0.5 else " ".join(rng.sample(words, rng.randint(1, 3)))
        out.append(f"positions {topic}" + (f" by {rng.choice(by)}" if rng.random() < 0.4 else ""))
    out += [f"dialogue list {' '.join(rng.sample(words, rng.randint(2, 3)))}" for _ in range(60)]
    return out


def digest(catalog: Catalog, question: str) -> str:
    """Return a digest of the whole answer to a question."""
    return hashlib.blake2b(repr(ask(catalog, question)).encode(), digest_size=8).hexdigest()


def answers(folder: Path, cache: Path) -> dict[str, str]:
    """Return the digest of every recorded question's answer over a generated corpus of 400 briefs in folder."""
    generate(folder, 400, seed=17)
    store = BriefStore(folder, cache_dir=cache)
    assert store.load().ok
    return {q: digest(store.catalog, q) for q in dict.fromkeys(questions())}


@pytest.fixture(scope="module")
def recorded() -> dict[str, str]:
    """The recorded digests."""
    data: dict[str, str] = json.loads(RECORD.read_text(encoding="utf-8"))
    return data


def test_text_answers_as_recorded(recorded: dict[str, str], tmp_path: Path) -> None:
    """Every search, session, positions and dialogue list answer over the generated corpus is as recorded."""
    now = answers(tmp_path / "briefs", tmp_path / "cache")
    assert set(now) == set(recorded)
    differ = [q for q in recorded if now[q] != recorded[q]]
    assert not differ, f"{len(differ)} answers differ, e.g. {differ[:5]}"


if __name__ == "__main__":  # write the record: python tests/index/test_text_answers.py OUT.json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        made = answers(Path(tmp) / "briefs", Path(tmp) / "cache")
    Path(sys.argv[1]).write_text(json.dumps(made, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(len(made), "answers")
