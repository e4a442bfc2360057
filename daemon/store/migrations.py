"""The database schema as ordered, numbered migrations (sqlite-utils 4 ``Migrations``).

Each migration runs in the same transaction as the row that records it in ``_migrations``
(sqlite-utils wraps each in ``db.atomic()``; :func:`daemon.store.db.open_db` additionally
holds one ``BEGIN IMMEDIATE`` around the whole run so two processes opening a fresh file
cannot both migrate). Never edit a migration that has shipped: add a new one.

Columns of the meeting tables are named exactly like the fields of the dataclasses in
``daemon.domain.model`` (plus ``meeting_number`` and ``pos`` on child tables), because
``daemon.store.meetings`` maps them generically: a new model field needs only a migration
``ALTER TABLE … ADD COLUMN`` here.

Conventions: instants are ISO 8601 UTC text ending in ``+00:00``; dates ``YYYY-MM-DD``;
lists JSON text; booleans 0/1.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from daemon.store.schema import UNOWNED

MIGRATIONS = Migrations("meetingd")
MIGRATIONS.migrations_table = "_migrations"

_CHILD = "meeting_number INTEGER NOT NULL REFERENCES meetings(number) ON DELETE CASCADE"

SCHEMA_0001 = f"""
CREATE TABLE meetings (
    number INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    requester TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'zh',
    core_problem TEXT,
    expected_outcome TEXT,
    start_utc TEXT,
    end_utc TEXT,
    location TEXT,
    host TEXT,
    recorder TEXT,
    uid TEXT UNIQUE,
    sequence INTEGER NOT NULL DEFAULT 0,
    review_of INTEGER,
    request_message_id TEXT,
    created_utc TEXT,
    approved_utc TEXT,
    minutes_received_utc TEXT,
    agenda_sent_utc TEXT,
    review_date TEXT,
    review_uid TEXT,
    problems TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX meetings_request_message_id ON meetings(request_message_id);

CREATE TABLE participants (
    {_CHILD},
    pos INTEGER NOT NULL,
    address TEXT NOT NULL,
    role TEXT NOT NULL,
    name TEXT,
    department TEXT,
    delegate_of TEXT,
    PRIMARY KEY (meeting_number, pos)
);

CREATE TABLE topics (
    {_CHILD},
    pos INTEGER NOT NULL,
    id INTEGER NOT NULL,
    title TEXT NOT NULL,
    submitter TEXT NOT NULL,
    background TEXT,
    pain_point TEXT,
    expected_outcome TEXT,
    department TEXT,
    missing TEXT NOT NULL DEFAULT '[]',
    late INTEGER NOT NULL DEFAULT 0,
    complex INTEGER NOT NULL DEFAULT 0,
    merged_into INTEGER,
    also_from TEXT NOT NULL DEFAULT '[]',
    received_utc TEXT,
    PRIMARY KEY (meeting_number, pos),
    UNIQUE (meeting_number, id)
);

CREATE TABLE materials (
    {_CHILD},
    pos INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    submitter TEXT NOT NULL,
    topic_id INTEGER,
    received_utc TEXT,
    distributed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_number, pos)
);

CREATE TABLE rsvps (
    {_CHILD},
    pos INTEGER NOT NULL,
    address TEXT NOT NULL,
    partstat TEXT NOT NULL DEFAULT 'NEEDS-ACTION',
    delegate TEXT,
    delegate_name TEXT,
    comment TEXT,
    written_opinion TEXT,
    proposed_start_utc TEXT,
    proposed_end_utc TEXT,
    source TEXT,
    updated_utc TEXT,
    PRIMARY KEY (meeting_number, pos),
    UNIQUE (meeting_number, address)
);

CREATE TABLE action_items (
    {_CHILD},
    pos INTEGER NOT NULL,
    k INTEGER NOT NULL,
    what TEXT NOT NULL,
    owner TEXT,
    due TEXT,
    owner_name TEXT,
    support TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    note TEXT,
    overdue_notices INTEGER NOT NULL DEFAULT 0,
    escalated INTEGER NOT NULL DEFAULT 0,
    updated_utc TEXT,
    PRIMARY KEY (meeting_number, pos),
    UNIQUE (meeting_number, k)
);

CREATE TABLE risks (
    {_CHILD},
    pos INTEGER NOT NULL,
    risk TEXT NOT NULL,
    mitigation TEXT,
    owner TEXT,
    PRIMARY KEY (meeting_number, pos)
);

CREATE TABLE decisions (
    {_CHILD},
    pos INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (meeting_number, pos)
);

CREATE TABLE deadlines (
    id INTEGER PRIMARY KEY,
    {_CHILD},
    kind TEXT NOT NULL,
    key TEXT NOT NULL DEFAULT '',
    due_utc TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'cancelled')),
    fired_utc TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    UNIQUE (meeting_number, kind, key)
);
CREATE INDEX deadlines_due ON deadlines(state, due_utc);

CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL UNIQUE,
    raw BLOB NOT NULL,
    received_utc TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new'
        CHECK (state IN ('new', 'applied', 'ignored', 'quarantined')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    message_id TEXT,
    sender TEXT,
    kind TEXT,
    meeting_number INTEGER,
    applied_utc TEXT
);
CREATE INDEX inbox_state ON inbox(state, id);
CREATE INDEX inbox_message_id ON inbox(message_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL UNIQUE,
    meeting_number INTEGER,
    kind TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    raw BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_utc TEXT NOT NULL,
    error TEXT,
    created_utc TEXT NOT NULL,
    sent_utc TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_utc);
CREATE INDEX outbox_meeting ON outbox(meeting_number, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at_utc TEXT NOT NULL,
    meeting_number INTEGER,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX events_meeting ON events(meeting_number, at_utc);
"""


@MIGRATIONS(name="0001_initial")
def m0001_initial(db: Database) -> None:
    """Every table of the first release."""
    db.executescript(SCHEMA_0001)


@MIGRATIONS(name="0002_topic_decision")
def m0002_topic_decision(db: Database) -> None:
    """The host's decision on a late topic (``Topic.decision``: included | excluded)."""
    db.execute("ALTER TABLE topics ADD COLUMN decision TEXT")


@MIGRATIONS(name="0003_outbox_claimed")
def m0003_outbox_claimed(db: Database) -> None:
    """When a mail was last claimed for sending (``outbox.claimed_utc``, UTC; NULL before).

    Settling a mail left ``sending`` waits for its claim to be old enough when the sink
    cannot tell whether it was delivered (``daemon.outbound.outbox.settle_stuck``).
    """
    db.execute("ALTER TABLE outbox ADD COLUMN claimed_utc TEXT")


@MIGRATIONS(name="0004_calendar_intents")
def m0004_calendar_intents(db: Database) -> None:
    """Calendar intents and the transports' own state.

    ``outbox.intent``: for a calendar intent (invite, update, cancel), the JSON
    ``daemon.transports.calendar.MeetingSnapshot`` the calendar backend applies (NULL for
    a plain mail). ``transport_state``: small JSON values a transport keeps between runs
    (iMIP's SEQUENCE per UID, a sync state, a delta link), by scope and key.
    ``meetings.sequence`` becomes ``meetings.revision``: the rules count the versions they
    publish; the calendar backend keeps its own SEQUENCE.
    """
    db.execute("ALTER TABLE outbox ADD COLUMN intent TEXT")
    db.execute(
        "CREATE TABLE transport_state (scope TEXT NOT NULL, key TEXT NOT NULL,"
        " value TEXT NOT NULL, updated_utc TEXT NOT NULL, PRIMARY KEY (scope, key))"
    )
    db.execute("ALTER TABLE meetings RENAME COLUMN sequence TO revision")


@MIGRATIONS(name="0005_questions")
def m0005_questions(db: Database) -> None:
    """What the daemon asked and waits to hear (``questions``), and which mail asked it
    (``outbox.question_id``): a reply to that mail is read as the answer."""
    db.execute(
        f"""
        CREATE TABLE questions (
            {_CHILD},
            pos INTEGER NOT NULL,
            id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            asked TEXT NOT NULL,
            about TEXT NOT NULL DEFAULT '',
            wanted TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL DEFAULT 'open',
            asked_utc TEXT,
            closed_utc TEXT,
            reason TEXT,
            reminders INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (meeting_number, pos),
            UNIQUE (meeting_number, id)
        )
        """
    )
    db.execute("ALTER TABLE outbox ADD COLUMN question_id INTEGER")


@MIGRATIONS(name="0006_hot_path_indexes")
def m0006_hot_path_indexes(db: Database) -> None:
    """Indexes for the hot paths at a company's scale (10,000 meetings, 350k mails).

    ``deadlines_meeting_pending``: a meeting's next pending deadline (``status``);
    ``meetings_status``: the meetings counted by status (``status``).
    ``outbox_recipients``: one row per envelope recipient of each queued mail, with its
    kind and queue time copied, so counting the notices sent to one address in the last day
    (the reply-loop guard) is an index range over (address, kind, time), not a
    ``json_each`` scan of the whole outbox (``outbox_recipients_time``: the last mail to an
    address, for the recipient gap);
    filled from ``outbox.recipients`` for the mails already queued. ``outbox_sent``: the
    mails sent in the last minute or day (the sending limits).
    """
    db.execute(
        "CREATE INDEX deadlines_meeting_pending ON deadlines(meeting_number, state, due_utc)"
    )
    db.execute("CREATE INDEX meetings_status ON meetings(status)")
    db.execute(
        "CREATE TABLE outbox_recipients ("
        " outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
        " address TEXT NOT NULL, kind TEXT NOT NULL, created_utc TEXT NOT NULL,"
        " PRIMARY KEY (address, kind, created_utc, outbox_id)) WITHOUT ROWID"
    )
    db.execute(
        "INSERT OR IGNORE INTO outbox_recipients (outbox_id, address, kind, created_utc)"
        " SELECT o.id, r.value, o.kind, o.created_utc"
        " FROM outbox AS o, json_each(o.recipients) AS r"
    )
    db.execute("CREATE INDEX outbox_recipients_mail ON outbox_recipients(outbox_id)")
    db.execute("CREATE INDEX outbox_recipients_time ON outbox_recipients(address, created_utc)")
    db.execute("CREATE INDEX outbox_sent ON outbox(sent_utc) WHERE sent_utc IS NOT NULL")


@MIGRATIONS(name="0007_dialogue")
def m0007_dialogue(db: Database) -> None:
    """Minutes carry a version and the time they went out; a meeting knows its review
    meeting (``review_number``, the review's own ``MTG-n``); the host's agenda edits give a
    topic its own time box and place (``topics.minutes``, ``topics.position``); the action
    items still without an owner are found by the partial index ``action_items_unowned``."""
    db.execute("ALTER TABLE meetings ADD COLUMN minutes_version INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE meetings ADD COLUMN minutes_distributed_utc TEXT")
    db.execute("ALTER TABLE meetings ADD COLUMN review_number INTEGER")
    db.execute("ALTER TABLE topics ADD COLUMN minutes INTEGER")
    db.execute("ALTER TABLE topics ADD COLUMN position INTEGER")
    db.execute(
        "UPDATE meetings SET minutes_version = 1, minutes_distributed_utc = minutes_received_utc"
        " WHERE minutes_received_utc IS NOT NULL"
    )
    db.execute(
        f"CREATE INDEX action_items_unowned ON action_items(meeting_number, k) WHERE {UNOWNED}"
    )


@MIGRATIONS(name="0008_uninvited")
def m0008_uninvited(db: Database) -> None:
    """People an attendee forwarded the invitation to (``uninvited``): recorded and told to
    the host, never invited (``daemon.domain.forwards``)."""
    db.execute(
        f"""
        CREATE TABLE uninvited (
            {_CHILD},
            pos INTEGER NOT NULL,
            address TEXT NOT NULL,
            forwarded_by TEXT NOT NULL,
            name TEXT,
            forwarded_utc TEXT,
            partstat TEXT NOT NULL DEFAULT 'NEEDS-ACTION',
            answered_utc TEXT,
            PRIMARY KEY (meeting_number, pos),
            UNIQUE (meeting_number, address)
        )
        """
    )


@MIGRATIONS(name="0009_outbox_drafts")
def m0009_outbox_drafts(db: Database) -> None:
    """Mail queued as a draft, composed when it is sent (``outbox.draft``).

    ``outbox.draft``: the rules' intent (``daemon.domain.effects.Outgoing``) and the mail's
    language as tagged JSON (``daemon.store.tagged``), NULL for a mail composed when it was
    queued. A draft's ``raw`` is empty and its ``subject`` blank until the dispatcher
    composes it (``daemon.outbound.outbox.dispatch``); the draft is kept, so a failed mail
    retried after a template fix is composed again.
    """
    db.execute("ALTER TABLE outbox ADD COLUMN draft TEXT")


def pending(db: Database) -> list[str]:
    """Names of the migrations not yet applied to ``db``, in order."""
    return [m.name for m in MIGRATIONS.pending(db)]


def apply(db: Database) -> list[str]:
    """Apply every pending migration; return the names applied (empty when up to date).

    Raises ``sqlite3.DatabaseError`` if a migration fails (its changes are rolled back).
    """
    names = pending(db)
    if names:
        MIGRATIONS.apply(db)
    return names
