# `time` for board apps: MicroPython's, on the board clock, with sleeps that run callbacks.
import time as _builtin  # imported before _dl7450_main installs this module as `time`

import _dl7450

_TICKS_MASK = _builtin.ticks_add(0, -1)

ticks_add = _builtin.ticks_add
ticks_diff = _builtin.ticks_diff
mktime = _builtin.mktime


def ticks_ms():
    return int(_dl7450.now()) & _TICKS_MASK


def ticks_us():
    return int(_dl7450.now() * 1000) & _TICKS_MASK


ticks_cpu = ticks_us


def time():
    # An int, as on the hardware ports (the WebAssembly port's own time() returns a float).
    return int(_dl7450.now() // 1000)


def time_ns():
    return int(_dl7450.now() * 1000000)


def sleep_ms(ms):
    _dl7450.wait_until(_dl7450.now() + ms)


def sleep(seconds):
    sleep_ms(seconds * 1000)


def sleep_us(us):
    sleep_ms(us / 1000)


def gmtime(secs=None):
    return _builtin.gmtime(time() if secs is None else secs)


def localtime(secs=None):
    return _builtin.localtime(time() if secs is None else secs)
