"""Asking suppliers for what is missing, and keeping the record of asking.

- `scope`: which rows are one supplier's part of the chains, and what is missing there;
- `workbook`: the request workbook, in the blank template's layout, pre-filled and marked;
- `log`: sending a request (workbook and log in one transaction) and listing the log;
- `returns`: what an import answers, and a returned workbook's changes outside the request;
- `due_diligence`: the rows of the review workbook's "Due diligence" sheet.
"""

from .log import DEFAULT_DAYS, NothingToAsk, Sent, list_requests, send_request

__all__ = ["send_request", "list_requests", "Sent", "DEFAULT_DAYS", "NothingToAsk"]
