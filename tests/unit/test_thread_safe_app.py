"""The app's current request belongs to the thread serving it (the local stack serves many threads at once)."""
from __future__ import annotations

import threading

from chalicelib.api.routing import ThreadSafeChalice


def test_each_thread_sees_its_own_current_request_and_context():
    app = ThreadSafeChalice(app_name="isolation")
    both_set = threading.Barrier(2, timeout=10)
    seen = {}

    def serve(name: str) -> None:
        app.current_request, app.lambda_context = f"request of {name}", f"context of {name}"
        both_set.wait()  # the other thread has set its own by now
        seen[name] = (app.current_request, app.lambda_context)

    threads = [threading.Thread(target=serve, args=(name,)) for name in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"alice": ("request of alice", "context of alice"), "bob": ("request of bob", "context of bob")}
    assert app.current_request is None  # this thread never set one
