"""The ``meetingd`` command line (click).

Verbs (public interface: extend, never rename): init, run, demo, inspect, status, approve,
reject, reschedule, cancel, actions, outbox, quarantine, check-config.

Configuration is found in this order: ``--config``, ``$MEETINGD_CONFIG``, ``./meetingd.toml``,
else the embedded default (Maildirs under ``./var``). Problems a person must fix are printed
as ``meetingd: <file>: [section] key: problem. Fix: …`` with exit code 2, never a traceback.

``meetingd --now "YYYY-MM-DD HH:MM" <verb>`` (or ``$MEETINGD_NOW``), a testing aid, starts the
daemon's clock at that instant (local time in ``[calendar] timezone`` unless an offset is
given); it then runs at real speed. Exit codes: 0 fine, 2 a problem a person must fix, 3 the
mail source refused us (e.g. its login).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from inspect import signature
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from daemon import clock
from daemon.cli.context import (
    NOW_ENV,
    apply_now,
    friendly,
    load_config,
    meeting_number,
    now_setting,
    parse_now,
    service_for,
    setup_logging,
)
from daemon.errors import PermanentError, UserError
from daemon.transports.base import REGISTRY, ROLES

if TYPE_CHECKING:  # the configuration module costs 20 ms at start: imported where used
    from daemon import config as config_mod

log = logging.getLogger("daemon.cli")

config_option = click.option(
    "--config", "-c", "config_file", metavar="FILE", help="Configuration file (TOML)."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="meetingd")
@click.option(
    "--now",
    envvar=NOW_ENV,
    metavar='"YYYY-MM-DD HH:MM"',
    help="Testing aid: start the clock at this local time (or ISO 8601 with an offset); "
    f"it then runs at real speed. Also ${NOW_ENV}. Never in production.",
)
@click.pass_context
@friendly
def main(ctx: click.Context, now: str | None) -> None:
    """meetingd runs cross-department coordination meetings (部门沟通协调会) over email."""
    if now is None:
        return
    from_env = ctx.get_parameter_source("now") is click.core.ParameterSource.ENVIRONMENT
    source = NOW_ENV if from_env else "--now"
    parse_now(now, source, dt.UTC)  # a malformed value fails before any verb runs
    ctx.meta["meetingd.now"] = (now, source)


@main.command()
@click.option("--dir", "directory", default=".", show_default=True, help="Where to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing meetingd.toml.")
@friendly
def init(directory: str, force: bool) -> None:
    """Write meetingd.toml (every key with its default) and the Maildirs."""
    base = Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    target = base / "meetingd.toml"
    if target.exists() and not force:
        raise UserError(f"{target}: already exists. Fix: edit it, or pass --force.")
    from daemon import config as config_mod

    target.write_text(config_mod.example_toml(), encoding="utf-8")
    cfg = config_mod.load(target)
    _init_folders(cfg)
    click.echo(f"wrote {target}; mail goes through {cfg.var_dir}/inbox and {cfg.var_dir}/outbox")


def _init_folders(cfg: config_mod.Config) -> None:
    """Create every folder ``cfg`` writes to: ``var_dir``, the materials folder and, when the
    maildir transport is used, its inbox, processed and outbox Maildirs (new/cur/tmp).

    Raises:
        UserError: a folder cannot be created (names the file, the key and the fix).
    """
    from daemon import config as config_mod

    config_mod.ensure_var_dir(cfg)
    try:
        cfg.materials_dir.mkdir(parents=True, exist_ok=True)
        if "maildir" in (cfg.get("transport", "source"), cfg.get("transport", "sink")):
            from daemon.transports import maildir

            maildir.create(cfg.transports.get("maildir", {}), cfg.var_dir).close()
    except OSError as exc:
        raise UserError(
            f"{cfg.path}: [transport.maildir]: cannot create {exc.filename} "
            f"({exc.strerror or exc}). Fix: use folders meetingd may write to."
        ) from None


@main.command(name="check-config")
@config_option
@friendly
def check_config(config_file: str | None) -> None:
    """Check the configuration and report every problem at once; then try the servers of
    the transports that can be tried (EWS), one line per failure."""
    cfg = load_config(config_file, check=True)
    problems = probe_transports(cfg)
    if problems:
        where = cfg.path or "<embedded default>"
        raise UserError([f"{where}: {problem}" for problem in problems])
    click.echo(f"{cfg.path or '<embedded default>'}: OK")


@main.command()
@config_option
@click.option("--once", is_flag=True, help="One pass (mail in, deadlines, mail out), then exit.")
@friendly
def run(config_file: str | None, once: bool) -> None:
    """Run the daemon (unattended), or one pass with --once."""
    service = service_for(config_file, daemon=True)
    if once:
        try:
            report = service.run_once()
        except PermanentError as exc:
            log.error("mail source refused us: %s; stopping", exc)
            click.echo(f"meetingd: the mail source refused us: {exc}", err=True)
            sys.exit(3)
        finally:
            service.close()
        click.echo(
            f"fetched {report.fetched}, processed {report.processed}, quarantined "
            f"{report.quarantined}, deadlines fired {report.fired}, sent {report.sent}, "
            f"failed {report.failed}"
        )
        return
    from daemon.runner import run_forever

    sys.exit(run_forever(service))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON line per file (the contract).")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@friendly
def inspect(as_json: bool, files: tuple[str, ...]) -> None:
    """Show what the parser understands of raw email FILES (no config, no database).

    Without --json: a readable summary of each file. A missing or unreadable file is
    reported on stderr and the others are still shown; the exit code is then 2 (with
    --json its JSON line is still printed, so there is one line per file).
    """
    from daemon import config as config_mod
    from daemon.cli.inspect_view import summary_lines
    from daemon.inbound.inspect import inspect_bytes, inspect_path

    setup_logging("WARNING")
    apply_now(config_mod.load(None).tz)
    failed = shown = False
    now = clock.now()
    for path in files:
        raw, problem = _read_mail(path)
        if problem:
            click.echo(f"meetingd: {problem}", err=True)
            failed = True
        if as_json:
            insp = inspect_path(path, now=now) if raw is None else inspect_bytes(raw, path, now=now)
            click.echo(json.dumps(insp.to_json(), ensure_ascii=False))
        elif raw is not None:
            insp = inspect_bytes(raw, path, now=now)
            click.echo(("\n" if shown else "") + "\n".join(summary_lines(insp)))
            shown = True
    if failed:
        sys.exit(2)


def _read_mail(path: str) -> tuple[bytes | None, str | None]:
    """``(bytes, None)`` of the file ``path``, or ``(None, problem: "FILE: … Fix: …")``."""
    try:
        return Path(path).read_bytes(), None
    except FileNotFoundError:
        return None, f"{path}: no such file. Fix: check the path (a saved .eml file)."
    except IsADirectoryError:
        return None, f"{path}: is a folder. Fix: give the mail files in it, e.g. {path}/*.eml."
    except OSError as exc:
        return None, f"{path}: cannot be read ({exc.strerror or exc}). Fix: check its permissions."


@main.command()
@config_option
@click.option("--all", "everything", is_flag=True, help="List every meeting, finished ones too.")
@click.option(
    "--meeting", "ref", metavar="REF", help="Only meeting REF (MTG-n), with its deadlines."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Open meetings listed without --all.",
)
@friendly
def status(config_file: str | None, everything: bool, ref: str | None, limit: int) -> None:
    """Meetings, their state and what happens next: counts, then the open meetings (the
    first --limit), the inbox and the outgoing queue."""
    from daemon.cli.context import database_for, parse_ref
    from daemon.cli.status_view import status_lines

    cfg, db = database_for(config_file)
    number = parse_ref(ref) if ref else None
    try:
        for line in status_lines(
            db, cfg.tz, clock.now(), everything=everything, number=number, limit=limit
        ):
            click.echo(line)
    except KeyError:
        raise UserError(f"no meeting MTG-{number}. Fix: see `meetingd status --all`.") from None
    finally:
        db.close()


def _command(verb: str, ref: str, config_file: str | None, **kw: Any) -> None:
    from daemon.domain.events import Command
    from daemon.errors import CommandRefused

    service = service_for(config_file)
    number = meeting_number(service, ref)
    try:
        effects = service.command(number, Command(verb, actor="operator", **kw))  # type: ignore[arg-type]
    except CommandRefused as exc:
        # The rules usually name the meeting already ("MTG-2 is cancelled"): say it once.
        text = str(exc).rstrip(".")
        name = f"MTG-{number}"
        raise UserError(f"{text}." if text.startswith(name) else f"{name}: {text}.") from None
    service.dispatch()
    for line in effects.log:
        click.echo(line)
    service.close()


@main.command()
@config_option
@click.argument("ref")
@friendly
def approve(config_file: str | None, ref: str) -> None:
    """Approve meeting REF (MTG-n) as the host would by reply."""
    _command("approve", ref, config_file)


@main.command()
@config_option
@click.argument("ref")
@click.option("--reason", help="Told to the requester.")
@friendly
def reject(config_file: str | None, ref: str, reason: str | None) -> None:
    """Reject meeting REF."""
    _command("reject", ref, config_file, reason=reason)


@main.command()
@config_option
@click.argument("ref")
@click.option("--start", required=True, help='New local start, e.g. "2026-12-10 14:00".')
@click.option("--minutes", type=int, help="New length in minutes (default: unchanged).")
@click.option("--reason", help="Shown to the attendees.")
@friendly
def reschedule(
    config_file: str | None, ref: str, start: str, minutes: int | None, reason: str | None
) -> None:
    """Move meeting REF: invite update (SEQUENCE+1), RSVPs reset, deadlines re-derived."""
    cfg = load_config(config_file)
    try:
        local = dt.datetime.fromisoformat(start)
    except ValueError:
        raise UserError(
            f'--start {start!r}: not a date and time. Fix: "2026-12-10 14:00".'
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=cfg.tz)
    end = local + dt.timedelta(minutes=minutes) if minutes else None
    _command("reschedule", ref, config_file, start=local, end=end, reason=reason)


@main.command()
@config_option
@click.argument("ref")
@click.option("--reason", help="Shown to the attendees.")
@friendly
def cancel(config_file: str | None, ref: str, reason: str | None) -> None:
    """Cancel meeting REF: iTIP CANCEL to everyone, every pending deadline stopped."""
    _command("cancel", ref, config_file, reason=reason)


@main.command()
@config_option
@click.argument("ref")
@click.option("--drop", "drops", type=int, multiple=True, help="Drop topic N.")
@click.option("--time", "times", multiple=True, help="Give topic N a time box: N=MINUTES.")
@click.option("--move", "moves", multiple=True, help="Move topic N to place P: N=P.")
@click.option("--add", "adds", multiple=True, help='Add a topic: "TITLE" or "TITLE=MINUTES".')
@friendly
def agenda(
    config_file: str | None,
    ref: str,
    drops: tuple[int, ...],
    times: tuple[str, ...],
    moves: tuple[str, ...],
    adds: tuple[str, ...],
) -> None:
    """Change meeting REF's agenda as the host would by reply, as one change: drop, retime,
    reorder or add topics (numbers as in the agenda mail). Once the agenda went out,
    everyone gets one invite update."""
    from daemon.domain.messages import AgendaEdit

    edits = [AgendaEdit("drop", n=n) for n in drops]
    edits += [AgendaEdit("time", n=n, minutes=v) for n, v in _pairs("--time", times)]
    edits += [AgendaEdit("move", n=n, to=v) for n, v in _pairs("--move", moves)]
    for text in adds:
        title, _, minutes = text.rpartition("=") if "=" in text else (text, "", "")
        if minutes and not minutes.strip().isdigit():
            raise UserError(f'--add {text!r}: the minutes after "=" must be a number.')
        edits.append(
            AgendaEdit("add", title=title.strip(), minutes=int(minutes) if minutes else None)
        )
    if not edits:
        raise UserError("no change given. Fix: use --drop, --time, --move or --add.")
    _command("agenda", ref, config_file, edits=tuple(edits))


def _pairs(option: str, values: tuple[str, ...]) -> list[tuple[int, int]]:
    """``("3=30",)`` → ``[(3, 30)]``; a malformed value is a :class:`UserError`."""
    out = []
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left.strip().isdigit() or not right.strip().isdigit():
            raise UserError(f"{option} {value!r}: not N=NUMBER. Fix: e.g. {option} 3=30.")
        out.append((int(left), int(right)))
    return out


@main.command()
@config_option
@click.argument("item")
@click.argument("person")
@friendly
def assign(config_file: str | None, item: str, person: str) -> None:
    """Give action item ITEM (MTG-n/A-k) its owner PERSON: an address, a name the
    directory knows, or a department (its head). The owner is told at once."""
    ref, _, k = item.upper().partition("/A-")
    if not k.isdigit():
        raise UserError(f"{item!r}: not an action item. Fix: write it as MTG-3/A-2.")
    _command("assign", ref, config_file, action_k=int(k), owner=person)


@main.command()
@config_option
@click.argument("ref", required=False)
@friendly
def actions(config_file: str | None, ref: str | None) -> None:
    """Action items with owner, due date and status."""
    from daemon.cli.views import action_lines

    service = service_for(config_file)
    for line in action_lines(service, meeting_number(service, ref) if ref else None):
        click.echo(line)


@main.command()
@config_option
@click.option("--state", type=click.Choice(["queued", "sending", "sent", "failed"]))
@click.option("--retry", "retry_id", type=int, help="Send this failed mail again.")
@friendly
def outbox(config_file: str | None, state: str | None, retry_id: int | None) -> None:
    """Outgoing mail and its state (failed ones with the reason); --retry ID sends a failed
    one again (after fixing the cause)."""
    from daemon.cli.views import outbox_lines
    from daemon.store import queries

    service = service_for(config_file)
    if retry_id is not None:
        if not queries.outbox_retry_failed(service.db, retry_id, clock.now()):
            raise UserError(
                f"outbox {retry_id} is not failed. Fix: see `meetingd outbox --state failed`."
            )
        click.echo(f"outbox {retry_id} will be sent again on the next pass")
        return
    for line in outbox_lines(service, state):
        click.echo(line)


@main.command()
@config_option
@click.option("--replay", "replay_id", type=int, help="Process this inbox message again.")
@friendly
def quarantine(config_file: str | None, replay_id: int | None) -> None:
    """Messages that could not be processed, with the reason; --replay ID retries one."""
    from daemon.cli.views import quarantine_lines
    from daemon.store import queries

    service = service_for(config_file)
    if replay_id is not None:
        if not queries.inbox_replay(service.db, replay_id):
            raise UserError(
                f"inbox {replay_id} is not quarantined. Fix: see `meetingd quarantine`."
            )
        click.echo(f"inbox {replay_id} will be processed again on the next pass")
        return
    for line in quarantine_lines(service):
        click.echo(line)


@main.command()
@click.option("--workdir", required=True, type=click.Path(), help="Folder to create and use.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--meeting-date", help="YYYY-MM-DD (default: the 10th working day from today).")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
@friendly
def demo(workdir: str, lang: str, meeting_date: str | None, quiet: bool) -> None:
    """Run the whole process on a simulated clock in WORKDIR and print its timeline."""
    from daemon.demo import run_demo

    setting = now_setting()
    if setting:
        click.echo(
            f"meetingd: {setting[1]} is ignored by demo: it runs its own simulated clock "
            "(choose the day with --meeting-date)",
            err=True,
        )
    day = None
    if meeting_date:
        try:
            day = dt.date.fromisoformat(meeting_date)
        except ValueError:
            raise UserError(
                f"--meeting-date {meeting_date!r}: Fix: write it as YYYY-MM-DD."
            ) from None
    sys.exit(run_demo(Path(workdir), lang, day, echo=click.echo, quiet=quiet))


if __name__ == "__main__":
    main()


def probe_transports(cfg: config_mod.Config) -> list[str]:
    """One line per configured transport whose ``probe`` found a problem (the transports
    without a probe are not tried). A probe that takes the keywords ``var_dir`` (the daemon's
    var directory) or ``roles`` (the roles it is configured for) is given them."""
    problems = []
    roles: dict[str, list[str]] = {}
    for role in ROLES:
        roles.setdefault(str(cfg.get("transport", role)), []).append(role)
    for name, taken in roles.items():
        probe = getattr(REGISTRY[name].load(), "probe", None)
        if probe is None:
            continue
        wanted = signature(probe).parameters  # var_dir, roles: for the probes that ask
        context = {"var_dir": cfg.var_dir, "roles": taken}
        extra = {key: value for key, value in context.items() if key in wanted}
        problem = probe(cfg.transports.get(name, {}), **extra)
        if problem:
            problems.append(problem)
    return problems
