"""A fake Odoo for integration tests: answers POST /jsonrpc with the replies
a real Odoo 17 or 18 gave (tests/data/odoo-contract/<version>/*.jsonl).

A request is answered with the recorded response of the recorded request
that is the same call (service, method and, for execute_kw, model, method,
args and kwargs; database, uid and password ignored). Calls the recordings
do not have can be given answers with `answer(model, method, result)`;
anything else gets Odoo's own error envelope, so a test sees it. Every
request is logged in `calls`."""
import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "odoo-contract")


def _key(params):
    args = params.get("args", [])
    if params.get("method") == "execute_kw":
        return json.dumps([params.get("service"), "execute_kw"] + args[3:],
                          sort_keys=True)
    return json.dumps([params.get("service"), params.get("method")])


class OdooReplay:
    def __init__(self, version):
        self.version = version
        self.exact = {}
        self.extra = {}
        self.override = {}
        self.calls = []
        self.uid = None
        for name in ("setup", "flow", "batch"):
            with open(os.path.join(DATA, version, name + ".jsonl")) as f:
                for line in f:
                    rec = json.loads(line)
                    k = _key(rec["request"]["params"])
                    # the first recording of a call wins: later ones show
                    # the database after the flow changed it
                    self.exact.setdefault(k, rec)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def recorded(self, step):
        for name in ("setup", "flow", "batch"):
            with open(os.path.join(DATA, self.version, name + ".jsonl")) as f:
                for line in f:
                    rec = json.loads(line)
                    if rec["step"] == step:
                        return rec
        raise KeyError(step)

    def answer(self, model, method, result):
        """Answer every model.method call with result (not recorded)."""
        self.extra[(model, method)] = result

    def replace(self, model, method, result):
        """Answer model.method with result even where a recording exists
        (model "common" for the common service): another server version."""
        self.override[(model, method)] = result

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reply(self, body):
        params = body.get("params", {})
        args = params.get("args", [])
        self.calls.append(params)
        if params.get("method") == "execute_kw":
            which = (args[3], args[4])
        else:
            which = (params.get("service"), params.get("method"))
        if which in self.override:
            return {"jsonrpc": "2.0", "id": body.get("id"),
                    "result": self.override[which]}
        if params.get("method") == "authenticate":
            rec = self.recorded("a.authenticate_ok")
            return {"jsonrpc": "2.0", "id": body.get("id"),
                    "result": rec["response"]["result"] if self.uid is None else self.uid}
        rec = self.exact.get(_key(params))
        if rec is not None:
            resp = dict(rec["response"])
            resp["id"] = body.get("id")
            return resp
        if params.get("method") == "execute_kw":
            model, method = args[3], args[4]
            if (model, method) in self.extra:
                return {"jsonrpc": "2.0", "id": body.get("id"),
                        "result": self.extra[(model, method)]}
            msg = "not recorded: %s.%s %s" % (model, method, json.dumps(args[5:]))
        else:
            msg = "not recorded: %s.%s" % (params.get("service"), params.get("method"))
        return {"jsonrpc": "2.0", "id": body.get("id"), "error": {
            "code": 200, "message": "Odoo Server Error",
            "data": {"name": "odoo.exceptions.UserError",
                     "debug": "Traceback (most recent call last):\n", "message": msg,
                     "arguments": [msg], "context": {}}}}

    def _handler(self):
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # headers and body go out in two writes: without this,
                # Nagle and delayed ACK add 40 ms to every call
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(n))
                if self.path != "/jsonrpc":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                out = json.dumps(replay.reply(body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        return Handler
