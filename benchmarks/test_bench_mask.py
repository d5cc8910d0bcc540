"""WebSocket masking of a small frame and of a 64 KiB one."""
import pytest

from bench_inputs import MASK_KEY, MASK_LARGE, MASK_SMALL


def _check(masked, data):
    assert len(masked) == len(data)
    for i in (0, 1, 2, 3, len(data) - 1):
        assert masked[i] == data[i] ^ MASK_KEY[i % 4]


@pytest.mark.benchmark(group='mask_125')
def test_mask_125(benchmark, twin):
    benchmark.extra_info['case'] = 'mask_125'
    _check(benchmark(twin.mask, MASK_KEY, MASK_SMALL), MASK_SMALL)


@pytest.mark.benchmark(group='mask_64k')
def test_mask_64k(benchmark, twin):
    benchmark.extra_info['case'] = 'mask_64k'
    _check(benchmark(twin.mask, MASK_KEY, MASK_LARGE), MASK_LARGE)
