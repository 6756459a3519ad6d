"""Drawing pieces more than one page uses."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import formatting as fmt


def download_buttons(table: pd.DataFrame, name: str, sheet: str) -> None:
    """The table as .xlsx and as CSV (Chinese headers, as shown), through formatting's cell-safe writers."""
    left, right, _ = st.columns([1, 1, 4])
    left.download_button("下載 Excel (.xlsx)", fmt.to_xlsx_bytes(table, sheet), file_name=f"{name}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         icon=":material/download:", on_click="ignore", key=f"xlsx_{name}")
    right.download_button("下載 CSV", fmt.to_csv_bytes(table), file_name=f"{name}.csv", mime="text/csv",
                          icon=":material/download:", on_click="ignore", key=f"csv_{name}")
