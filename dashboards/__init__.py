"""Streamlit dashboards: completion for every school and class, by role (app.py is the router)."""
