"""Measure `briefbot ingest` extraction: precision / recall / F1 per field over the test articles.

Cases: every tests/ingest/fixtures/<name>.(txt|html) with <name>.expected.yaml, plus the real articles in
../shared/articles/ scored against the curated briefs in briefs/ when both are present.
Held out: tests/ingest/holdout/ (same conventions), written without looking at the extractor's rules,
reported as a separate table and as the "holdout" section of the JSON report.
Real pages: ../shared/ingest-dev/ (24 hand-labelled pages) scored with that folder's own score.py, imported, so the
figures agree with `score.py DRAFTS_DIR`; reported for the pages developed on and the pages kept aside (issue 11).
The kept-aside pages run only with --kept-aside.

    .venv/bin/python bench/eval_ingest.py [--json bench/eval_ingest.json] [--articles DIR] [--kept-aside]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.briefs.models import Dialogue, fold, normalize_name  # noqa: E402
from bot.briefs.parsing import parse_registry  # noqa: E402
from bot.ingest.article import read_article  # noqa: E402
from bot.ingest.extract import extract  # noqa: E402

FIXTURES = ROOT / "tests" / "ingest" / "fixtures"
HOLDOUT = ROOT / "tests" / "ingest" / "holdout"
BRIEFS = ROOT / "briefs"
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared"
)
ARTICLES = SHARED / "articles"
INGEST_DEV = SHARED / "ingest-dev"
# issue 11: every 3rd page in sorted order (1-based positions 3..21), chosen before any page was read
KEPT_ASIDE = (
    "24-lums-think-tanks-virtual-dialogue",
    "29-auca-tspc-dialogue-with-parliament",
    "33-ipri-japan-embassy-webinar",
    "36-india-bangladesh-friendship-dialogue",
    "44-fes-beijing-asfg-dialogue",
    "49-sipri-state-of-the-world",
    "52-usip-us-rok-japan-trilateral",
)
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
    from bot.briefs.parsing import parse_dialogue

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


# --------------------------------------------------------------------------- the 24 hand-labelled pages


def load_scorer(folder: Path = INGEST_DEV) -> ModuleType | None:
    """Import the shared score.py, or return None when the folder is absent."""
    path = folder / "score.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("ingest_dev_score", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_body(path: Path) -> tuple[str, str | None]:
    """Return an ingest-dev page's text without its first two lines (source line, blank) and its source URL."""
    raw = path.read_text(encoding="utf-8")
    first, _, rest = raw.partition("\n")
    url = first.removeprefix("source:").strip() if first.startswith("source:") else None
    return (rest.partition("\n")[2] if url else raw), url


def draft_pages(stems: list[str], out: Path, folder: Path = INGEST_DEV) -> float:
    """Write one draft per page as out/<stem>.yaml (rules extractor, no registry); return the seconds taken."""
    from bot.ingest.draft import to_yaml

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for stem in stems:
        body, url = page_body(folder / "articles" / f"{stem}.txt")
        draft = extract(read_article(body, url=url, html=False))
        (out / f"{stem}.yaml").write_text(to_yaml(draft.dialogue), encoding="utf-8")
    return time.perf_counter() - started


def _same_session_moderator(scorer: ModuleType, gold: dict[str, Any], draft: dict[str, Any]) -> tuple[int, int]:
    """Count gold sessions with a moderator and those whose matching draft session names the same person."""
    want = [s for s in gold.get("sessions") or [] if s.get("moderator")]
    got = [s for s in draft.get("sessions") or [] if isinstance(s, dict)]
    ok = 0
    for g in want:
        title = scorer.norm(g["title"])
        for d in got:
            t = scorer.norm(d.get("title"))
            if t and (title in t or t in title) and d.get("moderator"):
                ok += bool(scorer.same_person(g["moderator"], scorer.pname(d["moderator"])))
                break
    return ok, len(want)


def score_pages(scorer: ModuleType, stems: list[str], drafts: Path, folder: Path = INGEST_DEV) -> dict[str, Any]:
    """Score drafts with score.py's own score(); return its summary figures plus per-page rows."""
    rows: dict[str, Any] = {}
    fld = {"honorific": [0, 0], "role": [0, 0], "affiliation": [0, 0]}
    smod = [0, 0]
    tp = n_gold = n_draft = 0
    invented = 0
    for stem in stems:
        gold = json.loads((folder / "gold" / f"{stem}.json").read_text(encoding="utf-8"))
        draft = yaml.safe_load((drafts / f"{stem}.yaml").read_text(encoding="utf-8")) or {}
        s = scorer.score(gold, draft)
        ok, total = _same_session_moderator(scorer, gold, draft)
        smod[0] += ok
        smod[1] += total
        for k in fld:
            fld[k][0] += s["fields"][k][0]
            fld[k][1] += s["fields"][k][1]
        tp += round(s["P"] * s["n_draft"])
        n_gold += s["n_gold"]
        n_draft += s["n_draft"]
        dd = draft.get("date")
        invented += bool(dd not in (None, "", "null") and not s["date_ok"])
        rows[stem] = {k: s[k] for k in ("P", "R", "F", "mod_ok", "sessions", "date_ok", "n_gold", "n_draft")}
        rows[stem]["date"] = None if dd in (None, "", "null") else str(dd)
    n = len(stems) or 1
    return {
        "pages": len(stems),
        "f1": sum(r["F"] for r in rows.values()) / n,
        "precision_pooled": tp / n_draft if n_draft else 0.0,
        "recall_pooled": tp / n_gold if n_gold else 0.0,
        "moderators": sum(r["mod_ok"] for r in rows.values()) / n,
        "session_moderators": smod[0] / smod[1] if smod[1] else 1.0,
        "sessions": sum(r["sessions"] for r in rows.values()) / n,
        "dates": sum(r["date_ok"] for r in rows.values()) / n,
        "dates_invented": invented,
        **{k: (v[0] / v[1] if v[1] else 0.0) for k, v in fld.items()},
        "per_page": rows,
    }


def page_table(results: dict[str, dict[str, Any]]) -> str:
    """Return the real-page figures side by side, one column per set."""
    keys = ("f1", "precision_pooled", "recall_pooled", "honorific", "role", "affiliation", "moderators")
    keys += ("session_moderators", "sessions", "dates", "dates_invented", "pages")
    lines = [f"{'metric':20}" + "".join(f"{name:>14}" for name in results)]
    for key in keys:
        cells = "".join(f"{r[key]:>14}" if isinstance(r[key], int) else f"{r[key]:>14.3f}" for r in results.values())
        lines.append(f"{key:20}{cells}")
    return "\n".join(lines)


def real_pages(kept_aside: bool, out: Path | None = None) -> dict[str, Any] | None:
    """Draft and score the ingest-dev pages: developed-on, and kept-aside too when asked."""
    scorer = load_scorer()
    if scorer is None:
        return None
    stems = sorted(p.stem for p in (INGEST_DEV / "articles").glob("*.txt"))
    dev = [s for s in stems if s not in KEPT_ASIDE]
    aside = [s for s in stems if s in KEPT_ASIDE] if kept_aside else []
    with tempfile.TemporaryDirectory() as tmp:
        drafts = out or Path(tmp)
        seconds = draft_pages(dev + aside, drafts)
        results = {"developed-on": score_pages(scorer, dev, drafts)}
        if aside:
            results["kept-aside"] = score_pages(scorer, aside, drafts)
            results["all-24"] = score_pages(scorer, dev + aside, drafts)
    return {"sets": results, "extract_seconds": round(seconds, 3)}


def main(argv: list[str] | None = None) -> int:
    """Evaluate, print the table and the misses, write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=str(ROOT / "bench" / "eval_ingest.json"), help="where to write the report")
    parser.add_argument("--articles", default=str(ARTICLES), help="folder of the real articles (optional)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print what each article missed")
    parser.add_argument("--kept-aside", action="store_true", help="also draft and score the kept-aside real pages")
    parser.add_argument("--drafts", help="keep the real-page drafts in this folder (for score.py)")
    args = parser.parse_args(argv)
    cases = fixture_cases() + article_cases(Path(args.articles))
    result = evaluate(cases)
    print(table(result))
    holdout = evaluate(fixture_cases(HOLDOUT))
    print("\nheld out (tests/ingest/holdout):")
    print(table(holdout))
    result["holdout"] = holdout
    pages = real_pages(args.kept_aside, Path(args.drafts) if args.drafts else None)
    if pages is not None:
        print(f"\nreal pages ({INGEST_DEV}, score.py metrics; extraction {pages['extract_seconds']} s):")
        print(page_table(pages["sets"]))
        if args.verbose:
            for set_name, figures in pages["sets"].items():
                if set_name == "all-24":
                    continue
                for stem, row in figures["per_page"].items():
                    print(
                        f"  {stem:50} F={row['F']:.2f} P={row['P']:.2f} R={row['R']:.2f} mods={row['mod_ok']} "
                        f"sess={row['sessions']:.2f} date={row['date_ok']} ({row['n_draft']}/{row['n_gold']})"
                    )
        result["real_pages"] = pages
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
