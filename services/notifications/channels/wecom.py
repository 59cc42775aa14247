"""WeCom (企业微信) group robots: a group's webhook takes ``{"msgtype": "markdown", …}``.

Many counties run the work in WeChat groups; an office sets its group robot's URL as its
contact (``PUT /me/contact``, checked by :func:`check_target`). A receiver that does not
answer within the timeout, answers non-2xx, or answers ``errcode`` ≠ 0 is a failure.
The subject and body arrive rendered as markdown with the event's data escaped
(:data:`services.notifications.delivery.notifier.FORMATS`); only the markup added here
(bold subject, quoted body) is markup.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from services.notifications.channels.outgoing import Outgoing

MARKDOWN_LIMIT = 4096
PRIVATE = "不允许内网、回环或链路本地地址 (private, loopback or link-local target)"


def markdown(message: Outgoing) -> dict[str, object]:
    head = "**【紧急】**" if message.urgent and "【紧急】" not in message.subject else ""
    content = f"{head}**{message.subject}**\n> {message.body.replace(chr(10), chr(10) + '> ')}"
    return {"msgtype": "markdown", "markdown": {"content": content[:MARKDOWN_LIMIT]}}


class WeComRobot:
    def __init__(self, timeout: float = 5) -> None:
        self._timeout = timeout

    async def send(self, message: Outgoing) -> None:
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            r = await client.post(message.address, json=markdown(message))
        r.raise_for_status()
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if isinstance(body, dict) and body.get("errcode", 0) != 0:
            raise RuntimeError(f"wecom errcode {body.get('errcode')}: {body.get('errmsg')}")


class UnsafeTarget(ValueError):
    """A webhook URL this service must not call (server-side request forgery)."""


def check_target(url: str, allow_private: bool = False) -> str:
    """``url`` if it is an ``https`` URL of a public host; ``http`` and loopback, link-local
    or private addresses only when ``allow_private`` (local tests)."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port out of range
        host = parts.hostname
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise UnsafeTarget("地址格式有误 (malformed URL)") from exc
    allowed = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed or not host:
        raise UnsafeTarget("须为 https 地址 (must be an https URL with a host)")
    if parts.username or parts.password:
        raise UnsafeTarget("地址不得包含用户名或密码 (no credentials in the URL)")
    if allow_private:
        return url
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise UnsafeTarget("无法解析主机名 (host does not resolve)") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeTarget(
                "不允许内网、回环或链路本地地址 (private, loopback or link-local target)"
            )
    return url
