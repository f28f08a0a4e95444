"""The domain: models (figures, batches, events), households and rules. Pure: no SQL, no I/O, nothing of the other layers."""
