"""Shared Streamlit UI: runtime resources, the login gate, navigation and widgets."""
