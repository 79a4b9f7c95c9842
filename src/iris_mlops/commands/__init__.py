"""CLI command groups other than the tasks: config, tables, batches, quality, models, workflow, workspace."""
