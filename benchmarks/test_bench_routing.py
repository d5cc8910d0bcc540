"""Route table lookup on a 50-route application."""
import pytest

from bench_inputs import ROUTE_HIT, ROUTE_MISS, route_table

TABLE = route_table()


def _router(twin):
    router = twin.Router()
    for methods, kind, data in TABLE:
        router.add(methods, kind, data)
    # one lookup of each path first, so that both twins are timed with their
    # candidate caches warm, as in a running server
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
