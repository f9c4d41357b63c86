"""Messages, frames, SSE, Atom and static-file answers: the bytes clients see."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import orjson
import pytest

from stoppress.push import messages
from stoppress.push.atom import ATOM_NS, atom_feed
from stoppress.push.frames import text_frame
from stoppress.push.refusals import BadRequest, TooMany
from stoppress.push.sse import response_head, sse_event
from stoppress.push.static_files import StaticFiles
from tests.unit.push.stories_for_tests import view


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_text_frame_lengths(size: int) -> None:
    frame = text_frame(b"x" * size)
    header = {True: 2, False: 4 if size < 65536 else 10}[size < 126]
    assert frame[0] == 0x81 and len(frame) == header + size


def test_client_messages() -> None:
    assert messages.parse_client_message('{"type":"ping","id":"7"}') == messages.ClientPing("7")
    sub = messages.parse_client_message('{"type":"subscribe","levels":["flash"],"cursor":"1-2-00000000"}')
    assert isinstance(sub, messages.Subscribe) and sub.cursor == "1-2-00000000"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x01", "binary"),
        ("{", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"type":"dance"}', "unknown message type"),
        ('{"type":"subscribe","colour":"red"}', "unknown field"),
        ('{"type":"subscribe","token":5}', "token"),
        ('{"type":"ping","id":5}', "ping.id"),
    ],
)
def test_malformed_client_messages_are_bad_requests(data: str | bytes, reason: str) -> None:
    with pytest.raises(BadRequest, match=reason):
        messages.parse_client_message(data)


def test_server_messages_are_json_with_a_type() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert orjson.loads(messages.ping(now)) == {"type": "ping", "at": "2026-01-01T00:00:00Z"}
    assert orjson.loads(messages.error(TooMany("slow down"))) == {
        "type": "error", "code": "too_many", "close_code": 4029, "message": "slow down"}
    snap = orjson.loads(messages.snapshot("1-1-00000000", [view()], {"levels": []}, "gone"))
    assert snap["recovered"] is False and snap["reason"] == "gone" and snap["stories"][0]["story_id"] == "s1"
    assert orjson.loads(messages.recovered("c", 3)) == {"type": "recovered", "cursor": "c", "count": 3}


def test_sse_framing() -> None:
    assert sse_event("event", b"{}", "1-1-00000000") == b"event: event\nid: 1-1-00000000\ndata: {}\n\n"
    head = response_head([("Access-Control-Allow-Origin", "http://x")])
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"text/event-stream" in head and head.endswith(b"\r\n\r\n")


def test_atom_feed_is_valid_and_escapes_text() -> None:
    stories = [view("s&1", level="flash"), view("s2")]
    body = atom_feed([*stories, view("<script>", level="breaking")], "http://h/v1/feed.atom", datetime.now(UTC))
    root = ET.fromstring(body)
    assert root.tag == f"{{{ATOM_NS}}}feed"
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and len(parsed.entries) == 3
    assert all(entry.id.startswith("urn:stoppress:story:") for entry in parsed.entries)
    assert b"<script>" not in body


def test_empty_feed_is_still_valid() -> None:
    parsed = feedparser.parse(atom_feed([], "http://h/v1/feed.atom", datetime.now(UTC)))
    assert not parsed.bozo and parsed.version == "atom10"


def test_static_files(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>hi</p>")
    (tmp_path / "ticker.js").write_text("console.log('x');" * 50)
    (tmp_path / "dashboard.html").write_text("<p>ops</p>")
    (tmp_path.parent / "secret.txt").write_text("no")
    files = StaticFiles(tmp_path)
    assert files.resolve("/") == (tmp_path / "index.html").resolve()
    assert files.resolve("/dashboard") == (tmp_path / "dashboard.html").resolve()
    assert files.resolve("/static/../secret.txt") is None
    assert files.resolve("/static/nope.css") is None
    assert files.resolve("/other") is None
    js = files.resolve("/widget/ticker.js")
    assert js is not None
    answer = files.answer(js, "/widget/ticker.js", "gzip, br", None)
    headers = dict(answer.headers)
    assert headers["Content-Type"].startswith("application/javascript")
    assert headers["Cache-Control"] == "public, max-age=300" and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.body) == js.read_bytes()
    assert files.answer(js, "/widget/ticker.js", "", headers["ETag"]).status == 304
    html = files.answer(files.resolve("/") or js, "/", "", None)
    assert dict(html.headers)["Cache-Control"] == "no-cache" and html.body == b"<p>hi</p>"
