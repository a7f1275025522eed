"""A local Telegram Bot API: an HTTP server on 127.0.0.1 that speaks the Bot API's interface
(`POST /bot<token>/<method>` with JSON, answers `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ...}` with that HTTP status), records every
call, hands out queued updates to getUpdates, and can post an update to a webhook the way
Telegram does (with the secret token header)."""

import itertools
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "123456:TEST-token"


class BotAPI:
    def __init__(self, token: str = TOKEN):
        self.token, self.calls, self.updates, self.failures = token, [], [], []
        self._ids, self._lock = itertools.count(1000), threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = api._answer(self.path, json.loads(raw or b"{}"))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _answer(self, path: str, payload: dict) -> tuple[int, dict]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix):]
        with self._lock:
            self.calls.append((method, payload))
            if self.failures and self.failures[0][0] == method:
                _method, status, description = self.failures.pop(0)
                answer = {"ok": False, "error_code": status, "description": description}
                if status == 429:
                    answer["parameters"] = {"retry_after": 1}
                return status, answer
            if method == "getUpdates":
                offset = payload.get("offset") or 0
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                return 200, {"ok": True, "result": list(self.updates)}
            if method == "sendMessage":
                return 200, {"ok": True, "result": {
                    "message_id": next(self._ids), "chat": {"id": payload["chat_id"],
                                                            "type": "private"},
                    "date": 0, "text": payload["text"]}}
            return 200, {"ok": True, "result": True}

    def fail_next(self, method: str, status: int, description: str) -> None:
        """Answer the next call of `method` with this error."""
        self.failures.append((method, status, description))

    def sent(self) -> list[dict]:
        return [payload for method, payload in self.calls if method == "sendMessage"]

    def user_says(self, text: str, *, chat_id: int = 777, username: str = "alice_tg",
                  language_code: str = "en") -> dict:
        """An update as Telegram sends it when the user types `text` to the bot."""
        update = {"update_id": next(self._ids), "message": {
            "message_id": next(self._ids), "date": 0, "text": text,
            "chat": {"id": chat_id, "type": "private", "username": username},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Alice",
                     "username": username, "language_code": language_code}}}
        self.updates.append(update)
        return update

    def deliver(self, update: dict, webhook_url: str, secret: str) -> tuple[int, bytes]:
        """POST `update` to a webhook as Telegram does."""
        request = urllib.request.Request(
            webhook_url, data=json.dumps(update).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "X-Telegram-Bot-Api-Secret-Token": secret})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
