"""Stage 5, assess: exposure per layer and jurisdiction, then the policy, baseline and suppressions."""
