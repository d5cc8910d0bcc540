"""Sphinx configuration: `make docs` builds build/docs from here."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # the microdot package
sys.path.insert(0, os.path.join(HERE, '_ext'))

import microdot  # noqa: E402

project = 'microdot'
author = 'the microdot contributors'
copyright = 'the microdot contributors (MIT license)'
version = release = microdot.__version__

extensions = ['sphinx.ext.autodoc', 'readme_tables']
exclude_patterns = ['_build']
# the pages name the language of each code block; the docstrings' literal
# blocks are Python
highlight_language = 'python3'

autodoc_member_order = 'bysource'
autodoc_default_options = {'members': True}
# signatures show the parameters; the docstrings say what each one is
autodoc_typehints = 'none'

html_theme = 'furo'
html_title = 'microdot {}'.format(release)
html_static_path = []
