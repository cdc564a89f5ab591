"""The documents say what the code does: the suitability table in seeds/README.md is the
shipped CSV, and the two capacities are described as the compiler uses them."""

from __future__ import annotations

from pathlib import Path

from gongjian.graph.model import Resource, Unit
from gongjian.seeds.suitability import default_suitability, markdown_table

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_readme_lists_the_shipped_table_in_chinese() -> None:
    readme = (SEEDS / "README.md").read_text("utf-8")
    table = markdown_table(default_suitability())
    assert table in readme, "regenerate the table: seeds.suitability.markdown_table"
    assert "| 消防隐患整改 `fire_hazard` | 消防安全 `fire_safety` | 学校 `school` | 20 |" in table


def test_capacities_are_uses_for_resources_and_effort_for_units() -> None:
    resource = Resource.model_json_schema()["properties"]["capacity"]["description"]
    unit = Unit.model_json_schema()["properties"]["capacity"]["description"]
    assert "次数" in resource and "uses" in resource
    assert "工作量" in unit and "effort" in unit
    readme = (SEEDS / "xingcheng" / "README.md").read_text("utf-8")
    assert "每季度可提供的**次数**" in readme and "每季度可投入的工作量" in readme
