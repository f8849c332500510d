"""Charts as self-contained SVG (matplotlib, text drawn as paths: no fonts, no scripts)."""

import base64
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

matplotlib.rcParams.update(
    {
        "svg.fonttype": "path",
        "svg.hashsalt": "labshare",  # stable element ids: the same data gives the same file
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)
COLOURS = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096"]


def _svg(figure: Figure) -> str:
    """The figure as base64 SVG, for an <img> data URI: self-contained, its ids cannot clash."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def bars(
    labels: Sequence[str], values: Sequence[float], title: str, xlabel: str, percent: bool = False
) -> str:
    figure, axes = plt.subplots(figsize=(7.5, 0.28 * max(len(labels), 3) + 1.0))
    positions = range(len(labels))
    axes.barh(positions, values, color=COLOURS[0])
    axes.set_yticks(list(positions), [label[:64] for label in labels])
    axes.invert_yaxis()
    axes.set_title(title, loc="left")
    axes.set_xlabel(xlabel)
    axes.set_xlim(left=0)
    if percent:
        axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    return _svg(figure)


def stacked_columns(
    categories: Sequence[str], series: dict[str, Sequence[float]], title: str, ylabel: str
) -> str:
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    bottom = [0.0] * len(categories)
    for colour, (name, values) in zip(COLOURS, series.items(), strict=False):
        axes.bar(categories, values, bottom=bottom, label=name, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title(title, loc="left")
    axes.set_ylabel(ylabel)
    axes.legend(frameon=False, fontsize=8)
    axes.tick_params(axis="x", labelrotation=60, labelsize=7)
    return _svg(figure)


def line(
    categories: Sequence[str], values: Sequence[float], title: str, ylabel: str, percent: bool = False
) -> str:
    figure, axes = plt.subplots(figsize=(7.5, 3.0))
    axes.plot(list(categories), list(values), marker="o", color=COLOURS[0])
    axes.set_title(title, loc="left")
    axes.set_ylabel(ylabel)
    axes.tick_params(axis="x", labelrotation=60, labelsize=7)
    axes.set_ylim(bottom=0)
    if percent:
        axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    return _svg(figure)


def heatmap(
    matrix: Sequence[Sequence[float]],
    rows: Sequence[str],
    columns: Sequence[str],
    title: str,
    label: str,
    percent: bool = False,
) -> str:
    """A grid of values, the colour scale from zero (shares of 1 shown as per cent)."""
    figure, axes = plt.subplots(figsize=(7.5, 0.3 * max(len(rows), 4) + 1.4))
    scale = 100.0 if percent else 1.0
    values = [[value * scale for value in row] for row in matrix]
    image = axes.imshow(values, aspect="auto", cmap="Blues", vmin=0)
    axes.set_yticks(range(len(rows)), [row[:40] for row in rows])
    step = max(1, len(columns) // 24)
    axes.set_xticks(range(0, len(columns), step), list(columns)[::step], rotation=60, fontsize=7)
    axes.set_title(title, loc="left")
    figure.colorbar(image, ax=axes, label=label, fraction=0.03)
    return _svg(figure)
