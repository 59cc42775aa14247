"""``make run``: the whole platform on one machine, with a demo county.

Starts the infrastructure (``infra.sh up``: reuses what runs, provisions nothing for
an external ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI``), the four services as
separate processes, loads the demo county through the visits API, prints the URLs and
demo tokens, and on Ctrl-C stops the services and the infrastructure it started.

Stopping: Ctrl-C (SIGINT) or SIGTERM is a stop the operator asked for. The terminal
sends Ctrl-C to the whole process group, so the services may end a moment before this
script hears of it; a service that ended by such a stop (exit 0, or killed by SIGINT or
SIGTERM) is not a crash either. A clean stop prints "已停止 stopped" and exits 0; a
service that ended on its own otherwise is reported as an error, exit 1
(:func:`outcome`). The handlers are installed explicitly, so a shell that started this
script with SIGINT ignored (a background job) cannot turn Ctrl-C into a "crash".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Protocol

import httpx

from deploy.local import demo
from deploy.local.tokens import mint_all
from services.notifications.channels.mailbox import LocalMailbox
from shared.settings import REPO_ROOT

SERVICES = {"visits": 8001, "issues": 8002, "notifications": 8003, "reporting": 8004}
INFRA = REPO_ROOT / "deploy" / "local" / "infra.sh"
LOGS = REPO_ROOT / ".state" / "logs"
SMTP_PORT = int(os.environ.get("SMTP_PORT", 8025))
MAILDIR = REPO_ROOT / ".state" / "mailbox"
"""The local SMTP server's Maildir: every mail the notifications service sends."""
SMS_OUTBOX = REPO_ROOT / ".state" / "sms.jsonl"
"""What the development SMS provider would have sent (one JSON line per message)."""
DEMO_PRINCIPAL_EMAIL = "principal@yx-sy-xx.demo.cn"


def start_services() -> dict[str, subprocess.Popen[bytes]]:
    LOGS.mkdir(parents=True, exist_ok=True)
    procs = {}
    for name, port in SERVICES.items():
        port = int(os.environ.get(f"{name.upper()}_PORT", port))
        env = {
            **os.environ,
            "PORT": str(port),
            "SMTP_PORT": str(SMTP_PORT),
            "SMS_DEV_OUTBOX": str(SMS_OUTBOX),
        }
        log = (LOGS / f"{name}.log").open("ab")
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return procs


def wait_ready(procs: dict[str, subprocess.Popen[bytes]], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(SERVICES)
    while pending and time.monotonic() < deadline:
        for name, port in list(pending.items()):
            if procs[name].poll() is not None:
                raise SystemExit(f"error: {name} exited; see {LOGS / (name + '.log')}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    if pending:
        raise SystemExit(f"error: not ready after {timeout:.0f}s: {', '.join(pending)}")


def set_demo_contact(tokens: dict[str, str]) -> None:
    """The demo principal's e-mail address, so the demo visit's feedback list is mailed."""
    url = f"http://127.0.0.1:{SERVICES['notifications']}/me/contact"
    headers = {"Authorization": f"Bearer {tokens['yx-principal-sy']}"}
    r = httpx.put(url, json={"email": DEMO_PRINCIPAL_EMAIL}, headers=headers, timeout=10)
    if r.status_code != 200:
        print(f"warning: demo contact not set: {r.text}", file=sys.stderr)


def show_inbox(tokens: dict[str, str], wait_seconds: float = 20) -> str:
    """The demo principal's inbox, once the demo visit's feedback list has reached it."""
    url = f"http://127.0.0.1:{SERVICES['notifications']}/inbox"
    headers = {"Authorization": f"Bearer {tokens['yx-principal-sy']}"}
    deadline = time.monotonic() + wait_seconds
    page: dict[str, Any] = {"total": 0, "items": []}
    while time.monotonic() < deadline:
        r = httpx.get(url, headers=headers, timeout=10)
        if r.status_code == 200 and r.json()["total"]:
            page = r.json()
            break
        time.sleep(0.5)
    lines = [f"实验小学校长的站内消息 (the demo principal's inbox): {page['total']}"]
    lines += [f"  · {m['subject']}" for m in page["items"][:5]]
    return "\n".join(lines)


def load_demo(tokens: dict[str, str]) -> None:
    """Name the divisions and import the demo rosters (again: nothing is duplicated)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{SERVICES['visits']}", timeout=30) as client:
        warnings = demo.seed(client, tokens)
        visit = demo.seed_visit(client, tokens, date.today())
        for warning in [*warnings, *([visit] if visit else [])]:
            print(f"warning: {warning}", file=sys.stderr)


def stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    subprocess.run(["bash", str(INFRA), "down"], check=False)


def banner(tokens: dict[str, str]) -> str:
    lines = ["", "督导平台已启动 — the platform is up:"]
    for name, port in SERVICES.items():
        lines.append(f"  {name:<14} http://127.0.0.1:{port}/docs")
    lines += [
        "",
        "Try (游仙区 county office token):",
        f"  curl -H 'Authorization: Bearer {tokens['yx-office'][:24]}…' "
        f"http://127.0.0.1:{SERVICES['reporting']}/reports/schools-per-county",
        f"  curl -H 'Authorization: Bearer …' http://127.0.0.1:{SERVICES['issues']}/issues"
        "   # the demo visit's two rectification issues",
        f"  curl -H 'Authorization: Bearer …(yx-principal-sy)' "
        f"http://127.0.0.1:{SERVICES['notifications']}/inbox"
        "   # the demo principal's inbox",
        "",
        f"Mailbox: a local SMTP server on 127.0.0.1:{SMTP_PORT} keeps every mail sent in",
        f"  {MAILDIR}/new  (one file per mail; e.g. mutt -f {MAILDIR})",
        f"SMS (development provider): {SMS_OUTBOX}",
        "",
        "Demo tokens (also: make tokens):",
    ]
    names = {u.user_id: f"{u.name} ({u.main_role})" for u in demo.USERS}
    lines += [f"  {names[user]}\n  {user}={token}" for user, token in tokens.items()]
    lines += ["", f"Logs: {LOGS}", "Ctrl-C stops everything."]
    return "\n".join(lines)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
ASKED_TO_STOP = frozenset({0, *(-s for s in STOP_SIGNALS), *(128 + s for s in STOP_SIGNALS)})
"""Exit codes of a service that ended because it was asked to (not a crash)."""


class Polled(Protocol):
    def poll(self) -> int | None: ...


class StopRequest:
    """SIGINT/SIGTERM handler: remembers that a stop was asked for, then interrupts."""

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, signum: int, frame: object) -> None:
        self.asked = True
        raise KeyboardInterrupt

    def install(self) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, self)


def watch(
    procs: Mapping[str, Polled], sleep: Callable[[float], None] = time.sleep
) -> dict[str, int]:
    """Wait until a service ends; the exit codes of those that have ended."""
    while True:
        ended = {name: code for name, p in procs.items() if (code := p.poll()) is not None}
        if ended:
            return ended
        sleep(1)


def outcome(ended: Mapping[str, int], asked: bool) -> tuple[int, str]:
    """The script's exit code and last words once the services have ended."""
    crashed = sorted(name for name, code in ended.items() if code not in ASKED_TO_STOP)
    if asked or not crashed:
        return 0, "已停止 stopped"
    codes = ", ".join(f"{name} (exit {ended[name]})" for name in crashed)
    return 1, f"error: service stopped: {codes}; see {LOGS}"


def main() -> None:
    request = StopRequest()
    request.install()
    ended: dict[str, int] = {}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    mailbox = LocalMailbox(SMTP_PORT, MAILDIR)
    try:
        subprocess.run(["bash", str(INFRA), "up"], check=True)
        tokens = mint_all()
        mailbox.start()
        procs = start_services()
        wait_ready(procs)
        set_demo_contact(tokens)
        load_demo(tokens)
        print(banner(tokens), flush=True)
        print(show_inbox(tokens), flush=True)
        ended = watch(procs)
    except KeyboardInterrupt:
        request.asked = True
        print("\n正在停止… stopping", flush=True)
    finally:
        for sig in STOP_SIGNALS:  # a second Ctrl-C cannot cut the stop short
            signal.signal(sig, signal.SIG_IGN)
        stop(procs)
        mailbox.stop()
    code, words = outcome(ended, request.asked)
    print(words, file=sys.stderr if code else sys.stdout, flush=True)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
