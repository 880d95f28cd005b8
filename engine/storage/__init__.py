"""Tables, database sessions and schema migrations."""
