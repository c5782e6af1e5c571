"""Importing n8n workflows: `translate(obj) -> (document, report)`."""

from __future__ import annotations

from .translate import NotN8n, translate

__all__ = ["NotN8n", "translate"]
