"""``compact-proofs plot``: charts from verify reports and sweep results, points matched to model
cards by digest."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from compact_proofs.audit.plot import pareto
from compact_proofs.audit.results import Cards, read_points, with_cards
from tests.scripts import ROOT, assert_one_line_error, run

MODELS = ROOT / "models"
CERTS = ["cubic/k4-seed50.json", "cubic/k5-seed50.json", "subcubic/ours/k4-seed50.json",
         "subcubic/reference-subcubic/k4-seed104.json", "subcubic/reference-quadratic/k5-seed50.json"]


@pytest.fixture(scope="module")
def verify_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plot") / "verify.json"
    done = run("verify", "--format", "json", "--output", str(out), *(str(ROOT / "certificates" / c) for c in CERTS),
               cwd=out.parent)
    assert done.returncode == 0, done.stderr
    return out


def card(k: int, seed: int) -> dict:
    return json.loads((MODELS / f"k{k}" / f"seed{seed}.card.json").read_text())


def test_pareto_keeps_what_nothing_beats():
    points = [(1, 0.2), (2, 0.1), (2, 0.5), (3, 0.5), (4, 0.9), (0.5, 0.05)]
    assert pareto(points) == [(0.5, 0.05), (1, 0.2), (2, 0.5), (4, 0.9)]


def test_points_of_a_verify_report_carry_group_cost_and_card(verify_report):
    points, dropped = read_points(str(verify_report), MODELS)
    points, missing = with_cards(points, Cards(MODELS))
    assert not dropped and not missing and len(points) == len(CERTS)
    by_source = {Path(p.source).relative_to(ROOT / "certificates").as_posix(): p for p in points}
    ours = by_source["subcubic/ours/k4-seed50.json"]
    assert ours.group == "ours" and ours.k == 4 and ours.card.seed == 50 and ours.operations > 0
    assert ours.normalised == pytest.approx(float(ours.bound) / card(4, 50)["accuracy"]["accuracy"])
    assert by_source["cubic/k5-seed50.json"].effective_dimension == 3 * 64 ** 2 + 2 * 5 * 64


def test_plot_writes_png_and_svg_per_k_and_a_summary(verify_report, tmp_path):
    done = run("compact-proofs", "plot", str(verify_report), "--models", str(MODELS), "--out", "charts", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stems = ["k4-bound-vs-cost", "k4-bound-vs-effective-dimension", "k5-bound-vs-cost",
             "k5-bound-vs-effective-dimension", "summary"]
    assert done.stdout.split() == [f"charts/{s}.{fmt}" for s in stems for fmt in ("png", "svg")]
    for stem in stems:
        assert (tmp_path / "charts" / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (tmp_path / "charts" / f"{stem}.svg").read_text()
    again = run("compact-proofs", "plot", str(verify_report), "--models", str(MODELS), "--out", "again", cwd=tmp_path)
    assert again.returncode == 0  # the same points draw the same bytes (no date, no version stamp)
    for name in ("k4-bound-vs-cost.svg", "summary.png"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "charts" / name).read_bytes()


def test_sweep_rows_are_points_matched_by_digest(tmp_path):
    """A sweep's document (rows with a digest and an exact bound) and a bare list of rows naming the
    zoo's K and seed (the digest then comes from the weights); a digest without a card is left out."""
    c50, c104 = card(4, 50), card(4, 104)
    rows = [{"configuration": "cubic", "strategy": "cubic", "k": 4, "digest": c50["digest"], "verdict": "verified",
             "bound": "15000000/16777216", "operations": 5 * 10**7, "verify_seconds": 0.3},
            {"configuration": "max_diff_exact/mean_query+diff/max_diff", "strategy": "subcubic", "k": 4,
             "digest": c104["digest"], "verdict": "verified", "bound": "12000000/16777216", "operations": 4 * 10**6},
            {"configuration": "cubic", "strategy": "cubic", "k": 4, "digest": "sha256:" + "0" * 64,
             "verdict": "verified", "bound": "1/2", "operations": 10},
            {"configuration": "hybrid", "strategy": "hybrid", "k": 4, "verdict": "skipped", "reason": "not feasible"}]
    sweep = tmp_path / "results.json"
    sweep.write_text(json.dumps({"environment": {}, "rows": rows}))
    listed = tmp_path / "all_configs.json"
    listed.write_text(json.dumps([{"k": 4, "seed": 50, "config": "ours/envelope/rank_one", "verdict": "verified",
                                   "bound": 0.9, "operations": 5 * 10**6, "verify_s": 0.1}]))
    points, dropped = read_points(str(sweep), MODELS)
    assert len(points) == 3 and len(dropped) == 1 and "skipped" in dropped[0]
    assert points[1].group == "reference-subcubic" and points[1].bound == Fraction(12000000, 16777216)
    more, _ = read_points(str(listed), MODELS)
    assert more[0].digest == c50["digest"] and more[0].group == "ours" and more[0].effective_dimension > 0
    done = run("compact-proofs", "plot", str(sweep), str(listed), "--models", str(MODELS), "--out", "charts",
               "--summary-by", "configuration", "--formats", "png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "left out 1 entries that are not proved bounds" in done.stderr
    assert "left out 1 entries without a model card (matched by digest)" in done.stderr
    assert (tmp_path / "charts/summary.png").is_file() and (tmp_path / "charts/k4-bound-vs-cost.png").is_file()


@pytest.mark.parametrize("text", ["{", '{"format": "other"}', "[1, 2]"])
def test_plot_of_what_is_neither_exits_2_with_one_line(tmp_path, text):
    (tmp_path / "x.json").write_text(text)
    done = run("compact-proofs", "plot", "x.json", "--models", str(MODELS), cwd=tmp_path)
    assert_one_line_error(done, "x.json: ")


def test_plot_with_nothing_matched_exits_2(verify_report, tmp_path):
    (tmp_path / "models").mkdir()
    done = run("compact-proofs", "plot", str(verify_report), "--models", "models", cwd=tmp_path)
    assert_one_line_error(done, "nothing to plot", "has a model card under models")
