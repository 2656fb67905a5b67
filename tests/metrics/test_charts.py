"""Chart geometry, scales and French formats, without a browser."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from metrics.charts import (
    NNBSP,
    Label,
    Point,
    Scale,
    format_compact,
    format_euros,
    format_number,
    format_percent,
    iso_costs,
    line_chart,
    nice_ticks,
    overlap,
    place_labels,
    text_width,
    trajectory_chart,
)
from metrics.figures import SemesterFigures
from startups.dates import Semester

D = Decimal


def month(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text + "-01")


def french(text: str) -> str:
    return text.replace(NNBSP, " ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("1234567.5"), "1 234 567,5"),
        (D("0.40"), "0,4"),
        (D("-3"), "−3"),
        (D("1200.0000"), "1 200"),
        (D("-0.001"), "0"),
        (None, "–"),
    ],
)
def test_numbers_in_french(value, expected):
    assert french(format_number(value)) == expected


def test_euros_percent_and_compact_ticks():
    assert french(format_euros(D("0.4"))) == "0,40 €"
    assert french(format_euros(D("240000.4"))) == "240 000 €"
    assert french(format_euros(D("0"))) == "0 €"  # nothing, not "0,00 €"
    assert french(format_percent(D("-0.6364"))) == "−63,6 %"
    assert french(format_percent(D("1.75"))) == "+175 %"
    assert [french(format_compact(D(v))) for v in ("2500", "250000", "1500000", "2e9")] == [
        "2 500",
        "250 k",
        "1,5 M",
        "2 Md",
    ]
    assert format_compact(D("0.0002")) == "0,0002"


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 3400, [0, 1000, 2000, 3000, 4000]),
        (-120, 45, [-150, -100, -50, 0, 50]),
        (0, 0, [0, D("0.2"), D("0.4"), D("0.6"), D("0.8"), 1]),
        (0, D("0.0007"), [0, D("0.0002"), D("0.0004"), D("0.0006"), D("0.0008")]),
    ],
)
def test_nice_ticks_are_round_and_cover_the_data(lo, hi, expected):
    assert nice_ticks(D(lo), D(hi)) == [D(v) for v in expected]


def test_nice_ticks_for_huge_values_stay_few():
    ticks = nice_ticks(D(0), D("9.9e14"))
    assert ticks[0] == 0 and ticks[-1] >= D("9.9e14") and len(ticks) <= 7


def test_scale_maps_linearly_and_a_single_value_to_the_middle():
    assert Scale(0, 100, 300, 20)(25) == 230
    assert Scale(5, 5, 0, 100)(5) == 50


def test_line_chart_geometry_axes_and_text_alternative():
    values = [(month("2025-01"), D(1200)), (month("2025-02"), D(1500)), (month("2026-10"), D(3400))]
    chart = line_chart(
        label="Dossiers déposés",
        unit="dossiers",
        values=values,
        targets=[(datetime.date(2026, 12, 31), D(5000))],
        changes=[month("2026-03")],
    )
    plot = chart.plot
    # The first month on the left edge, the objective's month on the right edge.
    assert chart.points[0].x == plot.left and chart.targets[0].x == plot.right
    # y from 0 at the bottom to the objective's 5 000, a round tick, at the top.
    assert chart.points[0].y < plot.bottom and chart.y_ticks[0].position == plot.bottom
    assert chart.y_ticks[0].label == "0" and french(chart.y_ticks[-1].label) == "5 000"
    assert chart.targets[0].y == plot.top
    # A missing month breaks the line: one segment January–February, October alone as a dot.
    assert len(chart.paths) == 1 and chart.paths[0].count("L") == 1
    assert len(chart.points) == 3
    assert [t.label for t in chart.x_ticks] == [
        "janv. 2025",
        "juil. 2025",
        "janv. 2026",
        "juil. 2026",
    ]
    assert french(chart.desc).startswith(
        "Dossiers déposés : de 1 200 en janvier 2025 à 3 400 en octobre 2026 (dossiers)"
    )
    assert "Objectifs : 5 000 en décembre 2026." in french(chart.desc)
    assert [c.label for c in chart.changes] == ["Nouvelle définition (mars 2026)"]
    assert [french(" | ".join(r)) for r in chart.rows[:1] + chart.rows[-1:]] == [
        "janvier 2025 | 1 200 | ",
        "décembre 2026 |  | 5 000",
    ]


def test_line_chart_months_ticks_for_a_short_span():
    values = [(month(f"2026-0{m}"), D(m)) for m in range(1, 8)]
    chart = line_chart(label="Visites", unit="visites", values=values)
    assert [t.label for t in chart.x_ticks] == ["janv. 2026", "mars 2026", "mai 2026", "juil. 2026"]


def test_line_chart_without_data_is_empty_and_says_so():
    chart = line_chart(label="Visites", unit="visites", values=[])
    assert chart.is_empty and chart.desc == "Visites : aucune mesure."


def test_line_chart_with_one_point_puts_it_in_the_middle():
    chart = line_chart(label="Visites", unit="visites", values=[(month("2026-05"), D(12))])
    [point] = chart.points
    assert point.x == (chart.plot.left + chart.plot.right) / 2
    assert chart.paths == []
    assert "seule mesure" in chart.desc


def test_line_chart_with_negative_values_draws_the_zero_line_inside():
    values = [(month("2026-01"), D(-50)), (month("2026-02"), D(30))]
    chart = line_chart(label="Solde", unit="comptes", values=values)
    assert chart.y_ticks[0].label.startswith("−")
    assert chart.plot.top < chart.zero < chart.plot.bottom
    assert chart.points[0].y > chart.zero > chart.points[1].y


def test_line_chart_with_huge_values_stays_in_its_box():
    values = [(month("2026-01"), D("1")), (month("2026-02"), D("9.99e14"))]
    chart = line_chart(label="Octets", unit="octets", values=values)
    assert all(chart.plot.top <= p.y <= chart.plot.bottom for p in chart.points)
    assert french(chart.y_ticks[-1].label) == "1 000 000 Md"


def figures(semester, cost, impact, months_measured=6):
    complete = months_measured == 6
    per_unit = D(cost) / D(impact) if cost is not None and impact and complete else None
    return SemesterFigures(
        semester=semester,
        cost=None if cost is None else D(cost),
        cost_source="budget",
        impact=None if impact is None else D(impact),
        cost_per_unit=per_unit,
        change=None,
        increasing_returns=None,
        months_measured=months_measured,
    )


def test_trajectory_points_in_order_with_iso_cost_lines():
    chart = trajectory_chart(
        [
            figures(Semester(2020, 2), 330_000, 300_000),
            figures(Semester(2021, 1), 240_000, 600_000),
            figures(Semester(2021, 2), None, 650_000),  # no known cost: no point
        ],
        unit="dossiers",
    )
    assert [p.label for p in chart.points] == ["S2 2020", "S1 2021"]
    first, second = chart.points
    assert second.x > first.x and second.y > first.y  # more impact, less cost (y grows down)
    assert chart.path == f"M{first.x} {first.y}L{second.x} {second.y}"
    assert [french(line.label) for line in chart.iso_lines] == ["0,10 €", "0,40 €", "1 €", "4 €"]
    # Every line starts at the origin and ends on the plot's right or top edge.
    for line in chart.iso_lines:
        assert (line.x1, line.y1) == (chart.plot.left, chart.plot.bottom)
        assert line.x2 == chart.plot.right or line.y2 == chart.plot.top
    # The 0,40 € line goes through S1 2021 (600 000 dossiers for 240 000 €).
    through = chart.iso_lines[1]
    slope = (through.y1 - through.y2) / (through.x2 - through.x1)
    assert abs((chart.plot.bottom - second.y) / (second.x - chart.plot.left) - slope) < 0.01
    assert "S1 2021 : 600 000 dossiers pour 240 000 €, soit 0,40 € par unité" in french(chart.desc)


def test_a_semester_measured_in_part_has_no_point_and_breaks_the_line():
    """A metric started in December: its first semester's one month of impact against a whole
    semester's cost would read as a cost per unit on the chart."""
    chart = trajectory_chart(
        [
            figures(Semester(2025, 2), 60_000, 10_000, months_measured=1),
            figures(Semester(2026, 1), 57_600, 60_000),
            figures(Semester(2026, 2), 60_000, 50_000, months_measured=5),
            figures(Semester(2027, 1), 60_000, 80_000),
        ],
        unit="dossiers",
    )
    assert [p.label for p in chart.points] == ["S1 2026", "S1 2027"]
    first, second = chart.points
    assert chart.path == f"M{first.x} {first.y}M{second.x} {second.y}"  # not joined across
    desc = french(chart.desc)
    assert "S2 2025 : 10 000 dossiers" not in desc
    assert "S1 2026 : 60 000 dossiers pour 57 600 €, soit 0,96 € par unité" in desc
    assert (
        "Sans point : S2 2025 (impact mesuré sur 1 mois seulement), "
        "S2 2026 (impact mesuré sur 5 mois seulement)." in desc
    )
    # The lines follow the plotted semesters only: S2 2025's 6 € would have added a 10 € one.
    assert [french(line.label) for line in chart.iso_lines] == ["0,10 €", "0,40 €", "1 €", "4 €"]


def test_trajectory_of_semesters_all_measured_in_part_is_empty():
    chart = trajectory_chart(
        [figures(Semester(2025, 2), 60_000, 10_000, months_measured=1)], unit="dossiers"
    )
    assert chart.is_empty
    assert french(chart.desc) == (
        "Aucun semestre n’a à la fois un coût et un impact mesuré sur les six mois. "
        "Sans point : S2 2025 (impact mesuré sur 1 mois seulement)."
    )


def test_trajectory_without_known_semesters_is_empty():
    chart = trajectory_chart([figures(Semester(2021, 1), None, 10)], unit="dossiers")
    assert chart.is_empty and "Aucun semestre" in chart.desc


def test_iso_costs_follow_the_data_range():
    assert iso_costs([D("1.1"), D("0.4")], D(1)) == [D("0.1"), D("0.4"), D(1), D(4)]
    assert iso_costs([D(120), D(80)], D(1)) == [D(10), D(40), D(100), D(400)]
    assert len(iso_costs([D("0.001"), D(1000)], D(1))) <= 6


def test_month_ticks_stay_few_even_over_a_century():
    from metrics.charts import Scale, month_ticks

    first, last = 2024 * 12, 2099 * 12  # an objective due in 2099
    ticks = month_ticks(first, last, Scale(first, last, 0, 600))
    assert 2 <= len(ticks) <= 7


# Labels inside the chart and off each other


def inside(label, chart) -> bool:
    left, top, right, bottom = label.box
    return left >= 0 and right <= chart.width and top >= 0 and bottom <= chart.height


def svg_texts(svg: str) -> list:
    """Each <text> of a rendered chart as a Label, to check the markup as well as the geometry."""
    found = re.findall(
        r'<text x="([\d.-]+)" y="([\d.-]+)"(?: text-anchor="(\w+)")?[^>]*?font-size="(\d+)"[^>]*>'
        r"([^<]*)</text>",
        svg,
    )
    return [
        Label(float(x), float(y), text, anchor or "start", int(size))
        for x, y, anchor, size, text in found
    ]


def test_the_last_month_label_stays_inside_the_chart():
    """January to November: "nov. 2026" under the right edge, as wide as ever ("nov. 20…" was cut)."""
    values = [(month(f"2026-{m:02d}"), D(m * 1000)) for m in range(1, 12)]
    chart = line_chart(label="Dossiers", unit="dossiers", values=values)
    assert chart.x_ticks[-1].position == chart.plot.right
    labels = chart.x_labels
    assert labels[-1].text == "nov. 2026" and all(inside(label, chart) for label in labels)
    assert labels[-1].box[2] <= chart.width - 2  # the estimated width, a margin to spare
    assert all(overlap(a.box, b.box) == 0 for a, b in zip(labels, labels[1:], strict=False))
    # The first one, centred on its tick, is left as it is.
    assert labels[0].x == chart.x_ticks[0].position and labels[0].anchor == "middle"


def test_wide_y_labels_widen_the_left_margin():
    values = [(month("2026-01"), D("1")), (month("2026-02"), D("9.99e14"))]
    chart = line_chart(label="Octets", unit="octets", values=values)
    widest = max(text_width(tick.label, 12) for tick in chart.y_ticks)
    assert chart.plot.y_labels_x - widest >= 0
    assert chart.points[0].x == chart.plot.left
    # Labels that fit keep the usual margin.
    assert line_chart(label="Visites", unit="visites", values=values[:1]).plot.left == 64


def test_definition_changes_near_the_right_edge_are_labelled_inside_and_apart():
    values = [(month(f"2026-{m:02d}"), D(m)) for m in range(1, 12)]
    chart = line_chart(
        label="Visites", unit="visites", values=values, changes=[month("2026-10"), month("2026-11")]
    )
    first, second = chart.change_labels
    assert inside(first, chart) and inside(second, chart)
    assert second.anchor == "end"  # on the left of its line, the right edge being too close
    assert overlap(first.box, second.box) == 0


def crowded():
    """Seven semesters, four of them nearly at the same place, the last ones on the right."""
    rows = [
        ((2023, 1), 300_000, 9_000),
        ((2023, 2), 310_000, 9_500),
        ((2024, 1), 305_000, 9_800),
        ((2024, 2), 382_000, 9_300),
        ((2025, 1), 337_000, 14_000),
        ((2025, 2), 307_000, 22_700),
        ((2026, 1), 300_000, 23_500),
    ]
    return trajectory_chart(
        [figures(Semester(*semester), cost, impact) for semester, cost, impact in rows],
        unit="dossiers",
    )


def test_trajectory_labels_stay_inside_and_never_cover_each_other():
    chart = crowded()
    labels = chart.point_labels
    assert [label.text for label in labels] == [str(p.label) for p in chart.points]
    assert all(inside(label, chart) for label in labels + chart.iso_labels)
    assert all(label.box[3] <= chart.plot.bottom for label in labels)  # above the x axis
    others = [label.box for label in chart.iso_labels + [chart.y_title_label]]
    for index, label in enumerate(labels):
        assert all(overlap(label.box, other.box) == 0 for other in labels[index + 1 :])
        assert all(overlap(label.box, other) == 0 for other in others)
        points = [p for p in chart.points if p.label != label.text]
        assert all(overlap(label.box, (p.x - 4, p.y - 4, p.x + 4, p.y + 4)) == 0 for p in points)


def test_a_label_goes_above_right_of_its_point_unless_that_leaves_the_chart():
    free = place_labels([Point(100, 100, "S1 2025")], size=12, bounds=(2, 2, 638, 294))
    assert [(label.x, label.y, label.anchor) for label in free] == [(108, 92, "start")]
    # A lone semester is in the top right corner: its name goes to the left, inside.
    chart = trajectory_chart([figures(Semester(2025, 1), 240_000, 600_000)], unit="dossiers")
    [point], [label] = chart.points, chart.point_labels
    assert point.x == chart.plot.right and label.anchor == "end" and inside(label, chart)


@pytest.mark.parametrize("kind", ["line", "trajectory"])
def test_every_text_of_the_rendered_svg_stays_inside_its_viewbox(kind):
    if kind == "line":
        values = [(month(f"2026-{m:02d}"), D(m) * D("1e9")) for m in range(1, 12)]
        chart = line_chart(label="Octets", unit="octets", values=values, changes=[month("2026-11")])
    else:
        chart = crowded()
    svg = render_to_string(f"metrics/charts/{kind}.html", {"chart": chart, "chart_id": "c"})
    texts = svg_texts(svg)
    assert len(texts) >= len(chart.x_ticks) + len(chart.y_ticks)
    assert all(inside(text, chart) for text in texts), [t for t in texts if not inside(t, chart)]
