# The DL-7450 SDK's mqtt module, proxied to the board's module on the host: the host decides
# what is a TypeError or an MqttError, and its callbacks run here when the app sleeps.
import _dl7450
from _dl7450 import MqttError, call as _call

_constants = _call("constants")
QOS0 = _constants["QOS0"]
QOS1 = _constants["QOS1"]
QOS2 = _constants["QOS2"]

# Tells an omitted argument from an explicit one, so the host sees exactly what the app passed.
_OMITTED = object()


def ErrorDescription(errno):
    return _call("error_description", errno)


def _check_callback(callback):
    if not callable(callback):
        raise TypeError("callback must be callable, not %s" % type(callback).__name__)


class MqttClient:
    def __init__(self, broker_url, client_id):
        self._handle = _call("client_new", broker_url, client_id)
        self._handlers = {}
        _dl7450.register_client(self._handle, self)

    def connect(self, on_connect, options=_OMITTED):
        _check_callback(on_connect)
        self._handlers["connect"] = on_connect
        if options is _OMITTED:
            _call("connect", self._handle)
        else:
            _call("connect", self._handle, options)

    def publish(self, topic, message, qos):
        return _call("publish", self._handle, topic, message, qos)

    def subscribe(self, topics):
        return _call("subscribe", self._handle, topics)

    def disconnect(self):
        _call("disconnect", self._handle)

    def on_message(self, callback):
        self._on("message", callback)

    def on_subscribe(self, callback):
        self._on("subscribe", callback)

    def on_publish(self, callback):
        self._on("publish", callback)

    def _on(self, kind, callback):
        _check_callback(callback)
        self._handlers[kind] = callback
        _call("on", self._handle, kind)
