"""Reminders and notifications: planning (which are due), dispatch (claim, send, mark) and the
channels (e-mail, SMS or messenger gateway) they go out on."""
