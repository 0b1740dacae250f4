"""Message understanding: free text and ``/crm`` subcommands become one contract intent."""

from .parser import parse

__all__ = ["parse"]
