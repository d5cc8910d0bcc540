"""Install the ``utemplate`` package (micropython-lib's template engine) into a
directory, straight from its PyPI sdist.

``pip install utemplate`` cannot work: the sdists on PyPI carry neither a
setup.py nor a pyproject.toml. The package is a handful of pure Python files,
so this script downloads the sdist, checks its SHA-256 against both the digest
PyPI publishes and the one pinned below, and copies only the ``utemplate/``
package out of it.

Usage::

    python3 ci/fetch_utemplate.py DEST_DIR

``DEST_DIR`` is, for example, a virtualenv's site-packages (for CPython) or
``.mplib`` (which tests/run_micropython.py puts on MicroPython's path). When
``DEST_DIR/utemplate`` already holds the pinned version, nothing is
downloaded. Standard library only.
"""
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request

PACKAGE = 'utemplate'
VERSION = '1.4.1'
#: The digest of utemplate-1.4.1.tar.gz as published on PyPI; a download
#: that does not match both this and the index's digest is refused.
PINNED_SHA256 = \
    '43fde7c8b38dda1ff9c82cd829d22ec445f1e9d631455de705873051f83a0b20'
INDEX = 'https://pypi.org/pypi'
TIMEOUT = 60
STAMP = '.fetched-version'


def _get(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.read()


def release_files(version=VERSION):
    """Return the list of file records PyPI gives for one release."""
    try:
        meta = json.loads(_get('{}/{}/{}/json'.format(INDEX, PACKAGE,
                                                      version)))
        return meta['urls']
    except Exception:
        # some mirrors only serve the project-wide document
        meta = json.loads(_get('{}/{}/json'.format(INDEX, PACKAGE)))
        return meta['releases'][version]


def download_sdist(version=VERSION):
    """Download the release's sdist and return its bytes, verified."""
    sdists = [f for f in release_files(version)
              if f.get('packagetype') == 'sdist']
    if not sdists:
        raise SystemExit('no sdist for {} {} on PyPI'.format(
            PACKAGE, version))
    record = sdists[0]
    expected = record['digests']['sha256']
    if version == VERSION and expected != PINNED_SHA256:
        raise SystemExit('PyPI lists sha256 {} for {}, pinned is {}'.format(
            expected, record['filename'], PINNED_SHA256))
    data = _get(record['url'])
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise SystemExit('sha256 mismatch for {}: got {}, expected {}'.format(
            record['filename'], actual, expected))
    return data


def extract_package(data, dest):
    """Copy the ``utemplate/`` package of an sdist archive into ``dest``."""
    target = os.path.join(dest, PACKAGE)
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tar:
        members = []
        for member in tar.getmembers():
            parts = member.name.split('/')
            # <name>-<version>/utemplate/<file>.py, nothing else
            if len(parts) == 3 and parts[1] == PACKAGE and \
                    parts[2].endswith('.py') and member.isfile():
                members.append((parts[2], member))
        if not members:
            raise SystemExit('no {}/ package in the sdist'.format(PACKAGE))
        os.makedirs(dest, exist_ok=True)
        staging = tempfile.mkdtemp(prefix='.utemplate-', dir=dest)
        try:
            os.chmod(staging, 0o755)  # mkdtemp makes it private
            for filename, member in members:
                with tar.extractfile(member) as src, \
                        open(os.path.join(staging, filename), 'wb') as out:
                    out.write(src.read())
            with open(os.path.join(staging, STAMP), 'w') as f:
                f.write(VERSION + '\n')
            if os.path.isdir(target):
                shutil.rmtree(target)
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return sorted(name for name, _ in members)


def installed_version(dest):
    """Return the version this script installed in ``dest``, or None."""
    try:
        with open(os.path.join(dest, PACKAGE, STAMP)) as f:
            return f.read().strip()
    except OSError:
        return None


def main(argv):
    if len(argv) != 1:
        print('usage: fetch_utemplate.py DEST_DIR', file=sys.stderr)
        return 2
    dest = argv[0]
    if installed_version(dest) == VERSION:
        print('{} {} already in {}'.format(PACKAGE, VERSION, dest))
        return 0
    files = extract_package(download_sdist(), dest)
    print('installed {} {} in {}: {}'.format(PACKAGE, VERSION, dest,
                                             ', '.join(files)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
