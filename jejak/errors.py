"""Domain errors. Each carries the exit code the CLI uses and the HTTP status the API uses."""

from __future__ import annotations


class JejakError(Exception):
    """An error a user can act on; its message is one line, shown without a traceback."""

    exit_code = 1
    http_status = 500


class ConfigError(JejakError):
    """A setting is malformed (e.g. ``JEJAK_GRAPH_URL``)."""

    exit_code = 2
    http_status = 500


class EngineUnavailable(JejakError):
    """The graph engine cannot be reached, refused our credentials, or cannot start."""

    exit_code = 3
    http_status = 503


class GraphBusy(JejakError):
    """Another process holds the embedded graph and it cannot be shared right now."""

    exit_code = 4
    http_status = 503


class QueryError(JejakError):
    """The engine rejected a query."""

    exit_code = 5
    http_status = 500


class InputError(JejakError):
    """Bad user input: an unknown id, an ambiguous reference, an unreadable file."""

    exit_code = 6
    http_status = 400


class NotFound(InputError):
    http_status = 404


class Forbidden(InputError):
    """The caller's role may not ask this (e.g. look a person up by a NIK it sees masked)."""

    http_status = 403
