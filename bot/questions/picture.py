"""The ego-network picture: a PNG drawn with matplotlib's Agg backend (no display, safe off the main thread).

The person in the middle, the strongest ties around them on a circle, line width = dialogues shared, labels
outside the circle so they never sit on the lines. matplotlib is imported only when a picture is drawn.
"""

from __future__ import annotations

import io
import math
import threading
from typing import TYPE_CHECKING

from bot.questions.ego import EgoNetwork, Tie, draft_note

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


_LOCK = threading.Lock()  # pyplot-free, but font caches and rcParams are shared: draw one picture at a time


def ego_png(net: EgoNetwork, *, limit: int = 20, dpi: int = 110) -> bytes:
    """Return the PNG bytes of an ego network with its `limit` strongest ties."""
    with _LOCK:
        fig = ego_figure(net, limit=limit, dpi=dpi)
        buffer = io.BytesIO()
        # light compression: a few more kilobytes, a third less time than zlib's default level
        fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def ego_figure(net: EgoNetwork, *, limit: int = 20, dpi: int = 110) -> Figure:
    """Return the Figure of an ego network (the caller holds _LOCK while drawing); labels have gid 'label'."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    ties = net.ties[:limit]
    fig = Figure(figsize=(8, 8), dpi=dpi)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(-2.0, 2.0)
    ax.set_ylim(-1.9, 1.9)
    ax.set_aspect("equal")
    ax.axis("off")
    strongest = max((t.shared for t in ties), default=1)
    n = max(len(ties), 1)
    radius = 0.95 if n <= 8 else min(1.25, 0.95 + 0.03 * (n - 8))  # more ties: a wider circle, room for labels
    for i, tie in enumerate(ties):
        _draw_tie(ax, tie, i, n, radius, strongest)
    _draw_centre(ax, net.centre)
    shown = f"the {len(ties)} strongest of {len(net.ties)}" if len(net.ties) > len(ties) else f"{len(ties)}"
    fig.text(
        0.02,
        0.02,
        f"{net.centre}: {shown} ties; line width and number = dialogues shared{draft_note(ties)}",
        fontsize=8,
        color="#555555",
    )
    return fig


def _draw_tie(ax: Axes, tie: Tie, i: int, n: int, radius: float, strongest: int) -> None:
    """Draw the i-th of n ties on the circle: its line, its dot, the dialogues shared and its label outside."""
    angle = math.pi / 2 - 2 * math.pi * i / n
    x, y = radius * math.cos(angle), radius * math.sin(angle)
    width = 1.0 + 7.0 * tie.shared / strongest
    ax.plot([0, x], [0, y], color="#4a6fa5", linewidth=width, alpha=0.55, solid_capstyle="round", zorder=1)
    ax.scatter([x], [y], s=260, color="#f2a541", edgecolors="#333333", linewidths=0.8, zorder=2)
    ax.text(
        x * 0.55,
        y * 0.55,
        f"{tie.shared}*" if tie.drafts else str(tie.shared),
        ha="center",
        va="center",
        fontsize=8,
        color="#1d3557",
        bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        zorder=3,
    )
    label = _wrap(tie.label, 18)
    ha = "left" if x > 0.15 else "right" if x < -0.15 else "center"
    va = "bottom" if y > 0.15 else "top" if y < -0.15 else "center"
    out = 1 + (0.1 + (0.08 if n > 12 and i % 2 else 0.0)) / radius  # many ties: every other label further out
    ax.text(
        x * out,
        y * out,
        label,
        ha=ha,
        va=va,
        fontsize=9 if n <= 12 else 8,
        color="#111111",
        zorder=3,
        gid="label",
    )


def _draw_centre(ax: Axes, centre: str) -> None:
    """Draw the person in the middle, on top of every line."""
    centre_box = {"boxstyle": "round,pad=0.5", "fc": "#e63946", "ec": "#333333", "lw": 1.0}
    ax.text(
        0,
        0,
        _wrap(centre, 16),
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        color="white",
        bbox=centre_box,
        zorder=5,
    )


def _wrap(text: str, width: int) -> str:
    """Return text broken into lines of about width characters at spaces."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")
