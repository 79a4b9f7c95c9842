"""Online serving (the MLflow scoring protocol over HTTP) and A/B testing of champion against challenger."""
