"""The contributor files say true things: CITATION.cff cites the paper and this tool, CONTRIBUTING
names files and tests that exist, the changelog has an Unreleased section, and the tool sections
of pyproject configure ruff and mypy."""

from __future__ import annotations

import re

import pytest
import yaml

from compact_proofs import __version__
from tests.scripts import ROOT


def test_citation_cites_the_paper_and_this_tool():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software" and cff["version"] == __version__
    assert cff["title"].startswith("compact-proofs") and cff["authors"] and cff["message"]
    (paper,) = cff["references"]
    assert paper["title"] == "Compact Proofs of Model Performance via Mechanistic Interpretability"
    assert paper["authors"][0] == {"family-names": "Gross", "given-names": "Jason"} and paper["year"] == 2024
    assert "NeurIPS 2024" in paper["collection-title"] and "2406.11779" in paper["url"]


def test_contributing_names_files_that_exist():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    named = set(re.findall(r"`((?:checker|lean|tests|certificates|api|\.ci)/[\w./-]*?)`", text))
    assert len(named) >= 10
    missing = [path for path in named if not (ROOT / path.rstrip("*")).exists() and "*" not in path]
    assert not missing, missing
    for step in ("docstring states the claim", "rulebook entry", "Lean theorem of the same name",
                 "property test named after the rule", "tamper test"):
        assert step in text, step


def test_changelog_has_an_unreleased_section_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text and f"## [{__version__}]" in text


def test_ruff_and_mypy_are_configured():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    assert tools["ruff"]["line-length"] == 120 and "E" in tools["ruff"]["lint"]["select"]
    assert tools["mypy"]["python_version"] == "3.10"
    assert re.search(r"mypy .*-p compact_proofs\.checker", (ROOT / ".ci/run").read_text())
