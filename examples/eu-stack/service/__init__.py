"""kontor-insights: document summaries, ticket triage and semantic search."""
