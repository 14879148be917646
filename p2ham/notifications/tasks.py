"""Background work for notifications."""

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_notification_email(*, to: str, subject: str, body: str) -> None:
    """Send one notification e-mail (queued after the transaction that created it commits)."""
    send_mail(subject=subject, message=body, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[to])
