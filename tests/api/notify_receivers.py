"""Local stand-ins for the group robots and an SMTP server, for the notification tests.

:class:`RobotReceiver` is one HTTP server; the path says which robot a channel
talks to: ``/wecom/<name>``, ``/dingtalk/<name>``, ``/feishu/<name>``. Each
checks what the real robot checks — the message shape, and for DingTalk and
Feishu the signature made with the secret registered for ``<name>`` — and
answers as that robot does (``errcode`` / ``code``). A name can be told to fail
its first N requests, or always. Every accepted message is recorded under its
``Idempotency-Key`` header: the receiver de-duplicates (as the real robots do
not) and counts how often a key came again.

:class:`MailReceiver` is an ``aiosmtpd`` SMTP server recording each message by
the same header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from tests.api.server import free_port

__all__ = ["MailReceiver", "Received", "RobotReceiver"]


@dataclass
class Received:
    """What one receiver name accepted, first copy per key; and how often keys came again."""

    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    requests: int = 0
    #: when each first copy arrived (time.monotonic), in arrival order
    arrived: list[float] = field(default_factory=list)

    def keep(self, key: str, message: dict[str, Any]) -> None:
        if key in self.messages:
            self.duplicates[key] += 1
        else:
            self.messages[key] = message
            self.arrived.append(time.monotonic())


def _check_wecom(body: dict[str, Any]) -> str | None:
    md = body.get("markdown")
    if body.get("msgtype") != "markdown" or not isinstance(md, dict):
        return "msgtype must be markdown"
    if not isinstance(md.get("content"), str) or not md["content"]:
        return "markdown.content missing"
    return None


def _check_dingtalk(body: dict[str, Any], query: dict[str, str], secret: str | None) -> str | None:
    md = body.get("markdown")
    if body.get("msgtype") != "markdown" or not isinstance(md, dict):
        return "msgtype must be markdown"
    if not md.get("title") or not md.get("text"):
        return "markdown.title / text missing"
    if secret is not None:
        ts = query.get("timestamp", "")
        if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3600_000:
            return "timestamp missing or more than 1 h off"
        want = base64.b64encode(
            hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if query.get("sign") != want:  # parse_qs already undid the URL encoding
            return "sign not match"
    return None


def _check_feishu(body: dict[str, Any], secret: str | None) -> str | None:
    if body.get("msg_type") != "post":
        return "msg_type must be post"
    post = body.get("content", {}).get("post", {}).get("zh_cn", {})
    if not post.get("title") or not isinstance(post.get("content"), list):
        return "content.post.zh_cn title / content missing"
    for row in post["content"]:
        for el in row:
            if el.get("tag") not in ("text", "a"):
                return f"unknown tag {el.get('tag')}"
    if secret is not None:
        ts = str(body.get("timestamp", ""))
        if not ts.isdigit() or abs(int(ts) - time.time()) > 3600:
            return "timestamp missing or more than 1 h off"
        want = base64.b64encode(
            hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()
        ).decode()
        if body.get("sign") != want:
            return "sign not match"
    return None


class RobotReceiver:
    """WeCom / DingTalk / Feishu stand-ins on one local HTTP port (see the module doc)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: dict[str, Received] = defaultdict(Received)
        self.secrets: dict[str, str] = {}
        self.fail_first: dict[str, int] = {}
        self.always_fail: set[str] = set()
        self.delay = delay
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                receiver._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, kind: str, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{kind}/{name}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, h: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        _, kind, name = ([*parts.path.split("/", 2), "", ""])[:3]
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        code = "code" if kind == "feishu" else "errcode"
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            got = self.received[name]
            got.requests += 1
            if name in self.always_fail or self.fail_first.get(name, 0) > 0:
                if name not in self.always_fail:
                    self.fail_first[name] -= 1
                self._answer(h, 500, {code: -1, "msg": "boom: receiver told to fail"})
                return
        try:
            body = json.loads(raw)
        except ValueError:
            self._answer(h, 400, {code: 40000, "msg": "body is not JSON"})
            return
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        secret = self.secrets.get(name)
        if kind == "wecom":
            problem = _check_wecom(body)
        elif kind == "dingtalk":
            problem = _check_dingtalk(body, query, secret)
        elif kind == "feishu":
            problem = _check_feishu(body, secret)
        else:
            problem = f"unknown robot {kind}"
        with self._lock:
            if problem is not None:
                got.refused.append(problem)
                # the robots answer 200 with an error code (DingTalk 310000: sign not match)
                self._answer(h, 200, {code: 310000, "msg": problem})
                return
            got.keep(h.headers.get("Idempotency-Key") or f"?{got.requests}", body)
        ok = {"code": 0, "msg": "success"} if kind == "feishu" else {"errcode": 0, "errmsg": "ok"}
        self._answer(h, 200, ok)


class _MailHandler:
    def __init__(self, received: Received) -> None:
        self.received = received
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=default_policy)
        body = mail.get_body(preferencelist=("plain",))
        with self.lock:
            self.received.requests += 1
            self.received.keep(
                str(mail["Idempotency-Key"]),
                {
                    "subject": str(mail["Subject"]),
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "message_id": str(mail["Message-ID"]),
                    "text": body.get_content() if body is not None else "",
                },
            )
        return "250 OK"


class MailReceiver:
    """A local SMTP server (aiosmtpd) recording messages by ``Idempotency-Key``."""

    def __init__(self) -> None:
        self.received = Received()
        self.port = free_port()
        self._controller = Controller(
            _MailHandler(self.received), hostname="127.0.0.1", port=self.port
        )
        self._controller.start()

    def url(self, to: str = "office@example.org") -> str:
        return f"smtp://127.0.0.1:{self.port}/?from=gongjian@example.org&to={to}"

    def close(self) -> None:
        self._controller.stop()
