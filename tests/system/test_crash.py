"""Crash safety (issue 9): a real ``meetingd run`` killed with SIGKILL at many points loses no
mail and sends none twice, on the embedded Maildir default.

The same scenario (three meeting requests, each approved by its host and answered with
topics) runs once uninterrupted (the reference) and once under kill -9 and restart. Every
mail of the reference, keyed by ``X-Meetingd-Kind``, ``X-Meetingd-Ref`` and its To/Cc
addresses, must be in the crashed run's outbox Maildir exactly once. (Message-IDs cannot be
compared across the two runs: they hash the enqueue instant as well as the idempotency key.)

Kills land at random delays or right after a log line of a risky step: a mail written to the
outbox but not yet marked sent, a mail queued, a message applied, a message moved away.
``MEETINGD_CRASH_KILLS`` (default 30) sets the number of kills, ``MEETINGD_CRASH_SEED`` the
random seed; run with ``-s`` to see the figures.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import mailbox
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from daemon import clock
from daemon.config import load
from daemon.outbound import outbox
from daemon.runner import run_forever
from daemon.service import Service
from daemon.store import queries
from daemon.store.db import atomic, open_db
from daemon.transports.memory import MemoryTransport
from daemon.workdays import WorkCalendar
from tests.instants import T0
from tests.mails import REQUEST_ZH, mail
from tests.unit.test_outbox import message

KILLS = int(os.environ.get("MEETINGD_CRASH_KILLS", "30"))
SEED = int(os.environ.get("MEETINGD_CRASH_SEED", str(random.randrange(1_000_000))))

# Kill right after one of these log lines (a risky step has just happened), or at a delay;
# the first, the narrowest window, is drawn as often as the three others together.
RISKY = [
    re.compile(r"maildir: wrote "),  # written to the outbox, not yet marked sent
    re.compile(r"outbox queued "),  # inside the transaction that applies a message
    re.compile(r"inbox \d+ applied"),
    re.compile(r"maildir: moved "),  # stored and acknowledged
]
LEFT_SENDING = re.compile(r"outbox \d+ \S+ was left sending")

Key = tuple[str, str, tuple[str, ...]]


# --------------------------------------------------------------------------- the scenario


def scenario() -> list[bytes]:
    """Three requests for meetings weeks ahead (``run`` uses the real clock), each followed
    by its host's approval and three topics; about 30 mails out."""
    days = WorkCalendar()
    today = dt.datetime.now(dt.UTC).date()
    people = ["feng.tao", "wei.dong", "wu.qian"]
    mails: list[bytes] = []
    for n in range(1, 4):
        day = days.roll_forward(today + dt.timedelta(days=21 + 7 * n))
        title = f"仓储系统切换协调会{n}"
        request = REQUEST_ZH.replace("仓储系统切换协调会", title).replace(
            "2026年10月9日", f"{day.year}年{day.month}月{day.day}日"
        )
        mails.append(mail(f"{people[n - 1]}@corp.example", f"会议需求申请：{title}", request))
        mails.append(mail("qian.feng@corp.example", f"回复: [MTG-{n}] {title}", "同意。"))
        for who in people:
            body = (
                f"议题：{title}的{who}议题\n背景：两套系统数据不一致\n"
                f"痛点：{who}无法对账\n期望成果：确定盘点口径"
            )
            mails.append(mail(f"{who}@corp.example", f"Re: [MTG-{n}] 议题征集", body))
    return mails


def make_home(root: Path) -> Path:
    """A config on the Maildir default with a 1 s tick; returns the config file."""
    (root / "var").mkdir(parents=True)
    cfg = root / "meetingd.toml"
    cfg.write_text('[daemon]\nvar_dir = "var"\ntick_seconds = 1\n', encoding="utf-8")
    return cfg


def drop(var: Path, raws: list[bytes]) -> None:
    box = mailbox.Maildir(var / "inbox", create=True)
    for raw in raws:
        box.add(raw)
        time.sleep(0.01)  # distinct file times: Maildir order is arrival order


def idle(var: Path) -> bool:
    """Every dropped mail ingested and applied, and nothing left to send."""
    if any(any((var / "inbox" / sub).iterdir()) for sub in ("new", "cur")):
        return False
    db = open_db(var / "meetingd.db")
    try:
        return not any(
            (
                queries.inbox_list(db, "new"),
                queries.outbox_list(db, "queued"),
                queries.outbox_list(db, "sending"),
            )
        )
    finally:
        db.close()


def wait_until(done: Callable[[], bool], timeout: float) -> bool:
    """Poll ``done`` every 0.2 s; False if it is still not true after ``timeout`` s."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


def sent_mails(var: Path) -> Counter[Key]:
    """The outbox Maildir by (kind, meeting ref, sorted To+Cc addresses)."""
    found: Counter[Key] = Counter()
    for raw in mailbox.Maildir(var / "outbox", create=False):
        msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
        to = [str(v) for h in ("To", "Cc") for v in msg.get_all(h, [])]
        addresses = tuple(sorted(a.lower() for _, a in email.utils.getaddresses(to)))
        found[(str(msg["X-Meetingd-Kind"]), str(msg.get("X-Meetingd-Ref", "")), addresses)] += 1
    return found


class Daemon:
    """One ``meetingd run`` process; its log goes to ``log`` and is watched line by line."""

    def __init__(self, cfg: Path, log: list[str]) -> None:
        self.log = log
        self.kill_on: re.Pattern[str] | None = None
        self.skip = 0
        self.running = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daemon", "run", "-c", str(cfg)],
            cwd=cfg.parent,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)
            if "meetingd running" in line:
                self.running.set()
            if self.kill_on is not None and self.kill_on.search(line):
                if self.skip == 0:
                    self.proc.send_signal(signal.SIGKILL)
                self.skip -= 1

    def kill_after(self, pattern: re.Pattern[str], skip: int, fallback: float) -> int:
        """SIGKILL right after the ``skip+1``-th line matching ``pattern``, or at ``fallback``
        seconds if that line does not come; the exit code."""
        self.skip, self.kill_on = skip, pattern
        try:
            self.proc.wait(fallback)
        except subprocess.TimeoutExpired:
            return self.kill()
        return self.finish()

    def kill(self) -> int:
        """SIGKILL now; the exit code."""
        self.proc.send_signal(signal.SIGKILL)
        return self.finish()

    def stop(self) -> int:
        """SIGTERM once it runs (before, the signal would kill it); the exit code."""
        self.running.wait(30)
        self.proc.send_signal(signal.SIGTERM)
        return self.finish()

    def finish(self) -> int:
        code = self.proc.wait(30)
        self.reader.join(5)
        return code


def reference(root: Path, mails: list[bytes]) -> Counter[Key]:
    cfg = make_home(root)
    log: list[str] = []
    drop(cfg.parent / "var", mails)
    daemon = Daemon(cfg, log)
    try:
        assert daemon.running.wait(30), "".join(log)
        assert wait_until(lambda: idle(cfg.parent / "var"), 60), "".join(log[-30:])
    finally:
        code = daemon.stop()
    assert code == 0, "".join(log[-30:])
    return sent_mails(cfg.parent / "var")


def test_kill_9_at_many_points_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    mails = scenario()
    expected = reference(tmp_path / "reference", mails)
    kinds = {kind for kind, _, _ in expected}
    assert {"request_received", "approval_request", "topic_receipt"} <= kinds, expected

    cfg = make_home(tmp_path / "crashed")
    var = cfg.parent / "var"
    log: list[str] = []
    started = time.monotonic()
    for i in range(KILLS):
        drop(var, mails[i * len(mails) // KILLS : (i + 1) * len(mails) // KILLS])
        daemon = Daemon(cfg, log)
        if rng.random() < 0.3:
            time.sleep(rng.uniform(0.0, 1.5))
            code = daemon.kill()
        else:
            pattern = rng.choices(RISKY, weights=[3, 1, 1, 1])[0]
            code = daemon.kill_after(pattern, rng.randrange(3), rng.uniform(0.5, 2.0))
        assert code == -signal.SIGKILL, "".join(log[-30:])  # killed, never exited on its own
    daemon = Daemon(cfg, log)  # the last run is left to finish
    try:
        assert daemon.running.wait(30), "".join(log[-30:])
        finished = wait_until(lambda: idle(var), 30)  # if not, the figures say what is left
    finally:
        code = daemon.stop()
    assert code == 0, "".join(log[-30:])
    took = time.monotonic() - started

    found = sent_mails(var)
    lost = expected - found
    extra = found - expected
    duplicates = sum(n for key, n in extra.items() if key in expected)
    db = open_db(var / "meetingd.db")
    try:
        resent = [e for e in queries.events_list(db) if e.kind == "resent"]
        outbox_states = Counter(r.state for r in queries.outbox_list(db))
    finally:
        db.close()
    settled = sum(1 for line in log if LEFT_SENDING.search(line))
    print(
        f"\ncrash test (MEETINGD_CRASH_SEED={SEED}): kills {KILLS}, mails expected "
        f"{sum(expected.values())}, mails found {sum(found.values())}, duplicates {duplicates},"
        f" lost {sum(lost.values())}, left sending and settled at restart {settled},"
        f" declared resends {len(resent)}, outbox {dict(outbox_states)},"
        f" {'finished' if finished else 'NOT finished'} in {took:.0f} s"
    )
    assert not lost, f"lost: {sorted(lost)}"
    assert all(key in expected for key in extra), f"not in the reference: {sorted(extra)}"
    assert duplicates <= len(resent), f"undeclared duplicates: {sorted(extra)}"
    assert finished and outbox_states == Counter(sent=sum(found.values()) - duplicates)
    assert "Traceback" not in "".join(log)


# --------------------------------------------------------------------------- the runner


class CannotTell(MemoryTransport):
    """A sink like SMTP without a Sent folder."""

    def find_sent(self, message_id: str) -> bool | None:
        return None


def running(tmp_path: Path, sink: MemoryTransport) -> tuple[Service, Callable[[], None]]:
    """A service with one mail left ``sending`` at T0, run by ``run_forever`` in a thread;
    returns it and a function that stops the runner."""
    service = Service(load(make_home(tmp_path / "home")), MemoryTransport(), sink)
    with atomic(service.db):
        outbox.enqueue(
            service.db, idem_key="k1", meeting_number=None, kind="x", message=message(), now=T0
        )
    assert queries.outbox_claim(service.db, T0) is not None  # then the daemon died
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(service, stop))
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(10)

    return service, halt


def state(service: Service) -> str:
    (row,) = queries.outbox_list(service.db)
    return row.state


def test_the_runner_settles_at_start(tmp_path: Path, frozen_clock: clock.FrozenClock) -> None:
    sink = MemoryTransport()
    service, halt = running(tmp_path, sink)
    try:
        assert wait_until(lambda: state(service) == "sent", 10)
    finally:
        halt()
    assert [m.message_id for m in sink.sent] == ["<out1@meetingd>"]


def test_the_runner_resends_what_the_sink_cannot_tell_after_the_timeout(
    tmp_path: Path, frozen_clock: clock.FrozenClock
) -> None:
    sink = CannotTell()
    service, halt = running(tmp_path, sink)
    try:
        time.sleep(2.5)  # the start and two ticks: too young to resend blindly
        assert state(service) == "sending" and sink.sent == []
        frozen_clock.advance(outbox.SETTLE_AFTER)
        assert wait_until(lambda: state(service) == "sent", 10)
    finally:
        halt()
    assert [m.message_id for m in sink.sent] == ["<out1@meetingd>"]
    assert [e.kind for e in queries.events_list(service.db)] == ["resent"]
