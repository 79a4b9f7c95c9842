"""A benchmark of ten models with default settings under one repeated stratified cross-validation."""
