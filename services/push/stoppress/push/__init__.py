"""Stop Press push gateway: protocol v1 over WebSocket, SSE and REST (see docs/protocol.md).

Pure core (no I/O, unit-tested without a loop): :mod:`~stoppress.push.filters`,
:mod:`~stoppress.push.cursor`, :mod:`~stoppress.push.ring`,
:mod:`~stoppress.push.stories`, :mod:`~stoppress.push.resume`,
:mod:`~stoppress.push.outbound`, :mod:`~stoppress.push.limits`,
:mod:`~stoppress.push.tokens`, :mod:`~stoppress.push.messages`,
:mod:`~stoppress.push.frames`, :mod:`~stoppress.push.sse`, :mod:`~stoppress.push.atom`.
I/O edges: :mod:`~stoppress.push.feeds` and :mod:`~stoppress.push.history`
(Kafka), :mod:`~stoppress.push.hub`, :mod:`~stoppress.push.outlet`,
:mod:`~stoppress.push.streaming`, :mod:`~stoppress.push.wsession`,
:mod:`~stoppress.push.routes` (sockets), assembled by :mod:`~stoppress.push.gateway`.
"""

from stoppress.push.gateway import Gateway
from stoppress.push.settings import PushSettings
from stoppress.push.tokens import issue_token

__all__ = ["Gateway", "PushSettings", "issue_token"]
