"""Route table lookup on a 50-route application, and the worst cases of
routing through ``Microdot.find_route`` (the public path): adjacent ``path``
segments over hundreds of segments, and 20 against 20,000 routes."""
import pytest

from microdot import Microdot, Request
from microdot import _speedups

from bench_inputs import (
    FIND_ROUTE_SIZES, MULTI_PATHS, MULTI_PATTERN, PATH_END_PATHS,
    PATH_END_PATTERN, ROUTE_HIT, ROUTE_MISS, item_routes, route_table)

TABLE = route_table()


def _router(twin):
    router = twin.Router()
    for methods, kind, data in TABLE:
        router.add(methods, kind, data)
    # one lookup of each path first, so that both twins are timed warm, as
    # in a running server
    router.lookup('GET', ROUTE_HIT)
    router.lookup('GET', ROUTE_MISS)
    return router


@pytest.mark.benchmark(group='route_hit')
def test_route_hit(benchmark, twin):
    benchmark.extra_info['case'] = 'route_hit'
    router = _router(twin)
    index, last, args = benchmark(router.lookup, 'GET', ROUTE_HIT)
    assert index == last == len(TABLE) - 1
    assert args == {'org': 'acme', 'repo': 'widgets', 'number': 1234}


@pytest.mark.benchmark(group='route_404')
def test_route_404(benchmark, twin):
    benchmark.extra_info['case'] = 'route_404'
    router = _router(twin)
    assert benchmark(router.lookup, 'GET', ROUTE_MISS) == (-1, -1, None)


def _app(twin, patterns):
    """An application with a route per pattern, its route table built by
    the twin under test (the selector's choice is swapped for the first
    lookup, which builds the table; the application keeps it)."""
    app = Microdot()
    for pattern in patterns:
        app.get(pattern)(lambda req, **kwargs: kwargs)
    saved = _speedups.Router
    _speedups.Router = twin.Router
    try:
        app.find_route(_request(app, '/'))
    finally:
        _speedups.Router = saved
    assert type(app._router) is twin.Router
    return app


def _request(app, path):
    return Request(app, ('127.0.0.1', 1234), 'GET', path, '1.1', {})


def _find(benchmark, twin, case, patterns, path):
    benchmark.extra_info['case'] = case
    app = _app(twin, patterns)
    req = _request(app, path)
    handler, prefix, subapp = benchmark(app.find_route, req)
    return handler, req.url_args


@pytest.mark.benchmark(group='route_multi')
@pytest.mark.parametrize('segments', sorted(MULTI_PATHS))
def test_route_multi(benchmark, twin, segments):
    handler, args = _find(benchmark, twin, 'route_multi_{}'.format(segments),
                          [MULTI_PATTERN], MULTI_PATHS[segments])
    assert handler == 404 and args is None


@pytest.mark.benchmark(group='route_path_end')
@pytest.mark.parametrize('segments', sorted(PATH_END_PATHS))
def test_route_path_end(benchmark, twin, segments):
    handler, args = _find(benchmark, twin,
                          'route_path_end_{}'.format(segments),
                          [PATH_END_PATTERN], PATH_END_PATHS[segments])
    assert handler == 404 and args is None


@pytest.mark.benchmark(group='find_route')
@pytest.mark.parametrize('routes', FIND_ROUTE_SIZES)
def test_find_route(benchmark, twin, routes):
    patterns, path = item_routes(routes)
    handler, args = _find(benchmark, twin, 'find_route_{}'.format(routes),
                          patterns, path)
    assert handler(None, **args) == {'id': 42}
    assert args == {'id': 42}
