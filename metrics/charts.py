"""Charts drawn on the server as hand-written SVG: geometry here, markup in templates/metrics/charts/.

No charting library and no JavaScript: the same markup serves the pages and the WeasyPrint PDF
dossiers, and we keep full control of its accessibility (role="img", a <title> and a <desc> that
say what the chart shows, the same figures in a data table beside it). SVG text does not inherit
the page's font in WeasyPrint: every <text> sets `font-family` itself (FONT).

Everything is plain values (Decimal in, floats rounded to 0.1 px out), unit-tested without a
browser in tests/metrics/test_charts.py.
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
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
    """Whole euros from 100 € on, cents below: "240 000 €", "0,40 €"."""
    if value is None:
        return "–"
    if abs(value) >= 100:
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
    def label_x(self) -> float:
        return round(self.x + 8, 1)

    @property
    def label_y(self) -> float:
        return round(self.y - 8, 1)

    @property
    def diamond(self) -> str:
        """An objective's marker: a shape, not only a colour."""
        r = 6
        return f"M{self.x} {self.y - r}L{self.x + r} {self.y}L{self.x} {self.y + r}L{self.x - r} {self.y}Z"


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
    x = Scale(first, last, plot.left, plot.right)
    numbers = [v for _, v in values] + [t for _, t in targets]
    ticks = nice_ticks(min(0, *numbers), max(0, *numbers))
    y = Scale(float(ticks[0]), float(ticks[-1]), plot.bottom, plot.top)
    chart.x_ticks = month_ticks(first, last, x)
    chart.y_ticks = [Tick(y(t), format_compact(t)) for t in ticks]
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
    """x = impact units of the semester, y = its cost; one point a semester, joined in order,
    with lines of constant cost per unit through the origin behind them."""
    known = [f for f in figures if f.cost is not None and f.impact is not None and f.complete]
    plot = Box(left=72, top=36, right=width - 24, bottom=height - 44)
    title = f"Trajectoire : coût et {unit} par semestre"
    chart = TrajectoryChart(
        title=title, desc="", width=width, height=height, plot=plot, x_title=f"{unit} du semestre"
    )
    if not known:
        chart.desc = "Aucun semestre n’a à la fois un coût et des unités d’impact connus."
        return chart
    parts = [
        f"{f.semester} : {format_number(f.impact)} {unit} pour {format_euros(f.cost)}"
        + (f", soit {format_euros(f.cost_per_unit)} par unité" if f.cost_per_unit else "")
        for f in known
    ]
    chart.desc = "Coût et impact semestre après semestre. " + " ; ".join(parts) + "."
    x_ticks = nice_ticks(min(0, *(f.impact for f in known)), max(0, *(f.impact for f in known)))
    y_ticks = nice_ticks(min(0, *(f.cost for f in known)), max(0, *(f.cost for f in known)))
    x = Scale(float(x_ticks[0]), float(x_ticks[-1]), plot.left, plot.right)
    y = Scale(float(y_ticks[0]), float(y_ticks[-1]), plot.bottom, plot.top)
    chart.x_ticks = [Tick(x(t), format_compact(t)) for t in x_ticks]
    chart.y_ticks = [Tick(y(t), format_compact(t) + NNBSP + "€") for t in y_ticks]
    chart.points = [Point(x(f.impact), y(f.cost), str(f.semester)) for f in known]
    chart.path = "".join(f"{'M' if i == 0 else 'L'}{p.x} {p.y}" for i, p in enumerate(chart.points))
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
