"""Latency of `iris-mlops serve` on loopback against the same model's in-process `predict`, in one run.

    python benchmarks/serving.py [--requests 1000] [--batch-requests 200] [--trees 200]

Fits the project pipeline (a random forest of `--trees` trees, seed 42, on the 150 Iris rows) in this
process and, identically, in a server process started from this script (`--serve`); the server logs every
record to a Delta predictions table in a temporary folder through the buffered request log, as `serve`
does. One keep-alive connection sends single-row and 100-row `dataframe_split` requests one after the
other (bounded loops, 127.0.0.1 only). Prints p50/p99 latency and requests per second for each, the
in-process `predict` on the same rows, and the goal: single-row p50 <= 2 x in-process p50 + 1 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
WARM_UP = 50
BLOCK = 50


def fitted_model(trees: int) -> Any:
    """The project pipeline around a seeded random forest, fitted on Iris."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    from iris_mlops.ml.pipeline import build_pipeline

    iris = load_iris(as_frame=True)
    frame = iris.frame.iloc[:, :4].set_axis(COLUMNS, axis=1)
    labels = [str(iris.target_names[t]) for t in iris.target]
    return build_pipeline(RandomForestClassifier(n_estimators=trees, random_state=42)).fit(frame, labels), frame


def serve(trees: int, folder: str) -> None:
    """Child process: serve the model with a request log into a Delta table under `folder`; print the port."""
    from iris_mlops.schemas import PREDICTIONS_SCHEMA
    from iris_mlops.serving.app import AbSplit, ServingApp
    from iris_mlops.serving.logbuffer import RequestLog
    from iris_mlops.serving.model import ServedModel
    from iris_mlops.serving.server import start_server, wait_for_stop_signal
    from iris_mlops.storage.local_delta import LocalDeltaStore

    model, _ = fitted_model(trees)
    store = LocalDeltaStore(None, Path(folder))  # type: ignore[arg-type] - append_records needs no Spark
    log = RequestLog(lambda records: store.append_records(
        "bench.serving.iris_predictions", [r.as_row() for r in records], schema=PREDICTIONS_SCHEMA, run_id="bench"),
        flush_rows=500, flush_seconds=5.0)
    app = ServingApp(champion=ServedModel("iris_classifier", "1", "champion", None, model), challenger=None,
                     ab=AbSplit(), max_rows=1000, log=log.add, run_id="bench")
    running = start_server(app, host="127.0.0.1", port=0, max_body_bytes=5_000_000, log=log)
    print(running.server.server_address[1], flush=True)
    stats = wait_for_stop_signal(running)
    print(json.dumps({"written": stats.written if stats else 0}), flush=True)


def timed_pair(first: Any, second: Any, repeats: int) -> tuple[list[float], list[float]]:
    """Seconds per call of each, after a warm-up, alternating blocks of 50 so that load drifts hit both alike."""
    for _ in range(WARM_UP):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for start in range(0, repeats, BLOCK):
        for call, into in ((first, times[0]), (second, times[1])):
            for _ in range(min(BLOCK, repeats - start)):
                started = time.perf_counter()
                call()
                into.append(time.perf_counter() - started)
    return times


def over_http(connection: http.client.HTTPConnection, body: bytes) -> Any:
    def call() -> None:
        connection.request("POST", "/invocations", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise SystemExit(f"server answered {response.status}: {payload[:300]!r}")

    return call


def summary(name: str, times: list[float]) -> float:
    ordered = sorted(times)
    p50, p99 = statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(f"  {name:<34} p50 {p50 * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms   {len(times) / sum(times):8.0f} req/s")
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="single-row requests (after 50 warm-up)")
    parser.add_argument("--batch-requests", type=int, default=200, help="100-row requests (after 50 warm-up)")
    parser.add_argument("--trees", type=int, default=200, help="trees of the forest (200: the configured default)")
    parser.add_argument("--serve", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.trees, args.serve)
        return
    model, frame = fitted_model(args.trees)
    one, hundred = frame.iloc[[0]], frame.sample(100, random_state=0, replace=False)
    with tempfile.TemporaryDirectory(prefix="iris-serving-bench-") as folder:
        child = subprocess.Popen([sys.executable, __file__, "--serve", folder, "--trees", str(args.trees)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        port = int(child.stdout.readline())
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        print(f"random forest of {args.trees} trees; server pid {child.pid} on 127.0.0.1:{port}, request log on; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        local, remote = timed_pair(lambda: model.predict(one), over_http(connection, _split(one)), args.requests)
        local_one, http_one = summary("in-process predict, 1 row", local), summary("HTTP /invocations, 1 row", remote)
        local, remote = timed_pair(lambda: model.predict(hundred), over_http(connection, _split(hundred)),
                                   args.batch_requests)
        local_100 = summary("in-process predict, 100 rows", local)
        http_100 = summary("HTTP /invocations, 100 rows", remote)
        connection.close()
        child.terminate()
        written = json.loads(child.stdout.readline() or "{}").get("written", 0)
        child.wait(timeout=60)
    goal = 2 * local_one + 0.001
    print(f"  single row: HTTP / in-process p50 = {http_one / local_one:.2f}x; "
          f"overhead {1000 * (http_one - local_one):.2f} ms; goal p50 <= {goal * 1000:.2f} ms: "
          f"{'met' if http_one <= goal else 'NOT met'}")
    print(f"  100 rows:   HTTP / in-process p50 = {http_100 / local_100:.2f}x; "
          f"overhead {1000 * (http_100 - local_100):.2f} ms")
    expected = (args.requests + WARM_UP) + 100 * (args.batch_requests + WARM_UP)
    print(f"  request log: {written} of {expected} records written to Delta by the stop")


def _split(frame: Any) -> bytes:
    return json.dumps({"dataframe_split": {"columns": COLUMNS, "data": frame.to_numpy().tolist()}}).encode()


if __name__ == "__main__":
    main()
