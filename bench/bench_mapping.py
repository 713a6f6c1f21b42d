"""Benchmark: a 20-value candidate spec through the engine vs the same mapping written by hand.

Run as ``python bench/bench_mapping.py [--records N] [--rounds R] [--seed S]``.

The spec (written to a temporary connector folder, so it is loaded and linted like any other)
fills all 17 fields of the unified candidate that a spec may map; ``location`` is an object of
four values, so each record yields 20 values. It uses what real specs use: paths, filters and
projections, built-in functions (dates from Europe/Amsterdam, E.164 phones, e-mail, countries,
``ref``, ``setting``, a lookup table), a transform chain and an enum map with a default.

``hand_mapping`` does the same by hand and calls the same value functions, so the ratio is the
cost of the spec layer (expressions, transforms, maps, fillers, ids, the hook call), not of the
functions. Both run side by side on the same generated records, alternating batch by batch, each
batch's best of several rounds; their outputs are compared first. It prints µs per record and
the ratio engine ÷ hand, and merges its figures into ``bench/results.json`` under
``"mapping_20_fields"`` (other keys are kept). No figure here is a pass/fail threshold.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, save

from unimap import context, ids
from unimap.config import Config
from unimap.context import MappingContext
from unimap.default_plugins.functions import (
    as_list,
    country_code,
    email,
    iso_datetime,
    join_nonempty,
    labelled_fields,
    nullif_empty,
    phone,
    ref,
    to_text,
    trim,
)
from unimap.engine import Engine
from unimap.mapping import RecordMapper

KEY = "mapping_20_fields"
METHOD = "/candidates"

CONNECTOR = """\
kind: connector
name: bench
transport: {type: rest, base_url: "https://bench.example"}
auth: {type: none}
lookups:
  candidate_fields:
    request: {path: /custom-fields, query: {entity: "'candidate'"}}
    records: body.data
    key: to_text(slot)
    value: label
settings:
  timezone: Europe/Amsterdam
  default_country: NL
  app_url: https://app.bench.example
  phone_types: {mobile: MOBILE, home: HOME, work: WORK}
"""

CANDIDATES = """\
kind: model
model: candidate
source: {type: list, request: {path: /candidates}, records: body.data}
fields:
  remote_id: uid
  first_name:
    expr: person.first
    transform: [trim, nullif_empty]
  last_name: join_nonempty(' ', [person.infix, person.last])
  company: "(jobs[?current] | [0]).employer || null"
  title: "(jobs[?current] | [0]).function || null"
  confidential:
    expr: status
    map: {Confidential: true, Active: false, Passive: false}
    default: false
  source: nullif_empty(source)
  phone_numbers: >-
    as_list(person.phones)[?number].{phone_number: phone(number),
    type: enum_map(kind, setting('phone_types'), 'OTHER')}
  email_addresses: "[email(person.email)][?@].{email_address: @, type: 'PERSONAL'}"
  social_media: "linkedin && [{link: linkedin, type: 'LINKEDIN', username: null}] || `[]`"
  location: >-
    {street_1: nullif_empty(address.street), city: nullif_empty(address.city),
     zip_code: nullif_empty(address.postcode), country: country_code(address.country)}
  custom_fields: labelled_fields(@, 'extra', 'candidate_fields')
  integration_fields: "`[]`"
  remote_url: "join('', [setting('app_url'), '/candidates/', uid])"
  remote_created_at: iso_datetime(created)
  remote_updated_at: iso_datetime(modified)
  tags: "tags[].{id: ref('tag', uid), name: name, remote_id: to_text(uid)}"
"""


def hand_mapping(raw: dict[str, Any], ctx: MappingContext) -> dict[str, Any]:
    """``CANDIDATES`` written by hand: the same fields, values and order of evaluation."""
    with context.mapping_context(ctx):
        person = raw.get("person") or {}
        settings = ctx.settings
        first = nullif_empty(trim(person.get("first")))
        current = next((j for j in raw.get("jobs") or [] if j.get("current")), None) or {}
        phone_types = settings.get("phone_types") or {}
        phones = [
            {"phone_number": phone(p.get("number")), "type": phone_types.get(p.get("kind"), "OTHER")}
            for p in as_list(person.get("phones"))
            if p.get("number")
        ]
        mail = email(person.get("email"))
        address = raw.get("address") or {}
        record = {
            "remote_id": raw["uid"],
            "last_name": join_nonempty(" ", [person.get("infix"), person.get("last")]),
            "company": current.get("employer") or None,
            "title": current.get("function") or None,
            "source": nullif_empty(raw.get("source")),
            "phone_numbers": phones,
            "email_addresses": [{"email_address": mail, "type": "PERSONAL"}] if mail else [],
            "social_media": [{"link": raw["linkedin"], "type": "LINKEDIN", "username": None}]
            if raw.get("linkedin")
            else [],
            "location": {
                "street_1": nullif_empty(address.get("street")),
                "city": nullif_empty(address.get("city")),
                "zip_code": nullif_empty(address.get("postcode")),
                "country": country_code(address.get("country")),
            },
            "custom_fields": labelled_fields(raw, "extra", "candidate_fields"),
            "integration_fields": [],
            "remote_url": f"{settings['app_url']}/candidates/{raw['uid']}",
            "remote_created_at": iso_datetime(raw.get("created")),
            "remote_updated_at": iso_datetime(raw.get("modified")),
            "tags": [
                {"id": ref("tag", t.get("uid")), "name": t.get("name"), "remote_id": to_text(t.get("uid"))}
                for t in raw.get("tags") or []
            ],
            "first_name": first,
            "confidential": {"Confidential": True, "Active": False, "Passive": False}.get(raw.get("status"), False),
        }
        record["id"] = ids.unified_id(ctx.integration_id, "candidate", record["remote_id"])
        record["remote_data"] = {METHOD: raw}
    return record


# -- data -----------------------------------------------------------------------------------------------

FIRST = ["Anna", "Bram", "Chloé", "Daan", "Emma", "Finn", "Grace", "Hugo", " Iris ", "Jesse", "", "Liam"]
INFIX = [None, None, None, "van", "de", "van der", "ter"]
LAST = ["Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Dekker", "Peters", "Hendriks"]
CITIES = [
    ("Amsterdam", "Nederland"),
    ("Utrecht", "NL"),
    ("Antwerpen", "België"),
    ("Köln", "Deutschland"),
    ("Lille", "France"),
    ("Leeds", "United Kingdom"),
    ("Rotterdam", "The Netherlands"),
]
EMPLOYERS = ["Acme BV", "Globex", "Initech", "Umbrella NV", "Hooli", None]
FUNCTIONS = ["Engineer", "Recruiter", "Nurse", "Driver", "Accountant", None]


def _phone(r: random.Random) -> str:
    return r.choice(
        [f"06-{r.randrange(10**8):08d}", f"+31 20 {r.randrange(10**7):07d}", f"0031 6 {r.randrange(10**8):08d}", ""]
    )


def generate(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` candidate-like vendor records, the same for the same seed."""
    r = random.Random(seed)
    records = []
    for i in range(n):
        first, last = r.choice(FIRST), r.choice(LAST)
        city, country = r.choice(CITIES)
        phones = {
            str(k + 1): {"number": _phone(r), "kind": r.choice(["mobile", "home", "work", "fax"])}
            for k in range(r.choice([0, 1, 1, 2, 3]))
        }
        jobs = [
            {"employer": r.choice(EMPLOYERS), "function": r.choice(FUNCTIONS), "current": j == 0 and r.random() < 0.6}
            for j in range(r.choice([0, 1, 2, 3]))
        ]
        address = {
            "street": f"Straat {r.randrange(1, 300)}",
            "city": city,
            "postcode": f"{r.randrange(1000, 9999)} AB",
            "country": country,
        }
        moment = 1_700_000_000 + r.randrange(60_000_000)
        records.append(
            {
                "uid": f"{r.getrandbits(40):010x}",
                "status": r.choice(["Active", "Passive", "Confidential"]),
                "person": {
                    "first": first,
                    "infix": r.choice(INFIX),
                    "last": last,
                    "phones": phones,
                    "email": r.choice([f" {first.strip() or 'x'}.{last}@Example.com ", "not-an-email", None]),
                },
                "address": address if r.random() < 0.8 else None,
                "jobs": jobs,
                "source": r.choice(["LinkedIn", "Indeed", "", None, "Website"]),
                "linkedin": f"https://www.linkedin.com/in/{last.lower()}-{i}" if r.random() < 0.3 else None,
                "created": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment)),
                "modified": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment + r.randrange(10**7))),
                "tags": [{"uid": t, "name": f"tag {t}"} for t in r.sample(range(1, 40), r.choice([0, 0, 1, 2, 3]))],
                **{f"extra{k}": r.choice(["B", "C", "", None, "Direct"]) for k in range(1, 4)},
            }
        )
    return records


# -- timing ---------------------------------------------------------------------------------------------


def best_per_record(
    runners: dict[str, Callable[[list[Any]], object]], records: list[Any], rounds: int, batch: int = 250
) -> dict[str, float]:
    """µs per record of each runner.

    The records are cut into batches; each round times every runner on every batch, alternating
    runners batch by batch so that both see the same machine load, and each batch keeps its best
    time per runner. The sum of those best times over the batches, divided by the number of
    records, is the figure: on a busy machine the minimum is the least disturbed measurement.
    """
    batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    best = {name: [float("inf")] * len(batches) for name in runners}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for index, chunk in enumerate(batches):
                for name, run in runners.items():
                    started = time.perf_counter()
                    run(chunk)
                    best[name][index] = min(best[name][index], time.perf_counter() - started)
            gc.collect()
    finally:
        if enabled:
            gc.enable()
    return {name: sum(times) / len(records) * 1e6 for name, times in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="unimap-bench-") as folder:
        root = Path(folder) / "bench"
        (root / "models").mkdir(parents=True)
        (root / "connector.yaml").write_text(CONNECTOR, encoding="utf-8")
        (root / "models" / "candidates.yaml").write_text(CANDIDATES, encoding="utf-8")
        engine = Engine(config=Config(), spec_dirs=[folder], entry_points=False)
        mapper = engine.mapper("bench", "candidate")

    lookups = {"candidate_fields": {"1": "Driving licence", "2": "Notice period"}}
    ctx = MappingContext("bench:1", engine.settings("bench"), lookups)
    records = generate(args.records, args.seed)
    for raw in records:  # same output, or the comparison means nothing
        expected, got = hand_mapping(raw, ctx), mapper.map(raw, ctx)
        if got != expected:
            diff = sorted(k for k in {*expected, *got} if expected.get(k) != got.get(k))
            print(f"the hand-written mapping differs from the spec on {raw['uid']}: {diff}", file=sys.stderr)
            return 1

    runners: dict[str, Callable[[list[Any]], object]] = {
        "engine": lambda chunk: [mapper.map(raw, ctx) for raw in chunk],
        "hand": lambda chunk: [hand_mapping(raw, ctx) for raw in chunk],
    }
    try:
        interpreter = RecordMapper("bench", mapper.spec, engine.functions, engine.hook, compiled=False)
        runners["engine_interpreted"] = lambda chunk: [interpreter.map(raw, ctx) for raw in chunk]
    except TypeError:  # a RecordMapper without the choice
        pass
    timings = best_per_record(runners, records, args.rounds)

    figures: dict[str, Any] = {
        "fields": len(mapper.spec.fields),
        "values_per_record": 20,
        "records": len(records),
        "rounds": args.rounds,
        "us_per_record": {name: round(value, 2) for name, value in timings.items()},
        "ratio_engine_to_hand": round(timings["engine"] / timings["hand"], 2),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if "engine_interpreted" in timings:
        figures["ratio_interpreted_to_hand"] = round(timings["engine_interpreted"] / timings["hand"], 2)

    print(
        f"{len(records)} candidate-like records, {figures['fields']} fields / 20 values each, "
        f"best of {args.rounds} rounds per batch"
    )
    for name, value in timings.items():
        print(f"  {name:<20} {value:9.2f} µs/record   {value / timings['hand']:5.2f} × hand")
    print(f"ratio engine ÷ hand: {figures['ratio_engine_to_hand']}")
    if not args.no_save:
        save(KEY, figures)
        print(f"saved under {KEY!r} in {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
