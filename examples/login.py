"""User logins with a session cookie and a "remember me" option.

Run it with ``python examples/login.py`` and open http://127.0.0.1:5000.
The users are ``susan`` and ``david``, and the password is ``dog``. The port
can be given as the first argument. On CPython the app is also an ASGI
application: ``uvicorn login:app`` from the ``examples`` directory.
"""
import sys

from microdot import redirect
from microdot.login import Login
from microdot.session import Session

try:  # CPython: an app that ASGI servers can run too
    from microdot.asgi import Microdot
except ImportError:  # MicroPython: the embedded server only
    from microdot import Microdot

app = Microdot()
Session(app, secret_key='replace-me-with-a-long-random-secret-key!!')
login = Login()


class User:
    def __init__(self, id, username, password):
        self.id = id
        self.username = username
        self.password = password


USERS = {1: User(1, 'susan', 'dog'), 2: User(2, 'david', 'dog')}

PAGE = '''<!doctype html>
<html><head><meta charset="utf-8"><title>Login example</title></head>
<body>{}</body></html>'''

LOGIN_FORM = '''<h1>Please log in</h1>
<form method="POST">
  <p><input type="text" name="username" placeholder="username"></p>
  <p><input type="password" name="password" placeholder="password"></p>
  <p><label><input type="checkbox" name="remember"> remember me</label></p>
  <p><input type="submit" value="Log in"></p>
</form>'''


def html(body):
    return PAGE.format(body), {'Content-Type': 'text/html'}


@login.user_loader
async def load_user(user_id):
    return USERS.get(user_id)


@app.route('/login', methods=['GET', 'POST'])
async def login_page(request):
    if request.method == 'GET':
        return html(LOGIN_FORM)
    username = request.form.get('username')
    password = request.form.get('password')
    for user in USERS.values():
        if user.username == username and user.password == password:
            # redirects to the page that asked for the login, if any
            return await login.login_user(
                request, user, remember=bool(request.form.get('remember')))
    return redirect('/login')


@app.get('/')
@login
async def index(request):
    user = request.g.current_user
    return html('<h1>Hello, {}!</h1><p><a href="/fresh">A sensitive page'
                '</a></p><form method="POST" action="/logout"><input '
                'type="submit" value="Log out"></form>'.format(
                    user.username))


@app.get('/fresh')
@login.fresh
async def fresh(request):
    return html('<h1>You logged in during this session</h1>'
                '<p><a href="/">Back</a></p>')


@app.post('/logout')
@login
async def logout(request):
    await login.logout_user(request)
    return redirect('/')


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print('Serving on http://127.0.0.1:{} (Ctrl-C to stop)'.format(port))
    app.run(host='127.0.0.1', port=port)
