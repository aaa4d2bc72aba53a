"""arbor: publish and subscribe through the local arbord, over libarbor (arbor.h) by ctypes.

    import arbor
    with arbor.Client(name="feed") as client:          # run_dir=None: ARBOR_RUN_DIR, else /run/arbor
        client.subscribe("nasdaq.quotes", b"AAPL")
        client.publish_nowait("nasdaq.quotes", b"AAPL", b"189.5")
        client.flush()
        event = client.next_event(timeout=1.0)         # Message, Gap, Refusal or None

Every failure raises ArborError (its `status` is the library's code, `refusal` the node's
error code for a refused request, the message is the library's one line). A Client is not
thread-safe: use one from one thread at a time, like the C library. The library is found as
$ARBOR_LIBRARY, else libarbor.so.1 on the loader's path.
"""
import ctypes
import ctypes.util
import os
from typing import Iterator, NamedTuple, Optional, Union

__all__ = ["Client", "ArborError", "Message", "Gap", "Refusal"]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("origin", ctypes.c_uint8 * 16),
        ("incarnation", ctypes.c_uint64),
        ("sequence", ctypes.c_uint64),
        ("first", ctypes.c_uint64),
        ("last", ctypes.c_uint64),
        ("topology", ctypes.c_char_p),
        ("topic", ctypes.POINTER(ctypes.c_uint8)),
        ("topic_len", ctypes.c_size_t),
        ("payload", ctypes.POINTER(ctypes.c_uint8)),
        ("payload_len", ctypes.c_size_t),
        ("error_code", ctypes.c_uint16),
        ("error_text", ctypes.c_char_p),
    ]


def _load():
    names = [os.environ["ARBOR_LIBRARY"]] if os.environ.get("ARBOR_LIBRARY") else []
    names += ["libarbor.so.1", ctypes.util.find_library("arbor")]
    problems = []
    for name in filter(None, names):
        try:
            return ctypes.CDLL(name)
        except OSError as error:
            problems.append(str(error))
    raise ImportError("libarbor not found (install the arbor package or set ARBOR_LIBRARY): "
                      + "; ".join(problems))


_lib = _load()
_client_p = ctypes.c_void_p
_lib.arbor_connect.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_client_p)]
_lib.arbor_connect_path.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_client_p)]
_lib.arbor_close.argtypes = [_client_p]
_lib.arbor_close.restype = None
for _name in ("arbor_fd", "arbor_pending"):
    getattr(_lib, _name).argtypes = [_client_p]
_lib.arbor_node_name.argtypes = [_client_p]
_lib.arbor_node_name.restype = ctypes.c_char_p
_lib.arbor_node_id.argtypes = [_client_p]
_lib.arbor_node_id.restype = ctypes.POINTER(ctypes.c_uint8)
_lib.arbor_protocol_version.argtypes = [_client_p]
_lib.arbor_protocol_version.restype = ctypes.c_uint
_lib.arbor_max_message_size.argtypes = [_client_p]
_lib.arbor_max_message_size.restype = ctypes.c_uint32
_lib.arbor_last_refusal.argtypes = [_client_p]
_lib.arbor_last_refusal.restype = ctypes.c_uint
_lib.arbor_last_error.argtypes = [_client_p]
_lib.arbor_last_error.restype = ctypes.c_char_p
_lib.arbor_strerror.argtypes = [ctypes.c_int]
_lib.arbor_strerror.restype = ctypes.c_char_p
_lib.arbor_refusal_name.argtypes = [ctypes.c_uint]
_lib.arbor_refusal_name.restype = ctypes.c_char_p
for _name in ("arbor_attach", "arbor_detach"):
    getattr(_lib, _name).argtypes = [_client_p, ctypes.c_char_p]
for _name in ("arbor_subscribe", "arbor_subscribe_nowait", "arbor_unsubscribe"):
    getattr(_lib, _name).argtypes = [_client_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
for _name in ("arbor_publish", "arbor_publish_nowait"):
    getattr(_lib, _name).argtypes = [_client_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                                     ctypes.c_char_p, ctypes.c_size_t]
_lib.arbor_flush.argtypes = [_client_p]
_lib.arbor_next_event.argtypes = [_client_p, ctypes.POINTER(_Event), ctypes.c_int]

_TIMEOUT = -11
OK = 0


class ArborError(Exception):
    """A failed call: `status` (the library's arbor_status), `refusal` (the node's error
    code when the node refused the request, else 0), str() the library's one line."""

    def __init__(self, status: int, message: str, refusal: int = 0):
        super().__init__(message)
        self.status, self.refusal = status, refusal

    @property
    def status_name(self) -> str:
        return _lib.arbor_strerror(self.status).decode()


class Message(NamedTuple):
    topology: str
    topic: bytes
    payload: bytes
    origin: str  # the publishing node's id, 32 hex digits
    incarnation: int
    sequence: int


class Gap(NamedTuple):
    topology: str
    origin: str
    incarnation: int
    first: int
    last: int


class Refusal(NamedTuple):
    """The node refused an unacknowledged request (publish_nowait, subscribe_nowait)."""
    code: int
    name: str
    text: str


Event = Union[Message, Gap, Refusal]


def _bytes(value) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


class Client:
    """One connection to a node's client.sock (see the module's documentation)."""

    def __init__(self, run_dir: Optional[str] = None, name: str = "python",
                 socket_path: Optional[str] = None):
        handle = _client_p()
        if socket_path is not None:
            status = _lib.arbor_connect_path(os.fsencode(socket_path), name.encode(), ctypes.byref(handle))
        else:
            status = _lib.arbor_connect(os.fsencode(run_dir) if run_dir else None, name.encode(),
                                        ctypes.byref(handle))
        self._c = handle
        if status != OK:
            error = self._error(status)
            self.close()
            raise error

    def _error(self, status: int) -> ArborError:
        if not self._c:
            return ArborError(status, _lib.arbor_strerror(status).decode())
        return ArborError(status, _lib.arbor_last_error(self._c).decode(errors="replace"),
                          _lib.arbor_last_refusal(self._c))

    def _check(self, status: int) -> None:
        if status != OK:
            raise self._error(status)

    def _live(self):
        if not self._c:
            raise ArborError(-7, "the client is closed")
        return self._c

    @property
    def node_name(self) -> str:
        return _lib.arbor_node_name(self._live()).decode(errors="replace")

    @property
    def node_id(self) -> str:
        return bytes(_lib.arbor_node_id(self._live())[:16]).hex()

    @property
    def protocol_version(self) -> int:
        return _lib.arbor_protocol_version(self._live())

    @property
    def max_message_size(self) -> int:
        return _lib.arbor_max_message_size(self._live())

    def fileno(self) -> int:
        """The socket, for select/poll; drain pending() events before waiting on it."""
        return _lib.arbor_fd(self._live())

    def pending(self) -> bool:
        return bool(_lib.arbor_pending(self._live()))

    def attach(self, topology: str) -> None:
        self._check(_lib.arbor_attach(self._live(), topology.encode()))

    def detach(self, topology: str) -> None:
        self._check(_lib.arbor_detach(self._live(), topology.encode()))

    def subscribe(self, topology: str, prefix=b"") -> None:
        p = _bytes(prefix)
        self._check(_lib.arbor_subscribe(self._live(), topology.encode(), p, len(p)))

    def subscribe_nowait(self, topology: str, prefix=b"") -> None:
        """Unacknowledged: sent at once; refusals come as Refusal events and from flush()."""
        p = _bytes(prefix)
        self._check(_lib.arbor_subscribe_nowait(self._live(), topology.encode(), p, len(p)))

    def unsubscribe(self, topology: str, prefix=b"") -> None:
        p = _bytes(prefix)
        self._check(_lib.arbor_unsubscribe(self._live(), topology.encode(), p, len(p)))

    def publish(self, topology: str, topic, payload) -> None:
        """Acknowledged: returns after the node's OK, raises its refusal."""
        t, p = _bytes(topic), _bytes(payload)
        self._check(_lib.arbor_publish(self._live(), topology.encode(), t, len(t), p, len(p)))

    def publish_nowait(self, topology: str, topic, payload) -> None:
        """Unacknowledged: sent at once, no round trip; refusals come as Refusal events and from flush()."""
        t, p = _bytes(topic), _bytes(payload)
        self._check(_lib.arbor_publish_nowait(self._live(), topology.encode(), t, len(t), p, len(p)))

    def flush(self) -> None:
        """Returns once the node handled every earlier request; raises if it refused any unacknowledged one."""
        self._check(_lib.arbor_flush(self._live()))

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, or None when none came within `timeout` seconds (None: wait without limit)."""
        event = _Event()
        ms = -1 if timeout is None else max(0, int(timeout * 1000))
        status = _lib.arbor_next_event(self._live(), ctypes.byref(event), ms)
        if status == _TIMEOUT:
            return None
        self._check(status)
        if event.type == 3:
            name = _lib.arbor_refusal_name(event.error_code)
            return Refusal(event.error_code, name.decode() if name else str(event.error_code),
                           event.error_text.decode(errors="replace"))
        origin = bytes(event.origin).hex()
        topology = event.topology.decode()
        if event.type == 2:
            return Gap(topology, origin, event.incarnation, event.first, event.last)
        return Message(topology, ctypes.string_at(event.topic, event.topic_len),
                       ctypes.string_at(event.payload, event.payload_len), origin, event.incarnation,
                       event.sequence)

    def events(self, timeout: Optional[float] = None) -> Iterator[Event]:
        """Events until `timeout` seconds pass without one (None: until the connection ends)."""
        while True:
            event = self.next_event(timeout)
            if event is None:
                return
            yield event

    def close(self) -> None:
        if self._c:
            _lib.arbor_close(self._c)
            self._c = _client_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()
