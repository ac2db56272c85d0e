#!/usr/bin/python3
"""A webhook receiver (Python's http.server) for the notify tests.

Listens on 127.0.0.1 on a free port and writes DIR/url (http://127.0.0.1:PORT) once it
listens. Every request is appended, when it arrives, as one JSON line to DIR/requests.jsonl:
{"method", "path", "headers" (names lowercase), "body", "status" (what it is answered)}.

How it answers is up to a control file, chosen by the first segment of the request's path
(/NAME/...): DIR/control/NAME.json, else DIR/control/default.json, else 200. Tests use their
own NAME, so they can run in parallel. The file is a JSON object, every field optional:
  status       the answer's status (default 200)
  body         the answer's body (default "ok")
  body_bytes   answer this many bytes of "x" instead
  delay_ms     wait this long before answering
  fail_next    answer the next N requests with fail_status (default 500) instead; the
               receiver counts it down in the file
  redirect     answer redirect_status (default 302) with this Location
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()  # the log and the control files' countdowns
    directory = "."

    def log_message(self, format, *args):  # the JSON log says it all
        pass

    def control(self):
        """The control file for this path, with fail_next counted down (under the lock)."""
        name = self.path.lstrip("/").split("/", 1)[0].split("?", 1)[0] or "default"
        for candidate in (name, "default"):
            path = os.path.join(self.directory, "control", candidate + ".json")
            try:
                with open(path) as file:
                    control = json.load(file)
            except (FileNotFoundError, json.JSONDecodeError):
                continue
            if control.get("fail_next", 0) > 0:
                remaining = dict(control, fail_next=control["fail_next"] - 1)
                with open(path + ".tmp", "w") as file:
                    json.dump(remaining, file)
                os.rename(path + ".tmp", path)
                return {"status": control.get("fail_status", 500), "body": "failing on purpose",
                        "delay_ms": control.get("delay_ms", 0)}
            return control
        return {}

    def answer(self):
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        body = self.rfile.read(length) if length else b""
        with self.lock:
            control = self.control()
            status = control.get("redirect_status", 302) if control.get("redirect") else control.get("status", 200)
            record = {
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "status": status,
            }
            with open(os.path.join(self.directory, "requests.jsonl"), "a") as log:
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
        time.sleep(control.get("delay_ms", 0) / 1000)
        if "body_bytes" in control:
            payload = b"x" * control["body_bytes"]
        else:
            payload = str(control.get("body", "ok")).encode()
        try:
            self.send_response(status)
            if control.get("redirect"):
                self.send_header("Location", control["redirect"])
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up (a timeout test)

    do_POST = do_GET = do_PUT = answer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    args = parser.parse_args()
    os.makedirs(os.path.join(args.dir, "control"), exist_ok=True)
    Receiver.directory = args.dir
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    url_file = os.path.join(args.dir, "url")
    with open(url_file + ".tmp", "w") as out:
        out.write(f"http://127.0.0.1:{server.server_address[1]}\n")
    os.rename(url_file + ".tmp", url_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
