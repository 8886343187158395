"""Read the mails a Maildir holds (aiosmtpd's Mailbox handler writes them)
with Python's own e-mail parser, and print them as JSON for the Rust tests:
subject, recipients, priority, text, and each attachment's type, name, size
and first bytes."""
import email, email.policy, json, mailbox, sys

out = []
for msg in mailbox.Maildir(sys.argv[1], factory=None, create=False):
    m = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    text, parts = "", []
    for part in m.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            data = part.get_content()
            parts.append({"type": part.get_content_type(), "name": part.get_filename(), "size": len(data), "head": data[:4].decode("latin-1")})
        elif part.get_content_type() == "text/plain":
            text += part.get_content()
    out.append({"subject": str(m["subject"]), "to": str(m["to"]), "priority": str(m.get("x-priority", "")), "text": text, "attachments": parts})
print(json.dumps(out))
