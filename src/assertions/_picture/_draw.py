"""Draw a timeline as SVG inside one self-contained HTML page (no script, no external file).

One lane per run, nested under its parent (indented); a bar from the run's start to its
end; a tick per chunk or other event, labelled with its text, tool-call fragment or usage.
A failure is drawn as expected beside actual, the first differing line marked in both.
"""

from __future__ import annotations

from html import escape

from ._parse import Mark, Timeline, parse_timeline

STEP = 26  # horizontal space per line of the timeline
ROW = 34  # height of a lane
LEFT = 260  # room for the lane labels
TOP = 96  # room for the tick labels above the first lane
_STYLE = """
body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 16px; } h2 { font-size: 14px; margin: 4px 0; }
.panels { display: flex; gap: 24px; align-items: flex-start; }
.panel { overflow-x: auto; border: 1px solid #ddd; padding: 8px; }
.difference { background: #fff3f3; border: 1px solid #e66; padding: 8px; margin: 8px 0; }
.difference code { display: block; white-space: pre-wrap; }
svg text { font: 11px ui-monospace, monospace; }
.lane-label { fill: #333; } .bar { fill: #dbe8ff; }
.start { fill: #2b7a2b; } .end { fill: #333; } .tick line { stroke: #2456b3; }
line.error { stroke: #c00; stroke-width: 3; } .error text { fill: #c00; }
.first-difference { fill: none; stroke: #e00; stroke-width: 2; }
"""


def _x(index: int) -> int:
    return LEFT + index * STEP + STEP // 2


def _mark(mark: Mark, y: int, *, first_difference: int | None) -> str:
    x = _x(mark.index)
    tip = f"<title>{escape(mark.line)}</title>"
    attrs = f'data-index="{mark.index}" data-lane="{escape(mark.lane)}" data-kind="{mark.kind}"'
    if mark.kind == "start":
        shape = f'<circle class="start" cx="{x}" cy="{y}" r="6"/>'
    elif mark.kind == "end":
        shape = f'<rect class="end" x="{x - 5}" y="{y - 5}" width="10" height="10"/>'
    elif mark.kind == "error":
        shape = (
            f'<line class="error" x1="{x - 7}" y1="{y - 7}" x2="{x + 7}" y2="{y + 7}"/>'
            f'<line class="error" x1="{x - 7}" y1="{y + 7}" x2="{x + 7}" y2="{y - 7}"/>'
        )
    else:
        shape = f'<line x1="{x}" y1="{y - 9}" x2="{x}" y2="{y + 9}"/>'
    label = ""
    if mark.kind in ("tick", "error") and mark.label:
        text = mark.label if len(mark.label) <= 22 else mark.label[:21] + "…"
        label = (
            f'<text class="tick-label" transform="translate({x + 3},{y - 12}) rotate(-40)">'
            f"{escape(text)}</text>"
        )
    ring = ""
    if mark.index == first_difference:
        ring = f'<circle class="first-difference" cx="{x}" cy="{y}" r="12"/>'
    return f'<g class="mark {mark.kind}" {attrs}>{tip}{shape}{label}{ring}</g>'


def draw_svg(timeline: Timeline, *, first_difference: int | None = None) -> str:
    """The timeline as one SVG element."""
    lanes = list(timeline.lanes.values())
    count = len(timeline.marks)
    width = LEFT + max(count, 1) * STEP + 180  # the last tick's label leans right
    height = TOP + len(lanes) * ROW + 10
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" data-marks="{count}">'
        )
    ]
    for row, lane in enumerate(lanes):
        y = TOP + row * ROW + ROW // 2
        first, last = lane.marks[0].index, lane.marks[-1].index
        parent = f' data-parent="{escape(lane.parent)}"' if lane.parent else ""
        parts.append(
            f'<g class="lane" data-lane="{escape(lane.key)}" data-depth="{lane.depth}"{parent}>'
            f'<text class="lane-label" x="{8 + lane.depth * 14}" y="{y + 4}">'
            f"{escape(lane.label[:34])}</text>"
            f'<rect class="bar" x="{_x(first) - 8}" y="{y - 8}" '
            f'width="{(last - first) * STEP + 16}" height="16" rx="4"/>'
        )
        parts += [_mark(m, y, first_difference=first_difference) for m in lane.marks]
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def draw_timeline(text: str, *, title: str | None = None) -> str:
    """A rendered timeline (a stream snapshot's text) as a self-contained HTML page.

    >>> page = draw_timeline("# chunks: 2 chunks\\n0 'Hi'\\n1 ' there'\\n")
    >>> page.count('class="mark tick"')
    2
    """
    timeline = parse_timeline(text)
    body = f'<div class="panel" id="timeline">{draw_svg(timeline)}</div>'
    return _page(title or timeline.title, body)


def draw_timelines(named: dict[str, str], *, title: str) -> str:
    """Several rendered timelines (a test's snapshots, by name) on one page."""
    timelines = {name: parse_timeline(text) for name, text in named.items()}
    panels = "".join(
        f'<div class="panel timeline-panel" data-name="{escape(name)}">'
        f"<h2>{escape(name)}: {escape(timeline.title)}</h2>{draw_svg(timeline)}</div>"
        for name, timeline in timelines.items()
    )
    return _page(title, panels)


def first_difference(expected: Timeline, actual: Timeline) -> int | None:
    """The index of the first line that differs (None if none does)."""
    for index, (old, new) in enumerate(zip(expected.lines, actual.lines, strict=False)):
        if old != new:
            return index
    if len(expected.lines) != len(actual.lines):
        return min(len(expected.lines), len(actual.lines))
    return None


def _mark_index(timeline: Timeline, line_index: int | None) -> int | None:
    # Metadata lines are not marks: map a line's index to its mark's.
    if line_index is None:
        return None
    marks = [i for i, line in enumerate(timeline.lines) if not line.lstrip().startswith("| ")]
    before = [i for i in marks if i <= line_index]
    return len(before) - 1 if before else 0


def draw_difference(expected: str, actual: str, *, title: str = "stream snapshot") -> str:
    """Expected beside actual as one HTML page, the first differing line marked in both."""
    old, new = parse_timeline(expected), parse_timeline(actual)
    line = first_difference(old, new)
    notes = ""
    if line is not None:
        was = old.lines[line] if line < len(old.lines) else "(nothing)"
        now = new.lines[line] if line < len(new.lines) else "(nothing)"
        notes = (
            f'<div class="difference" id="first-difference" data-line="{line}">'
            f"<strong>First difference, line {line + 1}</strong>"
            f"<code>- {escape(was)}</code><code>+ {escape(now)}</code></div>"
        )
    panels = "".join(
        f'<div class="panel" id="{side}"><h2>{side}: {escape(timeline.title)}</h2>'
        f"{draw_svg(timeline, first_difference=_mark_index(timeline, line))}</div>"
        for side, timeline in (("expected", old), ("actual", new))
    )
    return _page(f"{title}: expected and actual", notes + f'<div class="panels">{panels}</div>')
