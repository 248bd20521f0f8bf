#!/usr/bin/env python3
"""Cold start of the release `api` binary under a minimal Lambda Runtime API
emulator (stdlib only): spawn -> first response, N times, median and max.

    cargo build --release -p functions --bin api
    python3 bench/coldstart.py [target/release/api] [runs]

The event is events/user-auth.json (a logged-out browser), so the function
answers from its own code without touching the network: what is measured is
process start, config, SDK client set-up and one request through dispatch.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/api")
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
EVENT = open(os.path.join(ROOT, "events/user-auth.json"), "rb").read()


class Runtime(BaseHTTPRequestHandler):
    served = threading.Event()
    response = None
    handed_out = False

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        if type(self).handed_out:  # one invocation per process; park the poller
            type(self).served.wait(10)
            time.sleep(0.5)
            return
        type(self).handed_out = True
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", "bench-1")
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:ap-northeast-2:000000000000:function:bench")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(EVENT)))
        self.end_headers()
        self.wfile.write(EVENT)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).response = (self.path, self.rfile.read(length))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()
        type(self).served.set()


def one_run():
    # A fresh emulator per run: a killed process's last poll cannot steal the next event.
    handler = type("RunRuntime", (Runtime,), {"served": threading.Event(), "handed_out": False, "response": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "ap-northeast-2",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EC2_METADATA_DISABLED": "true",
        "ERUN_ROUTE": "user-auth",
        "TABLE_NAME": "bench",
        "IMAGE_BUCKET": "bench",
        "TOKENKEY": "bench-token-key-0123456789",
        "AWS_LAMBDA_LOG_LEVEL": "error",
    })
    start = time.perf_counter()
    proc = subprocess.Popen([BINARY], env=env, stdout=subprocess.DEVNULL, stderr=None if os.environ.get("DEBUG") else subprocess.DEVNULL)
    ok = handler.served.wait(10)
    elapsed = time.perf_counter() - start
    proc.kill()
    proc.wait()
    server.shutdown()
    server.server_close()
    if not ok:
        raise SystemExit("the function never answered")
    path, body = handler.response
    assert path.endswith("/bench-1/response"), path
    status = json.loads(body)["statusCode"]
    return elapsed * 1000, status


def main():
    results = [one_run() for _ in range(RUNS)]
    times = [t for t, _ in results]
    statuses = {s for _, s in results}
    print(f"cold start (spawn -> first response), {RUNS} runs of {os.path.relpath(BINARY, ROOT)}: "
          f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms; "
          f"response status {sorted(statuses)}; binary {os.path.getsize(BINARY) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
