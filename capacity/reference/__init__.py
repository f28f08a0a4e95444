"""Reference data: the municipality structures, names, IMDi's vocabulary."""
