"""How many elements each transform of one replay outputs (the FnApiRunner's ``element_count``).

    .venv/bin/python -m tests.benchmarks.element_counts INPUT --output OUT [--save counts.json]
        [--against other.json] [--top 40] [-- more replay options]

Beam's per-element cost (coders at stage boundaries, shuffles, DoFn calls) is paid per element, so
comparing two runs' counts shows where the work of one grows: for instance a batch replayed into an
output with history (``--output`` a copy of that output) against the same batch into an empty one.
With ``--against``, the transforms whose counts differ most come first.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def count_run(argv: list[str]) -> dict[str, int]:
    """Run ``claimwire`` with ``argv`` in this process; elements per transform output."""
    from apache_beam.metrics import monitoring_infos
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    runs: list[tuple[object, dict[str, str]]] = []
    real = fn_runner.FnApiRunner.run_pipeline

    def run_pipeline(self, pipeline, options):
        result = real(self, pipeline, options)
        proto = pipeline.to_runner_api()
        names = {pc: f"{t.unique_name}:{tag}" for t in proto.components.transforms.values()
                 if not t.subtransforms for tag, pc in t.outputs.items()}
        runs.append((result, names))
        return result

    fn_runner.FnApiRunner.run_pipeline = run_pipeline
    try:
        from pipelines.cli import main
        rc = main(argv)
    finally:
        fn_runner.FnApiRunner.run_pipeline = real
    if rc != 0 or not runs:
        raise SystemExit(f"the run failed (exit {rc})")
    result, names = runs[-1]
    counts: dict[str, int] = {}
    for info in result.monitoring_infos():
        if info.urn == monitoring_infos.ELEMENT_COUNT_URN:
            pc = info.labels.get(monitoring_infos.PCOLLECTION_LABEL, "")
            counts[names.get(pc, pc)] = int(monitoring_infos.extract_counter_value(info))
    return counts


def main(args: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("--output", required=True)
    ap.add_argument("--save", type=Path)
    ap.add_argument("--against", type=Path, help="counts saved from another run")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("replay_options", nargs="*")
    a = ap.parse_args(args)
    sys.path.insert(0, str(ROOT))
    counts = count_run(["replay", a.input, "--output", a.output, "--quiet", *a.replay_options])
    if a.save:
        a.save.write_text(json.dumps(counts, indent=0, sort_keys=True))
    other = json.loads(a.against.read_text()) if a.against else {}
    print(f"elements, all transforms: {sum(counts.values()):,}"
          + (f" (against {sum(other.values()):,})" if other else ""))
    order = sorted(counts, key=lambda k: (-(counts[k] - other.get(k, 0)), k))
    for k in order[:a.top]:
        print(f"{counts[k]:>10,} {counts[k] - other.get(k, 0):>+10,}  {k}" if other else f"{counts[k]:>10,}  {k}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
