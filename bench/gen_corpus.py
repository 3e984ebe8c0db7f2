"""Generate a realistic synthetic briefs folder (N dialogues + people.yaml) in the real brief format.

Deterministic for a given seed. Names come from Persian, Urdu, Arabic, Chinese, Russian, Turkish and Kazakh
transliterations; many people appear under several spellings, some tied together by the people registry.

    python bench/gen_corpus.py OUT_DIR --n 10000 --seed 7
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.briefs.models import normalize_name

GIVEN = {
    "Iran": "Mohammad Ali Reza Hossein Mahdi Abbas Saeed Hamid Javad Kazem Mojtaba Farhad Kamran Parisa Maryam "
    "Zahra Fatemeh Somayeh Narges Shirin Leila Roya Behrouz Dariush Rasoul Masoud",
    "Pakistan": "Sohail Khalid Imran Asad Bilal Faisal Tariq Zafar Aamir Nadia Ayesha Sana Amina Sarah Riffat "
    "Mehreen Hina Saima Shahid Naveed Junaid Arhama Usman Qasim",
    "Saudi Arabia": "Ahmed Omar Yusuf Hamza Khaled Layla Noor Rania Huda Faisal Abdulaziz Mansour",
    "China": "Wei Fang Jing Lei Ming Xiaoping Jianguo Hui Yan Zhiwei Haiyan Xiaoming Lihua",
    "Russia": "Sergei Alexei Dmitri Andrei Mikhail Olga Natalia Irina Elena Vladimir Yuri Tatiana",
    "Türkiye": "Mehmet Ahmet Mustafa Emre Burak Ayşe Elif Zeynep Gökhan Çağrı Şükrü Hüseyin",
    "Kazakhstan": "Nurlan Askar Yerlan Dauren Aigerim Gulnara Saule Bolat Yerzhan Zhanna Kairat Asel",
}
FAMILY = {
    "Iran": "Karimi Hosseini Mousavi Rezaei Ahmadi Jafari Sadeghi Tehrani Ghasemi Kazemi Rahimi Nouri Moradi "
    "Sheikholeslami Mohammadi Bagheri Morovati Moosavi Shariati Farahani",
    "Pakistan": "Mahmood Khan Qureshi Siddiqui Malik Chaudhry Butt Abbasi Hashmi Javed Akram Siddiqa Masood "
    "Rizvi Baig Sheikh Anwar Haider Raza Iqbal",
    "Saudi Arabia": "al-Rashid Haddad Nasser Abdullah al-Tamimi Mansour Saleh Hamdan al-Otaibi el-Amin",
    "China": "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Sun Ma",
    "Russia": "Ivanov Petrov Smirnov Kuznetsov Volkov Sokolov Popov Morozov Orlov Fedorov Lebedev",
    "Türkiye": "Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Özdemir Arslan Doğan Kılıç",
    "Kazakhstan": "Abenov Seitkali Tokayuly Nurmagambetov Zhaksybekov Suleimenov Baimukhanov Kassymov "
    "Akhmetov Yessenov",
}
# transliteration variants: (pattern, replacement); each person gets a few of the applicable ones
VARIANTS = [
    (r"Mohammad", "Muhammad"),
    (r"Mohammad", "Mohammed"),
    (r"Mahmood", "Mehmood"),
    (r"Mahmood", "Mahmud"),
    (r"Hossein", "Hussain"),
    (r"Hosseini", "Husseini"),
    (r"ou", "u"),
    (r"oo", "ou"),
    (r"Sheikh", "Shaikh"),
    (r"Saeed", "Said"),
    (r"Reza", "Raza"),
    (r"Fatemeh", "Fatima"),
    (r"Somayeh", "Somaye"),
    (r"Sergei", "Sergey"),
    (r"Dmitri", "Dmitry"),
    (r"Alexei", "Aleksey"),
    (r"Yuri", "Yury"),
    (r"Zh", "J"),
    (r"Yer", "Er"),
    (r"Ask", "Asq"),
    (r"ı", "i"),
    (r"ş", "s"),
    (r"ç", "c"),
    (r"ö", "o"),
    (r"ü", "u"),
    (r"Ş", "S"),
    (r"Ç", "C"),
    (r"Ö", "O"),
    (r"ğ", "g"),
    (r"ff", "f"),
    (r"ee", "i"),
    (r"aa", "a"),
    (r"al-", "Al "),
    (r"el-", "El "),
]
HONORIFICS = ["Ambassador", "Dr.", "Prof.", "Mr.", "Ms.", "H.E.", None, None, None]
ROLES = [
    "Director General",
    "Director",
    "Senior Research Fellow",
    "Research Fellow",
    "Deputy Foreign Minister",
    "former Ambassador",
    "Chairman, Board of Governors",
    "Head of the South Asia Department",
    "Professor of International Relations",
    "Senior Analyst",
    "Advisor on Regional Affairs",
]
INSTITUTES = [
    ("Institute of Strategic Studies Islamabad", "ISSI", "Pakistan"),
    ("Institute for Political and International Studies", "IPIS", "Iran"),
    ("Institute for Iran and Eurasia Studies", "IRAS", "Iran"),
    ("Islamabad Policy Research Institute", "IPRI", "Pakistan"),
    ("China Institute of International Studies", "CIIS", "China"),
    ("Shanghai Institutes for International Studies", "SIIS", "China"),
    ("Russian International Affairs Council", "RIAC", "Russia"),
    ("Center for Strategic Research", "SAM", "Türkiye"),
    ("Kazakhstan Institute for Strategic Studies", "KazISS", "Kazakhstan"),
    ("King Faisal Center for Research and Islamic Studies", "KFCRIS", "Saudi Arabia"),
    ("Centre for Aerospace and Security Studies", "CASS", "Pakistan"),
    ("Center for Strategic Studies", "CSS", "Iran"),
]
CITIES = ["Islamabad", "Tehran", "Beijing", "Moscow", "Ankara", "Astana", "Riyadh", "Lahore", "Shanghai", "Almaty"]
KINDS = ["bilateral dialogue", "annual dialogue", "roundtable", "trilateral dialogue", "strategic dialogue"]
TOPICS = [
    "Afghanistan",
    "Palestine",
    "regional connectivity",
    "energy security",
    "water security",
    "border management",
    "counterterrorism",
    "CPEC",
    "the Iran-Pakistan gas pipeline",
    "trade and sanctions",
    "maritime security",
    "climate change",
    "nuclear non-proliferation",
    "the Shanghai Cooperation Organisation",
    "Central Asian transit corridors",
    "Gulf security",
    "multilateralism",
    "refugees and migration",
    "digital economy",
    "the Belt and Road Initiative",
    "food security",
    "Kashmir",
    "the Caspian region",
    "arms control",
]
FORUMS = ["ECO", "SCO", "OIC", "UN", "BRICS", "CICA", "ASEAN Regional Forum", "GCC", "CAREC"]
PROJECTS = [
    "Iran-Pakistan (IPI) gas pipeline",
    "Gwadar-Chabahar port link",
    "TAPI pipeline",
    "border markets",
    "Trans-Afghan railway",
    "CASA-1000",
    "Quetta-Taftan railway upgrade",
    "North-South Transport Corridor",
]
VERBS = str.split("stressed argued noted warned urged proposed welcomed questioned highlighted recalled called for")
NOUNS = str.split(
    "cooperation stability dialogue sanctions trade connectivity investment security sovereignty integration "
    "pipeline corridor framework mechanism consultation engagement diplomacy partnership resilience transit "
    "tariffs infrastructure governance confidence institutions agreements ministers neighbours markets"
)
ADJS = str.split(
    "regional bilateral sustained comprehensive practical urgent multilateral economic strategic durable "
    "shared mutual coherent inclusive long-term cross-border"
)


@dataclass
class Person:
    """A synthetic person: canonical spelling, other spellings and where they work."""

    pid: str
    name: str
    country: str
    honorific: str | None
    role: str
    affiliation: str
    start: int
    end: int
    weight: float
    spellings: list[str] = field(default_factory=list)
    registered: bool = False


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalize_name(text).replace(" ", "-")).strip("-")[:60] or "x"


def _sentence(rng: random.Random, topic: str) -> str:
    words = [rng.choice(ADJS), rng.choice(NOUNS)]
    tail = " ".join(rng.choice(NOUNS) if rng.random() < 0.6 else rng.choice(ADJS) for _ in range(rng.randint(6, 16)))
    return f"{rng.choice(VERBS).capitalize()} that {' '.join(words)} on {topic} needs {tail}."


def _paragraph(rng: random.Random, topic: str, low: int, high: int) -> str:
    return " ".join(_sentence(rng, topic) for _ in range(rng.randint(low, high)))


def make_people(rng: random.Random, count: int, first_year: int, last_year: int) -> list[Person]:
    """Return count distinct people, each with an active window of years and a popularity weight."""
    people: list[Person] = []
    taken: set[str] = set()
    countries = list(GIVEN)
    attempts = 0
    while len(people) < count and attempts < count * 50:
        attempts += 1
        country = rng.choice(countries)
        given, family = rng.choice(GIVEN[country].split()), rng.choice(FAMILY[country].split())
        name = f"{family} {given}" if country == "China" else f"{given} {family}"
        if rng.random() < 0.25 and country != "China":
            middle = rng.choice([g for g in GIVEN[country].split() if g != given])
            name = f"{given} {middle} {family}"
        key = normalize_name(name)
        if key in taken:
            continue
        taken.add(key)
        start = rng.randint(first_year - 5, last_year)
        institute = rng.choice([i for i in INSTITUTES if i[2] == country] or INSTITUTES)
        person = Person(
            f"p{len(people):06d}-{_slug(name)}",
            name,
            country,
            rng.choice(HONORIFICS),
            rng.choice(ROLES),
            institute[1],
            start,
            start + rng.randint(3, 15),
            rng.lognormvariate(0, 1.0),
            [name],
        )
        for pattern, repl in rng.sample(VARIANTS, len(VARIANTS)):
            if len(person.spellings) >= 4 or rng.random() < 0.5:
                continue
            if re.search(pattern, name):
                variant = re.sub(pattern, repl, name, count=1)
                vkey = normalize_name(variant)
                if vkey not in taken:
                    taken.add(vkey)
                    person.spellings.append(variant)
        person.registered = len(person.spellings) > 1 and rng.random() < 0.7
        people.append(person)
    return people


def _q(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _block(key: str, text: str, indent: int) -> list[str]:
    pad = " " * indent
    if len(text) < 90:
        return [f"{pad}{key}: {_q(text)}"]
    lines = textwrap.wrap(text, 100, break_long_words=False, break_on_hyphens=False)
    return [f"{pad}{key}: >-", *(f"{pad}  {line}" for line in lines)]


def _flow(values: Iterable[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def render_brief(brief: dict[str, Any]) -> str:
    """Return the YAML text of one brief, in the layout of the shipped briefs."""
    out = [f"# Synthetic brief {brief['id']} (generated by bench/gen_corpus.py)."]
    for key in ("id", "title", "kind", "date"):
        out.append(f"{key}: {_q(brief[key])}")
        if key == "kind" and brief.get("series"):
            out.append(f"series: {_q(brief['series'])}")
    out += _block("date_note", brief["date_note"], 0) if brief.get("date_note") else ["date_note: null"]
    out.append(f"location: {_q(brief['location'])}")
    out.append(f"status: {brief['status']}")
    out.append("organizers:")
    for org in brief["organizers"]:
        out += [f"  - name: {_q(org[0])}", f"    acronym: {_q(org[1])}", f"    country: {_q(org[2])}"]
    out.append(f"host_unit: {_q(brief['host_unit'])}")
    out.append(f"moderators: {_flow(brief['moderators'])}")
    out.append("participants:")
    for p in brief["participants"]:
        out.append(f"  - name: {_q(p['name'])}")
        for key in ("honorific", "role", "affiliation", "country"):
            out.append(f"    {key}: {_q(p[key])}")
        if p.get("person"):
            out.append(f"    person: {_q(p['person'])}")
    out.append("sessions:")
    for s in brief["sessions"]:
        out.append(f"  - title: {_q(s['title'])}")
        out.append(f"    moderator: {_q(s['moderator'])}")
        out += _block("summary", s["summary"], 4)
        out.append("    takeaways:")
        out += [f"      - {_q(t)}" for t in s["takeaways"]]
    out.append("positions:")
    for pos in brief["positions"]:
        out.append(f"  - by: {_flow(pos['by'])}")
        out.append(f"    topic: {_q(pos['topic'])}")
        out += _block("summary", pos["summary"], 4)
        out.append(f"    session: {_q(pos['session'])}")
    out.append("figures:" if brief["figures"] else "figures: []")
    for what, value in brief["figures"]:
        out += [f"  - what: {_q(what)}", f"    value: {_q(value)}"]
    for key in ("topics", "projects", "forums"):
        values = brief[key]
        out.append(f"{key}:" if values else f"{key}: []")
        out += [f"  - {_q(v)}" for v in values]
    out.append("mentions:" if brief["mentions"] else "mentions: []")
    for name, role, context in brief["mentions"]:
        out += [f"  - name: {_q(name)}", f"    role: {_q(role)}", f"    context: {_q(context)}"]
    out.append("sources:")
    src = brief["source"]
    out += [
        f"  - url: {_q(src['url'])}",
        f"    publisher: {_q(src['publisher'])}",
        f"    published: {src['published'] or 'null'}",
        f"    author: {_q(src['author'])}",
        "    file: null",
    ]
    return "\n".join(out) + "\n"


def make_brief(rng: random.Random, index: int, people_by_year: dict[int, list[Person]], years: range) -> dict[str, Any]:
    """Return the data of one synthetic brief."""
    year = rng.choice(years)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    roll = rng.random()
    date: str | int | None
    if roll < 0.05:
        date, note = None, "The report gives no event date; it says only that the dialogue was held recently."
    elif roll < 0.12:
        date, note = f"{year}-{month:02d}", "The report gives the month only."
    elif roll < 0.15:
        date, note = year, "Only the year is known from the report."
    else:
        date, note = f"{year}-{month:02d}-{day:02d}", None
    pool = people_by_year.get(year) or people_by_year[max(people_by_year)]
    weights = [p.weight for p in pool]
    chosen: dict[str, tuple[Person, str]] = {}
    want = rng.randint(4, 10)
    for _ in range(want * 4):
        if len(chosen) >= want:
            break
        person = rng.choices(pool, weights)[0]
        spelling = rng.choice(person.spellings) if rng.random() < 0.3 else person.name
        if person.pid in chosen or any(normalize_name(s) == normalize_name(spelling) for _, s in chosen.values()):
            continue
        chosen[person.pid] = (person, spelling)
    orgs = rng.sample(INSTITUTES, rng.choice([2, 2, 2, 3]))
    topics = rng.sample(TOPICS, rng.randint(3, 7))
    names = [s for _, s in chosen.values()]
    participants = []
    for person, spelling in chosen.values():
        entry: dict[str, Any] = {
            "name": spelling,
            "honorific": person.honorific,
            "role": person.role if rng.random() < 0.8 else rng.choice(ROLES),
            "affiliation": person.affiliation,
            "country": person.country,
        }
        if person.registered and spelling != person.name and rng.random() < 0.2:
            entry["person"] = person.pid
        participants.append(entry)
    sessions = []
    for i, topic in enumerate(topics[: rng.randint(2, 6)]):
        title = "Inaugural session" if i == 0 else f"{topic[0].upper()}{topic[1:]}: {rng.choice(ADJS)} perspectives"
        sessions.append(
            {
                "title": title,
                "moderator": rng.choice(names) if rng.random() < 0.8 else None,
                "summary": _paragraph(rng, topic, 1, 3),
                "takeaways": [_sentence(rng, topic) for _ in range(rng.randint(2, 4))],
            }
        )
    positions = []
    for _ in range(rng.randint(3, 12)):
        topic = rng.choice(topics)
        positions.append(
            {
                "by": rng.sample(names, rng.choice([1, 1, 1, 2])),
                "topic": topic[0].upper() + topic[1:],
                "summary": _paragraph(rng, topic, 2, 6),
                "session": rng.choice(sessions)["title"] if rng.random() < 0.7 else None,
            }
        )
    acr = "-".join(o[1] for o in orgs)
    kind = rng.choice(KINDS)
    title = f"{acr} {kind.title()}: {topics[0][0].upper()}{topics[0][1:]} and {topics[1]}"
    published = f"{year}-{month:02d}-{day:02d}" if date is not None and rng.random() < 0.6 else None
    brief_id = f"{_slug(acr)}-{_slug(kind)}-{date or 'undated'}-{index:06d}"
    return {
        "id": brief_id,
        "title": title,
        "kind": kind,
        # an annual dialogue of the same organisers is one series (derived, no random draw: the rest is unchanged)
        "series": f"{acr} Annual Dialogue" if kind == "annual dialogue" else None,
        "date": date,
        "date_note": note,
        "location": rng.choice(CITIES) if rng.random() < 0.85 else None,
        "status": "draft" if rng.random() < 0.03 else "published",
        "organizers": orgs,
        "host_unit": f"Centre for {topics[0]} studies" if rng.random() < 0.3 else None,
        "moderators": rng.sample(names, 1) if rng.random() < 0.5 else [],
        "participants": participants,
        "sessions": sessions,
        "positions": positions,
        "figures": [(f"{rng.choice(NOUNS).capitalize()} volume", f"{rng.randint(1, 90)} billion dollars")][
            : rng.randint(0, 1)
        ],
        "topics": topics,
        "projects": rng.sample(PROJECTS, rng.randint(0, 3)),
        "forums": rng.sample(FORUMS, rng.randint(0, 4)),
        "mentions": [
            (p.name, p.role, f"Expected to visit {rng.choice(CITIES)}.")
            for p in rng.sample(pool, rng.randint(0, 2))
            if p.pid not in chosen and all(normalize_name(s) != normalize_name(p.name) for s in names)
        ],
        "source": {
            "url": f"https://example.org/news/{brief_id}" if rng.random() < 0.8 else None,
            "publisher": rng.choice(["DNA", "APP", "IRNA", "Xinhua", "TASS", "Anadolu", "Kazinform"]),
            "published": published,
            "author": rng.choice(people_by_year[max(people_by_year)]).name if rng.random() < 0.4 else None,
        },
    }


def render_registry(people: list[Person]) -> str:
    """Return people.yaml for the registered people."""
    out = ["# Synthetic people registry (generated by bench/gen_corpus.py).", "people:"]
    for p in people:
        if not p.registered:
            continue
        out += [
            f"  - id: {_q(p.pid)}",
            f"    name: {_q(p.name)}",
            f"    honorific: {_q(p.honorific)}",
            f"    aliases: {_flow(p.spellings[1:])}",
            f"    country: {_q(p.country)}",
        ]
    return "\n".join(out) + "\n"


def generate(out_dir: Path, n: int, seed: int = 7, first_year: int = 1995, last_year: int = 2025) -> list[str]:
    """Write n briefs and people.yaml into out_dir (emptied of old .yaml files first); return the ids."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.yaml"):
        old.unlink()
    people = make_people(rng, max(60, int(n * 0.6)), first_year, last_year)
    years = range(first_year, last_year + 1)
    by_year = {y: [p for p in people if p.start <= y <= p.end] for y in years}
    by_year = {y: ps for y, ps in by_year.items() if len(ps) >= 12}
    active_years = range(min(by_year), max(by_year) + 1)
    ids = []
    for i in range(n):
        brief = make_brief(rng, i, by_year, active_years)
        (out_dir / f"{brief['id']}.yaml").write_text(render_brief(brief), encoding="utf-8")
        ids.append(brief["id"])
    (out_dir / "people.yaml").write_text(render_registry(people), encoding="utf-8")
    return ids


def main(argv: list[str] | None = None) -> int:
    """Generate a corpus from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    ids = generate(args.out, args.n, args.seed)
    print(f"wrote {len(ids)} briefs and people.yaml to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
