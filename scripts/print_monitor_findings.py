"""Print the monitor's --json result file as a few lines: status, drift, findings, report."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    result = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8").strip().splitlines()[-1])
    print(f"status {result['status']} | dataset drift {result.get('dataset_drift')} | "
          f"drift share {result.get('drift_share')}")
    for column in result.get("columns", []):
        if column["drifted"]:
            print(f"  drifted: {column['column']} ({column['test']} {column['score']:.4g} vs {column['threshold']:g})")
    for finding in result.get("findings", []):
        print(f"  {finding['severity']:8} {finding['kind']:12} {finding['message']}")
    print(f"report: {result.get('report') or result.get('reason')}")


if __name__ == "__main__":
    main()
