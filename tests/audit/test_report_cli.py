"""``compact-proofs report`` with a missing model card exits 2 naming the card."""

from __future__ import annotations

import shutil

from tests.scripts import ROOT, assert_one_line_error, run


def test_missing_card_exits_2_naming_it(tmp_path):
    (tmp_path / "certificates" / "cubic").mkdir(parents=True)
    (tmp_path / "models" / "k4").mkdir(parents=True)
    shutil.copy(ROOT / "certificates/cubic/k4-seed50.json", tmp_path / "certificates/cubic/k4-seed50.json")
    done = run("compact-proofs", "report", cwd=tmp_path)
    assert_one_line_error(done, "models/k4/seed50.card.json: model card not found")
