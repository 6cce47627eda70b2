"""Outgoing mail through Amazon SES (moto's SES in tests and the local stack)."""
from __future__ import annotations

from chalicelib import settings
from chalicelib.aws import client

RESET_SUBJECT = "Password reset instructions"
WELCOME_SUBJECT = "Your FlexMeasures account"


def send_password_reset(email: str, username: str) -> str:
    """Tell the user their password was reset and how to set a new one; returns SES's message id."""
    body = (f"Dear {username},\n\n"
            "Your FlexMeasures password has been reset and every session and access token of your account "
            "has been revoked. To log in again, choose a new password with the \"Forgot password\" link on "
            "the login page, or ask an administrator of your account for help.\n\n"
            "If you did not expect this, please contact your administrator.\n")
    return _send(email, RESET_SUBJECT, body)


def send_welcome(email: str, username: str) -> str:
    """Tell a user created through the API (with a random password) how to set their password."""
    body = (f"Dear {username},\n\n"
            "A FlexMeasures user has been created for you. To log in, choose a password with the "
            "\"Forgot password\" link on the login page, or ask an administrator of your account for help.\n")
    return _send(email, WELCOME_SUBJECT, body)


def _send(email: str, subject: str, body: str) -> str:
    response = client("ses").send_email(
        Source=settings.mail_sender(),
        Destination={"ToAddresses": [email]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
    )
    return response["MessageId"]
