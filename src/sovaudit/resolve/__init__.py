"""Stage 3, resolve: each model's provenance from the knowledge base, local artifacts and the Hub."""
