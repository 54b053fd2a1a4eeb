"""Regenerate the golden expectations of tests/test_extract_golden.py (fundus-style).

    .venv/bin/python tests/data/extract/regenerate.py            # rewrite every NAME.expected.json
    .venv/bin/python tests/data/extract/regenerate.py --add URL NAME   # copy a page from the eval set

Each case is ``NAME.html.gz`` (a real page from ../shared/eval/extraction, Apache-2.0, from
trafilatura's test set) plus an entry in ``cases.json`` holding its URL and the ``with`` /
``without`` snippets of trafilatura's own evaluation data: those are independent gold and are
never regenerated. ``NAME.expected.json`` is what ``extract_html`` with default settings gave
when last regenerated: rerun this script after a deliberate change (new trafilatura, new
defaults) and review the diff.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from transforms.core.extract import Extracted, ExtractSettings, extract_html

CASES = HERE / "cases.json"
FIELDS = ("title", "text", "published", "sitename", "lang", "author", "encoding")


def load_cases() -> list[dict]:
    return json.loads(CASES.read_text(encoding="utf-8")) if CASES.exists() else []


def expected_for(case: dict) -> dict:
    raw = gzip.decompress((HERE / f"{case['name']}.html.gz").read_bytes())
    result = extract_html(raw, case["url"], ExtractSettings())
    if not isinstance(result, Extracted):
        raise SystemExit(f"{case['name']}: extraction failed: {result}")
    out = {k: getattr(result, k) for k in FIELDS}
    out["settings"] = result.extractor.split()[-1]
    return out


def add(url: str, name: str) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "eval"))
    from eval_extract import EVAL, unpack

    base = unpack()
    item = json.loads((EVAL / "evaldata.json").read_text(encoding="utf-8"))[url]
    path = base / "eval" / item["file"]
    if not path.exists():
        path = base / "cache" / item["file"]
    (HERE / f"{name}.html.gz").write_bytes(gzip.compress(path.read_bytes(), 9, mtime=0))
    cases = [c for c in load_cases() if c["name"] != name]
    cases.append({"name": name, "url": url, "with": item["with"], "without": item["without"]})
    CASES.write_text(json.dumps(sorted(cases, key=lambda c: c["name"]), ensure_ascii=False, indent=1) + "\n",
                     encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--add", nargs=2, metavar=("URL", "NAME"))
    args = parser.parse_args()
    if args.add:
        add(*args.add)
    for case in load_cases():
        path = HERE / f"{case['name']}.expected.json"
        path.write_text(json.dumps(expected_for(case), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
