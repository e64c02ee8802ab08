"""What the Python end-to-end tests share: ok/FAIL lines with a failure count, a free loopback
port, waiting for a server to answer. Imported from tests/<area>/*.py with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))"""
import socket
import sys
import time
import urllib.request

failures = 0


def check(ok, what):
    """Prints one result line; counts failures for finish()."""
    global failures
    print(("ok  " if ok else "FAIL ") + what)
    failures += not ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_up(url, seconds=120):
    """True once `url` answers (any status but a connection error), False after `seconds`."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except urllib.error.HTTPError:
            return True
        except Exception:
            time.sleep(0.1)
    return False


def finish():
    print("%d failed" % failures)
    sys.exit(1 if failures else 0)


def stop(procs):
    """Terminates the servers a test started (None entries skipped) and waits for them."""
    procs = [p for p in procs if p]
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait()
