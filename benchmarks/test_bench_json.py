"""The JSON codec (microdot._jsoncodec) against raw orjson and the standard
library's json, on the payloads a JSON API sends and receives.

Each case runs three times, tagged ``impl`` = ``orjson`` (orjson.dumps /
orjson.loads, which may change values), ``ours`` (the exact codec) and
``json`` (the standard library); benchmarks/gate.py compares the three
measured in the same run. The codec must be the orjson one: without orjson
the ``ours`` runs are skipped and the gate fails.
"""
import json

import pytest

from microdot import _jsoncodec

try:
    import orjson
except ImportError:  # pragma: no cover
    orjson = None

#: A resource as a JSON API returns it: 14 keys, 23 values, nested; 512
#: bytes as orjson writes it.
TYPICAL = {
    'id': 48213, 'sku': 'ESP-9000-BLK', 'name': 'Espresso machine 9000',
    'price': 349.99, 'currency': 'EUR', 'in_stock': True, 'stock': 12,
    'rating': 4.6, 'tags': ['kitchen', 'coffee', 'espresso', 'appliance'],
    'seller': {'id': 771, 'name': 'Kaffee & Co. GmbH', 'verified': True,
               'country': 'DE'},
    'dimensions': {'width_cm': 28.5, 'height_cm': 38.0, 'depth_cm': 42.25},
    'images': ['/img/esp-9000-1.jpg', '/img/esp-9000-2.jpg'],
    'created': '2024-03-18T09:41:27Z',
    'description': 'A dual-boiler espresso machine with a PID controller '
                   'and a 58 mm portafilter.',
}

#: The same resource with the nulls APIs are full of (orjson writes NaN as
#: null too, so output with null is checked by parsing it back).
WITH_NULLS = dict(TYPICAL, discount=None, parent_id=None,
                  seller=dict(TYPICAL['seller'], phone=None))

#: A small request body, as a form posts it as JSON.
SMALL = {'name': 'alice', 'age': 31, 'admin': False}


def _functions(impl):
    if impl == 'orjson':
        if orjson is None:
            pytest.skip('orjson is not installed')
        return orjson.dumps, orjson.loads
    if impl == 'ours':
        if _jsoncodec.BACKEND != 'orjson':
            pytest.skip('the codec runs without orjson')
        return _jsoncodec.dumpb, _jsoncodec.loads
    return json.dumps, json.loads


@pytest.fixture(params=['orjson', 'ours', 'json'])
def codec(request, benchmark):
    benchmark.extra_info['impl'] = request.param
    return _functions(request.param)


@pytest.mark.parametrize('case, value', [
    ('json_dumps', TYPICAL), ('json_dumps_nulls', WITH_NULLS)])
def test_dumps(benchmark, codec, case, value):
    benchmark.group = case
    benchmark.extra_info['case'] = case
    dumps, _ = codec
    out = benchmark(dumps, value)
    assert json.loads(out) == value


@pytest.mark.parametrize('case, value', [
    ('json_loads', TYPICAL), ('json_loads_small', SMALL)])
def test_loads(benchmark, codec, case, value):
    benchmark.group = case
    benchmark.extra_info['case'] = case
    _, loads = codec
    # a request body, as bytes
    body = json.dumps(value).encode()
    assert benchmark(loads, body) == value
