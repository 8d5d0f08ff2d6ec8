"""Data layer of the governance console: models, rules, queries and services.

Nothing in this package imports streamlit; pages and components call into it.
"""
