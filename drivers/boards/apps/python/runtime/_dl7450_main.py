# Runs the board app as __main__, then serves its callbacks until the host stops the worker.
import sys

import _dl7450
import _dl7450_js
import _dl7450_time


def run():
    """Returns only when the app has ended, after telling the host how."""
    _dl7450_js.ended(_run_app())


def _run_app():
    """ "raised" (the traceback printed) or "exited" (sys.exit); never returns while the app runs."""
    sys.modules["time"] = _dl7450_time
    sys.modules["utime"] = _dl7450_time
    filename = _dl7450_js.app_filename()
    scope = {"__name__": "__main__", "__file__": filename}
    try:
        exec(compile(_dl7450_js.app_source(), filename, "exec"), scope)
        _dl7450.wait_until(None)
    except SystemExit:
        return "exited"
    except BaseException as e:
        _dl7450.print_exception(e)
        return "raised"
