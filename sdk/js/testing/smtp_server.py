# A real SMTP server for the notification tests of the SDK and the web page (aiosmtpd, Debian's
# python3-aiosmtpd): listens on 127.0.0.1:PORT and saves every message it accepts as
# DIR/<n>.json ({mail_from, rcpt_tos, subject, headers, text, html}, the parts decoded), so a
# test reads a link out of an email without a MIME parser of its own.
#
#   /usr/bin/python3 smtp_server.py DIR PORT     prints "listening" once it accepts; SIGTERM stops it
import email
import email.policy
import json
import os
import sys
import time

from aiosmtpd.controller import Controller


class Saver:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)

        def part(kind):
            body = message.get_body(preferencelist=(kind,))
            return body.get_content() if body is not None else None

        self.count += 1
        record = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': envelope.rcpt_tos,
            'subject': str(message['subject']),
            'headers': {key: str(value) for key, value in message.items()},
            'text': part('plain'),
            'html': part('html'),
        }
        path = os.path.join(self.directory, f'{self.count}.json')
        # Written aside and renamed: the test polls the directory and must see whole files only.
        with open(path + '.tmp', 'w', encoding='utf-8') as f:
            json.dump(record, f)
        os.rename(path + '.tmp', path)
        return '250 Message accepted'


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    controller = Controller(Saver(directory), hostname='127.0.0.1', port=port)
    controller.start()  # raises if the port is taken; the test then tries another
    print('listening', flush=True)
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    main()
