"""The catch-all of inspect_bytes is a last resort that still names the sender (issue 9)."""

from __future__ import annotations

import pytest

from daemon.inbound import inspect as inspect_module
from daemon.inbound.fallback import INTERNAL_ERROR, header_only_inspection
from tests.mails import INSPECT_NOW
from tests.unit.inbound_helpers import make_mail


class _Boom(Exception):
    pass


def _raise(*_args: object) -> None:
    raise _Boom("an internal error")


@pytest.fixture
def broken_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the full reading fail, as an unknown bug would."""
    monkeypatch.setattr(inspect_module, "parse_mail", _raise)


@pytest.mark.usefixtures("broken_reader")
def test_sender_subject_and_thread_survive_an_internal_error():
    raw = make_mail("我参加", subject="Re: [MTG-7] 邀请", extra_headers="In-Reply-To: <a@b>\n")
    insp = inspect_module.inspect_bytes(raw, "x.eml", now=INSPECT_NOW)
    assert insp.rule_hits[0] == "error" and insp.kind == "unknown"
    assert insp.sender == "tester@example.org" and insp.sender_name == "Tester"
    assert insp.subject == "Re: [MTG-7] 邀请" and insp.meeting_ref == "MTG-7"
    assert insp.in_reply_to == ["<a@b>"] and insp.date is not None
    assert insp.problems[0].startswith(INTERNAL_ERROR) and "_Boom" in insp.problems[0]
    assert insp.file == "x.eml"


@pytest.mark.usefixtures("broken_reader")
@pytest.mark.parametrize(
    ("headers", "subject", "kind"),
    [
        ("Auto-Submitted: auto-replied\n", "Re: x", "auto_reply"),
        ("Precedence: bulk\n", "Re: x", "auto_reply"),
        ("", "Out of Office: x", "auto_reply"),
        ("", "Undeliverable: x", "bounce"),
    ],
)
def test_automatic_mail_is_still_recognised(headers, subject, kind):
    insp = inspect_module.inspect_bytes(
        make_mail("x", subject=subject, extra_headers=headers), now=INSPECT_NOW
    )
    assert insp.kind == kind and insp.auto_submitted and insp.rule_hits[0] == "error"


@pytest.mark.usefixtures("broken_reader")
def test_forged_display_name_is_still_suspicious():
    raw = make_mail("同意", sender='"Sun Li <sun.li@corp.example>" <m@outside.example>')
    insp = inspect_module.inspect_bytes(raw, now=INSPECT_NOW)
    assert insp.sender == "m@outside.example" and insp.sender_suspicious


def test_unreadable_headers_give_the_anonymous_result():
    insp = header_only_inspection(None, "f", _Boom("x"), INSPECT_NOW)  # type: ignore[arg-type]
    assert insp.sender is None and insp.rule_hits == ["error"]
    assert insp.problems[0].startswith(INTERNAL_ERROR)
