"""Merges the harness's JSON-lines records into summary.json and prints the table.

    python3 gpu/summary.py --device NAME --dry-run 0|1 --seed N --seconds S --out summary.json FILE.jsonl...

Records (one JSON object per line, from gpu/check, gpu/peers.py and verify.sh's steps):
  {"kind": "check", "name", "ok": true|false|null, "max_abs_err", "max_rel_err", "tolerance", ...}
  {"kind": "benchmark", "name", "ours_ms", "peer_ms", "ratio", ...}
  {"kind": "step", "name", "rc", "seconds", "timed_out"}   a failed step becomes a failed check
  {"kind": "info", ...}                                      kept under "info"
A line that is not JSON becomes a failed check naming the file, so nothing is silently dropped.
Standard library only: it runs wherever python3 does.
"""
import argparse
import json
import os


def read_records(paths):
    records = []
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    records.append({"kind": "check", "name": f"records.{os.path.basename(path)}:{number}",
                                    "ok": False, "detail": f"not JSON: {e}"})
    return records


def step_checks(steps):
    """A step that failed or ran out of time is a failed check: its own records may be missing."""
    return [{"kind": "check", "name": f"step.{s['name']}", "ok": False, "max_abs_err": None, "max_rel_err": None,
             "tolerance": "exit 0", "detail": ("timed out" if s.get("timed_out") else f"exit {s['rc']}")}
            for s in steps if s.get("rc") != 0]


def finite(x):
    """JSON has no NaN or infinity: they become null (a peer may write them)."""
    if isinstance(x, float) and x != x or x in (float("inf"), float("-inf")):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x


def summarize(args):
    records = [finite(r) for r in read_records(args.files)]
    by_kind = {}
    for r in records:
        by_kind.setdefault(r.get("kind"), []).append(r)
    checks = by_kind.get("check", []) + step_checks(by_kind.get("step", []))
    benchmarks = by_kind.get("benchmark", [])
    counts = {"passed": sum(c.get("ok") is True for c in checks),
              "failed": sum(c.get("ok") is False for c in checks),
              "skipped": sum(c.get("ok") is None for c in checks)}
    return {"device": args.device, "dry_run": args.dry_run == 1, "seed": args.seed, "seconds": args.seconds,
            "counts": counts, "checks": checks, "benchmarks": benchmarks,
            "steps": by_kind.get("step", []), "info": by_kind.get("info", [])}


def number(x, digits=3):
    return "-" if x is None else f"{x:.{digits}g}"


def print_table(summary):
    print(f"device: {summary['device']}   seed {summary['seed']}   {summary['seconds']} s")
    for c in summary["checks"]:
        verdict = {True: "ok  ", False: "FAIL", None: "skip"}[c.get("ok")]
        print(f"  {verdict} {c['name']:<46} abs {number(c.get('max_abs_err'))} rel {number(c.get('max_rel_err'))}"
              + ("" if c.get("ok") is True else f"  {str(c.get('skipped') or c.get('detail', ''))[:100]}"))
    for b in summary["benchmarks"]:
        print(f"  bench {b['name']:<40} ours {number(b.get('ours_ms'))} ms  peer {number(b.get('peer_ms'))} ms"
              f"  ratio {number(b.get('ratio'))}  {b.get('peer', '')}")
    n = summary["counts"]
    print(f"{n['passed']} passed, {n['failed']} failed, {n['skipped']} skipped")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", required=True)
    parser.add_argument("--dry-run", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    summary = summarize(args)
    temporary = args.out + ".tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, allow_nan=False, default=str)
    os.replace(temporary, args.out)  # a reader never sees half a summary
    print_table(summary)


if __name__ == "__main__":
    main()
