"""Speed and scale benchmarks for infoview-analytics (``python -m benchmarks.run``)."""
