"""The channels a notification leaves by: three group robots and e-mail.

Each robot is sent its documented JSON with httpx (the ``url`` is the whole
webhook URL, so a test points it at a local receiver):

* **WeCom group robot (企业微信群机器人)** — ``POST <url>`` with
  ``{"msgtype": "markdown", "markdown": {"content": …}}``; answers
  ``{"errcode": 0, "errmsg": "ok"}`` (developer.work.weixin.qq.com/document/path/91770,
  "群机器人配置说明").
* **DingTalk custom robot (钉钉自定义机器人)** — ``{"msgtype": "markdown",
  "markdown": {"title": …, "text": …}}``; signed ("加签") by adding ``timestamp``
  (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(key=secret,
  msg=f"{timestamp}\\n{secret}"))) to the query; answers ``{"errcode": 0}``
  (open.dingtalk.com/document/robots/customize-robot-security-settings).
* **Feishu / Lark custom bot (飞书自定义机器人)** — ``{"msg_type": "post",
  "content": {"post": {"zh_cn": {"title", "content": [[{"tag": "text" | "a"}]]}}}}``;
  signed by putting ``timestamp`` (s) and ``sign`` = base64(HMAC-SHA256(
  key=f"{timestamp}\\n{secret}", msg=b"")) in the body; answers ``{"code": 0}``
  (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot, "签名校验").
* **E-mail** — SMTP with the standard library (``smtplib`` / ``email``): the URL is
  ``smtp://[user@]host:port/?from=…&to=a@x,b@y`` (``smtps://`` for TLS,
  ``&starttls=1``); the secret is the SMTP password.

Every message carries its idempotency key (outbox row id): the ``Idempotency-Key``
header of the HTTP request, and the e-mail's ``Message-ID`` plus the same header.
The robots themselves do not de-duplicate; the worker marks a row sent right
after the robot answered, so a duplicate can only come from a crash in between.
Text from users is neutralised for markdown (brackets, ``*``, ``#``, ``<>`` …
become their full-width forms), so a need title cannot inject links or markup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, quote_plus, unquote, urlsplit

import httpx

__all__ = [
    "KINDS",
    "DeliveryError",
    "Message",
    "dingtalk_sign",
    "feishu_sign",
    "md_text",
    "send",
]

KINDS = ("wecom", "dingtalk", "feishu", "email")
KEY_HEADER = "Idempotency-Key"

_MD = str.maketrans(
    {"[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊", "#": "＃",
     "`": "｀", "_": "＿", "|": "｜", "~": "～", "!": "！"}
)  # fmt: skip


class DeliveryError(Exception):
    """A channel refused or could not take a message; ``str()`` is the reason to store."""


@dataclass(frozen=True)
class Message:
    """What a notification says: title, lines and the console link; its idempotency key."""

    key: str
    title: str
    lines: list[str] = field(default_factory=list)
    link: str | None = None


def md_text(text: str) -> str:
    """User text made inert in markdown.

    >>> md_text("[点我](http://x) **粗**")
    '［点我］（http://x） ＊＊粗＊＊'
    """
    return text.translate(_MD)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The DingTalk signature (not yet URL-encoded).

    >>> dingtalk_sign("SECabc", 1700000000000)
    'jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM='
    """
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The Feishu signature: the key is ``timestamp\\nsecret``, the message empty.

    >>> feishu_sign("abc", 1700000000)
    'VIS10b0EBvzzSdFnuk4tznEmK5wHaruvf/WnViv2yR4='
    """
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _markdown(msg: Message) -> str:
    lines = [f"### {md_text(msg.title)}", *(md_text(x) for x in msg.lines)]
    if msg.link:
        lines.append(f"[在控制台查看 (open in the console)]({msg.link})")
    return "\n\n".join(lines)


def wecom_body(msg: Message) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": _markdown(msg)}}


def dingtalk_body(msg: Message) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": msg.title, "text": _markdown(msg)}}


def feishu_body(msg: Message, secret: str | None, now: float | None = None) -> dict[str, Any]:
    rows: list[list[dict[str, str]]] = [[{"tag": "text", "text": line}] for line in msg.lines]
    if msg.link:
        rows.append([{"tag": "a", "text": "在控制台查看 (open in the console)", "href": msg.link}])
    body: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": msg.title, "content": rows}}},
    }
    if secret:
        ts = int(now if now is not None else time.time())
        body.update(timestamp=str(ts), sign=feishu_sign(secret, ts))
    return body


def _signed_dingtalk_url(url: str, secret: str | None, now: float | None = None) -> str:
    if not secret:
        return url
    ts = int((now if now is not None else time.time()) * 1000)
    sep = "&" if urlsplit(url).query else "?"
    return f"{url}{sep}timestamp={ts}&sign={quote_plus(dingtalk_sign(secret, ts))}"


def _post(client: httpx.Client, url: str, body: dict[str, Any], key: str, code: str) -> None:
    try:
        r = client.post(url, json=body, headers={KEY_HEADER: key})
    except httpx.HTTPError as exc:
        raise DeliveryError(f"连接失败 (request failed): {type(exc).__name__}: {exc}") from None
    if r.status_code >= 300:
        raise DeliveryError(f"HTTP {r.status_code}: {r.text[:300]}")
    try:
        answer = r.json()
    except ValueError:
        raise DeliveryError(f"应答不是 JSON (not JSON): {r.text[:300]}") from None
    value = answer.get(code, 0) if isinstance(answer, dict) else 0
    if value not in (0, "0", None):
        raise DeliveryError(f"机器人拒收 (refused) {code}={value}: {str(answer)[:300]}")


def _email(url: str, secret: str | None, msg: Message, timeout: float) -> None:
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    to = [a.strip() for a in query.get("to", "").split(",") if a.strip()]
    sender = query.get("from") or "gongjian@localhost"
    mail = EmailMessage()
    mail["Subject"] = msg.title
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = f"<{hashlib.sha256(msg.key.encode()).hexdigest()[:32]}@gongjian>"
    mail[KEY_HEADER] = msg.key
    text = "\n".join([msg.title, "", *msg.lines])
    if msg.link:
        text += f"\n\n在控制台查看 (open in the console): {msg.link}\n"
    mail.set_content(text)
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    opener = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    try:
        with opener(parts.hostname or "localhost", port, timeout=timeout) as smtp:
            if query.get("starttls") in ("1", "true"):
                smtp.starttls()
            if parts.username and secret:
                smtp.login(unquote(parts.username), secret)
            smtp.send_message(mail, from_addr=sender, to_addrs=to)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"邮件发送失败 (SMTP): {type(exc).__name__}: {exc}") from None


def send(
    kind: str,
    url: str,
    secret: str | None,
    msg: Message,
    *,
    client: httpx.Client,
    timeout: float = 10.0,
) -> None:
    """Send ``msg`` by one channel; :class:`DeliveryError` with the reason if it failed."""
    if kind == "wecom":
        _post(client, url, wecom_body(msg), msg.key, "errcode")
    elif kind == "dingtalk":
        _post(client, _signed_dingtalk_url(url, secret), dingtalk_body(msg), msg.key, "errcode")
    elif kind == "feishu":
        _post(client, url, feishu_body(msg, secret), msg.key, "code")
    elif kind == "email":
        _email(url, secret, msg, timeout)
    else:
        raise DeliveryError(f"未知渠道类型 (unknown channel kind): {kind}")
