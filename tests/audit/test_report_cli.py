"""``compact-proofs report``: certificates matched to model cards by digest, never by file name; the
K values present; the table as Markdown, CSV and JSON; a self-contained page."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from compact_proofs.schema import load as load_schema
from compact_proofs.strategies.prove import prove_one
from compact_proofs.training.accuracy import exact_accuracy
from compact_proofs.training.export import save_model
from tests.checker.certs import max_model
from tests.scripts import ROOT, assert_one_line_error, run


def zoo(tmp: Path, *models: str) -> None:
    """Copy shipped models ('k4/seed50') with their cards into tmp/models."""
    for name in models:
        for suffix in (".safetensors", ".card.json"):
            source = ROOT / "models" / f"{name}{suffix}"
            (tmp / "models" / source.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(source, tmp / "models" / source.parent.name / source.name)


def place(tmp: Path, shipped: str, as_name: str | None = None) -> Path:
    """Copy a shipped certificate into tmp/certificates at the same depth (so its weights path
    resolves into tmp/models), under its own name or ``as_name``."""
    source = ROOT / "certificates" / shipped
    target = tmp / "certificates" / (as_name or shipped)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


def test_a_certificate_without_a_card_for_its_digest_exits_2_naming_it(tmp_path):
    zoo(tmp_path, "k4/seed104")
    place(tmp_path, "cubic/k4-seed50.json")
    done = run("compact-proofs", "report", cwd=tmp_path)
    assert_one_line_error(done, "certificates/cubic/k4-seed50.json: no model card under models has its model digest "
                                "sha256:94be3cbdd46c")


def test_a_certificate_copied_onto_another_model_s_name_is_refused(tmp_path):
    """The old report matched k4-seed104.json to seed 104's card; the digest says seed 50."""
    zoo(tmp_path, "k4/seed50", "k4/seed104")
    place(tmp_path, "cubic/k4-seed50.json")
    place(tmp_path, "cubic/k4-seed50.json", "cubic/k4-seed104.json")
    done = run("compact-proofs", "report", cwd=tmp_path)
    assert_one_line_error(done, "certificates/cubic/k4-seed104.json: named for K=4 seed 104, but its model digest is "
                                "that of models/k4/seed50.card.json (K=4, seed 50)")


def test_a_model_twice_in_one_group_is_refused(tmp_path):
    zoo(tmp_path, "k4/seed50")
    place(tmp_path, "subcubic/ours/k4-seed50.json")
    place(tmp_path, "subcubic/ours/k4-seed50.json", "subcubic/ours/best.json")
    done = run("compact-proofs", "report", cwd=tmp_path)
    assert_one_line_error(done, "certificates/subcubic/ours/k4-seed50.json: proves the model of "
                                "models/k4/seed50.card.json in the group sub-cubic, ours, as "
                                "certificates/subcubic/ours/best.json does")


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """A report over shipped K=4 and K=5 certificates and a K=3 model of our own, with every output."""
    tmp = tmp_path_factory.mktemp("report")
    zoo(tmp, "k4/seed50", "k4/seed104", "k5/seed50")
    for name in ("cubic/k4-seed50.json", "cubic/k4-seed104.json", "cubic/k5-seed50.json",
                 "subcubic/ours/k4-seed50.json", "subcubic/reference-quadratic/k4-seed104.json"):
        place(tmp, name)
    weights = tmp / "models" / "k3" / "tiny.safetensors"
    weights.parent.mkdir()
    model = save_model(weights, *max_model(V=6, K=3, lam=3.0, noise=0.0))
    card = {"digest": model.digest, "k": 3, "seed": None, "accuracy": exact_accuracy(dict(model.tensors))}
    (weights.parent / "tiny.card.json").write_text(json.dumps(card))
    prove_one(weights, "cubic", tmp / "certificates" / "mine" / "tiny-cubic.json")
    (tmp / "README.md").write_text("# x\n<!-- results-table:start -->\nold\n<!-- results-table:end -->\nafter\n")
    done = run("compact-proofs", "report", "--readme", "README.md", "--markdown", "out/table.md", "--csv",
               "out/table.csv", "--json", "out/table.json", "--chart", "out/k4.png", "--html", "out/page", cwd=tmp)
    assert done.returncode == 0, done.stderr
    return tmp, done.stdout


def test_report_reads_the_k_present_and_writes_markdown_csv_json(reported):
    tmp, stdout = reported
    table = stdout.split("\n" + str(Path("out/page/index.html")))[0].strip()
    rows = list(csv.DictReader(io.StringIO((tmp / "out/table.csv").read_text())))
    assert [(r["k"], r["group"], r["models"]) for r in rows] == [
        ("3", "cubic", "1"), ("4", "cubic", "2"), ("4", "reference-quadratic", "1"), ("4", "ours", "1"),
        ("5", "cubic", "1")]
    doc = json.loads((tmp / "out/table.json").read_text())
    assert doc["format"] == "compact-proofs-results" and len(doc["rows"]) == 5 and len(doc["certificates"]) == 6
    assert [(str(d["k"]), d["group"]) for d in doc["rows"]] == [(r["k"], r["group"]) for r in rows]
    first = next(c for c in doc["certificates"] if c["path"].endswith("cubic/k4-seed50.json"))
    assert first["seed"] == 50 and first["effective_dimension"] == 3 * 64 ** 2 + 8 * 64 and first["operations"] > 0
    assert (tmp / "out/table.md").read_text().strip() == table
    assert table.splitlines()[0].startswith("| K | proof | models | accuracy (cards) |")
    assert "| 4 | cubic | 2 |" in table and "| 0.954 ± 0.008 |" in table and "| 3 | cubic | 1 |" in table
    readme = (tmp / "README.md").read_text()
    assert readme.startswith("# x\n<!-- results-table:start -->\n| K |") and readme.endswith(
        "<!-- results-table:end -->\nafter\n") and "old" not in readme
    assert (tmp / "out/k4.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_page_is_self_contained_and_links_each_verify_report(reported):
    tmp, _ = reported
    page = tmp / "out/page/index.html"
    text = page.read_text()
    links = re.findall(r'href="([^"]+)"', text)
    assert len(links) == 6 and not re.search(r'(src|href)="(https?:|//)', text)
    assert text.count('src="data:image/png;base64,') == 2 * 3 + 1  # per K two charts, and the summary
    schema = jsonschema.Draft202012Validator(load_schema("verify-report"))
    for link in links:
        report = json.loads((page.parent / link).read_text())
        schema.validate(report)
        (result,) = report["results"]
        assert result["verdict"] == "verified" and result["comparison"]["k"] in (3, 4, 5)
        assert Path(result["path"]).name == Path(link).name


def test_report_without_matplotlib_says_what_to_install(tmp_path):
    blocker = tmp_path / "block" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    zoo(tmp_path, "k4/seed50")
    place(tmp_path, "cubic/k4-seed50.json")
    for command in (["report", "--chart", "k4.png"], ["plot", "report.json"]):
        done = run("compact-proofs", *command, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "block")})
        assert_one_line_error(done, "matplotlib is not installed", "pip install 'compact-proofs[plot]'")


@pytest.mark.slow
def test_the_page_renders_in_headless_chromium(reported):
    """The page as a browser shows it, from disk (file://), with nothing from the network."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    tmp, _ = reported
    shot = tmp / "page.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp / 'profile'}",
                    "--window-size=1300,2000", f"--screenshot={shot}", (tmp / "out/page/index.html").as_uri()],
                   check=True, capture_output=True, timeout=180)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A sweep of one shipped K=4 model: cubic, two of the paper's sub-cubic configurations, one of ours."""
    tmp = tmp_path_factory.mktemp("sweep")
    zoo(tmp, "k4/seed50")
    configurations = ["cubic", "max_diff_exact/mean_query+diff/max_diff_exact",
                      "max_diff/mean_query+diff/svd", "ours/envelope/rank_one"]
    done = run("compact-proofs", "sweep", "models/k4/seed50.safetensors", "--strategies", *configurations,
               "--jobs", "1", "--out", "out/sweep", cwd=tmp)
    assert done.returncode == 0, done.stderr
    return tmp, json.loads((tmp / "out/sweep/results.json").read_text())["rows"]


def test_report_of_a_sweep_keeps_each_model_s_best_per_group(swept):
    tmp, rows = swept
    (tmp / "README.md").write_text("<!-- sweep-table:start -->\nold\n<!-- sweep-table:end -->\n")
    done = run("compact-proofs", "report", "--sweep", "out/sweep/results.json", "--keep-best", "kept.json",
               "--readme", "README.md", "--csv", "table.csv", cwd=tmp)
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO((tmp / "table.csv").read_text())))
    assert [(r["group"], r["models"]) for r in table] == [("cubic", "1"), ("reference-subcubic", "1"), ("ours", "1")]
    paper = [r for r in rows if r["configuration"].startswith("max_diff")]
    assert len(paper) == 2 and float(table[1]["bound_mean"]) == max(r["bound_float"] for r in paper)
    kept = json.loads((tmp / "kept.json").read_text())
    assert len(kept["rows"]) == 3 and all("certificate" not in r and r["hint_numbers"] > 0 for r in kept["rows"])
    assert (tmp / "README.md").read_text().startswith("<!-- sweep-table:start -->\n| K | proof |")
    again = run("compact-proofs", "report", "--sweep", "kept.json", cwd=tmp)  # the kept rows, their certificates gone
    assert again.returncode == 0 and again.stdout == done.stdout
    both = run("compact-proofs", "report", "--sweep", "out/sweep/results.json", "kept.json", "--keep-best", "two.json",
               cwd=tmp)  # the best over both files: the same rows, and each file's run recorded
    assert both.returncode == 0 and both.stdout == done.stdout
    assert len(json.loads((tmp / "two.json").read_text())["runs"]) == 2


def test_a_sweep_row_without_a_card_and_misused_options_exit_2(swept):
    tmp, rows = swept
    (tmp / "other.json").write_text(json.dumps({"rows": [{**rows[0], "digest": "sha256:" + "0" * 64}]}))
    done = run("compact-proofs", "report", "--sweep", "other.json", cwd=tmp)
    assert_one_line_error(done, "no model card under models has its model digest sha256:0000")
    (tmp / "bad.json").write_text(json.dumps({"rows": [{**rows[0], "bound": "1/0"}]}))
    assert_one_line_error(run("compact-proofs", "report", "--sweep", "bad.json", cwd=tmp),
                          "bad.json: row 0 (cubic): unusable (ZeroDivisionError")
    assert_one_line_error(run("compact-proofs", "report", "--keep-best", "x.json", cwd=tmp),
                          "--keep-best needs --sweep")
    assert_one_line_error(run("compact-proofs", "report", "--sweep", "other.json", "--html", "page", cwd=tmp),
                          "--html shows certificates")


def test_the_readme_s_sweep_table_is_the_kept_sweep_s(tmp_path):
    """The README's sweep table is what report --sweep makes of audit/sweeps/zoo.json: every K=4
    card of the zoo (the paper's 151 seeds) in each group, brute force and the hybrid exact on
    every K=4 and K=5 model."""
    kept = ROOT / "audit" / "sweeps" / "zoo.json"
    done = run("compact-proofs", "report", "--sweep", str(kept), "--models", str(ROOT / "models"),
               "--csv", "table.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    readme = (ROOT / "README.md").read_text()
    assert done.stdout.strip() in readme.split("<!-- sweep-table:start -->")[1].split("<!-- sweep-table:end -->")[0]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "table.csv").read_text())))
    cards = len(list((ROOT / "models" / "k4").glob("*.card.json")))
    k4 = [r for r in rows if r["k"] == "4"]
    assert cards == 151 and all(r["models"] == str(cards) for r in k4) and len(k4) == 6
    exact = {(r["k"], r["group"]): float(r["normalised_std"]) for r in rows if r["group"] in ("brute_force", "hybrid")
             and r["k"] in ("4", "5")}
    assert exact == {(k, g): 0.0 for k in ("4", "5") for g in ("brute_force", "hybrid")}
