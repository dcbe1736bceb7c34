"""A real, minimal SMTP server on 127.0.0.1 that keeps what it receives (for tests)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: str


@dataclass
class Mailbox:
    port: int = 0
    messages: list[Mail] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 localhost test SMTP")
        sender, recipients = "", []
        while line := self.rfile.readline().decode():
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (chunk := self.rfile.readline().decode()) not in (".\r\n", ""):
                    lines.append(chunk)
                self.server.mailbox.messages.append(Mail(sender, recipients, "".join(lines)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    mailbox: Mailbox


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.mailbox = Mailbox(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.mailbox
    finally:
        server.shutdown()
        server.server_close()
