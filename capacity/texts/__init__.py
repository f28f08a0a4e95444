"""Texts in every language: the catalogues (`locales/`), numbers and dates with Babel."""
