"""AutoML over six model families: seeded search, stratified CV on the training split, a deterministic winner."""
