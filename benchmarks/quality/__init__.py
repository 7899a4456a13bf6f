"""Quality benchmarks: train models, score samples on published protocols.

Run from the repository root (see README.md in this folder):

    python -m benchmarks.quality.digits --models aegan,bigan --seeds 0,1,2
    python -m benchmarks.quality.ring_grid --models aegan --steps 5000
    python -m benchmarks.quality.stacked --models aegan --epochs 10
"""
