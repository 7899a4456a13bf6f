"""tensorflow gradient mechanics."""
