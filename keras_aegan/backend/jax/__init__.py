"""jax gradient mechanics."""
