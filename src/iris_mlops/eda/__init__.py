"""Exploratory analysis of the Iris tables: charts with a one-sentence reading each, summary tables, one HTML."""
