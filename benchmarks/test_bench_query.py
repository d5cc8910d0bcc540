"""URL decoding and query-string parsing."""
import pytest

from bench_inputs import ESCAPED, QUERY


@pytest.mark.benchmark(group='parse_urlencoded')
def test_parse_urlencoded(benchmark, twin):
    benchmark.extra_info['case'] = 'parse_urlencoded'
    pairs = benchmark(twin.parse_urlencoded, QUERY)
    assert len(pairs) == 10
    assert pairs[0] == ('q', 'caf\u00e9 au lait & croissant')


@pytest.mark.benchmark(group='urldecode')
def test_urldecode(benchmark, twin):
    benchmark.extra_info['case'] = 'urldecode'
    text = benchmark(twin.urldecode, ESCAPED)
    assert text.startswith('https://example.com/search?q=caf\u00e9 au lait')
