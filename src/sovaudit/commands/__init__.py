"""The architects' commands built on the pipeline: compare, stack, alternatives, diff."""
