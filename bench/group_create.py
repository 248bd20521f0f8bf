#!/usr/bin/env python3
"""POST /group latency (wrk cannot: the 10-second double-post rule refuses a
second run of the same user). Usage: bench/group_create.py BASE [ROUNDS] [USERS]

USERS test accounts each create one run per round, sequentially (one request
in flight, so the figure is latency, not throughput); between rounds the dev
clock moves 11 s. Prints p50 / p90 / p99 / mean in ms and the DynamoDB
round-trips of one request (the gateway's x-erun-ddb-calls header).
Stdlib only; reuses bench/seed.py's request helpers."""
import datetime as dt
import importlib.util
import json
import os
import statistics
import sys
import time
import urllib.request

spec = importlib.util.spec_from_file_location("seed", os.path.join(os.path.dirname(__file__), "seed.py"))
seed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(seed)

BASE = sys.argv[1]
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
USERS = int(sys.argv[3]) if len(sys.argv) > 3 else 20


def post_group(token, n, offset):
    start = dt.datetime.now(seed.KST) + dt.timedelta(seconds=offset, days=2, hours=n % 12)
    fields = {
        "title": f"벤치 생성 {n}", "maxPeople": "10", "date": start.strftime("%Y-%m-%d"),
        "standbyTime": start.strftime("%H:%M"), "finishTime": "23:00", "distance": "5",
        "speed": "6:00", "location": "서울 서초구 잠원동", "mapLatLng": seed.ROUTE, "thema": "강변",
        "parking": "", "baggage": "", "content": "함께 달려요", "chattingRoom": "",
    }
    body, headers = seed.multipart(fields)
    headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(BASE + "/group", data=body, method="POST", headers=headers)
    t0 = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        payload = json.loads(r.read())
        calls = r.headers.get("x-erun-ddb-calls")
    elapsed = (time.perf_counter() - t0) * 1000
    if not payload.get("success"):
        raise SystemExit(f"create failed: {payload}")
    return elapsed, calls


def main():
    tokens = [seed.login(100 + i) for i in range(USERS)]
    # warm-up round (JIT of DynamoDB Local, connection pools)
    offset = 0
    for i, t in enumerate(tokens):
        post_group(t, i, offset)
    samples, calls = [], set()
    for r in range(ROUNDS):
        offset += 11
        seed.clock(offset)
        for i, t in enumerate(tokens):
            ms, c = post_group(t, r * USERS + i, offset)
            samples.append(ms)
            calls.add(c)
    seed.clock(0)
    q = statistics.quantiles(samples, n=100)
    print(json.dumps({"requests": len(samples), "p50_ms": round(q[49], 2), "p90_ms": round(q[89], 2),
                      "p99_ms": round(q[98], 2), "mean_ms": round(statistics.mean(samples), 2),
                      "ddb_calls_per_request": sorted(calls)}))


main()
