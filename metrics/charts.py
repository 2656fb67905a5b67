"""Charts drawn on the server as hand-written SVG: geometry here, markup in templates/metrics/charts/.

No charting library and no JavaScript: the same markup serves the pages and the WeasyPrint PDF
dossiers, and we keep full control of its accessibility (role="img", a <title> and a <desc> that
say what the chart shows, the same figures in a data table beside it). SVG text does not inherit
the page's font in WeasyPrint: every <text> sets `font-family` itself (FONT).

Everything is plain values (Decimal in, floats rounded to 0.1 px out), unit-tested without a
browser in tests/metrics/test_charts.py. Labels are placed from an upper estimate of their width
(`text_width`): inside the viewBox, which the PDF clips, and off each other.
"""

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "Marianne, arial, sans-serif"
NNBSP = "\u202f"  # narrow no-break space: French digit grouping
NBSP = "\u00a0"
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTHS_SHORT = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120]
ISO_MANTISSAS = (Decimal(1), Decimal(4))  # cost-per-unit lines: 0,10 €, 0,40 €, 1 €, 4 €…


# Formatting, French style ------------------------------------------------------------------


def format_number(value: Decimal | int | float | None, decimals: int = 2, *, fixed=False) -> str:
    """1234567.5 → "1 234 567,5" (narrow no-break spaces, decimal comma, at most `decimals`, or
    exactly `decimals` when `fixed`)."""
    if value is None:
        return "–"
    value = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{value:,f}".replace(",", NNBSP).replace(".", ",")
    if "," in text and not fixed:
        text = text.rstrip("0").rstrip(",")
    return text.replace("-", "−") if value else text.lstrip("-")


def format_euros(value: Decimal | None) -> str:
    """Whole euros from 100 € on (and nothing: "0 €"), cents below: "240 000 €", "0,40 €"."""
    if value is None:
        return "–"
    if abs(value) >= 100 or not value:
        return f"{format_number(value, 0)}{NNBSP}€"
    return f"{format_number(value, 2, fixed=True)}{NNBSP}€"


def format_compact(value: Decimal) -> str:
    """Axis ticks: 2 500, 250 k, 1,5 M, 2 Md."""
    for size, suffix in ((Decimal("1e9"), " Md"), (Decimal("1e6"), " M"), (Decimal("1e4"), " k")):
        if abs(value) >= size:
            divisor = size if suffix != " k" else Decimal(1000)
            return format_number(value / divisor, 1) + suffix.replace(" ", NNBSP)
    return format_number(value, 4)


def format_percent(value: Decimal | None) -> str:
    """A relative change: −60 %, +12,5 %."""
    if value is None:
        return "–"
    text = format_number(value * 100, 1)
    sign = "+" if value > 0 else ""
    return f"{sign}{text}{NNBSP}%"


def format_points(value: Decimal | None) -> str:
    """A percentage's change: +6,9 points, −1 point."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else ""
    return f"{sign}{format_number(value, 1)}{NBSP}point{'s' if abs(value) >= 2 else ''}"


def month_label(month: datetime.date, short: bool = False) -> str:
    names = MONTHS_SHORT if short else MONTHS
    return f"{names[month.month - 1]} {month.year}"


def of_month(month: datetime.date) -> str:
    """ "de mars 2026", "d’octobre 2026"."""
    label = month_label(month)
    return f"d’{label}" if label[0] in "aeiou" else f"de {label}"


# Scales -------------------------------------------------------------------------------------


def nice_ticks(lo: Decimal, hi: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering [lo, hi], about `count` steps."""
    lo, hi = Decimal(lo), Decimal(hi)
    if lo > hi:
        lo, hi = hi, lo
    if lo == hi:
        spread = abs(lo) / 10 if lo else Decimal(1)
        lo, hi = (lo - spread, hi + spread) if lo else (Decimal(0), spread)
        if lo < 0 <= hi - spread * 2:
            lo = Decimal(0)
    raw = (hi - lo) / count
    base = Decimal(1).scaleb(raw.adjusted())
    step = next(m * base for m in (1, 2, Decimal("2.5"), 5, 10) if m * base >= raw)
    start = (lo / step).to_integral_value(rounding=ROUND_FLOOR) * step
    end = (hi / step).to_integral_value(rounding=ROUND_CEILING) * step
    steps = int((end - start) / step)
    return [(start + i * step).normalize() + 0 for i in range(steps + 1)]


@dataclass(frozen=True)
class Scale:
    """A linear map from data values to pixels; a zero-width domain maps to the middle."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value) -> float:
        if self.d1 == self.d0:
            return round((self.r0 + self.r1) / 2, 1)
        t = (float(value) - self.d0) / (self.d1 - self.d0)
        return round(self.r0 + t * (self.r1 - self.r0), 1)


@dataclass(frozen=True)
class Box:
    """The plot area inside the chart, in pixels."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def y_labels_x(self) -> float:
        return self.left - 8

    @property
    def x_labels_y(self) -> float:
        return self.bottom + 20

    @property
    def change_labels_y(self) -> float:
        return self.top + 10


@dataclass(frozen=True)
class Tick:
    position: float
    label: str

    @property
    def baseline(self) -> float:
        """Where a y tick's label sits to look centred on its line (no dominant-baseline:
        WeasyPrint does not read it)."""
        return round(self.position + 4, 1)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str = ""

    @property
    def diamond(self) -> str:
        """An objective's marker: a shape, not only a colour."""
        r = 6
        return f"M{self.x} {self.y - r}L{self.x + r} {self.y}L{self.x} {self.y + r}L{self.x - r} {self.y}Z"


# Labels: kept inside the chart (the PDF clips what leaves the viewBox) and off each other -------

EM_WIDTH = 0.6  # Marianne's digits are 0.6 em wide, its letters and spaces mostly narrower
LABEL_PAD = 2


def text_width(text: str, size: float) -> float:
    """An upper estimate of a label's width: no font metrics on the server."""
    return round(len(text) * size * EM_WIDTH, 1)


@dataclass(frozen=True)
class Label:
    """A <text> of a chart: (`x`, `y`) its anchor point on the baseline, `anchor` its
    text-anchor, `size` its font-size."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    size: int = 12

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom), with an ascent of 0.75 em and a descent of 0.25 em."""
        width = text_width(self.text, self.size)
        left = self.x - {"start": 0, "middle": width / 2, "end": width}[self.anchor]
        return (left, self.y - 0.75 * self.size, left + width, self.y + 0.25 * self.size)

    def within(self, width: float) -> "Label":
        """The label moved sideways, no more than needed, to stay inside [0, width]."""
        left, _, right, _ = self.box
        shift = max(0, LABEL_PAD - left) or min(0, width - LABEL_PAD - right)
        return replace(self, x=round(self.x + shift, 1))


def overlap(a: tuple, b: tuple) -> float:
    """The area two boxes (left, top, right, bottom) share."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def crosses(box: tuple, x1: float, y1: float, x2: float, y2: float) -> bool:
    """Whether the segment crosses the box (sampled: labels are small, segments short)."""
    return any(
        box[0] <= x1 + (x2 - x1) * t / 20 <= box[2] and box[1] <= y1 + (y2 - y1) * t / 20 <= box[3]
        for t in range(21)
    )


def x_axis_labels(ticks: Sequence[Tick], y: float, width: float) -> list[Label]:
    """The x ticks' labels, centred under their ticks, but the first and last pulled inside."""
    return [Label(tick.position, y, tick.label).within(width) for tick in ticks]


# Around a point: above right first, then the other corners, then straight above or below.
AROUND = ((8, -8, "start"), (-8, -8, "end"), (8, 16, "start"), (-8, 16, "end"))
AROUND += ((0, -10, "middle"), (0, 22, "middle"))


def place_labels(
    points: Sequence[Point],
    *,
    size: int,
    bounds: tuple[float, float, float, float],
    obstacles: Sequence[tuple] = (),
    segments: Sequence[tuple] = (),
) -> list[Label]:
    """One label per point (its `label`), in order, each at the first place around it that
    stays inside `bounds` and covers no other label, point, nor `obstacles` (boxes); failing
    that, where it covers least; crossing one of the line's `segments` only when it must."""
    marks = [(p.x - 5, p.y - 5, p.x + 5, p.y + 5) for p in points]
    placed: list[Label] = []
    for index, point in enumerate(points):
        taken = [*obstacles, *marks[:index], *marks[index + 1 :], *(label.box for label in placed)]
        candidates = [
            Label(point.x + dx, point.y + dy, point.label, a, size) for dx, dy, a in AROUND
        ]
        # min keeps the first of equals: the preferred place.
        best = min(candidates, key=lambda label: placement_cost(label, bounds, taken, segments))
        placed.append(replace(best, x=round(best.x, 1), y=round(best.y, 1)))
    return placed


def placement_cost(label: Label, bounds: tuple, taken: Sequence[tuple], segments: Sequence[tuple]):
    """How bad a label's place is: first how far it leaves `bounds` and how much of the `taken`
    boxes it covers, then how many of the line's `segments` it crosses."""
    box = label.box
    outside = max(0, bounds[0] - box[0], box[2] - bounds[2])
    outside += max(0, bounds[1] - box[1], box[3] - bounds[3])
    covered = sum(overlap(box, other) for other in taken)
    return (outside * 100 + covered, sum(crosses(box, *segment) for segment in segments))


def path_segments(path: str) -> list[tuple[float, float, float, float]]:
    """The straight segments of an SVG path made of M and L commands."""
    segments, last = [], None
    for command, x, y in re.findall(r"([ML])(-?[\d.]+) (-?[\d.]+)", path):
        here = (float(x), float(y))
        if command == "L" and last:
            segments.append((*last, *here))
        last = here
    return segments


def month_index(month: datetime.date) -> int:
    return month.year * 12 + month.month - 1


def index_month(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_ticks(first: int, last: int, scale: Scale) -> list[Tick]:
    """At most about six month ticks on round months (January, July, each quarter…)."""
    span = last - first
    # Beyond the listed steps (an objective decades away), whole multiples of ten years.
    step = next((s for s in MONTH_STEPS if span / s < 6), 120 * (span // 720 + 1))
    start = -(-first // step) * step
    ticks = []
    for index in range(start, last + 1, step):
        month = index_month(index)
        label = str(month.year) if step >= 12 else month_label(month, short=True)
        ticks.append(Tick(scale(index), label))
    return ticks


# The monthly values of one metric, with its objectives ---------------------------------------


@dataclass
class LineChart:
    title: str
    desc: str
    width: int
    height: int
    plot: Box
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    targets: list[Point] = field(default_factory=list)
    changes: list[Tick] = field(default_factory=list)  # definition changes: vertical lines
    zero: float | None = None
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # the data table
    font: str = FONT

    @property
    def is_empty(self) -> bool:
        return not self.points and not self.targets

    @property
    def x_labels(self) -> list[Label]:
        return x_axis_labels(self.x_ticks, self.plot.x_labels_y, self.width)

    @property
    def change_labels(self) -> list[Label]:
        """Each definition change's label at the top of its line: on its right, or its left
        near the right edge; a line below the one before when they would overlap."""
        labels: list[Label] = []
        for change in self.changes:
            label = Label(change.position + 4, self.plot.change_labels_y, change.label, "start", 10)
            if label.box[2] > self.width - LABEL_PAD:
                label = replace(label, x=change.position - 4, anchor="end")
            while any(overlap(label.box, other.box) for other in labels):
                label = replace(label, y=label.y + 12)
            labels.append(label.within(self.width))
        return labels

    # One element per month: written here rather than by the template engine or format_html
    # (60 months × 10 metrics took 100 ms of a page there). Numbers are floats; text is escaped.
    @property
    def points_svg(self) -> SafeString:
        return mark_safe(  # noqa: S308
            "".join(
                f'<circle cx="{p.x}" cy="{p.y}" r="3" fill="#000091">'
                f"<title>{escape(p.label)}</title></circle>"
                for p in self.points
            )
        )

    @property
    def rows_html(self) -> SafeString:
        return mark_safe(  # noqa: S308
            "".join(
                f'<tr><th scope="row">{escape(month)}</th>'
                f'<td class="comite-num">{escape(value or "–")}</td>'
                f'<td class="comite-num">{escape(target or "–")}</td></tr>'
                for month, value, target in self.rows
            )
        )


def describe_series(label: str, values: Sequence[tuple[datetime.date, Decimal]], unit: str) -> str:
    """The chart in one sentence: "Dossiers déposés : de 1 200 en janvier 2025 à 3 400 en
    octobre 2026 (dossiers), au plus 3 400 en octobre 2026."""
    if not values:
        return f"{label} : aucune mesure."
    (first_month, first), (last_month, last) = values[0], values[-1]
    if len(values) == 1:
        return (
            f"{label} : {format_number(first)} {unit} en {month_label(first_month)}, seule mesure."
        )
    top_month, top = max(values, key=lambda pair: pair[1])
    low_month, low = min(values, key=lambda pair: pair[1])
    return (
        f"{label} : de {format_number(first)} en {month_label(first_month)} "
        f"à {format_number(last)} en {month_label(last_month)} ({unit}) ; "
        f"au plus {format_number(top)} en {month_label(top_month)}, "
        f"au moins {format_number(low)} en {month_label(low_month)}."
    )


def line_chart(
    *,
    label: str,
    unit: str,
    values: Sequence[tuple[datetime.date, Decimal]],
    targets: Sequence[tuple[datetime.date, Decimal]] = (),
    changes: Sequence[datetime.date] = (),
    width: int = 640,
    height: int = 260,
) -> LineChart:
    """A metric's monthly values (in month order) as a line broken where a month is missing,
    its objectives as diamonds, the months its definition changed as dashed vertical lines."""
    values = sorted(values)
    targets = sorted((month.replace(day=1), target) for month, target in targets)
    desc = describe_series(label, values, unit)
    if targets:
        desc += " Objectifs : " + ", ".join(
            f"{format_number(t)} en {month_label(m)}" for m, t in targets
        )
        desc += "."
    plot = Box(left=64, top=16, right=width - 16, bottom=height - 32)
    chart = LineChart(
        title=f"{label} ({unit}), par mois", desc=desc, width=width, height=height, plot=plot
    )
    if not values and not targets:
        return chart
    months = [month_index(m) for m, _ in values] + [month_index(m) for m, _ in targets]
    first, last = min(months), max(months)
    numbers = [v for _, v in values] + [t for _, t in targets]
    ticks = nice_ticks(min(0, *numbers), max(0, *numbers))
    y_labels = [format_compact(t) for t in ticks]
    # Room on the left for the widest y label, which ends 8 px before the plot.
    widest = max(text_width(text, 12) for text in y_labels)
    plot = chart.plot = replace(plot, left=max(plot.left, math.ceil(widest) + 8 + LABEL_PAD))
    x = Scale(first, last, plot.left, plot.right)
    y = Scale(float(ticks[0]), float(ticks[-1]), plot.bottom, plot.top)
    chart.x_ticks = month_ticks(first, last, x)
    chart.y_ticks = [Tick(y(t), text) for t, text in zip(ticks, y_labels, strict=True)]
    chart.zero = y(0) if ticks[0] < 0 else None
    segment: list[str] = []
    previous = None
    for month, value in values:
        index = month_index(month)
        command = "L" if previous is not None and index == previous + 1 else "M"
        if command == "M" and segment:
            chart.paths.append("".join(segment))
            segment = []
        segment.append(f"{command}{x(index)} {y(value)}")
        previous = index
        chart.points.append(
            Point(x(index), y(value), f"{month_label(month)} : {format_number(value)} {unit}")
        )
    if len(segment) > 1 or (segment and not chart.paths):
        chart.paths.append("".join(segment))
    chart.paths = [path for path in chart.paths if "L" in path]
    chart.targets = [
        Point(x(month_index(m)), y(t), f"Objectif {month_label(m)} : {format_number(t)} {unit}")
        for m, t in targets
    ]
    chart.changes = [
        Tick(x(month_index(m)), f"Nouvelle définition ({month_label(m, short=True)})")
        for m in changes
        if first <= month_index(m) <= last
    ]
    by_month = dict(values)
    objectives = dict(targets)
    chart.rows = [
        (
            month_label(m),
            format_number(by_month[m], 4) if m in by_month else "",
            format_number(objectives[m], 4) if m in objectives else "",
        )
        for m in sorted(set(by_month) | set(objectives))
    ]
    return chart


# Cost against impact, semester after semester --------------------------------------------------


@dataclass
class IsoLine:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    anchor: str  # text-anchor of the label: "end" on the right edge, "start" under the top edge
    lx: float
    ly: float


@dataclass
class TrajectoryChart:
    title: str
    desc: str
    width: int
    height: int
    plot: Box
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    path: str = ""
    points: list[Point] = field(default_factory=list)
    iso_lines: list[IsoLine] = field(default_factory=list)
    x_title: str = ""
    font: str = FONT

    @property
    def is_empty(self) -> bool:
        return not self.points

    @property
    def x_labels(self) -> list[Label]:
        return x_axis_labels(self.x_ticks, self.plot.x_labels_y, self.width)

    @property
    def y_title_label(self) -> Label:
        return Label(8, 14, "Coût du semestre", "start")

    @property
    def x_title_label(self) -> Label:
        return Label(self.plot.right, self.height - 4, self.x_title, "end").within(self.width)

    @property
    def iso_labels(self) -> list[Label]:
        return [
            Label(line.lx, line.ly, line.label, line.anchor, 11).within(self.width)
            for line in self.iso_lines
        ]

    @property
    def point_labels(self) -> list[Label]:
        """Each semester's name beside its point, inside the chart, above the x axis, off
        the other names, points, cost-per-unit labels and axis titles."""
        return place_labels(
            self.points,
            size=12,
            bounds=(LABEL_PAD, LABEL_PAD, self.width - LABEL_PAD, self.plot.bottom - LABEL_PAD),
            obstacles=[label.box for label in (*self.iso_labels, self.y_title_label)],
            segments=path_segments(self.path),
        )


def iso_costs(costs_per_unit: Sequence[Decimal], fallback: Decimal) -> list[Decimal]:
    """The cost-per-unit lines to draw (10ⁿ and 4 × 10ⁿ €), around the data's range."""
    positive = [c for c in costs_per_unit if c > 0] or [fallback if fallback > 0 else Decimal(1)]
    lo, hi = min(positive), max(positive)
    exponents = range(lo.adjusted() - 1, hi.adjusted() + 2)
    candidates = sorted(m.scaleb(e) for e in exponents for m in ISO_MANTISSAS)
    chosen = [c for c in candidates if lo / Decimal("2.5") <= c <= hi * Decimal("2.5")]
    if len(chosen) < 3:
        centre = math.log10(float(lo * hi)) / 2
        chosen = sorted(sorted(candidates, key=lambda c: abs(math.log10(c) - centre))[:4])
    while len(chosen) > 6:
        chosen = chosen[::2]
    return [c.normalize() + 0 for c in chosen]


def trajectory_chart(
    figures: Sequence, *, unit: str, width: int = 640, height: int = 340
) -> TrajectoryChart:
    """x = impact units of the semester, y = its cost; one point a semester (in order, the
    line joining consecutive semesters only), with lines of constant cost per unit through the
    origin behind them. A semester whose impact was measured in part has no point (its one
    month of impact against a whole semester's cost would read as a cost per unit): the
    description names it."""
    plotted = [f.cost is not None and f.impact is not None and f.complete for f in figures]
    known = [f for f, shown in zip(figures, plotted, strict=True) if shown]
    left_out = [f"{f.semester} ({f.measured_in_part})" for f in figures if not f.complete]
    without = f" Sans point : {', '.join(left_out)}." if left_out else ""
    plot = Box(left=72, top=36, right=width - 24, bottom=height - 44)
    title = f"Trajectoire : coût et {unit} par semestre"
    chart = TrajectoryChart(
        title=title, desc="", width=width, height=height, plot=plot, x_title=f"{unit} du semestre"
    )
    if not known:
        chart.desc = (
            "Aucun semestre n’a à la fois un coût et un impact mesuré sur les six mois." + without
        )
        return chart
    parts = [
        f"{f.semester} : {format_number(f.impact)} {unit} pour {format_euros(f.cost)}"
        + (f", soit {format_euros(f.cost_per_unit)} par unité" if f.cost_per_unit else "")
        for f in known
    ]
    chart.desc = "Coût et impact semestre après semestre. " + " ; ".join(parts) + "." + without
    x_ticks = nice_ticks(min(0, *(f.impact for f in known)), max(0, *(f.impact for f in known)))
    y_ticks = nice_ticks(min(0, *(f.cost for f in known)), max(0, *(f.cost for f in known)))
    x = Scale(float(x_ticks[0]), float(x_ticks[-1]), plot.left, plot.right)
    y = Scale(float(y_ticks[0]), float(y_ticks[-1]), plot.bottom, plot.top)
    chart.x_ticks = [Tick(x(t), format_compact(t)) for t in x_ticks]
    chart.y_ticks = [Tick(y(t), format_compact(t) + NNBSP + "€") for t in y_ticks]
    chart.points = [Point(x(f.impact), y(f.cost), str(f.semester)) for f in known]
    # Joined across a semester without a point, the line would read as one semester's step.
    chart.path = "".join(
        f"{'L' if i and plotted[i - 1] else 'M'}{x(f.impact)} {y(f.cost)}"
        for i, f in enumerate(figures)
        if plotted[i]
    )
    x_max, y_max = x_ticks[-1], y_ticks[-1]
    if x_max <= 0 or y_max <= 0:
        return chart
    for cost in iso_costs([f.cost_per_unit for f in known if f.cost_per_unit], y_max / x_max):
        if cost * x_max <= y_max:  # leaves by the right edge: label above its end
            end_x, end_y, anchor = x_max, cost * x_max, "end"
            lx, ly = x(end_x) - 4, y(end_y) - 6
        else:  # leaves by the top edge: label beside its end, inside the plot
            end_x, end_y, anchor = y_max / cost, y_max, "start"
            lx, ly = x(end_x) + 4, y(end_y) + 12
        label = f"{format_number(cost, 2, fixed=cost != cost.to_integral())}{NNBSP}€"
        chart.iso_lines.append(
            IsoLine(x(0), y(0), x(end_x), y(end_y), label, anchor, round(lx, 1), round(ly, 1))
        )
    return chart
