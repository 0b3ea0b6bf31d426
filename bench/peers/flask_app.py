"""The Flask peer for `npm run bench`: the original app's three routes and an in-memory list.

Run with Debian's python3-flask: /usr/bin/python3 bench/peers/flask_app.py <port>
Flask's own development server, threaded (what the original app ran). Request logging is off so
the peer is not slowed by writing a line per request.
"""

import logging
import sys
import threading
from datetime import datetime, timezone

from flask import Flask, jsonify, request

MAX_MESSAGES = 100
# About the size of Parley's demo reply, so both answer with a comparable body.
DUMMY_REPLY = ("This is a dummy reply from the Flask peer. " * 30).strip()

app = Flask(__name__)
chat_history = []
history_lock = threading.Lock()


def now_iso():
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


@app.route("/")
def index():
    return "<!doctype html><title>Flask peer</title><h1>Chat</h1>"


@app.route("/chat/message", methods=["POST"])
def chat_message():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return jsonify({"error": "Invalid request format"}), 400
    message = data["message"]
    if message.strip() == "":
        return jsonify({"error": "Message cannot be empty"}), 400
    with history_lock:
        chat_history.append({"user": "User", "message": message, "timestamp": now_iso()})
        chat_history.append({"user": "AI", "message": DUMMY_REPLY, "timestamp": now_iso()})
    return jsonify({"status": "success", "response": DUMMY_REPLY})


@app.route("/chat/history")
def history():
    with history_lock:
        return jsonify(chat_history[-MAX_MESSAGES:])


if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    app.run(host="127.0.0.1", port=port, threaded=True, debug=False)
