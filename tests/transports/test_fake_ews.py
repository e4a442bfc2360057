"""Real exchangelib 5.x against the fake EWS server (``tests/transports/fake_ews``).

These tests pin down both halves: that the fake answers what exchangelib sends for an
Exchange 2016 account (Basic auth, DELEGATE, pinned version), and how exchangelib behaves on
Exchange's failure modes, which the EWS transport has to live with:

* ErrorServerBusy with BackOffMilliseconds: FailFast raises ErrorServerBusy; FaultTolerance
  waits and retries while the back-off fits in ``max_wait``, else raises RateLimitError.
* HTTP 503: FailFast raises ErrorServerBusy; FaultTolerance retries after RETRY_WAIT.
* HTTP 401: FailFast raises UnauthorizedError; FaultTolerance treats it as throttling and
  retries, so bad credentials end as RateLimitError, never UnauthorizedError.
* A dropped connection or a read timeout raises ErrorTimeoutExpired under both policies
  (exchangelib retries those only when it has more than one session in its pool).
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from exchangelib import (  # type: ignore[import-untyped]
    Attendee,
    CalendarItem,
    EWSDateTime,
    EWSTimeZone,
    ExtendedProperty,
    FaultTolerance,
    Folder,
    Mailbox,
    Message,
)
from exchangelib.errors import (  # type: ignore[import-untyped]
    ErrorInvalidSyncStateData,
    ErrorServerBusy,
    ErrorTimeoutExpired,
    RateLimitError,
    UnauthorizedError,
)
from exchangelib.items import (  # type: ignore[import-untyped]
    SEND_TO_ALL_AND_SAVE_COPY,
    SEND_TO_CHANGED_AND_SAVE_COPY,
    MeetingMessage,
    MeetingResponse,
)

from tests.transports.fake_ews import CalendarItem as FakeCalendarItem
from tests.transports.fake_ews import FakeEwsServer, Fault
from tests.transports.fake_ews.fixture import ews_server, make_account
from tests.transports.fake_ews.mailbox import Address
from tests.transports.fake_ews.mailbox import Attendee as FakeAttendee

__all__ = ["ews_server"]  # the fixture, re-exported so pytest finds it here

SHANGHAI = EWSTimeZone("Asia/Shanghai")
PROPSET = "c11ff724-aa03-4555-9952-8fa248a11c3e"


class MeetingdRef(ExtendedProperty):  # type: ignore[misc]
    """The transport's reference to our meeting (string, custom property set)."""

    property_set_id = PROPSET
    property_name = "meetingd_ref"
    property_type = "String"


class MeetingdIdem(ExtendedProperty):  # type: ignore[misc]
    """The transport's idempotency key (string, custom property set)."""

    property_set_id = PROPSET
    property_name = "meetingd_idem"
    property_type = "String"


@pytest.fixture
def extended_props() -> Iterator[None]:
    """Register ``meetingd_ref``/``meetingd_idem`` on CalendarItem for one test."""
    CalendarItem.register("meetingd_ref", MeetingdRef)
    CalendarItem.register("meetingd_idem", MeetingdIdem)
    try:
        yield
    finally:
        CalendarItem.deregister("meetingd_ref")
        CalendarItem.deregister("meetingd_idem")


def _mime(subject: str, message_id: str, body: str = "hello", sender: str = "alice") -> bytes:
    return (
        f"From: {sender.title()} <{sender}@example.test>\r\n"
        "To: Meeting Organizer <organizer@example.test>\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 06 May 2024 10:00:00 +0800\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


def _meeting(account: Any, subject: str = "Coordination", **extra: Any) -> Any:
    return CalendarItem(
        account=account,
        folder=account.calendar,
        subject=subject,
        body="Agenda: budget",
        start=EWSDateTime(2024, 5, 6, 10, 0, tzinfo=SHANGHAI),
        end=EWSDateTime(2024, 5, 6, 11, 0, tzinfo=SHANGHAI),
        location="Room 1",
        required_attendees=[
            Attendee(mailbox=Mailbox(email_address="alice@example.test"), response_type="Unknown")
        ],
        optional_attendees=[
            Attendee(mailbox=Mailbox(email_address="bob@example.test"), response_type="Unknown")
        ],
        resources=[
            Attendee(mailbox=Mailbox(email_address="room1@example.test"), response_type="Unknown")
        ],
        **extra,
    )


# -- connecting ----------------------------------------------------------------------------


def test_connect_and_count(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    assert account.inbox.all().count() == 0
    ews_server.mailbox.deliver_mime("inbox", _mime("one", "<1@example.test>"))
    ews_server.mailbox.deliver_mime("inbox", _mime("two", "<2@example.test>"))
    assert account.inbox.all().count() == 2
    assert ews_server.operations()[:2] == ["GetFolder", "GetFolder"]  # root, then inbox
    assert b'RequestServerVersion Version="Exchange2016"' in ews_server.requests[0].body
    assert account.version.build.major_version == 15


def test_find_item_pages_and_orders(ews_server: FakeEwsServer) -> None:
    for n in range(5):
        ews_server.mailbox.deliver_mime("inbox", _mime(f"m{n}", f"<m{n}@example.test>"))
    account = make_account(ews_server)
    query = account.inbox.all().only("subject")
    query.page_size = 2
    # No SortOrder: Exchange's default view, newest first.
    assert [m.subject for m in query] == ["m4", "m3", "m2", "m1", "m0"]
    finds = [r.body for r in ews_server.requests if r.operation == "FindItem"]
    assert [b'Offset="0"' in finds[0], b'Offset="2"' in finds[1], b'Offset="4"' in finds[2]] == [
        True
    ] * 3
    oldest_first = account.inbox.all().order_by("datetime_received").only("subject")
    assert [m.subject for m in oldest_first][0] == "m0"
    assert account.inbox.filter(subject="m3").count() == 1


def test_version_is_probed_with_convert_id_when_not_pinned(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server, version=False)
    assert account.inbox.all().count() == 0
    assert ews_server.operations()[0] == "ConvertId"
    assert (account.version.build.minor_version, account.version.build.major_build) == (1, 2507)


def test_wrong_password_is_unauthorized(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server, password="wrong")
    with pytest.raises(UnauthorizedError):
        account.inbox.all().count()
    assert ews_server.requests[0].status == 401


def test_server_time_zones(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    zones = {z.id: z for z in account.protocol.get_timezones(return_full_timezone_data=True)}
    assert "China Standard Time" in zones
    assert zones["China Standard Time"].name.startswith("(UTC+08:00)")


# -- mail ----------------------------------------------------------------------------------


def test_delivered_mime_reads_back_byte_for_byte(ews_server: FakeEwsServer) -> None:
    raw = _mime("会议 agenda", "<zh-1@example.test>", body="请确认时间")
    ews_server.mailbox.deliver_mime("inbox", raw)
    account = make_account(ews_server)
    [msg] = account.inbox.all().only("mime_content", "subject", "message_id", "is_read", "author")
    assert msg.mime_content == raw
    assert msg.subject == "会议 agenda"
    assert msg.message_id == "<zh-1@example.test>"
    assert msg.is_read is False
    assert msg.author.email_address == "alice@example.test"
    # FindItem asked for ids only, then GetItem for the fields: MimeContent is GetItem-only.
    assert ews_server.operations()[-2:] == ["FindItem", "GetItem"]


def test_fields_not_asked_for_are_not_returned(ews_server: FakeEwsServer) -> None:
    ews_server.mailbox.deliver_mime("inbox", _mime("s", "<s@example.test>"))
    account = make_account(ews_server)
    [msg] = account.inbox.all().only("subject")
    assert msg.subject == "s"
    assert msg.mime_content is None and msg.message_id is None


def test_send_and_save_keeps_our_message_id(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    raw = (
        b"From: Meeting Organizer <organizer@example.test>\r\n"
        b"To: alice@example.test\r\nCc: bob@example.test\r\n"
        b"Subject: Invitation\r\nMessage-ID: <ours-42@meetingd.example.test>\r\n\r\nhi\r\n"
    )
    result = Message(account=account, folder=account.sent, mime_content=raw).send_and_save()
    assert result is True  # SendAndSaveCopy returns no ItemId
    create = next(r for r in ews_server.requests if r.operation == "CreateItem")
    assert b'MessageDisposition="SendAndSaveCopy"' in create.body
    [sent] = ews_server.mailbox.sent_items()
    assert sent.message_id == "<ours-42@meetingd.example.test>"
    assert sent.mime == raw  # exchangelib sends the MIME unchanged
    [out] = ews_server.mailbox.transmissions
    assert out.recipients == ("alice@example.test", "bob@example.test")
    # The transport finds its copy again by Message-ID (FindItem restriction).
    [copy] = account.sent.filter(message_id="<ours-42@meetingd.example.test>")
    assert copy.is_read is True


def test_draft_then_send_item(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    draft = Message(account=account, folder=account.drafts, subject="later", body="text")
    draft.to_recipients = [Mailbox(email_address="carol@example.test")]
    draft.save()
    assert [i.subject for i in ews_server.mailbox.items_in("drafts")] == ["later"]
    draft.send()
    assert ews_server.operations()[-1] == "SendItem"
    assert ews_server.mailbox.items_in("drafts") == []
    assert [m.subject for m in ews_server.mailbox.sent_items()] == ["later"]
    assert ews_server.mailbox.transmissions[0].message_id is not None


def test_move_to_processed_and_mark_read(ews_server: FakeEwsServer) -> None:
    ews_server.mailbox.deliver_mime("inbox", _mime("m", "<m@example.test>"))
    account = make_account(ews_server)
    processed = Folder(parent=account.inbox, name="processed")
    processed.save()
    [msg] = account.inbox.all()
    old_id = msg.id
    msg.is_read = True
    msg.save(update_fields=["is_read"])
    msg.move(processed)
    assert msg.id != old_id  # Exchange gives a moved item a new id
    assert account.inbox.all().count() == 0
    assert processed.all().count() == 1
    [stored] = ews_server.mailbox.items_in("processed")
    assert stored.id == msg.id and getattr(stored, "is_read", None) is True
    # A fresh account finds the folder by walking the hierarchy (GetFolder + FindFolder Deep).
    again = make_account(ews_server)
    assert (again.inbox / "processed").id == processed.id


# -- calendar ------------------------------------------------------------------------------


def test_meeting_create_update_cancel(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    item = _meeting(account)
    item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    [stored] = ews_server.mailbox.calendar_items()
    assert stored.start == dt.datetime(2024, 5, 6, 2, 0, tzinfo=dt.UTC)
    assert stored.start_timezone == "China Standard Time"
    assert [a.address.email for a in stored.resources] == ["room1@example.test"]
    assert stored.appointment_sequence_number == 0
    invite = ews_server.mailbox.transmissions[-1]
    assert invite.kind == "meeting_request"
    assert invite.recipients == ("alice@example.test", "bob@example.test", "room1@example.test")

    first_key = item.changekey
    item.start = EWSDateTime(2024, 5, 6, 14, 0, tzinfo=SHANGHAI)
    item.end = EWSDateTime(2024, 5, 6, 15, 0, tzinfo=SHANGHAI)
    item.save(
        update_fields=["start", "end"], send_meeting_invitations=SEND_TO_CHANGED_AND_SAVE_COPY
    )
    assert item.changekey != first_key
    item.refresh()
    assert item.appointment_sequence_number == 1
    assert item.start == EWSDateTime(2024, 5, 6, 6, 0, tzinfo=EWSTimeZone("UTC"))
    assert ews_server.mailbox.transmissions[-1].kind == "meeting_update"
    assert ews_server.mailbox.transmissions[-1].sequence == 1

    item.cancel(new_body="Cancelled: the budget is settled.")
    cancel = ews_server.mailbox.transmissions[-1]
    assert (cancel.kind, cancel.sequence) == ("meeting_cancellation", 2)
    assert cancel.body == "Cancelled: the budget is settled."
    assert stored.is_cancelled
    # Like Exchange, the organizer's cancelled meeting moved to Deleted Items.
    assert ews_server.mailbox.calendar_items() == []
    assert ews_server.mailbox.items_in("deleteditems") == [stored]


def test_cancel_body_keyword_is_not_the_cancellation_text(ews_server: FakeEwsServer) -> None:
    """exchangelib's ``cancel(body=...)`` sends ``t:Body``, which CancelCalendarItem ignores."""
    account = make_account(ews_server)
    item = _meeting(account)
    item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    item.cancel(body="this text is lost")
    create = [r for r in ews_server.requests if r.operation == "CreateItem"][-1]
    assert b"<t:Body" in create.body and b"NewBodyContent" not in create.body
    assert ews_server.mailbox.transmissions[-1].body is None


def test_filter_on_extended_property(ews_server: FakeEwsServer, extended_props: None) -> None:
    account = make_account(ews_server)
    _meeting(account, "A", meetingd_ref="ref-a", meetingd_idem="idem-a").save(
        send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY
    )
    _meeting(account, "B", meetingd_ref="ref-b", meetingd_idem="idem-b").save(
        send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY
    )
    [found] = account.calendar.filter(meetingd_idem="idem-b")
    assert (found.subject, found.meetingd_ref) == ("B", "ref-b")
    assert list(account.calendar.filter(meetingd_idem="nope")) == []
    find = [r for r in ews_server.requests if r.operation == "FindItem"][-1]
    assert b"<t:IsEqualTo><t:ExtendedFieldURI" in find.body
    assert ews_server.mailbox.find_calendar_item("idem-a").subject == "A"


def test_respond_shows_in_attendees_and_inbox(
    ews_server: FakeEwsServer, extended_props: None
) -> None:
    account = make_account(ews_server)
    item = _meeting(account, meetingd_idem="idem-r")
    item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    proposed = (
        dt.datetime(2024, 5, 7, 2, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 7, 3, tzinfo=dt.UTC),
    )
    ews_server.mailbox.respond("idem-r", "alice@example.test", "Accept", comment="See you")
    ews_server.mailbox.respond(
        "idem-r", "bob@example.test", "Tentative", "Maybe later?", proposed[0], proposed[1]
    )
    item.refresh()
    assert item.required_attendees[0].response_type == "Accept"
    assert item.optional_attendees[0].response_type == "Tentative"
    assert item.resources[0].response_type == "Unknown"

    responses = sorted(account.inbox.all(), key=lambda r: r.datetime_received)
    assert all(isinstance(r, MeetingResponse) for r in responses)
    accept, tentative = sorted(responses, key=lambda r: r.item_class)
    assert accept.item_class == "IPM.Schedule.Meeting.Resp.Pos"
    assert accept.author.email_address == "alice@example.test"
    assert accept.body == "See you"
    assert accept.associated_calendar_item_id.id == item.id
    assert tentative.item_class == "IPM.Schedule.Meeting.Resp.Tent"
    assert (tentative.proposed_start, tentative.proposed_end) == proposed
    assert b"METHOD:COUNTER" in tentative.mime_content
    assert tentative.message_id.encode() in tentative.mime_content


def test_forward_notification_is_a_meeting_message(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    item = _meeting(account)
    item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    ews_server.mailbox.forward_notification(
        item.id, "alice@example.test", ["Dan <dan@example.test>"]
    )
    [note] = account.inbox.all()
    assert isinstance(note, MeetingMessage) and not isinstance(note, MeetingResponse)
    assert note.item_class == "IPM.Schedule.Meeting.Notification.Forward"
    assert "dan@example.test" in note.body
    assert note.author.email_address == "alice@example.test"


def test_windows_zone_ids_come_back_as_zones(ews_server: FakeEwsServer) -> None:
    mailbox = ews_server.mailbox
    start = dt.datetime(2024, 5, 6, 1, 30, tzinfo=dt.UTC)
    for zone in ("China Standard Time", "Customized Time Zone"):
        mailbox.add(
            FakeCalendarItem(
                subject=zone,
                start=start,
                end=start + dt.timedelta(hours=1),
                start_timezone=zone,
                end_timezone=zone,
                organizer=Address("outlook-user@example.test"),
                required_attendees=[FakeAttendee(mailbox.owner, "Accept")],
                is_meeting=True,
                my_response_type="Accept",
            ),
            "calendar",
        )
    account = make_account(ews_server)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = {i.subject: i for i in account.calendar.all()}
    china = items["China Standard Time"]
    assert china._start_timezone == SHANGHAI
    assert china.start.astimezone(SHANGHAI).hour == 9
    # exchangelib cannot map "Customized Time Zone": it warns and leaves the zone empty.
    assert items["Customized Time Zone"]._start_timezone is None
    assert any("Customized Time Zone" in str(w.message) for w in caught)


def test_calendar_view(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    _meeting(account).save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    day = EWSDateTime(2024, 5, 6, 0, 0, tzinfo=SHANGHAI)
    assert [i.subject for i in account.calendar.view(day, day + dt.timedelta(days=1))] == [
        "Coordination"
    ]
    assert list(account.calendar.view(day + dt.timedelta(days=1), day + dt.timedelta(days=2))) == []


# -- sync ----------------------------------------------------------------------------------


def test_sync_items_paged_with_stored_state(ews_server: FakeEwsServer) -> None:
    for n in range(5):
        ews_server.mailbox.deliver_mime("inbox", _mime(f"m{n}", f"<m{n}@example.test>"))
    account = make_account(ews_server)
    first = list(account.inbox.sync_items(max_changes_returned=2, only_fields=["subject"]))
    assert [(kind, i.subject) for kind, i in first] == [("create", f"m{n}") for n in range(5)]
    assert ews_server.operations().count("SyncFolderItems") == 3  # 2 + 2 + 1
    state = account.inbox.item_sync_state

    msgs = sorted(account.inbox.all(), key=lambda m: m.subject)
    msgs[0].is_read = True
    msgs[0].save(update_fields=["is_read"])
    msgs[1].subject = "m1 (edited)"
    msgs[1].save(update_fields=["subject"])
    deleted_id = msgs[2].id
    msgs[2].delete()
    ews_server.mailbox.deliver_mime("inbox", _mime("m5", "<m5@example.test>"))

    fresh = make_account(ews_server)  # a restarted daemon with only the stored state
    changes = list(fresh.inbox.sync_items(sync_state=state, only_fields=["subject"]))
    kinds = {kind: item for kind, item in changes}
    assert sorted(kinds) == ["create", "delete", "read_flag_change", "update"]
    assert kinds["read_flag_change"][1] is True
    assert kinds["update"].subject == "m1 (edited)"
    assert kinds["create"].subject == "m5"
    assert kinds["delete"].id == deleted_id
    assert list(fresh.inbox.sync_items(sync_state=fresh.inbox.item_sync_state)) == []

    with pytest.raises(ErrorInvalidSyncStateData):
        list(fresh.inbox.sync_items(sync_state="bm90IGEgc3RhdGU="))


def test_calendar_sync_sees_responses(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    item = _meeting(account)
    item.save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)
    [(kind, _)] = list(account.calendar.sync_items(only_fields=["subject"]))
    assert kind == "create"
    ews_server.mailbox.respond(item.id, "alice@example.test", "Decline", comment="away")
    changes = list(account.calendar.sync_items(only_fields=["required_attendees"]))
    assert [(k, i.required_attendees[0].response_type) for k, i in changes] == [
        ("update", "Decline")
    ]


# -- faults --------------------------------------------------------------------------------


def _warm(account: Any) -> None:
    """Resolve the inbox first, so the fault hits the FindItem under test."""
    assert account.inbox is not None


def test_server_busy_over_max_wait_raises_rate_limit(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server, retry_policy=FaultTolerance(max_wait=1))
    _warm(account)
    ews_server.inject("FindItem", Fault.server_busy(back_off_ms=5000))
    started = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        account.inbox.all().count()
    assert caught.value.wait == 5.0
    assert time.monotonic() - started < 1  # it gives up at once, without sleeping


def test_server_busy_within_max_wait_is_retried(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server, retry_policy=FaultTolerance(max_wait=5))
    _warm(account)
    ews_server.inject("FindItem", "ErrorServerBusy", times=2, back_off_ms=200)
    started = time.monotonic()
    assert account.inbox.all().count() == 0
    assert time.monotonic() - started >= 0.4  # it slept the back-off each time
    finds = [r for r in ews_server.requests if r.operation == "FindItem"]
    assert [r.status for r in finds] == [500, 500, 200]


def test_server_busy_fail_fast_raises_with_back_off(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    _warm(account)
    ews_server.inject("*", "ErrorServerBusy", back_off_ms=250)
    with pytest.raises(ErrorServerBusy) as caught:
        account.inbox.all().count()
    assert caught.value.back_off == 0.25


def test_server_busy_in_a_response_message_waits_retry_wait(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server, retry_policy=FaultTolerance(max_wait=5), retry_wait=0.3)
    _warm(account)
    ews_server.inject("FindItem", Fault.server_busy(back_off_ms=60_000, soap_fault=False))
    started = time.monotonic()
    assert account.inbox.all().count() == 0
    # exchangelib reads BackOffMilliseconds only from a SOAP fault; here it waits RETRY_WAIT.
    assert 0.3 <= time.monotonic() - started < 5


def test_http_503(ews_server: FakeEwsServer) -> None:
    tolerant = make_account(ews_server, retry_policy=FaultTolerance(max_wait=5))
    _warm(tolerant)
    ews_server.inject("FindItem", "503")
    assert tolerant.inbox.all().count() == 0
    assert [r.status for r in ews_server.requests if r.operation == "FindItem"] == [503, 200]

    ews_server.inject("FindItem", "503")
    ews_server.users["second"] = "pw-2"  # other credentials: a protocol with its own policy
    strict = make_account(ews_server, username="second", password="pw-2")
    _warm(strict)
    with pytest.raises(ErrorServerBusy):
        strict.inbox.all().count()


def test_http_401(ews_server: FakeEwsServer) -> None:
    strict = make_account(ews_server)
    _warm(strict)
    ews_server.inject("FindItem", Fault.unauthorized())
    with pytest.raises(UnauthorizedError):
        strict.inbox.all().count()
    # Under FaultTolerance a 401 counts as throttling: retried, then RateLimitError.
    tolerant = make_account(ews_server, password="wrong", retry_policy=FaultTolerance(max_wait=1))
    tolerant.protocol.RETRY_WAIT = 0.3
    with pytest.raises(RateLimitError):
        tolerant.inbox.all().count()


def test_dropped_connection_raises_timeout_then_recovers(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server, retry_policy=FaultTolerance(max_wait=5))
    _warm(account)
    ews_server.inject("FindItem", "drop")
    with pytest.raises(ErrorTimeoutExpired):
        account.inbox.all().count()
    assert account.inbox.all().count() == 0  # the retired session is replaced


def test_slow_answer_hits_the_client_timeout(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server, timeout=0.5)
    _warm(account)
    ews_server.inject("FindItem", Fault.delay(1.0))
    with pytest.raises(ErrorTimeoutExpired):
        account.inbox.all().count()


def test_injected_faults_hit_only_matching_requests(ews_server: FakeEwsServer) -> None:
    account = make_account(ews_server)
    ews_server.inject("SyncFolderItems", "ErrorServerBusy")
    assert account.inbox.all().count() == 0  # GetFolder and FindItem pass
    with pytest.raises(ErrorServerBusy):
        list(account.inbox.sync_items())
    assert list(account.inbox.sync_items()) == []  # used up after one hit
