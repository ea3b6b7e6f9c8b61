"""Stored designs: one design document per row, its revisions, owners and share links."""
