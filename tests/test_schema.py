"""brandlab.schema: the registry, the area modules in brandlab/tables, re-exports and validate()."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pandas as pd
import pytest

import brandlab.schema as schema
from brandlab.errors import SchemaViolation
from brandlab.schema import TABLES, TableSchema

AREAS = ("compare", "triad", "outcomes", "survey", "network", "nlp")
FOUNDATION = ("posts", "authors", "audience_segments", "post_metrics", "edges", "quarantine", "ingest_log")


def _area_schemas(area: str) -> dict[str, TableSchema]:
    mod = importlib.import_module(f"brandlab.tables.{area}")
    return {name: v for name, v in vars(mod).items() if isinstance(v, TableSchema)}


def test_registry_holds_foundation_then_areas_in_order() -> None:
    expected = list(FOUNDATION)
    for area in AREAS:
        expected += [s.name for s in _area_schemas(area).values()]
    assert list(TABLES) == expected
    assert len(TABLES) == 41


@pytest.mark.parametrize("area", AREAS)
def test_area_tables_registered_and_reexported(area: str) -> None:
    schemas = _area_schemas(area)
    assert schemas, f"brandlab.tables.{area} declares no table"
    for const, s in schemas.items():
        assert TABLES[s.name] is s
        assert getattr(schema, const) is s, f"brandlab.schema does not re-export {const}"


def test_table_names_unique_across_modules() -> None:
    names = [s.name for area in AREAS for s in _area_schemas(area).values()]
    names += [v.name for v in vars(schema).values() if isinstance(v, TableSchema) and v.name in FOUNDATION]
    assert len(names) == len(set(names)) == len(TABLES)


def _registry_after(statement: str) -> list[str]:
    code = f"{statement}\nimport json, brandlab.schema as s\nprint(json.dumps(list(s.TABLES)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


@pytest.mark.parametrize("area", AREAS)
def test_importing_an_area_module_first_works(area: str) -> None:
    # no circular-import failure whichever module a fresh interpreter imports first, same registry order
    assert _registry_after(f"import brandlab.tables.{area}") == list(TABLES)


def test_import_stays_cheap() -> None:
    code = ("import sys, json, brandlab.schema\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('brandlab', 'duckdb', 'click', 'networkx', 'jieba', 'rjieba', 'sklearn', 'scipy', 'streamlit'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    heavy = {m for m in loaded if not m.startswith("brandlab")}
    assert not heavy, f"import brandlab.schema pulls in {sorted(heavy)}"
    assert {f"brandlab.tables.{a}" for a in AREAS} <= loaded
    others = {m for m in loaded if m.startswith("brandlab.") and m.split(".")[1] not in ("schema", "tables", "config",
                                                                                         "errors")}
    assert not others, f"import brandlab.schema pulls in {sorted(others)}"


@pytest.mark.parametrize(
    ("name", "frame", "checks"),
    [
        ("survey_texts", {"survey_id": ["s"], "respondent_id": [None], "concept": ["c"], "text": ["t"]},
         {"not null"}),
        ("seeding", {"platform": ["weibo", "weibo", "mars"], "strategy": ["celf"] * 3, "k": [1, 1, 2],
                     "node_id": ["a", "b", "c"], "expected_reach": [1.0, -2.0, 3.0], "n_simulations": [10] * 3},
         {"in ['bilibili', 'douyin', 'kuaishou', 'other', 'wechat', 'weibo', 'xhs']", "within (0.0, None)",
          "unique key"}),
        ("post_sentiment", {"platform": ["weibo"], "post_id": ["1"], "label": ["happy"], "score": [1.5],
                            "p_negative": [0.0], "p_neutral": [0.0], "p_positive": [1.0], "model": ["m"],
                            "has_text": [True]},
         {"in ['negative', 'neutral', 'positive']", "within (0.0, 1.0)"}),
    ],
)
def test_validate_collects_every_failure_of_an_area_table(name: str, frame: dict[str, list[object]],
                                                          checks: set[str]) -> None:
    with pytest.raises(SchemaViolation) as info:
        schema.validate(pd.DataFrame(frame), TABLES[name])
    assert info.value.table == name
    assert set(info.value.failures["check"]) == checks
    assert "brandlab/tables/" in str(info.value)


def test_valid_area_rows_pass_with_declared_dtypes() -> None:
    df = schema.validate(pd.DataFrame({"comparison_id": ["c1"], "name": ["notes"], "data": ["[]"]}),
                         TABLES["comparison_detail"])
    assert list(df.columns) == TABLES["comparison_detail"].names
    assert pd.api.types.is_string_dtype(df["comparison_id"].dtype)
    assert df["data"].dtype == object
