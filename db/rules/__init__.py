"""Pure rules: no database, no UI. Each is unit-tested on its own."""
