"""Local AWS stand-in for groundwork: moto in server mode, extended in-process.

No Airflow imports here: the stand-in runs as its own process (``python -m
groundwork_standin serve``) and extensions patch moto backends or wrap the WSGI
app in that same process before it starts serving.
"""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
