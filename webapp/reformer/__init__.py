"""The reformer blueprint: analysis and what-if scenarios (``views``), pilots (``pilots``)."""

from webapp.reformer import pilots, views

bp = views.bp  # the pilot pages register on the same blueprint

__all__ = ["bp", "pilots", "views"]
