"""The channels beside the inbox: SMS segments of 70 characters written by the
development provider, the WeCom robot's markdown body against a local receiver (a
hanging or refusing receiver is a failure), and robot URLs checked against SSRF."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.notifications.channels.outgoing import Outgoing
from services.notifications.channels.sms import SEGMENT, DevSmsProvider, segments, sms_text
from services.notifications.channels.wecom import UnsafeTarget, WeComRobot, check_target
from shared.contracts.notifications import Channel
from tests.receivers import local_receiver


def message(
    channel: Channel, address: str, body: str = "请尽快整改。", urgent: bool = False
) -> Outgoing:
    return Outgoing("n-1", channel, address, "整改逾期提醒", body, urgent)


def test_a_short_text_is_one_segment_and_a_long_one_is_numbered_pieces() -> None:
    assert segments("短信" * 35) == ["短信" * 35]
    long = "督" * 150
    pieces = segments(long)
    assert all(len(p) <= SEGMENT for p in pieces)
    assert pieces[0].startswith("(1/3) ") and pieces[-1].startswith("(3/3) ")
    assert "".join(p.split(" ", 1)[1] for p in pieces) == long


async def test_the_development_provider_writes_what_it_would_send(tmp_path: Path) -> None:
    provider = DevSmsProvider(tmp_path / "sms.jsonl")
    sent = message(Channel.sms, "13800000000", body="问题" * 60)
    await provider.send(sent)
    [line] = provider.sent()
    assert line["to"] == "13800000000" and line["client_message_id"] == "n-1"
    pieces = line["segments"]
    assert isinstance(pieces, list)
    assert "".join(str(s).split(" ", 1)[1] for s in pieces) == sms_text(sent)


async def test_a_wecom_robot_gets_a_markdown_message() -> None:
    async with local_receiver() as receiver:
        await WeComRobot().send(message(Channel.wecom, receiver.url, urgent=True))
    [got] = receiver.received
    body = got.json()
    assert body["msgtype"] == "markdown"
    assert (
        "整改逾期提醒" in body["markdown"]["content"] and "【紧急】" in body["markdown"]["content"]
    )
    assert got.headers["content-type"] == "application/json"


async def test_a_refusing_or_hanging_robot_is_a_failure() -> None:
    async with local_receiver() as receiver:
        receiver.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
        with pytest.raises(RuntimeError, match="93000"):
            await WeComRobot().send(message(Channel.wecom, receiver.url))
        receiver.hang = True
        with pytest.raises(httpx.TimeoutException):
            await WeComRobot(timeout=0.3).send(message(Channel.wecom, receiver.url))


@pytest.mark.parametrize(
    "url",
    [
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "ftp://example.com/x",
        "https://user:pw@example.com/x",
        "https://[::1",  # malformed: was a 500
        "https://example.com:99999/x",
    ],
)
def test_robot_urls_that_would_reach_inside_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_target(url)


def test_local_targets_are_allowed_only_when_configured_for_tests() -> None:
    assert check_target("http://127.0.0.1:9/hook", allow_private=True)
    for malformed in ("https://[::1", "http://x:99999/"):
        with pytest.raises(UnsafeTarget):
            check_target(malformed, allow_private=True)
