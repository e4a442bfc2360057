"""Smoke tests of the fake Graph + token endpoint, driven by REAL msal and httpx over TLS.

They pin down what the Graph transport will rely on: how msal is pointed at the fake
authority and CA, AAD's error codes, delta paging, Message-ID keeping, events with
extended properties, responses, faults, token expiry and the per-mailbox concurrency count.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
import msal
import pytest
import trustme

from daemon.transports.oauth.entra import MsalHttp
from tests.transports.fake_graph.fixture import graph_server
from tests.transports.fake_graph.server import GraphServer
from tests.transports.fake_graph.tokens import jwt_claims

__all__ = ["graph_server"]  # the fixture, re-exported so pytest finds it here

EXT_ID = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name meetingd_idem"
ORGANIZER = "meetingd@contoso.test"


# -- helpers ------------------------------------------------------------------------------

_open_clients: list[httpx.Client] = []


def _client(server: GraphServer, **kw: Any) -> httpx.Client:
    """An httpx client trusting the test CA, closed after the test."""
    client = httpx.Client(verify=server.client_ssl_context(), **kw)
    _open_clients.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open_clients:
        _open_clients.pop().close()


def _app(server: GraphServer, **overrides: Any) -> msal.ConfidentialClientApplication:
    """The msal arguments the transport needs: authority, httpx client with the test CA,
    instance discovery off."""
    options: dict[str, Any] = {
        "client_id": server.client_id,
        "client_credential": server.client_secret,
        "authority": server.authority,
        "http_client": _client(server),
        "instance_discovery": False,
    }
    options.update(overrides)
    return msal.ConfidentialClientApplication(**options)


def _token(server: GraphServer) -> str:
    result = _app(server).acquire_token_for_client(scopes=[server.graph_scope])
    assert "access_token" in result, result
    return str(result["access_token"])


@pytest.fixture
def graph(graph_server: GraphServer) -> Iterator[httpx.Client]:
    """An httpx client on Graph's base URL with an app token from msal."""
    token = _token(graph_server)
    with httpx.Client(
        base_url=graph_server.base_url,
        verify=graph_server.client_ssl_context(),
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


def _mime(n: int, sender: str = "li.lei@example.test", to: str = ORGANIZER) -> bytes:
    return (
        f"From: Li Lei <{sender}>\r\nTo: {to}\r\nSubject: topic {n}\r\n"
        f"Message-ID: <m{n}@example.test>\r\nDate: Mon, 06 May 2024 09:00:00 +0000\r\n"
        f"\r\nbody {n}\r\n"
    ).encode()


def _delta_round(client: httpx.Client, url: str, **kw: Any) -> tuple[list[dict[str, Any]], str]:
    """Follow nextLinks to the deltaLink; returns (items, deltaLink)."""
    items: list[dict[str, Any]] = []
    while True:
        page = client.get(url, **kw)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["value"]
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return items, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def _inbox_delta(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/users/{ORGANIZER}/mailFolders/inbox/messages/delta" + (f"?{query}" if query else "")


def _event_body(**extra: Any) -> dict[str, Any]:
    return {
        "subject": "Coordination meeting",
        "body": {"contentType": "text", "content": "Agenda"},
        "start": {"dateTime": "2024-05-07T10:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2024-05-07T11:00:00", "timeZone": "Europe/Berlin"},
        "location": {"displayName": "Room 1"},
        "attendees": [
            {"type": "required", "emailAddress": {"address": "li.lei@example.test", "name": "Li"}},
            {"type": "optional", "emailAddress": {"address": "han.mei@example.test"}},
            {"type": "resource", "emailAddress": {"address": "room1@contoso.test"}},
        ],
        "singleValueExtendedProperties": [{"id": EXT_ID, "value": "idem-1"}],
        **extra,
    }


# -- tokens -------------------------------------------------------------------------------


def test_msal_client_secret_gets_a_graph_token(graph_server: GraphServer) -> None:
    result = _app(graph_server).acquire_token_for_client(scopes=[graph_server.graph_scope])

    assert result["token_type"] == "Bearer"
    assert result["expires_in"] == graph_server.tokens.config.expires_in
    claims = jwt_claims(result["access_token"])
    assert claims["roles"] == ["Calendars.ReadWrite", "Mail.ReadWrite", "Mail.Send"]
    assert claims["tid"] == graph_server.tenant_id
    assert [(r.method, r.path.split("/", 2)[2]) for r in graph_server.requests] == [
        ("GET", "v2.0/.well-known/openid-configuration"),
        ("POST", "oauth2/v2.0/token"),
    ]


def test_msal_default_instance_discovery_would_leave_loopback(
    graph_server: GraphServer,
) -> None:
    """Why the transport must pass ``instance_discovery=False`` for a custom authority."""
    seen: list[str] = []
    inner = _client(graph_server)

    class Guard:
        def get(self, url: str, **kw: Any) -> httpx.Response:
            seen.append(url)
            if urlsplit(url).hostname != "127.0.0.1":
                raise ConnectionError(f"refused to leave loopback: {url}")
            return inner.get(url, **kw)

        def post(self, url: str, **kw: Any) -> httpx.Response:
            return inner.post(url, **kw)

    with pytest.raises(ConnectionError):
        msal.ConfidentialClientApplication(
            graph_server.client_id,
            client_credential=graph_server.client_secret,
            authority=graph_server.authority,
            http_client=Guard(),
        )
    assert urlsplit(seen[0]).hostname == "login.microsoftonline.com"


TOKEN_ERRORS = [
    # (msal overrides, token endpoint config, AADSTS code, OAuth error)
    ({"client_id": "0d6b3b5e-0000-4000-8000-000000000000"}, {}, 700016, "unauthorized_client"),
    ({"client_credential": "the-secret-id-not-its-value"}, {}, 7000215, "invalid_client"),
    ({}, {"admin_consent": False}, 65001, "invalid_grant"),
]


@pytest.mark.parametrize(
    ("overrides", "config", "code", "error"),
    TOKEN_ERRORS,
    ids=["wrong-client-id", "bad-secret", "no-admin-consent"],
)
def test_msal_token_errors_carry_aadsts_codes(
    graph_server: GraphServer,
    overrides: dict[str, Any],
    config: dict[str, Any],
    code: int,
    error: str,
) -> None:
    for name, value in config.items():
        setattr(graph_server.tokens.config, name, value)

    result = _app(graph_server, **overrides).acquire_token_for_client(
        scopes=[graph_server.graph_scope]
    )

    assert result["error"] == error
    assert result["error_codes"] == [code]
    assert result["error_description"].startswith(f"AADSTS{code}: ")


def test_scope_without_default_suffix_is_aadsts1002012(
    graph_server: GraphServer,
) -> None:
    result = _app(graph_server).acquire_token_for_client(
        scopes=["https://graph.microsoft.com/Mail.Read"]
    )
    assert result["error_codes"] == [1002012]


def test_wrong_tenant_is_aadsts90002(graph_server: GraphServer) -> None:
    """msal fails in the constructor (tenant discovery); the AAD body is in the cause."""
    wrong = f"{graph_server.origin}/contoso-typo.onmicrosoft.com"
    with pytest.raises(ValueError) as caught:
        _app(graph_server, authority=wrong)
    assert "AADSTS90002" in str(caught.value.__context__)
    with _client(graph_server) as client:
        answer = client.post(
            f"{wrong}/oauth2/v2.0/token",
            data={"grant_type": "client_credentials", "client_id": graph_server.client_id},
        )
    assert answer.status_code == 400
    assert answer.json()["error_codes"] == [90002]


def test_certificate_credential_is_accepted_by_claims(graph_server: GraphServer) -> None:
    cert = trustme.CA().issue_cert("meetingd-app", key_type=trustme.KeyType.RSA)
    credential = {
        "private_key": cert.private_key_pem.bytes().decode(),
        "public_certificate": cert.cert_chain_pems[0].bytes().decode(),
    }
    scopes = [graph_server.graph_scope]
    plain = _client(graph_server)
    wrapped = MsalHttp(_client(graph_server))

    broken = _app(graph_server, client_credential=credential, http_client=plain)
    app = _app(graph_server, client_credential=credential, http_client=wrapped)

    assert broken.acquire_token_for_client(scopes=scopes)["error_codes"] == [50027]
    assert "access_token" in app.acquire_token_for_client(scopes=scopes)
    graph_server.tokens.config.certificate_thumbprints = {"not-this-one"}
    refused = _app(graph_server, client_credential=credential, http_client=wrapped)
    assert refused.acquire_token_for_client(scopes=scopes)["error_codes"] == [700027]


def test_token_endpoint_faults_as_msal_sees_them(graph_server: GraphServer) -> None:
    """429 comes back as a result with AADSTS90055; any 5xx makes msal raise. msal then
    replays either one (Retry-After, else 5 s) without asking the server again."""
    graph_server.inject("*/token", "429", retry_after=30)
    app = _app(graph_server)
    scopes = [graph_server.graph_scope]

    assert app.acquire_token_for_client(scopes=scopes)["error_codes"] == [90055]
    assert app.acquire_token_for_client(scopes=scopes)["error_codes"] == [90055]
    assert len([r for r in graph_server.requests if r.path.endswith("/token")]) == 1

    graph_server.inject("*/token", "503")
    with pytest.raises(msal.exceptions.MsalServiceError):
        _app(graph_server).acquire_token_for_client(scopes=scopes)


def test_device_code_flow_then_refresh(graph_server: GraphServer) -> None:
    cfg = graph_server.tokens.config
    cfg.device_interval, cfg.device_pending_polls, cfg.expires_in = 0, 2, 120
    app = msal.PublicClientApplication(
        graph_server.client_id,
        authority=graph_server.authority,
        http_client=_client(graph_server),
        instance_discovery=False,
    )
    scopes = ["https://graph.microsoft.com/Mail.ReadWrite"]
    flow = app.initiate_device_flow(scopes=scopes)
    assert flow["user_code"] and "devicelogin" in flow["verification_uri"]

    result = app.acquire_token_by_device_flow(flow)

    assert jwt_claims(result["access_token"])["scp"] == "Mail.ReadWrite"
    polls = [g for g, _ in graph_server.tokens.requests if g.endswith("device_code")]
    assert len(polls) == 3  # two authorization_pending, then the token
    with _client(graph_server) as client:
        me = client.get(
            f"{graph_server.base_url}/me/mailFolders/inbox",
            headers={"Authorization": f"Bearer {result['access_token']}"},
        )
    assert me.status_code == 200 and me.json()["displayName"] == "Inbox"
    # Under five minutes left: msal refreshes instead of serving its cache.
    again = app.acquire_token_silent(scopes, account=app.get_accounts()[0])
    assert again and again["access_token"] != result["access_token"]
    assert graph_server.tokens.requests[-1][0] == "refresh_token"


# -- mail ---------------------------------------------------------------------------------


def test_inbox_delta_pages_then_reports_new_and_moved_mail(
    graph_server: GraphServer,
    graph: httpx.Client,
) -> None:
    state = graph_server.state
    for n in range(23):
        state.deliver_mime(_mime(n))
    prefer = {"Prefer": "odata.maxpagesize=10"}

    items, delta_link = _delta_round(
        graph, _inbox_delta(**{"$select": "subject,internetMessageId"}), headers=prefer
    )

    assert [i["subject"] for i in items] == [f"topic {n}" for n in range(23)]
    assert set(items[0]) == {"@odata.type", "@odata.etag", "id", "subject", "internetMessageId"}
    assert "$deltatoken=" in delta_link
    pages = [r for r in graph_server.requests if r.path.endswith("/delta")]
    assert len(pages) == 3

    state.deliver_mime(_mime(99))
    moved = graph.post(
        f"/users/{ORGANIZER}/messages/{items[0]['id']}/move", json={"destinationId": "archive"}
    )
    assert moved.status_code == 201 and moved.json()["id"] != items[0]["id"]
    changes, next_link = _delta_round(graph, delta_link)

    assert changes[0] == {
        "@odata.type": "#microsoft.graph.message",
        "id": items[0]["id"],
        "@removed": {"reason": "deleted"},
    }
    assert [c["subject"] for c in changes[1:]] == ["topic 99"]
    assert set(changes[1]) >= {"subject", "internetMessageId"}  # $select kept by the link
    assert _delta_round(graph, next_link)[0] == []


def test_stale_delta_link_answers_410(graph_server: GraphServer, graph: httpx.Client) -> None:
    _, delta_link = _delta_round(graph, _inbox_delta())
    graph_server.state.expire_delta_links()

    gone = graph.get(delta_link)

    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "syncStateNotFound"
    assert _delta_round(graph, _inbox_delta())[1]  # a new initial round works


def test_processed_folder_move_and_mime(graph_server: GraphServer, graph: httpx.Client) -> None:
    raw = _mime(1)
    message = graph_server.state.deliver_mime(raw)
    children = f"/users/{ORGANIZER}/mailFolders/inbox/childFolders"
    lookup = {"$filter": "displayName eq 'processed'"}

    assert graph.get(children, params=lookup).json()["value"] == []
    created = graph.post(children, json={"displayName": "processed"})
    assert created.status_code == 201
    assert graph.post(children, json={"displayName": "processed"}).status_code == 409
    [found] = graph.get(children, params=lookup).json()["value"]
    assert found["id"] == created.json()["id"]

    assert graph.get(f"/users/{ORGANIZER}/messages/{message.id}/$value").content == raw
    moved = graph.post(
        f"/users/{ORGANIZER}/messages/{message.id}/move", json={"destinationId": found["id"]}
    ).json()
    assert moved["parentFolderId"] == found["id"] and moved["id"] != message.id
    assert graph.get(f"/users/{ORGANIZER}/messages/{message.id}").status_code == 404
    assert graph.get(f"/users/{ORGANIZER}/messages/{moved['id']}/$value").content == raw


def test_send_mail_keeps_message_id_and_saves_a_copy(
    graph_server: GraphServer,
    graph: httpx.Client,
) -> None:
    raw = _mime(7, sender=ORGANIZER, to="li.lei@example.test").replace(
        b"<m7@example.test>", b"<agenda-7@meetingd.test>"
    )

    sent = graph.post(
        f"/users/{ORGANIZER}/sendMail",
        content=base64.b64encode(raw),
        headers={"Content-Type": "text/plain"},
    )

    assert sent.status_code == 202
    found = graph.get(
        f"/users/{ORGANIZER}/mailFolders/sentitems/messages",
        params={"$filter": "internetMessageId eq '<agenda-7@meetingd.test>'"},
    ).json()["value"]
    assert [m["internetMessageId"] for m in found] == ["<agenda-7@meetingd.test>"]
    assert graph.get(f"/users/{ORGANIZER}/messages/{found[0]['id']}/$value").content == raw
    assert graph_server.state.sent[0].internet_message_id == "<agenda-7@meetingd.test>"
    bad = graph.post(
        f"/users/{ORGANIZER}/sendMail", content=b"%%%", headers={"Content-Type": "text/plain"}
    )
    assert bad.json()["error"]["code"] == "ErrorMimeContentInvalidBase64String"


# -- calendar -----------------------------------------------------------------------------


def test_event_create_find_patch_cancel(graph_server: GraphServer, graph: httpx.Client) -> None:
    created = graph.post(f"/users/{ORGANIZER}/events", json=_event_body())
    assert created.status_code == 201
    event = created.json()
    assert {"id", "iCalUId", "changeKey"} <= set(event)
    assert event["start"] == {
        "dateTime": "2024-05-07T10:00:00.0000000",
        "timeZone": "Europe/Berlin",
    }
    assert [(a["type"], a["status"]["response"]) for a in event["attendees"]] == [
        ("required", "none"),
        ("optional", "none"),
        ("resource", "none"),
    ]
    found = graph.get(
        f"/users/{ORGANIZER}/events",
        params={
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{EXT_ID}' "
            "and ep/value eq 'idem-1')",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{EXT_ID}')",
        },
    ).json()["value"]
    assert [e["id"] for e in found] == [event["id"]]
    assert found[0]["singleValueExtendedProperties"] == [{"id": EXT_ID, "value": "idem-1"}]

    url = f"/users/{ORGANIZER}/events/{event['id']}"
    assert graph.get(url).json()["start"] == {  # read back in UTC unless Prefer says otherwise
        "dateTime": "2024-05-07T08:00:00.0000000",
        "timeZone": "UTC",
    }
    attendees = [*event["attendees"], {"emailAddress": {"address": "new@example.test"}}]
    patched = graph.patch(url, json={"attendees": attendees}).json()
    assert patched["changeKey"] != event["changeKey"]
    graph.patch(url, json={"location": {"displayName": "Room 2"}})
    assert graph.post(f"{url}/cancel", json={"comment": "moved online"}).status_code == 202

    everyone = ("li.lei@example.test", "han.mei@example.test", "room1@contoso.test")
    assert [(n.kind, n.recipients, n.comment) for n in graph_server.state.notifications] == [
        ("request", everyone, None),
        ("request", ("new@example.test",), None),
        ("update", (*everyone, "new@example.test"), None),
        ("cancel", (*everyone, "new@example.test"), "moved online"),
    ]
    assert graph.get(url).json()["isCancelled"] is True
    assert graph.get(f"/users/{ORGANIZER}/events").json()["value"] == []


def test_respond_updates_event_and_delivers_event_message_response(
    graph_server: GraphServer,
    graph: httpx.Client,
) -> None:
    event = graph.post(f"/users/{ORGANIZER}/events", json=_event_body()).json()
    _, delta_link = _delta_round(graph, _inbox_delta())
    state = graph_server.state

    state.respond("idem-1", "li.lei@example.test", "accepted")
    state.respond(
        event["id"],
        "han.mei@example.test",
        "tentativelyAccepted",
        comment="later?",
        proposed_start="2024-05-07T12:00:00+00:00",
        proposed_end="2024-05-07T13:00:00+00:00",
    )

    attendees = graph.get(f"/users/{ORGANIZER}/events/{event['id']}").json()["attendees"]
    assert [a["status"]["response"] for a in attendees] == [
        "accepted",
        "tentativelyAccepted",
        "none",
    ]
    changes, _ = _delta_round(graph, delta_link)
    assert [(c["@odata.type"], c["meetingMessageType"], c["responseType"]) for c in changes] == [
        ("#microsoft.graph.eventMessageResponse", "meetingAccepted", "accepted"),
        (
            "#microsoft.graph.eventMessageResponse",
            "meetingTenativelyAccepted",
            "tentativelyAccepted",
        ),
    ]
    assert changes[1]["proposedNewTime"]["start"]["dateTime"].startswith("2024-05-07T12:00:00")
    assert changes[1]["event@odata.navigationLink"].endswith(f"/events('{event['id']}')")
    linked = graph.get(changes[1]["event@odata.navigationLink"])
    assert linked.json()["id"] == event["id"]
    mime = graph.get(f"/users/{ORGANIZER}/messages/{changes[1]['id']}/$value").text
    assert "METHOD:COUNTER" in mime and "PARTSTAT=TENTATIVE" in mime


# -- faults, expiry, policy, concurrency ---------------------------------------------------


def test_injected_429_is_returned_with_retry_after(
    graph_server: GraphServer,
    graph: httpx.Client,
) -> None:
    graph_server.inject("*/messages/delta", "429", times=2, retry_after=7)

    answers = [graph.get(_inbox_delta()) for _ in range(3)]

    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert answers[0].json()["error"]["code"] == "TooManyRequests"


@pytest.mark.parametrize(
    ("fault", "retry_after", "status"),
    [("503", None, 503), ("503", 2, 503), ("410", None, 410), ("401", None, 401)],
)
def test_other_injected_faults(
    graph_server: GraphServer,
    graph: httpx.Client,
    fault: Any,
    retry_after: int | None,
    status: int,
) -> None:
    graph_server.inject("/v1.0/*", fault, retry_after=retry_after)

    answer = graph.get(_inbox_delta())

    assert answer.status_code == status
    assert answer.headers.get("Retry-After") == (None if retry_after is None else str(retry_after))
    assert graph.get(_inbox_delta()).status_code == 200


def test_dropped_connection(graph_server: GraphServer, graph: httpx.Client) -> None:
    graph_server.inject("GET /v1.0/*", "drop")

    with pytest.raises(httpx.RemoteProtocolError):
        graph.get(_inbox_delta())
    assert graph.get(_inbox_delta()).status_code == 200


def test_expired_and_unknown_tokens_answer_401(graph_server: GraphServer) -> None:
    graph_server.tokens.config.expires_in = 60
    token = _token(graph_server)
    with httpx.Client(
        base_url=graph_server.base_url, verify=graph_server.client_ssl_context()
    ) as client:
        inbox = f"/users/{ORGANIZER}/mailFolders/inbox"
        assert client.get(inbox, headers={"Authorization": f"Bearer {token}"}).status_code == 200

        graph_server.tokens.advance(61)
        expired = client.get(inbox, headers={"Authorization": f"Bearer {token}"})
        unknown = client.get(inbox, headers={"Authorization": "Bearer not-issued-here"})

    assert expired.status_code == unknown.status_code == 401
    assert expired.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "expired" in expired.json()["error"]["message"]
    assert expired.headers["WWW-Authenticate"].startswith("Bearer")


def test_access_policy_and_missing_role(graph_server: GraphServer) -> None:
    state = graph_server.state
    state.add_mailbox("ceo@contoso.test")
    state.allowed_mailboxes = {ORGANIZER}
    graph_server.tokens.config.roles = {"Mail.ReadWrite", "Calendars.ReadWrite"}
    token = _token(graph_server)
    with httpx.Client(
        base_url=graph_server.base_url,
        verify=graph_server.client_ssl_context(),
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        outside = client.get("/users/ceo@contoso.test/mailFolders/inbox")
        send = client.post(
            f"/users/{ORGANIZER}/sendMail",
            content=base64.b64encode(_mime(1)),
            headers={"Content-Type": "text/plain"},
        )
        nobody = client.get("/users/nobody@contoso.test/mailFolders/inbox")
        inside = client.get(f"/users/{ORGANIZER}/mailFolders/inbox")

    assert outside.status_code == 403
    assert outside.json()["error"]["code"] == "ErrorAccessDenied"
    assert "AccessPolicy" in outside.json()["error"]["message"]
    assert send.status_code == 403
    assert send.json()["error"]["code"] == "Authorization_RequestDenied"
    assert nobody.json()["error"]["code"] == "ErrorInvalidUser"
    assert inside.status_code == 200
    assert "Mail.Send" not in jwt_claims(token)["roles"]


@pytest.mark.parametrize("workers", [6, 4])
def test_concurrency_counter_records_the_peak_per_mailbox(
    graph_server: GraphServer,
    graph: httpx.Client,
    workers: int,
) -> None:
    graph_server.inject("/v1.0/*", "slow", times=6, delay=0.3)
    gate = threading.Semaphore(workers)

    def fetch(_: int) -> int:
        with gate:
            return graph.get(f"/users/{ORGANIZER}/mailFolders/inbox").status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(fetch, range(6)))

    assert statuses == [200] * 6
    assert graph_server.state.peak_concurrency(ORGANIZER) == workers
    assert time.monotonic() - started < 2


def test_concurrency_limit_answers_application_throttled(
    graph_server: GraphServer,
    graph: httpx.Client,
) -> None:
    graph_server.state.concurrency_limit = 4
    graph_server.inject("/v1.0/*", "slow", times=6, delay=0.3)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(lambda _: graph.get(f"/users/{ORGANIZER}/mailFolders/inbox"), range(6))
        )

    throttled = [a for a in answers if a.status_code == 429]
    assert len(throttled) == 2
    assert throttled[0].json()["error"]["code"] == "ApplicationThrottled"
