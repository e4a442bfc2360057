"""SOAP and EWS XML helpers for the fake EWS server (``xml.etree.ElementTree`` only).

Names are Clark-notation strings (``{namespace}Local``); :func:`t` and :func:`m` build them for
the EWS *types* and *messages* namespaces. Responses are wrapped by :func:`envelope` with the
``ServerVersionInfo`` header that exchangelib reads to confirm the server version.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_T = "http://schemas.microsoft.com/exchange/services/2006/types"
NS_M = "http://schemas.microsoft.com/exchange/services/2006/messages"
NS_E = "http://schemas.microsoft.com/exchange/services/2006/errors"

for _prefix, _uri in (("s", NS_SOAP), ("t", NS_T), ("m", NS_M), ("e", NS_E)):
    ET.register_namespace(_prefix, _uri)

#: What a 2016 CU23 server reports; exchangelib accepts "V2017_07_11" and keeps "Exchange2016".
DEFAULT_BUILD = (15, 1, 2507, 6)
DEFAULT_API_VERSION = "V2017_07_11"


def t(local: str) -> str:
    """The Clark name of ``local`` in the EWS types namespace."""
    return f"{{{NS_T}}}{local}"


def m(local: str) -> str:
    """The Clark name of ``local`` in the EWS messages namespace."""
    return f"{{{NS_M}}}{local}"


def local_name(tag: str) -> str:
    """``{ns}Name`` -> ``Name``."""
    return tag.rsplit("}", 1)[-1]


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append a child ``tag`` (Clark name) with optional text and attributes; return it."""
    child = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        child.text = text
    return child


def child_text(elem: ET.Element | None, tag: str) -> str | None:
    """Text of the first child ``tag`` of ``elem``, or None."""
    if elem is None:
        return None
    found = elem.find(tag)
    return None if found is None else (found.text or "")


def xml_bool(value: bool) -> str:
    """EWS spelling of a boolean."""
    return "true" if value else "false"


def parse_bool(text: str | None) -> bool:
    """EWS boolean text ("true"/"1") to bool."""
    return (text or "").strip().lower() in ("true", "1")


def format_datetime(value: dt.datetime) -> str:
    """A UTC xs:dateTime as Exchange writes it (``2024-05-06T02:00:00Z``, no fraction)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str, default_tz: dt.tzinfo = dt.UTC) -> dt.datetime:
    """xs:dateTime with ``Z``, an offset, or none (then ``default_tz``) to an aware UTC datetime."""
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(dt.UTC)


@dataclass
class SoapRequest:
    """One parsed request: the operation (``GetFolder``), its payload element and the header."""

    operation: str
    payload: ET.Element
    header: ET.Element | None

    @property
    def requested_version(self) -> str | None:
        """``RequestServerVersion/@Version`` if the client sent one."""
        if self.header is None:
            return None
        elem = self.header.find(t("RequestServerVersion"))
        return None if elem is None else elem.get("Version")

    @property
    def timezone_context(self) -> str | None:
        """The Windows zone id in ``TimeZoneContext/TimeZoneDefinition/@Id``, if any."""
        if self.header is None:
            return None
        elem = self.header.find(f"{t('TimeZoneContext')}/{t('TimeZoneDefinition')}")
        return None if elem is None else elem.get("Id")


class SoapParseError(ValueError):
    """The request body is not a SOAP envelope with one operation in its body."""


def parse_request(data: bytes) -> SoapRequest:
    """Parse a SOAP request body into a :class:`SoapRequest`."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SoapParseError(str(exc)) from exc
    if root.tag != f"{{{NS_SOAP}}}Envelope":
        raise SoapParseError(f"not a SOAP envelope: {root.tag}")
    body = root.find(f"{{{NS_SOAP}}}Body")
    if body is None or len(body) != 1:
        raise SoapParseError("SOAP body must hold exactly one operation")
    payload = body[0]
    return SoapRequest(local_name(payload.tag), payload, root.find(f"{{{NS_SOAP}}}Header"))


def _to_bytes(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def envelope(
    body_child: ET.Element,
    build: tuple[int, int, int, int] = DEFAULT_BUILD,
    api_version: str = DEFAULT_API_VERSION,
) -> bytes:
    """A complete SOAP response with ``ServerVersionInfo`` in the header."""
    root = ET.Element(f"{{{NS_SOAP}}}Envelope")
    header = sub(root, f"{{{NS_SOAP}}}Header")
    major, minor, major_build, minor_build = build
    sub(
        header,
        t("ServerVersionInfo"),
        MajorVersion=str(major),
        MinorVersion=str(minor),
        MajorBuildNumber=str(major_build),
        MinorBuildNumber=str(minor_build),
        Version=api_version,
    )
    body = sub(root, f"{{{NS_SOAP}}}Body")
    body.append(body_child)
    return _to_bytes(root)


def soap_fault(
    code: str,
    message: str,
    values: Iterable[tuple[str, str]] = (),
) -> bytes:
    """A SOAP 1.1 fault as Exchange sends it for throttling (``detail`` carries the EWS code).

    ``values`` become ``t:MessageXml/t:Value[@Name]`` entries, e.g. ``BackOffMilliseconds``.
    """
    root = ET.Element(f"{{{NS_SOAP}}}Envelope")
    body = sub(root, f"{{{NS_SOAP}}}Body")
    fault = sub(body, f"{{{NS_SOAP}}}Fault")
    # faultcode/faultstring/detail are unqualified in SOAP 1.1; the code's prefix is declared here.
    sub(fault, "faultcode", f"a:{code}", **{"xmlns:a": NS_T})
    sub(fault, "faultstring", message)
    detail = sub(fault, "detail")
    sub(detail, f"{{{NS_E}}}ResponseCode", code)
    sub(detail, f"{{{NS_E}}}Message", message)
    msg_xml = sub(detail, t("MessageXml"))
    for name, value in values:
        sub(msg_xml, t("Value"), value, Name=name)
    return _to_bytes(root)


def response_message(
    operation: str,
    code: str = "NoError",
    text: str | None = None,
    values: Iterable[tuple[str, str]] = (),
) -> ET.Element:
    """``m:<Op>ResponseMessage`` with ResponseClass, ResponseCode and (for errors) MessageText."""
    klass = "Success" if code == "NoError" else "Error"
    msg = ET.Element(m(f"{operation}ResponseMessage"), {"ResponseClass": klass})
    if code != "NoError":
        sub(msg, m("MessageText"), text or code)
    sub(msg, m("ResponseCode"), code)
    if code != "NoError":
        sub(msg, m("DescriptiveLinkKey"), "0")
    values = list(values)
    if values:
        msg_xml = sub(msg, m("MessageXml"))
        for name, value in values:
            sub(msg_xml, t("Value"), value, Name=name)
    return msg


def response(operation: str, messages: Iterable[ET.Element]) -> ET.Element:
    """``m:<Op>Response`` wrapping ``m:ResponseMessages``."""
    root = ET.Element(m(f"{operation}Response"))
    container = sub(root, m("ResponseMessages"))
    container.extend(messages)
    return root
