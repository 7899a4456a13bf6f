"""Side-by-side benchmarks of keras_aegan against native loops."""
