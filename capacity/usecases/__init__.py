"""The use cases: one transaction each, over the storage's repositories and the domain's rules."""
