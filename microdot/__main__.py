"""``python -m microdot``: print the version, which twins are active and
why, and the event loop that ``Microdot.run()`` uses."""
import sys

import microdot
from microdot import _jsoncodec, _speedups
from microdot._cpython import _event_loop_name


def main():
    print('microdot {}'.format(microdot.__version__))
    print('python: {} {}'.format(sys.implementation.name,
                                 sys.version.split()[0]))
    print('speedups: {} ({})'.format(_speedups.IMPLEMENTATION,
                                     _speedups.REASON))
    for name, where in sorted(_speedups.describe().items()):
        print('  {:<20} {}'.format(name, where))
    print('event loop: {}'.format(_event_loop_name()))
    if _jsoncodec.BACKEND == 'orjson':
        print('json: orjson')
    else:
        print('json: json (standard library)')


main()
