"""Invoicing by use case: ``queries`` (reads), ``generation`` (bulk generation worker and numbering),
``documents`` (PDFs), ``sending`` (bulk e-mail worker), ``lifecycle`` (PATCH, credit notes), ``sweep`` (overdue).
Shared pieces (events, queues, visibility) are in ``common``. Import the module a function needs, not this
package: a handler loads only its own use cases."""
