"""torch gradient mechanics."""
