"""The Databricks bundle as the single definition of the jobs: loading, checks, and a local runner for its job graph.

`iris_mlops.workflow.runner.run_job("iris_workflow", env="local")` runs a job's tasks in-process.
"""
