"""The demo app that `make run` serves on http://127.0.0.1:5000."""
from microdot import Microdot, _speedups

app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, world! (speedups: {})\n'.format(_speedups.IMPLEMENTATION)


@app.route('/hello/<name>')
async def hello(request, name):
    return {'hello': name}


if __name__ == '__main__':
    print('speedups: {} ({})'.format(_speedups.IMPLEMENTATION,
                                     _speedups.REASON))
    print('Serving on http://127.0.0.1:5000 (Ctrl-C to stop)')
    app.run(host='127.0.0.1', port=5000)
