"""Measure `briefbot ingest` extraction: precision / recall / F1 per field over the test articles.

Cases: every tests/ingest/fixtures/<name>.(txt|html) with <name>.expected.yaml, plus the real articles in
../shared/articles/ scored against the curated briefs in briefs/ when both are present.
Held out: tests/ingest/holdout/ (same conventions), written without looking at the extractor's rules,
reported as a separate table and as the "holdout" section of the JSON report.

    .venv/bin/python bench/eval_ingest.py [--json bench/eval_ingest.json] [--articles DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ingest.extract import extract, read_article  # noqa: E402
from bot.models import Dialogue, fold, normalize_name  # noqa: E402
from bot.parsing import parse_registry  # noqa: E402

FIXTURES = ROOT / "tests" / "ingest" / "fixtures"
HOLDOUT = ROOT / "tests" / "ingest" / "holdout"
BRIEFS = ROOT / "briefs"
ARTICLES = ROOT.parent / "shared" / "articles"
SET_FIELDS = (
    "participants",
    "participant_names",
    "moderators",
    "session_moderators",
    "sessions",
    "organizers",
    "mentions",
)
SCALAR_FIELDS = ("date", "published", "location", "host_unit", "title", "kind")
SKIP_WHEN_NULL = {"title", "kind", "sessions", "session_moderators"}


def _f(value: Any) -> str:
    return fold(str(value)) if value not in (None, "") else ""


def _hon(value: Any) -> str:
    return _f(value).replace(" ", "")


@dataclass
class Score:
    """True positives, false positives and false negatives of one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        """Add another score into this one."""
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        """Share of extracted items that are right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of expected items that were extracted."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _set_score(expected: Iterable[Any], got: Iterable[Any]) -> Score:
    e, g = set(expected), set(got)
    return Score(tp=len(e & g), fp=len(g - e), fn=len(e - g))


def _scalar_score(expected: str, got: str) -> Score:
    if expected == got:
        return Score(tp=1)
    return Score(fp=1 if got else 0, fn=1 if expected else 0)


def facts_of_dialogue(d: Dialogue) -> dict[str, Any]:
    """Return the comparable facts of a dialogue (draft or curated brief)."""
    source = d.sources[0] if d.sources else None
    return {
        "title": d.title,
        "kind": d.kind,
        "date": d.date,
        "published": source.published.isoformat() if source and source.published else None,
        "location": d.location,
        "host_unit": d.host_unit,
        "organizers": [o.acronym or o.name for o in d.organizers],
        "moderators": [*d.moderators],
        "participants": [p.model_dump(include={"name", "honorific", "role", "affiliation"}) for p in d.participants],
        "sessions": [{"title": s.title, "moderator": s.moderator} for s in d.sessions],
        "mentions": [m.name for m in d.mentions],
    }


def _keys(facts: dict[str, Any]) -> dict[str, Any]:
    people = facts.get("participants") or []
    sessions = facts.get("sessions")
    mods = {normalize_name(m) for m in facts.get("moderators") or []}
    mods |= {normalize_name(s["moderator"]) for s in sessions or [] if s.get("moderator")}
    keys: dict[str, Any] = {
        "participants": {
            (normalize_name(p["name"]), _hon(p.get("honorific")), _f(p.get("role")), _f(p.get("affiliation")))
            for p in people
        },
        "participant_names": {normalize_name(p["name"]) for p in people},
        "moderators": mods,
        "organizers": {_f(o) for o in facts.get("organizers") or []},
        "mentions": {normalize_name(m) for m in facts.get("mentions") or []},
        "sessions": None if sessions is None else {_f(s["title"]) for s in sessions},
        "session_moderators": None
        if sessions is None
        else {(_f(s["title"]), normalize_name(s["moderator"] or "")) for s in sessions},
    }
    for name in SCALAR_FIELDS:
        keys[name] = _f(facts.get(name))
    return keys


@dataclass
class Case:
    """One article and what the extractor should find in it."""

    name: str
    source: Path
    expected: dict[str, Any]
    skip: set[str] = field(default_factory=set)


def fixture_cases(folder: Path = FIXTURES) -> list[Case]:
    """Return the cases of the fixture folder."""
    cases = []
    for expected in sorted(folder.glob("*.expected.yaml")):
        stem = expected.name.removesuffix(".expected.yaml")
        source = next((p for p in (folder / f"{stem}.txt", folder / f"{stem}.html") if p.exists()), None)
        if source is None:
            continue
        data = yaml.safe_load(expected.read_text(encoding="utf-8"))
        skip = {k for k in SKIP_WHEN_NULL if data.get(k) is None}
        if data.get("sessions") is not None:
            skip.discard("session_moderators")  # derived from sessions, never a key of its own
        cases.append(Case(stem, source, data, skip))
    return cases


def article_cases(articles: Path = ARTICLES, briefs: Path = BRIEFS) -> list[Case]:
    """Return the real articles that have a curated brief of the same name."""
    from bot.parsing import parse_dialogue

    cases = []
    for source in sorted(articles.glob("*.txt")) if articles.is_dir() else []:
        brief = briefs / f"{source.stem}.yaml"
        if not brief.exists():
            continue
        dialogue, errors = parse_dialogue(brief)
        if dialogue is None:
            raise SystemExit(f"curated brief {brief} does not validate: {errors[0]}")
        cases.append(Case(f"article:{source.stem}", source, facts_of_dialogue(dialogue)))
    return cases


def evaluate(cases: list[Case], briefs: Path = BRIEFS) -> dict[str, Any]:
    """Run the rule-based extractor on every case; return per-field and per-case scores."""
    registry = None
    if (briefs / "people.yaml").exists():
        registry, _ = parse_registry(briefs / "people.yaml")
    totals = {name: Score() for name in (*SET_FIELDS, *SCALAR_FIELDS)}
    per_case: dict[str, dict[str, Any]] = {}
    for case in cases:
        article = read_article(case.source.read_text(encoding="utf-8"), file=str(case.source))
        got = _keys(facts_of_dialogue(extract(article, registry).dialogue))
        want = _keys(case.expected)
        case_scores: dict[str, Any] = {}
        for name in totals:
            if name in case.skip or want.get(name) is None:
                continue
            score = (
                _set_score(want[name], got[name] or set())
                if name in SET_FIELDS
                else _scalar_score(want[name], got[name])
            )
            totals[name].add(score)
            case_scores[name] = round(score.f1, 3)
            if score.fp or score.fn:
                case_scores.setdefault("misses", {})[name] = {
                    "missing": sorted(map(str, (want[name] - got[name]) if name in SET_FIELDS else {want[name]})),
                    "extra": sorted(map(str, (got[name] - want[name]) if name in SET_FIELDS else {got[name]})),
                }
        per_case[case.name] = case_scores
    return {
        "cases": len(cases),
        "fields": {
            name: {
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
                "precision": round(s.precision, 3),
                "recall": round(s.recall, 3),
                "f1": round(s.f1, 3),
            }
            for name, s in totals.items()
        },
        "per_case": per_case,
    }


def table(result: dict[str, Any]) -> str:
    """Return the per-field scores as a plain-text table."""
    lines = [f"{'field':20} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>6} {'recall':>6} {'f1':>6}"]
    for name, s in result["fields"].items():
        counts = f"{s['tp']:>4} {s['fp']:>4} {s['fn']:>4}"
        lines.append(f"{name:20} {counts} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}")
    lines.append(f"({result['cases']} articles)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Evaluate, print the table and the misses, write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=str(ROOT / "bench" / "eval_ingest.json"), help="where to write the report")
    parser.add_argument("--articles", default=str(ARTICLES), help="folder of the real articles (optional)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print what each article missed")
    args = parser.parse_args(argv)
    cases = fixture_cases() + article_cases(Path(args.articles))
    result = evaluate(cases)
    print(table(result))
    holdout = evaluate(fixture_cases(HOLDOUT))
    print("\nheld out (tests/ingest/holdout):")
    print(table(holdout))
    result["holdout"] = holdout
    if args.verbose:
        for name, scores in [*result["per_case"].items(), *holdout["per_case"].items()]:
            if "misses" in scores:
                print(f"\n{name}:")
                for field_name, miss in scores["misses"].items():
                    print(f"  {field_name}: missing {miss['missing']} extra {miss['extra']}")
    Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"report written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
