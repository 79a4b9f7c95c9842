"""Engineered features: defined once (definitions), built into the feature table on Spark (transforms)."""
