#!/usr/bin/python3
"""A real SMTP server (aiosmtpd, from Debian's python3-aiosmtpd) for the notify tests.

Listens on 127.0.0.1 on free ports and writes their URLs into DIR once all listen:
  DIR/url           smtp://  plain text: no STARTTLS offered, no AUTH required
  DIR/auth_url      smtp://  AUTH PLAIN/LOGIN required, allowed without TLS (with --user)
  DIR/starttls_url  smtp://  STARTTLS required, then AUTH when --user is given (with --cert)
  DIR/smtps_url     smtps:// TLS from the first byte, then AUTH when --user is given (with --cert)

Each accepted message is saved as DIR/mail/N.eml (the bytes received) and DIR/mail/N.json
(written after it, so a reader that sees the .json finds the .eml complete), N counting up
from 1 in the order received (across restarts on the same DIR). The .json holds: "listener"
(plain, auth, starttls, smtps), "mail_from", "rcpt_tos", "tls", "auth_login", "file" (the
.eml's name), and what Python's email package reads from the message: "headers" ([name,
decoded value] pairs), "subject", "from", "to", "message_id", "content_type", "text" and
"html" (the parts' content, "\n" line ends) with "text_encoding" and "html_encoding",
"defects" (what the parser found wrong), "max_line_length", "bare_lf"; "parse_error" if it
could not read the message at all.

Recipients whose address matches --reject get "550 5.1.1 ... unknown user". While the file
DIR/down exists, every command is answered "451 4.3.0 ..." (an outage).
"""

import argparse
import asyncio
import email
import email.policy
import functools
import itertools
import json
import os
import re
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Outage:
    def __init__(self, directory):
        self.flag = os.path.join(directory, "down")

    def active(self):
        return os.path.exists(self.flag)


def with_outage(cls, outage):
    """A subclass of SMTP answering 451 to every command while the outage flag exists."""

    class OutageSMTP(cls):
        pass

    for verb in ("EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "NOOP", "VRFY"):
        original = getattr(cls, "smtp_" + verb)

        @functools.wraps(original)
        async def command(self, arg, _original=original):
            if outage.active():
                await self.push("451 4.3.0 Test server is down (DIR/down exists)")
                return
            await _original(self, arg)

        setattr(OutageSMTP, "smtp_" + verb, command)
    return OutageSMTP


def describe(content):
    """What Python's email package makes of the message."""
    message = email.message_from_bytes(content, policy=email.policy.default)
    facts = {
        "headers": [[name, str(value)] for name, value in message.items()],
        "subject": str(message.get("Subject", "")),
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "message_id": str(message.get("Message-ID", "")),
        "content_type": message.get_content_type(),
        "defects": [repr(d) for d in message.defects],
        "max_line_length": max((len(line) for line in content.split(b"\r\n")), default=0),
        "bare_lf": b"\n" in content.replace(b"\r\n", b""),
    }
    for part in message.walk():
        facts["defects"] += [repr(d) for d in part.defects]
    for kind, key in (("plain", "text"), ("html", "html")):
        body = message.get_body(preferencelist=(kind,))
        if body is not None and body.get_content_type() == "text/" + kind:
            facts[key] = body.get_content().replace("\r\n", "\n")
            facts[key + "_encoding"] = str(body.get("Content-Transfer-Encoding", ""))
    return facts


def message_counter(mail_dir):
    """1, 2, 3, ...: after the highest N already in mail_dir, so a restart does not overwrite."""
    numbers = [int(name[:-5]) for name in os.listdir(mail_dir) if name.endswith(".json") and name[:-5].isdigit()]
    return itertools.count(max(numbers, default=0) + 1)


class Handler:
    def __init__(self, directory, listener, reject, counter):
        self.mail_dir = os.path.join(directory, "mail")
        self.listener = listener
        self.reject = reject
        self.counter = counter

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.reject and re.search(self.reject, address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: unknown user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        name = str(next(self.counter))
        base = os.path.join(self.mail_dir, name)
        with open(base + ".eml", "wb") as out:
            out.write(content)
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        record = {
            "listener": self.listener,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": self.listener == "smtps" or session.ssl is not None,
            "auth_login": login,
            "file": name + ".eml",
        }
        try:
            record.update(describe(content))
        except Exception as error:  # a message Python cannot read is a finding, not a crash
            record["parse_error"] = repr(error)
        with open(base + ".json.tmp", "w") as out:
            json.dump(record, out, ensure_ascii=False, indent=1)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 OK: queued as " + name


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        # handled=False: aiosmtpd answers a failure itself (535 5.7.8).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return check


async def serve(args):
    loop = asyncio.get_running_loop()
    outage = Outage(args.dir)
    smtp_class = with_outage(SMTP, outage)
    os.makedirs(os.path.join(args.dir, "mail"), exist_ok=True)
    counter = message_counter(os.path.join(args.dir, "mail"))  # shared by the listeners
    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    auth = authenticator(args.user, args.password) if args.user else None

    def listener(name, **options):
        handler = Handler(args.dir, name, args.reject, counter)
        options.setdefault("authenticator", auth)
        return lambda: smtp_class(handler, hostname="missive-test-smtp", loop=loop, **options)

    # (URL file, scheme, protocol factory, ssl for create_server)
    # No STARTTLS on the plain listener: a client that tries it (libcurl's default) would then
    # have to trust the test certificate.
    plan = [("url", "smtp", listener("plain", auth_require_tls=False), None)]
    if args.user:
        plan.append(("auth_url", "smtp", listener("auth", auth_required=True, auth_require_tls=False), None))
    if tls:
        plan.append(("starttls_url", "smtp",
                     listener("starttls", tls_context=tls, require_starttls=True, auth_required=bool(args.user)),
                     None))
        # TLS from the first byte: aiosmtpd does not see it as STARTTLS, so AUTH is allowed here.
        plan.append(("smtps_url", "smtps",
                     listener("smtps", auth_required=bool(args.user), auth_require_tls=False), tls))
    servers = []
    for url_file, scheme, factory, server_tls in plan:
        server = await loop.create_server(factory, "127.0.0.1", 0, ssl=server_tls)
        servers.append((url_file, scheme, server))
    for url_file, scheme, server in servers:
        port = server.sockets[0].getsockname()[1]
        with open(os.path.join(args.dir, url_file + ".tmp"), "w") as out:
            out.write(f"{scheme}://127.0.0.1:{port}\n")
        os.rename(os.path.join(args.dir, url_file + ".tmp"), os.path.join(args.dir, url_file))
    await asyncio.gather(*(server.serve_forever() for _, _, server in servers))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir")
    parser.add_argument("--user", help="require AUTH with this user name (and --password)")
    parser.add_argument("--password", default="")
    parser.add_argument("--cert", help="PEM certificate for STARTTLS and smtps (with --key)")
    parser.add_argument("--key")
    parser.add_argument("--reject", help="regular expression: matching recipients get 550")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
