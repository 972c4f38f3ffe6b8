"""Reference data derived from public sources (the HTS), with the code that derives it."""
