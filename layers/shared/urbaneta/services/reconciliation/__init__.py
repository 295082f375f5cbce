"""Bank statement import and reconciliation: ``importing`` (the request), ``background`` (uploads, jobs and the
worker), ``slices`` (one slice of lines: dedupe, match, write, pay), ``lines``, ``matching``, ``applying``,
``queries`` (reading a statement, matching by hand)."""

from urbaneta.services.reconciliation.background import handle_message, import_upload, upload
from urbaneta.services.reconciliation.importing import MAX_STATEMENT_BYTES, import_statement
from urbaneta.services.reconciliation.queries import get_statement, match_entry

__all__ = ["MAX_STATEMENT_BYTES", "get_statement", "handle_message", "import_statement", "import_upload",
           "match_entry", "upload"]
