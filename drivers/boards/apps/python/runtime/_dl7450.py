# The board side of the DL-7450 runtime: calls into the host, the errors they raise, and the
# event loop that runs the mqtt module's callbacks while the app sleeps.
import io
import json
import sys
from binascii import hexlify, unhexlify

import _dl7450_js

# bytes cross to the host as {"$b": hex}: JSON has no bytes, and the host needs to tell them from str.
_BYTES_TAG = "$b"

_clients = {}
_in_callback = False


class MqttError(Exception):
    """The mqtt module's error: .errno, and .args == (errno, description)."""

    def __init__(self, errno, *rest):
        if not rest:
            rest = (call("error_description", errno),)
        super().__init__(errno, *rest)

    @property
    def errno(self):
        return self.args[0]


def _encode(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_BYTES_TAG: hexlify(value).decode()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        encoded = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("dict keys must be str, not %s" % type(key).__name__)
            encoded[key] = _encode(item)
        return encoded
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError("can't pass a %s to the mqtt module" % type(value).__name__)


def _decode(value):
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES_TAG in value:
            return bytearray(unhexlify(value[_BYTES_TAG]))
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def call(op, *args):
    """A synchronous call into the host; its errors are raised here as the host's module raised them."""
    reply = json.loads(_dl7450_js.call(json.dumps({"op": op, "args": _encode(args)})))
    if "ok" in reply:
        return _decode(reply["ok"])
    kind = reply["error"]
    if kind == "MqttError":
        raise MqttError(*(reply["args"] or [reply["errno"]]))
    if kind == "TypeError":
        raise TypeError(reply["message"])
    if kind == "ValueError":
        raise ValueError(reply["message"])
    raise RuntimeError(reply["message"])


def now():
    """The board clock, in ms."""
    return call("now")


def register_client(handle, client):
    _clients[handle] = client


def wait_until(until):
    """Sleeps until `until` on the board clock (None: forever), running callbacks as they arrive.
    A sleep inside a callback only waits: callbacks run one at a time, never nested."""
    deliver = not _in_callback
    while True:
        wake = call("wait", until, deliver)
        for event in wake["events"]:
            _dispatch(event)
        if wake["due"]:
            return


def _dispatch(event):
    global _in_callback
    client = _clients.get(event["client"])
    handler = client._handlers.get(event["kind"]) if client else None
    if handler is None:
        return
    _in_callback = True
    try:
        handler(*event["args"])
    except Exception as e:
        # Like MicroPython's scheduler: a failing callback is reported and the app goes on.
        # SystemExit and KeyboardInterrupt are not caught: they end the app.
        print_exception(e)
    finally:
        _in_callback = False


def print_exception(exc):
    """The traceback as the board prints it: the runtime's own frames left out."""
    text = io.StringIO()
    sys.print_exception(exc, text)
    for line in text.getvalue().split("\n"):
        if line and not line.startswith('  File "/dl7450/') and not line.startswith('  File "<stdin>"'):
            print(line)
