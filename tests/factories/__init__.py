"""Builders of test data shared by several test modules: plain functions and constants, no
fixtures and no tests. Import them as ``from tests.factories.<module> import ...``; a test
module never imports another test module."""
