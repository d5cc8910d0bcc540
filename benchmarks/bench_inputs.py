"""Realistic inputs shared by the hot-path benchmarks (see conftest.py)."""

#: A request head as a desktop browser sends it: ~600 bytes, 10 headers.
HEAD = (
    b'GET /shop/search?q=espresso+machine&category=kitchen&page=2 HTTP/1.1\r\n'
    b'Host: www.example-shop.com\r\n'
    b'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 '
    b'(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n'
    b'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,'
    b'image/avif,image/webp,*/*;q=0.8\r\n'
    b'Accept-Language: en-GB,en;q=0.9,de;q=0.7\r\n'
    b'Accept-Encoding: gzip, deflate, br, zstd\r\n'
    b'Referer: https://www.example-shop.com/shop/kitchen\r\n'
    b'Cookie: session=7f3a9c1e2b4d6f80a1c3e5f7; theme=dark; '
    b'cart=3; consent=analytics\r\n'
    b'Connection: keep-alive\r\n'
    b'Upgrade-Insecure-Requests: 1\r\n'
    b'Cache-Control: max-age=0\r\n'
    b'\r\n'
)

#: The same head as the server reads it: one line at a time, endings kept.
HEAD_LINES = [line + b'\n' for line in HEAD.split(b'\n')[:-2]]

#: A 200-character query string with percent escapes and ``+`` for spaces.
QUERY = (
    'q=caf%C3%A9+au+lait+%26+croissant&tags=breakfast%2Cfrench%2Ccoffee'
    '&redirect=https%3A%2F%2Fexample.com%2Fmenu%3Fday%3Dmon&name=J%C3%BC'
    'rgen+M%C3%BCller&page=3&sort=-rating&empty=&flag&lang=fr&s=ab%2Bc+d'
)

#: A ~100-character escaped value for urldecode.
ESCAPED = ('https%3A%2F%2Fexample.com%2Fsearch%3Fq%3Dcaf%C3%A9+au+lait'
           '%26lang%3Dfr%23top+%E2%9C%93+done%21%3F+ok')

#: The route table: 50 patterns in registration order, the last one dynamic.
ROUTE_PATTERNS = [
    '/', '/about', '/contact', '/login', '/logout', '/signup', '/pricing',
    '/blog', '/shop', '/shop/cart', '/shop/checkout', '/api/status',
    '/api/health', '/api/version', '/api/users', '/api/orders',
    '/api/products', '/static/app.js', '/static/app.css', '/favicon.ico',
    '/blog/<slug>', '/blog/<int:year>/<int:month>',
    '/blog/<int:year>/<int:month>/<slug>', '/blog/tag/<tag>',
    '/shop/<category>', '/shop/<category>/<int:product_id>',
    '/shop/<category>/<int:product_id>/reviews',
    '/api/users/<int:user_id>', '/api/users/<int:user_id>/orders',
    '/api/users/<int:user_id>/orders/<int:order_id>',
    '/api/users/<username>/profile', '/api/orders/<int:order_id>',
    '/api/orders/<int:order_id>/items',
    '/api/orders/<int:order_id>/items/<int:item_id>',
    '/api/products/<int:product_id>', '/api/products/<sku>/stock',
    '/api/v2/users/<int:user_id>', '/api/v2/orgs/<org>',
    '/api/v2/orgs/<org>/members', '/api/v2/orgs/<org>/members/<login>',
    '/api/v2/orgs/<org>/repos', '/api/v2/orgs/<org>/repos/<repo>',
    '/api/v2/orgs/<org>/repos/<repo>/pulls',
    '/api/v2/orgs/<org>/repos/<repo>/pulls/<int:number>',
    '/files/<path:path>', '/docs/<path:page>/edit',
    '/api/v2/orgs/<org>/repos/<repo>/issues',
    '/api/v2/orgs/<org>/repos/<repo>/labels/<name>',
    '/api/v2/orgs/<org>/repos/<repo>/branches/<branch>/protection',
    '/api/v2/orgs/<org>/repos/<repo>/issues/<int:number>',
]

#: A path that only the last route matches, and one that no route matches.
ROUTE_HIT = '/api/v2/orgs/acme/repos/widgets/issues/1234'
ROUTE_MISS = '/api/v2/orgs/acme/repos/widgets/milestones/7'


def route_table():
    """Return ``(methods, kind, data)`` for each route in ROUTE_PATTERNS,
    as the application builds them."""
    from microdot.microdot import URLPattern
    table = []
    for pattern in ROUTE_PATTERNS:
        kind, data = URLPattern(pattern)._route()
        table.append((['GET'], kind, data))
    return table


MASK_KEY = b'\x37\xfa\x21\x3d'
MASK_SMALL = bytes((i * 7 + 3) & 0xff for i in range(125))
MASK_LARGE = bytes((i * 31 + 11) & 0xff for i in range(64 * 1024))


#: Worst cases of path matching (issue 8): three adjacent ``path`` segments
#: and a request for ``/multi`` followed by 900 (or 100) segments but no
#: ``/end``, and one ``path`` segment before a literal that never comes.
MULTI_PATTERN = '/multi/<path:a>/<path:b>/<path:c>/end'
MULTI_PATHS = {n: '/multi' + '/a' * n for n in (100, 900)}
PATH_END_PATTERN = '/<path:p>/end'
PATH_END_PATHS = {n: '/a' * n for n in (1000, 8000)}

#: Route tables of N static routes and N routes ``/itemsK/<int:id>/detail``,
#: and the request that only the last dynamic one matches.
FIND_ROUTE_SIZES = (20, 20000)


def item_routes(n):
    """Return ``(patterns, path)``: the 2 * n patterns in the order they
    are added, and the path of the last dynamic route."""
    patterns = []
    for k in range(n):
        patterns.append('/static{}'.format(k))
        patterns.append('/items{}/<int:id>/detail'.format(k))
    return patterns, '/items{}/42/detail'.format(n - 1)
