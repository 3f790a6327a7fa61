"""``compact-proofs train`` refuses unusable arguments with exit 2 and one clear line."""

from __future__ import annotations

from tests.scripts import run


def test_k_below_2_and_bad_seeds_are_usage_errors(tmp_path):
    for args, message in ((["--k", "0"], "K must be at least 2"), (["--k", "x"], "not an integer"),
                          (["--k", "4", "--seeds", "foo"], "--seeds takes integers, first:N or all"),
                          (["--k", "4", "--seeds", "first:0"], "first:N needs 1 <= N <= 151"),
                          (["--k", "4", "--jobs", "0"], "must be at least 1")):
        done = run("compact-proofs", "train", *args, "--out", "models", cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "models").exists()


def test_missing_tqdm_says_how_to_install_it(tmp_path):
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['tqdm'] = None  # as if not installed\n")
    done = run("compact-proofs", "train", "--k", "4", "--seeds", "50", "--steps", "1", "--out", "models",
               cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == ("compact-proofs train: the progress bar needs tqdm: "
                                   "pip install 'compact-proofs[train]'")
