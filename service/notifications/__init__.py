"""Notifications (通知): the outbox events, the channels (robots, e-mail), the delivery worker."""
