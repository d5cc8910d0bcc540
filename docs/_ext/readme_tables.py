"""A Sphinx directive that shows a table of the project's README.md.

The README holds the measured numbers (speed, heap, conformance) and the
settings tables; the documentation shows them from there instead of keeping
copies that would drift::

    .. readme-table:: Speed

shows the first table under the README heading "Speed" (``.. readme-table::
Speed`` with ``:index: 2`` the second one). A heading or table that is not
found fails the build, so a renamed README section cannot go unnoticed.
"""
import os
import re

from docutils import nodes
from docutils.parsers.rst import Directive, directives

_INLINE = re.compile(r'`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)]+)\)')


def _inline(text):
    # the Markdown of a table cell: code spans, bold and links
    out = []
    pos = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            out.append(nodes.Text(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append(nodes.literal(m.group(1), m.group(1)))
        elif m.group(2) is not None:
            out.append(nodes.strong(m.group(2), m.group(2)))
        else:
            out.append(nodes.reference(m.group(3), m.group(3),
                                       refuri=m.group(4)))
        pos = m.end()
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    return out


def _cells(line):
    line = line.strip()
    if line.startswith('|'):
        line = line[1:]
    if line.endswith('|'):
        line = line[:-1]
    return [c.strip() for c in line.split('|')]


def find_table(lines, heading, index=1):
    """Return the rows (lists of cell texts, header first) of the
    ``index``-th pipe table under the Markdown heading ``heading``.

    Raises ``LookupError`` when the heading or the table is not there.
    """
    start = level = None
    for i, line in enumerate(lines):
        m = re.match(r'(#+)\s+(.*?)\s*$', line)
        if m and m.group(2) == heading:
            start, level = i + 1, len(m.group(1))
            break
    if start is None:
        raise LookupError('README.md has no heading {!r}'.format(heading))
    tables = []
    current = None
    for line in lines[start:]:
        m = re.match(r'(#+)\s', line)
        if m and len(m.group(1)) <= level:
            break
        if line.lstrip().startswith('|'):
            if current is None:
                current = []
                tables.append(current)
            current.append(line)
        else:
            current = None
    if len(tables) < index:
        raise LookupError('README.md section {!r} has {} table(s), not '
                          '{}'.format(heading, len(tables), index))
    rows = [_cells(line) for line in tables[index - 1]]
    # the second line only aligns the columns
    return [rows[0]] + rows[2:]


class ReadmeTable(Directive):
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {'index': directives.positive_int}

    def run(self):
        env = self.state.document.settings.env
        path = os.path.join(os.path.dirname(env.srcdir), 'README.md')
        env.note_dependency(path)
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
        heading = self.arguments[0]
        try:
            rows = find_table(lines, heading, self.options.get('index', 1))
        except LookupError as exc:
            raise self.error('readme-table: {}'.format(exc))
        width = len(rows[0])
        table = nodes.table(classes=['readme-table'])
        group = nodes.tgroup(cols=width)
        table += group
        for _ in range(width):
            group += nodes.colspec(colwidth=1)
        for part, part_rows in ((nodes.thead(), rows[:1]),
                                (nodes.tbody(), rows[1:])):
            for cells in part_rows:
                row = nodes.row()
                for text in (cells + [''] * width)[:width]:
                    entry = nodes.entry()
                    entry += nodes.paragraph('', '', *_inline(text))
                    row += entry
                part += row
            group += part
        note = nodes.paragraph(classes=['readme-source'])
        note += nodes.emphasis(
            '', 'From README.md, section "{}".'.format(heading))
        return [table, note]


def setup(app):
    app.add_directive('readme-table', ReadmeTable)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
