"""One-class anomaly detection benchmark (DESIGN.md section 5, issue #18).

`python -m benchmarks.anomaly.run --help`; the protocol and the results
are in `benchmarks/anomaly/README.md`.
"""
