"""`streamfakes show`: draw a test's stream snapshots as an HTML/SVG timeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_show_command(commands: Any) -> None:
    """Register `show` on the CLI's subcommands."""
    show = commands.add_parser(
        "show", help="draw stream snapshots as an HTML/SVG timeline (one lane per run)"
    )
    show.add_argument(
        "target",
        help="a snapshot file (snapshots/tests/test_x.ambr[::name]) or a test "
        "(tests/test_x.py[::test_name])",
    )
    show.add_argument("--out", default="stream-timeline.html", help="the page to write")
    show.add_argument(
        "--snapshot-dir", default="snapshots", help="where snapshots live, under the current dir"
    )


def run_show(args: argparse.Namespace) -> int:
    """Write the page; 2 if the snapshots cannot be found (saying why)."""
    from assertions._errors import AssertionsError
    from assertions._picture._amber import snapshots_of
    from assertions._picture._draw import draw_timelines

    try:
        named = snapshots_of(args.target, root=Path.cwd(), snapshot_dir=args.snapshot_dir)
    except AssertionsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.write_text(draw_timelines(named, title=args.target), encoding="utf-8")
    print(f"wrote {out} ({len(named)} timeline{'s' if len(named) != 1 else ''})")
    return 0
