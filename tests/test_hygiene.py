"""Architecture invariants: the core never imports Textual; the seeds ship inside the package."""

import subprocess
import sys
from pathlib import Path

from annotator.ingest import bundled_seeds

ROOT = Path(__file__).resolve().parent.parent
CORE = [
    "annotator.cli",
    "annotator.model",
    "annotator.store",
    "annotator.schemas",
    "annotator.corpus.pipeline",
    "annotator.ingest",
    "annotator.export.jsonl",
    "annotator.export.importer",
]


def test_core_does_not_import_textual():
    code = f"import sys; import {', '.join(CORE)}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bundled_seeds_are_the_project_seeds():
    bundled = {p.name: p.read_bytes() for p in bundled_seeds().glob("*.txt")}
    project = {p.name: p.read_bytes() for p in (ROOT / "seeds").glob("*.txt")}
    assert len(project) == 5 and bundled == project


def test_wheel_carries_the_seeds_and_lexicons(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    import zipfile

    (wheel,) = tmp_path.glob("annotator-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert sum(n.startswith("annotator/seeds/") and n.endswith(".txt") for n in names) == 5
    assert "annotator/corpus/data/abbreviations.txt" in names
