"""Training, evaluation, MLflow tracking, the registry and the promotion gate."""
