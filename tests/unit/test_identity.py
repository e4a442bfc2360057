"""Optional sender verification: Authentication-Results (RFC 8601) of trusted servers and
Exchange's internal mark; off by default."""

from __future__ import annotations

import copy
import dataclasses

from daemon.domain import rules
from daemon.domain.events import Incoming
from daemon.domain.identity import SenderPolicy, sender_verified
from daemon.domain.messages import AuthResult
from tests.unit.rules_helpers import addr, ctx, local, message, open_request, request_form

MX = "mx.corp.example"
PASS = [AuthResult(MX, "spf", "pass"), AuthResult(MX, "dmarc", "pass")]


def test_off_by_default_everything_is_verified() -> None:
    assert not SenderPolicy().required
    assert sender_verified(SenderPolicy(), [], None)


def test_only_a_trusted_servers_dmarc_pass_counts() -> None:
    policy = SenderPolicy((MX,))
    assert sender_verified(policy, PASS, None)
    assert not sender_verified(policy, [], None)
    assert not sender_verified(policy, [AuthResult(MX, "dmarc", "fail")], None)
    assert not sender_verified(policy, [AuthResult(MX, "dkim", "pass")], None)
    # A header the sender wrote themself names another server: it does not count.
    assert not sender_verified(policy, [AuthResult("evil.example", "dmarc", "pass")], None)


def test_the_exchange_internal_mark_counts_only_when_configured() -> None:
    assert sender_verified(SenderPolicy(exchange_internal=True), [], "Internal")
    assert not sender_verified(SenderPolicy(exchange_internal=True), [], "Anonymous")
    assert not sender_verified(SenderPolicy((MX,)), [], "Internal")


def test_an_unverified_host_changes_nothing() -> None:
    c = dataclasses.replace(ctx(local(2026, 11, 23, 10)), security=SenderPolicy((MX,)))
    file, _ = open_request(request_form(local(2026, 12, 8, 14)), c)
    before = copy.deepcopy(file)
    approval = message("unknown", addr("gao.ming"), body_text="同意")
    fx = rules.apply_message(file, Incoming(approval, reply_to_kind="approval_request"), c)
    assert file == before and fx.quarantine == "unverified_sender" and not fx.outgoing
    verified = message("unknown", addr("gao.ming"), body_text="同意", authentication=PASS)
    rules.apply_message(file, Incoming(verified, reply_to_kind="approval_request"), c)
    assert file.meeting.status == "scheduled"
