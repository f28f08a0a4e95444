"""Figures and whole databases in and out: IMDi's formats, imports, exports, restores of JSON exports."""
