"""Payment providers behind a small interface, so tests run against a stand-in."""
