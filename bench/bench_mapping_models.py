"""Benchmark: mapping (and validating) OTYS candidates, jobs and applications, per record.

Run as ``python bench/bench_mapping_models.py [--records N] [--seed S] [--profile]``. For each
model it maps the same sandbox records with

* the hand-written mapper of ``bench/baselines.py`` (the baseline), and its tight form
  (``baselines.TIGHT``: the same code run inside one mapping context, no switch per record) beside
  the engine mapping a page inside one context as the sync does (``engine_page``),
* the engine (``RecordMapper.map``: expressions compiled to Python by ``unimap.compiled``),
* the engine with every expression in jmespath's interpreter (``RecordMapper(..., compiled=False)``),

and each of them followed by validating the record against the model schema with the compiled
validator of ``unimap.validate`` or with ``jsonschema``. It prints µs per record and the ratio to
the hand-written mapper, and merges the figures into ``bench/results.json`` under
``"mapping_models"``. ``--profile`` adds the cost of each field's expression and of the rest of
``map()``. Timings are CPU time of this process (other processes on the machine do not count), the
best of several rounds in which the variants take turns; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baselines
import common

from unimap import context
from unimap.context import MappingContext
from unimap.engine import Engine
from unimap.mapping import RecordMapper
from unimap.validate import RecordValidator, mapped_schema
from unimap_connectors.otys.sandbox import generate

MODELS = ("candidate", "job", "application")
ROUNDS = 7
COLUMNS = [
    ("hand", "hand-written"),
    ("engine", "engine"),
    ("engine_page", "engine, page at once"),
    ("interp", "interpreter"),
    ("hand+fast", "hand + fast val."),
    ("engine+fast", "engine + fast val."),
    ("engine+jsonschema", "engine + jsonschema"),
    ("interp+jsonschema", "interp. + jsonschema"),
]


def _run(func: Callable[[Any], Any], records: list[Any], within: MappingContext | None = None) -> float:
    """µs per record; ``within`` a mapping context entered once for all records (as a page is mapped)."""
    gc.collect()
    if within is not None:
        with context.mapping_context(within):
            return _run(func, records)
    start = time.process_time()
    for record in records:
        func(record)
    return (time.process_time() - start) / len(records) * 1e6


def best_us(func: Callable[[Any], Any], records: list[Any], rounds: int = ROUNDS) -> float:
    """Best per-record time of ``func`` over ``records`` in µs."""
    return min(_run(func, records) for _ in range(rounds))


def interleaved(variants: dict[str, tuple[Any, ...]], rounds: int) -> dict[str, float]:
    """Best per-record µs of each variant ``(func, records[, context entered once])``, the variants
    taking turns in every round (so a busy moment of the machine slows all of them rather than one)."""
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(rounds):
        for name, (func, records, *within) in variants.items():
            best[name] = min(best[name], _run(func, records, *within))
    return best


def sample(records: list[Any], size: int) -> list[Any]:
    """``size`` records, repeating the list when it is shorter (the tenant has few jobs)."""
    if not records:
        raise SystemExit("the sandbox generated no records")
    return (records * (size // len(records) + 1))[:size]


def measure(engine: Engine, model: str, records: list[Any], ctx: MappingContext) -> dict[str, float]:
    mapper = engine.mapper("otys", model)
    interpreted = RecordMapper("otys", mapper.spec, engine.functions, engine.hook, compiled=False)
    hand = baselines.MAPPERS[model]
    tight = baselines.TIGHT[model]
    fast = RecordValidator(mapped_schema(model))
    slow = RecordValidator(mapped_schema(model), compiled=False)
    assert fast.compiled, f"{model}: the schema did not compile"
    for raw in records[:50]:  # the variants agree before they are timed
        expected = hand(raw, ctx)
        assert mapper.map(raw, ctx) == expected == interpreted.map(raw, ctx)
        with context.mapping_context(ctx):
            assert tight(raw, ctx) == expected
        assert fast.is_valid(expected) and slow.is_valid(expected)
    mapped = [mapper.map(raw, ctx) for raw in records]
    few = records[: max(50, len(records) // 10)]  # jsonschema is slow: time it on fewer records
    figures = interleaved(
        {
            "hand": (lambda raw: hand(raw, ctx), records),
            "engine": (lambda raw: mapper.map(raw, ctx), records),
            "tight": (lambda raw: tight(raw, ctx), records, ctx),
            "engine_page": (lambda raw: mapper.map(raw, ctx), records, ctx),
            "interp": (lambda raw: interpreted.map(raw, ctx), records),
            "validate_fast": (fast.is_valid, mapped),
            "hand+fast": (lambda raw: fast.is_valid(hand(raw, ctx)), records),
            "engine+fast": (lambda raw: fast.is_valid(mapper.map(raw, ctx)), records),
        },
        ROUNDS,
    )
    figures.update(
        interleaved(
            {
                "validate_jsonschema": (slow.is_valid, mapped[: len(few)]),
                "engine+jsonschema": (lambda raw: slow.is_valid(mapper.map(raw, ctx)), few),
                "interp+jsonschema": (lambda raw: slow.is_valid(interpreted.map(raw, ctx)), few),
            },
            3,
        )
    )
    return figures


def profile(engine: Engine, model: str, records: list[Any], ctx: MappingContext) -> dict[str, Any]:
    """µs per record of each field's compiled and interpreted expression, and of the rest of ``map()``."""
    mapper = engine.mapper("otys", model)
    fields: dict[str, dict[str, float]] = {}
    with context.mapping_context(ctx):
        for field in mapper.spec.fields:
            compiled = field.expression.evaluator()
            interpreted = field.expression.evaluator(compiled=False)
            fields[field.name] = {"compiled": best_us(compiled, records, 3), "interp": best_us(interpreted, records, 3)}
        fields_total = best_us(mapper.fields, records, 3)
    whole = best_us(lambda raw: mapper.map(raw, ctx), records, 3)
    return {
        "fields": fields,
        "sum_of_expressions": sum(f["compiled"] for f in fields.values()),
        "fields_call": fields_total,
        "map_call": whole,
    }


def print_table(results: dict[str, dict[str, float]]) -> None:
    print("\nµs per record (ratio to the hand-written mapper)")
    head = f"{'model':<12}" + "".join(f"{label:>22}" for _, label in COLUMNS)
    print(head)
    for model, figures in results.items():
        hand = figures["hand"]
        cells = [f"{figures[key]:8.1f} ({figures[key] / hand:5.2f}x)" for key, _ in COLUMNS]
        print(f"{model:<12}" + "".join(f"{cell:>22}" for cell in cells))
    print("\nvalidation alone, µs per mapped record")
    for model, figures in results.items():
        fast, slow = figures["validate_fast"], figures["validate_jsonschema"]
        print(f"  {model:<12} compiled {fast:7.1f}   jsonschema {slow:8.1f}   ({slow / fast:.0f}x)")


def print_profile(model: str, prof: dict[str, Any]) -> None:
    print(f"\nprofile: {model} (µs per record)")
    for name, cost in sorted(prof["fields"].items(), key=lambda item: -item[1]["compiled"]):
        print(f"  {name:<24} compiled {cost['compiled']:6.2f}   interpreter {cost['interp']:7.2f}")
    print(f"  {'sum of expressions':<24} {prof['sum_of_expressions']:6.2f}")
    print(f"  {'RecordMapper.fields()':<24} {prof['fields_call']:6.2f}")
    print(f"  {'RecordMapper.map()':<24} {prof['map_call']:6.2f}  (id, remote_data, context, plugin hook)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000, help="records per model (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="sandbox seed (default 1)")
    parser.add_argument("--profile", action="store_true", help="also time each field's expression")
    args = parser.parse_args(argv)
    tenant = generate(args.seed, max(50, args.records))
    engine = Engine()
    ctx = MappingContext("otys:bench", engine.settings("otys"))
    results: dict[str, dict[str, float]] = {}
    profiles: dict[str, Any] = {}
    for model in MODELS:
        records = sample(tenant.records[baselines.SERVICES[model]], args.records)
        results[model] = measure(engine, model, records, ctx)
        if args.profile:
            profiles[model] = profile(engine, model, records, ctx)
    print_table(results)
    print("\nengine mapping a page in one context ÷ tight hand-written mapper (target ≤ 2.0)")
    for model, figures in results.items():
        print(
            f"  {model:<12} {figures['engine_page']:7.1f} µs ÷ {figures['tight']:7.1f} µs = "
            f"{figures['engine_page'] / figures['tight']:.2f}"
        )
    for model, prof in profiles.items():
        print_profile(model, prof)
    figures: dict[str, Any] = {
        "records": args.records,
        "seed": args.seed,
        "python": platform.python_version(),
        "unit": "microseconds per record",
        "models": {
            model: {key: round(value, 2) for key, value in figures.items()} for model, figures in results.items()
        },
        "ratios_to_hand_written": {
            model: {key: round(figures[key] / figures["hand"], 2) for key, _ in COLUMNS if key != "hand"}
            for model, figures in results.items()
        },
        # both map a page inside one mapping context: what the expression layer costs (target ≤ 2.0)
        "ratio_engine_page_to_tight": {
            model: round(figures["engine_page"] / figures["tight"], 2) for model, figures in results.items()
        },
    }
    if profiles:
        figures["profile"] = {
            model: {
                "fields": {name: {k: round(v, 2) for k, v in cost.items()} for name, cost in prof["fields"].items()},
                **{k: round(prof[k], 2) for k in ("sum_of_expressions", "fields_call", "map_call")},
            }
            for model, prof in profiles.items()
        }
    common.save("mapping_models", figures)
    print(f"\nwritten to {common.RESULTS} under 'mapping_models'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
