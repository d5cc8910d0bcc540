"""Request head parsing: the whole head at once, line by line as the
server reads it, and httptools on the same bytes as a reference."""
import pytest

from bench_inputs import HEAD, HEAD_LINES

N_HEADERS = 10


@pytest.mark.benchmark(group='parse_head')
def test_parse_head(benchmark, twin):
    benchmark.extra_info['case'] = 'parse_head'
    method, url, version, headers = benchmark(twin.parse_head, HEAD)
    assert (method, version) == ('GET', '1.1')
    assert url.startswith('/shop/search?')
    assert len(headers) == N_HEADERS


def _parse_lines(parse_request_line, parse_header_line, lines):
    # the loop the server runs, minus the stream reads
    request = parse_request_line(lines[0])
    headers = []
    for line in lines[1:]:
        headers.append(parse_header_line(line))
    return request, headers


@pytest.mark.benchmark(group='head_lines')
def test_head_lines(benchmark, twin):
    benchmark.extra_info['case'] = 'head_lines'
    request, headers = benchmark(_parse_lines, twin.parse_request_line,
                                 twin.parse_header_line, HEAD_LINES)
    assert request[0] == 'GET'
    assert len(headers) == N_HEADERS


class _Collector:
    """httptools callbacks that keep what our parse_head returns."""

    def __init__(self):
        self.url = None
        self.headers = []
        self.complete = 0

    def on_url(self, url):
        self.url = url

    def on_header(self, name, value):
        self.headers.append((name, value))

    def on_message_complete(self):
        self.complete += 1


@pytest.mark.benchmark(group='parse_head')
def test_parse_head_httptools(benchmark):
    httptools = pytest.importorskip('httptools')
    benchmark.extra_info['case'] = 'parse_head'
    benchmark.extra_info['impl'] = 'httptools'

    def parse():
        # a fresh parser per head, as our twins keep no state between heads
        collector = _Collector()
        parser = httptools.HttpRequestParser(collector)
        parser.feed_data(HEAD)
        return (parser.get_method(), collector.url,
                parser.get_http_version(), collector.headers)

    method, url, version, headers = benchmark(parse)
    assert (method, version) == (b'GET', '1.1')
    assert len(headers) == N_HEADERS
