"""Email: the ``mail`` job kind of the outbox, its templates, preferences and resets.

Events (a booking, a pickup, an issued invoice...) become one mail job per recipient
through the outbox cursor, like webhook deliveries; each attempt renders the message
from the database as it is then and hands it to SMTP (``aiosmtplib``), or, with no SMTP
host configured, keeps it for the admin "Outbox" page. Every message sent is recorded
(``MailMessage``) so staff can see who was told what, from the shipment's timeline.
"""
