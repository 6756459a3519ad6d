"""Altair charts the pages draw: rates as bars, distributions, trends, queues. Labels in Chinese."""

from __future__ import annotations

import altair as alt
import pandas as pd

COMPLETION_COLOR = "#2f6f9f"
WARNING_COLOR = "#d08c2c"
ERROR_COLOR = "#c0392b"
NEUTRAL_COLOR = "#9aa7b1"
TREND_COLORS = [COMPLETION_COLOR, "#4aa3a2", WARNING_COLOR, NEUTRAL_COLOR]
BAND = 26  # pixels per bar of a horizontal bar chart
LABEL_LIMIT = 320  # pixels of a category label before it is cut


def rate_bars(frame: pd.DataFrame, category: str, rate: str, *, category_title: str, rate_title: str,
              tooltip: list | None = None) -> alt.Chart:
    """Horizontal bars of a rate (fraction) per category, lowest first."""
    data = frame[[category, rate, *(column for column, _ in (tooltip or []) if column not in (category, rate))]].copy()
    data[category] = data[category].astype(str)
    bars = alt.Chart(data).mark_bar(color=COMPLETION_COLOR, cornerRadiusEnd=3).encode(
        x=alt.X(f"{rate}:Q", title=rate_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        y=alt.Y(f"{category}:N", title=category_title, sort=alt.EncodingSortField(field=rate, order="ascending"),
                axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                 alt.Tooltip(f"{rate}:Q", title=rate_title, format=".1%"),
                 *(alt.Tooltip(column, title=title, format=",") for column, title in (tooltip or []))],
    )
    labels = bars.mark_text(align="left", dx=4, color="#333").encode(text=alt.Text(f"{rate}:Q", format=".1%"))
    return (bars + labels).properties(height=alt.Step(BAND))


def distribution(frame: pd.DataFrame, rate: str, *, title: str, count_title: str = "學校數") -> alt.Chart:
    """Histogram of a rate (fraction) across schools, in 5-point bins."""
    return alt.Chart(frame[[rate]].dropna()).mark_bar(color=COMPLETION_COLOR).encode(
        x=alt.X(f"{rate}:Q", bin=alt.Bin(step=0.05, extent=[0, 1]), title=title, axis=alt.Axis(format="%")),
        y=alt.Y("count():Q", title=count_title, axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[alt.Tooltip(f"{rate}:Q", bin=alt.Bin(step=0.05, extent=[0, 1]), title=title, format=".0%"),
                 alt.Tooltip("count():Q", title=count_title)],
    ).properties(height=260)


def trend(frame: pd.DataFrame, series: dict[str, str], *, x: str = "term_label", x_title: str = "學年度-學期") -> alt.Chart:
    """Lines of several rates (fractions) across terms; `series` maps column → label."""
    long = frame.melt(id_vars=[x], value_vars=list(series), var_name="measure", value_name="rate")
    long["measure"] = long["measure"].map(series)
    return alt.Chart(long).mark_line(point=True, strokeWidth=3).encode(
        x=alt.X(f"{x}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", title="比率", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=list(series.values()), range=TREND_COLORS[:len(series)])),
        tooltip=[alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip("measure:N", title="指標"),
                 alt.Tooltip("rate:Q", title="比率", format=".1%")],
    ).properties(height=280)


def stacked_counts(frame: pd.DataFrame, category: str, parts: dict[str, tuple[str, str]], *, category_title: str,
                   value_title: str = "件數", sort: list[str] | None = None, band: int | None = None) -> alt.Chart:
    """Stacked horizontal bars: `parts` maps column → (label, colour)."""
    long = frame.melt(id_vars=[category], value_vars=list(parts), var_name="part", value_name="count")
    long["part"] = long["part"].map({column: label for column, (label, _) in parts.items()})
    long[category] = long[category].astype(str)
    labels = [label for label, _ in parts.values()]
    colors = [color for _, color in parts.values()]
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("count:Q", title=value_title, stack="zero", axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y(f"{category}:N", title=category_title, sort=sort or "-x",
                axis=alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False)),
        color=alt.Color("part:N", title=None, scale=alt.Scale(domain=labels, range=colors),
                        legend=alt.Legend(orient="top")),
        order=alt.Order("part_order:Q"),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title), alt.Tooltip("part:N", title="項目"),
                 alt.Tooltip("count:Q", title=value_title, format=",")],
    ).transform_calculate(
        part_order=" + ".join(f"(datum.part == '{label}' ? {position} : 0)" for position, label in enumerate(labels))
    ).properties(height=alt.Step(band or BAND))
