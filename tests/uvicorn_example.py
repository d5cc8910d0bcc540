"""Serve an example under Uvicorn as ``python examples/NAME.py ARGS...``
serves it on the embedded server::

    python tests/uvicorn_example.py examples/NAME.py [ARGS...] PORT

The example is imported as ``uvicorn NAME:app`` would import it (from its
directory, first on ``sys.path``), with ``sys.argv`` set as if it had been
run itself (``[path, ARGS..., PORT]``), so that an example that reads its
port at import time (cors.py names it in its allowed origin) sees the port
it is served on. Then ``uvicorn.run`` serves its ``app`` on 127.0.0.1:PORT.

Used by tests/test_browser_cpython.py; the name does not start with
``test_``, so no test runner collects it.
"""
import importlib
import os
import sys

import uvicorn


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    path, port = os.path.abspath(sys.argv[1]), int(sys.argv[-1])
    sys.argv = [path] + sys.argv[2:]
    # in place of this file's directory (tests/ has a templates/ too)
    sys.path[0] = os.path.dirname(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = importlib.import_module(name)
    print('Serving {} under uvicorn on http://127.0.0.1:{}'.format(
        name, port), flush=True)
    uvicorn.run(module.app, host='127.0.0.1', port=port, log_level='warning')


if __name__ == '__main__':
    main()
