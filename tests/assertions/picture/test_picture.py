"""The picture of a run: drawn from snapshot text, read back into lanes, and shown in a real
headless Chromium (screenshot and DOM), expected beside actual for a failure."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from assertions import collect_events, normalize_events, render_events
from assertions._picture._draw import draw_difference, draw_timeline
from assertions._picture._parse import parse_timeline
from fakes import FakeChatModel, Fault, Response, ToolCall
from tests.assertions import scenarios as s

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH: the picture's browser test needs it (apt-get install chromium)",
)


def joke_events(answer: str, *, fault: bool = False) -> str:
    model = FakeChatModel(
        responses=[
            Response(text=answer, fault=Fault(after_chunks=3, error=TimeoutError("upstream")))
            if fault
            else Response(text=answer, tool_calls=[])
        ],
        model_name="fake-gpt",
    )
    chain = s.joke_chain().steps[0] | model | s.joke_chain().steps[-1]
    events = collect_events(chain, {"topic": "parrot"}, capture_errors=fault)
    return render_events(normalize_events(events))


def test_lanes_nest_under_their_parents_with_start_end_and_ticks() -> None:
    timeline = parse_timeline(joke_events("Why did the parrot talk?"))
    lanes = {key: (lane.label, lane.depth, lane.parent) for key, lane in timeline.lanes.items()}
    assert lanes == {
        "run0": ("run0 RunnableSequence", 0, None),
        "run1<run0": ("run1 ChatPromptTemplate", 1, "run0"),
        "run2<run0": ("run2 FakeChatModel", 1, "run0"),
        "run3<run0": ("run3 StrOutputParser", 1, "run0"),
    }
    model = timeline.lanes["run2<run0"]
    assert [m.kind for m in model.marks] == ["start"] + ["tick"] * 6 + ["end"]
    assert [m.label for m in model.marks[1:7]] == [
        "Why",
        " did",
        " the",
        " parrot",
        " talk",
        "? usage 6→6",
    ]


def test_tool_call_fragments_label_their_ticks() -> None:
    text = render_events(
        normalize_events(
            collect_events(
                s.chat_model(Response(tool_calls=[ToolCall("f", {"a": 1}, id="c")])), "x"
            )
        )
    )
    labels = [m.label for m in parse_timeline(text).marks if m.kind == "tick"]
    assert labels == ['⚙ {"', "⚙ a", '⚙ ":', "⚙ 1", "⚙ }", "usage 1→5"]


def test_a_failed_run_ends_with_an_error_mark() -> None:
    timeline = parse_timeline(joke_events("Why did the parrot talk?", fault=True))
    assert timeline.marks[-1].kind == "error"
    assert timeline.marks[-1].label == "TimeoutError: upstream"


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, at = [], 8
    while at < len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        if data[at + 4 : at + 8] == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    return width, height, len(set(zlib.decompress(b"".join(chunks))))


MEASURE = """<script>
const box = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
document.body.dataset.measured = JSON.stringify({
  lanes: document.querySelectorAll("#actual g.lane").length,
  ticks: document.querySelectorAll("#actual g.mark.tick").length,
  rings: [...document.querySelectorAll(".first-difference")].map(e => box(e)[0] > 0),
  ringed: [...document.querySelectorAll(".first-difference")].map(e => e.parentNode.getAttribute("title") || e.parentNode.querySelector("title").textContent),
  labels: [...document.querySelectorAll("#actual .tick-label")].map(e => e.textContent),
  labelWidths: [...document.querySelectorAll("#actual .tick-label")].map(e => box(e)[0] > 0),
  panels: [...document.querySelectorAll(".panel")].map(e => e.getBoundingClientRect().left),
});
</script>"""


@needs_chromium
def test_the_failure_picture_in_a_headless_browser(tmp_path: Path) -> None:
    expected = joke_events("Why did the parrot talk?")
    actual = joke_events("Why did the parrot sing?")
    page = tmp_path / "failure.html"
    page.write_text(draw_difference(expected, actual).replace("</body>", MEASURE + "</body>"))
    flags = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1600,900",
    ]
    shot = tmp_path / "failure.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1600, 900)
    assert colours > 20, "the screenshot is (nearly) blank"

    dom = subprocess.run(
        [*flags, "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    start = dom.index('data-measured="') + len('data-measured="')
    measured = json.loads(dom[start : dom.index('"', start)].replace("&quot;", '"'))
    assert measured["lanes"] == 4
    assert measured["ticks"] == 18  # 6 chunks each from the model, the parser, the chain
    assert measured["rings"] == [True, True]  # the first difference, in both panels
    assert "AIChunk(' talk'" in measured["ringed"][0]
    assert "AIChunk(' sing'" in measured["ringed"][1]
    assert " sing" in measured["labels"] and "? usage 6→6" in measured["labels"]
    assert all(measured["labelWidths"])
    left, right = measured["panels"]
    assert right > left  # expected and actual side by side
    assert '<div class="difference" id="first-difference" data-line="17">' in dom


def test_a_single_timeline_page_has_one_panel() -> None:
    page = draw_timeline(joke_events("Hi there"))
    assert page.count('class="panel"') == 1 and page.count('class="lane"') == 4
    assert "<script" not in page  # self-contained and static


def test_a_graph_stream_has_a_lane_per_node_run() -> None:
    from assertions import collect_graph_stream, normalize_graph_stream, render_graph_stream
    from tests.assertions import graphs as g

    stream = collect_graph_stream(g.agent(), g.AGENT_INPUT, stream_mode=["messages", "updates"])
    timeline = parse_timeline(render_graph_stream(normalize_graph_stream(stream)))
    assert list(timeline.lanes) == ["model@1", "tools@2", "model@3", "tools@4", "model@5"]
    first = timeline.lanes["model@1"].marks
    assert first[0].label == '⚙ {"'  # the chunk's fragment, not its run metadata
    assert first[-1].line.startswith("updates model: ")  # the node's update, on its run's lane
