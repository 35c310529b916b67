"""Every file the README, the docs and the code comments cite is in the repository."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(r"(?<![\w./-])((?:docs|bench|tests|suites|scripts|examples|graders|tasks|sandbox|proctor)/"
                   r"[\w./-]*\w\.(?:md|py|toml|jsonl|json|sh|yml))\b")


def cited_paths(text: str) -> set[str]:
    return set(CITED.findall(text))


def test_cited_files_exist():
    # The builders of the corpora taken from others cite those projects' test files, not ours.
    others = {ROOT / "bench" / "math_heldout_build.py", ROOT / "bench" / "math_heldout2_build.py"}
    sources = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
               *[p for d in ("proctor", "graders", "tasks", "sandbox", "bench", "scripts") for p in (ROOT / d).rglob("*")
                 if p.suffix in (".py", ".sh") and p not in others]]
    missing = sorted(f"{src.relative_to(ROOT)} cites {path}" for src in sources
                     for path in cited_paths(src.read_text(errors="replace")) if not (ROOT / path).exists())
    assert not missing, "\n".join(missing)


def test_nothing_cites_a_design_file_outside_the_repository():
    offenders = [str(p.relative_to(ROOT)) for d in ("proctor", "graders", "tasks", "sandbox", "bench", "tests")
                 for p in (ROOT / d).rglob("*.py") if p != Path(__file__).resolve() and "shared/DESIGN" in p.read_text()]
    assert not offenders and "shared/DESIGN" not in (ROOT / "README.md").read_text()


def test_the_checker_finds_a_cited_path():
    assert cited_paths("see `docs/design.md` and bench/pool.py, not foo/bar.py") == {"docs/design.md",
                                                                                      "bench/pool.py"}
