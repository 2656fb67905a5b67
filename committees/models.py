"""Committees, sessions, reports, votes and decisions: issues 4 and 5."""
